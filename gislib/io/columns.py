"""gislib.io.columns: map officers' column headers to schema field names.

``auto_map`` matches headers against the aliases in :mod:`gislib.schemas` (exact match after
normalising case, width, spaces and bracketed units; then headers ending with a Chinese alias,
e.g. 排口经度 → x).
The app remembers confirmed mappings per source and per user in the store
(``Store.remember_import``); ``remember_mapping``/``recall_mapping`` keep one for offline scripts in
``<dir>/column_mappings.json``.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from gislib.errors import ConfigError, ValidationError
from gislib.io.readers import SourceRow
from gislib.schemas import COORD_ALIASES, COORD_LABELS, get_schema

MAPPING_FILE = "column_mappings.json"
IGNORE = ""  # map a header to "" to ignore it explicitly


def normalize_header(header: str) -> str:
    """Comparable form: NFKC, lower case, no spaces/underscores, units in brackets removed."""
    h = unicodedata.normalize("NFKC", str(header)).strip().lower()
    h = re.sub(r"[(\[（【].*?[)\]）】]", "", h)  # 经度(°) / 面积（m²）
    h = re.sub(r"[\s_\-:：*]", "", h)
    return h


def _targets(layer: str) -> dict[str, tuple[str, ...]]:
    """field → aliases, schema fields first, then the coordinate pseudo-fields."""
    schema = get_schema(layer)
    targets = {f.name: f.all_aliases() for f in schema.fields}
    targets.update(COORD_ALIASES)
    return targets


@dataclass
class MappingResult:
    """What ``auto_map`` decided: header → field, plus explanations for the rest."""

    mapping: dict[str, str]
    unmatched: dict[str, str] = field(default_factory=dict)  # header → why it was not mapped
    missing_required: list[str] = field(default_factory=list)  # required fields no header maps to

    def to_dict(self) -> dict:
        return {"mapping": self.mapping, "unmatched": self.unmatched, "missing_required": self.missing_required}


def auto_map_report(headers: Iterable[str], layer: str) -> MappingResult:
    """Map each header to at most one field and each field to at most one header, explaining the rest."""
    headers = list(headers)
    targets = _targets(layer)
    norm_aliases = {f: [normalize_header(a) for a in aliases] for f, aliases in targets.items()}
    mapping: dict[str, str] = {}
    taken: dict[str, str] = {}
    # pass 1: exact (normalised) matches; pass 2: a header ending with a Chinese alias (所在街道)
    for exact in (True, False):
        for h in headers:
            if h in mapping:
                continue
            nh = normalize_header(h)
            if not nh:
                continue
            best, best_len = None, 0
            for f, aliases in norm_aliases.items():
                for a in aliases:
                    if exact:
                        hit = nh == a
                    else:
                        hit = len(a) >= 2 and bool(re.search(r"[\u4e00-\u9fff]", a)) and nh.endswith(a)
                    if hit and len(a) > best_len:
                        best, best_len = f, len(a)
            if best is None:
                continue
            if best in taken:
                continue
            mapping[h] = best
            taken[best] = h
    unmatched: dict[str, str] = {}
    for h in headers:
        if h in mapping:
            continue
        nh = normalize_header(h)
        rival = next((f for f, aliases in norm_aliases.items() if nh in aliases), None)
        if rival and rival in taken:
            unmatched[h] = f"与列「{taken[rival]}」同样对应字段 {rival}，已使用前者；如需改用本列请手动指定映射"
        else:
            unmatched[h] = "没有对应的字段，导入时忽略（原值保留在拒绝清单中）；如有对应字段请手动指定映射"
    schema = get_schema(layer)
    missing = [f.name for f in schema.fields if f.required and f.name not in taken]
    return MappingResult(mapping, unmatched, missing)


def auto_map(headers: Iterable[str], layer: str) -> dict[str, str]:
    """header → schema field (or "x"/"y"/"wkt") for the headers that match an alias."""
    return auto_map_report(headers, layer).mapping


def check_mapping(mapping: dict[str, str], layer: str) -> None:
    """ValidationError when a mapping names unknown fields or maps two headers to one field."""
    valid = set(_targets(layer))
    seen: dict[str, str] = {}
    for header, target in mapping.items():
        if target == IGNORE:
            continue
        if target not in valid:
            raise ValidationError("error.mapping_unknown_field", field=header, column=header, target=target, layer=layer,
                  fields=sorted(valid))
        if target in seen:
            raise ValidationError("error.mapping_twice", field=target, first=seen[target], second=header, target=target)
        seen[target] = header


def apply_mapping(rows: Iterable[SourceRow], mapping: dict[str, str]) -> list[dict]:
    """Records keyed by field name: each keeps ``_row`` (source row), ``_raw`` (original values) and
    ``_geometry`` (the file's own geometry, GIS files)."""
    out = []
    for r in rows:
        rec: dict = {"_row": r.row, "_raw": dict(r.values), "_geometry": r.geometry}
        for header, target in mapping.items():
            if target and header in r.values:
                rec[target] = r.values[header]
        if "__geometry_error__" in r.values:
            rec["_geometry_error"] = r.values["__geometry_error__"]
        out.append(rec)
    return out


def describe_mapping(mapping: dict[str, str], layer: str) -> dict[str, str]:
    """header → "field (Chinese label)" for showing a mapping to the user."""
    schema = get_schema(layer)
    labels = {**schema.labels, **COORD_LABELS}
    return {h: f"{t} ({labels.get(t, t)})" if t else "（忽略）" for h, t in mapping.items()}


# --------------------------------------------------------------------------- remembered mappings
def source_key(path: str | os.PathLike, headers: Iterable[str] = ()) -> str:
    """A key for remembering a mapping: the file stem without dates/digits plus the header set."""
    stem = re.sub(r"[\d\-_.（）()\s]+", "", Path(path).stem) or Path(path).stem
    return stem + "|" + ",".join(sorted(normalize_header(h) for h in headers))


def _mapping_path(directory: str | os.PathLike) -> Path:
    d = Path(directory)
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError("error.mapping_dir", path=d, detail=exc) from exc
    return d / MAPPING_FILE


def _load(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError) as exc:
        raise ConfigError("error.mapping_file", path=path, detail=exc) from exc


def remember_mapping(source_key: str, mapping: dict[str, str], directory: str | os.PathLike) -> Path:
    """Store ``mapping`` for ``source_key`` (atomic rewrite of the JSON file); returns the file path."""
    path = _mapping_path(directory)
    data = _load(path)
    data[source_key] = dict(mapping)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mapping_", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, path)
    return path


def recall_mapping(source_key: str, directory: str | os.PathLike) -> dict[str, str] | None:
    """The mapping remembered for ``source_key``, or None."""
    path = Path(directory) / MAPPING_FILE
    data = _load(path)
    found = data.get(source_key)
    return dict(found) if isinstance(found, dict) else None
