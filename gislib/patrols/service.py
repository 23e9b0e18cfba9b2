"""gislib.patrols.service: record a patrol from a track, turn its findings into problems, coverage."""
from __future__ import annotations

import datetime as dt
from typing import Any

from gislib.errors import ValidationError
from gislib.patrols.coverage import coverage_frame, covered_stretches
from gislib.patrols.repo import PatrolRepo
from gislib.patrols.tracks import Track
from gislib.problems.config import load_config

SHANGHAI = "Asia/Shanghai"


def _local(t: dt.datetime | None) -> dt.datetime | None:
    from zoneinfo import ZoneInfo

    return None if t is None else t.astimezone(ZoneInfo(SHANGHAI))


def record_patrol(store, track: Track, chief: str, user: str, *, date: Any = None, network=None,
                  started_at: dt.datetime | None = None, ended_at: dt.datetime | None = None,
                  note: str | None = None, source_file: str | None = None) -> dict[str, Any]:
    """Store a patrol of ``chief`` (id or name) with its length, duration and the stretches covered.

    The date comes from the first timestamp (Asia/Shanghai), else ``date``. ``started_at`` and
    ``ended_at`` (typed by the chief) give the duration of a track without timestamps.
    """
    from gislib.problems.locate import dataset_context

    repo = PatrolRepo(store)
    chief_row = repo.chief(chief)
    start, end = track.start_end()
    start, end = _local(start or started_at), _local(end or ended_at)
    if start and end and end < start:
        raise ValidationError("error.patrol_end_before_start", field="ended_at")
    day = start.date() if start else (dt.date.fromisoformat(str(date)[:10]) if date else None)
    if day is None:
        raise ValidationError("error.patrol_no_time", field="date")
    cfg = load_config()["coverage"]
    net = network or dataset_context().network
    stretches = covered_stretches(net, track.metric(), cfg["tolerance_m"], cfg["min_fraction"],
                                  cfg.get("min_covered_m", 1000))
    duration = round((end - start).total_seconds() / 60, 1) if start and end else None
    return repo.add_patrol({
        "chief_id": chief_row["id"], "date": day.isoformat(),
        "started_at": start.isoformat(timespec="minutes") if start else None,
        "ended_at": end.isoformat(timespec="minutes") if end else None, "duration_min": duration,
        "length_m": round(track.length_m(), 1), "track_wkt": track.geometry().wkt,
        "source_file": source_file or track.name, "source_format": track.source_format,
        "source_crs": track.source_crs, "stretches": stretches, "note": note,
    }, user)


def finding_to_problem(store, patrol_code: str, finding: dict[str, Any], user: str,
                       photos: list[tuple[str, bytes]] = (), guard=None) -> dict[str, Any]:
    """One tap: a patrol finding {text, category, lon, lat} becomes a 巡河发现 problem with its photos.
    ``guard(record)`` checks the located problem before it is written (gislib.services.scoped)."""
    from gislib.problems import service as problems

    repo = PatrolRepo(store)
    patrol = repo.patrol(patrol_code)
    chief = repo.chief(patrol["chief_id"])
    text = (finding.get("text") or "").strip()
    if not text:
        raise ValidationError("error.patrol_issue_text", field="text")
    rec = problems.create_problem(store, {
        "name": text[:40], "description": text, "category": finding.get("category") or "其他",
        "source": "巡河发现", "found_date": patrol["date"], "reporter": chief["name"],
        "lon": finding.get("lon"), "lat": finding.get("lat"), "patrol": patrol_code,
    }, user, guard=guard)
    if photos:
        problems.attach_evidence(store, rec["code"], photos, user)
    repo.add_finding(patrol_code, {"text": text, "lon": finding.get("lon"), "lat": finding.get("lat"),
                                   "problem": rec["code"]}, user)
    return rec


def coverage(store, today: dt.date, network=None):
    """The coverage frame of the data set's network from every patrol in the store."""
    from gislib.problems.locate import dataset_context

    net = network or dataset_context().network
    bands = tuple(load_config()["coverage"]["bands_days"])
    return coverage_frame(net, PatrolRepo(store).patrols(), today, bands)
