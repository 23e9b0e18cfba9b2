"""gislib.timefmt: timestamps for people. The store keeps UTC ISO text; people read Asia/Shanghai.

``local_time(value)`` turns a stored timestamp (ISO text or datetime; naive values are UTC, as the
store writes them) into ``YYYY-MM-DD HH:MM`` local time. Plain dates (``2026-11-20``) are dates,
not instants, and come back unchanged. Pages, PDFs and the ledger all use this one helper.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MINUTES = "%Y-%m-%d %H:%M"


def to_local(value: Any) -> dt.datetime | None:
    """The instant ``value`` (ISO text or datetime; naive = UTC) in Asia/Shanghai, or None."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and ":" in value:
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(LOCAL_TZ)


def local_time(value: Any, fmt: str = MINUTES) -> str:
    """``value`` as local (Asia/Shanghai) text; dates and unreadable text unchanged, None as ""."""
    if value is None or value == "":
        return ""
    moment = to_local(value)
    if moment is None:
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return moment.strftime(fmt)


def now_local() -> dt.datetime:
    """The current time in Asia/Shanghai."""
    return dt.datetime.now(LOCAL_TZ)


def today_local() -> dt.date:
    """Today's date in Asia/Shanghai (a UTC server's date is wrong from 00:00 to 08:00 local)."""
    return now_local().date()
