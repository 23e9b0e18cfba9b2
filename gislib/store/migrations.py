"""gislib.store.migrations: the versioned SQLite schema of the record store.

``MIGRATIONS`` is an ordered list of (version, description, SQL). ``migrate(conn)`` applies, in
one transaction each, every migration newer than the ``schema_version`` table says. Never edit a
released migration: append a new one.

Data model (one table for every layer, with a ``layer`` column):
* ``features``: one row per record: layer, code (the record key, unique per layer), name, state,
  lon/lat (WGS84, points) or geometry_wkt (WGS84 WKT, polygons), source_crs, data (JSON of the
  full record), version (optimistic lock, starts at 1), created_/updated_ by/at, source.
* ``codes``: (layer, scheme, code) -> feature; unique per layer and scheme (key, national,
  local, former, permit_outlet, ...).
* ``audit``: append-only change log (create/update/transition/remove/attach), old/new as JSON.
* ``transitions``: workflow history with business date, note, evidence, remediation kind.
* ``conflicts``: rejected saves (optimistic-lock conflicts), both versions kept for recovery.
* ``attachments``: links record -> file content hash; files live in <data_dir>/attachments.
* ``import_memory``: officers' column and value mappings per (user, source); versions 10–19 are the
  importer's.
* version 70 (70–74 are the field tables', gislib.fields): stored former field names renamed.
* ``accounts_imports`` (version 75): the one-time copy of a PostGIS deployment's accounts from the
  ``hetu.sqlite`` of its data directory, where Hetu kept them before they moved into the store of the
  records (``gislib.store.accounts``); on SQLite also the index (layer, lon, lat) of the box and nearest reads.
* version 85: the ledger index (layer, sub-district, state, code) of a page of one sub-district and state.
* version 90: the ledger's fields sub-district, river and type in columns ``ix_subdistrict``, ``ix_river``,
  ``ix_type_l1`` (copies of the record's JSON values, written with every record) with plain indexes, in place
  of the JSON expression indexes of versions 61 and 85.
* ``users`` and ``auth_events`` (versions 40–49, gislib.auth): accounts with role, jurisdiction
  (sub-districts and rivers as JSON lists), bcrypt hash, lockout state and demo flag; the
  append-only log of logins, failures and every admin action.
* ``water_samples`` and ``water_sample_batches`` (version 50): monitoring samples officers imported
  (values per GB 3838 item as JSON, the figures as written where a unit was converted), one batch
  row per import; ``dust_readings`` (version 50): uploaded construction-dust readings keyed by
  (site, reading_time); ``store_revision`` (version 50): ONE row whose counter every write
  transaction of the store bumps, so caches key on ``Store.revision()``.
  Stores made before version 50 kept these readings in tables the sample and dust modules created
  themselves (``section_samples_imported``, ``section_samples_import_batches``,
  ``dust_readings_imported``); ``LEGACY_STEPS[50]`` copies them over, every row, and drops them.

SQL here is kept portable (standard types, no SQLite functions in new migrations) so the same list
runs on the PostgreSQL backend; ``LEGACY_STEPS`` hold SQLite-only upgrades of files made by older
code and do nothing on a database that never had those tables.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

from gislib.errors import ConfigError
from gislib.store.dialect import split_statements

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "features, codes, audit, transitions", """
CREATE TABLE features (
    id INTEGER PRIMARY KEY,
    layer TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT,
    state TEXT NOT NULL,
    lon REAL,
    lat REAL,
    geometry_wkt TEXT,
    source_crs TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (layer, code)
);
CREATE TABLE codes (
    layer TEXT NOT NULL,
    scheme TEXT NOT NULL,
    code TEXT NOT NULL,
    feature_id INTEGER NOT NULL REFERENCES features(id),
    PRIMARY KEY (layer, scheme, code)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    layer TEXT NOT NULL,
    code TEXT NOT NULL,
    feature_id INTEGER REFERENCES features(id),
    user TEXT NOT NULL,
    at TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'transition', 'remove', 'attach')),
    field TEXT,
    old TEXT,
    new TEXT,
    note TEXT
);
CREATE TABLE transitions (
    id INTEGER PRIMARY KEY,
    feature_id INTEGER NOT NULL REFERENCES features(id),
    layer TEXT NOT NULL,
    code TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    user TEXT NOT NULL,
    date TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT,
    evidence TEXT NOT NULL DEFAULT '[]',
    remediation_kind TEXT
);
"""),
    (2, "conflicts and attachments", """
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY,
    layer TEXT NOT NULL,
    code TEXT NOT NULL,
    user TEXT NOT NULL,
    at TEXT NOT NULL,
    expected_version INTEGER,
    current_version INTEGER NOT NULL,
    mine TEXT NOT NULL,
    theirs TEXT NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    feature_id INTEGER NOT NULL REFERENCES features(id),
    layer TEXT NOT NULL,
    code TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    filename TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    has_thumbnail INTEGER NOT NULL DEFAULT 0,
    user TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (feature_id, sha256)
);
"""),
    (3, "provenance column, indexes, append-only audit, no hard delete", """
ALTER TABLE features ADD COLUMN source TEXT;
CREATE INDEX features_layer_state ON features (layer, state);
CREATE INDEX codes_feature ON codes (feature_id);
CREATE INDEX audit_record ON audit (layer, code, id);
CREATE INDEX transitions_record ON transitions (layer, code, id);
CREATE INDEX attachments_record ON attachments (layer, code);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER features_no_delete BEFORE DELETE ON features
BEGIN SELECT RAISE(ABORT, 'records are never deleted: move them to 已撤销 instead'); END;
"""),
    (10, "import memory: column and value mappings per source and user", """
CREATE TABLE import_memory (
    user TEXT NOT NULL,
    source_key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('columns', 'values')),
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user, source_key, kind)
);
CREATE INDEX import_memory_source ON import_memory (source_key, kind, updated_at);
"""),
    # 20–29: units/district scope (issue 13). HJ 521-2009 calls the family 间断排放; records stored
    # with the earlier label 间歇排放 get the standard's word (same meaning, no audit entry: a label fix).
    (20, "discharge pattern wording follows HJ 521-2009 (间歇排放 -> 间断排放)", """
UPDATE features SET data = json_set(data, '$.discharge_pattern', '间断排放')
WHERE layer = 'outfalls' AND json_extract(data, '$.discharge_pattern') = '间歇排放';
"""),
    # 30–39: 问题闭环 and 巡河 (gislib/problems, gislib/patrols). Problems themselves are records of
    # the layer "problems" in ``features``; chiefs, patrols and task batches have their own tables.
    (30, "river chiefs, patrols, task batches", """
CREATE TABLE river_chiefs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('区级', '街镇级', '村居级')),
    subdistrict TEXT,
    rivers TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE patrols (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    chief_id TEXT NOT NULL REFERENCES river_chiefs(id),
    date TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    duration_min REAL,
    length_m REAL NOT NULL,
    track_wkt TEXT NOT NULL,
    source_file TEXT,
    source_format TEXT,
    source_crs TEXT,
    stretches TEXT NOT NULL DEFAULT '[]',
    findings TEXT NOT NULL DEFAULT '[]',
    note TEXT,
    removed_reason TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX patrols_chief_date ON patrols (chief_id, date);
CREATE TRIGGER patrols_no_delete BEFORE DELETE ON patrols
BEGIN SELECT RAISE(ABORT, 'patrols are never deleted: set removed_reason instead'); END;
CREATE TRIGGER river_chiefs_no_delete BEFORE DELETE ON river_chiefs
BEGIN SELECT RAISE(ABORT, 'river chiefs are never deleted: set active = 0 instead'); END;
CREATE TABLE task_batches (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    issued_by TEXT,
    issued_date TEXT,
    note TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""),
    # 40–49: accounts and permissions (issue 16, gislib.auth).
    (40, "users and auth_events (accounts, roles, jurisdictions, login and admin audit)", """
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'river_chief', 'officer', 'admin')),
    subdistricts TEXT NOT NULL DEFAULT '[]',
    rivers TEXT NOT NULL DEFAULT '[]',
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 1,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    demo INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE auth_events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    user TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX auth_events_user ON auth_events (user, action, at);
CREATE TRIGGER auth_events_no_update BEFORE UPDATE ON auth_events
BEGIN SELECT RAISE(ABORT, 'auth_events is append-only'); END;
CREATE TRIGGER auth_events_no_delete BEFORE DELETE ON auth_events
BEGIN SELECT RAISE(ABORT, 'auth_events is append-only'); END;
CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN SELECT RAISE(ABORT, 'users are never deleted: disable them instead'); END;
"""),
    # 50–59: every persisted thing behind the store (issue 15): samples, dust readings, revision.
    (50, "water samples, dust readings and the store revision inside the store's migrations", """
CREATE TABLE water_sample_batches (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE water_samples (
    id INTEGER PRIMARY KEY,
    section_code TEXT NOT NULL,
    sample_date TEXT NOT NULL,
    sample_month TEXT NOT NULL,
    values_json TEXT NOT NULL,
    originals_json TEXT,
    batch_id INTEGER NOT NULL REFERENCES water_sample_batches(id),
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (section_code, sample_date)
);
CREATE INDEX water_samples_month ON water_samples (section_code, sample_month);
CREATE TABLE dust_readings (
    site TEXT NOT NULL,
    reading_time TEXT NOT NULL,
    pm10 REAL,
    pm25 REAL,
    tsp REAL,
    background REAL,
    source TEXT,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    units TEXT,
    PRIMARY KEY (site, reading_time)
);
CREATE TABLE store_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO store_revision (id, revision) VALUES (1, 1);
"""),
    # 60–64: the ledger reads one page in SQL (issue 18); the store revision is migration 50's.
    (61, "ledger indexes: the fields the ledger filters and sorts by, so one page is read in SQL", """
CREATE INDEX IF NOT EXISTS features_name ON features (layer, name, code);
CREATE INDEX IF NOT EXISTS features_updated ON features (layer, updated_at, code);
CREATE INDEX IF NOT EXISTS features_river ON features (layer, json_extract(data, '$.river'), code);
CREATE INDEX IF NOT EXISTS features_subdistrict ON features (layer, json_extract(data, '$.subdistrict'), code);
CREATE INDEX IF NOT EXISTS features_type_l1 ON features (layer, json_extract(data, '$.type_l1'), code);
CREATE INDEX IF NOT EXISTS features_deadline ON features (layer, state, json_extract(data, '$.remediation.deadline'), code);
"""),
    (65, "login sessions (hashed tokens, idle expiry, logout)", """
CREATE TABLE login_sessions (
    token_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    ended_at TEXT,
    ended_why TEXT
);
CREATE INDEX login_sessions_user ON login_sessions (user, ended_at);
"""),
    # versions 70–74: field names (gislib.fields). Imports before this wrote the outfall's discovery
    # date as found_on; its one name is found_date (what the record page, ledger and demo read).
    (70, "outfalls: found_on -> found_date (gislib.fields)", """
UPDATE features
SET data = json_set(json_remove(data, '$.found_on'), '$.found_date',
                    COALESCE(json_extract(data, '$.found_date'), json_extract(data, '$.found_on')))
WHERE layer = 'outfalls' AND json_extract(data, '$.found_on') IS NOT NULL;
"""),
    # 75: accounts in the store of the records on both backends (issue 15 x 16). A PostGIS deployment
    # made before it kept its accounts in <data_dir>/hetu.sqlite; gislib.store.accounts copies them over
    # once (into an account table set that is still empty) and notes the copy here. And the points'
    # longitude/latitude index the box and nearest reads of SQLite use (PostGIS has its GIST indexes:
    # postgres.POSTGRES_SQL[75] leaves this one out).
    (75, "accounts_imports: accounts copied from a data directory's SQLite file; features (layer, lon, lat) index", """
CREATE TABLE IF NOT EXISTS accounts_imports (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    users INTEGER NOT NULL,
    events INTEGER NOT NULL,
    sessions INTEGER NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS features_lonlat ON features (layer, lon, lat);
"""),
    # 80: a user's drawn extent (issue 16: a chief's stretches by drawn extent), a polygon in EPSG:4326
    # as WKT (gislib/auth/extent.py). SQLite has no ADD COLUMN IF NOT EXISTS: the column is added by
    # LEGACY_STEPS[80] when it is missing; PostgreSQL's text is postgres.POSTGRES_SQL[80].
    (80, "users.extent: a drawn jurisdiction extent (WKT, EPSG:4326)", "SELECT 1;"),
    # 85: the ledger page of one sub-district and one state sorted by code (issue 15's benchmark at 600,000
    # outfalls): with (layer, subdistrict, code) alone the database walks every record of the sub-district
    # to find the state's ones and counts them from the table; with the state in the index both the count
    # and the 50 rows come straight from it. PostgreSQL's text is postgres.POSTGRES_SQL[85] (jsonb).
    (85, "ledger index: sub-district and state, sorted by code", """
CREATE INDEX IF NOT EXISTS features_subdistrict_state ON features (layer, json_extract(data, '$.subdistrict'), state, code);
"""),
    # 90: the ledger's fields (sub-district, river, type) in columns of their own, written with the record
    # (gislib.store.queries.index_values), so their indexes are plain B-trees instead of JSON expression indexes
    # that parse every record's JSON once per index (on PostgreSQL 27 of the 86 s of loading 600,000 outfalls).
    # The record's JSON stays whole; the columns are copies the store keeps equal to it. SQLite has no ADD
    # COLUMN IF NOT EXISTS: the steps are LEDGER_COLUMNS_SQL run by LEGACY_STEPS[90], each column added when
    # missing; PostgreSQL's are postgres.POSTGRES_SQL[90].
    (90, "ledger fields sub-district, river and type in columns of their own with plain indexes", "SELECT 1;"),
]
LATEST_VERSION = MIGRATIONS[-1][0]


def _table_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _copy_legacy_readings(conn: sqlite3.Connection) -> None:
    """Version 50 on a file made by older code: move its samples and dust readings into the new
    tables (ids, who and when kept; columns added later read as NULL) and drop the old tables."""
    have = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "section_samples_import_batches" in have:
        conn.execute("INSERT INTO water_sample_batches (id, source, row_count, imported_by, imported_at) "
                     "SELECT id, source, rows, imported_by, imported_at FROM section_samples_import_batches")
    if "section_samples_imported" in have:
        originals = "originals_json" if "originals_json" in _table_columns(conn, "section_samples_imported") else "NULL"
        conn.execute("INSERT INTO water_samples (id, section_code, sample_date, sample_month, values_json, "
                     "originals_json, batch_id, imported_by, imported_at) SELECT id, section_code, date, month, "
                     f"values_json, {originals}, batch_id, imported_by, imported_at FROM section_samples_imported")
        conn.execute("DROP TABLE section_samples_imported")
    if "section_samples_import_batches" in have:
        conn.execute("DROP TABLE section_samples_import_batches")
    if "dust_readings_imported" in have:
        units = "units" if "units" in _table_columns(conn, "dust_readings_imported") else "NULL"
        conn.execute("INSERT INTO dust_readings (site, reading_time, pm10, pm25, tsp, background, source, "
                     "imported_by, imported_at, units) SELECT site, time, pm10, pm25, tsp, background, source, "
                     f"user, imported_at, {units} FROM dust_readings_imported")
        conn.execute("DROP TABLE dust_readings_imported")


# SQLite-only steps run right after the SQL of their version (upgrades of files made by old code).
def _add_user_extent(conn: sqlite3.Connection) -> None:
    """Version 80: ``users.extent`` unless it is there already (idempotent)."""
    if "extent" not in _table_columns(conn, "users"):
        conn.execute("ALTER TABLE users ADD COLUMN extent TEXT")


# the columns of version 90 as written then (gislib.store.queries.INDEX_COLUMNS names the ones the store
# writes now; a released migration never follows a later change of that list)
LEDGER_COLUMNS = ("ix_subdistrict", "ix_river", "ix_type_l1")
LEDGER_COLUMNS_SQL = (
    "UPDATE features SET ix_subdistrict = json_extract(data, '$.subdistrict'), "
    "ix_river = json_extract(data, '$.river'), ix_type_l1 = json_extract(data, '$.type_l1')",
    "DROP INDEX IF EXISTS features_subdistrict",
    "DROP INDEX IF EXISTS features_subdistrict_state",
    "DROP INDEX IF EXISTS features_river",
    "DROP INDEX IF EXISTS features_type_l1",
    "DROP INDEX IF EXISTS features_type",
    "CREATE INDEX IF NOT EXISTS features_ix_subdistrict ON features (layer, ix_subdistrict, code)",
    "CREATE INDEX IF NOT EXISTS features_ix_subdistrict_state ON features (layer, ix_subdistrict, state, code)",
    "CREATE INDEX IF NOT EXISTS features_ix_river ON features (layer, ix_river, code)",
    "CREATE INDEX IF NOT EXISTS features_ix_type_l1 ON features (layer, ix_type_l1, code)",
)


def _ledger_columns(conn: sqlite3.Connection) -> None:
    """Version 90: the ledger's columns (each added unless there), filled from the records' JSON, indexed."""
    have = _table_columns(conn, "features")
    for column in LEDGER_COLUMNS:
        if column not in have:
            conn.execute(f"ALTER TABLE features ADD COLUMN {column} TEXT")
    for statement in LEDGER_COLUMNS_SQL:
        conn.execute(statement)


LEGACY_STEPS = {50: _copy_legacy_readings, 80: _add_user_extent, 90: _ledger_columns}


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version of ``conn`` (0 for an empty database)."""
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone()
    if not row:
        return 0
    return conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Bring ``conn`` (autocommit mode) up to ``target`` (default: latest); return the version."""
    target = LATEST_VERSION if target is None else target
    conn.execute("BEGIN IMMEDIATE")  # one writer migrates; the others wait and then see it done
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                     "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)")
        current = schema_version(conn)
        if current > LATEST_VERSION:
            raise ConfigError("error.schema_too_new", version=current, latest=LATEST_VERSION)
        for version, description, sql in MIGRATIONS:
            if current < version <= target:
                for stmt in split_statements(sql):
                    conn.execute(stmt)
                if version in LEGACY_STEPS:
                    LEGACY_STEPS[version](conn)
                conn.execute("INSERT INTO schema_version VALUES (?, ?, ?)", (
                    version, description, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return schema_version(conn)
