"""Error messages of gislib/services (workflow transitions, plot listing, access, pages by jurisdiction):
what was wrong and what to do, in zh and en. ``error.store_layer_unknown`` (errors_store),
``error.user_required`` (errors_water) and ``error.date_unreadable`` (errors_problems) are shared."""

MESSAGES: dict[str, tuple[str, str]] = {
    # state transitions (gislib/services/workflow.py)
    "error.transition_not_allowed": ("不能从「{state}」转为「{target}」：允许的下一状态为 {choices}",
                                     "A record cannot move from “{state}” to “{target}”; the next states allowed are: {choices}"),
    "error.transition_final": ("无（终止状态）", "none (a final state)"),
    "error.transition_future": ("状态变更日期 {date} 晚于今天 {today}：请填写实际日期",
                                "The date of the change {date} is after today {today}; enter the real date"),
    "error.transition_order": ("状态变更日期 {date} 早于上一次变更（{last}）：状态变更须按日期先后",
                               "The date of the change {date} is before the last change ({last}); changes must follow in date order"),
    "error.removal_reason": ("撤销必须填写原因 (note)：请说明撤销该记录的理由", "A removal needs a reason (note); say why the record is removed"),
    "error.transition_no_note": ("状态变更需要说明 (note) 或佐证材料 (evidence)：请填写说明或附上材料",
                                 "A change of state needs a note (note) or evidence (evidence); write one or attach it"),
    "error.remediation_kind_required": ("进入「{state}」必须选择整治方式；可选 {choices}",
                                        "Moving to “{state}” needs a kind of remediation; choose one of {choices}"),
    # plot listing (gislib/services/plot_listing.py)
    "error.plot_batch_long": ("名录批次过长（{count} > {limit} 字）：请缩短", "The listing batch is too long ({count} > {limit} characters); shorten it"),
}
