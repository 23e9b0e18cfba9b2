"""gislib.store.ledger: the filtered ledger (台账) export and seeding the store from a GeoDataFrame.

CLI: ``python -m gislib ledger --layer outfalls --out FILE.xlsx|FILE.csv [--subdistrict X]
[--river X] [--type X] [--state X] [--overdue] [--data-dir DIR]``. Headers are Chinese; CSV is
UTF-8 with BOM so that Excel opens it; text cells that Excel would read as a formula are quoted.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gislib.domain import OUTFALL_PHASE
from gislib.errors import CRSError, ExportError, NotFoundError, ValidationError
from gislib.store import LAYERS, Store, open_store, resolve_data_dir
from gislib.store.sqlite import DB_FILENAME
from gislib.store.workflow import is_overdue
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


OUTFALL_COLUMNS: list[tuple[str, Getter]] = [
    ("编码", _field("code")),
    ("名称", _field("name")),
    ("国家统一编码", _field("national_code")),
    ("地方编码", _field("local_code")),
    ("受纳水体", _field("river")),
    ("街道/镇", _field("subdistrict")),
    ("行政区划代码", _field("admin_code")),
    ("一级类型", _field("type_l1")),
    ("二级类型", _field("type_l2")),
    ("三级类型", _field("type_l3")),
    ("审批/登记", _field("approval_kind")),
    ("入河方式", _field("discharge_mode")),
    ("排放规律", _field("discharge_pattern")),
    ("水质目标", _field("target_class")),
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
    ("经度", _field("lon")),
    ("纬度", _field("lat")),
    ("原坐标系", _field("source_crs")),
    ("版本", _field("version")),
    ("更新人", _field("updated_by")),
    ("更新时间", _field("updated_at")),
]
GENERIC_COLUMNS: list[tuple[str, Getter]] = [
    ("编码", _field("code")), ("名称", _field("name")), ("状态", _field("state")),
    ("经度", _field("lon")), ("纬度", _field("lat")), ("几何(WKT)", _field("geometry_wkt")),
    ("原坐标系", _field("source_crs")), ("版本", _field("version")),
    ("更新人", _field("updated_by")), ("更新时间", _field("updated_at")),
]
_GENERIC_SKIP = {"layer", "code", "name", "state", "lon", "lat", "geometry_wkt", "source_crs", "version",
                 "created_by", "created_at", "updated_by", "updated_at"}


def _cell(value: Any) -> Any:
    """A spreadsheet-safe cell: lists/dicts as text; text that looks like a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else "、".join(map(str, value))
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


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


def ledger_rows(store: Store, layer: str, today: dt.date | None = None,
                **filters: Any) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the filtered ledger of ``layer`` (filters as ``Store.list``)."""
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
    return headers, rows


def write_ledger(path: Path, headers: list[str], rows: list[list[Any]], sheet: str = "台账") -> None:
    """Write .xlsx (bold frozen header, filter) or .csv (UTF-8 with BOM)."""
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if suffix == ".csv":
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(headers)
                writer.writerows(rows)
        elif suffix == ".xlsx":
            from openpyxl import Workbook
            from openpyxl.styles import Font
            from openpyxl.utils import get_column_letter

            wb = Workbook()
            ws = wb.active
            ws.title = sheet
            ws.append(headers)
            for row in rows:
                ws.append(row)
            for cell in ws[1]:
                cell.font = Font(bold=True)
            ws.freeze_panes = "A2"
            ws.auto_filter.ref = ws.dimensions
            for i, header in enumerate(headers, start=1):
                width = max([len(str(header)) * 2] + [len(str(r[i - 1])) for r in rows[:200]])
                ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 50)
            wb.save(path)
        else:
            raise ValidationError(f"输出文件 {path.name} 的扩展名应为 .xlsx 或 .csv", field="out")
    except OSError as exc:
        raise ExportError(f"无法写入 {path} ({exc}): check the folder exists and is writable") from exc


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
    if layer == "outfalls":  # demo outfalls get their demo monitoring now, never when a page reads them
        from gislib.demo.monitoring import with_demo_monitoring

        records = with_demo_monitoring(records)
    result = store.upsert_many(layer, records, user, source)
    return {**result, "skipped": 0}


# --------------------------------------------------------------------------- CLI
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m gislib ledger``."""
    parser.add_argument("--layer", default="outfalls", choices=LAYERS, help="layer (default outfalls)")
    parser.add_argument("--out", required=True, help="output file, .xlsx or .csv")
    parser.add_argument("--subdistrict", help="街道/镇")
    parser.add_argument("--river", help="受纳水体")
    parser.add_argument("--type", dest="type_l1", help="一级类型, e.g. 工业排污口")
    parser.add_argument("--state", help="状态, e.g. 整治中")
    parser.add_argument("--overdue", action="store_true", help="only outfalls past their remediation deadline")
    parser.add_argument("--text", help="search in codes and names")
    parser.add_argument("--include-removed", action="store_true", help="also list 已撤销 records")
    parser.add_argument("--today", help="date for the overdue check (YYYY-MM-DD, default today)")
    parser.add_argument("--data-dir", help="store folder (default $HETU_DATA_DIR or ./var/data)")


def run(args: argparse.Namespace) -> int:
    """Export the ledger and print a JSON summary."""
    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise ValidationError(f"--out {out.name}: 扩展名应为 .xlsx 或 .csv", field="out")
    today = dt.date.today()
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError as exc:
            raise ValidationError(f"--today {args.today!r} 无法识别: use YYYY-MM-DD", field="today") from exc
    data_dir = resolve_data_dir(args.data_dir)
    if not (data_dir / DB_FILENAME).exists():
        raise NotFoundError(f"{data_dir} 中没有数据库 {DB_FILENAME}: pass --data-dir or set HETU_DATA_DIR")
    filters = {"subdistrict": args.subdistrict, "river": args.river, "type_l1": args.type_l1,
               "state": args.state, "text": args.text}
    filters = {k: v for k, v in filters.items() if v}
    with open_store(data_dir) as store:
        headers, rows = ledger_rows(store, args.layer, today=today, overdue=True if args.overdue else None,
                                    include_removed=args.include_removed, **filters)
    write_ledger(out, headers, rows)
    summary = {"layer": args.layer, "out": str(out), "rows": len(rows), "columns": len(headers),
               "filters": {**filters, **({"overdue": True} if args.overdue else {})}, "today": today.isoformat()}
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0
