"""gislib.services.access: every read and write of records on behalf of a logged-in user.

Pages, exports and command-line commands reach the record store through here, never around it:

* ``Records(store, user)`` has the store's methods (get, list, update, transition, attach, import …)
  and checks each call against ``gislib.auth.permissions`` (the ONE permission table) before it
  touches the store. A refused write raises PermissionDenied and writes nothing; a refused read of
  one record raises; lists keep only the records inside the user's jurisdiction.
* ``scope_of(user)`` / ``scoped_frame(scope, key, gdf)``: the map layers, search and trace results
  as the user may see them (a hashable ``Scope`` so the layer caches are shared between users who see
  the same thing).
* ``export_frame`` / ``export_records``: what an export (Excel/CSV/GeoJSON/PDF/snapshot/atlas/bulletin)
  may hold; a user without the export right gets PermissionDenied, not an empty file.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from gislib.auth.permissions import User, allowed, check, filter_frame, filter_records

# map layer key -> record layer name of the permission rules (the store's layer, or the record kind)
RECORD_LAYERS: dict[str, str] = {
    "outfalls": "outfalls", "sections": "sections", "plots": "plots", "dust_sites": "dust", "dust": "dust",
    "problems": "problems", "patrol_coverage": "patrols", "patrols": "patrols",
}


@dataclass(frozen=True)
class Scope:
    """What a user may see of the map's record layers: role and jurisdiction, without the name."""

    role: str
    subdistricts: tuple[str, ...] = ()
    rivers: tuple[str, ...] = ()
    extent: str = ""  # the drawn extent as WKT (hashable: Scope is a cache key)

    def as_user(self) -> User:
        return User(name="(scope)", role=self.role, subdistricts=self.subdistricts, rivers=self.rivers,
                    extent=self.extent)


def scope_of(user: User | None) -> Scope | None:
    """The user's ``Scope``; None for users who see the whole district (officer/admin without a
    jurisdiction), so they share one cache. PermissionDenied for no user or one who may not read."""
    check(user, "list_layer")
    if user.role in ("officer", "admin") and not user.restricted:
        return None
    return Scope(user.role, tuple(user.subdistricts), tuple(user.rivers), user.extent or "")


EVERYTHING = Scope("*")  # "no scope at all", for indexes shared by every user (never shown as such)
_SCOPE: ContextVar[Scope | None] = ContextVar("hetu_scope", default=None)


def use_scope(scope: Scope | None) -> None:
    """Make ``scope`` the scope of this page run (app.py sets it on every run, right after the login
    check): every map layer, snapshot, atlas and bulletin map drawn during the run is limited to it."""
    _SCOPE.set(scope)


def current_scope() -> Scope | None:
    """The scope of the running page (None: the whole district)."""
    return _SCOPE.get()


def record_layer(key: str) -> str | None:
    """The permission layer of a map layer key (None for context layers: rivers, boundaries)."""
    return RECORD_LAYERS.get(key)


def scoped_frame(scope: Scope | None, key: str, gdf: Any, operation: str = "list_layer") -> Any:
    """``gdf`` of map layer ``key`` reduced to what ``scope`` may see (context layers unchanged;
    a layer not published for a viewer is empty)."""
    layer = record_layer(key)
    if scope is None or layer is None:
        return gdf
    user = scope.as_user()
    if not allowed(user, operation, layer):
        return gdf.iloc[0:0]
    return filter_frame(user, gdf, operation, layer)


def export_frame(user: User | None, gdf: Any, key: str) -> Any:
    """The rows of layer ``key`` an export by ``user`` may hold (PermissionDenied without the right)."""
    layer = record_layer(key) or key
    return filter_frame(user, gdf, "export", layer)


def export_records(user: User | None, records: Iterable[Mapping[str, Any]], key: str) -> list:
    """``export_frame`` for records as dicts (the ledger, the outfall files)."""
    return filter_records(user, records, "export", record_layer(key) or key)


def trace_frame(user: User | None, gdf: Any, key: str = "outfalls") -> Any:
    """Trace results (upstream outfalls, downstream sections) limited to the jurisdiction."""
    return filter_frame(user, gdf, "trace", record_layer(key) or key)


def trace_result(user: User | None, result: Any, found: Any, outfalls: Any) -> tuple[Any, Any]:
    """An upstream trace (``gislib.geo.network.UpstreamResult`` and its table ``found``) as ``user`` may see
    it: the outfalls found and the off-network outfalls near the section, both limited to the jurisdiction
    (``outfalls``: the outfall layer, which says where each code lies)."""
    import dataclasses

    columns = [c for c in ("code", "river", "subdistrict") if c in outfalls.columns]
    visible = set(trace_frame(user, outfalls[columns], "outfalls")["code"])
    kept = dataclasses.replace(result, outfalls=[o for o in result.outfalls if o.get("code") in visible],
                               off_network=[o for o in result.off_network if o.get("code") in visible])
    return kept, trace_frame(user, found, "outfalls")


# the fields whose change moves a record in or out of a jurisdiction (names, or the drawn extent's point)
MOVING_FIELDS = ("river", "subdistrict", "lon", "lat", "geometry_wkt", "geometry")


def _target(layer: str, record: Mapping[str, Any]) -> dict[str, Any]:
    return {**record, "layer": record_layer(layer) or layer}


class Records:
    """The record store as ``user`` may use it: same method names, every call checked first."""

    def __init__(self, store: Any, user: User | None, read_op: str = "list_layer"):
        self.store, self.user, self.read_op = store, user, read_op

    def for_export(self) -> Records:
        """The same store for an export: every read is checked as ``export`` (a viewer or a role
        without the right gets PermissionDenied, not an empty file)."""
        return Records(self.store, self.user, "export")

    @property
    def actor(self) -> str:
        """The name the audit trail records."""
        return self.user.name if self.user else "?"

    # ------------------------------------------------------------------ reads
    def get(self, layer: str, code: str) -> dict[str, Any]:
        """One record; PermissionDenied when it lies outside the jurisdiction."""
        record = self.store.get(layer, code)
        check(self.user, "read_record" if self.read_op == "list_layer" else self.read_op, _target(layer, record))
        return record

    def list(self, layer: str, operation: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """The store's ``list`` with only the records the user may see."""
        operation = operation or self.read_op
        check(self.user, operation, record_layer(layer) or layer)
        rows = self.store.list(layer, **filters)
        return filter_records(self.user, rows, operation, record_layer(layer) or layer)

    def _whole(self, layer: str) -> bool:
        """Whether the user sees the whole layer (an officer or admin without a jurisdiction): then the
        store's own SQL paging serves them; everyone else is served from the checked list."""
        check(self.user, self.read_op, record_layer(layer) or layer)
        return self.user is not None and self.user.role in ("officer", "admin") and not self.user.restricted

    def page(self, layer: str, **kwargs: Any) -> tuple[int, list[dict[str, Any]]]:
        """The store's ``page`` (how many match, one page), limited to what the user may see."""
        from gislib.store.base import Store

        return self.store.page(layer, **kwargs) if self._whole(layer) else Store.page(self, layer, **kwargs)

    def distinct(self, layer: str, field: str) -> list[str]:
        from gislib.store.base import Store

        return self.store.distinct(layer, field) if self._whole(layer) else Store.distinct(self, layer, field)

    def count_by(self, layer: str, field: str, **filters: Any) -> dict[str, int]:
        from gislib.store.base import Store

        return (self.store.count_by(layer, field, **filters) if self._whole(layer)
                else Store.count_by(self, layer, field, **filters))

    def may(self, operation: str, layer: str, record: Mapping[str, Any] | None = None) -> bool:
        """Whether the user may run ``operation`` (on ``record``): for showing or hiding controls."""
        target = _target(layer, record) if record is not None else (record_layer(layer) or layer)
        return allowed(self.user, operation, target)

    def _readable(self, layer: str, code: str) -> dict[str, Any]:
        return self.get(layer, code)

    def audit(self, layer: str, code: str) -> list[dict[str, Any]]:
        self._readable(layer, code)
        return self.store.audit(layer, code)

    def transitions(self, layer: str, code: str) -> list[dict[str, Any]]:
        self._readable(layer, code)
        return self.store.transitions(layer, code)

    def attachments(self, layer: str, code: str) -> list[dict[str, Any]]:
        self._readable(layer, code)
        return self.store.attachments(layer, code)

    def allowed_transitions(self, layer: str, code: str) -> tuple[str, ...]:
        record = self._readable(layer, code)
        if not allowed(self.user, "transition", _target(layer, record)):
            return ()
        return self.store.allowed_transitions(layer, code)

    def conflicts(self, layer: str | None = None, code: str | None = None) -> list[dict[str, Any]]:
        if code is not None and layer is not None:
            self._readable(layer, code)
        return self.store.conflicts(layer, code)

    # ------------------------------------------------------------------ writes
    def _writable(self, operation: str, layer: str, code: str,
                  changes: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The stored record after checking ``operation`` on it and, when ``changes`` move it (river,
        sub-district), on where it would end up too: nobody edits a record out of or into the reach
        of their jurisdiction."""
        record = self.store.get(layer, code)
        check(self.user, operation, _target(layer, record))
        if changes:
            check(self.user, operation, _target(layer, {**record, **{k: v for k, v in changes.items()
                                                                      if k in MOVING_FIELDS}}))
        return record

    # The write methods take the store's own arguments, so a page can use ``Records`` where it used the
    # store; the ``user`` they are handed is IGNORED: the audit records the logged-in account (``actor``).
    def update(self, layer: str, code: str, changes: dict[str, Any], expected_version: int,
               user: str | None = None) -> dict[str, Any]:
        self._writable("edit_record", layer, code, changes)
        return self.store.update(layer, code, changes, expected_version=expected_version, user=self.actor)

    def transition(self, layer: str, code: str, to_state: str, user: str | None, date: Any, note: str | None,
                   **kwargs: Any) -> dict[str, Any]:
        self._writable("transition", layer, code, kwargs.get("changes"))
        return self.store.transition(layer, code, to_state, self.actor, date, note, **kwargs)

    def remove(self, layer: str, code: str, user: str | None, reason: str, **kwargs: Any) -> dict[str, Any]:
        self._writable("transition", layer, code)
        return self.store.remove(layer, code, self.actor, reason, **kwargs)

    def attach(self, layer: str, code: str, filename: str, data: bytes, user: str | None = None,
               kind: str = "photo") -> dict[str, Any]:
        self._writable("attach", layer, code)
        return self.store.attach(layer, code, filename, data, self.actor, kind=kind)

    def resolve_conflict(self, conflict_id: int, user: str | None = None) -> None:
        check(self.user, "edit_record")
        self.store.resolve_conflict(conflict_id, self.actor)

    def create(self, layer: str, record: dict[str, Any], user: str | None = None) -> dict[str, Any]:
        check(self.user, "edit_record", _target(layer, record))
        return self.store.create(layer, record, self.actor)

    def check_import(self, layer: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Refuse a whole import when the user may not import or a row lies outside the jurisdiction
        (PermissionDenied names the first such row; nothing is written)."""
        check(self.user, "import", record_layer(layer) or layer)
        for rec in records:
            check(self.user, "import", _target(layer, rec))

    def import_records(self, layer: str, records: list[dict[str, Any]], user: str | None, source: str,
                       **kwargs: Any) -> dict:
        self.check_import(layer, records)
        return self.store.import_records(layer, records, self.actor, source, **kwargs)

    def upsert_many(self, layer: str, records: list[dict[str, Any]], user: str | None, source: str) -> dict[str, int]:
        self.check_import(layer, records)
        return self.store.upsert_many(layer, records, self.actor, source)

    def remember_import(self, user: str | None, source_key: str, kind: str, data: dict[str, Any]) -> None:
        check(self.user, "import")
        self.store.remember_import(self.actor, source_key, kind, data)

    def recall_import(self, user: str | None, source_key: str, kind: str) -> dict[str, Any] | None:
        check(self.user, "import")
        return self.store.recall_import(self.actor, source_key, kind)

    def count(self, layer: str, include_removed: bool = False) -> int:
        """How many records of ``layer`` the user may see."""
        return len(self.list(layer, include_removed=include_removed))

    # pass-through of what is not a record (paths of stored files, counts for the header)
    def attachment_path(self, sha256: str, thumbnail: bool = False):
        return self.store.attachment_path(sha256, thumbnail)


def add_user_argument(parser: Any) -> None:
    """``--user NAME`` of every command that reads or writes records (docs/auth.md, "command line")."""
    parser.add_argument("--user", dest="acting_user", metavar="NAME",
                        help="act as this Hetu account, with its role and jurisdiction (e.g. chief.taopu); "
                             "without it the command acts as the local operator of the data directory")


def acting_user(data_dir: Any, name: str | None) -> User | None:
    """The account a command acts as (``--user NAME``), or None for the local operator."""
    if not name:
        return None
    from gislib.auth.accounts import Accounts

    with Accounts(data_dir) as accounts:
        return accounts.acting(name)


def acting_records(store: Any, data_dir: Any, name: str | None, read_op: str = "list_layer") -> Any:
    """``Records`` of the account ``--user NAME`` over ``store``; the plain store for the local operator."""
    user = acting_user(data_dir, name)
    return store if user is None else Records(store, user, read_op)


# ---------------------------------------------------------------------------- the command line
# A command-line process acts for ONE account (``--user NAME``), so the account is kept for the process:
# ``gislib.services.catalog.layer_frame`` (behind every map layer, snapshot, atlas, bulletin, export and trace)
# then holds only that account's jurisdiction. Only ``cli.main`` sets it, never the app server.
_COMMAND: dict[str, User | None] = {"user": None}

# (command, action) -> the operation a command needs; action None = any action of the command
COMMAND_OPERATIONS: dict[tuple[str, str | None], str] = {
    ("ledger", None): "export", ("export", None): "export", ("snapshot", None): "export",
    ("atlas", None): "export", ("outfall-file", None): "export", ("bulletin", None): "export",
    ("trace", None): "trace", ("import", None): "import",
    ("problems", "import"): "create_problem", ("problems", "export"): "export", ("problems", "report"): "export",
    ("patrols", "import"): "record_patrol", ("patrols", "coverage"): "list_layer", ("patrols", "chiefs"): "list_layer",
}


def command_operation(command: str, action: str | None) -> str | None:
    """The operation ``python -m gislib COMMAND [ACTION]`` needs (None: it reads or writes no records)."""
    return COMMAND_OPERATIONS.get((command, action)) or COMMAND_OPERATIONS.get((command, None))


def start_command(command: str, args: Any) -> User | None:
    """Resolve ``--user NAME`` of a command, check the command's operation, and make the account the
    process's acting user; set ``args.user`` to the name the audit records (``cli:<os user>`` for the
    local operator)."""
    import getpass

    user = acting_user(getattr(args, "data_dir", None), getattr(args, "acting_user", None))
    operation = command_operation(command, getattr(args, "action", None))
    if user is not None and operation is not None:
        check(user, operation)
    _COMMAND["user"] = user
    if hasattr(args, "acting_user"):
        args.user = user.name if user else f"cli:{getpass.getuser()}"
    return user


def command_user() -> User | None:
    """The account the running command acts as (None: the local operator, or the app server)."""
    return _COMMAND["user"]


def command_frame(key: str, gdf: Any) -> Any:
    """A map layer's records as the running command's account may see them."""
    user = command_user()
    return gdf if user is None else scoped_frame(scope_of(user), key, gdf)
