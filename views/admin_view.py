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
from views.common import localized
from views.common import require
from views.login import accounts, error_text, role_name

T = {
    "title": ("用户管理", "Users"),
    "users": ("用户", "Users"),
    "name": ("用户名", "User name"), "display": ("显示名称", "Display name"), "role": ("角色", "Role"),
    "rivers": ("辖区河道", "Rivers of the jurisdiction"), "subdistricts": ("辖区街镇", "Sub-districts of the jurisdiction"),
    "state": ("状态", "State"), "active": ("启用", "active"), "disabled": ("已停用", "disabled"),
    "must_change": ("待改密码", "must change password"), "demo": ("演示", "demo"),
    "create": ("新建用户", "New user"), "temp": ("临时密码（首次登录须修改）", "Temporary password (changed at first login)"),
    "create_btn": ("创建", "Create"), "created": ("已创建用户 {name}", "User {name} created"),
    "edit": ("修改用户", "Edit a user"), "pick": ("选择用户", "Choose a user"),
    "save": ("保存角色与辖区", "Save role and jurisdiction"), "saved": ("已保存 {name} 的角色与辖区", "Saved {name}'s role and jurisdiction"),
    "disable": ("停用账户", "Disable the account"), "enable": ("重新启用", "Re-enable the account"),
    "done": ("已完成：{name}", "Done: {name}"),
    "reset": ("重置密码", "Reset the password"), "reset_btn": ("重置", "Reset"),
    "reset_done": ("已重置 {name} 的密码，用户下次登录须修改", "{name}'s password was reset; they must change it at the next login"),
    "whole": ("（空 = 全区；河长须至少指定一条河道或一个街镇）", "(empty = whole district; a river chief needs at least one river or sub-district)"),
    "audit": ("登录与管理记录", "Logins and admin actions"),
    "at": ("时间 (北京时间)", "Time (Beijing)"), "actor": ("操作人", "By"), "action": ("操作", "Action"),
    "detail": ("详情", "Detail"), "choose": ("选择（可多选）", "Choose (one or more)"),
}
ACTIONS = {  # auth_events.action -> (zh, en)
    "login_ok": ("登录成功", "logged in"), "login_failed": ("密码错误", "wrong password"),
    "login_locked": ("锁定中登录被拒", "refused: locked"), "login_disabled": ("停用账户登录被拒", "refused: disabled"),
    "login_demo_refused": ("演示账户被拒", "demo account refused"), "login_unknown_user": ("未知用户名", "unknown user name"),
    "user_locked": ("账户锁定", "account locked"), "user_created": ("创建用户", "user created"),
    "user_disabled": ("停用用户", "user disabled"), "user_enabled": ("启用用户", "user enabled"),
    "password_reset": ("重置密码", "password reset"), "password_changed": ("修改密码", "password changed"),
    "role_changed": ("变更角色/辖区", "role/jurisdiction changed"), "logout": ("退出登录", "logged out"),
    "session_expired": ("会话超时", "session expired"), "session_disabled": ("停用后会话结束", "session ended: disabled"),
}


def _t(key: str, **fmt) -> str:
    return localized(T[key], **fmt)


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
    rows = [{_t("at"): local_time(e["at"]), _t("actor"): e["actor"], _t("action"): localized(ACTIONS.get(e["action"], (e["action"], e["action"]))),
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
