"""gislib.importer.readers: read whatever officers bring, safely, into rows that remember their origin.

Formats: .xlsx/.xlsm (openpyxl), .csv/.txt (UTF-8, UTF-8 BOM, GBK/GB18030; delimiter sniffed),
.zip with a Shapefile (.cpg honoured, else GBK/UTF-8 detected from the DBF bytes), .geojson/.json,
.kml/.kmz (own XML parser: Placemark name, ExtendedData Data/SimpleData, Point/LineString/Polygon),
.gpkg (first layer unless named).

Safety: file size limit (default 50 MB), zip members checked (no absolute paths or "..", total
uncompressed size and ratio limits against zip bombs), XML with DOCTYPE/ENTITY refused.

Row numbers: tables count data rows from 1 (the first row under the header is row 1); GIS files
count features from 1 in file order.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gislib.errors import DataError, ValidationError
from gislib.textio import decode_text  # noqa: F401  (part of this module's API)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_FACTOR = 8  # a zip may expand to at most 8 × max_bytes in total
MAX_COMPRESSION_RATIO = 400  # per member over 10 MB; real xlsx/shp reach ~20–100, deflate bombs ~1000
MAX_ZIP_MEMBERS = 2000
TABLE_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".tsv")
GIS_SUFFIXES = (".zip", ".shp", ".geojson", ".json", ".kml", ".kmz", ".gpkg")
SUPPORTED_SUFFIXES = TABLE_SUFFIXES + GIS_SUFFIXES


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

    @property
    def name(self) -> str:
        return Path(self.path).name


# --------------------------------------------------------------------------- safety
def check_size(path: Path, max_bytes: int) -> None:
    """ValidationError when the file is larger than ``max_bytes``."""
    size = path.stat().st_size
    if size > max_bytes:
        raise ValidationError(
            f"文件 {path.name} 大小 {size / 1e6:.1f} MB，超过上限 {max_bytes / 1e6:.0f} MB。"
            "请拆分文件，或由管理员调高导入大小上限。", field="file")


def check_zip(zf: zipfile.ZipFile, name: str, max_bytes: int) -> None:
    """Refuse unsafe member paths and zip bombs (total size and compression-ratio limits)."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ValidationError(f"压缩包 {name} 含 {len(infos)} 个文件，超过上限 {MAX_ZIP_MEMBERS}。请只打包需要导入的数据。", field="file")
    total = 0
    for info in infos:
        member = info.filename.replace("\\", "/")
        if member.startswith("/") or re.match(r"^[A-Za-z]:", member) or ".." in member.split("/"):
            raise ValidationError(f"压缩包 {name} 含不安全的路径「{info.filename}」（绝对路径或 ..），已拒绝。请重新打包。", field="file")
        total += info.file_size
        if info.compress_size and info.file_size / max(info.compress_size, 1) > MAX_COMPRESSION_RATIO and info.file_size > 10_000_000:
            raise ValidationError(f"压缩包 {name} 中「{info.filename}」压缩比异常（疑似压缩炸弹），已拒绝。", field="file")
    if total > max_bytes * MAX_UNCOMPRESSED_FACTOR:
        raise ValidationError(
            f"压缩包 {name} 解压后共 {total / 1e6:.0f} MB，超过上限 {max_bytes * MAX_UNCOMPRESSED_FACTOR / 1e6:.0f} MB（疑似压缩炸弹）。"
            "请拆分数据后再导入。", field="file")


def safe_xml(data: bytes, name: str) -> ET.Element:
    """Parse XML after refusing DOCTYPE/ENTITY declarations (no entity expansion, no external entities)."""
    head = data.upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise ValidationError(f"{name} 含 DOCTYPE/ENTITY 声明，出于安全原因拒绝解析。请用 Google Earth/奥维等软件重新导出 KML。", field="file")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise DataError(f"{name} 不是有效的 XML/KML（{exc}）。请确认文件完整、未被截断。") from exc


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


def _table_from_matrix(path: Path, matrix: list[list[Any]], encoding: str | None, layer: str | None) -> SourceTable:
    if not matrix:
        raise DataError(f"{path.name} 是空文件，没有表头和数据。")
    h = _pick_header_row(matrix)
    headers = _unique_headers(matrix[h])
    rows: list[SourceRow] = []
    notes = [f"表头在第 {h + 1} 行（其上的标题行已跳过）"] if h else []
    for n, raw in enumerate(matrix[h + 1:], start=h + 2):  # row numbers as the spreadsheet shows them
        if all(_is_empty(v) for v in raw):
            continue
        if len(raw) > len(headers):
            extra = [v for v in raw[len(headers):] if not _is_empty(v)]
            if extra:
                for j in range(len(headers), len(raw)):
                    headers.append(f"列{j + 1}")
        values = {hdr: (raw[j] if j < len(raw) else None) for j, hdr in enumerate(headers)}
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
        values = {k: (None if v == "" else v) for k, v in values.items()}
        rows.append(SourceRow(n, values))
    return SourceTable(str(path), "table", headers, rows, None, encoding, layer, notes)


# --------------------------------------------------------------------------- tables
def read_xlsx(path: Path, sheet: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceTable:
    """First sheet (or ``sheet``) of an .xlsx workbook; title rows above the header are skipped."""
    from openpyxl import load_workbook

    with zipfile.ZipFile(path) as zf:
        check_zip(zf, path.name, max_bytes)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise DataError(f"无法打开 Excel 文件 {path.name}（{exc}）。请确认是 .xlsx 格式（旧 .xls 请另存为 .xlsx）。") from exc
    try:
        if sheet:
            if sheet not in wb.sheetnames:
                raise ValidationError(f"{path.name} 中没有名为「{sheet}」的工作表。现有：{'、'.join(wb.sheetnames)}。", field="sheet")
            ws = wb[sheet]
        else:
            ws = wb[wb.sheetnames[0]]
        matrix = [list(r) for r in ws.iter_rows(values_only=True)]
        name = ws.title
    finally:
        wb.close()
    return _table_from_matrix(path, matrix, None, name)


def sniff_delimiter(text: str) -> str:
    """The delimiter (, ; tab | or full-width ，) giving the most columns consistently on the first lines."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:30]
    best, best_score = ",", (0, 0)
    for d in (",", "\t", ";", "|", "，"):
        counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = (counts.count(mode) if mode > 1 else 0, mode)
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, encoding: str | None = None) -> SourceTable:
    """A CSV/TXT table; encoding detected (UTF-8/BOM/GBK) unless given, delimiter sniffed."""
    data = path.read_bytes()
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(f"{path.name} 不能按 {encoding} 解码（{exc}）。不指定编码可自动识别。") from exc
    else:
        text, encoding = decode_text(data, path.name)
    delimiter = sniff_delimiter(text)
    matrix = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    table = _table_from_matrix(path, matrix, encoding, None)
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
    """"UTF-8" or "GBK" for the records of a DBF without .cpg (tries UTF-8 strictly first)."""
    if len(dbf) < 32:
        return "UTF-8"
    header_len = int.from_bytes(dbf[8:10], "little")
    body = dbf[header_len:]
    # field names live in the header; they may be non-ASCII too
    sample = dbf[32:header_len] + body
    if all(b < 0x80 for b in sample):
        return "UTF-8"
    try:
        sample.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("gb18030")
        return "GBK"
    except UnicodeDecodeError:
        return "UTF-8"


def _cpg_encoding(text: str) -> str:
    t = text.strip().upper()
    return {"936": "GBK", "CP936": "GBK", "65001": "UTF-8", "UTF8": "UTF-8", "GB2312": "GBK"}.get(t, t or "UTF-8")


def read_shapefile_zip(path: Path, layer: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceTable:
    """A zipped Shapefile (.shp/.shx/.dbf[/.prj/.cpg]); the one named ``layer`` when there are several."""
    import geopandas as gpd

    with zipfile.ZipFile(path) as zf:
        check_zip(zf, path.name, max_bytes)
        members = [n for n in zf.namelist() if not n.endswith("/") and "__MACOSX" not in n]
        shps = [n for n in members if n.lower().endswith(".shp")]
        if not shps:
            raise DataError(f"压缩包 {path.name} 中没有 .shp 文件。请把同名的 .shp/.shx/.dbf/.prj（及 .cpg）一起打包。")
        if layer:
            shps = [n for n in shps if Path(n).stem == layer]
            if not shps:
                raise ValidationError(f"压缩包 {path.name} 中没有名为「{layer}」的 Shapefile。", field="layer")
        elif len(shps) > 1:
            names = "、".join(Path(n).stem for n in shps)
            raise ValidationError(f"压缩包 {path.name} 含多个 Shapefile（{names}），请指定要导入的图层名。", field="layer")
        shp = shps[0]
        stem = shp[:-4]
        siblings = {n[len(stem):].lower(): n for n in members if n[: len(stem)] == stem and n[len(stem):].startswith(".")}
        for needed in (".dbf", ".shx"):
            if needed not in siblings:
                raise DataError(f"压缩包 {path.name} 中缺少 {Path(stem).name}{needed}。Shapefile 需要 .shp、.shx、.dbf 三个文件同时打包。")
        notes: list[str] = []
        with tempfile.TemporaryDirectory(prefix="hetu_shp_") as tmp:
            for suffix, member in siblings.items():
                (Path(tmp) / f"layer{suffix}").write_bytes(zf.read(member))
            if ".cpg" in siblings:
                encoding = _cpg_encoding(zf.read(siblings[".cpg"]).decode("ascii", errors="ignore"))
                notes.append(f"按 .cpg 使用编码 {encoding}")
            else:
                encoding = dbf_encoding(zf.read(siblings[".dbf"]))
                notes.append(f"无 .cpg 文件，根据 DBF 内容判断编码为 {encoding}")
            if ".prj" not in siblings:
                notes.append("无 .prj 文件，坐标系将按坐标值判断")
            try:
                gdf = gpd.read_file(Path(tmp) / "layer.shp", engine="pyogrio", encoding=encoding)
            except Exception as exc:  # GDAL errors come in several types
                raise DataError(f"无法读取 Shapefile {Path(stem).name}（{exc}）。请确认文件完整。") from exc
    return _table_from_gdf(path, gdf, Path(stem).name, encoding, notes)


def read_gpkg(path: Path, layer: str | None = None) -> SourceTable:
    """A GeoPackage layer (the first one unless ``layer`` names another)."""
    import geopandas as gpd
    import pyogrio

    try:
        layers = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"无法打开 GeoPackage {path.name}（{exc}）。") from exc
    if not layers:
        raise DataError(f"GeoPackage {path.name} 中没有图层。")
    if layer and layer not in layers:
        raise ValidationError(f"GeoPackage {path.name} 中没有图层「{layer}」。现有：{'、'.join(layers)}。", field="layer")
    name = layer or layers[0]
    gdf = gpd.read_file(path, layer=name, engine="pyogrio")
    notes = [f"读取图层「{name}」（共 {len(layers)} 个图层）"] if len(layers) > 1 else []
    return _table_from_gdf(path, gdf, name, "UTF-8", notes)


def read_geojson(path: Path) -> SourceTable:
    """A GeoJSON FeatureCollection (or one Feature); honours a legacy "crs" member."""
    from shapely.geometry import shape

    text, encoding = decode_text(path.read_bytes(), path.name)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path.name} 不是有效的 GeoJSON（第 {exc.lineno} 行：{exc.msg}）。") from exc
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features") or []
    else:
        raise DataError(f"{path.name} 不是 GeoJSON FeatureCollection/Feature。")
    crs = "EPSG:4326"
    named = ((doc.get("crs") or {}).get("properties") or {}).get("name") if isinstance(doc.get("crs"), dict) else None
    if named:
        m = re.search(r"EPSG:{1,2}(\d+)", str(named))
        if m:
            crs = f"EPSG:{m.group(1)}"
        elif "CRS84" in str(named):
            crs = "EPSG:4326"
    rows, headers = [], []
    for i, feat in enumerate(features, start=1):
        props = dict((feat or {}).get("properties") or {})
        for k in props:
            if k not in headers:
                headers.append(k)
        geom = None
        if (feat or {}).get("geometry"):
            try:
                geom = shape(feat["geometry"])
            except Exception:  # noqa: BLE001 - bad geometry is reported by validation
                geom = None
                props["__geometry_error__"] = "几何对象无法解析"
        rows.append(SourceRow(i, props, geom))
    return SourceTable(str(path), "gis", headers, rows, crs, encoding, None, [])


# --------------------------------------------------------------------------- KML / KMZ
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _find_all(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el.iter() if _local(c.tag) == name]


def _coords(text: str | None) -> list[tuple[float, float]]:
    pts = []
    for token in (text or "").split():
        parts = token.split(",")
        if len(parts) >= 2:
            pts.append((float(parts[0]), float(parts[1])))
    return pts


def _kml_geometry(el: ET.Element):
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
        outer = [b for b in _children(el, "outerBoundaryIs")]
        inner = [b for b in _children(el, "innerBoundaryIs")]
        if not outer:
            return None
        shell = _coords(_first_text(outer[0], "coordinates"))
        holes = [_coords(_first_text(b, "coordinates")) for b in inner]
        return Polygon(shell, [h for h in holes if len(h) >= 3])
    if kind == "MultiGeometry":
        parts = [g for g in (_kml_geometry(c) for c in el) if g is not None]
        if parts and all(p.geom_type == "Polygon" for p in parts):
            return MultiPolygon(parts)
        if parts and all(p.geom_type == "Point" for p in parts):
            return MultiPoint(parts)
        if parts and all(p.geom_type == "LineString" for p in parts):
            return MultiLineString(parts)
        return GeometryCollection(parts) if parts else None
    return None


def _first_text(el: ET.Element, name: str) -> str | None:
    for c in el.iter():
        if _local(c.tag) == name:
            return (c.text or "").strip()
    return None


def parse_kml(data: bytes, path: Path) -> SourceTable:
    """Placemarks of a KML document: name, description, ExtendedData values and geometry."""
    root = safe_xml(data, path.name)
    rows, headers = [], []
    geometry_tags = ("Point", "LineString", "LinearRing", "Polygon", "MultiGeometry")
    for i, pm in enumerate(_find_all(root, "Placemark"), start=1):
        values: dict[str, Any] = {}
        for c in pm:
            if _local(c.tag) in ("name", "description") and (c.text or "").strip():
                values[_local(c.tag)] = c.text.strip()
        for data_el in _find_all(pm, "Data"):
            key = data_el.get("name")
            if key:
                values[key] = _first_text(data_el, "value") or None
        for sd in _find_all(pm, "SimpleData"):
            key = sd.get("name")
            if key:
                values[key] = (sd.text or "").strip() or None
        geom = None
        for c in pm:
            if _local(c.tag) in geometry_tags:
                try:
                    geom = _kml_geometry(c)
                except (ValueError, IndexError) as exc:
                    values["__geometry_error__"] = f"KML 坐标无法解析（{exc}）"
                break
        for k in values:
            if k not in headers and not k.startswith("__"):
                headers.append(k)
        rows.append(SourceRow(i, values, geom))
    if not rows:
        raise DataError(f"{path.name} 中没有 Placemark（地标）。请确认导出时选择了要素。")
    return SourceTable(str(path), "gis", headers, rows, "EPSG:4326", "UTF-8", None,
                       ["KML 按规范为 WGS84 经纬度；如来自高德/百度等，请用 --crs gcj02/bd09 指定"])


def read_kmz(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceTable:
    """The main KML (doc.kml, else the first .kml) inside a KMZ."""
    with zipfile.ZipFile(path) as zf:
        check_zip(zf, path.name, max_bytes)
        kmls = [n for n in zf.namelist() if n.lower().endswith(".kml")]
        if not kmls:
            raise DataError(f"KMZ {path.name} 中没有 .kml 文件。")
        main = next((n for n in kmls if Path(n).name.lower() == "doc.kml"), kmls[0])
        data = zf.read(main)
    table = parse_kml(data, path)
    return table


# --------------------------------------------------------------------------- entry point
def read_source(
    path: str | os.PathLike,
    *,
    sheet: str | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> SourceTable:
    """Read any supported file into a :class:`SourceTable` (format from the suffix).

    ``sheet`` picks an Excel sheet; ``layer`` a GeoPackage layer or the Shapefile in a zip;
    ``encoding`` forces a CSV encoding.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"找不到文件 {p}。请检查路径。")
    check_size(p, max_bytes)
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return read_xlsx(p, sheet, max_bytes)
        if suffix in (".csv", ".txt", ".tsv"):
            return read_csv(p, max_bytes, encoding)
        if suffix == ".zip":
            return read_shapefile_zip(p, layer, max_bytes)
        if suffix in (".geojson", ".json"):
            return read_geojson(p)
        if suffix == ".kml":
            return parse_kml(p.read_bytes(), p)
        if suffix == ".kmz":
            return read_kmz(p, max_bytes)
        if suffix == ".gpkg":
            return read_gpkg(p, layer)
        if suffix == ".shp":
            raise DataError(f"{p.name} 是单独的 .shp 文件。请把 .shp/.shx/.dbf/.prj/.cpg 一起压缩成 .zip 再导入。")
    except zipfile.BadZipFile as exc:
        raise DataError(f"{p.name} 不是有效的压缩文件（{exc}）。请确认文件完整。") from exc
    if suffix == ".xls":
        raise DataError(f"{p.name} 是旧版 .xls 格式。请在 Excel/WPS 中另存为 .xlsx 后再导入。")
    raise DataError(f"不支持的文件类型「{suffix}」。支持：{', '.join(SUPPORTED_SUFFIXES)}。")

