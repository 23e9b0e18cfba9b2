"""gislib.problems.config: the configurable rules of problems, patrols and rankings.

Defaults in ``gislib/presets/problems.json`` (example values from the bureaus' practice, see
docs/domain.md and the patrols reference); ``HETU_PROBLEMS_CONFIG`` may name a JSON file whose
keys replace the defaults one level deep (e.g. only ``{"patrol_rules": {"区级": {...}}}``).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from gislib.config import problems_config_path
from gislib.errors import ConfigError

DEFAULTS = Path(__file__).resolve().parent.parent / "presets" / "problems.json"
CHIEF_LEVELS = ("区级", "街镇级", "村居级")
PERIODS = ("week", "month", "quarter")


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError("error.problems_config_unreadable", path=path, detail=exc, setting="HETU_PROBLEMS_CONFIG") from exc


def check(cfg: dict[str, Any]) -> dict[str, Any]:
    """``cfg`` if its rules are usable; ConfigError naming the bad key otherwise."""
    for level, rule in cfg["patrol_rules"].items():
        if level not in CHIEF_LEVELS:
            raise ConfigError("error.patrol_level", level=level, choices="/".join(CHIEF_LEVELS))
        if rule.get("period") not in PERIODS or int(rule.get("min_count", 0)) < 1:
            raise ConfigError("error.patrol_rule", level=level, periods=list(PERIODS))
    if int(cfg["complaint_reply_working_days"]) < 1:
        raise ConfigError("error.reply_days")
    return cfg


@lru_cache(maxsize=4)
def _load(path: str | None) -> dict[str, Any]:
    cfg = _read(DEFAULTS)
    if path:
        for key, value in _read(Path(path)).items():
            cfg[key] = {**cfg[key], **value} if isinstance(cfg.get(key), dict) and isinstance(value, dict) else value
    return check(cfg)


def load_config() -> dict[str, Any]:
    """The rules in force (a fresh copy the caller may change)."""
    return json.loads(json.dumps(_load(problems_config_path())))
