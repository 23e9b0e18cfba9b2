"""gislib.geo.proximity: buffer query distances in metres, checked against geometry built by hand in EPSG:4549."""
from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from gislib.errors import ValidationError
from gislib.geo.proximity import ProximityQuery, area_m2, projected_crs_for, summary, within

CRS = "EPSG:4549"  # CGCS2000 3° GK CM 120°E (Shanghai)
X0, Y0 = 540_000.0, 3_460_000.0  # about 121.42°E, 31.27°N


def _wgs(geoms, **cols) -> gpd.GeoDataFrame:
    """Features built in metres (EPSG:4549) and handed over in WGS84, as the catalog does."""
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS).to_crs(4326)


@pytest.fixture
def plot():
    # a 100 m × 100 m plot with its south-west corner at (X0, Y0)
    return _wgs([box(X0, Y0, X0 + 100, Y0 + 100)], code=["P1"], name=["地块一"]).geometry.iloc[0]


def test_crs_and_area(plot):
    assert projected_crs_for(plot) == "EPSG:4549"
    assert projected_crs_for(Point(104.07, 30.67)) == "EPSG:4544"  # Chengdu, CM 105°E
    assert area_m2(plot) == pytest.approx(10_000, rel=1e-6)


def test_distances_by_hand(plot):
    rivers = _wgs([LineString([(X0 + 150, Y0 - 500), (X0 + 150, Y0 + 500)]),  # 50 m east of the plot edge
                   LineString([(X0 - 300, Y0 + 50), (X0 - 300, Y0 + 80)]),  # 300 m west, same river
                   LineString([(X0 + 50, Y0 + 400), (X0 + 60, Y0 + 400)]),  # 300 m north, no name
                   LineString([(X0 + 2000, Y0), (X0 + 2000, Y0 + 10)])],  # 1.9 km away
                  name=["桃浦河", "桃浦河", "", "远河"])
    outfalls = _wgs([Point(X0 + 50, Y0 + 50), Point(X0 + 100, Y0 + 220), Point(X0 + 800, Y0)],
                    code=["PK1", "PK2", "PK3"], name=["内部", "北", "远"], type_l2=["a", "b", "c"])
    plots = _wgs([box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 130, Y0, X0 + 200, Y0 + 100)],
                 code=["P1", "P2"], name=["自身", "邻块"], stage=["初步调查", "污染地块"])
    sites = _wgs([Point(X0 - 30, Y0 - 40)], code=["GD1"], name=["工地"], project=["项目"])

    result = within(ProximityQuery(plot, 350, exclude_code="P1"), rivers=rivers, outfalls=outfalls,
                    plots=plots, dust_sites=sites)
    rows = {(r.kind, r.code or r.name): r.distance_m for r in result.itertuples()}
    assert rows[("river", "桃浦河")] == pytest.approx(50, abs=0.2)  # nearest piece of the named river
    assert rows[("river", "(未命名河道)")] == pytest.approx(300, abs=0.2)
    assert ("river", "远河") not in rows
    assert rows[("outfall", "PK1")] == 0.0  # inside the plot
    assert rows[("outfall", "PK2")] == pytest.approx(120, abs=0.2)
    assert ("outfall", "PK3") not in rows
    assert rows[("plot", "P2")] == pytest.approx(30, abs=0.2)
    assert ("plot", "P1") not in rows  # the plot itself is left out
    assert rows[("dust_site", "GD1")] == pytest.approx(50, abs=0.2)  # 3-4-5 triangle to the corner
    assert summary(result) == {"river": 2, "outfall": 2, "plot": 1, "dust_site": 1}
    assert list(result["kind"]) == ["river", "river", "outfall", "outfall", "plot", "dust_site"]
    detail = result.set_index("name").loc["桃浦河", "detail"]
    assert detail == "2 段"


def test_nothing_near(plot):
    result = within(ProximityQuery(plot, 10), rivers=_wgs([LineString([(0, 0), (1, 1)])], name=["x"]).iloc[:0])
    assert result.empty and list(result.columns)[:2] == ["kind", "kind_zh"]


@pytest.mark.parametrize("bad", [0, -5, 50_000, "100"])
def test_bad_distance(plot, bad):
    with pytest.raises(ValidationError, match="查询距离"):
        ProximityQuery(plot, bad)
