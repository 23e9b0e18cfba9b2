"""gislib.geo.crs: GCJ-02/BD-09, EPSG helpers, CRS detection and coordinate parsing.

Reference values come from docs/domain.md §7 (distances computed there with pyproj.Geod from the
public algorithm) and from the EPSG formulas of §7.1, worked out by hand in the comments.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import CRS, Geod

from gislib.geo import crs
from gislib.errors import CRSError, ValidationError

GEOD = Geod(ellps="WGS84")
PEOPLES_SQUARE = (121.4737, 31.2304)  # WGS84, docs/domain.md §7.2


def dist_m(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def test_peoples_square_gcj_offset_matches_domain_table():
    gcj = crs.wgs84_to_gcj02(*PEOPLES_SQUARE)
    az, _back, d = GEOD.inv(*PEOPLES_SQUARE, *gcj)
    assert d == pytest.approx(482, abs=15)  # §7.2: 482 m
    assert az % 360 == pytest.approx(117, abs=5)  # §7.2: bearing ~117° (east-south-east)


def test_peoples_square_bd09_offsets_match_domain_table():
    gcj = crs.wgs84_to_gcj02(*PEOPLES_SQUARE)
    bd = crs.wgs84_to_bd09(*PEOPLES_SQUARE)
    assert dist_m(PEOPLES_SQUARE, bd) == pytest.approx(1141, abs=20)  # §7.2 WGS→BD-09 1141 m
    assert dist_m(gcj, bd) == pytest.approx(901, abs=20)  # §7.2 GCJ→BD-09 901 m


def test_bd09_uses_x_pi_not_pi():
    # By hand at GCJ (121.478, 31.228): x_pi = π·3000/180 = 52.3599; the BD shift is dominated by
    # the constant (+0.0065, +0.006) plus z·(2e-5·sin(y·x_pi)) terms of order 1e-5 °.
    gx, gy = 121.478, 31.228
    bx, by = crs.gcj02_to_bd09(gx, gy)
    z = math.hypot(gx, gy) + 2e-5 * math.sin(gy * math.pi * 3000 / 180)
    theta = math.atan2(gy, gx) + 3e-6 * math.cos(gx * math.pi * 3000 / 180)
    assert bx == pytest.approx(z * math.cos(theta) + 0.0065, abs=1e-12)
    assert by == pytest.approx(z * math.sin(theta) + 0.006, abs=1e-12)
    z_bug = math.hypot(gx, gy) + 2e-5 * math.sin(gy * math.pi)
    assert abs(z - z_bug) > 1e-6  # the π bug would give a visibly different answer


def test_round_trip_below_a_tenth_of_a_metre_over_china():
    lon, lat = np.meshgrid(np.arange(75, 135, 2.5), np.arange(18, 54, 2.5))
    lon, lat = lon.ravel(), lat.ravel()
    back = crs.gcj02_to_wgs84(*crs.wgs84_to_gcj02(lon, lat))
    d = GEOD.inv(lon, lat, back[0], back[1])[2]
    assert d.max() < 0.1
    back_bd = crs.bd09_to_wgs84(*crs.wgs84_to_bd09(lon, lat))
    assert GEOD.inv(lon, lat, back_bd[0], back_bd[1])[2].max() < 0.1


def test_doubled_offset_moves_about_a_kilometre():
    once = crs.wgs84_to_gcj02(*PEOPLES_SQUARE)
    twice = crs.wgs84_to_gcj02(*once)
    # the offset field is smooth, so applying it twice moves ≈ 2 × 482 m ≈ 964 m
    assert dist_m(PEOPLES_SQUARE, twice) == pytest.approx(964, abs=40)
    # the exact inverse of a doubly-shifted point is still 482 m off: the bug is detectable
    assert dist_m(PEOPLES_SQUARE, crs.gcj02_to_wgs84(*twice)) == pytest.approx(482, abs=20)


def test_outside_china_is_not_shifted():
    tokyo = (139.69, 35.69)  # east of 137.8347°E
    assert crs.wgs84_to_gcj02(*tokyo) == tokyo
    assert crs.out_of_china(*tokyo) is True


def test_vectorised_and_scalar_agree():
    lon = np.array([121.4737, 104.0657])
    lat = np.array([31.2304, 30.6595])
    vx, vy = crs.wgs84_to_gcj02(lon, lat)
    sx, sy = crs.wgs84_to_gcj02(104.0657, 30.6595)
    assert vx[1] == sx and vy[1] == sy
    # Chengdu Tianfu Square shifts 360 m (§7.2)
    assert dist_m((104.0657, 30.6595), (sx, sy)) == pytest.approx(360, abs=15)


def test_gauss_kruger_epsg_formulas():
    # 3°: 4534 + (120 − 75)/3 = 4534 + 15 = 4549; CM 105: 4534 + 10 = 4544; CM 102: 4543
    assert crs.gk3_epsg(120) == 4549 and crs.gk3_epsg(105) == 4544 and crs.gk3_epsg(102) == 4543
    # zone-prefixed: 4513 + (120/3 − 25) = 4513 + 15 = 4528; CM 105 → zone 35 → 4523
    assert crs.gk3_epsg(120, zone_prefix=True) == 4528 and crs.gk3_epsg(105, zone_prefix=True) == 4523
    # 6°: CM 123 → 4502 + (123 − 75)/6 = 4502 + 8 = 4510, prefixed 4491 + 8 = 4499; CM 105 → 4507
    assert crs.gk6_epsg(123) == 4510 and crs.gk6_epsg(123, zone_prefix=True) == 4499 and crs.gk6_epsg(105) == 4507
    for cm in range(75, 136, 3):
        assert f"3-degree Gauss-Kruger CM {cm}E" in CRS.from_epsg(crs.gk3_epsg(cm)).name
        assert f"3-degree Gauss-Kruger zone {cm // 3}" in CRS.from_epsg(crs.gk3_epsg(cm, True)).name
    for cm in range(75, 136, 6):
        assert f"Gauss-Kruger CM {cm}E" in CRS.from_epsg(crs.gk6_epsg(cm)).name
    assert crs.gk3_central_meridian(104.07) == 105  # Chengdu (§0)
    assert crs.gk3_central_meridian(121.47) == 120
    with pytest.raises(CRSError):
        crs.gk3_epsg(121)


def test_projected_round_trip_and_central_meridian():
    # on the central meridian the easting is the false easting 500 000 exactly
    lon, lat = crs.to_wgs84(500000.0, 3456789.0, "EPSG:4549")
    assert lon == pytest.approx(120.0, abs=1e-9)
    x, y = crs.from_wgs84(*PEOPLES_SQUARE, "EPSG:4549")
    # by hand: 1.4737° east of CM 120 × 111.32 km/° × cos 31.23° (0.855) ≈ 140.3 km → x ≈ 640 300;
    # northing ≈ meridian arc to 31.23°N ≈ 3 456 km (+ a few hundred metres off the meridian)
    assert x == pytest.approx(640_300, abs=1000) and y == pytest.approx(3_457_000, abs=3000)
    back = crs.to_wgs84(x, y, "EPSG:4549")
    assert dist_m(PEOPLES_SQUARE, back) < 0.001
    xp, _ = crs.from_wgs84(*PEOPLES_SQUARE, "EPSG:4528")
    assert xp == pytest.approx(40_000_000 + x, abs=0.01)  # zone prefix 40 in front


def test_legacy_datums_need_explicit_force():
    for code in ("EPSG:2385", "EPSG:2437", "EPSG:2327"):  # Xian80 CM120, Beijing54 CM120, Xian80 6° zone 13
        with pytest.raises(CRSError, match="七参数"):
            crs.to_wgs84(500000, 3456789, code)
    lon, _lat = crs.to_wgs84(500000, 3456789, "EPSG:2385", force_legacy=True)
    assert lon == pytest.approx(120.0, abs=1e-6)
    assert crs.legacy_datum("EPSG:4549") is None


def test_normalize_crs_spellings():
    assert crs.normalize_crs("GCJ-02") == "gcj02" and crs.normalize_crs("高德") == "gcj02"
    assert crs.normalize_crs("Baidu") == "bd09" and crs.normalize_crs("BD-09") == "bd09"
    assert crs.normalize_crs("epsg:4549") == "EPSG:4549" and crs.normalize_crs(4490) == "EPSG:4490"
    with pytest.raises(CRSError):
        crs.normalize_crs("mars")
    with pytest.raises(CRSError):
        crs.normalize_crs("EPSG:999999")


# --------------------------------------------------------------------------- detection
def test_detect_degrees_says_gcj_cannot_be_told_apart():
    g = crs.detect_crs([121.40, 121.41], [31.25, 31.26])
    assert g.crs == "EPSG:4326" and not g.swapped_axes
    assert "GCJ-02" in g.reason and "无法区分" in g.reason


@pytest.mark.parametrize("hint,filename,columns,expected", [
    (None, "普陀排口_高德拾取.xlsx", (), "gcj02"),
    (None, "points.csv", ("lng_gcj", "lat_gcj"), "gcj02"),
    (None, "腾讯地图点位.csv", (), "gcj02"),
    (None, "points.csv", ("百度经度", "百度纬度"), "bd09"),
    (None, "baidu_export.csv", (), "bd09"),
    ("gcj02", "plain.csv", (), "gcj02"),
    ("EPSG:4490", "高德.csv", (), "EPSG:4490"),  # an explicit choice beats keywords
])
def test_detect_keywords(hint, filename, columns, expected):
    assert crs.detect_crs([121.4], [31.2], hint, filename, columns).crs == expected


def test_detect_swapped_degrees_by_majority():
    g = crs.detect_crs([31.20, 31.25, 121.4], [121.40, 121.45, 31.2])
    assert g.crs == "EPSG:4326" and g.swapped_axes and "填反" in g.reason


def test_detect_gauss_kruger_variants():
    g = crs.detect_crs([512345.0, 520000.0], [3456789.0, 3460000.0])
    assert g.crs == "EPSG:4549" and not g.swapped_axes and "120" in g.reason
    g = crs.detect_crs([3456789.0], [512345.0])  # Chinese survey order X = northing
    assert g.crs == "EPSG:4549" and g.swapped_axes and "X=北" in g.reason
    g = crs.detect_crs([40512345.0], [3456789.0])  # zone prefix 40 → CM 120, EPSG 4528
    assert g.crs == "EPSG:4528" and not g.swapped_axes
    g = crs.detect_crs([3456789.0], [35512345.0])  # swapped, zone 35 → CM 105 → 4513 + 10 = 4523
    assert g.crs == "EPSG:4523" and g.swapped_axes
    g = crs.detect_crs([412345.0], [3395000.0], central_meridian=105)  # Chengdu: 4544
    assert g.crs == "EPSG:4544"


def test_detect_declared_crs_and_failures():
    g = crs.detect_crs([512345.0], [3456789.0], declared_crs="EPSG:4549")
    assert g.crs == "EPSG:4549" and "文件自带" in g.reason
    with pytest.raises(CRSError, match="无法从坐标值"):
        crs.detect_crs([5.0], [5.0])
    with pytest.raises(CRSError, match="像投影坐标"):
        crs.detect_crs([512345.0], [3456789.0], hint="EPSG:4326")


# --------------------------------------------------------------------------- parsing
# 121°24′30.5″ = 121 + 24/60 + 30.5/3600 = 121 + 0.4 + 0.0084722… = 121.4084722…
DMS_VALUE = 121 + 24 / 60 + 30.5 / 3600


@pytest.mark.parametrize("text,expected", [
    ("121.4083", 121.4083),
    ("１２１．４", 121.4),
    (" 121.4 ", 121.4),
    ("121 .4", 121.4),
    ("121°24′30.5″", DMS_VALUE),
    ("121°24'30.5\"", DMS_VALUE),
    ("121度24分30.5秒", DMS_VALUE),
    ("121 24 30.5", DMS_VALUE),
    ("E121°24′30.5″", DMS_VALUE),
    ("121°24′30.5″E", DMS_VALUE),
    ("东经121°24′30.5″", DMS_VALUE),
    ("１２１°２４′３０．５″", DMS_VALUE),
    ("北纬31°12′", 31.2),  # 31 + 12/60
    ("S 12.5", -12.5),
    ("西经75°30′", -75.5),
    ("3,456,789.12", 3456789.12),
    (121.4, 121.4),
    (3456789, 3456789.0),
])
def test_parse_coordinate_accepts(text, expected):
    assert crs.parse_coordinate(text) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("text", ["abc", "", None, "121°61′", "121°24′61″", "1 2 3 4", "121.4.5", "12a", float("nan"), True])
def test_parse_coordinate_rejects(text):
    with pytest.raises(ValidationError):
        crs.parse_coordinate(text)
