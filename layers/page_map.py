"""layers.page_map: the small map of a record page (sections, plots).

One record layer over the district outline and the basemap, in the layer's ONE style with its
legend; the chosen record ringed in magenta and the map fitted to it (else to the whole layer).
Streamlit-free: the view hands the map to streamlit-folium; clicks come back as the tooltip,
which holds the record's code (``code_in``).
"""
from __future__ import annotations

import folium

from gislib.dataset import current_name
from gislib.domain import DEMO_MARK
from gislib.i18n import term
from layers.folium_elements import FitWhenSized, HetuMap, HtmlControl
from layers.mapview import add_basemap, legend_html, styled_layer, to_gcj02
from layers.registry import get_layer

HIGHLIGHT = "#ff00aa"
PAD_DEG = 0.004  # about 400 m around a single record


def _bounds(gdf, pad: float = 0.0) -> list[list[float]]:
    minx, miny, maxx, maxy = gdf.total_bounds
    return [[miny - pad, minx - pad], [maxy + pad, maxx + pad]]


def record_map(key: str, selected: str | None = None, lang: str = "zh", basemap: str = "offline",
               dataset: str | None = None, tianditu_key: str = "") -> folium.Map:
    """The map of layer ``key`` with record ``selected`` highlighted and in view."""
    dataset = dataset or current_name()
    layer = get_layer(key)
    styled = styled_layer(key, None, lang, dataset)
    district = styled_layer("district", None, lang, dataset)
    shift = to_gcj02 if basemap == "amap" else (lambda g: g)
    fmap = HetuMap(location=[31.25, 121.4], zoom_start=13, tiles=None, control_scale=True, max_zoom=19)
    add_basemap(fmap, basemap, dataset, tianditu_key)
    get_layer("district").to_folium(shift(district), lang).add_to(fmap)
    if not styled.empty:
        layer.to_folium(shift(styled), lang).add_to(fmap)
    chosen = styled[styled["code"] == selected] if selected else styled.iloc[0:0]
    if len(chosen):
        shown = shift(chosen)
        geom = shown.geometry.iloc[0]
        if geom.geom_type == "Point":
            folium.CircleMarker([geom.y, geom.x], radius=14, color=HIGHLIGHT, weight=3, fill=False).add_to(fmap)
        else:
            folium.GeoJson(geom.__geo_interface__, style_function=lambda _f: {
                "color": HIGHLIGHT, "weight": 4, "fill": False}).add_to(fmap)
        bounds = _bounds(shown, PAD_DEG)
    else:
        bounds = _bounds(shift(styled if not styled.empty else district), 0.002)
    HtmlControl(legend_html({key: layer.legend(styled, lang)}, lang), position="bottomright").add_to(fmap)
    HtmlControl(term(DEMO_MARK, lang), position="topright", css_class="hetu-demo-mark").add_to(fmap)
    fmap.fit_bounds(bounds)
    FitWhenSized(bounds).add_to(fmap)
    return fmap


def code_in(tooltip: str | None, codes) -> str | None:
    """The record code a clicked feature's tooltip names (longest match first), or None."""
    if not tooltip:
        return None
    return next((c for c in sorted(codes, key=len, reverse=True) if c in tooltip), None)
