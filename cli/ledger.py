"""``python -m gislib ledger``: the command-line face of ``gislib.reports.ledger``."""
from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from gislib.errors import NotFoundError, Phrase, ValidationError
from gislib.services.access import acting_records, add_user_argument
from gislib.store import LAYERS, open_store, resolve_data_dir, resolve_db_url
from gislib.store import exists as store_exists
from gislib.reports.ledger import LAYER_TITLES, ledger_notes, ledger_table, write_ledger


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
    add_user_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Export the ledger and print a JSON summary."""
    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise ValidationError("error.cli_out_suffix", field="out", option="--out", file=out.name,
                              suffixes=Phrase("error.cli_or_pair", first=".xlsx", second=".csv"))
    today = dt.date.today()
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError as exc:
            raise ValidationError("error.cli_today", field="today", option="--today", value=args.today) from exc
    data_dir = resolve_data_dir(args.data_dir)
    if resolve_db_url() is None and not store_exists(data_dir):
        raise NotFoundError("error.cli_no_store", folder=str(data_dir), setting="HETU_DATA_DIR")
    filters = {"subdistrict": args.subdistrict, "river": args.river, "type_l1": args.type_l1,
               "state": args.state, "text": args.text}
    filters = {k: v for k, v in filters.items() if v}
    chosen = {**filters, "overdue": True if args.overdue else None, "include_removed": args.include_removed}
    with open_store(data_dir) as store:
        source = acting_records(store, data_dir, args.acting_user, "export")  # --user: that account's rows only
        headers, rows, empty = ledger_table(source, args.layer, today=today, **chosen)
    write_ledger(out, headers, rows, title=LAYER_TITLES.get(args.layer),
                 notes=ledger_notes(args.layer, chosen, len(rows), empty))
    summary = {"layer": args.layer, "out": str(out), "rows": len(rows), "columns": len(headers),
               "filters": {**filters, **({"overdue": True} if args.overdue else {})}, "today": today.isoformat(),
               "user": args.acting_user or "local operator"}
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0
