"""Issue 12, items 5 and 6: imports are edits, and honest files are forgiven.

Fixtures are generated here (a BD-09 ledger without a type column, a field app's KML with the code
in the description, a ledger whose type column holds level-3 types …); expected values are worked
out by hand from HJ 1312-2023 (gislib.domain.OUTFALL_TYPES mirrors its table, docs §1.2).
"""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from openpyxl import load_workbook

from gislib.geo import crs
from gislib.errors import ValidationError
from gislib.io.importer import import_file, validate_rows
from cli.import_ import write_to_store
from gislib.io.prepare import description_pairs
from gislib.io.validate import near_duplicates
from gislib.store import open_store

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "data")
    yield s
    s.close()


def _grid(n: int, step: float = 0.001) -> list[tuple[float, float]]:
    """n WGS84 points ~100 m apart in Putuo (no two are near-duplicates)."""
    return [(121.38 + step * (i % 10), 31.24 + step * (i // 10)) for i in range(n)]


def bd09_ledger_without_type(path, n: int = 48):
    lines = ["编号,名称,百度经度,百度纬度,河道,街道"]
    for i, (lon, lat) in enumerate(_grid(n), start=1):
        bx, by = crs.wgs84_to_bd09(lon, lat)
        lines.append(f"BD{i:03d},排查点{i},{bx:.7f},{by:.7f},苏州河,长征镇")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def field_app_kml(path, n: int = 20):
    marks = []
    for i, (lon, lat) in enumerate(_grid(n), start=1):
        kind = "<br>类型:雨水排口" if i % 2 else ""  # half of them typed (a synonym), half not
        marks.append(f"<Placemark><name>巡查点{i}</name><description><![CDATA[编码:PT{i:04d}<br>名称：东河排口{i}"
                     f"{kind}<br>河道:东河]]></description><Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>")
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                    + "".join(marks) + "</Document></kml>", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- honest files
def test_bd09_ledger_without_type_column_all_rows_imported(tmp_path, store):
    report = import_file(bd09_ledger_without_type(tmp_path / "排查台账_百度.csv"), "outfalls", today=TODAY)
    assert report.crs["used"] == "bd09" and not report.rejected and len(report.accepted) == 48
    assert set(report.accepted["type_l1"]) == set(report.accepted["type_l2"]) == {"暂无法确定"}
    assert any(w["kind"] == "fill" and "48 行未填排口类型" in w["message"] for w in report.warnings)
    stats = write_to_store(store, report, user="officer:li", source="排查台账_百度.csv")
    assert stats["inserted"] == 48 and store.count("outfalls") == 48
    # the officer fills the type for the whole batch instead
    filled = import_file(tmp_path / "排查台账_百度.csv", "outfalls", fill={"type_l2": "城镇雨洪排口"})
    assert set(filled.accepted["type_l1"]) == {"其他排口"} and set(filled.accepted["type_l2"]) == {"城镇雨洪排口"}
    assert filled.filled == {"type_l2": 48}


def test_field_app_kml_with_codes_in_descriptions_all_imported(tmp_path, store):
    report = import_file(field_app_kml(tmp_path / "两步路导出.kml"), "outfalls", today=TODAY)
    assert not report.rejected and len(report.accepted) == 20
    acc = report.accepted.set_index("code")
    assert list(acc.index) == [f"PT{i:04d}" for i in range(1, 21)]
    assert acc.loc["PT0001", "river"] == "东河" and acc.loc["PT0001", "type_l2"] == "城镇雨洪排口"  # synonym 雨水排口
    assert acc.loc["PT0002", "type_l2"] == "暂无法确定"  # no type during 排查
    assert any("编码" in n for n in report.notes)
    assert write_to_store(store, report, user="officer:li", source="两步路导出.kml")["inserted"] == 20


def test_description_pairs_full_and_half_width_colons_and_html():
    assert description_pairs("编码:PT0001<br>名称：东河排口<BR/>河道 : 东河") == {
        "编码": "PT0001", "名称": "东河排口", "河道": "东河"}
    assert description_pairs("<div>编码=A1</div><div>备注:见 http://x.cn</div>") == {"编码": "A1", "备注": "见 http://x.cn"}
    assert description_pairs("no pairs here") == {}


def _ledger(tmp_path, header: str, types: list[str]):
    lines = [f"排口编码,排口名称,{header},经度,纬度"]
    lines += [f"G{i},排口{i},{t},{lon},{lat}" for i, (t, (lon, lat)) in enumerate(zip(types, _grid(len(types))), start=1)]
    path = tmp_path / "ledger.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_level3_type_in_the_type_column_implies_level_2_and_1(tmp_path):
    path = _ledger(tmp_path, "排口类型", ["工业企业排污口", "尾矿库雨洪排口", "工矿企业排污口"])
    report = import_file(path, "outfalls")
    assert not report.rejected
    got = [[v if isinstance(v, str) else None for v in row] for row in report.accepted[["type_l1", "type_l2", "type_l3"]].values]
    assert got == [["工业排污口", "工矿企业排污口", "工业企业排污口"],
                   ["工业排污口", "工矿企业雨洪排口", "尾矿库雨洪排口"],
                   ["工业排污口", "工矿企业排污口", None]]
    # remapping the column to 三级类型 works too
    remapped = import_file(path, "outfalls", mapping={"排口编码": "code", "排口名称": "name", "排口类型": "type_l3",
                                                      "经度": "x", "纬度": "y"})
    assert not remapped.rejected and remapped.accepted["type_l3"].tolist()[:2] == ["工业企业排污口", "尾矿库雨洪排口"]


def test_contradicting_type_columns_are_refused():
    r = validate_rows([{"code": "A", "name": "a", "type_l1": "农业排口", "type_l3": "矿山排污口", "x": 121.4, "y": 31.25}],
                      "outfalls")
    assert "不符" in r.rejected[0]["details"]


def test_unknown_values_listed_then_mapped_by_the_officer(tmp_path):
    path = _ledger(tmp_path, "排口类型", ["养殖排口", "养殖排口", "雨水排口"])
    report = import_file(path, "outfalls")
    assert [r["row"] for r in report.rejected] == [2, 3]  # CSV line numbers
    assert report.unknown_values == {"type_l2": {"养殖排口": 2}}
    assert report.value_hits == {"type_l2": {"雨水排口": "城镇雨洪排口"}}
    mapped = import_file(path, "outfalls", value_map={"type_l2": {"养殖排口": "规模以下水产养殖排污口"}})
    assert not mapped.rejected
    assert mapped.accepted["type_l1"].tolist() == ["其他排口"] * 3


def test_state_synonym_and_unknown_state():
    rows = [{"code": "A", "name": "a", "type_l2": "城镇雨洪排口", "state": "待核实", "x": 121.40, "y": 31.25},
            {"code": "B", "name": "b", "type_l2": "城镇雨洪排口", "state": "差不多了", "x": 121.41, "y": 31.25}]
    r = validate_rows(rows, "outfalls")
    assert r.accepted["state"].tolist() == ["疑似"] and r.unknown_values == {"state": {"差不多了": 1}}


def test_provisional_codes_for_new_points_without_code():
    rows = [{"name": "无编码1", "type_l2": "城镇雨洪排口", "x": 121.40, "y": 31.25},
            {"name": "无编码2", "type_l2": "城镇雨洪排口", "x": 121.41, "y": 31.25}]
    r = validate_rows(rows, "outfalls", existing_codes=frozenset({"LS-20261130-007"}), today=TODAY)
    assert r.accepted["code"].tolist() == ["LS-20261130-008", "LS-20261130-009"]
    assert sum(w["kind"] == "provisional_code" for w in r.warnings) == 2


def test_row_numbers_are_the_spreadsheet_rows_and_reasons_short(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["排口编码", "排口名称", "排口类型", "经度", "纬度"])
    ws.append(["A1", "好的", "城镇雨洪排口", 121.40, 31.25])
    ws.append(["A2", "", "完全不认识的类型" * 10, "见附图", 31.25])  # Excel row 3
    path = tmp_path / "x.xlsx"
    wb.save(path)
    r = import_file(path, "outfalls")
    assert r.accepted["source_row"].tolist() == [2] and [x["row"] for x in r.rejected] == [3]
    bad = r.rejected[0]
    assert len(bad["reason"]) <= 60 and "等 3 项" in bad["reason"]
    assert "见附图" in bad["details"] and "name" in bad["details"] and "type_l2" in bad["details"]


def test_control_characters_stripped_with_a_warning(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_text("排口编码,排口名称,排口类型,经度,纬度\nA1,东\x00河\x1b排口,城镇雨洪排口,121.40,31.25\n", encoding="utf-8")
    r = import_file(path, "outfalls")
    assert r.accepted["name"].tolist() == ["东河排口"]
    assert any(w["kind"] == "control_chars" and w["row"] == 2 for w in r.warnings)
    r.rejected_raw[9] = {"排口名称": "ok"}
    r.rejected.append({"row": 9, "reason": "x", "details": "x"})
    assert load_workbook(r.rejected_to_excel(tmp_path / "rej.xlsx")).active["A2"].value == 9


# --------------------------------------------------------------------------- imports are edits
def _stored(store, code="E1", lon=121.40, lat=31.25, **extra):
    return store.create("outfalls", {"code": code, "name": f"{code} 排口", "lon": lon, "lat": lat,
                                     "type_l2": "城镇雨洪排口", "type_l1": "其他排口", **extra}, "officer:wang")


def _csv(tmp_path, rows: list[str], name="in.csv"):
    path = tmp_path / name
    path.write_text("排口编码,排口名称,排口类型,经度,纬度,国家统一编码\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_row_on_top_of_a_stored_outfall_needs_a_decision(tmp_path, store):
    _stored(store)
    path = _csv(tmp_path, ["N1,新发现排口,城镇雨洪排口,121.40,31.25,", "N2,远处排口,城镇雨洪排口,121.43,31.25,"])

    def preview():
        return import_file(path, "outfalls", existing_records=store.list("outfalls", include_removed=True))

    report = preview()
    [d] = report.near_duplicates
    assert (d["row"], d["other_code"], d["distance_m"], d["existing"]) == (2, "E1", 0.0, True)
    with pytest.raises(ValidationError, match="第 2 行"):
        write_to_store(store, report, user="officer:li", source="in.csv")
    assert store.count("outfalls") == 1  # nothing written silently
    stats = write_to_store(store, preview(), user="officer:li", source="in.csv", near_duplicates="skip")
    assert stats["skipped"] == [2] and stats["inserted"] == 1 and store.count("outfalls") == 2
    stats = write_to_store(store, preview(), user="officer:li", source="in.csv", decisions={2: "merge"})
    assert (stats["updated"], stats["merged"]) == (1, 1)
    merged = store.get("outfalls", "E1")
    assert merged["name"] == "新发现排口" and merged["local_code"] == "N1" and store.count("outfalls") == 2


def test_keep_both_writes_a_new_record(tmp_path, store):
    _stored(store)
    report = import_file(_csv(tmp_path, ["N1,新发现排口,城镇雨洪排口,121.40,31.25,"]), "outfalls",
                         existing_records=store.list("outfalls"))
    assert write_to_store(store, report, user="officer:li", source="in.csv", near_duplicates="keep")["inserted"] == 1
    assert store.count("outfalls") == 2


def test_an_update_of_a_record_changed_meanwhile_is_a_conflict(tmp_path, store):
    _stored(store)
    _stored(store, "E2", lon=121.45)
    path = _csv(tmp_path, ["E1,导入改的名字,城镇雨洪排口,121.40,31.25,", "E2,导入改的名字2,城镇雨洪排口,121.45,31.25,"])
    report = import_file(path, "outfalls", existing_records=store.list("outfalls"))
    assert report.versions == {"E1": 1, "E2": 1} and not report.near_duplicates  # a record's own update is not a duplicate
    store.update("outfalls", "E1", {"name": "王科长刚改的名字"}, 1, "officer:wang")  # meanwhile
    stats = write_to_store(store, report, user="officer:li", source="in.csv")
    assert [c["code"] for c in stats["conflicts"]] == ["E1"] and stats["updated"] == 1
    assert store.get("outfalls", "E1")["name"] == "王科长刚改的名字"  # not written over
    kept = store.conflicts("outfalls", "E1")[0]
    assert kept["mine"]["name"] == "导入改的名字" and kept["theirs"]["version"] == 2
    assert store.get("outfalls", "E2")["name"] == "导入改的名字2"


def test_code_equal_to_another_records_national_code_is_refused(tmp_path, store):
    _stored(store, "E1", national_code="N310107001")
    report = import_file(_csv(tmp_path, ["N310107001,冒名排口,城镇雨洪排口,121.45,31.25,"]), "outfalls",
                         existing_records=store.list("outfalls"))
    assert not len(report.accepted) and "记录 E1 的国家统一编码" in report.rejected[0]["details"]
    # and the store refuses it on its own too
    from gislib.io.validate import validate_rows as plain

    unchecked = plain([{"code": "N310107001", "name": "x", "type_l2": "城镇雨洪排口", "x": 121.45, "y": 31.25}], "outfalls")
    stats = write_to_store(store, unchecked, user="officer:li", source="x.csv")
    assert stats["refused"] == 1 and "E1" in unchecked.rejected[0]["details"]
    assert store.get("outfalls", "E1")["lon"] == 121.40  # that outfall did not move


def test_officers_save_is_not_blocked_by_a_long_import(tmp_path):
    """3,000 rows in 200-row transactions: another connection, which gives up after 2 s of waiting
    for the write lock, saves its edit while the import is still running."""
    data = tmp_path / "data"
    importer, officer = open_store(data), open_store(data)
    try:
        _stored(officer, "E1", lon=121.50)
        officer._conn.execute("PRAGMA busy_timeout=2000")
        rows = [{"code": f"B{i:05d}", "name": f"b{i}", "lon": 121.3 + i * 1e-5, "lat": 31.2,
                 "type_l1": "暂无法确定", "type_l2": "暂无法确定"} for i in range(3000)]
        done = threading.Event()
        worker = threading.Thread(target=lambda: (importer.import_records("outfalls", rows, "cli", "big.csv"), done.set()))
        worker.start()
        while officer.count("outfalls") < 201:  # the first batch is in
            pass
        saved = officer.update("outfalls", "E1", {"name": "改名"}, 1, "officer:wang")
        during = not done.is_set()
        worker.join()
        assert saved["version"] == 2 and during and officer.count("outfalls") == 3001
    finally:
        importer.close()
        officer.close()


def test_import_memory_per_source_and_user(store):
    store.remember_import("officer:li", "台账|a,b", "values", {"type_l2": {"养殖排口": "规模以下水产养殖排污口"}})
    store.remember_import("officer:wang", "台账|a,b", "values", {"type_l2": {"养殖排口": "规模化水产养殖排污口"}})
    assert store.recall_import("officer:li", "台账|a,b", "values")["type_l2"]["养殖排口"] == "规模以下水产养殖排污口"
    assert store.recall_import("officer:zhao", "台账|a,b", "values") is not None  # someone's, for a new colleague
    assert store.recall_import("officer:li", "其他|c", "values") is None


# --------------------------------------------------------------------------- near-duplicates stay linear
@pytest.mark.parametrize("n", [3000, 20000])
def test_co_located_rows_give_one_flag_each_and_capped_warnings(n):
    rows = [{"code": f"C{i}", "name": f"c{i}", "type_l2": "城镇雨洪排口", "x": 121.40, "y": 31.25} for i in range(n)]
    r = validate_rows(rows, "outfalls", existing_codes=frozenset())
    assert len(r.near_duplicates) == n - 1  # every row but the first, each once (not n²/2 pairs)
    assert all(d["other_row"] == 1 for d in r.near_duplicates)
    near = [w for w in r.warnings if w["kind"] == "near_duplicate"]
    assert len(near) == 201 and f"共 {n - 1} 条" in near[-1]["message"]


def test_near_duplicates_exact_on_a_small_case():
    import geopandas as gpd
    from shapely.geometry import Point

    # 1 m steps along a parallel at 31.25°N: rows 1-2-3 chain within 5 m, row 4 is 100 m away
    m = 1 / (111320 * 0.8549)
    gdf = gpd.GeoDataFrame({"code": list("ABCD"), "name": list("abcd"), "source_row": [2, 3, 4, 5]},
                           geometry=[Point(121.4, 31.25), Point(121.4 + 3 * m, 31.25), Point(121.4 + 7 * m, 31.25),
                                     Point(121.4 + 100 * m, 31.25)], crs=4326)
    got = {(d["row"], d["other_row"]): d["distance_m"] for d in near_duplicates(gdf, 5)}
    assert set(got) == {(3, 2), (4, 3)} and got[(3, 2)] == pytest.approx(3, abs=0.05)


def test_a_withdrawn_outfall_is_not_a_duplicate(tmp_path, store):
    _stored(store)
    store.remove("outfalls", "E1", user="officer:wang", reason="误报，已撤销")
    report = import_file(_csv(tmp_path, ["N1,新发现排口,城镇雨洪排口,121.40,31.25,"]), "outfalls",
                         existing_records=store.list("outfalls", include_removed=True))
    assert report.near_duplicates == [] and len(report.accepted) == 1


def test_cli_fill_value_map_and_near_duplicate_flag(tmp_path):
    import json

    from tests.test_import import run_cli

    path = tmp_path / "台账.csv"
    path.write_text("编号,名称,类型,经度,纬度\nK1,一号,,121.40,31.25\nK2,二号,养殖排口,121.41,31.25\n"
                    "K3,三号,养殖排口,121.41,31.25\n", encoding="utf-8")
    vmap = tmp_path / "values.json"
    vmap.write_text(json.dumps({"type_l2": {"养殖排口": "规模化畜禽养殖排污口"}}, ensure_ascii=False), encoding="utf-8")
    data = str(tmp_path / "data")
    proc = run_cli("import", str(path), "--layer", "outfalls", "--json", "--data-dir", data,
                   "--fill", "type_l2=城镇雨洪排口", "--value-map", str(vmap), "--near-duplicates", "skip")
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    assert js["rejected"] == [] and js["filled"] == {"type_l2": 1}
    assert js["store"]["inserted"] == 2 and js["store"]["skipped"] == [4]  # K3 lies on K2: skipped as told
    with open_store(tmp_path / "data") as s:
        assert s.get("outfalls", "K1")["type_l2"] == "城镇雨洪排口"
        assert s.get("outfalls", "K2")["type_l1"] == "农业排口"


def test_one_summary_per_kind_through_import_file(tmp_path):
    path = tmp_path / "co.csv"
    path.write_text("code,name,type_l2,lng,lat\n" + "".join(f"C{i},排口\x1b{i},城镇雨洪排口,121.40,31.25\n" for i in range(450)),
                    encoding="utf-8")
    r = import_file(path, "outfalls")
    for kind in ("near_duplicate", "control_chars"):
        ws = [w for w in r.warnings if w["kind"] == kind]
        summaries = [w for w in ws if w["row"] is None]
        assert len(ws) == 201 and len(summaries) == 1, kind
    assert "共 449 条" in next(w["message"] for w in r.warnings if w["kind"] == "near_duplicate" and w["row"] is None)
