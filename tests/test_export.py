"""gislib.io.exporter: round trips through every format, including GCJ-02/BD-09 and GK output."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
from openpyxl import load_workbook
from pyproj import Geod
from shapely.geometry import Point, Polygon

from gislib.geo import crs
from gislib.errors import ExportError
from gislib.io.exporter import export_layer
from gislib.io.importer import import_file, read_source
from gislib.io.validate import validate_rows

REPO = Path(__file__).resolve().parents[1]
GEOD = Geod(ellps="WGS84")
PEOPLES_SQUARE = (121.4737, 31.2304)


def dist_m(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


@pytest.fixture()
def outfalls():
    recs = [
        {"code": "PT001", "name": "人民广场雨水口", "type_l2": "城镇雨洪排口", "river": "苏州河", "target_class": "Ⅲ类",
         "found_on": "2024-05-01", "x": PEOPLES_SQUARE[0], "y": PEOPLES_SQUARE[1]},
        {"code": "PT002", "name": "真如港排口", "type_l2": "工矿企业排污口", "type_l3": "工业企业排污口", "river": "真如港",
         "discharge_mode": "管道", "x": 121.40, "y": 31.25},
    ]
    report = validate_rows(recs, "outfalls")
    assert not report.rejected
    return report.accepted


def positions(report) -> dict[str, tuple[float, float]]:
    return {r["code"]: (r["geometry"].x, r["geometry"].y) for r in report.records()}


@pytest.mark.parametrize("suffix", [".gpkg", ".zip", ".geojson", ".kml", ".xlsx", ".csv"])
@pytest.mark.parametrize("target", ["EPSG:4326", "gcj02"])
def test_round_trip_every_format(tmp_path, outfalls, suffix, target):
    if suffix == ".kml" and target != "EPSG:4326":
        target = "bd09"  # KML in BD-09 for Baidu users
    path = export_layer(outfalls, tmp_path / f"排口{suffix}", crs=target, layer="outfalls")
    back = import_file(path, "outfalls")
    assert not back.rejected, back.rejected
    assert back.crs["used"] == target  # read back from the coord_sys column
    pos = positions(back)
    assert dist_m(PEOPLES_SQUARE, pos["PT001"]) < 0.1
    assert dist_m((121.40, 31.25), pos["PT002"]) < 0.1
    acc = back.accepted.set_index("code")
    assert acc.loc["PT001", "name"] == "人民广场雨水口" and acc.loc["PT001", "target_class"] == "III"
    assert acc.loc["PT002", "type_l3"] == "工业企业排污口" and acc.loc["PT002", "discharge_mode"] == "管道"
    assert str(acc.loc["PT001", "found_on"]) == "2024-05-01"


def test_gcj_geojson_holds_shifted_coordinates(tmp_path, outfalls):
    path = export_layer(outfalls, tmp_path / "amap.geojson", crs="gcj02", layer="outfalls")
    fc = json.loads(path.read_text(encoding="utf-8"))
    f = next(f for f in fc["features"] if f["properties"]["code"] == "PT001")
    assert f["properties"]["coord_sys"] == "gcj02"
    # People's Square written in GCJ-02: 482 m from the WGS84 truth (docs/domain.md §7.2)
    assert dist_m(PEOPLES_SQUARE, f["geometry"]["coordinates"]) == pytest.approx(482, abs=15)


def test_shapefile_zip_has_utf8_cpg_and_short_names(tmp_path, outfalls):
    path = export_layer(outfalls, tmp_path / "outfalls.zip", layer="outfalls")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert {"outfalls.shp", "outfalls.shx", "outfalls.dbf", "outfalls.prj", "outfalls.cpg"} <= set(names)
        assert zf.read("outfalls.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
    table = read_source(path)
    assert "dis_mode" in table.headers and "nat_code" in table.headers
    assert all(len(h) <= 10 for h in table.headers)


def test_excel_chinese_headers_and_gauss_kruger(tmp_path, outfalls):
    path = export_layer(outfalls, tmp_path / "ledger.xlsx", crs="EPSG:4549", layer="outfalls")
    ws = load_workbook(path).active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["排口编码", "排口名称", "国家统一编码"]
    assert "东坐标(X)" in header and "北坐标(Y)" in header and "坐标系" in header
    e = ws.cell(row=2, column=header.index("东坐标(X)") + 1).value
    n = ws.cell(row=2, column=header.index("北坐标(Y)") + 1).value
    ex, ny = crs.from_wgs84(*PEOPLES_SQUARE, "EPSG:4549")
    assert e == pytest.approx(ex, abs=0.01) and n == pytest.approx(ny, abs=0.01)
    found = ws.cell(row=2, column=header.index("发现日期") + 1).value
    assert found.date() == date(2024, 5, 1)
    back = import_file(path, "outfalls")
    assert back.crs["used"] == "EPSG:4549"
    assert dist_m(PEOPLES_SQUARE, positions(back)["PT001"]) < 0.01


def test_polygons_round_trip_and_format_limits(tmp_path):
    ring = [(121.40, 31.25), (121.41, 31.25), (121.41, 31.26), (121.40, 31.26)]
    recs = [{"code": "DK1", "name": "原化工厂", "stage": "初步调查", "_geometry": Polygon(ring)},
            {"code": "DK2", "name": "仓库", "x": 121.42, "y": 31.24}]
    plots = validate_rows(recs, "plots").accepted
    for suffix in (".gpkg", ".geojson", ".kml", ".xlsx"):
        back = import_file(export_layer(plots, tmp_path / f"plots{suffix}", crs="gcj02", layer="plots"), "plots")
        assert not back.rejected
        geom = back.accepted.set_index("code").geometry["DK1"]
        assert geom.geom_type == "Polygon" and geom.hausdorff_distance(Polygon(ring)) < 1e-6  # < 0.1 m
    with pytest.raises(ExportError, match="混合"):
        export_layer(plots, tmp_path / "plots.zip", layer="plots")
    with pytest.raises(ExportError, match="KML"):
        export_layer(plots, tmp_path / "plots_gk.kml", crs="EPSG:4549", layer="plots")
    with pytest.raises(ExportError, match="扩展名"):
        export_layer(plots, tmp_path / "plots.dwg", layer="plots")


def test_export_cli_end_to_end(tmp_path, outfalls):
    src = export_layer(outfalls, tmp_path / "in.geojson", layer="outfalls")
    out = tmp_path / "amap.xlsx"
    proc = subprocess.run([sys.executable, "-m", "gislib", "export", "--layer", "outfalls", "--in", str(src),
                           "--out", str(out), "--crs", "gcj02"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    assert js["count"] == 2 and js["crs"] == "gcj02" and js["rejected"] == []
    ws = load_workbook(out).active
    header = [c.value for c in ws[1]]
    lon = ws.cell(row=2, column=header.index("经度") + 1).value
    lat = ws.cell(row=2, column=header.index("纬度") + 1).value
    assert dist_m(crs.wgs84_to_gcj02(*PEOPLES_SQUARE), (lon, lat)) < 0.05
    bad = subprocess.run([sys.executable, "-m", "gislib", "export", "--layer", "outfalls", "--in", str(src),
                          "--out", str(tmp_path / "x.kml"), "--crs", "EPSG:4549"], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "KML" in bad.stderr


def test_export_requires_crs(tmp_path):
    gdf = gpd.GeoDataFrame({"code": ["A"]}, geometry=[Point(121.4, 31.2)])
    with pytest.raises(ExportError, match="坐标系"):
        export_layer(gdf, tmp_path / "a.geojson")
