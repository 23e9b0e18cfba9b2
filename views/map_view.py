"""一张图: the map of rivers and pollution sources, with layers, filters, search and key facts."""
from __future__ import annotations

import html
import uuid
from pathlib import Path

import folium
import pandas as pd
import streamlit as st

from gislib.services.catalog import version as catalog_version
from gislib.config import load_settings
from gislib.dataset import current_name
from gislib.domain import OUTFALL_PHASE, OUTFALL_STATES, OUTFALL_TYPE_L1
from gislib.errors import HetuError
from gislib.reports.outfall_file import class_text
from gislib.safe_text import md_table, md_text, safe_frame
from gislib.values import positions_of
from layers.base import Filters
from layers.folium_elements import ViewRequest
from layers.mapview import (build_map, extent_of, feature_at, layer_ready, search,
                            styled_layer)
from layers import trace
from layers.registry import LAYERS, get_layer
from views.common import lang, tr, current_user, map_scope
from views.export_panel import render_export_panel
from views.map_component import map_for, show, wait_for_warm_up

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
# where each layer's full record lives: page, query parameter, link text (catalog key)
RECORD_PAGES = {
    "outfalls": ("views/outfall_view.py", "code", "mappage.open.outfalls"),
    "sections": ("views/sections_view.py", "code", "mappage.open.sections"),
    "plots": ("views/plots_view.py", "code", "mappage.open.plots"),
    "dust_sites": ("views/dust_view.py", "site", "mappage.open.dust_sites"),
}
FIELD_ALIASES = {"_status": "status", "_meets": "meets_target", "status_date": "latest_month"}


PAGE_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "hetu-page.css"


def _t(key: str, **fmt) -> str:
    return tr(f"mappage.{key}", **fmt)


def _layer_name(key: str) -> str:
    return _t("layer." + key) if get_layer(key).search == "area" else tr("layer." + key)


def load_with_progress(keys, filters: Filters | None, text_key: str) -> None:
    """Load (and cache) the given layers, with a progress bar while any of them is not at hand yet."""
    with st.spinner(_t("opening")):  # from the start: a fresh data directory attaches its store first
        todo = [k for k in keys if not layer_ready(k, filters, lang(), scope=map_scope())]
    if not todo:
        return
    bar = st.progress(0.0, text=_t(text_key, name=_layer_name(todo[0]), i=1, n=len(todo)))
    for i, key in enumerate(todo):
        bar.progress(i / len(todo), text=_t(text_key, name=_layer_name(key), i=i + 1, n=len(todo)))
        styled_layer(key, filters, lang(), scope=map_scope())
    bar.empty()


def layer_drawer() -> tuple[tuple[str, ...], Filters]:
    """Layer switches and filters, in a drawer (popover) beside the search box."""
    outfalls = styled_layer("outfalls", None, lang(), scope=map_scope())
    with st.popover(_t("drawer"), icon=":material/layers:", use_container_width=True, help=_t("drawer_help")):
        st.markdown(f"**{tr('map.layers')}**")
        layers_on = tuple(layer.key for layer in LAYERS
                          if st.checkbox(layer.title(lang()), value=layer.default_on, key=f"layer_{layer.key}"))
        st.markdown(f"**{tr('map.filters')}**")
        subdistricts = st.multiselect(tr("filter.subdistrict"), sorted(styled_layer("subdistricts", None, lang())["name"]),
                                      key="filter_subdistricts", placeholder=tr("filter.subdistrict"))
        rivers = st.multiselect(tr("filter.river"), sorted(outfalls["river"].dropna().unique()), key="filter_rivers",
                                placeholder=tr("filter.river"))
        types = st.multiselect(tr("filter.type"), list(OUTFALL_TYPE_L1), format_func=lambda v: tr(f"type.{v}"),
                               key="filter_types", placeholder=tr("filter.type"))
        states = st.multiselect(tr("filter.state"), list(OUTFALL_STATES), key="filter_states",
                                format_func=lambda v: f"{OUTFALL_PHASE[v]} · {tr('state.' + v)}",
                                placeholder=tr("filter.state"))
    filters = Filters(tuple(subdistricts), tuple(rivers), tuple(types), tuple(states))
    zoom_to_filter(filters)
    return layers_on, filters


def zoom_to_filter(filters: Filters) -> None:
    """A changed river or sub-district filter moves the map to what it keeps."""
    wanted = (filters.rivers, filters.subdistricts)
    if st.session_state.get("zoomed_filter", ((), ())) == wanted:
        return
    st.session_state["zoomed_filter"] = wanted
    boxes = [b for b in (extent_of("rivers", filters.rivers), extent_of("subdistricts", filters.subdistricts)) if b]
    if boxes:
        request_view((min(b[0] for b in boxes), min(b[1] for b in boxes),
                      max(b[2] for b in boxes), max(b[3] for b in boxes)))


def request_view(bounds, max_zoom: int = 17) -> None:
    """Ask the live map to show ``bounds`` (once)."""
    st.session_state["view_request"] = (tuple(bounds), uuid.uuid4().hex, max_zoom)


def search_box() -> None:
    """Search rivers, sub-districts and features; the chosen hit is selected and the map zooms to it."""
    query = st.text_input(tr("map.search"), key="search_query", placeholder=_t("search_placeholder"),
                          label_visibility="collapsed").strip()
    if not query:
        return
    result = search(query, lang=lang(), scope=map_scope())
    if not result.hits:
        st.info(tr("map.search_none"))
        return
    hits = result.hits
    labels = [f"{h.name} ({_layer_name(h.key)})" if not h.selectable else f"{h.code} {h.name} ({_layer_name(h.key)})"
              for h in hits]
    # the key follows the query: a new query starts at its own first hit, never the previous query's choice
    choice = st.selectbox(_t("found", n=sum(result.totals.values())), range(len(hits)),
                          format_func=lambda i: labels[i], key=f"search_choice_{query}")
    for key, (shown, total) in result.capped().items():
        st.caption(_t("capped", layer=_layer_name(key), shown=shown, total=total))
    hit = hits[choice]
    if st.session_state.get("search_applied") == (query, choice):
        return
    st.session_state["search_applied"] = (query, choice)
    if hit.selectable:
        st.session_state["selected"] = (hit.key, hit.code)
    request_view(hit.bounds)


def selected_row():
    """The selected feature's row, or None."""
    sel = st.session_state.get("selected")
    if not sel:
        return None, None
    key, code = sel
    gdf = styled_layer(key, None, lang(), scope=map_scope())
    rows = positions_of(gdf["code"], code)
    return (key, gdf.iloc[int(rows[0])]) if len(rows) else (None, None)


def _facts(key: str, row: pd.Series) -> dict[str, str]:
    facts = {}
    for field in KEY_FACTS.get(key, ("code", "name")):  # a newly registered layer: its code and name
        value = row.get(field)
        if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
            continue
        facts[tr("field." + FIELD_ALIASES.get(field, field))] = md_text(_value(field, value))  # shown as markdown
    return facts


VALUE_KEYS = {"type_l1": "type.", "state": "state."}  # coded values shown in the interface language


def _value(field: str, value) -> str:
    if field == "target_class":
        return class_text(value, lang())  # Ⅲ类, as everywhere else
    prefix = VALUE_KEYS.get(field)
    if prefix and lang() == "en":
        text = tr(prefix + str(value))
        return text if text != prefix + str(value) else str(value)
    return str(value)


def _record_link(key: str, row: pd.Series) -> None:
    if key not in RECORD_PAGES:  # a layer without a record page of its own
        return
    page, param, label = RECORD_PAGES[key]
    st.page_link(page, label=tr(label), icon=":material/open_in_new:",
                 query_params={param: row["code"]})


def key_facts(key: str, row: pd.Series) -> None:
    """The selected feature's key facts beside the map: one markdown element (its layer and code, its name, the
    facts table). Not ``st.table``: its frontend code and the Arrow libraries under it were fetched and run on
    the page's first click (the map page shows no other table), and the facts waited for them."""
    st.markdown(f"**{tr('layer.' + key)}** · {md_text(row['code'])}\n\n#### {md_text(row['name'])}\n\n"
                + md_table(["", md_text(_t("value"))], [[md_text(k), v] for k, v in _facts(key, row).items()]))
    if key == "outfalls" and row.get("state") == "整治中" and row.get("deadline"):
        if pd.to_datetime(row["deadline"], errors="coerce") < pd.Timestamp.today().normalize():  # NaT: False
            st.error(f"⚠️ {tr('common.overdue')}: {md_text(row['deadline'])}")
    _record_link(key, row)
    st.caption(tr("common.demo"))


def selection_card(key: str | None, row) -> None:
    """A compact card of the selection above the map: on a phone it is what shows without scrolling.
    Always present (a hint when nothing is selected), so the map below never changes place."""
    with st.container(key="hetu_selcard", border=True):
        if row is None:
            st.caption(tr("map.click_hint"))
            return
        facts = list(_facts(key, row).items())[2:6]  # after code and name
        st.markdown(f"**{row['code']} {row['name']}** · {tr('layer.' + key)}")
        st.caption(" · ".join(f"{k}: {v}" for k, v in facts))
        _record_link(key, row)


def trace_panel(key: str, row: pd.Series) -> None:
    """溯源: outfalls upstream of a selected section, or the section downstream of an outfall."""
    try:
        _trace_panel(key, row)
    except HetuError as exc:  # e.g. a record far from every river line: say so, keep the page
        st.caption(md_text(str(exc)))


def _trace_panel(key: str, row: pd.Series) -> None:
    if key == "sections":
        st.markdown(tr("mappage.trace_upstream"))
        km = st.slider(tr("mappage.distance_along_rivers_km"), 0.5, 10.0, 3.0, 0.5, key="trace_km")
        two_way = st.checkbox(tr("mappage.two_way_tidal_gated_rivers"), key="trace_two_way")
        if st.button(tr("mappage.find_upstream_outfalls"), key="trace_go"):
            st.session_state["trace"] = (row["code"], km, two_way)
            result, _ = trace_upstream(row["code"], km, two_way)
            if result.stretch is not None and len(result.stretch):
                minx, miny, maxx, maxy = result.stretch.total_bounds
                st.session_state["view"] = ([(miny + maxy) / 2, (minx + maxx) / 2], 14 if km <= 3 else 13)
            st.rerun()  # the map above was drawn before this click: draw it again with the stretch
        trace = st.session_state.get("trace")
        if trace and trace[0] == row["code"]:
            result, found = trace_upstream(*trace)
            mode = {"directed": tr("mappage.directed"), "two-way": tr("mappage.two_way")}[result.mode]
            st.caption(f"{mode} · {trace[1]} km · {len(found)} {tr('mappage.outfalls')}")
            if len(found):
                shown = found.rename(columns={"code": tr("field.code"), "km": "km", "name": tr("field.name"),
                                              "type_l2": tr("field.type_l2"), "state": tr("field.state"),
                                              "river": tr("field.river"),
                                              "exceedances": tr("mappage.latest_exceedances")})
                st.dataframe(shown, hide_index=True, width="stretch", height=220)
                st.download_button(tr("mappage.download_csv"),
                                   safe_frame(found).to_csv(index=False).encode("utf-8-sig"),
                                   file_name=f"upstream_{row['code']}_{trace[1]}km.csv", mime="text/csv")
            if result.off_network:
                st.caption((tr("mappage.off_network_outfalls"))
                           + "、".join(f"{md_text(o['code'])} ({o['metres']:.0f} m)" for o in result.off_network[:10]))
    elif key == "outfalls":
        down = trace_downstream(row["code"])
        if down.section:
            st.caption((tr("mappage.nearest_downstream_section")) + f"{down.section} · {down.km:.2f} km"
                       + (f" ({down.mode})" if down.mode != "directed" else ""))
        else:
            st.caption(tr("mappage.no_section_downstream"))


def trace_upstream(section: str, km: float, two_way: bool):
    """The upstream trace, cached per store version (the network itself is cached in layers.trace)."""
    from gislib.services.access import trace_result
    from gislib.services.catalog import layer_frame

    with st.spinner(_t("trace_spinner")):
        result, found = _cached_upstream(section, km, two_way, catalog_version())
    # only the user's jurisdiction: the outfalls found and the off-network ones named under the table
    return trace_result(current_user(), result, found, layer_frame("outfalls"))


@st.cache_data(show_spinner=False, max_entries=32)
def _cached_upstream(section: str, km: float, two_way: bool, version: str):
    return trace.upstream(section, km, two_way)


def trace_downstream(code: str):
    return trace.downstream(code)


def overlay(key: str | None, row) -> folium.FeatureGroup | None:
    """What is sent to the live map without rebuilding it, with the component's arguments: the pending view
    request and the traced stretch of the selected section. Never the selection ring (selection_marker):
    these arguments stay the same when a click selects something, so Streamlit does not send the map again
    and the frame does not re-evaluate its feature group (a click costs no map work in the browser)."""
    request = st.session_state.get("view_request")
    group = None
    if _traced(key, row):
        try:
            group = trace.trace_group(*trace_upstream(*st.session_state["trace"]))
        except HetuError:  # trace_panel says why
            group = None
    if request:
        group = group or folium.FeatureGroup(name="selection")
        ViewRequest(*request).add_to(group)
    return group


def _traced(key: str | None, row) -> bool:
    """True when the selection is the section whose upstream trace is pending (its stretch is drawn)."""
    pending = st.session_state.get("trace")
    return row is not None and key == "sections" and bool(pending) and pending[0] == row["code"]


def ring_at(key: str | None, row) -> tuple[float, float] | None:
    """Where the selection ring goes (lat, lng as drawn on the map), or None: nothing selected, or a traced
    section (its stretch has its own rings)."""
    if row is None or _traced(key, row):
        return None
    p = row.geometry if row.geometry.geom_type == "Point" else row.geometry.representative_point()
    lng, lat = p.x, p.y
    if st.session_state.get("basemap") == "amap":  # the map shows GCJ-02-shifted positions
        from gislib.geo.crs import wgs84_to_gcj02

        lng, lat = wgs84_to_gcj02(lng, lat)
    return float(lat), float(lng)


def selection_marker(key: str | None, row) -> None:
    """The selection ring for the map frame (static/js/hetu-selection.js reads this hidden element of the page
    and moves its ring when it changes): where, and the last click handled, so that a ring the frame drew at
    once for a click that selected nothing goes back to the selection."""
    ring = ring_at(key, row)
    value = "" if ring is None else f"{ring[0]:.7f},{ring[1]:.7f}"
    click = st.session_state.get("last_click") or {}
    stamp = f"{click.get('lat', '')},{click.get('lng', '')}"
    st.html(f'<span id="hetu-selection" data-ring="{value}" data-stamp="{html.escape(stamp)}" style="display:none"></span>')


def page_style() -> None:
    """The map page's stylesheet: the map fills the window below the header (see FitWhenSized); it
    also carries how often the whole page ran in this session (the map and the side panel rerun
    alone, as a fragment: a click on the map does not add to it)."""
    runs = st.session_state["page_runs"] = st.session_state.get("page_runs", 0) + 1
    st.html(f"<style>{PAGE_CSS.read_text(encoding='utf-8')}</style>"
            f'<span id="hetu-page-runs" data-runs="{runs}" style="display:none"></span>')


def header() -> tuple[tuple[str, ...], Filters, bool, bool]:
    """Title, search, the layers-and-filters drawer and the toggles, in one compact block."""
    with st.container(key="hetu_map_head"):
        c_title, c_search, c_tools = st.columns([3, 5, 5], vertical_alignment="center")
        c_title.markdown(f"**{tr('app.title')}**")
        with c_search:
            search_box()
        with c_tools, st.container(key="hetu_tools"):
            t0, t1, t2 = st.columns([5, 3, 3], vertical_alignment="center")
            with t0:
                layers_on, filters = layer_drawer()
            exporting = t1.toggle(_t("export"), key="export_mode", help=_t("export_help"))
            panel = t2.toggle(_t("panel"), value=True, key="show_panel", help=_t("panel_help"))
    return layers_on, filters, exporting, panel


def main() -> None:
    settings = load_settings()
    page_style()
    with st.spinner(_t("opening")):
        wait_for_warm_up()  # a fresh server prepares this map while the first user logs in
    load_with_progress(("outfalls", "subdistricts"), None, "loading")
    layers_on, filters, exporting, panel = header()
    load_with_progress(layers_on, filters, "filtering" if filters != Filters() else "loading")
    map_and_panel(layers_on, filters, exporting, panel, settings.basemap, settings.tianditu_key)
    st.caption(f"{current_name()} · © OpenStreetMap contributors (ODbL) · geoBoundaries (ODbL)")


def apply_click(value) -> bool:
    """Select the feature under a new click of the map (its value from streamlit-folium); True when
    the selection changed."""
    clicked = (value or {}).get("last_object_clicked")
    if not clicked or clicked == st.session_state.get("last_click"):
        return False
    st.session_state["last_click"] = clicked
    hit = feature_at(clicked["lat"], clicked["lng"], (value or {}).get("last_object_clicked_tooltip"),
                     gcj=st.session_state.get("basemap") == "amap", scope=map_scope())
    if hit is None:
        return False
    st.session_state["selected"] = (hit[0], hit[1]["code"])
    return True


@st.fragment
def map_and_panel(layers_on: tuple[str, ...], filters: Filters, exporting: bool, panel: bool, basemap: str,
                  tianditu_key: str) -> None:
    """The map, the selection card and the side panel: a fragment, so that a click on the map (or on
    anything in the panel) reruns only this part, not the header, the drawer and the search."""
    # A click on the map reruns this fragment with the map's new value already in session state
    # (streamlit-folium's on_change): select the feature first, so one run draws the selection.
    apply_click(st.session_state.get(MAP_KEY + ("_export" if exporting else "")))
    scope, base = map_scope(), st.session_state.get("basemap", basemap)
    with st.spinner(_t("preparing")):  # built and rendered once per map and data version (views.map_component)
        shown = map_for(layers_on, filters, lang(), base, tianditu_key, scope)
    result = shown.result
    counts = " · ".join(f"{tr('layer.' + k)} {n}" for k, n in result.counts.items()
                        if get_layer(k).search == "record")
    st.caption(f"{tr('map.counts')}: {counts} · {tr('common.demo')} · `{current_name()}`")
    key, row = selected_row()
    selection_marker(key, row)
    selection_card(key, row)
    # Pans and zooms rerun the app only while exporting (the export needs the current extent); the
    # export map is a separate component (its own key) so that it reports its bounds from the start.
    returned = ["last_object_clicked", "last_object_clicked_tooltip"] + (["bounds", "zoom"] if exporting else [])
    col_map, col_info = st.columns([4, 1], gap="small") if panel else (st.container(), None)
    with col_map:
        out = show(shown, key=MAP_KEY + ("_export" if exporting else ""), height=600, returned_objects=returned,
                   feature_group_to_add=overlay(key, row))
        if exporting:
            render_export_panel(layers_on, filters, (out or {}).get("bounds") or result.bounds,
                                zoom=(out or {}).get("zoom"))
    if apply_click(out):  # a value that reached us only now (normally handled above, before drawing)
        st.rerun(scope="fragment")
    if col_info is not None:
        with col_info:
            st.subheader(tr("map.selected"))
            if row is None:
                st.info(tr("map.click_hint"))
            else:
                key_facts(key, row)
                trace_panel(key, row)
    elif row is not None:
        trace_panel(key, row)


main()
