"""gislib.io.uploads: the one gate every uploaded file passes before any reader parses it.

What the gate checks, for pages and CLIs alike (importer, ``quality``, ``soil-check``, ``dust-check``,
sample imports):

* size: at most ``HETU_MAX_UPLOAD_MB``;
* type by CONTENT (magic bytes), never by extension: a ``.gpkg`` must start with the SQLite header, a
  ``.zip``/``.xlsx``/``.kmz`` with ``PK``, a ``.kml``/``.gpx`` must be KML/GPX XML, a ``.csv`` text; a GDAL
  VRT (XML that makes GDAL read other files or URLs) is refused whatever it is called;
* zips: member count, unsafe names (absolute, ``..``, drive letters, NUL), nested archives, the total
  uncompressed size and the compression ratio (zip bombs), all from the central directory before
  anything is extracted;
* rows, columns and characters per cell while readers stream (:func:`bounded_rows`);
* GDAL: network and virtual file systems off (:func:`gdal_lockdown`), paths handed to GDAL never
  carry a ``/vsi…`` or ``DRIVER:`` prefix (:func:`gdal_path`).

Every refusal is a :class:`~gislib.errors.ValidationError` naming the file (row, field) and what to do,
in Chinese then English. Limits come from :class:`gislib.config.Settings` and are stated in the message.
"""
from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gislib.errors import ValidationError

KINDS = ("zip", "sqlite", "ole2", "shp", "vrt", "kml", "gpx", "xml", "json", "text", "pdf", "image", "binary")
SUFFIX_KINDS = {  # what the content of a file with this suffix must be
    ".xlsx": "zip", ".xlsm": "zip", ".zip": "zip", ".kmz": "zip",
    ".csv": "text", ".txt": "text", ".tsv": "text",
    ".geojson": "json", ".json": "json", ".kml": "kml", ".gpx": "gpx", ".gpkg": "sqlite", ".xls": "ole2",
}
KIND_NAMES = {  # (中文, English) for messages
    "zip": ("ZIP 压缩包/Excel 工作簿", "a ZIP archive or Excel workbook"),
    "sqlite": ("SQLite/GeoPackage 数据库", "an SQLite/GeoPackage database"),
    "ole2": ("旧版 Office 文件（.xls/.doc）", "an old Office file (.xls/.doc)"),
    "shp": ("Shapefile 几何文件", "a Shapefile geometry file"),
    "vrt": ("GDAL VRT 虚拟数据源（可读取服务器文件或网址）", "a GDAL VRT (it would read server files or URLs)"),
    "kml": ("KML", "KML"), "gpx": ("GPX", "GPX"), "xml": ("其他 XML", "other XML"),
    "json": ("JSON/GeoJSON", "JSON/GeoJSON"), "text": ("文本/CSV", "text/CSV"), "pdf": ("PDF", "PDF"),
    "image": ("图片", "an image"), "binary": ("未知的二进制内容", "unknown binary content"),
}
NESTED_ARCHIVES = (".zip", ".kmz", ".xlsx", ".xlsm", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz")
GDAL_LOCKDOWN = {
    # /vsicurl/ only opens names ending in an allowed extension: none can match, so no URL is fetched
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".hetu-network-reads-are-off",
    "GDAL_HTTP_TIMEOUT": "1", "GDAL_HTTP_CONNECTTIMEOUT": "1", "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_PROXY": "127.0.0.1:9", "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "ALLOW_VIRTUAL_OGR_FROM_TRIGGER_AND_VIEW": "NO",
    "ALLOW_OGR_SQL_FUNCTIONS_FROM_TRIGGER_AND_VIEW": "NO",
    "OGR_SQLITE_LOAD_EXTENSIONS": "",
}
_PREFIX = re.compile(r"^(/vsi[a-z0-9_]*/|[A-Za-z][A-Za-z0-9_ ]+:)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Limits:
    """What one upload may cost; from :class:`gislib.config.Settings` unless given."""

    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 250_000
    max_columns: int = 300
    max_cell_chars: int = 32_767
    max_cells: int = 5_000_000
    max_unzipped_bytes: int = 150 * 1024 * 1024
    max_zip_ratio: int = 100
    max_zip_members: int = 1000
    max_nesting: int = 64

    @classmethod
    def from_settings(cls, max_bytes: int | None = None) -> Limits:
        """The limits in force (HETU_* variables); ``max_bytes`` overrides the size limit."""
        from gislib.config import load_settings

        s = load_settings()
        size = max_bytes or s.max_upload_bytes
        return cls(size, s.max_rows, s.max_columns, s.max_cell_chars, s.max_cells,
                   min(s.max_unzipped_mb * 1024 * 1024, 8 * size), s.max_zip_ratio, s.max_zip_members, s.max_nesting)


def _size(n: int) -> str:
    """Bytes for messages: "150 MB", "2.2 MB", "300 KB"."""
    if n < 1048576:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1048576:.0f} MB" if n >= 10 * 1048576 else f"{n / 1048576:.1f} MB"


def refuse(zh: str, en: str, field: str | None = "file") -> ValidationError:
    """The gate's error: Chinese first, then the same in English."""
    return ValidationError(f"{zh} {en}", field=field)


# --------------------------------------------------------------------------- type by content
def sniff_kind(head: bytes) -> str:
    """The kind of content (one of :data:`KINDS`) from the first bytes (4 KB is plenty)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if head.startswith(b"\x00\x00\x27\x0a"):
        return "shp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    text = _head_text(head)
    if text is None:
        return "binary"
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _xml_kind(stripped)
    if stripped.startswith(("{", "[")):
        return "json"
    return "text"


def _head_text(head: bytes) -> str | None:
    """The first bytes as text (UTF-8/UTF-16/GB18030, a cut multi-byte character forgiven), None if binary."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if head.count(b"\x00") > max(2, len(head) // 100):  # a stray NUL in a name is text; many NULs are binary
        return None
    head = head.replace(b"\x00", b"")
    for enc in ("utf-8", "gb18030"):
        try:
            return head.decode(enc)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut at the end of the sample
                return head[: exc.start].decode(enc, errors="ignore")
    return None


def _xml_kind(text: str) -> str:
    low = text[:4096].lower()
    if "<ogrvrtdatasource" in low or "<vrtdataset" in low:
        return "vrt"
    body = re.sub(r"<!--.*?-->", "", low, flags=re.S)
    root = re.search(r"<(?![?!])(?:[a-z_][\w.\-]*:)?([a-z_][\w.\-]*)", body)
    return {"kml": "kml", "gpx": "gpx"}.get(root.group(1) if root else "", "xml")


def check_upload(path: str | Path, limits: Limits | None = None, expect: str | None = None) -> str:
    """Size and type-by-content of one upload; its kind. ``expect`` defaults from the suffix."""
    p = Path(path)
    limits = limits or Limits.from_settings()
    size = p.stat().st_size
    if size > limits.max_bytes:
        raise refuse(f"文件 {p.name} 大小 {_size(size)}，超过上限 {_size(limits.max_bytes)}（上传大小，HETU_MAX_UPLOAD_MB）。请拆分文件后再上传。",
                     f"The file is over the {_size(limits.max_bytes)} upload limit; split it.")
    if size == 0:
        raise refuse(f"文件 {p.name} 是空文件。请重新选择文件。", "The file is empty; choose it again.")
    with p.open("rb") as fh:
        kind = sniff_kind(fh.read(4096))
    want = expect or SUFFIX_KINDS.get(p.suffix.lower())
    if kind == "vrt":
        raise refuse(f"文件 {p.name} 的内容是{KIND_NAMES['vrt'][0]}，出于安全原因拒绝读取。请上传真正的数据文件（GPKG、SHP、KML、GeoJSON、Excel、CSV）。",
                     "GDAL VRT files are refused for safety; upload the data itself.")
    if want and kind != want and not (want == "text" and kind in ("json", "xml")):
        raise refuse(f"文件 {p.name} 的扩展名是「{p.suffix}」，但内容是{KIND_NAMES[kind][0]}，不是{KIND_NAMES[want][0]}（按文件内容判断）。请确认文件没有被改名，或用原软件重新导出。",
                     f"The content is {KIND_NAMES[kind][1]}, not {KIND_NAMES[want][1]} as the name says; export the file again.")
    return kind


def check_zip(zf: zipfile.ZipFile, name: str, limits: Limits, allow_nested: bool = False) -> None:
    """Refuse unsafe names, nested archives and zip bombs, from the central directory only."""
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        raise refuse(f"压缩包 {name} 含 {len(infos)} 个文件，超过上限 {limits.max_zip_members}（HETU_MAX_ZIP_MEMBERS）。请只打包需要导入的数据。",
                     f"The archive has over {limits.max_zip_members} members; pack only the data.")
    total = 0
    for info in infos:
        _check_member_name(info.filename, name, allow_nested)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_zip_ratio and info.file_size > 1_000_000:
            raise refuse(f"压缩包 {name} 中「{safe_name(info.filename)}」压缩比 {ratio:.0f}:1，超过上限 {limits.max_zip_ratio}:1（HETU_MAX_ZIP_RATIO，疑似压缩炸弹），已拒绝。",
                         f"A member is compressed {ratio:.0f}:1, over the {limits.max_zip_ratio}:1 limit (possible zip bomb).")
        if total > limits.max_unzipped_bytes:
            raise refuse(f"压缩包 {name} 解压后超过 {_size(limits.max_unzipped_bytes)}（HETU_MAX_UNZIPPED_MB，疑似压缩炸弹）。请拆分数据后再导入。",
                         f"The archive expands to over {_size(limits.max_unzipped_bytes)} (possible zip bomb); split the data.")


def _check_member_name(member: str, name: str, allow_nested: bool) -> None:
    norm = member.replace("\\", "/")
    unsafe = (norm.startswith("/") or re.match(r"^[A-Za-z]:", norm) or ".." in norm.split("/")
              or _CONTROL.search(norm) or len(norm) > 1024)
    if unsafe:
        raise refuse(f"压缩包 {name} 含不安全的路径「{safe_name(member)}」（绝对路径、..、控制字符或过长），已拒绝。请重新打包。",
                     "The archive holds an unsafe member path; pack it again.")
    if not allow_nested and norm.lower().endswith(NESTED_ARCHIVES) and "__macosx" not in norm.lower():
        raise refuse(f"压缩包 {name} 里又含压缩包「{safe_name(member)}」，不支持嵌套压缩包。请解开后直接打包数据文件。",
                     "Archives inside archives are not read; pack the data files directly.")


def open_zip(path: Path, limits: Limits, allow_nested: bool = False) -> zipfile.ZipFile:
    """A checked :class:`zipfile.ZipFile` (caller closes it); ValidationError/DataError otherwise."""
    from gislib.errors import DataError

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DataError(f"{path.name} 不是有效的压缩文件（{exc}）。请确认文件完整。 Not a valid zip file.") from exc
    try:
        check_zip(zf, path.name, limits, allow_nested)
    except BaseException:
        zf.close()
        raise
    return zf


def check_xlsx(path: Path, limits: Limits) -> None:
    """An .xlsx passes the zip checks, has a workbook part, and no more shared strings than it has cells
    (nor 3 × HETU_MAX_ROWS): counted in C-speed passes before openpyxl builds them all, ~15 µs each."""
    with open_zip(path, limits) as zf:
        names = set(zf.namelist())
        if "[Content_Types].xml" not in names or not any(n.lower().startswith("xl/workbook") for n in names):
            raise refuse(f"文件 {path.name} 是压缩包，但不是 Excel 工作簿（缺少 xl/workbook.xml）。请在 Excel/WPS 中另存为 .xlsx。",
                         "This zip is not an Excel workbook; save it again as .xlsx.")
        sheets = [n for n in names if n.lower().startswith("xl/worksheets/") and n.lower().endswith(".xml")]
        cells = sum(sum(count_in_stream(zf.open(n), b"<c ", b":c ")) for n in sheets)
        if cells > limits.max_cells:
            raise refuse(f"文件 {path.name} 约有 {cells:,} 个单元格，超过上限 {limits.max_cells:,}（HETU_MAX_CELLS）。请拆分工作簿后分批导入。",
                         f"The workbook has about {cells:,} cells, over the {limits.max_cells:,} limit; split it.")
        shared = next((n for n in names if n.lower() == "xl/sharedstrings.xml"), None)
        count = count_in_stream(zf.open(shared), b"si>") // 2 if shared else 0
        if count > 1000:  # more distinct texts than cells can only be a bomb
            cap = min(cells + 1000, 3 * limits.max_rows)  # and at most three distinct texts per row
            if count > cap:
                raise refuse(f"文件 {path.name} 含约 {count:,} 个不同的文本，超过上限 {cap:,}（表格单元格数，且不超过 HETU_MAX_ROWS 的 3 倍），疑似恶意文件。请拆分工作簿或重新保存后再导入。",
                             f"The workbook holds about {count:,} distinct texts, over the {cap:,} limit (its cells, at most 3 × HETU_MAX_ROWS).")


def count_in_stream(fh, token: bytes, *more: bytes, close: bool = True) -> int | tuple[int, ...]:
    """How often ``token`` (and each of ``more``) occurs in a binary stream read in 4 MB blocks, in one pass."""
    tokens = (token, *more)
    found, tail = [0] * len(tokens), b""
    keep = max(len(t) for t in tokens) - 1
    try:
        while chunk := fh.read(4 * 1024 * 1024):
            block = tail + chunk
            tail = block[-keep:] if keep else b""
            for i, t in enumerate(tokens):  # matches inside the tail are counted with the next block
                found[i] += block.count(t) - tail.count(t)
    finally:
        if close:
            fh.close()
    found = [f + tail.count(t) for f, t in zip(found, tokens)]
    return found[0] if not more else tuple(found)


# --------------------------------------------------------------------------- streaming limits
def bounded_rows(rows: Iterable[Any], name: str, limits: Limits, first_line: int = 1) -> Iterator[list]:
    """The rows of a table (as lists, unchanged), stopping with a clear refusal past the row, column or
    cell-size limits. Rows are numbered from ``first_line`` as the spreadsheet shows them (Excel row, CSV line).
    """
    cells = 0
    for n, raw in enumerate(rows, start=first_line):
        if n - first_line >= limits.max_rows + 20:  # + room for title rows and the header
            raise refuse(f"文件 {name} 超过 {limits.max_rows:,} 行（HETU_MAX_ROWS）。请拆分成多个文件分批导入。",
                         f"The file has over {limits.max_rows:,} rows; split it into several files.")
        row = raw if isinstance(raw, list) else list(raw)
        width = len(row)
        while width and (row[width - 1] is None or row[width - 1] == ""):
            width -= 1
        cells += width
        if cells > limits.max_cells:
            raise refuse(f"文件 {name} 到第 {n} 行已有超过 {limits.max_cells:,} 个单元格（HETU_MAX_CELLS）。请拆分成多个文件分批导入。",
                         f"The file has over {limits.max_cells:,} cells by row {n}; split it into several files.")
        if width > limits.max_columns:
            raise refuse(f"文件 {name} 第 {n} 行有 {width} 列，超过上限 {limits.max_columns} 列（HETU_MAX_COLUMNS）。请删除多余的列。",
                         f"Row {n} has over {limits.max_columns} columns; delete the extra columns.", field=None)
        for j in range(width):
            value = row[j]
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise refuse(f"文件 {name} 第 {n} 行第 {j + 1} 列有 {len(value):,} 个字符，超过单元格上限 {limits.max_cell_chars:,}（HETU_MAX_CELL_CHARS）。请缩短该单元格。",
                             f"Row {n}, column {j + 1} is over {limits.max_cell_chars:,} characters; shorten it.", field=None)
        yield row


def csv_rows(reader, name: str, limits: Limits) -> Iterator[list[str]]:
    """csv.reader rows; a broken or oversized field becomes a refusal naming the line."""
    import csv

    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise refuse(f"文件 {name} 第 {reader.line_num} 行无法解析：单元格超过 {limits.max_cell_chars:,} 个字符（HETU_MAX_CELL_CHARS）或引号不配对（{exc}）。请检查该行。",
                         f"Line {reader.line_num} cannot be read: a cell is too long or a quote is unbalanced.", field=None) from exc
        yield row


def gate_text(path: Path, limits: Limits | None = None) -> tuple[str, str]:
    """(text, encoding) of an uploaded CSV/TXT after the gate and a line-count limit."""
    from gislib.io.textio import decode_text

    limits = limits or Limits.from_settings()
    check_upload(path, limits, expect="text")
    text, encoding = decode_text(Path(path).read_bytes(), Path(path).name)
    check_line_count(text, Path(path).name, limits)
    return text, encoding


def check_line_count(text: str, name: str, limits: Limits) -> None:
    """Refuse a text with more rows than HETU_MAX_ROWS before any row is built: a C-speed line count,
    then (only when the lines exceed the limit) a count of CSV records, so quoted line breaks are forgiven."""
    import csv
    import io

    cap = limits.max_rows + 20  # room for title rows and the header, as in bounded_rows
    lines = text.count("\n")
    if lines <= cap:
        return
    rows = lines
    if lines <= 2 * limits.max_rows:
        try:
            rows = sum(1 for _ in csv.reader(io.StringIO(text)))
        except csv.Error:  # an oversized or broken field: the streaming reader names its line
            return
    if rows > cap:
        raise refuse(f"文件 {name} 有 {rows:,} 行，超过上限 {limits.max_rows:,} 行（HETU_MAX_ROWS）。请拆分成多个文件分批导入。",
                     f"The file has {rows:,} rows, over the {limits.max_rows:,} row limit; split it.")


def check_frame_cells(frame, name: str, limits: Limits | None = None) -> None:
    """Refuse a DataFrame of text read from a CSV (header on line 1) with a cell over HETU_MAX_CELL_CHARS."""
    limits = limits or Limits.from_settings()
    if len(frame.columns) > limits.max_columns:
        raise refuse(f"文件 {name} 有 {len(frame.columns)} 列，超过上限 {limits.max_columns} 列（HETU_MAX_COLUMNS）。请删除多余的列。",
                      f"The file has over {limits.max_columns} columns; delete the extra columns.")
    for j, column in enumerate(frame.columns):
        lengths = frame[column].astype(str).str.len()
        if len(lengths) and lengths.max() > limits.max_cell_chars:
            line = int(lengths.to_numpy().argmax()) + 2
            raise refuse(f"文件 {name} 第 {line} 行第 {j + 1} 列有 {int(lengths.max()):,} 个字符，超过单元格上限 {limits.max_cell_chars:,}（HETU_MAX_CELL_CHARS）。请缩短该单元格。",
                         f"Line {line}, column {j + 1} is over {limits.max_cell_chars:,} characters; shorten it.", field=None)


def read_grid(path: str | Path, dialect_for=None, limits: Limits | None = None) -> list[list]:
    """Every row of a CSV/TXT (or the first sheet of an .xlsx) as lists of raw cells, through the gate.

    ``dialect_for(text)`` gives the CSV delimiter or dialect (default ``,``). The xlsx is streamed
    against its real rows, not its declared size. For the sample tables of ``quality``,
    ``soil-check`` and ``dust-check`` and their pages.
    """
    import csv
    import io

    from gislib.errors import DataError

    p = Path(path)
    limits = limits or Limits.from_settings()
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        check_upload(p, limits)
        check_xlsx(p, limits)
        from openpyxl import load_workbook

        try:
            book = load_workbook(p, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several unrelated types for broken files
            raise DataError(f"{p.name}: 无法读取 Excel 文件（{exc}）；请确认文件完好、未加密并另存为 .xlsx。 The workbook cannot be read.") from exc
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()
            return list(bounded_rows(sheet.iter_rows(values_only=True), p.name, limits))
        finally:
            book.close()
    text, _ = gate_text(p, limits)
    dialect = dialect_for(text) if dialect_for else ","
    options = {"delimiter": dialect} if isinstance(dialect, str) else {"dialect": dialect}
    reader = csv.reader(io.StringIO(text), **options)
    return list(bounded_rows(csv_rows(reader, p.name, limits), p.name, limits))


def strip_controls(value: Any) -> tuple[Any, bool]:
    """A text without control characters (tab, CR, LF kept) and whether any were removed."""
    if not isinstance(value, str) or value.isprintable():
        return value, False
    cleaned = _CONTROL.sub("", value)
    return cleaned, cleaned != value


def safe_name(name: str, limit: int = 120) -> str:
    """A file name fit to show and store: no control characters, no path, at most ``limit`` characters."""
    text = _CONTROL.sub("", str(name)).replace("\r", "").replace("\n", "").replace("\t", " ")
    text = re.split(r"[\\/]", text)[-1].strip().lstrip(".") or "file"
    if len(text) > limit:
        stem, dot, suffix = text.rpartition(".")
        keep = f".{suffix}" if dot and len(suffix) <= 10 else ""
        text = (stem if keep else text)[: limit - len(keep)] + keep
    return text


# --------------------------------------------------------------------------- GDAL
_LOCKED = False


def gdal_lockdown() -> None:
    """Turn GDAL's network and virtual file systems off for pyogrio (idempotent)."""
    global _LOCKED
    if _LOCKED:
        return
    import pyogrio

    pyogrio.set_gdal_config_options(GDAL_LOCKDOWN)
    _LOCKED = True


def gdal_path(path: Path) -> str:
    """The absolute path to give GDAL; refuses ``/vsi…`` and ``DRIVER:`` prefixes."""
    text = str(Path(path).resolve())
    if _PREFIX.match(text) or not text.startswith("/"):
        raise refuse(f"路径「{safe_name(text)}」带有 GDAL 虚拟文件系统或驱动前缀，拒绝读取。",
                     "Paths with a GDAL virtual file system or driver prefix are refused.")
    return text


def gdal_read(path: Path, driver: str, name: str, limits: Limits, **kwargs):
    """A GeoDataFrame read by pyogrio with the named ``driver`` only (checked before reading)."""
    import pyogrio

    from gislib.errors import DataError

    gdal_lockdown()
    target = gdal_path(path)
    try:
        info = pyogrio.read_info(target, layer=kwargs.get("layer"), encoding=kwargs.get("encoding"))
    except Exception as exc:  # noqa: BLE001 - GDAL errors come in several types
        raise DataError(f"无法读取 {name}（{exc}）。请确认文件完整。 The file could not be read.") from exc
    if info.get("driver") != driver:
        raise refuse(f"文件 {name} 被识别为 {info.get('driver')}，不是预期的 {driver}，拒绝读取。请用原软件重新导出。",
                     f"The file opened as {info.get('driver')}, not {driver}; export it again.")
    count, fields = int(info.get("features") or 0), len(info.get("fields", []))
    if count > limits.max_rows:
        raise refuse(f"文件 {name} 有 {count:,} 个要素，超过上限 {limits.max_rows:,}（HETU_MAX_ROWS）。请拆分后分批导入。",
                     f"The file has over {limits.max_rows:,} features; split it.")
    if fields > limits.max_columns:
        raise refuse(f"文件 {name} 有 {fields} 个字段，超过上限 {limits.max_columns}（HETU_MAX_COLUMNS）。请删除多余的字段。",
                     f"The file has over {limits.max_columns} fields; delete the extra ones.")
    try:
        return pyogrio.read_dataframe(target, **kwargs)
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"无法读取 {name}（{exc}）。请确认文件完整。 The file could not be read.") from exc


# --------------------------------------------------------------------------- abandoned uploads
KEEP_MARKER = ".imported"  # an upload folder holding this file was imported: it is the record's source, kept
ABANDONED_AREAS = ("uploads", "import_sessions", "tmp")  # under HETU_DATA_DIR
TEMP_PREFIXES = ("hetu_upload_", "hetu_shp_", "hetu_rej_", "hetu_export_", "hetu_sample_")


def mark_imported(path: Path) -> None:
    """Keep the upload folder of ``path`` for good: its rows were written to the store."""
    (Path(path).parent / KEEP_MARKER).touch()


def clean_abandoned(data_dir: Path, max_age_hours: float, now: float | None = None) -> list[Path]:
    """Delete abandoned uploads older than ``max_age_hours``; the paths removed.

    Abandoned: entries of ``HETU_DATA_DIR/uploads`` without the :data:`KEEP_MARKER` (dry runs nobody
    confirmed), everything in ``import_sessions`` and ``tmp`` there, and Hetu's own temporary
    folders (``hetu_upload_…`` and friends) left in the system temp folder by a crashed run.
    """
    import shutil
    import tempfile

    now = time.time() if now is None else now
    candidates = [e for area in ABANDONED_AREAS if (Path(data_dir) / area).is_dir()
                  for e in (Path(data_dir) / area).iterdir()]
    candidates += [e for e in Path(tempfile.gettempdir()).glob("hetu_*") if e.name.startswith(TEMP_PREFIXES)]
    removed: list[Path] = []
    for entry in candidates:
        try:
            if now - entry.lstat().st_mtime < max_age_hours * 3600 or (entry / KEEP_MARKER).exists():
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:  # gone meanwhile, or not ours to delete
            continue
    return removed
