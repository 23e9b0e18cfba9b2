"""gislib.store.postgres: the PostgreSQL 15 + PostGIS 3 backend, chosen by ``HETU_DB_URL=postgresql://…``.

The records, rules and SQL are the ones of the SQLite store (``sqlite.py``): the statements are
written once and translated per statement by ``dialect.PgConnection``; the migrations of
``migrations.MIGRATIONS`` run here unchanged (``POSTGRES_SQL`` gives the PostgreSQL text of the
few that use SQLite-only functions). What differs:

* a write reads the record it changes with ``SELECT … FOR UPDATE``, so the optimistic version
  check holds across processes (SQLite gets the same from ``BEGIN IMMEDIATE``);
* after the migrations, ``POSTGIS_SQL`` adds real geometry columns generated from the stored
  coordinates (``pt geometry(Point,4326)`` from lon/lat, ``shape geometry(Geometry,4326)`` from the
  polygon WKT or the point) with GIST indexes, a geography index for metric distances and JSON
  expression indexes for the ledger filters;
* ``in_bbox``/``within``/``nearest`` run in the database (``&&``, ``ST_DWithin`` on geography,
  KNN ``<->``).

Attachments stay files under ``<data_dir>/attachments`` (shared storage when several app servers
run: docs/deploy.md).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from gislib.domain import REMOVED_STATE
from gislib.errors import ConfigError
from gislib.store.attachments import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS
from gislib.store.dialect import PgConnection, ddl_to_postgres, split_statements
from gislib.store.migrations import LATEST_VERSION, MIGRATIONS
from gislib.store.queries import LIGHT_COLUMNS, _parse_wkt, check_bbox
from gislib.store.sqlite import SQLiteStore

MIGRATION_LOCK = 72_150_015  # pg_advisory_xact_lock key: one process migrates, the others wait

# The PostgreSQL text of migrations whose SQLite text uses functions PostgreSQL does not have.
POSTGRES_SQL: dict[int, str] = {
    # the ledger's JSON expression indexes are POSTGIS_SQL's (below), written for jsonb
    61: "SELECT 1",
    70: """UPDATE features SET data = ((data::jsonb - 'found_on')
    || jsonb_build_object('found_date', COALESCE(data::jsonb -> 'found_date', data::jsonb -> 'found_on')))::text
WHERE layer = 'outfalls' AND (data::jsonb ? 'found_on')""",
    20: """UPDATE features SET data = jsonb_set(data::jsonb, '{discharge_pattern}', '"间断排放"')::text
WHERE layer = 'outfalls' AND (data::jsonb ->> 'discharge_pattern') = '间歇排放'""",
}

# PostGIS columns and indexes, applied (idempotently) after the shared migrations.
POSTGIS_SQL = [
    "CREATE EXTENSION IF NOT EXISTS postgis",
    "ALTER TABLE features ADD COLUMN IF NOT EXISTS pt geometry(Point, 4326) GENERATED ALWAYS AS "
    "(CASE WHEN lon IS NOT NULL AND lat IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED",
    "ALTER TABLE features ADD COLUMN IF NOT EXISTS shape geometry(Geometry, 4326) GENERATED ALWAYS AS "
    "(CASE WHEN geometry_wkt IS NOT NULL THEN ST_GeomFromText(geometry_wkt, 4326) "
    "WHEN lon IS NOT NULL AND lat IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED",
    "CREATE INDEX IF NOT EXISTS features_pt_gist ON features USING GIST (pt)",
    "CREATE INDEX IF NOT EXISTS features_shape_gist ON features USING GIST (shape)",
    "CREATE INDEX IF NOT EXISTS features_pt_geog ON features USING GIST ((pt::geography))",
    "CREATE INDEX IF NOT EXISTS features_shape_geog ON features USING GIST ((shape::geography))",
    "CREATE INDEX IF NOT EXISTS features_subdistrict ON features (layer, (data::jsonb ->> 'subdistrict'), code)",
    "CREATE INDEX IF NOT EXISTS features_river ON features (layer, (data::jsonb ->> 'river'), code)",
    "CREATE INDEX IF NOT EXISTS features_type ON features (layer, (data::jsonb ->> 'type_l1'), code)",
]


def _version(conn: PgConnection) -> int:
    exists = conn.execute_raw("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    return conn.execute_raw("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def migrate_postgres(conn: PgConnection, target: int | None = None) -> int:
    """Bring the database up to ``target`` (default latest) in one transaction; return the version."""
    target = LATEST_VERSION if target is None else target
    conn.execute_raw("BEGIN")
    try:
        conn.execute_raw("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute_raw("CREATE TABLE IF NOT EXISTS schema_version ("
                         "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)")
        current = _version(conn)
        if current > LATEST_VERSION:
            raise ConfigError(
                f"数据库结构版本 {current} 比本程序支持的 {LATEST_VERSION} 新: upgrade Hetu before opening it")
        for version, description, sql in MIGRATIONS:
            if current < version <= target:
                for statement in _postgres_statements(version, sql):
                    conn.execute_raw(statement)
                conn.execute_raw("INSERT INTO schema_version VALUES (%s, %s, %s)", (
                    version, description, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")))
        if _version(conn) >= 1:
            for statement in POSTGIS_SQL:
                conn.execute_raw(statement)
        conn.execute_raw("COMMIT")
    except BaseException:
        conn.execute_raw("ROLLBACK")
        raise
    conn.forget_schema()
    return _version(conn)


def _postgres_statements(version: int, sql: str) -> list[str]:
    if version in POSTGRES_SQL:
        return [POSTGRES_SQL[version]]
    return [pg for statement in split_statements(sql) for pg in ddl_to_postgres(statement)]


def connect(url: str) -> tuple[PgConnection, int]:
    """Connect to ``url`` and migrate it: (connection, schema version). The record store and the account
    repository (``gislib.store.accounts``) connect so."""
    import psycopg

    try:
        conn = PgConnection(url)
    except psycopg.OperationalError as exc:
        raise ConfigError(f"无法连接 PostgreSQL 数据库 {_safe_url(url)} ({str(exc).strip()[:200]}): "
                          "start it (bash scripts/postgres.sh start) or check HETU_DB_URL") from exc
    return conn, migrate_postgres(conn)


class PostgresStore(SQLiteStore):
    """The Store on PostgreSQL + PostGIS: the SQLite store's SQL through the dialect adapter."""

    def __init__(self, url: str, data_dir: Path, max_attachment_bytes: int = DEFAULT_MAX_BYTES,
                 max_image_pixels: int = DEFAULT_MAX_PIXELS):
        self.url = url
        super().__init__(data_dir, max_attachment_bytes=max_attachment_bytes, max_image_pixels=max_image_pixels)

    def _connect(self) -> tuple[Any, int]:
        return connect(self.url)

    def _for_update(self, alias: str = "") -> str:
        if not self._conn.in_transaction:
            return ""
        return " FOR UPDATE" + (f" OF {alias}" if alias else "")

    def revision(self) -> str:
        """A token that changes with every committed change: the revision counter every write
        transaction bumps (as on SQLite), plus the highest audit and conflict ids (cheap index reads)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT (SELECT revision FROM store_revision WHERE id = 1), (SELECT COALESCE(MAX(id), 0) FROM audit), "
                "(SELECT COALESCE(MAX(id), 0) FROM conflicts)").fetchone()
        return ":".join(str(v) for v in row)

    # ------------------------------------------------------------------ PostGIS queries
    def in_bbox(self, layer: str, west: float, south: float, east: float, north: float,
                include_removed: bool = False) -> list[dict[str, Any]]:
        self._check(layer)
        box = check_bbox(west, south, east, north)
        sql = ("SELECT code, name, state, lon, lat FROM features WHERE layer=%s "
               "AND pt && ST_MakeEnvelope(%s, %s, %s, %s, 4326)" + ("" if include_removed else " AND state <> %s"))
        args = [layer, *box] + ([] if include_removed else [REMOVED_STATE])
        with self._lock:
            rows = self._conn.execute_raw(sql, args).fetchall()
        return [dict(zip(LIGHT_COLUMNS, r)) for r in rows]

    def within(self, layer: str, wkt: str, metres: float) -> list[dict[str, Any]]:
        self._check(layer)
        _parse_wkt(wkt)
        with self._lock:
            rows = self._conn.execute_raw(
                "WITH g AS (SELECT ST_GeomFromText(%s, 4326)::geography AS g) "
                "SELECT f.*, ST_Distance(f.shape::geography, g.g) AS distance_m FROM features f, g "
                "WHERE f.layer=%s AND f.state <> %s AND ST_DWithin(f.shape::geography, g.g, %s) "
                "ORDER BY distance_m, f.code", (wkt, layer, REMOVED_STATE, float(metres))).fetchall()
        return [{**self._record(r), "distance_m": round(float(r["distance_m"]), 1)} for r in rows]

    def nearest(self, layer: str, lon: float, lat: float, k: int = 1) -> list[dict[str, Any]]:
        self._check(layer)
        with self._lock:
            rows = self._conn.execute_raw(
                "WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS g) "
                "SELECT f.*, ST_Distance(f.pt::geography, p.g) AS distance_m FROM features f, p "
                "WHERE f.layer=%s AND f.state <> %s AND f.pt IS NOT NULL "
                "ORDER BY f.pt::geography <-> p.g, f.code LIMIT %s",
                (float(lon), float(lat), layer, REMOVED_STATE, max(0, int(k)))).fetchall()
        return [{**self._record(r), "distance_m": round(float(r["distance_m"]), 1)} for r in rows]


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
