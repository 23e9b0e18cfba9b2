"""gislib.problems.model: what a problem (问题) is and how its rectification moves (整改闭环).

A problem is a record of the store layer ``problems`` (audit, versions, transitions and
attachments come from the store). Fields besides the store's meta fields:

* ``name`` (title), ``category`` (CATEGORIES), ``source`` (SOURCES), ``found_date``, ``reporter``,
  ``description``; ``ticket_no`` for complaints (12345/信访/区长热线), ``batch`` for 督察反馈,
  ``alert`` {layer, code, text} for 监测预警; ``links`` {outfalls|sections|plots|dust: code}.
* where: lon/lat plus ``subdistrict``, ``river``, ``stretch`` (network edge id) from the snap.
* 交办: ``responsible_unit``, ``measures``, ``deadline``; 整改中: ``progress`` [{date, user, text}].
* after closing: ``closed_date``; ``spot_checks`` [{date, user, result 合格|不合格, note}],
  ``interviews`` [{date, user, who, note}] (约谈).
* complaints: ``reply`` {text, date}; the reply is due ``complaint_reply_working_days`` working
  days after ``found_date`` (weekends skipped; public holidays are not known offline).

Workflow (the "七步法" of the work plans, docs: patrols-and-complaints reference)::

    已登记 → 已交办 → 整改中 → 申请销号 → 已销号
                         ↑          │ 核查退回 (reason required)
                         └──────────┘
    已销号 → 整改中 only through a failed spot check (抽查不合格, reason required)
    → 已撤销 (duplicate/invalid, reason required) from every state before 已销号
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from gislib.errors import Phrase, ValidationError

LAYER = "problems"
CATEGORIES = ("排口", "河面漂浮物", "黑臭", "违法排放", "扬尘", "固废", "其他")
SOURCES = ("巡河发现", "12345", "信访", "区长热线", "督察反馈", "监测预警", "执法检查")
COMPLAINT_SOURCES = ("12345", "信访", "区长热线")
REGISTERED, ASSIGNED, FIXING, CLOSE_REQUESTED, CLOSED, REMOVED = (
    "已登记", "已交办", "整改中", "申请销号", "已销号", "已撤销")
STATES = (REGISTERED, ASSIGNED, FIXING, CLOSE_REQUESTED, CLOSED, REMOVED)
OPEN_STATES = (REGISTERED, ASSIGNED, FIXING, CLOSE_REQUESTED)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    REGISTERED: (ASSIGNED, REMOVED),
    ASSIGNED: (FIXING, REMOVED),
    FIXING: (CLOSE_REQUESTED, REMOVED),
    CLOSE_REQUESTED: (CLOSED, FIXING, REMOVED),
    CLOSED: (FIXING,),
    REMOVED: (),
}
SPOT_RESULTS = ("合格", "不合格")
LINK_LAYERS = ("outfalls", "sections", "plots", "dust")
STATE_COLORS = {REGISTERED: "#e6550d", ASSIGNED: "#fdae6b", FIXING: "#3182bd", CLOSE_REQUESTED: "#9e9ac8",
                CLOSED: "#31a354", REMOVED: "#969696"}


_ASSIGN_LABELS = {"responsible_unit": "problems.unit", "measures": "problems.measures", "deadline": "problems.deadline"}


def parse_date(value: Any) -> dt.date | None:
    from gislib.store.validators import parse_date as _parse

    return _parse(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ----------------------------------------------------------------------------- validation
def _say(key: str, **params) -> str:
    """A catalog message (gislib/messages/errors_problems.py) in the language of the run."""
    return str(Phrase(key, **params))


def validate_problem(rec: dict[str, Any]) -> dict[str, str]:
    """Every problem of a problem record as {field: message} in the language of the run; empty when valid."""
    errors: dict[str, str] = {}
    for field in ("code", "name"):
        if _blank(rec.get(field)):
            errors[field] = _say(f"error.problem_missing_{field}")
    if rec.get("category") not in CATEGORIES:
        errors["category"] = _say("error.problem_category", value=rec.get("category"), choices=list(CATEGORIES))
    source = rec.get("source")
    if source not in SOURCES:
        errors["source"] = _say("error.problem_source", value=source, choices=list(SOURCES))
    if source in COMPLAINT_SOURCES and _blank(rec.get("ticket_no")):
        errors["ticket_no"] = _say("error.problem_ticket", source=source)
    if source == "督察反馈" and _blank(rec.get("batch")):
        errors["batch"] = _say("error.problem_batch")
    if parse_date(rec.get("found_date")) is None:
        errors["found_date"] = _say("error.problem_found_date")
    for field in ("deadline", "closed_date"):
        if not _blank(rec.get(field)) and parse_date(rec.get(field)) is None:
            errors[field] = _say("error.problem_date", field=field)
    lon, lat = rec.get("lon"), rec.get("lat")
    if lon is None or lat is None:
        errors["lon"] = _say("error.problem_no_place")
    elif not (-180 <= float(lon) <= 180 and -90 <= float(lat) <= 90):
        errors["lon"] = _say("error.problem_lonlat", lon=lon, lat=lat)
    links = rec.get("links") or {}
    if not isinstance(links, dict) or any(k not in LINK_LAYERS for k in links):
        errors["links"] = _say("error.problem_links", layers=list(LINK_LAYERS))
    for i, row in enumerate(rec.get("spot_checks") or []):
        if row.get("result") not in SPOT_RESULTS or parse_date(row.get("date")) is None:
            errors[f"spot_checks[{i}]"] = _say("error.problem_spot_check")
    reply = rec.get("reply")
    if reply is not None and (not isinstance(reply, dict) or _blank(reply.get("text"))
                              or parse_date(reply.get("date")) is None):
        errors["reply"] = _say("error.problem_reply")
    return errors


# ----------------------------------------------------------------------------- workflow
def allowed_transitions(state: str) -> tuple[str, ...]:
    """States a problem in ``state`` may move to."""
    return TRANSITIONS.get(state, ())


def check_transition(from_state: str, to_state: str, rec: dict[str, Any], when: dt.date,
                     note: str | None, evidence: Sequence[str]) -> None:
    """The problem-specific rules of a step (on top of the store's generic ones)."""
    has_note = bool(note and note.strip())
    if to_state == ASSIGNED:
        missing = [field for field in _ASSIGN_LABELS if _blank(rec.get(field))]
        if missing:
            raise ValidationError("error.assign_needs", field="responsible_unit" if "responsible_unit" in missing else "deadline",
                  fields=[Phrase(_ASSIGN_LABELS[f]) for f in missing])
        deadline = parse_date(rec.get("deadline"))
        if deadline is None or deadline < when:
            raise ValidationError("error.deadline_before_assign", field="deadline", deadline=rec.get("deadline"), date=when)
    if to_state == CLOSE_REQUESTED and not [e for e in evidence if e]:
        raise ValidationError("error.close_needs_evidence", field="evidence")
    if from_state == CLOSE_REQUESTED and to_state == FIXING and not has_note:
        raise ValidationError("error.return_needs_note", field="note")
    if from_state == CLOSED and to_state == FIXING:
        checks = rec.get("spot_checks") or []
        if not checks or checks[-1].get("result") != "不合格":
            raise ValidationError("error.reopen_needs_spot_check", field="spot_checks")


def on_transition(rec: dict[str, Any], from_state: str, to_state: str, when: dt.date) -> None:
    """Fields a step sets on the record: the closing date, cleared again when reopened."""
    if to_state == CLOSED:
        rec["closed_date"] = when.isoformat()
    if from_state == CLOSED and to_state == FIXING:
        rec["reopened"] = int(rec.get("reopened") or 0) + 1
        rec.pop("closed_date", None)


# ----------------------------------------------------------------------------- dates
def is_overdue(rec: dict[str, Any], today: dt.date) -> bool:
    """Assigned or under rectification with its deadline before ``today``."""
    if rec.get("state") not in (ASSIGNED, FIXING):
        return False
    deadline = parse_date(rec.get("deadline"))
    return deadline is not None and deadline < today


def closed_on_time(rec: dict[str, Any]) -> bool | None:
    """True/False for a closed problem with a deadline; None when it does not apply."""
    closed, deadline = parse_date(rec.get("closed_date")), parse_date(rec.get("deadline"))
    if closed is None or deadline is None:
        return None
    return closed <= deadline


def add_working_days(start: dt.date, days: int) -> dt.date:
    """``start`` plus ``days`` working days (Monday–Friday; public holidays are not known offline)."""
    return dt.date.fromisoformat(str(np.busday_offset(np.datetime64(start), days, roll="forward")))


def reply_due(rec: dict[str, Any], working_days: int) -> dt.date | None:
    """When a complaint's reply is due; None for problems that are not complaints."""
    found = parse_date(rec.get("found_date"))
    if rec.get("source") not in COMPLAINT_SOURCES or found is None:
        return None
    return add_working_days(found, working_days)


def reply_on_time(rec: dict[str, Any], working_days: int, today: dt.date) -> bool | None:
    """True/False once decidable (replied, or due date passed); None while still within time."""
    due = reply_due(rec, working_days)
    if due is None:
        return None
    replied = parse_date((rec.get("reply") or {}).get("date"))
    if replied is not None:
        return replied <= due
    return False if today > due else None
