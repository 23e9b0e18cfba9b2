"""gislib.store.accounts: the account tables (``users``, ``auth_events``, ``login_sessions``) in the store.

``AccountStore`` keeps the accounts where the records are: in PostgreSQL + PostGIS when ``HETU_DB_URL``
(or ``url``) names one — so every app server of a bureau sees the same users, lockouts and login
sessions — and in ``<data_dir>/hetu.sqlite`` otherwise. It opens its own connection through the
store's connection layer (``sqlite.connect`` / ``postgres.connect``: same migrations, same dialect
adapter) and holds every SQL statement about accounts; the rules (passwords, lockout, roles, idle
expiry) are ``gislib.auth.accounts.Accounts``'. A connection the PostgreSQL server dropped (a restart,
a failover) is opened again by the next call (``dialect.PgConnection``), so logins work again without
restarting the app.

Accounts made before migration 75 by a PostGIS deployment were kept in the data directory's SQLite
file. The first ``AccountStore`` opened on a PostGIS database whose ``users`` table is empty copies
them over (users, login and admin events in their order, sessions), in one transaction under an
advisory lock (one server copies, the others wait and find the users there), and notes the copy in
``accounts_imports``; the SQLite file is left as it was.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gislib.store import resolve_data_dir, resolve_db_url, sqlite_dir

DB_FILENAME = "hetu.sqlite"
IMPORT_LOCK = 72_150_075  # pg_advisory_xact_lock key of the one-time copy from the SQLite file
USER_COLUMNS = ("name", "display_name", "role", "subdistricts", "rivers", "password_hash",
                "must_change_password", "disabled", "failed_attempts", "locked_until", "demo",
                "created_by", "created_at", "updated_by", "updated_at", "extent")
EVENT_COLUMNS = ("at", "actor", "action", "user", "detail")
SESSION_COLUMNS = ("token_hash", "user", "created_at", "last_seen", "ended_at", "ended_why")


class UserExists(Exception):
    """``insert_user`` of a name that is taken (also when another server created it a moment ago)."""


def _dict(row: Any) -> dict[str, Any] | None:
    return None if row is None else {k: row[k] for k in row.keys()}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class AccountStore:
    """The account tables of one store: SQLite file of ``data_dir`` or the PostGIS database of ``url``."""

    def __init__(self, data_dir: str | Path | None = None, url: str | None = None):
        url = resolve_db_url(url)
        self.postgres = bool(url and url.startswith(("postgresql://", "postgres://")))
        if url and not self.postgres and not url.startswith("sqlite://"):
            from gislib.store import open_store

            open_store(data_dir, url=url)  # raises the store's ConfigError about an unsupported URL
        if url and not self.postgres and data_dir is None:
            data_dir = sqlite_dir(url)
        self.data_dir = resolve_data_dir(data_dir)
        self._lock = threading.RLock()  # one AccountStore may be shared by Streamlit's script threads
        self._depth = 0
        if self.postgres:
            from gislib.store.postgres import connect as connect_postgres

            self.conn, self.schema_version = connect_postgres(url)  # type: ignore[arg-type]
            self._import_sqlite_accounts()
        else:
            from gislib.store.sqlite import connect as connect_sqlite

            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.conn, self.schema_version = connect_sqlite(self.data_dir / DB_FILENAME)

    @property
    def backend(self) -> str:
        return "postgis" if self.postgres else "sqlite"

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    # ------------------------------------------------------------------ plumbing
    def _rows(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [_dict(r) for r in self.conn.execute(sql, args).fetchall()]  # type: ignore[misc]

    def _one(self, sql: str, args: tuple = ()) -> Any:
        with self._lock:
            return self.conn.execute(sql, args).fetchone()[0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``BEGIN``): all or nothing.
        Nested, it joins the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self.conn.execute("COMMIT")

    def lock_user(self, name: str) -> None:
        """Inside a transaction: hold the row of ``name`` until it ends, so two servers counting the
        same account's failed logins take turns (SQLite's BEGIN IMMEDIATE already serialises)."""
        if self.postgres:
            self.conn.execute("SELECT name FROM users WHERE name=? FOR UPDATE", (name,))

    # ------------------------------------------------------------------ users
    def user(self, name: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM users WHERE name=?", (name,))
        return rows[0] if rows else None

    def users(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM users ORDER BY name")

    def other_enabled_admins(self, name: str) -> int:
        return int(self._one("SELECT COUNT(*) FROM users WHERE role='admin' AND disabled=0 AND name<>?", (name,)))

    def insert_user(self, values: dict[str, Any]) -> None:
        cols = [c for c in USER_COLUMNS if c in values]
        try:
            with self._lock:
                self.conn.execute(f"INSERT INTO users ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                                  tuple(values[c] for c in cols))
        except sqlite3.IntegrityError as exc:  # PostgreSQL's comes as dialect.PgIntegrityError, a subclass
            raise UserExists(values.get("name")) from exc

    def update_user(self, name: str, **fields: Any) -> None:
        unknown = set(fields) - set(USER_COLUMNS)
        if unknown:
            raise KeyError(f"users has no column {sorted(unknown)}")
        sets = ", ".join(f"{k}=?" for k in fields)
        with self._lock:
            self.conn.execute(f"UPDATE users SET {sets} WHERE name=?", (*fields.values(), name))

    # ------------------------------------------------------------------ login and admin events
    def add_event(self, at: str, actor: str, action: str, user: str | None, detail: str) -> None:
        with self._lock:
            self.conn.execute("INSERT INTO auth_events (at, actor, action, user, detail) VALUES (?,?,?,?,?)",
                              (at, actor, action, user, detail))

    def events(self, user: str | None = None) -> list[dict[str, Any]]:
        """The events (``detail`` as stored JSON text), oldest first; all users or one."""
        if user is None:
            return self._rows("SELECT * FROM auth_events ORDER BY id")
        return self._rows("SELECT * FROM auth_events WHERE user=? ORDER BY id", (user,))

    def failures_since(self, name: str, since: str) -> int:
        """Failed logins of ``name`` after ``since`` and after its last success, reset, enable or change."""
        return int(self._one(
            "SELECT COUNT(*) FROM auth_events WHERE user=? AND action='login_failed' AND at>? AND id > "
            "COALESCE((SELECT MAX(id) FROM auth_events WHERE user=? AND action IN "
            "('login_ok', 'password_reset', 'user_enabled', 'password_changed')), 0)", (name, since, name)))

    # ------------------------------------------------------------------ login sessions
    def insert_session(self, token_hash: str, user: str, at: str) -> None:
        with self._lock:
            self.conn.execute("INSERT INTO login_sessions (token_hash, user, created_at, last_seen) VALUES (?,?,?,?)",
                              (token_hash, user, at, at))

    def session(self, token_hash: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM login_sessions WHERE token_hash=?", (token_hash,))
        return rows[0] if rows else None

    def end_session(self, token_hash: str, at: str, why: str) -> None:
        with self._lock:
            self.conn.execute("UPDATE login_sessions SET ended_at=?, ended_why=? WHERE token_hash=?",
                              (at, why, token_hash))

    def touch_session(self, token_hash: str, at: str) -> None:
        with self._lock:
            self.conn.execute("UPDATE login_sessions SET last_seen=? WHERE token_hash=?", (at, token_hash))

    # ------------------------------------------------------------------ the one-time copy from SQLite
    def imports(self) -> list[dict[str, Any]]:
        """The copies of accounts from a data directory's SQLite file into this store (migration 75)."""
        return self._rows("SELECT * FROM accounts_imports ORDER BY id")

    def copy_demo_users(self, path: Path) -> int:
        """Copy the demo accounts (``demo = 1``) of another SQLite store file, with their creation events,
        into this store when it has no user yet; returns how many were copied."""
        if not Path(path).exists() or self._one("SELECT COUNT(*) FROM users"):
            return 0
        found = _read_sqlite_accounts(Path(path))
        demo = USER_COLUMNS.index("demo")
        users = [row for row in found["users"] if row[demo]]
        names = {row[0] for row in users}
        events = [row for row in found["events"] if row[EVENT_COLUMNS.index("user")] in names]
        if not users:
            return 0
        with self.transaction():
            if self._one("SELECT COUNT(*) FROM users"):
                return 0  # another process created accounts meanwhile
            self.conn.executemany(f"INSERT INTO users ({', '.join(USER_COLUMNS)}) VALUES "
                                  f"({','.join('?' * len(USER_COLUMNS))})", users)
            if events:
                self.conn.executemany("INSERT INTO auth_events (at, actor, action, user, detail) VALUES (?,?,?,?,?)",
                                      events)
        return len(users)

    def _import_sqlite_accounts(self) -> dict[str, Any] | None:
        """PostGIS: copy the accounts of ``<data_dir>/hetu.sqlite`` when this database has no user yet."""
        path = self.data_dir / DB_FILENAME
        if not path.exists() or self._one("SELECT COUNT(*) FROM users"):
            return None
        found = _read_sqlite_accounts(path)
        if not found["users"]:
            return None
        with self.transaction():
            self.conn.execute_raw("SELECT pg_advisory_xact_lock(%s)", (IMPORT_LOCK,))
            if self._one("SELECT COUNT(*) FROM users"):
                return None  # another server copied them while this one waited
            self.conn.executemany(f"INSERT INTO users ({', '.join(USER_COLUMNS)}) VALUES "
                                  f"({','.join('?' * len(USER_COLUMNS))})", found["users"])
            if found["events"]:
                self.conn.executemany("INSERT INTO auth_events (at, actor, action, user, detail) VALUES (?,?,?,?,?)",
                                      found["events"])
            if found["sessions"]:
                self.conn.executemany(f"INSERT INTO login_sessions ({', '.join(SESSION_COLUMNS)}) VALUES "
                                      f"({','.join('?' * len(SESSION_COLUMNS))})",
                                      found["sessions"])
            counts = {k: len(v) for k, v in found.items()}
            self.conn.execute("INSERT INTO accounts_imports (source, users, events, sessions, imported_at) "
                              "VALUES (?,?,?,?,?)", (str(path.resolve()), counts["users"], counts["events"],
                                                     counts["sessions"], _now()))
            detail = json.dumps({"source": str(path.resolve()), **counts}, ensure_ascii=False)
            self.conn.execute("INSERT INTO auth_events (at, actor, action, user, detail) VALUES (?,?,?,?,?)",
                              (_now(), "system", "accounts_imported", None, detail))
        return counts


def _read_sqlite_accounts(path: Path) -> dict[str, list[tuple]]:
    """The account rows of an SQLite store file of any version (read only; missing tables read empty)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

        def rows(table: str, cols: tuple[str, ...], order: str) -> list[tuple]:
            if table not in have:
                return []
            present = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
            select = ", ".join(f'"{c}"' if c in present else "NULL" for c in cols)
            return [tuple(r) for r in conn.execute(f'SELECT {select} FROM "{table}" ORDER BY {order}')]

        return {"users": rows("users", USER_COLUMNS, "name"), "events": rows("auth_events", EVENT_COLUMNS, "id"),
                "sessions": rows("login_sessions", SESSION_COLUMNS, "created_at")}
    finally:
        conn.close()
