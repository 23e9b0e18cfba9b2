"""设置: the basemap (for this session, or saved as everyone's default) and the configuration in force."""
from __future__ import annotations

import streamlit as st

from gislib.geo.basemap import SPECS, tiles_ready
from gislib.config import BASEMAPS, load_settings, save_defaults
from gislib.dataset import current_name, dataset_path
from gislib.errors import HetuError
from views.common import lang, localized

LABELS = {
    "offline": ("离线底图（内置，默认）", "Offline basemap (built in, default)"),
    "osm": ("OpenStreetMap 在线瓦片（需互联网）", "OpenStreetMap online tiles (internet)"),
    "tianditu": ("天地图（需互联网和 tk 密钥）", "Tianditu (internet and a tk key)"),
    "amap": ("高德地图（GCJ-02，需互联网；数据将偏移显示）", "Amap (GCJ-02, internet; data shifted for display)"),
}
TEXT = {
    "title": ("设置", "Settings"),
    "basemap": ("底图", "Basemap"),
    "as_default": ("同时保存为所有用户的默认底图", "Also save as everyone's default basemap"),
    "as_default_help": ("写入数据目录中的 settings.json；不勾选则只对本次会话生效。",
                        "Written to settings.json in the data directory; otherwise it applies to this session only."),
    "apply": ("应用", "Apply"),
    "applied": ("已应用：{name}。地图页将使用此底图。", "Applied: {name}. The map page now uses this basemap."),
    "saved": ("已保存为默认底图（{path}）。", "Saved as the default basemap ({path})."),
    "no_key": ("未配置天地图密钥：请设置环境变量 HETU_TIANDITU_KEY；在此之前地图使用离线底图。",
               "No Tianditu key: set HETU_TIANDITU_KEY; the map uses the offline basemap until then."),
    "amap": ("高德底图使用 GCJ-02 坐标：地图上的要素已由 WGS84 转为 GCJ-02 显示，存储的数据不变。",
             "Amap tiles are in GCJ-02: features are shifted from WGS84 for display only; stored data is unchanged."),
    "in_use": ("当前使用", "In use"),
    "dataset": ("数据集与配置", "Data set and configuration"),
    "item": ("项目", "Item"),
    "value": ("值", "Value"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "set": ("已设置", "set"),
    "not_set": ("未设置", "not set"),
    "row.dataset": ("数据集 (HETU_DATASET)", "Data set (HETU_DATASET)"),
    "row.file": ("数据文件", "Data file"),
    "row.cog": ("底图 COG", "Basemap COG"),
    "row.tiles": ("离线瓦片已生成", "Offline tiles ready"),
    "row.data_dir": ("数据目录 (HETU_DATA_DIR)", "Data directory (HETU_DATA_DIR)"),
    "row.key": ("天地图密钥 (HETU_TIANDITU_KEY)", "Tianditu key (HETU_TIANDITU_KEY)"),
    "row.default": ("默认底图", "Default basemap"),
}


def _t(key: str, **fmt) -> str:
    return localized(TEXT[key], **fmt)


def _label(basemap: str) -> str:
    return localized(LABELS[basemap])


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
    st.subheader("区县配置（适用规则）" if zh else "District profile (rules applied)")
    rows = {
        "HETU_DISTRICT": p.id, ("名称" if zh else "name"): p.name if zh else p.name_en,
        ("行政区划代码" if zh else "admin code"): p.admin_code, ("省级" if zh else "province"): p.province,
        ("投影坐标系" if zh else "CRS zone"): p.crs, ("扬尘规则" if zh else "dust rule"): settings.dust_rule,
        ("土壤背景值区域" if zh else "soil background region"): p.soil_background_region,
    }
    st.table({_t("item"): list(rows), _t("value"): [str(v) for v in rows.values()]})
    st.caption("；".join(f"{k}: {v}" for k, v in p.sources.items()))


main()
