"""``python -m gislib import FILE --layer outfalls|sections|plots|dust``: check a file and load it.

Prints a report (JSON with --json): ``accepted`` (count), ``rejected`` ([{"row", "reason"}]),
``warnings``, ``crs`` ({"used", "reason"}). ``--out x.geojson`` writes the accepted records in WGS84
(also in a dry run); ``--rejected-out x.xlsx`` writes the rejected rows with their reasons.
Without --dry-run the accepted records are upserted into the store by code.
"""
from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from pathlib import Path

from gislib.crs import DEFAULT_CENTRAL_MERIDIAN, gk3_central_meridian
from gislib.errors import ConfigError, ValidationError
from gislib.schemas import LAYERS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="xlsx / csv / zip(Shapefile) / geojson / kml / kmz / gpkg")
    parser.add_argument("--layer", required=True, choices=LAYERS, help="target layer")
    parser.add_argument("--crs", default="auto", help="auto | EPSG:n | gcj02 | bd09 (default auto)")
    parser.add_argument("--dry-run", action="store_true", help="check only, do not write to the store")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--out", help="write accepted records to this GeoJSON file (WGS84)")
    parser.add_argument("--rejected-out", help="write rejected rows (行号/原因 + original columns) to this .xlsx")
    parser.add_argument("--district", help="district boundary file; points outside it beyond the tolerance are rejected")
    parser.add_argument("--tolerance-m", type=float, default=2000, help="district tolerance in metres (default 2000)")
    parser.add_argument("--dup-radius-m", type=float, default=5, help="flag points closer than this (default 5 m)")
    parser.add_argument("--sheet", help="Excel sheet name (default: first sheet)")
    parser.add_argument("--source-layer", help="GeoPackage layer / Shapefile name inside the zip")
    parser.add_argument("--encoding", help="force a CSV encoding (default: detect UTF-8/GBK)")
    parser.add_argument("--mapping", help='JSON file {"header": "field", ...} overriding the automatic column mapping')
    parser.add_argument("--central-meridian", type=float, default=None,
                        help="3° GK central meridian for 6-digit eastings (default: from --district, else 120)")
    parser.add_argument("--force-legacy-crs", action="store_true", help="accept Beijing-54/Xian-80 codes with default parameters")
    parser.add_argument("--insert-only", action="store_true", help="reject codes that already exist in the store")
    parser.add_argument("--max-mb", type=float, default=50, help="file size limit in MB (default 50)")
    parser.add_argument("--data-dir", help="store data directory (default: the store's own default)")
    parser.add_argument("--user", default="cli", help="user recorded in the audit log (default cli)")


def _load_mapping(path: str | None) -> dict | None:
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"映射文件 {path} 无法读取（{exc}）。应为 JSON 对象 {{\"列名\": \"字段名\"}}。", field="mapping") from exc
    if not isinstance(data, dict):
        raise ValidationError(f"映射文件 {path} 应为 JSON 对象 {{\"列名\": \"字段名\"}}。", field="mapping")
    return {str(k): str(v) for k, v in data.items()}


def run(args: argparse.Namespace) -> int:
    from gislib.exporter import export_layer
    from gislib.importer import import_file, read_district

    district = read_district(args.district) if args.district else None
    central_meridian = args.central_meridian
    if central_meridian is None:
        central_meridian = float(gk3_central_meridian(district.centroid.x)) if district is not None else DEFAULT_CENTRAL_MERIDIAN
    store = None
    existing: frozenset = frozenset()
    if not args.dry_run or args.insert_only:
        try:
            from gislib.store import open_store
        except ImportError as exc:
            raise ConfigError(f"数据库模块 gislib.store 不可用（{exc}）。可先用 --dry-run --out 检查并导出结果。") from exc
        store = open_store(args.data_dir)
        existing = frozenset(str(r["code"]) for r in store.list(args.layer, include_removed=True))
    report = import_file(
        args.file, args.layer, crs=args.crs, district=district, tolerance_m=args.tolerance_m,
        existing_codes=existing, insert_only=args.insert_only, dup_radius_m=args.dup_radius_m,
        mapping=_load_mapping(args.mapping), sheet=args.sheet, source_layer=args.source_layer,
        encoding=args.encoding, max_bytes=int(args.max_mb * 1024 * 1024), force_legacy=args.force_legacy_crs,
        central_meridian=central_meridian,
    )
    if args.dry_run:
        stored: object = "dry run: nothing written"
    elif len(report.accepted):
        stored = write_to_store(store, report, user=args.user, source=str(args.file))
    else:
        stored = "nothing to write"
    result = report.to_dict()
    result["store"] = stored
    if args.out:
        export_layer(report.accepted, args.out, fmt="geojson", layer=args.layer)
        result["out"] = str(args.out)
    if args.rejected_out and report.rejected:
        report.rejected_to_excel(args.rejected_out)
        result["rejected_out"] = str(args.rejected_out)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        _print_human(result)
    return 0


def to_store_record(layer: str, record: dict) -> dict:
    """An accepted record in the store's flat form: lon/lat for points, geometry_wkt otherwise,
    ISO dates; plots ``stage`` → ``state`` and ``land_class`` → ``land_use`` (store names)."""
    out: dict = {}
    for key, value in record.items():
        if key in ("geometry", "source_row") or value is None:
            continue
        out[key] = value.isoformat() if isinstance(value, (date, datetime)) else value
    geom = record.get("geometry")
    if geom is not None:
        if geom.geom_type == "Point":
            out["lon"], out["lat"] = float(geom.x), float(geom.y)
        else:
            out["geometry_wkt"] = geom.wkt
    if layer == "plots":
        for ours, theirs in (("stage", "state"), ("land_class", "land_use")):
            if ours in out:
                out[theirs] = out.pop(ours)
    return out


def write_to_store(store, report, user: str, source: str) -> dict:
    """Upsert the accepted records; rows the store refuses move to ``report.rejected`` and the rest
    are written in a second transaction, so one bad row never blocks the others."""
    from gislib.store import BulkValidationError

    records = report.records()
    rows = [r["source_row"] for r in records]
    payload = [to_store_record(report.layer, r) for r in records]
    try:
        return store.upsert_many(report.layer, payload, user=user, source=source)
    except BulkValidationError as exc:
        bad = {b["index"]: b for b in exc.rows}
    for i, b in sorted(bad.items()):
        why = "；".join(f"{k}: {v}" for k, v in b["errors"].items())
        report.rejected.append({"row": rows[i], "reason": f"数据库拒绝：{why}"})
        raw = report.rejected_raw.setdefault(rows[i], {})
        raw.update({k: v for k, v in payload[i].items() if k not in raw})
    report.rejected.sort(key=lambda r: r["row"])
    keep = [i for i in range(len(payload)) if i not in bad]
    report.accepted = report.accepted.iloc[keep].reset_index(drop=True)
    stats = store.upsert_many(report.layer, [payload[i] for i in keep], user=user, source=source) if keep else {}
    report.updates = int(stats.get("updated", 0)) + int(stats.get("unchanged", 0))
    report.inserts = int(stats.get("inserted", 0))
    return {**stats, "refused": len(bad)}


def _print_human(r: dict) -> None:
    print(f"图层 {r['layer']}：共 {r['total_rows']} 行，接受 {r['accepted']}（新增 {r['inserts']}、更新 {r['updates']}），"
          f"拒绝 {len(r['rejected'])}，提示 {len(r['warnings'])}")
    print(f"坐标系：{r['crs'].get('used')} — {r['crs'].get('reason')}")
    for item in r["rejected"]:
        print(f"  拒绝 第 {item['row']} 行：{item['reason']}")
    for w in r["warnings"]:
        print(f"  提示 {w['message']}")
    for h, why in r["unmatched_columns"].items():
        print(f"  未映射列「{h}」：{why}")
    if "out" in r:
        print(f"已写出 {r['out']}")
    print(f"入库：{r['store']}")
