"""用户管理 Users: create, disable/re-enable, reset passwords, roles and jurisdictions; the audit.

Every action goes through gislib.auth.Accounts with the logged-in admin as ``by`` (checked for
``manage_users`` there too) and lands in ``auth_events``, shown at the bottom of the page.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from gislib.auth.permissions import ROLES
from gislib.dataset import load_layer
from gislib.errors import HetuError
from gislib.safe_text import md_text
from gislib.timefmt import local_time
from gislib.messages import CATALOG
from views.common import tr
from views.common import require
from views.login import accounts, error_text, role_name



def _t(key: str, **fmt) -> str:
    return tr(f"admin.{key}", **fmt)


def _action(action: str) -> str:
    """An auth_events action in the user's language (unknown actions as written)."""
    key = f"admin.action.{action}"
    return tr(key) if key in CATALOG else action


@st.cache_data(show_spinner=False)
def place_names(layer: str) -> list[str]:
    """Names of the map's rivers or sub-districts (the lists the admin picks a jurisdiction from)."""
    return sorted({str(n) for n in load_layer(layer)["name"].dropna()})


def _act(fn, ok: str) -> None:
    """Run an admin action; show its refusal (policy, last admin, …) instead of a traceback."""
    try:
        fn()
    except HetuError as exc:
        st.error(error_text(exc))
        return
    st.session_state["admin_notice"] = ok
    st.rerun()


def user_table(users) -> None:
    rows = [{_t("name"): u.name, _t("display"): u.display_name, _t("role"): role_name(u.role),
             _t("rivers"): "、".join(u.rivers), _t("subdistricts"): "、".join(u.subdistricts),
             _t("state"): " · ".join(x for x, on in ((_t("disabled") if u.disabled else _t("active"), True),
                                                        (_t("must_change"), u.must_change_password),
                                                        (_t("demo"), u.demo)) if on)}
            for u in users]
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)


def jurisdiction_inputs(prefix: str, rivers=(), subdistricts=()) -> tuple[list[str], list[str]]:
    river_names, sub_names = place_names("rivers"), place_names("subdistricts")
    picked_rivers = st.multiselect(_t("rivers"), sorted(set(river_names) | set(rivers)), default=list(rivers),
                                   key=f"{prefix}_rivers", placeholder=_t("choose"))
    picked_subs = st.multiselect(_t("subdistricts"), sorted(set(sub_names) | set(subdistricts)),
                                 default=list(subdistricts), key=f"{prefix}_subdistricts", placeholder=_t("choose"))
    st.caption(_t("whole"))
    return picked_rivers, picked_subs


def create_form(admin) -> None:
    with st.expander(_t("create"), icon=":material/person_add:"):
        with st.form("create_user"):
            name = st.text_input(_t("name"), key="new_name")
            display = st.text_input(_t("display"), key="new_display")
            role = st.selectbox(_t("role"), list(ROLES), format_func=role_name, key="new_role")
            rivers, subs = jurisdiction_inputs("new")
            password = st.text_input(_t("temp"), type="password", key="new_password", autocomplete="new-password")
            go = st.form_submit_button(_t("create_btn"), type="primary")
        if go:
            _act(lambda: accounts().create(name, password, role, admin, display_name=display, rivers=rivers,
                                           subdistricts=subs, must_change_password=True),
                 _t("created", name=name.strip()))


def edit_form(admin, users) -> None:
    st.subheader(_t("edit"))
    names = [u.name for u in users]
    name = st.selectbox(_t("pick"), names, key="edit_user")
    user = next(u for u in users if u.name == name)
    with st.form(f"edit_{name}"):
        role = st.selectbox(_t("role"), list(ROLES), index=list(ROLES).index(user.role), format_func=role_name,
                            key=f"edit_role_{name}")
        rivers, subs = jurisdiction_inputs(f"edit_{name}", user.rivers, user.subdistricts)
        save = st.form_submit_button(_t("save"), type="primary")
    if save:
        _act(lambda: accounts().set_role(name, role, admin, rivers=rivers, subdistricts=subs),
             _t("saved", name=name))
    left, right = st.columns(2)
    with left:
        label = _t("enable") if user.disabled else _t("disable")
        if st.button(label, key=f"toggle_{name}"):
            _act(lambda: accounts().set_disabled(name, not user.disabled, admin), _t("done", name=name))
    with right:
        with st.popover(_t("reset")):
            temp = st.text_input(_t("temp"), type="password", key=f"reset_pw_{name}", autocomplete="new-password")
            if st.button(_t("reset_btn"), key=f"reset_{name}"):
                _act(lambda: accounts().reset_password(name, temp, admin), _t("reset_done", name=name))


def audit_table() -> None:
    st.subheader(_t("audit"))
    events = list(reversed(accounts().events()))[:300]
    rows = [{_t("at"): local_time(e["at"]), _t("actor"): e["actor"], _t("action"): _action(e["action"]),
             _t("name"): e["user"] or "", _t("detail"): ", ".join(f"{k}={v}" for k, v in e["detail"].items())}
            for e in events]
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True, height=320)


def main() -> None:
    admin = require("manage_users")
    st.title(_t("title"))
    notice = st.session_state.pop("admin_notice", None)
    if notice:
        st.success(md_text(notice))
    users = accounts().users()
    user_table(users)
    create_form(admin)
    edit_form(admin, users)
    audit_table()


main()
