"""gislib.store.base: the abstract record store that every backend implements.

Methods take and return plain dicts and receive the ACTING USER (a user name) explicitly, so a
PostGIS backend can replace the SQLite one with no change above this interface.

A record dict is flat: the meta fields ``layer, code, state, version, lon, lat, geometry_wkt,
source_crs, created_by, created_at, updated_by, updated_at`` plus every field of the record's
JSON data (for outfalls the 一口一档 fields of ``validators.validate_outfall``).

The store is the ONE boundary of persistence: nothing outside ``gislib/store/`` opens a connection
or knows a file path. What it holds, by repository:

* records of every layer (outfalls, sections, plots, dust sites, problems): ``create``, ``get``,
  ``list``, ``count``, ``update``, ``upsert_many``, ``import_records``; workflow ``transition``,
  ``allowed_transitions``, ``transitions``; ``audit``, ``conflicts``; ``attach``, ``attachments``;
* ``store.samples`` (``SampleRepository``): water samples officers imported, with their batches;
* ``store.dust_readings`` (``DustReadingRepository``): uploaded construction-dust readings;
* ``store.patrols`` (``PatrolRepository``): river chiefs, patrols and task batches;
* import mappings: ``remember_import`` / ``recall_import``;
* ``revision()``: a counter that every write transaction bumps (kept in the database, so other
  processes see it); caches key on it, never on file time stamps;
* ``transaction()``: several writes of a service as ONE transaction (all or nothing);
* ``exists(data_dir)`` (module ``gislib.store``): whether a store was ever created there.

Business rules that hold whatever the backend (remediation kind, how changes merge into a record,
the plot-listing step) live in ``gislib/services/`` and are called by every backend.
"""
from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any


class SampleRepository(abc.ABC):
    """Water samples imported by officers (``gislib.water.samples`` turns files into these rows)."""

    @abc.abstractmethod
    def add_batch(self, source: str, rows: Sequence[dict[str, Any]], user: str, at: str) -> int:
        """Write one import in ONE transaction: a batch row (who, when, which file) and its rows
        {section_code, sample_date, values_json, originals_json}; a (section, date) already stored is
        replaced. Returns the batch id."""

    @abc.abstractmethod
    def rows(self) -> list[dict[str, Any]]:
        """Every stored sample, by section and date: section_code, sample_date, values_json,
        originals_json, batch_id, imported_by, imported_at."""

    @abc.abstractmethod
    def batches(self) -> list[dict[str, Any]]:
        """Every import, newest first: id, source, rows, imported_by, imported_at."""


class DustReadingRepository(abc.ABC):
    """Construction-dust readings uploaded by officers (``gislib.dust.readings`` prepares the rows)."""

    @abc.abstractmethod
    def upsert(self, rows: Sequence[dict[str, Any]]) -> int:
        """Write rows {site, reading_time, pm10, pm25, tsp, background, source, imported_by,
        imported_at, units} in ONE transaction; the same (site, reading_time) is replaced."""

    @abc.abstractmethod
    def rows(self, site: str | None = None) -> list[dict[str, Any]]:
        """The stored readings (of one site), by site and time."""

    @abc.abstractmethod
    def count(self) -> int:
        """How many readings are stored."""


class PatrolRepository(abc.ABC):
    """River chiefs, patrols (巡河) and task batches (整改任务清单), each write audited with its user."""

    @abc.abstractmethod
    def save_chief(self, chief: dict[str, Any], user: str) -> dict[str, Any]:
        """Insert or update a chief {id, name, level, subdistrict, rivers, active}."""

    @abc.abstractmethod
    def chief(self, ref: str) -> dict[str, Any]:
        """A chief by id or by name; NotFoundError otherwise."""

    @abc.abstractmethod
    def chiefs(self, active_only: bool = True) -> list[dict[str, Any]]:
        """The chiefs, by id."""

    @abc.abstractmethod
    def add_patrol(self, patrol: dict[str, Any], user: str) -> dict[str, Any]:
        """Store a patrol {chief_id, date, track_wkt, length_m, duration_min, stretches, …}."""

    @abc.abstractmethod
    def patrol(self, code: str) -> dict[str, Any]:
        """One patrol by code."""

    @abc.abstractmethod
    def patrols(self, chief_id: str | None = None, since: Any = None, until: Any = None,
                include_removed: bool = False) -> list[dict[str, Any]]:
        """Patrols matching the filters, by date and code."""

    @abc.abstractmethod
    def add_finding(self, code: str, finding: dict[str, Any], user: str) -> dict[str, Any]:
        """Append a finding to a patrol."""

    @abc.abstractmethod
    def remove_patrol(self, code: str, user: str, reason: str) -> dict[str, Any]:
        """Withdraw a patrol (kept, no longer counted) with the reason."""

    @abc.abstractmethod
    def save_batch(self, batch: dict[str, Any], user: str) -> dict[str, Any]:
        """Create or update a task batch {code, name, issued_by, issued_date, note}."""

    @abc.abstractmethod
    def batch(self, code: str) -> dict[str, Any]:
        """One task batch by code."""

    @abc.abstractmethod
    def batches(self) -> list[dict[str, Any]]:
        """Every task batch, newest issue first."""

    @abc.abstractmethod
    def audit(self, layer: str, code: str) -> list[dict[str, Any]]:
        """The audit entries of a chief, patrol or batch, newest first."""


class Store(abc.ABC):
    """Records of the layers outfalls/sections/plots/dust with workflow, audit and attachments."""

    data_dir: Path
    samples: SampleRepository
    dust_readings: DustReadingRepository
    patrols: PatrolRepository

    # ------------------------------------------------------------------ boundary
    @abc.abstractmethod
    def revision(self) -> int:
        """The store's revision: bumped in the same transaction by every write, seen by every process."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """``with store.transaction():`` every store write inside is ONE transaction, rolled back whole
        if anything inside raises."""

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Many small transactions in a row (seeding a demo): a backend may relax durability inside
        (a crash mid-way loses part of the load, never the file). Default: nothing special."""
        yield

    # ------------------------------------------------------------------ records
    @abc.abstractmethod
    def create(self, layer: str, record: dict[str, Any], user: str) -> dict[str, Any]:
        """Insert one new record (version 1); ValidationError listing every bad field."""

    @abc.abstractmethod
    def get(self, layer: str, code: str) -> dict[str, Any]:
        """The record with key ``code`` (or, failing that, with that national/local/former code)."""

    @abc.abstractmethod
    def list(self, layer: str, *, subdistrict: str | None = None, river: str | None = None,
             type_l1: str | None = None, state: str | None = None, overdue: bool | None = None,
             text: str | None = None, sort: str = "code", include_removed: bool = False,
             today: dt.date | None = None) -> list[dict[str, Any]]:
        """Records matching every given filter (已撤销 hidden unless asked for), sorted by ``sort``."""

    def page(self, layer: str, *, offset: int = 0, limit: int = 50, sort: str = "code",
             today: dt.date | None = None, **filters: Any) -> tuple[int, list[dict[str, Any]]]:
        """(how many records match, the ``limit`` records from ``offset``); backends do it in SQL.
        This fallback reads every record (overdue-first order as the SQLite backend). ``omit=(field, …)``:
        those record fields left out of the records returned (the ledger never shows ``monitoring``)."""
        key = sort.lstrip("-")
        omit = filters.pop("omit", ())
        records = self.list(layer, sort="code" if key == "overdue" else sort, today=today, **filters)
        if key == "overdue":
            from gislib.services.workflow import is_overdue

            day = today or dt.date.today()
            late = sorted((r for r in records if is_overdue(r, day)),
                          key=lambda r: (str((r.get("remediation") or {}).get("deadline")), r["code"]))
            records = late + [r for r in records if not is_overdue(r, day)]
            records = records[::-1] if sort.startswith("-") else records
        cut = records[offset:offset + limit]
        if omit:
            cut = [{k: v for k, v in r.items() if k not in omit} for r in cut]
        return len(records), cut

    def distinct(self, layer: str, field: str) -> list[str]:
        """The distinct non-empty values of a record field over the live records, sorted."""
        return sorted({str(r[field]) for r in self.list(layer) if r.get(field) not in (None, "")})

    def count_by(self, layer: str, field: str, **filters: Any) -> dict[str, int]:
        """How many records of ``list(layer, **filters)`` have each value of ``field``."""
        from collections import Counter

        return dict(Counter(r.get(field) for r in self.list(layer, **filters)))

    @abc.abstractmethod
    def count(self, layer: str, include_removed: bool = False) -> int:
        """How many records ``layer`` holds."""

    @abc.abstractmethod
    def update(self, layer: str, code: str, changes: dict[str, Any], expected_version: int,
               user: str) -> dict[str, Any]:
        """Apply ``changes``; ConflictError(mine, theirs) if the stored version is not expected.

        Fields absent from ``changes`` are kept; a dict value (remediation, signboard, river_chief)
        is merged one level deep; a list value replaces the list; an empty value removes the
        field. ``state`` changes only through ``transition``; a new ``code`` keeps the old one in
        ``former_codes``. System fields (version, created_*, updated_*) are ignored.
        """

    @abc.abstractmethod
    def upsert_many(self, layer: str, records: list[dict[str, Any]], user: str,
                    source: str) -> dict[str, int]:
        """Insert or update by code, all or nothing: {"inserted", "updated", "unchanged"}."""

    @abc.abstractmethod
    def import_records(self, layer: str, records: list[dict[str, Any]], user: str, source: str, *,
                       expected_versions: dict[str, int] | None = None,
                       batch_size: int = 200) -> dict[str, Any]:
        """Write an import as edits, in short transactions of ``batch_size`` rows.

        A record whose code is in ``expected_versions`` updates only the version the preview read;
        if the stored record changed since, it is not written but kept in the conflict table.
        Refused rows do not stop the others. Returns {"inserted", "updated", "unchanged",
        "refused": [{"index", "code", "errors"}], "conflicts": [{"index", "code",
        "expected_version", "current_version", "updated_by", "updated_at"}]}.
        """

    @abc.abstractmethod
    def remember_import(self, user: str, source_key: str, kind: str, data: dict[str, Any]) -> None:
        """Keep an officer's import choices (``kind`` "columns" or "values") for this source."""

    @abc.abstractmethod
    def recall_import(self, user: str, source_key: str, kind: str) -> dict[str, Any] | None:
        """The choices remembered for this source: the user's own, else the latest anyone made."""

    # ------------------------------------------------------------------ workflow
    @abc.abstractmethod
    def transition(self, layer: str, code: str, to_state: str, user: str, date: Any, note: str | None,
                   evidence: Sequence[str] = (), expected_version: int | None = None,
                   remediation_kind: str | None = None, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        """Move a record to ``to_state``; WorkflowError names the allowed next states.

        ``changes``: fields updated in the same step (validated and audited with it)."""

    def remove(self, layer: str, code: str, user: str, reason: str, date: Any = None,
               expected_version: int | None = None) -> dict[str, Any]:
        """Move a record to 已撤销 with ``reason`` (nothing is ever hard-deleted)."""
        from gislib.domain import REMOVED_STATE

        return self.transition(layer, code, REMOVED_STATE, user, date or dt.date.today(), reason,
                               expected_version=expected_version)

    @abc.abstractmethod
    def allowed_transitions(self, layer: str, code: str) -> tuple[str, ...]:
        """The states the record can move to now."""

    @abc.abstractmethod
    def transitions(self, layer: str, code: str) -> list[dict[str, Any]]:
        """The workflow history of a record, oldest first."""

    @abc.abstractmethod
    def overdue(self, today: dt.date | str) -> list[dict[str, Any]]:
        """Outfalls in 整治中 whose remediation deadline is before ``today``."""

    # ------------------------------------------------------------------ audit and conflicts
    @abc.abstractmethod
    def audit(self, layer: str, code: str) -> list[dict[str, Any]]:
        """Every change of a record, newest first: {user, at, action, field, old, new, note}."""

    @abc.abstractmethod
    def conflicts(self, layer: str | None = None, code: str | None = None) -> list[dict[str, Any]]:
        """Rejected saves kept for recovery, newest first: {user, at, mine, theirs, ...}."""

    @abc.abstractmethod
    def resolve_conflict(self, conflict_id: int, user: str) -> None:
        """Mark a kept conflict as dealt with (it stays stored)."""

    # ------------------------------------------------------------------ attachments
    @abc.abstractmethod
    def attach(self, layer: str, code: str, filename: str, data: bytes, user: str,
               kind: str = "photo") -> dict[str, Any]:
        """Store a photo/document by content hash; ValidationError for wrong type or size."""

    @abc.abstractmethod
    def attachments(self, layer: str, code: str) -> list[dict[str, Any]]:
        """The files attached to a record, oldest first."""

    @abc.abstractmethod
    def attachment_path(self, sha256: str, thumbnail: bool = False) -> Path:
        """Where the content (or its 256 px JPEG thumbnail) is stored; NotFoundError if absent."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
