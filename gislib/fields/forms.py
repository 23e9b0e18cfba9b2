"""gislib.fields.forms: the edit form of a layer, as data — which widgets, their starting values,
and the record changes a submitted form makes. Streamlit-free: views/outfall_view.py draws the
widgets in a loop over :func:`form_columns` and hands the submitted values to :func:`form_changes`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from gislib.fields.base import MAIN, FieldDef, LayerFields, main_party

# groups of the outfall form in three columns: identity and class | place and discharge | the rest
COLUMN_OF_GROUP = {"身份": 0, "类型": 0, "位置": 1, "受纳水体": 1, "排放": 1}
LIST_SEPARATORS = (",", "，", ";", "；")


def form_columns(table: LayerFields, n: int = 3) -> list[list[FieldDef]]:
    """The table's form fields, in table order, split into ``n`` columns by group."""
    cols: list[list[FieldDef]] = [[] for _ in range(n)]
    for f in table.where(form=True):
        cols[min(COLUMN_OF_GROUP.get(f.group, n - 1), n - 1)].append(f)
    return cols


def options(f: FieldDef) -> list[str]:
    """Choices of a select field: blank first, then the allowed values."""
    return [""] + list(f.allowed or ())


def initial(f: FieldDef, record: dict[str, Any]) -> Any:
    """The value a widget starts from: text for text boxes, a date for dates, bool for checks."""
    value = f.read(record)
    if f.form == "list":
        return "、".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))
    if f.form == "check":
        return bool(value)
    if f.form == "select":
        return value or ""
    if f.form == "date":
        from gislib.store.validators import parse_date

        return parse_date(value)
    return "" if value is None else str(value)


def error_keys(f: FieldDef, record: dict[str, Any], table: LayerFields) -> tuple[str, ...]:
    """The validator's keys whose message belongs under this widget (its own name and path; a nested
    group's own message goes under the group's first form field)."""
    keys = [f.name, f.dotted]
    if MAIN in f.path:
        parties = record.get(f.top) or []
        main_i = next((i for i, p in enumerate(parties) if isinstance(p, dict) and p.get("main")), 0)
        keys.append(f"{f.top}[{main_i}].{f.path[-1]}")
    first = next(g for g in table.where(form=True) if g.top == f.top)
    if len(f.path) > 1 and first is f:
        keys.append(f.top)
    return tuple(dict.fromkeys(keys))


def _number(text: Any) -> Any:
    text = str(text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # the validator names the field


def _list(text: Any) -> list[str]:
    text = str(text or "")
    for sep in LIST_SEPARATORS:
        text = text.replace(sep, "、")
    return [s.strip() for s in text.split("、") if s.strip()]


READERS: dict[str, Callable[[Any], Any]] = {
    "text": lambda v: str(v or "").strip(),
    "select": lambda v: v or "",
    "check": bool,
    "date": lambda v: v.isoformat() if isinstance(v, dt.date) else (v or ""),
    "number": _number,
    "list": _list,
}


def _blank(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


def _same(f: FieldDef, new: Any, old: Any) -> bool:
    if _blank(new) and _blank(old):
        return True
    if f.form == "check":
        return bool(new) == bool(old)
    if f.form == "number" and isinstance(new, float):
        try:
            return old is not None and float(old) == new
        except (TypeError, ValueError):
            return False
    return new == old


def _nested(fields: list[FieldDef], values: dict[str, Any], base: dict[str, Any]) -> tuple[bool, Any]:
    """(changed, new value) of one nested top-level key (remediation, signboard, river_chief …)."""
    top = fields[0].top
    if MAIN in fields[0].path:
        return _party(fields, values, base)
    old = base.get(top) if isinstance(base.get(top), dict) else {}
    new = dict(old)
    for f in fields:
        v = READERS[f.form](values.get(f.name))
        if _blank(v) or (f.form == "check" and v is False and f.path[-1] not in old):
            new.pop(f.path[-1], None)
        else:
            new[f.path[-1]] = v
    if all(_same(f, new.get(f.path[-1]), old.get(f.path[-1])) for f in fields):
        return False, None
    return True, new or None


def _party(fields: list[FieldDef], values: dict[str, Any], base: dict[str, Any]) -> tuple[bool, Any]:
    parties = [p for p in base.get(fields[0].top) or [] if isinstance(p, dict)]
    party = main_party(parties)
    typed = {f.path[-1]: READERS[f.form](values.get(f.name)) for f in fields}
    new_party = {k: v for k, v in {**party, **typed, "main": True}.items() if not _blank(v)}
    if new_party == {**party, "main": True} or not (any(typed.values()) or parties):
        return False, None
    new = list(parties) or [{}]
    new[parties.index(party) if party in parties else 0] = new_party
    return True, new


def form_changes(table: LayerFields, base: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The top-level record changes a submitted form makes: {key: new value (None clears it)}.

    ``values`` maps form field names to what the widgets returned; unchanged fields are left out,
    nested groups (整治, 标识牌, 河长, 溯源, the main 责任主体) are merged into what is stored."""
    changes: dict[str, Any] = {}
    nested: dict[str, list[FieldDef]] = {}
    for f in table.where(form=True):
        if len(f.path) > 1:
            nested.setdefault(f.top, []).append(f)
            continue
        new = READERS[f.form](values.get(f.name))
        if not _same(f, new, base.get(f.name)):
            changes[f.name] = None if _blank(new) else new
    for top, fields in nested.items():
        changed, new = _nested(fields, values, base)
        if changed:
            changes[top] = new
    return changes
