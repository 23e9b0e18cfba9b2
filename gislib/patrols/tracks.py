"""gislib.patrols.tracks: read a patrol track from GPX (gpxpy), KML/KMZ, or points tapped on a phone.

Real-world quirks handled:
* tracks without timestamps (duration then unknown, length still computed);
* several segments (<trkseg>, several <trk>, several KML LineStrings): the length sums the
  segments, the gaps between them do not count;
* GPX routes (<rte>) or only waypoints when a recorder wrote no track;
* GCJ-02 coordinates from Chinese apps (高德/腾讯 based river-chief apps): chosen explicitly, or
  guessed from the file name/creator with ``gislib.geo.crs.keyword_crs``; converted to WGS84 with
  the existing ``gislib.geo.crs`` functions;
* hostile files: XML entity tricks are refused (defusedxml), sizes and point counts are bounded,
  KMZ archives are read with a bound on the unpacked size.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from gislib.errors import DataError, ValidationError

MAX_BYTES = 20 * 1024 * 1024
MAX_POINTS = 200_000
KML_NS = "{http://www.opengis.net/kml/2.2}"
GX_NS = "{http://www.google.com/kml/ext/2.2}"
FORMATS = ("gpx", "kml", "kmz")


@dataclass
class Track:
    """A patrol track in WGS84: segments of (lon, lat) with optional UTC times, and where it came from."""

    segments: list[np.ndarray]  # each (n, 2) lon/lat
    times: list[list[dt.datetime | None]] = field(default_factory=list)
    source_format: str = "points"
    source_crs: str = "EPSG:4326"
    name: str = ""

    @property
    def n_points(self) -> int:
        return int(sum(len(s) for s in self.segments))

    def geometry(self) -> shapely.MultiLineString:
        """The track as a WGS84 MultiLineString (one line per segment of ≥ 2 points)."""
        return shapely.MultiLineString([s for s in self.segments if len(s) >= 2])

    def metric(self) -> shapely.MultiLineString:
        """The track in EPSG:4549 metres."""
        from gislib.geo.crs import from_wgs84
        from gislib.geo.network import METRIC_CRS

        lines = []
        for seg in self.segments:
            if len(seg) >= 2:
                x, y = from_wgs84(seg[:, 0], seg[:, 1], METRIC_CRS)
                lines.append(np.column_stack([x, y]))
        return shapely.MultiLineString(lines)

    def length_m(self) -> float:
        """Length along the segments in EPSG:4549 (gaps between segments not counted)."""
        return float(self.metric().length)

    def start_end(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        stamps = sorted(t for seg in self.times for t in seg if t is not None)
        return (stamps[0], stamps[-1]) if stamps else (None, None)

    def duration_min(self) -> float | None:
        """Minutes from the first to the last timestamp; None for a track without times."""
        start, end = self.start_end()
        return None if start is None else round((end - start).total_seconds() / 60, 1)


def _check_size(data: bytes, name: str) -> None:
    if len(data) > MAX_BYTES:
        raise ValidationError("error.track_too_big", field="file", name=name, limit=MAX_BYTES // 1048576)
    if not data.strip():
        raise ValidationError("error.track_empty", field="file", name=name)


def _safe_xml(data: bytes, name: str):
    """Parse XML refusing entity declarations and external references."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring
    from xml.etree.ElementTree import ParseError

    try:
        return fromstring(data)
    except DefusedXmlException as exc:
        raise ValidationError("error.track_entities", field="file", name=name, detail=type(exc).__name__) from exc
    except ParseError as exc:
        raise DataError("error.track_xml", name=name, detail=exc) from exc


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    if t is None:
        return None
    return t.replace(tzinfo=dt.timezone.utc) if t.tzinfo is None else t.astimezone(dt.timezone.utc)


def _parse_gpx(data: bytes, name: str) -> tuple[list[list[tuple]], str]:
    import gpxpy
    import gpxpy.gpx

    _safe_xml(data, name)
    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig", errors="replace"))
    except gpxpy.gpx.GPXException as exc:
        raise DataError("error.track_gpx", name=name, detail=exc) from exc
    segs = [[(p.longitude, p.latitude, _utc(p.time)) for p in seg.points]
            for trk in gpx.tracks for seg in trk.segments]
    segs += [[(p.longitude, p.latitude, _utc(p.time)) for p in rte.points] for rte in gpx.routes]
    segs = [s for s in segs if s]
    if not segs and gpx.waypoints:  # only tapped waypoints
        segs = [[(p.longitude, p.latitude, _utc(p.time)) for p in gpx.waypoints]]
    return segs, " ".join(filter(None, [gpx.creator, gpx.name]))


def _kml_coords(text: str) -> list[tuple]:
    out = []
    for token in (text or "").split():
        parts = token.split(",")
        if len(parts) >= 2:
            out.append((float(parts[0]), float(parts[1]), None))
    return out


def _parse_kml(data: bytes, name: str) -> tuple[list[list[tuple]], str]:
    root = _safe_xml(data, name)
    segs: list[list[tuple]] = []
    try:
        for line in root.iter(f"{KML_NS}LineString"):
            segs.append(_kml_coords(line.findtext(f"{KML_NS}coordinates")))
        for track in root.iter(f"{GX_NS}Track"):  # Google's timed track: <when> + <gx:coord>
            whens = [w.text for w in track.iter(f"{KML_NS}when")]
            coords = [c.text.split() for c in track.iter(f"{GX_NS}coord")]
            times = [_utc(dt.datetime.fromisoformat(w.replace("Z", "+00:00"))) if w else None for w in whens]
            times += [None] * (len(coords) - len(times))
            segs.append([(float(c[0]), float(c[1]), t) for c, t in zip(coords, times)])
        if not segs:  # tapped placemarks only
            segs = [[p for pt in root.iter(f"{KML_NS}Point") for p in _kml_coords(pt.findtext(f"{KML_NS}coordinates"))]]
    except (ValueError, IndexError) as exc:
        raise DataError("error.track_coordinates", name=name, detail=exc) from exc
    doc_name = root.findtext(f".//{KML_NS}name") or ""
    return [s for s in segs if s], doc_name


def _unzip_kml(data: bytes, name: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            kmls = [i for i in zf.infolist() if i.filename.lower().endswith(".kml")]
            if not kmls:
                raise DataError("error.kmz_no_kml", name=name)
            info = next((i for i in kmls if i.filename.lower() == "doc.kml"), kmls[0])
            if info.file_size > MAX_BYTES:
                raise ValidationError("error.kmz_too_big", field="file", name=name, limit=MAX_BYTES // 1048576)
            with zf.open(info) as fh:
                out = fh.read(MAX_BYTES + 1)
            if len(out) > MAX_BYTES:
                raise ValidationError("error.kmz_too_big", field="file", name=name, limit=MAX_BYTES // 1048576)
            return out
    except zipfile.BadZipFile as exc:
        raise DataError("error.kmz_bad", name=name) from exc


def guess_format(name: str) -> str:
    """gpx, kml or kmz from the file name; ValidationError otherwise."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValidationError("error.track_format", field="file", suffix=suffix)
    return suffix


def _to_track(segs: list[list[tuple]], fmt: str, crs: str, name: str) -> Track:
    from gislib.geo.crs import normalize_crs, to_wgs84

    n = sum(len(s) for s in segs)
    if n == 0:
        raise DataError("error.track_no_points", name=name)
    if n > MAX_POINTS:
        raise ValidationError("error.track_too_many_points", field="file", name=name, count=n, limit=MAX_POINTS)
    crs = normalize_crs(crs)
    arrays, times = [], []
    for seg in segs:
        xy = np.array([(p[0], p[1]) for p in seg], dtype=float)
        if not np.isfinite(xy).all() or (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
            raise DataError("error.track_lonlat", name=name)
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
        arrays.append(np.column_stack([lon, lat]))
        times.append([p[2] for p in seg])
    return Track(arrays, times, fmt, crs, name)


def read_track(data: bytes, name: str, crs: str = "auto") -> Track:
    """A track from the bytes of a GPX/KML/KMZ file called ``name``.

    ``crs``: "auto" (WGS84 unless the file name or creator names a GCJ-02/BD-09 app), or any name
    ``gislib.geo.crs.normalize_crs`` accepts ("wgs84", "gcj02", "bd09", "EPSG:4490", …).
    """
    from gislib.geo.crs import keyword_crs

    _check_size(data, name)
    fmt = guess_format(name)
    if fmt == "gpx":
        segs, creator = _parse_gpx(data, name)
    else:
        segs, creator = _parse_kml(_unzip_kml(data, name) if fmt == "kmz" else data, name)
    if crs == "auto":
        crs = keyword_crs(name, creator) or "EPSG:4326"
    return _to_track(segs, fmt, crs, name)


def points_track(points: list[tuple[float, float]], times: list[dt.datetime | None] | None = None,
                 crs: str = "EPSG:4326") -> Track:
    """A track from points tapped on the phone's map, in tapping order."""
    times = times or [None] * len(points)
    if len(points) < 2:
        raise ValidationError("error.track_two_points", field="points")
    return _to_track([[(x, y, t) for (x, y), t in zip(points, times)]], "points", crs, "tapped")
