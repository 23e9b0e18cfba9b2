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

from gislib.errors import Phrase, ValidationError

KINDS = (  # named for people by the catalog keys error.kind.<kind>
    "zip", "sqlite", "ole2", "shp", "vrt", "kml", "gpx", "xml", "json", "text", "pdf", "image", "binary")
SUFFIX_KINDS = {  # what the content of a file with this suffix must be
    ".xlsx": "zip", ".xlsm": "zip", ".zip": "zip", ".kmz": "zip",
    ".csv": "text", ".txt": "text", ".tsv": "text",
    ".geojson": "json", ".json": "json", ".kml": "kml", ".gpx": "gpx", ".gpkg": "sqlite", ".xls": "ole2",
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


def refuse(key: str, field: str | None = "file", **params) -> ValidationError:
    """The gate's error: a catalog key (gislib/messages/errors_io.py) and its parameters; ``field`` is the
    input it blames (the file by default, None for one row or cell)."""
    return ValidationError(key, field=field, **params)


def kind_name(kind: str) -> Phrase:
    """The kind of content (:data:`KINDS`) as people read it, in the error's language."""
    return Phrase(f"error.kind.{kind}")


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
        raise refuse("error.upload_too_big", name=p.name, size=_size(size), limit=_size(limits.max_bytes), setting="HETU_MAX_UPLOAD_MB")
    if size == 0:
        raise refuse("error.upload_empty", name=p.name)
    with p.open("rb") as fh:
        kind = sniff_kind(fh.read(4096))
    want = expect or SUFFIX_KINDS.get(p.suffix.lower())
    if kind == "vrt":
        raise refuse("error.upload_vrt", name=p.name, kind=kind_name("vrt"))
    if want and kind != want and not (want == "text" and kind in ("json", "xml")):
        raise refuse("error.upload_kind", name=p.name, suffix=p.suffix, kind=kind_name(kind), want=kind_name(want))
    return kind


def check_zip(zf: zipfile.ZipFile, name: str, limits: Limits, allow_nested: bool = False) -> None:
    """Refuse unsafe names, nested archives and zip bombs, from the central directory only."""
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        raise refuse("error.zip_members", name=name, count=len(infos), limit=limits.max_zip_members, setting="HETU_MAX_ZIP_MEMBERS")
    total = 0
    for info in infos:
        _check_member_name(info.filename, name, allow_nested)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_zip_ratio and info.file_size > 1_000_000:
            raise refuse("error.zip_ratio", name=name, member=safe_name(info.filename), ratio=ratio, limit=limits.max_zip_ratio,
                  setting="HETU_MAX_ZIP_RATIO")
        if total > limits.max_unzipped_bytes:
            raise refuse("error.zip_unzipped", name=name, limit=_size(limits.max_unzipped_bytes), setting="HETU_MAX_UNZIPPED_MB")


def _check_member_name(member: str, name: str, allow_nested: bool) -> None:
    norm = member.replace("\\", "/")
    unsafe = (norm.startswith("/") or re.match(r"^[A-Za-z]:", norm) or ".." in norm.split("/")
              or _CONTROL.search(norm) or len(norm) > 1024)
    if unsafe:
        raise refuse("error.zip_unsafe_path", name=name, member=safe_name(member))
    if not allow_nested and norm.lower().endswith(NESTED_ARCHIVES) and "__macosx" not in norm.lower():
        raise refuse("error.zip_nested", name=name, member=safe_name(member))


def open_zip(path: Path, limits: Limits, allow_nested: bool = False) -> zipfile.ZipFile:
    """A checked :class:`zipfile.ZipFile` (caller closes it); ValidationError/DataError otherwise."""
    from gislib.errors import DataError

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DataError("error.bad_zip", name=path.name, detail=exc) from exc
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
            raise refuse("error.xlsx_not_workbook", name=path.name)
        sheets = [n for n in names if n.lower().startswith("xl/worksheets/") and n.lower().endswith(".xml")]
        cells = sum(sum(count_in_stream(zf.open(n), b"<c ", b":c ")) for n in sheets)
        if cells > limits.max_cells:
            raise refuse("error.xlsx_cells", name=path.name, count=cells, limit=limits.max_cells, setting="HETU_MAX_CELLS")
        shared = next((n for n in names if n.lower() == "xl/sharedstrings.xml"), None)
        count = count_in_stream(zf.open(shared), b"si>") // 2 if shared else 0
        if count > 1000:  # more distinct texts than cells can only be a bomb
            cap = min(cells + 1000, 3 * limits.max_rows)  # and at most three distinct texts per row
            if count > cap:
                raise refuse("error.xlsx_strings", name=path.name, count=count, limit=cap, setting="HETU_MAX_ROWS")


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
            raise refuse("error.rows_over", name=name, limit=limits.max_rows, setting="HETU_MAX_ROWS")
        row = raw if isinstance(raw, list) else list(raw)
        width = len(row)
        while width and (row[width - 1] is None or row[width - 1] == ""):
            width -= 1
        cells += width
        if cells > limits.max_cells:
            raise refuse("error.cells_over_by_row", name=name, row=n, limit=limits.max_cells, setting="HETU_MAX_CELLS")
        if width > limits.max_columns:
            raise refuse("error.row_too_wide", field=None, name=name, row=n, count=width, limit=limits.max_columns,
                  setting="HETU_MAX_COLUMNS")
        for j in range(width):
            value = row[j]
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise refuse("error.cell_too_long", field=None, name=name, row=n, column=j + 1, count=len(value),
                      limit=limits.max_cell_chars, setting="HETU_MAX_CELL_CHARS")
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
            raise refuse("error.csv_line_broken", field=None, name=name, row=reader.line_num, limit=limits.max_cell_chars,
                  setting="HETU_MAX_CELL_CHARS", detail=exc) from exc
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
        raise refuse("error.rows_over_count", name=name, count=rows, limit=limits.max_rows, setting="HETU_MAX_ROWS")


def check_frame_cells(frame, name: str, limits: Limits | None = None) -> None:
    """Refuse a DataFrame of text read from a CSV (header on line 1) with a cell over HETU_MAX_CELL_CHARS."""
    limits = limits or Limits.from_settings()
    if len(frame.columns) > limits.max_columns:
        raise refuse("error.columns_over", name=name, count=len(frame.columns), limit=limits.max_columns, setting="HETU_MAX_COLUMNS")
    for j, column in enumerate(frame.columns):
        lengths = frame[column].astype(str).str.len()
        if len(lengths) and lengths.max() > limits.max_cell_chars:
            line = int(lengths.to_numpy().argmax()) + 2
            raise refuse("error.cell_too_long", field=None, name=name, row=line, column=j + 1, count=int(lengths.max()),
                  limit=limits.max_cell_chars, setting="HETU_MAX_CELL_CHARS")


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
            raise DataError("error.bad_workbook", name=p.name, detail=exc) from exc
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


def table_frame(path: str | Path, limits: Limits | None = None):
    """THE table reader for the sample/readings commands and pages: a CSV/TXT (UTF-8/BOM/UTF-16/GBK, delimiter
    sniffed as the importer does) or the first .xlsx sheet, through the gate, as a DataFrame of cell TEXT
    (the first row the headers, stripped and made unique; empty cells ""; blank rows left out)."""
    import pandas as pd

    from gislib.io.readers import sniff_delimiter

    grid = [[_cell_text(v) for v in row] for row in read_grid(path, sniff_delimiter, limits)]
    grid = [row for row in grid if any(row)]
    if not grid:
        return pd.DataFrame()
    seen: dict[str, int] = {}
    headers = []
    for h in grid[0]:  # a repeated header becomes "PM10.1", as pandas names it
        headers.append(h if h not in seen else f"{h}.{seen[h]}")
        seen[h] = seen.get(h, 0) + 1
    width = len(headers)
    body = [(row + [""] * width)[:width] for row in grid[1:]]
    return pd.DataFrame(body, columns=headers, dtype=str)


def _cell_text(raw: Any) -> str:
    """A cell as text: "" for empty, 12 for the float 12.0 Excel stores, else its text without outer spaces."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


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
        raise refuse("error.gdal_prefix", path=safe_name(text))
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
        raise DataError("error.unreadable_file", name=name, detail=exc) from exc
    if info.get("driver") != driver:
        raise refuse("error.gdal_driver", name=name, driver=info.get("driver"), expected=driver)
    count, fields = int(info.get("features") or 0), len(info.get("fields", []))
    if count > limits.max_rows:
        raise refuse("error.features_over", name=name, count=count, limit=limits.max_rows, setting="HETU_MAX_ROWS")
    if fields > limits.max_columns:
        raise refuse("error.fields_over", name=name, count=fields, limit=limits.max_columns, setting="HETU_MAX_COLUMNS")
    try:
        return pyogrio.read_dataframe(target, **kwargs)
    except Exception as exc:  # noqa: BLE001
        raise DataError("error.unreadable_file", name=name, detail=exc) from exc


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
