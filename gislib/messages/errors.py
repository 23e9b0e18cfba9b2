"""Error messages (gislib.errors): what was wrong and what to do, in the user's language."""

MESSAGES: dict[str, tuple[str, str]] = {
    "error.plot_batch_required": ("进入「{stage}」必须填写名录批次（如 {year}年第1批）", "Moving to “{stage}” needs the batch of the provincial notice (e.g. {year}年第1批)"),
}
