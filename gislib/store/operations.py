"""gislib.store.operations: upgrade, copy, back up and restore a store, on either backend.

* ``upgrade``: apply every pending migration (what opening the store does, made explicit);
* ``copy``: every table row by row and every attachment file from one store to another (SQLite ->
  PostGIS and back), then verify row counts and order-independent checksums of each table and the
  hash of every attachment file; a non-empty target is refused unless ``replace`` is given;
* ``backup``/``restore``: SQLite through its online backup API, PostgreSQL through
  ``pg_dump``/``pg_restore`` (Debian's postgresql-client), attachments copied beside the dump,
  with a ``backup.json`` manifest of counts and checksums that restore verifies.

The CLI is ``cli/db.py`` (``python -m gislib db …``); docs/deploy.md describes when to use what.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from gislib.errors import ConfigError, DataError, HetuError
from gislib.store import open_store
from gislib.store.base import Store
from gislib.store.sqlite import DB_FILENAME

# store_revision: each store counts its own writes (the copy bumps the target's); it is not data
SKIP_TABLES = {"schema_version", "spatial_ref_sys", "store_revision"}
BATCH_ROWS = 5000
PG_BIN = Path("/usr/lib/postgresql/15/bin")
MANIFEST = "backup.json"


class CopyMismatch(HetuError):
    """The target does not hold what the source holds after a copy or restore."""


def is_postgres(store: Store) -> bool:
    return getattr(store._conn, "dialect", "sqlite") == "postgresql"  # type: ignore[attr-defined]


def open_url(url: str | None, data_dir: str | Path | None = None) -> Store:
    """The store at ``url`` (``postgresql://…``, ``sqlite:///DIR``, or None for HETU_DB_URL/default)."""
    return open_store(data_dir, url=url)


# ---------------------------------------------------------------- schema introspection
def tables(store: Store) -> list[str]:
    """The store's tables, every table after the tables it references (copy order)."""
    conn = store._conn  # type: ignore[attr-defined]
    if is_postgres(store):
        names = [r[0] for r in conn.execute_raw(
            "SELECT table_name FROM information_schema.tables WHERE table_schema=current_schema() "
            "AND table_type='BASE TABLE'").fetchall()]
        refs = conn.execute_raw(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
            "WHERE c.contype='f' AND c.connamespace = current_schema()::regnamespace").fetchall()
        parents = {n: set() for n in names}
        for child, parent in refs:
            parents.setdefault(child, set()).add(parent)
    else:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'").fetchall()]
        parents = {n: {r[2] for r in conn.execute(f'PRAGMA foreign_key_list("{n}")').fetchall()} for n in names}
    ordered: list[str] = []
    pending = sorted(n for n in names if n not in SKIP_TABLES)
    while pending:
        ready = [n for n in pending if not (parents.get(n, set()) - {n}) - set(ordered) - SKIP_TABLES]
        ordered += ready or pending  # a cycle: keep the rest in name order
        pending = [n for n in pending if n not in ordered]
    return ordered


def columns(store: Store, table: str) -> list[str]:
    """The stored (not generated) columns of ``table``."""
    conn = store._conn  # type: ignore[attr-defined]
    if is_postgres(store):
        return [r[0] for r in conn.execute_raw(
            "SELECT column_name FROM information_schema.columns WHERE table_schema=current_schema() "
            "AND table_name=%s AND is_generated='NEVER' ORDER BY ordinal_position", (table,)).fetchall()]
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")').fetchall()]


def _select(store: Store, table: str, cols: list[str]) -> str:
    quoted = ", ".join(f'"{c}"' for c in cols)
    return f'SELECT {quoted} FROM "{table}"'


def _rows(store: Store, table: str, cols: list[str]) -> list[tuple]:
    conn = store._conn  # type: ignore[attr-defined]
    sql = _select(store, table, cols)
    return [tuple(r) for r in (conn.execute_raw(sql) if is_postgres(store) else conn.execute(sql)).fetchall()]


def _canonical(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, memoryview)):
        return hashlib.sha256(bytes(value)).hexdigest()
    return value


def summary(store: Store, only: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """{table: {"rows", "sha256"}}: counts and order-independent checksums of every table."""
    out = {}
    for table in only or tables(store):
        cols = sorted(columns(store, table))
        lines = sorted(json.dumps([_canonical(v) for v in row], ensure_ascii=False, default=str)
                       for row in _rows(store, table, cols))
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        out[table] = {"rows": len(lines), "sha256": digest}
    return out


def attachment_hashes(store: Store) -> list[str]:
    return sorted({r[0] for r in store._conn.execute("SELECT sha256 FROM attachments").fetchall()})  # type: ignore[attr-defined]


def _row_count(store: Store) -> int:
    conn = store._conn  # type: ignore[attr-defined]
    return sum(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables(store))


# ---------------------------------------------------------------- operations
def upgrade(url: str | None = None, data_dir: str | Path | None = None) -> dict[str, Any]:
    """Apply pending migrations: {"backend", "schema_version"}."""
    with open_url(url, data_dir) as store:
        return {"backend": "postgis" if is_postgres(store) else "sqlite", "schema_version": store.schema_version}


def _empty_target(store: Store, replace: bool, what: str) -> Store:
    """``store`` if it holds no rows; emptied when ``replace``; else a ConfigError saying what to do."""
    if _row_count(store) == 0:
        return store
    if not replace:
        raise ConfigError("error.copy_target_not_empty", target=what, file=DB_FILENAME)
    if is_postgres(store):
        names = ", ".join(f'"{t}"' for t in tables(store))
        store._conn.execute_raw(f"TRUNCATE {names} RESTART IDENTITY CASCADE")  # type: ignore[attr-defined]
        return store
    data_dir, path = store.data_dir, Path(store.db_path)  # type: ignore[attr-defined]
    store.close()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            Path(f"{path}{suffix}").rename(f"{path}.replaced-{stamp}{suffix}")
    return open_store(data_dir, url="sqlite:///" + str(Path(data_dir).resolve()))


def _insert_rows(target: Store, table: str, cols: list[str], rows: list[tuple]) -> None:
    marks = ", ".join("?" * len(cols))
    quoted = ", ".join(f'"{c}"' for c in cols)
    for start in range(0, len(rows), BATCH_ROWS):
        target._conn.executemany(  # type: ignore[attr-defined]
            f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', rows[start:start + BATCH_ROWS])


def _reset_identities(target: Store, names: list[str]) -> None:
    """After explicit ids were inserted, new rows on PostgreSQL continue after the highest id."""
    conn = target._conn  # type: ignore[attr-defined]
    for table in names:
        if "id" not in columns(target, table):
            continue
        seq = conn.execute_raw("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
        if seq:
            conn.execute_raw(f'SELECT setval(%s, COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)', (seq,))


def _copy_files(source: Store, target: Store, hashes: list[str]) -> None:
    for sha in hashes:
        for thumb in (False, True):
            src = source.files.path(sha, thumbnail=thumb)  # type: ignore[attr-defined]
            dst = target.files.path(sha, thumbnail=thumb)  # type: ignore[attr-defined]
            if src.exists() and src.resolve() != dst.resolve():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)


def verify_files(store: Store, hashes: list[str]) -> list[str]:
    """The attachment hashes whose file is missing or whose content does not hash to its name."""
    bad = []
    for sha in hashes:
        path = store.files.path(sha)  # type: ignore[attr-defined]
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            bad.append(sha)
    return bad


def copy(from_url: str | None, to_url: str | None, *, from_data_dir: str | Path | None = None,
         to_data_dir: str | Path | None = None, replace: bool = False) -> dict[str, Any]:
    """Copy every row and attachment from one store to another and verify it; returns the summary."""
    with open_url(from_url, from_data_dir) as source:
        target = open_url(to_url, to_data_dir)
        try:
            if source.schema_version != target.schema_version:
                raise ConfigError("error.copy_versions_differ", source=source.schema_version,
                                  target=target.schema_version)
            target = _empty_target(target, replace, to_url or "default")
            names = [t for t in tables(source) if t in set(tables(target))]
            with target._write():  # type: ignore[attr-defined]
                for table in names:
                    cols = [c for c in columns(source, table) if c in set(columns(target, table))]
                    _insert_rows(target, table, cols, _rows(source, table, cols))
                if is_postgres(target):
                    _reset_identities(target, names)
            hashes = attachment_hashes(source)
            _copy_files(source, target, hashes)
            return _verified(source, target, names, hashes)
        finally:
            target.close()


def _verified(source: Store, target: Store, names: list[str], hashes: list[str]) -> dict[str, Any]:
    mine, theirs = summary(source, names), summary(target, names)
    differ = [t for t in names if mine[t] != theirs[t]]
    missing = verify_files(target, hashes)
    if differ or missing:
        raise CopyMismatch("error.copy_mismatch", tables=differ, missing=len(missing))
    return {"tables": mine, "attachments": len(hashes)}


# ---------------------------------------------------------------- backup and restore
def _pg_tool(name: str) -> str:
    path = PG_BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise ConfigError("error.pg_tool_missing", name=name)
    return found


def _libpq_url(store: Store) -> str:
    return store._conn.url  # type: ignore[attr-defined]


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise DataError("error.pg_tool_failed", tool=Path(cmd[0]).name, detail=done.stderr.strip()[-800:])


def backup(out_dir: str | Path, url: str | None = None, data_dir: str | Path | None = None) -> dict[str, Any]:
    """Write the store and its attachments to ``out_dir`` (created; must be empty)."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ConfigError("error.backup_dir_not_empty", path=str(out))
    out.mkdir(parents=True, exist_ok=True)
    with open_url(url, data_dir) as store:
        if is_postgres(store):
            schema = store._conn.execute_raw("SELECT current_schema()").fetchone()[0]  # type: ignore[attr-defined]
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--schema={schema}",
                  f"--file={out / 'hetu.pgdump'}", f"--dbname={_libpq_url(store)}"])
        else:
            with sqlite3.connect(out / "hetu.sqlite") as copy_conn:
                store._conn.backup(copy_conn)  # type: ignore[attr-defined]
            copy_conn.close()
        hashes = attachment_hashes(store)
        for sha in hashes:
            for thumb in (False, True):
                src = store.files.path(sha, thumbnail=thumb)  # type: ignore[attr-defined]
                if src.exists():
                    dst = out / "attachments" / src.relative_to(store.files.root)  # type: ignore[attr-defined]
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, dst)
        manifest = {"backend": "postgis" if is_postgres(store) else "sqlite", "schema_version": store.schema_version,
                    "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "tables": summary(store), "attachments": hashes}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def restore(backup_dir: str | Path, url: str | None = None, data_dir: str | Path | None = None,
            replace: bool = False) -> dict[str, Any]:
    """Restore a backup of ``backup`` into the store at ``url``/``data_dir`` (same backend), verified."""
    src = Path(backup_dir)
    if not (src / MANIFEST).exists():
        raise ConfigError("error.not_a_backup", path=str(src), manifest=MANIFEST)
    manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    store = open_url(url, data_dir)
    try:
        kind = "postgis" if is_postgres(store) else "sqlite"
        if kind != manifest["backend"]:
            raise ConfigError("error.backup_backend", source=manifest["backend"], target=kind)
        store = _empty_target(store, replace, url or "default")
        if kind == "postgis":
            store = _pg_restore(store, src / "hetu.pgdump")
        else:
            with sqlite3.connect(src / "hetu.sqlite") as from_conn:
                from_conn.backup(store._conn)  # type: ignore[attr-defined]
            from_conn.close()
        files = src / "attachments"
        if files.exists():
            shutil.copytree(files, store.files.root, dirs_exist_ok=True)  # type: ignore[attr-defined]
        now = summary(store)
        if now != manifest["tables"] or verify_files(store, manifest["attachments"]):
            raise CopyMismatch("error.restore_mismatch")
        return {"tables": now, "attachments": len(manifest["attachments"])}
    finally:
        store.close()


def _pg_restore(store: Store, dump: Path) -> Store:
    """Replace the (empty) store's tables by the dump's: drop them, then pg_restore into the same schema."""
    conn = store._conn  # type: ignore[attr-defined]
    url, data_dir = _libpq_url(store), store.data_dir
    names = ", ".join(f'"{t}"' for t in tables(store) + sorted(SKIP_TABLES - {"spatial_ref_sys"}))
    conn.execute_raw(f"DROP TABLE IF EXISTS {names} CASCADE")
    for (fn,) in conn.execute_raw(  # our trigger functions (not an extension's, e.g. PostGIS in public)
            "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace "
            "AND p.prorettype = 'trigger'::regtype AND NOT EXISTS (SELECT 1 FROM pg_depend d "
            "WHERE d.objid = p.oid AND d.deptype = 'e')").fetchall():
        conn.execute_raw(f"DROP FUNCTION IF EXISTS {fn} CASCADE")
    listing = subprocess.run([_pg_tool("pg_restore"), "--list", str(dump)], capture_output=True, text=True, check=True)
    keep = "\n".join(line for line in listing.stdout.splitlines() if " SCHEMA " not in line)
    list_file = dump.with_suffix(".list")
    list_file.write_text(keep, encoding="utf-8")
    store.close()
    try:
        _run([_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--use-list={list_file}",
              f"--dbname={url}", str(dump)])
    finally:
        list_file.unlink(missing_ok=True)
    return open_store(data_dir, url=url)
