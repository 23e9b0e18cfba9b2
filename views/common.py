"""views.common: page setup, language and settings shared by every view."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from gislib.config import load_settings
from gislib.dataset import current_name
from gislib.i18n import t
from layers.assets import ensure_web_fonts


# Until logins exist (a later issue), the acting user is chosen here; the store always records it.
DEMO_USERS = ["officer:demo", "officer:李某某", "chief:孙某某", "admin:demo"]


def page_setup() -> None:
    """Page config and the sidebar header shared by every page."""
    st.set_page_config(page_title="河图 Hetu", page_icon="🌊", layout="wide", initial_sidebar_state="auto")
    ensure_web_fonts()  # the CJK web-font fallback (config.toml [[theme.fontFaces]])
    settings = load_settings()
    if "lang" not in st.session_state:
        st.session_state["lang"] = settings.lang
    if "basemap" not in st.session_state:
        st.session_state["basemap"] = settings.basemap
    if "user" not in st.session_state:
        st.session_state["user"] = DEMO_USERS[0]
    with st.sidebar:
        st.radio("语言 Language", ["zh", "en"], key="lang", horizontal=True,
                 format_func=lambda v: "中文" if v == "zh" else "English")
        st.selectbox("当前用户 Acting user", DEMO_USERS, key="user",
                     help="登录功能上线前，在此选择操作人；每次修改都记录操作人。"
                          " Until logins arrive, choose who acts; every edit records the user.")


def lang() -> str:
    """The language chosen in the sidebar."""
    return st.session_state.get("lang", "zh")


def localized(entry, **fmt) -> str:
    """A page's own text in the current language: ``{"zh": …, "en": …}`` or ``(zh, en)``, formatted."""
    zh, en = (entry["zh"], entry.get("en")) if isinstance(entry, dict) else entry
    text = en if lang() == "en" and en else zh
    return text.format(**fmt) if fmt else text


def tr(key: str) -> str:
    """Shorthand for the current language's text."""
    return t(key, lang())


def demo_banner() -> None:
    """The 示例数据 notice every page with generated records shows."""
    st.caption(f"{tr('app.demo_banner')} · 数据集 dataset: `{current_name()}`")


def usable_upload(upload) -> bool:
    """True when a file was uploaded and is within the size limit (an error is shown otherwise)."""
    return upload is not None and not upload_too_big(upload)


def upload_too_big(upload) -> bool:
    """Show an error and return True when an upload is over HETU_MAX_UPLOAD_MB."""
    limit_mb = load_settings().max_upload_mb
    size = len(upload.getvalue())
    if size <= limit_mb * 1024 * 1024:
        return False
    st.error(f"文件 {upload.name} 有 {size / 1048576:.1f} MB，超过上传上限 {limit_mb} MB；"
             f"请拆分文件或请管理员调整 HETU_MAX_UPLOAD_MB。 The file is over the {limit_mb} MB upload limit.")
    return True


@contextmanager
def uploaded_path(upload) -> Iterator[Path]:
    """An uploaded file on disk under its own name (names can carry hints such as 高德), for readers
    that take a path; deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="hetu_upload_") as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        yield path
