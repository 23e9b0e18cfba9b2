"""gislib.io.prepare: the post-read step between a reader and the column mapping.

* Control characters (NUL, ESC, C1 …) in headers and text cells are stripped; each affected row
  gets one warning (a NUL in a name must never reach the store, a map or an Excel export).
* ``key:value`` / ``key：value`` pairs in a KML/KMZ ``description`` (``编码:PT0001<br>名称:…``, as
  field-survey apps write them) become columns of their own, unless the placemark already has
  a value under that key.
"""
from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from gislib.io.readers import SourceTable

# C0 controls except TAB/LF/CR (kept inside text, turned into spaces), DEL, C1 controls,
# and the Unicode line/paragraph separators and BOM/zero-width marks that break exports.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
_SPACES = re.compile("[\t\r\n]+")
_PAIR_SPLIT = re.compile(r"<\s*br\s*/?\s*>|<\s*/?\s*(?:p|div|tr|li)\b[^>]*>|[\r\n;；]+", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_PAIR = re.compile(r"^\s*([^:：=]{1,30}?)\s*[:：=]\s*(.*?)\s*$", re.DOTALL)
MAX_DESCRIPTION_KEYS = 40


def clean_text(value: str) -> tuple[str, bool]:
    """``value`` without control characters; True when there were any. Line breaks and tabs
    (honest multi-line cells) become one space without a warning."""
    cleaned = _CONTROL.sub("", value)
    found = cleaned != value
    return _SPACES.sub(" ", cleaned).strip(), found


def strip_controls(table: SourceTable) -> list[dict]:
    """Strip control characters from headers and text cells in place; one warning per row."""
    warnings: list[dict] = []
    renamed: dict[str, str] = {}
    for h in table.headers:
        new, changed = clean_text(h)
        if changed:
            renamed[h] = new or f"列{len(renamed) + 1}"
    if renamed:
        table.headers = [renamed.get(h, h) for h in table.headers]
        warnings.append({"row": None, "kind": "control_chars",
                         "message": f"表头含控制字符，已去除：{'、'.join(renamed.values())}"})
    for r in table.rows:
        hit: list[str] = []
        values: dict[str, Any] = {}
        for k, v in r.values.items():
            key = renamed.get(k, k)
            if isinstance(v, str) and not key.startswith("__"):
                v, changed = clean_text(v)
                if changed:
                    hit.append(key)
                v = v or None
            values[key] = v
        r.values = values
        hit = list(dict.fromkeys(table.cleaned.get(r.row, []) + hit))  # the reader may have stripped them already
        if hit:
            warnings.append({"row": r.row, "kind": "control_chars",
                             "message": f"第 {r.row} 行「{'、'.join(hit)[:40]}」含控制字符（如 NUL、换行），已去除"})
    return warnings


def description_pairs(text: str) -> dict[str, str]:
    """``编码:PT0001<br>名称:东河排口`` → {"编码": "PT0001", "名称": "东河排口"} (HTML tags dropped)."""
    out: dict[str, str] = {}
    for part in _PAIR_SPLIT.split(text or ""):
        part = html.unescape(_TAG.sub(" ", part))
        m = _PAIR.match(unicodedata.normalize("NFC", part))
        if not m:
            continue
        key, value = m.group(1).strip(), m.group(2).strip()
        if key and not key.lower().startswith(("http", "https")) and key not in out:
            out[key] = value
        if len(out) >= MAX_DESCRIPTION_KEYS:
            break
    return out


def expand_descriptions(table: SourceTable) -> list[str]:
    """Add the ``key:value`` pairs of every ``description`` as columns; returns notes for the user."""
    if table.kind != "gis" or "description" not in table.headers:
        return []
    added: list[str] = []
    for r in table.rows:
        desc = r.values.get("description")
        if not isinstance(desc, str):
            continue
        for key, value in description_pairs(desc).items():
            if key in r.values and r.values[key] not in (None, ""):
                continue
            r.values[key] = value or None
            if key not in table.headers:
                table.headers.append(key)
                added.append(key)
    if not added:
        return []
    return [f"从地标描述（description）中读出列：{'、'.join(added)}"]


def prepare_table(table: SourceTable) -> list[dict]:
    """Run the post-read steps on ``table`` in place; returns warnings (control characters)."""
    warnings = strip_controls(table)
    table.notes.extend(expand_descriptions(table))
    return warnings
