"""Tests of the ledger export (CLI end to end) and of seeding the store from a GeoDataFrame."""
from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point, Polygon

from gislib.errors import CRSError
from gislib.store import BulkValidationError, open_store
from gislib.reports.ledger import seed_from_geodataframe

REPO = Path(__file__).resolve().parents[1]
HUAWEI = "914403001922038216"


def demo_gdf(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    rows = [
        {"code": "PWK-001", "name": "长征镇工业排口", "type_l1": "工业排污口", "type_l2": "工矿企业排污口",
         "type_l3": "工业企业排污口", "state": "整治中", "river": "苏州河", "subdistrict": "长征镇",
         "discharge_mode": "管道", "discharge_pattern": "连续排放", "target_class": "IV",
         "responsible": "华为技术有限公司", "credit_code": HUAWEI, "river_chief": "区级 张三",
         "remediation_kind": "规范整治", "deadline": "2026-03-31", "found_date": "2025-05-01",
         "approval_kind": "审批", "doc_no": "普环审〔2024〕8号", "survey_team": "第一组"},
        {"code": "PWK-002", "name": "=HYPERLINK(\"http://x\")", "type_l1": "其他排口", "type_l2": "城镇雨洪排口",
         "type_l3": None, "state": "疑似", "river": "桃浦河", "subdistrict": "桃浦镇",
         "discharge_mode": "明渠", "discharge_pattern": "雨天排放", "target_class": "V",
         "responsible": None, "credit_code": None, "river_chief": "镇级 李四",
         "remediation_kind": None, "deadline": None, "found_date": "2025-06-01",
         "approval_kind": "登记", "doc_no": None, "survey_team": "第二组"},
        {"code": "PWK-003", "name": "真如污水厂排口", "type_l1": "城镇污水处理厂排污口",
         "type_l2": "城镇污水处理厂排污口", "type_l3": None, "state": "整治中", "river": "苏州河",
         "subdistrict": "真如镇", "discharge_mode": "泵站", "discharge_pattern": "连续排放",
         "target_class": "IV", "responsible": "华为技术有限公司", "credit_code": HUAWEI,
         "river_chief": "区级 王五", "remediation_kind": "合并", "deadline": "2027-12-31",
         "found_date": "2025-07-01", "approval_kind": "审批", "doc_no": None, "survey_team": "第一组"},
    ]
    points = [Point(121.40, 31.25), Point(121.38, 31.27), Point(121.42, 31.24)]
    gdf = gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:4326")
    return gdf.to_crs(crs)


@pytest.fixture()
def data_dir(tmp_path) -> Path:
    with open_store(tmp_path / "data") as store:
        result = seed_from_geodataframe(store, "outfalls", demo_gdf(), "seed")
        assert result == {"inserted": 3, "updated": 0, "unchanged": 0, "skipped": 0}
    return tmp_path / "data"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gislib", "ledger", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_seed_maps_demo_columns(data_dir):
    with open_store(data_dir) as store:
        rec = store.get("outfalls", "PWK-001")
        assert rec["state"] == "整治中" and rec["remediation"] == {"kind": "规范整治", "deadline": "2026-03-31"}
        assert rec["responsible_parties"] == [{"name": "华为技术有限公司", "credit_code": HUAWEI, "main": True}]
        assert rec["approval_doc_no"] == "普环审〔2024〕8号" and rec["survey_team"] == "第一组"
        assert (rec["lon"], rec["lat"], rec["source_crs"]) == (121.40, 31.25, "EPSG:4326")
        assert rec["created_by"] == "seed"
        # a second seed leaves the (now non-empty) layer alone
        again = seed_from_geodataframe(store, "outfalls", demo_gdf(), "seed")
        assert again == {"inserted": 0, "updated": 0, "unchanged": 0, "skipped": 3}


def test_seed_reprojects_and_records_source_crs(tmp_path):
    gdf = demo_gdf("EPSG:4549")  # CGCS2000 / 3-degree GK CM 120E
    plots = gpd.GeoDataFrame({"code": ["DK-1"], "name": ["旧厂"], "stage": ["风险评估"],
                              "land_class": ["第一类用地"]}, crs="EPSG:4326",
                             geometry=[Polygon([(121.4, 31.2), (121.41, 31.2), (121.41, 31.21)])])
    with open_store(tmp_path) as store:
        seed_from_geodataframe(store, "outfalls", gdf, "seed")
        rec = store.get("outfalls", "PWK-002")
        assert rec["source_crs"] == "EPSG:4549"
        assert rec["lon"] == pytest.approx(121.38, abs=1e-7) and rec["lat"] == pytest.approx(31.27, abs=1e-7)
        seed_from_geodataframe(store, "plots", plots, "seed")
        plot = store.get("plots", "DK-1")
        assert plot["geometry_wkt"].startswith("POLYGON")
        assert plot["state"] == "风险评估" and plot["land_use"] == "第一类用地"  # demo/importer names
        with pytest.raises(CRSError):
            seed_from_geodataframe(store, "dust", gpd.GeoDataFrame(
                {"code": ["G1"]}, geometry=[Point(1, 1)]), "seed")


def test_seed_with_a_bad_row_writes_nothing(tmp_path):
    gdf = demo_gdf()
    gdf.loc[1, "credit_code"] = "914403001922038217"  # wrong check digit (should be 6)
    gdf.loc[1, "responsible"] = "某公司"
    with open_store(tmp_path) as store:
        with pytest.raises(BulkValidationError) as exc:
            seed_from_geodataframe(store, "outfalls", gdf, "seed")
        assert exc.value.rows[0]["code"] == "PWK-002"
        assert store.count("outfalls", include_removed=True) == 0


def test_ledger_xlsx_end_to_end(data_dir, tmp_path):
    out = tmp_path / "out" / "台账.xlsx"
    proc = run_cli("--layer", "outfalls", "--out", str(out), "--data-dir", str(data_dir), "--today", "2026-06-01")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["rows"] == 3 and summary["layer"] == "outfalls"
    ws = load_workbook(out).active
    assert ws["A1"].value == "入河排污口台账"  # a title row, then the filter note, then the header
    assert "筛选条件: 无（全部）" in ws["A2"].value and "共 3 条" in ws["A2"].value and "北京时间" in ws["A2"].value
    header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "编码")
    assert ws.freeze_panes == f"A{header_row + 1}" and ws.auto_filter.ref.startswith(f"A{header_row}:")
    headers = [c.value for c in ws[header_row]]
    for h in ("编码", "名称", "受纳水体", "街道/镇", "一级类型", "二级类型", "状态", "整治方式", "整治期限",
              "是否逾期", "责任主体", "河长", "经度", "纬度", "水质目标"):
        assert h in headers, h
    rows = {r[0]: dict(zip(headers, r)) for r in ws.iter_rows(min_row=header_row + 1, values_only=True)}
    assert rows["PWK-001"]["是否逾期"] == "是"  # deadline 2026-03-31 < 2026-06-01, still 整治中
    assert rows["PWK-003"]["是否逾期"] == "否"  # deadline 2027-12-31
    assert rows["PWK-001"]["责任主体"] == "华为技术有限公司" and rows["PWK-001"]["河长"] == "区级 张三"
    assert rows["PWK-002"]["名称"].startswith("'=")  # formula injection neutralised
    assert rows["PWK-001"]["经度"] == 121.40
    assert rows["PWK-001"]["水质目标"] == "Ⅳ类" and rows["PWK-002"]["水质目标"] == "Ⅴ类"  # as everywhere else


def test_ledger_columns_are_never_all_empty_and_coordinates_have_6_decimals(tmp_path):
    """Issue 11 item 11: no column is empty in every row (the note names the ones left out),
    详细地址 and 溯源结果 are there when filled, coordinates carry 6 decimals, times are Beijing."""
    from gislib.reports.ledger import ledger_notes, ledger_table

    gdf = demo_gdf()
    gdf["address"] = ["长征镇示例路 1 号", None, None]
    gdf["tracing_result"] = ["车间废水经雨水管排放", None, None]
    gdf.loc[0, "geometry"] = Point(121.4012345678912, 31.2512345678912)
    with open_store(tmp_path / "d") as store:
        seed_from_geodataframe(store, "outfalls", gdf, "seed")
        headers, rows, empty = ledger_table(store, "outfalls", today=dt.date(2026, 6, 1))
        stored_at = store.get("outfalls", "PWK-001")["updated_at"]
    table = {r[0]: dict(zip(headers, r)) for r in rows}
    assert all(any(r[i] not in ("", None) for r in rows) for i in range(len(headers)))
    assert "国家统一编码" in empty and "排污许可证编号" in empty and "国家统一编码" not in headers
    assert table["PWK-001"]["详细地址"] == "长征镇示例路 1 号"
    assert table["PWK-001"]["溯源结果"] == "车间废水经雨水管排放"
    assert (table["PWK-001"]["经度"], table["PWK-001"]["纬度"]) == (121.401235, 31.251235)
    utc = dt.datetime.fromisoformat(stored_at)
    assert table["PWK-001"]["更新时间(北京时间)"] == (utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    notes = ledger_notes("outfalls", {"river": "苏州河", "overdue": True}, 1, empty)
    assert "受纳水体 = 苏州河" in notes[0] and "只看整治逾期" in notes[0] and "国家统一编码" in notes[1]


def test_ledger_csv_filters_and_bom(data_dir, tmp_path):
    out = tmp_path / "overdue.csv"
    proc = run_cli("--out", str(out), "--data-dir", str(data_dir), "--overdue", "--today", "2026-06-01")
    assert proc.returncode == 0, proc.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:2] == ["编码", "名称"] and [r[0] for r in rows[1:]] == ["PWK-001"]
    proc = run_cli("--out", str(out), "--data-dir", str(data_dir), "--river", "苏州河", "--subdistrict", "真如镇")
    assert json.loads(proc.stdout)["rows"] == 1
    proc = run_cli("--out", str(out), "--data-dir", str(data_dir), "--type", "其他排口", "--state", "疑似")
    assert json.loads(proc.stdout)["rows"] == 1


def test_ledger_cli_errors(data_dir, tmp_path):
    proc = run_cli("--out", str(tmp_path / "x.pdf"), "--data-dir", str(data_dir))
    assert proc.returncode == 2 and ".xlsx" in proc.stderr
    proc = run_cli("--out", str(tmp_path / "x.csv"), "--data-dir", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "HETU_DATA_DIR" in proc.stderr
    assert not (tmp_path / "nowhere").exists()
