"""Hetu 河图: Streamlit entry point. Navigation over the views, nothing else."""
import streamlit as st

from views.common import page_setup

page_setup()
st.navigation(
    {
        "河图": [
            st.Page("views/map_view.py", title="一张图 Map", icon=":material/map:", default=True, url_path="map"),
            # pages: one line each, in menu order
        ],
        "系统": [
            st.Page("views/settings_view.py", title="设置 Settings", icon=":material/settings:", url_path="settings"),
        ],
    }
).run()
