"""views.common: page setup, language and settings shared by every view."""
from __future__ import annotations

import functools
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from gislib.config import load_settings
from gislib.dataset import current_name
from gislib.i18n import t, use_lang
from gislib.safe_text import md_text
from views import map_csp
from gislib.io.uploads import clean_abandoned, safe_name
from layers.assets import ensure_web_fonts


def page_setup() -> None:
    """Page config and the sidebar header shared by every page."""
    st.set_page_config(page_title="河图 Hetu", page_icon="🌊", layout="wide", initial_sidebar_state="auto")
    map_csp.install()  # every map frame gets a Content-Security-Policy (views/map_csp.py)
    ensure_web_fonts()  # the CJK web-font fallback (config.toml [[theme.fontFaces]])
    settings = load_settings()
    clean_abandoned_uploads(settings)
    if "lang" not in st.session_state:  # ?lang=en opens the app in English (links can carry it)
        wanted = st.query_params.get("lang")
        st.session_state["lang"] = wanted if wanted in ("zh", "en") else settings.lang
    if "basemap" not in st.session_state:
        st.session_state["basemap"] = settings.basemap
    with st.sidebar:
        st.radio("语言 Language", ["zh", "en"], key="lang", horizontal=True,
                 format_func=lambda v: "中文" if v == "zh" else "English")
        # one element for both (every element costs each page load a render): Streamlit's widget texts in the
        # chosen language and the idle preload of other pages' code
        extras = widget_texts_css() + (preload_script() if element_chunks()[0] else "")
        if extras:
            st.html(extras, unsafe_allow_javascript=True)


# Streamlit's frontend fetches the code of most elements (a table, a select box, a number input …) the first
# time a page of the tab shows one: at city scale that was 2-3 s of the ledger's first page after the map
# (the data grid's code and its libraries fetched, parsed and run before its 50 rows could be drawn). Every
# page asks the browser, once it is idle and its map (if any) has drawn, to load these now (the same module files, so the page that needs
# them later finds them loaded): the ledger and the record pages open without that wait.
PRELOAD_SETTLE_MS = 6000  # a page without a map frame by then has none: preload
PRELOAD_AFTER_DRAW_MS = 3000  # after the map's first draw: its first zoom and pan are not slowed by the parse
PRELOAD_WAIT_MS = 30000  # a map that has not drawn by then (every point layer off): preload anyway
PRELOADED_ELEMENTS = ("DataFrame", "Selectbox", "NumberInput", "TextInput", "Checkbox", "Multiselect", "Radio",
                      "Button", "DownloadButton", "Progress")
# What a click on the map shows next that the map page has not shown yet: the link to the record (a few KB).
# Fetched when the browser is first idle after the map has drawn, also on a phone: otherwise the first click's
# answer waited for it (the key facts are markdown, views.map_view.key_facts: no table code).
CLICK_ELEMENTS = ("PageLink",)


@functools.lru_cache(maxsize=4)
def element_chunks(names: tuple[str, ...] = PRELOADED_ELEMENTS) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(JS files, CSS files) of the elements ``names`` (``PRELOADED_ELEMENTS`` unless told) in this Streamlit's
    frontend build (names carry a content hash: found in the installed package; an element without its own file
    is skipped)."""
    root = Path(st.__file__).parent / "static" / "static"
    js = tuple(sorted(f.name for name in names for f in (root / "js").glob(f"{name}.*.js")
                      if f.name.count(".") == 2))
    css = tuple(sorted(f.name for name in names for f in (root / "css").glob(f"{name}.*.css")
                       if f.name.count(".") == 2))
    return js, css


def preload_script() -> str:
    """The script that loads the element files when the browser is idle, resolved against the URL of
    Streamlit's own entry script (so a ``server.baseUrlPath`` is followed). It waits until the page has
    settled: a map on the page drew its points (its frame's ``__hetuFirstDraw``) ``PRELOAD_AFTER_DRAW_MS`` ago,
    or no map frame appeared within ``PRELOAD_SETTLE_MS``; at most ``PRELOAD_WAIT_MS``. The map's first draw,
    zoom and pan are never slowed by code for pages the user has not opened yet. The code of what a click on
    the map shows (``CLICK_ELEMENTS``) is loaded sooner: at the first idle moment after the map has drawn. The
    other pages' code is not fetched ahead on a phone-width screen (river chiefs' phones: the map, not the
    ledger, and every MB counts)."""
    import json

    def files(names: tuple[str, ...]) -> str:  # [css, js] of these elements, as a JS array
        js, css = element_chunks(names)
        return json.dumps([list(css), list(js)])

    return ("<script>(function(){var w=window;if(w.__hetuPreloaded)return;w.__hetuPreloaded=1;"
            "var phone=700>w.innerWidth;"  # a phone: the map only, the ledger's code is not fetched ahead
            "var idle=function(f){(w.requestIdleCallback||function(f){setTimeout(f,300);})(f,{timeout:2000});};"
            "var load=function(f){var e=document.querySelector('script[type=module][src*=\"/static/js/index.\"]');"
            "if(!e)return;"
            "f[0].forEach(function(n){var h=new URL('../css/'+n,e.src).href;"
            "if(document.querySelector('link[rel=stylesheet][href=\"'+h+'\"]'))return;"
            "var l=document.createElement('link');l.rel='stylesheet';l.href=h;document.head.appendChild(l);});"
            "f[1].forEach(function(n){import(new URL('./'+n,e.src).href).catch(function(){});});};"
            f"var first=function(){{load({files(CLICK_ELEMENTS)});}},"
            f"rest=function(){{load({files(PRELOADED_ELEMENTS)});}};"
            "var go=function(){if(phone)return;w.__hetuPreloadAt=performance.timeOrigin+performance.now();rest();};"
            # a map frame (same origin) that has not drawn yet: wait for it
            "var waiting=function(){var fs=document.querySelectorAll('iframe'),map=false;"
            "for(var i=0;fs.length>i;i++){try{var f=fs[i].contentWindow;"
            "if(f&&f.document.querySelector('.leaflet-container')){map=true;if(!f.__hetuFirstDraw)return 2;}}"
            "catch(x){}}return map?0:1;};"
            "var t0=Date.now(),d0=0,tick=function(){var s=waiting(),now=Date.now(),dt=now-t0;"
            "if(s===0&&!d0){d0=now;idle(first);}"
            f"if((d0&&now-d0>={PRELOAD_AFTER_DRAW_MS})||(s===1&&dt>={PRELOAD_SETTLE_MS})||dt>={PRELOAD_WAIT_MS})"
            "idle(function(){if(!d0)first();go();});"
            "else setTimeout(tick,250);};setTimeout(tick,250);})();</script>")


# Streamlit has no option for the file uploader's own texts ("Upload", "50MB per file • CSV"): in
# Chinese they are shown in Chinese by CSS. The English text stays in the page (font-size 0), so the
# button keeps its name for screen readers, which also read the Chinese generated content.
UPLOADER_ZH_CSS = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {font-size: 0}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "上传文件"; font-size: 0.875rem}
[data-testid="stFileUploaderDropzoneInstructions"] span {font-size: 0}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "拖放文件到此处，单个文件不超过 %dMB"; font-size: 0.8rem}
</style>"""


def widget_texts_css() -> str:
    """Streamlit's built-in widget texts in the chosen language (see UPLOADER_ZH_CSS), as a stylesheet ("" in
    English)."""
    return UPLOADER_ZH_CSS % load_settings().max_upload_mb if lang() == "zh" else ""


def current_user():
    """The logged-in ``gislib.auth.User`` (app.py lets no page run without one; views/login.py)."""
    user = st.session_state.get("auth_user")
    if user is None:
        st.error(tr("login.required"))
        st.stop()
    return user


def actor() -> str:
    """The name the audit trail records for the logged-in user."""
    return current_user().name


def records(store=None):
    """The record store as the logged-in user may use it (gislib.services.access.Records)."""
    from gislib.services.catalog import store as catalog_store
    from gislib.services.access import Records

    return Records(store if store is not None else catalog_store(dataset=current_name()), current_user())


def require(operation: str, target=None):
    """The logged-in user if they may run ``operation`` (on ``target``); otherwise the page says why in the
    user's language and stops (the service would refuse the call anyway)."""
    from gislib.auth import check
    from gislib.errors import PermissionDenied

    user = current_user()
    try:
        check(user, operation, target)
    except PermissionDenied as exc:
        st.error(exc.text(lang()))
        st.stop()
    return user


def may(operation: str, target=None) -> bool:
    """Whether the logged-in user may run ``operation`` (on ``target``): for showing or hiding controls."""
    from gislib.auth import allowed

    return allowed(st.session_state.get("auth_user"), operation, target)


def map_scope():
    """The map layers' scope of the logged-in user (gislib.services.access.scope_of)."""
    from gislib.services.access import scope_of

    return scope_of(current_user())


def lang() -> str:
    """The language chosen in the sidebar; also made the language of this run for gislib (errors, reports)."""
    return use_lang(st.session_state.get("lang", "zh"))


def tr(key: str, **params) -> str:
    """The catalog text of ``key`` (gislib/messages) in the sidebar's language, ``{name}`` fields filled."""
    return t(key, lang(), **params)


def demo_banner() -> None:
    """The 示例数据 notice every page with generated records shows, with the district whose rules apply."""
    from gislib.district import current_profile

    st.caption(f"{tr('app.demo_banner')} · {tr('app.dataset')}: `{current_name()}` · "
               f"{current_profile().display_name(lang())}（{current_profile().admin_code}）")


def usable_upload(upload) -> bool:
    """True when a file was uploaded and is within the size limit (an error is shown otherwise)."""
    return upload is not None and not upload_too_big(upload)


def upload_too_big(upload) -> bool:
    """Show an error and return True when an upload is over HETU_MAX_UPLOAD_MB."""
    limit_mb = load_settings().max_upload_mb
    size = len(upload.getvalue())
    if size <= limit_mb * 1024 * 1024:
        return False
    st.error(tr("app.upload_too_big", name=md_text(upload.name), mb=f"{size / 1048576:.1f}", limit=limit_mb))
    return True


@contextmanager
def uploaded_path(upload) -> Iterator[Path]:
    """An uploaded file on disk under its own (sanitised) name (names can carry hints such as 高德),
    for readers that take a path; deleted afterwards. The readers pass it through gislib.io.uploads."""
    with tempfile.TemporaryDirectory(prefix="hetu_upload_") as tmp:
        path = Path(tmp) / safe_name(upload.name)
        path.write_bytes(upload.getvalue())
        yield path


_CLEANED = {"at": 0.0}
_CLEAN_LOCK = threading.Lock()


def clean_abandoned_uploads(settings, every_s: float = 3600) -> None:
    """At most hourly per process: delete uploads and import sessions abandoned for HETU_UPLOAD_TTL_HOURS."""
    if time.time() - _CLEANED["at"] < every_s or not _CLEAN_LOCK.acquire(blocking=False):
        return
    try:
        _CLEANED["at"] = time.time()
        clean_abandoned(settings.data_dir, settings.upload_ttl_hours)
    finally:
        _CLEAN_LOCK.release()


def record_page_map(layer: str, selected: str | None, codes, hint: str, open_record, height: int = 360) -> None:
    """A record page's map of ``layer`` (the selected record ringed); a click on another record opens it
    through ``open_record(code)`` (once per clicked code)."""
    from streamlit_folium import st_folium

    from layers.page_map import code_in, record_map

    fmap = record_map(layer, selected, lang(), basemap=st.session_state.get("basemap", "offline"),
                      dataset=current_name())
    out = st_folium(fmap, key=f"{layer}_map_{selected or 'all'}", height=height, use_container_width=True,
                    returned_objects=["last_object_clicked_tooltip"])
    st.caption(hint + " · © OpenStreetMap contributors (ODbL)")
    clicked = code_in((out or {}).get("last_object_clicked_tooltip"), codes)
    if clicked and clicked != selected and clicked != st.session_state.get(f"{layer}_map_opened"):
        st.session_state[f"{layer}_map_opened"] = clicked
        open_record(clicked)
