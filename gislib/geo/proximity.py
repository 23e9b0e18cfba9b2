"""gislib.geo.proximity: "what lies within N metres" of a plot (or any geometry), in metres.

Distances are measured in a projected CRS: the CGCS2000 3° Gauss–Krüger zone that holds the
target (EPSG:4549, CM 120°E, for Shanghai), never in degrees. The distance is the shortest one
between the two geometries (0 when they touch or overlap), so a river 30 m from the plot edge
is at 30 m, whatever the size of the plot.

Rivers are listed by name (the nearest piece of each named river counts; unnamed pieces are
grouped as "(未命名河道)"). Outfalls, other plots and dust sites are listed one by one.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gislib.geo.crs import gk3_central_meridian, gk3_epsg
from gislib.errors import CRSError, ValidationError

UNNAMED_RIVER = "(未命名河道)"
# result kind -> Chinese label, in the order results are listed
KINDS: dict[str, str] = {"river": "河道水体", "outfall": "入河排污口", "plot": "地块", "dust_site": "扬尘工地"}
KINDS_EN: dict[str, str] = {"river": "River/water", "outfall": "Outfall", "plot": "Plot", "dust_site": "Dust site"}
MAX_DISTANCE_M = 20_000.0
RESULT_COLUMNS = ["kind", "kind_zh", "code", "name", "distance_m", "detail"]


def projected_crs_for(geom: BaseGeometry) -> str:
    """The metric CRS for a WGS84 geometry: its CGCS2000 3° GK zone (e.g. "EPSG:4549" at 121.4°E)."""
    if geom is None or geom.is_empty:
        raise ValidationError("error.geometry_empty", field="geometry")
    lon = geom.centroid.x
    if not -180 <= lon <= 180:
        raise CRSError("error.not_wgs84_lon", lon=lon)
    return f"EPSG:{gk3_epsg(gk3_central_meridian(lon))}"


def area_m2(geom: BaseGeometry) -> float:
    """Area in square metres of a WGS84 polygon, computed in its 3° GK zone (see projected_crs_for)."""
    return float(shapely.transform(geom, _transformer(projected_crs_for(geom)), interleaved=False).area)


@lru_cache(maxsize=16)
def _transformer(crs: str):
    """A vectorised lon/lat -> ``crs`` function (the pyproj Transformer is built once per CRS)."""
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return lambda x, y: transformer.transform(x, y)


@dataclass(frozen=True)
class ProximityQuery:
    """A buffer query: the target geometry (EPSG:4326), the radius and the record to leave out."""

    geometry: BaseGeometry
    distance_m: float
    exclude_code: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.distance_m, (int, float)) or not 0 < float(self.distance_m) <= MAX_DISTANCE_M:
            raise ValidationError("error.distance_range", field="distance_m", value=self.distance_m, limit=MAX_DISTANCE_M)


def _distances(frame: gpd.GeoDataFrame, target: BaseGeometry, crs: str) -> pd.Series:
    """Shortest distance in metres from every feature of ``frame`` (any CRS) to ``target`` (in ``crs``)."""
    if frame.crs is None:
        raise CRSError("error.frame_no_crs")
    projected = frame.geometry.to_crs(crs)
    return pd.Series(shapely.distance(projected.values, target), index=frame.index, dtype=float)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name].fillna("").astype(str) if name in frame.columns else pd.Series("", index=frame.index)


def within(query: ProximityQuery, *, rivers: gpd.GeoDataFrame | None = None,
           outfalls: gpd.GeoDataFrame | None = None, plots: gpd.GeoDataFrame | None = None,
           dust_sites: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Everything of the given layers within ``query.distance_m`` metres, nearest first per kind.

    Columns: kind, kind_zh, code, name, distance_m (rounded to 0.1 m), detail. ``rivers`` may hold
    lines and water polygons together; it needs a ``name`` column. The other layers need ``code``
    and ``name``; the record ``query.exclude_code`` (the plot itself) is left out of ``plots``.
    """
    crs = projected_crs_for(query.geometry)
    target = gpd.GeoSeries([query.geometry], crs="EPSG:4326").to_crs(crs).iloc[0]
    limit = float(query.distance_m)
    parts: list[pd.DataFrame] = []
    if rivers is not None and not rivers.empty:
        dist = _distances(rivers, target, crs)
        names = _column(rivers, "name").str.strip().replace("", UNNAMED_RIVER)
        near = pd.DataFrame({"name": names, "distance_m": dist})[dist <= limit]
        if not near.empty:
            best = near.groupby("name", sort=False)["distance_m"].agg(["min", "size"]).reset_index()
            parts.append(pd.DataFrame({
                "kind": "river", "code": "", "name": best["name"], "distance_m": best["min"],
                "detail": [f"{n} 段" for n in best["size"]]}))
    for kind, frame, detail_col in (("outfall", outfalls, "type_l2"), ("plot", plots, "stage"),
                                    ("dust_site", dust_sites, "project")):
        if frame is None or frame.empty:
            continue
        if kind == "plot" and query.exclude_code is not None:
            frame = frame[_column(frame, "code") != str(query.exclude_code)]
            if frame.empty:
                continue
        dist = _distances(frame, target, crs)
        keep = dist <= limit
        parts.append(pd.DataFrame({
            "kind": kind, "code": _column(frame, "code")[keep].values, "name": _column(frame, "name")[keep].values,
            "distance_m": dist[keep].values, "detail": _column(frame, detail_col)[keep].values}))
    if not parts:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    out = pd.concat([p for p in parts if not p.empty] or [pd.DataFrame(columns=RESULT_COLUMNS)], ignore_index=True)
    if out.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    out["distance_m"] = out["distance_m"].astype(float).round(1)
    out["kind_zh"] = out["kind"].map(KINDS)
    order = {k: i for i, k in enumerate(KINDS)}
    out["_order"] = out["kind"].map(order)
    out = out.sort_values(["_order", "distance_m", "name"], kind="stable").drop(columns="_order")
    return out[RESULT_COLUMNS].reset_index(drop=True)


def summary(result: pd.DataFrame) -> dict[str, int]:
    """How many results of each kind (every kind present, 0 when none)."""
    counts = result["kind"].value_counts() if not result.empty else pd.Series(dtype=int)
    return {kind: int(counts.get(kind, 0)) for kind in KINDS}


__all__ = ["KINDS", "KINDS_EN", "ProximityQuery", "area_m2", "projected_crs_for", "summary", "within"]
