"""A user's drawn extent (辖区范围): a polygon in EPSG:4326, stored as WKT on the account (migration 80).

``parse_extent(text)`` reads WKT or GeoJSON (a geometry, Feature or FeatureCollection of polygons) and
validates it (HetuError ``error.jurisdiction_extent_*``); ``extent_contains(wkt, record)`` says whether a record's point
(``lon``/``lat``) or its geometry's representative point (``geometry_wkt`` or a shapely ``geometry``) lies
in the extent; ``extent_mask(wkt, frame)`` is the same for a (Geo)DataFrame.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any, Mapping

from gislib.errors import ValidationError

MAX_VERTICES = 5000
# longitude/latitude of China with a margin: an extent outside is a mistake (swapped axes, metres)
BOUNDS = (73.0, 3.0, 136.0, 54.0)


def _geometry_from_geojson(data: Any) -> Any:
    from shapely.geometry import shape
    from shapely.ops import unary_union

    if not isinstance(data, dict):
        raise ValidationError("error.jurisdiction_extent_unreadable", field="extent")
    kind = data.get("type")
    if kind == "FeatureCollection":
        parts = [_geometry_from_geojson(f) for f in data.get("features") or []]
        if not parts:
            raise ValidationError("error.jurisdiction_extent_empty", field="extent")
        return unary_union(parts)
    if kind == "Feature":
        return _geometry_from_geojson(data.get("geometry"))
    try:
        return shape(data)
    except Exception:
        raise ValidationError("error.jurisdiction_extent_unreadable", field="extent") from None


def parse_extent(value: Any) -> str:
    """The validated extent of ``value`` (WKT text, GeoJSON text or dict, shapely geometry) as WKT;
    "" for an empty value (no extent). Raises ValidationError with a catalog key."""
    from shapely import wkt as shapely_wkt
    from shapely.geometry.base import BaseGeometry

    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, BaseGeometry):
        geom = value
    elif isinstance(value, dict):
        geom = _geometry_from_geojson(value)
    else:
        text = str(value).strip()
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                raise ValidationError("error.jurisdiction_extent_unreadable", field="extent") from None
            geom = _geometry_from_geojson(data)
        else:
            try:
                geom = shapely_wkt.loads(text)
            except Exception:
                raise ValidationError("error.jurisdiction_extent_unreadable", field="extent") from None
    if geom.is_empty:
        raise ValidationError("error.jurisdiction_extent_empty", field="extent")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError("error.jurisdiction_extent_not_polygon", field="extent", kind=geom.geom_type)
    if geom.has_z:
        from shapely import force_2d

        geom = force_2d(geom)
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    vertices = sum(len(p.exterior.coords) + sum(len(r.coords) for r in p.interiors) for p in polys)
    if vertices > MAX_VERTICES:
        raise ValidationError("error.jurisdiction_extent_too_many_vertices", field="extent", count=vertices, limit=MAX_VERTICES)
    minx, miny, maxx, maxy = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds) or minx < BOUNDS[0] or miny < BOUNDS[1] \
            or maxx > BOUNDS[2] or maxy > BOUNDS[3]:
        raise ValidationError("error.jurisdiction_extent_out_of_bounds", field="extent",
                              bounds=f"{minx:.4f}, {miny:.4f}, {maxx:.4f}, {maxy:.4f}")
    if not geom.is_valid:
        from shapely.validation import explain_validity

        raise ValidationError("error.jurisdiction_extent_invalid", field="extent", why=explain_validity(geom))
    if geom.area <= 0:
        raise ValidationError("error.jurisdiction_extent_empty", field="extent")
    return geom.wkt


@lru_cache(maxsize=64)
def _prepared(wkt: str) -> Any:
    from shapely import wkt as shapely_wkt
    from shapely.prepared import prep

    geom = shapely_wkt.loads(wkt)
    return geom, prep(geom)


def _record_point(record: Mapping[str, Any]) -> Any:
    from shapely.geometry import Point
    from shapely.geometry.base import BaseGeometry

    lon, lat = record.get("lon"), record.get("lat")
    try:
        if lon is not None and lat is not None and math.isfinite(float(lon)) and math.isfinite(float(lat)):
            return Point(float(lon), float(lat))
    except (TypeError, ValueError):
        pass
    geom = record.get("geometry")
    if geom is None and record.get("geometry_wkt"):
        from shapely import wkt as shapely_wkt

        try:
            geom = shapely_wkt.loads(str(record["geometry_wkt"]))
        except Exception:
            return None
    if isinstance(geom, BaseGeometry) and not geom.is_empty:
        return geom if geom.geom_type == "Point" else geom.representative_point()
    return None


def extent_contains(wkt: str, record: Mapping[str, Any]) -> bool:
    """Whether the record's point (or its geometry's representative point) lies in the extent ``wkt``
    (on the boundary counts as inside). A record without a location is outside."""
    if not wkt:
        return False
    point = _record_point(record)
    return point is not None and _prepared(wkt)[1].intersects(point)


def extent_mask(wkt: str, frame: Any) -> Any:
    """A boolean Series over ``frame``: rows whose point lies in the extent (a GeoDataFrame's geometry,
    taken in EPSG:4326; else its ``lon``/``lat``/``geometry_wkt`` columns)."""
    import pandas as pd

    geom = _prepared(wkt)[0]
    if hasattr(frame, "geometry") and getattr(frame, "crs", None) is not None:
        g = frame.geometry
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            g = g.to_crs(4326)
        ok = (~g.isna() & ~g.is_empty).to_numpy()
        hit = g.representative_point().intersects(geom).to_numpy()
        return pd.Series(hit & ok, index=frame.index)
    if "lon" in frame.columns and "lat" in frame.columns:  # the store's rows: vectorised on lon/lat
        import numpy as np
        import shapely

        lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        hit = shapely.intersects(geom, shapely.points(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))) & ok
        out = pd.Series(hit, index=frame.index, dtype=bool)
        if (~ok).any() and "geometry_wkt" in frame.columns:  # plots: the geometry's representative point
            rest = frame[~ok]
            out[~ok] = [extent_contains(wkt, r) for r in rest.to_dict("records")]
        return out
    return pd.Series([extent_contains(wkt, r) for r in frame.to_dict("records")], index=frame.index, dtype=bool)


def extent_geojson(wkt: str) -> dict[str, Any] | None:
    """The extent as a GeoJSON geometry (for the map), None without one."""
    from shapely.geometry import mapping

    return mapping(_prepared(wkt)[0]) if wkt else None


EXTENT_SUFFIXES = (".geojson", ".json", ".kml")


def read_extent_file(path: Any, name: str | None = None) -> str:
    """The validated extent (WKT) of an uploaded GeoJSON or KML polygon file, through the upload gate
    (size, kind by content, GDAL's KML driver only): never trusted as it comes."""
    from pathlib import Path

    from gislib.io.uploads import Limits, check_upload, refuse

    p = Path(path)
    name = name or p.name
    limits = Limits.from_settings()
    if p.suffix.lower() not in EXTENT_SUFFIXES:
        raise refuse("error.jurisdiction_extent_file", name=name)
    kind = check_upload(p, limits)
    if kind == "json":
        from gislib.io.textio import decode_text

        text, _ = decode_text(p.read_bytes(), name)
        return parse_extent(text if text.lstrip().startswith("{") else "{}")
    from shapely.ops import unary_union

    from gislib.io.readers import parse_kml

    table = parse_kml(p, p, limits)  # the importer's streamed, hardened KML reader (KML is WGS84 by spec)
    shapes = [r.geometry for r in table.rows if r.geometry is not None and not r.geometry.is_empty]
    if not shapes:
        raise ValidationError("error.jurisdiction_extent_empty", field="extent")
    return parse_extent(shapes[0] if len(shapes) == 1 else unary_union(shapes))
