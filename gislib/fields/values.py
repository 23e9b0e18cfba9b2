"""gislib.fields.values: a field's value as people read it, by the field's ``fmt``.

``value(f, record, lang, today, section_names)`` is what the ledger writes in a cell and what
the 一口一档 page and PDF show (``fact_texts``); both read the field table, so they agree.
Formats: "" (as stored), "term" (domain word, English in English mode), "class" (Ⅲ类), "location",
"coord", "section", "parties", "chief", "tracing", "overdue", "phase", "updated", "local_time", "demo".
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from gislib.domain import DEMO_MARK, OUTFALL_PHASE, WQ_CLASS_ROMAN
from gislib.fields.base import FieldDef
from gislib.i18n import t, term
from gislib.timefmt import local_time


def blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def yes_no(value: Any, lang: str = "zh") -> str:
    if value is True:
        return t("outfall.yes", lang)
    if value is False:
        return t("outfall.no", lang)
    return str(value)


def class_text(cls: Any, lang: str = "zh") -> str:
    """A water-quality class as written everywhere in Hetu: Ⅲ类 (Class III in English)."""
    if not cls:
        return ""
    return f"{WQ_CLASS_ROMAN.get(str(cls), cls)}类" if lang == "zh" else f"Class {cls}"


def party_text(party: dict[str, Any], lang: str = "zh") -> str:
    """One responsible party on one line: name, credit code, contact, (主要)."""
    parts = [str(party.get("name") or "?")]
    if party.get("credit_code"):
        parts.append((t("outfall_file.credit_code", lang)) + str(party["credit_code"]))
    if party.get("contact"):
        parts.append(str(party["contact"]))
    text = " · ".join(parts)
    if party.get("main"):
        text += t("outfall_file.main", lang)
    return text


def river_chief_text(chief: Any) -> str:
    """河长 as "level name"."""
    if isinstance(chief, dict):
        return " ".join(str(chief[k]) for k in ("level", "name") if chief.get(k))
    return "" if chief is None else str(chief)


def _overdue(record: dict[str, Any], today: dt.date | None) -> bool:
    from gislib.services.workflow import is_overdue

    return is_overdue(record, today or dt.date.today())


def _location(r: dict[str, Any]) -> str | None:
    if r.get("lon") is None or r.get("lat") is None:
        return None
    return f"{float(r['lon']):.6f}, {float(r['lat']):.6f}"


def _tracing(value: Any) -> Any:
    if isinstance(value, dict):
        return " · ".join(str(v) for v in value.values() if not blank(v))
    return value


def _section(code: Any, names: dict[str, str]) -> Any:
    name = names.get(str(code)) if code else None
    return f"{code} {name}" if name else code


FORMATS = {
    "term": lambda v, r, lang, today, names: term(v, lang) if not blank(v) else None,
    "class": lambda v, r, lang, today, names: class_text(v, lang),
    "location": lambda v, r, lang, today, names: _location(r),
    "coord": lambda v, r, lang, today, names: None if v is None else round(float(v), 6),
    "section": lambda v, r, lang, today, names: _section(v, names),
    "parties": lambda v, r, lang, today, names: [party_text(p, lang) for p in v or [] if isinstance(p, dict)],
    "chief": lambda v, r, lang, today, names: river_chief_text(v),
    "tracing": lambda v, r, lang, today, names: _tracing(v),
    "overdue": lambda v, r, lang, today, names: yes_no(_overdue(r, today), lang),
    "phase": lambda v, r, lang, today, names: term(OUTFALL_PHASE.get(r.get("state"), ""), lang),
    "updated": lambda v, r, lang, today, names: f"{r.get('updated_by', '')} {local_time(r.get('updated_at'))}".strip(),
    "local_time": lambda v, r, lang, today, names: local_time(v),
    "demo": lambda v, r, lang, today, names: term(DEMO_MARK, lang) if (v or r.get("mark") == DEMO_MARK) else None,
}


def value(f: FieldDef, record: dict[str, Any], lang: str = "zh", today: dt.date | None = None,
          section_names: dict[str, str] | None = None) -> Any:
    """The value of ``f`` in ``record`` formatted by ``f.fmt`` (numbers stay numbers; None when blank)."""
    raw = f.read(record)
    if f.fmt:
        raw = FORMATS[f.fmt](raw, record, lang, today, section_names or {})
    return None if blank(raw) else raw


def text(v: Any, lang: str = "zh") -> str:
    """A formatted value as one line of text."""
    if isinstance(v, bool):
        return yes_no(v, lang)
    if isinstance(v, list):
        return "、".join(map(str, v))
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def fact_texts(f: FieldDef, record: dict[str, Any], lang: str = "zh", today: dt.date | None = None,
               section_names: dict[str, str] | None = None) -> list[str]:
    """The lines ``f`` shows on the 一口一档 page and PDF: none when blank, one per party for parties."""
    v = value(f, record, lang, today, section_names)
    if v is None:
        return []
    if f.fmt == "parties":
        return list(v)
    return [text(v, lang)]
