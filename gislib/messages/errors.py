"""Error messages (gislib.errors): what was wrong and what to do, in the user's language."""

MESSAGES: dict[str, tuple[str, str]] = {
}
