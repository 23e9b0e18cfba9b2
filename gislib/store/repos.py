"""gislib.store.repos: the repositories of the SQLite store for things that are not records.

``SQLiteStore.samples`` (water samples officers imported, with their import batches) and
``SQLiteStore.dust_readings`` (uploaded construction-dust readings) run on the store's own
connection and write inside the store's write transaction (so the store revision is bumped with
them, and a service's ``store.transaction()`` covers them). Their interfaces are
``base.SampleRepository`` and ``base.DustReadingRepository``; the tables are migration 50.
SQL is standard (``ON CONFLICT`` upserts), so a PostgreSQL backend can run the same statements.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gislib.store.base import DustReadingRepository, SampleRepository

if TYPE_CHECKING:
    from gislib.store.sqlite import SQLiteStore

SAMPLE_COLUMNS = ("section_code", "sample_date", "values_json", "originals_json", "batch_id",
                  "imported_by", "imported_at")
DUST_COLUMNS = ("site", "reading_time", "pm10", "pm25", "tsp", "background", "source", "imported_by",
                "imported_at", "units")


class SQLiteSamples(SampleRepository):
    """Imported water samples: one batch row per import, one row per (section, date)."""

    def __init__(self, store: "SQLiteStore"):
        self._store = store

    def add_batch(self, source: str, rows: Sequence[dict[str, Any]], user: str, at: str) -> int:
        with self._store._write() as conn:
            batch = int(conn.execute("INSERT INTO water_sample_batches (source, row_count, imported_by, imported_at) "
                                     "VALUES (?,?,?,?) RETURNING id", (source, len(rows), user, at)).fetchone()[0])
            conn.executemany(
                "INSERT INTO water_samples (section_code, sample_date, sample_month, values_json, originals_json, "
                "batch_id, imported_by, imported_at) VALUES (?,?,?,?,?,?,?,?) "
                "ON CONFLICT (section_code, sample_date) DO UPDATE SET sample_month=excluded.sample_month, "
                "values_json=excluded.values_json, originals_json=excluded.originals_json, "
                "batch_id=excluded.batch_id, imported_by=excluded.imported_by, imported_at=excluded.imported_at",
                [(r["section_code"], r["sample_date"], str(r["sample_date"])[:7], r["values_json"],
                  r.get("originals_json"), batch, user, at) for r in rows])
        return batch

    def rows(self) -> list[dict[str, Any]]:
        with self._store._lock:
            found = self._store._conn.execute(
                f"SELECT {', '.join(SAMPLE_COLUMNS)} FROM water_samples ORDER BY section_code, sample_date").fetchall()
        return [dict(zip(SAMPLE_COLUMNS, r)) for r in found]

    def batches(self) -> list[dict[str, Any]]:
        with self._store._lock:
            found = self._store._conn.execute(
                "SELECT id, source, row_count, imported_by, imported_at FROM water_sample_batches "
                "ORDER BY id DESC").fetchall()
        return [{"id": r[0], "source": r[1], "rows": r[2], "imported_by": r[3], "imported_at": r[4]} for r in found]


class SQLiteDustReadings(DustReadingRepository):
    """Uploaded dust readings keyed by (site, reading_time); a new upload of the same key replaces it."""

    def __init__(self, store: "SQLiteStore"):
        self._store = store

    def upsert(self, rows: Sequence[dict[str, Any]]) -> int:
        updates = ", ".join(f"{c}=excluded.{c}" for c in DUST_COLUMNS[2:])
        with self._store._write() as conn:
            conn.executemany(
                f"INSERT INTO dust_readings ({', '.join(DUST_COLUMNS)}) VALUES ({','.join('?' * len(DUST_COLUMNS))}) "
                f"ON CONFLICT (site, reading_time) DO UPDATE SET {updates}",
                [tuple(r.get(c) for c in DUST_COLUMNS) for r in rows])
        return len(rows)

    def rows(self, site: str | None = None) -> list[dict[str, Any]]:
        sql = f"SELECT {', '.join(DUST_COLUMNS)} FROM dust_readings"
        args: tuple = ()
        if site is not None:
            sql, args = sql + " WHERE site=?", (site,)
        with self._store._lock:
            found = self._store._conn.execute(sql + " ORDER BY site, reading_time", args).fetchall()
        return [dict(zip(DUST_COLUMNS, r)) for r in found]

    def count(self) -> int:
        with self._store._lock:
            return self._store._conn.execute("SELECT COUNT(*) FROM dust_readings").fetchone()[0]
