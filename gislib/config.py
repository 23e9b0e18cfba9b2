"""gislib.config: settings from environment variables (documented in README.md).

| variable | meaning | default |
|---|---|---|
| HETU_DATASET | demo data set: ``putuo`` or ``city`` | putuo |
| HETU_DATA_DIR | where the record store, attachments and caches live | ./var/data |
| HETU_BASEMAP | default basemap: ``offline``, ``osm``, ``tianditu``, ``amap`` | offline |
| HETU_TIANDITU_KEY | the ``tk`` key for Tianditu tiles (never commit it) | (none) |
| HETU_LANG | ``zh`` or ``en`` | zh |
| HETU_MAX_UPLOAD_MB | upload size limit | 50 |

Defaults chosen in the app's 设置 page ("save as default for everyone") are kept in
``HETU_DATA_DIR/settings.json`` and take precedence over the environment's defaults.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from gislib.dataset import REPO_ROOT
from gislib.errors import ConfigError

BASEMAPS = ("offline", "osm", "tianditu", "amap")
SAVED_KEYS = {"basemap": BASEMAPS, "lang": ("zh", "en")}  # the defaults the settings page may save
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class Settings:
    """The settings in force, read once from the environment."""

    dataset: str
    data_dir: Path
    basemap: str
    tianditu_key: str
    lang: str
    max_upload_mb: int


def load_settings() -> Settings:
    """The HETU_* environment variables, checked, with the defaults saved in the settings page on top."""
    env = _env_settings()
    saved = saved_defaults(env.data_dir)
    return replace(env, **saved) if saved else env


def saved_defaults(data_dir: Path) -> dict[str, str]:
    """The defaults saved in ``data_dir/settings.json``; unknown keys or values are ignored."""
    path = Path(data_dir) / SETTINGS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if k in SAVED_KEYS and v in SAVED_KEYS[k]}


def save_defaults(data_dir: Path, **values: str) -> Path:
    """Save defaults (``basemap=…``, ``lang=…``) for every user to ``data_dir/settings.json``."""
    for key, value in values.items():
        if key not in SAVED_KEYS:
            raise ConfigError(f"{key!r} cannot be saved as a default; use one of {sorted(SAVED_KEYS)}")
        if value not in SAVED_KEYS[key]:
            raise ConfigError(f"{key}={value!r} is unknown; use one of {SAVED_KEYS[key]}")
    path = Path(data_dir) / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    merged = {**saved_defaults(data_dir), **values}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(merged, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def _env_settings() -> Settings:
    """Read and check the HETU_* environment variables."""
    basemap = os.environ.get("HETU_BASEMAP", "offline").lower()
    if basemap not in BASEMAPS:
        raise ConfigError(f"HETU_BASEMAP={basemap!r} is unknown; use one of {BASEMAPS}")
    lang = os.environ.get("HETU_LANG", "zh").lower()
    if lang not in ("zh", "en"):
        raise ConfigError(f"HETU_LANG={lang!r} is unknown; use zh or en")
    try:
        max_mb = int(os.environ.get("HETU_MAX_UPLOAD_MB", "50"))
    except ValueError as exc:
        raise ConfigError("HETU_MAX_UPLOAD_MB must be a whole number of megabytes") from exc
    return Settings(
        dataset=os.environ.get("HETU_DATASET", "putuo").lower(),
        data_dir=Path(os.environ.get("HETU_DATA_DIR", REPO_ROOT / "var" / "data")),
        basemap=basemap,
        tianditu_key=os.environ.get("HETU_TIANDITU_KEY", ""),
        lang=lang,
        max_upload_mb=max_mb,
    )
