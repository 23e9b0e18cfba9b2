"""gislib.io.readers: read whatever officers bring, safely, into rows that remember their origin.

Formats: .xlsx/.xlsm (openpyxl, read-only, streamed), .csv/.txt (UTF-8, UTF-8 BOM, GBK/GB18030; delimiter
sniffed; streamed), .zip with a Shapefile (.cpg honoured, else GBK/UTF-8 detected from the DBF bytes),
.geojson/.json, .kml/.kmz (streamed XML: Placemark name, description, ExtendedData Data and SchemaData/
SimpleData as columns, Point/LineString/Polygon), .gpx (waypoints), .gpkg (first layer unless named).

Safety: every file passes :mod:`gislib.io.uploads` first (size, type by content, zip checks); GDAL reads
name their driver (``ESRI Shapefile``, ``GPKG``) with network and virtual file systems off; XML is parsed
by defusedxml (no DTD/entities) with a nesting limit; rows, columns and cell sizes are capped while
streaming. Every failure is a :class:`~gislib.errors.HetuError` naming the file (and row/field).

Row numbers: tables count data rows from 1 (the first row under the header is row 1); GIS files
count features from 1 in file order.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gislib.errors import DataError, HetuError, ValidationError
from gislib.io.textio import decode_text  # noqa: F401  (part of this module's API)
from gislib.io.uploads import (Limits, bounded_rows, check_line_count, check_upload, check_xlsx, count_in_stream, csv_rows, gate_text, gdal_read, open_zip, refuse,
                            strip_controls)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
TABLE_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".tsv")
GIS_SUFFIXES = (".zip", ".geojson", ".json", ".kml", ".kmz", ".gpx", ".gpkg")
SUPPORTED_SUFFIXES = TABLE_SUFFIXES + GIS_SUFFIXES
SHP_MAGIC = b"\x00\x00\x27\x0a"
DBF_VERSIONS = {0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0xCB, 0xE5, 0xF5, 0xFB}


@dataclass
class SourceRow:
    """One input row: its 1-based number, its values by original header, and a geometry (GIS files)."""

    row: int
    values: dict[str, Any]
    geometry: Any = None  # shapely geometry in the file's CRS, or None for tables


@dataclass
class SourceTable:
    """The rows of one file plus what the file says about itself."""

    path: str
    kind: str  # "table" or "gis"
    headers: list[str]
    rows: list[SourceRow]
    crs: str | None = None  # "EPSG:n" declared by the file (.prj, GPKG, GeoJSON, KML), else None
    encoding: str | None = None
    layer: str | None = None  # sheet or layer name read
    notes: list[str] = field(default_factory=list)
    cleaned: dict[int, list[str]] = field(default_factory=dict)  # row -> columns whose control characters were removed

    @property
    def name(self) -> str:
        return Path(self.path).name


def _xml_events(source, name: str, limits: Limits) -> Iterator[tuple[str, Any]]:
    """(event, element) of a streamed XML parse by defusedxml: no DTD/entities, nesting limited."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    depth = 0
    try:
        for event, el in iterparse(source, events=("start", "end"), forbid_dtd=True):
            depth += 1 if event == "start" else -1
            if depth > limits.max_nesting:
                raise refuse("error.xml_nesting", name=name, limit=limits.max_nesting, setting="HETU_MAX_NESTING")
            yield event, el
    except DefusedXmlException as exc:
        raise ValidationError("error.xml_dtd", field="file", name=name) from exc
    except Exception as exc:  # expat's ParseError and friends
        if isinstance(exc, HetuError):
            raise
        raise DataError("error.bad_xml", name=name, detail=exc) from exc


# --------------------------------------------------------------------------- helpers
def _clean_header(value: Any, index: int) -> str:
    text = "" if value is None else unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"\s+", "", text) if re.search(r"[\u4e00-\u9fff]", text) else re.sub(r"\s+", " ", text)
    return text or f"列{index + 1}"


def _unique_headers(raw: list[Any]) -> list[str]:
    headers: list[str] = []
    for i, value in enumerate(raw):
        h = _clean_header(value, i)
        base, n = h, 2
        while h in headers:
            h = f"{base}_{n}"
            n += 1
        headers.append(h)
    return headers


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _pick_header_row(rows: list[list[Any]]) -> int:
    """Index of the header row among the first rows: skips title rows (one merged cell) above it."""
    counts = [sum(not _is_empty(v) for v in r) for r in rows[:15]]
    if not counts or max(counts) == 0:
        return 0
    best = max(counts)
    for i, c in enumerate(counts):
        if c >= max(2, (best + 1) // 2):
            return i
    return 0


def _table_from_rows(path: Path, rows: Iterable[list[Any]], encoding: str | None, layer: str | None) -> SourceTable:
    """A table from streamed rows: the header found among the first 15, then every non-empty row."""
    rows = iter(rows)
    head = list(itertools.islice(rows, 15))
    if not head:
        raise DataError("error.empty_file", name=path.name)
    h = _pick_header_row(head)
    headers = _unique_headers(head[h])
    out: list[SourceRow] = []
    notes = [f"表头在第 {h + 1} 行（其上的标题行已跳过）"] if h else []
    cleaned: list[str] = []
    cleaned_cells: dict[int, list[str]] = {}
    for n, raw in enumerate(itertools.chain(head[h + 1:], rows), start=h + 2):  # row numbers as the spreadsheet shows them
        if all(_is_empty(v) for v in raw):
            continue
        if len(raw) > len(headers) and any(not _is_empty(v) for v in raw[len(headers):]):
            headers.extend(f"列{j + 1}" for j in range(len(headers), len(raw)))
        values = {}
        for j, hdr in enumerate(headers):
            v = raw[j] if j < len(raw) else None
            if isinstance(v, str):
                v, changed = strip_controls(v.strip())
                if changed:
                    cleaned.append(f"第 {n} 行「{hdr}」")
                    cleaned_cells.setdefault(n, []).append(hdr)
            values[hdr] = None if v == "" else v
        out.append(SourceRow(n, values))
    if cleaned:
        notes.append(f"{len(cleaned)} 个单元格含控制字符（如 NUL），已删除这些字符：{'、'.join(cleaned[:5])}"
                     + ("等" if len(cleaned) > 5 else ""))
    return SourceTable(str(path), "table", headers, out, None, encoding, layer, notes, cleaned_cells)


# --------------------------------------------------------------------------- tables
def read_xlsx(path: Path, sheet: str | None, limits: Limits) -> SourceTable:
    """First sheet (or ``sheet``) of an .xlsx workbook, streamed against the real rows (not the declared size)."""
    from openpyxl import load_workbook

    check_xlsx(path, limits)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise DataError("error.open_xlsx", name=path.name, detail=exc) from exc
    try:
        if sheet and sheet not in wb.sheetnames:
            raise ValidationError("error.no_sheet", field="sheet", name=path.name, sheet=sheet, sheets=wb.sheetnames)
        ws = wb[sheet or wb.sheetnames[0]]
        ws.reset_dimensions()  # a declared A1:XFD1048576 must not make openpyxl pad every row
        cells = ws.iter_rows(values_only=True)  # rows as wide as their last real cell; checked per row
        return _table_from_rows(path, bounded_rows(cells, path.name, limits), None, ws.title)
    finally:
        wb.close()


def sniff_delimiter(text: str) -> str:
    """The delimiter (, ; tab | or full-width ，) giving the most columns consistently on the first lines."""
    lines = [ln for ln in text[:65536].splitlines() if ln.strip()][:30]
    best, best_score = ",", (0, 0)
    for d in (",", "\t", ";", "|", "，"):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = (counts.count(mode) if mode > 1 else 0, mode)
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv(path: Path, limits: Limits, encoding: str | None = None) -> SourceTable:
    """A CSV/TXT table; encoding detected (UTF-8/BOM/GBK) unless given, delimiter sniffed, rows streamed."""
    if encoding:
        try:
            text = path.read_bytes().decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError("error.bad_encoding", name=path.name, encoding=encoding, detail=exc) from exc
        check_line_count(text, path.name, limits)
    else:
        text, encoding = gate_text(path, limits)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    table = _table_from_rows(path, bounded_rows(csv_rows(reader, path.name, limits), path.name, limits), encoding, None)
    table.notes.append(f"编码 {encoding}，分隔符「{'TAB' if delimiter == chr(9) else delimiter}」")
    return table


# --------------------------------------------------------------------------- GIS via GDAL
def _crs_name(crs) -> str | None:
    """'EPSG:n' for a pyproj CRS (or its WKT), None when unknown/absent."""
    if crs is None:
        return None
    try:
        code = crs.to_epsg(min_confidence=70)
    except Exception:  # noqa: BLE001 - pyproj raises several kinds for odd WKT
        code = None
    if code:
        return f"EPSG:{code}"
    return None


def _table_from_gdf(path: Path, gdf, layer: str | None, encoding: str | None, notes: list[str]) -> SourceTable:
    headers = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    rows = []
    for i, (values, geom) in enumerate(zip(gdf[headers].to_dict("records"), gdf.geometry), start=1):
        clean = {k: _native(v) for k, v in values.items()}
        rows.append(SourceRow(i, clean, None if geom is None or geom.is_empty else geom))
    crs = _crs_name(gdf.crs)
    if gdf.crs is not None and crs is None:
        notes.append(f"文件自带坐标系无法对应到 EPSG 代码（{gdf.crs.name}），将按坐标值判断；必要时请用 --crs 指定")
    return SourceTable(str(path), "gis", headers, rows, crs, encoding, layer, notes)


def _native(value: Any) -> Any:
    """numpy/pandas scalars → Python; NaN/NaT → None."""
    try:
        import pandas as pd

        if value is None or (not isinstance(value, (str, bytes, list, dict)) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


def dbf_encoding(dbf: bytes) -> str:
    """"UTF-8" or "GBK" for the records of a DBF without .cpg (tries UTF-8 strictly first).

    Looks at the field names and the first 8 MB of records; no copy of the whole file is made.
    """
    if len(dbf) < 32:
        return "UTF-8"
    view = memoryview(dbf)
    header_len = int.from_bytes(dbf[8:10], "little")
    parts = (bytes(view[32:header_len]), bytes(view[header_len:header_len + 8 * 1024 * 1024]))
    if all(part.isascii() for part in parts):
        return "UTF-8"
    for enc, name in (("utf-8", "UTF-8"), ("gb18030", "GBK")):
        if all(_decodes(part, enc) for part in parts):
            return name
    return "UTF-8"


def _decodes(data: bytes, encoding: str) -> bool:
    """True when ``data`` decodes (a multi-byte character cut at the end of a sample is forgiven)."""
    try:
        data.decode(encoding)
        return True
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 4 and exc.reason != "invalid start byte"


def _cpg_encoding(text: str) -> str:
    t = text.strip().upper()
    return {"936": "GBK", "CP936": "GBK", "65001": "UTF-8", "UTF8": "UTF-8", "GB2312": "GBK"}.get(t, t or "UTF-8")


def _pick_shapefile(zf: zipfile.ZipFile, name: str, layer: str | None) -> tuple[str, dict[str, str]]:
    """(stem, {suffix: member}) of the one Shapefile to read in a zip (sub-folders allowed)."""
    members = [n for n in zf.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    shps = [n for n in members if n.lower().endswith(".shp")]
    if not shps:
        raise DataError("error.zip_no_shp", name=name)
    if layer:
        shps = [n for n in shps if Path(n).stem == layer]
        if not shps:
            raise ValidationError("error.zip_no_layer", field="layer", name=name, layer=layer)
    elif len(shps) > 1:
        names = "、".join(Path(n).stem for n in shps)
        raise ValidationError("error.zip_many_shp", field="layer", name=name, names=names)
    stem = shps[0][:-4]
    siblings = {n[len(stem):].lower(): n for n in members
                if n[: len(stem)].lower() == stem.lower() and n[len(stem):].startswith(".")}
    for needed in (".dbf", ".shx"):
        if needed not in siblings:
            raise DataError("error.shp_part_missing", name=name, part=f"{Path(stem).name}{needed}")
    return stem, siblings


def _check_shapefile_parts(folder: Path, name: str) -> None:
    """The .shp/.shx start with the Shapefile magic and the .dbf with a dBase version byte."""
    for suffix in (".shp", ".shx"):
        with (folder / f"layer{suffix}").open("rb") as fh:
            if fh.read(4) != SHP_MAGIC:
                raise refuse("error.shp_part_kind", name=name, suffix=suffix)
    with (folder / "layer.dbf").open("rb") as fh:
        first = fh.read(1)
    if not first or first[0] not in DBF_VERSIONS:
        raise refuse("error.dbf_kind", name=name)


def read_shapefile_zip(path: Path, layer: str | None, limits: Limits) -> SourceTable:
    """A zipped Shapefile (.shp/.shx/.dbf[/.prj/.cpg]); the one named ``layer`` when there are several."""
    gdf, stem, encoding, notes = _shapefile_zip_frame(path, layer, limits)
    return _table_from_gdf(path, gdf, Path(stem).name, encoding, notes)


def _shapefile_zip_frame(path: Path, layer: str | None, limits: Limits):
    """(GeoDataFrame, stem, encoding, notes) of the Shapefile in a zip, read by the Shapefile driver only."""
    notes: list[str] = []
    with open_zip(path, limits) as zf, tempfile.TemporaryDirectory(prefix="hetu_shp_") as tmp:
        stem, siblings = _pick_shapefile(zf, path.name, layer)
        for suffix, member in siblings.items():
            if suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                with zf.open(member) as src, (Path(tmp) / f"layer{suffix}").open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)
        _check_shapefile_parts(Path(tmp), path.name)
        if ".cpg" in siblings:
            encoding = _cpg_encoding((Path(tmp) / "layer.cpg").read_bytes()[:64].decode("ascii", errors="ignore"))
            notes.append(f"按 .cpg 使用编码 {encoding}")
        else:
            with (Path(tmp) / "layer.dbf").open("rb") as fh:
                encoding = dbf_encoding(fh.read(9 * 1024 * 1024))
            notes.append(f"无 .cpg 文件，根据 DBF 内容判断编码为 {encoding}")
        if ".prj" not in siblings:
            notes.append("无 .prj 文件，坐标系将按坐标值判断")
        gdf = gdal_read(Path(tmp) / "layer.shp", "ESRI Shapefile", f"{path.name} 中的 Shapefile {Path(stem).name}",
                        limits, encoding=encoding)
    return gdf, stem, encoding, notes


GDAL_DRIVERS = {".gpkg": ("sqlite", "GPKG"), ".geojson": ("json", "GeoJSON"), ".json": ("json", "GeoJSON"),
                ".shp": ("shp", "ESRI Shapefile")}


def read_gdf(path: str | os.PathLike, layer: str | None = None, limits: Limits | None = None):
    """A GeoDataFrame of a GPKG, GeoJSON, Shapefile (or zipped Shapefile) through the gate, the driver named.

    For commands that need GDAL's own reading (``trace`` with user layers)."""
    p = Path(path)
    limits = limits or Limits.from_settings()
    suffix = p.suffix.lower()
    if suffix == ".zip":
        check_upload(p, limits)
        return _shapefile_zip_frame(p, layer, limits)[0]
    if suffix not in GDAL_DRIVERS:
        raise DataError("error.gis_type", name=p.name, suffix=suffix)
    kind, driver = GDAL_DRIVERS[suffix]
    check_upload(p, limits, expect=kind)
    return gdal_read(p, driver, p.name, limits, **({"layer": layer} if layer else {}))


def read_gpkg(path: Path, layer: str | None, limits: Limits) -> SourceTable:
    """A GeoPackage layer (the first one unless ``layer`` names another), read by the GPKG driver only."""
    import pyogrio

    from gislib.io.uploads import gdal_lockdown, gdal_path

    gdal_lockdown()
    try:
        layers = [str(n) for n in pyogrio.list_layers(gdal_path(path))[:, 0]]
    except HetuError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise DataError("error.open_gpkg", name=path.name, detail=exc) from exc
    if not layers:
        raise DataError("error.gpkg_empty", name=path.name)
    if layer and layer not in layers:
        raise ValidationError("error.gpkg_no_layer", field="layer", name=path.name, layer=layer, layers=layers)
    name = layer or layers[0]
    gdf = gdal_read(path, "GPKG", path.name, limits, layer=name)
    notes = [f"读取图层「{name}」（共 {len(layers)} 个图层）"] if len(layers) > 1 else []
    return _table_from_gdf(path, gdf, name, "UTF-8", notes)


# --------------------------------------------------------------------------- GeoJSON
def _json_crs(doc: dict) -> str:
    """The EPSG code named by a legacy GeoJSON "crs" member (any shape tolerated), else EPSG:4326."""
    crs = doc.get("crs")
    props = crs.get("properties") if isinstance(crs, dict) else None
    named = props.get("name") if isinstance(props, dict) else None
    m = re.search(r"EPSG:{1,2}(\d+)", str(named or ""))
    return f"EPSG:{m.group(1)}" if m else "EPSG:4326"


def _features(doc: Any, name: str, limits: Limits) -> list:
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        return [doc]
    if not (isinstance(doc, dict) and doc.get("type") == "FeatureCollection"):
        raise DataError("error.geojson_kind", name=name)
    features = doc.get("features")
    if features is None:
        return []
    if not isinstance(features, list):
        raise DataError("error.geojson_features", name=name, kind=type(features).__name__)
    if len(features) > limits.max_rows:
        raise refuse("error.features_over", name=name, count=len(features), limit=limits.max_rows, setting="HETU_MAX_ROWS")
    return features


def _json_value(value: Any, limits: Limits) -> Any:
    """A property value as a scalar: nested objects/lists become their JSON text (length-capped)."""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)[: limits.max_cell_chars]
    return strip_controls(value)[0]


def _geojson_geometries(raw: list[Any]) -> list[Any]:
    """Shapely geometries of GeoJSON geometry members: plain Points in one vectorised call, the rest one
    by one; None for a missing one and the string "error" for one that cannot be understood."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    out: list[Any] = [None] * len(raw)
    point_at, xy = [], []
    for i, g in enumerate(raw):
        if not g:
            continue
        c = g.get("coordinates") if isinstance(g, dict) and g.get("type") == "Point" else None
        if isinstance(c, list) and len(c) in (2, 3) and all(type(v) in (int, float) for v in c):
            point_at.append(i)
            xy.append(c[:2])
            continue
        try:
            out[i] = shape(g)
        except Exception:  # noqa: BLE001 - bad or hostile geometry is reported by validation
            out[i] = "error"
    if xy:
        for i, pt in zip(point_at, shapely.points(np.asarray(xy, dtype=float))):
            out[i] = pt
    return out


def _scan_json(text: str, name: str, limits: Limits) -> None:
    """Refuse JSON whose shape would cost too much memory to load, from one streamed pass (ijson, C backend)
    that keeps nothing: nesting over HETU_MAX_NESTING, an object with more members than HETU_MAX_COLUMNS
    allows, or more values in all than HETU_MAX_CELLS (× 2, for coordinates) before json.loads builds them."""
    import ijson

    sizes: list[int] = []  # members of each open object
    values = 0
    try:
        for event, _ in ijson.basic_parse(io.BytesIO(text.encode("utf-8")), use_float=True):
            if event in ("start_map", "start_array"):
                sizes.append(0)
                if len(sizes) > limits.max_nesting:
                    raise refuse("error.json_nesting", name=name, limit=limits.max_nesting, setting="HETU_MAX_NESTING")
            elif event in ("end_map", "end_array"):
                sizes.pop()
            elif event == "map_key":
                sizes[-1] += 1
                if sizes[-1] > limits.max_columns + 50:
                    raise refuse("error.json_members", name=name, limit=limits.max_columns + 50, setting="HETU_MAX_COLUMNS")
            else:
                values += 1
                if values > 2 * limits.max_cells:
                    raise refuse("error.json_values", name=name, limit=2 * limits.max_cells, setting="HETU_MAX_CELLS")
    except ijson.JSONError as exc:
        raise DataError("error.bad_geojson", name=name, detail=exc) from exc


def read_geojson(path: Path, limits: Limits) -> SourceTable:
    """A GeoJSON FeatureCollection (or one Feature); honours a legacy "crs" member; nothing trusted."""
    text, encoding = decode_text(path.read_bytes(), path.name)
    _scan_json(text, path.name, limits)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError("error.bad_geojson_line", name=path.name, line=exc.lineno, detail=exc.msg) from exc
    except RecursionError as exc:
        raise refuse("error.json_too_deep", name=path.name) from exc
    del text
    features = [f if isinstance(f, dict) else {} for f in _features(doc, path.name, limits)]
    geometries = _geojson_geometries([f.get("geometry") for f in features])
    rows, headers = [], {}
    for i, (feat, geom) in enumerate(zip(features, geometries), start=1):
        raw = feat.get("properties")
        props = {str(k)[:200]: _json_value(v, limits) for k, v in raw.items()} if isinstance(raw, dict) else {}
        headers.update(dict.fromkeys(props))
        if isinstance(geom, str):
            props["__geometry_error__"] = "几何对象无法解析"
            geom = None
        rows.append(SourceRow(i, props, geom))
    if len(headers) > limits.max_columns:
        raise refuse("error.attributes_over", name=path.name, count=len(headers), limit=limits.max_columns,
              setting="HETU_MAX_COLUMNS")
    return SourceTable(str(path), "gis", list(headers), rows, _json_crs(doc if isinstance(doc, dict) else {}), encoding, None, [])


# --------------------------------------------------------------------------- KML / KMZ / GPX
def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _children(el, name: str) -> list:
    return [c for c in el if _local(c.tag) == name]


def _coords(text: str | None) -> list[tuple[float, float]]:
    pts = []
    for token in (text or "").split():
        parts = token.split(",")
        if len(parts) >= 2:
            pts.append((float(parts[0]), float(parts[1])))
    return pts


def _first_text(el, name: str) -> str | None:
    for c in el.iter():
        if _local(c.tag) == name:
            return (c.text or "").strip()
    return None


def _kml_geometry(el):
    """Shapely geometry of a KML geometry element (Point, LineString, LinearRing, Polygon, MultiGeometry)."""
    from shapely.geometry import GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon

    kind = _local(el.tag)
    if kind == "Point":
        pts = _coords(_first_text(el, "coordinates"))
        return Point(pts[0]) if pts else None
    if kind in ("LineString", "LinearRing"):
        pts = _coords(_first_text(el, "coordinates"))
        return LineString(pts) if len(pts) >= 2 else None
    if kind == "Polygon":
        outer, inner = _children(el, "outerBoundaryIs"), _children(el, "innerBoundaryIs")
        if not outer:
            return None
        shell = _coords(_first_text(outer[0], "coordinates"))
        holes = [_coords(_first_text(b, "coordinates")) for b in inner]
        return Polygon(shell, [h for h in holes if len(h) >= 3])
    if kind == "MultiGeometry":
        parts = [g for g in (_kml_geometry(c) for c in el) if g is not None]
        types = {p.geom_type for p in parts}
        multi = {"Polygon": MultiPolygon, "Point": MultiPoint, "LineString": MultiLineString}
        if len(types) == 1 and types <= set(multi):
            return multi[types.pop()](parts)
        return GeometryCollection(parts) if parts else None
    return None


KML_GEOMETRIES = ("Point", "LineString", "LinearRing", "Polygon", "MultiGeometry")


def _placemark(pm, number: int) -> SourceRow:
    """One KML Placemark: name, description, ExtendedData Data/SimpleData values as columns, geometry."""
    values: dict[str, Any] = {}
    for c in pm:
        if _local(c.tag) in ("name", "description") and (c.text or "").strip():
            values[_local(c.tag)] = c.text.strip()
    for el in pm.iter():
        tag = _local(el.tag)
        key = el.get("name") if tag in ("Data", "SimpleData") else None
        if key:
            text = _first_text(el, "value") if tag == "Data" else (el.text or "").strip()
            values[key.strip()[:200]] = text or None
    values = {k: strip_controls(v)[0] for k, v in values.items()}
    geom = None
    for c in pm:
        if _local(c.tag) in KML_GEOMETRIES:
            try:
                geom = _kml_geometry(c)
            except (ValueError, IndexError, TypeError) as exc:
                values["__geometry_error__"] = f"KML 坐标无法解析（{exc}）"
            break
    return SourceRow(number, values, geom)


def _gpx_waypoint(wpt, number: int) -> SourceRow:
    """One GPX waypoint: lat/lon attributes, its simple children (name, desc, ele, time…) and extensions as columns."""
    from shapely.geometry import Point

    values: dict[str, Any] = {}
    for el in wpt.iter():
        tag = _local(el.tag)
        if el is wpt or tag in ("extensions", "link") or len(el):
            continue
        text = (el.text or "").strip()
        if text:
            values.setdefault(tag[:200], strip_controls(text)[0])
    try:
        geom = Point(float(wpt.get("lon")), float(wpt.get("lat")))
    except (TypeError, ValueError):
        geom = None
        values["__geometry_error__"] = f"GPX 航点缺少有效的 lat/lon（{wpt.get('lat')}, {wpt.get('lon')}）"
    return SourceRow(number, values, geom)


def _element_budget(limits: Limits) -> int:
    """XML elements a KML/GPX may have: 20 per row allowed (and at most 2 × HETU_MAX_CELLS)."""
    return min(20 * limits.max_rows, 2 * limits.max_cells)


def _precount(fh, name: str, tag: str, limits: Limits) -> None:
    """Refuse before parsing when the raw bytes already hold more ``tag`` elements than the row limit.

    One pass in C over the bytes (``<tag`` plus half of the prefixed ``:tag``, an upper bound) costs
    little memory, so a 10⁶-placemark KMZ is refused without building any rows.
    """
    plain, prefixed, opening, closing = count_in_stream(fh, f"<{tag}".encode(), f":{tag}".encode(), b"<", b"</",
                                                         close=False)
    budget = _element_budget(limits)
    if opening - closing > budget:  # start tags (an upper bound): refuse before any element is built
        raise refuse("error.xml_elements", name=name, count=opening - closing, limit=budget, setting="HETU_MAX_ROWS")
    found = plain + prefixed // 2
    if found > limits.max_rows:
        raise refuse("error.features_over_about", name=name, count=found, limit=limits.max_rows, setting="HETU_MAX_ROWS")


def _stream_features(source, name: str, limits: Limits, tag: str, build) -> tuple[list[SourceRow], dict, int]:
    """Rows built from every ``tag`` element of a streamed XML parse; (rows, headers, tracks seen).

    Memory stays bounded: every element outside a feature is dropped from its parent as soon as it
    ends, a feature may hold at most 10,000 + 10 × HETU_MAX_COLUMNS elements, and the whole file at most
    20 × HETU_MAX_ROWS (and 2 × HETU_MAX_CELLS) elements.
    """
    rows: list[SourceRow] = []
    headers: dict[str, None] = {}
    stack: list[Any] = []
    open_features = tracks = inside = total = 0
    per_feature, budget = 10_000 + 10 * limits.max_columns, _element_budget(limits)
    for event, el in _xml_events(source, name, limits):
        local = _local(el.tag)
        if event == "start":
            stack.append(el)
            open_features += local == tag
            inside += open_features > 0
            total += 1
            if inside > per_feature or total > budget:
                raise refuse("error.xml_feature_elements", name=name, index=len(rows) + 1, per_feature=per_feature, limit=budget,
                      setting="HETU_MAX_COLUMNS/HETU_MAX_ROWS")
            continue
        stack.pop()
        if local == tag:
            open_features -= 1
            if open_features == 0:
                if len(rows) >= limits.max_rows:
                    raise refuse("error.features_over_limit", name=name, limit=limits.max_rows, setting="HETU_MAX_ROWS")
                row = build(el, len(rows) + 1)
                headers.update((k, None) for k in row.values if not k.startswith("__"))
                rows.append(row)
                inside = 0
        tracks += local in ("trk", "rte") and open_features == 0
        if open_features == 0 and stack:
            del stack[-1][-1]  # the element that just ended is its parent's last child: drop it
    if len(headers) > limits.max_columns:
        raise refuse("error.fields_over", name=name, count=len(headers), limit=limits.max_columns, setting="HETU_MAX_COLUMNS")
    return rows, headers, tracks


def parse_kml(source, path: Path, limits: Limits | None = None) -> SourceTable:
    """Placemarks of a KML document (``source``: bytes, a path or a binary file object), streamed."""
    limits = limits or Limits.from_settings()
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    if isinstance(source, Path):
        with source.open("rb") as fh:
            _precount(fh, path.name, "Placemark", limits)
            fh.seek(0)
            return parse_kml(fh, path, limits)
    rows, headers, _ = _stream_features(source, path.name, limits, "Placemark", _placemark)
    if not rows:
        raise DataError("error.kml_empty", name=path.name)
    return SourceTable(str(path), "gis", list(headers), rows, "EPSG:4326", "UTF-8", None,
                       ["KML 按规范为 WGS84 经纬度；如来自高德/百度等，请用 --crs gcj02/bd09 指定"])


def read_kmz(path: Path, limits: Limits) -> SourceTable:
    """The main KML (doc.kml, else the first .kml) inside a KMZ, streamed out of the zip."""
    with open_zip(path, limits) as zf:
        kmls = [n for n in zf.namelist() if n.lower().endswith(".kml")]
        if not kmls:
            raise DataError("error.kmz_empty", name=path.name)
        main = next((n for n in kmls if Path(n).name.lower() == "doc.kml"), kmls[0])
        with zf.open(main) as fh:
            _precount(fh, path.name, "Placemark", limits)
        with zf.open(main) as fh:
            return parse_kml(fh, path, limits)


def read_gpx(path: Path, limits: Limits) -> SourceTable:
    """The waypoints (wpt) of a GPX file as points with their name, desc, ele, time… as columns."""
    with path.open("rb") as fh:
        _precount(fh, path.name, "wpt", limits)
        fh.seek(0)
        rows, headers, tracks = _stream_features(fh, path.name, limits, "wpt", _gpx_waypoint)
    notes = [f"GPX 中的 {tracks} 条轨迹/路线未导入，只读取航点"] if tracks else []
    if not rows:
        raise DataError("error.gpx_empty", name=path.name)
    return SourceTable(str(path), "gis", list(headers), rows, "EPSG:4326", "UTF-8", None, notes)


# --------------------------------------------------------------------------- entry point
READERS = {
    ".xlsx": lambda p, o, lim: read_xlsx(p, o["sheet"], lim),
    ".xlsm": lambda p, o, lim: read_xlsx(p, o["sheet"], lim),
    ".csv": lambda p, o, lim: read_csv(p, lim, o["encoding"]),
    ".txt": lambda p, o, lim: read_csv(p, lim, o["encoding"]),
    ".tsv": lambda p, o, lim: read_csv(p, lim, o["encoding"]),
    ".zip": lambda p, o, lim: read_shapefile_zip(p, o["layer"], lim),
    ".geojson": lambda p, o, lim: read_geojson(p, lim),
    ".json": lambda p, o, lim: read_geojson(p, lim),
    ".kml": lambda p, o, lim: parse_kml(p, p, lim),
    ".kmz": lambda p, o, lim: read_kmz(p, lim),
    ".gpx": lambda p, o, lim: read_gpx(p, lim),
    ".gpkg": lambda p, o, lim: read_gpkg(p, o["layer"], lim),
}


def read_source(
    path: str | os.PathLike,
    *,
    sheet: str | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    max_bytes: int | None = None,
    limits: Limits | None = None,
) -> SourceTable:
    """Read any supported file into a :class:`SourceTable` after the upload gate (reader chosen by suffix,
    content checked against it).

    ``sheet`` picks an Excel sheet; ``layer`` a GeoPackage layer or the Shapefile in a zip;
    ``encoding`` forces a CSV encoding; ``limits`` (or ``max_bytes``) override the HETU_* limits.
    Every failure is a HetuError naming the file.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError("error.file_not_found", path=p)
    suffix = p.suffix.lower()
    if suffix == ".xls":
        raise DataError("error.xls_old", name=p.name)
    if suffix == ".shp":
        raise DataError("error.shp_alone", name=p.name)
    if suffix not in READERS:
        raise DataError("error.file_type", suffix=suffix, supported=list(SUPPORTED_SUFFIXES))
    limits = limits or Limits.from_settings(max_bytes)
    check_upload(p, limits)
    try:
        return READERS[suffix](p, {"sheet": sheet, "layer": layer, "encoding": encoding}, limits)
    except HetuError:
        raise
    except zipfile.BadZipFile as exc:
        raise DataError("error.bad_zip", name=p.name, detail=exc) from exc
    except RecursionError as exc:
        raise refuse("error.too_deep", name=p.name) from exc
    except MemoryError as exc:
        raise refuse("error.out_of_memory", name=p.name) from exc
    except Exception as exc:  # noqa: BLE001 - the last net: a damaged file never shows a traceback
        raise DataError("error.file_format", name=p.name, suffix=suffix, detail=f"{type(exc).__name__}: {str(exc)[:200]}") from exc
