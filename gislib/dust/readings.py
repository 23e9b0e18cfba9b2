"""gislib.dust.readings: construction-dust readings uploaded by officers, kept in the record store.

The readings live behind the store's dust-readings repository (``store.dust_readings``, table
``dust_readings`` of migration 50); this module turns parsed files into its rows and its rows back
into frames, and never opens a connection. One upload is written in ONE transaction: all of its
rows or none. A reading is keyed by (site, time); uploading the same site and time again replaces
the value. Values are µg/m³ (``gislib.dust.rule.read_readings`` converts mg/m³), times naive Beijing
time. The unit the file was written in is recorded per row (``units``, e.g. "PM10=mg/m³"), so a
converted value can always be traced back to the figure the lab reported (value ÷ 1000 for mg/m³).
"""
from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from gislib.domain import DUST_POLLUTANTS
from gislib.errors import ValidationError

if TYPE_CHECKING:
    import pandas as pd

    from gislib.dust.rule import Readings
    from gislib.store import Store

# pollutant -> column of the repository's rows
COLUMNS = {"PM10": "pm10", "PM2.5": "pm25", "TSP": "tsp"}
FRAME_COLUMNS = ["site", "time", *COLUMNS, "background", "source", "user", "imported_at", "units"]


def _number(value: object) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def save_readings(store: "Store", readings: "Readings | pd.DataFrame", user: str, source: str = "",
                  units: dict[str, str] | None = None) -> int:
    """Store parsed readings (frame: site, time, PM10/PM2.5/TSP, background) in one transaction;
    returns the number of rows written (new or replaced). ``units`` ({pollutant: unit written},
    default ``readings.units``) is recorded on every row."""
    import pandas as pd

    if not isinstance(user, str) or not user.strip():
        raise ValidationError("error.dust_user_required", field="user")
    frame = readings.frame if hasattr(readings, "frame") else readings
    missing = [c for c in ("site", "time") if c not in frame.columns]
    if missing or not any(p in frame.columns for p in DUST_POLLUTANTS):
        raise ValidationError("error.dust_frame_columns", field=(missing or ["PM10"])[0], missing=missing or ["PM10/PM2.5/TSP"])
    times = pd.to_datetime(frame["time"], errors="coerce")
    if times.isna().any():
        raise ValidationError("error.dust_times", field="time", count=int(times.isna().sum()))
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    units = units if units is not None else getattr(readings, "units", {}) or {}
    unit_text = "; ".join(f"{p}={u}" for p, u in sorted(units.items())) or None
    rows = []
    for i, (site, when) in enumerate(zip(frame["site"].astype(str), times)):
        row = {"site": site.strip(), "reading_time": when.strftime("%Y-%m-%d %H:%M:%S"), "source": source,
               "imported_by": user.strip(), "imported_at": now, "units": unit_text,
               "background": _number(frame["background"].iloc[i]) if "background" in frame.columns else None}
        row.update({col: _number(frame[p].iloc[i]) if p in frame.columns else None for p, col in COLUMNS.items()})
        rows.append(row)
    return store.dust_readings.upsert(rows)


def load_readings(store: "Store", site: str | None = None) -> "pd.DataFrame":
    """The uploaded readings (optionally of one site): site, time, PM10, PM2.5, TSP, background,
    source, user, imported_at, units (the unit written in the file, e.g. "PM10=mg/m³"); empty (same
    columns) when nothing was uploaded yet."""
    import pandas as pd

    names = {"reading_time": "time", "imported_by": "user", **{col: p for p, col in COLUMNS.items()}}
    frame = pd.DataFrame(store.dust_readings.rows(site))
    frame = frame.rename(columns=names).reindex(columns=FRAME_COLUMNS)
    frame["time"] = pd.to_datetime(frame["time"])
    for col in [*COLUMNS, "background"]:
        frame[col] = frame[col].astype(float)
    return frame


def merged(base: "pd.DataFrame", imported: "pd.DataFrame") -> "pd.DataFrame":
    """The data-set readings with the uploaded ones added; an upload wins for the same site and time."""
    import pandas as pd

    base = base.copy()
    base["time"] = pd.to_datetime(base["time"])
    if imported.empty:
        return base
    keep = [c for c in imported.columns if c in ("site", "time", "background", *COLUMNS)
            and (c in base.columns or imported[c].notna().any())]
    both = pd.concat([base, imported[keep]], ignore_index=True)
    return both.drop_duplicates(["site", "time"], keep="last").sort_values(["site", "time"]).reset_index(drop=True)


def count(store: "Store") -> int:
    """How many uploaded readings are stored."""
    return store.dust_readings.count()


__all__ = ["count", "load_readings", "merged", "save_readings"]
