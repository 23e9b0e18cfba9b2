"""gislib.services.workflow: the state machines of the store layers (docs/domain.md §1.3, §4).

* outfalls: ``gislib.domain.OUTFALL_TRANSITIONS`` (查→测→溯→治→管), removal to 已撤销 from
  every state but 已撤销 itself (``allowed_outfall_transitions``).
* plots: ``gislib.domain.PLOT_TRANSITIONS``; removal to 已撤销 is allowed too (nothing is deleted).
* sections, dust: no workflow; state 在用, removal only.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from gislib.domain import (
    OUTFALL_STATES,
    PLOT_STAGES,
    PLOT_TRANSITIONS,
    REMEDIATION_KINDS,
    REMOVED_STATE,
    allowed_outfall_transitions,
)
from gislib.errors import ValidationError, WorkflowError
from gislib.store.validators import LAYERS, parse_date

ACTIVE_STATE = "在用"  # sections and dust sites have no workflow
REMEDIATION_STATE = "整治中"
CLOSED_STATE = "已销号"

INITIAL_STATE: dict[str, str] = {
    "outfalls": OUTFALL_STATES[0], "plots": PLOT_STAGES[0], "sections": ACTIVE_STATE, "dust": ACTIVE_STATE,
    "problems": "已登记",
}


def layer_states(layer: str) -> tuple[str, ...]:
    """Every state a record of ``layer`` may be in."""
    if layer == "outfalls":
        return OUTFALL_STATES
    if layer == "plots":
        return PLOT_STAGES + (REMOVED_STATE,)
    if layer == "problems":
        from gislib.problems.model import STATES

        return STATES
    if layer in LAYERS:
        return (ACTIVE_STATE, REMOVED_STATE)
    raise ValidationError(f"未知图层 {layer!r}; 可选: {', '.join(LAYERS)}", field="layer")


def allowed_transitions(layer: str, state: str) -> tuple[str, ...]:
    """States reachable from ``state`` in ``layer`` (removal included except from 已撤销)."""
    if state == REMOVED_STATE:
        return ()
    if layer == "outfalls":
        return allowed_outfall_transitions(state)
    if layer == "plots":
        return PLOT_TRANSITIONS[state] + (REMOVED_STATE,)
    if layer == "problems":
        from gislib.problems.model import allowed_transitions as problem_next

        return problem_next(state)
    return (REMOVED_STATE,)


def check_transition(
    layer: str,
    from_state: str,
    to_state: str,
    user: str,
    date: Any,
    note: str | None,
    evidence: Sequence[str] = (),
    remediation_kind: str | None = None,
    last_date: dt.date | None = None,
    today: dt.date | None = None,
    record: dict[str, Any] | None = None,
) -> dt.date:
    """Raise WorkflowError/ValidationError unless the transition is allowed; return its date."""
    allowed = allowed_transitions(layer, from_state)
    if to_state not in allowed:
        nxt = "、".join(allowed) if allowed else "无 (终止状态)"
        raise WorkflowError(
            f"不能从 {from_state} 转为 {to_state}; 允许的下一状态: {nxt}")
    if not user:
        raise ValidationError("状态变更必须注明操作人 (user)", field="user")
    when = parse_date(date)
    if when is None:
        raise ValidationError(f"状态变更日期 {date!r} 缺失或无法识别: use YYYY-MM-DD", field="date")
    today = today or dt.date.today()
    if when > today + dt.timedelta(days=1):
        raise ValidationError(f"状态变更日期 {when} 晚于今天 {today}: enter the real date", field="date")
    if last_date and when < last_date:
        raise ValidationError(
            f"状态变更日期 {when} 早于上一次变更 ({last_date}): transitions must be in date order",
            field="date")
    has_note = bool(note and note.strip())
    if to_state == REMOVED_STATE and not has_note:
        raise ValidationError("撤销必须填写原因 (note): say why the record is removed", field="note")
    if not has_note and not [e for e in evidence if e]:
        raise ValidationError("状态变更需要说明 (note) 或佐证材料 (evidence)", field="note")
    if layer == "outfalls" and to_state == REMEDIATION_STATE and remediation_kind not in REMEDIATION_KINDS:
        raise ValidationError(
            f"进入整治中必须选择整治方式; 可选: {'、'.join(REMEDIATION_KINDS)}", field="remediation_kind")
    if layer == "problems":  # 交办/申请销号/退回/重新打开 rules (``record``: the record after the step)
        from gislib.problems.model import check_transition as problem_rules

        problem_rules(from_state, to_state, record or {}, when, note, evidence)
    return when


def is_overdue(record: dict[str, Any], today: dt.date) -> bool:
    """True for an outfall in 整治中 whose remediation deadline is before ``today``
    (for problems: assigned or under rectification past the deadline)."""
    if record.get("layer") == "problems":
        from gislib.problems.model import is_overdue as problem_overdue

        return problem_overdue(record, today)
    if record.get("state") != REMEDIATION_STATE:
        return False
    deadline = parse_date((record.get("remediation") or {}).get("deadline"))
    return deadline is not None and deadline < today
