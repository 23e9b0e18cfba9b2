"""gislib.services.plot_listing: a contaminated plot's workflow step with its 名录 batch, as ONE transaction.

Provinces publish the 建设用地土壤污染风险管控和修复名录 in batches (纳入清单 / 移出清单, 《土壤污染防治法》
art. 58–66, docs/domain.md §4.1): moving a plot into 纳入名录 or 移出名录 must name the batch of the
notice (e.g. "2026年第1批"), which is kept in ``listed_batch`` / ``removed_batch``. The evidence
file, the step and the batch are written in one store transaction: a failure in any of them leaves
the plot, its history and its attachments as they were.

The move is made by a logged-in account (``gislib.auth.User``), checked here before anything is read
or written: the ``transition`` right (officers and admins) on a plot inside the account's jurisdiction
(``gislib.services.scoped`` "plots.move"); evidence needs ``attach`` too. A bare name is no account.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from gislib.auth.permissions import User
from gislib.errors import ValidationError
from gislib.safe_text import plain
from gislib.store import Store
from gislib.services import workflow
from gislib.store.validators import parse_date

LAYER = "plots"
BATCH_FIELD = {"纳入名录": "listed_batch", "移出名录": "removed_batch"}
MAX_BATCH_CHARS = 40


def batch_field(to_state: str) -> str | None:
    """The record field that keeps the batch of a move into ``to_state`` (None: no batch needed)."""
    return BATCH_FIELD.get(to_state)


def _checked_batch(to_state: str, batch: str | None) -> str | None:
    field = batch_field(to_state)
    text = plain(batch or "").strip()
    if field is None:
        return None
    if not text:
        raise ValidationError("error.plot_batch_required", stage=to_state, year=dt.date.today().year, field=field)
    if len(text) > MAX_BATCH_CHARS:
        raise ValidationError("error.plot_batch_long", field=field, count=len(text), limit=MAX_BATCH_CHARS)
    return text


def move_plot(store: Store, code: str, to_state: str, user: User, date: Any, note: str | None, *,
              expected_version: int, batch: str | None = None,
              evidence: tuple[str, bytes] | None = None) -> dict[str, Any]:
    """Move plot ``code`` to ``to_state`` as the account ``user`` (with the batch where the step needs one
    and an optional evidence document (file name, bytes)); returns the saved record. The account's right
    and jurisdiction and everything else are checked before anything is written (PermissionDenied,
    ValidationError, WorkflowError), and the writes are one transaction; the audit records ``user.name``."""
    from gislib.auth.permissions import check
    from gislib.services import scoped

    account = user if isinstance(user, User) else None
    scoped.require(account, "plots.move")
    if evidence is not None:
        check(account, "attach", LAYER)
    rec = store.get(LAYER, code)
    scoped.require(account, "plots.move", rec)
    user = account.name
    text = _checked_batch(to_state, batch)
    last = max((t["date"] for t in store.transitions(LAYER, code)), default=None)
    workflow.check_transition(LAYER, rec["state"], to_state, user, date, note, ["pending"] if evidence else [],
                              last_date=parse_date(last))
    with store.transaction():
        shas = []
        if evidence is not None:
            shas.append(store.attach(LAYER, code, evidence[0], evidence[1], user, kind="document")["sha256"])
        saved = store.transition(LAYER, code, to_state, user, date, note or None, evidence=shas,
                                 expected_version=expected_version)
        if text is not None:
            saved = store.update(LAYER, code, {batch_field(to_state): text}, saved["version"], user)
    return saved
