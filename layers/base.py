"""layers.base: what every map layer provides, so the map, the legend and snapshots agree.

A layer owns its schema (the columns it shows), its ONE style definition (colours and symbols
per category), its tooltip/popup, a folium renderer for the interactive map and a matplotlib
renderer for static snapshots. Both renderers read the same style columns (``_color``,
``_shape``), computed once by :meth:`MapLayer.styled`.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from gislib.dataset import load_layer
from gislib.i18n import t
from gislib.safe_text import plain


@dataclass(frozen=True)
class LegendEntry:
    """One row of a legend: a symbol and its label."""

    label: str
    color: str
    symbol: str = "circle"  # circle | square | triangle | diamond | ring | line | fill | outline
    count: int | None = None


@dataclass(frozen=True)
class Filters:
    """What the user filtered on; empty means everything. Hashable, so it can key caches."""

    subdistricts: tuple[str, ...] = ()
    rivers: tuple[str, ...] = ()
    outfall_types: tuple[str, ...] = ()  # level-1 types
    outfall_states: tuple[str, ...] = ()


class MapLayer(ABC):
    """Base class of the map layers; subclasses are registered in :mod:`layers.registry`."""

    key: str = ""
    source: str = ""  # the data set layer it reads
    kind: str = "point"  # point | line | polygon
    default_on: bool = True
    demo: bool = False  # records are generated demo data (shown with the 示例数据 mark)
    # What the map does with the layer; a new layer states it here instead of editing lists elsewhere:
    search: str = ""  # "area": found by name and zoomed to; "record": found by code/name, selectable, counted
    select_by: tuple[str, ...] = ()  # how a click finds a feature: "point" (canvas position), "tooltip" (its code)
    # load() depends only on the data version and cache_token(): kept on disk per version (False when it
    # depends on today's date or seeds demo records on first use)
    keep_on_disk: bool = True

    def title(self, lang: str = "zh") -> str:
        """The layer's name for people."""
        return t(f"layer.{self.key}", lang)

    def load(self, dataset: str | None = None) -> gpd.GeoDataFrame:
        """All features of the layer (a copy the caller may modify).

        Record layers (outfalls, sections, plots, dust sites) come from the record store, so edits
        show on the map; context layers come from the data set.
        """
        from gislib.services.catalog import STORE_LAYERS, layer_frame

        if self.key in STORE_LAYERS:
            return layer_frame(self.key, dataset=dataset)
        return load_layer(self.source, dataset).copy()

    def cache_token(self, dataset: str | None = None) -> str:
        """What :meth:`load` depends on besides the data version (e.g. the dust rule in force)."""
        return ""

    def apply_filters(self, gdf: gpd.GeoDataFrame, filters: Filters) -> gpd.GeoDataFrame:
        """Features that pass the filters (sub-district and river where the layer has them)."""
        mask = pd.Series(True, index=gdf.index)
        if filters.subdistricts and "subdistrict" in gdf:
            mask &= gdf["subdistrict"].isin(filters.subdistricts)
        if filters.rivers and "river" in gdf:
            mask &= gdf["river"].isin(filters.rivers)
        return gdf[mask]

    @abstractmethod
    def styled(self, gdf: gpd.GeoDataFrame, lang: str = "zh") -> gpd.GeoDataFrame:
        """``gdf`` with the style columns ``_color`` (hex), ``_shape`` and ``_label`` added."""

    @abstractmethod
    def legend(self, styled: gpd.GeoDataFrame, lang: str = "zh") -> list[LegendEntry]:
        """Legend rows for the features on the map."""

    @abstractmethod
    def to_folium(self, styled: gpd.GeoDataFrame, lang: str = "zh"):
        """A folium element (added to the map by :mod:`layers.mapview`)."""

    @abstractmethod
    def draw_static(self, ax, styled: gpd.GeoDataFrame, lang: str = "zh") -> None:
        """Draw on a matplotlib axis whose data coordinates are EPSG:3857 metres."""


def label_column(gdf: gpd.GeoDataFrame) -> pd.Series:
    """'CODE name' per feature, as text whatever the cells hold (missing name: the code alone)."""
    code = gdf["code"].map(plain) if "code" in gdf else pd.Series("", index=gdf.index)
    name = gdf["name"].map(plain) if "name" in gdf else pd.Series("", index=gdf.index)
    return (code + " " + name).str.strip()


def count_legend(styled: gpd.GeoDataFrame, order: list[tuple[str, str]], symbol: str, lang: str,
                 label_prefix: str = "") -> list[LegendEntry]:
    """Legend rows (label, colour) in ``order`` for the categories present, with counts."""
    counts = styled["_cat"].value_counts() if "_cat" in styled else pd.Series(dtype=int)
    return [LegendEntry(t(label_prefix + cat, lang), color, symbol, int(counts.get(cat, 0)))
            for cat, color in order if counts.get(cat, 0)]
