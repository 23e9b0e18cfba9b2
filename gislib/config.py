"""gislib.config: settings from environment variables (documented in README.md).

| variable | meaning | default |
|---|---|---|
| HETU_DATASET | demo data set: ``putuo`` or ``city`` | putuo |
| HETU_DATA_DIR | where the record store, attachments and caches live | ./var/data |
| HETU_BASEMAP | default basemap: ``offline``, ``osm``, ``tianditu``, ``amap`` | offline |
| HETU_TIANDITU_KEY | the ``tk`` key for Tianditu tiles (never commit it) | (none) |
| HETU_LANG | ``zh`` or ``en`` | zh |
| HETU_MAX_UPLOAD_MB | upload size limit | 50 |
| HETU_DISTRICT | district profile id (``putuo``, ``city``; gislib/presets/districts.json) | the data set's |
| HETU_DUST_RULE | dust rule preset id or JSON file, overriding the profile's | the profile's |
| HETU_LOCKOUT_ATTEMPTS | failed logins that lock an account (docs/auth.md) | 5 |
| HETU_LOCKOUT_WINDOW_MINUTES | the window in which those failures are counted | 15 |
| HETU_LOCKOUT_MINUTES | how long a locked account stays locked | 15 |
| HETU_SESSION_IDLE_MINUTES | a login expires after this many minutes without activity | 30 |
| HETU_PUBLISHED_LAYERS | layers viewers may read, comma-separated | sections,plots |
| HETU_SSO_MAPPING | JSON file mapping single sign-on groups to roles (gislib/auth/sso.py) | (none) |
| HETU_MAX_ROWS, HETU_MAX_COLUMNS, HETU_MAX_CELL_CHARS | rows, columns and characters per cell an upload may have | 250000, 300, 32767 |
| HETU_MAX_CELLS | filled cells (and Excel shared strings) an upload may have | 5000000 |
| HETU_MAX_UNZIPPED_MB, HETU_MAX_ZIP_RATIO, HETU_MAX_ZIP_MEMBERS | zip (xlsx, kmz, zipped SHP) checks | 150, 100, 1000 |
| HETU_MAX_NESTING | deepest JSON/XML nesting read | 64 |
| HETU_UPLOAD_TTL_HOURS | abandoned temporary uploads and import sessions are deleted after | 24 |
| HETU_GEN_RETENTION_HOURS | generated map data (static/gen) unused this long by any process is deleted | 24 |
| HETU_PROBLEMS_CONFIG | JSON file overriding the problem/patrol/ranking rules | built-in |
| HETU_WARM_UP | ``0``: no background preparation of the map's default view when a server starts (views/map_component.py) | 1 |
| HETU_NEW_PASSWORD | the password ``users create-admin|add|reset-password`` sets (else a prompt) | (prompt) |

This module is the ONLY code that reads the environment (tests/test_settings.py::test_only_config_reads_the_environment):
everything else asks ``load_settings()`` or one of the small accessors below, read on every call so that a changed
environment (tests, a restarted server) is seen.

Defaults chosen in the app's 设置 page ("save as default for everyone") are kept in
``HETU_DATA_DIR/settings.json`` and take precedence over the environment's defaults.
"""
from __future__ import annotations

import json
import contextlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

from typing import TYPE_CHECKING

from gislib.errors import ConfigError

if TYPE_CHECKING:  # district imports this module: the profile is looked up when settings are read
    from gislib.district import DistrictProfile

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT / "var" / "data"  # the ONE default: not relative to the working directory

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
    district: "DistrictProfile"  # the jurisdiction: dust rule, CRS zone, report wording
    # accounts (gislib.auth, docs/auth.md)
    lockout_attempts: int = 5
    lockout_window_minutes: int = 15
    lockout_minutes: int = 15
    session_idle_minutes: int = 30
    published_layers: tuple[str, ...] = ("sections", "plots")
    warm_up: bool = True  # prepare the map's default view in the background at server start
    # upload gate limits (gislib.io.uploads.Limits); defaults keep a 200,000-row ledger importable
    max_rows: int = 250_000
    max_columns: int = 300
    max_cell_chars: int = 32_767
    max_cells: int = 5_000_000
    max_unzipped_mb: int = 150
    max_zip_ratio: int = 100
    max_zip_members: int = 1000
    max_nesting: int = 64
    upload_ttl_hours: int = 24

    @property
    def dust_rule(self) -> str:
        """The dust rule in force: HETU_DUST_RULE, else the district profile's."""
        return dust_rule_override() or self.district.dust_rule

    @property
    def max_upload_bytes(self) -> int:
        """HETU_MAX_UPLOAD_MB in bytes."""
        return self.max_upload_mb * 1024 * 1024


GATE_VARIABLES = {  # Settings field → (environment variable, default)
    "max_rows": ("HETU_MAX_ROWS", 250_000), "max_columns": ("HETU_MAX_COLUMNS", 300),
    "max_cell_chars": ("HETU_MAX_CELL_CHARS", 32_767), "max_cells": ("HETU_MAX_CELLS", 5_000_000),
    "max_unzipped_mb": ("HETU_MAX_UNZIPPED_MB", 150),
    "max_zip_ratio": ("HETU_MAX_ZIP_RATIO", 100), "max_zip_members": ("HETU_MAX_ZIP_MEMBERS", 1000),
    "max_nesting": ("HETU_MAX_NESTING", 64), "upload_ttl_hours": ("HETU_UPLOAD_TTL_HOURS", 24),
}


def _env(name: str, default: str = "") -> str:
    """The raw value of environment variable ``name`` (the one place that reads the environment)."""
    return os.environ.get(name, default)


@contextlib.contextmanager
def using_data_dir(path: str | os.PathLike):
    """HETU_DATA_DIR set to ``path`` for the duration (build steps that judge a seed store in a scratch
    directory); the previous value is put back."""
    old = os.environ.get("HETU_DATA_DIR")
    os.environ["HETU_DATA_DIR"] = str(path)
    try:
        yield Path(path)
    finally:
        if old is None:
            os.environ.pop("HETU_DATA_DIR", None)
        else:
            os.environ["HETU_DATA_DIR"] = old


def dataset_name() -> str:
    """HETU_DATASET as written, lower-cased (``putuo`` when unset; gislib.dataset checks it)."""
    return _env("HETU_DATASET", "putuo").strip().lower() or "putuo"


def data_dir() -> Path:
    """HETU_DATA_DIR, else ``REPO_ROOT/var/data``."""
    return Path(_env("HETU_DATA_DIR").strip() or DEFAULT_DATA_DIR)


def point_threshold(name: str, default: int) -> int:
    """HETU_AGGREGATE_MIN / HETU_TILE_MIN: from how many points a map layer draws clusters / serves tiles."""
    try:
        return int(_env(f"HETU_{name}", str(default)))
    except ValueError:
        return default


def db_url() -> str:
    """HETU_DB_URL: ``postgresql://…`` for PostgreSQL + PostGIS, "" for the embedded SQLite store."""
    return _env("HETU_DB_URL").strip()


def district_override() -> str:
    """HETU_DISTRICT: a district profile id, or "" for the data set's profile."""
    return _env("HETU_DISTRICT").strip().lower()


def dust_rule_override() -> str:
    """HETU_DUST_RULE: a dust rule preset id or JSON file, or "" for the district profile's."""
    return _env("HETU_DUST_RULE").strip()


def sso_mapping_path() -> str:
    """HETU_SSO_MAPPING: the JSON file mapping single sign-on groups to roles, or ""."""
    return _env("HETU_SSO_MAPPING").strip()


def problems_config_path() -> str | None:
    """HETU_PROBLEMS_CONFIG: a JSON file overriding the problem rules, or None."""
    return _env("HETU_PROBLEMS_CONFIG").strip() or None


def new_password() -> str:
    """HETU_NEW_PASSWORD (for scripted account creation), or "" to prompt."""
    return _env("HETU_NEW_PASSWORD")


def gen_retention_hours() -> int:
    """HETU_GEN_RETENTION_HOURS: generated map data no process has published for this long may be deleted."""
    return _positive_int("HETU_GEN_RETENTION_HOURS", 24)


def _positive_int(name: str, default: int) -> int:
    """A whole number >= 1 from env ``name`` (``default`` when unset)."""
    raw = _env(name).strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError("error.setting_positive_int", setting=name, value=raw)
    return int(raw)


def published_layers() -> tuple[str, ...]:
    """HETU_PUBLISHED_LAYERS: the layers viewers may read (cheap: read on every permission check)."""
    published = _env("HETU_PUBLISHED_LAYERS", "sections,plots")
    return tuple(x.strip() for x in published.split(",") if x.strip())


def _auth_settings() -> dict:
    """The HETU_LOCKOUT_*, HETU_SESSION_IDLE_MINUTES and HETU_PUBLISHED_LAYERS settings."""
    return {
        "lockout_attempts": _positive_int("HETU_LOCKOUT_ATTEMPTS", 5),
        "lockout_window_minutes": _positive_int("HETU_LOCKOUT_WINDOW_MINUTES", 15),
        "lockout_minutes": _positive_int("HETU_LOCKOUT_MINUTES", 15),
        "session_idle_minutes": _positive_int("HETU_SESSION_IDLE_MINUTES", 30),
        "published_layers": published_layers(),
    }


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
            raise ConfigError("error.setting_not_saved", key=key, choices=sorted(SAVED_KEYS))
        if value not in SAVED_KEYS[key]:
            raise ConfigError("error.setting_value", key=key, value=value, choices=list(SAVED_KEYS[key]))
    path = Path(data_dir) / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    merged = {**saved_defaults(data_dir), **values}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(merged, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def _env_settings() -> Settings:
    """Read and check the HETU_* environment variables."""
    basemap = _env("HETU_BASEMAP", "offline").lower()
    if basemap not in BASEMAPS:
        raise ConfigError("error.setting_unknown", setting="HETU_BASEMAP", value=basemap, choices=list(BASEMAPS))
    lang = _env("HETU_LANG", "zh").lower()
    if lang not in ("zh", "en"):
        raise ConfigError("error.setting_unknown", setting="HETU_LANG", value=lang, choices=["zh", "en"])
    try:
        max_mb = int(_env("HETU_MAX_UPLOAD_MB", "50"))
    except ValueError as exc:
        raise ConfigError("error.setting_megabytes", setting="HETU_MAX_UPLOAD_MB") from exc
    from gislib.district import current_profile

    dataset = dataset_name()
    return Settings(
        dataset=dataset,
        data_dir=data_dir(),
        basemap=basemap,
        tianditu_key=_env("HETU_TIANDITU_KEY"),
        lang=lang,
        max_upload_mb=max_mb,
        district=current_profile(dataset),
        warm_up=_env("HETU_WARM_UP", "1") != "0",
        **_auth_settings(),
        **{key: _positive_int(var, default) for key, (var, default) in GATE_VARIABLES.items()},
    )
