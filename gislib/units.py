"""gislib.units: the units labs write, converted to the unit each standard uses.

One small explicit table (easier to audit than a general units library): every unit a bureau
file is known to use, the quantity it measures and its factor to the base unit of that quantity.

| quantity | base (the standard's unit) | accepted |
|---|---|---|
| water concentration | mg/L (GB 3838-2002) | mg/L, µg/L (μg/L, ug/L), ng/L, 毫克/升, 微克/升, 纳克/升 |
| count per volume | 个/L (GB 3838 粪大肠菌群) | 个/L, MPN/L, CFU/L, 个/100mL, MPN/100mL, CFU/100mL (×10), 个/mL (×1000) |
| soil content | mg/kg (GB 36600-2018) | mg/kg, µg/kg, ng/kg, 毫克/千克, 微克/千克 |
| air concentration | µg/m³ (dust rules, docs/domain.md §3) | µg/m³, mg/m³ (m3 / m³), 微克/立方米, 毫克/立方米 |

Conversions multiply or divide by an exact power of ten, so 1.2 µg/L becomes 0.0012 mg/L and
700 µg/kg becomes 0.7 mg/kg without float noise. A unit of the wrong quantity (mg/kg for a water
item) or an unknown unit raises :class:`~gislib.errors.ValidationError` naming the column; a unit
is never guessed.

Where a file gives no unit at all, :func:`magnitude_warning` compares the values with the
plausible range of the item in the standard's unit (``PLAUSIBLE``) and says which unit they look
like (every PM10 value < 5 looks like mg/m³; a river metal above its plausible ceiling looks like
µg/L). Callers must stop and ask the officer to confirm or correct before evaluating.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from gislib.errors import Phrase, ValidationError

WATER = "water"  # mass per volume of water, base mg/L
COUNT = "count"  # organisms per volume, base 个/L
SOIL = "soil"  # mass per mass of soil, base mg/kg
AIR = "air"  # mass per volume of air, base µg/m³
BASE_UNIT = {WATER: "mg/L", COUNT: "个/L", SOIL: "mg/kg", AIR: "µg/m³"}
QUANTITIES = (WATER, COUNT, SOIL, AIR)  # named for people by error.quantity.<quantity>


@dataclass(frozen=True)
class Unit:
    """A unit: its display form, the quantity it measures and its factor to the base unit.

    ``value_in_base = value * mul / div`` (exact powers of ten kept as integers).
    """

    symbol: str
    quantity: str
    mul: int = 1
    div: int = 1

    def to_base(self, value: float) -> float:
        """``value`` in this unit expressed in the base unit of its quantity."""
        if self.div != 1:
            return value * self.mul / self.div
        return value * self.mul


# normalised spelling -> Unit. Spellings are folded by ``_fold_unit`` (NFKC, lower case, no
# spaces, µ/μ/u → µ, ³ → 3, Chinese words → symbols) before lookup.
_UNITS: dict[str, Unit] = {}


def _add(symbol: str, quantity: str, mul: int = 1, div: int = 1, *spellings: str) -> None:
    unit = Unit(symbol, quantity, mul, div)
    for spelling in (symbol, *spellings):
        _UNITS[_fold_unit(spelling)] = unit


_WORDS = (
    ("立方米", "m3"), ("千克", "kg"), ("公斤", "kg"), ("毫升", "ml"), ("升", "l"),
    ("毫克", "mg"), ("微克", "µg"), ("纳克", "ng"), ("克", "g"),
)


def _fold_unit(text: str) -> str:
    """A comparison key for a unit text: "μg/L" = "µg/l" = "ug/L" = "微克/升"; "m³" = "m3"."""
    key = unicodedata.normalize("NFKC", str(text)).strip().lower()  # NFKC: µ→μ, ³→3, full width→ASCII
    key = re.sub(r"\s+", "", key).replace("μ", "µ")
    for word, symbol in _WORDS:
        key = key.replace(word, symbol)
    key = re.sub(r"^u(?=g/)", "µ", key)
    key = key.replace("每", "/")
    return key


_add("mg/L", WATER)
_add("µg/L", WATER, 1, 1000)
_add("ng/L", WATER, 1, 1_000_000)
_add("个/L", COUNT, 1, 1, "mpn/l", "cfu/l")
_add("MPN/L", COUNT)
_add("CFU/L", COUNT)
_add("个/100mL", COUNT, 10, 1)
_add("MPN/100mL", COUNT, 10, 1)
_add("CFU/100mL", COUNT, 10, 1)
_add("个/mL", COUNT, 1000, 1)
_add("MPN/mL", COUNT, 1000, 1)
_add("mg/kg", SOIL, 1, 1, "mg/kg干重")
_add("µg/kg", SOIL, 1, 1000)
_add("ng/kg", SOIL, 1, 1_000_000)
_add("µg/m³", AIR)
_add("mg/m³", AIR, 1000, 1)

# Header suffixes: "汞(μg/L)", "砷（ug/L）", "PM10 [mg/m3]", "汞 单位:μg/L", "汞/μg/L", "汞 μg/L".
_PAREN_UNIT_RE = re.compile(r"^(?P<name>.*?)\s*[\(（\[【]\s*(?:单位[:：]?)?\s*(?P<unit>[^()（）\[\]【】]+?)\s*[\)）\]】]\s*$")
_BARE_UNIT_RE = re.compile(r"^(?P<name>.*?)(?:\s+|[_,，]|/|\s*单位[:：]?\s*)(?P<unit>\S+/\S+)$")
# A parenthesised text that is clearly meant as a unit (contains "/" and a mass or count word).
_LOOKS_LIKE_UNIT_RE = re.compile(r"/|^(?:mg|µg|ug|ng|毫克|微克|纳克|个|mpn|cfu)", re.I)


def lookup(text: str) -> Unit | None:
    """The Unit for a unit text, or None when it is not in the table."""
    return _UNITS.get(_fold_unit(text))


def known_units(quantity: str | None = None) -> list[str]:
    """The display symbols of the accepted units (of one quantity)."""
    seen: list[str] = []
    for unit in _UNITS.values():
        if (quantity is None or unit.quantity == quantity) and unit.symbol not in seen:
            seen.append(unit.symbol)
    return seen


def split_header(header: str) -> tuple[str, str | None]:
    """(name, unit text or None) of a column header: "汞(μg/L)" → ("汞", "μg/L").

    A parenthesised remark that is no unit stays part of the name: "总磷(以P计)", "铬(六价)".
    """
    text = str(header).strip()
    match = _PAREN_UNIT_RE.match(text)
    if match and _LOOKS_LIKE_UNIT_RE.search(match.group("unit").strip()) and not re.search(r"[以计]", match.group("unit")):
        return match.group("name").strip(), match.group("unit").strip()
    match = _BARE_UNIT_RE.match(text)
    if match and lookup(match.group("unit")) is not None:
        return match.group("name").strip(), match.group("unit").strip()
    return text, None


@dataclass(frozen=True)
class ColumnUnit:
    """How the values of one column were read: the unit written (or None) and the conversion."""

    column: str
    written: str | None  # the unit as the file (or the officer) wrote it; None = no unit given
    unit: Unit  # the unit applied (the standard's when nothing was written)
    standard: str  # the standard's unit the values are converted to
    source: str  # "header", "column", "given" (--units / page), "standard" (nothing written)

    @property
    def converted(self) -> bool:
        """True when values are scaled (the written unit differs from the standard's)."""
        return (self.unit.mul, self.unit.div) != (1, 1) or self.unit.symbol != self.standard

    def convert(self, value: float) -> float:
        """A value of this column in the standard's unit."""
        return self.unit.to_base(value)

    def note(self) -> str:
        """"汞: µg/L → mg/L (÷1000)" for a converted column, else ""."""
        if not self.converted:
            return ""
        factor = f"×{self.unit.mul}" if self.unit.div == 1 else f"÷{self.unit.div}"
        return f"{self.column}: {self.unit.symbol} → {self.standard} ({factor})"


def resolve(column: str, written: str | None, quantity: str, source: str = "header") -> ColumnUnit:
    """The ColumnUnit of ``column`` whose values must be in ``quantity``'s base unit.

    ``written`` None → the standard's unit (source "standard"). An unknown unit, or one of another
    quantity (mg/kg for water), raises ValidationError naming the column and the accepted units.
    """
    standard = BASE_UNIT[quantity]
    if written is None or not str(written).strip():
        return ColumnUnit(column, None, _UNITS[_fold_unit(standard)], standard, "standard")
    unit = lookup(written)
    if unit is None or unit.quantity != quantity:
        raise ValidationError("error.unit_unknown" if unit is None else "error.unit_quantity", field=column, column=column,
              unit=written, standard=standard, units=list(known_units(quantity)),
              found=Phrase(f"error.quantity.{unit.quantity}") if unit else "", wanted=Phrase(f"error.quantity.{quantity}"))
    return ColumnUnit(column, str(written).strip(), unit, standard, source)


def parse_unit_options(items: Iterable[str]) -> dict[str, str]:
    """``--units COL=UNIT`` options → {column: unit}; ValidationError for a malformed one."""
    out: dict[str, str] = {}
    for item in items or ():
        for part in re.split(r"[;；]", str(item)):
            if not part.strip():
                continue
            if "=" not in part:
                raise ValidationError("error.units_option", field="--units", part=part)
            col, unit = part.split("=", 1)
            if not col.strip() or not unit.strip():
                raise ValidationError("error.units_option_empty", field="--units", part=part)
            out[col.strip()] = unit.strip()
    return out


# --------------------------------------------------------------------------- magnitude checks
@dataclass(frozen=True)
class Plausible:
    """The plausible range of an item in the standard's unit, and the unit values outside it look like."""

    low: float | None  # every value below this looks like ``unit_if_low``
    high: float | None  # any value above this looks like ``unit_if_high``
    unit_if_low: str | None = None
    unit_if_high: str | None = None


# Plausible ranges for values WITHOUT a written unit (in the standard's unit). Ceilings for river
# metals are 10 × the GB 3838 class V limit, at most 1 mg/L (a metal above 1 mg/L in a river is
# far more likely a µg/L figure); for the other items 10 × class V is the ceiling too. PM10/PM2.5/
# TSP: hourly or 15-min values in µg/m³ are never all below 5, mg/m³ figures always are.
_METAL_CEILING = {"汞": 0.01, "镉": 0.1, "铬(六价)": 1.0, "铅": 1.0, "砷": 1.0, "硒": 0.2, "铜": 1.0, "锌": 1.0}
_OTHER_CEILING = {"氰化物": 2.0, "挥发酚": 1.0, "石油类": 10.0, "硫化物": 10.0, "阴离子表面活性剂": 3.0,
                  "氟化物": 15.0, "氨氮": 50.0, "总磷": 10.0, "总氮": 100.0, "高锰酸盐指数": 150.0,
                  "化学需氧量": 400.0, "五日生化需氧量": 100.0}
PLAUSIBLE: dict[str, Plausible] = {
    **{name: Plausible(None, ceiling, None, "µg/L") for name, ceiling in _METAL_CEILING.items()},
    **{name: Plausible(None, ceiling, None, "µg/L") for name, ceiling in _OTHER_CEILING.items()},
    # DO above 20 mg/L is no µg/L figure but most likely % saturation: say only that it is not mg/L
    "溶解氧": Plausible(None, 20.0, None, None),
    **{name: Plausible(5.0, None, "mg/m³", None) for name in ("PM10", "PM2.5", "TSP")},
}


def magnitude_warning(item: str, column: str, values: Iterable[float], standard: str) -> str | None:
    """A loud warning when unit-less values of ``item`` look like another unit, else None.

    Low side: EVERY value below ``low`` (one 0.3 among normal PM10 values is a clean hour, a whole
    column of them is mg/m³). High side: ANY value above ``high``.
    """
    spec = PLAUSIBLE.get(item)
    vals = [float(v) for v in values if v is not None and v == v]
    if spec is None or not vals:
        return None
    top = max(vals)
    if spec.low is not None and top < spec.low:
        return (f"列 '{column}' 没有写单位，全部 {len(vals)} 个数值都小于 {spec.low:g}（最大 {top:g}），"
                f"按 {standard} 计不合理，像是 {spec.unit_if_low}；请确认单位后再评价 / column '{column}' has no unit "
                f"and every value is below {spec.low:g}: it looks like {spec.unit_if_low}, not {standard}")
    if spec.high is not None and top > spec.high:
        guess_zh = f"像是 {spec.unit_if_high}" if spec.unit_if_high else f"不像 {standard}（是否为饱和度 %？）"
        guess_en = f"it looks like {spec.unit_if_high}" if spec.unit_if_high else f"it does not look like {standard}"
        return (f"列 '{column}' 没有写单位，最大值 {top:g} 高于{item}按 {standard} 计的合理上限 {spec.high:g}，"
                f"{guess_zh}；请确认单位后再评价 / column '{column}' has no unit and {top:g} is above "
                f"the plausible {spec.high:g} {standard}: {guess_en}")
    return None


__all__ = [
    "AIR", "BASE_UNIT", "COUNT", "ColumnUnit", "PLAUSIBLE", "Plausible", "SOIL", "Unit", "WATER",
    "known_units", "lookup", "magnitude_warning", "parse_unit_options", "resolve", "split_header",
]
