"""设置: the basemap (for this session, or saved as everyone's default) and the configuration in force."""
from __future__ import annotations

import streamlit as st

from gislib.geo.basemap import SPECS, tiles_ready
from gislib.config import BASEMAPS, load_settings, save_defaults
from gislib.dataset import current_name, dataset_path
from gislib.errors import HetuError
from views.common import lang, tr



def _t(key: str, **fmt) -> str:
    return tr(f"settings.{key}", **fmt)


def _label(basemap: str) -> str:
    return tr(f"settings.basemap.{basemap}")


def basemap_form(settings) -> None:
    """Choose the basemap; it lives in the session (``basemap``), optionally saved for everyone."""
    current = st.session_state.get("basemap", settings.basemap)
    with st.form("settings_form"):
        choice = st.radio(_t("basemap"), BASEMAPS, index=BASEMAPS.index(current), format_func=_label,
                          key="settings_basemap")
        as_default = st.checkbox(_t("as_default"), help=_t("as_default_help"), key="settings_as_default")
        submitted = st.form_submit_button(_t("apply"), type="primary")
    if submitted:
        st.session_state["basemap"] = choice  # a plain session key: it survives leaving this page
        st.success(_t("applied", name=_label(choice)))
        if as_default:
            try:
                path = save_defaults(settings.data_dir, basemap=choice)
            except (HetuError, OSError) as exc:
                st.error(str(exc))
            else:
                st.success(_t("saved", path=path))
    basemap = st.session_state.get("basemap", settings.basemap)
    st.caption(f"{_t('in_use')}: **{_label(basemap)}**")
    if basemap == "tianditu" and not settings.tianditu_key:
        st.warning(_t("no_key"))
    if basemap == "amap":
        st.info(_t("amap"))


def configuration_table(settings) -> None:
    """The configuration in force, as a readable two-column table."""
    name = current_name()
    spec = SPECS[name]
    rows = {
        "row.dataset": name,
        "row.file": dataset_path(name).name,
        "row.cog": spec.cog_path.name,
        "row.tiles": _t("yes") if tiles_ready(name) else _t("no"),
        "row.data_dir": str(settings.data_dir),
        "row.key": _t("set") if settings.tianditu_key else _t("not_set"),
        "row.default": _label(settings.basemap),
    }
    st.subheader(_t("dataset"))
    st.table({_t("item"): [_t(k) for k in rows], _t("value"): list(rows.values())})


def main() -> None:
    settings = load_settings()
    st.title(_t("title"))
    basemap_form(settings)
    configuration_table(settings)
    district_profile(settings)


def district_profile(settings) -> None:
    """The jurisdiction whose rules apply (gislib/presets/districts.json; HETU_DISTRICT)."""
    zh = lang() == "zh"
    p = settings.district
    st.subheader(tr("settings.district_profile_rules_applied"))
    rows = {
        "HETU_DISTRICT": p.id, (tr("settings.name")): p.name if zh else p.name_en,
        (tr("settings.admin_code")): p.admin_code, (tr("settings.province")): p.province,
        (tr("settings.crs_zone")): p.crs, (tr("settings.dust_rule")): settings.dust_rule,
        (tr("settings.soil_background_region")): p.soil_background_region,
    }
    st.table({_t("item"): list(rows), _t("value"): [str(v) for v in rows.values()]})
    st.caption("；".join(f"{k}: {v}" for k, v in p.sources.items()))


main()
