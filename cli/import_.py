"""``python -m gislib import FILE --layer outfalls|sections|plots|dust``: check a file and load it.

Prints a report (JSON with --json): ``accepted`` (count), ``rejected`` ([{"row", "reason"}]),
``warnings``, ``crs`` ({"used", "reason"}). ``--out x.geojson`` writes the accepted records in WGS84
(also in a dry run); ``--rejected-out x.xlsx`` writes the rejected rows with their reasons.
Without --dry-run the accepted records are written into the store by code as edits: updates
carry the version read, records changed meanwhile are reported as conflicts (kept, not written
over), writes go in batches of 200 rows. Rows near a stored point or an earlier row need
``--near-duplicates merge|keep|skip``; ``--fill FIELD=VALUE`` fills a blank field for the batch,
``--value-map x.json`` maps unknown enumeration values.
"""
from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from pathlib import Path

from gislib.geo.crs import DEFAULT_CENTRAL_MERIDIAN, gk3_central_meridian
from gislib.errors import ConfigError, Phrase, ValidationError
from gislib.io.validate import PROVISIONAL_PREFIX, short_reason
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
    parser.add_argument("--near-duplicates", choices=DECISIONS, default=None,
                        help="decision for rows flagged as near-duplicates: merge into the stored record, keep both, "
                             "or skip (required when the file has such rows and is written)")
    parser.add_argument("--fill", action="append", default=[], metavar="FIELD=VALUE",
                        help="fill a blank field for the whole batch, e.g. --fill type_l2=暂无法确定 (repeatable)")
    parser.add_argument("--value-map", help='JSON file {"field": {"value in the file": "allowed value"}}')
    parser.add_argument("--max-mb", type=float, default=50, help="file size limit in MB (default 50)")
    parser.add_argument("--data-dir", help="store data directory (default: the store's own default)")


def _load_json(path: str | None, option: str) -> dict | None:
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError("error.cli_json_unreadable", field="mapping", option=option, file=path,
                              detail=str(exc)) from exc
    if not isinstance(data, dict):
        raise ValidationError("error.cli_json_not_object", field="mapping", option=option, file=path)
    return data


def _load_mapping(path: str | None) -> dict | None:
    data = _load_json(path, "--mapping")
    return None if data is None else {str(k): str(v) for k, v in data.items()}


def _load_fill(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValidationError("error.cli_fill", field="fill", option="--fill", value=item)
        out[name.strip()] = value.strip()
    return out


def _load_value_map(path: str | None) -> dict | None:
    data = _load_json(path, "--value-map")
    if data is not None and not all(isinstance(v, dict) for v in data.values()):
        raise ValidationError("error.cli_value_map", field="value_map", option="--value-map", file=path)
    return data


def run(args: argparse.Namespace) -> int:
    from gislib.io.exporter import export_layer
    from gislib.io.importer import import_file, read_district

    district = read_district(args.district) if args.district else None
    central_meridian = args.central_meridian
    if central_meridian is None:
        central_meridian = float(gk3_central_meridian(district.centroid.x)) if district is not None else DEFAULT_CENTRAL_MERIDIAN
    store = None
    existing: list[dict] = []
    if not args.dry_run or args.insert_only:
        try:
            from gislib.store import open_store
        except ImportError as exc:
            raise ConfigError("error.cli_store_unavailable", detail=str(exc)) from exc
        from gislib.services.access import acting_records

        # --user NAME: the import is checked row by row against that account's rights and jurisdiction
        store = acting_records(open_store(args.data_dir), args.data_dir, getattr(args, "acting_user", None))
        existing = store.list(args.layer, include_removed=True)
    report = import_file(
        args.file, args.layer, crs=args.crs, district=district, tolerance_m=args.tolerance_m,
        existing_records=existing, insert_only=args.insert_only, dup_radius_m=args.dup_radius_m,
        mapping=_load_mapping(args.mapping), sheet=args.sheet, source_layer=args.source_layer,
        encoding=args.encoding, max_bytes=int(args.max_mb * 1024 * 1024), force_legacy=args.force_legacy_crs,
        central_meridian=central_meridian, fill=_load_fill(args.fill), value_map=_load_value_map(args.value_map),
    )
    if args.dry_run:
        stored: object = "dry run: nothing written"
    elif len(report.accepted):
        stored = write_to_store(store, report, user=args.user, source=str(args.file),
                                near_duplicates=args.near_duplicates)
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
    ISO dates (field names are the store's: gislib.fields)."""
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
    return out


DECISIONS = ("merge", "keep", "skip")  # for rows flagged as near-duplicates
DECISION_LABELS = {"merge": "合并到已有记录", "keep": "都保留（作为新记录）", "skip": "跳过（不写入）"}


def _decide(report, decisions: dict[int, str] | None, default: str | None) -> dict[int, tuple[str, dict]]:
    """source row → (decision, near-duplicate entry) for every flagged row; ValidationError when a
    flagged row has no decision (they are never written silently)."""
    chosen = {int(k): v for k, v in (decisions or {}).items()}
    out: dict[int, tuple[str, dict]] = {}
    undecided = []
    for d in report.near_duplicates:
        what = chosen.get(d["row"]) or default
        if what not in DECISIONS:
            undecided.append(d["row"])
            continue
        out[d["row"]] = (what, d)
    if undecided:
        rows = [str(r) for r in undecided[:10]]
        raise ValidationError("error.cli_near_duplicates", field="near_duplicates", count=len(undecided),
                              rows=Phrase("error.cli_and_more", rows=rows) if len(undecided) > 10 else rows,
                              option="--near-duplicates")
    return out


def _merged(payload: dict, d: dict) -> dict:
    """The row as an update of the stored record it duplicates; its own code kept as local code."""
    rec = dict(payload)
    own = rec.get("code")
    rec["code"] = d["other_code"]
    if own and own != d["other_code"] and not rec.get("local_code") and not str(own).startswith(PROVISIONAL_PREFIX):
        rec["local_code"] = own
    return rec


def write_to_store(store, report, user: str, source: str, *, decisions: dict[int, str] | None = None,
                   near_duplicates: str | None = None, batch_size: int | None = None) -> dict:
    """Write the accepted records as edits (``store.import_records``, short batches).

    Updates carry the version the preview read (``report.versions``): a record changed since is
    reported as a conflict and kept in the store's conflict table, not written over. Rows flagged as
    near-duplicates need a decision (``decisions`` by source row, else ``near_duplicates`` for all):
    merge into the stored record, keep both, or skip. Rows the store refuses move to
    ``report.rejected``; the rest are written.
    """
    plan = _decide(report, decisions, near_duplicates)
    records = report.records()
    rows, payload, versions = [], [], dict(report.versions)
    skipped: list[int] = []
    for r in records:
        row = int(r["source_row"])
        rec = to_store_record(report.layer, r)
        what, d = plan.get(row, ("keep", None))
        if what == "skip" or (what == "merge" and not d["existing"]):
            skipped.append(row)  # merging into an earlier row of the file: that row stands
            continue
        if what == "merge":
            rec = _merged(rec, d)
            if d.get("other_version") is not None:
                versions[rec["code"]] = d["other_version"]
        rows.append(row)
        payload.append(rec)
    kwargs = {"batch_size": batch_size} if batch_size else {}
    result = store.import_records(report.layer, payload, user=user, source=source, expected_versions=versions, **kwargs)
    for b in result["refused"]:
        i = b["index"]
        why = "；".join(f"{k}: {v}" for k, v in b["errors"].items())
        report.rejected.append({"row": rows[i], "reason": short_reason([f"数据库拒绝：{why}"]),
                                "details": f"数据库拒绝：{why}"})
        raw = report.rejected_raw.setdefault(rows[i], {})
        raw.update({k: v for k, v in payload[i].items() if k not in raw})
    report.rejected.sort(key=lambda r: r["row"])
    report.conflicts = [{**c, "row": rows[c["index"]]} for c in result["conflicts"]]
    gone = {rows[b["index"]] for b in result["refused"]} | {c["row"] for c in report.conflicts} | set(skipped)
    report.accepted = report.accepted[~report.accepted["source_row"].isin(gone)].reset_index(drop=True)
    report.updates = int(result["updated"]) + int(result["unchanged"])
    report.inserts = int(result["inserted"])
    merged = sum(1 for what, d in plan.values() if what == "merge" and d["existing"])
    return {"inserted": result["inserted"], "updated": result["updated"], "unchanged": result["unchanged"],
            "refused": len(result["refused"]), "conflicts": report.conflicts, "skipped": skipped, "merged": merged}


def _print_human(r: dict) -> None:
    print(f"图层 {r['layer']}：共 {r['total_rows']} 行，接受 {r['accepted']}（新增 {r['inserts']}、更新 {r['updates']}），"
          f"拒绝 {len(r['rejected'])}，提示 {len(r['warnings'])}")
    print(f"坐标系：{r['crs'].get('used')} — {r['crs'].get('reason')}")
    for item in r["rejected"]:
        print(f"  拒绝 第 {item['row']} 行：{item['reason']}")
    for w in r["warnings"]:
        print(f"  提示 {w['message']}")
    for c in r.get("conflicts", []):
        print(f"  冲突 第 {c['row']} 行（{c['code']}）：库中记录已被 {c['updated_by']} 修改（版本 {c['expected_version']} → "
              f"{c['current_version']}），未覆盖，已留存待处理")
    for h, why in r["unmatched_columns"].items():
        print(f"  未映射列「{h}」：{why}")
    if "out" in r:
        print(f"已写出 {r['out']}")
    print(f"入库：{r['store']}")
