"""layers.plots: suspected and confirmed contaminated land plots (疑似污染地块/污染地块) by stage."""
from __future__ import annotations

import folium
import pandas as pd

from gislib.domain import PLOT_STAGE_COLOR, PLOT_STAGES
from gislib.i18n import t
from layers.base import MapLayer, count_legend, label_column
from layers.context_layers import _geojson
from layers.folium_elements import FetchedGeoJson

# The ONE style definition of plots: stage -> fill colour (from gislib.domain, kept in stage order).
STAGE_ORDER = [(s, PLOT_STAGE_COLOR[s]) for s in PLOT_STAGES]
LISTED_STAGES = ("纳入名录", "风险管控", "修复", "效果评估")


class PlotsLayer(MapLayer):
    """Plot polygons filled by stage; listed (名录) plots get a thick dark outline."""

    key = "plots"
    search = "record"
    select_by = ("tooltip",)
    source = "plots"
    kind = "polygon"
    demo = True

    def styled(self, gdf, lang="zh"):
        out = gdf.copy()
        out["_cat"] = out["stage"]
        out["_color"] = out["stage"].map(PLOT_STAGE_COLOR).fillna("#cccccc")
        out["_listed"] = out["stage"].isin(LISTED_STAGES)
        out["_label"] = label_column(out)
        area = pd.to_numeric(out.get("area_m2"), errors="coerce") if "area_m2" in out else pd.Series(float("nan"), out.index)
        out["_area"] = ["—" if pd.isna(a) else f"{a:,.0f}" for a in area]
        return out

    def legend(self, styled, lang="zh"):
        return count_legend(styled, STAGE_ORDER, "square", lang, "stage.")

    def to_folium(self, styled, lang="zh"):
        fields = ["code", "name", "stage", "former_use", "pollutants", "land_class", "_area", "subdistrict"]
        aliases = [t(f"field.{f}", lang) for f in
                   ("code", "name", "stage", "former_use", "pollutants", "land_class", "area_m2", "subdistrict")]
        return FetchedGeoJson(
            _geojson(styled, fields + ["_color", "_listed"], precision=6), name=self.title(lang),
            style_function=lambda f: {"fillColor": f["properties"]["_color"], "fillOpacity": 0.65,
                                      "color": "#4d0000" if f["properties"]["_listed"] else "#7f3b08",
                                      "weight": 2.5 if f["properties"]["_listed"] else 1},
            tooltip=folium.GeoJsonTooltip(fields[:3], aliases=aliases[:3]),
            popup=folium.GeoJsonPopup(fields, aliases=aliases),
        )

    def draw_static(self, ax, styled, lang="zh"):
        s = styled.to_crs(3857)
        s.plot(ax=ax, color=s["_color"], alpha=0.75, edgecolor=["#4d0000" if v else "#7f3b08" for v in s["_listed"]],
               linewidth=0.8, zorder=5)
