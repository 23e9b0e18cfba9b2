"""gislib.water.quality: GB 3838-2002 surface-water evaluation (docs/domain.md §2).

What is here:

* ``GB3838_ITEMS``: Table 1 (items 1-24) as data, with the names GB 3838 uses and the aliases
  found in bureau spreadsheets; ``resolve_item`` maps a column header to the canonical name.
* ``parse_value``: numbers, full-width digits, below-detection forms ("0.025L", "<0.025",
  "ND"/"未检出" with a separate detection limit) -> ``Measured`` (½ DL, 环办监测函〔2020〕82号).
* ``evaluate_sample``: single-factor class (环办〔2011〕22号), 超标倍数 vs class III and vs the
  target, main pollutants, target compliance.
* ``monthly_means`` / ``annual_means`` / ``evaluate_period``: time aggregation by arithmetic mean.
* ``river_grade`` (class-proportion method, ≥ 5 sections) and ``river_grade_from_means`` (< 5).
* ``black_odour_point`` / ``black_odour_stretch`` / ``black_odour_body`` (城市黑臭水体整治工作指南).
* ``read_samples``: CSV (UTF-8, UTF-8-BOM, GBK/GB18030) and .xlsx tables, one row per sample;
  bad rows carry an ``error`` and are never dropped.

Conventions that the sources leave open are written next to the code that applies them.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gislib.domain import WQ_CLASS_GRADE, WQ_CLASS_RANK, WQ_CLASSES
from gislib import units as unitmod
from gislib.errors import DataError, NotFoundError, Phrase, Sentences, ValidationError

__all__ = [
    "GB3838_ITEMS", "ITEM_ORDER", "PRIORITY_ITEMS", "EVALUATED_ITEMS", "REFERENCE_ITEMS",
    "NO_MULTIPLE_ITEMS", "RIVER", "LAKE", "Item", "Measured", "ItemResult", "SampleResult",
    "SampleRow", "SampleTable", "PeriodMean", "BlackOdourReading",
    "resolve_item", "display_item_name", "normalize_water_type", "normalize_class", "parse_value", "item_class",
    "exceedance_multiple", "round_multiple", "main_pollutant_label", "main_pollutants_text", "item_quantity", "evaluate_sample", "monthly_means", "annual_means",
    "evaluate_period", "river_grade", "river_grade_from_means", "black_odour_point",
    "black_odour_stretch", "black_odour_body", "read_samples",
]

RIVER = "河流"
LAKE = "湖库"
# Relative tolerance for limit comparisons, so that a mean such as 0.20000000000000004 still
# counts as "equal to the limit 0.2" (a value equal to a limit belongs to that class).
_REL_TOL = 1e-9


# --------------------------------------------------------------------------- Table 1 as data
@dataclass(frozen=True)
class Item:
    """One item of GB 3838-2002 Table 1.

    ``limits`` are the class I..V limits (None for 水温 and pH, which have no class limits);
    ``lake_limits`` replace them for lakes/reservoirs (总磷 only). ``lower_bound`` is True for
    溶解氧, whose limits are minimums (≥).
    """

    number: int
    name: str
    unit: str
    limits: tuple[float, float, float, float, float] | None
    aliases: tuple[str, ...] = ()
    lake_limits: tuple[float, float, float, float, float] | None = None
    lower_bound: bool = False

    def limits_for(self, water_type: str) -> tuple[float, ...] | None:
        """The class I..V limits that apply to ``water_type`` (河流 or 湖库)."""
        if water_type == LAKE and self.lake_limits is not None:
            return self.lake_limits
        return self.limits


_ITEMS: tuple[Item, ...] = (
    Item(1, "水温", "℃", None, ("WT", "温度", "水温(℃)")),
    Item(2, "pH", "无量纲", None, ("pH值", "PH")),
    # Class I for DO is "饱和率90 % (or 7.5)"; the 7.5 mg/L form is used.
    Item(3, "溶解氧", "mg/L", (7.5, 6, 5, 3, 2), ("DO",), lower_bound=True),
    Item(4, "高锰酸盐指数", "mg/L", (2, 4, 6, 10, 15), ("CODMn", "IMn", "高锰酸钾指数")),
    Item(5, "化学需氧量", "mg/L", (15, 15, 20, 30, 40), ("COD", "CODCr")),
    Item(6, "五日生化需氧量", "mg/L", (3, 3, 4, 6, 10), ("BOD5", "BOD", "生化需氧量")),
    Item(7, "氨氮", "mg/L", (0.15, 0.5, 1.0, 1.5, 2.0), ("NH3-N", "NH3N", "氨氮(NH3-N)", "NH4-N")),
    Item(8, "总磷", "mg/L", (0.02, 0.1, 0.2, 0.3, 0.4), ("TP",),
         lake_limits=(0.01, 0.025, 0.05, 0.1, 0.2)),
    Item(9, "总氮", "mg/L", (0.2, 0.5, 1.0, 1.5, 2.0), ("TN",)),
    Item(10, "铜", "mg/L", (0.01, 1.0, 1.0, 1.0, 1.0), ("Cu",)),
    Item(11, "锌", "mg/L", (0.05, 1.0, 1.0, 2.0, 2.0), ("Zn",)),
    Item(12, "氟化物", "mg/L", (1.0, 1.0, 1.0, 1.5, 1.5), ("F", "F-", "氟化物(以F-计)")),
    Item(13, "硒", "mg/L", (0.01, 0.01, 0.01, 0.02, 0.02), ("Se",)),
    Item(14, "砷", "mg/L", (0.05, 0.05, 0.05, 0.1, 0.1), ("As",)),
    Item(15, "汞", "mg/L", (0.00005, 0.00005, 0.0001, 0.001, 0.001), ("Hg",)),
    Item(16, "镉", "mg/L", (0.001, 0.005, 0.005, 0.005, 0.01), ("Cd",)),
    Item(17, "铬(六价)", "mg/L", (0.01, 0.05, 0.05, 0.05, 0.1), ("Cr6+", "六价铬", "Cr(VI)", "CrVI")),
    Item(18, "铅", "mg/L", (0.01, 0.01, 0.05, 0.05, 0.1), ("Pb",)),
    Item(19, "氰化物", "mg/L", (0.005, 0.05, 0.2, 0.2, 0.2), ("CN", "CN-", "总氰化物")),
    Item(20, "挥发酚", "mg/L", (0.002, 0.002, 0.005, 0.01, 0.1), ("挥发性酚", "挥发酚类")),
    Item(21, "石油类", "mg/L", (0.05, 0.05, 0.05, 0.5, 1.0), ("Oil", "石油")),
    Item(22, "阴离子表面活性剂", "mg/L", (0.2, 0.2, 0.2, 0.3, 0.3), ("LAS",)),
    Item(23, "硫化物", "mg/L", (0.05, 0.1, 0.2, 0.5, 1.0), ("S2-",)),
    Item(24, "粪大肠菌群", "个/L", (200, 2000, 10000, 20000, 40000), ("FC", "粪大肠菌群数")),
)
GB3838_ITEMS: dict[str, Item] = {item.name: item for item in _ITEMS}
ITEM_ORDER: tuple[str, ...] = tuple(GB3838_ITEMS)

# 环办〔2011〕22号: the section class uses 21 items, i.e. all but 水温, 总氮, 粪大肠菌群.
REFERENCE_ITEMS: frozenset[str] = frozenset({"水温", "总氮", "粪大肠菌群"})
EVALUATED_ITEMS: tuple[str, ...] = tuple(n for n in ITEM_ORDER if n not in REFERENCE_ITEMS)
# 22号: 水温, pH and DO get no 超标倍数.
NO_MULTIPLE_ITEMS: frozenset[str] = frozenset({"水温", "pH", "溶解氧"})
# Items that take priority as main pollutants when they exceed class III. 22号 names
# "氰化物、铅、铬等重金属"; we read "重金属" as the metals of Table 1 (汞, 镉, 铬(六价), 铅, 铜,
# 锌) plus the metalloids 砷 and 硒, which environmental monitoring customarily lists with them.
PRIORITY_ITEMS: frozenset[str] = frozenset({"氰化物", "汞", "镉", "铬(六价)", "铅", "砷", "铜", "锌", "硒"})

_PH_RANGE = (6.0, 9.0)


# --------------------------------------------------------------------------- name matching
_UNIT_WORDS = (
    "mg/l", "μg/l", "µg/l", "ug/l", "ng/l", "个/l", "mpn/l", "cfu/l", "mpn/100ml", "cfu/100ml",
    "℃", "°c", "无量纲", "mv", "cm", "m",
)
_UNIT_RE = re.compile(
    r"[\(\[（【]\s*(?:单位[:：]?)?(?:" + "|".join(re.escape(u) for u in _UNIT_WORDS) + r")\s*[\)\]）】]$"
)
_TRAILING_UNIT_RE = re.compile(r"(?:[/_,，]|单位[:：]?)?(?:mg/l|μg/l|µg/l|ug/l|个/l|mpn/l|cfu/l|℃|°c|无量纲)$")
_PARENS_RE = re.compile(r"[\(\[（【][^\)\]）】]*[\)\]）】]")


def _fold(text: str) -> str:
    """NFKC (full-width → ASCII, Ⅲ → III, ₅ → 5), no whitespace, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def _strip_unit(folded: str) -> str:
    """Remove one trailing unit suffix such as "(mg/l)" or "mg/l" from a folded header."""
    stripped = _UNIT_RE.sub("", folded)
    if stripped == folded:
        stripped = _TRAILING_UNIT_RE.sub("", folded)
    return stripped or folded


_DISPLAY_UNIT_RE = re.compile(r"\s*[\(（\[【][^\(\)（）\[\]【】]*(?:/L|/l|℃|°C|无量纲|mV|cm)[\)）\]】]\s*$")


def display_item_name(header: str | None, canonical: str) -> str:
    """The name to show for an item: the file's header (unit suffix removed) when it is Chinese,
    otherwise the GB 3838 Chinese name ("NH3-N" → "氨氮", "六价铬(mg/L)" → "六价铬")."""
    if header and re.search(r"[\u4e00-\u9fff]", header):
        name, written = unitmod.split_header(header)  # "氨氮(毫克/升)" → "氨氮"
        if written is not None and re.search(r"[\u4e00-\u9fff]", name):
            return name
        return _DISPLAY_UNIT_RE.sub("", header.strip()) or canonical
    return canonical


_ALIAS_INDEX: dict[str, str] = {}
for _item in _ITEMS:
    for _alias in (_item.name, *_item.aliases):
        _ALIAS_INDEX[_fold(_alias)] = _item.name


def resolve_item(header: object) -> str | None:
    """The canonical GB 3838 name for a header or alias ("NH3-N (mg/L)" → "氨氮"), else None.

    Matching is case-insensitive and ignores spaces, full-width forms and a trailing unit. As a
    last resort a parenthesised remark is dropped ("总磷(以P计)" → "总磷").
    """
    if header is None:
        return None
    folded = _fold(str(header))
    if not folded:
        return None
    for candidate in (folded, _strip_unit(folded)):
        if candidate in _ALIAS_INDEX:
            return _ALIAS_INDEX[candidate]
    bare = _PARENS_RE.sub("", _strip_unit(folded))
    return _ALIAS_INDEX.get(bare)


_WATER_TYPES = {
    "河流": RIVER, "河": RIVER, "河道": RIVER, "river": RIVER, "stream": RIVER,
    "湖库": LAKE, "湖泊": LAKE, "水库": LAKE, "湖": LAKE, "库": LAKE, "湖泊水库": LAKE,
    "湖、库": LAKE, "lake": LAKE, "reservoir": LAKE,
}


def normalize_water_type(text: object) -> str:
    """'河流' or '湖库' for 河流/湖库/湖泊/水库/river/lake/reservoir; ValidationError otherwise."""
    key = _fold(str(text or ""))
    if key in _WATER_TYPES:
        return _WATER_TYPES[key]
    raise ValidationError("error.water_type", field="水体类型", value=text)


_CLASS_WORDS = {
    "i": "I", "1": "I", "一": "I", "ii": "II", "2": "II", "二": "II", "iii": "III", "3": "III",
    "三": "III", "iv": "IV", "4": "IV", "四": "IV", "v": "V", "5": "V", "五": "V",
}


def normalize_class(text: object) -> str:
    """A WQ_CLASSES code for "III", "Ⅲ", "Ⅲ类", "3", "劣Ⅴ类", "劣5" …; ValidationError otherwise."""
    key = _fold(str(text or ""))
    key = key.removesuffix("类")
    worse = key.startswith("劣")
    key = key.removeprefix("劣")
    cls = _CLASS_WORDS.get(key)
    if cls is not None and (not worse or cls == "V"):
        return "劣V" if worse else cls
    raise ValidationError("error.water_class", field="水质目标", value=text)


# --------------------------------------------------------------------------- values
@dataclass(frozen=True)
class Measured:
    """A parsed concentration. ``value`` is None when the cell was empty (item not evaluated).

    Below the detection limit, ``value`` is half the limit (环办监测函〔2020〕82号) and
    ``below_detection`` is True.
    """

    value: float | None
    below_detection: bool = False
    detection_limit: float | None = None
    raw: str = ""
    unit: str | None = None  # the unit the lab wrote, when the value was converted from it
    original: float | None = None  # the value (or ½ DL) in that unit, before conversion

    @property
    def missing(self) -> bool:
        """True when nothing was measured."""
        return self.value is None


_MISSING_TEXT = {"", "-", "--", "—", "——", "–", "/", "nan", "none", "null", "n/a", "na", "缺测", "未测"}
_ND_TEXT = {"nd", "n.d.", "n.d", "未检出", "未检测出", "<dl", "低于检出限"}
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")
_THOUSANDS_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_ND_WITH_DL_RE = re.compile(r"(?:nd|n\.d\.?|未检出)\(?<?(.+?)\)?")


def _number(text: str) -> float | None:
    if _THOUSANDS_RE.fullmatch(text):
        text = text.replace(",", "")
    if _NUMBER_RE.fullmatch(text):
        return float(text)
    return None


def _check_value(value: float, raw: object) -> float:
    if math.isinf(value):
        raise ValidationError("error.value_infinite", value=raw)
    if value < 0:
        raise ValidationError("error.value_negative", value=raw)
    return value


def parse_value(raw: object, detection_limit: float | None = None) -> Measured:
    """Parse one cell into a ``Measured``.

    Understands numbers, full-width digits ("０.５"), "10,000", below-detection forms
    "0.025L", "<0.025", "ND"/"未检出" (needs ``detection_limit``) and "ND(0.025)".
    Empty, "-", "—" and NaN mean *not measured* (``value`` None). Anything else raises
    ValidationError naming the raw text.
    """
    if isinstance(raw, Measured):
        return raw
    if raw is None:
        return Measured(None)
    if isinstance(raw, bool):
        raise ValidationError("error.value_not_concentration", value=raw)
    if isinstance(raw, numbers.Real):
        if math.isnan(raw):
            return Measured(None)
        return Measured(_check_value(float(raw), raw), raw=str(raw))
    text = str(raw)
    folded = _fold(text)
    if folded in _MISSING_TEXT:
        return Measured(None, raw=text)
    number = _number(folded)
    if number is not None:
        return Measured(_check_value(number, raw), raw=text)
    # below detection: "0.025L", "<0.025", "＜0.025", "ND", "未检出", "ND(0.025)", "未检出(<0.025)"
    dl: float | None = None
    if folded.endswith("l") and _number(folded[:-1]) is not None:
        dl = _number(folded[:-1])
    elif folded.startswith("<") and _number(folded[1:]) is not None:
        dl = _number(folded[1:])
    elif folded in _ND_TEXT:
        if detection_limit is None:
            raise ValidationError("error.nd_without_limit", value=text)
        dl = float(detection_limit)
    else:
        match = _ND_WITH_DL_RE.fullmatch(folded)
        if match and _number(match.group(1)) is not None:
            dl = _number(match.group(1))
    if dl is None:
        raise ValidationError("error.value_unreadable", value=text)
    if not dl > 0:
        raise ValidationError("error.detection_limit_positive", value=text)
    return Measured(_check_value(dl / 2, raw), below_detection=True, detection_limit=dl, raw=text)


# --------------------------------------------------------------------------- single factor
def _le(value: float, limit: float) -> bool:
    return value <= limit * (1 + _REL_TOL)


def _ge(value: float, limit: float) -> bool:
    return value >= limit * (1 - _REL_TOL)


def item_class(item: str, value: float, water_type: str = RIVER) -> str | None:
    """Single-factor class of one item: the best class whose limit ``value`` meets.

    A value equal to a limit belongs to that class; 溶解氧 uses ≥; worse than V is 劣V.
    pH inside 6–9 is I (it never worsens a class), outside is 劣V. 水温 has no class (None).
    """
    name = resolve_item(item) or item
    spec = GB3838_ITEMS.get(name)
    if spec is None:
        raise ValidationError("error.not_gb3838_item", field=str(item), item=item)
    water_type = normalize_water_type(water_type)
    if name == "pH":
        low, high = _PH_RANGE
        return "I" if low <= value <= high else "劣V"
    limits = spec.limits_for(water_type)
    if limits is None:
        return None
    meets = _ge if spec.lower_bound else _le
    for cls, limit in zip(WQ_CLASSES, limits):
        if meets(value, limit):
            return cls
    return "劣V"


def exceedance_multiple(item: str, value: float, reference: str, water_type: str = RIVER) -> float | None:
    """超标倍数 (C − C_ref)/C_ref against the ``reference`` class limit, full precision.

    None when the value does not exceed the limit, for 水温/pH/溶解氧 (22号 gives them none)
    and for reference 劣V (no limit).
    """
    name = resolve_item(item) or item
    spec = GB3838_ITEMS.get(name)
    if spec is None:
        raise ValidationError("error.not_gb3838_item", field=str(item), item=item)
    reference = normalize_class(reference)
    limits = spec.limits_for(normalize_water_type(water_type))
    if name in NO_MULTIPLE_ITEMS or limits is None or reference == "劣V":
        return None
    limit = limits[WQ_CLASS_RANK[reference] - 1]
    if _le(value, limit):
        return None
    return (value - limit) / limit


def round_multiple(multiple: float | None, digits: int = 1) -> float | None:
    """A multiple rounded for display: ONE decimal by default, as 环办〔2011〕22号 writes
    "高锰酸盐指数(1.2)"; halves round up (0.25 → 0.3), not to even. None stays None."""
    if multiple is None:
        return None
    from decimal import ROUND_HALF_UP, Decimal

    # round(…, 9) first: (0.25 − 0.2)/0.2 is 0.24999999999999994 in floats but 0.25 by hand → 0.3
    exact = Decimal(repr(round(multiple, 9)))
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class ItemResult:
    """The evaluation of one item of one sample.

    ``counted`` is True when the item enters the section class (the 21 items of 22号).
    ``multiple_vs_III`` is against class III; ``multiple_vs_target`` against ``target``
    (None when no target was given); both keep full precision.
    """

    item: str
    value: float
    below_detection: bool
    cls: str | None
    multiple_vs_III: float | None
    multiple_vs_target: float | None
    target: str | None
    counted: bool

    @property
    def reference_classes(self) -> tuple[str, ...]:
        """The classes the multiples were computed against ("III" and the target if any)."""
        return ("III",) if self.target is None else ("III", self.target)


@dataclass
class SampleResult:
    """The evaluation of one sample (or one period mean) of one section."""

    cls: str
    water_type: str
    target: str | None
    items: list[ItemResult]
    main_pollutants: list[ItemResult]
    meets_target: bool | None
    tn_cls: str | None = None  # lakes/reservoirs: TN reported separately, not in ``cls``

    @property
    def grade(self) -> str:
        """优/良好/轻度污染/中度污染/重度污染 (22号 Table 1)."""
        return WQ_CLASS_GRADE[self.cls]

    def item(self, name: str) -> ItemResult | None:
        """The result of one item by any of its names, or None if it was not measured."""
        canonical = resolve_item(name) or name
        return next((r for r in self.items if r.item == canonical), None)


def _detection_limits(detection_limits: Mapping[str, float] | None) -> dict[str, float]:
    limits: dict[str, float] = {}
    for key, dl in (detection_limits or {}).items():
        name = resolve_item(key)
        if name is None:
            raise ValidationError("error.dl_not_item", field=str(key), item=key)
        if not float(dl) > 0:
            raise ValidationError("error.dl_item_positive", field=str(key), item=key, value=dl)
        limits[name] = float(dl)
    return limits


def _collect_values(
    values: Mapping[str, object], detection_limits: Mapping[str, float] | None
) -> dict[str, Measured]:
    limits = _detection_limits(detection_limits)
    parsed: dict[str, Measured] = {}
    seen: dict[str, str] = {}
    errors: list[Phrase] = []
    for key, raw in values.items():
        name = resolve_item(key)
        if name is None:
            raise ValidationError("error.not_gb3838_item", field=str(key), item=key)
        if name in seen:
            raise ValidationError("error.item_twice", field=str(key), first=seen[name], second=key, item=name)
        seen[name] = str(key)
        written = unitmod.split_header(str(key))[1]
        column_unit = None
        if written is not None and item_quantity(name) is not None:  # {"汞(μg/L)": 0.04} is converted too
            column_unit = unitmod.resolve(str(key), written, item_quantity(name))
        try:
            measured = parse_value(raw, limits.get(name))
        except ValidationError as exc:
            errors.append(Phrase("error.item_value", item=key, error=exc))
            continue
        if not measured.missing:
            parsed[name] = _convert(measured, column_unit)
    if errors:
        raise ValidationError("error.values_invalid", errors=Sentences(errors))
    return parsed


def _main_pollutant_key(result: ItemResult) -> tuple:
    """Sort key of the main pollutants (22号): 氰化物/heavy metals first, then the worst class;
    within one class the larger 超标倍数 first. 溶解氧 and pH have no 超标倍数 (22号), so the
    multiple tie rule cannot rank them: within their class they come BEFORE the items ranked by
    multiple, never dropped for lacking one (a 劣V DO is a main pollutant of a 劣V section)."""
    priority = result.item in PRIORITY_ITEMS
    has_multiple = result.multiple_vs_III is not None
    multiple = result.multiple_vs_III if has_multiple else 0.0
    return (not priority, -WQ_CLASS_RANK[result.cls or "I"], has_multiple, -multiple, ITEM_ORDER.index(result.item))


def main_pollutant_label(result: ItemResult, name: str | None = None) -> str:
    """"高锰酸盐指数(1.2)": the name with its 超标倍数 vs class III to ONE decimal, as the
    evaluation method's own example writes it; items without a multiple (DO, pH) by name only."""
    name = name or result.item
    multiple = round_multiple(result.multiple_vs_III)
    return name if multiple is None else f"{name}({multiple:.1f})"


def main_pollutants_text(result: "SampleResult", headers: Mapping[str, str] | None = None) -> str:
    """The main pollutants of a result as bulletins write them: "总磷(0.6)、氨氮(0.2)"."""
    headers = headers or {}
    return "、".join(main_pollutant_label(p, display_item_name(headers.get(p.item), p.item))
                    for p in result.main_pollutants)


def evaluate_sample(
    values: Mapping[str, object],
    water_type: str = RIVER,
    target: str | None = None,
    detection_limits: Mapping[str, float] | None = None,
) -> SampleResult:
    """Evaluate one sample by the single-factor method (环办〔2011〕22号).

    ``values`` maps item names or aliases to raw cells, numbers or ``Measured``. Missing items
    are skipped. The class is the worst class of the 21 evaluated items; 水温, 总氮 and
    粪大肠菌群 do not enter it (for lakes/reservoirs TN gets its own class in ``tn_cls``; for
    rivers TN is not evaluated). Main pollutants (only when worse than III): up to three items
    worse than III; 氰化物 and heavy metals (PRIORITY_ITEMS) first, then worst class, then the
    larger multiple vs III; items without a multiple (pH, DO) rank after those with one.
    """
    water_type = normalize_water_type(water_type)
    target_cls = normalize_class(target) if target not in (None, "") else None
    parsed = _collect_values(values, detection_limits)
    results: list[ItemResult] = []
    for name in ITEM_ORDER:
        measured = parsed.get(name)
        if measured is None:
            continue
        value = float(measured.value)
        river_tn = name == "总氮" and water_type == RIVER
        cls = None if river_tn else item_class(name, value, water_type)
        no_multiple = river_tn or cls is None
        results.append(ItemResult(
            item=name,
            value=value,
            below_detection=measured.below_detection,
            cls=cls,
            multiple_vs_III=None if no_multiple else exceedance_multiple(name, value, "III", water_type),
            multiple_vs_target=(
                None if no_multiple or target_cls is None
                else exceedance_multiple(name, value, target_cls, water_type)
            ),
            target=target_cls,
            counted=name not in REFERENCE_ITEMS,
        ))
    counted = [r for r in results if r.counted and r.cls is not None]
    if not counted:
        raise ValidationError("error.nothing_to_evaluate")
    cls = max((r.cls for r in counted), key=WQ_CLASS_RANK.__getitem__)
    main: list[ItemResult] = []
    if WQ_CLASS_RANK[cls] > WQ_CLASS_RANK["III"]:
        worse = [r for r in counted if WQ_CLASS_RANK[r.cls] > WQ_CLASS_RANK["III"]]
        main = sorted(worse, key=_main_pollutant_key)[:3]
    tn = next((r for r in results if r.item == "总氮"), None)
    return SampleResult(
        cls=cls,
        water_type=water_type,
        target=target_cls,
        items=results,
        main_pollutants=main,
        meets_target=None if target_cls is None else WQ_CLASS_RANK[cls] <= WQ_CLASS_RANK[target_cls],
        tn_cls=tn.cls if (tn is not None and water_type == LAKE) else None,
    )


# --------------------------------------------------------------------------- table rows
@dataclass
class SampleRow:
    """One data row of an input table (``row`` counts data rows from 1).

    ``values`` holds parsed items by canonical name (missing cells left out); ``headers`` maps
    each canonical name to the header text used in the file. ``error`` is set when the row
    could not be read; such a row is kept and reported, never dropped.
    """

    row: int
    section: str | None = None
    date: dt.date | None = None
    date_raw: str | None = None
    water_type: str | None = None
    target: str | None = None
    values: dict[str, Measured] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


class SampleTable(list):
    """A list of SampleRow plus what the reader learnt about the columns."""

    def __init__(self, rows: Iterable[SampleRow] = (), columns: dict[str, str] | None = None,
                 unknown_columns: list[str] | None = None):
        super().__init__(rows)
        self.columns: dict[str, str] = columns or {}  # header -> canonical item or meta field
        self.unknown_columns: list[str] = unknown_columns or []
        self.column_units: dict[str, unitmod.ColumnUnit] = {}  # item -> unit from header/--units
        self.unit_warnings: list[str] = []  # unit-less columns whose magnitudes look like another unit
        self.unit_suspects: list[str] = []  # the headers of those columns


# --------------------------------------------------------------------------- aggregation
@dataclass
class PeriodMean:
    """Arithmetic means per item for one section over one period ("2024-03" or "2024").

    ``counts`` is the number of samples (monthly) or monthly results (annual) behind each mean.
    """

    section: str
    period: str
    water_type: str | None
    target: str | None
    values: dict[str, Measured]
    counts: dict[str, int]


def _group_water_type(section: str, rows: Iterable[SampleRow | PeriodMean]) -> tuple[str | None, str | None]:
    types = {r.water_type for r in rows if r.water_type}
    targets = {r.target for r in rows if r.target}
    if len(types) > 1:
        raise ValidationError("error.section_types_differ", field="水体类型", section=section, values=sorted(types))
    if len(targets) > 1:
        raise ValidationError("error.section_targets_differ", field="水质目标", section=section, values=sorted(targets))
    return next(iter(types), None), next(iter(targets), None)


def _mean_values(groups: Sequence[Mapping[str, Measured]]) -> tuple[dict[str, Measured], dict[str, int]]:
    means: dict[str, Measured] = {}
    counts: dict[str, int] = {}
    for name in ITEM_ORDER:
        measured = [g[name] for g in groups if name in g and not g[name].missing]
        if not measured:
            continue
        mean = math.fsum(m.value for m in measured) / len(measured)
        means[name] = Measured(
            mean, below_detection=all(m.below_detection for m in measured), raw=f"mean of {len(measured)}"
        )
        counts[name] = len(measured)
    return means, counts


def monthly_means(samples: Iterable[SampleRow]) -> list[PeriodMean]:
    """Per section and calendar month, the arithmetic mean of each item (½ DL applied first).

    Rows with an ``error`` are left out (they are already reported by ``read_samples``). A row
    without a date raises ValidationError naming it: it cannot be placed in a month.
    """
    usable = [s for s in samples if s.error is None]
    undated = [s.row for s in usable if s.date is None]
    if undated:
        raise ValidationError("error.rows_undated", field="采样日期", rows=undated)
    groups: dict[tuple[str, str], list[SampleRow]] = {}
    for s in usable:
        groups.setdefault((s.section or "", f"{s.date.year:04d}-{s.date.month:02d}"), []).append(s)
    result = []
    for (section, period), rows in sorted(groups.items()):
        water_type, target = _group_water_type(section, rows)
        means, counts = _mean_values([r.values for r in rows])
        result.append(PeriodMean(section, period, water_type, target, means, counts))
    return result


def annual_means(samples: Iterable[SampleRow]) -> list[PeriodMean]:
    """Per section and year, the mean of the monthly means (22号: a year is the mean of its
    monthly results). ``counts`` gives the number of months behind each item; the caller decides
    whether e.g. 8 months are enough (ice-bound waters)."""
    monthly = monthly_means(samples)
    groups: dict[tuple[str, str], list[PeriodMean]] = {}
    for m in monthly:
        groups.setdefault((m.section, m.period[:4]), []).append(m)
    result = []
    for (section, year), months in sorted(groups.items()):
        water_type, target = _group_water_type(section, months)
        means, counts = _mean_values([m.values for m in months])
        result.append(PeriodMean(section, year, water_type, target, means, counts))
    return result


def evaluate_period(period: PeriodMean, water_type: str | None = None, target: str | None = None) -> SampleResult:
    """Evaluate a period mean like a single sample; the period's own type/target win over the
    defaults given here, and 河流 is assumed when neither is known."""
    return evaluate_sample(
        period.values,
        water_type=period.water_type or water_type or RIVER,
        target=period.target or target,
    )


def _share_at_least(count: int, total: int, percent: int) -> bool:
    return count * 100 >= percent * total  # exact integer arithmetic, no float boundary errors


def river_grade(section_classes: Sequence[str]) -> str:
    """River/basin grade by the class-proportion method (≥ 5 sections, 22号 via the Shenzhen table).

    I–III ≥ 90 % → 优; 75 % ≤ I–III < 90 % → 良好; otherwise 劣V ≥ 40 % → 重度污染
    (Shenzhen table as written; see docs/domain.md §2.2.6), 20 % ≤ 劣V < 40 % → 中度污染,
    else 轻度污染. For fewer than 5 sections use ``river_grade_from_means``.
    """
    classes = [normalize_class(c) for c in section_classes]
    n = len(classes)
    if n < 5:
        raise ValidationError("error.too_few_sections", count=n)
    good = sum(WQ_CLASS_RANK[c] <= WQ_CLASS_RANK["III"] for c in classes)
    worst = sum(c == "劣V" for c in classes)
    if _share_at_least(good, n, 90):
        return "优"
    if _share_at_least(good, n, 75):
        return "良好"
    if _share_at_least(worst, n, 40):
        return "重度污染"
    if _share_at_least(worst, n, 20):
        return "中度污染"
    return "轻度污染"


def river_grade_from_means(
    sections: Sequence[Mapping[str, object] | PeriodMean | SampleRow], water_type: str = RIVER
) -> tuple[str, SampleResult]:
    """Grade a river with fewer than 5 sections: average each item over the sections that
    measured it (½ DL applied first), then apply the single-factor method to the means.

    Returns (grade, the SampleResult of the mean sample).
    """
    if not sections:
        raise ValidationError("error.no_sections")
    groups: list[dict[str, Measured]] = []
    for s in sections:
        if isinstance(s, (PeriodMean, SampleRow)):
            groups.append(dict(s.values))
        else:
            groups.append(_collect_values(s, None))
    means, _counts = _mean_values(groups)
    result = evaluate_sample(means, water_type=water_type)
    return result.grade, result


# --------------------------------------------------------------------------- black-odour water
@dataclass(frozen=True)
class BlackOdourReading:
    """One sampling round at one point. Missing indicators are None."""

    transparency_cm: float | None = None
    do: float | None = None
    orp_mv: float | None = None
    nh3n: float | None = None
    depth_cm: float | None = None


_BO_KEYS = {
    "transparency_cm": ("transparency_cm", "透明度", "sd", "transparency"),
    "do": ("do", "溶解氧"),
    "orp_mv": ("orp_mv", "orp", "氧化还原电位"),
    "nh3n": ("nh3n", "nh3-n", "氨氮"),
    "depth_cm": ("depth_cm", "水深", "depth"),
}


def _as_reading(reading: BlackOdourReading | Mapping[str, object]) -> BlackOdourReading:
    if isinstance(reading, BlackOdourReading):
        return reading
    folded = {_strip_unit(_fold(k)): v for k, v in reading.items()}
    kwargs: dict[str, float | None] = {}
    for attr, keys in _BO_KEYS.items():
        raw = next((folded[k] for k in keys if k in folded), None)
        if raw is None or (isinstance(raw, str) and _fold(raw) in _MISSING_TEXT):
            kwargs[attr] = None
        else:
            try:
                kwargs[attr] = float(unicodedata.normalize("NFKC", str(raw)).strip())
            except ValueError:
                raise ValidationError("error.bo_value", field=attr, indicator=attr, value=raw) from None
    return BlackOdourReading(**kwargs)


# Thresholds of 《城市黑臭水体整治工作指南》 (2015). The table gives ranges only; boundaries follow
# Silence.Water CityService.cs: 轻度 10 ≤ SD < 25 cm, 0.2 ≤ DO < 2.0, −200 ≤ ORP < 50,
# 8 < NH3-N ≤ 15; 重度 SD < 10, DO < 0.2, ORP < −200, NH3-N > 15.
def _bo_levels(r: BlackOdourReading) -> dict[str, int]:
    """0 = not black-odour, 1 = 轻度, 2 = 重度, per measured indicator."""
    levels: dict[str, int] = {}
    if r.transparency_cm is not None:
        sd = r.transparency_cm
        if r.depth_cm is not None and r.depth_cm < 25:
            # Depth < 25 cm: the limit is 40 % of the depth. Seeing the bottom (SD ≥ depth) is
            # not black-odour; SD < 40 % of depth is 重度; in between 轻度 (as Silence.Water).
            levels["透明度"] = 0 if sd >= r.depth_cm else (2 if sd < 0.4 * r.depth_cm else 1)
        else:
            levels["透明度"] = 2 if sd < 10 else (1 if sd < 25 else 0)
    if r.do is not None:
        levels["溶解氧"] = 2 if r.do < 0.2 else (1 if r.do < 2.0 else 0)
    if r.orp_mv is not None:
        levels["氧化还原电位"] = 2 if r.orp_mv < -200 else (1 if r.orp_mv < 50 else 0)
    if r.nh3n is not None:
        levels["氨氮"] = 2 if r.nh3n > 15 else (1 if r.nh3n > 8 else 0)
    return levels


def black_odour_point(
    readings: Sequence[BlackOdourReading | Mapping[str, object]], min_rounds: int = 3
) -> str | None:
    """Grade one sampling point over its rounds: "重度", "轻度" or None (not black-odour).

    重度: one indicator has ≥ 60 % of its data at 重度, or ≥ 2 indicators have ≥ 30 % at 重度
    (指南). The 指南 says "otherwise 轻度" for a point already known to be black-odour; to also
    answer "not black-odour" we apply the same shares at the 轻度-or-worse level (assumption):
    轻度 if one indicator has ≥ 60 % or ≥ 2 indicators have ≥ 30 % of data at 轻度 or worse,
    else None. Shares use the rounds in which the indicator was measured.
    """
    rounds = [_bo_levels(_as_reading(r)) for r in readings]
    if len(rounds) < min_rounds:
        raise ValidationError("error.bo_rounds", count=len(rounds), minimum=min_rounds)
    indicators = {k for lv in rounds for k in lv}
    if not indicators:
        raise ValidationError("error.bo_no_indicator")

    def qualifies(level: int) -> bool:
        shares = []
        for ind in indicators:
            data = [lv[ind] for lv in rounds if ind in lv]
            shares.append((sum(x >= level for x in data), len(data)))
        if any(_share_at_least(hit, n, 60) for hit, n in shares):
            return True
        return sum(_share_at_least(hit, n, 30) for hit, n in shares) >= 2

    if qualifies(2):
        return "重度"
    if qualifies(1):
        return "轻度"
    return None


def _check_point_grades(point_grades: Sequence[str | None]) -> list[str | None]:
    grades = [g or None for g in point_grades]
    bad = [g for g in grades if g not in (None, "轻度", "重度")]
    if bad:
        raise ValidationError("error.bo_grade", value=bad[0])
    if not grades:
        raise ValidationError("error.bo_no_grades")
    return grades


def black_odour_stretch(point_grades: Sequence[str | None]) -> list[tuple[int, int]]:
    """The 重度 stretches of a water body: each run of ≥ 3 consecutive 重度 points (in order
    along the water), as (first, last) 0-based point indices; the water between them is 重度."""
    grades = _check_point_grades(point_grades)
    runs: list[tuple[int, int]] = []
    start = None
    for i, g in enumerate([*grades, None]):
        if g == "重度" and start is None:
            start = i
        elif g != "重度" and start is not None:
            if i - start >= 3:
                runs.append((start, i - 1))
            start = None
    return runs


def black_odour_body(point_grades: Sequence[str | None]) -> str | None:
    """Grade a whole water body: "重度" when ≥ 60 % of points are 重度; else "轻度" when any
    point is black-odour; else None."""
    grades = _check_point_grades(point_grades)
    heavy = sum(g == "重度" for g in grades)
    if _share_at_least(heavy, len(grades), 60):
        return "重度"
    return "轻度" if any(grades) else None


# --------------------------------------------------------------------------- reading tables
_META_COLUMNS = {
    "section": ("断面名称", "断面", "section", "断面名", "点位名称", "点位", "监测断面", "站点名称"),
    "date": ("采样日期", "日期", "date", "监测日期", "采样时间", "监测时间"),
    "water_type": ("水体类型", "water_type", "watertype", "类型"),
    "target": ("水质目标", "目标", "target", "目标类别", "水质目标类别"),
    "unit": ("单位", "unit", "units", "计量单位"),
}
_META_INDEX = {_fold(alias): key for key, aliases in _META_COLUMNS.items() for alias in aliases}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def _parse_date(raw: object) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _cell_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _read_grid(path: Path) -> list[list[object]]:
    """The rows of a CSV or the first .xlsx sheet, through the upload gate (gislib.io.uploads)."""
    from gislib.io.uploads import read_grid

    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise DataError("error.samples_xls", name=path.name)
    if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
        raise DataError("error.samples_type", name=path.name, suffix=suffix)
    return read_grid(path, _csv_dialect)


def _csv_dialect(text: str):
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        return csv.excel


def item_quantity(item: str) -> str | None:
    """The units quantity of a GB 3838 item: 个/L for 粪大肠菌群, none for 水温/pH, else mg/L."""
    if item in ("水温", "pH"):
        return None
    return unitmod.COUNT if item == "粪大肠菌群" else unitmod.WATER


def _convert(measured: Measured, column_unit: unitmod.ColumnUnit | None) -> Measured:
    """``measured`` in the standard's unit, keeping the written unit and value when converted."""
    if column_unit is None or not column_unit.converted or measured.missing:
        return measured
    dl = measured.detection_limit
    return Measured(
        column_unit.convert(measured.value), measured.below_detection,
        None if dl is None else column_unit.convert(dl), measured.raw,
        unit=column_unit.unit.symbol, original=measured.value,
    )


def _header_units(
    header: list[str], item_cols: dict[int, str], given: Mapping[str, str], path: Path
) -> dict[int, unitmod.ColumnUnit | None]:
    """The unit of each item column: ``given`` (by header or item name) wins over the header's.

    None for a column with no unit written (a row's 单位 cell or the standard's unit applies).
    """
    out: dict[int, unitmod.ColumnUnit | None] = {}
    for idx, item in item_cols.items():
        quantity = item_quantity(item)
        written = given.get(header[idx]) or given.get(item)
        source = "given"
        if written is None:
            written, source = unitmod.split_header(header[idx])[1], "header"
        if quantity is None or written is None:
            out[idx] = None
            continue
        try:
            out[idx] = unitmod.resolve(header[idx], written, quantity, source)
        except ValidationError as exc:
            raise ValidationError("error.in_file", field=exc.field, name=path.name, error=exc) from None
    unknown = [k for k in given if k not in header and k not in item_cols.values()]
    if unknown:
        raise ValidationError("error.unit_columns_missing", field=unknown[0], name=path.name, columns=unknown, header=header)
    return out


def read_samples(
    path: str | Path, detection_limits: Mapping[str, float] | None = None,
    units: Mapping[str, str] | None = None,
) -> SampleTable:
    """Read a sample table (CSV in UTF-8/UTF-8-BOM/GBK/GB18030, or the first sheet of an .xlsx).

    The first row is the header. Item columns may be named in Chinese or by abbreviation (see
    ``resolve_item``); optional columns 断面名称/断面/section, 采样日期/日期/date, 水体类型,
    水质目标/目标 and 单位/unit (the unit of that row's values). Other columns are ignored and
    listed in ``unknown_columns``. Completely empty rows are skipped (numbering still counts them).
    A row with an unreadable value, 水体类型 or 水质目标 gets ``error`` (all its problems, by column)
    and keeps its place in the list.

    Units (``gislib.units``): a unit in the header ("汞(μg/L)"), in a 单位 column, or given in
    ``units`` ({header or item: unit}, e.g. from ``--units``) is converted to the standard's unit
    (mg/L; 个/L for 粪大肠菌群), keeping the written unit and value on each ``Measured``. A unit that
    cannot be converted raises ValidationError naming the column. Columns with no unit at all are
    checked against plausible magnitudes: ``SampleTable.unit_warnings`` lists the suspicious ones
    (the caller must have them confirmed before evaluating). ``detection_limits`` for "ND" cells are
    read in the column's written unit, like the cells themselves, and converted with them.
    """
    path = Path(path)
    if not path.is_file():
        raise NotFoundError("error.samples_not_found", path=path)
    grid = _read_grid(path)
    if not grid or not any(_cell_text(c) for c in grid[0]):
        raise DataError("error.samples_no_header", name=path.name)
    cols = _sample_columns(grid, path)
    dls = _detection_limits(detection_limits)
    col_units = _header_units(cols.header, cols.items, dict(units or {}), path)
    rows = SampleTable(columns=cols.columns, unknown_columns=cols.unknown)
    rows.column_units = {cols.items[i]: u for i, u in col_units.items() if u is not None}
    unitless: dict[int, list[float]] = {i: [] for i, u in col_units.items() if u is None}
    for number, cells in enumerate(grid[1:], start=1):
        if any(_cell_text(c) for c in cells):
            rows.append(_sample_row(number, cells, cols, col_units, dls, unitless))
    _warn_unitless(rows, cols, unitless)
    return rows


@dataclass
class _SampleColumns:
    """What the header of a sample table says: item and meta columns by index, the rest unknown."""

    header: list[str]
    items: dict[int, str] = field(default_factory=dict)
    meta: dict[int, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


def _sample_columns(grid: list[list], path: Path) -> _SampleColumns:
    """The columns of the header row; DataError for a doubled item or no item column at all."""
    cols = _SampleColumns([_cell_text(c) for c in grid[0]])
    used: dict[str, str] = {}
    for idx, name in enumerate(cols.header):
        if not name:
            if any(idx < len(r) and _cell_text(r[idx]) for r in grid[1:]):
                cols.unknown.append(str(Phrase("error.column_no_header", column=idx + 1)))
            continue
        meta = _META_INDEX.get(_fold(name))
        mapped = meta or resolve_item(name) or resolve_item(unitmod.split_header(name)[0])
        if mapped is None:
            cols.unknown.append(name)
            continue
        if mapped in used:
            raise DataError("error.samples_column_twice", name=path.name, first=used[mapped], second=name, item=mapped)
        used[mapped] = name
        cols.columns[name] = mapped
        (cols.meta if meta else cols.items)[idx] = mapped
    if not cols.items:
        raise DataError("error.samples_no_items", name=path.name, header=[h for h in cols.header if h])
    return cols


def _sample_row(number: int, cells: list, cols: _SampleColumns, col_units: dict, dls: dict[str, float],
                unitless: dict[int, list[float]]) -> SampleRow:
    """One row of a sample table: its meta cells, then its values (unit-less ones noted in ``unitless``)."""
    row = SampleRow(row=number, headers={item: cols.header[i] for i, item in cols.items.items()})
    problems: list[str] = []
    row_unit = _read_meta(row, cells, cols, problems)
    _read_values(row, cells, cols, col_units, row_unit, dls, unitless, problems)
    if problems:
        row.error = "; ".join(problems)
    return row


def _cell_at(cells: list, i: int):
    return cells[i] if i < len(cells) else None


def _read_meta(row: SampleRow, cells: list, cols: _SampleColumns, problems: list[str]) -> str | None:
    """Section, date, water type and target of a row (problems noted); the row's unit (单位 column) or None."""
    row_unit: str | None = None
    for idx, key in cols.meta.items():
        raw = _cell_at(cells, idx)
        text = _cell_text(raw)
        if not text:
            continue
        if key == "section":
            row.section = text
        elif key == "unit":
            row_unit = text
        elif key == "date":
            row.date_raw = raw.date().isoformat() if isinstance(raw, dt.datetime) else text
            row.date = _parse_date(raw)
            if row.date is None:
                row.warnings.append(str(Phrase("error.sample_date_warning", value=text)))
        elif key == "water_type":
            try:
                row.water_type = normalize_water_type(text)
            except ValidationError as exc:
                problems.append(f"{cols.header[idx]}: {exc}")
        elif key == "target":
            try:
                row.target = normalize_class(text)
            except ValidationError as exc:
                problems.append(f"{cols.header[idx]}: {exc}")
    return row_unit


def _read_values(row: SampleRow, cells: list, cols: _SampleColumns, col_units: dict, row_unit: str | None,
                 dls: dict[str, float], unitless: dict[int, list[float]], problems: list[str]) -> None:
    """The item values of a row, converted to the standard's unit (problems noted, unit-less values kept aside)."""
    for idx, item in cols.items.items():
        column_unit = col_units[idx]
        if column_unit is None and row_unit is not None and item_quantity(item) is not None:
            try:
                column_unit = unitmod.resolve(cols.header[idx], row_unit, item_quantity(item), "column")
            except ValidationError as exc:
                problems.append(str(Phrase("error.row_unit", error=exc)))
                continue
        try:
            measured = parse_value(_cell_at(cells, idx), dls.get(item))
        except ValidationError as exc:
            problems.append(f"{cols.header[idx]}: {exc}")
            continue
        if measured.missing:
            continue
        if column_unit is None and idx in unitless:
            unitless[idx].append(measured.value)
        row.values[item] = _convert(measured, column_unit)


def _warn_unitless(rows: SampleTable, cols: _SampleColumns, unitless: dict[int, list[float]]) -> None:
    """Columns without any unit whose magnitudes look like another unit: listed for the officer to confirm."""
    for idx, vals in unitless.items():
        warning = unitmod.magnitude_warning(cols.items[idx], cols.header[idx], vals, _standard_unit(cols.items[idx]))
        if warning:
            rows.unit_warnings.append(warning)
            rows.unit_suspects.append(cols.header[idx])


def _standard_unit(item: str) -> str:
    return GB3838_ITEMS[item].unit
