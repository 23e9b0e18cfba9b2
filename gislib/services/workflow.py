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
from gislib.errors import Label, Phrase, ValidationError, WorkflowError
from gislib.i18n import term
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
    raise ValidationError("error.store_layer_unknown", field="layer", layer=layer, layers=list(LAYERS))


def _state(value: str) -> Label:
    """A state or kind in the error's language (its English label from gislib/messages/enums.py)."""
    return Label(value, term(value, "en"))


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
        raise WorkflowError("error.transition_not_allowed", state=_state(from_state), target=_state(to_state),
                            choices=[_state(s) for s in allowed] if allowed else Phrase("error.transition_final"))
    if not user:
        raise ValidationError("error.user_required", field="user")
    when = parse_date(date)
    if when is None:
        raise ValidationError("error.date_unreadable", field="date", value="" if date is None else date)
    today = today or dt.date.today()
    if when > today + dt.timedelta(days=1):
        raise ValidationError("error.transition_future", field="date", date=when, today=today)
    if last_date and when < last_date:
        raise ValidationError("error.transition_order", field="date", date=when, last=last_date)
    has_note = bool(note and note.strip())
    if to_state == REMOVED_STATE and not has_note:
        raise ValidationError("error.removal_reason", field="note")
    if not has_note and not [e for e in evidence if e]:
        raise ValidationError("error.transition_no_note", field="note")
    if layer == "outfalls" and to_state == REMEDIATION_STATE and remediation_kind not in REMEDIATION_KINDS:
        raise ValidationError("error.remediation_kind_required", field="remediation_kind",
                              state=_state(REMEDIATION_STATE), choices=[_state(k) for k in REMEDIATION_KINDS])
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
