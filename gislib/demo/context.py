"""gislib.demo.context: the real geography of the demo, cut from the OpenStreetMap sources.

Everything here is derived from the files in ``data/raw/`` (ODbL, © OpenStreetMap contributors;
district outlines from geoBoundaries gbOpen CHN-ADM3, also ODbL). See ``data/raw/SOURCES.md``.
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import voronoi_diagram

from gislib.dataset import RAW_DIR

OSM_DIR = RAW_DIR / "osm_geofabrik_shanghai_2025-03-18"
DISTRICTS_FILE = RAW_DIR / "geoboundaries_chn_adm3_shanghai_districts" / "city.geo.json"
METRIC_CRS = "EPSG:32651"  # UTM 51N: metres for buffers, lengths and areas around Shanghai

# The 10 sub-district/town units of Putuo, as named by the OSM place points.
PUTUO_UNITS = (
    "长征镇", "桃浦镇", "万里街道", "真如镇街道", "宜川路街道", "石泉路街道",
    "甘泉路街道", "长寿路街道", "长风新村街道", "曹杨新村街道",
)
PUTUO_ADMIN_CODE = "310107"  # GB/T 2260 code of 上海市普陀区


@dataclass
class Context:
    """Base geography of a demo data set (all EPSG:4326)."""

    district: gpd.GeoDataFrame
    subdistricts: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    water: gpd.GeoDataFrame
    railways: gpd.GeoDataFrame


def read_osm(layer: str) -> gpd.GeoDataFrame:
    """One Geofabrik layer (waterways, water_a, places, railways) in EPSG:4326."""
    return gpd.read_file(OSM_DIR / f"gis_osm_{layer}_free_1.shp")


def _margin(geom, metres: float):
    """``geom`` buffered by ``metres``, computed in the metric CRS."""
    g = gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(METRIC_CRS).buffer(metres)
    return g.to_crs("EPSG:4326").iloc[0]


def _clip(gdf: gpd.GeoDataFrame, area) -> gpd.GeoDataFrame:
    out = gpd.clip(gdf, area)
    out = out[~out.geometry.is_empty].explode(index_parts=False)
    kind = "Line" if gdf.geom_type.iloc[0].endswith("LineString") else "Polygon"
    out = out[out.geom_type.str.contains(kind)]
    return out.reset_index(drop=True)


def putuo_context(margin_m: float = 1000.0) -> Context:
    """Putuo district, its approximate sub-districts, and the water and railways around it."""
    districts = gpd.read_file(DISTRICTS_FILE)
    putuo = districts[districts["name"] == "普陀"].geometry.iloc[0]
    district = gpd.GeoDataFrame(
        {"name": ["普陀区"], "admin_code": [PUTUO_ADMIN_CODE], "source": ["geoBoundaries gbOpen CHN-ADM3 (OSM, ODbL)"]},
        geometry=[putuo], crs="EPSG:4326",
    )
    places = read_osm("places")
    places = places[places["name"].isin(PUTUO_UNITS)].drop_duplicates("name")
    subdistricts = voronoi_units(places, putuo)
    area = _margin(putuo, margin_m)
    rivers = _clip(read_osm("waterways")[["osm_id", "name", "fclass", "geometry"]], area)
    water = _clip(read_osm("water_a")[["osm_id", "name", "fclass", "geometry"]], area)
    railways = _clip(read_osm("railways")[["osm_id", "name", "fclass", "geometry"]], area)
    return Context(district, subdistricts, rivers, water, railways)


def voronoi_units(points: gpd.GeoDataFrame, boundary) -> gpd.GeoDataFrame:
    """Voronoi cells of named points, clipped to ``boundary``: APPROXIMATE unit polygons."""
    pts = points.to_crs(METRIC_CRS)
    bound_m = gpd.GeoSeries([boundary], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    cells = voronoi_diagram(shapely.MultiPoint(list(pts.geometry)), envelope=bound_m.buffer(5000))
    rows = []
    for cell in cells.geoms:
        owner = pts[pts.intersects(cell)]
        if owner.empty:
            continue
        rows.append({"name": owner["name"].iloc[0], "geometry": cell.intersection(bound_m)})
    units = gpd.GeoDataFrame(rows, crs=METRIC_CRS).to_crs("EPSG:4326")
    units["approximate"] = True
    units["note"] = "示意范围（OSM地名点的泰森多边形，非官方界线）"
    units = units.sort_values("name").reset_index(drop=True)
    return units[["name", "approximate", "note", "geometry"]]


def city_context() -> Context:
    """All of Shanghai: the 16 districts stand in for the units, every OSM waterway is a river."""
    districts = gpd.read_file(DISTRICTS_FILE)
    units = districts[["name", "geometry"]].copy()
    units["name"] = units["name"].where(units["name"].str.endswith("新"), units["name"] + "区")
    units["name"] = units["name"].str.replace("浦东新$", "浦东新区", regex=True)
    units["approximate"] = False
    units["note"] = "geoBoundaries gbOpen CHN-ADM3"
    city = gpd.GeoDataFrame({"name": ["上海市"], "admin_code": ["310000"], "source": ["geoBoundaries (OSM, ODbL)"]},
                            geometry=[shapely.union_all(list(districts.geometry))], crs="EPSG:4326")
    rivers = read_osm("waterways")[["osm_id", "name", "fclass", "geometry"]]
    rivers = rivers[rivers.geometry.notna() & ~rivers.geometry.is_empty].reset_index(drop=True)
    water = read_osm("water_a")[["osm_id", "name", "fclass", "geometry"]]
    railways = read_osm("railways")[["osm_id", "name", "fclass", "geometry"]]
    railways = railways[railways["fclass"].isin(["rail", "subway"])].reset_index(drop=True)
    return Context(city, units.reset_index(drop=True), rivers, water, railways)


def unit_of(points: gpd.GeoSeries, units: gpd.GeoDataFrame) -> pd.Series:
    """The unit name each point falls in (nearest unit for points just outside)."""
    joined = gpd.sjoin_nearest(
        gpd.GeoDataFrame(geometry=points.to_crs(METRIC_CRS)), units[["name", "geometry"]].to_crs(METRIC_CRS),
        how="left",
    )
    joined = joined[~joined.index.duplicated()]
    return joined["name"].reindex(points.index)


def named_rivers(rivers: gpd.GeoDataFrame, within=None) -> gpd.GeoDataFrame:
    """Named waterway lines (optionally only the parts inside ``within``) with metric lengths."""
    named = rivers[rivers["name"].fillna("").str.len() > 0]
    if within is not None:
        named = _clip(named, within)
    named = named.copy()
    named["length_m"] = named.to_crs(METRIC_CRS).length.to_numpy()
    return named[named["length_m"] > 50].reset_index(drop=True)


def sample_along(lines: gpd.GeoDataFrame, n: int, rng: np.random.Generator, bank_offset_m: tuple[float, float]):
    """``n`` points spread along ``lines`` in proportion to length, set off the centre line to a bank.

    Returns (points GeoSeries EPSG:4326, index of the source line per point, bank side 'E/W/N/S').
    """
    metric = lines.to_crs(METRIC_CRS)
    weights = metric.length.to_numpy() / metric.length.sum()
    which = rng.choice(len(metric), size=n, p=weights)
    frac = rng.uniform(0.02, 0.98, size=n)
    geoms = metric.geometry.to_numpy()[which]
    at = shapely.line_interpolate_point(geoms, frac, normalized=True)
    ahead = shapely.line_interpolate_point(geoms, np.minimum(frac + 0.01, 1.0), normalized=True)
    dx = shapely.get_x(ahead) - shapely.get_x(at)
    dy = shapely.get_y(ahead) - shapely.get_y(at)
    norm = np.hypot(dx, dy)
    norm[norm == 0] = 1.0
    side = rng.choice([-1.0, 1.0], size=n)
    off = rng.uniform(*bank_offset_m, size=n) * side
    px = shapely.get_x(at) - dy / norm * off
    py = shapely.get_y(at) + dx / norm * off
    # bank name from the normal direction
    nx, ny = -dy / norm * side, dx / norm * side
    bank = np.where(np.abs(nx) >= np.abs(ny), np.where(nx > 0, "东岸", "西岸"), np.where(ny > 0, "北岸", "南岸"))
    pts = gpd.GeoSeries(shapely.points(px, py), crs=METRIC_CRS).to_crs("EPSG:4326")
    return pts, which, bank
