"""gislib.auth.permissions: roles and jurisdictions as ONE permission table.

``PERMISSIONS[role]`` is the set of service operations a role may call (``OPERATIONS`` names and
describes each one). On top of the role, every operation that touches a record is limited to the
user's **jurisdiction**: a record is inside when its ``subdistrict`` is one of the user's
sub-districts or its ``river`` one of the user's rivers. A user with neither list covers the whole
district, except a river chief, who covers nothing until an admin assigns rivers or sub-districts.
Viewers read only the published layers (env HETU_PUBLISHED_LAYERS, default sections and plots;
``published=`` overrides it per call).

``check(user, operation, target)`` raises PermissionDenied (zh/en message) and ``allowed`` answers
yes/no; ``filter_records`` keeps what a user may see for list, search, export and trace results.
The service layer calls them on every read and write, before it touches the store.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gislib.config import published_layers
from gislib.errors import Label, PermissionDenied, Phrase

ROLES: dict[str, tuple[str, str]] = {
    "viewer": ("查看者", "viewer"),
    "river_chief": ("河长", "river chief"),
    "officer": ("业务人员", "officer"),
    "admin": ("管理员", "administrator"),
}

# operation -> (kind, zh, en). kind: "read" (limited to the jurisdiction and, for viewers, to the
# published layers), "write" (limited to the jurisdiction), "admin" (no record target).
OPERATIONS: dict[str, tuple[str, str, str]] = {
    "read_record": ("read", "查看记录", "read a record"),
    "list_layer": ("read", "查看图层", "list a map layer"),
    "search": ("read", "搜索", "search"),
    "export": ("read", "导出", "export"),
    "trace": ("read", "溯源分析", "trace along the river network"),
    "edit_record": ("write", "编辑记录", "edit a record"),
    "transition": ("write", "变更状态", "change a record's state"),
    "import": ("write", "导入数据", "import records"),
    "attach": ("write", "上传附件", "attach files"),
    "record_patrol": ("write", "记录巡河", "record a patrol"),
    "create_problem": ("write", "上报问题", "report a problem"),
    "comment": ("write", "发表意见", "comment"),
    "manage_users": ("admin", "管理用户", "manage users"),
    "change_settings": ("admin", "修改设置", "change settings"),
}

_READ = {"read_record", "list_layer", "search"}
_CHIEF = _READ | {"export", "trace", "record_patrol", "create_problem", "comment"}
_OFFICER = _CHIEF | {"edit_record", "transition", "import", "attach"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset(_READ),
    "river_chief": frozenset(_CHIEF),
    "officer": frozenset(_OFFICER),
    "admin": frozenset(_OFFICER | {"manage_users", "change_settings"}),
}


@dataclass(frozen=True)
class User:
    """A logged-in account as the permission checks see it (no password hash)."""

    name: str
    role: str
    display_name: str = ""
    subdistricts: tuple[str, ...] = ()
    rivers: tuple[str, ...] = ()
    must_change_password: bool = False
    extent: str = ""  # a drawn extent (WKT, EPSG:4326; gislib.auth.extent), "" for none
    disabled: bool = False
    demo: bool = False

    @property
    def restricted(self) -> bool:
        """Whether the user's jurisdiction is a list of sub-districts/rivers (not the whole district)."""
        return bool(self.subdistricts or self.rivers or self.extent)


def norm(name: Any) -> str:
    """A place name compared in NFKC form without surrounding blanks."""
    return unicodedata.normalize("NFKC", str(name or "")).strip()


def in_jurisdiction(user: User, record: Mapping[str, Any]) -> bool:
    """Whether ``record`` (with ``subdistrict`` and/or ``river``) lies in the user's jurisdiction."""
    if not user.restricted:
        return user.role != "river_chief"
    subdistrict, river = norm(record.get("subdistrict")), norm(record.get("river"))
    if ((subdistrict and subdistrict in {norm(s) for s in user.subdistricts})
            or (river and river in {norm(r) for r in user.rivers})):
        return True
    if user.extent:
        from gislib.auth.extent import extent_contains

        return extent_contains(user.extent, record)
    return False


def _deny(operation: str, reason: str, **params: Any) -> PermissionDenied:
    """"Not allowed to <operation>: <reason>" (``reason`` a key of gislib/messages/errors_auth.py)."""
    op = OPERATIONS.get(operation, ("", operation, operation))
    return PermissionDenied("error.denied", operation=operation, action=Label(op[1], op[2]),
                            reason=Phrase(reason, **params))


def _account_problem(user: User | None, operation: str) -> PermissionDenied | None:
    if user is None:
        return _deny(operation, "error.denied.log_in")
    if user.disabled:
        return _deny(operation, "error.denied.disabled")
    if user.must_change_password:
        return _deny(operation, "error.denied.change_password")
    if user.role not in PERMISSIONS:
        return _deny(operation, "error.denied.role_unknown", role=user.role)
    return None


def _target_problem(user: User, operation: str, target: Any,
                    published: Iterable[str]) -> PermissionDenied | None:
    """The jurisdiction and publication rules for a record (dict) or a layer name (str)."""
    kind = OPERATIONS[operation][0]
    if kind == "admin" or target is None:
        return None
    layer = target if isinstance(target, str) else target.get("layer")
    if user.role == "viewer" and layer not in set(published_layers() if published is None else published):
        return _deny(operation, "error.denied.unpublished", layer=layer or Phrase("error.denied.layer_unknown"))
    if isinstance(target, Mapping) and not in_jurisdiction(user, target):
        where = norm(target.get("river")) or norm(target.get("subdistrict")) or Phrase("error.denied.place_unknown")
        return _deny(operation, "error.denied.outside", code=target.get("code", ""), jurisdiction=where)
    return None


def check(user: User | None, operation: str, target: Any = None,
          published: Iterable[str] | None = None) -> None:
    """Raise PermissionDenied unless ``user`` may run ``operation`` on ``target``.

    ``target``: None (the operation as such, e.g. opening the import page), a layer name, or a
    record (a mapping with ``layer``, ``code``, ``subdistrict``, ``river``).
    """
    if operation not in OPERATIONS:
        raise PermissionDenied("error.operation_unknown", operation=operation)
    problem = _account_problem(user, operation)
    if problem is None and operation not in PERMISSIONS[user.role]:
        role = ROLES[user.role]
        problem = _deny(operation, "error.denied.role", role=Label(*role))
    if problem is None:
        problem = _target_problem(user, operation, target, published)
    if problem is not None:
        raise problem


def allowed(user: User | None, operation: str, target: Any = None,
            published: Iterable[str] | None = None) -> bool:
    """Whether ``check`` would let the call through."""
    try:
        check(user, operation, target, published)
    except PermissionDenied:
        return False
    return True


def filter_records(user: User | None, records: Iterable[Mapping[str, Any]], operation: str = "list_layer",
                   layer: str | None = None,
                   published: Iterable[str] | None = None) -> list[Mapping[str, Any]]:
    """The records ``user`` may see for ``operation`` (list, search, export, trace results).

    Raises PermissionDenied when the operation itself is refused (rather than returning nothing);
    ``layer`` names the layer of records that carry no ``layer`` field (rows of a GeoPackage).
    """
    published = published_layers() if published is None else tuple(published)
    check(user, operation, layer, published)
    out = []
    for rec in records:
        target = {**rec, "layer": rec.get("layer") or layer}
        if allowed(user, operation, target, published):
            out.append(rec)
    return out


def filter_frame(user: User | None, frame: Any, operation: str = "list_layer", layer: str | None = None,
                 published: Iterable[str] | None = None) -> Any:
    """``filter_records`` for a (Geo)DataFrame of one layer, vectorised (city scale: 60,000 outfalls).

    Same rules: the operation and layer are checked first (PermissionDenied), then the rows outside
    the user's jurisdiction are dropped (columns ``subdistrict`` and ``river`` where present).
    """
    check(user, operation, layer, published)
    if not user.restricted:
        return frame if user.role != "river_chief" else frame.iloc[0:0]
    keep = None
    for column, names in (("subdistrict", user.subdistricts), ("river", user.rivers)):
        if column in frame.columns:
            hit = frame[column].map(norm).isin({norm(n) for n in names} - {""})
            keep = hit if keep is None else keep | hit
    if user.extent:
        from gislib.auth.extent import extent_mask

        hit = extent_mask(user.extent, frame)
        keep = hit if keep is None else keep | hit
    return frame.iloc[0:0] if keep is None else frame[keep]
