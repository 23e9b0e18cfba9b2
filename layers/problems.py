"""layers.problems: 问题 points coloured by rectification state; overdue ones drawn as a red ring."""
from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from gislib.i18n import enum_label, t
from gislib.problems import model
from gislib.problems.service import today_shanghai
from gislib.safe_text import html_text
from layers.base import LegendEntry, MapLayer
from layers.folium_elements import FetchedGeoJson
from layers.context_layers import _geojson

OVERDUE = "逾期"
OVERDUE_COLOR = "#d7191c"
# The ONE style definition of problems: state -> fill colour; overdue -> red ring around it.
STATE_ORDER = [(s, model.STATE_COLORS[s]) for s in model.STATES if s != model.REMOVED]
FIELDS = ("code", "name", "category", "source", "state", "subdistrict", "river", "responsible_unit", "deadline")


def state_label(state: str, lang: str = "zh") -> str:
    """The state as people read it in ``lang``."""
    return enum_label("problem_state", state, lang)


def problems_frame(dataset: str | None = None) -> gpd.GeoDataFrame:
    """Live (not withdrawn) problems from the record store, with an ``overdue`` flag for today."""
    from gislib.demo.problems import ensure_demo
    from gislib.services.catalog import store

    st_ = store(dataset=dataset)
    ensure_demo(st_, dataset)
    today = today_shanghai()
    rows = [{**{k: r.get(k) for k in FIELDS + ("lon", "lat")}, "overdue": model.is_overdue(r, today)}
            for r in st_.list(model.LAYER)]
    frame = pd.DataFrame(rows, columns=list(FIELDS) + ["lon", "lat", "overdue"])
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
    for col in FIELDS:
        gdf[col] = gdf[col].fillna("").astype(str)
    return gdf


class ProblemsLayer(MapLayer):
    """Problems as circle markers by state; overdue items get a thick red ring (逾期)."""

    key = "problems"
    source = "problems"
    kind = "point"
    demo = True
    default_on = False
    keep_on_disk = False  # overdue as of today; the demo is seeded on first use  # switched on in the layer list (its demo is seeded on first use)

    def load(self, dataset=None):
        return problems_frame(dataset)

    def styled(self, gdf, lang="zh"):
        out = gdf.copy()
        out["_cat"] = out["state"]
        out["_color"] = out["state"].map(dict(STATE_ORDER)).fillna("#969696")
        out["_shape"] = "circle"
        out["_label"] = out["code"] + " " + out["name"]
        for col in FIELDS:  # user text: shown as text, never as markup
            out[f"_{col}"] = [html_text(v) for v in out[col]]
        out["_state"] = [html_text(state_label(s, lang)) + (" · " + html_text(state_label(OVERDUE, lang)) if o else "")
                         for s, o in zip(out["state"], out["overdue"])]
        return out

    def legend(self, styled, lang="zh"):
        counts = styled["_cat"].value_counts()
        rows = [LegendEntry(state_label(s, lang), c, "circle", int(counts.get(s, 0)))
                for s, c in STATE_ORDER if counts.get(s, 0)]
        n_over = int(styled["overdue"].sum()) if len(styled) else 0
        if n_over:
            # an overlay on the state colours (those already count every point): number in the label
            rows.append(LegendEntry(f"{state_label(OVERDUE, lang)} ({n_over})", OVERDUE_COLOR, "ring", None))
        return rows

    def to_folium(self, styled, lang="zh"):
        fields = [f"_{f}" for f in FIELDS]
        fields[FIELDS.index("state")] = "_state"
        aliases = [t(f"maplayer.problems.{f}", lang) for f in FIELDS]
        return FetchedGeoJson(
            _geojson(styled, fields + ["_color", "overdue", "code"], precision=6), name=self.title(lang),
            marker=folium.CircleMarker(radius=7),
            style_function=lambda f: {"fill": True, "fillColor": f["properties"]["_color"], "fillOpacity": 0.9,
                                      "color": OVERDUE_COLOR if f["properties"]["overdue"] else "#333333",
                                      "weight": 4 if f["properties"]["overdue"] else 1,
                                      "radius": 9 if f["properties"]["overdue"] else 7},
            tooltip=folium.GeoJsonTooltip(fields[:5], aliases=aliases[:5]),
            popup=folium.GeoJsonPopup(fields, aliases=aliases),
        )

    def draw_static(self, ax, styled, lang="zh"):
        pts = styled.to_crs(3857)
        over = pts[pts["overdue"]]
        ax.scatter(over.geometry.x, over.geometry.y, s=90, facecolors="none", edgecolors=OVERDUE_COLOR,
                   linewidths=2, zorder=8)
        ax.scatter(pts.geometry.x, pts.geometry.y, s=28, c=list(pts["_color"]), edgecolors="#333333",
                   linewidths=0.5, zorder=9)


def md_text(value) -> str:
    """User text shown literally in Streamlit Markdown (no links, emphasis or HTML from what people typed)."""
    text = str(value).replace("\n", " ")
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~$:" else ch for ch in text)


def district_map(basemap: str = "offline", dataset: str | None = None):
    """A small map of the district (basemap + outline, Leaflet served by the app) for picking points
    and showing tracks on the problem and patrol pages."""
    from gislib.dataset import current_name, load_layer
    from layers.folium_elements import HetuMap
    from layers.mapview import add_basemap

    dataset = dataset or current_name()
    district = load_layer("district", dataset)
    minx, miny, maxx, maxy = district.total_bounds
    fmap = HetuMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=12, tiles=None, control_scale=True,
                   max_zoom=19)
    add_basemap(fmap, basemap, dataset)
    folium.GeoJson(district.to_json(), style_function=lambda f: {"fill": False, "color": "#555", "weight": 1}).add_to(fmap)
    return fmap
