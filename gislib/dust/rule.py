"""gislib.dust.rule: construction-dust (建筑工地扬尘) exceedance counting under a configurable rule.

A :class:`DustRule` is configuration (JSON), not code (docs/domain.md §3): pollutant, averaging
window, limit in µg/m³, optional background subtraction with a cap, a multiplier for sites in
priority areas (重点地区) and the number of exceedances allowed per day. Presets are in
``gislib/presets/dust_rules.json``; a preset with ``verified: false`` carries a placeholder value.

Computation (per site):

1. readings are averaged into clock-aligned windows of ``window_minutes``, each LABELLED BY ITS
   END as Chinese air-quality data are: a time stamp closes its period, so the hour labelled 01:00
   covers 00:00–01:00 (readings stamped 00:15, 00:30, 00:45, 01:00); a reading stamped 01:05
   belongs to the hour labelled 02:00. A day is the natural day its windows cover: day D holds the
   windows labelled D 00:15/01:00 … D+1 00:00 (= D 24:00, "24时"), and its exceedances are counted
   over them;
2. metric = window mean − min(window mean background, cap) when ``subtract_background``
   (no cap when the cap is None), else the window mean;
3. a window exceeds when metric > limit × (priority_multiplier for priority sites, else 1),
   strictly; metrics are rounded to 1e-6 µg/m³ first so that unit conversion noise cannot tip it;
4. a day is exceeded when its count of exceeding windows > ``max_exceedances_per_day``.

Units (``gislib.units``): a header unit ("PM10(mg/m3)", "PM10（毫克/立方米）"), a 单位 column or
``--units PM10=mg/m3`` converts to µg/m³; another unit is refused naming the column. A pollutant
column with no unit whose values are ALL below 5 looks like mg/m³ (``Readings.unit_warnings``): the
CLI exits 2 instead of reporting compliance, unless ``--assume-units`` or ``--units`` settles it.

CLI: ``python -m gislib dust-check FILE [--rule RULE.json|PRESET] [--priority-sites A,B] [--json]``
(the rule defaults to the district profile's, gislib.district).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from gislib import units as unitmod
from gislib.domain import DUST_POLLUTANTS
from gislib.errors import DataError, NotFoundError, Phrase, Sentences, ValidationError

if TYPE_CHECKING:  # pandas is imported lazily so that the CLI starts fast
    import pandas as pd

PRESETS_PATH = Path(__file__).parents[1] / "presets" / "dust_rules.json"
REQUIRED_RULE_KEYS = (
    "pollutant", "window_minutes", "limit_ugm3", "subtract_background", "background_cap_ugm3",
    "max_exceedances_per_day",
)
OPTIONAL_RULE_KEYS = ("id", "name", "priority_multiplier", "source", "verified", "note")
METRIC_DECIMALS = 6

SITE_COLUMNS = ("站点", "站点名称", "站点编号", "监测点", "监测点位", "工地", "工地名称", "项目名称", "site",
                "site_id", "site_name", "station", "设备编号")
TIME_COLUMNS = ("时间", "监测时间", "采样时间", "数据时间", "日期时间", "time", "datetime", "timestamp", "date_time")


# --------------------------------------------------------------------------- rule
@dataclass(kw_only=True)
class DustRule:
    """A construction-dust compliance rule; build it with :meth:`from_json` to get validation."""

    name: str = "自定义规则"
    pollutant: str  # one of gislib.domain.DUST_POLLUTANTS
    window_minutes: int
    limit_ugm3: float
    subtract_background: bool
    background_cap_ugm3: float | None  # the subtracted background is capped at this value
    priority_multiplier: float = 1.0  # limit × multiplier for sites in priority areas (e.g. 0.8 for 重点地区)
    max_exceedances_per_day: int  # allowed count; more than this → the day is exceeded
    source: str = ""
    verified: bool = False
    id: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        checked = _validated_rule_fields(asdict(self), f"规则 '{self.name}'")
        for key, value in checked.items():  # normalised forms: "pm10" → "PM10", ints → floats
            object.__setattr__(self, key, value)

    @classmethod
    def from_json(cls, path_or_dict: str | Path | Mapping[str, Any]) -> "DustRule":
        """Load and validate a rule from a JSON file path or an already parsed dict."""
        if isinstance(path_or_dict, Mapping):
            data, where = dict(path_or_dict), Phrase("error.rule_where")
        else:
            path = Path(path_or_dict)
            if not path.exists():
                raise NotFoundError("error.rule_file_missing", path=path, presets=list(load_presets()))
            try:
                data = json.loads(path.read_text(encoding="utf-8-sig"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ValidationError("error.rule_json", path=path, detail=exc) from exc
            where = Phrase("error.rule_where_file", path=path)
            if not isinstance(data, dict):
                raise ValidationError("error.rule_not_object", where=where, keys=list(REQUIRED_RULE_KEYS))
        return cls(**_validated_rule_fields(data, where))

    def limit_for(self, site: str, priority_sites: Iterable[str] = frozenset()) -> float:
        """The limit (µg/m³) for ``site``: limit × priority_multiplier when it is a priority site."""
        if str(site) in {str(s) for s in priority_sites}:
            return self.limit_ugm3 * self.priority_multiplier
        return self.limit_ugm3

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (loadable again with :meth:`from_json`)."""
        return asdict(self)


def _validated_rule_fields(data: Mapping[str, Any], where: Phrase) -> dict[str, Any]:
    """Check keys and types of a rule dict; every problem found is listed in one ValidationError."""
    problems: list[Phrase] = []
    missing = [k for k in REQUIRED_RULE_KEYS if k not in data]
    if missing:
        problems.append(Phrase("error.rule_missing_keys", keys=missing))
    unknown = [k for k in data if k not in REQUIRED_RULE_KEYS + OPTIONAL_RULE_KEYS]
    if unknown:
        problems.append(Phrase("error.rule_unknown_keys", keys=[str(k) for k in unknown],
                               allowed=list(REQUIRED_RULE_KEYS + OPTIONAL_RULE_KEYS)))
    out: dict[str, Any] = {}

    def number(key: str, *, minimum: float = 0.0, strict: bool = True, allow_none: bool = False) -> None:
        if key not in data:
            return
        value = data[key]
        if value is None and allow_none:
            out[key] = None
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            problems.append(Phrase("error.rule_number_or_null" if allow_none else "error.rule_number", key=key, value=value))
        elif value < minimum or (strict and value == minimum):
            problems.append(Phrase("error.rule_above" if strict else "error.rule_not_below", key=key, minimum=minimum,
                                   value=value))
        else:
            out[key] = float(value)

    if "pollutant" in data:
        pollutant = _pollutant_of(str(data["pollutant"]))
        if pollutant is None:
            problems.append(Phrase("error.rule_pollutant", value=data["pollutant"], choices=list(DUST_POLLUTANTS)))
        else:
            out["pollutant"] = pollutant
    if "window_minutes" in data:
        value = data["window_minutes"]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or 1440 % value:
            problems.append(Phrase("error.rule_window", value=value))
        else:
            out["window_minutes"] = value
    number("limit_ugm3")
    number("background_cap_ugm3", allow_none=True)
    number("priority_multiplier")
    for key in ("subtract_background", "verified"):
        if key in data:
            if not isinstance(data[key], bool):
                problems.append(Phrase("error.rule_bool", key=key, value=data[key]))
            else:
                out[key] = data[key]
    if "max_exceedances_per_day" in data:
        value = data["max_exceedances_per_day"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(Phrase("error.rule_exceedances", value=value))
        else:
            out["max_exceedances_per_day"] = value
    for key in ("id", "name", "source", "note"):
        if key in data:
            out[key] = str(data[key])
    if problems:
        bad_field = missing[0] if missing else None
        raise ValidationError("error.rule_invalid", field=bad_field, where=where, problems=Sentences(problems))
    return out


def load_presets(path: str | Path = PRESETS_PATH) -> dict[str, DustRule]:
    """The preset rules by id (e.g. ``hebei-db13-2934-2019``)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError("error.rule_presets_unreadable", path=path, detail=exc) from exc
    presets: dict[str, DustRule] = {}
    for entry in data["rules"]:
        rule = DustRule.from_json(entry)
        presets[rule.id] = rule
    return presets


def get_rule(name_or_path: str | Path) -> DustRule:
    """A preset by id, else a rule JSON file."""
    presets = load_presets()
    if str(name_or_path) in presets:
        return presets[str(name_or_path)]
    if not Path(name_or_path).exists():
        raise NotFoundError("error.rule_unknown", name=name_or_path, presets=list(presets))
    return DustRule.from_json(name_or_path)


# --------------------------------------------------------------------------- readings
@dataclass(frozen=True)
class RowError:
    """A row of the readings file that was not used, and why."""

    line: int  # line number in the file (the header is line 1)
    reason: str
    raw: dict[str, str] = field(default_factory=dict)


@dataclass
class Readings:
    """Parsed readings: ``frame`` has columns site, time, background and one per pollutant, in µg/m³."""

    frame: "pd.DataFrame"
    errors: list[RowError]
    pollutants: tuple[str, ...]
    has_background: bool
    converted_from_mg: tuple[str, ...] = ()  # columns whose header said mg/m³ (×1000 applied)
    source: str = ""
    units: dict[str, str] = field(default_factory=dict)  # pollutant -> the unit written (or given)
    unit_warnings: list[str] = field(default_factory=list)  # unit-less columns that look like mg/m³


def _pollutant_of(header: str) -> str | None:
    """PM10 / PM2.5 / TSP for a header such as "PM10(µg/m³)", "pm2.5浓度", "可吸入颗粒物"."""
    text = re.sub(r"[\(（\[【].*$", "", header).upper().replace(" ", "").replace("_", "").replace("．", ".")
    if "PM10" in text or "可吸入颗粒物" in text:
        return "PM10"
    if "PM2.5" in text or "PM25" in text or "细颗粒物" in text:
        return "PM2.5"
    if "TSP" in text or "总悬浮颗粒物" in text:
        return "TSP"
    return None


def _unit_scale(header: str, given: str | None = None) -> float | None:
    """The factor to µg/m³ of a column: 1000 for mg/m³, 1 for µg/m³ or no unit, None for a unit
    that is no air concentration (the unit comes from ``given`` or the header)."""
    written = given or unitmod.split_header(header)[1]
    if written is None:
        low = header.lower().replace("³", "3").replace(" ", "")
        if "mg/m3" in low or "毫克" in low:
            return 1000.0
        if re.search(r"[a-z]+/[a-z0-9]+", low) and not re.search(r"pm2[./]5", low):
            return None
        return 1.0
    unit = unitmod.lookup(written)
    if unit is None or unit.quantity != unitmod.AIR:
        return None
    return unit.to_base(1.0)


def _written_unit(header: str, given: str | None = None) -> str | None:
    if given:
        return given
    written = unitmod.split_header(header)[1]
    if written is None and re.search(r"mg/m[3³]|毫克", header.lower()):
        return "mg/m³"
    return written


def _find_column(headers: list[str], candidates: tuple[str, ...]) -> str | None:
    norm = {re.sub(r"[\s_（）()]", "", h).lower(): h for h in headers}
    for cand in candidates:
        key = re.sub(r"[\s_（）()]", "", cand).lower()
        if key in norm:
            return norm[key]
    for cand in candidates:  # "背景值(µg/m³)", "站点名称 " …
        for key, header in norm.items():
            if key.startswith(re.sub(r"[\s_]", "", cand).lower()):
                return header
    return None


def _is_background(header: str) -> bool:
    """True for a background column: 背景值, PM10背景值, background, 区县均值 …"""
    key = re.sub(r"[\s_（）()]", "", header).lower()
    key = re.sub(r"(mg|µg|μg|ug)/m[3³]", "", key)
    return any(word in key for word in ("背景", "background", "区县均值", "区县小时均值")) or key == "bg"


def _parse_number(text: str) -> float | None:
    """None for an empty cell; ValueError for non-numbers and negative numbers."""
    text = text.strip()
    if text in ("", "-", "—", "NA", "null", "None"):
        return None
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(text)
    return value


def _parse_times(texts: "pd.Series") -> "pd.Series":
    """Naive local (Beijing) times; NaT where a cell is no time. Offsets are converted to UTC+8."""
    import pandas as pd

    def one(text: str) -> "pd.Timestamp":
        try:
            stamp = pd.Timestamp(text.strip())
        except (ValueError, TypeError):
            return pd.NaT
        if stamp is not pd.NaT and stamp.tzinfo is not None:
            stamp = stamp.tz_convert("Asia/Shanghai").tz_localize(None)
        return stamp

    texts = texts.astype(str).str.strip()
    # a bare clock time ("08:00") would silently get today's date: leave it unparsed instead
    texts = texts.where(~texts.str.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?"), "")
    try:
        times = pd.to_datetime(texts, format="mixed", errors="coerce")
        if getattr(times.dt, "tz", None) is not None:
            times = times.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        return times
    except (ValueError, TypeError, AttributeError):  # mixed offsets / naive and aware times
        return pd.to_datetime(pd.Series([one(t) for t in texts], index=texts.index), errors="coerce")


@dataclass
class _Layout:
    """Which column of a readings table holds what."""

    site: str
    time: str
    date: str | None  # a separate 日期 column joined to the time
    background: str | None
    pollutants: dict[str, str]  # pollutant -> header
    unit: str | None  # a 单位 column: the unit of a row's values where the header gives none


@dataclass
class _Scales:
    """Factors to µg/m³: per pollutant (from its header or ``units``), the background's, the units written."""

    pollutants: dict[str, float]
    background: float
    written: dict[str, str]


def read_readings(path: str | Path, units: Mapping[str, str] | None = None) -> Readings:
    """Read a dust readings table (CSV in UTF-8/BOM/GBK, or .xlsx): 站点/site, 时间/time (or 日期 + 时间),
    PM10/PM2.5/TSP, optional 背景值.

    Values in a column whose header says mg/m³ (or ``units`` {header or pollutant: unit}, e.g. from
    ``--units``) are converted to µg/m³. A background column with no unit of its own takes the unit
    of the (first) pollutant column. Rows that cannot be used are listed in ``errors`` with the file
    line number and the reason; all other rows are kept. ``unit_warnings`` lists pollutant columns
    with no unit whose values are all below 5 (they look like mg/m³).
    """
    from gislib.io.uploads import table_frame

    path = Path(path)
    if not path.exists():
        raise NotFoundError("error.readings_not_found", path=path)
    raw = table_frame(path)
    raw.columns = [str(c).strip() for c in raw.columns]
    layout = _readings_layout(list(raw.columns), path)
    scales = _readings_scales(layout, dict(units or {}), list(raw.columns), path)
    time_texts = raw[layout.time].astype(str)
    if layout.date is not None:  # 日期 "2024-05-01" + 时间 "08:00"
        time_texts = raw[layout.date].astype(str).str.strip() + " " + time_texts.str.strip()
    times = _parse_times(time_texts)
    unitless: dict[str, list[float]] = {p: [] for p in layout.pollutants if p not in scales.written}
    records: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for i, row in enumerate(raw.to_dict("records")):
        record, reasons = _reading_of(row, times.iloc[i], time_texts.iloc[i], layout, scales, unitless)
        if reasons:
            line = i + 2
            reason = str(Phrase("error.reading_row_unused", row=line, reasons=Sentences(reasons)))
            errors.append(RowError(line, reason, {k: str(v) for k, v in row.items()}))
        else:
            records.append(record)
    warnings = [w for p, h in layout.pollutants.items() if p in unitless
                if (w := unitmod.magnitude_warning(p, h, unitless[p], "µg/m³"))]
    return Readings(
        frame=_readings_frame(records, layout), errors=errors, pollutants=tuple(layout.pollutants),
        has_background=layout.background is not None,
        converted_from_mg=tuple(h for p, h in layout.pollutants.items() if scales.pollutants[p] != 1.0),
        source=str(path), units=scales.written, unit_warnings=warnings,
    )


def _readings_layout(headers: list[str], path: Path) -> _Layout:
    """Find the site, time, date, background, pollutant and unit columns; refuse a table without the needed ones."""
    site_col = _find_column(headers, SITE_COLUMNS)
    time_col = _find_column(headers, TIME_COLUMNS)
    norm_headers = {re.sub(r"[\s_]", "", h).lower(): h for h in headers}
    date_col = norm_headers.get("日期") or norm_headers.get("date")  # a separate date column
    if time_col is None:
        time_col, date_col = date_col, None
    background_col = next((h for h in headers if _is_background(h)), None)
    pollutant_cols: dict[str, str] = {}
    for header in headers:
        pollutant = _pollutant_of(header)
        if pollutant and pollutant not in pollutant_cols and header not in (site_col, time_col, background_col):
            pollutant_cols[pollutant] = header
    missing = [label for label, col in (("站点/site", site_col), ("时间/time", time_col)) if col is None]
    if not pollutant_cols:
        missing.append("PM10/PM2.5/TSP")
    if missing:
        raise ValidationError("error.readings_columns", field=missing[0], path=path, missing=missing, headers=headers)
    unit_col = next((h for h in headers if re.sub(r"\s", "", h).lower() in ("单位", "unit", "units", "计量单位")), None)
    return _Layout(site_col, time_col, date_col, background_col, pollutant_cols, unit_col)


def _readings_scales(layout: _Layout, given: dict[str, str], headers: list[str], path: Path) -> _Scales:
    """The factor to µg/m³ of every pollutant column and of the background; refuse units that do not convert."""
    unknown_given = [k for k in given if k not in headers and k not in layout.pollutants]
    if unknown_given:
        raise ValidationError("error.readings_unit_columns", field=unknown_given[0], path=path, columns=unknown_given,
              headers=headers)
    scales: dict[str, float] = {}
    written: dict[str, str] = {}
    for pollutant, header in layout.pollutants.items():
        unit_given = given.get(header) or given.get(pollutant)
        scale = _unit_scale(header, unit_given)
        if scale is None:
            raise ValidationError("error.readings_unit", field=header, path=path, header=header,
                  unit=_written_unit(header, unit_given))
        scales[pollutant] = scale
        if _written_unit(header, unit_given):
            written[pollutant] = _written_unit(header, unit_given)
    background_scale = 1.0
    if layout.background is not None:
        background_scale = (_unit_scale(layout.background) if _has_own_unit(layout.background)
                            else next(iter(scales.values())))
        if background_scale is None:
            raise ValidationError("error.readings_background_unit", field=layout.background, path=path, header=layout.background)
    return _Scales(scales, background_scale, written)


def _has_own_unit(header: str) -> bool:
    return bool(re.search(r"/m", header.lower()))


def _reading_of(row: dict, when, time_text: str, layout: _Layout, scales: _Scales,
                unitless: dict[str, list[float]]) -> tuple[dict[str, Any], list[str]]:
    """One row as a reading (site, time, pollutants and background in µg/m³) and the reasons it is unusable.
    Values of unit-less pollutant columns are collected in ``unitless`` for the magnitude warning."""
    import pandas as pd

    reasons: list[Phrase] = []
    row_scales = dict(scales.pollutants)
    row_unit = str(row[layout.unit]).strip() if layout.unit is not None else ""
    if row_unit:  # a 单位 column: the unit of this row's values where the header gives none
        scale = _unit_scale("", row_unit)
        if scale is None:
            reasons.append(Phrase("error.reading_unit", unit=row_unit))
        else:
            row_scales.update({p: scale for p in unitless})
    site = str(row[layout.site]).strip()
    if not site:
        reasons.append(Phrase("error.reading_no_site"))
    if pd.isna(when):
        reasons.append(Phrase("error.reading_time", value=time_text))
    record: dict[str, Any] = {"site": site, "time": when}
    for pollutant, header in layout.pollutants.items():
        try:
            value = _parse_number(str(row[header]))
        except ValueError:
            reasons.append(Phrase("error.reading_value", column=header, value=row[header]))
            continue
        record[pollutant] = math.nan if value is None else round(value * row_scales[pollutant], METRIC_DECIMALS)
        if value is not None and pollutant in unitless and not row_unit:
            unitless[pollutant].append(value)
    if not reasons and all(math.isnan(record[p]) for p in layout.pollutants):
        reasons.append(Phrase("error.reading_no_values", columns=list(layout.pollutants.values())))
    record["background"] = math.nan
    if layout.background is not None:
        try:
            value = _parse_number(str(row[layout.background]))
        except ValueError:
            reasons.append(Phrase("error.reading_value", column=layout.background, value=row[layout.background]))
            value = None
        scale = scales.background
        if row_unit and not _has_own_unit(layout.background) and unitless:
            scale = row_scales[next(iter(unitless))]
        record["background"] = math.nan if value is None else round(value * scale, METRIC_DECIMALS)
    return record, reasons


def _readings_frame(records: list[dict[str, Any]], layout: _Layout) -> "pd.DataFrame":
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=["site", "time", *layout.pollutants, "background"])
    frame["time"] = pd.to_datetime(frame["time"])
    for col in [*layout.pollutants, "background"]:
        frame[col] = frame[col].astype(float)
    frame["site"] = frame["site"].astype(str)
    return frame


# --------------------------------------------------------------------------- evaluation
@dataclass(frozen=True)
class DayResult:
    """Exceedances of one site on one day."""

    site: str
    date: dt.date
    exceedances: int  # windows whose metric > limit
    exceeded: bool  # exceedances > rule.max_exceedances_per_day
    max_value: float | None  # highest window metric of the day (µg/m³), None if no window could be judged
    n_readings: int
    n_windows: int = 0
    n_windows_without_background: int = 0  # not judged: background needed but missing
    limit_ugm3: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form: site, date (YYYY-MM-DD), exceedances, exceeded, and the details."""
        out = asdict(self)
        out["date"] = self.date.isoformat()
        return out


def _frame_of(readings: "Readings | pd.DataFrame") -> "pd.DataFrame":
    return readings.frame if isinstance(readings, Readings) else readings


def window_series(
    readings: "Readings | pd.DataFrame", rule: DustRule, priority_sites: Iterable[str] = frozenset()
) -> "pd.DataFrame":
    """The windowed metric per site: columns site, window_end (the window's LABEL, its end time, as
    Chinese air-quality data are labelled), window_start, date (the natural day the window covers),
    value, background, metric, limit, exceeded, n_readings (µg/m³; sorted by site and window).
    ``metric`` is NaN for a window that needs a background and has none."""
    import pandas as pd

    frame = _frame_of(readings)
    if rule.pollutant not in frame.columns:
        present = [p for p in DUST_POLLUTANTS if p in frame.columns]
        raise ValidationError("error.rule_pollutant_absent", field=rule.pollutant, rule=rule.name, pollutant=rule.pollutant,
              present=present or Phrase("error.no_pollutant_columns"))
    if rule.subtract_background and ("background" not in frame.columns or frame["background"].isna().all()):
        raise ValidationError("error.rule_needs_background", field="background", rule=rule.name)
    priority = {str(s) for s in priority_sites}
    data = pd.DataFrame({
        "site": frame["site"].astype(str),
        # a time stamp closes its period: 00:15, 00:30, 00:45 and 01:00 all fall in the hour labelled 01:00
        "window_end": pd.to_datetime(frame["time"]).dt.ceil(f"{rule.window_minutes}min"),
        "value": frame[rule.pollutant].astype(float),
        "background": frame["background"].astype(float) if "background" in frame.columns else math.nan,
    })
    data = data[data["value"].notna()]
    columns = ["site", "window_end", "window_start", "date", "value", "background", "metric", "limit", "exceeded",
               "n_readings"]
    if data.empty:
        return pd.DataFrame(columns=columns)
    grouped = data.groupby(["site", "window_end"], sort=True)
    out = grouped.agg(value=("value", "mean"), background=("background", "mean"), n_readings=("value", "size"))
    out = out.reset_index()
    if rule.subtract_background:
        subtracted = out["background"]
        if rule.background_cap_ugm3 is not None:
            subtracted = subtracted.clip(upper=rule.background_cap_ugm3)
        metric = out["value"] - subtracted
    else:
        metric = out["value"]
    out["metric"] = metric.round(METRIC_DECIMALS)
    out["limit"] = out["site"].map({s: rule.limit_for(s, priority) for s in out["site"].unique()})
    out["exceeded"] = (out["metric"] > out["limit"]).fillna(False).astype(bool)
    out["window_start"] = out["window_end"] - pd.Timedelta(minutes=rule.window_minutes)
    out["date"] = out["window_start"].dt.date  # the label D+1 00:00 (= D 24:00) closes day D
    return out[columns]


def evaluate(
    readings: "Readings | pd.DataFrame", rule: DustRule, priority_sites: Iterable[str] = frozenset()
) -> list[DayResult]:
    """Count exceeding windows per site and day under ``rule``; sorted by site, then date."""
    return evaluate_series(window_series(readings, rule, priority_sites), rule)


def evaluate_series(series: "pd.DataFrame", rule: DustRule) -> list[DayResult]:
    """:func:`evaluate` on windows already computed by :func:`window_series` (or a subset of their days):
    one grouped aggregation, not a Python loop per site and day (a city's month of 15-minute readings)."""
    import pandas as pd

    if series.empty:
        return []
    frame = series.assign(judged=series["metric"].notna(), exceeded=series["exceeded"].astype(int))
    frame["judged_metric"] = frame["metric"].where(frame["judged"])
    days = frame.groupby(["site", "date"], sort=True).agg(
        exceedances=("exceeded", "sum"), max_value=("judged_metric", "max"), n_readings=("n_readings", "sum"),
        n_windows=("metric", "size"), n_judged=("judged", "sum"), limit=("limit", "first"))
    return [DayResult(site=str(site), date=day, exceedances=int(row.exceedances),
                      exceeded=int(row.exceedances) > rule.max_exceedances_per_day,
                      max_value=None if pd.isna(row.max_value) else float(row.max_value),
                      n_readings=int(row.n_readings), n_windows=int(row.n_windows),
                      n_windows_without_background=int(row.n_windows - row.n_judged), limit_ugm3=float(row.limit))
            for (site, day), row in zip(days.index, days.itertuples(index=False))]


__all__ = [
    "DayResult", "DustRule", "Readings", "RowError", "evaluate", "evaluate_series", "get_rule", "load_presets", "read_readings",
    "window_series",
]
