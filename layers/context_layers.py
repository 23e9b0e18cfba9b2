"""layers.context_layers: rivers and water bodies, sub-districts, the district boundary."""
from __future__ import annotations

import weakref

import folium
import geopandas as gpd
import pandas as pd

from gislib.i18n import t
from gislib.safe_text import html_text, mathtext
from layers.base import LegendEntry, MapLayer
from layers.folium_elements import FetchedGeoJson

RIVER_COLOR = "#3a86c8"
WATER_FILL = "#9ccbe6"
UNIT_COLOR = "#a064aa"
DISTRICT_COLOR = "#6a3d9a"
RIVER_WEIGHT = {"river": 3.0, "canal": 2.0, "stream": 1.5, "drain": 1.0}


_GEOJSON: dict[tuple[int, str, tuple[str, ...], int], tuple[weakref.ref, str]] = {}


def _geojson(gdf: gpd.GeoDataFrame, fields: list[str], precision: int = 5, part_of=None) -> str:
    """Compact GeoJSON text: only the fields shown, coordinates rounded (~1 m).

    Text values are HTML-escaped: folium's GeoJsonTooltip/GeoJsonPopup put them into innerHTML.
    Kept per frame object (the layers' frames are cached per data version and never modified), so a
    map with a new filter does not encode the city's rivers again. ``part_of``: (frame, label) when ``gdf``
    is a selection made afresh from a cached frame (kept under that frame)."""
    owner, label = part_of or (gdf, "")
    key = (id(owner), label, tuple(fields), precision)
    hit = _GEOJSON.get(key)
    if hit is not None and hit[0]() is owner:
        return hit[1]
    text = _encode(gdf, fields, precision)
    if len(_GEOJSON) >= 32:
        _GEOJSON.clear()
    _GEOJSON[key] = (weakref.ref(owner), text)
    return text


def _encode(gdf: gpd.GeoDataFrame, fields: list[str], precision: int) -> str:
    keep = gdf[[f for f in fields if f in gdf] + ["geometry"]].copy()
    for col in keep.columns.drop("geometry"):
        if not pd.api.types.is_numeric_dtype(keep[col]):
            keep[col] = pd.Series([html_text(v) if isinstance(v, str) else v for v in keep[col]], index=keep.index,
                                  dtype=object)
    keep["geometry"] = keep.geometry.set_precision(10 ** -precision)
    return keep.to_json(drop_id=True, ensure_ascii=False)


class RiversLayer(MapLayer):
    """Waterway centre lines (OSM) and water-area polygons."""

    key = "rivers"
    search = "area"
    source = "rivers"
    kind = "line"

    def load(self, dataset=None):
        from gislib.dataset import current_name, load_layer

        lines = load_layer("rivers", dataset).copy()
        # city scale (the basin set lies on the same waterways): the basemap already shows every ditch and canal
        big = (dataset or current_name()) in ("city", "basin")
        if big:
            lines = lines[(lines["name"].fillna("") != "") & (lines["fclass"] == "river")]
            lines["geometry"] = lines.to_crs(3857).simplify(25).to_crs(4326)
        lines["_kind"] = "line"
        water = load_layer("water", dataset).copy()
        if big:
            water = water[water["name"].fillna("") != ""]
            water["geometry"] = water.to_crs(3857).simplify(25).to_crs(4326)
        water["_kind"] = "area"
        return gpd.GeoDataFrame(
            gpd.pd.concat([lines, water], ignore_index=True), geometry="geometry", crs="EPSG:4326")

    def apply_filters(self, gdf, filters):
        if filters.rivers:
            return gdf[gdf["name"].isin(filters.rivers) | (gdf["_kind"] == "area")]
        return gdf

    def styled(self, gdf, lang="zh"):
        out = gdf.copy()
        out["name"] = out["name"].fillna("")
        out["_color"] = RIVER_COLOR
        out["_weight"] = out["fclass"].map(RIVER_WEIGHT).fillna(1.5)
        out["_label"] = out["name"]
        return out

    def legend(self, styled, lang="zh"):
        return [LegendEntry(self.title(lang), RIVER_COLOR, "line")]

    def to_folium(self, styled, lang="zh"):
        group = folium.FeatureGroup(name=self.title(lang))
        areas = styled[styled["_kind"] == "area"]
        lines = styled[styled["_kind"] == "line"]
        if len(areas):
            FetchedGeoJson(_geojson(areas, ["name"], part_of=(styled, "area")), name="water",
                           style_function=lambda f: {"color": WATER_FILL, "weight": 0.5, "fillColor": WATER_FILL,
                                                     "fillOpacity": 0.6},
                           interactive=False).add_to(group)
        if len(lines):
            FetchedGeoJson(
                _geojson(lines, ["name", "fclass", "_weight"], part_of=(styled, "line")), name="rivers",
                style_function=lambda f: {"color": RIVER_COLOR, "weight": f["properties"]["_weight"], "opacity": 0.85},
                tooltip=folium.GeoJsonTooltip(["name"], aliases=[t("field.name", lang)], labels=False),
            ).add_to(group)
        return group

    def draw_static(self, ax, styled, lang="zh"):
        s = styled.to_crs(3857)
        areas, lines = s[s["_kind"] == "area"], s[s["_kind"] == "line"]
        if len(areas):
            areas.plot(ax=ax, color=WATER_FILL, edgecolor=WATER_FILL, linewidth=0.3, zorder=2)
        if len(lines):
            lines.plot(ax=ax, color=RIVER_COLOR, linewidth=lines["_weight"].to_numpy() * 0.6, zorder=3)


class SubdistrictsLayer(MapLayer):
    """Approximate sub-district (街道/镇) polygons: outlines with names."""

    key = "subdistricts"
    search = "area"
    source = "subdistricts"
    kind = "polygon"

    def apply_filters(self, gdf, filters):
        return gdf[gdf["name"].isin(filters.subdistricts)] if filters.subdistricts else gdf

    def styled(self, gdf, lang="zh"):
        out = gdf.copy()
        out["_color"] = UNIT_COLOR
        out["_label"] = out["name"]
        return out

    def legend(self, styled, lang="zh"):
        return [LegendEntry(self.title(lang), UNIT_COLOR, "outline")]

    def to_folium(self, styled, lang="zh"):
        return FetchedGeoJson(
            _geojson(styled, ["name", "note"]), name=self.title(lang),
            style_function=lambda f: {"color": UNIT_COLOR, "weight": 1.5, "dashArray": "6 4", "fill": True,
                                      "fillOpacity": 0.0},
            tooltip=folium.GeoJsonTooltip(["name", "note"], aliases=[t("field.subdistrict", lang), ""]),
        )

    def draw_static(self, ax, styled, lang="zh"):
        s = styled.to_crs(3857)
        s.boundary.plot(ax=ax, color=UNIT_COLOR, linewidth=0.8, linestyle="--", zorder=4)
        for _, row in s.iterrows():
            p = row.geometry.representative_point()
            ax.annotate(mathtext(row["name"]), (p.x, p.y), ha="center", va="center", fontsize=7, color="#5b2c6f",
                        zorder=9, alpha=0.85)


class DistrictLayer(MapLayer):
    """The district boundary (geoBoundaries, ODbL)."""

    key = "district"
    source = "district"
    kind = "polygon"

    def apply_filters(self, gdf, filters):
        return gdf

    def styled(self, gdf, lang="zh"):
        out = gdf.copy()
        out["_color"] = DISTRICT_COLOR
        return out

    def legend(self, styled, lang="zh"):
        return [LegendEntry(self.title(lang), DISTRICT_COLOR, "outline")]

    def to_folium(self, styled, lang="zh"):
        return FetchedGeoJson(
            _geojson(styled, ["name"]), name=self.title(lang), interactive=False,
            style_function=lambda f: {"color": DISTRICT_COLOR, "weight": 2.5, "fill": False},
        )

    def draw_static(self, ax, styled, lang="zh"):
        styled.to_crs(3857).boundary.plot(ax=ax, color=DISTRICT_COLOR, linewidth=1.6, zorder=4)
