"""layers.snapshot: map snapshots and atlases from the registered layers.

Glue between :mod:`layers.registry` and :mod:`gislib.reports.snapshot`: each visible layer becomes a
drawable (``layer.draw_static``) and a legend group (``layer.legend``), both from
:func:`layers.mapview.styled_layer`, so the static map uses the same single style definition as
the interactive one. Atlases put one page per sub-district, river or outfall into one PDF.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import geopandas as gpd

from gislib.geo.basemap import SPECS
from gislib.dataset import current_name
from gislib.errors import NotFoundError, ValidationError
from gislib.i18n import t, term
from gislib.reports.snapshot import Bounds, LegendGroup, Locator, Page, PageSpec, bounds_to_3857, compose, to_pdf, to_png
from layers.base import Filters
from layers.mapview import styled_layer
from layers.registry import LAYERS, get_layer

DEFAULT_LAYERS = tuple(layer.key for layer in LAYERS if layer.default_on)
CONTEXT_LAYERS = ("subdistricts", "district", "rivers")
ATLAS_BY = ("subdistrict", "river", "outfall")
HIGHLIGHT = "#d7191c"  # the atlas page's own unit (not a layer style)
OUTFALL_PAGE_RADIUS_M = 600.0
ProgressFn = Callable[[int, int, str], None]  # (done, total, label)


def district_name(lang: str = "zh", dataset: str | None = None) -> str:
    """The district's display name, from the district profile (gislib.district: HETU_DISTRICT or the
    data set's): 上海市普陀区 / Putuo District, Shanghai; 上海市 / Shanghai."""
    from gislib.district import current_profile

    profile = current_profile(dataset or current_name())
    return profile.name if lang == "zh" else profile.name_en


def _in_bbox(gdf: gpd.GeoDataFrame, bbox4326: Bounds | None) -> gpd.GeoDataFrame:
    if bbox4326 is None or gdf.empty:
        return gdf
    minx, miny, maxx, maxy = bbox4326
    return gdf.cx[minx:maxx, miny:maxy].reset_index(drop=True)  # renderers may index per-row styles from 0


def layer_content(layers_on: Sequence[str], filters: Filters | None = None, lang: str = "zh",
                  bbox4326: Bounds | None = None, dataset: str | None = None,
                  context_filters: Filters | None = None) -> tuple[list[Callable], list[LegendGroup]]:
    """Drawables and legend groups of the visible layers, in registry (drawing) order.

    Features are clipped to ``bbox4326`` so the legend counts what the page shows. Context layers
    use ``context_filters`` when given (atlas pages keep neighbouring rivers and outlines).
    """
    unknown = [k for k in layers_on if k not in {layer.key for layer in LAYERS}]
    if unknown:
        raise ValidationError("error.snapshot_layers", "layers", unknown=unknown, layers=[layer.key for layer in LAYERS])
    drawables, legend = [], []
    for layer in LAYERS:
        if layer.key not in layers_on:
            continue
        f = context_filters if (context_filters is not None and layer.key in CONTEXT_LAYERS) else filters
        styled = _in_bbox(styled_layer(layer.key, f, lang, dataset), bbox4326)
        if styled.empty:
            continue
        drawables.append(lambda ax, layer=layer, styled=styled: layer.draw_static(ax, styled, lang))
        title = layer.title(lang) + (t("maplayer.demo_suffix", lang) if layer.demo else "")
        legend.append(LegendGroup(title, tuple(layer.legend(styled, lang))))
    return drawables, legend[::-1]  # legend: top-most layer first


def district_bounds(dataset: str | None = None) -> Bounds:
    """Lon/lat bounds of the district."""
    return tuple(styled_layer("district", None, "zh", dataset).total_bounds)


def locator_for(dataset: str | None = None, lang: str = "zh") -> Locator:
    """A locator showing the whole district with its sub-district outlines."""
    draws = []
    for key in ("subdistricts", "district"):
        layer, styled = get_layer(key), styled_layer(key, None, lang, dataset)
        if key == "subdistricts":  # outlines only: names would clutter the small inset
            draws.append(lambda ax, s=styled: s.to_crs(3857).boundary.plot(ax=ax, color="#a064aa", linewidth=0.4))
        else:
            draws.append(lambda ax, layer=layer, s=styled: layer.draw_static(ax, s, lang))
    return Locator(bounds_to_3857(district_bounds(dataset)), tuple(draws))


def _basemap(dataset: str | None):
    """The data set's basemap COG (None when the data set has no basemap spec)."""
    spec = SPECS.get(dataset or current_name())
    return spec.cog_path if spec else None


def snapshot_page(layers_on: Sequence[str] | None = None, filters: Filters | None = None,
                  bbox4326: Bounds | None = None, title: str | None = None, subtitle: str = "",
                  paper: str = "A4", orientation: str = "landscape", dpi: int = 200, inset: bool = False,
                  lang: str = "zh", dataset: str | None = None, date: str | None = None) -> Page:
    """One composed page of the current view: extent, visible layers and filters."""
    dataset = dataset or current_name()
    layers_on = tuple(layers_on or DEFAULT_LAYERS)
    bbox = tuple(bbox4326) if bbox4326 else district_bounds(dataset)
    drawables, legend = layer_content(layers_on, filters, lang, bbox, dataset)
    spec = PageSpec(title=title or t("snapshot.snapshot", lang, district=district_name(lang, dataset)),
                    subtitle=subtitle or filter_summary(filters, lang), paper=paper, orientation=orientation,
                    dpi=dpi, lang=lang, basemap=_basemap(dataset))
    if date:
        spec = replace(spec, date=date)
    return compose(drawables, legend, bounds_to_3857(bbox), spec, locator_for(dataset, lang) if inset else None)


def snapshot(fmt: str = "png", **kwargs) -> bytes:
    """PNG or PDF bytes of :func:`snapshot_page` (same keyword arguments)."""
    page = snapshot_page(**kwargs)
    if fmt == "png":
        return to_png(page)
    if fmt == "pdf":
        return to_pdf([page], title=page.figure.texts[0].get_text().replace(r"\$", "$"))  # the PDF title: as typed
    raise ValidationError("error.snapshot_format", "format", fmt=fmt)


def filter_summary(filters: Filters | None, lang: str = "zh") -> str:
    """A one-line description of the active filters for the subtitle ('' when none)."""
    if not filters:
        return ""
    parts = []
    for attr in ("subdistricts", "rivers", "outfall_types", "outfall_states"):
        values = getattr(filters, attr)
        if values:
            shown = "、".join(values) if lang == "zh" else ", ".join(term(v, lang) for v in values)
            parts.append(f"{t('maplayer.filter.' + attr, lang)}: {shown}")
    return t("maplayer.filters", lang) + "；".join(parts) if parts else ""


# --- atlas ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AtlasItem:
    """One atlas page: its title, extent, filters and highlighted geometry (EPSG:4326)."""

    code: str
    title: str
    subtitle: str
    bbox4326: Bounds
    filters: Filters
    highlight: object  # GeoSeries in EPSG:4326


def _pad_bbox(b: Bounds, frac: float = 0.08, min_deg: float = 0.004) -> Bounds:
    dx = max((b[2] - b[0]) * frac, min_deg)
    dy = max((b[3] - b[1]) * frac, min_deg)
    return b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy


def atlas_codes(by: str, dataset: str | None = None) -> list[str]:
    """What an atlas ``by`` pages through when no codes are given."""
    if by == "subdistrict":
        return sorted(styled_layer("subdistricts", None, "zh", dataset)["name"])
    if by == "river":
        rivers = set(styled_layer("rivers", None, "zh", dataset)["name"]) - {""}
        used = set(styled_layer("outfalls", None, "zh", dataset)["river"]) - {""}
        return sorted(rivers & used)
    if by == "outfall":
        raise ValidationError("error.atlas_needs_codes", "codes")
    raise ValidationError("error.atlas_by", "by", by=by, choices=list(ATLAS_BY))


def atlas_items(by: str, codes: Sequence[str] | None = None, lang: str = "zh",
                dataset: str | None = None) -> list[AtlasItem]:
    """The pages of an atlas, in the order of ``codes`` (all units when empty)."""
    if by not in ATLAS_BY:
        raise ValidationError("error.atlas_by", "by", by=by, choices=list(ATLAS_BY))
    codes = list(codes) if codes else atlas_codes(by, dataset)
    items: list[AtlasItem] = []
    if by == "subdistrict":
        units = styled_layer("subdistricts", None, lang, dataset)
        for name in codes:
            hit = units[units["name"] == name]
            if hit.empty:
                raise NotFoundError("error.atlas_no_subdistrict", name=name, choices=sorted(units["name"]))
            items.append(AtlasItem(name, t("snapshot.subdistrict", lang, name=name), district_name(lang, dataset),
                                   _pad_bbox(tuple(hit.total_bounds)), Filters(subdistricts=(name,)), hit.geometry))
    elif by == "river":
        rivers = styled_layer("rivers", None, lang, dataset)
        outfalls = styled_layer("outfalls", None, lang, dataset)
        for name in codes:
            lines = rivers[(rivers["name"] == name) & (rivers["_kind"] == "line")]
            pts = outfalls[outfalls["river"] == name]
            if lines.empty and pts.empty:
                raise NotFoundError("error.atlas_no_river", name=name)
            both = gpd.GeoSeries(list(lines.geometry) + list(pts.geometry), crs="EPSG:4326")
            items.append(AtlasItem(name, t("snapshot.river", lang, name=name), district_name(lang, dataset),
                                   _pad_bbox(tuple(both.total_bounds)), Filters(rivers=(name,)), lines.geometry))
    else:
        outfalls = styled_layer("outfalls", None, lang, dataset)
        for code in codes:
            hit = outfalls[outfalls["code"] == code]
            if hit.empty:
                raise NotFoundError("error.atlas_no_outfall", code=code)
            row = hit.iloc[0]
            box = gpd.GeoSeries(hit.geometry, crs="EPSG:4326").to_crs(3857).buffer(OUTFALL_PAGE_RADIUS_M)
            sub = " · ".join(str(v) for v in (row.get("type_l2"), row.get("state"), row.get("river"),
                                               row.get("subdistrict")) if v)
            items.append(AtlasItem(code, t("snapshot.outfall", lang, code=code, name=row["name"]), sub,
                                   tuple(box.to_crs(4326).total_bounds), Filters(), hit.geometry))
    return items


def _highlight_drawable(item: AtlasItem, by: str) -> Callable:
    def draw(ax):
        geoms = gpd.GeoSeries(item.highlight, crs="EPSG:4326").to_crs(3857)
        if by == "subdistrict":
            geoms.boundary.plot(ax=ax, color=HIGHLIGHT, linewidth=2.2, zorder=10)
        elif by == "river":
            geoms.plot(ax=ax, color=HIGHLIGHT, linewidth=2.5, alpha=0.55, zorder=3.5)
        else:
            ax.scatter(geoms.x, geoms.y, s=260, facecolors="none", edgecolors=HIGHLIGHT, linewidths=2.2, zorder=10)
    return draw


def atlas_pages(by: str, codes: Sequence[str] | None = None, layers_on: Sequence[str] | None = None,
                paper: str = "A4", orientation: str = "landscape", dpi: int = 150, inset: bool = True,
                lang: str = "zh", dataset: str | None = None, progress: ProgressFn | None = None,
                filters: Filters | None = None):
    """Composed atlas pages, one per unit (a generator, so memory stays flat).

    ``filters``: outfall type/state filters of the map view, applied on every page as well.
    """
    dataset = dataset or current_name()
    items = atlas_items(by, codes, lang, dataset)
    layers_on = tuple(layers_on or DEFAULT_LAYERS)
    locator = locator_for(dataset, lang) if inset else None
    for i, item in enumerate(items):
        record_filters = replace(item.filters, outfall_types=filters.outfall_types,
                                 outfall_states=filters.outfall_states) if filters else item.filters
        drawables, legend = layer_content(layers_on, record_filters, lang, item.bbox4326, dataset,
                                          context_filters=Filters())
        drawables.append(_highlight_drawable(item, by))
        spec = PageSpec(title=item.title, subtitle=item.subtitle, paper=paper, orientation=orientation, dpi=dpi,
                        lang=lang, basemap=_basemap(dataset))
        page = compose(drawables, legend, bounds_to_3857(item.bbox4326), spec, locator)
        yield page
        if progress:
            progress(i + 1, len(items), item.code)


def atlas(by: str, codes: Sequence[str] | None = None, progress: ProgressFn | None = None, **kwargs) -> bytes:
    """One multi-page PDF with a page per unit; ``progress(done, total, label)`` after each page."""
    lang = kwargs.get("lang", "zh")
    title = t("snapshot.atlas", lang, district=district_name(lang, kwargs.get("dataset")),
                  by=t("snapshot.by." + by, lang) if by in ATLAS_BY else by)
    return to_pdf(atlas_pages(by, codes, progress=progress, **kwargs), title=title)
