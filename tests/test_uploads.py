"""The upload gate (gislib.io.uploads): type by content, zip checks, limits from the environment, safe
names, GDAL paths, the cleaning of abandoned uploads, and Streamlit's error details turned off."""
from __future__ import annotations

import io
import os
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from gislib.config import load_settings
from gislib.errors import ConfigError, DataError, ValidationError
from gislib.io.importer import read_source
from gislib.io.uploads import KEEP_MARKER, Limits, check_upload, clean_abandoned, gdal_path, safe_name, sniff_kind
from tests.hostile import vrt

REPO = Path(__file__).resolve().parents[1]
GPKG_HEAD = b"SQLite format 3\x00" + b"\x00" * 84


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("head, kind", [
    (b"PK\x03\x04rest", "zip"), (GPKG_HEAD, "sqlite"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"\x00\x00\x27\x0a" + b"\x00" * 20, "shp"), (vrt("CSV:/etc/passwd"), "vrt"),
    (b'<?xml version="1.0"?>\n<!-- c --><kml xmlns="http://www.opengis.net/kml/2.2">', "kml"),
    (b"\xef\xbb\xbf<gpx version='1.1'>", "gpx"), (b'  {"type": "FeatureCollection"}', "json"),
    ("编码,名称\nPT1,真如港\x00排口\n".encode("gbk"), "text"), (bytes(range(256)) * 4, "binary"),
])
def test_kind_is_read_from_content(head, kind):
    assert sniff_kind(head) == kind


@pytest.mark.parametrize("name, data, words", [
    ("排口.gpkg", vrt("/vsicurl/http://127.0.0.1:1/x.csv"), ("VRT",)),
    ("排口.csv", vrt("CSV:/etc/passwd"), ("VRT",)),
    ("排口.kml", vrt("CSV:/etc/passwd"), ("VRT",)),
    ("排口.gpkg", b"<kml><Placemark/></kml>", ("KML", "GeoPackage")),
    ("台账.xlsx", "编码,名称\nPT1,a\n".encode(), ("文本/CSV", "Excel")),
    ("台账.csv", _zip({"a.txt": b"x"}), ("ZIP", "文本/CSV")),
    ("排口.geojson", GPKG_HEAD, ("SQLite", "JSON")),
    ("台账.xlsx", _zip({"a.txt": b"x"}), ("不是 Excel 工作簿",)),
])
def test_content_must_match_the_name(tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValidationError) as exc:
        read_source(path)
    for word in (name, *words):
        assert word in str(exc.value)


@pytest.mark.parametrize("member, word", [
    ("/etc/cron.d/x.shp", "不安全"), ("C:/x.shp", "不安全"), ("a/../../x.shp", "不安全"),
    ("a\x1b[2J.shp", "不安全"), ("inner.zip", "嵌套"), ("data/inner.KMZ", "嵌套"),
])
def test_zip_member_names(tmp_path, member, word):
    path = tmp_path / "排口.zip"
    path.write_bytes(_zip({member: b"x"}))
    with pytest.raises(ValidationError, match=word):
        read_source(path)


def test_zip_member_count_and_ratio(tmp_path, monkeypatch):
    monkeypatch.setenv("HETU_MAX_ZIP_MEMBERS", "3")
    (tmp_path / "many.zip").write_bytes(_zip({f"f{i}.txt": b"x" for i in range(4)}))
    with pytest.raises(ValidationError, match="HETU_MAX_ZIP_MEMBERS"):
        read_source(tmp_path / "many.zip")
    (tmp_path / "ratio.kmz").write_bytes(_zip({"doc.kml": b"<kml>" + b" " * 2_000_000 + b"</kml>"}))
    with pytest.raises(ValidationError, match="压缩比 .*HETU_MAX_ZIP_RATIO"):
        read_source(tmp_path / "ratio.kmz")


def test_limits_come_from_the_environment_and_are_stated(tmp_path, monkeypatch):
    (tmp_path / "rows.csv").write_text("编码,名称\n" + "".join(f"PT{i},n{i}\n" for i in range(30)), encoding="utf-8")
    assert len(read_source(tmp_path / "rows.csv").rows) == 30
    monkeypatch.setenv("HETU_MAX_ROWS", "5")
    with pytest.raises(ValidationError, match=r"rows\.csv .*超过上限 5 行（HETU_MAX_ROWS）"):
        read_source(tmp_path / "rows.csv")
    monkeypatch.setenv("HETU_MAX_ROWS", "many")
    with pytest.raises(ConfigError, match="HETU_MAX_ROWS"):
        load_settings()


def test_wide_workbook_names_the_row(tmp_path, monkeypatch):
    monkeypatch.setenv("HETU_MAX_COLUMNS", "5")
    wb = Workbook()
    wb.active.append(["编码", "名称"])
    wb.active.append(["PT1", "a", None, None, None, None, None, "far"])
    wb.save(tmp_path / "wide.xlsx")
    with pytest.raises(ValidationError, match=r"wide\.xlsx 第 2 行有 8 列，超过上限 5 列（HETU_MAX_COLUMNS）"):
        read_source(tmp_path / "wide.xlsx")


def test_long_cell_in_a_workbook_names_row_and_column(tmp_path, monkeypatch):
    monkeypatch.setenv("HETU_MAX_CELL_CHARS", "100")
    wb = Workbook()
    wb.active.append(["编码", "名称"])
    wb.active.append(["PT1", "河" * 101])
    wb.save(tmp_path / "long.xlsx")
    with pytest.raises(ValidationError, match=r"long\.xlsx 第 2 行第 2 列有 101 个字符.*HETU_MAX_CELL_CHARS"):
        read_source(tmp_path / "long.xlsx")


def test_size_limit(tmp_path):
    (tmp_path / "big.csv").write_bytes(b"a,b\n" + b"1,2\n" * 1000)
    with pytest.raises(ValidationError, match=r"big\.csv 大小 4 KB，超过上限 1 KB（上传大小，HETU_MAX_UPLOAD_MB）"):
        check_upload(tmp_path / "big.csv", Limits(max_bytes=1024))
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ValidationError, match="空文件"):
        read_source(tmp_path / "empty.csv")


def test_gdal_never_gets_a_prefixed_path():
    with pytest.raises(ValidationError, match="虚拟文件系统"):
        gdal_path(Path("/vsicurl/http://127.0.0.1/x.csv"))
    assert gdal_path(Path("x.gpkg")).endswith("/x.gpkg")


def test_safe_names():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("a\x00b\r\nc.csv") == "abc.csv"
    assert safe_name(".hidden") == "hidden"
    long = safe_name("河" * 500 + ".xlsx")
    assert len(long) == 120 and long.endswith(".xlsx")


def test_abandoned_uploads_are_cleaned_imported_sources_kept(tmp_path):
    old = time.time() - 48 * 3600
    made = {}
    for area, name in (("uploads", "dry_run"), ("uploads", "imported"), ("uploads", "fresh"),
                       ("import_sessions", "s1"), ("tmp", "t1")):
        folder = tmp_path / area / name
        folder.mkdir(parents=True)
        (folder / "f.csv").write_text("x")
        made[name] = folder
    (made["imported"] / KEEP_MARKER).touch()
    for name in ("dry_run", "imported", "s1", "t1"):
        os.utime(made[name], (old, old))
    removed = clean_abandoned(tmp_path, max_age_hours=24)
    assert {p.name for p in removed} >= {"dry_run", "s1", "t1"}
    assert not made["dry_run"].exists() and not made["s1"].exists() and not made["t1"].exists()
    assert made["imported"].exists() and made["fresh"].exists()


def test_streamlit_shows_no_error_details():
    from streamlit.config import ShowErrorDetailsConfigOptions

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    value = config["client"]["showErrorDetails"]
    assert ShowErrorDetailsConfigOptions(value) is ShowErrorDetailsConfigOptions.NONE


def test_unexpected_reader_failures_become_data_errors(tmp_path):
    """A shapefile zip whose DBF header lies: GDAL's own error comes back as a DataError naming the file."""
    zpath = tmp_path / "broken.zip"
    zpath.write_bytes(_zip({"a.shp": b"\x00\x00\x27\x0a" + b"\x00" * 96, "a.shx": b"\x00\x00\x27\x0a" + b"\x00" * 96,
                            "a.dbf": b"\x03" + b"\xff" * 40}))
    with pytest.raises(DataError, match="broken.zip"):
        read_source(zpath)


def test_sqlite_that_is_not_a_geopackage_is_refused(tmp_path):
    """Magic bytes pass (it is SQLite) but it is no GeoPackage: a clear DataError naming the file."""
    import sqlite3

    path = tmp_path / "排口.gpkg"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE outfalls (code TEXT, name TEXT)")
        con.execute("INSERT INTO outfalls VALUES ('PT1', 'a')")
    with pytest.raises(DataError, match="排口.gpkg.*gpkg_contents"):
        read_source(path)


def test_cell_count_is_checked_before_parsing(tmp_path, monkeypatch):
    wb = Workbook()
    for i in range(6):
        wb.active.append([f"PT{i}", "名称"])
    wb.save(tmp_path / "cells.xlsx")
    assert len(read_source(tmp_path / "cells.xlsx").rows) == 5
    monkeypatch.setenv("HETU_MAX_CELLS", "10")
    with pytest.raises(ValidationError, match=r"cells\.xlsx 约有 12 个单元格，超过上限 10（HETU_MAX_CELLS）"):
        read_source(tmp_path / "cells.xlsx")
    (tmp_path / "cells.csv").write_text("".join(f"PT{i},名称\n" for i in range(6)), encoding="utf-8")
    with pytest.raises(ValidationError, match=r"cells\.csv 到第 6 行已有超过 10 个单元格（HETU_MAX_CELLS）"):
        read_source(tmp_path / "cells.csv")
