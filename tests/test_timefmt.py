"""gislib.timefmt: stored UTC instants read in Asia/Shanghai (UTC+8, no daylight saving)."""
from __future__ import annotations

import datetime as dt

from gislib.timefmt import local_time


def test_utc_instants_show_eight_hours_later_across_midnight():
    assert local_time("2026-11-22T20:30:00+00:00") == "2026-11-23 04:30"
    assert local_time("2026-11-22T20:30:00") == "2026-11-23 04:30"  # naive = UTC, as the store writes
    assert local_time("2026-11-22T20:30:00Z") == "2026-11-23 04:30"
    assert local_time(dt.datetime(2026, 6, 30, 23, 59, tzinfo=dt.timezone.utc)) == "2026-07-01 07:59"


def test_dates_blanks_and_junk_are_left_alone():
    assert local_time("2026-11-20") == "2026-11-20"  # a date is not an instant
    assert local_time(dt.date(2026, 11, 20)) == "2026-11-20"
    assert local_time(None) == "" and local_time("") == ""
    assert local_time("not a time: x") == "not a time: x"
