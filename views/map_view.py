"""一张图: the map of rivers and pollution sources, with layers, filters, search and key facts."""
from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from gislib.catalog import version as catalog_version
from gislib.config import load_settings
from gislib.dataset import current_name
from gislib.domain import OUTFALL_PHASE, OUTFALL_STATES, OUTFALL_TYPE_L1
from gislib.errors import HetuError
from gislib.safe_text import md_text, safe_frame
from layers.base import Filters
from layers.mapview import build_map, feature_at, find_feature, styled_layer
from layers import trace
from layers.registry import LAYERS
from views.common import demo_banner, lang, tr
from views.export_panel import render_export_panel

MAP_KEY = "hetu_map"
KEY_FACTS = {
    "outfalls": ["code", "name", "type_l1", "type_l2", "state", "river", "subdistrict", "responsible",
                 "river_chief", "remediation_kind", "deadline", "discharge_mode", "target_class"],
    "dust_sites": ["code", "name", "project", "builder", "phase", "subdistrict", "_status", "exceedances",
                   "status_date"],
    "sections": ["code", "name", "river", "subdistrict", "level", "latest_class", "target_class", "_meets",
                 "main_pollutants", "latest_month"],
    "plots": ["code", "name", "stage", "former_use", "industry", "pollutants", "land_class", "area_m2",
              "subdistrict", "responsible"],
}
# where each layer's full record lives: page, query parameter, link text
RECORD_PAGES = {
    "outfalls": ("views/outfall_view.py", "code", "打开一口一档"),
    "sections": ("views/sections_view.py", "code", "打开断面详情"),
    "plots": ("views/plots_view.py", "code", "打开地块档案"),
    "dust_sites": ("views/dust_view.py", "site", "打开工地详情"),
}
FIELD_ALIASES = {"_status": "status", "_meets": "meets_target", "status_date": "latest_month"}


def sidebar_controls() -> tuple[tuple[str, ...], Filters]:
    """Layer switches and filters in the sidebar."""
    outfalls = styled_layer("outfalls", None, lang())
    with st.sidebar:
        st.subheader(tr("map.layers"))
        layers_on = tuple(layer.key for layer in LAYERS
                          if st.checkbox(layer.title(lang()), value=layer.default_on, key=f"layer_{layer.key}"))
        st.subheader(tr("map.filters"))
        subdistricts = st.multiselect(tr("filter.subdistrict"), sorted(styled_layer("subdistricts", None, lang())["name"]))
        rivers = st.multiselect(tr("filter.river"), sorted(outfalls["river"].dropna().unique()))
        types = st.multiselect(tr("filter.type"), list(OUTFALL_TYPE_L1),
                               format_func=lambda v: tr(f"type.{v}"))
        states = st.multiselect(tr("filter.state"), list(OUTFALL_STATES),
                                format_func=lambda v: f"{OUTFALL_PHASE[v]} · {tr('state.' + v)}")
    return layers_on, Filters(tuple(subdistricts), tuple(rivers), tuple(types), tuple(states))


def search_box() -> None:
    """Search by name or code; choosing a hit selects it and zooms the map there."""
    query = st.text_input(tr("map.search"), key="search_query", placeholder="PT-0001 / 桃浦河 …")
    if not query:
        return
    hits = find_feature(query, lang=lang())
    if not hits:
        st.info(tr("map.search_none"))
        return
    labels = [f"{code} {name} ({tr('layer.' + key)})" for key, code, name, _, _ in hits]
    choice = st.selectbox("→", range(len(hits)), format_func=lambda i: labels[i], key="search_choice")
    key, code, _, x, y = hits[choice]
    if st.session_state.get("selected") != (key, code):
        st.session_state["selected"] = (key, code)
        st.session_state["view"] = ([y, x], 16)


def selected_row():
    """The selected feature's row, or None."""
    sel = st.session_state.get("selected")
    if not sel:
        return None, None
    key, code = sel
    gdf = styled_layer(key, None, lang())
    rows = gdf[gdf["code"] == code]
    return (key, rows.iloc[0]) if len(rows) else (None, None)


def key_facts(key: str, row: pd.Series) -> None:
    """The selected feature's key facts beside the map."""
    st.markdown(f"**{tr('layer.' + key)}** · {md_text(row['code'])}")
    st.markdown(f"#### {md_text(row['name'])}")
    facts = {}
    for field in KEY_FACTS[key]:
        value = row.get(field)
        if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
            continue
        facts[tr("field." + FIELD_ALIASES.get(field, field))] = md_text(value)  # st.table renders markdown
    st.table(pd.Series(facts, name="内容" if lang() == "zh" else "Value"))
    if key == "outfalls" and row.get("state") == "整治中" and row.get("deadline"):
        if pd.to_datetime(row["deadline"], errors="coerce") < pd.Timestamp.today().normalize():  # NaT: False
            st.error(f"⚠️ {tr('common.overdue')}: {md_text(row['deadline'])}")
    page, param, label = RECORD_PAGES[key]
    st.page_link(page, label=label if lang() == "zh" else "Open the full record", icon=":material/open_in_new:",
                 query_params={param: row["code"]})
    st.caption(tr("common.demo"))


def trace_panel(key: str, row: pd.Series) -> None:
    """溯源: outfalls upstream of a selected section, or the section downstream of an outfall."""
    try:
        _trace_panel(key, row)
    except HetuError as exc:  # e.g. a record far from every river line: say so, keep the page
        st.caption(md_text(str(exc)))


def _trace_panel(key: str, row: pd.Series) -> None:
    zh = lang() == "zh"
    if key == "sections":
        st.markdown("**上游溯源**" if zh else "**Trace upstream**")
        km = st.slider("沿河距离 (km)" if zh else "Distance along rivers (km)", 0.5, 10.0, 3.0, 0.5, key="trace_km")
        two_way = st.checkbox("双向（潮汐/闸控河网）" if zh else "Two-way (tidal/gated rivers)", key="trace_two_way")
        if st.button("追溯上游排口" if zh else "Find upstream outfalls", key="trace_go"):
            st.session_state["trace"] = (row["code"], km, two_way)
            result, _ = trace_upstream(row["code"], km, two_way)
            if result.stretch is not None and len(result.stretch):
                minx, miny, maxx, maxy = result.stretch.total_bounds
                st.session_state["view"] = ([(miny + maxy) / 2, (minx + maxx) / 2], 14 if km <= 3 else 13)
            st.rerun()  # the map above was drawn before this click: draw it again with the stretch
        trace = st.session_state.get("trace")
        if trace and trace[0] == row["code"]:
            result, found = trace_upstream(*trace)
            mode = {"directed": "按流向" if zh else "directed", "two-way": "双向" if zh else "two-way"}[result.mode]
            st.caption(f"{mode} · {trace[1]} km · {len(found)} {'个排口' if zh else 'outfalls'}")
            if len(found):
                shown = found.rename(columns={"code": tr("field.code"), "km": "km", "name": tr("field.name"),
                                              "type_l2": tr("field.type_l2"), "state": tr("field.state"),
                                              "river": tr("field.river"),
                                              "exceedances": "最近超标" if zh else "Latest exceedances"})
                st.dataframe(shown, hide_index=True, width="stretch", height=220)
                st.download_button("下载清单 CSV" if zh else "Download CSV",
                                   safe_frame(found).to_csv(index=False).encode("utf-8-sig"),
                                   file_name=f"upstream_{row['code']}_{trace[1]}km.csv", mime="text/csv")
            if result.off_network:
                st.caption(("未接入河网的排口：" if zh else "Off-network outfalls: ")
                           + "、".join(f"{md_text(o['code'])} ({o['metres']:.0f} m)" for o in result.off_network[:10]))
    elif key == "outfalls":
        down = trace_downstream(row["code"])
        if down.section:
            st.caption(("下游最近断面：" if zh else "Nearest downstream section: ") + f"{down.section} · {down.km:.2f} km"
                       + (f" ({down.mode})" if down.mode != "directed" else ""))
        else:
            st.caption("下游未找到断面" if zh else "No section downstream")


def trace_upstream(section: str, km: float, two_way: bool):
    """The upstream trace, cached per store version (the network itself is cached in layers.trace)."""
    return _cached_upstream(section, km, two_way, catalog_version())


@st.cache_data(show_spinner="正在沿河网追溯…", max_entries=32)
def _cached_upstream(section: str, km: float, two_way: bool, version: str):
    return trace.upstream(section, km, two_way)


def trace_downstream(code: str):
    return trace.downstream(code)


def highlight(key: str | None, row) -> folium.FeatureGroup | None:
    """A ring around the selected feature (and a traced stretch), sent to the live map without re-rendering it."""
    if row is None:
        return None
    pending = st.session_state.get("trace")
    if key == "sections" and pending and pending[0] == row["code"]:
        try:
            return trace.trace_group(*trace_upstream(*pending))
        except HetuError:  # trace_panel says why
            return None
    group = folium.FeatureGroup(name="selection")
    p = row.geometry if row.geometry.geom_type == "Point" else row.geometry.representative_point()
    folium.CircleMarker([p.y, p.x], radius=14, color="#ff00aa", weight=3, fill=False).add_to(group)
    return group


def main() -> None:
    settings = load_settings()
    st.markdown(f"### {tr('app.title')}")
    demo_banner()
    layers_on, filters = sidebar_controls()
    search_box()
    with st.spinner("正在准备地图数据…" if lang() == "zh" else "Preparing the map data…"):
        result = build_map(layers_on, filters, lang(), st.session_state.get("basemap", "offline"),
                           tianditu_key=settings.tianditu_key)
    counts = " · ".join(f"{tr('layer.' + k)} {n}" for k, n in result.counts.items()
                        if k in ("outfalls", "sections", "plots", "dust_sites"))
    st.caption(f"{tr('map.counts')}: {counts}")
    key, row = selected_row()
    exporting = st.toggle("导出地图 PNG/PDF" if lang() == "zh" else "Export map PNG/PDF", key="export_mode")
    # Pans and zooms rerun the app only while exporting (the export needs the current extent).
    returned = ["last_object_clicked", "last_object_clicked_tooltip"] + (["bounds"] if exporting else [])
    col_map, col_info = st.columns([3, 1], gap="small")
    with col_map:
        center, zoom = st.session_state.get("view", (None, None))
        out = st_folium(result.fmap, key=MAP_KEY, height=600, use_container_width=True,
                        returned_objects=returned, center=center, zoom=zoom,
                        feature_group_to_add=highlight(key, row))
        if exporting:
            render_export_panel(layers_on, filters, (out or {}).get("bounds") or result.bounds)
    clicked = (out or {}).get("last_object_clicked")
    if clicked and clicked != st.session_state.get("last_click"):
        st.session_state["last_click"] = clicked
        hit = feature_at(clicked["lat"], clicked["lng"], (out or {}).get("last_object_clicked_tooltip"),
                         gcj=st.session_state.get("basemap") == "amap")
        if hit is not None:
            st.session_state["selected"] = (hit[0], hit[1]["code"])
            st.rerun()
    with col_info:
        st.subheader(tr("map.selected"))
        if row is None:
            st.info(tr("map.click_hint"))
        else:
            key_facts(key, row)
            trace_panel(key, row)
    st.caption(f"{current_name()} · © OpenStreetMap contributors (ODbL) · geoBoundaries (ODbL)")


main()
