"""gislib.services.remediation: the remediation-kind rule of outfalls, for every store backend.

An outfall in 整治中 must say how it is remediated (``REMEDIATION_KINDS``: 取缔/合并/规范整治, HJ
1235-2021 / 国办函〔2022〕17号); moving into 整治中 records the chosen kind, closing records the
closing date (kept if already set), withdrawing (已撤销) records the reason.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from gislib.domain import REMEDIATION_KINDS, REMOVED_STATE
from gislib.services import workflow


def record_problems(layer: str, record: dict[str, Any]) -> dict[str, str]:
    """{field: problem} of the rule for a record about to be stored (empty when it holds)."""
    if layer != "outfalls" or record.get("state") != workflow.REMEDIATION_STATE:
        return {}
    rem = record.get("remediation")
    kind = rem.get("kind") if isinstance(rem, dict) else None
    if kind in REMEDIATION_KINDS:
        return {}
    return {"remediation.kind": f"整治中的排污口必须有整治方式; 可选: {'、'.join(REMEDIATION_KINDS)}"}


def apply_step(layer: str, record: dict[str, Any], to_state: str, when: dt.date, note: str | None,
               remediation_kind: str | None) -> dict[str, Any]:
    """The record as a workflow step to ``to_state`` on ``when`` leaves it (a new dict)."""
    rec = {**record, "state": to_state}
    if to_state == workflow.REMEDIATION_STATE:
        rec["remediation"] = {**(rec.get("remediation") or {}), "kind": remediation_kind}
    if layer == "outfalls" and to_state == workflow.CLOSED_STATE:
        rem = dict(rec.get("remediation") or {})
        rem.setdefault("closed_date", when.isoformat())
        rec["remediation"] = rem
    if to_state == REMOVED_STATE:
        rec["removed_reason"] = note
    return rec
