"""Accounts, passwords, lockout, idle expiry, the users CLI, demo accounts and the permission matrix."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from gislib.auth import (
    OPERATIONS,
    PERMISSIONS,
    Accounts,
    User,
    allowed,
    check,
    filter_frame,
    filter_records,
    session_expired,
)
from gislib.auth.demo import DEMO_ACCOUNTS, create_demo_accounts
from gislib.auth.passwords import check_policy, policy_problems
from gislib.config import load_settings
from gislib.dataset import dataset_path
from gislib.errors import ConfigError, HetuError, LoginError, PermissionDenied, ValidationError

REPO = Path(__file__).resolve().parents[1]
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.timezone.utc)
GOOD = "Taopu#River2026"
CLI = "cli:test"


@pytest.fixture(autouse=True)
def default_env(monkeypatch):
    """The documented defaults, whatever the developer's shell has set."""
    for name in ("HETU_LOCKOUT_ATTEMPTS", "HETU_LOCKOUT_WINDOW_MINUTES", "HETU_LOCKOUT_MINUTES",
                 "HETU_SESSION_IDLE_MINUTES", "HETU_PUBLISHED_LAYERS", "HETU_SSO_MAPPING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HETU_DATASET", "putuo")


@pytest.fixture
def settings():
    return load_settings()


@pytest.fixture
def accounts(tmp_path, settings, db_backend):
    # cost 4 keeps the suite quick; the CLI test checks the production cost (12). db_backend: the accounts
    # live in the store of the records, SQLite (HETU_DB_URL unset) or PostGIS (a fresh schema per test)
    with Accounts(tmp_path, settings=settings, rounds=4) as acc:
        assert acc.backend == db_backend
        yield acc


@pytest.fixture
def admin(accounts):
    return accounts.create("boss", "Admin#Bureau2026", "admin", CLI, must_change_password=False, now=T0)


# ---------------------------------------------------------------- hashing and policy
def test_password_is_stored_as_bcrypt_hash_only(accounts, tmp_path):
    accounts.create("chief", GOOD, "river_chief", CLI, rivers=["桃浦河"], must_change_password=False)
    row = accounts._db.conn.execute("SELECT password_hash FROM users WHERE name='chief'").fetchone()
    assert row[0].startswith("$2b$04$") and GOOD not in row[0]
    if accounts.backend == "sqlite":  # on PostGIS the row above is all there is of it
        accounts._db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("hetu.sqlite*"))
        assert GOOD.encode() not in raw
    assert accounts.login("chief", GOOD).name == "chief"
    assert accounts.login(" CHIEF ", GOOD).name == "chief"  # user names ignore case and blanks
    with pytest.raises(LoginError, match="用户名或密码错误"):
        accounts.login("chief", GOOD.lower())
    with pytest.raises(LoginError, match="用户名或密码错误"):  # unknown user: the same answer
        accounts.login("nobody", GOOD)


@pytest.mark.parametrize("password, rule", [
    ("Ab1!xyz", "至少 10 个字符"),                    # 7 characters
    ("abcdefghij12", "至少三类"),                     # two classes: lower, digit
    ("Zhang.San#2026", "用户名"),                     # contains the user name zhang.san
    ("Password123!", "常见密码"),                     # on the common list
    ("密码" * 12 + "Ab1!", "72 字节"),                # 24 Chinese characters (72 bytes) + 4 = 76 bytes
])
def test_policy_refuses(password, rule):
    with pytest.raises(ValidationError) as err:
        check_policy(password, "zhang.san")
    assert err.value.field == "password" and err.value.key == "error.password_refused"
    assert rule in err.value.text("zh") and "The password was refused" in err.value.text("en")


def test_policy_accepts_three_classes_and_chinese_symbols():
    assert policy_problems("river-chief-2026", "zhang.san") == []   # lower, digit, symbol
    assert policy_problems("桃浦河河长Taopu2026", "zhang.san") == []  # Chinese counts as 'other'


def test_login_upgrades_a_cheaper_hash(tmp_path, settings, db_backend):
    with Accounts(tmp_path, settings=settings, rounds=4) as cheap:
        cheap.create("chief", GOOD, "river_chief", CLI, must_change_password=False)
    with Accounts(tmp_path, settings=settings, rounds=5) as acc:
        acc.login("chief", GOOD)
        assert acc._row("chief")["password_hash"].startswith("$2b$05$")
        assert acc.login("chief", GOOD).name == "chief"


@pytest.mark.parametrize("name, display", [
    ("zhang san", ""), ("a:b", ""), ("x" * 65, ""), ("bell\a", ""), ("ok.name", "<b>\x00</b>"), ("ok.name", "长" * 65)])
def test_hostile_names_refused_and_nothing_written(accounts, name, display):
    with pytest.raises(ValidationError):
        accounts.create(name, GOOD, "viewer", CLI, display_name=display)
    assert accounts.users() == [] and accounts.events() == []


def test_huge_password_at_login_is_just_wrong(accounts):
    accounts.create("chief", GOOD, "river_chief", CLI, must_change_password=False)
    with pytest.raises(LoginError, match="用户名或密码错误"):
        accounts.login("chief", GOOD * 100_000)


def test_72_byte_limit_refused_not_truncated(accounts):
    exact = "Aa1!" + "x" * 68  # 72 bytes: the longest password bcrypt reads in full
    accounts.create("long", exact, "viewer", CLI, must_change_password=False)
    assert accounts.login("long", exact).name == "long"
    with pytest.raises(LoginError):  # bcrypt would ignore the 73rd byte; Hetu does not accept it
        accounts.login("long", exact + "y")
    with pytest.raises(ValidationError, match="72"):
        accounts.create("longer", exact + "y", "viewer", CLI)


# ---------------------------------------------------------------- lockout, disable, reset
def test_five_failures_lock_then_window_unlocks(accounts, admin):
    accounts.create("chief", GOOD, "river_chief", CLI, rivers=["桃浦河"], must_change_password=False, now=T0)
    for minute in range(5):
        with pytest.raises(LoginError, match="用户名或密码错误"):
            accounts.login("chief", "Wrong#Pass2026", now=T0 + dt.timedelta(minutes=minute))
    with pytest.raises(LoginError, match="已锁定"):  # the right password is refused while locked
        accounts.login("chief", GOOD, now=T0 + dt.timedelta(minutes=5))
    # locked at 09:04 for 15 minutes; failures counted over 15 minutes
    with pytest.raises(LoginError, match="已锁定"):
        accounts.login("chief", GOOD, now=T0 + dt.timedelta(minutes=18, seconds=59))
    assert accounts.login("chief", GOOD, now=T0 + dt.timedelta(minutes=19, seconds=1)).name == "chief"
    actions = [e["action"] for e in accounts.events("chief")]
    assert actions.count("login_failed") == 5 and "user_locked" in actions and actions[-1] == "login_ok"


def test_failures_spread_beyond_the_window_do_not_lock(accounts):
    accounts.create("chief", GOOD, "river_chief", CLI, rivers=["桃浦河"], must_change_password=False, now=T0)
    for minute in (0, 4, 8, 12, 16):  # the first failure has left the 15-minute window at 09:16
        with pytest.raises(LoginError, match="用户名或密码错误"):
            accounts.login("chief", "Wrong#Pass2026", now=T0 + dt.timedelta(minutes=minute))
    assert accounts.login("chief", GOOD, now=T0 + dt.timedelta(minutes=17)).name == "chief"


def test_lockout_attempts_configurable(tmp_path, monkeypatch, db_backend):
    monkeypatch.setenv("HETU_LOCKOUT_ATTEMPTS", "3")
    with Accounts(tmp_path, settings=load_settings(), rounds=4) as acc:
        acc.create("chief", GOOD, "river_chief", CLI, must_change_password=False, now=T0)
        for _ in range(3):
            with pytest.raises(LoginError):
                acc.login("chief", "Wrong#Pass2026", now=T0)
        with pytest.raises(LoginError, match="已锁定"):
            acc.login("chief", GOOD, now=T0)


def test_disabled_user_refused_and_reenabled(accounts, admin):
    accounts.create("officer", GOOD, "officer", admin, must_change_password=False)
    accounts.set_disabled("officer", True, admin)
    with pytest.raises(LoginError, match="已停用"):
        accounts.login("officer", GOOD)
    reloaded = accounts.get("officer")  # an open session reloads its user on every rerun
    with pytest.raises(PermissionDenied, match="已停用"):
        check(reloaded, "read_record")
    accounts.set_disabled("officer", False, admin)
    assert accounts.login("officer", GOOD).disabled is False
    events = [(e["actor"], e["action"]) for e in accounts.events("officer")]
    assert events == [("boss", "user_created"), ("boss", "user_disabled"), ("officer", "login_disabled"),
                      ("boss", "user_enabled"), ("officer", "login_ok")]


def test_forced_change_after_reset(accounts, admin):
    accounts.create("officer", GOOD, "officer", admin, must_change_password=False)
    accounts.reset_password("officer", "Temp#Reset2026", admin)
    with pytest.raises(LoginError):
        accounts.login("officer", GOOD)  # the old password is gone
    user = accounts.login("officer", "Temp#Reset2026")
    assert user.must_change_password
    with pytest.raises(PermissionDenied, match="请先修改密码"):
        check(user, "read_record")
    with pytest.raises(ValidationError, match="不能与旧密码相同"):
        accounts.change_password("officer", "Temp#Reset2026", "Temp#Reset2026")
    user = accounts.change_password("officer", "Temp#Reset2026", "Mine#Own2026pw")
    assert not user.must_change_password and allowed(user, "read_record")
    assert accounts.login("officer", "Mine#Own2026pw").name == "officer"


def test_non_admin_cannot_manage_users_and_nothing_is_written(accounts, admin):
    officer = accounts.create("officer", GOOD, "officer", admin, must_change_password=False)
    before = (len(accounts.users()), len(accounts.events()))
    with pytest.raises(PermissionDenied, match="无权管理用户"):
        accounts.create("mole", GOOD, "admin", officer)
    with pytest.raises(PermissionDenied):
        accounts.set_role("officer", "admin", officer)
    assert (len(accounts.users()), len(accounts.events())) == before
    assert accounts.get("officer").role == "officer"


def test_the_last_admin_stays(accounts, admin):
    with pytest.raises(ValidationError, match="唯一可用的管理员"):
        accounts.set_disabled("boss", True, CLI)
    with pytest.raises(ValidationError, match="唯一可用的管理员"):
        accounts.set_role("boss", "officer", CLI)
    accounts.create("deputy", GOOD, "admin", admin, must_change_password=False)
    assert accounts.set_role("boss", "officer", "cli:test").role == "officer"


def test_admin_assigns_jurisdiction_audited(accounts, admin):
    accounts.create("chief", GOOD, "river_chief", admin, rivers=["桃浦河"], must_change_password=False)
    chief = accounts.set_role("chief", "river_chief", admin, rivers=["桃浦河", "真如港"])
    assert chief.rivers == ("桃浦河", "真如港")
    event = accounts.events("chief")[-1]
    assert event["action"] == "role_changed" and event["actor"] == "boss"
    assert event["detail"]["old"]["rivers"] == ["桃浦河"] and event["detail"]["new"]["rivers"] == ["桃浦河", "真如港"]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        accounts._db.conn.execute("DELETE FROM auth_events")


def test_one_accounts_object_shared_by_threads(accounts):
    from concurrent.futures import ThreadPoolExecutor

    accounts.create("chief", GOOD, "river_chief", CLI, rivers=["桃浦河"], must_change_password=False)
    with ThreadPoolExecutor(4) as pool:  # Streamlit runs each session's script in its own thread
        names = list(pool.map(lambda _: accounts.login("chief", GOOD).name, range(8)))
    assert names == ["chief"] * 8
    assert [e["action"] for e in accounts.events("chief")].count("login_ok") == 8


# ---------------------------------------------------------------- idle expiry
def test_idle_expiry(settings, monkeypatch):
    assert settings.session_idle_minutes == 30
    assert not session_expired(T0, T0 + dt.timedelta(minutes=29, seconds=59), settings)
    assert session_expired(T0, T0 + dt.timedelta(minutes=30), settings)
    monkeypatch.setenv("HETU_SESSION_IDLE_MINUTES", "5")
    assert session_expired(T0, T0 + dt.timedelta(minutes=5), load_settings())
    monkeypatch.setenv("HETU_SESSION_IDLE_MINUTES", "0")
    with pytest.raises(ConfigError, match="HETU_SESSION_IDLE_MINUTES"):
        load_settings()


# ---------------------------------------------------------------- CLI
def _cli(*args, data_dir, password=None):
    env = {**os.environ, "HETU_DATA_DIR": str(data_dir), "HETU_DATASET": "putuo"}
    env.pop("HETU_NEW_PASSWORD", None)
    if password:
        env["HETU_NEW_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "gislib", "users", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_cli_creates_admin_and_chief_with_env_password(tmp_path, settings, db_backend):
    done = _cli("create-admin", "boss", "--display-name", "局长", data_dir=tmp_path, password="Admin#Bureau2026")
    assert done.returncode == 0, done.stderr
    done = _cli("add", "chief", "--role", "river_chief", "--rivers", "桃浦河，真如港", data_dir=tmp_path,
                password=GOOD)
    assert done.returncode == 0, done.stderr
    bad = _cli("add", "typo", "--role", "river_chief", "--rivers", "桃浦X", data_dir=tmp_path, password=GOOD)
    assert bad.returncode == 2 and "桃浦X" in bad.stderr and "Traceback" not in bad.stderr
    weak = _cli("add", "weak", "--role", "viewer", data_dir=tmp_path, password="short")
    assert weak.returncode == 2 and "密码至少 10 个字符" in weak.stderr
    listed = json.loads(_cli("list", "--json", data_dir=tmp_path).stdout)
    assert [(u["name"], u["role"], u["rivers"], u["must_change_password"]) for u in listed] == [
        ("boss", "admin", [], False), ("chief", "river_chief", ["桃浦河", "真如港"], True)]
    with Accounts(tmp_path, settings=settings) as acc:
        assert acc.login("boss", "Admin#Bureau2026").role == "admin"
        assert acc._row("boss")["password_hash"].startswith("$2b$12$")
        assert acc.events("chief")[0]["actor"].startswith("cli:")
    assert _cli("disable", "chief", data_dir=tmp_path).returncode == 0
    assert _cli("reset-password", "chief", data_dir=tmp_path, password="Temp#Reset2026").returncode == 0
    with Accounts(tmp_path, settings=settings) as acc:
        with pytest.raises(LoginError, match="已停用"):
            acc.login("chief", "Temp#Reset2026")


# ---------------------------------------------------------------- demo accounts
def test_demo_accounts_use_real_putuo_rivers_and_documented_passwords(accounts):
    rivers = set(pyogrio.read_dataframe(dataset_path("putuo"), layer="rivers", columns=["name"],
                                        read_geometry=False)["name"])
    created = create_demo_accounts(accounts)
    assert {u.role for u in created} == {"viewer", "river_chief", "officer", "admin"}
    assert all(u.demo for u in created)
    chiefs = [u for u in created if u.role == "river_chief"]
    assert {r for u in chiefs for r in u.rivers} == {"桃浦河", "真如港", "木渎港"} <= rivers
    docs = (REPO / "docs" / "auth.md").read_text(encoding="utf-8")
    for name, spec in DEMO_ACCOUNTS.items():
        assert accounts.login(name, spec[4]).name == name
        assert name in docs and spec[4] in docs
    assert create_demo_accounts(accounts) == []  # idempotent


def test_demo_accounts_refused_outside_the_demo(accounts, tmp_path):
    create_demo_accounts(accounts)
    real = dataclasses.replace(accounts.settings, dataset="bureau")
    with Accounts(tmp_path, settings=real, rounds=4) as acc:
        with pytest.raises(LoginError, match="演示账户只能在演示数据集"):
            acc.login("admin.demo", DEMO_ACCOUNTS["admin.demo"][4])
        with pytest.raises(ConfigError, match="不是演示数据集"):
            create_demo_accounts(acc)
        assert acc.events("admin.demo")[-1]["action"] == "login_demo_refused"


# ---------------------------------------------------------------- the permission matrix
# Every user below has the jurisdiction 桃浦河. "in" = a published record on 桃浦河, "out" = one on
# 苏州河. Worked out from the roles of issue 16: viewers read; river chiefs read, export, trace and
# record patrols/problems/comments; officers also edit, change states, import and attach; admins
# also manage users and settings. Y = allowed, N = refused; columns: in/out per role.
MATRIX = """
operation        viewer  river_chief  officer  admin
read_record      Y N     Y N          Y N      Y N
list_layer       Y N     Y N          Y N      Y N
search           Y N     Y N          Y N      Y N
export           N N     Y N          Y N      Y N
trace            N N     Y N          Y N      Y N
edit_record      N N     N N          Y N      Y N
transition       N N     N N          Y N      Y N
import           N N     N N          Y N      Y N
attach           N N     N N          Y N      Y N
record_patrol    N N     Y N          Y N      Y N
create_problem   N N     Y N          Y N      Y N
comment          N N     Y N          Y N      Y N
manage_users     N N     N N          N N      Y Y
change_settings  N N     N N          N N      Y Y
"""
INSIDE = {"layer": "sections", "code": "DM-TP-01", "river": "桃浦河", "subdistrict": "桃浦镇"}
OUTSIDE = {"layer": "sections", "code": "DM-SZ-01", "river": "苏州河", "subdistrict": "长寿路街道"}


def _matrix() -> dict[tuple[str, str, str], bool]:
    lines = MATRIX.strip().splitlines()
    roles = lines[0].split()[1:]
    out = {}
    for line in lines[1:]:
        op, *cells = line.split()
        for i, role in enumerate(roles):
            out[(role, op, "in")] = cells[2 * i] == "Y"
            out[(role, op, "out")] = cells[2 * i + 1] == "Y"
    return out


def test_matrix_covers_every_operation_and_role():
    ops = {op for (_r, op, _w) in _matrix()}
    assert ops == set(OPERATIONS), f"operations without a matrix row: {set(OPERATIONS) - ops}"
    assert {r for (r, _o, _w) in _matrix()} == set(PERMISSIONS)


@pytest.mark.parametrize("key, expected", sorted(_matrix().items()), ids=lambda v: "-".join(v) if isinstance(v, tuple) else str(v))
def test_permission_matrix(key, expected):
    role, op, where = key
    user = User(name=f"u-{role}", role=role, rivers=("桃浦河",))
    target = INSIDE if where == "in" else OUTSIDE
    assert allowed(user, op, target) is expected
    if not expected:
        with pytest.raises(PermissionDenied) as err:
            check(user, op, target)
        assert err.value.operation == op and isinstance(err.value, HetuError)
        assert err.value.zh.startswith("无权") and err.value.en.startswith("Not allowed")


def test_jurisdiction_defaults():
    whole = {role: User(name=role, role=role) for role in PERMISSIONS}
    assert allowed(whole["officer"], "edit_record", {**OUTSIDE, "layer": "outfalls"})  # whole district
    assert allowed(whole["admin"], "edit_record", OUTSIDE)
    assert not allowed(whole["river_chief"], "read_record", INSIDE)  # a chief without stretches sees nothing
    by_subdistrict = User(name="c", role="river_chief", subdistricts=("长寿路街道",))
    assert allowed(by_subdistrict, "read_record", OUTSIDE) and not allowed(by_subdistrict, "read_record", INSIDE)


def test_viewer_reads_published_layers_only():
    viewer = User(name="v", role="viewer")
    assert allowed(viewer, "read_record", OUTSIDE)  # sections are published by default
    assert not allowed(viewer, "read_record", {**OUTSIDE, "layer": "outfalls"})
    assert not allowed(viewer, "list_layer", "outfalls")
    assert allowed(viewer, "list_layer", "outfalls", published=("outfalls",))


def test_published_layers_from_the_environment(monkeypatch):
    viewer = User(name="v", role="viewer")
    monkeypatch.setenv("HETU_PUBLISHED_LAYERS", "outfalls, sections")
    assert allowed(viewer, "read_record", {**INSIDE, "layer": "outfalls"})
    assert not allowed(viewer, "read_record", {**INSIDE, "layer": "plots"})
    with pytest.raises(PermissionDenied, match="未向查看者发布"):
        check(viewer, "search", {**OUTSIDE, "layer": "dust_sites"})


def test_no_user_and_unknown_operation_refused():
    with pytest.raises(PermissionDenied, match="请先登录"):
        check(None, "read_record")
    with pytest.raises(PermissionDenied, match="未知操作"):
        check(User(name="a", role="admin"), "drop_table")


def test_filter_records_keeps_only_the_chiefs_rivers_in_the_demo_outfalls():
    outfalls = pyogrio.read_dataframe(dataset_path("putuo"), layer="outfalls", read_geometry=False)
    records = outfalls.to_dict("records")
    chief = User(name="chief.taopu", role="river_chief", rivers=("桃浦河",))
    seen = filter_records(chief, records, "export", layer="outfalls")
    assert seen and {r["river"] for r in seen} == {"桃浦河"}
    assert len(seen) == int((outfalls["river"] == "桃浦河").sum()) < len(records)
    viewer = User(name="v", role="viewer")
    with pytest.raises(PermissionDenied):  # a viewer may not export at all: refused, not an empty file
        filter_records(viewer, records, "export", layer="outfalls")
    with pytest.raises(PermissionDenied, match="未向查看者发布"):  # outfalls are not published by default
        filter_records(viewer, records, "list_layer", layer="outfalls")
    mixed = [{**records[0], "layer": "outfalls"}, {**OUTSIDE}]  # a search result across layers
    assert filter_records(viewer, mixed, "search") == [OUTSIDE]


def test_filter_frame_matches_filter_records_on_the_demo_sections():
    sections = pyogrio.read_dataframe(dataset_path("putuo"), layer="sections")
    users = [User(name="c", role="river_chief", rivers=("桃浦河", "真如港")),
             User(name="s", role="officer", subdistricts=("桃浦镇",), rivers=("苏州河",)),
             User(name="o", role="officer"), User(name="n", role="river_chief"), User(name="v", role="viewer")]
    for user in users:
        rows = filter_records(user, sections.to_dict("records"), "export" if user.role != "viewer" else "search",
                              layer="sections")
        frame = filter_frame(user, sections, "export" if user.role != "viewer" else "search", layer="sections")
        assert sorted(frame["code"]) == sorted(r["code"] for r in rows), user
    chief = filter_frame(users[0], sections, "list_layer", layer="sections")
    assert len(chief) and set(chief["river"]) <= {"桃浦河", "真如港"}
    with pytest.raises(PermissionDenied):
        filter_frame(User(name="v", role="viewer"), sections, "export", layer="sections")


def test_command_line_acting_user_has_the_same_rights(accounts, admin):
    accounts.create("chief", GOOD, "river_chief", admin, rivers=["桃浦河"], must_change_password=False)
    chief = accounts.acting("chief")
    assert allowed(chief, "export", INSIDE) and not allowed(chief, "export", OUTSIDE)
    assert not allowed(chief, "edit_record", INSIDE)
    accounts.set_disabled("chief", True, admin)
    with pytest.raises(PermissionDenied, match="已停用"):
        accounts.acting("chief")
    with pytest.raises(PermissionDenied, match="没有用户"):
        accounts.acting("ghost")


# ---------------------------------------------------------------- single sign-on mapping
SSO = {"name_claim": "preferred_username", "groups_claim": "groups",
       "groups": {"hetu-admin": {"role": "admin"}, "hetu-officer": {"role": "officer", "subdistricts": ["桃浦镇"]},
                  "chief-taopu": {"role": "river_chief", "rivers": ["桃浦河"]},
                  "chief-zhenru": {"role": "river_chief", "rivers": ["真如港"]}, "staff": {"role": "viewer"}}}


def test_sso_claims_map_to_role_and_jurisdiction(tmp_path, monkeypatch):
    from gislib.auth.sso import load_mapping, user_from_claims

    path = tmp_path / "sso.json"
    path.write_text(json.dumps(SSO, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("HETU_SSO_MAPPING", str(path))
    mapping = load_mapping()
    chief = user_from_claims({"preferred_username": "Li.Si", "name": "李四",
                              "groups": ["staff", "chief-taopu", "chief-zhenru"]}, mapping)
    assert (chief.name, chief.role, chief.rivers) == ("li.si", "river_chief", ("桃浦河", "真如港"))
    assert not allowed(chief, "read_record", OUTSIDE) and allowed(chief, "record_patrol", INSIDE)
    officer = user_from_claims({"preferred_username": "w", "groups": "hetu-officer"}, mapping)
    assert officer.role == "officer" and officer.subdistricts == ("桃浦镇",)
    with pytest.raises(PermissionDenied, match="没有分配河图角色"):
        user_from_claims({"preferred_username": "x", "groups": ["other"]}, mapping)
    path.write_text(json.dumps({"groups": {"g": {"role": "superuser"}}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="未知角色"):
        load_mapping()


def test_sso_login_refused_for_a_disabled_local_account(accounts, admin):
    from gislib.auth.sso import sso_login

    accounts.create("li.si", GOOD, "river_chief", admin, rivers=["桃浦河"])
    claims = {"preferred_username": "li.si", "groups": ["chief-taopu"]}
    assert sso_login(accounts, claims, SSO).role == "river_chief"
    accounts.set_disabled("li.si", True, admin)
    with pytest.raises(PermissionDenied, match="已停用"):
        sso_login(accounts, claims, SSO)
    assert [e["action"] for e in accounts.events("li.si")][-1] == "login_disabled"
