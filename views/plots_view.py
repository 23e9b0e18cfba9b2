"""污染地块: the plot list and 名录 (exports with batches), and one plot's file: registry fields, stage
workflow with review notes and PDF evidence, history, soil sample check and a buffer query."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from gislib.reports import plot_registry
from gislib.services import plot_listing, scoped
from gislib.services.catalog import near_frame, store
from gislib.services.catalog import version as catalog_version
from gislib.dataset import current_name, load_layer
from gislib.domain import DEMO_MARK, PLOT_STAGE_COLOR, PLOT_STAGES, REMOVED_STATE
from gislib.errors import HetuError
from gislib.i18n import enum_label, term
from gislib.messages import CATALOG
from gislib.reports.outfall_file import readable_changes
from gislib.timefmt import local_time, today_local
from gislib.geo.proximity import KINDS, KINDS_EN, ProximityQuery, projected_crs_for, summary, within
from gislib.soil.gb36600 import (
    BACKGROUND_ITEMS, STANDARD, VERDICT_EXPLAIN, VERDICT_EXPLAIN_EN, VERDICT_ZH, WITHIN_BACKGROUND,
    apply_units, check_samples, land_class_for_use, magnitude_suspects, read_soil_file,
)
from gislib.soil.gb36600 import VERDICT_EN as SOIL_VERDICT_EN
from gislib.safe_text import md_text
from gislib.reports.colors import text_color_on
from views.common import current_user, map_scope, may, require, demo_banner, lang, tr, uploaded_path, usable_upload, record_page_map

VERDICT_EN = SOIL_VERDICT_EN
VERDICT_COLOR = {"below_screening": "#c7e9c0", "above_screening": "#fdae6b", "above_intervention": "#ef3b2c",
                 WITHIN_BACKGROUND: "#c6dbef", "error": "#d9d9d9"}
REGISTRY_EN = {
    "seq": "No.", "code": "Code", "name": "Name", "subdistrict": "Sub-district", "address": "Address",
    "area_m2": "Area (m²)", "former_use": "Former use", "industry": "Industry", "pollutants": "Pollutants",
    "responsible": "Responsible party", "land_holder": "Land-use-right holder", "land_class": "Land class",
    "stage": "Stage", "measure": "Measures required", "listed_batch": "Listed in batch",
    "removed_batch": "Removed in batch", "mark": "Note",
}
BATCH_EN = {"batch": "Batch", "kind": "Kind", "count": "Plots", "codes": "Plot codes"}


def headers(columns, zh_names: dict[str, str], en_names: dict[str, str]) -> dict[str, str]:
    """Column names for people in the current language."""
    names = zh_names if lang() == "zh" else en_names
    return {c: names.get(c, c) for c in columns}


def open_plot(code: str) -> None:
    """Open a plot's file on the next run (widget values can only be set before the widgets exist)."""
    st.session_state["plots_open"] = code
    st.rerun()


def plots_map(selected: str | None, codes, height: int = 360) -> None:
    """The plots on a map coloured by stage; clicking a plot opens its file."""
    record_page_map("plots", selected, codes, L("map_hint"), open_plot, height)


def L(key: str, **fmt) -> str:
    """This page's text in the current language."""
    return tr(f"plots.{key}", **fmt) if f"plots.{key}" in CATALOG else tr(f"plots.field.{key}", **fmt)


def stage_label(stage: str) -> str:
    if stage == REMOVED_STATE:
        return L("withdrawn")
    return enum_label("plot_stage", stage, lang())


def _text_on(hex_color: str) -> str:
    """CSS colour (black or white) that reads on ``hex_color``."""
    return "#%02x%02x%02x" % text_color_on(hex_color)


def stage_badge(stage: str) -> str:
    color = PLOT_STAGE_COLOR.get(stage, "#9e9e9e")
    return (f"<span style='background:{color};color:{_text_on(color)};padding:2px 10px;border-radius:10px;white-space:nowrap;"
            f"font-weight:600'>{stage_label(stage)}</span>")


def colour_stage(frame: pd.DataFrame, column: str):
    """A Styler colouring ``column`` by the plot stage colours."""
    colors = {**{stage_label(k): v for k, v in PLOT_STAGE_COLOR.items()}, **PLOT_STAGE_COLOR}

    def cell(value: str) -> str:
        color = colors.get(str(value))
        return f"background-color:{color};color:{_text_on(color)}" if color else ""
    return frame.style.map(cell, subset=[column])


@st.cache_resource(show_spinner=False)
def _context_layers(dataset: str, version: str):
    """Rivers and water polygons together (for the buffer query), cached per data version."""
    rivers = load_layer("rivers", dataset)
    water = load_layer("water", dataset)
    both = pd.concat([rivers[["name", "geometry"]], water.to_crs(rivers.crs)[["name", "geometry"]]], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=rivers.crs)


def _near(key: str, geometry_wkt: str, metres: float, dataset: str):
    """The records of ``key`` near a geometry (picked by the store, gislib.services.catalog.near_frame) as the
    logged-in user may see them (the buffer query names no record outside the jurisdiction)."""
    from gislib.services.access import scoped_frame

    return scoped_frame(map_scope(), key, near_frame(key, geometry_wkt, metres, dataset=dataset))


# --------------------------------------------------------------------------- list and 名录
def plot_list(records: list[dict]) -> None:
    st.subheader(L("all_plots"))
    rows = pd.DataFrame([plot_registry.registry_row(r) for r in records])
    shown = rows[["code", "name", "stage", "land_class", "subdistrict", "area_m2", "pollutants", "listed_batch",
                  "removed_batch", "mark"]].sort_values("code").reset_index(drop=True)
    if lang() == "en":
        shown["stage"] = shown["stage"].map(stage_label)
    names = headers(shown.columns, plot_registry.REGISTRY_HEADERS, REGISTRY_EN)
    codes = list(shown["code"])
    shown = shown.rename(columns=names)
    event = st.dataframe(colour_stage(shown, names["stage"]).format({names["area_m2"]: "{:,.0f}"}),
                         hide_index=True, width="stretch", height=36 * (len(shown) + 1) + 4,
                         on_select="rerun", selection_mode="single-row", key="plots_table")
    picked = event.selection.rows if event and event.selection else []
    if picked:
        open_plot(codes[picked[0]])
    counts = rows["stage"].value_counts()
    st.markdown(" ".join(stage_badge(s) + f" {counts[s]}" for s in PLOT_STAGES if s in counts),
                unsafe_allow_html=True)
    plots_map(None, codes)

    st.subheader(L("registry_now"))
    reg = plot_registry.registry(records)
    if lang() == "en":
        reg["stage"] = reg["stage"].map(stage_label)
    reg_names = headers(reg.columns, plot_registry.REGISTRY_HEADERS, REGISTRY_EN)
    st.dataframe(colour_stage(reg.rename(columns=reg_names), reg_names["stage"])
                 .format({reg_names["area_m2"]: "{:,.0f}"}), hide_index=True, width="stretch")
    st.markdown(f"**{L('batches')}**")
    batches = plot_registry.batches(records)
    st.dataframe(batches.rename(columns=headers(batches.columns, plot_registry.BATCH_HEADERS, BATCH_EN)),
                 hide_index=True, width="stretch")
    st.markdown(f"**{L('export')}**")
    if not st.session_state.get("plots_export_ready"):
        if st.button(L("prepare"), key="plots_prepare_export"):
            st.session_state["plots_export_ready"] = True
            st.rerun()
        return
    dataset = current_name()
    try:
        with st.spinner(L("registry_making")):
            xlsx, pdf = registry_exports(dataset, catalog_version(dataset=dataset), current_user())
    except HetuError as exc:
        st.error(md_text(str(exc)))
        return
    c1, c2 = st.columns(2)
    today = dt.date.today().isoformat()
    c1.download_button("Excel (.xlsx)", xlsx, L("registry_file", day=today) + ".xlsx", width="stretch",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button("PDF", pdf, L("registry_file", day=today) + ".pdf", mime="application/pdf", width="stretch")


@st.cache_data(show_spinner=False, max_entries=4)
def registry_exports(dataset: str, version: str, user) -> tuple[bytes, bytes]:
    """The 名录 Excel and PDF of the plots the user may export (cached per data version and account)."""
    records = scoped.registry_records(user, store(dataset=dataset))
    return plot_registry.to_excel(records), plot_registry.to_pdf(records)


# --------------------------------------------------------------------------- one plot
def registry_fields(rec: dict) -> None:
    st.markdown(f"#### {md_text(rec['name'])} · {md_text(rec['code'])} " + stage_badge(rec["state"]),
                unsafe_allow_html=True)
    row = plot_registry.registry_row(rec)
    area = row["area_m2"]
    geom_crs = ""
    try:
        geom_crs = projected_crs_for(plot_registry.plot_geometry(rec))
    except HetuError:
        pass
    values = {
        "code": rec["code"], "name": rec.get("name"), "address": rec.get("address"),
        "subdistrict": rec.get("subdistrict"),
        "area": L("area_value", m2=f"{area:,.0f}", mu=f"{area / 666.67:,.1f}", crs=geom_crs) if area else "",
        "former_use": rec.get("former_use"), "industry": rec.get("industry"), "pollutants": row["pollutants"],
        "responsible": row["responsible"], "land_holder": row["land_holder"], "land_use": term(row["land_class"], lang()),
        "state": stage_label(rec["state"]), "listed_batch": row["listed_batch"], "removed_batch": row["removed_batch"],
        "mark": term(row["mark"], lang()),
    }
    st.table(pd.Series({L(k): md_text(v) for k, v in values.items() if v}, name=tr("plots.value")))


def transition_form(st_, rec: dict) -> None:
    if not may("transition"):  # the role may not: no control (gislib.auth.PERMISSIONS)
        return
    st.markdown(f"**{L('workflow')}** · {L('current')}: " + stage_badge(rec["state"]), unsafe_allow_html=True)
    allowed = st_.allowed_transitions("plots", rec["code"])
    if not allowed:
        st.info(L("terminal"))
        return
    with st.form(f"move_{rec['code']}", clear_on_submit=True):
        to_state = st.selectbox(L("next"), allowed, format_func=stage_label, key="move_to")
        c1, c2 = st.columns(2)
        when = c1.date_input(L("date"), value=today_local(), max_value=today_local(), key="move_date")
        batch = c2.text_input(L("batch"), key="move_batch")
        note = st.text_area(L("note"), key="move_note", placeholder=L("note_example"))
        evidence = st.file_uploader(L("evidence"), type=["pdf"], key="move_evidence")
        submitted = st.form_submit_button(L("submit"), type="primary")
    if not submitted:
        return
    user = require("transition", {**rec, "layer": "plots"})  # the page says why; move_plot checks again
    try:
        plot_listing.move_plot(st_, rec["code"], to_state, user, when, note or None,
                               expected_version=rec["version"], batch=batch,
                               evidence=(evidence.name, evidence.getvalue()) if evidence is not None else None)
    except HetuError as exc:
        st.error(f"{L('move_refused')}: {md_text(str(exc))}")
        return
    st.session_state["plots_flash"] = f"{L('moved')}: {stage_label(rec['state'])} → {stage_label(to_state)}"
    st.rerun()


def history(st_, rec: dict) -> None:
    st.markdown(f"**{L('history')}**")
    files = {a["sha256"]: a for a in st_.attachments("plots", rec["code"])}
    moves = st_.transitions("plots", rec["code"])
    if not moves:
        st.caption(L("no_history"))
    else:
        st.dataframe(pd.DataFrame([{
            (tr("plots.date")): m["date"],
            (tr("plots.from")): stage_label(m["from_state"]),
            (tr("plots.to")): stage_label(m["to_state"]),
            (tr("plots.user")): m["user"],
            (tr("plots.review_note")): m["note"] or "",
            (tr("plots.evidence_2")): "、".join(files[s]["filename"] if s in files else s[:12]
                                                     for s in (m["evidence"] or [])),
        } for m in reversed(moves)]), hide_index=True, width="stretch")
    if files:
        st.markdown(f"**{L('attachments')}**")
        for i, a in enumerate(files.values()):
            path = Path(a["path"])
            if path.exists():
                st.download_button(f"{md_text(a['filename'])} · {local_time(a['at'])} · {md_text(a['user'])}", path.read_bytes(),
                                   a["filename"], mime=a["mime"], key=f"att_{rec['code']}_{i}",
                                   icon=":material/description:")
    with st.expander(L("audit")):
        rows = []
        for a in st_.audit("plots", rec["code"]):
            changes = [("", "", "")] if a["action"] == "create" or not a["field"] else readable_changes(
                a["field"], a["old"], a["new"], lang())
            rows += [{L("col.at"): local_time(a["at"]), L("col.user"): a["user"],
                      L("col.action"): tr(f"plots.action.{a['action']}") if f"plots.action.{a['action']}" in CATALOG else a["action"],
                      L("col.field"): tr(f"plots.field.{a['field']}") if f"plots.field.{a['field']}" in CATALOG else f,
                      L("col.old"): o, L("col.new"): n, L("col.note"): a["note"] or ""} for f, o, n in changes]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def background_inputs(rec: dict) -> dict[str, float]:
    """The plot's soil background values (mg/kg) for the note-① items, entered by the officer."""
    st.caption(L("background"))
    cols = st.columns(len(BACKGROUND_ITEMS))
    values = {}
    for col, item in zip(cols, BACKGROUND_ITEMS):
        value = col.number_input(item, min_value=0.0, value=None, step=1.0, format="%g",
                                 key=f"soil_bg_{item}_{rec['code']}")
        if value is not None:
            values[item] = float(value)
    return values


def soil_check(rec: dict) -> None:
    st.markdown(f"**{L('soil')}** · {STANDARD}")
    try:
        land_class = land_class_for_use(rec.get("land_use") or "")
    except HetuError as exc:
        st.warning(md_text(str(exc)))
        return
    st.caption(f"{tr('plots.judged_for')} {term(rec.get('land_use'), lang())} "
               f"({tr('plots.screening_intervention_values')}, mg/kg)")
    backgrounds = background_inputs(rec)
    upload = st.file_uploader(L("upload_soil"), type=["csv", "xlsx"], key=f"soil_{rec['code']}")
    if not usable_upload(upload):
        return
    with uploaded_path(upload) as path:
        try:
            rows = read_soil_file(path)
        except HetuError as exc:
            st.error(md_text(str(exc)))
            return
    suspects = magnitude_suspects(rows)
    if suspects:  # the officer confirms or corrects the unit before anything is judged
        st.warning("\n\n".join(suspects.values()))
        given = {}
        for i, col in enumerate(suspects):
            options = [L("unit_choose"), "mg/kg", "µg/kg"]
            picked = st.selectbox(tr("plots.unit_ask", col=col), options, key=f"soil_unit_{i}_{rec['code']}")
            if picked == options[0]:
                return
            given[col] = picked
        rows = apply_units(rows, given)
    try:
        verdicts = check_samples(rows, land_class, backgrounds)
    except HetuError as exc:
        st.error(str(exc))
        return
    good = [v for v in verdicts if not v.is_error]
    errors = [v for v in verdicts if v.is_error]
    zh = lang() == "zh"
    names = VERDICT_ZH if zh else VERDICT_EN
    counts = pd.Series([v.verdict for v in good]).value_counts()
    shown_verdicts = ["below_screening", "above_screening", "above_intervention"]
    if counts.get(WITHIN_BACKGROUND, 0) or backgrounds:
        shown_verdicts.append(WITHIN_BACKGROUND)
    for col, verdict in zip(st.columns(len(shown_verdicts)), shown_verdicts):
        col.metric(names[verdict] + ("①" if verdict == WITHIN_BACKGROUND else ""), int(counts.get(verdict, 0)))
    frame = pd.DataFrame([{
        tr("plots.sample"): v.sample, tr("plots.pollutant"): v.pollutant,
        tr("plots.value_mg_kg"): L("not_detected") if v.value is None else f"{v.value:g}",
        tr("plots.screening"): f"{v.screening:g}", tr("plots.intervention"): f"{v.intervention:g}",
        tr("plots.background_2"): "" if v.background is None else f"{v.background:g}",
        tr("plots.verdict"): names[v.verdict] + ("①" if v.footnote else ""), "_v": v.verdict,
    } for v in good])
    if not frame.empty:
        verdict_col = tr("plots.verdict")
        colours = frame.pop("_v").map(VERDICT_COLOR)
        styler = frame.style.apply(lambda col: [f"background-color:{c}" for c in colours], subset=[verdict_col])
        st.dataframe(styler, hide_index=True, width="stretch")
    if any(v.footnote for v in good):
        st.info((VERDICT_EXPLAIN if zh else VERDICT_EXPLAIN_EN)[WITHIN_BACKGROUND])
    for err in errors:
        st.warning(md_text(err.error))


def buffer_query(rec: dict) -> None:
    st.markdown(f"**{L('buffer')}**")
    distance = st.number_input(L("distance"), min_value=10, max_value=5000, value=500, step=50,
                               key=f"buffer_{rec['code']}")
    geom = plot_registry.plot_geometry(rec)
    if geom is None:
        st.warning(L("no_geometry"))
        return
    dataset = current_name()
    version = catalog_version(dataset=dataset)
    try:
        query = ProximityQuery(geom, float(distance), exclude_code=rec["code"])
        # the store picks the records near the plot (in the database on PostGIS); within() measures them
        near = {key: _near(key, geom.wkt, query.distance_m, dataset)
                for key in ("outfalls", "plots", "dust_sites")}
        result = within(query, rivers=_context_layers(dataset, version), **near)
    except HetuError as exc:
        st.error(md_text(str(exc)))
        return
    zh = lang() == "zh"
    names = KINDS if zh else KINDS_EN
    st.caption(" · ".join(f"{names[k]} {n}" for k, n in summary(result).items())
               + f" · {projected_crs_for(geom)}")
    if result.empty:
        st.info(L("nothing_near"))
        return
    shown = pd.DataFrame({
        tr("plots.kind"): result["kind"].map(names), tr("plots.code"): result["code"],
        tr("plots.name"): result["name"], tr("plots.distance_m"): result["distance_m"],
        tr("plots.detail"): result["detail"]})
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        shown.columns[3]: st.column_config.NumberColumn(format="%.1f")})


def plot_page(st_, records: list[dict]) -> None:
    codes = [r["code"] for r in records]
    names = {r["code"]: r.get("name", "") for r in records}
    wanted = st.query_params.get("code")
    if wanted in codes and "plot_code" not in st.session_state:
        st.session_state["plot_code"] = wanted
    code = st.selectbox(L("plot"), codes, key="plot_code", format_func=lambda c: f"{c} {names[c]}")
    st.query_params["code"] = code
    rec = st_.get("plots", code)
    left, right = st.columns([1, 1], gap="large")
    with left:
        registry_fields(rec)
        plots_map(code, codes, height=300)
        buffer_query(rec)
    with right:
        transition_form(st_, rec)
        history(st_, rec)
    soil_check(rec)


def main() -> None:
    st.markdown(f"### {L('title')}")
    demo_banner()
    flash = st.session_state.pop("plots_flash", None)
    if flash:
        st.success(flash)
    st_ = store()
    user = require("list_layer", "plots")
    records = scoped.plots(user, st_)  # the jurisdiction only (plots count by sub-district)
    if not records:
        st.info(tr("app.none_in_jurisdiction") if user.restricted else L("no_records"))
        return
    opened = st.session_state.pop("plots_open", None)
    if opened:  # a row or a plot on the map was clicked: show its file
        st.session_state["plots_mode"], st.session_state["plot_code"] = "plot", opened
        st.query_params["code"] = opened
    if "plots_mode" not in st.session_state:
        st.session_state["plots_mode"] = "plot" if st.query_params.get("code") else "list"
    mode = st.radio("view", ["list", "plot"], key="plots_mode", horizontal=True, label_visibility="collapsed",
                    format_func=lambda m: L(f"mode.{m}"))
    if mode == "list":
        plot_list(records)
    else:
        plot_page(st_, records)
    st.caption(f"{term(DEMO_MARK, lang())} · {current_name()} · {L('projection_note')} · © OpenStreetMap contributors (ODbL)")


main()
