"""gislib.io.examples: each sample file imports with every row's fate as documented, positions
back to the true WGS84 within a metre, and the GCJ ledger writes to a seeded store."""
from __future__ import annotations

import zipfile

import pytest
import shapely
from openpyxl import load_workbook
from pyproj import Geod

from gislib.geo import crs
from gislib.dataset import load_layer
from gislib.io.importer import import_file, read_source
from cli.import_ import write_to_store
from gislib.io.examples import SAMPLES, build_sample, sample_bytes, true_positions

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def district():
    return shapely.union_all(load_layer("district", "putuo").geometry.values)


@pytest.fixture(scope="module")
def truth():
    return true_positions()


def _dist(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def test_true_positions_are_demo_outfalls_on_putuo_banks(truth, district):
    outfalls = load_layer("outfalls", "putuo").set_index("code")
    for code in ("PT-0001", "PT-0006", "PT-0011"):
        p = outfalls.geometry[code]
        assert truth[code] == (p.x, p.y)
    assert _dist(truth["PT-2001"], truth["PT-0005"]) == pytest.approx(30, abs=0.01)
    assert _dist(truth["PT-2001"], truth["PT-2002"]) == pytest.approx(2, abs=0.01)
    assert all(district.buffer(0.01).contains(shapely.Point(p)) for p in truth.values())


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_every_row_fate_and_position(kind, tmp_path, truth, district):
    spec = SAMPLES[kind]
    path = build_sample(kind, tmp_path)
    assert path.name == spec.filename
    report = import_file(path, spec.layer, district=district)
    assert report.crs["used"] == spec.crs  # detected, not told
    assert sorted(report.accepted["source_row"]) == list(spec.accepted_rows)
    reasons = {r["row"]: r["reason"] for r in report.rejected}
    assert set(reasons) == set(spec.rejected)
    for row, word in spec.rejected.items():
        assert word in reasons[row], (row, reasons[row])
    assert {(w["row"], w["kind"]) for w in report.warnings} == set(spec.warnings)
    for code, geom in zip(report.accepted["code"], report.accepted.geometry):
        assert _dist(truth[code], (geom.x, geom.y)) < 1.0, code


def test_gcj_ledger_is_really_gcj_and_has_a_title_row(tmp_path, truth):
    path = build_sample("gcj_excel", tmp_path)
    ws = load_workbook(path).active
    assert "示例数据" in ws["A1"].value and ws["B2"].value == "排口编码"
    lon, lat = float(ws["E3"].value), float(ws["F3"].value)  # PT-0001 as written
    assert _dist((lon, lat), truth["PT-0001"]) == pytest.approx(
        _dist(crs.wgs84_to_gcj02(*truth["PT-0001"]), truth["PT-0001"]), abs=0.5)
    assert 300 < _dist((lon, lat), truth["PT-0001"]) < 700  # the GCJ-02 offset in Shanghai (§7.2)
    # read as WGS84 it would land hundreds of metres off
    wrong = import_file(path, "outfalls", crs="EPSG:4326")
    p = wrong.accepted.set_index("code").geometry["PT-0001"]
    assert _dist((p.x, p.y), truth["PT-0001"]) > 300


def test_shapefile_is_gbk_without_cpg_in_4549(tmp_path):
    path = build_sample("gbk_shp", tmp_path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        dbf = zf.read(next(n for n in names if n.endswith(".dbf")))
    assert not any(n.lower().endswith(".cpg") for n in names) and any(n.endswith(".prj") for n in names)
    assert "张泾".encode("gbk") in dbf
    table = read_source(path)
    assert table.encoding == "GBK" and table.crs == "EPSG:4549"


def test_csv_is_gbk_bd09(tmp_path):
    path = build_sample("bd09_csv", tmp_path)
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk").startswith("编号,名称,类型,百度经度")


def test_sample_bytes_for_download():
    name, data = sample_bytes("bd09_csv")
    assert name.endswith(".csv") and len(data) > 100


def test_gcj_ledger_writes_to_a_seeded_store(tmp_path, district):
    from gislib.services.catalog import store

    st = store(tmp_path / "data", "putuo")
    existing = frozenset(r["code"] for r in st.list("outfalls", include_removed=True))
    report = import_file(build_sample("gcj_excel", tmp_path), "outfalls", district=district, existing_codes=existing)
    assert (report.inserts, report.updates) == (2, 4)
    stats = write_to_store(st, report, user="officer:test", source="sample.xlsx", near_duplicates="keep")
    assert stats["inserted"] == 2 and stats["updated"] + stats["unchanged"] == 4 and stats.get("refused", 0) == 0
    new = st.get("outfalls", "PT-2001")
    assert new["source_crs"] == "gcj02"
