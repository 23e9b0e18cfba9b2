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
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gislib.dataset import REPO_ROOT
from gislib.district import DistrictProfile, current_profile
from gislib.errors import ConfigError

BASEMAPS = ("offline", "osm", "tianditu", "amap")


@dataclass(frozen=True)
class Settings:
    """The settings in force, read once from the environment."""

    dataset: str
    data_dir: Path
    basemap: str
    tianditu_key: str
    lang: str
    max_upload_mb: int
    district: DistrictProfile  # the jurisdiction: dust rule, CRS zone, report wording

    @property
    def dust_rule(self) -> str:
        """The dust rule in force: HETU_DUST_RULE, else the district profile's."""
        return os.environ.get("HETU_DUST_RULE", "").strip() or self.district.dust_rule


def load_settings() -> Settings:
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
    dataset = os.environ.get("HETU_DATASET", "putuo").lower()
    return Settings(
        dataset=dataset,
        data_dir=Path(os.environ.get("HETU_DATA_DIR", REPO_ROOT / "var" / "data")),
        basemap=basemap,
        tianditu_key=os.environ.get("HETU_TIANDITU_KEY", ""),
        lang=lang,
        max_upload_mb=max_mb,
        district=current_profile(dataset),
    )
