"""gislib.store: the record store (outfalls, sections, plots, dust) with workflow and audit.

``open_store()`` returns the embedded SQLite backend; code above it uses only the abstract
``Store`` interface (``base.py``: records, ``store.samples``, ``store.dust_readings``, import
mappings, ``revision()``, ``transaction()``) so that a PostGIS backend can be added; nothing
outside this package opens a connection or knows a file path (``exists(data_dir)`` answers
whether a store was created). See
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


def open_store(data_dir: str | Path | None = None, *, max_attachment_bytes: int | None = None,
               max_image_pixels: int | None = None) -> Store:
    """Open (creating and migrating as needed) the SQLite store ``<data_dir>/hetu.sqlite``."""
    from gislib.store.sqlite import SQLiteStore

    kwargs = {}
    if max_attachment_bytes is not None:
        kwargs["max_attachment_bytes"] = max_attachment_bytes
    if max_image_pixels is not None:
        kwargs["max_image_pixels"] = max_image_pixels
    return SQLiteStore(resolve_data_dir(data_dir), **kwargs)


__all__ = [
    "LAYERS", "Store", "exists", "open_store", "resolve_data_dir", "validate_outfall", "validate_record",
    "credit_code_problem", "register_code_validator", "RecordValidationError", "BulkValidationError",
]
