"""The access service (gislib.services.access) and login sessions: what each account may read and write
through the app's and the command line's one path to the records (issue 16)."""
from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys

import pytest

from conftest import REPO, demo_accounts_of
from gislib.auth import OPERATIONS
from gislib.errors import PermissionDenied
from gislib.services.access import COMMAND_OPERATIONS, Records, scope_of, scoped_frame


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("access")


@pytest.fixture(scope="module")
def accounts(data_dir):
    with demo_accounts_of(data_dir) as acc:
        yield acc


@pytest.fixture(scope="module")
def store(data_dir):
    from gislib.services.catalog import store as catalog_store

    return catalog_store(data_dir, "putuo")


def _user(accounts, name):
    return accounts.get(name)


@pytest.fixture()
def own_accounts(tmp_path, db_backend):
    """The demo accounts in a store of this test's own: SQLite, or PostGIS (db_backend), where every app
    server of a bureau shares the sessions."""
    with demo_accounts_of(tmp_path) as acc:
        assert acc.backend == db_backend
        yield acc


def test_session_resumes_expires_after_idle_and_ends_at_logout(own_accounts):
    accounts = own_accounts
    t0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone.utc)
    user = accounts.login("officer.demo", "Hetu#Officer2026", now=t0)
    token = accounts.start_session(user, now=t0)
    assert accounts.resume(token, now=t0 + dt.timedelta(minutes=29))[0].name == "officer.demo"
    # active at +29 min, so idle only from then: still alive at +58, gone 30 minutes after the last activity
    assert accounts.resume(token, now=t0 + dt.timedelta(minutes=58))[0] is not None
    assert accounts.resume(token, now=t0 + dt.timedelta(minutes=89)) == (None, "expired")
    assert accounts.resume(token, now=t0 + dt.timedelta(minutes=90)) == (None, "ended")  # not revived
    second = accounts.start_session(user)
    accounts.end_session(second)
    assert accounts.resume(second) == (None, "ended")
    assert accounts.resume("forged-token") == (None, "none") and accounts.resume(None) == (None, "none")
    actions = [e["action"] for e in accounts.events("officer.demo")]
    assert "session_expired" in actions and "logout" in actions


def test_a_disabled_account_loses_its_open_session_at_once(own_accounts):
    accounts = own_accounts
    chief = accounts.login("chief.mudu", "Hetu#Chief2026")
    token = accounts.start_session(chief)
    assert accounts.resume(token)[0] is not None
    accounts.set_disabled("chief.mudu", True, by=accounts.get("admin.demo"))
    try:
        assert accounts.resume(token) == (None, "disabled")
    finally:
        accounts.set_disabled("chief.mudu", False, by=accounts.get("admin.demo"))


def test_a_viewers_forged_edit_is_refused_and_writes_nothing(accounts, store):
    viewer = Records(store, _user(accounts, "viewer.demo"))
    rec = store.get("sections", store.list("sections")[0]["code"])  # a published layer: the viewer may read it
    assert viewer.get("sections", rec["code"])["code"] == rec["code"]
    audit_before = store.audit("sections", rec["code"])
    with pytest.raises(PermissionDenied) as exc:
        viewer.update("sections", rec["code"], {"name": "伪造"}, expected_version=rec["version"], user="officer.demo")
    assert "编辑记录" in exc.value.zh and "edit a record" in exc.value.en
    after = store.get("sections", rec["code"])
    assert after["version"] == rec["version"] and after["name"] == rec["name"]
    assert store.audit("sections", rec["code"]) == audit_before
    with pytest.raises(PermissionDenied):  # outfalls are not published for viewers
        viewer.get("outfalls", store.list("outfalls")[0]["code"])


def test_a_chief_reads_only_their_river_and_edits_nothing(accounts, store):
    chief = Records(store, _user(accounts, "chief.taopu"))
    mine = chief.list("outfalls")
    taopu = [r for r in store.list("outfalls") if r.get("river") == "桃浦河"]
    assert mine and {r["code"] for r in mine} == {r["code"] for r in taopu}
    outside = next(r for r in store.list("outfalls") if r.get("river") == "苏州河")
    with pytest.raises(PermissionDenied) as exc:
        chief.get("outfalls", outside["code"])
    assert "不在您的辖区内" in exc.value.zh and outside["code"] in exc.value.zh
    with pytest.raises(PermissionDenied):
        chief.update("outfalls", mine[0]["code"], {"address": "x"}, expected_version=mine[0]["version"])
    assert not chief.may("edit_record", "outfalls", mine[0]) and chief.may("read_record", "outfalls", mine[0])


def test_the_audit_records_the_logged_in_account_not_the_name_handed_in(accounts, store):
    officer = Records(store, _user(accounts, "officer.demo"))
    rec = store.list("outfalls")[5]
    saved = officer.update("outfalls", rec["code"], {"address": "上海市普陀区（测试地址）"}, rec["version"],
                           user="admin.demo")
    assert saved["updated_by"] == "officer.demo"
    assert store.audit("outfalls", rec["code"])[0]["user"] == "officer.demo"


def test_an_officer_of_one_subdistrict_cannot_move_a_record_out_of_it(accounts, store):
    admin = accounts.get("admin.demo")
    rec = store.list("outfalls")[7]
    if "sub.officer" not in {u.name for u in accounts.users()}:
        accounts.create("sub.officer", "Sub#Officer2026x", "officer", admin, subdistricts=[rec["subdistrict"]],
                        must_change_password=False)
    officer = Records(store, accounts.get("sub.officer"))
    other = next(r["subdistrict"] for r in store.list("outfalls") if r["subdistrict"] != rec["subdistrict"])
    with pytest.raises(PermissionDenied):
        officer.update("outfalls", rec["code"], {"subdistrict": other}, rec["version"])
    assert store.get("outfalls", rec["code"])["subdistrict"] == rec["subdistrict"]


def test_map_scope_keeps_the_chiefs_features_and_the_published_layers_of_viewers(accounts):
    from gislib.services.catalog import layer_frame

    outfalls = layer_frame("outfalls", dataset="putuo")
    chief = scope_of(accounts.get("chief.taopu"))
    assert set(scoped_frame(chief, "outfalls", outfalls)["river"]) == {"桃浦河"}
    viewer = scope_of(accounts.get("viewer.demo"))
    assert scoped_frame(viewer, "outfalls", outfalls).empty
    sections = layer_frame("sections", dataset="putuo")
    assert len(scoped_frame(viewer, "sections", sections)) == len(sections)
    assert scope_of(accounts.get("officer.demo")) is None  # the whole district: one shared cache
    rivers_context = scoped_frame(chief, "rivers", outfalls)  # context layers are not records: unchanged
    assert len(rivers_context) == len(outfalls)


def test_every_command_operation_is_in_the_permission_table():
    assert set(COMMAND_OPERATIONS.values()) <= set(OPERATIONS)


def _cli(data_dir, *args):
    env = {"HETU_DATA_DIR": str(data_dir), "HETU_DATASET": "putuo", "PATH": "/usr/bin:/bin"}
    import os

    env = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "gislib", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_cli_ledger_as_a_chief_holds_only_their_river_and_a_viewer_gets_no_file(data_dir, store, accounts, tmp_path):
    out = tmp_path / "taopu.csv"
    proc = _cli(data_dir, "ledger", "--user", "chief.taopu", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    header = next(i for i, r in enumerate(rows) if "受纳水体" in r)
    river = rows[header].index("受纳水体")
    body = [r for r in rows[header + 1:] if r and r[0]]
    assert body and {r[river] for r in body} == {"桃浦河"}
    assert len(body) == len([r for r in store.list("outfalls") if r.get("river") == "桃浦河"])
    refused = _cli(data_dir, "ledger", "--user", "viewer.demo", "--out", str(tmp_path / "v.csv"))
    assert refused.returncode == 2 and "无权导出" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "v.csv").exists()
    unknown = _cli(data_dir, "ledger", "--user", "nobody", "--out", str(tmp_path / "n.csv"))
    assert unknown.returncode == 2 and "没有用户" in unknown.stderr
