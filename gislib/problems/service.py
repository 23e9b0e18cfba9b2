"""gislib.problems.service: the steps of a problem's life, each one attributed, dated and audited.

Every function takes the store and the ACTING USER explicitly (no Streamlit, no globals), so the
pages, the CLI and the tests go through the same rules. Steps that change the state are store
transitions (history in ``transitions``); the others are audited record updates.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from gislib.errors import Label, ValidationError
from gislib.i18n import enum_label
from gislib.problems import model
from gislib.problems.model import LAYER
from gislib.store.base import Store


def today_shanghai() -> dt.date:
    """Today's date in Asia/Shanghai (the bureau's calendar, whatever the server's zone)."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def next_code(store: Store, year: int) -> str:
    """The next free problem number of a year: WT2026-0001, WT2026-0002, …"""
    prefix = f"WT{year}-"
    used = [int(r["code"][len(prefix):]) for r in store.list(LAYER, include_removed=True, text=prefix)
            if r["code"].startswith(prefix) and r["code"][len(prefix):].isdigit()]
    return f"{prefix}{max(used, default=0) + 1:04d}"


def create_problem(store: Store, fields: dict[str, Any], user: str, *, locate_ctx: Any = None,
                   tolerance_m: float | None = None, guard: Any = None) -> dict[str, Any]:
    """Register a problem (state 已登记) at fields' lon/lat, snapped to its sub-district and stretch.

    Fields given explicitly (subdistrict, river) win over the located ones. ``locate_ctx``: a
    ``locate.Context`` (default: the current data set's); pass ``False`` to skip locating.
    ``guard(record)``: called with the located record just before it is written (the access check of
    ``gislib.services.scoped``: it raises PermissionDenied for a problem outside the jurisdiction).
    """
    rec = {k: v for k, v in fields.items() if v not in (None, "")}
    check_links(store, rec.get("links") or {})
    found = model.parse_date(rec.get("found_date")) or today_shanghai()
    rec["found_date"] = found.isoformat()
    rec.setdefault("code", next_code(store, found.year))
    if locate_ctx is not False and rec.get("lon") is not None and rec.get("lat") is not None:
        from gislib.problems.config import load_config
        from gislib.problems.locate import locate

        tol = tolerance_m if tolerance_m is not None else load_config()["locate_tolerance_m"]
        where = locate(float(rec["lon"]), float(rec["lat"]), tol, locate_ctx or None)
        for key, value in where.items():
            rec.setdefault(key, value)
    if rec.get("source") in model.COMPLAINT_SOURCES:
        from gislib.problems.config import load_config

        due = model.reply_due(rec, load_config()["complaint_reply_working_days"])
        rec.setdefault("reply_due", due.isoformat() if due else None)
    if guard is not None:
        guard(rec)
    return store.create(LAYER, rec, user)


def check_links(store: Store, links: dict[str, Any]) -> None:
    """ValidationError unless every linked record ({layer: code}) exists in the store."""
    from gislib.errors import NotFoundError

    for layer, code in links.items():
        if layer not in model.LINK_LAYERS:
            raise ValidationError("error.link_layer", field="links", layer=layer, choices=list(model.LINK_LAYERS))
        try:
            store.get(layer, str(code))
        except NotFoundError as exc:
            raise ValidationError("error.link_missing", field="links", layer=layer, code=code) from exc


def assign(store: Store, code: str, user: str, date: Any, unit: str, measures: str, deadline: Any,
           note: str | None = None, expected_version: int | None = None) -> dict[str, Any]:
    """交办: responsible unit, measures and deadline, set in the same step as the state change."""
    changes = {"responsible_unit": unit, "measures": measures,
               "deadline": _iso(deadline) if model.parse_date(deadline) or str(deadline or "").strip() else None}
    return store.transition(LAYER, code, model.ASSIGNED, user, date, note or f"交办 {unit}",
                            expected_version=expected_version, changes=changes)


def start(store: Store, code: str, user: str, date: Any, note: str | None = None) -> dict[str, Any]:
    """整改中: the responsible unit has started."""
    return store.transition(LAYER, code, model.FIXING, user, date, note or "开始整改")


def report_progress(store: Store, code: str, user: str, date: Any, text: str) -> dict[str, Any]:
    """A progress report during 整改中 (appended, audited)."""
    rec = store.get(LAYER, code)
    if rec["state"] != model.FIXING:
        raise ValidationError("error.progress_state", field="state", code=code, state=_state(rec["state"]))
    if not (text or "").strip():
        raise ValidationError("error.progress_empty", field="text")
    rows = list(rec.get("progress") or []) + [{"date": _iso(date), "user": user, "text": text.strip()}]
    return store.update(LAYER, code, {"progress": rows}, rec["version"], user)


def attach_evidence(store: Store, code: str, files: Sequence[tuple[str, bytes]], user: str) -> list[str]:
    """Store photos/documents on the problem; their content hashes (for a step's evidence)."""
    hashes = []
    for name, data in files:
        kind = "document" if name.lower().endswith((".pdf", ".doc", ".docx", ".xlsx")) else "photo"
        hashes.append(store.attach(LAYER, code, name, data, user, kind=kind)["sha256"])
    return hashes


def request_close(store: Store, code: str, user: str, date: Any, evidence: Sequence[str],
                  note: str | None = None) -> dict[str, Any]:
    """申请销号 with the rectification evidence (attachment hashes or file names)."""
    return store.transition(LAYER, code, model.CLOSE_REQUESTED, user, date, note or "整改完成，申请销号",
                            evidence=evidence)


def verify(store: Store, code: str, user: str, date: Any, passed: bool, note: str | None,
           evidence: Sequence[str] = ()) -> dict[str, Any]:
    """核查: 通过 closes the problem (已销号); 退回 sends it back to 整改中 with the reason."""
    if passed:
        return store.transition(LAYER, code, model.CLOSED, user, date, note or "现场核查通过，予以销号",
                                evidence=evidence)
    if not (note or "").strip():
        raise ValidationError("error.return_needs_note", field="note")
    return store.transition(LAYER, code, model.FIXING, user, date, f"核查退回: {note}", evidence=evidence)


def spot_check(store: Store, code: str, user: str, date: Any, passed: bool, note: str) -> dict[str, Any]:
    """抽查 of a closed problem; a failed one reopens it (已销号 → 整改中)."""
    rec = store.get(LAYER, code)
    if rec["state"] != model.CLOSED:
        raise ValidationError("error.spot_check_state", field="state", code=code, state=_state(rec["state"]))
    row = {"date": _iso(date), "user": user, "result": "合格" if passed else "不合格", "note": note}
    checks = list(rec.get("spot_checks") or []) + [row]
    if passed:
        return store.update(LAYER, code, {"spot_checks": checks}, rec["version"], user)
    if not (note or "").strip():
        raise ValidationError("error.spot_check_note", field="note")
    return store.transition(LAYER, code, model.FIXING, user, date, f"抽查不合格，重新整改: {note}",
                            expected_version=rec["version"], changes={"spot_checks": checks})


def interview(store: Store, code: str, user: str, date: Any, who: str, note: str) -> dict[str, Any]:
    """约谈 recorded on a problem (usually a closed or overdue one)."""
    if not (who or "").strip():
        raise ValidationError("error.interview_who", field="who")
    rec = store.get(LAYER, code)
    rows = list(rec.get("interviews") or []) + [{"date": _iso(date), "user": user, "who": who, "note": note}]
    return store.update(LAYER, code, {"interviews": rows}, rec["version"], user)


def reply(store: Store, code: str, user: str, date: Any, text: str) -> dict[str, Any]:
    """答复 of a complaint (12345/信访/区长热线): text and date."""
    rec = store.get(LAYER, code)
    if rec.get("source") not in model.COMPLAINT_SOURCES:
        raise ValidationError("error.not_complaint", field="source", code=code, source=rec.get("source"))
    return store.update(LAYER, code, {"reply": {"text": (text or "").strip(), "date": _iso(date)}},
                        rec["version"], user)


def overdue(store: Store, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Open problems past their deadline."""
    return store.list(LAYER, overdue=True, today=today or today_shanghai())


def prefill_from_section(section: dict[str, Any], month: str, cls: str, target: str,
                         pollutants: str = "") -> dict[str, Any]:
    """A 监测预警 problem pre-filled from a section that missed its target class in ``month``."""
    name = section.get("name") or section.get("code")
    return {"name": f"{name} {month} 水质 {cls} 类, 未达 {target} 类目标", "category": "黑臭" if cls in ("劣V", "劣Ⅴ") else "其他",
            "source": "监测预警", "alert": {"layer": "sections", "code": section.get("code"),
                                         "text": f"{month}: {cls} 类 (目标 {target}) {pollutants}".strip()},
            "links": {"sections": section.get("code")}, "lon": section.get("lon"), "lat": section.get("lat"),
            "river": section.get("river"), "subdistrict": section.get("subdistrict"),
            "description": f"断面 {section.get('code')} {month} 水质类别 {cls}，目标 {target}。主要污染物: {pollutants or '—'}"}


def prefill_from_dust(site: dict[str, Any], day: str, value: float) -> dict[str, Any]:
    """A 监测预警 扬尘 problem pre-filled from a dust site's exceedance on ``day`` (``value``: its
    highest PM10 reading of the day, µg/m³, judged exceeded by the dust rule in force)."""
    return {"name": f"{site.get('name') or site.get('code')} {day} PM10 超标", "category": "扬尘",
            "source": "监测预警", "alert": {"layer": "dust", "code": site.get("code"),
                                         "text": f"{day}: PM10 最高 {value:g} µg/m³, 超标"},
            "links": {"dust": site.get("code")}, "lon": site.get("lon"), "lat": site.get("lat"),
            "subdistrict": site.get("subdistrict"),
            "description": f"工地 {site.get('code')} {day} PM10 按现行扬尘规则判定超标 (最高 {value:g} µg/m³)。"}


def _state(state: str) -> Label:
    """A problem's state as people read it, in the error's language."""
    return Label(state, enum_label("problem_state", state, "en"))


def _iso(value: Any) -> str:
    day = model.parse_date(value)
    if day is None:
        raise ValidationError("error.date_unreadable", field="date", value=value)
    return day.isoformat()
