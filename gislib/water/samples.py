"""gislib.water.samples: the section-samples repository (demo table + samples imported by users).

Demo samples live in the data set table ``section_samples``. Samples that officers import are
kept in the record store, through its samples repository (``store.samples``, tables of migration
50; this module never opens a connection). Each import is one transaction and one batch (who,
when, which file).

``all_samples(store)`` merges both in the wide layout of the demo table (section_code, date,
mark, one column per GB 3838 item): imported rows replace the demo rows of the same section and
month, and a re-imported (section, date) replaces the earlier import.

Units: values are stored in the standard's unit (mg/L, 个/L); where the file was in another unit
(header "汞(μg/L)", a 单位 column, or a unit the officer chose on the import page) the written
value and unit are kept per item in ``originals_json``. A preview whose unit-less columns look like
another unit (``ImportPreview.unit_warnings``) is not written until the officer confirms or gives
the unit (``preview_import(..., units=…)``).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gislib.domain import DEMO_MARK, WQ_CLASS_ROMAN
from gislib.errors import Phrase, ValidationError
from gislib.water.quality import EVALUATED_ITEMS, ITEM_ORDER, Measured, evaluate_sample, read_samples

IMPORTED_MARK = "导入"


def _say(key: str, **params) -> str:
    """A catalog message (gislib/messages/errors_water.py) in the language of the run, for a row's error."""
    return str(Phrase(key, **params))


def _user_name(user: Any) -> str:
    if isinstance(user, dict):
        user = user.get("username") or user.get("name")
    if not isinstance(user, str) or not user.strip():
        raise ValidationError("error.user_required", field="user")
    return user.strip()


def _stored_value(m: Measured) -> float | str:
    """What a cell keeps: the number, or "<DL>L" for a value below detection (re-parsed later)."""
    if m.below_detection and m.detection_limit is not None:
        return f"{m.detection_limit:g}L"
    return float(m.value)


# --------------------------------------------------------------------------- import preview
@dataclass
class PreviewRow:
    """One data row of an uploaded file, resolved to a section and checked."""

    row: int
    section_text: str
    section_code: str | None
    date: str | None
    values: dict[str, float | str] = field(default_factory=dict)
    originals: dict[str, dict[str, float | str]] = field(default_factory=dict)  # item -> {value, unit} written
    cls: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    replaces: str | None = None  # "示例数据" / "导入" when it replaces rows of that month


@dataclass
class ImportPreview:
    """What an import would write, row by row, before anyone confirms it."""

    source: str
    rows: list[PreviewRow]
    unknown_columns: list[str]
    unit_warnings: list[str] = field(default_factory=list)  # unit-less columns that look like another unit
    unit_notes: list[str] = field(default_factory=list)  # conversions applied ("汞(μg/L): µg/L → mg/L (÷1000)")
    unit_suspects: list[str] = field(default_factory=list)  # the headers behind ``unit_warnings``

    @property
    def valid_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.error is None]

    @property
    def error_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.error is not None]

    def frame(self) -> pd.DataFrame:
        """The preview as a table: 行, 断面, 日期, 错误, items…, 类别, 替换."""
        items = [i for i in ITEM_ORDER if any(i in r.values for r in self.rows)]
        out = []
        for r in self.rows:
            rec: dict[str, Any] = {"行": r.row, "断面": r.section_code or r.section_text, "日期": r.date or "",
                                   "错误": r.error or "; ".join(r.warnings)}
            rec.update({i: _display(r.values.get(i)) for i in items})
            rec["类别"] = f"{WQ_CLASS_ROMAN[r.cls]}类" if r.cls else ""
            rec["替换"] = r.replaces or ""
            out.append(rec)
        return pd.DataFrame(out)


def _display(value: float | str | None) -> str:
    """A stored cell as people write it: 6.1, 0.025L, or empty."""
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _section_lookup(sections: pd.DataFrame) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, name in zip(sections["code"], sections["name"]):
        lookup[str(name).strip()] = code
    for code in sections["code"]:
        lookup[str(code).strip()] = code
        lookup[str(code).strip().upper()] = code
    return lookup


def preview_import(path: str | Path, sections: pd.DataFrame, existing: pd.DataFrame | None = None,
                   source: str | None = None, units: dict[str, str] | None = None) -> ImportPreview:
    """Read and check an uploaded CSV/.xlsx (via ``quality.read_samples``) without writing.

    A row is rejected (``error``) when read_samples could not read it, when its section is not
    in ``sections`` (code or name), when it has no readable 采样日期, or when none of the 21
    evaluated items is filled. ``existing`` (e.g. ``all_samples(store)``) marks rows that will
    replace samples already shown for that section and month.
    """
    table = read_samples(path, units=units)
    lookup = _section_lookup(sections)
    meta = sections.set_index("code")
    shown_months: dict[tuple[str, str], str] = {}
    if existing is not None and not existing.empty:
        for code, date, mark in zip(existing["section_code"], existing["date"],
                                    existing.get("mark", pd.Series([DEMO_MARK] * len(existing)))):
            shown_months[(code, str(date)[:7])] = IMPORTED_MARK if mark == IMPORTED_MARK else DEMO_MARK
    rows: list[PreviewRow] = []
    seen: dict[tuple[str, str], int] = {}
    for sr in table:
        text = (sr.section or "").strip()
        code = lookup.get(text) or lookup.get(text.upper())
        pr = PreviewRow(row=sr.row, section_text=text, section_code=code,
                        date=sr.date.isoformat() if sr.date else (sr.date_raw or None),
                        values={k: _stored_value(v) for k, v in sr.values.items()},
                        originals={k: {"value": v.original, "unit": v.unit} for k, v in sr.values.items()
                                   if v.unit is not None},
                        warnings=list(sr.warnings))
        problems = [sr.error] if sr.error else []
        if not text:
            problems.append(_say("error.sample_no_section"))
        elif code is None:
            problems.append(_say("error.sample_section_unknown", section=text))
        if sr.date is None:
            problems.append(_say("error.sample_no_date"))
        if not any(k in EVALUATED_ITEMS for k in sr.values):
            problems.append(_say("error.sample_no_evaluated_item"))
        if code is not None and sr.date is not None:
            key = (code, sr.date.isoformat())
            if key in seen:
                problems.append(_say("error.sample_duplicate", row=seen[key]))
            else:
                seen[key] = sr.row
        if not problems and code is not None:
            target = meta.at[code, "target_class"] if pd.notna(meta.at[code, "target_class"]) else None
            water = meta.at[code, "water_type"] if pd.notna(meta.at[code, "water_type"]) else "河流"
            try:
                pr.cls = evaluate_sample(sr.values, water_type=water, target=target).cls
            except ValidationError as exc:
                problems.append(str(exc))
            if sr.target and target and sr.target != target:
                pr.warnings.append(_say("error.sample_target_differs", target=sr.target, registered=target))
            pr.replaces = shown_months.get((code, sr.date.isoformat()[:7]))
        if problems:
            pr.error = "; ".join(problems)
        rows.append(pr)
    return ImportPreview(source=source or Path(path).name, rows=rows, unknown_columns=list(table.unknown_columns),
                         unit_warnings=list(table.unit_warnings), unit_suspects=list(table.unit_suspects),
                         unit_notes=[u.note() for u in table.column_units.values() if u.converted])


# --------------------------------------------------------------------------- writing
def commit_import(store: Any, preview: ImportPreview, user: Any, skip_invalid: bool = False,
                  units_confirmed: bool = False) -> int:
    """Write the preview's rows in ONE transaction; returns the batch id.

    With errors in the preview nothing is written (ValidationError) unless ``skip_invalid``,
    in which case only the valid rows are written. A (section, date) already imported is
    replaced. Who and when are recorded on the batch and on every row. A preview with
    ``unit_warnings`` is refused unless ``units_confirmed`` (the officer checked the units).
    """
    who = _user_name(user)
    if preview.unit_warnings and not units_confirmed:
        raise ValidationError("error.samples_units_doubtful", warnings=preview.unit_warnings)
    if preview.error_rows and not skip_invalid:
        bad = [r.row for r in preview.error_rows[:10]]
        raise ValidationError("error.samples_rows_bad", rows=bad)
    rows = preview.valid_rows
    if not rows:
        raise ValidationError("error.samples_none")
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return store.samples.add_batch(preview.source, [
        {"section_code": r.section_code, "sample_date": r.date, "values_json": json.dumps(r.values, ensure_ascii=False),
         "originals_json": json.dumps(r.originals, ensure_ascii=False) if r.originals else None}
        for r in rows], who, now)


# --------------------------------------------------------------------------- reading
def imported_samples(store: Any) -> pd.DataFrame:
    """Imported samples in the wide layout, plus imported_by / imported_at / batch_id."""
    records = []
    for row in store.samples.rows():
        rec = {"section_code": row["section_code"], "date": row["sample_date"], "mark": IMPORTED_MARK}
        rec.update(json.loads(row["values_json"]))
        rec.update({"imported_by": row["imported_by"], "imported_at": row["imported_at"], "batch_id": row["batch_id"]})
        records.append(rec)
    return pd.DataFrame(records, columns=None if records else ["section_code", "date", "mark"])


def imported_originals(store: Any) -> dict[tuple[str, str], dict[str, dict]]:
    """{(section_code, date): {item: {"value": as written, "unit": written unit}}} for imported rows
    whose file was not in the standard's unit."""
    return {(r["section_code"], r["sample_date"]): json.loads(r["originals_json"])
            for r in store.samples.rows() if r["originals_json"]}


def import_batches(store: Any) -> pd.DataFrame:
    """Every import: id, source, rows, imported_by, imported_at (newest first)."""
    return pd.DataFrame(store.samples.batches(), columns=["id", "source", "rows", "imported_by", "imported_at"])


def merge_samples(demo: pd.DataFrame, imported: pd.DataFrame) -> pd.DataFrame:
    """Demo + imported rows; imported rows replace demo rows of the same section and month."""
    demo = demo.copy()
    demo["mark"] = DEMO_MARK
    if imported.empty:
        return demo.sort_values(["section_code", "date"], ignore_index=True)
    covered = set(zip(imported["section_code"], imported["date"].astype(str).str[:7]))
    keep = [(c, str(d)[:7]) not in covered for c, d in zip(demo["section_code"], demo["date"])]
    merged = pd.concat([demo[keep], imported], ignore_index=True)
    return merged.sort_values(["section_code", "date"], ignore_index=True)


def all_samples(store: Any, dataset: str | None = None) -> pd.DataFrame:
    """Demo samples of the data set merged with the samples imported into ``store``."""
    from gislib.dataset import load_layer

    return merge_samples(load_layer("section_samples", dataset), imported_samples(store))
