"""gislib.io.importer: real-world-style files built here (Excel GCJ ledger, GBK Shapefile, BD-09 GBK CSV,
survey-order GK coordinates, KML/KMZ, GeoJSON, GPKG), every row's fate checked, positions within 10 m."""
from __future__ import annotations

import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from openpyxl import Workbook, load_workbook
from pyproj import Geod
from shapely.geometry import Point, box

from gislib.geo import crs
from gislib.errors import CRSError, DataError, ValidationError
from gislib.io.importer import apply_mapping, auto_map, import_file, read_source, validate_rows
from gislib.io.columns import auto_map_report, recall_mapping, remember_mapping, source_key
from gislib.io.readers import dbf_encoding

REPO = Path(__file__).resolve().parents[1]
GEOD = Geod(ellps="WGS84")
DISTRICT = box(121.35, 31.20, 121.50, 31.30)  # a Putuo-sized box around the test points (WGS84)
# True WGS84 positions of the test outfalls.
TRUTH = {
    "PT001": (121.4737, 31.2304),  # People's Square (docs/domain.md §7.2)
    "PT002": (121.4000, 31.2500),
    "PT003": (121.4200, 31.2400),
    "PT004": (121.3900, 31.2600),
    "PT005": (121.4500, 31.2200),
}


def dist_m(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def dms(value: float) -> str:
    """121.40847 → 121°24′30.500″ (0.001″ ≈ 3 cm)."""
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return f"{d}°{m}′{s:.3f}″"


def fullwidth(text: str) -> str:
    return text.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))


def assert_positions(report, codes=None, tol_m=10.0):
    got = {r["code"]: (r["geometry"].x, r["geometry"].y) for r in report.records()}
    for code in codes or got:
        assert dist_m(TRUTH[code], got[code]) < tol_m, code


def fates(report) -> dict[int, str]:
    out = {int(r): "accepted" for r in report.accepted["source_row"]}
    for r in report.rejected:
        assert r["row"] not in out, f"row {r['row']} both accepted and rejected"
        assert len(r["reason"]) <= 60, r["reason"]  # short; the whole story is in "details"
        out[r["row"]] = r["details"]
    return out


# --------------------------------------------------------------------------- GCJ-02 Excel ledger
def make_gcj_ledger(path: Path) -> Path:
    g = {c: crs.wgs84_to_gcj02(*p) for c, p in TRUTH.items()}
    # the GCJ value we write for People's Square must itself be the published ~482 m shift (§7.2)
    assert dist_m(TRUTH["PT001"], g["PT001"]) == pytest.approx(482, abs=15)
    wb = Workbook()
    ws = wb.active
    ws.append(["普陀区入河排污口排查台账（高德拾取坐标）"])  # title row above the header
    ws.append(["序号", "排口编码", "排口名称", "排口类型", "经度（°）", "纬度（°）", "受纳水体", "所在街道", "水质目标", "联系电话"])
    rows = [
        ["PT001", "人民广场雨水口", "城镇雨洪排口", g["PT001"][0], g["PT001"][1], "苏州河", "长寿路街道", "Ⅲ类"],  # 1 ok
        ["PT002", "真如港1号", "工矿企业排污口", dms(g["PT002"][0]), dms(g["PT002"][1]), "真如港", "真如镇", "IV"],  # 2 ok: DMS
        ["PT003", "桃浦河2号", "城镇生活污水散排口", fullwidth(f"{g['PT003'][0]:.7f}"), fullwidth(f"{g['PT003'][1]:.7f}"), "桃浦河", "桃浦镇", "3类"],  # 3 ok
        ["PT010", "缺坐标", "城镇雨洪排口", None, None, "苏州河", "", ""],  # 4 missing coords
        ["PT011", "文字坐标", "城镇雨洪排口", "见附图", "31.2", "苏州河", "", ""],  # 5 text
        ["PT012", "超范围", "城镇雨洪排口", 200.5, 31.2, "苏州河", "", ""],  # 6 out of range
        ["PT001", "重复编码", "城镇雨洪排口", g["PT001"][0], g["PT001"][1], "苏州河", "", ""],  # 7 duplicate code
        ["PT013", "类型写错", "奇怪排口", g["PT004"][0], g["PT004"][1], "苏州河", "", ""],  # 8 bad type
        ["PT014", "浦东的点", "城镇雨洪排口", 121.60, 31.20, "川杨河", "", ""],  # 9 outside district
        ["PT004", "经纬度填反", "城镇雨洪排口", g["PT004"][1], g["PT004"][0], "苏州河", "", ""],  # 10 swapped
        ["PT015", "离2号2米", "城镇雨洪排口", g["PT002"][0] + 0.00002, g["PT002"][1], "真如港", "", ""],  # 11 near dup (≈1.9 m)
        ["PT005", "劣五类目标", "暂无法确定", g["PT005"][0], g["PT005"][1], "苏州河", "", "劣Ⅴ类"],  # 12 ok
    ]
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r, "13800000000"])
    ws.append([None] * 10)  # trailing empty row: not an input row
    wb.save(path)
    return path


def test_gcj_excel_ledger_every_row_fate(tmp_path):
    path = make_gcj_ledger(tmp_path / "普陀排口台账_高德.xlsx")
    report = import_file(path, "outfalls", district=DISTRICT)
    assert report.crs["used"] == "gcj02" and "高德" in report.crs["reason"]
    f = fates(report)
    assert set(f) == set(range(3, 15))  # every input row ends accepted or rejected, numbered as Excel shows it
    assert [r for r, v in f.items() if v == "accepted"] == [3, 4, 5, 12, 13, 14]
    assert "坐标缺失" in f[6]
    assert "见附图" in f[7] and "不是有效数字" in f[7]
    assert "超出" in f[8]
    assert "重复" in f[9] and "第 3 行" in f[9]
    assert "二级类型" in f[10] and "type_l2" in f[10] and "城镇雨洪排口" in f[10]  # names the field + allowed values
    assert "辖区外" in f[11]
    kinds = {(w["row"], w["kind"]) for w in report.warnings}
    assert (12, "swap") in kinds and (13, "near_duplicate") in kinds and (3, "duplicate_code") in kinds
    assert_positions(report, ["PT001", "PT002", "PT003", "PT004", "PT005"])
    acc = report.accepted.set_index("code")
    assert acc.loc["PT001", "target_class"] == "III" and acc.loc["PT003", "target_class"] == "III"
    assert acc.loc["PT005", "target_class"] == "劣V"
    assert acc.loc["PT002", "type_l1"] == "工业排污口"  # filled from type_l2
    assert acc.loc["PT005", "type_l2"] == "暂无法确定"
    assert set(acc["source_crs"]) == {"gcj02"}
    assert acc.loc["PT001", "subdistrict"] == "长寿路街道" and acc.loc["PT001", "name"] == "人民广场雨水口"
    assert report.accepted.crs.to_epsg() == 4326
    assert "联系电话" in report.unmatched_columns and "序号" in report.unmatched_columns


def test_treating_gcj_as_wgs_would_be_482_m_off(tmp_path):
    path = make_gcj_ledger(tmp_path / "ledger.xlsx")  # no keyword: auto says WGS84 and warns
    report = import_file(path, "outfalls")
    assert report.crs["used"] == "EPSG:4326" and "无法区分" in report.crs["reason"]
    p = report.accepted.set_index("code").geometry["PT001"]
    assert dist_m(TRUTH["PT001"], (p.x, p.y)) == pytest.approx(482, abs=15)
    fixed = import_file(path, "outfalls", crs="gcj02")
    assert_positions(fixed, ["PT001", "PT002"])


def test_rejected_rows_to_excel_keep_original_columns(tmp_path):
    report = import_file(make_gcj_ledger(tmp_path / "高德.xlsx"), "outfalls", district=DISTRICT)
    out = report.rejected_to_excel(tmp_path / "rejected.xlsx")
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("行号", "原因") and "排口编码" in rows[0] and "联系电话" in rows[0]
    assert [r[0] for r in rows[1:]] == [6, 7, 8, 9, 10, 11]
    code_col = rows[0].index("排口编码")
    assert rows[2][code_col] == "PT011"
    js = json.loads(report.to_json())
    assert js["accepted"] == 6 and len(js["rejected"]) == 6 and js["crs"]["used"] == "gcj02"


def test_insert_only_and_updates():
    recs = [{"code": "A1", "name": "a", "type_l2": "城镇雨洪排口", "x": 121.40, "y": 31.25},
            {"code": "A2", "name": "b", "type_l2": "城镇雨洪排口", "x": 121.41, "y": 31.25}]
    r = validate_rows(recs, "outfalls", existing_codes=frozenset({"A1"}))
    assert r.updates == 1 and r.inserts == 1 and len(r.accepted) == 2
    r = validate_rows(recs, "outfalls", existing_codes=frozenset({"A1"}), insert_only=True)
    assert len(r.accepted) == 1 and "已存在" in r.rejected[0]["reason"] and r.rejected[0]["row"] == 1


def test_bad_values_name_field_and_allowed_values():
    recs = [
        {"code": "A1", "name": "a", "type_l1": "工业排污口", "type_l2": "城镇雨洪排口", "x": 121.4, "y": 31.25},
        {"code": "A2", "name": "b", "type_l2": "城镇雨洪排口", "state": "整治中", "x": 121.41, "y": 31.25},
        {"code": "A3", "type_l2": "城镇雨洪排口", "found_date": "去年", "x": 121.42, "y": 31.25},
        {"code": "A4", "name": "d", "type_l2": "城镇雨洪排口", "discharge_mode": "管道 ", "found_date": "2024年5月1日", "x": 121.43, "y": 31.25},
    ]
    r = validate_rows(recs, "outfalls")
    f = fates(r)
    assert "不符" in f[1]
    assert "整治方式" in f[2] and "取缔" in f[2]
    assert "name" in f[3] and "日期" in f[3]
    assert f[4] == "accepted"
    row = r.accepted.iloc[0]
    assert row["discharge_mode"] == "管道" and str(row["found_date"]) == "2024-05-01"


# --------------------------------------------------------------------------- GBK Shapefile in EPSG:4549
def make_gbk_shapefile_zip(tmp_path: Path) -> Path:
    pts = [Point(*crs.from_wgs84(*TRUTH[c], "EPSG:4549")) for c in ("PT002", "PT003", "PT004")]
    gdf = gpd.GeoDataFrame(
        {"排口编码": ["PT002", "PT003", "PT004"], "排口名称": ["真如港排口", "桃浦河排口", "苏州河北岸"],
         "排口类型": ["城镇雨洪排口", "城镇污水处理厂排污口", "规模化畜禽养殖排污口"], "受纳水体": ["真如港", "桃浦河", "苏州河"]},
        geometry=pts, crs="EPSG:4549")
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gdf.to_file(shp_dir / "排口.shp", engine="pyogrio", encoding="GBK")
    cpg = shp_dir / "排口.cpg"
    if cpg.exists():
        cpg.unlink()
    dbf = (shp_dir / "排口.dbf").read_bytes()
    assert "真如港".encode("gbk") in dbf  # really GBK on disk
    zpath = tmp_path / "排口_2000坐标.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f"data/{f.name}")
    return zpath


def test_gbk_shapefile_zip_without_cpg(tmp_path):
    zpath = make_gbk_shapefile_zip(tmp_path)
    table = read_source(zpath)
    assert table.encoding == "GBK" and table.crs == "EPSG:4549" and any(".cpg" in n for n in table.notes)
    report = import_file(zpath, "outfalls")
    assert report.crs["used"] == "EPSG:4549" and not report.rejected
    acc = report.accepted.set_index("code")
    assert acc.loc["PT002", "name"] == "真如港排口" and acc.loc["PT004", "type_l1"] == "农业排口"
    assert_positions(report, ["PT002", "PT003", "PT004"], tol_m=0.01)


def test_dbf_encoding_detection():
    head = bytearray(32)
    head[8:10] = (33).to_bytes(2, "little")
    body = "苏州河".encode("gbk")
    assert dbf_encoding(bytes(head) + b"\r" + body) == "GBK"
    assert dbf_encoding(bytes(head) + b"\r" + "苏州河".encode("utf-8")) == "UTF-8"


# --------------------------------------------------------------------------- BD-09 CSV saved as GBK
def test_bd09_csv_gbk(tmp_path):
    lines = ["编号,名称,类型,百度经度,百度纬度,河道"]
    for c in ("PT001", "PT003", "PT005"):
        bx, by = crs.wgs84_to_bd09(*TRUTH[c])
        lines.append(f"{c},{c}号排口,城镇雨洪排口,{bx:.7f},{by:.7f},苏州河")
    path = tmp_path / "排口点位.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    table = read_source(path)
    assert table.encoding == "gbk" and table.headers[3] == "百度经度"
    report = import_file(path, "outfalls")
    assert report.crs["used"] == "bd09" and not report.rejected
    assert_positions(report)
    assert report.accepted.set_index("code").loc["PT003", "name"] == "PT003号排口"


def test_csv_utf8_bom_tab_delimited(tmp_path):
    text = "code\tname\ttype_l2\tlng\tlat\nA1\t排口A\t城镇雨洪排口\t121.4\t31.25\n"
    path = tmp_path / "points.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    table = read_source(path)
    assert table.encoding == "utf-8-sig" and table.headers == ["code", "name", "type_l2", "lng", "lat"]
    assert table.rows[0].values["name"] == "排口A" and table.rows[0].row == 2  # as Excel numbers it
    path.write_bytes(("编码;名称\nA1;排口A\n").encode("utf-16"))  # Excel "Unicode text", semicolons
    table = read_source(path)
    assert table.encoding == "utf-16" and table.headers == ["编码", "名称"] and table.rows[0].values["名称"] == "排口A"


# --------------------------------------------------------------------------- Chinese survey X/Y order
def test_survey_order_gauss_kruger_xy(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["编码", "名称", "类型", "X坐标", "Y坐标"])
    for c in ("PT002", "PT003", "PT004"):
        e, n = crs.from_wgs84(*TRUTH[c], "EPSG:4549")
        ws.append([c, c, "城镇雨洪排口", round(n, 3), round(e, 3)])  # X = northing, Y = easting
    wb.save(tmp_path / "测绘成果.xlsx")
    report = import_file(tmp_path / "测绘成果.xlsx", "outfalls")
    assert report.crs["used"] == "EPSG:4549" and report.crs["swapped_axes"] and "X=北" in report.crs["reason"]
    assert not report.rejected
    assert_positions(report, tol_m=0.05)


def test_zone_prefixed_eastings(tmp_path):
    lines = ["code,name,type_l2,x,y"]
    for c in ("PT001", "PT002"):
        e, n = crs.from_wgs84(*TRUTH[c], "EPSG:4528")
        lines.append(f"{c},{c},城镇雨洪排口,{e:.3f},{n:.3f}")
    (tmp_path / "p.csv").write_text("\n".join(lines), encoding="utf-8")
    report = import_file(tmp_path / "p.csv", "outfalls")
    assert report.crs["used"] == "EPSG:4528" and "40" in report.crs["reason"]
    assert_positions(report, tol_m=0.05)


def test_legacy_crs_is_refused_unless_forced(tmp_path):
    (tmp_path / "p.csv").write_text("code,name,type_l2,x,y\nA,a,城镇雨洪排口,540000,3456000\n", encoding="utf-8")
    with pytest.raises(CRSError, match="七参数"):
        import_file(tmp_path / "p.csv", "outfalls", crs="EPSG:2385")
    r = import_file(tmp_path / "p.csv", "outfalls", crs="EPSG:2385", force_legacy=True)
    assert len(r.accepted) == 1 and r.accepted["source_crs"][0] == "EPSG:2385"


# --------------------------------------------------------------------------- KML / KMZ
KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Schema name="plot" id="plot"><SimpleField name="地块编码" type="string"/></Schema>
<Placemark><name>原化工厂地块</name>
  <ExtendedData><SchemaData schemaUrl="#plot"><SimpleData name="地块编码">DK001</SimpleData></SchemaData>
  <Data name="阶段"><value>初步调查</value></Data><Data name="用地类别"><value>第一类用地</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
   121.40,31.25,0 121.41,31.25,0 121.41,31.26,0 121.40,31.26,0 121.40,31.25,0
  </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>仓库地块</name><ExtendedData><Data name="地块编码"><value>DK002</value></Data></ExtendedData>
  <Point><coordinates>121.42,31.24,0</coordinates></Point></Placemark>
<Placemark><name>自相交</name><ExtendedData><Data name="地块编码"><value>DK003</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
   121.40,31.25 121.41,31.26 121.41,31.25 121.40,31.26 121.40,31.25</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>河道</name><ExtendedData><Data name="地块编码"><value>DK004</value></Data></ExtendedData>
  <LineString><coordinates>121.40,31.25 121.41,31.26</coordinates></LineString></Placemark>
</Document></kml>"""


def check_kml_report(report):
    f = fates(report)
    assert f[1] == "accepted" and f[2] == "accepted"
    assert "几何无效" in f[3] and "LineString" in f[4]
    acc = report.accepted.set_index("code")
    assert acc.loc["DK001", "name"] == "原化工厂地块" and acc.loc["DK001", "state"] == "初步调查"
    assert acc.loc["DK001", "land_use"] == "第一类用地"
    assert acc.geometry["DK001"].geom_type == "Polygon" and acc.geometry["DK002"].geom_type == "Point"
    assert report.crs["used"] == "EPSG:4326"


def test_kml_and_kmz(tmp_path):
    (tmp_path / "plots.kml").write_text(KML, encoding="utf-8")
    check_kml_report(import_file(tmp_path / "plots.kml", "plots"))
    with zipfile.ZipFile(tmp_path / "plots.kmz", "w") as zf:
        zf.writestr("doc.kml", KML)
        zf.writestr("files/icon.png", b"\x89PNG")
    check_kml_report(import_file(tmp_path / "plots.kmz", "plots"))


def test_kml_with_entities_is_refused(tmp_path):
    evil = '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]><kml><Placemark><name>&x;</name></Placemark></kml>'
    (tmp_path / "evil.kml").write_text(evil, encoding="utf-8")
    with pytest.raises(ValidationError, match="DOCTYPE"):
        read_source(tmp_path / "evil.kml")


# --------------------------------------------------------------------------- safety limits
def test_zip_traversal_bomb_and_size_limits(tmp_path):
    with zipfile.ZipFile(tmp_path / "trav.zip", "w") as zf:
        zf.writestr("../../evil.shp", b"x")
    with pytest.raises(ValidationError, match="不安全"):
        read_source(tmp_path / "trav.zip")
    with zipfile.ZipFile(tmp_path / "bomb.kmz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", b"\0" * 20_000_000)
    with pytest.raises(ValidationError, match="压缩炸弹"):  # ratio ≈ 1000 : 1
        read_source(tmp_path / "bomb.kmz")
    with zipfile.ZipFile(tmp_path / "large.kmz", "w", zipfile.ZIP_DEFLATED) as zf:
        rnd = random.Random(1)
        zf.writestr("doc.kml", b"<kml>" + b"".join(rnd.choice([b"<a>1</a>", b"<b>2</b>", b"<c>3</c>"]) for _ in range(400_000)) + b"</kml>")
    with pytest.raises(ValidationError, match="解压后"):  # ratio ~17 : 1, but the total is over 8 × max_bytes
        read_source(tmp_path / "large.kmz", max_bytes=300_000)
    (tmp_path / "big.csv").write_text("a,b\n" + "1,2\n" * 100, encoding="utf-8")
    with pytest.raises(ValidationError, match="超过上限"):
        read_source(tmp_path / "big.csv", max_bytes=100)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError, match="xlsx"):
        read_source(tmp_path / "old.xls")


# --------------------------------------------------------------------------- GeoJSON / GPKG
def test_geojson_with_schema_names(tmp_path):
    feats = [
        {"type": "Feature", "properties": {"code": "S1", "name": "真如港桥", "target_class": "Ⅳ类", "level": "市控"},
         "geometry": {"type": "Point", "coordinates": list(TRUTH["PT002"])}},
        {"type": "Feature", "properties": {"code": "S2", "name": "无几何"}, "geometry": None},
        {"type": "Feature", "properties": {"code": "S3", "name": "目标错", "target_class": "VI"},
         "geometry": {"type": "Point", "coordinates": list(TRUTH["PT003"])}},
    ]
    path = tmp_path / "sections.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False), encoding="utf-8")
    report = import_file(path, "sections")
    f = fates(report)
    assert f[1] == "accepted" and "坐标缺失" in f[2] and "target_class" in f[3] and "劣V" in f[3]
    assert report.accepted.iloc[0]["target_class"] == "IV" and report.accepted.iloc[0]["level"] == "市控"


def test_gpkg_named_layer_in_cgcs2000_gk(tmp_path):
    path = tmp_path / "dust.gpkg"
    other = gpd.GeoDataFrame({"x": [1]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    other.to_file(path, layer="other", engine="pyogrio")
    e, n = crs.from_wgs84(*TRUTH["PT004"], "EPSG:4549")
    sites = gpd.GeoDataFrame(
        {"工地编号": ["GD01"], "工地名称": ["曹杨路地块"], "施工阶段": ["土方开挖"], "开工日期": ["2025/03/01"], "是否重点区域": ["是"]},
        geometry=[Point(e, n)], crs="EPSG:4549")
    sites.to_file(path, layer="工地", engine="pyogrio")
    assert read_source(path).layer == "other"  # first layer unless named
    report = import_file(path, "dust", source_layer="工地")
    assert report.crs["used"] == "EPSG:4549" and not report.rejected
    row = report.accepted.iloc[0]
    assert row["phase"] == "土方开挖" and str(row["permit_start"]) == "2025-03-01" and bool(row["priority_area"]) is True
    assert dist_m(TRUTH["PT004"], (row.geometry.x, row.geometry.y)) < 0.01


# --------------------------------------------------------------------------- column mapping
def test_auto_map_aliases_and_unmatched():
    headers = ["排口名称", "排污口编号", "东经", "北纬", "所在河流", "镇", "排口类型", "备 注", "经办人"]
    m = auto_map(headers, "outfalls")
    assert m == {"排口名称": "name", "排污口编号": "code", "东经": "x", "北纬": "y", "所在河流": "river",
                 "镇": "subdistrict", "排口类型": "type_l2", "备 注": "note"}
    rep = auto_map_report(["名称", "经度", "纬度", "名称_2", "经办人"], "outfalls")
    assert "经办人" in rep.unmatched and rep.missing_required == ["code"]
    m2 = auto_map(["Longitude", "LAT", "Name", "Code", "排口经度"], "outfalls")
    assert m2["Longitude"] == "x" and m2["LAT"] == "y" and "排口经度" not in m2  # x already taken


def test_remember_and_recall_mapping(tmp_path):
    key = source_key("真如镇排口2024-05.xlsx", ["甲", "乙"])
    assert key == source_key("真如镇排口2024-06.xlsx", ["乙", "甲"])  # same source, next month
    remember_mapping(key, {"甲": "code", "乙": "name"}, tmp_path / "maps")
    assert recall_mapping(key, tmp_path / "maps") == {"甲": "code", "乙": "name"}
    assert recall_mapping("other", tmp_path / "maps") is None
    rows = read_source(_tiny_csv(tmp_path)).rows
    recs = apply_mapping(rows, {"甲": "code", "乙": "name"})
    assert recs[0]["code"] == "X1" and recs[0]["_row"] == 2 and recs[0]["_raw"]["丙"] == "z"


def _tiny_csv(tmp_path: Path) -> Path:
    p = tmp_path / "t.csv"
    p.write_text("甲,乙,丙\nX1,y,z\n", encoding="utf-8")
    return p


# --------------------------------------------------------------------------- CLI end to end
def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gislib", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_cli_import_dry_run_json_out(tmp_path):
    ledger = make_gcj_ledger(tmp_path / "普陀排口_高德.xlsx")
    district = tmp_path / "district.geojson"
    gpd.GeoDataFrame({"name": ["普陀"]}, geometry=[DISTRICT], crs="EPSG:4326").to_file(district, engine="pyogrio")
    out = tmp_path / "accepted.geojson"
    rej = tmp_path / "rejected.xlsx"
    proc = run_cli("import", str(ledger), "--layer", "outfalls", "--dry-run", "--json", "--out", str(out),
                   "--district", str(district), "--rejected-out", str(rej))
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    assert js["accepted"] == 6 and [r["row"] for r in js["rejected"]] == [6, 7, 8, 9, 10, 11]
    assert js["crs"]["used"] == "gcj02" and js["crs"]["reason"]
    assert any(w["kind"] == "swap" for w in js["warnings"])
    assert js["store"].startswith("dry run")
    fc = json.loads(out.read_text(encoding="utf-8"))
    props = {f["properties"]["code"]: f for f in fc["features"]}
    assert set(props) == {"PT001", "PT002", "PT003", "PT004", "PT005", "PT015"}
    assert props["PT001"]["properties"]["source_crs"] == "gcj02" and props["PT001"]["properties"]["source_row"] == 3
    lon, lat = props["PT001"]["geometry"]["coordinates"]
    assert dist_m(TRUTH["PT001"], (lon, lat)) < 10
    assert rej.exists()


def test_cli_import_errors_exit_2(tmp_path):
    (tmp_path / "p.csv").write_text("code,name,x,y\nA,a,540000,3456000\n", encoding="utf-8")
    proc = run_cli("import", str(tmp_path / "p.csv"), "--layer", "outfalls", "--dry-run", "--crs", "EPSG:2385")
    assert proc.returncode == 2 and "七参数" in proc.stderr
    proc = run_cli("import", str(tmp_path / "missing.csv"), "--layer", "outfalls", "--dry-run")
    assert proc.returncode == 2 and "找不到文件" in proc.stderr


def test_cli_import_writes_store(tmp_path):
    pytest.importorskip("gislib.store")
    ledger = make_gcj_ledger(tmp_path / "普陀排口_高德.xlsx")
    data_dir = tmp_path / "data"
    from conftest import demo_accounts_of

    demo_accounts_of(data_dir).close()  # --user names an account (issue 16): the demo officer
    proc = run_cli("import", str(ledger), "--layer", "outfalls", "--json", "--data-dir", str(data_dir), "--user", "officer.demo")
    assert proc.returncode == 2 and "第 13 行" in proc.stderr  # row 13 lies 1.9 m from row 4: a decision is needed
    proc = run_cli("import", str(ledger), "--layer", "outfalls", "--json", "--data-dir", str(data_dir), "--user", "officer.demo",
                   "--near-duplicates", "keep")
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    assert js["store"]["inserted"] == js["accepted"] > 0
    again = json.loads(run_cli("import", str(ledger), "--layer", "outfalls", "--json", "--data-dir", str(data_dir),
                               "--near-duplicates", "keep").stdout)
    assert again["updates"] == again["accepted"] and again["store"]["inserted"] == 0


def test_cli_store_refusals_are_reported_and_the_rest_kept(tmp_path):
    pytest.importorskip("gislib.store")
    data_dir = tmp_path / "data"
    first = tmp_path / "first.csv"
    first.write_text("code,name,type_l2,lng,lat\nB1,一号,城镇雨洪排口,121.40,31.25\nB2,二号,城镇雨洪排口,121.41,31.25\n",
                     encoding="utf-8")
    js = json.loads(run_cli("import", str(first), "--layer", "outfalls", "--json", "--data-dir", str(data_dir)).stdout)
    assert js["store"]["inserted"] == 2
    # a ledger may not jump the workflow: B1 "已核实" differs from the stored "疑似" → the store refuses B1 only
    second = tmp_path / "second.csv"
    second.write_text("code,name,type_l2,state,lng,lat\nB1,一号,城镇雨洪排口,已核实,121.40,31.25\n"
                      "B2,二号改名,城镇雨洪排口,,121.41,31.25\n", encoding="utf-8")
    proc = run_cli("import", str(second), "--layer", "outfalls", "--json", "--data-dir", str(data_dir))
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    assert [r["row"] for r in js["rejected"]] == [2] and "数据库拒绝" in js["rejected"][0]["reason"]
    assert js["store"]["updated"] == 1 and js["store"]["refused"] == 1


def test_cli_central_meridian_from_district(tmp_path):
    # Chengdu: Tianfu Square 104.0657°E lies in the 3° zone CM 105°E → EPSG:4534 + (105 − 75)/3 = 4544
    tianfu = (104.0657, 30.6595)
    e, n = crs.from_wgs84(*tianfu, "EPSG:4544")
    (tmp_path / "cd.csv").write_text(f"code,name,type_l2,x,y\nCD1,天府,城镇雨洪排口,{e:.3f},{n:.3f}\n", encoding="utf-8")
    district = tmp_path / "cd.geojson"
    gpd.GeoDataFrame(geometry=[box(103.9, 30.5, 104.2, 30.8)], crs="EPSG:4326").to_file(district, engine="pyogrio")
    out = tmp_path / "cd_out.geojson"
    proc = run_cli("import", str(tmp_path / "cd.csv"), "--layer", "outfalls", "--dry-run", "--json",
                   "--district", str(district), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    assert js["crs"]["used"] == "EPSG:4544" and js["accepted"] == 1
    lon, lat = json.loads(out.read_text(encoding="utf-8"))["features"][0]["geometry"]["coordinates"]
    assert dist_m(tianfu, (lon, lat)) < 0.01
