"""``python -m gislib problems import|export|report …``: task lists, problem lists and reports in batch.

* ``import FILE.xlsx --batch CODE --name NAME --issued YYYY-MM-DD [--issued-by U] [--crs gcj02]``:
  a 整改任务清单 as problems (every bad row reported, nothing written when any is bad).
* ``export --out F.xlsx [--state S] [--source S] [--batch CODE] [--overdue]``: the problem list.
* ``report --batch CODE --out F.pdf|F.xlsx``: a batch's progress report;
  ``report --month YYYY-MM --out F.pdf|F.xlsx``: the red/yellow/green list of a month.
Options common to all: ``--data-dir`` (default HETU_DATA_DIR), ``--user NAME`` (act as that account: its right
and jurisdiction; an import rejects the rows outside it, an export or report holds only the problems inside),
``--today`` (evaluation date, default today in Asia/Shanghai), ``--json`` (a summary on stdout).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from gislib.errors import Phrase, ValidationError
from gislib.services import scoped
from gislib.services.access import command_user


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["import", "export", "report"])
    parser.add_argument("file", nargs="?", help="the task list to import (.xlsx/.csv)")
    parser.add_argument("--out", help="output file (.xlsx, or .pdf for reports)")
    parser.add_argument("--batch", help="task batch code")
    parser.add_argument("--name", help="task batch name (import)")
    parser.add_argument("--issued", help="issue date of the batch, YYYY-MM-DD (import)")
    parser.add_argument("--issued-by", default=None, help="issuing office (import)")
    parser.add_argument("--crs", default="EPSG:4326", help="CRS of the 经度/纬度 columns (import), e.g. gcj02")
    parser.add_argument("--month", help="YYYY-MM for the ranking report")
    parser.add_argument("--state", help="only problems in this state (export)")
    parser.add_argument("--source", help="only problems from this source (export)")
    parser.add_argument("--overdue", action="store_true", help="only overdue problems (export)")
    parser.add_argument("--today", help="evaluation date YYYY-MM-DD (default: today in Asia/Shanghai)")
    parser.add_argument("--data-dir", default=None, help="record store folder (default HETU_DATA_DIR)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")


def _today(args) -> dt.date:
    from gislib.problems.model import parse_date
    from gislib.problems.service import today_shanghai

    if not args.today:
        return today_shanghai()
    day = parse_date(args.today)
    if day is None:
        raise ValidationError("error.cli_today", field="today", option="--today", value=args.today)
    return day


def _out(args, suffixes: tuple[str, ...]) -> Path:
    if not args.out or Path(args.out).suffix.lower() not in suffixes:
        raise ValidationError("error.cli_out_suffix", field="out", option="--out", file=args.out or "",
                              suffixes=list(suffixes))
    return Path(args.out)


def _store(args):
    from gislib.services.catalog import store
    from gislib.demo.problems import ensure_demo

    st = store(args.data_dir)
    ensure_demo(st)  # like the app: the demo data set's store is seeded on first use
    return st


def run_import(args) -> dict:
    from gislib.dataset import load_layer
    from gislib.problems import batches

    if not args.file or not (args.batch and args.name and args.issued):
        raise ValidationError("error.cli_needs", field="args", command="problems import",
                              options="FILE, --batch, --name, --issued")
    path = Path(args.file)
    items = batches.read_items(path.read_bytes(), path.name)
    batch = {"code": args.batch, "name": args.name, "issued_date": args.issued, "issued_by": args.issued_by}
    user, rejected = command_user(), []
    if user is None:  # the local operator: every row
        created = batches.import_batch(_store(args), batch, items, args.user, rivers=load_layer("rivers"), crs=args.crs)
    else:  # --user NAME: rows outside the account's jurisdiction are rejected, each with its reason
        outcome = scoped.import_task_list(user, _store(args), batch, items, rivers=load_layer("rivers"), crs=args.crs)
        created, rejected = outcome.created, outcome.rejected
    return {"batch": args.batch, "imported": len(created), "codes": [r["code"] for r in created],
            "assigned": sum(r["state"] == "已交办" for r in created),
            "rejected": [{"row": r["row"], "reason": r["zh"], "reason_en": r["en"]} for r in rejected]}


def run_export(args) -> dict:
    from gislib.problems import model
    from gislib.problems.export import problems_workbook

    out, today = _out(args, (".xlsx",)), _today(args)
    st, user = _store(args), command_user()
    every = st.list(model.LAYER) if user is None else scoped.problems_for_export(user, st)
    records = [r for r in every
               if (not args.state or r["state"] == args.state) and (not args.source or r.get("source") == args.source)
               and (not args.batch or r.get("batch") == args.batch) and (not args.overdue or model.is_overdue(r, today))]
    out.write_bytes(problems_workbook(records, today))
    return {"out": str(out), "problems": len(records), "overdue": sum(model.is_overdue(r, today) for r in records)}


def run_report(args) -> dict:
    from gislib.problems import batches, rankings
    from gislib.problems.config import load_config

    out, today = _out(args, (".pdf", ".xlsx")), _today(args)
    st = _store(args)
    pdf = out.suffix.lower() == ".pdf"
    if args.batch:
        from gislib.patrols.repo import PatrolRepo

        batch = PatrolRepo(st).batch(args.batch)
        items = batches.batch_items(st, args.batch)
        if command_user() is not None:  # --user NAME: the batch's problems inside the account's jurisdiction
            items = scoped.problems_in(command_user(), items, export=True)
        out.write_bytes(batches.batch_pdf(batch, items, today) if pdf else batches.batch_workbook(batch, items, today))
        return {"out": str(out), **batches.batch_progress(items, today)}
    if not args.month:
        raise ValidationError("error.cli_needs", field="args", command="problems report",
                              options=Phrase("error.cli_or_pair", first="--batch CODE", second="--month YYYY-MM"))
    user = command_user()
    rows = rankings.store_ranking(st, args.month, today) if user is None else scoped.ranking(user, st, args.month, today)
    out.write_bytes(rankings.ranking_pdf(rows, args.month, today, load_config()) if pdf
                    else rankings.ranking_workbook(rows, args.month))
    return {"out": str(out), "month": args.month, "colors": {c: [r["subdistrict"] for r in rows if r["color"] == c]
                                                             for c in ("红", "黄", "绿")}}


def run(args: argparse.Namespace) -> int:
    result = {"import": run_import, "export": run_export, "report": run_report}[args.action](args)
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else
          "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0
