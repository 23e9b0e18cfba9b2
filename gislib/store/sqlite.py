"""gislib.store.sqlite: the embedded SQLite backend of the record store (no server needed).

One file ``<data_dir>/hetu.sqlite`` in WAL mode with foreign keys on; the schema is in
``migrations.py``. Every write runs in one ``BEGIN IMMEDIATE`` transaction, so a failure rolls
back everything of that call. One ``SQLiteStore`` may be shared by threads (it serialises its
own calls); several stores (processes, officers) may open the same file at once.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson as _orjson

from gislib.domain import REMOVED_STATE
from gislib.errors import ConflictError, NotFoundError, Phrase, ValidationError
from gislib.services import merges, remediation
from gislib.services import workflow
from gislib.store.attachments import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    AttachmentFiles,
    check_content,
    clean_filename,
)
from gislib.store.base import Store
from gislib.store.queries import INDEX_COLUMNS, PAGE_FILTERS, StoreQueries, field_sql, index_values
from gislib.store.migrations import migrate
from gislib.store.patrols import SQLitePatrols
from gislib.store.repos import SQLiteDustReadings, SQLiteSamples
from gislib.store.validators import (
    LAYERS,
    META_FIELDS,
    BulkValidationError,
    RecordValidationError,
    bad_rows,
    field_problems,
    normalize_record,
    parse_date,
    record_codes,
    validate_record,
)

DB_FILENAME = "hetu.sqlite"
SCHEME_LABEL = {"key": "编码", "national": "国家统一编码", "local": "地方编码", "former": "历史编码",
                "permit_outlet": "排污许可排放口编码"}
# Columns of ``features`` that a caller may set through create/update/upsert.
GEOMETRY_FIELDS = ("lon", "lat", "geometry_wkt", "source_crs")
READ_ONLY_FIELDS = ("layer", "version", "created_by", "created_at", "updated_by", "updated_at")
IMPORT_BATCH_ROWS = 200  # rows per write transaction of an import: officers' saves wait at most one batch
IMPORT_BATCH_PAUSE_S = 0.005
IMPORT_MEMORY_KINDS = ("columns", "values")
SORTABLE_COLUMNS = ("code", "name", "state", "version", "created_at", "updated_at", "lon", "lat")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"{type(value).__name__} 无法保存为 JSON")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default, allow_nan=False)


def _loads(text: str | None) -> Any:
    """``json.loads(text)`` (None for None), by orjson: several times faster (a ledger export of 60,000
    records spent 2 s reading their JSON). What orjson refuses and the json module reads (integers beyond
    64 bits, NaN, lone surrogates) goes to the json module: the value is always the one ``json.loads`` gives."""
    if text is None:
        return None
    try:
        return _orjson.loads(text)
    except _orjson.JSONDecodeError:
        return json.loads(text)


def _user_name(user: Any) -> str:
    if isinstance(user, dict):
        user = user.get("username") or user.get("name")
    if not isinstance(user, str) or not user.strip():
        raise ValidationError("error.user_required", field="user")
    return user.strip()


def _check_layer(layer: str) -> None:
    if layer not in LAYERS:
        raise ValidationError("error.store_layer_unknown", field="layer", layer=layer, layers=list(LAYERS))


def _canonical(value: Any) -> Any:
    """JSON round trip: dates become ISO text, tuples lists, numpy scalars Python numbers. A record of
    plain JSON values (most of them) is copied as the round trip would give it, without the text (half
    of the time of validating 600,000 records went to the round trip)."""
    try:
        return _plain_copy(value)
    except (_NotPlain, RecursionError):
        return json.loads(_dumps(value))


class _NotPlain(Exception):
    """A value the JSON round trip would change or refuse (dates, numpy, NaN, non-text keys...)."""


def _plain_copy(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise _NotPlain
        return value
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise _NotPlain
        return {k: _plain_copy(value[k]) for k in sorted(value)}
    if kind is list or kind is tuple:
        return [_plain_copy(v) for v in value]
    raise _NotPlain


def _overdue_sql(today: dt.date | None) -> tuple[str, list[Any]]:
    """SQL of ``workflow.is_overdue`` for outfalls: 整治中 with an (ISO) deadline before ``today``."""
    day = (today or dt.date.today()).isoformat()
    return ("(f.state = ? AND COALESCE(date(json_extract(f.data, '$.remediation.deadline')) < ?, 0))",
            [workflow.REMEDIATION_STATE, day])


def _json_key(field: str) -> str:
    """A record field name safe inside a JSON path (letters, digits and _ only)."""
    if not field.replace("_", "").isalnum() or not field.isascii():
        raise ValidationError("error.sort_field", field="sort", name=field)
    return field


def _column_of(field: str) -> str:
    """The SQL of a record field on ``features f``: its column (the record's columns, the ``ix_`` columns of
    the indexed fields) or its value in the record's JSON."""
    if field in SORTABLE_COLUMNS:
        return f"f.{field}"
    return field_sql(field) or f"json_extract(f.data, '$.{_json_key(field)}')"


_META = frozenset(META_FIELDS)  # the record fields kept in columns of ``features``, not in ``data``


def _record_columns(omit: tuple[str, ...] | list[str] = ()) -> str:
    """The select list of ``features f`` for ``_record``: every column, or, with fields to ``omit``, the
    record's columns and its JSON without those fields (``json_remove``; PostgreSQL: ``jsonb - key``)."""
    if not omit:
        return "f.*"
    paths = ", ".join(f"'$.{_json_key(k)}'" for k in omit)
    return ", ".join(f"f.{c}" for c in META_FIELDS) + f", json_remove(f.data, {paths}) AS data"


def connect(db_path: Path) -> tuple[sqlite3.Connection, int]:
    """Open and migrate the SQLite file ``db_path``: (autocommit connection usable by threads, schema
    version). The record store and the account repository (``gislib.store.accounts``) open it so."""
    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn, migrate(conn)


class SQLiteStore(StoreQueries, Store):
    """The default Store: one SQLite file, WAL mode, foreign keys on."""

    def __init__(self, data_dir: Path, max_attachment_bytes: int = DEFAULT_MAX_BYTES,
                 max_image_pixels: int = DEFAULT_MAX_PIXELS):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.max_attachment_bytes = max_attachment_bytes
        self.max_image_pixels = max_image_pixels
        self.files = AttachmentFiles(self.data_dir / "attachments")
        self._lock = threading.RLock()
        self._conn, self.schema_version = self._connect()
        self._depth = 0  # nesting of _write(): inner writes join the outer transaction
        self.samples = SQLiteSamples(self)
        self.dust_readings = SQLiteDustReadings(self)
        self.patrols = SQLitePatrols(self)

    def _connect(self) -> tuple[Any, int]:
        """Open and migrate the database: (connection, schema version). PostgresStore overrides it."""
        self.db_path = self.data_dir / DB_FILENAME
        return connect(self.db_path)

    def _for_update(self, alias: str = "") -> str:
        """Row lock for a read inside a write (PostgreSQL); SQLite's BEGIN IMMEDIATE already serialises."""
        return ""

    # ------------------------------------------------------------------ plumbing
    def vacuum_into(self, path: Path) -> None:
        """Write a compact copy of the whole store to ``path`` (replaced if present)."""
        path = Path(path)
        path.unlink(missing_ok=True)
        with self._lock:
            self._conn.execute("VACUUM INTO ?", (str(path),))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: COMMIT on success, ROLLBACK of everything on any error.

        Nested inside another ``_write`` (or ``transaction()``) it joins the outer transaction.
        Every transaction that changed a row bumps the store revision before it commits."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            changes = self._conn.total_changes
            try:
                yield self._conn
                if self._conn.total_changes != changes:  # a call that wrote nothing keeps the revision
                    self._conn.execute("UPDATE store_revision SET revision = revision + 1 WHERE id = 1")
            except BaseException:
                self._depth = 0
                self._conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self._conn.execute("COMMIT")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._write():
            yield

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Skip the fsync of each transaction while seeding (WAL mode: a crash mid-way leaves a partly
        seeded store, never a damaged file), then restore the setting."""
        with self._lock:
            sync = self._conn.execute("PRAGMA synchronous").fetchone()[0]
            self._conn.execute("PRAGMA synchronous=OFF")
        try:
            yield  # other threads' calls still run between the load's transactions
        finally:
            with self._lock:
                self._conn.execute(f"PRAGMA synchronous={int(sync)}")

    def revision(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT revision FROM store_revision WHERE id = 1").fetchone()[0])

    def _row(self, layer: str, code: str) -> sqlite3.Row | None:
        """The features row for ``code``: the record key, else national, local, other, former codes."""
        row = self._conn.execute("SELECT * FROM features WHERE layer=? AND code=?" + self._for_update(),
                                 (layer, code)).fetchone()
        if row is None:
            row = self._conn.execute(
                "SELECT f.* FROM codes c JOIN features f ON f.id=c.feature_id "
                "WHERE c.layer=? AND c.code=? ORDER BY CASE c.scheme WHEN 'national' THEN 0 "
                "WHEN 'local' THEN 1 WHEN 'former' THEN 3 ELSE 2 END, c.scheme LIMIT 1" + self._for_update("f"),
                (layer, code)).fetchone()
        return row

    def _require(self, layer: str, code: str) -> sqlite3.Row:
        _check_layer(layer)
        row = self._row(layer, str(code))
        if row is None:
            raise NotFoundError("error.record_not_found", layer=layer, code=code)
        return row

    @staticmethod
    def _record(row: sqlite3.Row) -> dict[str, Any]:
        rec: dict[str, Any] = {k: row[k] for k in (
            "layer", "code", "state", "version", "lon", "lat", "geometry_wkt", "source_crs",
            "created_by", "created_at", "updated_by", "updated_at")}
        for key, value in _loads(row["data"]).items():
            rec.setdefault(key, value)
        return rec

    def _audit(self, feature_id: int, layer: str, code: str, user: str, at: str, action: str,
               field: str | None, old: Any, new: Any, note: str | None = None) -> None:
        self._conn.execute(
            "INSERT INTO audit (layer, code, feature_id, user, at, action, field, old, new, note) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            (layer, code, feature_id, user, at, action, field,
             None if old is None else _dumps(old), None if new is None else _dumps(new), note))

    # ------------------------------------------------------------------ preparing records
    def _prepare(self, layer: str, record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Normalise and validate a full record; return it (canonical JSON types) and its problems."""
        rec = normalize_record(layer, record)
        for key in READ_ONLY_FIELDS:
            rec.pop(key, None)
        errors = validate_record(layer, rec)
        try:
            rec = _canonical(rec)
        except (TypeError, ValueError) as exc:
            errors["data"] = f"记录含无法保存的值 ({exc}): use text, numbers, dates, lists or dicts"
            return rec, errors
        if "code" in rec:
            rec["code"] = str(rec["code"]).strip()
        wkt = rec.get("geometry_wkt")
        if wkt and rec.get("lon") is None and "geometry_wkt" not in errors:
            import shapely

            geom = shapely.from_wkt(wkt)
            if geom.geom_type == "Point":
                rec["lon"], rec["lat"], rec["geometry_wkt"] = geom.x, geom.y, None
        for key in ("lon", "lat"):
            if rec.get(key) is not None and f"{key}" not in errors:
                rec[key] = float(rec[key])
        rec.setdefault("source_crs", "EPSG:4326")
        state = rec.get("state") or workflow.INITIAL_STATE.get(layer)
        rec["state"] = state
        if layer in LAYERS and state not in workflow.layer_states(layer):
            errors["state"] = f"状态 {state!r} 无效; 可选: {'、'.join(workflow.layer_states(layer))}"
        for key, problem in remediation.record_problems(layer, rec).items():
            errors.setdefault(key, problem)
        return rec, errors

    def _code_clashes(self, layer: str, rec: dict[str, Any], feature_id: int | None) -> dict[str, str]:
        """Codes of ``rec`` that another record of the layer already holds, in the same scheme or,
        for key/national/local/permit codes, in any of those schemes (a code names one record)."""
        errors: dict[str, str] = {}
        cross = ("key", "national", "local", "permit_outlet")
        for scheme, code in record_codes(rec):
            schemes = cross if scheme in cross else (scheme,)
            row = self._conn.execute(
                f"SELECT f.code, c.scheme FROM codes c JOIN features f ON f.id=c.feature_id "
                f"WHERE c.layer=? AND c.scheme IN ({','.join('?' * len(schemes))}) AND c.code=? "
                "AND c.feature_id IS NOT ? LIMIT 1",
                (layer, *schemes, code, feature_id)).fetchone()
            if row:
                field = {"key": "code", "national": "national_code", "local": "local_code",
                         "former": "former_codes", "permit_outlet": "permit_outlet_code"}.get(scheme, scheme)
                what = SCHEME_LABEL.get(scheme, scheme)
                theirs = SCHEME_LABEL.get(row["scheme"], row["scheme"])
                hint = ("use update/upsert to change it" if scheme == row["scheme"] == "key"
                        else "each code may belong to one record")
                errors[field] = f"{what} {code!r} 已是记录 {row['code']} 的{theirs}: {hint}"
        return errors

    def _write_codes(self, layer: str, rec: dict[str, Any], feature_id: int) -> None:
        self._conn.execute("DELETE FROM codes WHERE feature_id=?", (feature_id,))
        self._conn.executemany(
            "INSERT INTO codes (layer, scheme, code, feature_id) VALUES (?,?,?,?)",
            [(layer, scheme, code, feature_id) for scheme, code in record_codes(rec)])

    @staticmethod
    def _data_of(rec: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in rec.items() if k not in _META}

    def _insert(self, layer: str, rec: dict[str, Any], user: str, at: str, source: str | None) -> dict[str, Any]:
        cur = self._conn.execute(
            "INSERT INTO features (layer, code, name, state, lon, lat, geometry_wkt, source_crs, data, "
            f"version, created_by, created_at, updated_by, updated_at, source, {', '.join(INDEX_COLUMNS)}) "
            f"VALUES (?,?,?,?,?,?,?,?,?,1,?,?,?,?,?{',?' * len(INDEX_COLUMNS)})",
            (layer, rec["code"], rec.get("name"), rec["state"], rec.get("lon"), rec.get("lat"),
             rec.get("geometry_wkt"), rec.get("source_crs"), _dumps(self._data_of(rec)),
             user, at, user, at, source, *index_values(rec)))
        fid = cur.lastrowid
        self._write_codes(layer, rec, fid)
        stored = self._record(self._conn.execute("SELECT * FROM features WHERE id=?", (fid,)).fetchone())
        self._audit(fid, layer, rec["code"], user, at, "create", None, None, stored,
                    f"导入: {source}" if source else None)
        return stored

    def _save(self, row: sqlite3.Row, rec: dict[str, Any], user: str, at: str, action: str,
              note: str | None, source: str | None = None) -> dict[str, Any]:
        """Write a changed record over ``row`` (version + 1) with one audit entry per changed field."""
        current = self._record(row)
        layer = row["layer"]
        skip = set(READ_ONLY_FIELDS)
        changed = sorted(k for k in set(current) | set(rec)
                         if k not in skip and current.get(k) != rec.get(k))
        if not changed:
            return current
        self._conn.execute(
            "UPDATE features SET code=?, name=?, state=?, lon=?, lat=?, geometry_wkt=?, source_crs=?, "
            "data=?, version=version+1, updated_by=?, updated_at=?, source=COALESCE(?, source), "
            + "".join(f"{c}=?, " for c in INDEX_COLUMNS)[:-2] + " WHERE id=?",
            (rec["code"], rec.get("name"), rec["state"], rec.get("lon"), rec.get("lat"),
             rec.get("geometry_wkt"), rec.get("source_crs"), _dumps(self._data_of(rec)), user, at,
             source, *index_values(rec), row["id"]))
        self._write_codes(layer, rec, row["id"])
        for field in changed:
            self._audit(row["id"], layer, rec["code"], user, at, action, field,
                        current.get(field), rec.get(field), note)
        return self._record(self._conn.execute("SELECT * FROM features WHERE id=?", (row["id"],)).fetchone())

    def _merge(self, row: sqlite3.Row, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The current record with ``changes`` applied (``services.merges``), validated."""
        merged, errors = merges.merge_changes(row["layer"], self._record(row), changes, READ_ONLY_FIELDS)
        rec, problems = self._prepare(row["layer"], merged)
        errors.update(problems)
        return rec, errors

    # ------------------------------------------------------------------ records
    def create(self, layer: str, record: dict[str, Any], user: str) -> dict[str, Any]:
        _check_layer(layer)
        user = _user_name(user)
        with self._write():
            rec, errors = self._prepare(layer, record)
            if not errors:
                errors = self._code_clashes(layer, rec, None)
            if errors:
                raise RecordValidationError("error.record_invalid", errors, code=record.get("code"), count=len(errors),
                                                problems=field_problems(errors))
            return self._insert(layer, rec, user, _now(), None)

    def get(self, layer: str, code: str) -> dict[str, Any]:
        with self._lock:
            return self._record(self._require(layer, code))

    def count(self, layer: str, include_removed: bool = False) -> int:
        _check_layer(layer)
        sql = "SELECT COUNT(*) FROM features WHERE layer=?"
        if not include_removed:
            sql += " AND state != ?"
        with self._lock:
            args = (layer,) if include_removed else (layer, REMOVED_STATE)
            return self._conn.execute(sql, args).fetchone()[0]

    @staticmethod
    def _where(layer: str, subdistrict: str | None, river: str | None, type_l1: str | None, state: str | None,
               text: str | None, include_removed: bool, overdue: bool | None = None,
               today: dt.date | None = None) -> tuple[list[str], list[Any]]:
        """The SQL conditions (on ``features f``) of the ``list`` filters (``overdue`` only when asked:
        ``list`` checks it in Python with ``workflow.is_overdue``)."""
        _check_layer(layer)
        where, args = ["f.layer=?"], [layer]
        if state:
            where.append("f.state=?")
            args.append(state)
        elif not include_removed:
            where.append("f.state!=?")
            args.append(REMOVED_STATE)
        for field, value in zip(PAGE_FILTERS, (subdistrict, river, type_l1)):
            if value:
                where.append(f"{field_sql(field)}=?")
                args.append(value)
        if text:
            escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = f"%{escaped}%"
            where.append("(f.code LIKE ? ESCAPE '\\' OR f.name LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 "
                         "FROM codes c WHERE c.feature_id=f.id AND c.code LIKE ? ESCAPE '\\'))")
            args += [like, like, like]
        if overdue is not None:
            clause, clause_args = _overdue_sql(today)
            where.append(clause if overdue else f"NOT {clause}")
            args += clause_args
        return where, args

    def list(self, layer: str, *, subdistrict: str | None = None, river: str | None = None,
             type_l1: str | None = None, state: str | None = None, overdue: bool | None = None,
             text: str | None = None, sort: str = "code", include_removed: bool = False,
             today: dt.date | None = None) -> list[dict[str, Any]]:
        where, args = self._where(layer, subdistrict, river, type_l1, state, text, include_removed)
        with self._lock:
            rows = self._conn.execute(f"SELECT f.* FROM features f WHERE {' AND '.join(where)}", args).fetchall()
        records = [self._record(r) for r in rows]
        if overdue is not None:
            day = today or dt.date.today()
            records = [r for r in records if workflow.is_overdue(r, day) == bool(overdue)]
        reverse = sort.startswith("-")
        key = sort.lstrip("-") or "code"

        def sort_key(r: dict[str, Any]) -> tuple:
            v = r.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return (v is None, 0, float(v), "", r["code"])
            return (v is None, 1, 0.0, "" if v is None else str(v), r["code"])

        records.sort(key=sort_key, reverse=reverse)
        return records

    def page(self, layer: str, *, offset: int = 0, limit: int = 50, sort: str = "code",
             today: dt.date | None = None, subdistrict: str | None = None, river: str | None = None,
             type_l1: str | None = None, state: str | None = None, overdue: bool | None = None,
             text: str | None = None, include_removed: bool = False,
             omit: tuple[str, ...] = ()) -> tuple[int, list[dict[str, Any]]]:
        """One page of ``list``: (how many records match, the ``limit`` records from ``offset``), filtered,
        sorted and cut in SQL, so that the first page of 60,000 outfalls does not read them all.
        ``omit``: record fields left out of the records, in the store (the ledger and its export never show an
        outfall's monitoring history, the bulk of its stored text).
        ``sort`` as in ``list`` (a field, "-" for descending; records without the field come first) or
        "overdue" (overdue first, the earliest deadline first, then the others by code)."""
        where, args = self._where(layer, subdistrict, river, type_l1, state, text, include_removed, overdue, today)
        desc = sort.startswith("-")
        key = sort.lstrip("-") or "code"
        direction = "DESC" if desc else "ASC"
        columns = _record_columns(omit)
        if key == "overdue":
            return self._page_overdue_first(where, args, offset, limit, desc, today, columns)
        # the bare column or JSON expression, so that SQLite walks its index (missing values sort first)
        column = _column_of(key)
        return self._page_sql(where, args, f"{column} {direction}, f.code {direction}", offset, limit, columns)

    def _page_sql(self, where: list[str], args: list[Any], order: str, offset: int,
                  limit: int, columns: str = "f.*") -> tuple[int, list[dict[str, Any]]]:
        sql_where = " AND ".join(where)
        with self._lock:
            total = self._conn.execute(f"SELECT COUNT(*) FROM features f WHERE {sql_where}", args).fetchone()[0]
            rows = self._conn.execute(f"SELECT {columns} FROM features f WHERE {sql_where} ORDER BY {order} "
                                      "LIMIT ? OFFSET ?", [*args, max(0, int(limit)), max(0, int(offset))]).fetchall()
        return total, [self._record(r) for r in rows]

    def _page_overdue_first(self, where: list[str], args: list[Any], offset: int, limit: int, desc: bool,
                            today: dt.date | None, columns: str = "f.*") -> tuple[int, list[dict[str, Any]]]:
        """Overdue records first (earliest deadline first), then the others by code; the reverse when
        ``desc``. Two indexed queries instead of sorting every record."""
        clause, clause_args = _overdue_sql(today)
        deadline = "json_extract(f.data, '$.remediation.deadline')"
        parts = [([*where, clause], [*args, *clause_args], f"{deadline} ASC, f.code ASC"),
                 ([*where, f"NOT {clause}"], [*args, *clause_args], "f.code ASC")]
        if desc:
            parts = [(w, a, o.replace("ASC", "DESC")) for w, a, o in reversed(parts)]
        total, rows = 0, []
        for part_where, part_args, order in parts:
            n, got = self._page_sql(part_where, part_args, order, max(0, offset - total), limit - len(rows), columns)
            rows += got
            total += n
        return total, rows

    def distinct(self, layer: str, field: str) -> list[str]:
        """The distinct non-empty values of a record field over the live records, sorted."""
        _check_layer(layer)
        column = _column_of(field)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT DISTINCT {column} AS v FROM features f WHERE f.layer=? AND f.state!=? "
                f"AND {column} IS NOT NULL AND {column} != '' ORDER BY v", (layer, REMOVED_STATE)).fetchall()
        return [str(r[0]) for r in rows]

    def count_by(self, layer: str, field: str, **filters: Any) -> dict[str, int]:
        """How many records of ``list(layer, **filters)`` have each value of ``field`` (in SQL)."""
        where, args = self._where(layer, filters.get("subdistrict"), filters.get("river"), filters.get("type_l1"),
                                  filters.get("state"), filters.get("text"), filters.get("include_removed", False),
                                  filters.get("overdue"), filters.get("today"))
        column = _column_of(field)
        with self._lock:
            rows = self._conn.execute(f"SELECT {column}, COUNT(*) FROM features f WHERE {' AND '.join(where)} "
                                      f"GROUP BY {column}", args).fetchall()
        return {r[0]: r[1] for r in rows}

    def update(self, layer: str, code: str, changes: dict[str, Any], expected_version: int,
               user: str) -> dict[str, Any]:
        user = _user_name(user)
        if not isinstance(changes, dict):
            raise ValidationError("error.changes_not_dict", field="changes")
        conflict: dict[str, Any] | None = None
        with self._write():
            row = self._require(layer, code)
            if row["version"] != expected_version:
                conflict = self._record(row)
            else:
                rec, errors = self._merge(row, changes)
                if not errors:
                    errors = self._code_clashes(layer, rec, row["id"])
                if errors:
                    raise RecordValidationError("error.change_invalid", errors, code=row["code"], count=len(errors),
                                                problems=field_problems(errors))
                return self._save(row, rec, user, _now(), "update", None)
        self._keep_conflict(layer, conflict, user, expected_version, changes)
        raise ConflictError("error.edit_conflict", mine=dict(changes), theirs=conflict, layer=layer,
                            code=conflict["code"], user=conflict["updated_by"], at=conflict["updated_at"],
                            version=expected_version, latest=conflict["version"])

    def _keep_conflict(self, layer: str, theirs: dict[str, Any], user: str,
                       expected_version: int | None, mine: dict[str, Any]) -> None:
        with self._write():
            self._conn.execute(
                "INSERT INTO conflicts (layer, code, user, at, expected_version, current_version, mine, theirs) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (layer, theirs["code"], user, _now(), expected_version, theirs["version"],
                 json.dumps(mine, ensure_ascii=False, default=str), _dumps(theirs)))

    def _upsert_one(self, layer: str, record: Any, user: str, at: str, source: str,
                    expected_version: int | None = None) -> tuple[str, Any]:
        """Insert or update one record inside the caller's transaction.

        Returns ("inserted"|"updated"|"unchanged", record), ("invalid", {field: problem}) or
        ("conflict", the stored record) when ``expected_version`` is given and differs."""
        if not isinstance(record, dict):
            return "invalid", {"record": "行数据应为字典"}
        code = str(record.get("code") or "").strip()
        row = self._conn.execute("SELECT * FROM features WHERE layer=? AND code=?" + self._for_update(),
                                 (layer, code)).fetchone() if code else None
        if row is not None and expected_version is not None and row["version"] != expected_version:
            return "conflict", self._record(row)
        if row is None:
            rec, errors = self._prepare(layer, record)
        else:
            incoming = normalize_record(layer, record)
            if incoming.get("state") and incoming["state"] != row["state"]:
                return "invalid", {"state": f"导入状态 {incoming['state']} 与当前状态 {row['state']} 不同: "
                                            "change states with transition(), not by import"}
            rec, errors = self._merge(row, {k: v for k, v in incoming.items() if k != "state"})
        if not errors:
            errors = self._code_clashes(layer, rec, row["id"] if row else None)
        if errors:
            return "invalid", errors
        if row is None:
            return "inserted", self._insert(layer, rec, user, at, source)
        saved = self._save(row, rec, user, at, "update", f"导入: {source}", source)
        return ("updated" if saved["version"] != row["version"] else "unchanged"), saved

    def upsert_many(self, layer: str, records: list[dict[str, Any]], user: str,
                    source: str) -> dict[str, int]:
        _check_layer(layer)
        user = _user_name(user)
        counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        bad: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        at = _now()
        with self._write():
            for i, record in enumerate(records):
                code = str(record.get("code") or "").strip() if isinstance(record, dict) else ""
                if code and code in seen:
                    bad.append({"index": i, "code": code, "errors": {
                        "code": f"编码 {code} 在本批数据中重复 (第 {seen[code] + 1} 行已出现): keep one row"}})
                    continue
                if code:
                    seen[code] = i
                outcome, detail = self._upsert_one(layer, record, user, at, source)
                if outcome == "invalid":
                    bad.append({"index": i, "code": code or None, "errors": detail})
                else:
                    counts[outcome] += 1
            if bad:
                more = Phrase("error.bulk_more", count=len(bad) - 20) if len(bad) > 20 else ""
                raise BulkValidationError("error.import_rows_bad", bad, count=len(bad), lines=bad_rows(bad[:20]),
                                          more=more)
        return counts

    def import_records(self, layer: str, records: list[dict[str, Any]], user: str, source: str, *,
                       expected_versions: dict[str, int] | None = None,
                       batch_size: int = IMPORT_BATCH_ROWS) -> dict[str, Any]:
        _check_layer(layer)
        user = _user_name(user)
        versions = expected_versions or {}
        result: dict[str, Any] = {"inserted": 0, "updated": 0, "unchanged": 0, "refused": [], "conflicts": []}
        seen: set[str] = set()
        for start in range(0, len(records), max(1, batch_size)):
            if start:
                time.sleep(IMPORT_BATCH_PAUSE_S)  # let officers' saves in between batches
            kept: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
            with self._write():
                at = _now()
                for i in range(start, min(start + batch_size, len(records))):
                    record = records[i]
                    code = str(record.get("code") or "").strip() if isinstance(record, dict) else ""
                    if code in seen:
                        result["refused"].append({"index": i, "code": code, "errors": {
                            "code": f"编码 {code} 在本批数据中重复: keep one row"}})
                        continue
                    seen.add(code)
                    outcome, detail = self._upsert_one(layer, record, user, at, source, versions.get(code))
                    if outcome == "invalid":
                        result["refused"].append({"index": i, "code": code or None, "errors": detail})
                    elif outcome == "conflict":
                        kept.append((code, detail, record))
                        result["conflicts"].append({"index": i, "code": code, "expected_version": versions[code],
                                                    "current_version": detail["version"],
                                                    "updated_by": detail["updated_by"],
                                                    "updated_at": detail["updated_at"]})
                    else:
                        result[outcome] += 1
            for code, theirs, mine in kept:
                self._keep_conflict(layer, theirs, user, versions[code], {**mine, "_source": source})
        return result

    # ------------------------------------------------------------------ import memory
    def remember_import(self, user: str, source_key: str, kind: str, data: dict[str, Any]) -> None:
        user = _user_name(user)
        if kind not in IMPORT_MEMORY_KINDS:
            raise ValidationError("error.import_memory_kind", field="kind", kind=kind, choices=list(IMPORT_MEMORY_KINDS))
        with self._write():
            self._conn.execute(
                "INSERT INTO import_memory (user, source_key, kind, data, updated_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT (user, source_key, kind) DO UPDATE SET data=excluded.data, updated_at=excluded.updated_at",
                (user, str(source_key), kind, _dumps(data), _now()))

    def recall_import(self, user: str, source_key: str, kind: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM import_memory WHERE source_key=? AND kind=? "
                "ORDER BY user=? DESC, updated_at DESC LIMIT 1", (str(source_key), kind, str(user))).fetchone()
        return None if row is None else _loads(row["data"])

    # ------------------------------------------------------------------ workflow
    def transition(self, layer: str, code: str, to_state: str, user: str, date: Any, note: str | None,
                   evidence: Sequence[str] = (), expected_version: int | None = None,
                   remediation_kind: str | None = None, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        user = _user_name(user)
        if isinstance(evidence, str):
            evidence = [evidence]
        evidence = [str(e) for e in (evidence or ()) if e]
        conflict: dict[str, Any] | None = None
        with self._write():
            row = self._require(layer, code)
            if expected_version is not None and row["version"] != expected_version:
                conflict = self._record(row)
            else:
                last = self._conn.execute("SELECT MAX(date) FROM transitions WHERE feature_id=?",
                                          (row["id"],)).fetchone()[0]
                rec = self._record(row)
                if changes:  # fields set together with the step (e.g. 交办: unit, measures, deadline)
                    rec, errors = self._merge(row, changes)
                    if errors:
                        raise RecordValidationError("error.step_fields_invalid", errors, code=row["code"], count=len(errors),
                                                    problems=field_problems(errors))
                when = workflow.check_transition(
                    layer, row["state"], to_state, user, date, note, evidence, remediation_kind,
                    last_date=parse_date(last), record=rec)
                if layer == "problems":
                    from gislib.problems.model import on_transition

                    on_transition(rec, row["state"], to_state, when)
                rec = remediation.apply_step(layer, rec, to_state, when, note, remediation_kind)
                at = _now()
                action = "remove" if to_state == REMOVED_STATE else "transition"
                self._conn.execute(
                    "INSERT INTO transitions (feature_id, layer, code, from_state, to_state, user, date, at, "
                    "note, evidence, remediation_kind) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (row["id"], layer, row["code"], row["state"], to_state, user, when.isoformat(), at,
                     note, _dumps(evidence), remediation_kind))
                full_note = (note or "") + (f" [佐证: {', '.join(evidence)}]" if evidence else "")
                return self._save(row, rec, user, at, action, f"{when.isoformat()} {full_note}".strip())
        mine = {"to_state": to_state, "date": str(date), "note": note, "evidence": evidence,
                "remediation_kind": remediation_kind}
        self._keep_conflict(layer, conflict, user, expected_version, mine)
        raise ConflictError("error.state_conflict", mine=mine, theirs=conflict, layer=layer, code=conflict["code"],
                            user=conflict["updated_by"], version=expected_version, latest=conflict["version"],
                            state=conflict["state"])

    def allowed_transitions(self, layer: str, code: str) -> tuple[str, ...]:
        with self._lock:
            row = self._require(layer, code)
        return workflow.allowed_transitions(layer, row["state"])

    def transitions(self, layer: str, code: str) -> list[dict[str, Any]]:
        with self._lock:
            row = self._require(layer, code)
            rows = self._conn.execute("SELECT * FROM transitions WHERE feature_id=? ORDER BY id",
                                      (row["id"],)).fetchall()
        return [{**{k: r[k] for k in r.keys() if k not in ("id", "feature_id")},
                 "evidence": _loads(r["evidence"])} for r in rows]

    def overdue(self, today: dt.date | str) -> list[dict[str, Any]]:
        day = parse_date(today)
        if day is None:
            raise ValidationError("error.date_unreadable", field="today", value=today)
        return [r for r in self.list("outfalls", state=workflow.REMEDIATION_STATE)
                if workflow.is_overdue(r, day)]

    # ------------------------------------------------------------------ audit and conflicts
    def audit(self, layer: str, code: str) -> list[dict[str, Any]]:
        with self._lock:
            row = self._require(layer, code)
            rows = self._conn.execute("SELECT * FROM audit WHERE feature_id=? ORDER BY id DESC",
                                      (row["id"],)).fetchall()
        return [{"layer": r["layer"], "code": r["code"], "user": r["user"], "at": r["at"],
                 "action": r["action"], "field": r["field"], "old": _loads(r["old"]),
                 "new": _loads(r["new"]), "note": r["note"]} for r in rows]

    def conflicts(self, layer: str | None = None, code: str | None = None) -> list[dict[str, Any]]:
        where, args = [], []
        if layer:
            where.append("layer=?")
            args.append(layer)
        if code:
            where.append("code=?")
            args.append(code)
        sql = "SELECT * FROM conflicts" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id DESC"
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [{**{k: r[k] for k in r.keys()}, "mine": _loads(r["mine"]), "theirs": _loads(r["theirs"]),
                 "resolved": bool(r["resolved"])} for r in rows]

    def resolve_conflict(self, conflict_id: int, user: str) -> None:
        _user_name(user)
        with self._write():
            cur = self._conn.execute("UPDATE conflicts SET resolved=1 WHERE id=?", (conflict_id,))
            if cur.rowcount == 0:
                raise NotFoundError("error.conflict_not_found", id=conflict_id)

    # ------------------------------------------------------------------ attachments
    def attach(self, layer: str, code: str, filename: str, data: bytes, user: str,
               kind: str = "photo") -> dict[str, Any]:
        user = _user_name(user)
        filename = clean_filename(filename)  # no NUL/CR/LF/folders, ≤ 120 characters
        with self._lock:
            self._require(layer, code)  # fail fast before hashing a large file
        checked = check_content(filename, data, kind, self.max_attachment_bytes, self.max_image_pixels)
        with self._write():
            row = self._require(layer, code)
            link = self._conn.execute("SELECT * FROM attachments WHERE feature_id=? AND sha256=?",
                                      (row["id"], checked.sha256)).fetchone()
            file_existed = self.files.save(checked, bytes(data))
            if link is None:
                at = _now()
                self._conn.execute(
                    "INSERT INTO attachments (feature_id, layer, code, sha256, filename, kind, mime, size, "
                    "has_thumbnail, user, at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (row["id"], layer, row["code"], checked.sha256, filename, kind, checked.mime,
                     checked.size, int(checked.thumbnail is not None), user, at))
                self._audit(row["id"], layer, row["code"], user, at, "attach", "attachments", None,
                            {"sha256": checked.sha256, "filename": filename, "kind": kind,
                             "mime": checked.mime, "size": checked.size})
                link = self._conn.execute("SELECT * FROM attachments WHERE feature_id=? AND sha256=?",
                                          (row["id"], checked.sha256)).fetchone()
        info = self._attachment(link)
        info["deduplicated"] = file_existed
        return info

    def _attachment(self, r: sqlite3.Row) -> dict[str, Any]:
        info = {k: r[k] for k in ("layer", "code", "sha256", "filename", "kind", "mime", "size", "user", "at")}
        info["path"] = str(self.files.path(r["sha256"]))
        info["thumbnail_path"] = str(self.files.path(r["sha256"], thumbnail=True)) if r["has_thumbnail"] else None
        return info

    def attachments(self, layer: str, code: str) -> list[dict[str, Any]]:
        with self._lock:
            row = self._require(layer, code)
            rows = self._conn.execute("SELECT * FROM attachments WHERE feature_id=? ORDER BY id",
                                      (row["id"],)).fetchall()
        return [self._attachment(r) for r in rows]

    def attachment_path(self, sha256: str, thumbnail: bool = False) -> Path:
        return self.files.existing(sha256, thumbnail)


def copy_database(source_db: Path, data_dir: Path) -> bool:
    """Attach a store built ahead of time: copy ``source_db`` (a complete, closed store file written by
    ``vacuum_into``) into the EMPTY ``data_dir`` (a file copy: no JSON parsing, no triggers). Returns False,
    copying nothing, when ``data_dir`` already holds a store or the source is missing."""
    data_dir = Path(data_dir)
    target = data_dir / DB_FILENAME
    if target.exists() or not Path(source_db).exists():
        return False
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = data_dir / f"{DB_FILENAME}.attaching-{os.getpid()}"
    shutil.copyfile(source_db, partial)  # a finished VACUUM INTO file: a plain copy is a valid store
    try:
        os.link(partial, target)  # atomic and never over another process's store: absent or complete
    except OSError:
        return False
    finally:
        partial.unlink(missing_ok=True)
    return True

