"""gislib.reports.ledger: the filtered ledger (台账) export and seeding the store from a GeoDataFrame.

CLI: ``python -m gislib ledger --layer outfalls --out FILE.xlsx|FILE.csv [--subdistrict X]
[--river X] [--type X] [--state X] [--overdue] [--data-dir DIR]``. Headers are Chinese; CSV is
UTF-8 with BOM so that Excel opens it; text cells that Excel would read as a formula are quoted.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from gislib.errors import CRSError, ExportError, ValidationError
from gislib.store import Store
from gislib.fields import TABLES, FieldDef
from gislib.fields.outfalls import TABLE as OUTFALL_TABLE
from gislib.fields.values import FORMATS, blank, value as field_value
from gislib.safe_text import cell as safe_cell
from gislib.timefmt import local_time, now_local
from gislib.values import python_value

Getter = Callable[[dict[str, Any], dt.date], Any]


def _field(key: str) -> Getter:
    return lambda r, _d: r.get(key)


def _coord(key: str) -> Getter:
    """Longitude/latitude to 6 decimals (about 0.1 m), not the 13 of a float."""
    return lambda r, _d: None if r.get(key) is None else round(float(r[key]), 6)


def _local(key: str) -> Getter:
    return lambda r, _d: local_time(r.get(key))


def _from_table(f: FieldDef) -> Getter:
    return lambda r, d: field_value(f, r, "zh", d)


# The outfall ledger: the fields of the one field table marked ``ledger``, in its order, with its labels.
OUTFALL_COLUMNS: list[tuple[str, Getter]] = [(f.zh, _from_table(f)) for f in OUTFALL_TABLE.where(ledger=True)]
GENERIC_COLUMNS: list[tuple[str, Getter]] = [
    ("编码", _field("code")), ("名称", _field("name")), ("状态", _field("state")),
    ("经度", _coord("lon")), ("纬度", _coord("lat")), ("几何(WKT)", _field("geometry_wkt")),
    ("原坐标系", _field("source_crs")), ("版本", _field("version")),
    ("更新人", _field("updated_by")), ("更新时间(北京时间)", _local("updated_at")),
]
_GENERIC_SKIP = {"layer", "code", "name", "state", "lon", "lat", "geometry_wkt", "source_crs", "version",
                 "created_by", "created_at", "updated_by", "updated_at"}


def _cell(value: Any) -> Any:
    """A spreadsheet-safe cell: lists/dicts as text, then :func:`gislib.safe_text.cell` (formulas quoted)."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else "、".join(map(str, value))
    return safe_cell(value)


# formats whose text depends on the field's value alone (not on the rest of the record): formatted once
# per distinct value of a column
_VALUE_ONLY = {"", "term", "class", "coord", "local_time", "chief", "tracing", "section"}


def _remediation(r: dict[str, Any]) -> dict[str, Any]:
    rem = r.get("remediation")
    return rem if isinstance(rem, dict) else {}


# formats that read a few other fields of the record: those fields (as a hashable key, and back as the
# small record the format needs), so that each distinct combination is formatted once
_RECORD_PARTS: dict[str, tuple[Callable[[dict[str, Any]], Any], Callable[[Any], dict[str, Any]]]] = {
    "phase": (lambda r: r.get("state"), lambda k: {"state": k}),
    "overdue": (lambda r: (r.get("layer"), r.get("state"), _remediation(r).get("deadline")),
                lambda k: {"layer": k[0], "state": k[1], "remediation": {"deadline": k[2]}}),
    "updated": (lambda r: (r.get("updated_by"), r.get("updated_at")),
                lambda k: {"updated_by": k[0], "updated_at": k[1]}),
}


def _memo_map(keys: list[Any], make: Callable[[Any], Any]) -> list[Any]:
    """``[make(k) for k in keys]``, calling ``make`` once per distinct key. Keys of several types are told
    apart by type (1, 1.0 and True are equal dict keys, their cells are not); unhashable keys are made
    one by one."""
    types = {k.__class__ for k in keys}
    if len(types - {type(None)}) <= 1 and not (types & {list, dict}):
        try:
            made = {k: make(k) for k in set(keys)}
        except TypeError:
            pass
        else:
            return [made[k] for k in keys]
    memo: dict[Any, Any] = {}
    out = []
    for k in keys:
        try:
            got = memo[(k.__class__, k)]
        except KeyError:
            got = memo[(k.__class__, k)] = make(k)
        except TypeError:
            got = make(k)
        out.append(got)
    return out


def _outfall_column(f: FieldDef, records: list[dict[str, Any]], today: dt.date) -> list[Any]:
    """The ledger cells of field ``f`` for every record: ``_cell(field_value(f, r, "zh", today))``,
    computed once per distinct value (or per distinct combination of the fields its format reads)."""
    if f.fmt == "demo":  # the value itself and the mark
        key = f.path[0]
        keys = [(r.get(key), r.get("mark")) for r in records]
        return _memo_map(keys, lambda k: _cell(field_value(f, {key: k[0], "mark": k[1]}, "zh", today)))
    if f.fmt in _RECORD_PARTS:
        part, back = _RECORD_PARTS[f.fmt]
        return _memo_map([part(r) for r in records], lambda k: _cell(field_value(f, back(k), "zh", today)))
    if f.fmt not in _VALUE_ONLY:
        return [_cell(field_value(f, r, "zh", today)) for r in records]
    fmt = FORMATS[f.fmt] if f.fmt else None
    if len(f.path) == 1:
        key = f.path[0]
        raws = [r.get(key) for r in records]
    else:
        raws = [f.read(r) for r in records]
    return _memo_map(raws, lambda raw: _value_cell(fmt, raw, today))


def _value_cell(fmt: Any, raw: Any, today: dt.date) -> Any:
    value = fmt(raw, None, "zh", today, {}) if fmt else raw
    return _cell(None if blank(value) else value)


_EXTRA_LABELS = {"subdistrict": "街道/镇", "river": "受纳水体", "demo": "示例数据", "mark": "标记",
                 "removed_reason": "撤销原因", "listed_batch": "纳入名录批次", "removed_batch": "移出名录批次"}


def _schema_labels(layer: str) -> dict[str, str]:
    """Chinese labels of a layer's fields (gislib.fields), field name -> label."""
    table = TABLES.get(layer)
    return {**_EXTRA_LABELS, **({f.name: f.zh for f in table.fields} if table else {})}


LAYER_TITLES = {"outfalls": "入河排污口台账", "sections": "监测断面台账", "plots": "污染地块台账",
                "dust": "建筑工地扬尘台账"}
FILTER_LABELS = {"text": "编码或名称含", "subdistrict": "街道/镇", "river": "受纳水体", "type_l1": "一级类型",
                 "state": "状态", "overdue": "只看整治逾期", "include_removed": "含已撤销"}
ALWAYS_SHOWN = ("编码", "名称")


def ledger_table(store: Store, layer: str, today: dt.date | None = None, records: list[dict[str, Any]] | None = None,
                 **filters: Any) -> tuple[list[str], list[list[Any]], list[str]]:
    """Headers, rows and the left-out column names of the filtered ledger of ``layer`` (``records``:
    the records already read, in the order wanted; default ``store.list(layer, **filters)``).

    Columns that are empty in every exported row are left out (and named in the note), so the
    sheet carries no always-empty columns; an empty ledger keeps every column."""
    today = today or dt.date.today()
    if records is None:
        records = store.list(layer, today=today, **filters)
    if layer == "outfalls":
        columns = OUTFALL_COLUMNS
    else:
        labels = _schema_labels(layer)
        extra = sorted({k for r in records for k in r} - _GENERIC_SKIP)
        columns = GENERIC_COLUMNS + [(labels.get(k, k), _field(k)) for k in extra]
    headers = [h for h, _ in columns]
    if not records:
        return headers, [], []
    if layer == "outfalls":  # each distinct value formatted and made safe once
        cols = [_outfall_column(f, records, today) for f in OUTFALL_TABLE.where(ledger=True)]
    else:
        cols = [[_cell(get(r, today)) for r in records] for _, get in columns]
    # the columns empty in every row are left out before the rows are made (编码 and 名称 always stay)
    keep = [i for i, (h, col) in enumerate(zip(headers, cols)) if h in ALWAYS_SHOWN or any(v not in ("", None) for v in col)]
    empty = [h for i, h in enumerate(headers) if i not in keep]
    return [headers[i] for i in keep], [list(row) for row in zip(*(cols[i] for i in keep))], empty


# record fields no ledger column reads, left out by the store when the ledger reads its rows: an outfall's
# monitoring history is most of its stored text (and of the time spent reading 60,000 records)
NOT_IN_LEDGER: dict[str, tuple[str, ...]] = {"outfalls": ("monitoring",)}


def sorted_records(store: Store, layer: str, sort: str, today: dt.date, chunk: int = 100_000,
                   **filters: Any) -> list[dict[str, Any]]:
    """Every record of the filtered ledger in the ledger page's order (``Store.page``, chunk by chunk),
    without the fields no ledger column shows (``NOT_IN_LEDGER``)."""
    filters.setdefault("omit", NOT_IN_LEDGER.get(layer, ()))
    total, records = store.page(layer, offset=0, limit=chunk, sort=sort, today=today, **filters)
    while len(records) < total:
        _, more = store.page(layer, offset=len(records), limit=chunk, sort=sort, today=today, **filters)
        if not more:
            break
        records += more
    return records


def ledger_rows(store: Store, layer: str, today: dt.date | None = None,
                **filters: Any) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the filtered ledger of ``layer`` (filters as ``Store.list``)."""
    headers, rows, _empty = ledger_table(store, layer, today, **filters)
    return headers, rows


def ledger_notes(layer: str, filters: dict[str, Any], n_rows: int, empty: list[str]) -> list[str]:
    """The lines above the ledger sheet's header: which filters, how many, when, what is left out."""
    chosen = [f"{FILTER_LABELS.get(k, k)}" + ("" if v is True else f" = {v}")
              for k, v in filters.items() if v not in (None, "", False)]
    lines = [f"筛选条件: {'；'.join(chosen) if chosen else '无（全部）'} · 共 {n_rows} 条 · "
             f"导出于 {now_local():%Y-%m-%d %H:%M}（北京时间）"]
    if empty:
        lines.append(f"以下列在所选记录中均无数据，未列出: {'、'.join(empty)}")
    return lines


def write_ledger(path: Path, headers: list[str], rows: list[list[Any]], sheet: str = "台账",
                 title: str | None = None, notes: list[str] | tuple[str, ...] = (),
                 progress: Callable[[int, int], None] | None = None) -> None:
    """Write .xlsx (title row and notes above a bold frozen header with a filter) or .csv
    (UTF-8 with BOM, header on the first line so that programs can read it). The sheet is streamed
    (xlsxwriter constant memory: 60,000 rows in seconds); ``progress(rows written, rows)`` is called
    every few thousand rows."""
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    headers = [safe_cell(h) for h in headers]
    tick = progress or (lambda done, total: None)
    try:
        if suffix == ".csv":
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(headers)
                for done, row in enumerate(rows, start=1):
                    writer.writerow([safe_cell(v) for v in row])
                    if done % PROGRESS_EVERY == 0:
                        tick(done, len(rows))
        elif suffix == ".xlsx":
            _write_xlsx(path, headers, rows, sheet, [title] if title else [], list(notes), tick)
        else:
            raise ValidationError("error.ledger_suffix", field="out", name=path.name)
    except OSError as exc:
        raise ExportError("error.write_file", path=path, detail=exc) from exc
    tick(len(rows), len(rows))


PROGRESS_EVERY = 2000


def _column_widths(headers: list[str], rows: list[list[Any]]) -> list[int]:
    return [min(max(max([len(str(h)) * 2] + [len(str(r[i])) for r in rows[:200]]) + 2, 8), 50)
            for i, h in enumerate(headers)]


def _write_xlsx(path: Path, headers: list[str], rows: list[list[Any]], sheet: str, title: list[str],
                notes: list[str], tick: Callable[[int, int], None]) -> None:
    """XlsxWriter writes the workbook around the data (title, notes, bold header, column widths, frozen
    header, filter over every row); the data rows are then written straight into its sheet as XML, column
    by column: XlsxWriter's per-cell path took about 40 s for 60,000 rows × 27 columns."""
    import xlsxwriter

    frame = path.with_name(path.name + ".frame.xlsx")
    wb = xlsxwriter.Workbook(str(frame), {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False})
    try:
        ws = wb.add_worksheet(sheet)
        for i, width in enumerate(_column_widths(headers, rows)):
            ws.set_column(i, i, width)
        r = 0
        for line, fmt in [(t, wb.add_format({"bold": True, "font_size": 14})) for t in title] + \
                         [(n, wb.add_format({"font_size": 9, "font_color": "#555555"})) for n in notes]:
            ws.write_string(r, 0, safe_cell(line), fmt)
            r += 1
        header_row = r
        ws.write_row(header_row, 0, headers, wb.add_format({"bold": True}))
        ws.freeze_panes(header_row + 1, 0)
        ws.autofilter(header_row, 0, header_row + len(rows), max(0, len(headers) - 1))
    finally:
        wb.close()
    try:
        _fill_sheet(frame, path, rows, header_row + 1, len(headers), tick)
    finally:
        frame.unlink(missing_ok=True)


SHEET_XML = "xl/worksheets/sheet1.xml"
# deflate level of the written workbook: 1 compresses the sheet's repetitive XML almost as well as 6 (a few %
# bigger) in a third of the time (60,000 rows: seconds of the export)
ZIP_LEVEL = 1
_XML_ESCAPES = re.compile(r'[&<>\r]|_x[0-9a-fA-F]{4}_|[\ufffe\uffff]')
_XML_ESCAPED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "_x000D_", "\ufffe": "_xFFFE_", "\uffff": "_xFFFF_"}
XLSX_MAX_CHARS = 32767  # Excel's limit of characters in a cell


def _cell_xml(value: Any) -> str:
    """The rest of a ``<c r="A1"`` element for one cell, as XlsxWriter writes it in constant-memory mode: a
    number, or an inline string (XML-escaped, ``\r`` and text like ``_x0000_`` escaped as Excel reads them,
    leading or trailing spaces kept); '' for an empty cell (not written). ``value`` is already safe
    (:func:`gislib.safe_text.cell`): no control character, no formula."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return f"><v>{value:.16G}</v></c>"
    text = str(value)[:XLSX_MAX_CHARS]
    if _XML_ESCAPES.search(text):
        text = _XML_ESCAPES.sub(lambda m: _XML_ESCAPED.get(m.group(0)) or "_x005F" + m.group(0), text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _column_xml(values: list[Any]) -> list[str]:
    """``_cell_xml`` of every value of one column (made safe first: :func:`gislib.safe_text.cell`)."""
    return _memo_map(values, lambda v: _cell_xml(_xlsx_value(safe_cell(v))))


def _fill_sheet(frame: Path, path: Path, rows: list[list[Any]], first_row: int, width: int,
                tick: Callable[[int, int], None]) -> None:
    """Copy the workbook ``frame`` to ``path`` with ``rows`` written into its sheet from 0-based row
    ``first_row`` on (the sheet's dimension widened to them)."""
    import zipfile

    ncols = max(width, max((len(r) for r in rows), default=0))
    from xlsxwriter.utility import xl_col_to_name

    letters = [xl_col_to_name(i) for i in range(ncols)]
    numbers = [str(first_row + done) for done in range(1, len(rows) + 1)]
    columns = []
    for i in range(ncols):
        parts = _column_xml([row[i] if i < len(row) else None for row in rows])
        prefix = f'<c r="{letters[i]}'
        columns.append([prefix + n + '"' + x if x else "" for n, x in zip(numbers, parts)])
    with zipfile.ZipFile(frame) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != SHEET_XML:
                out.writestr(info, data)
                continue
            xml = data.decode("utf-8")
            cut = xml.rindex("</sheetData>")
            head, tail = xml[:cut], xml[cut:]
            if rows:
                last = f"{letters[-1] if letters else 'A'}{first_row + len(rows)}"
                head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head, count=1)
            spans = f' spans="1:{max(ncols, 1)}"'
            target = zipfile.ZipInfo(SHEET_XML, date_time=info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            target._compresslevel = ZIP_LEVEL  # noqa: SLF001 - open("w") takes the level from the ZipInfo
            with out.open(target, "w", force_zip64=True) as fh:
                fh.write(head.encode("utf-8"))
                cells = list(map("".join, zip(*columns))) if columns else [""] * len(rows)
                for begin in range(0, len(rows), PROGRESS_EVERY):
                    block = [f'<row r="{numbers[k]}"{spans}>{cells[k]}</row>'
                             for k in range(begin, min(begin + PROGRESS_EVERY, len(rows)))]
                    fh.write("".join(block).encode("utf-8"))
                    tick(begin + len(block), len(rows))
                fh.write(tail.encode("utf-8"))


def _xlsx_value(value: Any) -> Any:
    """Text stays text (never a formula or a link: the workbook options), numbers stay numbers."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    return value


# --------------------------------------------------------------------------- seeding
def _plain(value: Any) -> Any:
    """Python value for a GeoDataFrame cell; None for missing values, ISO text for dates."""
    value = python_value(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def records_from_geodataframe(gdf: Any) -> list[dict[str, Any]]:
    """Store records (lon/lat for points, WKT otherwise, WGS84) from a GeoDataFrame."""
    if gdf.crs is None:
        raise CRSError("error.frame_crs_missing")
    source_crs = gdf.crs.to_string()
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    geom_col = gdf.geometry.name
    records = []
    for row in gdf.to_dict("records"):
        geom = row.pop(geom_col, None)
        rec = {k: v for k, v in ((str(k), _plain(v)) for k, v in row.items()) if v is not None}
        if geom is not None and not geom.is_empty:
            if geom.geom_type == "Point":
                rec["lon"], rec["lat"] = float(geom.x), float(geom.y)
            else:
                rec["geometry_wkt"] = geom.wkt
        rec["source_crs"] = source_crs
        records.append(rec)
    return records


def seed_from_geodataframe(store: Store, layer: str, gdf: Any, user: str,
                           source: str = "demo") -> dict[str, int]:
    """Fill an EMPTY layer from a GeoDataFrame (all or nothing); a non-empty layer is left alone.
    Demo outfalls already monitored (已监测 or later) are written with their demo monitoring history.

    Returns {"inserted", "updated", "unchanged", "skipped"} (skipped = records already there).
    """
    return seed_from_frames(store, layer, [gdf], user, source)


def seed_from_frames(store: Store, layer: str, frames: Iterable[Any], user: str, source: str = "demo",
                     progress: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    """:func:`seed_from_geodataframe` of a layer read in chunks (GeoDataFrames, e.g.
    ``gislib.dataset.layer_chunks``): each chunk is made into records, given its demo details, validated
    and written before the next is read (``bulk_insert_chunks``: one transaction, all or nothing), so a
    600,000-outfall layer never sits in memory as records at once. ``frames`` is only read when the layer
    is empty."""
    existing = store.count(layer, include_removed=True)
    if existing:
        return {"inserted": 0, "updated": 0, "unchanged": 0, "skipped": existing}

    def chunks() -> Iterator[list[dict[str, Any]]]:
        for gdf in frames:
            records = records_from_geodataframe(gdf)
            if layer == "outfalls":  # demo outfalls get their demo details now, never when a page reads them
                from gislib.demo.monitoring import with_demo_details

                records = with_demo_details(records)
            yield records

    from gislib.errors import ConfigError
    from gislib.store.bulk import bulk_insert_chunks

    try:
        inserted = bulk_insert_chunks(store, layer, chunks(), user, source, progress)
    except ConfigError:
        existing = store.count(layer, include_removed=True)
        if not existing:
            raise
        # another process (a second app server, a command) seeded the layer first: nothing lost, nothing doubled
        return {"inserted": 0, "updated": 0, "unchanged": 0, "skipped": existing}
    return {"inserted": inserted, "updated": 0, "unchanged": 0, "skipped": 0}
