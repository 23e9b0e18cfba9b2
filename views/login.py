"""Logins in the app: the login page, the forced password change, the session (cookie), logout.

``app.py`` calls ``current_user()`` on every run, before any page: it resumes the session from
``st.session_state`` or, after a reload, from the ``hetu_session`` cookie (a random token whose hash
the store keeps, gislib.auth.Accounts.resume). The account is read afresh on every run, so a disable
or a role change by an admin takes effect at once; a session idle for HETU_SESSION_IDLE_MINUTES ends.
"""
from __future__ import annotations

import json

import streamlit as st

from gislib.auth import Accounts, User
from gislib.auth.accounts import DEMO_DATASETS
from gislib.auth.permissions import ROLES
from gislib.auth.sso import load_mapping, sso_login, user_from_claims
from gislib.config import load_settings, sso_mapping_path
from gislib.errors import HetuError, LoginError, PermissionDenied
from gislib.services import catalog
from gislib.store import resolve_data_dir, resolve_db_url
from views.common import lang, tr
from views.map_component import warm_up

COOKIE = "hetu_session"


def _t(key: str, **fmt) -> str:
    return tr(f"login.{key}", **fmt)


def error_text(exc: HetuError) -> str:
    """An error (LoginError, PermissionDenied, ValidationError …) in the user's language."""
    return exc.text(lang()) if isinstance(exc, HetuError) else str(exc)


@st.cache_resource(show_spinner=False)
def _accounts(data_dir: str, dataset: str, db_url: str | None) -> Accounts:
    if not db_url:  # the accounts share the store's file: a fresh demo directory gets its store first
        catalog.attach_seed(data_dir, dataset)
    accounts = Accounts(data_dir, url=db_url)
    if dataset in DEMO_DATASETS and not accounts.users():  # a fresh demo: its published demo accounts
        from gislib.auth.demo import adopt_demo_accounts, create_demo_accounts

        if not adopt_demo_accounts(accounts, catalog.seed_file(dataset)):  # hashed when the seed was built
            create_demo_accounts(accounts)
    warm_up(data_dir, dataset)  # the first visitor logs in while the map's default view is prepared
    return accounts


def accounts() -> Accounts:
    """The accounts of the deployment (one per process): in the PostGIS database of HETU_DB_URL when it
    is set (shared by every app server), else in the store of HETU_DATA_DIR."""
    return _accounts(str(resolve_data_dir(None)), load_settings().dataset, resolve_db_url(None))


def _set_cookie_js(token: str | None) -> str:
    value = json.dumps(token or "")
    age = "" if token else "; max-age=0"
    return ("<script>(function(){var s=location.protocol==='https:'?'; Secure':'';"
            f"document.cookie='{COOKIE}='+encodeURIComponent({value})+'; path=/; SameSite=Strict{age}'+s;}})();"
            "</script>")


def sso_available() -> bool:
    """Single sign-on is offered when the bureau configured an OIDC provider for Streamlit's ``st.login``
    (``[auth]`` in .streamlit/secrets.toml) and mapped its groups to roles (HETU_SSO_MAPPING, docs/auth.md)."""
    if not sso_mapping_path():
        return False
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all: no single sign-on
        return False


def _sso_user() -> User | None:
    """The user of a single sign-on (st.user's claims mapped by gislib.auth.sso), or None. The mapping and
    the local account (a disabled one blocks) are read on every run, like a local session's account; the
    login itself is audited once per session."""
    if not sso_available() or not st.user.is_logged_in:
        return None
    claims = st.user.to_dict()
    try:
        mapping = load_mapping()
        if st.session_state.get("sso_claims") == claims:
            user = user_from_claims(claims, mapping)
            local = accounts().find(user.name)
            if local is not None and local.disabled:
                raise PermissionDenied("error.login_disabled")
        else:
            user = sso_login(accounts(), claims, mapping)
            st.session_state["sso_claims"] = claims
    except HetuError as exc:
        st.session_state.pop("sso_claims", None)
        st.session_state["sso_refused"] = error_text(exc)
        return None
    st.session_state.pop("sso_refused", None)
    return user


def current_user() -> User | None:
    """The logged-in user (read afresh from the accounts), or None: then the login page shows."""
    sso = _sso_user()
    if sso is not None:
        st.session_state["auth_user"] = sso
        st.session_state["auth_sso"] = True
        return sso
    st.session_state.pop("auth_sso", None)
    token = st.session_state.get("auth_token") or st.context.cookies.get(COOKIE)
    had_session = "auth_token" in st.session_state
    user, why = accounts().resume(token)
    if user is None:
        st.session_state.pop("auth_token", None)
        st.session_state.pop("auth_user", None)
        if had_session and why in ("expired", "disabled"):
            st.session_state["auth_notice"] = why
        return None
    st.session_state["auth_token"] = token
    st.session_state["auth_user"] = user
    return user


def login_page() -> None:
    """User name and password; lockout and other refusals are shown in the user's language."""
    st.html(_set_cookie_js(None), unsafe_allow_javascript=True)  # no stale session cookie stays behind
    st.title(_t("title"))
    notice = st.session_state.pop("auth_notice", None)
    if notice == "expired":
        st.warning(_t("expired", m=load_settings().session_idle_minutes))
    elif notice:
        st.info(_t(notice))
    st.caption(_t("intro"))
    with st.form("login", border=True):
        name = st.text_input(_t("name"), key="login_name", autocomplete="username")
        password = st.text_input(_t("password"), type="password", key="login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(_t("submit"), type="primary", use_container_width=True)
    if submitted:
        _try_login(name, password)
    if sso_available():
        sso_block()
    if load_settings().dataset in DEMO_DATASETS:
        st.caption(_t("demo"))


def sso_block() -> None:
    """The single sign-on button (st.login: the bureau's provider, then back here), or why a signed-on
    user has no role in Hetu and a way out of that sign-on."""
    refused = st.session_state.get("sso_refused")
    if refused and st.user.is_logged_in:
        st.error(_t("sso_refused", reason=refused))
        if st.button(_t("sso_leave"), key="sso_leave", icon=":material/logout:"):
            st.session_state.pop("sso_refused", None)
            st.logout()
        return
    st.caption(_t("sso_or"))
    if st.button(_t("sso_button"), key="sso_login", icon=":material/key:", use_container_width=True):
        st.login()


def _try_login(name: str, password: str) -> None:
    if not name.strip() or not password:
        st.error(_t("empty"))
        return
    try:
        user = accounts().login(name, password)
    except LoginError as exc:
        st.error(error_text(exc))
        return
    st.session_state["auth_token"] = accounts().start_session(user)
    st.session_state["auth_user"] = user
    st.rerun()


def change_password_page() -> None:
    """The forced change after an admin reset (every permission check fails until it is done)."""
    user: User = st.session_state["auth_user"]
    st.title(_t("change_title"))
    st.info(_t("change_intro"))
    with st.form("change_password"):
        old = st.text_input(_t("old"), type="password", autocomplete="current-password")
        new = st.text_input(_t("new"), type="password", autocomplete="new-password")
        new2 = st.text_input(_t("new2"), type="password", autocomplete="new-password")
        submitted = st.form_submit_button(_t("change_submit"), type="primary")
    if not submitted:
        return
    if new != new2:
        st.error(_t("mismatch"))
        return
    try:
        accounts().change_password(user.name, old, new)
    except HetuError as exc:
        st.error(error_text(exc))
        return
    st.toast(_t("changed"))
    st.rerun()


def role_name(role: str) -> str:
    zh, en = ROLES.get(role, (role, role))
    return en if lang() == "en" else zh


def account_sidebar(user: User) -> None:
    """Who is logged in, their jurisdiction, the logout button (and the session cookie)."""
    token = st.session_state.get("auth_token")
    with st.sidebar:
        # the session cookie, unless the browser came with it (a page load of a logged-in tab: one element less)
        if token and st.context.cookies.get(COOKIE) != token:
            st.html(_set_cookie_js(token), unsafe_allow_javascript=True)
        st.caption(_t("signed_in", name=user.display_name or user.name, role=role_name(user.role)))
        if user.restricted:
            st.caption(_t("scope", places="、".join((*user.rivers, *user.subdistricts))))
        if st.button(_t("logout"), key="logout", icon=":material/logout:"):
            logout()


def logout() -> None:
    accounts().end_session(st.session_state.get("auth_token"))
    sso, who = st.session_state.pop("auth_sso", None), st.session_state.get("auth_user")
    for key in ("auth_token", "auth_user", "sso_claims"):
        st.session_state.pop(key, None)
    st.session_state["auth_notice"] = "logged_out"
    if sso:
        name = getattr(who, "name", "?")
        accounts().audit(name, "logout", name, sso=True)
        st.logout()  # ends Streamlit's identity cookie too
    st.rerun()
