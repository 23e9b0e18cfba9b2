"""gislib.services.merges: how an edit merges into a stored record, for every store backend.

Fields absent from the edit are kept; a dict value (remediation, signboard, river_chief) merges
one level deep; a list value replaces the list; read-only and system fields are ignored; ``state``
changes only through a workflow step (an attempt is reported, with the allowed next states);
moving the point drops a polygon and giving a polygon drops the point; a new ``code`` keeps the
old one in ``former_codes`` so the record is still found by it.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gislib.services import workflow


def merge_changes(layer: str, current: dict[str, Any], changes: dict[str, Any],
                  read_only: Iterable[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the merged record, {field: problem}) — validation of the result is the caller's."""
    errors: dict[str, str] = {}
    if "state" in changes and changes["state"] != current["state"]:
        errors["state"] = (f"状态不能直接修改 (当前 {current['state']}): use transition(); "
                           f"allowed next: {'、'.join(workflow.allowed_transitions(layer, current['state'])) or '无'}")
    skip = set(read_only) | {"state"}
    merged = dict(current)
    for key, value in changes.items():
        if key in skip:
            continue  # maintained by the store
        if isinstance(value, dict) and isinstance(current.get(key), dict):
            merged[key] = {**current[key], **value}  # nested groups merge one level deep
        else:
            merged[key] = value
    if ("lon" in changes or "lat" in changes) and "geometry_wkt" not in changes:
        merged["geometry_wkt"] = None
    if "geometry_wkt" in changes and "lon" not in changes and "lat" not in changes:
        merged["lon"] = merged["lat"] = None
    new_code = str(merged.get("code") or "").strip()
    if new_code and new_code != current["code"]:
        former = list(merged.get("former_codes") or [])
        if current["code"] not in former:
            merged["former_codes"] = former + [current["code"]]
    return merged, errors
