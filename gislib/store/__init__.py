"""gislib.store: the record store (outfalls, sections, plots, dust) with workflow and audit.

``open_store()`` returns the backend named by ``HETU_DB_URL``: ``postgresql://…`` opens PostgreSQL +
PostGIS (``postgres.py``), unset (or ``sqlite:///DIR``) the embedded SQLite file in the data
directory (``sqlite.py``). Code above it uses only the abstract ``Store`` interface (``base.py``: records,
``store.samples``, ``store.dust_readings``, ``store.patrols``, import mappings, ``revision()``,
``transaction()``); nothing outside this package opens a connection or knows a file path
(``exists(data_dir)`` answers whether a store was created). See
``migrations.py`` for the data model and ``validators.py`` for the 一口一档 record fields.
"""
from __future__ import annotations

from pathlib import Path

from gislib.store.base import Store
from gislib.store.validators import (
    LAYERS,
    BulkValidationError,
    RecordValidationError,
    credit_code_problem,
    register_code_validator,
    validate_outfall,
    validate_record,
)

from gislib.config import data_dir as configured_data_dir


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """The data directory: the argument, else the configured one (HETU_DATA_DIR, else REPO_ROOT/var/data)."""
    return Path(data_dir) if data_dir else configured_data_dir()


def exists(data_dir: str | Path | None = None) -> bool:
    """Whether a store was ever created in ``data_dir`` (callers never need to know its file name)."""
    from gislib.store.sqlite import DB_FILENAME

    return (resolve_data_dir(data_dir) / DB_FILENAME).exists()


def resolve_db_url(url: str | None = None) -> str | None:
    """The database URL: the argument, else env ``HETU_DB_URL``; None means embedded SQLite."""
    from gislib.config import db_url

    url = (url or db_url() or "").strip()
    return url or None


def open_store(data_dir: str | Path | None = None, *, max_attachment_bytes: int | None = None,
               max_image_pixels: int | None = None, url: str | None = None) -> Store:
    """Open (creating and migrating as needed) the store.

    ``url`` (else ``HETU_DB_URL``): ``postgresql://user@host:port/db`` -> PostGIS, with attachments
    under ``data_dir``; ``sqlite:///DIR`` or none -> ``<DIR or data_dir>/hetu.sqlite``."""
    kwargs = {}
    if max_attachment_bytes is not None:
        kwargs["max_attachment_bytes"] = max_attachment_bytes
    if max_image_pixels is not None:
        kwargs["max_image_pixels"] = max_image_pixels
    url = resolve_db_url(url)
    if url and url.startswith(("postgresql://", "postgres://")):
        from gislib.store.postgres import PostgresStore

        return PostgresStore(url, resolve_data_dir(data_dir), **kwargs)
    if url and not url.startswith("sqlite://"):
        from gislib.errors import ConfigError

        raise ConfigError("error.db_url_scheme", scheme=url.split("://")[0], setting="HETU_DB_URL")
    from gislib.store.sqlite import SQLiteStore

    if url and data_dir is None:
        data_dir = sqlite_dir(url)
    return SQLiteStore(resolve_data_dir(data_dir), **kwargs)


def sqlite_dir(url: str) -> Path:
    """The data directory of ``sqlite:///DIR`` (relative) or ``sqlite:////abs/DIR``; a path ending
    in ``.sqlite`` names the file inside it."""
    rest = url.split("://", 1)[1]
    path = Path(rest[1:] if rest.startswith("/") else rest)
    return path.parent if path.suffix == ".sqlite" else path


def attach_store(source: str | Path, data_dir: str | Path | None = None) -> bool:
    """Give an EMPTY data directory a ready-built store (e.g. the demo set's, from ``build-demo``)
    by copying the file; False (nothing done) when the directory already has a store or the source
    is missing."""
    from gislib.store.sqlite import copy_database

    return copy_database(Path(source), resolve_data_dir(data_dir))


__all__ = [
    "LAYERS", "Store", "attach_store", "exists", "open_store", "resolve_db_url", "sqlite_dir", "resolve_data_dir",
    "validate_outfall", "validate_record",
    "credit_code_problem", "register_code_validator", "RecordValidationError", "BulkValidationError",
]
