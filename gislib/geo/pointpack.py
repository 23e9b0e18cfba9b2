"""gislib.geo.pointpack: the compact binary format in which the map receives large point layers.

Layout (little-endian): ``uint32 n | int32 lon[n] | int32 lat[n] | uint8 colour[n] | uint8 shape[n]``
with lon/lat in micro-degrees (about 0.1 m). 60,000 points take 600 kB instead of the ~30 MB of
GeoJSON that folium would inline. ``static/js/hetu-points.js`` reads it.
"""
from __future__ import annotations

import hashlib

import numpy as np

MICRO = 1_000_000


def pack_points(lon, lat, colour_idx, shape_idx) -> bytes:
    """Pack coordinates (degrees) and per-point style indices (0–255) into the binary layout."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    n = len(lon)
    if not (len(lat) == len(colour_idx) == len(shape_idx) == n):
        raise ValueError("lon, lat, colour_idx and shape_idx must have the same length")
    parts = [
        np.array([n], dtype="<u4").tobytes(),
        np.round(lon * MICRO).astype("<i4").tobytes(),
        np.round(lat * MICRO).astype("<i4").tobytes(),
        np.asarray(colour_idx, dtype=np.uint8).tobytes(),
        np.asarray(shape_idx, dtype=np.uint8).tobytes(),
    ]
    return b"".join(parts)


def unpack_points(data: bytes) -> dict[str, np.ndarray]:
    """Inverse of :func:`pack_points` (used by tests and by the snapshot renderer)."""
    n = int(np.frombuffer(data, dtype="<u4", count=1)[0])
    lon = np.frombuffer(data, dtype="<i4", count=n, offset=4) / MICRO
    lat = np.frombuffer(data, dtype="<i4", count=n, offset=4 + 4 * n) / MICRO
    colour = np.frombuffer(data, dtype=np.uint8, count=n, offset=4 + 8 * n)
    shape = np.frombuffer(data, dtype=np.uint8, count=n, offset=4 + 9 * n)
    return {"lon": lon, "lat": lat, "colour": colour, "shape": shape}


def content_name(data: bytes, suffix: str) -> str:
    """A file name that changes whenever the content changes (safe to cache forever)."""
    return hashlib.sha256(data).hexdigest()[:24] + suffix


def snap_key(lon: float, lat: float) -> tuple[int, int]:
    """The integer micro-degree key under which a packed point is found again after a click."""
    return int(round(lon * MICRO)), int(round(lat * MICRO))


# ------------------------------------------------------------------ aggregation and tiles
# The map aggregates points below ``AGGREGATE_BELOW`` (a zoom level) into counted cells of
# ``CLUSTER_CELL`` screen pixels, anchored in world coordinates so that a pan never moves a cluster.
# The cells of every level are computed here once per data version, never per frame.
AGGREGATE_BELOW = 13
CLUSTER_CELL = 56
TILE_ZOOM = AGGREGATE_BELOW  # point tiles are cut at this zoom; lower zooms draw the clusters


def world_xy(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Web-Mercator world pixel coordinates at zoom 0 (0..256), as Leaflet computes them."""
    lon = np.asarray(lon, dtype=float)
    la = np.radians(np.clip(np.asarray(lat, dtype=float), -85.05112878, 85.05112878))
    x = (lon + 180.0) / 360.0 * 256.0
    y = (1.0 - np.log(np.tan(la) + 1.0 / np.cos(la)) / np.pi) / 2.0 * 256.0
    return x, y


def _cell_style(cells: np.ndarray, colour: np.ndarray, severity) -> np.ndarray:
    """Per cell (``cells`` = 0..m-1 per point): the worst colour by ``severity`` rank, ties and no
    ranking going to the most common colour."""
    m = int(cells.max()) + 1 if len(cells) else 0
    counts = np.bincount(cells * 256 + colour.astype(np.int64), minlength=m * 256).reshape(m, 256)
    score = counts.astype(float)
    if severity is not None:
        rank = np.zeros(256)
        rank[:len(severity)] = severity
        score = np.where(counts > 0, rank[None, :] * 1e9 + counts, -1.0)
    return score.argmax(axis=1).astype(np.uint32)


def cluster_levels(lon, lat, colour_idx, shape_idx, severity=None, levels: int = AGGREGATE_BELOW,
                   cell: int = CLUSTER_CELL) -> bytes:
    """Counted clusters of every zoom level below ``levels``, as one binary file for hetu-points.js.

    Layout (little-endian): ``uint32 levels`` then per level ``uint32 m | float32 x[m] | float32 y[m] |
    uint32 count[m] | uint32 style[m]`` with x, y the members' mean in world pixels at zoom 0 and
    style = colour << 8 | shape (the shape of a cell's first member; a cell of one is drawn as that point).
    Colour is the worst member's by ``severity`` (a rank per colour index), else the most common one.
    """
    x, y = world_xy(lon, lat)
    colour = np.asarray(colour_idx, dtype=np.uint8)
    shape = np.asarray(shape_idx, dtype=np.uint8)
    parts = [np.array([levels], dtype="<u4").tobytes()]
    for z in range(levels):
        f = 2.0 ** z / cell
        key = np.floor(x * f).astype(np.int64) * (1 << 31) + np.floor(y * f).astype(np.int64)
        uniq, first, cells, count = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
        m = len(uniq)
        mx = np.bincount(cells, weights=x, minlength=m) / np.maximum(count, 1)
        my = np.bincount(cells, weights=y, minlength=m) / np.maximum(count, 1)
        style = (_cell_style(cells, colour, severity) << 8) | shape[first].astype(np.uint32) if m else \
            np.zeros(0, dtype=np.uint32)
        parts += [np.array([m], dtype="<u4").tobytes(), mx.astype("<f4").tobytes(), my.astype("<f4").tobytes(),
                  count.astype("<u4").tobytes(), style.astype("<u4").tobytes()]
    return b"".join(parts)


def unpack_clusters(data: bytes) -> list[dict[str, np.ndarray]]:
    """Inverse of :func:`cluster_levels`: one dict (x, y, count, colour, shape) per zoom level."""
    levels = int(np.frombuffer(data, dtype="<u4", count=1)[0])
    out, off = [], 4
    for _ in range(levels):
        m = int(np.frombuffer(data, dtype="<u4", count=1, offset=off)[0])
        off += 4
        x = np.frombuffer(data, dtype="<f4", count=m, offset=off)
        y = np.frombuffer(data, dtype="<f4", count=m, offset=off + 4 * m)
        count = np.frombuffer(data, dtype="<u4", count=m, offset=off + 8 * m)
        style = np.frombuffer(data, dtype="<u4", count=m, offset=off + 12 * m)
        off += 16 * m
        out.append({"x": x, "y": y, "count": count, "colour": style >> 8, "shape": style & 0xFF})
    return out


def tile_keys(lon, lat, z: int = TILE_ZOOM) -> tuple[np.ndarray, np.ndarray]:
    """The z/x/y tile (x, y) of every point."""
    x, y = world_xy(lon, lat)
    f = 2.0 ** z / 256.0
    n = 2 ** z
    return (np.clip(np.floor(x * f), 0, n - 1).astype(np.int64),
            np.clip(np.floor(y * f), 0, n - 1).astype(np.int64))


def split_tiles(lon, lat, z: int = TILE_ZOOM):
    """Points grouped by tile: yields ((x, y), indices into the input, in input order)."""
    tx, ty = tile_keys(lon, lat, z)
    key = tx * (1 << 31) + ty
    order = np.argsort(key, kind="stable")
    uniq, starts = np.unique(key[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    for k, s, e in zip(uniq, starts, ends):
        yield (int(k >> 31), int(k & ((1 << 31) - 1))), order[s:e]
