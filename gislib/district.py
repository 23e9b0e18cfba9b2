"""gislib.district: the district profile — the jurisdiction decides the rules.

A profile (``gislib/presets/districts.json``) names the district (name, GB/T 2260 admin code,
province), its CRS zone, the default construction-dust rule, the soil background region and the
wording of reports (全区/全市, the river-grade sentence). It is chosen by ``HETU_DISTRICT`` or, when
that is not set, by the data set (``putuo`` → 上海市普陀区, ``city`` → 上海市). Every page, CLI
command and report reads it through :func:`current_profile`; ``HETU_DUST_RULE`` still overrides the
profile's dust rule.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from gislib.config import district_override
from gislib.errors import ConfigError

PRESETS_PATH = Path(__file__).with_name("presets") / "districts.json"


@dataclass(frozen=True)
class DistrictProfile:
    """One jurisdiction and the rules it applies (see module docstring)."""

    id: str
    name: str
    short_name: str
    name_en: str
    admin_code: str
    province: str
    level: str
    crs: str
    dust_rule: str
    soil_background_region: str
    area_word: str
    river_grade_wording: str
    datasets: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)

    def grade_sentence(self, grade: str) -> str:
        """The river-grade sentence of reports, e.g. 按断面类别比例法，全区水质状况为“良好”。"""
        return self.river_grade_wording.format(area=self.area_word, grade=grade)

    def display_name(self, lang: str = "zh") -> str:
        """The name for titles: 普陀区 / 上海市 (Chinese), or the English name."""
        return self.short_name if lang == "zh" else self.name_en


@lru_cache(maxsize=4)
def load_profiles(path: str = str(PRESETS_PATH)) -> dict[str, DistrictProfile]:
    """Every profile of the presets file by id."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return {p["id"]: DistrictProfile(**{**p, "datasets": tuple(p.get("datasets", ()))}) for p in data["profiles"]}
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError("error.districts_unreadable", path=path, detail=exc) from exc


def profile_for_dataset(dataset: str) -> DistrictProfile:
    """The profile whose ``datasets`` include ``dataset``."""
    for profile in load_profiles().values():
        if dataset in profile.datasets:
            return profile
    raise ConfigError("error.dataset_no_district", dataset=dataset, setting="HETU_DISTRICT")


def current_profile(dataset: str | None = None) -> DistrictProfile:
    """The profile in force: ``HETU_DISTRICT`` (a profile id) if set, else the data set's profile."""
    wanted = district_override()
    profiles = load_profiles()
    if wanted:
        if wanted not in profiles:
            raise ConfigError("error.district_unknown", setting="HETU_DISTRICT", value=wanted, choices=list(profiles))
        return profiles[wanted]
    if dataset is None:
        from gislib.dataset import current_name

        dataset = current_name()
    return profile_for_dataset(dataset)


__all__ = ["DistrictProfile", "current_profile", "load_profiles", "profile_for_dataset"]
