"""gislib.i18n: the one way Hetu translates — Simplified Chinese (default) and English.

Every text a person reads (pages, map layers, reports, error messages) is a key in the message
catalog (``gislib/messages/``, one module per area, each key holding its zh and en text side by side)
and is shown with ``t(key, **params)``. The language comes from one place: ``use_lang`` (called by the
web app for each run from the sidebar choice, by the CLI from ``--lang``); ``t`` uses it unless a
``lang`` is passed. Domain values shown to people (types, states, classes, stages …) are translated
by ``term`` / ``enum_label`` from gislib/messages/enums.py, one table per enumeration.

Why a catalog module and not gettext/Babel: two languages and ~1,000 strings; the zh and en of one key
sit on one line where a reviewer sees both; no .po/.mo compile step in setup or CI; completeness
(every key in both languages, no unused key, no Chinese literal left in a view) is one unit test
(tests/test_i18n.py) instead of msgfmt --check plus an extraction run.
"""
from __future__ import annotations

from contextvars import ContextVar

from gislib.messages import CATALOG, ENUMS, EN_TERMS

LANGS = ("zh", "en")
_LANG: ContextVar[str] = ContextVar("hetu_lang", default="zh")


def use_lang(lang: str | None) -> str:
    """Make ``lang`` the language of this run (thread/context); unknown values mean Chinese."""
    chosen = lang if lang in LANGS else "zh"
    _LANG.set(chosen)
    return chosen


def current_lang() -> str:
    """The language of this run (``zh`` unless ``use_lang`` chose another)."""
    return _LANG.get()


def t(key: str, lang: str | None = None, /, **params) -> str:
    """The text of ``key`` in ``lang`` (default: the current language), with ``{name}`` fields filled
    from ``params``. Keys like ``cat.雨洪排口`` whose tail is a domain term translate through ``term``."""
    lang = lang or current_lang()
    entry = CATALOG.get(key)
    if entry is None:
        return term(key.split(".", 1)[-1], lang)
    text = entry[1] if lang == "en" and entry[1] else entry[0]
    return text.format(**params) if params else text


def term(value, lang: str | None = None) -> str:
    """A domain value (type, state, mode, class …) for people: its English label in English mode."""
    if value is None:
        return ""
    text = str(value)
    return EN_TERMS.get(text, text) if (lang or current_lang()) == "en" else text


def enum_label(kind: str, value, lang: str | None = None) -> str:
    """The label of ``value`` of the enumeration ``kind`` (gislib/messages/enums.py) in ``lang``."""
    if value is None:
        return ""
    text = str(value)
    return ENUMS[kind].get(text, text) if (lang or current_lang()) == "en" else text


def pick(zh: str, en: str, lang: str | None = None) -> str:
    """Not for UI text (use a catalog key): chooses between two data values by language."""
    return en if (lang or current_lang()) == "en" else zh
