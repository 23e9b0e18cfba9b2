"""gislib.store.validators: record validation for the store (一口一档, docs/domain.md §1.4).

* Code schemes: codes are opaque strings; each scheme ("key", "national", "local", "former",
  "permit_outlet", ...) has a pluggable validator (``register_code_validator``). The default is
  permissive. HJ 1235-2021 is NOT implemented on purpose (its structure is unverified, §1.5).
* ``credit_code_problem``: the GB 32100-2015 统一社会信用代码 check digit.
* ``normalize_record`` turns flat importer/demo columns into the nested record;
  ``validate_record`` / ``validate_outfall`` return every problem as {field: message}.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from gislib.domain import (
    DISCHARGE_MODES,
    DISCHARGE_PATTERNS,
    normalize_discharge_pattern,
    LAND_USE_CLASSES,
    OUTFALL_TYPES,
    REMEDIATION_KINDS,
    WQ_CLASSES,
    approval_kind,
    outfall_type_l1,
)
from gislib.errors import Lines, Phrase, Sentences, ValidationError
from gislib.fields import MAIN, rename_former
from gislib.fields.outfalls import TABLE as OUTFALL_TABLE

LAYERS: tuple[str, ...] = ("outfalls", "sections", "plots", "dust", "problems")

# Keys that live in table columns, not in the JSON ``data`` of a record.
META_FIELDS: tuple[str, ...] = (
    "layer", "code", "state", "version", "lon", "lat", "geometry_wkt", "source_crs",
    "created_by", "created_at", "updated_by", "updated_at",
)
MONITORING_METHODS = ("快检", "规范监测")
# fields of the table that are computed for display, never stored
_SHOWN_ONLY: tuple[str, ...] = ("location", "overdue", "phase", "updated", "demo", "attachments")

# The 一口一档 fields of an outfall record (docs/domain.md §1.4): field -> Chinese label, derived
# from the one field table (gislib.fields.outfalls). Nested: responsible_parties [{name,
# credit_code, contact, main}], river_chief {level, name}, monitoring [{date, method, item, value,
# unit, limit, exceeded}], tracing {result, method, ...}, remediation {kind, plan, deadline,
# progress_pct, closed_date}, signboard {installed, qr_url}, inspections [{date, inspector,
# findings, photo_hashes}]. Any other key is kept as extra data.
OUTFALL_FIELDS: dict[str, str] = {
    f.top: f.zh for f in OUTFALL_TABLE.fields if f.path == (f.name,) and f.name not in _SHOWN_ONLY and (f.name == "code" or f.name not in META_FIELDS)}
ATTACHMENT_HASH_RE = re.compile(r"^[0-9a-f]{64}$")


class RecordValidationError(ValidationError):
    """A record breaks one or more rules; ``errors`` maps each field to its message."""

    def __init__(self, message: str, errors: dict[str, str], **params):
        first = next(iter(errors), None)
        super().__init__(message, field=first, **params)
        self.errors = dict(errors)


class BulkValidationError(ValidationError):
    """Some rows of a bulk write are invalid; nothing was written.

    ``rows`` lists ``{"index": i, "code": code, "errors": {field: message}}`` for every bad row.
    """

    def __init__(self, message: str, rows: list[dict[str, Any]], **params):
        super().__init__(message, **params)
        self.rows = rows


def field_problems(errors: dict[str, Any]) -> Sentences:
    """The ``{field: problem}`` of a record as one parameter of an error ("field: problem; …")."""
    return Sentences(Phrase("error.field_problem", field=k, problem=v) for k, v in errors.items())


def bad_rows(bad: list[dict[str, Any]]) -> Lines:
    """The bad rows of a bulk write (``BulkValidationError.rows``) as one parameter, one row a line."""
    return Lines(Phrase("error.bulk_row", row=b["index"] + 1, code=b["code"] or Phrase("error.no_code"),
                        problems=field_problems(b["errors"])) for b in bad)


# --------------------------------------------------------------------------- code schemes
CodeValidator = Callable[[str], "str | None"]  # returns a problem message or None


def permissive_code(code: str) -> str | None:
    """Default scheme validator: any 1–64 printable characters without spaces."""
    if not isinstance(code, str) or not code:
        return "编码不能为空 (code is empty): fill in the code"
    if len(code) > 64:
        return f"编码过长 ({len(code)} > 64 字符): shorten it"
    if any(ch.isspace() or not ch.isprintable() for ch in code):
        return f"编码 {code!r} 含空格或控制字符: remove them"
    return None


_PERMIT_OUTLET_RE = re.compile(r"^DW\d{3}$")


def permit_outlet_code(code: str) -> str | None:
    """排污许可 water outlet code, e.g. ``DW001`` (D = outlet, W = water, 3-digit serial; HJ 608)."""
    problem = permissive_code(code)
    if problem:
        return problem
    if not _PERMIT_OUTLET_RE.match(code):
        return f"排污许可排放口编码 {code!r} 应为 DW + 3 位数字 (如 DW001)"
    return None


_CODE_VALIDATORS: dict[str, CodeValidator] = {"permit_outlet": permit_outlet_code}

# data field -> code scheme (the record key ``code`` is scheme "key")
CODE_SCHEME_FIELDS: dict[str, str] = {
    "national_code": "national",
    "local_code": "local",
    "former_codes": "former",
    "permit_outlet_code": "permit_outlet",
}


def register_code_validator(scheme: str, validator: CodeValidator) -> None:
    """Use ``validator`` for every code of ``scheme`` (e.g. a provincial rule, or HJ 1235 once read)."""
    _CODE_VALIDATORS[scheme] = validator


def code_validator(scheme: str) -> CodeValidator:
    """The validator of ``scheme`` (the permissive default when none is registered)."""
    return _CODE_VALIDATORS.get(scheme, permissive_code)


def record_codes(record: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (scheme, code) pair a record holds: its key plus national/local/former/permit codes."""
    pairs: list[tuple[str, str]] = []
    if record.get("code"):
        pairs.append(("key", str(record["code"])))
    for field, scheme in CODE_SCHEME_FIELDS.items():
        value = record.get(field)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if v not in (None, ""):
                pairs.append((scheme, str(v)))
    return list(dict.fromkeys(pairs))


# --------------------------------------------------------------------------- GB 32100-2015
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    total = sum(CREDIT_ALPHABET.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None when ``code`` is a valid 18-character 统一社会信用代码, else what is wrong."""
    if not isinstance(code, str):
        return "统一社会信用代码应为文本"
    code = code.strip().upper()
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位, 现为 {len(code)} 位: check the code"
    bad = sorted({ch for ch in code if ch not in CREDIT_ALPHABET})
    if bad:
        return f"统一社会信用代码含非法字符 {''.join(bad)} (不使用 I、O、Z、S、V): check the code"
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误: 末位应为 {expected}, 实为 {code[17]}; check for a typo"
    return None


_PERMIT_NO_RE = re.compile(r"^([0-9A-Z]{18})(\d{3})([A-Z])$")


def permit_number_problem(number: str) -> str | None:
    """排污许可证编号 = credit code (18) + 3-digit 顺序码 + 1 letter (22 characters, §1.5)."""
    if not isinstance(number, str):
        return "排污许可证编号应为文本"
    m = _PERMIT_NO_RE.match(number.strip().upper())
    if not m:
        return "排污许可证编号应为 统一社会信用代码(18位)+3位顺序码+1位字母, 共 22 位"
    problem = credit_code_problem(m.group(1))
    return f"排污许可证编号前 18 位: {problem}" if problem else None


# --------------------------------------------------------------------------- helpers
def parse_date(value: Any) -> dt.date | None:
    """A date from a date/datetime/'YYYY-MM-DD' string; None when it cannot be read."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()[:10].replace("/", "-")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    return None


def _is_blank(value: Any) -> bool:
    """None, NaN, pandas NA/NaT or whitespace-only text."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        try:
            return bool(value != value)  # NaN (also numpy floats)
        except (TypeError, ValueError):
            return False
    return False


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _as_bool(value: Any) -> Any:
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("是", "true", "yes", "y", "1", "有"):
            return True
        if low in ("否", "false", "no", "n", "0", "无", ""):
            return False
    return value


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        parts = re.split(r"[;,；，、|]\s*", value.strip())
        return [p.strip() for p in parts if p.strip()]
    return value


# --------------------------------------------------------------------------- normalisation
def normalize_record(layer: str, record: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` with blanks dropped and flat importer/demo columns nested.

    Outfalls: ``responsible``+``credit_code`` -> ``responsible_parties``; ``river_chief`` text ->
    {level, name}; ``remediation_kind``/``deadline`` -> ``remediation``; ``tracing_result`` ->
    ``tracing``; ``former_codes``/``main_pollutants`` text -> lists; ``approval_kind`` is derived.
    """
    out = rename_former(layer, {k: v for k, v in record.items() if not _is_blank(v)})
    if layer != "outfalls":
        return out
    _nest_party(out)
    if isinstance(out.get("river_chief"), str):
        text = out["river_chief"].strip()
        m = re.match(r"^(\S*级)(?:河长)?[\s:：]+(.+)$", text)
        out["river_chief"] = {"level": m.group(1), "name": m.group(2).strip()} if m else {"name": text}
    if isinstance(out.get("tracing"), str):
        out["tracing"] = {"result": out["tracing"]}
    _nest_flat(out)
    for key in ("former_codes", "main_pollutants"):
        if key in out:
            out[key] = _split_list(out[key])
    if "discharge_pattern" in out:
        out["discharge_pattern"] = normalize_discharge_pattern(out["discharge_pattern"])
    if "in_national_platform" in out:
        out["in_national_platform"] = _as_bool(out["in_national_platform"])
    if isinstance(out.get("signboard"), dict) and "installed" in out["signboard"]:
        out["signboard"] = {**out["signboard"], "installed": _as_bool(out["signboard"]["installed"])}
    if "type_l2" in out and "type_l1" not in out:
        try:
            out["type_l1"] = outfall_type_l1(out["type_l2"])
        except KeyError:
            pass
    if out.get("type_l1") == "暂无法确定":
        out.setdefault("type_l2", "暂无法确定")
    if "type_l2" in out:
        out["approval_kind"] = approval_kind(out["type_l2"])  # derived (部令第35号); input ignored
    return out


def _nest_party(out: dict[str, Any]) -> None:
    """Flat main-party columns (责任主体, 统一社会信用代码, 联系方式) -> ``responsible_parties``."""
    flat = [f for f in OUTFALL_TABLE.fields if f.path[:2] == ("responsible_parties", MAIN)]
    if not any(f.name in out for f in flat):
        return
    party = {f.path[2]: out.pop(f.name) for f in flat if f.name in out}
    out.setdefault("responsible_parties", [{**party, "main": True}])


def _nest_flat(out: dict[str, Any]) -> None:
    """Flat columns of nested fields (``deadline``, ``tracing_result`` …) -> their place in the record
    (``remediation.deadline``, ``tracing.result``), as the field table says; a nested value wins."""
    for f in OUTFALL_TABLE.fields:
        if len(f.path) != 2 or f.name not in out or f.name == f.top:
            continue
        box = out.get(f.top)
        if box is None:
            box = out[f.top] = {}
        if isinstance(box, dict):
            box.setdefault(f.path[1], out.pop(f.name))


# --------------------------------------------------------------------------- validation
def _check_date(errors: dict[str, str], field: str, value: Any) -> None:
    if not _is_blank(value) and parse_date(value) is None:
        errors[field] = f"日期 {value!r} 无法识别: use YYYY-MM-DD"


def _check_choice(errors: dict[str, str], field: str, value: Any, choices: Iterable[str]) -> None:
    choices = tuple(choices)
    if not _is_blank(value) and value not in choices:
        errors[field] = f"{value!r} 不是有效取值; 可选: {'、'.join(choices)}"


def _check_number(errors: dict[str, str], field: str, value: Any, lo: float | None = None,
                  hi: float | None = None) -> None:
    if _is_blank(value):
        return
    num = _number(value)
    if num is None:
        errors[field] = f"{value!r} 不是数字: enter a number"
    elif (lo is not None and num < lo) or (hi is not None and num > hi):
        rng = f"{lo if lo is not None else '-∞'}–{hi if hi is not None else '∞'}"
        errors[field] = f"{num:g} 超出范围 {rng}"


def validate_geometry(record: dict[str, Any], point_required: bool) -> dict[str, str]:
    """Problems with lon/lat (WGS84 degrees) or ``geometry_wkt``."""
    errors: dict[str, str] = {}
    lon, lat, wkt = record.get("lon"), record.get("lat"), record.get("geometry_wkt")
    if _is_blank(lon) and _is_blank(lat) and _is_blank(wkt):
        errors["lon"] = "缺少位置: give lon/lat (WGS84 度) or geometry_wkt"
        return errors
    if not (_is_blank(lon) and _is_blank(lat)):
        x, y = _number(lon), _number(lat)
        if x is None or not -180 <= x <= 180:
            errors["lon"] = f"经度 {lon!r} 无效: WGS84 经度应在 -180–180 之间 (是否为投影坐标? 先转换坐标系)"
        if y is None or not -90 <= y <= 90:
            errors["lat"] = f"纬度 {lat!r} 无效: WGS84 纬度应在 -90–90 之间 (是否为投影坐标? 先转换坐标系)"
    elif point_required:
        errors["lon"] = "该图层需要点位: give lon and lat (WGS84)"
    if not _is_blank(wkt):
        try:
            import shapely

            geom = shapely.from_wkt(wkt)
            if geom is None or geom.is_empty:
                errors["geometry_wkt"] = "几何为空: give a non-empty WKT geometry"
            else:
                x0, y0, x1, y1 = geom.bounds
                if x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
                    errors["geometry_wkt"] = "几何坐标不是 WGS84 经纬度: reproject to EPSG:4326 first"
        except Exception as exc:  # shapely raises GEOSException for bad WKT
            errors["geometry_wkt"] = f"WKT 无法解析 ({exc}): check the geometry text"
    return errors


def _validate_codes(record: dict[str, Any], errors: dict[str, str]) -> None:
    for field, scheme in (("code", "key"), *CODE_SCHEME_FIELDS.items()):
        value = record.get(field)
        if _is_blank(value):
            continue
        values = value if isinstance(value, list) else [value]
        if field == "former_codes" and not isinstance(value, list):
            errors[field] = "历史编码应为列表 (list of codes)"
            continue
        for i, v in enumerate(values):
            problem = code_validator(scheme)(str(v) if not isinstance(v, str) else v)
            if problem:
                errors[field if len(values) == 1 else f"{field}[{i}]"] = problem


def validate_outfall(data: dict[str, Any]) -> dict[str, str]:
    """Every problem of an outfall record (一口一档) as {field: message}; empty when valid."""
    rec = normalize_record("outfalls", data)
    errors: dict[str, str] = {}
    if _is_blank(rec.get("code")):
        errors["code"] = "缺少编码: fill in the outfall code"
    if _is_blank(rec.get("name")):
        errors["name"] = "缺少名称: fill in the outfall name"
    _validate_codes(rec, errors)
    errors.update(validate_geometry(rec, point_required=True))
    _validate_types(rec, errors)
    _check_date(errors, "approval_date", rec.get("approval_date"))
    admin = rec.get("admin_code")
    if not _is_blank(admin) and not re.fullmatch(r"\d{6}", str(admin)):
        errors["admin_code"] = f"行政区划代码 {admin!r} 应为 6 位数字 (GB/T 2260)"
    _check_choice(errors, "target_class", rec.get("target_class"), WQ_CLASSES)
    _check_number(errors, "downstream_section_km", rec.get("downstream_section_km"), lo=0)
    _check_choice(errors, "discharge_mode", rec.get("discharge_mode"), DISCHARGE_MODES)
    _check_choice(errors, "discharge_pattern", rec.get("discharge_pattern"), DISCHARGE_PATTERNS)
    _check_number(errors, "design_volume_m3d", rec.get("design_volume_m3d"), lo=0)
    _check_number(errors, "actual_volume_m3d", rec.get("actual_volume_m3d"), lo=0)
    pol = rec.get("main_pollutants")
    if pol is not None and not (isinstance(pol, list) and all(isinstance(p, str) for p in pol)):
        errors["main_pollutants"] = "主要污染物应为文本列表, 如 ['COD', '氨氮']"
    _validate_parties(rec.get("responsible_parties"), errors)
    permit = rec.get("discharge_permit_no")
    if not _is_blank(permit):
        problem = permit_number_problem(str(permit))
        if problem:
            errors["discharge_permit_no"] = problem
    chief = rec.get("river_chief")
    if chief is not None and not (isinstance(chief, dict) and not _is_blank(chief.get("name"))):
        errors["river_chief"] = "河长应为 {level, name} 且含姓名"
    _validate_monitoring(rec.get("monitoring"), errors)
    tracing = rec.get("tracing")
    if tracing is not None and not isinstance(tracing, dict):
        errors["tracing"] = "溯源结果应为 {result, method, ...}"
    _validate_remediation(rec.get("remediation"), errors)
    _validate_signboard(rec.get("signboard"), errors)
    _validate_inspections(rec.get("inspections"), errors)
    if "in_national_platform" in rec and not isinstance(rec["in_national_platform"], bool):
        errors["in_national_platform"] = "是否纳入国家平台应为 是/否"
    return errors


def _validate_types(rec: dict[str, Any], errors: dict[str, str]) -> None:
    """HJ 1312-2023 classification: level 1 given, levels 2 and 3 belong to the level above."""
    l1, l2, l3 = rec.get("type_l1"), rec.get("type_l2"), rec.get("type_l3")
    if _is_blank(l1):
        errors["type_l1"] = "缺少一级类型: choose one (暂无法确定 is allowed during 排查)"
    elif l1 not in OUTFALL_TYPES:
        errors["type_l1"] = f"一级类型 {l1!r} 无效; 可选: {'、'.join(OUTFALL_TYPES)}"
    elif _is_blank(l2):
        errors["type_l2"] = f"缺少二级类型; {l1} 可选: {'、'.join(OUTFALL_TYPES[l1])}"
    elif l2 not in OUTFALL_TYPES[l1]:
        errors["type_l2"] = f"二级类型 {l2!r} 不属于 {l1}; 可选: {'、'.join(OUTFALL_TYPES[l1])}"
    elif not _is_blank(l3) and l3 not in OUTFALL_TYPES[l1][l2]:
        opts = OUTFALL_TYPES[l1][l2]
        errors["type_l3"] = (f"三级类型 {l3!r} 不属于 {l2}; 可选: {'、'.join(opts)}" if opts
                             else f"{l2} 没有三级类型: leave it empty")


def _validate_signboard(sign: Any, errors: dict[str, str]) -> None:
    if sign is None:
        return
    if not isinstance(sign, dict):
        errors["signboard"] = "标识牌应为 {installed, qr_url}"
        return
    if "installed" in sign and not isinstance(sign["installed"], bool):
        errors["signboard.installed"] = "是否设置标识牌应为 是/否"
    url = sign.get("qr_url")
    if not _is_blank(url) and not re.match(r"^https?://\S+$", str(url)):
        errors["signboard.qr_url"] = f"二维码地址 {url!r} 应以 http:// 或 https:// 开头"


def _validate_parties(parties: Any, errors: dict[str, str]) -> None:
    if parties is None:
        return
    if not isinstance(parties, list) or not all(isinstance(p, dict) for p in parties):
        errors["responsible_parties"] = "责任主体应为列表 [{name, credit_code, contact, main}]"
        return
    if parties and sum(1 for p in parties if p.get("main") is True) != 1:
        errors["responsible_parties"] = "责任主体中必须且只能有一个主要责任主体 (main = true)"
    for i, p in enumerate(parties):
        if _is_blank(p.get("name")):
            errors[f"responsible_parties[{i}].name"] = "责任主体缺少名称"
        code = p.get("credit_code")
        if not _is_blank(code):
            problem = credit_code_problem(str(code))
            if problem:
                errors[f"responsible_parties[{i}].credit_code"] = problem


def _validate_monitoring(rows: Any, errors: dict[str, str]) -> None:
    if rows is None:
        return
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        errors["monitoring"] = "监测记录应为列表 [{date, method, item, value, unit, limit, exceeded}]"
        return
    for i, r in enumerate(rows):
        f = f"monitoring[{i}]"
        if parse_date(r.get("date")) is None:
            errors[f"{f}.date"] = "监测日期缺失或无法识别: use YYYY-MM-DD"
        _check_choice(errors, f"{f}.method", r.get("method"), MONITORING_METHODS)
        if _is_blank(r.get("method")):
            errors[f"{f}.method"] = f"缺少监测方式; 可选: {'、'.join(MONITORING_METHODS)}"
        if _is_blank(r.get("item")):
            errors[f"{f}.item"] = "缺少监测项目 (如 COD、氨氮)"
        if _is_blank(r.get("value")):
            errors[f"{f}.value"] = "缺少监测值"
        _check_number(errors, f"{f}.value", r.get("value"))
        _check_number(errors, f"{f}.limit", r.get("limit"))
        if r.get("exceeded") is not None and not isinstance(r.get("exceeded"), bool):
            errors[f"{f}.exceeded"] = "是否超标应为 是/否"


def _validate_remediation(rem: Any, errors: dict[str, str]) -> None:
    if rem is None:
        return
    if not isinstance(rem, dict):
        errors["remediation"] = "整治信息应为 {kind, plan, deadline, progress_pct, closed_date}"
        return
    _check_choice(errors, "remediation.kind", rem.get("kind"), REMEDIATION_KINDS)
    _check_date(errors, "remediation.deadline", rem.get("deadline"))
    _check_date(errors, "remediation.closed_date", rem.get("closed_date"))
    _check_number(errors, "remediation.progress_pct", rem.get("progress_pct"), lo=0, hi=100)


def _validate_inspections(rows: Any, errors: dict[str, str]) -> None:
    if rows is None:
        return
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        errors["inspections"] = "巡查记录应为列表 [{date, inspector, findings, photo_hashes}]"
        return
    for i, r in enumerate(rows):
        if parse_date(r.get("date")) is None:
            errors[f"inspections[{i}].date"] = "巡查日期缺失或无法识别: use YYYY-MM-DD"
        if _is_blank(r.get("inspector")):
            errors[f"inspections[{i}].inspector"] = "缺少巡查人"
        hashes = r.get("photo_hashes") or []
        if not isinstance(hashes, list) or not all(
                isinstance(h, str) and ATTACHMENT_HASH_RE.match(h) for h in hashes):
            errors[f"inspections[{i}].photo_hashes"] = "照片应为附件的 SHA-256 (64 位小写十六进制): upload via attach()"


def _validate_generic(layer: str, data: dict[str, Any], point_required: bool) -> dict[str, str]:
    rec = normalize_record(layer, data)
    errors: dict[str, str] = {}
    if _is_blank(rec.get("code")):
        errors["code"] = "缺少编码: fill in the code"
    if _is_blank(rec.get("name")):
        errors["name"] = "缺少名称: fill in the name"
    _validate_codes(rec, errors)
    errors.update(validate_geometry(rec, point_required=point_required))
    if layer == "sections":
        _check_choice(errors, "target_class", rec.get("target_class"), WQ_CLASSES)
    if layer == "plots":
        _check_choice(errors, "land_use", rec.get("land_use"), LAND_USE_CLASSES)
        _check_number(errors, "area_m2", rec.get("area_m2"), lo=0)
    return errors


def validate_record(layer: str, data: dict[str, Any]) -> dict[str, str]:
    """Every problem of a record of ``layer`` as {field: message}; empty when valid."""
    if layer not in LAYERS:
        return {"layer": f"未知图层 {layer!r}; 可选: {', '.join(LAYERS)}"}
    if layer == "outfalls":
        return validate_outfall(data)
    if layer == "problems":  # 问题闭环 (gislib/problems)
        from gislib.problems.model import validate_problem

        return validate_problem(normalize_record(layer, data))
    return _validate_generic(layer, data, point_required=layer in ("sections",))
