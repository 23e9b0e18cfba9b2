"""gislib.geo.crs: the coordinate systems officers' data arrives in, and conversion to WGS84.

Canonical storage is WGS84 (EPSG:4326); CGCS2000 (EPSG:4490) is treated as identical (< 1 m,
docs/domain.md §7.1). GCJ-02 ("火星坐标", Amap/Tencent) and BD-09 (Baidu) use the public
algorithm of docs/domain.md §7.2; their inverses are iterative (error < 1e-7°, about 1 cm).

CRS names accepted everywhere: ``"EPSG:4326"``, ``"EPSG:4490"``, any ``"EPSG:n"`` known to
pyproj, ``"gcj02"`` and ``"bd09"`` (spelling variants such as "GCJ-02", "高德", "百度" are
normalised by :func:`normalize_crs`).
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from gislib.errors import CRSError, ValidationError

# --------------------------------------------------------------------------- constants (§7.2)
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
X_PI = math.pi * 3000.0 / 180.0  # BD-09 constant; NOT math.pi (a known bug in some ports)
# (min lon, min lat, max lon, max lat): the algorithm shifts only inside this box.
CHINA_BBOX = (72.004, 0.8293, 137.8347, 55.8271)
GCJ_INVERSE_TOLERANCE_DEG = 1e-7
_MAX_ITERATIONS = 30

WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"
GCJ02 = "gcj02"
BD09 = "bd09"
GEOGRAPHIC_CRSS = (WGS84, CGCS2000, GCJ02, BD09)
DEFAULT_CENTRAL_MERIDIAN = 120.0  # Shanghai / Jiangsu / Zhejiang 3° zone

GCJ_KEYWORDS = ("gcj", "高德", "火星", "amap", "autonavi", "腾讯", "tencent", "qq地图", "soso")
BD_KEYWORDS = ("baidu", "百度", "bd09", "bd-09", "bd_09", "bdmap")

ArrayLike = float | Sequence[float] | np.ndarray


# --------------------------------------------------------------------------- array helpers
def _arrays(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray, bool]:
    """Float arrays of x and y plus whether the input was a scalar pair."""
    scalar = np.ndim(x) == 0 and np.ndim(y) == 0
    xa = np.atleast_1d(np.asarray(x, dtype=float))
    ya = np.atleast_1d(np.asarray(y, dtype=float))
    if xa.shape != ya.shape:
        raise CRSError("error.xy_lengths", x=str(xa.shape), y=str(ya.shape))
    return xa, ya, scalar


def _result(x: np.ndarray, y: np.ndarray, scalar: bool):
    """Scalars back for scalar input, arrays otherwise."""
    if scalar:
        return float(x[0]), float(y[0])
    return x, y


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray | bool:
    """True where the point lies outside the box in which GCJ-02 applies an offset."""
    lo, la, scalar = _arrays(lon, lat)
    res = ~((lo >= CHINA_BBOX[0]) & (lo <= CHINA_BBOX[2]) & (la >= CHINA_BBOX[1]) & (la <= CHINA_BBOX[3]))
    return bool(res[0]) if scalar else res


# --------------------------------------------------------------------------- GCJ-02 / BD-09
def _transform_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS84 (lon, lat); zero outside China."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - KRASOVSKY_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = np.asarray(out_of_china(lon, lat))
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike):
    """WGS84 → GCJ-02 (public algorithm). Scalars in, scalars out; arrays in, arrays out."""
    lo, la, scalar = _arrays(lon, lat)
    dlon, dlat = _gcj_delta(lo, la)
    return _result(lo + dlon, la + dlat, scalar)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, tolerance_deg: float = GCJ_INVERSE_TOLERANCE_DEG):
    """GCJ-02 → WGS84 by fixed-point iteration until the forward shift reproduces the input.

    Stops when every point is within ``tolerance_deg`` (default 1e-7°, about 1 cm).
    """
    glo, gla, scalar = _arrays(lon, lat)
    wlo, wla = glo.copy(), gla.copy()
    for _ in range(_MAX_ITERATIONS):
        dlon, dlat = _gcj_delta(wlo, wla)
        err_lon = (wlo + dlon) - glo
        err_lat = (wla + dlat) - gla
        wlo = wlo - err_lon
        wla = wla - err_lat
        finite = np.isfinite(err_lon) & np.isfinite(err_lat)
        if not finite.any() or np.max(np.abs(np.r_[err_lon[finite], err_lat[finite]])) < tolerance_deg:
            break
    return _result(wlo, wla, scalar)


def _gcj_to_bd(lo: np.ndarray, la: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.sqrt(lo * lo + la * la) + 0.00002 * np.sin(la * X_PI)
    theta = np.arctan2(la, lo) + 0.000003 * np.cos(lo * X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike):
    """GCJ-02 → BD-09 (Baidu), with x_pi = π·3000/180."""
    lo, la, scalar = _arrays(lon, lat)
    return _result(*_gcj_to_bd(lo, la), scalar)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike, tolerance_deg: float = GCJ_INVERSE_TOLERANCE_DEG):
    """BD-09 → GCJ-02: the usual closed-form inverse, refined by iteration to ``tolerance_deg``."""
    blo, bla, scalar = _arrays(lon, lat)
    x, y = blo - 0.0065, bla - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    glo, gla = z * np.cos(theta), z * np.sin(theta)
    for _ in range(_MAX_ITERATIONS):
        flo, fla = _gcj_to_bd(glo, gla)
        err_lon, err_lat = flo - blo, fla - bla
        glo, gla = glo - err_lon, gla - err_lat
        finite = np.isfinite(err_lon) & np.isfinite(err_lat)
        if not finite.any() or np.max(np.abs(np.r_[err_lon[finite], err_lat[finite]])) < tolerance_deg:
            break
    return _result(glo, gla, scalar)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike):
    """WGS84 → BD-09 (via GCJ-02)."""
    lo, la, scalar = _arrays(lon, lat)
    return _result(*_gcj_to_bd(*wgs84_to_gcj02(lo, la)), scalar)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike):
    """BD-09 → WGS84 (iterative, via GCJ-02)."""
    lo, la, scalar = _arrays(lon, lat)
    return _result(*gcj02_to_wgs84(*bd09_to_gcj02(lo, la)), scalar)


# --------------------------------------------------------------------------- CRS names
def normalize_crs(crs: str | int) -> str:
    """Canonical name: "EPSG:n", "gcj02" or "bd09". Raises CRSError for anything else."""
    if isinstance(crs, (int, np.integer)):
        return f"EPSG:{int(crs)}"
    text = unicodedata.normalize("NFKC", str(crs)).strip()
    low = text.lower().replace(" ", "")
    if low in ("gcj02", "gcj-02", "gcj_02", "gcj", "火星", "火星坐标", "高德", "amap", "腾讯", "tencent"):
        return GCJ02
    if low in ("bd09", "bd-09", "bd_09", "bd09ll", "baidu", "百度"):
        return BD09
    if low in ("wgs84", "wgs-84", "wgs_84", "gps", "4326"):
        return WGS84
    if low in ("cgcs2000", "cgcs-2000", "国家2000", "2000国家大地坐标系", "4490"):
        return CGCS2000
    m = re.fullmatch(r"(?:epsg:?)?(\d{4,6})", low)
    if m:
        code = int(m.group(1))
        _pyproj_crs(code)  # raises CRSError when unknown
        return f"EPSG:{code}"
    raise CRSError("error.crs_unknown", crs=crs)


@lru_cache(maxsize=256)
def _pyproj_crs(code: int):
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    try:
        return CRS.from_epsg(code)
    except ProjCRSError as exc:
        raise CRSError("error.epsg_unknown", code=code, detail=exc) from exc


def epsg_code(crs: str) -> int | None:
    """The EPSG number of a canonical CRS name, or None for gcj02/bd09."""
    crs = normalize_crs(crs)
    return int(crs.split(":")[1]) if crs.startswith("EPSG:") else None


def crs_label(crs: str) -> str:
    """A human label, e.g. "EPSG:4549 CGCS2000 / 3-degree Gauss-Kruger CM 120E" or "GCJ-02（高德/腾讯）"."""
    crs = normalize_crs(crs)
    if crs == GCJ02:
        return "GCJ-02（高德/腾讯/火星坐标）"
    if crs == BD09:
        return "BD-09（百度坐标）"
    return f"{crs} {_pyproj_crs(epsg_code(crs)).name}"


def is_geographic(crs: str) -> bool:
    """True for longitude/latitude systems (WGS84, CGCS2000, GCJ-02, BD-09, other geographic EPSG)."""
    crs = normalize_crs(crs)
    if crs in GEOGRAPHIC_CRSS:
        return True
    return bool(_pyproj_crs(epsg_code(crs)).is_geographic)


def legacy_datum(crs: str) -> str | None:
    """"Beijing 1954" or "Xian 1980" when ``crs`` is on one of those legacy datums, else None."""
    code = epsg_code(crs)
    if code is None:
        return None
    pc = _pyproj_crs(code)
    names = " ".join(filter(None, [pc.name, pc.geodetic_crs.name if pc.geodetic_crs else ""]))
    for datum in ("Beijing 1954", "Xian 1980", "New Beijing"):
        if datum.lower() in names.lower():
            return datum
    return None


def check_supported(crs: str, force_legacy: bool = False) -> str:
    """Canonical name of ``crs``; CRSError for Beijing-54 / Xian-80 unless ``force_legacy``."""
    crs = normalize_crs(crs)
    datum = legacy_datum(crs)
    if datum and not force_legacy:
        raise CRSError("error.crs_legacy", crs=crs_label(crs), datum=datum)
    return crs


@lru_cache(maxsize=64)
def _transformer(src: str, dst: str):
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def to_wgs84(x: ArrayLike, y: ArrayLike, crs: str, force_legacy: bool = False):
    """Convert (x, y) in ``crs`` to WGS84 (lon, lat). x is easting/longitude (always_xy)."""
    crs = check_supported(crs, force_legacy)
    xa, ya, scalar = _arrays(x, y)
    if crs in (WGS84, CGCS2000):
        lo, la = xa.copy(), ya.copy()
    elif crs == GCJ02:
        lo, la = gcj02_to_wgs84(xa, ya)
    elif crs == BD09:
        lo, la = bd09_to_wgs84(xa, ya)
    else:
        lo, la = _transformer(crs, WGS84).transform(xa, ya)
        lo, la = np.asarray(lo, dtype=float), np.asarray(la, dtype=float)
    return _result(lo, la, scalar)


def from_wgs84(lon: ArrayLike, lat: ArrayLike, crs: str):
    """Convert WGS84 (lon, lat) to ``crs`` (x = easting/longitude, y = northing/latitude)."""
    crs = check_supported(crs, force_legacy=True)
    lo, la, scalar = _arrays(lon, lat)
    if crs in (WGS84, CGCS2000):
        x, y = lo.copy(), la.copy()
    elif crs == GCJ02:
        x, y = wgs84_to_gcj02(lo, la)
    elif crs == BD09:
        x, y = wgs84_to_bd09(lo, la)
    else:
        x, y = _transformer(WGS84, crs).transform(lo, la)
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return _result(x, y, scalar)


def transform_geometry(geom, src: str, dst: str = WGS84, force_legacy: bool = False):
    """A shapely geometry converted from ``src`` to ``dst`` (both any supported CRS name)."""
    import shapely

    src, dst = normalize_crs(src), normalize_crs(dst)
    if src == dst or geom is None:
        return geom

    def _fn(coords: np.ndarray) -> np.ndarray:
        lo, la = to_wgs84(coords[:, 0], coords[:, 1], src, force_legacy)
        if dst != WGS84:
            lo, la = from_wgs84(lo, la, dst)
        return np.column_stack([lo, la])

    return shapely.transform(geom, _fn)


# --------------------------------------------------------------------------- Gauss–Krüger zones
def gk3_central_meridian(lon: float) -> int:
    """Central meridian of the 3° zone containing ``lon`` (e.g. 121.47 → 120, 104.07 → 105)."""
    return int(round(lon / 3.0)) * 3


def gk3_epsg(central_meridian: float, zone_prefix: bool = False) -> int:
    """CGCS2000 3° GK EPSG: 4534 + (CM − 75)/3 (FE 500 000), or 4513 + (CM/3 − 25) with zone prefix."""
    cm = float(central_meridian)
    if cm % 3 != 0 or not 75 <= cm <= 135:
        raise CRSError("error.gk3_meridian", meridian=central_meridian)
    return int(4513 + (cm / 3 - 25)) if zone_prefix else int(4534 + (cm - 75) / 3)


def gk6_epsg(central_meridian: float, zone_prefix: bool = False) -> int:
    """CGCS2000 6° GK EPSG: 4502..4512 (CM 75..135), zone-prefixed 4491..4501 (zones 13..23)."""
    cm = float(central_meridian)
    if (cm - 75) % 6 != 0 or not 75 <= cm <= 135:
        raise CRSError("error.gk6_meridian", meridian=central_meridian)
    return int((4491 if zone_prefix else 4502) + (cm - 75) / 6)


def gk_epsg_from_prefixed_easting(easting: float) -> tuple[int, str]:
    """EPSG and a description from an 8-digit easting with zone prefix (40 5xx xxx → 3° zone 40)."""
    zone = int(easting // 1_000_000)
    if 25 <= zone <= 45:
        return gk3_epsg(zone * 3, zone_prefix=True), f"3° 带第 {zone} 带（中央经线 {zone * 3}°E）"
    if 13 <= zone <= 23:
        return gk6_epsg(zone * 6 - 3, zone_prefix=True), f"6° 带第 {zone} 带（中央经线 {zone * 6 - 3}°E）"
    raise CRSError("error.gk_zone_prefix", easting=easting, zone=zone)


# --------------------------------------------------------------------------- detection
@dataclass(frozen=True)
class CRSGuess:
    """The CRS chosen for a file and why. ``swapped_axes``: the first column holds northing/latitude."""

    crs: str
    reason: str
    swapped_axes: bool = False


def keyword_crs(*texts: str | None) -> str | None:
    """gcj02 / bd09 when a hint, file name or column name names Amap/Tencent/Baidu, else None."""
    joined = " ".join(t for t in texts if t).lower()
    if any(k in joined for k in BD_KEYWORDS):
        return BD09
    if any(k in joined for k in GCJ_KEYWORDS):
        return GCJ02
    return None


def _finite(values: Iterable) -> np.ndarray:
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    return arr[np.isfinite(arr)]


def _looks_degrees(x: float, y: float) -> str | None:
    """"normal", "swapped" or None for a median coordinate pair in China's degree range."""
    if 73 <= x <= 136 and 3 <= y <= 55:
        return "normal"
    if 3 <= x <= 55 and 73 <= y <= 136:
        return "swapped"
    return None


_GK_REASONS = {  # (kind, swapped) → why the pair was read as Gauss-Krüger, for CRSGuess.reason
    ("prefixed", False): "东坐标为 8 位数且带号前缀 {zone}，按 CGCS2000 高斯-克吕格{desc}（EPSG:{epsg}）处理。",
    ("prefixed", True): "第一列约 {x:,.0f}（北坐标）、第二列为带号前缀 {zone} 的 8 位东坐标，"
                        "判断为测量习惯 X=北、Y=东，已对调；按 CGCS2000 高斯-克吕格{desc}（EPSG:{epsg}）处理。",
    ("plain", False): "东坐标约 {x:,.0f}（6 位数，含 500 000 假东偏）、北坐标 7 位数，判断为不带带号的 CGCS2000 3° 高斯-克吕格投影；"
                      "按本区中央经线 {cm:g}°E 选用 EPSG:{epsg}。如为西安80/北京54 或地方坐标系，请改用 --crs 指定。",
    ("plain", True): "第一列约 {x:,.0f}、第二列约 {y:,.0f}，判断为测量习惯 X=北坐标、Y=东坐标，已对调；"
                     "按 CGCS2000 3° 高斯-克吕格、本区中央经线 {cm:g}°E 选用 EPSG:{epsg}。",
}


def _projected_guess(x: float, y: float, central_meridian: float) -> CRSGuess | None:
    """GK guess from median easting/northing-like values; None when they do not look projected.

    Each kind is tried in the first column's order, then swapped (surveyors write X = north first):
    an 8-digit easting with a zone prefix, then a 6-digit easting (500 000 false easting) in this
    district's 3° zone; the northing has 7 digits.
    """
    cm_epsg = gk3_epsg(central_meridian)
    orders = ((x, y, False), (y, x, True))
    for east, north, swapped in orders:
        if 10_000_000 <= east < 100_000_000 and 1_000_000 <= north < 10_000_000:
            epsg, desc = gk_epsg_from_prefixed_easting(east)
            reason = _GK_REASONS[("prefixed", swapped)].format(zone=int(east // 1e6), desc=desc, epsg=epsg, x=x)
            return CRSGuess(f"EPSG:{epsg}", reason, swapped)
    for east, north, swapped in orders:
        if 100_000 <= east < 1_000_000 and 1_000_000 <= north < 10_000_000:
            reason = _GK_REASONS[("plain", swapped)].format(x=x, y=y, cm=central_meridian, epsg=cm_epsg)
            return CRSGuess(f"EPSG:{cm_epsg}", reason, swapped)
    return None


def _classify(x: float, y: float, central_meridian: float) -> tuple | None:
    """("deg", swapped) or ("proj", crs, swapped) for one coordinate pair, None when unrecognised."""
    shape = _looks_degrees(x, y)
    if shape:
        return ("deg", shape == "swapped")
    try:
        guess = _projected_guess(x, y, central_meridian)
    except CRSError:
        return None
    return ("proj", guess.crs, guess.swapped_axes) if guess else None


def _majority(xa: np.ndarray, ya: np.ndarray, central_meridian: float) -> tuple[tuple | None, float, float]:
    """The most common classification of the pairs and the medians of the pairs in that class."""
    keys = [_classify(float(x), float(y), central_meridian) for x, y in zip(xa, ya)]
    counted: dict[tuple, int] = {}
    for k in keys:
        if k is not None:
            counted[k] = counted.get(k, 0) + 1
    if not counted:
        return None, float(np.median(xa)) if len(xa) else math.nan, float(np.median(ya)) if len(ya) else math.nan
    best = max(counted, key=lambda k: (counted[k], not k[-1]))  # ties: prefer the unswapped reading
    sel = np.array([k == best for k in keys])
    return best, float(np.median(xa[sel])), float(np.median(ya[sel]))


def detect_crs(
    xs: Iterable[float | None],
    ys: Iterable[float | None],
    hint: str | None = None,
    filename: str | None = None,
    column_names: Iterable[str] = (),
    *,
    declared_crs: str | None = None,
    central_meridian: float = DEFAULT_CENTRAL_MERIDIAN,
) -> CRSGuess:
    """Guess the CRS of coordinate columns (x = first/"longitude" column, y = second).

    Each pair is classified (degrees / swapped degrees / GK zone / swapped GK) and the most common
    reading wins, so a few bad or swapped rows do not change the answer. ``hint`` is the user's
    explicit choice ("auto"/None to guess); ``declared_crs`` is what the file itself says (.prj,
    GeoPackage, GeoJSON, an exported ``coord_sys`` column). The reason is a Chinese sentence.
    """
    pairs = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None]
    xa = np.asarray([p[0] for p in pairs], dtype=float)
    ya = np.asarray([p[1] for p in pairs], dtype=float)
    ok = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[ok], ya[ok]
    columns = " ".join(str(c) for c in column_names)
    best, mx, my = _majority(xa, ya, central_meridian)
    if hint and str(hint).strip().lower() != "auto":
        crs = normalize_crs(hint)
        if is_geographic(crs):
            if len(xa) and (best is None or best[0] != "deg") and (abs(mx) > 180 or abs(my) > 90):
                raise CRSError("error.crs_geographic_but_metres", crs=crs_label(crs), x=mx, y=my)
            swapped = best == ("deg", True)
        else:
            swapped = bool(best and best[0] == "proj" and best[-1])
        note = "；第一列为纬度/北坐标，已对调" if swapped else ""
        return CRSGuess(crs, f"按用户指定的坐标系 {crs_label(crs)} 处理{note}。", swapped)

    kw = keyword_crs(filename, columns)
    if declared_crs:
        crs = normalize_crs(declared_crs)
        if crs in (WGS84, CGCS2000) and kw:
            return CRSGuess(
                kw,
                f"文件声明为 {crs_label(crs)}，但文件名或列名提到{'百度' if kw == BD09 else '高德/腾讯/火星坐标'}，"
                f"按 {crs_label(kw)} 处理（数值上无法区分 GCJ-02 与 WGS84）。如不对，请用 --crs 指定。",
            )
        if is_geographic(crs):
            swapped = best == ("deg", True)
        else:
            swapped = bool(best and best[0] == "proj" and best[-1])
        note = "；坐标轴顺序相反，已对调" if swapped else ""
        return CRSGuess(crs, f"采用文件自带的坐标系 {crs_label(crs)}{note}。", swapped)

    if not len(xa):
        raise CRSError("error.crs_no_values")
    if best is None:
        raise CRSError("error.crs_undetected", x=mx, y=my)
    if best[0] == "deg":
        swapped = best[1]
        swap_note = "第一列在 3–55 之间、第二列在 73–136 之间，判断为纬度、经度填反，已对调；" if swapped else ""
        if kw == BD09:
            return CRSGuess(BD09, f"{swap_note}坐标为十进制度，文件名或列名提到百度/BD-09，按百度坐标 BD-09 处理。", swapped)
        if kw == GCJ02:
            return CRSGuess(GCJ02, f"{swap_note}坐标为十进制度，文件名或列名提到高德/腾讯/GCJ-02，按火星坐标 GCJ-02 处理。", swapped)
        return CRSGuess(
            WGS84,
            f"{swap_note}坐标为中国范围内的十进制经纬度，按 WGS84/CGCS2000 处理。注意：GCJ-02（高德/腾讯）与 WGS84 "
            "仅凭数值无法区分（相差约 300–700 m）；如数据来自高德、腾讯或百度地图拾取，请用 --crs gcj02 或 bd09 指定。",
            swapped,
        )
    sx, sy = (my, mx) if best[-1] else (mx, my)
    guess = _projected_guess(mx, my, central_meridian)
    return guess if guess else CRSGuess(best[1], f"按投影坐标 {best[1]} 处理（东坐标约 {sx:,.0f}）。", best[-1])


# --------------------------------------------------------------------------- parsing
_HEMI_PREFIX = re.compile(r"^(东经|西经|北纬|南纬|东|西|北|南|[EWNS])\s*", re.IGNORECASE)
_HEMI_SUFFIX = re.compile(r"\s*(东经|西经|北纬|南纬|东|西|北|南|[EWNS])$", re.IGNORECASE)
_NEGATIVE_HEMI = ("西经", "南纬", "西", "南", "W", "S")
_TOKEN = re.compile(r"\s*(\d+(?:\.\d+)?|\.\d+)\s*([dms:]?)\s*")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_coordinate(text) -> float:
    """A coordinate from a cell: decimal, full-width, or DMS (121°24′30.5″, 121度24分30.5秒,
    121 24 30.5, E121°24'30.5", 东经121°…). W/S/西经/南纬 give negative values.
    Raises ValidationError (field "coordinate") for anything else."""
    if isinstance(text, bool):
        raise ValidationError("error.coordinate_not_number", field="coordinate", value=text)
    if isinstance(text, (int, float, np.integer, np.floating)):
        value = float(text)
        if not math.isfinite(value):
            raise ValidationError("error.coordinate_empty", field="coordinate")
        return value
    if text is None:
        raise ValidationError("error.coordinate_empty", field="coordinate")
    original = str(text)
    s = unicodedata.normalize("NFKC", original).strip()
    if not s:
        raise ValidationError("error.coordinate_empty", field="coordinate")
    sign = 1.0
    for pattern in (_HEMI_PREFIX, _HEMI_SUFFIX):
        m = pattern.search(s)
        if m:
            if m.group(1).upper() in _NEGATIVE_HEMI:
                sign = -sign
            s = (s[: m.start()] + s[m.end():]).strip()
    if s.startswith(("-", "+")):
        if s[0] == "-":
            sign = -sign
        s = s[1:].strip()
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    s = re.sub(r"\s*\.\s*", ".", s)
    # unit marks → d / m / s (seconds before minutes: NFKC turns ″ into ′′)
    for marks, unit in (("′′", "s"), ("''", "s"), ("’’", "s"), ("″", "s"), ('"', "s"), ("“", "s"), ("”", "s"),
                        ("秒", "s"), ("°", "d"), ("º", "d"), ("˚", "d"), ("度", "d"), ("′", "m"), ("'", "m"),
                        ("’", "m"), ("‘", "m"), ("分", "m")):
        s = s.replace(marks, unit)
    pos, parts = 0, []
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            raise ValidationError("error.coordinate_unreadable", field="coordinate", value=original)
        parts.append((m.group(1), m.group(2)))
        pos = m.end()
    if not parts or len(parts) > 3:
        raise ValidationError("error.coordinate_parts", field="coordinate", value=original)
    expected_units = ("d", "m", "s")
    for i, (_num, unit) in enumerate(parts):
        if unit not in ("", ":", expected_units[i]):
            raise ValidationError("error.coordinate_order", field="coordinate", value=original)
    numbers = [float(n) for n, _u in parts]
    if len(numbers) > 1:
        if any("." in n for n, _u in parts[:-1]):
            raise ValidationError("error.coordinate_decimals", field="coordinate", value=original)
        if any(v >= 60 for v in numbers[1:]):
            raise ValidationError("error.coordinate_sixty", field="coordinate", value=original)
    value = numbers[0] + sum(v / 60 ** (i + 1) for i, v in enumerate(numbers[1:]))
    return sign * value
