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


# ---------------------------------------------------------------------------- the page and command services
# (gislib.services.scoped): sections, plots, dust, problems and patrols by jurisdiction
from gislib.auth import User  # noqa: E402
from gislib.services import scoped  # noqa: E402

# Every service operation of gislib.services.scoped, written by hand: for viewer, river_chief, officer, admin
# (each with the jurisdiction 桃浦河 + 桃浦镇), whether they may call it on a record inside (first letter) and
# outside (second letter) that jurisdiction. Viewers read the published layers only (sections, plots); chiefs
# read, export, report problems and their progress and record patrols; officers and admins also move plots and
# problems through their stages, edit problems (约谈, 答复) and attach files.
SERVICE_MATRIX = """
service              viewer chief officer admin
sections.list        YN     YN    YN      YN
sections.samples     YN     YN    YN      YN
sections.bulletin    NN     YN    YN      YN
sections.import_samples NN  NN    YN      YN
plots.list           YN     YN    YN      YN
plots.registry       NN     YN    YN      YN
plots.move           NN     NN    YN      YN
dust.sites           NN     YN    YN      YN
dust.readings        NN     YN    YN      YN
dust.import_readings NN     NN    YN      YN
problems.list        NN     YN    YN      YN
problems.export      NN     YN    YN      YN
problems.import      NN     YN    YN      YN
problems.create      NN     YN    YN      YN
problems.transition  NN     NN    YN      YN
problems.edit        NN     NN    YN      YN
problems.comment     NN     YN    YN      YN
problems.attach      NN     NN    YN      YN
problems.ranking     NN     YN    YN      YN
patrols.chiefs       NN     YN    YN      YN
patrols.list         NN     YN    YN      YN
patrols.coverage     NN     YN    YN      YN
patrols.record       NN     YN    YN      YN
patrols.finding      NN     YN    YN      YN
"""
ROLES = ("viewer", "river_chief", "officer", "admin")
IN_TAOPU = {"code": "IN-1", "river": "桃浦河", "subdistrict": "桃浦镇"}
OUT_TAOPU = {"code": "OUT-1", "river": "苏州河", "subdistrict": "长寿路街道"}


def _service_matrix() -> dict[tuple[str, str, str], bool]:
    out = {}
    for line in SERVICE_MATRIX.strip().splitlines()[1:]:
        service, *cells = line.split()
        for role, cell in zip(ROLES, cells):
            out[(role, service, "in")], out[(role, service, "out")] = cell[0] == "Y", cell[1] == "Y"
    return out


def test_the_service_matrix_has_a_row_for_every_service_operation():
    rows = {service for (_r, service, _w) in _service_matrix()}
    assert rows == set(scoped.SERVICES), (f"service operations without a matrix row: {set(scoped.SERVICES) - rows}; "
                                          f"rows of no service operation: {rows - set(scoped.SERVICES)}")
    assert {operation for operation, _layer in scoped.SERVICES.values()} <= set(OPERATIONS)


@pytest.mark.parametrize("key, expected", sorted(_service_matrix().items()),
                         ids=lambda v: "-".join(v) if isinstance(v, tuple) else str(v))
def test_service_permission_matrix(key, expected, monkeypatch):
    monkeypatch.delenv("HETU_PUBLISHED_LAYERS", raising=False)  # the default: sections and plots
    role, service, where = key
    user = User(name=f"u-{role}", role=role, rivers=("桃浦河",), subdistricts=("桃浦镇",))
    record = IN_TAOPU if where == "in" else OUT_TAOPU
    assert scoped.may(user, service, record) is expected
    if not expected:
        with pytest.raises(PermissionDenied) as err:
            scoped.require(user, service, record)
        assert err.value.zh.startswith("无权") and err.value.en.startswith("Not allowed")


def _gpkg_count(sql: str) -> int:
    """A count read straight from the demo GeoPackage with sqlite3 (not through Hetu's code)."""
    import sqlite3

    with sqlite3.connect(REPO / "data" / "geo" / "putuo.gpkg") as con:
        return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def wide_chief(accounts):
    """A chief of 桃浦河 who also answers for the sub-district 桃浦镇 (plots and dust sites count by sub-district)."""
    admin = accounts.get("admin.demo")
    if "chief.taopu.town" not in {u.name for u in accounts.users()}:
        accounts.create("chief.taopu.town", "Taopu#Town2026x", "river_chief", admin, rivers=["桃浦河"],
                        subdistricts=["桃浦镇"], must_change_password=False)
    return accounts.get("chief.taopu.town")


def test_a_chiefs_sections_plots_and_dust_pages_hold_only_their_jurisdiction(accounts, store, wide_chief, data_dir):
    from gislib.services.catalog import layer_frame

    chief = accounts.get("chief.taopu")  # rivers only: 桃浦河
    sections = layer_frame("sections", data_dir=data_dir, dataset="putuo")
    mine = scoped.sections(chief, sections)
    # by hand from the GeoPackage: 2 sections lie on 桃浦河; with 桃浦镇 too, 11 (桃浦河 or 桃浦镇)
    assert len(mine) == _gpkg_count("SELECT count(*) FROM sections WHERE river = '桃浦河'") == 2
    assert set(mine["river"]) == {"桃浦河"}
    wide = scoped.sections(wide_chief, sections)
    assert len(wide) == _gpkg_count(
        "SELECT count(*) FROM sections WHERE river = '桃浦河' OR subdistrict = '桃浦镇'") == 11
    # plots and dust sites have no river: a chief of rivers only has none, one of 桃浦镇 has that town's
    assert scoped.plots(chief, store) == []
    plots = scoped.plots(wide_chief, store)
    assert len(plots) == _gpkg_count("SELECT count(*) FROM plots WHERE subdistrict = '桃浦镇'") == 2
    assert {p["subdistrict"] for p in plots} == {"桃浦镇"}
    assert len(scoped.registry_records(wide_chief, store)) == 2
    sites = layer_frame("dust_sites", data_dir=data_dir, dataset="putuo")
    assert scoped.dust_sites(chief, sites).empty
    mine_sites = scoped.dust_sites(wide_chief, sites)
    assert len(mine_sites) == _gpkg_count("SELECT count(*) FROM dust_sites WHERE subdistrict = '桃浦镇'") == 4
    import pandas as pd

    readings = pd.DataFrame({"site": list(sites["code"]) * 2, "PM10": range(2 * len(sites))})
    assert set(scoped.dust_readings(wide_chief, readings, sites)["site"]) == set(mine_sites["code"])


def test_a_chiefs_bulletin_holds_their_sections_and_a_viewer_gets_none(accounts, store):
    from gislib.services.catalog import layer_frame
    from gislib.water.samples import all_samples

    sections = layer_frame("sections", dataset="putuo")
    samples = all_samples(store, "putuo")
    shown, their_samples = scoped.bulletin_inputs(accounts.get("chief.taopu"), samples, sections)
    assert set(shown["river"]) == {"桃浦河"} and len(shown) == 2
    assert set(their_samples["section_code"]) == set(shown["code"])
    assert len(scoped.section_samples(accounts.get("viewer.demo"), samples, sections)) == len(samples)
    with pytest.raises(PermissionDenied, match="无权导出"):
        scoped.bulletin_inputs(accounts.get("viewer.demo"), samples, sections)
    assert scoped.report_area(accounts.get("chief.taopu"), "普陀区") == "普陀区（桃浦河）"
    assert scoped.report_area(accounts.get("officer.demo"), "普陀区") is None


def test_a_viewer_lists_no_dust_sites_and_exports_no_registry(accounts, store):
    from gislib.services.catalog import layer_frame

    viewer = accounts.get("viewer.demo")
    assert len(scoped.plots(viewer, store)) == _gpkg_count("SELECT count(*) FROM plots")  # published
    with pytest.raises(PermissionDenied, match="未向查看者发布"):
        scoped.dust_sites(viewer, layer_frame("dust_sites", dataset="putuo"))
    with pytest.raises(PermissionDenied, match="无权导出"):
        scoped.registry_records(viewer, store)


@pytest.fixture(scope="module")
def demo_store(store):
    """The module's store with the demo chiefs, patrols and problems (as the problems page seeds them)."""
    from gislib.demo.problems import ensure_demo

    ensure_demo(store, "putuo")
    return store


def _store_count(data_dir, sql: str) -> int:
    """A count read straight from the record store file with sqlite3 (not through Hetu's code)."""
    import sqlite3

    path = data_dir / "hetu.sqlite"
    if not path.exists():
        pytest.skip("the record store is not the SQLite file (HETU_DB_URL)")
    with sqlite3.connect(path) as con:
        return con.execute(sql).fetchone()[0]


TAOPU_PROBLEMS = ("SELECT count(*) FROM features WHERE layer = 'problems' AND state != '已撤销' "
                  "AND json_extract(data, '$.river') = '桃浦河'")


def test_a_chiefs_problem_list_and_cli_export_hold_only_their_river(accounts, demo_store, data_dir, tmp_path):
    import pandas as pd

    expected = _store_count(data_dir, TAOPU_PROBLEMS)
    assert expected > 0
    listed = scoped.problems(accounts.get("chief.taopu"), demo_store)
    assert len(listed) == expected and {r["river"] for r in listed} == {"桃浦河"}
    out = tmp_path / "taopu_problems.xlsx"
    proc = _cli(data_dir, "problems", "export", "--user", "chief.taopu", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = pd.read_excel(out, dtype=str).dropna(subset=["状态"])
    assert len(rows) == expected and set(rows["河道"]) == {"桃浦河"}
    refused = _cli(data_dir, "problems", "export", "--user", "viewer.demo", "--out", str(tmp_path / "v.xlsx"))
    assert refused.returncode == 2 and "无权" in refused.stderr and not (tmp_path / "v.xlsx").exists()


def test_cli_patrol_coverage_of_a_chief_is_their_rivers_share_of_the_district(demo_store, data_dir):
    import json

    whole = _cli(data_dir, "patrols", "coverage", "--days", "30", "--json", "--today", "2026-11-30")
    mine = _cli(data_dir, "patrols", "coverage", "--days", "30", "--json", "--today", "2026-11-30",
                "--user", "chief.taopu")
    assert whole.returncode == 0 and mine.returncode == 0, whole.stderr + mine.stderr
    whole, mine = json.loads(whole.stdout), json.loads(mine.stdout)
    taopu = next(r for r in whole["rivers"] if r["river"] == "桃浦河")
    assert [r["river"] for r in mine["rivers"]] == ["桃浦河"]
    assert mine["rivers"][0] == taopu  # the same stretches, lengths and last patrol as in the district's table
    assert mine["stretches"] == taopu["stretches"] < whole["stretches"]
    assert mine["length_km"] == taopu["length_km"] and mine["covered_km"] == taopu["covered_km"]
    refused = _cli(data_dir, "patrols", "coverage", "--json", "--user", "viewer.demo")
    assert refused.returncode == 2 and "无权" in refused.stderr


def test_a_chiefs_patrol_pages_list_only_the_chiefs_of_their_river(accounts, demo_store):
    chief = accounts.get("chief.taopu")
    # by hand from gislib/demo/problems.py CHIEFS: only 孙某某 (JZ-TP) has 桃浦河 among their rivers
    assert [c["id"] for c in scoped.chiefs(chief, demo_store)] == ["JZ-TP"]
    patrols = scoped.patrols(chief, demo_store)
    assert patrols and {p["chief_id"] for p in patrols} == {"JZ-TP"}
    with pytest.raises(PermissionDenied):
        scoped.patrols(accounts.get("viewer.demo"), demo_store)


def _river_points(name: str, fractions=(0.3, 0.5)) -> list[tuple[float, float]]:
    from gislib.dataset import load_layer
    from gislib.geo.crs import to_wgs84

    line = load_layer("rivers", "putuo").query("name == @name").to_crs(4549).geometry.iloc[0]
    out = []
    for f in fractions:
        p = line.interpolate(f, normalized=True)
        lon, lat = to_wgs84(p.x, p.y, "EPSG:4549")
        out.append((float(lon), float(lat)))
    return out


def test_a_chiefs_patrol_for_a_chief_outside_and_a_finding_outside_write_nothing(accounts, demo_store):
    import datetime as dt

    from gislib.patrols.tracks import points_track

    chief = accounts.get("chief.taopu")
    before = len(demo_store.patrols.patrols())
    track = points_track(_river_points("桃浦河"))
    with pytest.raises(PermissionDenied) as err:  # 赵某某 (JZ-CZ): 吴淞江, 木渎港, 朝阳河 of 长征镇
        scoped.record_patrol(chief, demo_store, track, "JZ-CZ", date=dt.date(2026, 11, 20))
    assert "不在您的辖区内" in err.value.zh and "outside your jurisdiction" in err.value.en
    assert len(demo_store.patrols.patrols()) == before
    mine = scoped.record_patrol(chief, demo_store, track, "JZ-TP", date=dt.date(2026, 11, 20))
    assert mine["chief_id"] == "JZ-TP" and len(demo_store.patrols.patrols()) == before + 1
    problems_before = demo_store.count("problems")
    lon, lat = _river_points("苏州河", (0.5,))[0]
    with pytest.raises(PermissionDenied):
        scoped.finding_to_problem(chief, demo_store, mine["code"], {"text": "苏州河岸边有垃圾", "lon": lon, "lat": lat})
    assert demo_store.count("problems") == problems_before
    assert demo_store.patrols.patrol(mine["code"])["findings"] == []
    lon, lat = _river_points("桃浦河", (0.4,))[0]
    made = scoped.finding_to_problem(chief, demo_store, mine["code"], {"text": "桃浦河岸边有垃圾", "lon": lon, "lat": lat})
    assert made["river"] == "桃浦河" and made["created_by"] == "chief.taopu"
    with pytest.raises(PermissionDenied):  # a viewer records nothing at all
        scoped.record_patrol(accounts.get("viewer.demo"), demo_store, track, "JZ-TP", date=dt.date(2026, 11, 21))
    assert len(demo_store.patrols.patrols()) == before + 1


TASKS = [{"item_no": "1", "name": "桃浦河沿岸垃圾堆放", "river": "桃浦河"},
         {"item_no": "2", "name": "苏州河排口渗漏", "river": "苏州河"},
         {"item_no": "3", "name": "桃浦河排口晴天排水", "river": "桃浦河", "responsible_unit": "桃浦镇",
          "measures": "封堵", "deadline": "2026-12-31"}]


def test_a_chiefs_task_list_import_keeps_their_rows_and_rejects_the_others_with_the_reason(accounts, demo_store):
    from gislib.dataset import load_layer
    from gislib.problems import batches

    rivers = load_layer("rivers", "putuo")
    batch = {"code": "DC-TP-1", "name": "桃浦河督察反馈", "issued_date": "2026-11-01"}
    outcome = scoped.import_task_list(accounts.get("chief.taopu"), demo_store, batch, TASKS, rivers=rivers)
    assert [r["item_no"] for r in outcome.created] == ["1", "3"]
    assert {r["river"] for r in outcome.created} == {"桃浦河"}
    from gislib.problems import model

    # row 3 names a unit, measures and a deadline, but a chief may not assign (交办): registered, waiting
    assert [r["state"] for r in outcome.created] == [model.REGISTERED, model.REGISTERED]
    officer = scoped.import_task_list(accounts.get("officer.demo"), demo_store,
                                      {**batch, "code": "DC-OF-1", "name": "区督察反馈"}, TASKS, rivers=rivers)
    assert [r["state"] for r in officer.created] == [model.REGISTERED, model.REGISTERED, model.ASSIGNED]
    [rejected] = outcome.rejected
    assert rejected["row"] == 2 and "苏州河" in rejected["zh"] and "不在您的辖区内" in rejected["zh"]
    assert "outside your jurisdiction" in rejected["en"]
    assert [r["item_no"] for r in batches.batch_items(demo_store, "DC-TP-1")] == ["1", "3"]

    before = demo_store.count("problems")
    codes_before = {b["code"] for b in demo_store.patrols.batches()}
    with pytest.raises(PermissionDenied, match="无权上报问题"):  # a viewer has no right at all: nothing
        scoped.import_task_list(accounts.get("viewer.demo"), demo_store, {**batch, "code": "DC-V-1"}, TASKS,
                                rivers=rivers)
    outside_only = scoped.import_task_list(accounts.get("chief.taopu"), demo_store, {**batch, "code": "DC-TP-2"},
                                           TASKS[1:2], rivers=rivers)
    assert outside_only.created == [] and len(outside_only.rejected) == 1
    assert demo_store.count("problems") == before
    assert {b["code"] for b in demo_store.patrols.batches()} == codes_before  # no empty batch either


def test_cli_task_list_import_as_a_chief_reports_the_rejected_rows(accounts, demo_store, data_dir, tmp_path):
    import json

    import pandas as pd

    sheet = tmp_path / "tasks.xlsx"
    pd.DataFrame([{"序号": t["item_no"], "问题": t["name"], "河道": t["river"]} for t in TASKS]).to_excel(sheet, index=False)
    proc = _cli(data_dir, "problems", "import", str(sheet), "--batch", "DC-TP-3", "--name", "CLI 批次",
                "--issued", "2026-11-02", "--user", "chief.taopu", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["imported"] == 2 and [r["row"] for r in result["rejected"]] == [2]
    assert "苏州河" in result["rejected"][0]["reason"] and "outside" in result["rejected"][0]["reason_en"]


def test_a_problems_steps_are_checked_in_the_service(accounts, demo_store):
    chief, officer = accounts.get("chief.taopu"), accounts.get("officer.demo")
    rec = next(r for r in scoped.problems(chief, demo_store) if r["state"] == "已登记")
    with pytest.raises(PermissionDenied, match="无权变更状态"):  # a chief does not assign (交办)
        scoped.problem_step(chief, demo_store, "assign", rec["code"], "2026-11-25", "桃浦镇", "清理", "2026-12-31")
    assert demo_store.get("problems", rec["code"])["version"] == rec["version"]
    scoped.problem_step(officer, demo_store, "assign", rec["code"], "2026-11-25", "桃浦镇", "清理", "2026-12-31")
    scoped.problem_step(officer, demo_store, "start", rec["code"], "2026-11-26")
    saved = scoped.problem_step(chief, demo_store, "report_progress", rec["code"], "2026-11-27", "已清理一半")
    assert saved["progress"][-1]["user"] == "chief.taopu"
    outside = next(r for r in demo_store.list("problems") if r.get("river") == "苏州河")
    with pytest.raises(PermissionDenied, match="不在您的辖区内"):
        scoped.problem_step(chief, demo_store, "report_progress", outside["code"], "2026-11-27", "x")
    assert demo_store.get("problems", outside["code"])["version"] == outside["version"]
    assert not scoped.may_step(chief, "withdraw", rec) and scoped.may_step(officer, "withdraw", rec)


def test_a_chiefs_trace_names_no_outfall_outside_not_even_off_network(accounts, data_dir):
    import pandas as pd

    from gislib.geo.network import UpstreamResult
    from gislib.services.access import trace_result
    from gislib.services.catalog import layer_frame

    outfalls = layer_frame("outfalls", data_dir=data_dir, dataset="putuo")
    inside = outfalls[outfalls["river"] == "桃浦河"]["code"].iloc[0]
    outside = outfalls[outfalls["river"] == "苏州河"]["code"].iloc[0]
    result = UpstreamResult(section="S", mode="directed", km_limit=3.0,
                            outfalls=[{"code": inside, "km": 1.0}, {"code": outside, "km": 2.0}],
                            off_network=[{"code": outside, "metres": 80.0}, {"code": inside, "metres": 70.0}],
                            overrides={}, warnings=[], stretch=None)
    found = pd.DataFrame({"code": [inside, outside], "km": [1.0, 2.0], "river": ["桃浦河", "苏州河"]})
    kept, table = trace_result(accounts.get("chief.taopu"), result, found, outfalls)
    assert [o["code"] for o in kept.outfalls] == [inside] and [o["code"] for o in kept.off_network] == [inside]
    assert list(table["code"]) == [inside]
    whole, _ = trace_result(accounts.get("officer.demo"), result, found, outfalls)
    assert len(whole.off_network) == 2


@pytest.fixture(scope="module")
def taopu_officer(accounts):
    """An officer of the town 桃浦镇 only."""
    if "officer.taopu" not in {u.name for u in accounts.users()}:
        accounts.create("officer.taopu", "Taopu#Officer2026x", "officer", accounts.get("admin.demo"),
                        subdistricts=["桃浦镇"], must_change_password=False)
    return accounts.get("officer.taopu")


def test_sample_import_of_a_town_officer_writes_their_sections_rows_and_rejects_the_others(
        accounts, store, data_dir, taopu_officer, tmp_path):
    from gislib.services.catalog import layer_frame
    from gislib.water.samples import preview_import

    sections = layer_frame("sections", data_dir=data_dir, dataset="putuo")
    (inside,) = [c for (c,) in _gpkg_count_rows("SELECT code FROM sections WHERE subdistrict = '桃浦镇' "
                                                "ORDER BY code LIMIT 1")]
    (outside,) = [c for (c,) in _gpkg_count_rows("SELECT code FROM sections WHERE subdistrict = '长寿路街道' "
                                                 "ORDER BY code LIMIT 1")]
    sheet = tmp_path / "samples.csv"
    sheet.write_text(f"断面,采样日期,氨氮,总磷\n{inside},2026-10-05,0.8,0.15\n{outside},2026-10-05,0.9,0.2\n"
                     f"{inside},2026-10-20,0.7,0.12\n", encoding="utf-8")
    preview = preview_import(sheet, sections, source="samples.csv")
    assert len(preview.valid_rows) == 3
    before = len(store.samples.rows())
    outcome = scoped.import_samples(taopu_officer, store, preview, sections)
    # row 2 as the preview's 行 column counts them (data rows from 1)
    assert [r["row"] for r in outcome.rejected] == [2] and outside in outcome.rejected[0]["zh"]
    assert "outside your jurisdiction" in outcome.rejected[0]["en"]
    assert outcome.created[0]["rows"] == 2 and len(store.samples.rows()) == before + 2
    assert {r["section_code"] for r in store.samples.rows()[-2:]} <= {inside}
    with pytest.raises(PermissionDenied, match="无权导入数据"):  # a chief imports nothing
        scoped.import_samples(accounts.get("chief.taopu"), store, preview, sections)
    assert len(store.samples.rows()) == before + 2


def test_dust_readings_of_a_town_officer_keep_their_sites_and_reject_the_others(
        accounts, store, data_dir, taopu_officer):
    import pandas as pd

    from gislib.services.catalog import layer_frame

    sites = layer_frame("dust_sites", data_dir=data_dir, dataset="putuo")
    inside = [c for (c,) in _gpkg_count_rows("SELECT code FROM dust_sites WHERE subdistrict = '桃浦镇' ORDER BY code")]
    outside = [c for (c,) in _gpkg_count_rows("SELECT code FROM dust_sites WHERE subdistrict = '长征镇' ORDER BY code")]
    frame = pd.DataFrame({"site": [inside[0], inside[0], outside[0]],
                          "time": ["2026-11-01 01:00", "2026-11-01 02:00", "2026-11-01 01:00"],
                          "PM10": [80.0, 90.0, 300.0]})
    outcome = scoped.save_dust_readings(taopu_officer, store, frame, sites, "test.csv", units={"PM10": "µg/m³"})
    assert outcome.created == [{"rows": 2}]
    assert [(r["site"], r["readings"]) for r in outcome.rejected] == [(outside[0], 1)]
    assert "不在您的辖区内" in outcome.rejected[0]["zh"]
    with pytest.raises(PermissionDenied):
        scoped.save_dust_readings(accounts.get("viewer.demo"), store, frame, sites, "test.csv")


def _gpkg_count_rows(sql: str) -> list:
    import sqlite3

    with sqlite3.connect(REPO / "data" / "geo" / "putuo.gpkg") as con:
        return con.execute(sql).fetchall()


def test_a_town_officers_patrol_coverage_holds_the_stretches_in_their_town(demo_store, taopu_officer):
    import datetime as dt

    from gislib.patrols.service import coverage

    day = dt.date(2026, 11, 30)
    whole = coverage(demo_store, day)
    mine = scoped.coverage(taopu_officer, demo_store, day)
    assert 0 < len(mine) < len(whole) and set(mine["subdistrict"]) == {"桃浦镇"}
    # each kept stretch's midpoint lies in 桃浦镇's polygon (read from the GeoPackage with geopandas)
    import geopandas as gpd

    town = gpd.read_file(REPO / "data" / "geo" / "putuo.gpkg", layer="subdistricts").query("name == '桃浦镇'")
    mids = mine.geometry.interpolate(0.5, normalized=True).to_crs(town.crs)
    assert mids.within(town.geometry.iloc[0]).all()
