"""``python -m gislib patrols import|coverage|chiefs …``: patrols in batch.

* ``import FILE.gpx|.kml|.kmz --chief NAME [--crs auto|wgs84|gcj02|bd09] [--date D] [--start HH:MM --end HH:MM]``:
  record a patrol (length, duration, stretches covered) for a river chief (id or name).
* ``coverage --days 30 [--json]``: stretches and length patrolled within the last N days, per river.
* ``chiefs [--month YYYY-MM] [--json]``: every chief's patrols in a month against their level's rule.
Common: ``--data-dir`` (default HETU_DATA_DIR), ``--user NAME`` (act as that account: a patrol only for a chief
inside its jurisdiction; coverage and chiefs only inside it), ``--today`` (default today in Asia/Shanghai).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from gislib.errors import ValidationError
from gislib.services import scoped
from gislib.services.access import command_user


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["import", "coverage", "chiefs"])
    parser.add_argument("file", nargs="?", help="GPX/KML/KMZ track (import)")
    parser.add_argument("--chief", help="river chief id or name (import)")
    parser.add_argument("--crs", default="auto", help="auto (default), wgs84, gcj02, bd09 or EPSG:n")
    parser.add_argument("--date", help="patrol date YYYY-MM-DD for a track without timestamps")
    parser.add_argument("--start", help="start time HH:MM (Asia/Shanghai) for a track without timestamps")
    parser.add_argument("--end", help="end time HH:MM (Asia/Shanghai)")
    parser.add_argument("--days", type=int, default=30, help="coverage window in days (default 30)")
    parser.add_argument("--month", help="YYYY-MM for chiefs (default: this month)")
    parser.add_argument("--today", help="evaluation date YYYY-MM-DD (default: today in Asia/Shanghai)")
    parser.add_argument("--data-dir", default=None, help="record store folder (default HETU_DATA_DIR)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _today(args) -> dt.date:
    from gislib.problems.model import parse_date
    from gislib.problems.service import today_shanghai

    day = parse_date(args.today) if args.today else today_shanghai()
    if day is None:
        raise ValidationError("error.cli_today", field="today", option="--today", value=args.today)
    return day


def _store(args):
    from gislib.services.catalog import store
    from gislib.demo.problems import ensure_demo

    st = store(args.data_dir)
    ensure_demo(st)
    return st


def _time(day: dt.date | None, text: str | None) -> dt.datetime | None:
    from zoneinfo import ZoneInfo

    if not text:
        return None
    if day is None:
        raise ValidationError("error.cli_needs", field="date", command="--start/--end", options="--date")
    try:
        return dt.datetime.combine(day, dt.time.fromisoformat(text), ZoneInfo("Asia/Shanghai"))
    except ValueError as exc:
        raise ValidationError("error.cli_time", field="start", option="--start/--end", value=text) from exc


def run_import(args) -> dict:
    from gislib.patrols.service import record_patrol
    from gislib.patrols.tracks import read_track
    from gislib.problems.model import parse_date

    if not args.file or not args.chief:
        raise ValidationError("error.cli_needs", field="args", command="patrols import", options="FILE, --chief NAME")
    path = Path(args.file)
    day = parse_date(args.date) if args.date else None
    track, user = read_track(path.read_bytes(), path.name, args.crs), command_user()
    times = {"date": day, "started_at": _time(day, args.start), "ended_at": _time(day, args.end), "source_file": path.name}
    p = (record_patrol(_store(args), track, args.chief, args.user, **times) if user is None
         else scoped.record_patrol(user, _store(args), track, args.chief, **times))
    return {k: p[k] for k in ("code", "chief_id", "date", "started_at", "ended_at", "duration_min", "length_m",
                              "source_crs", "stretches")}


def run_coverage(args) -> dict:
    from gislib.patrols.coverage import coverage_summary
    from gislib.patrols.service import coverage

    today, user = _today(args), command_user()
    frame = coverage(_store(args), today) if user is None else scoped.coverage(user, _store(args), today)
    return coverage_summary(frame, args.days, today)


def run_chiefs(args) -> dict:
    from gislib.patrols import frequency
    from gislib.patrols.repo import PatrolRepo
    from gislib.problems.config import load_config

    today = _today(args)
    month = args.month or today.strftime("%Y-%m")
    st, user = _store(args), command_user()
    repo = PatrolRepo(st)
    rules = load_config()["patrol_rules"]
    patrols = repo.patrols()
    chiefs = repo.chiefs() if user is None else scoped.chiefs(user, st)  # --user NAME: its jurisdiction only
    return {"month": month, "chiefs": [{k: v for k, v in frequency.chief_month(c, patrols, rules, month, today).items()
                                        if k != "rule"} for c in chiefs]}


def run(args: argparse.Namespace) -> int:
    result = {"import": run_import, "coverage": run_coverage, "chiefs": run_chiefs}[args.action](args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    elif args.action == "coverage":
        print(f"截至 {result['as_of']}，近 {result['days']} 天巡查河段 {result['stretches_covered']}/{result['stretches']} 段，"
              f"{result['covered_km']}/{result['length_km']} km ({result['covered_share']:.0%})；从未巡查 {result['never_patrolled']} 段")
        for r in result["rivers"][:15]:
            print(f"  {r['river']}: {r['covered_km']}/{r['length_km']} km, 上次 {r['last_patrolled'] or '—'}")
    else:
        print(json.dumps(result, ensure_ascii=False))
    return 0
