"""gislib.errors: the one exception tree of Hetu.

Every message says what was wrong and what to do about it.
"""
from __future__ import annotations


class HetuError(Exception):
    """Root of every error Hetu raises on purpose."""


class ConfigError(HetuError):
    """A setting (environment variable, config file, option) is missing or invalid."""


class DataError(HetuError):
    """Input data is missing, unreadable or does not follow the expected schema."""


class ValidationError(DataError):
    """One value or record breaks a rule; ``field`` names it when known."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class CRSError(DataError):
    """Coordinates or a coordinate reference system could not be understood or converted."""


class WorkflowError(HetuError):
    """A workflow transition that the rules do not allow."""


class ConflictError(HetuError):
    """Someone else saved the record first (optimistic locking); both versions are attached."""

    def __init__(self, message: str, mine: dict | None = None, theirs: dict | None = None):
        super().__init__(message)
        self.mine = mine or {}
        self.theirs = theirs or {}


class NotFoundError(HetuError):
    """A record, file or code that was asked for does not exist."""


class PermissionDenied(HetuError):
    """The acting user's role or jurisdiction does not allow this action; nothing was read or written.

    ``zh`` and ``en`` hold the message in each language (``str()`` shows both); ``operation`` names
    the refused service operation (gislib.auth.permissions.OPERATIONS).
    """

    def __init__(self, zh: str, en: str = "", operation: str | None = None):
        super().__init__(f"{zh} ({en})" if en else zh)
        self.zh, self.en, self.operation = zh, en or zh, operation


class LoginError(HetuError):
    """A login or password change was refused: wrong name or password, locked, disabled or demo account."""

    def __init__(self, zh: str, en: str = ""):
        super().__init__(f"{zh} ({en})" if en else zh)
        self.zh, self.en = zh, en or zh


class ExportError(HetuError):
    """A map, PDF or data export could not be produced."""
