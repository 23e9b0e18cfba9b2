"""Hetu 河图: Streamlit entry point. Navigation over the views, nothing else."""
import streamlit as st

from views.common import page_setup

page_setup()
st.navigation(
    {
        "河图": [
            st.Page("views/map_view.py", title="一张图 Map", icon=":material/map:", default=True, url_path="map"),
            st.Page("views/outfalls_view.py", title="排口台账 Outfall ledger", icon=":material/list_alt:", url_path="outfalls"),
            st.Page("views/outfall_view.py", title="一口一档 Outfall file", icon=":material/description:", url_path="outfall"),
            st.Page("views/sections_view.py", title="断面水质 Sections", icon=":material/water_drop:", url_path="sections"),
            st.Page("views/plots_view.py", title="污染地块 Plots", icon=":material/layers:", url_path="plots"),
            st.Page("views/dust_view.py", title="工地扬尘 Dust", icon=":material/construction:", url_path="dust"),
            st.Page("views/import_view.py", title="数据导入 Import", icon=":material/upload_file:", url_path="import"),
            st.Page("views/problems_view.py", title="问题闭环 Problems", icon=":material/flag:", url_path="problems"),
            st.Page("views/patrols_view.py", title="巡河 Patrols", icon=":material/directions_walk:", url_path="patrols"),
            st.Page("views/rankings_view.py", title="红黄绿榜 Rankings", icon=":material/leaderboard:", url_path="rankings"),
            # pages: one line each, in menu order
        ],
        "系统": [
            st.Page("views/settings_view.py", title="设置 Settings", icon=":material/settings:", url_path="settings"),
        ],
    }
).run()
