"""Hetu 河图: Streamlit entry point. The login gate, then navigation over the pages the role may see."""
import streamlit as st

from gislib.auth import allowed
from gislib.services.access import scope_of, use_scope
from views import login
from views.common import page_setup, tr

page_setup()
user = login.current_user()
if user is None:
    st.navigation([st.Page(login.login_page, title=tr("nav.login"), icon=":material/login:", url_path="login")],
                  position="hidden").run()
elif user.must_change_password:
    login.account_sidebar(user)
    st.navigation([st.Page(login.change_password_page, title=tr("nav.password"), url_path="password")],
                  position="hidden").run()
else:
    use_scope(scope_of(user))  # every map, snapshot and atlas of this run shows only what the user may see
    pages = [  # (page, the operation the role needs to see it in the menu)
        (st.Page("views/map_view.py", title=tr("nav.map"), icon=":material/map:", default=True, url_path="map"), None),
        (st.Page("views/outfalls_view.py", title=tr("nav.outfalls"), icon=":material/list_alt:", url_path="outfalls"), None),
        (st.Page("views/outfall_view.py", title=tr("nav.outfall"), icon=":material/description:", url_path="outfall"), None),
        (st.Page("views/sections_view.py", title=tr("nav.sections"), icon=":material/water_drop:", url_path="sections"), None),
        (st.Page("views/plots_view.py", title=tr("nav.plots"), icon=":material/layers:", url_path="plots"), None),
        (st.Page("views/dust_view.py", title=tr("nav.dust"), icon=":material/construction:", url_path="dust"), None),
        (st.Page("views/import_view.py", title=tr("nav.import"), icon=":material/upload_file:", url_path="import"), "import"),
        (st.Page("views/problems_view.py", title=tr("nav.problems"), icon=":material/flag:", url_path="problems"), None),
        (st.Page("views/patrols_view.py", title=tr("nav.patrols"), icon=":material/directions_walk:", url_path="patrols"), None),
        (st.Page("views/rankings_view.py", title=tr("nav.rankings"), icon=":material/leaderboard:", url_path="rankings"), None),
        # pages: one line each, in menu order
    ]
    system = [
        (st.Page("views/settings_view.py", title=tr("nav.settings"), icon=":material/settings:", url_path="settings"), None),
        (st.Page("views/admin_view.py", title=tr("nav.admin"), icon=":material/manage_accounts:", url_path="admin"), "manage_users"),
    ]

    def visible(entries):
        return [page for page, operation in entries if operation is None or allowed(user, operation)]

    try:
        st.navigation({tr("nav.group.main"): visible(pages), tr("nav.group.system"): visible(system)}).run()
    finally:  # after the page: the account and logout come last in the sidebar (also when a page stops early)
        login.account_sidebar(user)
