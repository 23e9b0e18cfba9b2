"""gislib.safe_text: every user text is data, never markup, formula or script.

One place for the escaping rules, used wherever a name, code or any other text that came from an
officer's upload or edit is written out:

* :func:`html_text`: text for HTML (Leaflet tooltips/popups, the legend, folium templates);
* :func:`md_text`: text for Streamlit markdown (``st.markdown``/``st.title``/``st.caption``…),
  which would otherwise render HTML, links, ``:red[…]`` directives, ``$…$`` LaTeX and emphasis;
* :func:`mathtext`: text for matplotlib labels (``$`` starts mathtext there);
* :func:`cell` / :func:`safe_frame`: a spreadsheet or CSV cell, with a leading ``= + - @ \\t \\r``
  neutralised by a single quote (OWASP "CSV injection") and the control characters that Excel
  files cannot hold (NUL …, what openpyxl refuses with ``IllegalCharacterError``) removed.
  Numbers, dates and booleans stay what they are: only text cells change.
"""
from __future__ import annotations

import html
import re
from typing import Any

from gislib.values import python_value

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The characters an .xlsx cell cannot hold (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE); CSV gets the same.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Markdown Streamlit acts on: CommonMark/GFM inline markup, raw HTML, entities, tables, $LaTeX$, and
# ":" where it starts a :color[…] directive, a :material/icon: or :emoji: shortcode, or a link scheme.
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]<>#|~$&@]|:(?=[A-Za-z/\[])|(?<=[Ww]{3})\.")
_MD_LEADING = re.compile(r"^(\s*\d*)([-+=.)])")  # a list item or setext line at the start: "- x", "1. x"


def plain(value: Any) -> str:
    """Any cell as one line of text: '' for every kind of missing value, no control characters."""
    value = python_value(value)
    if value is None:
        return ""
    return strip_control(str(value))


def strip_control(text: str) -> str:
    """``text`` without the control characters files cannot hold (tab, CR and LF are kept)."""
    return _CONTROL.sub("", text)


def html_text(value: Any) -> str:
    """Text for HTML: ``<img onerror=…>`` shows as those characters, quotes cannot end an attribute."""
    return html.escape(plain(value), quote=True)


def md_text(value: Any) -> str:
    """Text for Streamlit markdown: every character shows as itself, nothing becomes markup.

    Line breaks become spaces (a name is one line; a newline would start a new block)."""
    text = plain(value).replace("\r", " ").replace("\n", " ")
    text = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    return _MD_LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), text, count=1)


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table of cells that are markdown text already (``md_text``: a ``|`` in them is ``\\|``, which a
    table cell shows as itself, and a line break is a space, so a cell never ends its row)."""
    line = lambda cells: "| " + " | ".join(c if c else " " for c in cells) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "---|" * len(header)] + [line(r) for r in rows])


def mathtext(value: Any) -> str:
    """Text for a matplotlib label: a ``$`` is a dollar sign, not the start of mathtext."""
    return plain(value).replace("$", r"\$")


def cell(value: Any) -> Any:
    """A spreadsheet/CSV cell: text that a spreadsheet would run as a formula is quoted, control
    characters are removed; numbers, dates, booleans and missing values are left as they are."""
    if type(value) is not str:  # (a str is its own python_value: 600,000 cells of a ledger skip the checks)
        value = python_value(value)
        if not isinstance(value, str):
            return value
    value = strip_control(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def safe_frame(frame):
    """A copy of a DataFrame whose text cells went through :func:`cell` (for ``to_csv``/``to_excel``)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            out[col] = out[col].map(cell)
    out.columns = [cell(c) for c in out.columns]
    return out
