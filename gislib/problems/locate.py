"""gislib.problems.locate: where a point lies: its sub-district and the nearest river stretch.

A stretch is one edge of the river network (``gislib.geo.network``: lines cut where they meet), named
by its edge id and river name. Points farther than the tolerance from every edge get no stretch.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gislib.geo.network import METRIC_CRS, Network


@dataclass(frozen=True)
class Context:
    """The geography used to locate points: the network and the sub-district polygons (WGS84)."""

    network: Network
    subdistricts: gpd.GeoDataFrame


@lru_cache(maxsize=4)
def _context(dataset: str, version: str) -> Context:
    from gislib.dataset import load_layer
    from gislib.geo.network import load_or_build_network

    return Context(load_or_build_network(load_layer("rivers", dataset)), load_layer("subdistricts", dataset))


def dataset_context(dataset: str | None = None) -> Context:
    """The context of a data set (built once per data version)."""
    from gislib.dataset import current_name, data_version

    dataset = dataset or current_name()
    return _context(dataset, data_version(dataset))


def to_metric(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 degrees to EPSG:4549 metres."""
    from gislib.geo.crs import from_wgs84

    return from_wgs84(np.atleast_1d(lon), np.atleast_1d(lat), METRIC_CRS)


def subdistrict_of(ctx: Context, lon: float, lat: float) -> str | None:
    """The sub-district containing the point (the nearest one within 500 m for points on a border)."""
    pt = shapely.Point(lon, lat)
    hit = ctx.subdistricts[ctx.subdistricts.contains(pt)]
    if len(hit):
        return str(hit.iloc[0]["name"])
    metric = ctx.subdistricts.to_crs(METRIC_CRS)
    x, y = to_metric(lon, lat)
    dist = metric.distance(shapely.Point(x[0], y[0]))
    return str(metric.loc[dist.idxmin(), "name"]) if len(dist) and dist.min() <= 500 else None


def nearest_stretch(net: Network, lon: float, lat: float, tolerance_m: float) -> dict[str, Any] | None:
    """{stretch, river, distance_m} of the nearest network edge within ``tolerance_m``, else None."""
    x, y = to_metric(lon, lat)
    idx, dist = net.tree().query_nearest(shapely.Point(x[0], y[0]), max_distance=tolerance_m,
                                         return_distance=True)
    if len(idx) == 0:
        return None
    edge = int(idx[1][0]) if np.ndim(idx) == 2 else int(idx[0])
    return {"stretch": edge, "river": net.edge_name[edge] or "", "distance_m": round(float(dist[0]), 1)}


def locate(lon: float, lat: float, tolerance_m: float = 200.0, ctx: Context | None = None) -> dict[str, Any]:
    """{subdistrict, river, stretch, distance_m} of a WGS84 point (keys absent when unknown)."""
    ctx = ctx or dataset_context()
    out: dict[str, Any] = {}
    sub = subdistrict_of(ctx, lon, lat)
    if sub:
        out["subdistrict"] = sub
    near = nearest_stretch(ctx.network, lon, lat, tolerance_m)
    if near:
        out.update(near)
    return out
