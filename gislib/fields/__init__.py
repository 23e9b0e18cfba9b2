"""gislib.fields: one field table per layer — the single definition of each layer's fields.

``TABLES[layer]`` is a :class:`~gislib.fields.base.LayerFields`; everything that lists fields (the
import schema, validators, ledger columns, 一口一档 labels and PDF, the edit form, the map's flat
columns) derives from it. Layers: outfalls, sections, plots, dust (map/GeoPackage: dust_sites).
"""
from __future__ import annotations

from gislib.fields import dust, outfalls, plots, sections
from gislib.fields.base import MAIN, FieldDef, LayerFields, main_party

TABLES: dict[str, LayerFields] = {t.name: t for t in (outfalls.TABLE, sections.TABLE, plots.TABLE, dust.TABLE)}
# map / demo GeoPackage layer name -> store layer (``dust_sites`` is the store's ``dust``)
MAP_LAYERS: dict[str, str] = {t.map_layer: t.name for t in TABLES.values()}


def table(layer: str) -> LayerFields:
    """The field table of a store layer (or of its map name); KeyError when there is none."""
    return TABLES[MAP_LAYERS.get(layer, layer)]


def rename_former(layer: str, record: dict) -> dict:
    """``record`` with former field names (found_on, stage, land_class, doc_no …) under their one
    current name; a value already under the current name wins. The only reader of former names."""
    t = TABLES.get(layer)
    if t is None:
        return record
    out = dict(record)
    for old, new in t.former_names.items():
        if old in out:
            value = out.pop(old)
            out.setdefault(new, value)
    return out


__all__ = ["MAIN", "FieldDef", "LayerFields", "MAP_LAYERS", "TABLES", "main_party", "rename_former", "table"]
