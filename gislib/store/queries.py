"""gislib.store.queries: the map's and ledger's queries, answered by the database.

* ``in_bbox``: the points of a layer inside the map's view (map drawing, viewport serving);
* ``within``: records within ``metres`` of a geometry (a plot's buffer, a point's surroundings);
* ``nearest``: the ``k`` records nearest to a point with their distance (nearest section);
* ``page``: one filtered, sorted page of the ledger and the total count.

This mixin answers them in the SQL both dialects share (a longitude/latitude range for the box, a
metric refinement in Python for distances). ``PostgresStore`` overrides the spatial ones with
PostGIS: ``&&`` on a GIST index, ``ST_DWithin`` on geography, KNN ``<->``.
"""
from __future__ import annotations

import math
from typing import Any

from gislib.domain import REMOVED_STATE
from gislib.errors import ValidationError
from gislib.store.validators import LAYERS

EARTH_RADIUS_M = 6_371_008.8
LIGHT_COLUMNS = ("code", "name", "state", "lon", "lat")
PAGE_COLUMNS = ("code", "name", "state", "version", "created_at", "updated_at", "lon", "lat")
PAGE_FILTERS = ("subdistrict", "river", "type_l1")
# The record fields the ledger filters and sorts by are kept, beside the record's JSON (which stays the whole
# record), in columns of their own: ``features.ix_<field>`` (migration 90), written by every write of a record
# (``index_values``). Their indexes are plain B-trees: at 600,000 outfalls, building the four JSON expression
# indexes they replace parsed every record's JSON (its monitoring history included) four times, 27 of the 86 s
# of a PostGIS bulk load.
INDEXED_FIELDS = PAGE_FILTERS
INDEX_COLUMNS = tuple(f"ix_{f}" for f in INDEXED_FIELDS)


def index_values(rec: dict[str, Any]) -> tuple[str | None, ...]:
    """The ``ix_`` columns of a record: its text of each indexed field (validated as text; anything else as its
    text or JSON), None where it has none."""
    return tuple(_index_text(rec.get(f)) for f in INDEXED_FIELDS)


def _index_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def field_sql(field: str, alias: str = "f") -> str | None:
    """The column of ``features`` that holds an indexed record field (None for the other fields)."""
    return f"{alias}.ix_{field}" if field in INDEXED_FIELDS else None


def check_bbox(west: float, south: float, east: float, north: float) -> tuple[float, float, float, float]:
    box = tuple(float(v) for v in (west, south, east, north))
    if not all(math.isfinite(v) for v in box) or box[0] > box[2] or box[1] > box[3]:
        raise ValidationError("error.bbox_invalid", field="bbox", west=box[0], south=box[1], east=box[2], north=box[3])
    return box  # type: ignore[return-value]


def metres_between(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def _metric(geom: Any, lon0: float, lat0: float) -> Any:
    """``geom`` in local metres around (lon0, lat0): good to a few metres over a district."""
    import shapely

    kx = math.cos(math.radians(lat0)) * math.pi * EARTH_RADIUS_M / 180
    ky = math.pi * EARTH_RADIUS_M / 180
    return shapely.transform(geom, lambda xy: (xy - [lon0, lat0]) * [kx, ky])


class StoreQueries:
    """Spatial and paged reads over ``features`` (SQL shared by SQLite and PostgreSQL)."""

    _conn: Any
    _lock: Any

    def _check(self, layer: str) -> None:
        if layer not in LAYERS:
            raise ValidationError("error.store_layer_unknown", field="layer", layer=layer, layers=list(LAYERS))

    def in_bbox(self, layer: str, west: float, south: float, east: float, north: float,
                include_removed: bool = False) -> list[dict[str, Any]]:
        """{code, name, state, lon, lat} of the layer's points inside the box (degrees, EPSG:4326)."""
        self._check(layer)
        box = check_bbox(west, south, east, north)
        sql = ("SELECT code, name, state, lon, lat FROM features WHERE layer=? AND lon BETWEEN ? AND ? "
               "AND lat BETWEEN ? AND ?" + ("" if include_removed else " AND state != ?"))
        args = [layer, box[0], box[2], box[1], box[3]] + ([] if include_removed else [REMOVED_STATE])
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [dict(zip(LIGHT_COLUMNS, r)) for r in rows]

    def within(self, layer: str, wkt: str, metres: float) -> list[dict[str, Any]]:
        """Records of ``layer`` within ``metres`` of the WKT geometry (EPSG:4326), nearest first,
        each with ``distance_m``."""
        import shapely

        self._check(layer)
        geom = _parse_wkt(wkt)
        metres = float(metres)
        x0, y0 = geom.centroid.x, geom.centroid.y
        pad_lat = metres / 111_000 + 1e-6
        pad_lon = pad_lat / max(0.05, math.cos(math.radians(y0)))
        w, s, e, n = geom.bounds
        # two reads through the (layer, lon, lat) index: the points in the padded box, the shapes (no lon)
        rows = self._query_rows(
            "SELECT * FROM features WHERE layer=? AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ? AND state != ?",
            [layer, w - pad_lon, e + pad_lon, s - pad_lat, n + pad_lat, REMOVED_STATE])
        rows += self._query_rows(
            "SELECT * FROM features WHERE layer=? AND lon IS NULL AND geometry_wkt IS NOT NULL AND state != ?",
            [layer, REMOVED_STATE])
        target = _metric(geom, x0, y0)
        out = []
        for row in rows:
            other = (shapely.Point(row["lon"], row["lat"]) if row["lon"] is not None
                     else shapely.from_wkt(row["geometry_wkt"]))
            d = float(target.distance(_metric(other, x0, y0)))
            if d <= metres:
                out.append({**self._record(row), "distance_m": round(d, 1)})
        return sorted(out, key=lambda r: (r["distance_m"], r["code"]))

    def nearest(self, layer: str, lon: float, lat: float, k: int = 1) -> list[dict[str, Any]]:
        """The ``k`` point records of ``layer`` nearest to (lon, lat), each with ``distance_m``.

        Read through the (layer, lon, lat) index in a box around the point that grows (×4) until it holds
        ``k`` points and the k-th of them is nearer than the box's edge (so no point outside can be nearer);
        a box beyond the whole globe reads the layer."""
        self._check(layer)
        k = max(0, int(k))
        if k == 0:
            return []
        lon, lat = float(lon), float(lat)
        pad = 0.002  # degrees of latitude, about 220 m
        while True:
            whole = pad > 180
            cos = max(0.01, math.cos(math.radians(min(89.0, abs(lat) + pad))))
            if whole:
                rows = self._query_rows("SELECT * FROM features WHERE layer=? AND state != ? AND lon IS NOT NULL",
                                        [layer, REMOVED_STATE])
            else:
                rows = self._query_rows(
                    "SELECT * FROM features WHERE layer=? AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ? "
                    "AND state != ?", [layer, lon - pad / cos, lon + pad / cos, lat - pad, lat + pad, REMOVED_STATE])
            ranked = sorted(((metres_between(lon, lat, r["lon"], r["lat"]), r["code"], r) for r in rows),
                            key=lambda t: t[:2])[:k]
            edge_m = pad * math.pi * EARTH_RADIUS_M / 180  # the nearest a point outside the box can be
            if whole or (len(ranked) == k and ranked[-1][0] < edge_m):
                return [{**self._record(r), "distance_m": round(d, 1)} for d, _c, r in ranked]
            pad *= 4

    def _page_where(layer: str, subdistrict: str | None, river: str | None, type_l1: str | None,
                    state: str | None, text: str | None, include_removed: bool) -> tuple[list[str], list[Any]]:
        where, args = ["f.layer=?"], [layer]
        if state:
            where.append("f.state=?")
            args.append(state)
        elif not include_removed:
            where.append("f.state!=?")
            args.append(REMOVED_STATE)
        for field, value in zip(PAGE_FILTERS, (subdistrict, river, type_l1)):
            if value:
                where.append(f"{field_sql(field)}=?")
                args.append(value)
        if text:
            escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("(f.code LIKE ? ESCAPE '\\' OR f.name LIKE ? ESCAPE '\\')")
            args += [f"%{escaped}%"] * 2
        return where, args

    def _query_rows(self, sql: str, args: list[Any]) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()


def _parse_wkt(wkt: str) -> Any:
    import shapely

    try:
        geom = shapely.from_wkt(wkt)
    except Exception as exc:  # shapely raises GEOSException for bad text
        raise ValidationError("error.wkt_unreadable", field="wkt", wkt=str(wkt)[:60], detail=str(exc)) from exc
    if geom is None or geom.is_empty:
        raise ValidationError("error.wkt_empty", field="wkt")
    return geom
