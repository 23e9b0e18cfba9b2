"""Hostile (and big honest) upload files, generated on demand: nothing large is committed.

Each generator writes one file into ``folder`` and returns its path. ``CASES`` lists them with the
outcome a safe reader must reach: ``"refused"`` (a HetuError whose message names the file and
contains the given words) or ``"read"`` (the rows that must come out).
"""
from __future__ import annotations

import io
import json
import random
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

PASSWD_VRT = """<OGRVRTDataSource>
  <OGRVRTLayer name="layer">
    <SrcDataSource>{src}</SrcDataSource>
    <SrcLayer>{layer}</SrcLayer>
  </OGRVRTLayer>
</OGRVRTDataSource>
"""


def vrt(src: str) -> bytes:
    """A GDAL VRT whose layer is ``src`` (a local file through ``CSV:`` or a URL through ``/vsicurl/``)."""
    return PASSWD_VRT.format(src=src, layer=Path(src.rsplit("/", 1)[-1]).stem).encode()


def vrt_as_gpkg(folder: Path, src: str = "CSV:/etc/passwd", name: str = "排口.gpkg") -> Path:
    path = folder / name
    path.write_bytes(vrt(src))
    return path


def vrt_in_zip(folder: Path, src: str = "CSV:/etc/passwd", name: str = "排口.zip") -> Path:
    """A "Shapefile" zip whose .shp is a VRT (with .shx/.dbf beside it, as GDAL wants)."""
    path = folder / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("排口.shp", vrt(src))
        zf.writestr("排口.shx", vrt(src))
        zf.writestr("排口.dbf", b"\x03" + b"\x00" * 31)
    return path


def xlsx_dimension_bomb(folder: Path, far_row: bool = False) -> Path:
    """A ~5 KB workbook that declares A1:XFD1048576; with ``far_row`` it also has a cell on row 1048576."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["排口编码", "排口名称", "经度", "纬度"])
    ws.append(["PT001", "真如港排口", 121.40, 31.25])
    ws.append(["PT002", "桃浦河排口", 121.41, 31.26])
    buf = io.BytesIO()
    wb.save(buf)
    path = folder / ("far_row.xlsx" if far_row else "dimension.xlsx")
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = text.replace('<dimension ref="A1:D3"/>', '<dimension ref="A1:XFD1048576"/>')
                if far_row:
                    text = text.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
                data = text.encode()
            dst.writestr(item, data)
    return path


def xlsx_shared_strings_bomb(folder: Path, count: int = 740_000) -> Path:
    """A 2 MB workbook of two rows whose shared-string table holds ``count`` distinct texts
    (openpyxl builds them all before the first row: ~15 µs each)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["排口编码", "排口名称"])
    wb.active.append(["PT001", "真如港排口"])
    buf = io.BytesIO()
    wb.save(buf)
    path = folder / "shared_strings.xlsx"
    rel = (b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    override = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            data = data.replace(b"</Relationships>", rel) if item.filename == "xl/_rels/workbook.xml.rels" else data
            data = data.replace(b"</Types>", override) if item.filename == "[Content_Types].xml" else data
            dst.writestr(item, data)
        with dst.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                     b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (count, count))
            for i in range(0, count, 100_000):
                fh.write(b"".join(b"<si><t>%07d</t></si>" % j for j in range(i, min(count, i + 100_000))))
            fh.write(b"</sst>")
    return path


def _dbf_header(records: int, width: int) -> bytes:
    header = struct.pack("<BBBBIHH20x", 0x03, 26, 1, 1, records, 32 + 32 + 1, 1 + width)
    fld = struct.pack("<11sc4xBB14x", b"NAME", b"C", width, 0)
    return header + fld + b"\r"


def low_ratio_zip_bomb(folder: Path, megabytes: int = 390) -> Path:
    """A zipped "Shapefile" whose DBF expands to ``megabytes`` MB at about 50:1 (under any ratio limit)."""
    path = folder / "rivers_bomb.zip"
    rnd = random.Random(7)
    block = bytes(rnd.getrandbits(8) for _ in range(1300)) + b" " * (64 * 1024 - 1300)  # ~50:1
    width = 250
    records = megabytes * 1024 * 1024 // (width + 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("rivers.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96)
        zf.writestr("rivers.shx", b"\x00\x00\x27\x0a" + b"\x00" * 96)
        with zf.open("rivers.dbf", "w", force_zip64=True) as fh:
            fh.write(_dbf_header(records, width))
            written = 0
            while written < megabytes * 1024 * 1024:
                fh.write(block)
                written += len(block)
    return path


def deep_geojson(folder: Path, depth: int = 100_000) -> Path:
    path = folder / "deep.geojson"
    props = "[" * depth + "]" * depth
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":' + props
                    + '},"geometry":{"type":"Point","coordinates":[121.4,31.2]}}]}', encoding="utf-8")
    return path


def wide_geojson(folder: Path, members: int = 1_000_000) -> Path:
    """One feature with a million properties: json.loads alone would hold ~700 MB at 4 million."""
    path = folder / "wide.geojson"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{')
        fh.write(",".join(f'"k{i:07d}":1' for i in range(members)))
        fh.write("}}]}")
    return path


def deep_kml(folder: Path, depth: int = 100_000) -> Path:
    path = folder / "deep.kml"
    path.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><Document>' + "<Folder>" * depth
                    + "<Placemark><name>a</name></Placemark>" + "</Folder>" * depth + "</Document></kml>", encoding="utf-8")
    return path


def kml_wide_placemark(folder: Path, members: int = 200_000) -> Path:
    """One Placemark with 200,000 ExtendedData values (the tree of one feature is held until it ends)."""
    path = folder / "wide.kml"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>a</name><ExtendedData>')
        fh.write("".join(f'<Data name="k{i}"><value>1</value></Data>' for i in range(members)))
        fh.write("</ExtendedData><Point><coordinates>121.4,31.2</coordinates></Point></Placemark></Document></kml>")
    return path


def kml_many_elements(folder: Path, count: int = 6_000_000) -> Path:
    """45 MB of empty elements outside any Placemark, which a tree parser would keep."""
    path = folder / "many_elements.kml"
    with path.open("wb") as fh:
        fh.write(b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>')
        block = b"<a/>" * 100_000
        for _ in range(count // 100_000):
            fh.write(block)
        fh.write(b"<Placemark><name>a</name><Point><coordinates>121.4,31.2</coordinates></Point></Placemark></Document></kml>")
    return path


def csv_big_cell(folder: Path, megabytes: int = 10) -> Path:
    path = folder / "big_cell.csv"
    path.write_text("排口编码,排口名称,经度,纬度\nPT001,真如港排口,121.40,31.25\nPT002,\"" + "河" * (megabytes * 1024 * 1024 // 3)
                    + "\",121.41,31.26\n", encoding="utf-8")
    return path


def zip_named_csv(folder: Path) -> Path:
    """A zip bomb renamed to .csv: refused by content before anything is decoded."""
    path = folder / "readings.csv"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.txt", b"0" * 5_000_000)
    return path


def csv_nul_name(folder: Path) -> Path:
    path = folder / "nul_name.csv"
    path.write_bytes("排口编码,排口名称,经度,纬度\nPT001,真如港\x00排口,121.40,31.25\nPT002,桃浦河排口,121.41,31.26\n".encode())
    return path


def geojson_odd_members(folder: Path) -> Path:
    """``crs`` a string, ``properties`` a list, a string and a nested object, one feature not an object."""
    path = folder / "odd.geojson"
    pt = {"type": "Point", "coordinates": [121.4, 31.2]}
    doc = {"type": "FeatureCollection", "crs": "EPSG:3857", "features": [
        {"type": "Feature", "properties": [1, 2], "geometry": pt},
        {"type": "Feature", "properties": "abc", "geometry": pt},
        {"type": "Feature", "properties": {"name": "排口", "extra": {"a": [1, 2]}}, "geometry": pt},
        "not a feature",
        {"type": "Feature", "properties": {"name": "bad geometry"}, "geometry": {"type": "Point", "coordinates": "x"}},
    ]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def geojson_features_string(folder: Path) -> Path:
    path = folder / "features_abc.geojson"
    path.write_text('{"type":"FeatureCollection","features":"abc"}', encoding="utf-8")
    return path


def shapefile_in_subfolder(folder: Path) -> Path:
    """A real Shapefile zipped under 数据/2024/ with upper-case suffixes, as Windows tools pack it."""
    import geopandas as gpd
    from shapely.geometry import Point

    shp_dir = folder / "shp"
    shp_dir.mkdir()
    gdf = gpd.GeoDataFrame({"编码": ["PT001", "PT002"], "名称": ["真如港排口", "桃浦河排口"]},
                           geometry=[Point(121.40, 31.25), Point(121.41, 31.26)], crs="EPSG:4326")
    gdf.to_file(shp_dir / "outfalls.shp", engine="pyogrio", encoding="UTF-8")
    path = folder / "sub_folder.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f"数据/2024/OUTFALLS{f.suffix.upper()}")
    return path


def _csv_rows(path: Path, rows: int, pad: int = 0) -> Path:
    rnd = random.Random(3)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("排口编码,排口名称,排口类型,经度,纬度,备注\n")
        for i in range(rows):
            fh.write(f"PT{i:07d},排口{i},城镇雨洪排口,{121.3 + rnd.random() * 0.2:.6f},{31.2 + rnd.random() * 0.1:.6f},"
                     f"{'备' * pad}\n")
    return path


def csv_47mb(folder: Path) -> Path:
    """47 MB of honest-looking rows: about 770,000, far over the row limit."""
    return _csv_rows(folder / "ledger_47mb.csv", 770_000)


def csv_300k_rows(folder: Path) -> Path:
    """A file just over the row limit that the line count alone cannot refuse (so it streams to the cap)."""
    return _csv_rows(folder / "ledger_300k.csv", 300_000, pad=20)


def csv_200k_rows(folder: Path) -> Path:
    """The honest big ledger: 200,000 rows must be read."""
    return _csv_rows(folder / "ledger_200k.csv", 200_000)


def kmz_million_placemarks(folder: Path, count: int = 1_000_000) -> Path:
    path = folder / "survey_1e6.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("doc.kml", "w", force_zip64=True) as fh:
        fh.write(b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>')
        chunk = []
        for i in range(count):
            chunk.append(f"<Placemark><name>P{i}</name><Point><coordinates>121.{i % 1000:03d},31.2</coordinates></Point></Placemark>")
            if len(chunk) == 10_000:
                fh.write("".join(chunk).encode())
                chunk = []
        fh.write("".join(chunk).encode() + b"</Document></kml>")
    return path


def kml_fields(folder: Path) -> Path:
    """A field app's KML: ExtendedData Data values and SchemaData/SimpleData as columns."""
    path = folder / "field_app.kml"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Schema name="s" id="s"><SimpleField name="编码" type="string"/></Schema>
<Placemark><name>真如港排口</name><description>编码:PT0001</description>
  <ExtendedData><Data name="类型"><value>城镇雨洪排口</value></Data>
  <SchemaData schemaUrl="#s"><SimpleData name="编码">PT0001</SimpleData></SchemaData></ExtendedData>
  <Point><coordinates>121.40,31.25,0</coordinates></Point></Placemark>
<Placemark><name>桃浦河排口</name>
  <ExtendedData><SchemaData schemaUrl="#s"><SimpleData name="编码">PT0002</SimpleData></SchemaData></ExtendedData>
  <Point><coordinates>121.41,31.26</coordinates></Point></Placemark>
</Document></kml>""", encoding="utf-8")
    return path


def gpx_waypoints(folder: Path) -> Path:
    path = folder / "两步路_航点.gpx"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="field app" xmlns="http://www.topografix.com/GPX/1/1">
<wpt lat="31.25" lon="121.40"><ele>4.2</ele><time>2026-11-20T02:00:00Z</time><name>PT0001</name><desc>真如港排口</desc>
  <extensions><type>城镇雨洪排口</type></extensions></wpt>
<wpt lat="31.26" lon="121.41"><name>PT0002</name><desc>桃浦河排口</desc></wpt>
<trk><name>巡河轨迹</name><trkseg><trkpt lat="31.25" lon="121.40"/><trkpt lat="31.26" lon="121.41"/></trkseg></trk>
</gpx>""", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Case:
    """One file and the outcome a safe reader must reach."""

    make: Callable[[Path], Path]
    outcome: str  # "refused" or "read"
    words: tuple[str, ...] = ()  # words the refusal message must contain
    rows: int | None = None  # rows a "read" must give
    check: dict = field(default_factory=dict)  # header → value expected in row 1


CASES: dict[str, Case] = {
    "vrt_as_gpkg_local_file": Case(vrt_as_gpkg, "refused", ("VRT",)),
    "vrt_in_zip_local_file": Case(vrt_in_zip, "refused", ("不是 Shapefile",)),
    "xlsx_dimension_bomb": Case(xlsx_dimension_bomb, "read", rows=2, check={"排口编码": "PT001"}),
    "xlsx_shared_strings_bomb": Case(xlsx_shared_strings_bomb, "refused", ("不同的文本", "HETU_MAX_ROWS")),
    "xlsx_row_1048576": Case(lambda f: xlsx_dimension_bomb(f, far_row=True), "refused", ("HETU_MAX_ROWS",)),
    "low_ratio_zip_bomb": Case(low_ratio_zip_bomb, "refused", ("解压后", "HETU_MAX_UNZIPPED_MB")),
    "deep_geojson": Case(deep_geojson, "refused", ("嵌套",)),
    "geojson_wide_object": Case(wide_geojson, "refused", ("字段", "HETU_MAX_COLUMNS")),
    "deep_kml": Case(deep_kml, "refused", ("嵌套", "HETU_MAX_NESTING")),
    "kml_wide_placemark": Case(kml_wide_placemark, "refused", ("XML 元素", "HETU_MAX_COLUMNS")),
    "kml_many_elements": Case(kml_many_elements, "refused", ("XML 元素", "HETU_MAX_ROWS 的 20 倍")),
    "csv_10mb_cell": Case(csv_big_cell, "refused", ("第 3 行", "HETU_MAX_CELL_CHARS")),
    "csv_nul_in_name": Case(csv_nul_name, "read", rows=2, check={"排口名称": "真如港排口"}),
    "geojson_non_dict_crs_properties": Case(geojson_odd_members, "read", rows=5, check={}),
    "geojson_features_abc": Case(geojson_features_string, "refused", ("features", "列表")),
    "shapefile_in_subfolder": Case(shapefile_in_subfolder, "read", rows=2, check={"编码": "PT001", "名称": "真如港排口"}),
    "csv_47mb": Case(csv_47mb, "refused", ("HETU_MAX_ROWS",)),
    "csv_300k_rows": Case(csv_300k_rows, "refused", ("HETU_MAX_ROWS",)),
    "kmz_1e6_placemarks": Case(kmz_million_placemarks, "refused", ("HETU_MAX_ROWS",)),
    "csv_200k_rows_honest": Case(csv_200k_rows, "read", rows=200_000, check={"排口编码": "PT0000000"}),
    "kml_extended_and_simple_data": Case(kml_fields, "read", rows=2, check={"编码": "PT0001", "类型": "城镇雨洪排口"}),
    "gpx_waypoints": Case(gpx_waypoints, "read", rows=2, check={"name": "PT0001", "desc": "真如港排口", "type": "城镇雨洪排口"}),
}
