"""gislib.store: the record store (outfalls, sections, plots, dust) with workflow and audit.

``open_store()`` returns the embedded SQLite backend; code above it uses only the abstract
``Store`` interface (``base.py``) so that a PostGIS backend can be added later. See
``migrations.py`` for the data model and ``validators.py`` for the 一口一档 record fields.
"""
from __future__ import annotations

import os
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

DEFAULT_DATA_DIR = Path("var/data")


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """The data directory: the argument, else env ``HETU_DATA_DIR``, else ``./var/data``."""
    if data_dir:
        return Path(data_dir)
    env = os.environ.get("HETU_DATA_DIR")
    return Path(env) if env else DEFAULT_DATA_DIR


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



def attach_store(source: str | Path, data_dir: str | Path | None = None) -> bool:
    """Give an EMPTY data directory a ready-built store (e.g. the demo set's, from ``build-demo``)
    by copying the file; False (nothing done) when the directory already has a store or the source
    is missing."""
    from gislib.store.sqlite import copy_database

    return copy_database(Path(source), resolve_data_dir(data_dir))

__all__ = [
    "LAYERS", "Store", "attach_store", "open_store", "resolve_data_dir", "validate_outfall", "validate_record",
    "credit_code_problem", "register_code_validator", "RecordValidationError", "BulkValidationError",
]
