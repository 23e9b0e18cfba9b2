"""gislib.reports.ledger: the filtered ledger (台账) export and seeding the store from a GeoDataFrame.

CLI: ``python -m gislib ledger --layer outfalls --out FILE.xlsx|FILE.csv [--subdistrict X]
[--river X] [--type X] [--state X] [--overdue] [--data-dir DIR]``. Headers are Chinese; CSV is
UTF-8 with BOM so that Excel opens it; text cells that Excel would read as a formula are quoted.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gislib.domain import OUTFALL_PHASE, WQ_CLASS_ROMAN
from gislib.errors import CRSError, ExportError, ValidationError
from gislib.store import Store
from gislib.services.workflow import is_overdue
from gislib.safe_text import cell as safe_cell
from gislib.timefmt import local_time, now_local
from gislib.values import python_value

Getter = Callable[[dict[str, Any], dt.date], Any]


def _main_party(rec: dict[str, Any]) -> dict[str, Any]:
    parties = rec.get("responsible_parties") or []
    return next((p for p in parties if p.get("main")), parties[0] if parties else {})


def _chief(rec: dict[str, Any]) -> str:
    chief = rec.get("river_chief") or {}
    return " ".join(str(chief[k]) for k in ("level", "name") if chief.get(k))


def _rem(key: str) -> Getter:
    return lambda r, _d: (r.get("remediation") or {}).get(key)


def _field(key: str) -> Getter:
    return lambda r, _d: r.get(key)


def _coord(key: str) -> Getter:
    """Longitude/latitude to 6 decimals (about 0.1 m), not the 13 of a float."""
    return lambda r, _d: None if r.get(key) is None else round(float(r[key]), 6)


def _target(r: dict[str, Any], _d: dt.date) -> str:
    """水质目标 written as everywhere else in Hetu: Ⅲ类."""
    cls = r.get("target_class")
    return f"{WQ_CLASS_ROMAN.get(str(cls), cls)}类" if cls else ""


def _tracing(r: dict[str, Any], _d: dt.date) -> Any:
    tracing = r.get("tracing")
    return tracing.get("result") if isinstance(tracing, dict) else tracing


def _local(key: str) -> Getter:
    return lambda r, _d: local_time(r.get(key))


OUTFALL_COLUMNS: list[tuple[str, Getter]] = [
    ("编码", _field("code")),
    ("名称", _field("name")),
    ("国家统一编码", _field("national_code")),
    ("地方编码", _field("local_code")),
    ("受纳水体", _field("river")),
    ("街道/镇", _field("subdistrict")),
    ("行政区划代码", _field("admin_code")),
    ("详细地址", _field("address")),
    ("一级类型", _field("type_l1")),
    ("二级类型", _field("type_l2")),
    ("三级类型", _field("type_l3")),
    ("审批/登记", _field("approval_kind")),
    ("入河方式", _field("discharge_mode")),
    ("排放规律", _field("discharge_pattern")),
    ("水质目标", _target),
    ("状态", _field("state")),
    ("阶段", lambda r, _d: OUTFALL_PHASE.get(r.get("state"), "")),
    ("整治方式", _rem("kind")),
    ("整治期限", _rem("deadline")),
    ("整治进度(%)", _rem("progress_pct")),
    ("销号日期", _rem("closed_date")),
    ("是否逾期", lambda r, d: "是" if is_overdue(r, d) else "否"),
    ("责任主体", lambda r, _d: _main_party(r).get("name")),
    ("统一社会信用代码", lambda r, _d: _main_party(r).get("credit_code")),
    ("排污许可证编号", _field("discharge_permit_no")),
    ("河长", lambda r, _d: _chief(r)),
    ("溯源结果", _tracing),
    ("经度", _coord("lon")),
    ("纬度", _coord("lat")),
    ("原坐标系", _field("source_crs")),
    ("版本", _field("version")),
    ("更新人", _field("updated_by")),
    ("更新时间(北京时间)", _local("updated_at")),
]
GENERIC_COLUMNS: list[tuple[str, Getter]] = [
    ("编码", _field("code")), ("名称", _field("name")), ("状态", _field("state")),
    ("经度", _coord("lon")), ("纬度", _coord("lat")), ("几何(WKT)", _field("geometry_wkt")),
    ("原坐标系", _field("source_crs")), ("版本", _field("version")),
    ("更新人", _field("updated_by")), ("更新时间(北京时间)", _local("updated_at")),
]
_GENERIC_SKIP = {"layer", "code", "name", "state", "lon", "lat", "geometry_wkt", "source_crs", "version",
                 "created_by", "created_at", "updated_by", "updated_at"}


def _cell(value: Any) -> Any:
    """A spreadsheet-safe cell: lists/dicts as text, then :func:`gislib.safe_text.cell` (formulas quoted)."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else "、".join(map(str, value))
    return safe_cell(value)


def _schema_labels(layer: str) -> dict[str, str]:
    """Chinese labels of the importer schema (gislib.schemas), field name -> label."""
    try:
        from gislib.schemas import SCHEMAS
    except ImportError:
        return {}
    schema = SCHEMAS.get(layer)
    labels = {"subdistrict": "街道/镇", "river": "受纳水体", "demo": "示例数据", "mark": "标记",
              "removed_reason": "撤销原因", "listed_batch": "纳入名录批次", "removed_batch": "移出名录批次"}
    labels.update(schema.labels if schema else {})
    labels.update({"land_use": labels.get("land_class", "规划用地类别")} if layer == "plots" else {})
    return labels


LAYER_TITLES = {"outfalls": "入河排污口台账", "sections": "监测断面台账", "plots": "污染地块台账",
                "dust": "建筑工地扬尘台账"}
FILTER_LABELS = {"text": "编码或名称含", "subdistrict": "街道/镇", "river": "受纳水体", "type_l1": "一级类型",
                 "state": "状态", "overdue": "只看整治逾期", "include_removed": "含已撤销"}
ALWAYS_SHOWN = ("编码", "名称")


def ledger_table(store: Store, layer: str, today: dt.date | None = None,
                 **filters: Any) -> tuple[list[str], list[list[Any]], list[str]]:
    """Headers, rows and the left-out column names of the filtered ledger of ``layer``.

    Columns that are empty in every exported row are left out (and named in the note), so the
    sheet carries no always-empty columns; an empty ledger keeps every column."""
    today = today or dt.date.today()
    records = store.list(layer, today=today, **filters)
    if layer == "outfalls":
        columns = OUTFALL_COLUMNS
    else:
        labels = _schema_labels(layer)
        extra = sorted({k for r in records for k in r} - _GENERIC_SKIP)
        columns = GENERIC_COLUMNS + [(labels.get(k, k), _field(k)) for k in extra]
    headers = [h for h, _ in columns]
    rows = [[_cell(get(r, today)) for _, get in columns] for r in records]
    if not rows:
        return headers, rows, []
    keep = [i for i, h in enumerate(headers) if h in ALWAYS_SHOWN or any(row[i] not in ("", None) for row in rows)]
    empty = [h for i, h in enumerate(headers) if i not in keep]
    return [headers[i] for i in keep], [[row[i] for i in keep] for row in rows], empty


def ledger_rows(store: Store, layer: str, today: dt.date | None = None,
                **filters: Any) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the filtered ledger of ``layer`` (filters as ``Store.list``)."""
    headers, rows, _empty = ledger_table(store, layer, today, **filters)
    return headers, rows


def ledger_notes(layer: str, filters: dict[str, Any], n_rows: int, empty: list[str]) -> list[str]:
    """The lines above the ledger sheet's header: which filters, how many, when, what is left out."""
    chosen = [f"{FILTER_LABELS.get(k, k)}" + ("" if v is True else f" = {v}")
              for k, v in filters.items() if v not in (None, "", False)]
    lines = [f"筛选条件: {'；'.join(chosen) if chosen else '无（全部）'} · 共 {n_rows} 条 · "
             f"导出于 {now_local():%Y-%m-%d %H:%M}（北京时间）"]
    if empty:
        lines.append(f"以下列在所选记录中均无数据，未列出: {'、'.join(empty)}")
    return lines


def write_ledger(path: Path, headers: list[str], rows: list[list[Any]], sheet: str = "台账",
                 title: str | None = None, notes: list[str] | tuple[str, ...] = ()) -> None:
    """Write .xlsx (title row and notes above a bold frozen header with a filter) or .csv
    (UTF-8 with BOM, header on the first line so that programs can read it)."""
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    headers = [safe_cell(h) for h in headers]
    rows = [[safe_cell(v) for v in row] for row in rows]
    try:
        if suffix == ".csv":
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(headers)
                writer.writerows(rows)
        elif suffix == ".xlsx":
            _write_xlsx(path, headers, rows, sheet, [title] if title else [], list(notes))
        else:
            raise ValidationError(f"输出文件 {path.name} 的扩展名应为 .xlsx 或 .csv", field="out")
    except OSError as exc:
        raise ExportError(f"无法写入 {path} ({exc}): check the folder exists and is writable") from exc


def _write_xlsx(path: Path, headers: list[str], rows: list[list[Any]], sheet: str, title: list[str],
                notes: list[str]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for line in title:
        ws.append([line])
        ws.cell(ws.max_row, 1).font = Font(bold=True, size=14)
    for line in notes:
        ws.append([line])
        ws.cell(ws.max_row, 1).font = Font(size=9, color="555555")
    header_row = ws.max_row + 1 if (title or notes) else 1
    ws.append(headers)
    for row in rows:
        ws.append(row)
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(max(1, len(headers)))}{header_row + len(rows)}"
    for i, header in enumerate(headers, start=1):
        width = max([len(str(header)) * 2] + [len(str(r[i - 1])) for r in rows[:200]])
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 50)
    wb.save(path)


# --------------------------------------------------------------------------- seeding
def _plain(value: Any) -> Any:
    """Python value for a GeoDataFrame cell; None for missing values, ISO text for dates."""
    value = python_value(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def records_from_geodataframe(gdf: Any) -> list[dict[str, Any]]:
    """Store records (lon/lat for points, WKT otherwise, WGS84) from a GeoDataFrame."""
    if gdf.crs is None:
        raise CRSError("GeoDataFrame 没有坐标系 (crs is None): set it with gdf.set_crs(...) first")
    source_crs = gdf.crs.to_string()
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    geom_col = gdf.geometry.name
    records = []
    for row in gdf.to_dict("records"):
        geom = row.pop(geom_col, None)
        rec = {k: v for k, v in ((str(k), _plain(v)) for k, v in row.items()) if v is not None}
        if geom is not None and not geom.is_empty:
            if geom.geom_type == "Point":
                rec["lon"], rec["lat"] = float(geom.x), float(geom.y)
            else:
                rec["geometry_wkt"] = geom.wkt
        rec["source_crs"] = source_crs
        records.append(rec)
    return records


def seed_from_geodataframe(store: Store, layer: str, gdf: Any, user: str,
                           source: str = "demo") -> dict[str, int]:
    """Fill an EMPTY layer from a GeoDataFrame (all or nothing); a non-empty layer is left alone.
    Demo outfalls already monitored (已监测 or later) are written with their demo monitoring history.

    Returns {"inserted", "updated", "unchanged", "skipped"} (skipped = records already there).
    """
    existing = store.count(layer, include_removed=True)
    if existing:
        return {"inserted": 0, "updated": 0, "unchanged": 0, "skipped": existing}
    records = records_from_geodataframe(gdf)
    if layer == "outfalls":  # demo outfalls get their demo details now, never when a page reads them
        from gislib.demo.monitoring import with_demo_details

        records = with_demo_details(records)
    result = store.upsert_many(layer, records, user, source)
    return {**result, "skipped": 0}
