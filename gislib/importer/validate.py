"""gislib.importer.validate: check mapped rows and turn them into WGS84 records.

Every input row ends either accepted or rejected with a reason (all problems of the row, joined
with "；"). Accepted records keep ``source_crs`` and ``source_row``. Lat/lon swaps are fixed with
a warning; points closer than ``dup_radius_m`` to another accepted point are flagged for review.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from gislib import crs as crsmod
from gislib import domain
from gislib.errors import ExportError, ValidationError
from gislib.schemas import COORD_LABELS, PROVENANCE_FIELDS, Field, get_schema
from gislib.safe_text import cell as safe_cell

CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
_CN_DIGITS = {"一": "I", "二": "II", "三": "III", "四": "IV", "五": "V", "1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}
_TRUE = {"是", "true", "t", "yes", "y", "1", "√", "✓", "有", "重点", "是的"}
_FALSE = {"否", "false", "f", "no", "n", "0", "×", "✗", "无", "非重点", "不是"}
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
            raise ExportError(f"无法写入 {path}（{exc}）。请确认目录存在且文件未被 Excel 打开。") from exc
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


def convert_value(value: Any, f: Field) -> Any:
    """Convert one cell for field ``f``; raises ValidationError with a Chinese message naming the field."""
    label = f"「{f.label}」({f.name})"
    if f.type == "int":
        try:
            num = float(unicodedata.normalize("NFKC", str(value)).replace(",", "")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"字段{label}的值「{value}」不是整数", field=f.name) from None
        if not num.is_integer():
            raise ValidationError(f"字段{label}的值「{value}」不是整数", field=f.name)
        return int(num)
    if f.type == "float":
        try:
            num = float(unicodedata.normalize("NFKC", str(value)).replace(",", "")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"字段{label}的值「{value}」不是数字", field=f.name) from None
        if not math.isfinite(num):
            raise ValidationError(f"字段{label}的值「{value}」不是有限数字", field=f.name)
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
        raise ValidationError(f"字段{label}的值「{value}」应为 是/否", field=f.name)
    text = to_text(value)
    if f.name == "code":
        text = unicodedata.normalize("NFKC", text).strip()
    if f.allowed:
        return _allowed(text, f, label)
    return text


@lru_cache(maxsize=64)
def _canonical_options(allowed: tuple[str, ...]) -> dict[str, str]:
    return {_canon(option): option for option in allowed}


def _allowed(text: str, f: Field, label: str) -> str:
    if f.allowed == domain.WQ_CLASSES:
        cls = normalize_wq_class(text)
        if cls:
            return cls
    option = _canonical_options(f.allowed).get(_canon(text))
    if option is not None:
        return option
    raise ValidationError(f"字段{label}的值「{text}」不在允许值中（允许：{'、'.join(f.allowed)}）", field=f.name)


def _to_date(value: Any, label: str, name: str) -> date:
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
    raise ValidationError(f"字段{label}的值「{value}」不是可识别的日期（请写成 2024-05-01）", field=name)


# --------------------------------------------------------------------------- geometry helpers
def _swap(geom):
    import shapely

    return shapely.transform(geom, lambda c: c[:, ::-1])


def _first_xy(geom) -> tuple[float, float]:
    import shapely

    c = shapely.get_coordinates(geom)
    return (float(c[0, 0]), float(c[0, 1])) if len(c) else (math.nan, math.nan)


def _local_metric_crs(lon: float) -> str:
    """A metric CRS for distances around ``lon``: the CGCS2000 3° GK zone."""
    lon = min(max(lon, 75.0), 135.0)
    return f"EPSG:{crsmod.gk3_epsg(crsmod.gk3_central_meridian(lon))}"


def _row_of(rec: dict, index: int) -> int:
    r = rec.get("_row", rec.get("source_row"))
    return int(r) if r is not None else index + 1


# --------------------------------------------------------------------------- main entry
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
) -> ImportReport:
    """Validate records keyed by field name (from :func:`columns.apply_mapping`, or plain dicts).

    Coordinates come from ``_geometry`` (GIS files), a ``wkt`` value or ``x``/``y`` cells.
    ``crs_choice``: "auto" (detect; ``declared_crs`` from the file wins over value guessing),
    "EPSG:n", "gcj02" or "bd09". ``district``: shapely geometry in WGS84; points farther outside
    than ``tolerance_m`` are rejected. Codes in ``existing_codes`` count as updates, or are
    rejected when ``insert_only``.
    """
    import geopandas as gpd
    import shapely
    from shapely import wkt as shapely_wkt
    from shapely.geometry import Point

    schema = get_schema(layer)
    recs = list(rows)
    n = len(recs)
    row_no = [_row_of(r, i) for i, r in enumerate(recs)]
    errors: list[list[str]] = [[] for _ in recs]
    warnings: list[dict] = []
    geoms: list[Any] = [None] * n
    xlab, ylab = COORD_LABELS["x"], COORD_LABELS["y"]

    # 1. geometry in the source CRS
    for i, rec in enumerate(recs):
        if rec.get("_geometry_error"):
            errors[i].append(str(rec["_geometry_error"]))
            continue
        g = rec.get("_geometry")
        if g is None and not _is_blank(rec.get("wkt")):
            try:
                g = shapely_wkt.loads(str(rec["wkt"]))
            except Exception:  # noqa: BLE001 - shapely raises GEOSException/ValueError
                errors[i].append(f"几何(WKT)「{str(rec['wkt'])[:40]}」无法解析")
                continue
        if g is None:
            xv, yv = rec.get("x"), rec.get("y")
            if _is_blank(xv) and _is_blank(yv):
                errors[i].append("坐标缺失（经度/纬度或 X/Y 为空），请补填坐标")
                continue
            parsed = []
            for v, lab in ((xv, xlab), (yv, ylab)):
                if _is_blank(v):
                    errors[i].append(f"坐标缺失：{lab} 为空")
                    continue
                try:
                    parsed.append(crsmod.parse_coordinate(v))
                except ValidationError as exc:
                    errors[i].append(f"{lab} 不是有效数字：{exc}")
            if len(parsed) != 2:
                continue
            g = Point(parsed)
        if g.is_empty:
            errors[i].append("几何为空")
            continue
        geoms[i] = g

    # 2. CRS of the file
    have = [i for i in range(n) if geoms[i] is not None]
    firsts = [_first_xy(geoms[i]) for i in have]
    if have:
        guess = crsmod.detect_crs(
            [p[0] for p in firsts], [p[1] for p in firsts], crs_choice, filename, column_names,
            declared_crs=declared_crs, central_meridian=central_meridian,
        )
        used = crsmod.check_supported(guess.crs, force_legacy)
    else:
        guess = crsmod.CRSGuess("", "没有任何一行带有可用坐标，未判断坐标系。")
        used = ""
    geographic = bool(used) and crsmod.is_geographic(used)

    # 3. axis order, ranges, transform to WGS84
    for k, i in enumerate(have):
        g = geoms[i]
        if guess.swapped_axes:
            g = _swap(g)
        x0, y0 = _first_xy(g)
        if geographic:
            if crsmod._looks_degrees(x0, y0) == "swapped":
                g = _swap(g)
                warnings.append({"row": row_no[i], "kind": "swap",
                                 "message": f"第 {row_no[i]} 行经纬度填反（{x0:g}, {y0:g}），已自动对调"})
            c = shapely.get_coordinates(g)
            if (np.abs(c[:, 0]) > 180).any() or (np.abs(c[:, 1]) > 90).any():
                errors[i].append(f"坐标 ({x0:g}, {y0:g}) 超出经纬度范围（经度 ±180、纬度 ±90），请核对数值是否多输/少输位数，或是否为投影坐标")
                geoms[i] = None
                continue
        else:
            pg = crsmod._projected_guess(x0, y0, central_meridian)
            if pg is not None and pg.swapped_axes:
                g = _swap(g)
                warnings.append({"row": row_no[i], "kind": "swap",
                                 "message": f"第 {row_no[i]} 行 X/Y（北/东坐标）顺序相反，已自动对调"})
        geoms[i] = g
    have = [i for i in have if geoms[i] is not None]
    if have:
        src = np.array([geoms[i] for i in have], dtype=object)
        wgs = shapely.transform(src, lambda c: np.column_stack(crsmod.to_wgs84(c[:, 0], c[:, 1], used, force_legacy)))
        for i, g in zip(have, wgs):
            c = shapely.get_coordinates(g)
            if not np.isfinite(c).all():
                errors[i].append(f"坐标无法从 {used} 转换为经纬度（超出该坐标系的有效范围）")
                geoms[i] = None
                continue
            if (c[:, 0] < CHINA_LON[0]).any() or (c[:, 0] > CHINA_LON[1]).any() or (c[:, 1] < CHINA_LAT[0]).any() or (c[:, 1] > CHINA_LAT[1]).any():
                x0, y0 = _first_xy(geoms[i])
                errors[i].append(
                    f"坐标 ({x0:g}, {y0:g}) 按 {used} 换算后为 ({c[0, 0]:.5f}, {c[0, 1]:.5f})，超出中国范围"
                    f"（经度 {CHINA_LON[0]:g}–{CHINA_LON[1]:g}、纬度 {CHINA_LAT[0]:g}–{CHINA_LAT[1]:g}），请核对数值或坐标系")
                geoms[i] = None
                continue
            geoms[i] = g

    # 4. geometry kind and validity
    for i in range(n):
        g = geoms[i]
        if g is None:
            continue
        if g.geom_type not in schema.geometry_types:
            errors[i].append(f"图层「{schema.label}」需要 {'/'.join(schema.geometry_types)} 几何，该行为 {g.geom_type}")
            geoms[i] = None
        elif not g.is_valid:
            errors[i].append(f"几何无效（{shapely.is_valid_reason(g)}），请在 GIS 软件中修复（如自相交的面）")
            geoms[i] = None

    # 5. district
    if district is not None:
        have = [i for i in range(n) if geoms[i] is not None]
        if have:
            metric = _local_metric_crs(district.centroid.x)
            pts = gpd.GeoSeries([geoms[i] for i in have], crs=crsmod.WGS84).to_crs(metric)
            boundary = gpd.GeoSeries([district], crs=crsmod.WGS84).to_crs(metric).iloc[0]
            dists = pts.distance(boundary).to_numpy()
            for i, d in zip(have, dists):
                if d > tolerance_m:
                    errors[i].append(
                        f"位于辖区外约 {d / 1000:.1f} km（容差 {tolerance_m / 1000:g} km），请核对坐标或坐标系"
                        "（GCJ-02 与 WGS84 混用会偏移约 500 m，BD-09 约 1 km）")
                elif d > 0:
                    warnings.append({"row": row_no[i], "kind": "district",
                                     "message": f"第 {row_no[i]} 行位于辖区边界外 {d:.0f} m（容差内，已接受），请核对"})

    # 6. attributes
    values: list[dict] = [{} for _ in recs]
    for i, rec in enumerate(recs):
        failed: set[str] = set()
        for f in schema.fields:
            v = rec.get(f.name)
            if _is_blank(v):
                if f.required:
                    errors[i].append(f"缺少必填字段「{f.label}」({f.name})")
                values[i][f.name] = None
                continue
            try:
                values[i][f.name] = convert_value(v, f)
            except ValidationError as exc:
                errors[i].append(str(exc))
                values[i][f.name] = None
                failed.add(f.name)
        if layer == "outfalls":
            _check_outfall_types(values[i], errors[i], failed)

    # 7. codes: duplicates within the file, then against the store
    first_seen: dict[str, int] = {}
    existing = {unicodedata.normalize("NFKC", str(c)).strip() for c in existing_codes}
    updates = 0
    for i in range(n):
        if geoms[i] is None and not errors[i]:
            errors[i].append("坐标缺失")
        if errors[i]:
            continue
        code = values[i].get("code")
        if code is None:
            continue
        if code in first_seen:
            j = first_seen[code]
            errors[i].append(f"编码「{code}」在文件中重复（与第 {row_no[j]} 行相同），只导入第一次出现的行；请核对后改正编码")
            warnings.append({"row": row_no[j], "kind": "duplicate_code",
                             "message": f"第 {row_no[j]} 行的编码「{code}」在第 {row_no[i]} 行再次出现，已导入第 {row_no[j]} 行，请核对"})
            continue
        first_seen[code] = i
        if code in existing:
            if insert_only:
                errors[i].append(f"编码「{code}」已存在于库中（本次为仅新增模式）；如需更新请去掉仅新增选项")
                continue
            updates += 1

    # 8. assemble
    accepted_idx = [i for i in range(n) if not errors[i] and geoms[i] is not None]
    rejected = [{"row": row_no[i], "reason": "；".join(errors[i])} for i in range(n) if errors[i]]
    rejected_raw = {row_no[i]: dict(recs[i].get("_raw") or {k: v for k, v in recs[i].items() if not str(k).startswith("_")})
                    for i in range(n) if errors[i]}
    data = {f: [values[i][f] for i in accepted_idx] for f in schema.field_names}
    data["source_crs"] = [used] * len(accepted_idx)
    data["source_row"] = [row_no[i] for i in accepted_idx]
    gdf = gpd.GeoDataFrame(data, geometry=[geoms[i] for i in accepted_idx], crs=crsmod.WGS84)
    gdf = gdf[[*schema.field_names, *PROVENANCE_FIELDS, "geometry"]]
    warnings += _near_duplicates(gdf, dup_radius_m)
    warnings.sort(key=lambda w: (w["row"] if w["row"] is not None else -1))
    crs_info = {"used": used, "label": crsmod.crs_label(used) if used else "", "reason": guess.reason,
                "swapped_axes": guess.swapped_axes}
    return ImportReport(
        layer=layer, accepted=gdf, rejected=rejected, warnings=warnings, crs=crs_info,
        inserts=len(accepted_idx) - updates, updates=updates, total_rows=n, source=filename,
        rejected_raw=rejected_raw,
    )


def _check_outfall_types(v: dict, errs: list[str], failed: set[str] = frozenset()) -> None:
    """Fill type_l1 from type_l2 and check type_l1/type_l2/type_l3 agree (HJ 1312-2023).

    ``failed``: fields whose value was already rejected (not reported again as missing)."""
    if v.get("state") == "整治中" and not v.get("remediation_kind"):
        errs.append(f"状态为「整治中」的排污口必须填写整治方式 remediation_kind（允许：{'、'.join(domain.REMEDIATION_KINDS)}）")
    if failed & {"type_l1", "type_l2", "type_l3"}:
        return
    l1, l2, l3 = v.get("type_l1"), v.get("type_l2"), v.get("type_l3")
    if l1 == "暂无法确定" and not l2:
        v["type_l2"] = l2 = "暂无法确定"
    if not l1 and not l2:
        errs.append("缺少排口类型：请填写一级类型或二级类型（HJ 1312-2023；排查阶段可填「暂无法确定」）")
    elif l1 and not l2:
        errs.append(f"缺少二级类型(type_l2)；「{l1}」可选：{'、'.join(domain.OUTFALL_TYPES[l1])}")
    if l2:
        parent = domain.outfall_type_l1(l2)
        if l1 and l1 != parent:
            errs.append(f"一级类型「{l1}」与二级类型「{l2}」不符（「{l2}」属于「{parent}」）")
            return
        v["type_l1"] = parent
        if l3 and l3 not in domain.OUTFALL_TYPES[parent][l2]:
            allowed = domain.OUTFALL_TYPES[parent][l2]
            errs.append(f"三级类型「{l3}」不属于二级类型「{l2}」（允许：{'、'.join(allowed) if allowed else '无三级类型'}）")
    elif l3:
        errs.append(f"填写了三级类型「{l3}」但缺少二级类型(type_l2)")


def _near_duplicates(gdf, radius_m: float) -> list[dict]:
    """Warnings for accepted features closer than ``radius_m`` to another (likely the same outfall)."""
    import shapely

    if len(gdf) < 2 or radius_m <= 0:
        return []
    metric = _local_metric_crs(float(gdf.geometry.representative_point().x.median()))
    pts = gdf.geometry.representative_point().to_crs(metric)
    arr = np.asarray(pts.values, dtype=object)
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="dwithin", distance=radius_m)
    out = []
    rows = gdf["source_row"].tolist()
    codes = gdf["code"].tolist()
    for a, b in zip(left, right):
        if a < b:
            d = shapely.distance(arr[a], arr[b])
            out.append({"row": rows[b], "kind": "near_duplicate",
                        "message": f"第 {rows[b]} 行（{codes[b]}）与第 {rows[a]} 行（{codes[a]}）相距 {d:.1f} m，可能是同一对象，请核对"})
    return out
