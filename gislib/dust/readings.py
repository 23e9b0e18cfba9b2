"""gislib.dust.readings: construction-dust readings uploaded by officers, kept in the record store's SQLite file.

The table ``dust_readings_imported`` lives in the store's ``db_path`` (``<data_dir>/hetu.sqlite``)
and is created here with ``CREATE TABLE IF NOT EXISTS``; the store's own migrations do not know
it. One upload is written in ONE transaction (table creation included): all of its rows or none.
A reading is keyed by (site, time); uploading the same site and time again replaces the value.
Values are µg/m³ (``gislib.dust.rule.read_readings`` converts mg/m³), times naive Beijing time. The unit
the file was written in is recorded per row (``units``, e.g. "PM10=mg/m³"), so a converted value can
always be traced back to the figure the lab reported (value ÷ 1000 for mg/m³).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from gislib.domain import DUST_POLLUTANTS
from gislib.errors import DataError, ValidationError

if TYPE_CHECKING:
    import pandas as pd

    from gislib.dust.rule import Readings

TABLE = "dust_readings_imported"
# pollutant -> column of the table
COLUMNS = {"PM10": "pm10", "PM2.5": "pm25", "TSP": "tsp"}
_CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    site TEXT NOT NULL,
    time TEXT NOT NULL,
    pm10 REAL,
    pm25 REAL,
    tsp REAL,
    background REAL,
    source TEXT,
    user TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    units TEXT,
    PRIMARY KEY (site, time)
)"""


@contextlib.contextmanager
def _connect(db_path: str | Path) -> Iterator[sqlite3.Connection]:
    if not Path(db_path).parent.exists():
        raise DataError(f"数据目录 {Path(db_path).parent} 不存在: open the store first (gislib.services.catalog.store())")
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=30)
    try:
        conn.execute("PRAGMA busy_timeout=30000")
        yield conn
    finally:
        conn.close()


def _number(value: object) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _add_units_column(conn: sqlite3.Connection) -> None:
    """Stores created before units were recorded get the column (inside the caller's transaction)."""
    have = {row[1] for row in conn.execute(f"PRAGMA table_info({TABLE})")}
    if "units" not in have:
        conn.execute(f"ALTER TABLE {TABLE} ADD COLUMN units TEXT")


def save_readings(db_path: str | Path, readings: "Readings | pd.DataFrame", user: str, source: str = "",
                  units: dict[str, str] | None = None) -> int:
    """Store parsed readings (frame: site, time, PM10/PM2.5/TSP, background) in one transaction;
    returns the number of rows written (new or replaced). ``units`` ({pollutant: unit written},
    default ``readings.units``) is recorded on every row."""
    import pandas as pd

    if not isinstance(user, str) or not user.strip():
        raise ValidationError("缺少操作人 (user): every upload must name the acting user", field="user")
    frame = readings.frame if hasattr(readings, "frame") else readings
    missing = [c for c in ("site", "time") if c not in frame.columns]
    if missing or not any(p in frame.columns for p in DUST_POLLUTANTS):
        raise ValidationError(
            f"读数缺少列 {', '.join(missing) or 'PM10/PM2.5/TSP'}: parse the file with gislib.dust.rule.read_readings",
            field=(missing or ["PM10"])[0])
    times = pd.to_datetime(frame["time"], errors="coerce")
    if times.isna().any():
        raise ValidationError(f"{int(times.isna().sum())} 行时间无法识别: fix or drop those rows first", field="time")
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    units = units if units is not None else getattr(readings, "units", {}) or {}
    unit_text = "; ".join(f"{p}={u}" for p, u in sorted(units.items())) or None
    rows = []
    for i, (site, when) in enumerate(zip(frame["site"].astype(str), times)):
        values = [_number(frame[p].iloc[i]) if p in frame.columns else None for p in COLUMNS]
        background = _number(frame["background"].iloc[i]) if "background" in frame.columns else None
        rows.append((site.strip(), when.strftime("%Y-%m-%d %H:%M:%S"), *values, background, source, user.strip(), now,
                     unit_text))
    with _connect(db_path) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_CREATE)
            _add_units_column(conn)
            conn.executemany(
                f"INSERT INTO {TABLE} (site, time, pm10, pm25, tsp, background, source, user, imported_at, units) "
                "VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (site, time) DO UPDATE SET pm10=excluded.pm10, "
                "pm25=excluded.pm25, tsp=excluded.tsp, background=excluded.background, source=excluded.source, "
                "user=excluded.user, imported_at=excluded.imported_at, units=excluded.units", rows)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return len(rows)


def load_readings(db_path: str | Path, site: str | None = None) -> "pd.DataFrame":
    """The uploaded readings (optionally of one site): site, time, PM10, PM2.5, TSP, background,
    source, user, imported_at, units (the unit written in the file, e.g. "PM10=mg/m³"); empty (same columns) when nothing was uploaded yet."""
    import pandas as pd

    columns = ["site", "time", *COLUMNS, "background", "source", "user", "imported_at", "units"]
    with _connect(db_path) as conn:
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (TABLE,)).fetchone()
        if not exists:
            return pd.DataFrame(columns=columns).astype({"time": "datetime64[ns]"})
        have_units = "units" in {row[1] for row in conn.execute(f"PRAGMA table_info({TABLE})")}
        sql = (f"SELECT site, time, pm10, pm25, tsp, background, source, user, imported_at, "
               f"{'units' if have_units else 'NULL'} FROM {TABLE}")
        args: tuple = ()
        if site is not None:
            sql += " WHERE site=?"
            args = (site,)
        frame = pd.read_sql_query(sql + " ORDER BY site, time", conn, params=args)
    frame.columns = columns
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


def count(db_path: str | Path) -> int:
    """How many uploaded readings are stored."""
    with _connect(db_path) as conn:
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (TABLE,)).fetchone()
        return conn.execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0] if exists else 0


__all__ = ["TABLE", "count", "load_readings", "merged", "save_readings"]
