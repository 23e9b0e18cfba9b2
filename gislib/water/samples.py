"""gislib.water.samples: the section-samples repository (demo table + samples imported by users).

Demo samples live in the data set table ``section_samples``. Samples that officers import are
kept in the record store's SQLite file, in a table of this module (``section_samples_imported``,
created here with CREATE TABLE IF NOT EXISTS; the store's own schema is untouched). Each import
is one transaction and one row of ``section_samples_import_batches`` (who, when, which file).

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
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gislib.domain import DEMO_MARK, WQ_CLASS_ROMAN
from gislib.errors import DataError, ValidationError
from gislib.water.quality import EVALUATED_ITEMS, ITEM_ORDER, Measured, evaluate_sample, read_samples

IMPORTED_MARK = "导入"

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS section_samples_import_batches(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        rows INTEGER NOT NULL,
        imported_by TEXT NOT NULL,
        imported_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS section_samples_imported(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        section_code TEXT NOT NULL,
        date TEXT NOT NULL,
        month TEXT NOT NULL,
        values_json TEXT NOT NULL,
        batch_id INTEGER NOT NULL REFERENCES section_samples_import_batches(id),
        imported_by TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        UNIQUE(section_code, date))""",
    "CREATE INDEX IF NOT EXISTS section_samples_imported_month ON section_samples_imported(section_code, month)",
)


def _add_originals_column(conn: sqlite3.Connection) -> None:
    """Files created before units were recorded get the originals_json column."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(section_samples_imported)")}
    if "originals_json" not in have:
        conn.execute("ALTER TABLE section_samples_imported ADD COLUMN originals_json TEXT")


def _connect(db_path: str | Path) -> sqlite3.Connection:
    """A short-lived connection to the store file, with our tables present."""
    conn = sqlite3.connect(str(db_path), isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    for statement in SCHEMA:
        conn.execute(statement)
    _add_originals_column(conn)
    return conn


def _db_path(store: Any) -> Path:
    path = getattr(store, "db_path", None)
    if path is None:
        raise DataError("这个记录库没有 SQLite 文件 (db_path); 导入的监测数据只能保存在 SQLite 记录库中")
    return Path(path)


def _user_name(user: Any) -> str:
    if isinstance(user, dict):
        user = user.get("username") or user.get("name")
    if not isinstance(user, str) or not user.strip():
        raise ValidationError("缺少操作人 (user): 每次写入都要写明操作人", field="user")
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
            problems.append("缺少断面; 请在 断面名称 列填写断面编码 (如 PTDM001) 或名录中的断面名称")
        elif code is None:
            problems.append(f"断面 {text!r} 不在断面名录中; 请用断面编码 (如 PTDM001) 或名录中的名称, 新断面先在断面台账中登记")
        if sr.date is None:
            problems.append("缺少或无法识别采样日期; 请填写 采样日期 (如 2026-10-08)")
        if not any(k in EVALUATED_ITEMS for k in sr.values):
            problems.append("没有任何参评项目的数值; 请至少填写 溶解氧、高锰酸盐指数、氨氮、总磷 等一项")
        if code is not None and sr.date is not None:
            key = (code, sr.date.isoformat())
            if key in seen:
                problems.append(f"与第 {seen[key]} 行是同一断面同一日期; 请删除重复的一行")
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
                pr.warnings.append(f"文件中的水质目标 {sr.target} 与断面名录 ({target}) 不同; 按名录评价")
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
        raise ValidationError("单位可疑, 未写入任何数据: " + "; ".join(preview.unit_warnings)
                              + "; 请在导入页选择这些列的单位, 或确认按标准单位计")
    if preview.error_rows and not skip_invalid:
        bad = ", ".join(str(r.row) for r in preview.error_rows[:10])
        raise ValidationError(f"第 {bad} 行有错误, 未写入任何数据; 请修正文件后重新上传, 或选择只导入无误的行")
    rows = preview.valid_rows
    if not rows:
        raise ValidationError("没有可导入的行; 请检查文件中的断面、采样日期和监测值")
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    conn = _connect(_db_path(store))
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.execute(
                "INSERT INTO section_samples_import_batches(source, rows, imported_by, imported_at) VALUES (?,?,?,?)",
                (preview.source, len(rows), who, now))
            batch = int(cur.lastrowid)
            for r in rows:
                conn.execute(
                    "INSERT INTO section_samples_imported(section_code, date, month, values_json, batch_id, "
                    "imported_by, imported_at, originals_json) VALUES (?,?,?,?,?,?,?,?) "
                    "ON CONFLICT(section_code, date) DO UPDATE SET month=excluded.month, "
                    "values_json=excluded.values_json, batch_id=excluded.batch_id, "
                    "imported_by=excluded.imported_by, imported_at=excluded.imported_at, "
                    "originals_json=excluded.originals_json",
                    (r.section_code, r.date, r.date[:7], json.dumps(r.values, ensure_ascii=False), batch, who, now,
                     json.dumps(r.originals, ensure_ascii=False) if r.originals else None))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()
    return batch


# --------------------------------------------------------------------------- reading
def imported_samples(store: Any) -> pd.DataFrame:
    """Imported samples in the wide layout, plus imported_by / imported_at / batch_id."""
    conn = _connect(_db_path(store))
    try:
        rows = conn.execute(
            "SELECT section_code, date, values_json, imported_by, imported_at, batch_id "
            "FROM section_samples_imported ORDER BY section_code, date").fetchall()
    finally:
        conn.close()
    records = []
    for code, date, values, by, at, batch in rows:
        rec = {"section_code": code, "date": date, "mark": IMPORTED_MARK}
        rec.update(json.loads(values))
        rec.update({"imported_by": by, "imported_at": at, "batch_id": batch})
        records.append(rec)
    return pd.DataFrame(records, columns=None if records else ["section_code", "date", "mark"])


def imported_originals(store: Any) -> dict[tuple[str, str], dict[str, dict]]:
    """{(section_code, date): {item: {"value": as written, "unit": written unit}}} for imported rows
    whose file was not in the standard's unit."""
    conn = _connect(_db_path(store))
    try:
        rows = conn.execute("SELECT section_code, date, originals_json FROM section_samples_imported "
                            "WHERE originals_json IS NOT NULL").fetchall()
    finally:
        conn.close()
    return {(code, date): json.loads(text) for code, date, text in rows}


def import_batches(store: Any) -> pd.DataFrame:
    """Every import: id, source, rows, imported_by, imported_at (newest first)."""
    conn = _connect(_db_path(store))
    try:
        return pd.read_sql_query(
            "SELECT id, source, rows, imported_by, imported_at FROM section_samples_import_batches ORDER BY id DESC",
            conn)
    finally:
        conn.close()


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
