"""layers.sections: 监测/考核断面 coloured by the latest month's GB 3838 class."""
from __future__ import annotations

import folium

from gislib.domain import NO_DATA_COLOR, WQ_CLASS_COLOR, WQ_CLASS_ROMAN, WQ_CLASSES
from gislib.i18n import t
from gislib.services.catalog import store
from gislib.water.samples import all_samples
from gislib.water.sections import latest_status
from layers.base import LegendEntry, MapLayer, label_column
from layers.context_layers import _geojson
from layers.folium_elements import FetchedGeoJson

# The ONE style definition of sections: class -> colour (22号: I–II blue … 劣V red).
CLASS_ORDER = [(c, WQ_CLASS_COLOR[c]) for c in WQ_CLASSES] + [("无数据", NO_DATA_COLOR)]
CANVAS_ABOVE = 1000  # more sections than this are drawn on the canvas point layer


def class_label(cls: str, lang: str = "zh") -> str:
    """'Ⅲ类' / 'Class III' / '无数据'."""
    if cls not in WQ_CLASS_ROMAN:
        return t("class.nodata", lang)
    return t("maplayer.class", lang, roman=WQ_CLASS_ROMAN[cls], cls=cls)


class SectionsLayer(MapLayer):
    """Monitoring sections as circle markers with a dark outline; red ring when off target."""

    key = "sections"
    search = "record"
    select_by = ("point", "tooltip")
    source = "sections"
    kind = "point"
    demo = True

    def load(self, dataset=None):
        gdf = super().load(dataset)
        samples = all_samples(store(dataset=dataset), dataset)  # demo samples plus those imported by users
        status = latest_status(samples, gdf)
        gdf["latest_class"] = [status[c].cls if c in status else "无数据" for c in gdf["code"]]
        gdf["latest_month"] = [status[c].month if c in status else "" for c in gdf["code"]]
        gdf["meets_target"] = [status[c].meets_target if c in status else None for c in gdf["code"]]
        gdf["main_pollutants"] = [status[c].main_pollutants if c in status else "" for c in gdf["code"]]
        return gdf

    def styled(self, gdf, lang="zh"):
        out = gdf.copy()
        out["_cat"] = out["latest_class"]
        out["_color"] = out["_cat"].map(dict(CLASS_ORDER)).fillna(NO_DATA_COLOR)
        out["_class_label"] = [class_label(c, lang) for c in out["_cat"]]
        yes, no = t("common.yes", lang), t("common.no", lang)
        out["_meets"] = [yes if m is True else (no if m is False else "—") for m in out["meets_target"]]
        out["_target_label"] = [class_label(c, lang) for c in out["target_class"]]
        out["_label"] = label_column(out)
        return out

    def legend(self, styled, lang="zh"):
        counts = styled["_cat"].value_counts()
        rows, seen = [], set()
        for cls, color in CLASS_ORDER:
            n = int(counts.get(cls, 0))
            if not n:
                continue
            label = class_label(cls, lang)
            if cls in ("I", "II"):  # I and II share a colour: one legend row
                label = t("maplayer.class_i_ii", lang)
                n = int(counts.get("I", 0) + counts.get("II", 0))
                if label in seen:
                    continue
            seen.add(label)
            rows.append(LegendEntry(label, color, "circle", n))
        return rows

    def to_folium(self, styled, lang="zh"):
        if len(styled) > CANVAS_ABOVE:  # city scale: one canvas instead of thousands of GeoJSON markers
            from layers.outfalls import point_canvas

            # clusters take the worst class of their sections (劣Ⅴ worst; 无数据 least)
            severity = list(range(1, len(CLASS_ORDER))) + [0]
            return point_canvas(self.key, styled, CLASS_ORDER, lang=lang, radius=[[0, 3], [12, 4.5], [14, 6]],
                                labels=styled["_label"] + " · " + styled["_class_label"], severity=severity)
        fields = ["code", "name", "river", "_class_label", "_target_label", "_meets", "main_pollutants", "latest_month"]
        aliases = [t(f"field.{f}", lang) for f in ("code", "name", "river", "latest_class", "target_class",
                                                     "meets_target", "main_pollutants", "latest_month")]
        return FetchedGeoJson(
            _geojson(styled, fields + ["_color", "meets_target"]),
            name=self.title(lang),
            marker=folium.CircleMarker(radius=8, fill=True, fill_opacity=0.95, weight=2),
            style_function=lambda f: {"fillColor": f["properties"]["_color"],
                                      "color": "#b10026" if f["properties"]["meets_target"] is False else "#222222",
                                      "weight": 3 if f["properties"]["meets_target"] is False else 1.5},
            tooltip=folium.GeoJsonTooltip(fields[:4], aliases=aliases[:4]),
            popup=folium.GeoJsonPopup(fields, aliases=aliases),
        )

    def draw_static(self, ax, styled, lang="zh"):
        pts = styled.to_crs(3857)
        edge = ["#b10026" if m is False else "#222222" for m in pts["meets_target"]]
        ax.scatter(pts.geometry.x, pts.geometry.y, s=70, c=list(pts["_color"]), edgecolors=edge,
                   linewidths=1.4, zorder=8)
