"""gislib.patrols.coverage: which river stretches a patrol covered, and days since each was patrolled.

A stretch is one edge of the river network (``gislib.geo.network``: waterways cut where they meet).
A track covers a stretch when the part of the stretch lying within ``tolerance_m`` of the track
is at least ``min_fraction`` of the stretch's length, or at least ``min_covered_m`` metres on a
long stretch. Walking along one stretch therefore covers it and not its neighbour, which meets it
only at the shared node (its part within the tolerance is a few tens of metres).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gislib.geo.network import METRIC_CRS, Network

NEVER = "从未巡查"
BAND_LABELS = ("≤{0}天", "≤{1}天", "≤{2}天", ">{2}天")
BAND_COLORS = ("#1a9641", "#a6d96a", "#fdae61", "#d7191c", "#969696")  # last colour: never patrolled


def covered_stretches(net: Network, track_metric: shapely.Geometry, tolerance_m: float = 30.0,
                      min_fraction: float = 0.5, min_covered_m: float = 1000.0) -> list[int]:
    """Edge ids of ``net`` covered by a track given in EPSG:4549 metres."""
    if track_metric is None or track_metric.is_empty:
        return []
    zone = track_metric.buffer(tolerance_m)
    out = []
    for edge in net.tree().query(zone, predicate="intersects"):
        geom = net.edge_geom[edge]
        inside = geom.intersection(zone).length
        if geom.length > 0 and (inside / geom.length >= min_fraction or inside >= min_covered_m):
            out.append(int(edge))
    return sorted(out)


def last_patrolled(n_edges: int, patrols: Iterable[dict[str, Any]]) -> list[dt.date | None]:
    """Per edge, the date of the latest patrol that covered it (None: never)."""
    last: list[dt.date | None] = [None] * n_edges
    for p in patrols:
        day = dt.date.fromisoformat(str(p["date"])[:10])
        for edge in p.get("stretches") or []:
            if 0 <= edge < n_edges and (last[edge] is None or day > last[edge]):
                last[edge] = day
    return last


def band_of(days: int | None, bands: tuple[int, int, int]) -> int:
    """0–3 by days since the last patrol against the configured bands; 4 for never."""
    if days is None:
        return 4
    return int(np.searchsorted(np.asarray(bands), days, side="left")) if days <= bands[-1] else 3


def band_label(i: int, bands: tuple[int, int, int], lang: str = "zh") -> str:
    if i == 4:
        return NEVER if lang == "zh" else "never patrolled"
    text = BAND_LABELS[i].format(*bands)
    return text if lang == "zh" else text.replace("天", " days")


def coverage_frame(net: Network, patrols: Iterable[dict[str, Any]], today: dt.date,
                   bands: tuple[int, int, int] = (7, 30, 90)) -> gpd.GeoDataFrame:
    """One row per stretch (WGS84): stretch, river, length_m, last_patrolled, days_since, band."""
    last = last_patrolled(net.n_edges, patrols)
    days = [None if d is None else (today - d).days for d in last]
    gdf = gpd.GeoDataFrame({
        "stretch": np.arange(net.n_edges), "river": [n or "" for n in net.edge_name],
        "length_m": np.round([g.length for g in net.edge_geom], 0),
        "last_patrolled": [d.isoformat() if d else "" for d in last],
        "days_since": days, "band": [band_of(d, bands) for d in days],
    }, geometry=list(net.edge_geom), crs=METRIC_CRS)
    return gdf.to_crs("EPSG:4326")


def coverage_summary(frame: gpd.GeoDataFrame, days: int, today: dt.date) -> dict[str, Any]:
    """What ``patrols coverage --days N`` prints: share of stretches and length patrolled within N days."""
    recent = frame["days_since"].apply(lambda d: d is not None and d == d and d <= days)
    named = frame[frame["river"] != ""]
    by_river = []
    for river, grp in named.groupby("river"):
        ok = recent[grp.index]
        by_river.append({"river": river, "stretches": int(len(grp)), "covered": int(ok.sum()),
                         "length_km": round(float(grp["length_m"].sum()) / 1000, 2),
                         "covered_km": round(float(grp.loc[ok, "length_m"].sum()) / 1000, 2),
                         "last_patrolled": max([d for d in grp["last_patrolled"] if d], default=None)})
    by_river.sort(key=lambda r: (-r["length_km"], r["river"]))
    total_m = float(frame["length_m"].sum())
    return {
        "as_of": today.isoformat(), "days": days, "stretches": int(len(frame)),
        "stretches_covered": int(recent.sum()),
        "length_km": round(total_m / 1000, 2),
        "covered_km": round(float(frame.loc[recent, "length_m"].sum()) / 1000, 2),
        "covered_share": round(float(frame.loc[recent, "length_m"].sum()) / total_m, 3) if total_m else 0.0,
        "never_patrolled": int((frame["band"] == 4).sum()),
        "rivers": by_river,
    }
