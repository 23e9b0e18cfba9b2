"""The map page's map, rendered once per map and data version, shown in the map page's own frame.

``st_folium`` renders the whole folium map to HTML and script on every run of the page (at city scale
about a second of Jinja templates and GeoJSON encoding for a 640 KB script) although a click, a
selection or a view request changes only the small feature group drawn on top. Here the map's
strings are rendered once per (layers, filters, language, basemap, data set, store version, scope)
and kept (a few maps per process); each run renders only the selection's feature group and hands
both to the component with the same arguments ``st_folium`` would pass, so the browser keeps its map
(same component key) exactly as before.

The component is ``frame_component`` (``views/map_frame``): streamlit-folium's behaviour for these arguments in a
small script of our own, instead of its 225 KB React bundle, which the browser had to fetch, parse and run on the
main thread it shares with Streamlit's page before the map's own scripts were asked for (the frame's first draw
came ~50 ms sooner without it). The map's header carries the frame's Content-Security-Policy (``views.map_csp``).

Relies on streamlit-folium 0.27.4's module functions (pinned in requirements.txt);
``tests/test_map_component.py`` checks that the arguments equal ``st_folium``'s for the same map.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import folium
import streamlit as st
import streamlit.components.v1 as components
import streamlit_folium as sf

from layers.assets import LEAFLET_JS, bundle_scripts
from views.map_csp import csp_meta

MAX_MAPS = 6  # rendered maps kept per process (each a few MB at city scale)
FRAME_DIR = Path(__file__).resolve().parent / "map_frame"
# The map page's frame: the same arguments and values as streamlit-folium's component, drawn by a frontend of our
# own (views/map_frame/hetu-map-frame.js) instead of streamlit-folium's React bundle. Its name, as Streamlit
# serves it: /component/views.map_component.hetu_map/index.html
frame_component = components.declare_component("hetu_map", path=str(FRAME_DIR))
FRAME_PRELOADED = LEAFLET_JS[1]  # the script views/map_frame/index.html loads at once (every map's first)


@dataclass
class RenderedMap:
    """The strings and defaults ``st_folium`` computes from a folium map, computed once."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: list[str]
    js_links: list[str]
    bounds: dict
    zoom: object
    result: object = None  # what the page shows around the map (layers.mapview.MapResult, without its map)
    _hashes: dict[tuple, str] = field(default_factory=dict)

    def hash_key(self, key: str | None, return_on_hover: bool = False) -> str:
        """streamlit-folium's component key for this script (a regex over the whole script: once)."""
        k = (key, return_on_hover)
        if k not in self._hashes:
            self._hashes[k] = sf.generate_js_hash(self.script, key, return_on_hover)
        return self._hashes[k]


def render(fmap: folium.Map, view: tuple[float, float, float, float] | None = None) -> RenderedMap:
    """What ``st_folium(fmap)`` computes before it calls the component (the same steps, in order).
    ``view`` (min lon, min lat, max lon, max lat): the extent the map is fitted to, the component's
    ``bounds`` until the browser reports its own; without it, as st_folium: the extent of every
    coordinate of every layer (folium walks them in Python: 0.1–0.2 s for a city map)."""
    fmap.get_root().render()
    fmap.render()
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    if view is not None:
        w, s, e, n = view
    else:
        try:
            (s, w), (n, e) = fmap.get_bounds()
        except AttributeError:
            s = w = n = e = None
    bounds = {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}}
    css: list[str] = []
    js: list[str] = []
    for elem in _walk(fmap):
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    # the frame loads its scripts one by one: Leaflet, which the frame's page asks for as soon as it opens
    # (FRAME_PRELOADED), then the app's own as one file (layers.assets.bundle_scripts)
    js = list(dict.fromkeys(js))
    first = [url for url in js[:1] if url == FRAME_PRELOADED]
    return RenderedMap(script, header, html, sf.get_full_id(fmap), list(dict.fromkeys(css)),
                       first + bundle_scripts(js[len(first):]), bounds, fmap.options.get("zoom"))


def _walk(fig):
    if isinstance(fig, folium.elements.JSCSSMixin):
        yield fig
    for child in getattr(fig, "_children", {}).values():
        yield from _walk(child)


_maps: OrderedDict[tuple, RenderedMap] = OrderedDict()
_building: dict[tuple, threading.Lock] = {}
_lock = threading.Lock()


def rendered(cache_key: tuple, build: Callable[[], object]) -> RenderedMap:
    """The rendered map of ``cache_key``, built by ``build()`` (a ``MapResult``) the first time; the
    same key asked by two sessions at once is built once."""
    with _lock:
        hit = _maps.get(cache_key)
        if hit is not None:
            _maps.move_to_end(cache_key)
            return hit
        gate = _building.setdefault(cache_key, threading.Lock())
    with gate:
        with _lock:
            hit = _maps.get(cache_key)
        if hit is None:
            try:
                result = build()
                hit = render(result.fmap, getattr(result, "bounds", None))
                hit.result = result.without_map() if hasattr(result, "without_map") else result
                with _lock:
                    _maps[cache_key] = hit
                    while len(_maps) > MAX_MAPS:
                        _maps.popitem(last=False)
            finally:  # built or failed (the page shows why): the next ask builds again
                with _lock:
                    _building.pop(cache_key, None)
    return hit


def feature_group_string(groups: Iterable[folium.FeatureGroup]) -> str | None:
    """The feature groups drawn on top of the map, as ``st_folium(feature_group_to_add=…)`` sends them.
    Rendered against a small stand-in map (``st_folium`` adds them to the page's map, which here is kept)."""
    groups = list(groups)
    if not groups:
        return None
    stand_in = folium.Map(tiles=None)
    return "".join(sf._get_feature_group_string(g, map=stand_in, idx=i) for i, g in enumerate(groups))


def show(rendered_map: RenderedMap, key: str, height: int = 600, use_container_width: bool = True,
         width: int | None = 500, returned_objects: list[str] | None = None,
         feature_group_to_add: folium.FeatureGroup | list[folium.FeatureGroup] | None = None):
    """The map frame (``frame_component``), with the arguments ``st_folium`` would pass for the same map and the
    frame's Content-Security-Policy (views.map_csp) in its header; returns its value."""
    defaults_all = {
        "last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
        "last_active_drawing": None, "bounds": rendered_map.bounds, "zoom": rendered_map.zoom,
        "last_circle_radius": None, "last_circle_polygon": None, "selected_layers": None,
        "selected_tags": None, "last_geocoder_result": None,
    }
    defaults = {k: v for k, v in defaults_all.items() if returned_objects is None or k in returned_objects}
    if isinstance(feature_group_to_add, folium.FeatureGroup):
        feature_group_to_add = [feature_group_to_add]
    hash_key = rendered_map.hash_key(key)

    def _on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    return frame_component(
        script=rendered_map.script, header=csp_meta(rendered_map.script) + rendered_map.header,
        html=rendered_map.html, id=rendered_map.map_id,
        key=hash_key, height=height, width=None if use_container_width else width,
        returned_objects=returned_objects, default=defaults, zoom=None, center=None,
        feature_group=feature_group_string(feature_group_to_add or []), return_on_hover=False,
        layer_control=None, pixelated=False, css_links=rendered_map.css_links, js_links=rendered_map.js_links,
        on_change=_on_change, wrap_longitude=False,
    )


def map_for(layers_on: tuple[str, ...], filters, lang: str, basemap: str, tianditu_key: str, scope,
            dataset: str | None = None) -> RenderedMap:
    """The map page's map for these choices, built and rendered once per data version (the page and the
    warm-up below ask for it with the same key)."""
    from gislib.dataset import current_name
    from gislib.services.catalog import version
    from layers.mapview import build_map

    dataset = dataset or current_name()
    key = (layers_on, filters, lang, basemap, tianditu_key, scope, dataset, version(dataset=dataset))
    return rendered(key, lambda: build_map(layers_on, filters, lang, basemap, dataset=dataset,
                                           tianditu_key=tianditu_key, scope=scope))


_warmed: dict[tuple[str, str], threading.Thread | None] = {}
_map_ready: dict[tuple[str, str], threading.Event] = {}


def wait_for_warm_up(timeout: float = 120.0) -> None:
    """Let a running warm-up finish the default map before the page does the same work beside it (two
    cores would share the same reads and styling twice); returns at once when none is running. The
    warm-up's later steps (the click index, the river network for tracing) go on beside the page."""
    for key, thread in list(_warmed.items()):
        if thread is None or not thread.is_alive() or thread is threading.current_thread():
            continue
        ready = _map_ready.get(key)
        if ready is not None:
            ready.wait(timeout)
        else:
            thread.join(timeout)


def warm_up(data_dir: str, dataset: str) -> threading.Thread | None:
    """Prepare, in the background, what the first user of a fresh server waits for: the map page's default
    map for the whole district (its layers read and judged, the map rendered) and the river network and
    points a click traces. Started once per process and data directory when the accounts are opened (the
    login page), so it runs while the first user logs in; ``HETU_WARM_UP=0`` turns it off."""
    import logging

    from gislib.config import load_settings

    settings = load_settings()  # read now: the thread must not see a later run's environment
    with _lock:
        if not settings.warm_up or (data_dir, dataset) in _warmed:
            return None
        _warmed[(data_dir, dataset)] = None

    def run() -> None:
        from layers import trace
        from layers.base import Filters
        from layers.mapview import feature_at
        from layers.registry import LAYERS

        try:
            on = tuple(layer.key for layer in LAYERS if layer.default_on)
            try:
                shown = map_for(on, Filters(), settings.lang, settings.basemap, settings.tianditu_key, None,
                                dataset)
            finally:  # the page waits for this map only (built or failed: then the page builds it)
                ready.set()
            minx, miny, maxx, maxy = shown.result.bounds
            feature_at((miny + maxy) / 2, (minx + maxx) / 2, None, dataset, scope=None)  # the click lookup index
            trace.network(dataset)
            trace.points(dataset)
        except Exception:  # noqa: BLE001 - a warm-up never breaks the app: the page builds what it needs
            logging.getLogger(__name__).warning("map warm-up failed", exc_info=True)

    ready = _map_ready[(data_dir, dataset)] = threading.Event()
    thread = threading.Thread(target=run, name="hetu-warm-up", daemon=True)
    _warmed[(data_dir, dataset)] = thread
    thread.start()
    return thread
