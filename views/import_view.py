"""数据导入导出: upload a ledger, preview it (dry run, on a map), confirm to write it; export a layer."""
from __future__ import annotations

import hashlib
import html
import json
import os
import tempfile
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from gislib.services import catalog
from gislib.geo import crs as crsmod
from gislib.config import load_settings
from gislib.dataset import current_name, load_layer
from gislib.domain import DEMO_MARK, OSM_CREDIT
from gislib.errors import HetuError
from gislib.io.exporter import export_layer
from gislib.io.importer import import_file, read_prepared
from cli.import_ import DECISIONS, write_to_store
from gislib.io.columns import auto_map_report, source_key
from gislib.io.enums import TYPE_FIELDS, type_options
from gislib.io.examples import SAMPLES, sample_bytes
from gislib.safe_text import md_text, plain
from gislib.schemas import COORD_LABELS, SCHEMAS
from gislib.store import resolve_data_dir
from gislib.io.uploads import mark_imported, safe_name
from layers.folium_elements import HetuMap, HtmlControl, TextTooltip
from layers.mapview import add_basemap
from views.common import demo_banner, lang, tr, actor, records, require

UPLOAD_TYPES = ["xlsx", "xlsm", "csv", "txt", "zip", "geojson", "json", "kml", "kmz", "gpx", "gpkg"]
IMPORT_LAYERS = ("outfalls", "sections", "plots", "dust")
STORE_TO_MAP = {"outfalls": "outfalls", "sections": "sections", "plots": "plots", "dust": "dust_sites"}
ACCEPTED_COLOR, FLAGGED_COLOR = "#1a9850", "#f28e2b"

EXPORT_FORMATS: dict[str, tuple[str, str, str]] = {
    "gpkg": ("GeoPackage (.gpkg)", ".gpkg", "application/geopackage+sqlite3"),
    "shp": ("Shapefile (.zip)", ".zip", "application/zip"),
    "geojson": ("GeoJSON (.geojson)", ".geojson", "application/geo+json"),
    "kml": ("KML (.kml)", ".kml", "application/vnd.google-earth.kml+xml"),
    "xlsx": ("Excel (.xlsx)", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
CRS_CHOICES = ("auto", "EPSG:4326", "EPSG:4490", "EPSG:4549", "EPSG:4528", "EPSG:4548", "EPSG:4550", "EPSG:4544",
               "EPSG:4510", "gcj02", "bd09")  # texts: import.crs.* in gislib/messages/importer.py
EXPORT_CRS = ("EPSG:4326", "EPSG:4490", "EPSG:4549", "gcj02", "bd09")



def _t(key: str, **kwargs) -> str:
    """This page's text in the current language."""
    return tr(f"import.{key}", **kwargs)


def _pick(pair: tuple[str, str]) -> str:
    return pair[0] if lang() == "zh" else pair[1]


def _recall(key: str, kind: str) -> dict | None:
    """The column or value mapping remembered in the store for this source (this user's first)."""
    return records().recall_import(actor(), key, kind)


def _freeze(d: dict) -> str:
    return json.dumps(d, ensure_ascii=False, sort_keys=True)


# --------------------------------------------------------------------------- cached work
@st.cache_data(show_spinner=False)
def _sample_file(kind: str, dataset: str) -> tuple[str, bytes]:
    return sample_bytes(kind)


@st.cache_resource(show_spinner=False)
def _district(dataset: str):
    import shapely

    return shapely.union_all(load_layer("district", dataset).geometry.values)


@st.cache_data(show_spinner=False, max_entries=16)
def _headers(path: str, digest: str) -> tuple[list[str], dict[str, str], list[str]]:
    """Source headers, one example value per header, and the reader's notes."""
    table, _warnings = read_prepared(path, max_bytes=load_settings().max_upload_mb * 1024 * 1024)
    examples = {}
    for h in table.headers:
        v = next((r.values.get(h) for r in table.rows if r.values.get(h) not in (None, "")), "")
        examples[h] = str(v)[:40]
    return list(table.headers), examples, list(table.notes)


@st.cache_data(show_spinner=False, max_entries=16)
def _dry_run(path: str, digest: str, layer: str, crs: str, mapping: tuple[tuple[str, str], ...],
             dataset: str, version: str, fill: str = "{}", value_map: str = "{}"):
    """(ImportReport, codes already in the store) for ``path``; nothing is written. Cached per file,
    choices and store version; the report keeps the version of every record it would update."""
    records = catalog.store().list(layer, include_removed=True)
    report = import_file(path, layer, crs=crs, district=_district(dataset), existing_records=records,
                         mapping=dict(mapping), max_bytes=load_settings().max_upload_mb * 1024 * 1024,
                         fill=json.loads(fill), value_map=json.loads(value_map))
    return report, frozenset(str(r["code"]) for r in records)


def _rejected_excel(report) -> bytes:
    with tempfile.TemporaryDirectory(prefix="hetu_rej_") as tmp:
        return report.rejected_to_excel(Path(tmp) / "rejected.xlsx").read_bytes()


def _export_bytes(map_key: str, fmt: str, crs: str) -> tuple[str, bytes]:
    store_layer = catalog.STORE_LAYERS[map_key]
    frame = catalog.layer_frame(map_key)
    schema = SCHEMAS[store_layer]
    keep = [c for c in [*schema.field_names, "state", "mark", "source_crs", "updated_at"] if c in frame.columns]
    frame = frame[list(dict.fromkeys(keep)) + ["geometry"]]
    suffix = EXPORT_FORMATS[fmt][1]
    name = f"{schema.label}_{crs.replace(':', '')}{suffix}"
    with tempfile.TemporaryDirectory(prefix="hetu_export_") as tmp:
        path = export_layer(frame, Path(tmp) / name, fmt=fmt, crs=crs, layer=store_layer)
        return name, path.read_bytes()


# --------------------------------------------------------------------------- widgets
def _samples_box() -> None:
    with st.expander(_t("samples")):
        st.caption(_t("samples_note"))
        cols = st.columns(len(SAMPLES))
        for col, (kind, spec) in zip(cols, SAMPLES.items()):
            try:
                name, data = _sample_file(kind, current_name())
            except HetuError as exc:
                col.warning(str(exc))
                continue
            col.download_button(_t(f"sample.{kind}"), data, file_name=name, key=f"sample_{kind}", use_container_width=True)


def _saved_upload(upload, max_mb: int) -> tuple[Path, str] | None:
    """The uploaded file on disk under its own name (the name may say 高德/百度), and its digest."""
    data = upload.getvalue()
    if len(data) > max_mb * 1024 * 1024:
        st.error(_t("too_big", name=md_text(upload.name), size=len(data) / 1024 / 1024, mb=max_mb))
        return None
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = resolve_data_dir() / "uploads" / digest  # kept with the data: the source of every import
    folder.mkdir(parents=True, exist_ok=True)
    os.utime(folder)  # in use: not abandoned (gislib.io.uploads.clean_abandoned)
    path = folder / safe_name(upload.name)
    if not path.exists():
        path.write_bytes(data)
    return path, digest


def _field_options(layer: str) -> tuple[list[str], dict[str, str]]:
    """Selectbox labels "field · 中文名" and label → field name."""
    schema = SCHEMAS[layer]
    labels = {**schema.labels, **COORD_LABELS}
    fields = [*schema.field_names, "x", "y", "wkt"]
    options = {f"{f} · {labels[f]}{' *' if f in schema.required else ''}": f for f in fields}
    ignore = _t("ignore")
    return [ignore, *options], {ignore: "", **options}


def _mapping_editor(path: Path, digest: str, layer: str, headers: list[str], examples: dict[str, str],
                    key: str) -> dict[str, str]:
    """The editable column mapping (starting from the remembered one, else the automatic one)."""
    remembered = _recall(key, "columns")
    auto = auto_map_report(headers, layer)
    initial = remembered if remembered is not None else auto.mapping
    options, to_field = _field_options(layer)
    to_label = {f: lab for lab, f in to_field.items()}
    frame = pd.DataFrame({
        _t("col_source"): headers,
        _t("col_example"): [examples.get(h, "") for h in headers],
        _t("col_field"): [to_label.get(initial.get(h, ""), _t("ignore")) for h in headers],
    })
    st.markdown(f"**{_t('mapping')}**")
    st.caption(_t("mapping_help"))
    if remembered is not None:
        st.info(_t("mapping_recalled"))
    edited = st.data_editor(
        frame, key=f"mapping_{digest}_{layer}", hide_index=True, use_container_width=True, disabled=[
            _t("col_source"), _t("col_example")],
        column_config={_t("col_field"): st.column_config.SelectboxColumn(options=options, required=True)},
    )
    mapping = {h: to_field.get(v, "") for h, v in zip(edited[_t("col_source")], edited[_t("col_field")])}
    mapped = set(mapping.values())
    missing = [f"{f} ({SCHEMAS[layer].labels[f]})" for f in SCHEMAS[layer].required
               if f not in mapped and f != "code"]  # rows without a code get a provisional one
    if not ({"x", "y"} <= mapped or "wkt" in mapped) and path.suffix.lower() in (".xlsx", ".xlsm", ".csv", ".txt"):
        missing.append(f"x/y ({COORD_LABELS['x']}, {COORD_LABELS['y']})")
    if missing:
        st.warning(_t("missing_required", fields="、".join(missing)))
    return mapping


def _fill_box(layer: str, mapping: dict[str, str], digest: str) -> dict[str, str]:
    """Values for required fields (and the outfall type) that the file lacks, for the whole batch."""
    schema = SCHEMAS[layer]
    mapped = set(mapping.values())
    targets = [f for f in schema.required if f not in mapped and f != "code"]
    if layer == "outfalls" and not mapped & set(TYPE_FIELDS):
        targets.append("type_l2")
    if not targets:
        return {}
    st.markdown(f"**{_t('fill')}**")
    st.caption(_t("fill_help"))
    fill: dict[str, str] = {}
    for col, name in zip(st.columns(len(targets)), targets):
        f = schema.field(name)
        label = _t("outfall_type") if name in TYPE_FIELDS else f.label
        if name in TYPE_FIELDS or f.allowed:
            options = ["", *(type_options() if name in TYPE_FIELDS else f.allowed)]
            none = _t("fill_type_none") if name in TYPE_FIELDS else _t("fill_none")
            value = col.selectbox(label, options, key=f"fill_{digest}_{layer}_{name}",
                                  format_func=lambda v, none=none: v or none)
        else:
            value = col.text_input(label, key=f"fill_{digest}_{layer}_{name}").strip()
        if value:
            fill[name] = value
    return fill


VALUE_CHOICES_PER_FIELD = 30  # distinct values offered per field; more stay unknown (listed as rejected)


def _value_editor(report, digest: str, layer: str, remembered: dict) -> dict[str, dict[str, str]]:
    """The officer's mapping of enumeration values the file spells differently: one choice per
    distinct value, pre-set from the remembered mapping or the synonym table."""
    schema = SCHEMAS[layer]
    rows: dict[str, dict[str, tuple[int | None, str]]] = {}
    for name, values in report.unknown_values.items():
        for raw, n in values.items():
            rows.setdefault(name, {})[raw] = (n, remembered.get(name, {}).get(raw, ""))
    for name, hits in report.value_hits.items():
        for raw, value in hits.items():
            rows.setdefault(name, {}).setdefault(raw, (None, value))
    out = {name: dict(m) for name, m in remembered.items()}
    if not rows:
        return out
    st.markdown(f"**{_t('values')}**")
    st.caption(_t("values_help"))
    for name, values in rows.items():
        options = ["", *(type_options() if name in TYPE_FIELDS else schema.field(name).allowed)]
        st.caption(_t("values_field", label=schema.labels.get(name, name)))
        cols = st.columns(3)
        for k, (raw, (count, current)) in enumerate(list(values.items())[:VALUE_CHOICES_PER_FIELD]):
            label = f"「{raw}」" + (f"（{_t('col_count')} {count}）" if count else "")
            value = cols[k % 3].selectbox(label, options, index=options.index(current) if current in options else 0,
                                          key=f"value_{digest}_{layer}_{name}_{k}",
                                          format_func=lambda v: v or _t("undecided"))
            if value:
                out.setdefault(name, {})[raw] = value
            else:
                out.get(name, {}).pop(raw, None)
    return out


NEAR_EDITOR_ROWS = 500  # rows beyond this follow the "set all to" choice


def _decision_labels() -> dict[str, str]:
    return {"": _t("undecided"), **{d: _t(f"decision_{d}") for d in DECISIONS}}


def _decisions(report, digest: str) -> dict[int, str]:
    """The officer's decision (merge/keep/skip) for each row flagged as a possible duplicate."""
    flagged = report.near_duplicates
    if not flagged:
        return {}
    labels = _decision_labels()
    st.markdown(f"**{_t('near')}**（{len(flagged)}）")
    st.caption(_t("near_help"))
    for_all = st.selectbox(_t("near_all"), list(labels), format_func=labels.get, key=f"near_all_{digest}")
    shown = flagged[:NEAR_EDITOR_ROWS]
    frame = pd.DataFrame({
        _t("row"): [d["row"] for d in shown],
        "code": [str(d["code"]) for d in shown],
        _t("col_other"): [_t("in_store", code=d["other_code"]) if d["existing"]
                          else _t("in_file", row=d["other_row"], code=d["other_code"]) for d in shown],
        _t("col_distance"): [d["distance_m"] for d in shown],
        _t("col_decision"): [labels[for_all]] * len(shown),
    })
    edited = st.data_editor(
        frame, key=f"near_{digest}_{for_all}", hide_index=True, use_container_width=True,
        disabled=[c for c in frame.columns if c != _t("col_decision")],
        column_config={_t("col_decision"): st.column_config.SelectboxColumn(options=list(labels.values()), required=True)})
    back = {v: k for k, v in labels.items()}
    decisions = {int(r): back.get(v, "") for r, v in zip(edited[_t("row")], edited[_t("col_decision")])}
    decisions.update({d["row"]: for_all for d in flagged[NEAR_EDITOR_ROWS:]})
    return {r: v for r, v in decisions.items() if v}


def _flagged_rows(report) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for w in report.warnings:
        if w.get("row") is not None:
            out.setdefault(int(w["row"]), []).append(w["message"])
    return out


def _preview_map(report, dataset: str, is_sample: bool) -> folium.Map:
    """Accepted rows as circle markers on the offline basemap: green accepted, orange to be checked."""
    flagged = _flagged_rows(report)
    acc = report.accepted
    district = _district(dataset)
    minx, miny, maxx, maxy = acc.total_bounds if len(acc) else district.bounds
    fmap = HetuMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=13, tiles=None,
                   control_scale=True, max_zoom=19)
    add_basemap(fmap, "offline", dataset)
    folium.GeoJson(district.__geo_interface__, name="district", interactive=False,
                   style_function=lambda _f: {"color": "#555", "weight": 1.5, "dashArray": "4 4", "fill": False}
                   ).add_to(fmap)
    for code, name, row, geom in zip(acc["code"], acc["name"], acc["source_row"], acc.geometry):
        p = geom if geom.geom_type == "Point" else geom.representative_point()
        notes = flagged.get(int(row), [])
        color = FLAGGED_COLOR if notes else ACCEPTED_COLOR
        tip = TextTooltip(f"{_t('row')} {row} · {plain(code)} {plain(name)}", *notes)
        folium.CircleMarker([p.y, p.x], radius=7, color="#ffffff", weight=1.5, fill=True, fill_color=color,
                            fill_opacity=0.95, tooltip=tip).add_to(fmap)
    legend = (f"<b>{html.escape(_t('preview'))}</b>"
              f'<div class="row"><span class="sym circle" style="background:{ACCEPTED_COLOR}"></span>{_t("legend_ok")}</div>'
              f'<div class="row"><span class="sym circle" style="background:{FLAGGED_COLOR}"></span>{_t("legend_flag")}</div>')
    HtmlControl(legend, position="bottomright").add_to(fmap)
    if is_sample:
        HtmlControl(DEMO_MARK, position="topright", css_class="hetu-demo-mark").add_to(fmap)
    if len(acc):
        fmap.fit_bounds([[miny, minx], [maxy, maxx]], padding=(40, 40))
    return fmap


def _accepted_table(report, existing: frozenset) -> pd.DataFrame:
    acc = report.accepted
    schema = SCHEMAS[report.layer]
    flagged = _flagged_rows(report)
    cols = [f for f in schema.field_names if f in acc.columns and acc[f].notna().any()]
    frame = pd.DataFrame({_t("row"): acc["source_row"].astype(int)})
    frame[_t("warnings")] = ["⚠ " + _t("flag") if int(r) in flagged else "" for r in acc["source_row"]]
    frame[tr("import.new_update")] = [
        _t("status_update") if c in existing else _t("status_new") for c in acc["code"]]
    for f in cols:
        frame[schema.labels[f] if lang() == "zh" else f] = acc[f].astype(str).where(acc[f].notna(), "")
    points = acc.geometry.representative_point()
    frame[tr("import.lon_wgs84")] = points.x.round(6)
    frame[tr("import.lat_wgs84")] = points.y.round(6)
    return frame


def _rejected_box(report, path: Path, digest: str) -> None:
    st.markdown(f"**{_t('rejected_table')}**（{len(report.rejected)}）")
    if not report.rejected:
        st.success(_t("no_rejected"))
        return
    st.dataframe(pd.DataFrame({_t("row"): [r["row"] for r in report.rejected],
                               _t("reason"): [r["reason"] for r in report.rejected]}),
                 hide_index=True, use_container_width=True)
    with st.expander(_t("details")):
        st.dataframe(pd.DataFrame({_t("row"): [r["row"] for r in report.rejected],
                                   _t("reason"): [r.get("details", r["reason"]) for r in report.rejected]}),
                     hide_index=True, use_container_width=True)
    st.download_button(_t("download_rejected"), _rejected_excel(report),
                       file_name=_t("rejected_file", stem=path.stem), key=f"rej_{digest}")


def _show_preview(report, existing: frozenset, path: Path, signature: tuple, dataset: str) -> None:
    st.subheader(_t("preview"))
    st.markdown(f"**{_t('crs_used')}**：{report.crs.get('label') or '—'}")
    reason = report.crs.get("reason", "")
    (st.warning if report.crs.get("ambiguous") else st.info)(reason)
    for note in report.notes:
        st.caption(note)
    digest = signature[0]
    m = st.columns(6)
    m[0].metric(_t("rows"), report.total_rows)
    m[1].metric(_t("accepted"), len(report.accepted))
    m[2].metric(_t("inserts"), report.inserts)
    m[3].metric(_t("updates"), report.updates)
    m[4].metric(_t("rejected"), len(report.rejected))
    m[5].metric(_t("warnings"), len(report.warnings))
    is_sample = path.name in {s.filename for s in SAMPLES.values()}
    st_folium(_preview_map(report, dataset, is_sample), key=f"import_map_{digest}", height=480,
              use_container_width=True, returned_objects=[])
    st.caption(f"{OSM_CREDIT.short} · {DEMO_MARK if is_sample else ''}")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{_t('accepted_table')}**（{len(report.accepted)}）")
        st.dataframe(_accepted_table(report, existing), hide_index=True, use_container_width=True)
    with right:
        _rejected_box(report, path, digest)
    if report.warnings:
        st.markdown(f"**{_t('warnings')}**（{len(report.warnings)}）")
        for w in report.warnings:
            st.markdown(f"- ⚠ {md_text(w['message'])}")
    for header, why in report.unmatched_columns.items():
        st.caption(f"「{md_text(header)}」：{md_text(why)}")


def _confirm(report, existing: frozenset, path: Path, signature: tuple, choices: dict) -> None:
    """The write button; after the write, the result (and the preview as written) stays on the page.
    ``choices``: mapping, value_map, key (source key) and decisions (near-duplicates by row)."""
    done = st.session_state.get("import_written", {})
    if signature in done:
        _written_result(done[signature]["stats"])
        return
    if not len(report.accepted):
        st.info(_t("nothing"))
        return
    undecided = len(report.near_duplicates) - len(choices["decisions"])
    if undecided:
        st.warning(_t("undecided_left", n=undecided))
    if st.button(_t("confirm"), type="primary", key=f"confirm_{signature[0]}", disabled=bool(undecided)):
        user = actor()
        try:
            # through the access service: refused as a whole when a row lies outside the user's jurisdiction
            stats = write_to_store(records(), report, user=user, source=path.name, decisions=choices["decisions"])
            records().remember_import(user, choices["key"], "columns", choices["mapping"])
            if choices["value_map"]:
                records().remember_import(user, choices["key"], "values", choices["value_map"])
        except HetuError as exc:
            st.error(md_text(str(exc)))
            return
        mark_imported(path)  # the source of written records: never cleaned as abandoned
        st.session_state.setdefault("import_written", {})[signature] = {
            "stats": {**stats, "user": user}, "report": report, "existing": existing}
        st.rerun()


def _written_result(result: dict) -> None:
    st.success(_t("written", user=result["user"], inserted=result.get("inserted", 0),
                  updated=result.get("updated", 0), unchanged=result.get("unchanged", 0)))
    if result.get("refused"):
        st.warning(_t("refused", n=result["refused"]))
    if result.get("skipped") or result.get("merged"):
        st.info(_t("skipped", n=len(result.get("skipped") or []), m=result.get("merged", 0)))
    if result.get("conflicts"):
        st.warning(_t("conflicts", n=len(result["conflicts"])))
        cols = {"row": _t("row"), "code": "code", "expected_version": _t("col_read_version"),
                "current_version": _t("col_now_version"), "updated_by": _t("col_changed_by"), "updated_at": _t("col_changed_at")}
        st.dataframe(pd.DataFrame(result["conflicts"])[list(cols)].rename(columns=cols), hide_index=True)


def _import_section(settings) -> None:
    max_mb = settings.max_upload_mb
    upload = st.file_uploader(_t("upload"), type=UPLOAD_TYPES, key="import_upload",
                              help=_t("upload_help", mb=max_mb))
    c1, c2 = st.columns(2)
    layer = c1.selectbox(_t("layer"), IMPORT_LAYERS, key="import_layer",
                         format_func=lambda k: f"{SCHEMAS[k].label} ({k})")
    crs = c2.selectbox(_t("crs"), list(CRS_CHOICES), key="import_crs", format_func=lambda k: tr(f"import.crs.{k}"))
    if upload is None:
        return
    saved = _saved_upload(upload, max_mb)
    if saved is None:
        return
    path, digest = saved
    dataset = current_name()
    try:
        headers, examples, _notes = _headers(str(path), digest)
        key = source_key(path.name, headers)
        mapping = _mapping_editor(path, digest, layer, headers, examples, key)
        signature = (digest, layer, crs, tuple(sorted(mapping.items())))
        written = st.session_state.get("import_written", {}).get(signature)
        if written:  # show what was written, not a new dry run against the updated store
            report, existing = written["report"], written["existing"]
            _show_preview(report, existing, path, signature, dataset)
            _written_result(written["stats"])
            return
        fill = _fill_box(layer, mapping, digest)
        remembered = _recall(key, "values") or {}
        args = (str(path), digest, layer, crs, signature[3], dataset, catalog.version(), _freeze(fill))
        report, existing = _dry_run(*args, _freeze(remembered))
        value_map = _value_editor(report, digest, layer, remembered)
        if value_map != remembered:
            report, existing = _dry_run(*args, _freeze(value_map))
    except HetuError as exc:
        st.error(md_text(str(exc)))
        return
    _show_preview(report, existing, path, signature, dataset)
    decisions = _decisions(report, digest)
    _confirm(report, existing, path, signature,
             {"mapping": mapping, "value_map": value_map, "key": key, "decisions": decisions})


def _export_section() -> None:
    st.subheader(_t("export"))
    c1, c2, c3 = st.columns(3)
    map_key = c1.selectbox(_t("export_layer"), list(catalog.STORE_LAYERS), key="export_layer",
                           format_func=lambda k: SCHEMAS[catalog.STORE_LAYERS[k]].label)
    fmt = c2.selectbox(_t("export_format"), list(EXPORT_FORMATS), key="export_format",
                       format_func=lambda k: EXPORT_FORMATS[k][0])
    crs = c3.selectbox(_t("export_crs"), EXPORT_CRS, key="export_crs",
                       format_func=lambda k: tr(f"import.crs.{k}") if k in CRS_CHOICES else k)
    if crs in (crsmod.GCJ02, crsmod.BD09):
        st.caption(_t("export_gcj"))
    choice = (map_key, fmt, crs, catalog.version())
    if st.button(_t("export_make"), key="export_make"):
        try:
            st.session_state["export_file"] = (choice, *_export_bytes(map_key, fmt, crs))
        except HetuError as exc:
            st.error(md_text(str(exc)))
    ready = st.session_state.get("export_file")
    if ready and ready[0] == choice:
        _, name, data = ready
        st.download_button(_t("export_download", name=name), data, file_name=name,
                           mime=EXPORT_FORMATS[fmt][2], key="export_download")


def main() -> None:
    require("import")  # the menu hides the page from other roles; a typed address is refused here
    settings = load_settings()
    st.title(_t("title"))
    demo_banner()
    st.caption(_t("intro"))
    _samples_box()
    _import_section(settings)
    st.divider()
    _export_section()


main()
