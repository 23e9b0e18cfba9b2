"""gislib.geo.network: the river network as a directed graph, and pollution tracing along it (溯源).

Model
-----
* Waterway lines are drawn in their flow direction (the OpenStreetMap convention), so every line
  part becomes a directed edge u → v of a ``networkx.MultiDiGraph`` (key = edge id).
* Lines are cut and joined where they meet, within ``tolerance_m`` (default 5 m):
  endpoints closer than the tolerance become one node; an endpoint that lies within the tolerance
  of the *interior* of another line cuts that line there (tributaries often end mid-river in OSM);
  an interior vertex shared exactly with another line (an OSM junction node) cuts both lines.
  Gaps up to the tolerance count as 0 m.
* Lengths are in metres in ``METRIC_CRS`` = EPSG:4549 (CGCS2000 3° Gauss-Krüger, CM 120°E, the
  national frame for Shanghai/Jiangsu/Zhejiang). Its scale error over Shanghai (120.9–122.2°E) is
  below 0.06 % (< 0.6 m per km). Pass ``metric_crs`` for cities in other 3° zones (Chengdu: 4544).
* Tides and gates make flow directions unreliable in plain river networks, so traces run in
  ``directed`` mode (direction of the lines, with per-river overrides
  ``{"river name": "forward"|"reverse"|"both"}``) or ``two-way`` mode (direction ignored).
* Outfalls and sections are snapped to the nearest edge within ``snap_tolerance_m`` (default
  50 m); points farther away are reported as off-network with their distance, never snapped.
  A snapped point splits its edge virtually, so distances along the edge count.

Build once per data version with :func:`load_or_build_network` (pickled under ``cache_dir``,
key = hash of the input geometries, names and parameters).
"""
from __future__ import annotations

import hashlib
import heapq
import json
import math
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.ops import substring

from gislib.config import DEFAULT_DATA_DIR
from gislib.errors import ConfigError, CRSError, DataError, NotFoundError, Phrase, ValidationError
from gislib.values import positions_of

METRIC_CRS = "EPSG:4549"
OUTPUT_CRS = "EPSG:4326"
DEFAULT_TOLERANCE_M = 5.0
DEFAULT_SNAP_TOLERANCE_M = 50.0
DEFAULT_CACHE_DIR = DEFAULT_DATA_DIR / "cache"  # dataset_network uses the configured data dir's
ALGORITHM_VERSION = 1  # bump when the build changes, so old caches are not reused

FORWARD, REVERSE, BOTH = 1, 2, 3
DIRECTION_CODES: dict[str, int] = {"forward": FORWARD, "reverse": REVERSE, "both": BOTH}
MODE_DIRECTED, MODE_TWO_WAY = "directed", "two-way"
_AT_NODE_M = 0.01  # a point this close to an edge end sits on the node itself
_VIRTUAL_NODE = -1
_VIRTUAL_BEFORE, _VIRTUAL_AFTER = -1, -2  # the two halves of the edge a start point splits
# which direction bit a walk needs to enter an edge at its start (0) or end (1)
_NEEDED_BIT = {("up", 0): REVERSE, ("up", 1): FORWARD, ("down", 0): FORWARD, ("down", 1): REVERSE}


# ----------------------------------------------------------------------------------- network
@dataclass
class Network:
    """A built river network: graph, per-edge arrays (metric CRS) and node incidence lists."""

    graph: nx.MultiDiGraph
    crs: str
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    edge_name: list[str | None]
    edge_osm_id: list[Any]
    edge_geom: np.ndarray
    incidence: list[list[tuple[int, int]]]  # node -> [(edge id, 0 if node is the edge start else 1)]
    params: dict[str, Any]
    cache_key: str = ""
    skipped: list[dict[str, Any]] = field(default_factory=list)
    _tree: Any = field(default=None, repr=False)
    _snapped: dict = field(default_factory=dict, repr=False)  # content digest -> SnappedPoints

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_tree"] = None  # STRtree does not pickle; rebuilt on demand
        state["_snapped"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_snapped", {})  # caches written before the snap memo existed

    @property
    def n_edges(self) -> int:
        return len(self.edge_u)

    @property
    def n_nodes(self) -> int:
        return len(self.incidence)

    @property
    def river_names(self) -> set[str]:
        return {n for n in self.edge_name if n}

    def tree(self) -> shapely.STRtree:
        """Spatial index of the edges (metric CRS)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.edge_geom)
        return self._tree

    # ------------------------------------------------------------------ directions
    def directions(self, two_way: bool = False, overrides: dict[str, str] | None = None
                   ) -> tuple[np.ndarray, list[str]]:
        """Per-edge allowed flow (FORWARD/REVERSE/BOTH bits) and warnings about the overrides."""
        warnings: list[str] = []
        if two_way:
            if overrides:
                warnings.append("two-way mode ignores flow directions, so the per-river overrides were not used")
            return np.full(self.n_edges, BOTH, dtype=np.int8), warnings
        flags = np.full(self.n_edges, FORWARD, dtype=np.int8)
        if overrides:
            names = np.array([n or "" for n in self.edge_name], dtype=object)
            for river, direction in validate_overrides(overrides).items():
                hit = names == river
                if not hit.any():
                    warnings.append(f"override for river {river!r}: no line of that name in the network (check the spelling)")
                flags[hit] = DIRECTION_CODES[direction]
        return flags, warnings

    # ------------------------------------------------------------------ snapping
    def snap(self, points: gpd.GeoDataFrame, tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
             code_column: str = "code") -> "SnappedPoints":
        """Locate each point on its nearest edge within ``tolerance_m``; the rest are off-network."""
        if tolerance_m < 0:
            raise ValidationError("error.snap_tolerance", field="snap_tolerance_m", value=tolerance_m)
        if code_column not in points.columns:
            raise DataError("error.points_no_code", column=code_column, columns=[str(c) for c in points.columns])
        codes = [code_text(c) for c in points[code_column].tolist()]
        # The same points are traced again and again (every click in the app): snap them once.
        wkb = b"".join(w or b"" for w in shapely.to_wkb(points.geometry.values).tolist())
        digest = hashlib.sha1(wkb + "\x1f".join(codes).encode() + str((points.crs, tolerance_m)).encode()).hexdigest()
        if digest in self._snapped:
            return self._snapped[digest]
        geoms = _to_metric(points, self.crs).geometry.values
        n = len(codes)
        edge = np.full(n, -1, dtype=np.int64)
        offset = np.zeros(n)
        distance = np.full(n, np.inf)
        xy = np.full((n, 2), np.nan)
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if ok.any() and self.n_edges:
            idx = np.flatnonzero(ok)
            pts = shapely.centroid(geoms[idx])  # a multipoint/polygon is located by its centre
            xy[idx] = shapely.get_coordinates(pts)
            (pi, ei), dist = self.tree().query_nearest(pts, return_distance=True, all_matches=False)
            rows = idx[pi]
            edge[rows] = ei
            distance[rows] = dist
            offset[rows] = shapely.line_locate_point(self.edge_geom[ei], pts[pi])
        on = distance <= tolerance_m
        edge[~on] = -1
        snapped = SnappedPoints(codes=codes, edge=edge, offset=offset, distance_m=distance, xy=xy,
                                tolerance_m=tolerance_m, network=self)
        snapped.by_edge(), snapped.by_node()  # index now, so every trace costs the same
        if len(self._snapped) >= 8:
            self._snapped.pop(next(iter(self._snapped)))
        self._snapped[digest] = snapped
        return snapped

    # ------------------------------------------------------------------ tracing
    def upstream(self, start: "SnappedPoints", start_index: int, targets: "SnappedPoints", km: float,
                 flags: np.ndarray, with_stretch: bool = True
                 ) -> tuple[list[tuple[int, float]], gpd.GeoDataFrame | None]:
        """Targets within ``km`` upstream of point ``start_index``: [(target index, metres)], sorted."""
        if not (km >= 0 and math.isfinite(km)):
            raise ValidationError("error.upstream_km", field="km", value=km)
        walk = _Walk(self, start, start_index, flags, "up")
        found = walk.run(targets, cutoff=km * 1000.0, nearest_only=False)
        stretch = walk.stretch(km * 1000.0) if with_stretch else None
        return found, stretch

    def downstream(self, start: "SnappedPoints", start_index: int, targets: "SnappedPoints",
                   flags: np.ndarray) -> tuple[int, float] | None:
        """The nearest target downstream of point ``start_index`` as (target index, metres), or None."""
        walk = _Walk(self, start, start_index, flags, "down")
        found = walk.run(targets, cutoff=math.inf, nearest_only=True)
        return found[0] if found else None


def _what(what: str) -> Phrase:
    """What a point is (point, start_point, section, outfall) as people read it, in the error's language."""
    return Phrase(f"error.what.{what}")


@dataclass
class SnappedPoints:
    """Points located on a network: edge id (-1 = off-network), offset along the edge, distance."""

    codes: list[str]
    edge: np.ndarray
    offset: np.ndarray
    distance_m: np.ndarray
    xy: np.ndarray  # metric coordinates (NaN without geometry)
    tolerance_m: float
    network: Network
    _by_edge: dict[int, list[tuple[int, float]]] | None = field(default=None, repr=False)
    _by_node: dict[int, list[int]] | None = field(default=None, repr=False)
    _index: dict[str, list[int]] | None = field(default=None, repr=False)

    def index_of(self, code: str, what: str = "point") -> int:
        """Row of the point with this code; NotFoundError/DataError when absent or ambiguous."""
        if self._index is None:
            self._index = {}
            for i, c in enumerate(self.codes):
                self._index.setdefault(c, []).append(i)
        rows = self._index.get(str(code), [])
        if not rows:
            raise NotFoundError("error.code_not_found", what=_what(what), code=code, count=len(self.codes), sample=self.codes[:5])
        if len(rows) > 1:
            raise DataError("error.code_shared", what=_what(what), count=len(rows), code=code, rows=rows)
        return rows[0]

    def off_network(self, near: tuple[float, float] | None = None, within_m: float = math.inf) -> list[dict[str, Any]]:
        """Points not snapped: code and distance to the nearest river line in whole metres.

        With ``near`` (metric x, y) only points within ``within_m`` in a straight line are listed
        (a point farther than that cannot be within that distance along the network either).
        """
        out = []
        off = self.edge < 0
        if near is not None:
            with np.errstate(invalid="ignore"):
                far = np.hypot(self.xy[:, 0] - near[0], self.xy[:, 1] - near[1]) > within_m
            off &= ~far
        for i in np.flatnonzero(off):
            d = self.distance_m[i]
            out.append({"code": self.codes[i], "metres": int(round(d)) if math.isfinite(d) else None})
        return sorted(out, key=lambda r: (r["metres"] is None, r["metres"] or 0, r["code"]))

    def by_edge(self) -> dict[int, list[tuple[int, float]]]:
        if self._by_edge is None:
            self._by_edge = {}
            for i in np.flatnonzero(self.edge >= 0):
                self._by_edge.setdefault(int(self.edge[i]), []).append((int(i), float(self.offset[i])))
        return self._by_edge

    def by_node(self) -> dict[int, list[int]]:
        """Points sitting on a node (within 1 cm of an edge end)."""
        if self._by_node is None:
            self._by_node = {}
            net = self.network
            for i in np.flatnonzero(self.edge >= 0):
                e, t = int(self.edge[i]), float(self.offset[i])
                if t <= _AT_NODE_M:
                    self._by_node.setdefault(int(net.edge_u[e]), []).append(int(i))
                if t >= net.edge_length[e] - _AT_NODE_M:
                    self._by_node.setdefault(int(net.edge_v[e]), []).append(int(i))
        return self._by_node

    def require_on_network(self, i: int, what: str) -> None:
        if self.edge[i] < 0:
            d = self.distance_m[i]
            raise DataError("error.off_network" if math.isfinite(d) else "error.off_network_unknown", what=_what(what),
                  code=self.codes[i], distance=d, tolerance=self.tolerance_m)


class _Walk:
    """One Dijkstra walk up- or downstream from a snapped point, with the start edge split virtually."""

    def __init__(self, net: Network, start: SnappedPoints, i: int, flags: np.ndarray, direction: str):
        start.require_on_network(i, "start_point")
        self.net, self.flags, self.direction = net, flags, direction
        e, s = int(start.edge[i]), float(start.offset[i])
        length = float(net.edge_length[e])
        self.split_edge = -1
        self.dist: dict[int, float] = {}
        self.entries: list[tuple[int, int, float]] = []  # (edge ref, entry end, distance at entry)
        if s <= _AT_NODE_M:
            self.seeds = {int(net.edge_u[e]): 0.0}
        elif s >= length - _AT_NODE_M:
            self.seeds = {int(net.edge_v[e]): 0.0}
        else:
            self.split_edge, self.split_at = e, s
            self.seeds = {_VIRTUAL_NODE: 0.0}

    # virtual edges: _VIRTUAL_BEFORE = u → start point, _VIRTUAL_AFTER = start point → v
    def _ends(self, ref: int) -> tuple[int, int]:
        if ref >= 0:
            return int(self.net.edge_u[ref]), int(self.net.edge_v[ref])
        e = self.split_edge
        return (int(self.net.edge_u[e]), _VIRTUAL_NODE) if ref == _VIRTUAL_BEFORE else (_VIRTUAL_NODE, int(self.net.edge_v[e]))

    def _length(self, ref: int) -> float:
        if ref >= 0:
            return float(self.net.edge_length[ref])
        if ref == _VIRTUAL_BEFORE:
            return self.split_at
        return float(self.net.edge_length[self.split_edge]) - self.split_at

    def _base(self, ref: int) -> tuple[int, float]:
        """The real edge behind a reference and the offset where the reference starts on it."""
        if ref >= 0:
            return ref, 0.0
        return self.split_edge, (0.0 if ref == _VIRTUAL_BEFORE else self.split_at)

    def _incident(self, node: int) -> list[tuple[int, int]]:
        if node == _VIRTUAL_NODE:
            return [(_VIRTUAL_BEFORE, 1), (_VIRTUAL_AFTER, 0)]
        inc = self.net.incidence[node]
        if self.split_edge < 0:
            return inc
        e = self.split_edge
        out = [(ref, end) for ref, end in inc if ref != e]
        if node == self.net.edge_u[e]:
            out.append((_VIRTUAL_BEFORE, 0))
        if node == self.net.edge_v[e]:
            out.append((_VIRTUAL_AFTER, 1))
        return out

    def _points_on(self, targets: SnappedPoints, ref: int) -> list[tuple[int, float]]:
        if ref >= 0:
            return targets.by_edge().get(ref, [])
        pts = targets.by_edge().get(self.split_edge, [])
        s = self.split_at
        if ref == _VIRTUAL_BEFORE:
            return [(i, t) for i, t in pts if t <= s]
        return [(i, t - s) for i, t in pts if t >= s]

    def run(self, targets: SnappedPoints, cutoff: float, nearest_only: bool) -> list[tuple[int, float]]:
        """Dijkstra from the seeds; returns [(target index, metres)] sorted by distance."""
        best: dict[int, float] = {}
        best_any = math.inf
        dist = self.dist
        dist.update(self.seeds)
        heap = [(d, n) for n, d in self.seeds.items()]
        heapq.heapify(heap)
        by_node = targets.by_node()
        flags = self.flags
        while heap:
            d, node = heapq.heappop(heap)
            if d > dist.get(node, math.inf):
                continue
            if nearest_only and d >= best_any:
                break
            for i in by_node.get(node, ()):
                if d < best.get(i, math.inf):
                    best[i] = d
                    best_any = min(best_any, d)
            for ref, end in self._incident(node):
                base = ref if ref >= 0 else self.split_edge
                if not flags[base] & _NEEDED_BIT[(self.direction, end)]:
                    continue
                length = self._length(ref)
                self.entries.append((ref, end, d))
                for i, t in self._points_on(targets, ref):
                    cand = d + (t if end == 0 else length - t)
                    if cand <= cutoff and cand < best.get(i, math.inf):
                        best[i] = cand
                        best_any = min(best_any, cand)
                other = self._ends(ref)[1 - end]
                nd = d + length
                if nd <= cutoff and nd < dist.get(other, math.inf):
                    dist[other] = nd
                    heapq.heappush(heap, (nd, other))
        found = sorted(best.items(), key=lambda kv: (kv[1], targets.codes[kv[0]]))
        return found[:1] if nearest_only else found

    def stretch(self, cutoff: float) -> gpd.GeoDataFrame:
        """The traversed edge parts within ``cutoff`` metres, one row per part, in EPSG:4326."""
        reach: dict[int, dict[int, float]] = {}
        for ref, end, d in self.entries:
            if d < cutoff:
                reach.setdefault(ref, {})[end] = d
        rows: list[dict[str, Any]] = []
        for ref, ends in reach.items():
            length = self._length(ref)
            d0, d1 = ends.get(0), ends.get(1)
            meet = None
            if d0 is not None and d1 is not None:  # both ends reached: each point keeps its shorter way
                meet = min(max((d1 + length - d0) / 2.0, 0.0), length)
            parts = []
            if d0 is not None:
                b = min(length, cutoff - d0, meet if meet is not None else length)
                parts.append((0.0, b, d0, d0 + b))
            if d1 is not None:
                a = max(0.0, length - (cutoff - d1), meet if meet is not None else 0.0)
                parts.append((a, length, d1 + (length - a), d1))
            base, shift = self._base(ref)
            for a, b, km_far_a, km_far_b in parts:
                if b - a <= 1e-6:
                    continue
                geom = substring(self.net.edge_geom[base], shift + a, shift + b)
                rows.append({"edge_id": base, "name": self.net.edge_name[base], "osm_id": self.net.edge_osm_id[base],
                             "km_from": round(min(km_far_a, km_far_b) / 1000.0, 4),
                             "km_to": round(max(km_far_a, km_far_b) / 1000.0, 4), "geometry": geom})
        gdf = gpd.GeoDataFrame(rows, columns=["edge_id", "name", "osm_id", "km_from", "km_to", "geometry"],
                               geometry="geometry", crs=self.net.crs)
        return gdf.sort_values(["km_from", "edge_id"], ignore_index=True).to_crs(OUTPUT_CRS)


# ------------------------------------------------------------------------------------ build
def _to_metric(gdf: gpd.GeoDataFrame, metric_crs: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        raise CRSError("error.layer_no_crs")
    try:
        return gdf.to_crs(metric_crs)
    except Exception as exc:  # pyproj raises several types
        raise CRSError("error.layer_convert", source=gdf.crs, target=metric_crs, detail=exc) from exc


def _column(gdf: gpd.GeoDataFrame, name: str) -> list[Any]:
    if name not in gdf.columns:
        return [None] * len(gdf)
    return [None if (v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA) else v
            for v in gdf[name].tolist()]


def code_text(value: Any) -> str:
    """A point code as text: 101.0 (a number column read with gaps) becomes "101"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _UnionFind:
    """Union-find over 0..n-1 with path halving."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        parent = self.parent
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def build_network(rivers: gpd.GeoDataFrame, *, tolerance_m: float = DEFAULT_TOLERANCE_M,
                  metric_crs: str = METRIC_CRS, split_at_shared_vertices: bool = True,
                  name_column: str = "name", id_column: str = "osm_id") -> Network:
    """Build the directed river network from waterway lines (any CRS; drawn in flow direction).

    Steps: the usable lines (:func:`_usable_lines`), where they touch (:func:`_cut_requests`), the lines cut
    there into pieces (:func:`_cut_lines`), the piece ends united into nodes (:func:`_unite_nodes`), and the
    graph (:func:`_assemble`). Rows without a usable line geometry are skipped and listed in ``Network.skipped``.
    """
    if tolerance_m < 0:
        raise ValidationError("error.node_tolerance", field="tolerance_m", value=tolerance_m)
    metric = _to_metric(rivers, metric_crs)
    lines, lengths, line_rows, skipped = _usable_lines(metric.geometry.values)
    touches = _cut_requests(lines, tolerance_m, split_at_shared_vertices)
    pieces = _cut_lines(lines, lengths, touches.requests, tolerance_m)
    edge_u, edge_v, n_nodes = _unite_nodes(len(lines), pieces, touches)
    params = {"tolerance_m": tolerance_m, "metric_crs": metric_crs, "split_at_shared_vertices": split_at_shared_vertices,
              "source_rows": len(rivers), "source_lines": len(lines)}
    return _assemble(pieces, line_rows, edge_u, edge_v, n_nodes, metric_crs, params, skipped,
                     _column(metric, name_column), _column(metric, id_column))


def _usable_lines(geoms) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """The 2-D lines of non-zero length (multi-lines split), their lengths and source rows, and the rows skipped."""
    skipped: list[dict[str, Any]] = []
    line_geoms: list[Any] = []
    line_row: list[int] = []
    for row, g in enumerate(geoms):
        if g is None or g.is_empty:
            skipped.append({"row": row, "reason": "no geometry"})
            continue
        kind = g.geom_type
        if kind == "LineString":
            line_geoms.append(g)
            line_row.append(row)
        elif kind == "MultiLineString":
            for part in g.geoms:
                line_geoms.append(part)
                line_row.append(row)
        else:
            skipped.append({"row": row, "reason": f"{kind} is not a line; river layers need (Multi)LineStrings"})
    lines = shapely.force_2d(np.array(line_geoms, dtype=object)) if line_geoms else np.array([], dtype=object)
    lengths = shapely.length(lines) if len(lines) else np.zeros(0)
    valid = lengths > 0
    for k in np.flatnonzero(~valid):
        skipped.append({"row": line_row[k], "reason": "line of zero length"})
    rows = np.array(line_row, dtype=np.int64)[valid] if len(line_row) else np.zeros(0, dtype=np.int64)
    return lines[valid], lengths[valid], rows, skipped


@dataclass
class _Touches:
    """Where lines meet: cut requests (line, pos, tag), endpoint pairs within the tolerance, and the
    endpoint slots that sit on a shared vertex group (slot k: line k % n, start if k < n else end)."""

    requests: pd.DataFrame
    pairs_a: np.ndarray
    pairs_b: np.ndarray
    ep_group_slot: np.ndarray
    ep_group: np.ndarray


def _cut_requests(lines: np.ndarray, tolerance_m: float, split_at_shared_vertices: bool) -> _Touches:
    """Cut requests: an endpoint near another line cuts it there (tag = endpoint slot 0..2n-1); a vertex
    shared by several lines cuts each of them (tag = 2n + vertex group). Requests with one tag become one node."""
    n = len(lines)
    none = np.zeros(0, dtype=np.int64)
    if not n:
        return _Touches(pd.DataFrame({"line": none, "pos": np.zeros(0), "tag": none}), none, none, none, none)
    endpoints = np.concatenate([shapely.get_point(lines, 0), shapely.get_point(lines, -1)])
    owner = np.concatenate([np.arange(n), np.arange(n)])
    pi, li = shapely.STRtree(lines).query(endpoints, predicate="dwithin", distance=tolerance_m)
    other = li != owner[pi]
    pi, li = pi[other], li[other]
    cut_line, cut_pos, cut_tag = [li], [shapely.line_locate_point(lines[li], endpoints[pi])], [pi]
    pairs_a, pairs_b = shapely.STRtree(endpoints).query(endpoints, predicate="dwithin", distance=tolerance_m)
    ep_group_slot = ep_group = none
    if split_at_shared_vertices:
        shared_line, shared_pos, shared_tag, ep_group_slot, ep_group = _shared_vertex_requests(lines)
        cut_line.append(shared_line)
        cut_pos.append(shared_pos)
        cut_tag.append(shared_tag)
    requests = pd.DataFrame({"line": np.concatenate(cut_line), "pos": np.concatenate(cut_pos),
                             "tag": np.concatenate(cut_tag)}).sort_values(["line", "pos"], kind="stable")
    return _Touches(requests, pairs_a, pairs_b, ep_group_slot, ep_group)


def _shared_vertex_requests(lines: np.ndarray):
    """Cuts at interior vertices shared by several lines, and the endpoints lying exactly on such a vertex."""
    n = len(lines)
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(idx, minlength=n)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    last = first + counts - 1
    seg = np.hypot(np.diff(xy[:, 0], prepend=xy[0, 0]), np.diff(xy[:, 1], prepend=xy[0, 1]))
    seg[first] = 0.0
    cum = np.cumsum(seg)
    along = cum - cum[first][idx]
    key = pd.DataFrame({"x": np.round(xy[:, 0], 3), "y": np.round(xy[:, 1], 3), "line": idx})
    group = key.groupby(["x", "y"], sort=False).ngroup().to_numpy()
    lines_per_group = key.assign(g=group).groupby("g")["line"].nunique().to_numpy()
    interior = np.ones(len(xy), dtype=bool)
    interior[first] = False
    interior[last] = False
    shared = interior & (lines_per_group[group] > 1)
    ends_mask = ~interior & (lines_per_group[group] > 1)
    ep_slot = np.where(np.isin(np.arange(len(xy)), first), idx, idx + n)
    return idx[shared], along[shared], 2 * n + group[shared], ep_slot[ends_mask], 2 * n + group[ends_mask]


@dataclass
class _Pieces:
    """The lines cut into pieces (in line order) and which piece end each cut request's tag joins."""

    geoms: list[Any]
    line: list[int]
    first: np.ndarray  # first piece of each line
    last: np.ndarray  # last piece of each line
    tag_slot: list[tuple[int, int]]  # (tag, piece endpoint slot: 2p start, 2p+1 end) to unite
    max_tag: int


def _cut_lines(lines: np.ndarray, lengths: np.ndarray, requests: pd.DataFrame, tolerance_m: float) -> _Pieces:
    """Cut every line at its requested positions (requests within the tolerance share one cut)."""
    n = len(lines)
    req_line, req_pos, req_tag = (requests[c].to_numpy() for c in ("line", "pos", "tag"))
    bounds = np.searchsorted(req_line, np.arange(n + 1))
    out = _Pieces([], [], np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), [],
                  int(req_tag.max()) if len(req_tag) else -1)
    for line_no in range(n):
        cuts, where_of = _cut_positions(req_pos[bounds[line_no]:bounds[line_no + 1]], lengths[line_no], tolerance_m)
        out.first[line_no] = len(out.geoms)
        marks = [0.0, *cuts, float(lengths[line_no])]
        for a, b in zip(marks[:-1], marks[1:]):
            out.geoms.append(substring(lines[line_no], a, b) if cuts else lines[line_no])
            out.line.append(line_no)
        out.last[line_no] = len(out.geoms) - 1
        for tag, where in zip(req_tag[bounds[line_no]:bounds[line_no + 1]], where_of):
            if where == "start":
                slot = 2 * out.first[line_no]
            elif where == "end":
                slot = 2 * out.last[line_no] + 1
            else:  # end of the piece before cut number `where`
                slot = 2 * (out.first[line_no] + where) + 1
            out.tag_slot.append((int(tag), int(slot)))
    return out


def _cut_positions(positions, length: float, tolerance_m: float) -> tuple[list[float], list[str | int]]:
    """The cuts along one line for its sorted request positions, and per request: "start", "end" or its cut."""
    cuts: list[float] = []
    where_of: list[str | int] = []
    for p in positions:
        if p <= tolerance_m or p <= _AT_NODE_M:
            where_of.append("start")
        elif p >= length - tolerance_m or p >= length - _AT_NODE_M:
            where_of.append("end")
        else:
            if not cuts or p - cuts[-1] > tolerance_m:
                cuts.append(float(p))
            where_of.append(len(cuts) - 1)
    return cuts, where_of


def _unite_nodes(n: int, pieces: _Pieces, touches: _Touches) -> tuple[np.ndarray, np.ndarray, int]:
    """Unite piece endpoint slots that meet into nodes: (from node, to node) of every piece, node count."""
    n_pieces = len(pieces.geoms)
    n_tags = max(2 * n, pieces.max_tag + 1, int(touches.ep_group.max()) + 1 if len(touches.ep_group) else 0)
    uf = _UnionFind(2 * n_pieces + n_tags)
    tag_base = 2 * n_pieces

    def line_slot(k: int) -> int:  # original endpoint slot k -> piece endpoint slot
        return int(2 * pieces.first[k]) if k < n else int(2 * pieces.last[k - n] + 1)

    for p in range(n_pieces - 1):
        if pieces.line[p] == pieces.line[p + 1]:
            uf.union(2 * p + 1, 2 * (p + 1))
    for a, b in zip(touches.pairs_a.tolist(), touches.pairs_b.tolist()):
        if a < b:
            uf.union(line_slot(a), line_slot(b))
    for k in range(2 * n):
        uf.union(tag_base + k, line_slot(k))
    for tag, slot in pieces.tag_slot:
        uf.union(tag_base + tag, slot)
    for slot_k, tag in zip(touches.ep_group_slot.tolist(), touches.ep_group.tolist()):
        uf.union(tag_base + tag, line_slot(slot_k))
    roots = np.array([uf.find(s) for s in range(2 * n_pieces)], dtype=np.int64)
    _, node_of_slot = np.unique(roots, return_inverse=True)
    n_nodes = int(node_of_slot.max()) + 1 if n_pieces else 0
    return node_of_slot[0::2].astype(np.int64), node_of_slot[1::2].astype(np.int64), n_nodes


def _assemble(pieces: _Pieces, line_rows: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray, n_nodes: int,
              metric_crs: str, params: dict, skipped: list, names: list, osm_ids: list) -> Network:
    """The Network: one edge per piece (length, name, id of its source row), nodes at the mean of their ends."""
    n_pieces = len(pieces.geoms)
    piece_arr = np.array(pieces.geoms, dtype=object)
    edge_length = shapely.length(piece_arr) if n_pieces else np.zeros(0)
    piece_rows = line_rows[np.array(pieces.line, dtype=np.int64)] if n_pieces else np.zeros(0, dtype=np.int64)
    edge_name = [None if names[r] is None or not str(names[r]).strip() else str(names[r]).strip() for r in piece_rows]
    edge_osm = [osm_ids[r] for r in piece_rows]
    sx, sy, cnt = _node_sums(piece_arr, edge_u, edge_v, n_nodes)
    graph = nx.MultiDiGraph(crs=metric_crs)
    graph.add_nodes_from((i, {"x": float(sx[i] / cnt[i]), "y": float(sy[i] / cnt[i])}) for i in range(n_nodes))
    graph.add_edges_from(
        (int(edge_u[e]), int(edge_v[e]), e, {"length_m": float(edge_length[e]), "name": edge_name[e], "osm_id": edge_osm[e]})
        for e in range(n_pieces))
    incidence: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for e in range(n_pieces):
        incidence[int(edge_u[e])].append((e, 0))
        incidence[int(edge_v[e])].append((e, 1))
    return Network(graph=graph, crs=metric_crs, edge_u=edge_u, edge_v=edge_v, edge_length=edge_length,
                   edge_name=edge_name, edge_osm_id=edge_osm, edge_geom=piece_arr, incidence=incidence,
                   params=params, skipped=skipped)


def _node_sums(piece_arr: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray, n_nodes: int):
    """Per node: the summed x and y of the piece ends joined there, and how many (at least 1)."""
    if not len(piece_arr):
        return np.zeros(0), np.zeros(0), np.ones(0)
    end_xy = shapely.get_coordinates(np.concatenate([shapely.get_point(piece_arr, 0), shapely.get_point(piece_arr, -1)]))
    slot_nodes = np.concatenate([edge_u, edge_v])
    return (np.bincount(slot_nodes, weights=end_xy[:, 0], minlength=n_nodes),
            np.bincount(slot_nodes, weights=end_xy[:, 1], minlength=n_nodes),
            np.maximum(np.bincount(slot_nodes, minlength=n_nodes), 1))


# ------------------------------------------------------------------------------------ cache
def network_cache_key(rivers: gpd.GeoDataFrame, *, tolerance_m: float = DEFAULT_TOLERANCE_M,
                      metric_crs: str = METRIC_CRS, split_at_shared_vertices: bool = True,
                      name_column: str = "name", id_column: str = "osm_id") -> str:
    """SHA-256 of the input geometries, names, ids, CRS and build parameters."""
    h = hashlib.sha256()
    h.update(json.dumps({"v": ALGORITHM_VERSION, "tol": tolerance_m, "crs": metric_crs, "shared": split_at_shared_vertices,
                         "src_crs": rivers.crs.to_string() if rivers.crs else None}).encode())
    h.update(b"".join(w or b"\0" for w in shapely.to_wkb(rivers.geometry.values)) if len(rivers) else b"")
    for col in (name_column, id_column):
        h.update(json.dumps([None if v is None else str(v) for v in _column(rivers, col)], ensure_ascii=False).encode())
    return h.hexdigest()


def load_or_build_network(rivers: gpd.GeoDataFrame, *, cache_dir: str | os.PathLike | None = DEFAULT_CACHE_DIR,
                          tolerance_m: float = DEFAULT_TOLERANCE_M, metric_crs: str = METRIC_CRS,
                          split_at_shared_vertices: bool = True) -> Network:
    """The network of these lines from the on-disk cache, building and caching it when missing.

    ``cache_dir=None`` disables the cache. An unreadable cache file is rebuilt.
    """
    opts = {"tolerance_m": tolerance_m, "metric_crs": metric_crs, "split_at_shared_vertices": split_at_shared_vertices}
    if cache_dir is None:
        return build_network(rivers, **opts)
    key = network_cache_key(rivers, **opts)
    path = Path(cache_dir) / f"network_{key[:24]}.pkl"
    if path.exists():
        try:
            with path.open("rb") as fh:
                net = pickle.load(fh)
            if isinstance(net, Network) and net.cache_key == key:
                return net
        except Exception:  # corrupt or written by an incompatible version: rebuild
            pass
    net = build_network(rivers, **opts)
    net.cache_key = key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as fh:
            pickle.dump(net, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(fh.name, path)
    except OSError as exc:
        raise ConfigError("error.network_cache_write", path=path, detail=exc) from exc
    return net



@lru_cache(maxsize=2)
def _dataset_network(dataset: str, version: str, cache_dir: str) -> Network:
    from gislib.dataset import load_layer

    return load_or_build_network(load_layer("rivers", dataset), cache_dir=cache_dir)


def dataset_network(dataset: str | None = None) -> Network:
    """THE river network of a data set: one object per data version for the whole process (map tracing,
    record pages, problem location all share it), pickled under ``<data dir>/cache`` between runs."""
    from gislib.config import data_dir
    from gislib.dataset import current_name, data_version

    dataset = dataset or current_name()
    return _dataset_network(dataset, data_version(dataset), str(data_dir() / "cache"))


# ------------------------------------------------------------------------------------ overrides
def validate_overrides(overrides: Any) -> dict[str, str]:
    """Check a {"river name": "forward"|"reverse"|"both"} mapping; every bad entry is named."""
    if not isinstance(overrides, dict):
        raise ConfigError("error.overrides_not_object")
    bad = [f"{k}: {v}" for k, v in overrides.items()
           if not str(k).strip() or not isinstance(v, str) or v.strip().lower() not in DIRECTION_CODES]
    if bad:
        raise ConfigError("error.overrides_invalid", entries=bad, choices=list(DIRECTION_CODES))
    return {str(k).strip(): v.strip().lower() for k, v in overrides.items()}


def load_overrides(path: str | os.PathLike) -> dict[str, str]:
    """Read and validate a direction-override JSON file."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError("error.overrides_unreadable", path=path, detail=exc) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError("error.overrides_json", path=path, detail=exc) from exc
    return validate_overrides(data)


# ------------------------------------------------------------------------------------ results
@dataclass
class UpstreamResult:
    """Outfalls upstream of a section, nearest first, and the traced stretch (EPSG:4326)."""

    section: str
    mode: str
    km_limit: float
    outfalls: list[dict[str, Any]]
    off_network: list[dict[str, Any]]
    overrides: dict[str, str]
    warnings: list[str]
    stretch: gpd.GeoDataFrame | None

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "mode": self.mode, "km_limit": self.km_limit, "outfalls": self.outfalls,
                "off_network": self.off_network, "overrides": self.overrides, "warnings": self.warnings}


@dataclass
class DownstreamResult:
    """The nearest section downstream of an outfall (None when none is reachable)."""

    outfall: str
    mode: str
    section: str | None
    km: float | None
    off_network: list[dict[str, Any]]
    overrides: dict[str, str]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"outfall": self.outfall, "section": self.section, "km": self.km, "mode": self.mode,
                "off_network": self.off_network, "overrides": self.overrides, "warnings": self.warnings}


def _mode(two_way: bool) -> str:
    return MODE_TWO_WAY if two_way else MODE_DIRECTED


def trace_upstream(network: Network, section_code: str, outfalls: gpd.GeoDataFrame, sections: gpd.GeoDataFrame,
                   km: float, *, two_way: bool = False, overrides: dict[str, str] | None = None,
                   snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M, with_stretch: bool = True) -> UpstreamResult:
    """Outfalls within ``km`` upstream of a section along the network, ordered by network distance.

    ``off_network`` lists the outfalls within ``km`` of the section in a straight line that lie
    beyond ``snap_tolerance_m`` of any river line (with metres), so could not be traced.
    The section itself must be on the network.
    """
    overrides = validate_overrides(overrides) if overrides else {}
    flags, warnings = network.directions(two_way, overrides)
    sec = network.snap(sections, snap_tolerance_m)
    i = sec.index_of(section_code, "section")
    sec.require_on_network(i, "section")
    outs = network.snap(outfalls, snap_tolerance_m)
    found, stretch = network.upstream(sec, i, outs, km, flags, with_stretch=with_stretch)
    return UpstreamResult(
        section=str(section_code), mode=_mode(two_way), km_limit=float(km),
        outfalls=[{"code": outs.codes[j], "km": round(m / 1000.0, 3)} for j, m in found],
        off_network=outs.off_network(near=tuple(sec.xy[i]), within_m=km * 1000.0),
        overrides=overrides, warnings=warnings, stretch=stretch)


def trace_downstream(network: Network, outfall_code: str, outfalls: gpd.GeoDataFrame, sections: gpd.GeoDataFrame,
                     *, two_way: bool = False, overrides: dict[str, str] | None = None,
                     snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M) -> DownstreamResult:
    """The nearest section downstream of an outfall and its network distance in km."""
    overrides = validate_overrides(overrides) if overrides else {}
    flags, warnings = network.directions(two_way, overrides)
    rows = positions_of(outfalls["code"], outfall_code) if "code" in outfalls else ()
    if len(rows):  # snap the one outfall, not the whole set (its code and point: all that snapping reads)
        outfalls = gpd.GeoDataFrame({"code": outfalls["code"].iloc[rows].to_numpy()},
                                    geometry=outfalls.geometry.values[rows], crs=outfalls.crs)
    outs = network.snap(outfalls, snap_tolerance_m)
    i = outs.index_of(outfall_code, "outfall")
    outs.require_on_network(i, "outfall")
    sec = network.snap(sections, snap_tolerance_m)
    hit = network.downstream(outs, i, sec, flags)
    return DownstreamResult(
        outfall=str(outfall_code), mode=_mode(two_way),
        section=sec.codes[hit[0]] if hit else None, km=round(hit[1] / 1000.0, 3) if hit else None,
        off_network=sec.off_network(), overrides=overrides, warnings=warnings)
