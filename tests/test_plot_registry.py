"""gislib.reports.plot_registry: the 名录 with its 纳入/移出 batches, as Excel (Chinese headers) and PDF."""
from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from shapely.geometry import box

from gislib.reports import plot_registry as pr

import geopandas as gpd


def _plot(code, stage, listed="", removed="", **extra):
    # a 200 m × 100 m rectangle built in EPSG:4549, stored as WGS84 WKT like the store does
    x0 = 540_000 + 1000 * int(code[-1])
    poly = gpd.GeoSeries([box(x0, 3_460_000, x0 + 200, 3_460_100)], crs=4549).to_crs(4326).iloc[0]
    return {"code": code, "name": f"地块{code}", "state": stage, "land_use": "第二类用地", "geometry_wkt": poly.wkt,
            "listed_batch": listed, "removed_batch": removed, "pollutants": ["铅", "镉"], "responsible": "某公司",
            "land_holder": "土地储备中心", "demo": True, "area_m2": 1.0, **extra}


RECORDS = [
    _plot("P1", "修复", "2025年第1批"),
    _plot("P2", "纳入名录", "2025年第2批"),
    _plot("P3", "后期管理", "2024年第3批", "2025年第2批"),
    _plot("P4", "初步调查"),
    _plot("P5", "风险管控", "2024年第3批"),
]


def test_registry_and_batches():
    reg = pr.registry(RECORDS)
    assert list(reg["code"]) == ["P5", "P1", "P2"]  # by 纳入批次, then code
    assert list(reg["seq"]) == [1, 2, 3]
    assert reg["area_m2"].tolist() == pytest.approx([20_000] * 3, abs=0.5)  # from the polygon, not the stored 1.0
    assert reg.set_index("code").loc["P1", "pollutants"] == "铅、镉"
    assert reg.set_index("code").loc["P2", "measure"].startswith("待定")
    assert list(pr.removed(RECORDS)["code"]) == ["P3"]
    b = pr.batches(RECORDS)
    assert list(zip(b["batch"], b["kind"], b["count"])) == [
        ("2024年第3批", "纳入", 2), ("2025年第1批", "纳入", 1), ("2025年第2批", "纳入", 1), ("2025年第2批", "移出", 1)]
    # layer_frame spellings (stage, land_class, geometry) work too
    frame = gpd.GeoDataFrame([{"code": "X1", "stage": "修复", "land_class": "第一类用地", "listed_batch": "2026年第1批"}],
                             geometry=[box(121.4, 31.2, 121.401, 31.201)], crs=4326)
    row = pr.registry(frame).iloc[0]
    assert row["land_class"] == "第一类用地" and 9_000 < row["area_m2"] < 11_000


def test_excel(tmp_path):
    data = pr.to_excel(RECORDS, tmp_path / "名录.xlsx")
    assert (tmp_path / "名录.xlsx").read_bytes() == data
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["名录", "纳入清单", "移出清单", "批次"]
    ws = wb["名录"]
    assert "示例数据" in ws["A1"].value
    headers = [c.value for c in ws[3]]
    assert headers[:4] == ["序号", "地块编码", "地块名称", "所在街道/镇"]
    assert {"面积(m²)", "主要污染物", "责任人", "土地使用权人", "规划用地类别", "纳入批次"} <= set(headers)
    assert [ws.cell(row=r, column=2).value for r in (4, 5, 6)] == ["P5", "P1", "P2"]
    stage = ws.cell(row=5, column=headers.index("当前阶段") + 1)
    assert stage.value == "修复" and stage.fill.fgColor.rgb.endswith("AE017E")
    assert [c.value for c in wb["批次"][3]] == ["批次", "类型", "地块数", "地块编码"]
    assert wb["移出清单"].cell(row=4, column=2).value == "P3"


def test_pdf(tmp_path):
    data = pr.to_pdf(RECORDS, tmp_path / "名录.pdf")
    assert data.startswith(b"%PDF-")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", str(tmp_path / "名录.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for needed in ("建设用地土壤污染风险管控和修复名录", "示例数据", "OpenStreetMap", "2024年第3批 纳入清单",
                   "2025年第2批 移出清单", "P5"):
        assert needed in text, needed


def test_plots_page_lists_a_plot_with_its_batch(tmp_path, monkeypatch):
    """AppTest of views/plots_view.py: 风险评估 → 纳入名录 is refused without a batch, then done with one."""
    from streamlit.testing.v1 import AppTest

    from gislib.services.catalog import store

    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HETU_DATASET", "putuo")
    at = AppTest.from_file("../views/plots_view.py", default_timeout=120)
    at.query_params["code"] = "PTDK-001"
    at.run()
    assert not at.exception
    move_to = at.selectbox(key="move_to")
    assert move_to.options == ["风险可接受", "纳入名录", "已撤销"]  # only the allowed next stages
    move_to.set_value("纳入名录")
    at.text_area(key="move_note").input("风险评估报告评审通过, 需纳入名录")
    at.button[0].click().run()
    assert any("名录批次" in e.value for e in at.error), [e.value for e in at.error]
    assert store().get("plots", "PTDK-001")["state"] == "风险评估"  # refused: nothing changed

    at.selectbox(key="move_to").set_value("纳入名录")
    at.text_area(key="move_note").input("风险评估报告评审通过, 需纳入名录")
    at.text_input(key="move_batch").input("2026年第1批")
    at.button[0].click().run()
    assert not at.error, [e.value for e in at.error]
    rec = store().get("plots", "PTDK-001")
    assert rec["state"] == "纳入名录" and rec["listed_batch"] == "2026年第1批"
    last = store().transitions("plots", "PTDK-001")[-1]
    assert (last["from_state"], last["to_state"], last["note"]) == ("风险评估", "纳入名录", "风险评估报告评审通过, 需纳入名录")
    assert "PTDK-001" in set(pr.registry(store().list("plots"))["code"])
