"""设置: basemap provider, data set and the configuration in force."""
from __future__ import annotations

import streamlit as st

from gislib.basemap import SPECS, tiles_ready
from gislib.config import BASEMAPS, load_settings
from gislib.dataset import current_name, dataset_path
from views.common import lang

LABELS = {
    "offline": ("离线底图（内置，默认）", "Offline basemap (built in, default)"),
    "osm": ("OpenStreetMap 在线瓦片（需互联网）", "OpenStreetMap online tiles (internet)"),
    "tianditu": ("天地图（需互联网和 tk 密钥）", "Tianditu (internet and a tk key)"),
    "amap": ("高德地图（GCJ-02，需互联网；数据将偏移显示）", "Amap (GCJ-02, internet; data shifted for display)"),
}


def main() -> None:
    settings = load_settings()
    zh = lang() == "zh"
    st.title("设置" if zh else "Settings")
    st.radio("底图" if zh else "Basemap", BASEMAPS, key="basemap",
             format_func=lambda b: LABELS[b][0 if zh else 1])
    if st.session_state["basemap"] == "tianditu" and not settings.tianditu_key:
        st.warning("未配置天地图密钥：请设置环境变量 HETU_TIANDITU_KEY；在此之前使用离线底图。" if zh else
                   "No Tianditu key: set HETU_TIANDITU_KEY; the offline basemap is used until then.")
    if st.session_state["basemap"] == "amap":
        st.info("高德底图使用 GCJ-02 坐标：地图上的要素已由 WGS84 转为 GCJ-02 显示，存储的数据不变。" if zh else
                "Amap tiles are in GCJ-02: features are shifted from WGS84 for display only; stored data is unchanged.")
    st.subheader("数据集" if zh else "Data set")
    name = current_name()
    spec = SPECS[name]
    st.write({
        "HETU_DATASET": name, "file": str(dataset_path(name).name), "basemap COG": spec.cog_path.name,
        "tiles ready": tiles_ready(name), "HETU_DATA_DIR": str(settings.data_dir),
        "HETU_TIANDITU_KEY": "set" if settings.tianditu_key else "not set",
    })
    district_profile(settings)


def district_profile(settings) -> None:
    """The jurisdiction whose rules apply (gislib/presets/districts.json; HETU_DISTRICT)."""
    zh = lang() == "zh"
    p = settings.district
    st.subheader("区县配置（适用规则）" if zh else "District profile (rules applied)")
    st.write({
        "HETU_DISTRICT": p.id, ("名称" if zh else "name"): p.name if zh else p.name_en,
        ("行政区划代码" if zh else "admin code"): p.admin_code, ("省级" if zh else "province"): p.province,
        ("投影坐标系" if zh else "CRS zone"): p.crs, ("扬尘规则" if zh else "dust rule"): settings.dust_rule,
        ("土壤背景值区域" if zh else "soil background region"): p.soil_background_region,
    })
    st.caption("；".join(f"{k}: {v}" for k, v in p.sources.items()))


main()
