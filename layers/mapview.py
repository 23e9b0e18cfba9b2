"""layers.mapview: compose the interactive map from the registered layers.

Streamlit-free: the view calls :func:`build_map` and hands the result to the map page's frame
(views.map_component).
Styled layers are cached per (data version, filters, language), so a rerun that changes nothing
rebuilds nothing.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from functools import lru_cache

import folium
import geopandas as gpd
import numpy as np

from gislib.geo.basemap import SPECS, ensure_tiles, native_zoom
from gislib.services.catalog import derived_frame, store_dir, version as catalog_version
from gislib.dataset import current_name
from gislib.domain import DEMO_MARK, GEOBOUNDARIES_CREDIT, OSM_CREDIT
from gislib.i18n import t, term
from layers.assets import tile_url
from layers.base import Filters, LegendEntry
from layers.folium_elements import FitWhenSized, HetuMap, HtmlControl, PointCanvas, SelectionRing
from gislib.services.access import EVERYTHING, current_scope, scoped_frame
from layers import registry
from layers.registry import get_layer

ONLINE_BASEMAPS = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", OSM_CREDIT.html, None),
    "amap": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
             "© 高德地图 (GCJ-02)", "1234"),
}
TIANDITU_URL = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
                "&TILECOL={{x}}&tk={key}")


@dataclass
class MapResult:
    """The folium map plus what the page shows around it."""

    fmap: folium.Map
    legend: dict[str, list[LegendEntry]]
    counts: dict[str, int]
    bounds: tuple[float, float, float, float]
    dataset: str
    layers_on: tuple[str, ...] = field(default_factory=tuple)

    def without_map(self) -> "MapResult":
        """The same without the folium map (kept once the map is rendered: its strings are what is shown)."""
        return replace(self, fmap=None)


@lru_cache(maxsize=16)
def _loaded(key: str, dataset: str, version: str, token: str, folder: str) -> gpd.GeoDataFrame:
    """A layer's features with what is judged of them (a dust site's last day, a section's class), once
    per data version for every process: kept on disk with the store (catalog.derived_frame) and shipped
    with the demo's seed store, so that a fresh directory's first map does not judge them again."""
    layer = get_layer(key)
    if not layer.keep_on_disk:
        return layer.load(dataset)
    return derived_frame(f"layer-{key}", f"{key}|{dataset}|{version}|{token}", lambda: layer.load(dataset),
                         dataset=dataset)


def loaded(key: str, dataset: str | None = None) -> gpd.GeoDataFrame:
    """:func:`_loaded` for the current data version (a copy the caller may modify)."""
    dataset = dataset or current_name()
    return _loaded(key, dataset, catalog_version(dataset=dataset), get_layer(key).cache_token(dataset),
                   str(store_dir(None, dataset))).copy()


def seed_layers(dataset: str) -> list[str]:
    """Judge every layer of a data set once (build time, in the data directory of its seed store)."""
    judged = [layer.key for layer in registry.LAYERS if layer.keep_on_disk]
    for key in judged:
        loaded(key, dataset)
    return judged


@lru_cache(maxsize=64)
def _styled(key: str, dataset: str, version: str, filters: Filters, lang: str, scope=None):
    layer = get_layer(key)
    gdf = _loaded(key, dataset, version, layer.cache_token(dataset), str(store_dir(None, dataset))).copy()
    if scope is not None:  # what the logged-in user may see (gislib.services.access)
        gdf = scoped_frame(scope, key, gdf)
    kept = layer.apply_filters(gdf, filters)
    if filters != Filters() and len(kept) == len(gdf):
        # a filter this layer has nothing to do with (plots under a river filter): the unfiltered frame itself,
        # so what is kept per frame object (its GeoJSON text) serves the filtered map too
        return _styled(key, dataset, version, Filters(), lang, scope)
    return layer.styled(kept, lang)


_READY: set[tuple] = set()  # the _styled arguments already computed (for progress display only)


def styled_layer(key: str, filters: Filters | None = None, lang: str = "zh", dataset: str | None = None,
                 scope=None):
    """A layer's features after filtering, with its style columns (cached; do not modify).
    ``scope``: only what a user may see (gislib.services.access.scope_of; None = everything)."""
    args = _styled_args(key, filters, lang, dataset, scope)
    out = _styled(*args)
    if len(_READY) > 512:
        _READY.clear()
    _READY.add(args)
    return out


def layer_ready(key: str, filters: Filters | None = None, lang: str = "zh", dataset: str | None = None,
                scope=None) -> bool:
    """True when :func:`styled_layer` has these features at hand (so no progress needs showing)."""
    return _styled_args(key, filters, lang, dataset, scope) in _READY


def _styled_args(key, filters, lang, dataset, scope=None) -> tuple:
    dataset = dataset or current_name()
    if scope is EVERYTHING:  # explicitly unscoped (indexes shared by every user)
        scope = None
    elif scope is None:
        scope = current_scope()  # the logged-in user's, set by app.py for the page run
    return key, dataset, catalog_version(dataset=dataset), filters or Filters(), lang, scope


def to_gcj02(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shift WGS84 geometries to GCJ-02 for display on Amap tiles only (domain.md §7.2)."""
    import shapely

    from gislib.geo.crs import wgs84_to_gcj02

    def shift(coords: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    out = gdf.copy()
    out["geometry"] = shapely.transform(out.geometry.to_numpy(), shift)
    return out


def legend_html(legend: dict[str, list[LegendEntry]], lang: str) -> str:
    """The in-map legend for the visible layers."""
    parts = [f"<details open><summary><b>{html.escape(t('map.legend', lang))}</b></summary>"]
    for key, rows in legend.items():
        if not rows:
            continue
        parts.append(f"<h4>{html.escape(get_layer(key).title(lang))}</h4>")
        for r in rows:
            style = f"background:{r.color}" if r.symbol not in ("triangle",) else f"border-bottom-color:{r.color}"
            count = f" ({r.count})" if r.count is not None else ""
            parts.append(f'<div class="row"><span class="sym {r.symbol}" style="{style}"></span>'
                         f"{html.escape(r.label)}{count}</div>")
    parts.append("</details>")
    return "".join(parts)


def credits_html(dataset: str) -> str:
    """Attribution for the map: OSM always; geoBoundaries where the district outline shows."""
    return f"{OSM_CREDIT.html} | {GEOBOUNDARIES_CREDIT.html} | {term(DEMO_MARK)}"


@lru_cache(maxsize=4)
def tile_coverage(dataset: str) -> list[list[float]]:
    """[[south, west], [north, east]] of the offline tiles, so Leaflet asks for no missing tile."""
    import rasterio
    from rasterio.warp import transform_bounds

    with rasterio.open(SPECS[dataset].cog_path) as src:
        west, south, east, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
    return [[south, west], [north, east]]


def add_basemap(fmap: folium.Map, basemap: str, dataset: str, tianditu_key: str = "") -> None:
    """The offline COG tiles by default; OSM, Tianditu or Amap when chosen in settings."""
    spec = SPECS[dataset]
    if basemap == "offline" or (basemap == "tianditu" and not tianditu_key):
        ensure_tiles(dataset)
        folium.TileLayer(tiles=tile_url(dataset), attr=credits_html(dataset), name="offline",
                         max_native_zoom=native_zoom(dataset), min_native_zoom=spec.min_zoom, max_zoom=19,
                         min_zoom=spec.min_zoom - 2, detect_retina=False,
                         bounds=tile_coverage(dataset)).add_to(fmap)
    elif basemap == "tianditu":
        for layer in ("vec", "cva"):
            folium.TileLayer(tiles=TIANDITU_URL.format(layer=layer, key=tianditu_key), subdomains="01234567",
                             attr="© 天地图 | " + credits_html(dataset), name=f"tianditu-{layer}", max_zoom=18
                             ).add_to(fmap)
    else:
        url, attr, subdomains = ONLINE_BASEMAPS[basemap]
        kwargs = {"subdomains": subdomains} if subdomains else {}
        folium.TileLayer(tiles=url, attr=f"{attr} | {credits_html(dataset)}", name=basemap, max_zoom=19,
                         **kwargs).add_to(fmap)


def build_map(layers_on: tuple[str, ...], filters: Filters | None = None, lang: str = "zh",
              basemap: str = "offline", dataset: str | None = None, tianditu_key: str = "", scope=None) -> MapResult:
    """The interactive map with the chosen layers, filters and basemap."""
    dataset = dataset or current_name()
    filters = filters or Filters()
    district = styled_layer("district", filters, lang, dataset)
    minx, miny, maxx, maxy = district.total_bounds
    fmap = HetuMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=13, tiles=None,
                   prefer_canvas=True, control_scale=True, max_zoom=19, zoom_control=True, zoom_snap=0.25,
                   zoom_delta=0.5)
    add_basemap(fmap, basemap, dataset, tianditu_key)
    legend: dict[str, list[LegendEntry]] = {}
    counts: dict[str, int] = {}
    gcj = basemap == "amap"
    elements = []
    for layer in registry.LAYERS:
        if layer.key not in layers_on:
            continue
        styled = styled_layer(layer.key, filters, lang, dataset, scope)
        counts[layer.key] = len(styled)
        legend[layer.key] = layer.legend(styled, lang)
        if styled.empty:
            continue
        shown = to_gcj02(styled) if gcj else styled
        elements.append(layer.to_folium(shown, lang))
    # Canvas point layers first: their data file is fetched while the vector layers are still being
    # parsed; they draw in the marker pane, above the vectors, whatever the order they were added in.
    for element in sorted(elements, key=lambda e: not isinstance(e, PointCanvas)):
        element.add_to(fmap)
    HtmlControl(legend_html(legend, lang), position="bottomright").add_to(fmap)
    HtmlControl(term(DEMO_MARK, lang), position="topright", css_class="hetu-demo-mark").add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    FitWhenSized([[miny, minx], [maxy, maxx]], dataset).add_to(fmap)
    SelectionRing().add_to(fmap)  # last: it listens to the vector layers added above
    return MapResult(fmap, legend, counts, (minx, miny, maxx, maxy), dataset, tuple(layers_on))


@dataclass(frozen=True)
class SearchHit:
    """One search result: its layer, code (the name for rivers and sub-districts), name and extent."""

    key: str
    code: str
    name: str
    bounds: tuple[float, float, float, float]  # minlon, minlat, maxlon, maxlat

    @property
    def selectable(self) -> bool:
        """True for features with a record (key facts); rivers and sub-districts are only zoomed to."""
        return get_layer(self.key).search == "record"


@dataclass
class SearchResult:
    """Hits per layer (at most ``limit`` each) and how many matched in all."""

    hits: list[SearchHit]
    totals: dict[str, int]
    limit: int

    def capped(self) -> dict[str, tuple[int, int]]:
        """Layers with more matches than shown: key -> (shown, total)."""
        shown: dict[str, int] = {}
        for h in self.hits:
            shown[h.key] = shown.get(h.key, 0) + 1
        return {k: (shown.get(k, 0), n) for k, n in self.totals.items() if n > shown.get(k, 0)}


def layer_keys(search: str = "", select_by: str = "") -> tuple[str, ...]:
    """The registered layers found by ``search`` ("area": by name, zoomed to; "record": by code or name) or
    selected by ``select_by`` ("point", "tooltip"), in registry order: read from the layers themselves."""
    return tuple(layer.key for layer in registry.LAYERS
                 if (not search or layer.search == search) and (not select_by or select_by in layer.select_by))


def search(query: str, dataset: str | None = None, lang: str = "zh", limit: int = 20, scope=None) -> SearchResult:
    """Rivers and sub-districts by name (exact names first), then features by code or name."""
    query = query.strip()
    hits: list[SearchHit] = []
    totals: dict[str, int] = {}
    if not query:
        return SearchResult(hits, totals, limit)
    for key in layer_keys(search="area"):
        areas = _named_extents(key, dataset or current_name(), catalog_version(dataset=dataset), lang)
        found = [(name, b) for name, b in areas.items() if query.lower() in name.lower()]
        found.sort(key=lambda nb: (nb[0] != query, len(nb[0]), nb[0]))
        totals[key] = len(found)
        hits += [SearchHit(key, name, name, b) for name, b in found[:limit]]
    for key in layer_keys(search="record"):
        gdf = styled_layer(key, None, lang, dataset, scope)
        mask = gdf["code"].str.contains(query, case=False, regex=False) | gdf["name"].str.contains(query, regex=False)
        totals[key] = int(mask.sum())
        for _, row in gdf[mask].head(limit).iterrows():
            hits.append(SearchHit(key, row["code"], row["name"], tuple(float(v) for v in row.geometry.bounds)))
    return SearchResult(hits, {k: n for k, n in totals.items() if n}, limit)


@lru_cache(maxsize=8)
def _named_extents(key: str, dataset: str, version: str, lang: str) -> dict[str, tuple[float, float, float, float]]:
    """Name -> extent of every named river (all its pieces) or sub-district."""
    gdf = styled_layer(key, None, lang, dataset)
    gdf = gdf[gdf["name"].notna() & (gdf["name"].astype(str).str.strip() != "")]
    bounds = gdf.geometry.bounds.assign(name=gdf["name"].astype(str).to_numpy())
    boxes = bounds.groupby("name").agg(minx=("minx", "min"), miny=("miny", "min"), maxx=("maxx", "max"),
                                       maxy=("maxy", "max"))
    return {name: tuple(float(v) for v in row) for name, row in zip(boxes.index, boxes.to_numpy())}


def extent_of(key: str, names: tuple[str, ...], dataset: str | None = None, lang: str = "zh"):
    """The combined extent of named rivers or sub-districts (None when none is known)."""
    areas = _named_extents(key, dataset or current_name(), catalog_version(dataset=dataset), lang)
    boxes = [areas[n] for n in names if n in areas]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def find_feature(query: str, dataset: str | None = None, lang: str = "zh"):
    """Features whose code or name contains ``query``: (layer key, code, name, lon, lat) rows."""
    rows = []
    for h in search(query, dataset, lang).hits:
        if h.selectable:
            rows.append((h.key, h.code, h.name, (h.bounds[0] + h.bounds[2]) / 2, (h.bounds[1] + h.bounds[3]) / 2))
    return rows


def feature_at(lat: float, lng: float, tooltip: str | None = None, dataset: str | None = None,
               gcj: bool = False, scope=None):
    """The feature a click returned: (layer key, row) or None.

    Canvas point layers (outfalls, dust sites) return the exact packed position of the point;
    GeoJSON layers (sections, plots) return their tooltip text, which contains the code.
    ``gcj``: the map showed GCJ-02-shifted positions (Amap basemap).
    """
    hit = _feature_at(lat, lng, tooltip, dataset or current_name(), gcj)
    if hit is None or scope is None:
        return hit
    key, row = hit  # a click (or a forged position) on a feature the user may not see selects nothing
    return hit if len(scoped_frame(scope, key, row.to_frame().T)) else None


def _feature_at(lat: float, lng: float, tooltip: str | None, dataset: str, gcj: bool):
    from gislib.geo.pointpack import snap_key

    for key in layer_keys(select_by="point"):
        idx = _point_keys(key, dataset, catalog_version(dataset=dataset), gcj).get(snap_key(lng, lat))
        if idx is not None:
            return key, styled_layer(key, None, "zh", dataset, EVERYTHING).iloc[idx]
    if tooltip:
        for key in layer_keys(select_by="tooltip"):
            gdf = styled_layer(key, None, "zh", dataset, EVERYTHING)
            for code in gdf["code"]:
                if code in tooltip:
                    return key, gdf[gdf["code"] == code].iloc[0]
    return None


@lru_cache(maxsize=8)
def _point_keys(key: str, dataset: str, version: str, gcj: bool) -> dict[tuple[int, int], int]:
    from gislib.geo.pointpack import MICRO

    gdf = styled_layer(key, None, "zh", dataset, EVERYTHING)
    if gcj:
        gdf = to_gcj02(gdf)
    lon = np.round(gdf.geometry.x.to_numpy() * MICRO).astype(np.int64)
    lat = np.round(gdf.geometry.y.to_numpy() * MICRO).astype(np.int64)
    return {(int(a), int(b)): i for i, (a, b) in enumerate(zip(lon, lat))}
