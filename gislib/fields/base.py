"""gislib.fields.base: what a field is (:class:`FieldDef`) and what a layer's table is (:class:`LayerFields`).

A field says everything Hetu knows about one fact of a record: its ``name`` (the one name used in
files, code and the store), Chinese and English labels, type, unit, allowed values, the header
aliases an import understands, whether it is required, WHERE it lives in a stored record
(``path``: ("found_date",) is a top-level key, ("remediation", "deadline") is nested JSON;
``("responsible_parties", MAIN, "name")`` is a key of the main responsible party), and in which
places it shows (``ledger``, ``pdf`` = 一口一档 facts and PDF, ``form`` = edit-form widget).
Former names (``former``) are read once, by :func:`gislib.store.validators.normalize_record`, and
rewritten by store migration 70, so nothing else needs to know them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field as dc_field
from typing import Any

FIELD_TYPES = ("str", "int", "float", "date", "bool", "list", "json")
MAIN = "*main"  # path step: the main (主要) entry of a list of responsible parties
WIDGETS = ("text", "select", "check", "date", "number", "list")


@dataclass(frozen=True)
class FieldDef:
    """One attribute of a layer (see the module docstring). ``label``/``help`` keep the importer's API."""

    name: str
    zh: str
    en: str
    type: str = "str"
    unit: str = ""
    required: bool = False
    allowed: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    group: str = ""
    imported: bool = False  # a column of the import schema (and of import templates)
    ledger: bool = False
    pdf: bool = False
    form: str = ""  # edit-form widget kind (WIDGETS) or "" when not editable there
    fmt: str = ""  # how the value is shown: see gislib.fields.values
    former: tuple[str, ...] = ()  # names this fact had before (read once, see module docstring)
    sheet: str = ""  # header in import templates when it differs from ``zh`` (e.g. 排口编码)
    shp: str = ""
    help: str = ""
    form_zh: str = ""  # edit-form label when the form needs a longer one
    form_en: str = ""

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"{self.name}: unknown type {self.type}")
        if self.form and self.form not in WIDGETS:
            raise ValueError(f"{self.name}: unknown widget {self.form}")
        if not self.path:
            object.__setattr__(self, "path", (self.name,))

    # -- labels
    @property
    def label(self) -> str:
        """The Chinese header of import files (the importer's word for it)."""
        return self.sheet or self.zh

    def text(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def form_label(self, lang: str = "zh") -> str:
        if lang == "en":
            return self.form_en or self.en
        return self.form_zh or self.zh

    def choice_text(self, value: Any, lang: str = "zh") -> str:
        """An allowed value in ``lang`` (English from gislib.i18n's term list)."""
        from gislib.i18n import term

        return term(value, lang)

    # -- import
    @property
    def shp_name(self) -> str:
        """Column name used in Shapefiles (DBF names are limited to 10 characters)."""
        return self.shp or self.name[:10]

    def all_aliases(self) -> tuple[str, ...]:
        """Everything a header may be called: name, labels, Shapefile name, aliases, former names."""
        return tuple(dict.fromkeys((self.name, self.label, self.zh, self.shp_name, *self.aliases, *self.former)))

    # -- where it lives
    @property
    def dotted(self) -> str:
        """The path as one key (``remediation.deadline``); the audit log and errors use it."""
        return ".".join(p for p in self.path if p != MAIN)

    @property
    def top(self) -> str:
        """The top-level record key holding the value."""
        return self.path[0]

    def read(self, record: dict[str, Any]) -> Any:
        """The value at ``path`` in a stored record (None when missing)."""
        value: Any = record
        for step in self.path:
            if step == MAIN:
                value = main_party(value)
            elif isinstance(value, dict):
                value = value.get(step)
            else:
                return None
        return value


def main_party(parties: Any) -> dict[str, Any]:
    """The main (主要) responsible party of a list, else the first, else {}."""
    if not isinstance(parties, list) or not parties:
        return {}
    dicts = [p for p in parties if isinstance(p, dict)]
    return next((p for p in dicts if p.get("main")), dicts[0] if dicts else {})


@dataclass(frozen=True)
class LayerFields:
    """The field table of one layer."""

    name: str  # the store layer
    zh: str
    en: str
    geometry: str  # "Point" or "Polygon"
    fields: tuple[FieldDef, ...]
    dataset_layer: str = ""  # its layer name in the demo GeoPackage / map, when different
    accepts_point: bool = True
    notes: str = ""
    groups: tuple[tuple[str, str], ...] = dc_field(default=())  # (zh, en) in reading order

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"{self.name}: fields defined twice: {sorted(dup)}")

    def field(self, name: str) -> FieldDef:
        """The field called ``name`` (or whose dotted path is ``name``); KeyError otherwise."""
        for f in self.fields:
            if name in (f.name, f.dotted):
                return f
        raise KeyError(name)

    def get(self, name: str) -> FieldDef | None:
        try:
            return self.field(name)
        except KeyError:
            return None

    def where(self, **flags: Any) -> list[FieldDef]:
        """Fields whose attributes are truthy (``ledger=True``) or equal a given value."""
        def ok(f: FieldDef) -> bool:
            return all(bool(getattr(f, k)) if v is True else getattr(f, k) == v for k, v in flags.items())
        return [f for f in self.fields if ok(f)]

    def label(self, key: str, lang: str = "zh") -> str:
        """The label of a field name or dotted path in ``lang``; the key itself when unknown."""
        f = self.get(key)
        return f.text(lang) if f else key

    def group_text(self, group: str, lang: str = "zh") -> str:
        return next((en for zh, en in self.groups if zh == group), group) if lang == "en" else group

    @property
    def former_names(self) -> dict[str, str]:
        """Former name → field name (the renames read once by normalize_record)."""
        return {old: f.name for f in self.fields for old in f.former}

    @property
    def map_layer(self) -> str:
        return self.dataset_layer or self.name


def names(fields: Iterable[FieldDef]) -> list[str]:
    return [f.name for f in fields]
