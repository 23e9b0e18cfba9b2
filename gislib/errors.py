"""gislib.errors: the one exception tree of Hetu.

Every message says what was wrong and what to do about it, in the user's language: an error is
raised with a message-catalog key and its parameters (``DataError("error.file_not_found", path=p)``,
keys in gislib/messages/errors*.py, one module per folder of gislib) and ``str(err)`` / ``err.text(lang)``
render it in the current language (gislib.i18n.use_lang). A parameter that is itself words is a
:class:`Phrase` (a catalog key) or a :class:`Label` (data with a zh and an en name); lists are joined in
the language (:class:`Sentences` by semicolons, :class:`Lines` one a line).
"""
from __future__ import annotations


class HetuError(Exception):
    """Root of every error Hetu raises on purpose.

    ``HetuError(key, **params)``: ``key`` is a catalog key (or, for older call sites, the message itself);
    ``params`` fill the ``{name}`` fields of the message and stay available as ``err.params``.
    """

    def __init__(self, message: str = "", /, **params):
        super().__init__(message)
        self.key, self.params = message, params

    def text(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: the current language)."""
        from gislib.i18n import t
        from gislib.messages import CATALOG

        if self.key in CATALOG:
            params = {k: _shown(v, lang) for k, v in self.params.items()}
            try:
                return t(self.key, lang, **params)
            except (KeyError, IndexError, ValueError):  # a parameter missing or of another type: still say it
                return f"{t(self.key, lang)} {params}"
        return self.key

    def __str__(self) -> str:
        return self.text()


def _shown(value, lang: str | None):
    """A parameter as people read it: lists joined (、 in Chinese, commas in English; :class:`Sentences` by
    semicolons, :class:`Lines` one a line), a :class:`Phrase`, :class:`Label` or another error in the
    language, other values as they are (so ``{rows:,}`` formats a number)."""
    from gislib.i18n import current_lang

    lang = lang or current_lang()
    if isinstance(value, (Phrase, Label, HetuError)):
        return value.text(lang)
    if isinstance(value, Lines):
        return "\n".join(str(_shown(v, lang)) for v in value)
    if isinstance(value, Sentences):
        return ("；" if lang == "zh" else "; ").join(str(_shown(v, lang)) for v in value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ("、" if lang == "zh" else ", ").join(str(_shown(v, lang)) for v in value)
    return value


class Phrase:
    """A parameter that is itself a catalog text (``Phrase("error.kind.zip")``), shown in the error's language."""

    def __init__(self, key: str, /, **params):
        self.key, self.params = key, params

    def text(self, lang: str | None = None) -> str:
        from gislib.i18n import t

        return t(self.key, lang, **{k: _shown(v, lang) for k, v in self.params.items()})

    def __str__(self) -> str:
        return self.text()


class Sentences(list):
    """A list parameter of several problems (phrases or errors), joined by semicolons."""


class Lines(list):
    """A list parameter shown one item per line (the rows of a refused file, each with its problems)."""


class Label:
    """A parameter that is data with a Chinese and an English name (a field's label), shown in the error's language."""

    def __init__(self, zh: str, en: str = ""):
        self.zh, self.en = zh, en or zh

    def text(self, lang: str | None = None) -> str:
        from gislib.i18n import current_lang

        return self.en if (lang or current_lang()) == "en" else self.zh

    def __str__(self) -> str:
        return self.text()


class ConfigError(HetuError):
    """A setting (environment variable, config file, option) is missing or invalid."""


class DataError(HetuError):
    """Input data is missing, unreadable or does not follow the expected schema."""


class ValidationError(DataError):
    """One value or record breaks a rule; ``field`` names it when known."""

    def __init__(self, message: str, field: str | None = None, **params):
        super().__init__(message, **params)
        self.field = field


class CRSError(DataError):
    """Coordinates or a coordinate reference system could not be understood or converted."""


class WorkflowError(HetuError):
    """A workflow transition that the rules do not allow."""


class ConflictError(HetuError):
    """Someone else saved the record first (optimistic locking); both versions are attached."""

    def __init__(self, message: str, mine: dict | None = None, theirs: dict | None = None, **params):
        super().__init__(message, **params)
        self.mine = mine or {}
        self.theirs = theirs or {}


class NotFoundError(HetuError):
    """A record, file or code that was asked for does not exist."""


class _Bilingual:
    """``zh`` and ``en``: the message in each language (read by pages that show a reason per row)."""

    @property
    def zh(self) -> str:
        return self.text("zh")

    @property
    def en(self) -> str:
        return self.text("en")


class PermissionDenied(_Bilingual, HetuError):
    """The acting user's role or jurisdiction does not allow this action; nothing was read or written.

    Raised with a catalog key like every error (keys in gislib/messages/errors_auth.py); ``zh`` and
    ``en`` give the message in each language; ``operation`` names the refused service operation
    (gislib.auth.permissions.OPERATIONS).
    """

    def __init__(self, message: str = "", /, operation: str | None = None, **params):
        super().__init__(message, **params, **({} if operation is None else {"operation": operation}))
        self.operation = operation


class LoginError(_Bilingual, HetuError):
    """A login or password change was refused: wrong name or password, locked, disabled or demo account.

    ``zh`` and ``en`` give the message in each language."""


class ExportError(HetuError):
    """A map, PDF or data export could not be produced."""
