"""layers.assets: the map's JS/CSS served by the app itself, and generated data files.

Streamlit serves ``./static`` at ``/app/static/`` (``server.enableStaticServing``). Every
JS and CSS file the map needs is vendored there, so the browser never contacts a CDN.
"""
from __future__ import annotations

import gzip
import os
import threading
import time
from pathlib import Path

from gislib.config import gen_retention_hours
from gislib.dataset import REPO_ROOT
from gislib.geo.pointpack import content_name

STATIC_DIR = REPO_ROOT / "static"
STATIC_URL = "/app/static"
GEN_DIR = STATIC_DIR / "gen"
PRUNE_EVERY_S = 600  # a sweep of static/gen at most this often
_LIVE: set[str] = set()  # names this process published: any page it built (or cached) may still ask for them
_lock = threading.Lock()
_last_prune = 0.0

LEAFLET_JS = ("leaflet", f"{STATIC_URL}/vendor/leaflet/leaflet.js")
LEAFLET_CSS = ("leaflet_css", f"{STATIC_URL}/vendor/leaflet/leaflet.css")
FETCH_JS = ("hetu_fetch", f"{STATIC_URL}/js/hetu-fetch.js")  # generated data fetched as its precompressed .gz
POINTS_JS = ("hetu_points", f"{STATIC_URL}/js/hetu-points.js")
DRAW_JS = ("hetu_draw", f"{STATIC_URL}/js/hetu-draw.js")  # Leaflet's canvas renderer without redundant work
SELECTION_JS = ("hetu_selection", f"{STATIC_URL}/js/hetu-selection.js")
HETU_CSS = ("hetu_css", f"{STATIC_URL}/css/hetu-map.css")


WEB_FONTS_DIR = STATIC_DIR / "fonts"  # files, not a symlink: the static server refuses paths outside static/
WEB_FONTS_MANIFEST = WEB_FONTS_DIR / "web-fonts.json"
_font_build: threading.Thread | None = None


def web_fonts_ready() -> bool:
    """Whether the WOFF2 web fonts of .streamlit/config.toml and hetu-map.css are in static/fonts."""
    from gislib.reports.fonts import WEB_FACES

    return WEB_FONTS_MANIFEST.exists() and all((WEB_FONTS_DIR / name).exists() for name in WEB_FACES)


def build_web_fonts(force: bool = False) -> bool:
    """Cut the bundled CJK font (assets/fonts, OTF for the PDFs) into the browser's WOFF2 web fonts in
    static/fonts when missing or out of date (other characters, other source); about half a minute, so
    ``scripts/setup.sh`` runs it before the app starts. Returns whether it built them."""
    import json

    from gislib.reports.fonts import WEB_FACES, build_web_font, web_font_text, web_fonts_key

    text = web_font_text()
    key = web_fonts_key(text)
    if not force and web_fonts_ready():
        try:
            if json.loads(WEB_FONTS_MANIFEST.read_text()).get("key") == key:
                return False
        except ValueError:
            pass
    for name, source in WEB_FACES.items():
        build_web_font(source, WEB_FONTS_DIR / name, text)
    for old in WEB_FONTS_DIR.glob("*.otf"):  # the copies served before the WOFF2 cut (4 times the bytes)
        old.unlink(missing_ok=True)
    WEB_FONTS_MANIFEST.write_text(json.dumps({"key": key, "characters": len(text)}))
    return True


def ensure_web_fonts() -> None:
    """Every page: make sure the CJK web-font fallback exists. Normally ``scripts/setup.sh`` built it; when
    not, it is built once in a background thread (never on a page's critical path: until it is there, a
    browser without a CJK system font shows boxes, as it would without the fallback)."""
    global _font_build
    if web_fonts_ready():
        return
    with _lock:
        if _font_build is None:  # once per process: a build that failed is not retried on every page
            _font_build = threading.Thread(target=build_web_fonts, name="hetu-web-fonts", daemon=True)
            _font_build.start()


GZIPPED = (".bin", ".json")  # published data the map frame fetches: written gzipped beside too (hetu-fetch.js)


def publish(data: bytes, suffix: str) -> str:
    """Write generated data under ``static/gen`` by content hash (the same data, the same name, so a page
    of any session keeps working while the data are unchanged) and return its URL. Map data (``GZIPPED``) is
    also written gzipped, once, as ``<name>.gz``: the frame fetches that (``static/js/hetu-fetch.js``) and the
    server sends it as it is, instead of compressing the file again at level 9 for every request."""
    GEN_DIR.mkdir(parents=True, exist_ok=True)
    name = content_name(data, suffix)
    path = GEN_DIR / name
    names = [name]
    if suffix in GZIPPED:
        names.append(name + ".gz")
        _write_once(path.with_name(name + ".gz"), lambda: gzip.compress(data, 9, mtime=0))
    _write_once(path, lambda: data)
    with _lock:
        _LIVE.update(names)
    prune()
    return f"{STATIC_URL}/gen/{name}"


def _write_once(path: Path, content) -> None:
    """``content()`` written to ``path`` atomically unless it is there (same name, same content: only touched,
    so retention counts its age from now)."""
    if path.exists():
        os.utime(path)
        return
    tmp = path.with_name(path.name + f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(content())
    tmp.replace(path)


def bundle_scripts(urls: list[str]) -> list[str]:
    """The map frame's scripts in as few files as possible. The frame (streamlit-folium's, and the map page's own
    alike) loads its ``js_links`` one after another, each once the one before has run (a round trip each: Leaflet
    and our three files took 4 × ~47 ms of the frame's first draw at city scale); the app's own files under
    ``static/`` that follow each other are
    joined, in their order, into one file published under ``static/gen`` by content (the same scripts, the same
    name). Any other link stays where it is, in its place."""
    out: list[str] = []
    run: list[tuple[str, Path]] = []  # (link, file) of our own scripts in a row

    def flush() -> None:
        if len(run) > 1:
            out.append(publish(b"\n;\n".join(path.read_bytes() for _url, path in run) + b"\n", ".js"))
        else:
            out.extend(url for url, _path in run)
        run.clear()

    root = STATIC_DIR.resolve()
    for url in urls:
        path = None
        if url.startswith(STATIC_URL + "/") and not url.startswith(f"{STATIC_URL}/gen/"):
            candidate = (STATIC_DIR / url[len(STATIC_URL) + 1:]).resolve()
            if candidate.is_file() and candidate.is_relative_to(root) and candidate.suffix == ".js":
                path = candidate
        if path is None:
            flush()
            out.append(url)
        else:
            run.append((url, path))
    flush()
    return out


def prune(force: bool = False) -> list[str]:
    """Delete the generated files no page can still ask for: not published by this process (whose cached
    pages may serve them) and not published by anyone for ``HETU_GEN_RETENTION_HOURS`` (other processes,
    earlier runs). Never by count: many users and filter combinations cannot push out a live page's data.
    Returns the names deleted."""
    global _last_prune
    now = time.time()
    with _lock:
        if not force and now - _last_prune < PRUNE_EVERY_S:
            return []
        _last_prune = now
        live = set(_LIVE)
    cutoff = now - gen_retention_hours() * 3600
    gone = []
    for path in GEN_DIR.glob("*") if GEN_DIR.exists() else ():
        try:
            if path.name not in live and path.stat().st_mtime < cutoff:
                path.unlink()
                gone.append(path.name)
        except FileNotFoundError:  # another process swept it first
            continue
    return gone


TILE_SETS_DIR = GEN_DIR / "pt"
KEEP_TILE_SETS = 6  # a page opened before the data changed keeps its (older) tile set for a while


def publish_tiles(version: str, files) -> str:
    """Write a set of point tiles (``files``: iterable of (name, bytes)) once under
    ``static/gen/pt/<version>/`` and return its URL. Atomic: the folder is built beside and renamed,
    so a page never reads half a set; ``version`` changes with the content, so an open page keeps its set."""
    import shutil
    import tempfile

    final = TILE_SETS_DIR / version
    if not final.exists():
        TILE_SETS_DIR.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=TILE_SETS_DIR))
        for name, data in files:
            (tmp / name).write_bytes(data)
        try:
            tmp.rename(final)
        except OSError:  # another process published the same set first
            shutil.rmtree(tmp, ignore_errors=True)
        sets = sorted((p for p in TILE_SETS_DIR.iterdir() if p.is_dir() and not p.name.startswith(".")),
                      key=lambda p: p.stat().st_mtime, reverse=True)
        for old in sets[KEEP_TILE_SETS:]:
            shutil.rmtree(old, ignore_errors=True)
    return f"{STATIC_URL}/gen/pt/{version}"


def tile_url(dataset: str) -> str:
    """URL template of the offline basemap tiles of a data set."""
    from gislib.geo.basemap import SPECS

    return f"{STATIC_URL}/tiles/{SPECS[dataset].name}/{{z}}/{{x}}/{{y}}.png"
