"""Tests of gislib.store: records, validation, codes, optimistic locking, bulk upsert, migrations."""
from __future__ import annotations

import sqlite3

import pytest

from gislib.errors import ConflictError, ConfigError, NotFoundError, ValidationError
from gislib.store import (
    BulkValidationError,
    RecordValidationError,
    credit_code_problem,
    open_store,
    register_code_validator,
    validate_outfall,
)
from gislib.store.migrations import LATEST_VERSION, MIGRATIONS, migrate
from gislib.store.validators import credit_check_char, permit_outlet_code

pytestmark = pytest.mark.usefixtures("db_backend")  # every test on SQLite and on PostGIS

HUAWEI = "914403001922038216"  # 华为技术有限公司, published 统一社会信用代码
TENCENT = "91440300708461136T"  # 深圳市腾讯计算机系统有限公司


def outfall(code: str = "PWK-001", **extra) -> dict:
    rec = {"code": code, "name": f"{code} 排口", "lon": 121.45, "lat": 31.22,
           "type_l1": "工业排污口", "type_l2": "工矿企业排污口", "type_l3": "工业企业排污口",
           "river": "苏州河", "subdistrict": "长征镇", "discharge_mode": "管道",
           "responsible_parties": [{"name": "华为技术有限公司", "credit_code": HUAWEI, "main": True}]}
    rec.update(extra)
    return rec


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path / "data")
    yield s
    s.close()


# --------------------------------------------------------------------------- GB 32100-2015
def test_credit_code_check_digit_worked_by_hand():
    # 914403001922038216: characters 9 1 4 4 0 3 0 0 1 9 2 2 0 3 8 2 1 (all digits, value = digit)
    # times weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    # 9+3+36+108+0+78+0+0+20+261+50+26+0+72+80+60+28 = 831; 831 mod 31 = 831-806 = 25;
    # 31-25 = 6 -> check character "6".
    assert credit_check_char(HUAWEI[:17]) == "6"
    assert credit_code_problem(HUAWEI) is None
    # 91440300708461136T: 9+3+36+108+0+78+0+0+140+0+200+52+48+24+10+90+168 = 966;
    # 966 mod 31 = 966-961 = 5; 31-5 = 26; alphabet 0-9A-H J K L M N P Q R T -> index 26 = "T".
    assert credit_check_char(TENCENT[:17]) == "T"
    assert credit_code_problem(TENCENT) is None


def test_credit_code_errors_are_specific():
    assert "末位应为 6" in credit_code_problem(HUAWEI[:17] + "7")
    assert "18 位" in credit_code_problem(HUAWEI[:17])
    assert "I" in credit_code_problem("91440300708461136I")


# --------------------------------------------------------------------------- validation
def test_valid_outfall_has_no_problems():
    assert validate_outfall(outfall()) == {}
    # approval kind is derived: 工矿企业排污口 needs 审批 (部令第35号)
    assert validate_outfall(outfall(type_l1="暂无法确定", type_l2=None, type_l3=None)) == {}


def test_validate_outfall_reports_every_field():
    bad = outfall(
        type_l2="城镇污水处理厂排污口", type_l3=None, target_class="VI", discharge_mode="暗管",
        admin_code="31010", lon=500000.0,
        responsible_parties=[{"name": "甲", "credit_code": HUAWEI[:17] + "7", "main": True},
                             {"name": "乙", "main": True}],
        monitoring=[{"date": "2026-02-30", "method": "目测", "item": "COD", "value": "abc"}],
        remediation={"kind": "拆除", "progress_pct": 120},
        signboard={"installed": True, "qr_url": "ftp://x"},
        inspections=[{"date": "2026-03-01", "inspector": "王", "photo_hashes": ["abc"]}],
    )
    errors = validate_outfall(bad)
    for field in ("type_l2", "target_class", "discharge_mode", "admin_code", "lon",
                  "responsible_parties", "responsible_parties[0].credit_code",
                  "monitoring[0].date", "monitoring[0].method", "monitoring[0].value",
                  "remediation.kind", "remediation.progress_pct", "signboard.qr_url",
                  "inspections[0].photo_hashes"):
        assert field in errors, field
    assert "可选" in errors["target_class"]


def test_create_raises_with_field_dict_and_writes_nothing(store):
    with pytest.raises(RecordValidationError) as exc:
        store.create("outfalls", outfall(name="", type_l1="工业排污口", type_l2="不存在"), "alice")
    assert set(exc.value.errors) >= {"name", "type_l2"}
    assert isinstance(exc.value, ValidationError)
    assert store.count("outfalls") == 0


def test_create_get_and_flat_demo_columns(store):
    rec = store.create("outfalls", {
        "code": "PWK-002", "name": "二号口", "lon": 121.4, "lat": 31.2, "type_l2": "城镇污水处理厂排污口",
        "responsible": "腾讯", "credit_code": TENCENT, "river_chief": "区级 张三",
        "remediation_kind": "合并", "deadline": "2026-06-30", "doc_no": "沪环审〔2025〕1号", "found_date": "2025-01-02",
    }, {"username": "alice"})
    assert rec["version"] == 1 and rec["state"] == "疑似" and rec["created_by"] == "alice"
    assert rec["type_l1"] == "城镇污水处理厂排污口" and rec["approval_kind"] == "审批"
    assert rec["responsible_parties"] == [{"name": "腾讯", "credit_code": TENCENT, "main": True}]
    assert rec["river_chief"] == {"level": "区级", "name": "张三"}
    assert rec["remediation"] == {"kind": "合并", "deadline": "2026-06-30"}
    assert rec["approval_doc_no"] == "沪环审〔2025〕1号" and rec["found_date"] == "2025-01-02"
    assert store.get("outfalls", "PWK-002") == rec
    with pytest.raises(NotFoundError):
        store.get("outfalls", "NOPE")
    with pytest.raises(ValidationError, match="user"):
        store.create("outfalls", outfall("X"), "")


def test_codes_unique_per_layer_and_scheme(store):
    store.create("outfalls", outfall("A", national_code="N-1", former_codes=["OLD-1"]), "alice")
    with pytest.raises(RecordValidationError) as exc:
        store.create("outfalls", outfall("A"), "alice")
    assert "code" in exc.value.errors
    with pytest.raises(RecordValidationError) as exc:
        store.create("outfalls", outfall("B", national_code="N-1"), "alice")
    assert "national_code" in exc.value.errors and "A" in exc.value.errors["national_code"]
    # codes are unique across the key/national/local schemes: the other record is named (issue 12)
    with pytest.raises(RecordValidationError) as exc:
        store.create("outfalls", outfall("B", local_code="N-1"), "alice")
    assert "已是记录 A 的国家统一编码" in exc.value.errors["local_code"]
    with pytest.raises(RecordValidationError) as exc:
        store.create("outfalls", outfall("N-1"), "alice")  # a key equal to A's national code
    assert "记录 A" in exc.value.errors["code"]
    # the same string in another layer is fine
    store.create("sections", {"code": "A", "name": "断面A", "lon": 121.0, "lat": 31.0}, "alice")
    # lookup by any code scheme
    assert store.get("outfalls", "N-1")["code"] == "A"
    assert store.get("outfalls", "OLD-1")["code"] == "A"


def test_pluggable_code_validator(store):
    assert permit_outlet_code("DW001") is None
    assert "DW" in permit_outlet_code("DA001")
    with pytest.raises(RecordValidationError) as exc:
        store.create("outfalls", outfall(permit_outlet_code="W01"), "alice")
    assert "permit_outlet_code" in exc.value.errors
    register_code_validator("national", lambda c: None if c.startswith("HJ") else "国家编码应以 HJ 开头")
    try:
        with pytest.raises(RecordValidationError) as exc:
            store.create("outfalls", outfall(national_code="X1"), "alice")
        assert exc.value.errors["national_code"] == "国家编码应以 HJ 开头"
    finally:
        register_code_validator("national", lambda c: None)


# --------------------------------------------------------------------------- update + audit
def test_update_audits_each_field_and_bumps_version(store):
    store.create("outfalls", outfall(), "alice")
    rec = store.update("outfalls", "PWK-001", {"name": "新名称", "river": "黄浦江"}, 1, "bob")
    assert rec["version"] == 2 and rec["updated_by"] == "bob" and rec["created_by"] == "alice"
    audit = store.audit("outfalls", "PWK-001")
    assert audit[-1]["action"] == "create"  # newest first
    updates = {a["field"]: a for a in audit if a["action"] == "update"}
    assert updates["name"]["old"] == "PWK-001 排口" and updates["name"]["new"] == "新名称"
    assert updates["river"]["old"] == "苏州河" and updates["river"]["new"] == "黄浦江"
    assert updates["name"]["user"] == "bob"
    # no change -> no new version
    assert store.update("outfalls", "PWK-001", {"name": "新名称"}, 2, "bob")["version"] == 2
    # the state cannot be changed by update
    with pytest.raises(RecordValidationError) as exc:
        store.update("outfalls", "PWK-001", {"state": "已核实"}, 2, "bob")
    assert "transition" in exc.value.errors["state"]


def test_update_code_keeps_former_code(store):
    store.create("outfalls", outfall("TMP-1"), "alice")
    rec = store.update("outfalls", "TMP-1", {"code": "PWK-9"}, 1, "bob")
    assert rec["code"] == "PWK-9" and rec["former_codes"] == ["TMP-1"]
    assert store.get("outfalls", "TMP-1")["code"] == "PWK-9"
    assert sorted(a["field"] for a in store.audit("outfalls", "PWK-9") if a["action"] == "update") == [
        "code", "former_codes"]


def test_two_officers_conflict_from_two_connections(tmp_path):
    first = open_store(tmp_path)
    first.create("outfalls", outfall(), "alice")
    officer_a, officer_b = open_store(tmp_path), open_store(tmp_path)
    try:
        seen_a = officer_a.get("outfalls", "PWK-001")
        seen_b = officer_b.get("outfalls", "PWK-001")
        officer_a.update("outfalls", "PWK-001", {"name": "甲改的名字"}, seen_a["version"], "officer_a")
        with pytest.raises(ConflictError) as exc:
            officer_b.update("outfalls", "PWK-001", {"name": "乙改的名字", "address": "某路1号"},
                             seen_b["version"], "officer_b")
        assert exc.value.mine == {"name": "乙改的名字", "address": "某路1号"}
        assert exc.value.theirs["name"] == "甲改的名字" and exc.value.theirs["version"] == 2
        assert "officer_a" in str(exc.value)
        # nothing of officer B was written, but the attempt is kept for recovery
        assert first.get("outfalls", "PWK-001")["name"] == "甲改的名字"
        kept = first.conflicts("outfalls", "PWK-001")
        assert len(kept) == 1 and kept[0]["user"] == "officer_b"
        assert kept[0]["mine"]["address"] == "某路1号" and kept[0]["theirs"]["version"] == 2
        # B retries on the new version and succeeds
        rec = officer_b.update("outfalls", "PWK-001", {"address": "某路1号"}, 2, "officer_b")
        assert rec["version"] == 3 and rec["name"] == "甲改的名字"
    finally:
        for s in (first, officer_a, officer_b):
            s.close()


def test_failed_write_rolls_back_everything(store, monkeypatch):
    store.create("outfalls", outfall(), "alice")
    real_audit, calls = store._audit, []

    def failing_audit(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real_audit(*args, **kwargs)

    monkeypatch.setattr(store, "_audit", failing_audit)
    with pytest.raises(RuntimeError):
        store.update("outfalls", "PWK-001", {"name": "新", "river": "黄浦江"}, 1, "bob")
    monkeypatch.undo()
    rec = store.get("outfalls", "PWK-001")
    assert (rec["version"], rec["name"], rec["river"]) == (1, "PWK-001 排口", "苏州河")
    assert len(store.audit("outfalls", "PWK-001")) == 1


def test_resolve_conflict(store):
    store.create("outfalls", outfall(), "alice")
    with pytest.raises(ConflictError):
        store.update("outfalls", "PWK-001", {"name": "x"}, 5, "bob")
    kept = store.conflicts()[0]
    assert kept["resolved"] is False
    store.resolve_conflict(kept["id"], "bob")
    assert store.conflicts()[0]["resolved"] is True
    with pytest.raises(NotFoundError):
        store.resolve_conflict(999, "bob")


def test_nothing_is_hard_deleted(store):
    store.create("outfalls", outfall(), "alice")
    with pytest.raises(sqlite3.IntegrityError):
        store._conn.execute("DELETE FROM features")
    with pytest.raises(sqlite3.IntegrityError):
        store._conn.execute("UPDATE audit SET user='mallory'")


# --------------------------------------------------------------------------- bulk
def test_upsert_many_counts_and_audit(store):
    result = store.upsert_many("outfalls", [outfall("A"), outfall("B")], "importer", "a.xlsx")
    assert result == {"inserted": 2, "updated": 0, "unchanged": 0}
    result = store.upsert_many("outfalls", [outfall("A"), outfall("B", river="黄浦江"), outfall("C")],
                               "importer", "b.xlsx")
    assert result == {"inserted": 1, "updated": 1, "unchanged": 1}
    b = store.get("outfalls", "B")
    assert b["version"] == 2 and b["river"] == "黄浦江"
    entry = [a for a in store.audit("outfalls", "B") if a["action"] == "update"]
    assert [(a["field"], a["old"], a["new"]) for a in entry] == [("river", "苏州河", "黄浦江")]
    assert "b.xlsx" in entry[0]["note"]


def test_upsert_many_is_all_or_nothing(store):
    store.create("outfalls", outfall("A"), "alice")
    rows = [outfall("A", river="黄浦江"), outfall("NEW-1"), outfall("BAD", lat=None, lon=None),
            outfall("NEW-1"), outfall("B", credit_code=None, responsible_parties=[
                {"name": "x", "credit_code": "123", "main": True}])]
    with pytest.raises(BulkValidationError) as exc:
        store.upsert_many("outfalls", rows, "importer", "bad.xlsx")
    reported = {r["index"]: r for r in exc.value.rows}
    assert set(reported) == {2, 3, 4}  # every bad row with its reason
    assert "lon" in reported[2]["errors"] and "重复" in reported[3]["errors"]["code"]
    assert "responsible_parties[0].credit_code" in reported[4]["errors"]
    zh, en = exc.value.text("zh"), exc.value.text("en")  # the rows one a line, each with its problems
    assert zh.startswith("3 行数据有问题") and "第 3 行（BAD）：lon：" in zh and "第 4 行（NEW-1）：code：" in zh
    assert en.startswith("3 rows have problems") and "row 3 (BAD): lon: " in en and "import again" in en
    assert store.count("outfalls") == 1 and store.get("outfalls", "A")["river"] == "苏州河"
    assert len(store.audit("outfalls", "A")) == 1


def test_upsert_refuses_state_change(store):
    store.create("outfalls", outfall("A"), "alice")
    with pytest.raises(BulkValidationError) as exc:
        store.upsert_many("outfalls", [outfall("A", state="已核实")], "importer", "x.csv")
    assert "transition" in exc.value.rows[0]["errors"]["state"]


def test_list_filters_and_sort(store):
    store.upsert_many("outfalls", [
        outfall("C", subdistrict="甲镇", river="苏州河"),
        outfall("A", subdistrict="乙镇", river="黄浦江", name="化工厂排口"),
        outfall("B", subdistrict="甲镇", river="黄浦江", type_l1="其他排口", type_l2="城镇雨洪排口", type_l3=None,
                national_code="NAT-77"),
    ], "importer", "x")
    assert [r["code"] for r in store.list("outfalls")] == ["A", "B", "C"]
    assert [r["code"] for r in store.list("outfalls", sort="-code")] == ["C", "B", "A"]
    assert [r["code"] for r in store.list("outfalls", subdistrict="甲镇")] == ["B", "C"]
    assert [r["code"] for r in store.list("outfalls", river="黄浦江", type_l1="其他排口")] == ["B"]
    assert [r["code"] for r in store.list("outfalls", text="化工")] == ["A"]
    assert [r["code"] for r in store.list("outfalls", text="NAT-7")] == ["B"]
    assert store.list("outfalls", text="%") == []  # wildcards are searched literally
    store.remove("outfalls", "C", "alice", "重复录入")
    assert store.count("outfalls") == 2 and store.count("outfalls", include_removed=True) == 3
    assert [r["code"] for r in store.list("outfalls", state="已撤销")] == ["C"]


def test_polygon_layer_and_geometry_checks(store):
    wkt = "POLYGON ((121.4 31.2, 121.41 31.2, 121.41 31.21, 121.4 31.2))"
    rec = store.create("plots", {"code": "DK-1", "name": "地块", "geometry_wkt": wkt,
                                 "source_crs": "EPSG:4549", "land_use": "第一类用地"}, "alice")
    assert rec["state"] == "疑似污染地块" and rec["geometry_wkt"].startswith("POLYGON")
    assert rec["source_crs"] == "EPSG:4549"
    with pytest.raises(RecordValidationError) as exc:
        store.create("plots", {"code": "DK-2", "name": "x", "geometry_wkt": "POLYGON ((500000 3400000, "
                               "500100 3400000, 500100 3400100, 500000 3400000))"}, "alice")
    assert "EPSG:4326" in exc.value.errors["geometry_wkt"]
    with pytest.raises(RecordValidationError) as exc:
        store.create("plots", {"code": "DK-3", "name": "x", "geometry_wkt": "POLYGON (("}, "alice")
    assert "WKT" in exc.value.errors["geometry_wkt"]
    with pytest.raises(ValidationError, match="未知图层"):
        store.create("rivers", {"code": "R"}, "alice")


# --------------------------------------------------------------------------- migrations
@pytest.mark.sqlite_only
def test_open_upgrades_an_old_schema(tmp_path):
    conn = sqlite3.connect(tmp_path / "hetu.sqlite", isolation_level=None)
    assert migrate(conn, target=1) == 1
    conn.execute("INSERT INTO features (layer, code, name, state, lon, lat, data, version, created_by, "
                 "created_at, updated_by, updated_at) VALUES ('outfalls', 'OLD-1', '老排口', '疑似', 121.4, 31.2, "
                 "'{\"name\": \"老排口\", \"type_l1\": \"暂无法确定\", \"type_l2\": \"暂无法确定\", "
                 "\"discharge_pattern\": \"间歇排放\"}', 1, 'v1', "
                 "'2024-01-01T00:00:00+00:00', 'v1', '2024-01-01T00:00:00+00:00')")
    conn.close()
    store = open_store(tmp_path)
    try:
        assert store.schema_version == LATEST_VERSION == MIGRATIONS[-1][0]
        rec = store.get("outfalls", "OLD-1")
        assert rec["name"] == "老排口"
        assert rec["discharge_pattern"] == "间断排放"  # migration 20: HJ 521-2009 wording
        # tables of later versions work on the upgraded file
        with pytest.raises(ConflictError):
            store.update("outfalls", "OLD-1", {"name": "x"}, 7, "bob")
        assert len(store.conflicts()) == 1
        versions = [r[0] for r in store._conn.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == [v for v, _d, _s in MIGRATIONS]
    finally:
        store.close()


@pytest.mark.sqlite_only
def test_newer_schema_is_refused(tmp_path):
    open_store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "hetu.sqlite")
    conn.execute("INSERT INTO schema_version VALUES (99, 'future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(ConfigError, match="请先升级 Hetu") as exc:
        open_store(tmp_path)
    assert exc.value.params["version"] == 99 and "upgrade Hetu" in exc.value.text("en")


@pytest.mark.sqlite_only
def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path / "envdir"))
    with open_store() as s:
        assert s.data_dir == tmp_path / "envdir"
        assert s._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert (tmp_path / "envdir" / "hetu.sqlite").exists()


@pytest.mark.sqlite_only
def test_store_package_is_streamlit_free():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, gislib.store, gislib.store.sqlite, gislib.reports.ledger, gislib.store.attachments; "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('streamlit', 'layers', 'views')]")
    subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], check=True)


@pytest.mark.sqlite_only  # runs once: it opens PostGIS itself (pg_schema)
def test_postgis_upgrades_an_old_schema_with_the_same_migrations(pg_schema, tmp_path):
    """The SQLite migration list runs on PostgreSQL: a version-1 database is brought to the latest,
    migration 20 rewording 间歇排放 in the JSON (its PostgreSQL text), triggers become PL/pgSQL."""
    from gislib.store.dialect import PgConnection
    from gislib.store.postgres import migrate_postgres

    conn = PgConnection(pg_schema)
    assert migrate_postgres(conn, target=1) == 1
    conn.execute("INSERT INTO features (layer, code, name, state, lon, lat, data, version, created_by, "
                 "created_at, updated_by, updated_at) VALUES ('outfalls', 'OLD-1', '老排口', '疑似', 121.4, 31.2, ?, "
                 "1, 'v1', '2024-01-01T00:00:00+00:00', 'v1', '2024-01-01T00:00:00+00:00')",
                 ('{"discharge_pattern": "间歇排放", "name": "老排口", "type_l1": "暂无法确定", "type_l2": "暂无法确定"}',))
    conn.close()
    with open_store(tmp_path, url=pg_schema) as store:
        assert store.schema_version == LATEST_VERSION
        assert store.get("outfalls", "OLD-1")["discharge_pattern"] == "间断排放"
        versions = [r[0] for r in store._conn.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == [v for v, _d, _s in MIGRATIONS]
        assert store.in_bbox("outfalls", 121.3, 31.1, 121.5, 31.3)[0]["code"] == "OLD-1"  # PostGIS column filled
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            store._conn.execute("DELETE FROM features")
