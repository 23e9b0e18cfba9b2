"""gislib.patrols.repo: river chiefs, patrols and task batches, through the record store.

The repository is the store's (``store.patrols``, ``gislib/store/patrols.py`` for SQLite): nothing
outside ``gislib/store`` touches a connection. ``PatrolRepo(store)`` is kept for the callers.
"""
from __future__ import annotations

from gislib.store.base import PatrolRepository, Store


def PatrolRepo(store: Store) -> PatrolRepository:  # noqa: N802 - the name callers have always used
    """The chiefs, patrols and task batches repository of ``store``."""
    return store.patrols
