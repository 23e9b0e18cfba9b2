"""Accounts live in the store of the records (migration 75): on PostGIS every app server shares the users,
the lockout and the login sessions; an SQLite data directory keeps its accounts; a PostGIS deployment whose
accounts were kept in its data directory's SQLite file finds them in the database after the first open;
``db copy`` carries them both ways."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from gislib.auth import Accounts, passwords
from gislib.config import load_settings
from gislib.errors import LoginError
from gislib.store import operations as ops
from gislib.store.migrations import LATEST_VERSION, migrate

T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone.utc)
GOOD, WRONG = "Taopu#River2026", "Wrong#Pass2026"
CLI = "cli:test"


@pytest.fixture()
def settings(monkeypatch):
    for name in ("HETU_LOCKOUT_ATTEMPTS", "HETU_LOCKOUT_WINDOW_MINUTES", "HETU_LOCKOUT_MINUTES",
                 "HETU_SESSION_IDLE_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    return dataclasses.replace(load_settings(), dataset="putuo")


@pytest.mark.usefixtures("db_backend")
def test_two_servers_share_users_lockout_and_sessions(tmp_path, settings, db_backend):
    """Two app servers = two Accounts on one HETU_DB_URL (each its own data directory, as two machines):
    a user made on one logs in on the other, a session started on one is valid on the other, five bad
    passwords on one lock the account on the other, a logout or a disable on one ends the session on both.
    (On SQLite the two share one data directory: one machine, two processes.)"""
    one_dir = tmp_path / "server-1"
    two_dir = tmp_path / ("server-2" if db_backend == "postgis" else "server-1")
    with Accounts(one_dir, settings=settings, rounds=4) as one, Accounts(two_dir, settings=settings, rounds=4) as two:
        assert one.backend == two.backend == db_backend
        admin = one.create("boss", "Admin#Bureau2026", "admin", CLI, must_change_password=False, now=T0)
        one.create("chief", GOOD, "river_chief", admin, rivers=["桃浦河"], must_change_password=False, now=T0)
        assert two.get("chief").rivers == ("桃浦河",)

        token = one.start_session(one.login("chief", GOOD, now=T0), now=T0)  # logged in on server 1 …
        user, why = two.resume(token, now=T0 + dt.timedelta(minutes=1))  # … the next click lands on server 2
        assert (user.name, why) == ("chief", "")
        two.set_role("chief", "river_chief", two.get("boss"), rivers=["真如港"])  # an admin on server 2
        assert one.resume(token, now=T0 + dt.timedelta(minutes=2))[0].rivers == ("真如港",)
        two.end_session(token, now=T0 + dt.timedelta(minutes=3))  # logout on server 2
        assert one.resume(token, now=T0 + dt.timedelta(minutes=4)) == (None, "ended")

        for minute in range(5):  # five bad passwords on server 1 …
            with pytest.raises(LoginError, match="用户名或密码错误"):
                one.login("chief", WRONG, now=T0 + dt.timedelta(minutes=10 + minute))
        with pytest.raises(LoginError, match="已锁定"):  # … lock the account on server 2, right password too
            two.login("chief", GOOD, now=T0 + dt.timedelta(minutes=15))
        assert two.find("chief") is not None and [e["action"] for e in two.events("chief")].count("login_failed") == 5

        two.reset_password("chief", "Temp#Reset2026", "cli:ops", now=T0 + dt.timedelta(minutes=16))  # unlocks
        token = two.start_session(two.login("chief", "Temp#Reset2026", now=T0 + dt.timedelta(minutes=17)),
                                  now=T0 + dt.timedelta(minutes=17))
        one.set_disabled("chief", True, admin, now=T0 + dt.timedelta(minutes=18))
        assert two.resume(token, now=T0 + dt.timedelta(minutes=19)) == (None, "disabled")
        assert one.events() == two.events()  # one audit of logins and admin actions


def _sqlite_store_of_version_70(folder: Path, rounds: int = 4) -> None:
    """A data directory as Hetu left it before migration 75: chief with a session and four failed logins."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / "hetu.sqlite", isolation_level=None)
    assert migrate(conn, target=70) == 70
    at = T0.isoformat(timespec="seconds")
    for name, role, rivers in (("boss", "admin", []), ("chief", "river_chief", ["桃浦河"])):
        conn.execute("INSERT INTO users (name, display_name, role, subdistricts, rivers, password_hash, "
                     "must_change_password, demo, created_by, created_at, updated_by, updated_at) "
                     "VALUES (?,?,?,?,?,?,0,0,?,?,?,?)",
                     (name, name, role, "[]", json.dumps(rivers, ensure_ascii=False),
                      passwords.hash_password("Admin#Bureau2026" if role == "admin" else GOOD, rounds),
                      CLI, at, CLI, at))
        conn.execute("INSERT INTO auth_events (at, actor, action, user, detail) VALUES (?,?,?,?,?)",
                     (at, CLI, "user_created", name, "{}"))
    for minute in range(4):
        when = (T0 + dt.timedelta(minutes=minute)).isoformat(timespec="seconds")
        conn.execute("INSERT INTO auth_events (at, actor, action, user, detail) VALUES (?,?,?,?,?)",
                     (when, "chief", "login_failed", "chief", "{}"))
    conn.execute("INSERT INTO login_sessions (token_hash, user, created_at, last_seen) VALUES (?,?,?,?)",
                 (Accounts._token_hash("old-token"), "boss", at, at))
    conn.close()


def test_an_sqlite_data_directory_keeps_its_accounts(tmp_path, settings, monkeypatch):
    monkeypatch.delenv("HETU_DB_URL", raising=False)
    _sqlite_store_of_version_70(tmp_path)
    with Accounts(tmp_path, settings=settings, rounds=4) as acc:
        assert acc.backend == "sqlite" and acc._db.schema_version == LATEST_VERSION
        assert [u.name for u in acc.users()] == ["boss", "chief"]
        assert acc.resume("old-token", now=T0 + dt.timedelta(minutes=5))[0].name == "boss"
        with pytest.raises(LoginError, match="用户名或密码错误"):  # the fifth failure within 15 minutes locks
            acc.login("chief", WRONG, now=T0 + dt.timedelta(minutes=5))
        with pytest.raises(LoginError, match="已锁定"):
            acc.login("chief", GOOD, now=T0 + dt.timedelta(minutes=6))
        assert acc._db.imports() == []  # nothing to copy: the accounts are already in the store


def test_postgis_copies_the_accounts_of_its_sqlite_data_directory_once(tmp_path, settings, pg_schema):
    """A PostGIS deployment made before migration 75 kept its accounts in <data_dir>/hetu.sqlite: the first
    open puts them in the database (users, the login audit with its lockout count, open sessions)."""
    _sqlite_store_of_version_70(tmp_path)
    with Accounts(tmp_path, settings=settings, rounds=4, url=pg_schema) as acc:
        assert acc.backend == "postgis"
        assert [u.name for u in acc.users()] == ["boss", "chief"]
        assert acc.resume("old-token", now=T0 + dt.timedelta(minutes=5))[0].name == "boss"
        with pytest.raises(LoginError, match="用户名或密码错误"):  # four failures came along: the fifth locks
            acc.login("chief", WRONG, now=T0 + dt.timedelta(minutes=5))
        with pytest.raises(LoginError, match="已锁定"):
            acc.login("chief", GOOD, now=T0 + dt.timedelta(minutes=6))
        [copied] = acc._db.imports()
        assert (copied["users"], copied["events"], copied["sessions"]) == (2, 6, 1)
        assert copied["source"] == str((tmp_path / "hetu.sqlite").resolve())
        assert acc.events()[6]["action"] == "accounts_imported" and acc.events()[6]["detail"]["users"] == 2
        acc.create("new.officer", GOOD, "officer", CLI)
    with sqlite3.connect(tmp_path / "hetu.sqlite") as conn:  # the SQLite file is left as it was
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 2
    with Accounts(tmp_path, settings=settings, rounds=4, url=pg_schema) as again:  # a second server, a restart
        assert len(again._db.imports()) == 1 and len(again.users()) == 3


def test_db_copy_carries_the_accounts_both_ways(tmp_path, settings, pg_schema, monkeypatch):
    monkeypatch.delenv("HETU_DB_URL", raising=False)
    src, back, files = tmp_path / "src", tmp_path / "back", tmp_path / "pg-files"
    with Accounts(src, settings=settings, rounds=4) as acc:
        admin = acc.create("boss", "Admin#Bureau2026", "admin", CLI, must_change_password=False, now=T0)
        acc.create("chief", GOOD, "river_chief", admin, rivers=["桃浦河"], must_change_password=False, now=T0)
        token = acc.start_session(acc.login("chief", GOOD, now=T0), now=T0)
        for minute in range(4):
            with pytest.raises(LoginError):
                acc.login("boss", WRONG, now=T0 + dt.timedelta(minutes=minute))
    there = ops.copy("sqlite:///" + str(src.resolve()), pg_schema, to_data_dir=files)
    assert there["tables"]["users"]["rows"] == 2 and there["tables"]["login_sessions"]["rows"] == 1
    assert there["tables"]["auth_events"]["rows"] == 7  # 2 users created, 1 login, 4 failed logins
    again = ops.copy(pg_schema, "sqlite:///" + str(back.resolve()), from_data_dir=files)
    assert again["tables"] == there["tables"]
    for where, url in ((files, pg_schema), (back, None)):
        with Accounts(where, settings=settings, rounds=4, url=url) as acc:
            assert acc.resume(token, now=T0 + dt.timedelta(minutes=5))[0].name == "chief"
            with pytest.raises(LoginError, match="用户名或密码错误"):  # the lockout count came along
                acc.login("boss", WRONG, now=T0 + dt.timedelta(minutes=5))
            with pytest.raises(LoginError, match="已锁定"):
                acc.login("boss", "Admin#Bureau2026", now=T0 + dt.timedelta(minutes=6))
            assert acc._db.imports() == []  # a copied store needs no import


def test_opening_the_accounts_does_not_wait_for_a_running_read(tmp_path, settings, pg_schema):
    """Every app server and command opens the store (and the accounts) on the same database: once it is
    migrated, an open takes no table lock, so it neither waits for a long read of another server (a whole
    layer, an export) nor holds up the reads behind it."""
    import threading

    import psycopg

    Accounts(tmp_path, settings=settings, url=pg_schema).close()  # migrated once
    with psycopg.connect(pg_schema) as reader:  # another server, in the middle of a long read of features
        reader.execute("SELECT COUNT(*) FROM features").fetchone()
        opened = threading.Event()

        def open_accounts() -> None:
            with Accounts(tmp_path, settings=settings, url=pg_schema) as acc:
                acc.users()
            opened.set()

        threading.Thread(target=open_accounts, daemon=True).start()
        assert opened.wait(20), "opening the accounts waited for another connection's read of features"
        reader.rollback()


def test_logins_work_again_after_the_database_dropped_the_connection(tmp_path, settings, pg_schema):
    """A restarted (or failed-over) PostgreSQL server ends every client's connection; the app keeps its
    Accounts. The next login must work on a new connection, without restarting the app. (What a restart
    does to a client is done here with pg_terminate_backend from another connection: the shared server
    itself is never stopped by a test.)"""
    import psycopg

    with Accounts(tmp_path / "server", settings=settings, rounds=4, url=pg_schema) as acc:
        acc.create("chief", GOOD, "river_chief", CLI, rivers=["桃浦河"], must_change_password=False, now=T0)
        token = acc.start_session(acc.login("chief", GOOD, now=T0), now=T0)
        conn = acc._db.conn
        pid = conn.execute_raw("SELECT pg_backend_pid()").fetchone()[0]
        with psycopg.connect(pg_schema, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]

        user = acc.login("chief", GOOD, now=T0 + dt.timedelta(minutes=1))  # the next login after the "restart"
        assert user.name == "chief" and user.rivers == ("桃浦河",)
        assert acc.resume(token, now=T0 + dt.timedelta(minutes=2))[0].name == "chief"  # sessions kept too
        assert conn.execute_raw("SELECT pg_backend_pid()").fetchone()[0] != pid
        with pytest.raises(LoginError, match="用户名或密码错误"):  # and the lockout count still works
            acc.login("chief", WRONG, now=T0 + dt.timedelta(minutes=3))
        assert [e["action"] for e in acc.events("chief")].count("login_failed") == 1
