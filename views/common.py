"""views.common: page setup, language and settings shared by every view."""
from __future__ import annotations

import streamlit as st

from gislib.config import load_settings
from gislib.dataset import current_name
from gislib.i18n import t


def page_setup() -> None:
    """Page config and the sidebar header shared by every page."""
    st.set_page_config(page_title="河图 Hetu", page_icon="🌊", layout="wide", initial_sidebar_state="auto")
    settings = load_settings()
    if "lang" not in st.session_state:
        st.session_state["lang"] = settings.lang
    if "basemap" not in st.session_state:
        st.session_state["basemap"] = settings.basemap
    with st.sidebar:
        st.radio("语言 Language", ["zh", "en"], key="lang", horizontal=True,
                 format_func=lambda v: "中文" if v == "zh" else "English")


def lang() -> str:
    """The language chosen in the sidebar."""
    return st.session_state.get("lang", "zh")


def tr(key: str) -> str:
    """Shorthand for the current language's text."""
    return t(key, lang())


def demo_banner() -> None:
    """The 示例数据 notice every page with generated records shows."""
    st.caption(f"{tr('app.demo_banner')} · 数据集 dataset: `{current_name()}`")
