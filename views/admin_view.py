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
             _t("extent_col"): _t("extent_set") if u.extent else "",
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
    extent_form(admin, user)
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


def _extent_map(user, points: list, key: str):
    """The district map with the user's current extent (blue) and the polygon being drawn (orange); clicks
    come back as ``last_clicked`` (Leaflet served by the app, no drawing plugin from a CDN)."""
    import folium
    from streamlit_folium import st_folium

    from gislib.auth.extent import extent_geojson
    from layers.problems import district_map

    fmap = district_map(st.session_state.get("basemap", "offline"))
    if user.extent:
        shape = folium.GeoJson(extent_geojson(user.extent), name="extent",
                               style_function=lambda f: {"color": "#1565c0", "weight": 2, "fillOpacity": 0.12})
        shape.add_to(fmap)
        fmap.fit_bounds(shape.get_bounds())
    if points:
        latlon = [[lat, lon] for lon, lat in points]
        for p in latlon:
            folium.CircleMarker(p, radius=4, color="#e65100", fill=True).add_to(fmap)
        if len(latlon) >= 2:
            folium.Polygon(latlon, color="#e65100", weight=2, fill=len(latlon) >= 3, fill_opacity=0.1).add_to(fmap)
    return st_folium(fmap, key=key, height=380, use_container_width=True, returned_objects=["last_clicked"])


def _drawn_wkt(points: list) -> str:
    from shapely.geometry import Polygon

    return Polygon(points).wkt


def _save_upload(name: str, admin, upload) -> None:
    from gislib.auth.extent import read_extent_file
    from views.common import upload_too_big, uploaded_path

    if upload_too_big(upload):
        return
    with uploaded_path(upload) as path:
        try:
            wkt = read_extent_file(path, upload.name)  # through the upload gate, validated
        except HetuError as exc:
            st.error(error_text(exc))
            return
    _act(lambda: accounts().set_role(name, accounts().get(name).role, admin, extent=wkt),
         _t("extent_saved", name=name))


def extent_form(admin, user) -> None:
    """The user's drawn extent: shown on a map; drawn by clicking corners, or uploaded; cleared. Saved with
    ``Accounts.set_role(extent=…)``, so it is validated there and audited as a jurisdiction change."""
    name = user.name
    st.markdown(f"**{_t('extent')}**")
    if user.extent:
        from shapely import wkt as shapely_wkt

        geom = shapely_wkt.loads(user.extent)
        parts = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        st.caption(_t("extent_current", vertices=sum(len(p.exterior.coords) - 1 for p in parts)))
    else:
        st.caption(_t("extent_none", name=name))
    key = f"extent_pts_{name}"
    points = st.session_state.setdefault(key, [])
    out = _extent_map(user, points, f"extent_map_{name}") or {}
    click = out.get("last_clicked")
    if click and click != st.session_state.get(f"{key}_last"):
        st.session_state[f"{key}_last"] = click
        points.append((round(float(click["lng"]), 7), round(float(click["lat"]), 7)))
        st.rerun()
    st.caption(_t("extent_hint", count=len(points)))
    c1, c2, c3, c4 = st.columns(4)
    if c1.button(_t("extent_undo"), key=f"extent_undo_{name}", disabled=not points):
        points.pop()
        st.rerun()
    if c2.button(_t("extent_restart"), key=f"extent_restart_{name}", disabled=not points):
        points.clear()
        st.rerun()
    if c3.button(_t("extent_save"), key=f"extent_save_{name}", type="primary"):
        if len(points) < 3:
            st.error(_t("extent_few"))
        else:
            wkt = _drawn_wkt(points)
            st.session_state[key] = []
            _act(lambda: accounts().set_role(name, user.role, admin, extent=wkt), _t("extent_saved", name=name))
    if c4.button(_t("extent_clear"), key=f"extent_clear_{name}", disabled=not user.extent):
        _act(lambda: accounts().set_role(name, user.role, admin, extent=""), _t("extent_cleared", name=name))
    upload = st.file_uploader(_t("extent_upload"), type=["geojson", "json", "kml"], key=f"extent_file_{name}")
    if upload is not None and st.button(_t("extent_save_upload"), key=f"extent_save_upload_{name}"):
        _save_upload(name, admin, upload)


def _short(text: str, limit: int = 400) -> str:
    """An audit detail cut for the table (an extent's WKT can be long; the event keeps it whole)."""
    return text if len(text) <= limit else text[:limit] + " …"


def audit_table() -> None:
    st.subheader(_t("audit"))
    events = list(reversed(accounts().events()))[:300]
    rows = [{_t("at"): local_time(e["at"]), _t("actor"): e["actor"], _t("action"): _action(e["action"]),
             _t("name"): e["user"] or "", _t("detail"): _short(", ".join(f"{k}={v}" for k, v in e["detail"].items()))}
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
