"""gislib.store.bulk: load many new records into an EMPTY layer at once (seeding, basin sets, benchmarks).

Every record is normalised and validated exactly as ``Store.create`` does (``_prepare``); then the
rows of ``features``, ``codes`` and one ``create`` audit entry per record are written in ONE
transaction: ``COPY … FROM STDIN`` on PostgreSQL, ``executemany`` on SQLite. All or nothing: one
bad record, a code given twice or a layer that already has records writes nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gislib.errors import ConfigError
from gislib.store.sqlite import SQLiteStore, _check_layer, _dumps, _now, _user_name
from gislib.store.validators import BulkValidationError, bad_rows, record_codes

FEATURE_COLUMNS = ("id", "layer", "code", "name", "state", "lon", "lat", "geometry_wkt", "source_crs", "data",
                   "version", "created_by", "created_at", "updated_by", "updated_at", "source")
CODE_COLUMNS = ("layer", "scheme", "code", "feature_id")
AUDIT_COLUMNS = ("layer", "code", "feature_id", "user", "at", "action", "field", "old", "new", "note")


def prepared(store: SQLiteStore, layer: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every record normalised and validated as ``create`` does; BulkValidationError lists the bad rows."""
    _check_layer(layer)
    out, bad, seen = [], [], {}
    for i, record in enumerate(records):
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


def _rows(store: SQLiteStore, layer: str, recs: list[dict[str, Any]], first_id: int, user: str,
          source: str) -> tuple[list[tuple], list[tuple], list[tuple]]:
    at = _now()
    features, codes, audit = [], [], []
    for fid, rec in enumerate(recs, start=first_id):
        data = store._data_of(rec)
        features.append((fid, layer, rec["code"], rec.get("name"), rec["state"], rec.get("lon"), rec.get("lat"),
                         rec.get("geometry_wkt"), rec.get("source_crs"), _dumps(data), 1, user, at, user, at, source))
        codes += [(layer, scheme, code, fid) for scheme, code in record_codes(rec)]
        stored = {"layer": layer, "code": rec["code"], "state": rec["state"], "version": 1, "lon": rec.get("lon"),
                  "lat": rec.get("lat"), "geometry_wkt": rec.get("geometry_wkt"), "source_crs": rec.get("source_crs"),
                  "created_by": user, "created_at": at, "updated_by": user, "updated_at": at, **data}
        audit.append((layer, rec["code"], fid, user, at, "create", None, None, _dumps(stored), f"导入: {source}"))
    return features, codes, audit


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
        if pg:
            conn.execute_raw("LOCK TABLE features IN EXCLUSIVE MODE")
        if conn.execute("SELECT COUNT(*) FROM features WHERE layer=?", (layer,)).fetchone()[0]:
            raise ConfigError("error.bulk_layer_not_empty", layer=layer)
        first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM features").fetchone()[0]
        features, codes, audit = _rows(store, layer, recs, first, user, source)
        for table, cols, rows in (("features", FEATURE_COLUMNS, features), ("codes", CODE_COLUMNS, codes),
                                  ("audit", AUDIT_COLUMNS, audit)):
            if pg:
                conn.copy_rows(table, cols, rows)
            else:
                conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                 rows)
            progress(f"wrote {len(rows):,} rows of {table}")
        if pg:
            conn.execute_raw("SELECT setval(pg_get_serial_sequence('features', 'id'), %s)",
                             (max(1, first + len(recs) - 1),))
    return len(recs)
