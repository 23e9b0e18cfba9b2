"""gislib.patrols.frequency: does a chief patrol as often as the rule of their level requires?

Rule per chief level (``patrol_rules`` in the problems config): ``period`` week|month|quarter,
``min_count`` patrols per period, ``min_minutes`` and ``min_km`` for a patrol to count. A patrol
without timestamps has no known duration, so it counts only where ``min_minutes`` is 0 (the
chief can type the start and end time when importing it).

Evaluating a month: a ``month`` rule asks for ``min_count`` patrols in the month; a ``week`` rule
asks it of every Monday–Sunday week that starts in the month and has ended by ``today``;
a ``quarter`` rule counts patrols in the quarter up to the month's end.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from gislib.i18n import t


def counts(patrol: dict[str, Any], rule: dict[str, Any]) -> tuple[bool, str]:
    """(True, "") when the patrol counts under ``rule``, else (False, why)."""
    minutes, km = patrol.get("duration_min"), float(patrol.get("length_m") or 0) / 1000
    if rule.get("min_minutes", 0) > 0:
        if minutes is None:
            return False, t("patrols.why.no_time")
        if minutes < rule["min_minutes"]:
            return False, t("patrols.why.short_time", minutes=f"{minutes:g}", min=rule["min_minutes"])
    if km < rule.get("min_km", 0):
        return False, t("patrols.why.short_length", km=f"{km:.2f}", min=rule["min_km"])
    return True, ""


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of 'YYYY-MM'."""
    first = dt.date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def _periods(rule: dict[str, Any], month: str, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    first, last = month_bounds(month)
    if rule["period"] == "month":
        return [(first, last)]
    if rule["period"] == "quarter":
        q_first = first.replace(month=3 * ((first.month - 1) // 3) + 1)
        return [(q_first, last)]
    monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    weeks = []
    while monday <= last:
        if monday + dt.timedelta(days=6) < today:  # only weeks that are over
            weeks.append((monday, monday + dt.timedelta(days=6)))
        monday += dt.timedelta(days=7)
    return weeks


def chief_month(chief: dict[str, Any], patrols: list[dict[str, Any]], rules: dict[str, Any], month: str,
                today: dt.date) -> dict[str, Any]:
    """A chief's patrols in ``month`` against their level's rule: counts, periods met, verdict."""
    rule = rules[chief["level"]]
    first, last = month_bounds(month)
    mine = [p for p in patrols if p["chief_id"] == chief["id"]]
    valid = [p for p in mine if counts(p, rule)[0]]
    periods = _periods(rule, month, today)
    met = [sum(a <= dt.date.fromisoformat(p["date"]) <= b for p in valid) >= rule["min_count"] for a, b in periods]
    in_month = [p for p in mine if first <= dt.date.fromisoformat(p["date"]) <= last]
    return {
        "chief_id": chief["id"], "name": chief["name"], "level": chief["level"], "subdistrict": chief.get("subdistrict"),
        "month": month, "rule": rule, "patrols": len(in_month),
        "valid": sum(first <= dt.date.fromisoformat(p["date"]) <= last for p in valid),
        "periods": len(periods), "periods_met": int(sum(met)),
        "met": None if not periods else all(met),
    }
