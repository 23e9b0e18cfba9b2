"""gislib.store.bulk: load many new records into an EMPTY layer at once (seeding, basin sets, benchmarks).

Every record is normalised and validated exactly as ``Store.create`` does (``_prepare``); then the
rows of ``features``, ``codes`` and one ``create`` audit entry per record are written in ONE
transaction: ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` on SQLite. All or nothing: one
bad record, a code given twice or a layer that already has records writes nothing. Into an empty table
(a fresh store being seeded, a benchmark) the rows go first and its secondary indexes are built after
them in the same transaction (``_drop_indexes``): at 600,000 outfalls the load is dominated by index
upkeep otherwise.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson as _orjson

from gislib.errors import ConfigError
from gislib.store.queries import INDEX_COLUMNS, index_values
from gislib.store.sqlite import SQLiteStore, _check_layer, _dumps, _now, _user_name
from gislib.store.validators import BulkValidationError, bad_rows, record_codes

_ORJSON_OPTIONS = (_orjson.OPT_SORT_KEYS | _orjson.OPT_PASSTHROUGH_DATETIME | _orjson.OPT_PASSTHROUGH_SUBCLASS
                   | _orjson.OPT_PASSTHROUGH_DATACLASS)
_INF = float("inf")

FEATURE_COLUMNS = ("id", "layer", "code", "name", "state", "lon", "lat", "geometry_wkt", "source_crs", "data",
                   "version", "created_by", "created_at", "updated_by", "updated_at", "source", *INDEX_COLUMNS)
CODE_COLUMNS = ("layer", "scheme", "code", "feature_id")
AUDIT_COLUMNS = ("layer", "code", "feature_id", "user", "at", "action", "field", "old", "new", "note")


def prepared(store: SQLiteStore, layer: str, records: list[dict[str, Any]], *, seen: dict | None = None,
             start: int = 0) -> list[dict[str, Any]]:
    """Every record normalised and validated as ``create`` does; BulkValidationError lists the bad rows.
    A chunked load passes the codes of its earlier chunks (``seen``, filled here) and the row number of
    the chunk's first record (``start``), so a code repeated across chunks is a bad row too."""
    _check_layer(layer)
    out, bad = [], []
    seen = {} if seen is None else seen
    for i, record in enumerate(records, start=start):
        rec, errors = store._prepare(layer, record)
        code = rec.get("code")
        if code in seen:
            errors = {**errors, "code": f"编码 {code} 在本批数据中重复 (第 {seen[code] + 1} 行已出现): keep one row"}
        seen.setdefault(code, i)
        if errors:
            bad.append({"index": i, "code": code, "errors": errors})
        out.append(rec)
    if bad:
        raise BulkValidationError("error.bulk_rows_bad", bad, count=len(bad), lines=bad_rows(bad[:20]))
    return out


def _feature_rows(store: SQLiteStore, layer: str, recs: list[dict[str, Any]], first_id: int, user: str,
                  source: str, codes: list[tuple], audit: list[tuple]) -> Iterator[tuple]:
    """The rows of ``features``, one at a time, while the rows of ``codes`` and ``audit`` of the same records are
    added to those lists: the rows are made while the database writes the ones before them (on PostgreSQL the
    COPY runs in the server process, on the machine's other core), instead of all made first and then written."""
    at = _now()
    note = f"导入: {source}"
    for fid, rec in enumerate(recs, start=first_id):
        data = _fast_dumps(store._data_of(rec))
        code, state, lon, lat = rec["code"], rec["state"], rec.get("lon"), rec.get("lat")
        wkt, crs = rec.get("geometry_wkt"), rec.get("source_crs")
        codes += [(layer, scheme, c, fid) for scheme, c in record_codes(rec)]
        columns = {"layer": layer, "code": code, "state": state, "version": 1, "lon": lon, "lat": lat,
                   "geometry_wkt": wkt, "source_crs": crs, "created_by": user, "created_at": at, "updated_by": user,
                   "updated_at": at}
        audit.append((layer, code, fid, user, at, "create", None, None, _joined(_fast_dumps(columns), data), note))
        yield (fid, layer, code, rec.get("name"), state, lon, lat, wkt, crs, data, 1, user, at, user, at, source,
               *index_values(rec))


def _fast_dumps(value: dict[str, Any]) -> str:
    """``_dumps(value)`` read back as the same value, four times faster: orjson's compact text of a record of
    plain JSON values (what ``prepared`` gives), keys sorted, non-ASCII kept. Anything orjson would write
    differently from ``_dumps`` goes to ``_dumps``: dates and datetimes, subclasses of str/int/float/dict/list
    (numpy scalars, enums), dataclasses, integers beyond 64 bits, and NaN/infinity, which ``_dumps`` refuses
    and orjson would write as null (the texts differ only in spaces: ``{"a": 1}`` / ``{"a":1}``)."""
    try:
        text = _orjson.dumps(value, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _dumps(value)
    if "null" in text and _has_nonfinite(value):
        return _dumps(value)
    return text


def _has_nonfinite(value: Any) -> bool:
    if type(value) is float:
        return value != value or value in (_INF, -_INF)
    if type(value) is dict:
        return any(_has_nonfinite(v) for v in value.values())
    if type(value) is list:
        return any(_has_nonfinite(v) for v in value)
    return False


def _joined(first: str, second: str) -> str:
    """The JSON text of the object ``{**first, **second}`` from the texts of both (a key in both: the
    reader keeps the last, ``second``'s, as the dict merge does). The record's data is serialised once
    for its row and its audit entry (two thirds of the Python time of a 600,000-record load went to JSON)."""
    if second == "{}":
        return first
    return first[:-1] + "," + second[1:] if first != "{}" else second


def bulk_insert(store: SQLiteStore, layer: str, records: list[dict[str, Any]], user: str, source: str,
                progress: Callable[[str], None] = lambda _m: None) -> int:
    """Insert ``records`` into the empty ``layer`` of ``store`` in one transaction; returns how many."""
    recs = prepared(store, layer, records)
    progress(f"validated {len(recs):,} records")
    return write_prepared(store, layer, recs, user, source, progress)


def write_prepared(store: SQLiteStore, layer: str, recs: list[dict[str, Any]], user: str, source: str,
                   progress: Callable[[str], None] = lambda _m: None) -> int:
    """Write records that ``prepared`` returned into the empty ``layer``, in one transaction."""
    _check_layer(layer)
    user = _user_name(user)
    pg = getattr(store._conn, "dialect", "") == "postgresql"
    with store._write() as conn:
        first = _begin(conn, pg, layer)
        rebuild = _write_chunk(store, conn, pg, layer, space_ordered(recs), first, user, source, progress,
                               defer_from=DEFER_INDEXES_ROWS)
        _finish(conn, pg, rebuild, first + len(recs) - 1, progress)
    return len(recs)


def bulk_insert_chunks(store: SQLiteStore, layer: str, chunks: Iterable[list[dict[str, Any]]], user: str,
                       source: str, progress: Callable[[str], None] = lambda _m: None) -> int:
    """``bulk_insert`` of records that come chunk by chunk (a 600,000-outfall GeoPackage read 50,000 rows
    at a time): each chunk is validated, made into rows and written before the next is read, so memory
    holds one chunk, not the whole set. Still ONE transaction: a bad record in any chunk writes nothing
    (the chunks after it are still validated, and BulkValidationError lists the bad rows of all, numbered
    over the whole load); a code repeated in two chunks is a bad row. The secondary indexes are dropped
    before the first chunk and built after the last when the load is large (more than one chunk, or one of
    ``DEFER_INDEXES_ROWS`` records or more). Rows are ordered along a Z curve within each chunk."""
    _check_layer(layer)
    user = _user_name(user)
    pg = getattr(store._conn, "dialect", "") == "postgresql"
    chunks = iter(chunks)
    head = [c for c in (next(chunks, None), next(chunks, None)) if c is not None]
    defer = len(head) > 1 or (bool(head) and len(head[0]) >= DEFER_INDEXES_ROWS)
    seen: dict = {}
    bad: list[dict[str, Any]] = []
    rebuild: list[str] | None = None
    done = 0
    with store._write() as conn:
        first = _begin(conn, pg, layer)
        for chunk in itertools.chain(_taken(head), chunks):
            try:
                recs = prepared(store, layer, chunk, seen=seen, start=done)
            except BulkValidationError as exc:
                bad += exc.rows
                recs = []
            done += len(chunk)
            if bad:  # nothing more is written (the transaction is rolled back below); later chunks are checked
                continue
            written = _write_chunk(store, conn, pg, layer, space_ordered(recs), first + done - len(chunk), user,
                                   source, progress, defer_from=0 if defer and rebuild is None else None)
            rebuild = written if rebuild is None else rebuild
            progress(f"loaded {done:,} records")
        if bad:
            raise BulkValidationError("error.bulk_rows_bad", bad, count=len(bad), lines=bad_rows(bad[:20]))
        _finish(conn, pg, rebuild or [], first + done - 1, progress)
    return done


def _taken(items: list) -> Iterator:
    """The items of a list, each let go of once handed out (a written chunk is not kept)."""
    items.reverse()
    while items:
        yield items.pop()


def _begin(conn: Any, pg: bool, layer: str) -> int:
    """Inside the load's transaction: the layer must be empty; the id of its first row."""
    if pg:
        conn.execute_raw("LOCK TABLE features IN EXCLUSIVE MODE")
        _fast_compression(conn)
    if conn.execute("SELECT COUNT(*) FROM features WHERE layer=?", (layer,)).fetchone()[0]:
        raise ConfigError("error.bulk_layer_not_empty", layer=layer)
    return conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM features").fetchone()[0]


def _write_chunk(store: SQLiteStore, conn: Any, pg: bool, layer: str, recs: list[dict[str, Any]], first: int,
                 user: str, source: str, progress: Callable[[str], None], defer_from: int | None) -> list[str]:
    """Write the rows of prepared records (ids from ``first``); with ``defer_from``, the secondary indexes
    (and PostgreSQL foreign keys) of the still empty tables that get at least that many rows are dropped
    first and the statements that rebuild them returned."""
    codes: list[tuple] = []
    audit: list[tuple] = []
    features = _feature_rows(store, layer, recs, first, user, source, codes, audit)
    rebuild = [] if defer_from is None else _drop_indexes(
        conn, pg, [t for t in ("features", "codes", "audit") if len(recs) >= defer_from])
    # features first: writing them consumes the generator, which fills codes and audit
    for table, cols, rows in (("features", FEATURE_COLUMNS, features), ("codes", CODE_COLUMNS, codes),
                              ("audit", AUDIT_COLUMNS, audit)):
        if pg:
            conn.copy_rows(table, cols, rows)
        else:
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             rows)
        progress(f"made and wrote {len(recs):,} rows of features" if table == "features"
                 else f"wrote {len(rows):,} rows of {table}")
    return rebuild


def _finish(conn: Any, pg: bool, rebuild: list[str], last_id: int, progress: Callable[[str], None]) -> None:
    """Build the dropped indexes again and move the id sequence past the last row (same transaction)."""
    if rebuild:
        if pg:  # this transaction's sorts for the index builds (the server's default is small)
            conn.execute_raw(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        for statement in rebuild:
            conn.execute_raw(statement) if pg else conn.execute(statement)
        progress(f"built {len(rebuild)} indexes")
    if pg:
        conn.execute_raw("SELECT setval(pg_get_serial_sequence('features', 'id'), %s)", (max(1, last_id),))


DEFER_INDEXES_ROWS = 5_000  # from this many rows into an empty table, its indexes are built after the rows
INDEX_BUILD_MEMORY = "256MB"


def _drop_indexes(conn: Any, pg: bool, tables: list[str]) -> list[str]:
    """Drop the secondary indexes (and on PostgreSQL the foreign keys) of those ``tables`` that are empty
    (inside the load's transaction) and return the statements that build them again. Building an index
    once over all the rows is several times faster than updating it row by row (the GIST and JSON expression indexes of ``features``
    most of all); the indexes of constraints (primary keys, unique codes) stay and check every row.
    A table that already has rows keeps its indexes."""
    rebuild: list[str] = []
    keys: list[str] = []  # the foreign keys, added (and checked, in one join) after the indexes
    for table in tables:
        if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            continue
        if pg:
            rows = conn.execute_raw(
                "SELECT c.relname, pg_get_indexdef(ix.indexrelid) FROM pg_index ix "
                "JOIN pg_class c ON c.oid = ix.indexrelid WHERE ix.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid) "
                "ORDER BY c.relname", (table,)).fetchall()
        else:
            rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=? "
                                "AND sql IS NOT NULL ORDER BY name", (table,)).fetchall()
        for name, definition in rows:
            if pg:
                conn.execute_raw(f'DROP INDEX "{name}"')
            else:
                conn.execute(f'DROP INDEX "{name}"')
            rebuild.append(definition)
        if pg:  # its foreign keys too: PostgreSQL checks them row by row, a query and a row lock per row
            for name, definition in conn.execute_raw(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                    "AND contype = 'f' ORDER BY conname", (table,)).fetchall():
                conn.execute_raw(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                keys.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    return rebuild + keys


def _fast_compression(conn: Any) -> None:
    """PostgreSQL: compress this transaction's long values (the records' JSON, about 2-4 kB each with their
    monitoring history) with lz4 instead of pglz when the server has it: a third less of the COPY's time;
    values read back the same (each value keeps the method it was written with)."""
    if conn.execute_raw("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                        "AND 'lz4' = ANY(enumvals)").fetchone():
        conn.execute_raw("SET LOCAL default_toast_compression = 'lz4'")


def space_ordered(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records in the order of a Z curve over their points (records without a point last, in their
    order), so that the rows of neighbouring records land on neighbouring pages of the table: a map view
    (a box of a few thousand out of 600,000 outfalls) then reads a few hundred pages instead of one page
    per point (records are made and imported in code or file order, which is scattered over the city)."""
    import numpy as np

    n = len(recs)
    if n < DEFER_INDEXES_ROWS:
        return recs
    lon = np.array([r.get("lon") if r.get("lon") is not None else np.nan for r in recs], dtype=float)
    lat = np.array([r.get("lat") if r.get("lat") is not None else np.nan for r in recs], dtype=float)
    has = ~(np.isnan(lon) | np.isnan(lat))
    if not has.any():
        return recs
    key = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    key[has] = _morton(_cells(lon[has]), _cells(lat[has]))
    return [recs[i] for i in np.argsort(key, kind="stable")]


def _cells(v: Any) -> Any:
    """Values scaled to 0..65535 over their range."""
    import numpy as np

    lo, hi = float(v.min()), float(v.max())
    return np.round((v - lo) / ((hi - lo) or 1.0) * 65535).astype(np.int64)


def _morton(x: Any, y: Any) -> Any:
    """The Z-curve key of 16-bit cells: the bits of x and y interleaved."""
    def spread(v: Any) -> Any:
        v = (v | (v << 8)) & 0x00FF00FF
        v = (v | (v << 4)) & 0x0F0F0F0F
        v = (v | (v << 2)) & 0x33333333
        return (v | (v << 1)) & 0x55555555
    return spread(x) | (spread(y) << 1)
