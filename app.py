"""Hetu 河图: Streamlit entry point. Navigation over the views, nothing else."""
import streamlit as st

from views.common import page_setup, tr

page_setup()
st.navigation(
    {
        tr("nav.group.main"): [
            st.Page("views/map_view.py", title=tr("nav.map"), icon=":material/map:", default=True, url_path="map"),
            st.Page("views/outfalls_view.py", title=tr("nav.outfalls"), icon=":material/list_alt:", url_path="outfalls"),
            st.Page("views/outfall_view.py", title=tr("nav.outfall"), icon=":material/description:", url_path="outfall"),
            st.Page("views/sections_view.py", title=tr("nav.sections"), icon=":material/water_drop:", url_path="sections"),
            st.Page("views/plots_view.py", title=tr("nav.plots"), icon=":material/layers:", url_path="plots"),
            st.Page("views/dust_view.py", title=tr("nav.dust"), icon=":material/construction:", url_path="dust"),
            st.Page("views/import_view.py", title=tr("nav.import"), icon=":material/upload_file:", url_path="import"),
            st.Page("views/problems_view.py", title=tr("nav.problems"), icon=":material/flag:", url_path="problems"),
            st.Page("views/patrols_view.py", title=tr("nav.patrols"), icon=":material/directions_walk:", url_path="patrols"),
            st.Page("views/rankings_view.py", title=tr("nav.rankings"), icon=":material/leaderboard:", url_path="rankings"),
            # pages: one line each, in menu order
        ],
        tr("nav.group.system"): [
            st.Page("views/settings_view.py", title=tr("nav.settings"), icon=":material/settings:", url_path="settings"),
        ],
    }
).run()
