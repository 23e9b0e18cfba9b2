"""gislib.io.validate: check mapped rows and turn them into WGS84 records.

Every input row ends either accepted or rejected with a short reason (≤ 60 characters) and the
full details (all problems of the row, joined with "；"). Row numbers are the ones the officer
sees: spreadsheet rows for tables (header row 1 → first data row 2), feature numbers for GIS files.
Accepted records keep ``source_crs`` and ``source_row``. Lat/lon swaps are fixed with a warning.

Forgiving of honest files: enumerations go through the officer's value mapping and the synonym
table (:mod:`gislib.io.enums`); a type at any HJ 1312-2023 level implies its parents; blank
fields can be filled for the whole batch, and outfalls without any type get 暂无法确定 during 排查;
rows without a code get a provisional LS-YYYYMMDD-NNN code.

Imports are edits: codes held by another stored record in any scheme are refused; rows within
``dup_radius_m`` of a stored point or an earlier row are listed in ``near_duplicates`` (linear, each
row at most once) for the officer's decision; warnings are capped per kind with a summary.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import numpy as np

from gislib.geo import crs as crsmod
from gislib import domain
from gislib.errors import ExportError, Label, ValidationError
from gislib.io import enums
from gislib.fields.outfalls import TABLE as OUTFALL_TABLE
from gislib.schemas import COORD_LABELS, OUTFALL_TYPE_L2, PROVENANCE_FIELDS, Field, get_schema
from gislib.safe_text import cell as safe_cell

CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
_CN_DIGITS = {"一": "I", "二": "II", "三": "III", "四": "IV", "五": "V", "1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}
_TRUE = {"是", "true", "t", "yes", "y", "1", "√", "✓", "有", "重点", "是的"}
_FALSE = {"否", "false", "f", "no", "n", "0", "×", "✗", "无", "非重点", "不是"}
_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5, "MultiPolygon": 6}
PROVISIONAL_PREFIX = "LS-"  # 临时编码 of new survey points: LS-YYYYMMDD-NNN
MAX_WARNINGS_PER_KIND = 200
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M")


@dataclass
class ImportReport:
    """The outcome of one import: accepted records, rejected rows with reasons, warnings, CRS used."""

    layer: str
    accepted: Any  # GeoDataFrame in EPSG:4326: schema fields + source_crs + source_row
    rejected: list[dict] = field(default_factory=list)  # {"row": n, "reason": "..."}
    warnings: list[dict] = field(default_factory=list)  # {"row": n | None, "kind": "...", "message": "..."}
    crs: dict = field(default_factory=dict)  # {"used": "...", "reason": "..."}
    inserts: int = 0
    updates: int = 0
    total_rows: int = 0
    source: str | None = None
    mapping: dict = field(default_factory=dict)  # header → field
    unmatched_columns: dict = field(default_factory=dict)  # header → why ignored
    notes: list[str] = field(default_factory=list)
    source_headers: list[str] = field(default_factory=list)
    rejected_raw: dict[int, dict] = field(default_factory=dict)  # row → original values
    near_duplicates: list[dict] = field(default_factory=list)  # rows near a stored point or an earlier row
    unknown_values: dict[str, dict[str, int]] = field(default_factory=dict)  # field → raw value → rows
    value_hits: dict[str, dict[str, str]] = field(default_factory=dict)  # field → raw → value used
    filled: dict[str, int] = field(default_factory=dict)  # field → rows filled for the whole batch
    versions: dict[str, int] = field(default_factory=dict)  # code → stored version the preview read
    conflicts: list[dict] = field(default_factory=list)  # rows not written: the record changed meanwhile

    def to_dict(self) -> dict:
        """JSON-ready summary: ``accepted`` is a count."""
        return {
            "layer": self.layer,
            "source": self.source,
            "total_rows": self.total_rows,
            "accepted": int(len(self.accepted)),
            "inserts": self.inserts,
            "updates": self.updates,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "crs": self.crs,
            "mapping": self.mapping,
            "unmatched_columns": self.unmatched_columns,
            "notes": self.notes,
            "near_duplicates": self.near_duplicates,
            "unknown_values": self.unknown_values,
            "value_hits": self.value_hits,
            "filled": self.filled,
            "conflicts": self.conflicts,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)

    def records(self) -> list[dict]:
        """Accepted records as dicts (schema fields, source_crs, source_row, shapely ``geometry``)."""
        gdf = self.accepted
        cols = [c for c in gdf.columns if c != "geometry"]
        out = []
        for values, geom in zip(gdf[cols].to_dict("records"), gdf.geometry):
            rec = {k: _none_if_nan(v) for k, v in values.items()}
            rec["geometry"] = geom
            out.append(rec)
        return out

    def rejected_to_excel(self, path: str | Path) -> Path:
        """Write rejected rows to .xlsx: 行号, 原因, then the original columns unchanged."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        path = Path(path)
        headers = list(self.source_headers)
        for raw in self.rejected_raw.values():
            headers += [k for k in raw if k not in headers and not str(k).startswith("__")]
        wb = Workbook()
        ws = wb.active
        ws.title = "被拒绝的行"
        ws.append([safe_cell(h) for h in ("行号", "原因", *headers)])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for item in self.rejected:
            raw = self.rejected_raw.get(item["row"], {})
            ws.append([safe_cell(v) for v in (item["row"], item["reason"], *[_excel_value(raw.get(h)) for h in headers])])
        ws.column_dimensions["B"].width = 60
        try:
            wb.save(path)
        except OSError as exc:
            raise ExportError("error.rejected_write", path=path, detail=exc) from exc
        return path


def _excel_value(v: Any) -> Any:
    if v is None or isinstance(v, (str, int, float, date, datetime, bool)):
        return v
    return str(v)


def _none_if_nan(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


# --------------------------------------------------------------------------- value conversion
def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def to_text(v: Any) -> str:
    """Cell → text; whole floats lose ".0" (Excel codes), dates become ISO."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()


def _canon(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def normalize_wq_class(text: str) -> str | None:
    """'Ⅲ类', 'III', '3类', '三类', '劣Ⅴ类' → GB 3838 class name, or None."""
    t = unicodedata.normalize("NFKC", str(text)).strip().upper().replace(" ", "")
    t = t.replace("类", "").replace("水", "")
    inferior = t.startswith("劣")
    t = t[1:] if inferior else t
    t = _CN_DIGITS.get(t, t)
    if inferior:
        return "劣V" if t == "V" else None
    return t if t in domain.WQ_CLASSES else None


def _label(f: Field) -> Label:
    """The field's label for a message, Chinese or English as the message is shown."""
    return Label(f.label, getattr(f, "en", ""))


def convert_value(value: Any, f: Field) -> Any:
    """Convert one cell for field ``f``; raises ValidationError naming the field (catalog error.value_*)."""
    label = _label(f)
    if f.type == "int":
        try:
            num = float(unicodedata.normalize("NFKC", str(value)).replace(",", "")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValidationError("error.value_not_int", field=f.name, label=label, name=f.name, value=value) from None
        if not num.is_integer():
            raise ValidationError("error.value_not_int", field=f.name, label=label, name=f.name, value=value)
        return int(num)
    if f.type == "float":
        try:
            num = float(unicodedata.normalize("NFKC", str(value)).replace(",", "")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValidationError("error.value_not_number", field=f.name, label=label, name=f.name, value=value) from None
        if not math.isfinite(num):
            raise ValidationError("error.value_not_finite", field=f.name, label=label, name=f.name, value=value)
        return num
    if f.type == "date":
        return _to_date(value, label, f.name)
    if f.type == "bool":
        if isinstance(value, bool):
            return value
        t = _canon(to_text(value))
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
        raise ValidationError("error.value_not_bool", field=f.name, label=label, name=f.name, value=value)
    text = to_text(value)
    if f.name == "code":
        text = unicodedata.normalize("NFKC", text).strip()
    if f.allowed:
        return _allowed(text, f, label)
    return text


@lru_cache(maxsize=64)
def _canonical_options(allowed: tuple[str, ...]) -> dict[str, str]:
    return {_canon(option): option for option in allowed}


def _allowed(text: str, f: Field, label: Label) -> str:
    if f.allowed == domain.WQ_CLASSES:
        cls = normalize_wq_class(text)
        if cls:
            return cls
    option = _canonical_options(f.allowed).get(_canon(text))
    if option is not None:
        return option
    raise ValidationError("error.value_not_allowed", field=f.name, label=label, name=f.name, value=text,
          allowed=list(f.allowed))


def _to_date(value: Any, label: Label, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 <= float(value) <= 80000:
        return date(1899, 12, 30) + timedelta(days=int(value))  # Excel serial day number
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError("error.value_not_date", field=name, label=label, name=name, value=value)


# --------------------------------------------------------------------------- geometry helpers
def _swap(geom):
    import shapely

    return shapely.transform(geom, lambda c: c[:, ::-1])


def _first_xy(geom) -> tuple[float, float]:
    import shapely

    c = shapely.get_coordinates(geom)
    return (float(c[0, 0]), float(c[0, 1])) if len(c) else (math.nan, math.nan)


_PLAIN_NUMBER = re.compile(r"-?\d{1,9}(?:\.\d{1,15})?")


def _coordinate(v: Any) -> float:
    """A coordinate cell; plain decimals take a fast path, everything else crs.parse_coordinate."""
    if isinstance(v, str) and _PLAIN_NUMBER.fullmatch(v):
        return float(v)
    return crsmod.parse_coordinate(v)


def _firsts(geoms: list) -> np.ndarray:
    """The first vertex of each geometry, as an (n, 2) array."""
    import shapely

    if not geoms:
        return np.empty((0, 2))
    coords, index = shapely.get_coordinates(np.array(geoms, dtype=object), return_index=True)
    first = np.full((len(geoms), 2), np.nan)
    _, at = np.unique(index, return_index=True)
    first[index[at]] = coords[at]
    return first


def _outside_degrees(g, first: tuple[float, float]) -> bool:
    """True when a vertex lies beyond ±180° longitude or ±90° latitude (points: from ``first``)."""
    import shapely

    if shapely.get_type_id(g) == 0:
        return abs(first[0]) > 180 or abs(first[1]) > 90
    c = shapely.get_coordinates(g)
    return bool((np.abs(c[:, 0]) > 180).any() or (np.abs(c[:, 1]) > 90).any())


def _bad_coords(geoms: np.ndarray, bad_xy) -> np.ndarray:
    """Per geometry: True when any vertex satisfies ``bad_xy(x, y)`` (vectorised over all vertices)."""
    import shapely

    coords, index = shapely.get_coordinates(geoms, return_index=True)
    hit = bad_xy(coords[:, 0], coords[:, 1])
    return np.bincount(index[hit], minlength=len(geoms)) > 0


def _local_metric_crs(lon: float) -> str:
    """A metric CRS for distances around ``lon``: the CGCS2000 3° GK zone."""
    lon = min(max(lon, 75.0), 135.0)
    return f"EPSG:{crsmod.gk3_epsg(crsmod.gk3_central_meridian(lon))}"


def _row_of(rec: dict, index: int) -> int:
    r = rec.get("_row", rec.get("source_row"))
    return int(r) if r is not None else index + 1


# --------------------------------------------------------------------------- main entry
@dataclass
class _Rows:
    """The batch being validated: the input rows and, per row, its number, problems and geometry."""

    recs: list[dict]
    row_no: list[int]
    errors: list[list[str]]
    geoms: list[Any]
    warnings: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, rows: Iterable[dict]) -> "_Rows":
        recs = list(rows)
        return cls(recs, [_row_of(r, i) for i, r in enumerate(recs)], [[] for _ in recs], [None] * len(recs))

    def with_geometry(self) -> list[int]:
        return [i for i, g in enumerate(self.geoms) if g is not None]


def validate_rows(
    rows: Iterable[dict],
    layer: str,
    crs_choice: str = "auto",
    district=None,
    tolerance_m: float = 2000,
    existing_codes: frozenset = frozenset(),
    dup_radius_m: float = 5,
    *,
    insert_only: bool = False,
    declared_crs: str | None = None,
    filename: str | None = None,
    column_names: Iterable[str] = (),
    force_legacy: bool = False,
    central_meridian: float = crsmod.DEFAULT_CENTRAL_MERIDIAN,
    fill: dict[str, Any] | None = None,
    value_map: dict[str, dict[str, str]] | None = None,
    existing_records: Iterable[dict] | None = None,
    today: date | None = None,
    max_warnings: int = MAX_WARNINGS_PER_KIND,
) -> ImportReport:
    """Validate records keyed by field name (from :func:`columns.apply_mapping`, or plain dicts).

    Coordinates come from ``_geometry`` (GIS files), a ``wkt`` value or ``x``/``y`` cells.
    ``crs_choice``: "auto" (detect; ``declared_crs`` from the file wins over value guessing),
    "EPSG:n", "gcj02" or "bd09". ``district``: shapely geometry in WGS84; points farther outside
    than ``tolerance_m`` are rejected. Codes in ``existing_codes`` count as updates, or are
    rejected when ``insert_only``.
    """
    schema = get_schema(layer)
    b = _Rows.of(rows)
    _read_geometries(b)  # 1. geometry in the source CRS
    guess, used = _detect_crs(b, crs_choice, filename, column_names, declared_crs, central_meridian, force_legacy)
    _fix_axes(b, guess, used, central_meridian)  # 3. axis order and ranges
    _to_wgs84(b, used, force_legacy)
    _check_kinds(b, schema)  # 4. geometry kind and validity
    if district is not None:
        _check_district(b, district, tolerance_m)  # 5. district
    # 6. attributes (enumerations through the officer's value mapping and the synonym table)
    opts = _Options(fill or {}, value_map or {}, today)
    values = [_attributes(rec, schema, b.errors[i], opts) for i, rec in enumerate(b.recs)]
    b.warnings += opts.fill_warnings(schema)
    # 7. codes: provisional codes, duplicates within the file, codes held by other records
    known = _Known.of(existing_records, existing_codes)
    _provisional_codes(values, b.errors, b.row_no, known, opts, b.warnings)
    updates = _check_codes(values, b.errors, b.geoms, b.row_no, known, b.warnings, insert_only)
    return _assemble(b, layer, schema, values, used, guess, known, opts, updates, dup_radius_m, filename,
                     max_warnings)


def _point_of(rec: dict, errs: list[str]) -> Any:
    """The Point of a row's x/y cells, or None with the problems appended to ``errs``."""
    from shapely.geometry import Point

    xv, yv = rec.get("x"), rec.get("y")
    if _is_blank(xv) and _is_blank(yv):
        errs.append("坐标缺失（经度/纬度或 X/Y 为空），请补填坐标")
        return None
    parsed = []
    for v, lab in ((xv, COORD_LABELS["x"]), (yv, COORD_LABELS["y"])):
        if _is_blank(v):
            errs.append(f"坐标缺失：{lab} 为空")
            continue
        try:
            parsed.append(_coordinate(v))
        except ValidationError as exc:
            errs.append(f"{lab} 不是有效数字：{exc}")
    return Point(parsed) if len(parsed) == 2 else None


def _geometry_of(rec: dict, errs: list[str]) -> Any:
    """A row's geometry in the source CRS: the GIS file's, a WKT cell's or the x/y cells'."""
    from shapely import wkt as shapely_wkt

    if rec.get("_geometry_error"):
        errs.append(str(rec["_geometry_error"]))
        return None
    g = rec.get("_geometry")
    if g is None and not _is_blank(rec.get("wkt")):
        try:
            g = shapely_wkt.loads(str(rec["wkt"]))
        except Exception:  # noqa: BLE001 - shapely raises GEOSException/ValueError
            errs.append(f"几何(WKT)「{str(rec['wkt'])[:40]}」无法解析")
            return None
    if g is None:
        g = _point_of(rec, errs)
    if g is not None and g.is_empty:
        errs.append("几何为空")
        return None
    return g


def _read_geometries(b: _Rows) -> None:
    for i, rec in enumerate(b.recs):
        b.geoms[i] = _geometry_of(rec, b.errors[i])


def _detect_crs(b: _Rows, crs_choice: str, filename, column_names, declared_crs, central_meridian: float,
                force_legacy: bool) -> tuple[Any, str]:
    """(the CRS guess, the CRS used) from the first coordinate of every row with a geometry."""
    have = b.with_geometry()
    if not have:
        return crsmod.CRSGuess("", "没有任何一行带有可用坐标，未判断坐标系。"), ""
    firsts = _firsts([b.geoms[i] for i in have]).tolist()
    guess = crsmod.detect_crs([p[0] for p in firsts], [p[1] for p in firsts], crs_choice, filename, column_names,
                              declared_crs=declared_crs, central_meridian=central_meridian)
    return guess, crsmod.check_supported(guess.crs, force_legacy)


def _fix_geographic_axes(b: _Rows, i: int, g, x0: float, y0: float) -> Any:
    """A degree row with lat/lon swapped is swapped back (warned); out of range is an error (None)."""
    swapped = crsmod._looks_degrees(x0, y0) == "swapped"
    if swapped:
        g = _swap(g)
        b.warnings.append({"row": b.row_no[i], "kind": "swap",
                           "message": f"第 {b.row_no[i]} 行经纬度填反（{x0:g}, {y0:g}），已自动对调"})
    if _outside_degrees(g, (y0, x0) if swapped else (x0, y0)):
        b.errors[i].append(f"坐标 ({x0:g}, {y0:g}) 超出经纬度范围（经度 ±180、纬度 ±90），请核对数值是否多输/少输位数，或是否为投影坐标")
        return None
    return g


def _fix_axes(b: _Rows, guess, used: str, central_meridian: float) -> None:
    """Axis order per row: the file's swap, then per-row swapped degrees or northing/easting."""
    geographic = bool(used) and crsmod.is_geographic(used)
    have = b.with_geometry()
    firsts = [tuple(p) for p in _firsts([b.geoms[i] for i in have]).tolist()]
    for (x0, y0), i in zip(firsts, have):
        g = b.geoms[i]
        if guess.swapped_axes:
            g = _swap(g)
            x0, y0 = y0, x0
        if geographic:
            g = _fix_geographic_axes(b, i, g, x0, y0)
        else:
            pg = crsmod._projected_guess(x0, y0, central_meridian)
            if pg is not None and pg.swapped_axes:
                g = _swap(g)
                b.warnings.append({"row": b.row_no[i], "kind": "swap",
                                   "message": f"第 {b.row_no[i]} 行 X/Y（北/东坐标）顺序相反，已自动对调"})
        b.geoms[i] = g


def _to_wgs84(b: _Rows, used: str, force_legacy: bool) -> None:
    """Every geometry to WGS84; rows that cannot be converted or land outside China get an error."""
    import shapely

    have = b.with_geometry()
    if not have:
        return
    src = np.array([b.geoms[i] for i in have], dtype=object)
    wgs = shapely.transform(src, lambda c: np.column_stack(crsmod.to_wgs84(c[:, 0], c[:, 1], used, force_legacy)))
    not_finite = _bad_coords(wgs, lambda x, y: ~(np.isfinite(x) & np.isfinite(y)))
    outside = _bad_coords(wgs, lambda x, y: (x < CHINA_LON[0]) | (x > CHINA_LON[1]) | (y < CHINA_LAT[0]) | (y > CHINA_LAT[1]))
    for k, (i, g) in enumerate(zip(have, wgs)):
        if not_finite[k]:
            b.errors[i].append(f"坐标无法从 {used} 转换为经纬度（超出该坐标系的有效范围）")
            g = None
        elif outside[k]:
            c = shapely.get_coordinates(g)
            x0, y0 = _first_xy(b.geoms[i])
            b.errors[i].append(
                f"坐标 ({x0:g}, {y0:g}) 按 {used} 换算后为 ({c[0, 0]:.5f}, {c[0, 1]:.5f})，超出中国范围"
                f"（经度 {CHINA_LON[0]:g}–{CHINA_LON[1]:g}、纬度 {CHINA_LAT[0]:g}–{CHINA_LAT[1]:g}），请核对数值或坐标系")
            g = None
        b.geoms[i] = g


def _check_kinds(b: _Rows, schema) -> None:
    """Geometries of the wrong kind for the layer, or invalid ones, are errors."""
    import shapely

    have = b.with_geometry()
    if not have:
        return
    arr = np.array([b.geoms[i] for i in have], dtype=object)
    ok = np.isin(shapely.get_type_id(arr), [_TYPE_IDS[t] for t in schema.geometry_types]) & shapely.is_valid(arr)
    for k, i in enumerate(have):
        g = b.geoms[i]
        if ok[k]:
            continue
        if g.geom_type not in schema.geometry_types:
            b.errors[i].append(f"图层「{schema.label}」需要 {'/'.join(schema.geometry_types)} 几何，该行为 {g.geom_type}")
        else:
            b.errors[i].append(f"几何无效（{shapely.is_valid_reason(g)}），请在 GIS 软件中修复（如自相交的面）")
        b.geoms[i] = None


def _check_district(b: _Rows, district, tolerance_m: float) -> None:
    """Rows farther than ``tolerance_m`` outside the district are errors; nearer ones are warned."""
    import geopandas as gpd

    have = b.with_geometry()
    if not have:
        return
    metric = _local_metric_crs(district.centroid.x)
    pts = gpd.GeoSeries([b.geoms[i] for i in have], crs=crsmod.WGS84).to_crs(metric)
    boundary = gpd.GeoSeries([district], crs=crsmod.WGS84).to_crs(metric).iloc[0]
    for i, d in zip(have, pts.distance(boundary).to_numpy()):
        if d > tolerance_m:
            b.errors[i].append(
                f"位于辖区外约 {d / 1000:.1f} km（容差 {tolerance_m / 1000:g} km），请核对坐标或坐标系"
                "（GCJ-02 与 WGS84 混用会偏移约 500 m，BD-09 约 1 km）")
        elif d > 0:
            b.warnings.append({"row": b.row_no[i], "kind": "district",
                               "message": f"第 {b.row_no[i]} 行位于辖区边界外 {d:.0f} m（容差内，已接受），请核对"})


def _assemble(b: _Rows, layer: str, schema, values: list[dict], used: str, guess, known, opts, updates: int,
              dup_radius_m: float, filename, max_warnings: int) -> ImportReport:
    """The report: accepted rows as a WGS84 GeoDataFrame, rejected rows with reasons, warnings."""
    import geopandas as gpd

    n = len(b.recs)
    accepted_idx = [i for i in range(n) if not b.errors[i] and b.geoms[i] is not None]
    rejected = [_rejection(b.row_no[i], b.errors[i]) for i in range(n) if b.errors[i]]
    rejected_raw = {b.row_no[i]: dict(b.recs[i].get("_raw") or {k: v for k, v in b.recs[i].items()
                                                                 if not str(k).startswith("_")})
                    for i in range(n) if b.errors[i]}
    data = {f: [values[i][f] for i in accepted_idx] for f in schema.field_names}
    data["source_crs"] = [used] * len(accepted_idx)
    data["source_row"] = [b.row_no[i] for i in accepted_idx]
    gdf = gpd.GeoDataFrame(data, geometry=[b.geoms[i] for i in accepted_idx], crs=crsmod.WGS84)
    gdf = gdf[[*schema.field_names, *PROVENANCE_FIELDS, "geometry"]]
    near = near_duplicates(gdf, dup_radius_m, known.points)
    for d in near:
        d["other_version"] = known.versions.get(d["other_code"]) if d["existing"] else None
    warnings = b.warnings + [_near_warning(d) for d in near]
    crs_info = {"used": used, "label": crsmod.crs_label(used) if used else "", "reason": guess.reason,
                "swapped_axes": guess.swapped_axes, "ambiguous": "无法区分" in guess.reason}
    codes = gdf["code"].tolist()
    return ImportReport(
        layer=layer, accepted=gdf, rejected=rejected, warnings=cap_warnings(warnings, max_warnings), crs=crs_info,
        inserts=len(accepted_idx) - updates, updates=updates, total_rows=n, source=filename,
        rejected_raw=rejected_raw, near_duplicates=near, unknown_values=opts.unknown_summary(),
        value_hits=opts.hits, filled=dict(opts.filled),
        versions={c: known.versions[c] for c in codes if c in known.versions},
    )


# --------------------------------------------------------------------------- attributes
_SURVEY_STATES = (None, "疑似", "已核实", "非排污口")  # 排查 (查) phase: the type may be undetermined
_REASON_LEN = 60


@dataclass
class _Options:
    """The officer's choices for the batch, and what using them found."""

    fill: dict[str, Any]
    value_map: dict[str, dict[str, str]]
    today: date | None = None
    filled: Counter = field(default_factory=Counter)  # field → rows filled from ``fill``
    unknown: dict[str, Counter] = field(default_factory=dict)  # field → raw text → rows
    hits: dict[str, dict[str, str]] = field(default_factory=dict)  # field → raw → value (mapped/synonym)
    undetermined: int = 0  # outfalls given 暂无法确定 because no type was filled in

    def note_unknown(self, name: str, text: str) -> None:
        self.unknown.setdefault(name, Counter())[text] += 1

    def note_hit(self, name: str, text: str, value: str, how: str) -> None:
        if how in ("map", "synonym"):
            self.hits.setdefault(name, {})[text] = value

    def unknown_summary(self) -> dict[str, dict[str, int]]:
        return {f: dict(c.most_common()) for f, c in self.unknown.items()}

    def convert(self, value: Any, f: Field) -> Any:
        if not f.allowed:
            return convert_value(value, f)
        text = to_text(value)
        if f.allowed == domain.WQ_CLASSES and normalize_wq_class(text):
            return normalize_wq_class(text)
        found, how = enums.resolve_allowed(f.name, text, f.allowed, self.value_map)
        if found is None:
            self.note_unknown(f.name, text)
            raise ValidationError("error.value_not_allowed", field=f.name, label=_label(f), name=f.name, value=text[:20],
                  allowed=list(f.allowed))
        self.note_hit(f.name, text, found, how)
        return found

    def fill_warnings(self, schema) -> list[dict]:
        out = [{"row": None, "kind": "fill",
                "message": f"{n} 行的「{schema.labels.get(name, name)}」为空，已按整批填写为「{self.fill[name]}」"}
               for name, n in self.filled.items()]
        if self.undetermined:
            out.append({"row": None, "kind": "fill",
                        "message": f"{self.undetermined} 行未填排口类型，排查阶段按「暂无法确定」导入，请核实后补填"})
        for name, hits in self.hits.items():
            pairs = "、".join(f"{k}→{v}" for k, v in list(hits.items())[:8])
            out.append({"row": None, "kind": "value_map", "message": f"「{schema.labels.get(name, name)}」按对照表换算：{pairs}"})
        return out


def _attributes(rec: dict, schema, errs: list[str], opts: _Options) -> dict:
    """The converted schema fields of one record; problems appended to ``errs``."""
    out: dict[str, Any] = {}
    types = schema.name == "outfalls"
    for f in schema.fields:
        v = rec.get(f.name)
        if _is_blank(v) and not _is_blank(opts.fill.get(f.name)):
            v = opts.fill[f.name]
            opts.filled[f.name] += 1
        if _is_blank(v):
            if f.required and f.name != "code":  # a missing code gets a provisional one
                errs.append(f"缺少必填字段「{f.label}」({f.name})")
            out[f.name] = None
        elif types and f.name in enums.TYPE_FIELDS:
            out[f.name] = to_text(v)  # read together below
        else:
            try:
                out[f.name] = opts.convert(v, f)
            except ValidationError as exc:
                errs.append(str(exc))
                out[f.name] = None
    if types:
        _outfall_types(out, errs, opts)
    return out


def _outfall_types(v: dict, errs: list[str], opts: _Options) -> None:
    """type_l1/l2/l3 from whichever type columns were filled (HJ 1312-2023); a level-3 type implies
    its level-2 and level-1. No type at all during 排查 → 暂无法确定 (counted for a warning)."""
    if v.get("state") == "整治中" and not v.get("remediation_kind"):
        errs.append(f"状态为「整治中」的排污口必须填写整治方式 remediation_kind（允许：{'、'.join(domain.REMEDIATION_KINDS)}）")
    found, bad = [], False
    for name in enums.TYPE_FIELDS:
        text = v.get(name)
        if text is None:
            continue
        reading, how = enums.resolve_type(name, text, opts.value_map)
        if reading is None:
            opts.note_unknown(name, text)
            errs.append(f"字段「{get_schema('outfalls').labels[name]}」({name})的值「{text[:20]}」不是 HJ 1312-2023 排口类型"
                        f"（可选二级类型：{'、'.join(OUTFALL_TYPE_L2)}；也可填一级或三级类型）")
            bad = True
            continue
        opts.note_hit(name, text, next(t for t in reversed(reading) if t), how)
        found.append(reading)
    v.update(dict.fromkeys(enums.TYPE_FIELDS))
    if bad:
        return
    if not found:
        if v.get("state") in _SURVEY_STATES:
            v["type_l1"] = v["type_l2"] = enums.UNDETERMINED
            opts.undetermined += 1
        else:
            errs.append("缺少排口类型：请填写一级/二级/三级类型之一（HJ 1312-2023）")
        return
    merged, problem = enums.merge_types(found)
    if problem:
        errs.append(problem)
    else:
        v.update(merged)


# --------------------------------------------------------------------------- codes
_CODE_FIELDS = {n: OUTFALL_TABLE.field(n).zh for n in ("code", "national_code", "local_code", "permit_outlet_code")}


@dataclass
class _Known:
    """What the store already holds: record codes, versions, every code's owner, point positions."""

    codes: set[str] = field(default_factory=set)
    versions: dict[str, int] = field(default_factory=dict)
    owners: dict[str, tuple[str, str]] = field(default_factory=dict)  # any code → (record code, scheme)
    points: list[tuple[str, float, float, str]] = field(default_factory=list)  # code, lon, lat, name

    @classmethod
    def of(cls, records: Iterable[dict] | None, codes: Iterable[str]) -> "_Known":
        k = cls(codes={unicodedata.normalize("NFKC", str(c)).strip() for c in codes})
        for r in records or ():
            code = str(r.get("code"))
            k.codes.add(code)
            if r.get("version") is not None:
                k.versions[code] = int(r["version"])
            for name, label in _CODE_FIELDS.items():
                if r.get(name) not in (None, ""):
                    k.owners.setdefault(str(r[name]), (code, label))
            if r.get("lon") is not None and r.get("lat") is not None and r.get("state") != domain.REMOVED_STATE:
                k.points.append((code, float(r["lon"]), float(r["lat"]), str(r.get("name") or "")))
        return k


def _provisional_codes(values: list[dict], errors: list[list[str]], row_no: list[int], known: _Known,
                       opts: _Options, warnings: list[dict]) -> None:
    """Rows without a code get LS-YYYYMMDD-NNN (临时编码, numbered after the ones already used today)."""
    missing = [i for i, v in enumerate(values) if not v.get("code")]
    if not missing:
        return
    day = opts.today or datetime.now(ZoneInfo("Asia/Shanghai")).date()
    prefix = f"{PROVISIONAL_PREFIX}{day:%Y%m%d}-"
    taken = {c for c in known.codes | {v.get("code") for v in values} if isinstance(c, str) and c.startswith(prefix)}
    last = max((int(c[len(prefix):]) for c in taken if c[len(prefix):].isdigit()), default=0)
    for k, i in enumerate(missing, start=1):
        values[i]["code"] = f"{prefix}{last + k:03d}"
        if not errors[i]:
            warnings.append({"row": row_no[i], "kind": "provisional_code",
                             "message": f"第 {row_no[i]} 行没有编码，已给临时编码 {values[i]['code']}（正式编码确定后请修改）"})


def _code_clash(v: dict, known: _Known) -> str | None:
    """A code of this row that another stored record holds, in any scheme (key, national, local …)."""
    for name, label in _CODE_FIELDS.items():
        text = v.get(name)
        owner = known.owners.get(str(text)) if text not in (None, "") else None
        if owner is None and name != "code" and text in known.codes:
            owner = (str(text), "编码")
        if owner is not None and owner[0] != v["code"]:
            return f"{label}「{text}」已是记录 {owner[0]} 的{owner[1]}；每个编码只能属于一条记录，请核对"
    return None


def _check_codes(values: list[dict], errors: list[list[str]], geoms: list, row_no: list[int], known: _Known,
                 warnings: list[dict], insert_only: bool) -> int:
    """Duplicate codes in the file, codes held by other records, updates; returns the update count."""
    first_seen: dict[str, int] = {}
    updates = 0
    for i, v in enumerate(values):
        if geoms[i] is None and not errors[i]:
            errors[i].append("坐标缺失")
        if errors[i]:
            continue
        code = v["code"]
        if code in first_seen:
            j = first_seen[code]
            errors[i].append(f"编码「{code}」在文件中重复（与第 {row_no[j]} 行相同），只导入第一次出现的行；请核对后改正编码")
            warnings.append({"row": row_no[j], "kind": "duplicate_code",
                             "message": f"第 {row_no[j]} 行的编码「{code}」在第 {row_no[i]} 行再次出现，已导入第 {row_no[j]} 行，请核对"})
            continue
        first_seen[code] = i
        clash = _code_clash(v, known)
        if clash:
            errors[i].append(clash)
        elif code in known.codes:
            if insert_only:
                errors[i].append(f"编码「{code}」已存在于库中（本次为仅新增模式）；如需更新请去掉仅新增选项")
                continue
            updates += 1
    return updates


# --------------------------------------------------------------------------- report parts
def short_reason(errs: list[str]) -> str:
    """At most 60 characters: the first problem up to its first explanation, plus how many more."""
    first = re.split(r"[（，；]", errs[0], maxsplit=1)[0].strip() or errs[0]
    more = f"（等 {len(errs)} 项）" if len(errs) > 1 else ""
    room = _REASON_LEN - len(more)
    return (first if len(first) <= room else first[:room - 1] + "…") + more


def _rejection(row: int, errs: list[str]) -> dict:
    return {"row": row, "reason": short_reason(errs), "details": "；".join(errs)}


def cap_warnings(warnings: list[dict], cap: int = MAX_WARNINGS_PER_KIND) -> list[dict]:
    """At most ``cap`` warnings of each kind (batch-wide ones first), then one summary per kind."""
    warnings = sorted(warnings, key=lambda w: (w["row"] if w["row"] is not None else -1))
    kept: list[dict] = []
    seen: Counter = Counter()
    for w in warnings:
        seen[w["kind"]] += 1
        if seen[w["kind"]] <= cap:
            kept.append(w)
    for kind, n in seen.items():
        if n > cap:
            kept.append({"row": None, "kind": kind, "message": f"另有 {n - cap} 条同类提示（{kind}）未逐条列出，共 {n} 条"})
    return kept


def _near_warning(d: dict) -> dict:
    if d["existing"]:
        text = (f"第 {d['row']} 行（{d['code']}）与库中已有的 {d['other_code']}（{d['other_name']}）相距 "
                f"{d['distance_m']:.1f} m，可能是同一排口：请选择合并、都保留或跳过")
    else:
        text = (f"第 {d['row']} 行（{d['code']}）与第 {d['other_row']} 行（{d['other_code']}）相距 "
                f"{d['distance_m']:.1f} m，可能是同一对象，请核对")
    return {"row": d["row"], "kind": "near_duplicate", "message": text}


# --------------------------------------------------------------------------- near-duplicates
def near_duplicates(gdf, radius_m: float, existing: list[tuple[str, float, float, str]] = ()) -> list[dict]:
    """Rows lying within ``radius_m`` of a stored point or of an earlier row of the file.

    Linear in the number of rows, whatever the clustering: rows are bucketed in square cells of
    side radius/√2 (any two in one cell are near each other); only the first row of each cell (at
    most one per cell, so few) is compared through a spatial index. Each row is flagged at most once.
    """
    import shapely

    n = len(gdf)
    if n == 0 or radius_m <= 0:
        return []
    geoms = np.array(gdf.geometry.values, dtype=object)  # a copy: the report keeps the real shapes
    polygons = shapely.get_type_id(geoms) != 0
    geoms[polygons] = shapely.point_on_surface(geoms[polygons])
    lonlat = shapely.get_coordinates(geoms)
    metric = _local_metric_crs(float(np.median(lonlat[:, 0])))
    xy = np.column_stack(_to_metric(lonlat[:, 0], lonlat[:, 1], metric))
    cell = np.floor(xy / (radius_m / math.sqrt(2))).astype(np.int64)
    order = np.lexsort((np.arange(n), cell[:, 1], cell[:, 0]))
    new_cell = np.r_[True, (np.diff(cell[order], axis=0) != 0).any(axis=1)]
    rep_of = np.empty(n, dtype=np.int64)
    rep_of[order] = order[np.maximum.accumulate(np.where(new_cell, np.arange(n), 0))]
    reps = np.flatnonzero(rep_of == np.arange(n))
    partner = np.full(n, -1, dtype=np.int64)  # earlier row of the file
    others = rep_of != np.arange(n)
    partner[others] = rep_of[others]
    tree = shapely.STRtree(shapely.points(xy))
    a, b = tree.query(shapely.points(xy[reps]), predicate="dwithin", distance=radius_m)
    a = reps[a]
    keep = b < a
    order = np.lexsort((-b[keep], a[keep]))  # per row, the earliest earlier row within reach comes last
    partner[a[keep][order]] = b[keep][order]
    rows, codes, names = gdf["source_row"].tolist(), gdf["code"].tolist(), gdf["name"].tolist()
    ex_of, ex_d = _near_existing(xy, reps, rep_of, existing, metric, radius_m, np.array(codes, dtype=object))
    out = []
    for i in np.flatnonzero((ex_of >= 0) | (partner >= 0)).tolist():
        if ex_of[i] >= 0:
            e = existing[int(ex_of[i])]
            out.append({"row": rows[i], "code": codes[i], "name": names[i], "other_code": e[0], "other_name": e[3],
                        "other_row": None, "distance_m": round(float(ex_d[i]), 2), "existing": True})
        else:
            j = int(partner[i])
            out.append({"row": rows[i], "code": codes[i], "name": names[i], "other_code": codes[j],
                        "other_name": names[j], "other_row": rows[j],
                        "distance_m": round(float(np.hypot(*(xy[i] - xy[j]))), 2), "existing": False})
    return out


def _near_existing(xy: np.ndarray, reps: np.ndarray, rep_of: np.ndarray, existing, metric: str,
                   radius_m: float, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index in ``existing`` or -1, distance) per row: the stored point nearest to the row's cell
    representative, when the row itself lies within ``radius_m`` of it and is not that record's
    own update (same code)."""
    import shapely

    n = len(xy)
    found, dist = np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
    if not len(existing):
        return found, dist
    exy = np.column_stack(_to_metric(np.array([e[1] for e in existing], dtype=float),
                                     np.array([e[2] for e in existing], dtype=float), metric))
    ex_codes = np.array([e[0] for e in existing], dtype=object)
    a, b = shapely.STRtree(shapely.points(exy)).query(shapely.points(xy[reps]), predicate="dwithin", distance=radius_m)
    other = ex_codes[b] != codes[reps[a]]
    a, b = a[other], b[other]
    if not len(a):
        return found, dist
    d = np.hypot(*(xy[reps[a]] - exy[b]).T)
    best = np.full(n, -1, dtype=np.int64)
    order = np.lexsort((-d, reps[a]))  # per representative, the nearest stored point comes last
    best[reps[a][order]] = b[order]
    candidate = best[rep_of]
    has = candidate >= 0
    dd = np.full(n, np.inf)
    dd[has] = np.hypot(*(xy[has] - exy[candidate[has]]).T)
    ok = dd <= radius_m
    ok[ok] = ex_codes[candidate[ok]] != codes[ok]
    found[ok], dist[ok] = candidate[ok], dd[ok]
    return found, dist


def _to_metric(lon: np.ndarray, lat: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    return Transformer.from_crs(crsmod.WGS84, metric, always_xy=True).transform(lon, lat)
