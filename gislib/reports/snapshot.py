"""gislib.reports.snapshot: publication-quality map pages (PNG or PDF) composed with matplotlib.

Layer-agnostic: the caller hands over *drawables* (callables ``draw(ax)`` that draw on an axis
whose data coordinates are EPSG:3857 metres) and legend groups; this module lays out the page:
title, subtitle and date, the map frame over the offline basemap (read from the COG through its
overviews), the legend, a metric scale bar corrected for Web-Mercator scale at the map's
latitude, a north arrow, the CRS note, the data credits (© OpenStreetMap contributors, ODbL;
geoBoundaries), the 示例数据 mark and an optional locator inset.

Text uses the bundled CJK font (:mod:`gislib.reports.fonts`) and PDFs embed it as TrueType/CID text
(``pdf.fonttype = 42``), so titles and legends stay searchable and selectable.
"""
from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gislib.domain import DEMO_MARK, GEOBOUNDARIES_CREDIT, OSM_CREDIT
from gislib.errors import ExportError, ValidationError
from gislib.i18n import LANGS, t
from gislib.safe_text import mathtext

Drawable = Callable[[object], None]  # draw(ax) in EPSG:3857
Bounds = tuple[float, float, float, float]

PAPER_MM = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}  # landscape width, height
ORIENTATIONS = ("landscape", "portrait")
FORMATS = ("png", "pdf")
DPI_RANGE = (50, 600)
MM = 1 / 25.4
OUTSIDE_RGB = (232, 230, 225)  # the basemap's "outside" colour (gislib.geo.basemap.COLORS)
FRAME_COLOR = "#333333"
EARTH_R = 6378137.0


@dataclass(frozen=True)
class LegendGroup:
    """The legend rows of one layer: a heading and entries with ``label``, ``color``, ``symbol``, ``count``.

    Entries are duck-typed (``layers.base.LegendEntry`` fits), so this module does not import layers.
    """

    title: str
    entries: tuple = ()


@dataclass(frozen=True)
class Locator:
    """The locator inset: an overview extent, what to draw in it, and the box of the main map."""

    bounds3857: Bounds
    drawables: tuple = ()


@dataclass(frozen=True)
class PageSpec:
    """Everything about a page that is not map content."""

    title: str
    subtitle: str = ""
    date: str = field(default_factory=lambda: dt.date.today().isoformat())
    paper: str = "A4"
    orientation: str = "landscape"
    dpi: int = 200
    lang: str = "zh"
    credits: tuple[str, ...] = (OSM_CREDIT.short, GEOBOUNDARIES_CREDIT.short)
    demo_mark: str | None = DEMO_MARK
    basemap: Path | None = None  # COG in EPSG:3857; None: plain background

    def validate(self) -> None:
        """Raise ValidationError naming the bad option and the allowed values."""
        if self.paper not in PAPER_MM:
            raise ValidationError("error.paper", "paper", paper=self.paper, choices=sorted(PAPER_MM))
        if self.orientation not in ORIENTATIONS:
            raise ValidationError("error.orientation", "orientation", value=self.orientation)
        if not DPI_RANGE[0] <= int(self.dpi) <= DPI_RANGE[1]:
            raise ValidationError("error.dpi", "dpi", dpi=self.dpi, low=DPI_RANGE[0], high=DPI_RANGE[1])

    @property
    def size_in(self) -> tuple[float, float]:
        """Page width and height in inches."""
        w, h = PAPER_MM[self.paper]
        if self.orientation == "portrait":
            w, h = h, w
        return w * MM, h * MM


@dataclass
class Page:
    """A composed page: the figure plus what went into it (for tests and reports)."""

    figure: object
    map_bounds3857: Bounds
    legend: list[LegendGroup]
    scale_bar_m: float
    map_axes_box: tuple[float, float, float, float]  # figure fraction: left, bottom, width, height


# --- geometry helpers ---------------------------------------------------------------------------

def lonlat_to_3857(lon: float, lat: float) -> tuple[float, float]:
    """Web-Mercator metres of a WGS84 position."""
    x = math.radians(lon) * EARTH_R
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * EARTH_R
    return x, y


def bounds_to_3857(bounds4326: Bounds) -> Bounds:
    """EPSG:3857 bounds of a lon/lat box."""
    minx, miny = lonlat_to_3857(bounds4326[0], bounds4326[1])
    maxx, maxy = lonlat_to_3857(bounds4326[2], bounds4326[3])
    return minx, miny, maxx, maxy


def latitude_of(y3857: float) -> float:
    """Latitude in degrees of a Web-Mercator northing."""
    return math.degrees(2 * math.atan(math.exp(y3857 / EARTH_R)) - math.pi / 2)


def fit_bounds(bounds: Bounds, aspect: float, pad: float = 0.04) -> Bounds:
    """``bounds`` padded by ``pad`` and widened in one direction to the frame's width/height ``aspect``."""
    minx, miny, maxx, maxy = bounds
    if not (maxx > minx and maxy > miny):
        raise ValidationError("error.extent_empty", "bbox", bounds=repr(bounds))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w, h = (maxx - minx) * (1 + 2 * pad), (maxy - miny) * (1 + 2 * pad)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def bounds_to_4326(bounds3857: Bounds) -> Bounds:
    """(minlon, minlat, maxlon, maxlat) of Web-Mercator bounds."""
    minx, miny, maxx, maxy = bounds3857
    to_lon = 180.0 / (math.pi * EARTH_R)
    return minx * to_lon, latitude_of(miny), maxx * to_lon, latitude_of(maxy)


def extent_text(bounds3857: Bounds) -> str:
    """The map frame's extent in degrees, as printed in the footer and stored in the file's metadata."""
    return "{:.5f},{:.5f},{:.5f},{:.5f}".format(*bounds_to_4326(bounds3857))


def nice_length(max_m: float) -> float:
    """The largest 1-2-5 × 10ⁿ length (metres) not above ``max_m``."""
    if max_m <= 0:
        raise ValidationError("error.scale_bar_width", "bbox")
    exp = math.floor(math.log10(max_m))
    for step in (5, 2, 1):
        if step * 10 ** exp <= max_m:
            return float(step * 10 ** exp)
    return float(10 ** exp)


def scale_bar_length(bounds3857: Bounds, fraction: float = 0.25) -> tuple[float, float]:
    """(ground metres, map units) of a round scale bar about ``fraction`` of the frame width.

    Web-Mercator stretches distances by 1/cos(latitude); the bar is computed at the frame's
    centre latitude, so its label is true ground distance there.
    """
    minx, miny, maxx, maxy = bounds3857
    k = math.cos(math.radians(latitude_of((miny + maxy) / 2)))
    ground = nice_length((maxx - minx) * k * fraction)
    return ground, ground / k


def format_length(metres: float) -> str:
    """'500 m' or '2 km'."""
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


# --- basemap ------------------------------------------------------------------------------------

def read_basemap(cog: Path, bounds3857: Bounds, width_px: int, height_px: int) -> np.ndarray:
    """RGB array (h, w, 3) of the COG over ``bounds3857``, read at the needed resolution.

    GDAL picks the matching overview for a decimated read, so a district page never reads the
    full-resolution raster. Pixels outside the COG get the basemap's "outside" colour.
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import from_bounds

    try:
        src = rasterio.open(cog)
    except rasterio.errors.RasterioIOError as exc:
        raise ExportError("error.basemap_unreadable", path=cog, detail=exc) from exc
    with src:
        window = from_bounds(*bounds3857, transform=src.transform)
        shape = (max(1, int(height_px)), max(1, int(width_px)))
        data = src.read((1, 2, 3), window=window, out_shape=(3, *shape), boundless=True, fill_value=0,
                        resampling=Resampling.average)
        mask = src.read_masks(1, window=window, out_shape=shape, boundless=True)
    rgb = data.transpose(1, 2, 0)
    rgb[mask == 0] = OUTSIDE_RGB
    return rgb


def _draw_basemap(ax, cog: Path | None, bounds: Bounds, px_w: int, px_h: int) -> None:
    minx, miny, maxx, maxy = bounds
    if cog is None or not Path(cog).exists():
        ax.set_facecolor(tuple(c / 255 for c in OUTSIDE_RGB))
        return
    img = read_basemap(Path(cog), bounds, px_w, px_h)
    ax.imshow(img, extent=(minx, maxx, miny, maxy), origin="upper", interpolation="bilinear", zorder=0)


# --- page furniture -----------------------------------------------------------------------------

def _draw_scale_bar(ax, bounds: Bounds) -> float:
    """A two-segment black/white bar at the bottom left of the map; returns its ground length."""
    from matplotlib.patches import Rectangle

    minx, miny, maxx, maxy = bounds
    ground, units = scale_bar_length(bounds)
    w, h = maxx - minx, maxy - miny
    x0, y0, bar_h = minx + 0.03 * w, miny + 0.04 * h, 0.012 * h
    ax.add_patch(Rectangle((x0 - 0.01 * w, y0 - 0.028 * h), units + 0.05 * w, 0.075 * h, facecolor="white",
                           edgecolor="none", alpha=0.8, zorder=20))
    half = units / 2
    for i, color in enumerate(("black", "white")):
        ax.add_patch(Rectangle((x0 + i * half, y0), half, bar_h, facecolor=color, edgecolor="black",
                               linewidth=0.6, zorder=21))
    for xpos, text in ((x0, "0"), (x0 + half, format_length(ground / 2).split()[0]),
                       (x0 + units, format_length(ground))):
        ax.text(xpos, y0 + bar_h * 1.6, text, ha="center", va="bottom", fontsize=6.5, zorder=22)
    return ground


def _draw_north_arrow(ax, lang: str) -> None:
    """A north arrow in the top-right corner (north is up in EPSG:3857)."""
    from matplotlib.patches import Polygon

    cx, top = 0.955, 0.955
    ax.add_patch(Polygon([(cx, top), (cx - 0.018, top - 0.075), (cx, top - 0.06)], closed=True,
                         transform=ax.transAxes, facecolor="black", edgecolor="black", linewidth=0.6, zorder=21))
    ax.add_patch(Polygon([(cx, top), (cx + 0.018, top - 0.075), (cx, top - 0.06)], closed=True,
                         transform=ax.transAxes, facecolor="white", edgecolor="black", linewidth=0.6, zorder=21))
    ax.text(cx, top - 0.085, t("snapshot.north", lang), transform=ax.transAxes, ha="center", va="top",
            fontsize=9, fontweight="bold", zorder=22,  # a box, not a path effect: PDF text stays text
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.75})


def _symbol(ax, x: float, y: float, entry, size_pt: float, sx: float, sy: float) -> None:
    """One legend symbol centred at axes-fraction (x, y); ``sx``/``sy`` are one inch in axes fractions."""
    from matplotlib.patches import Rectangle

    symbol, color = getattr(entry, "symbol", "circle"), getattr(entry, "color", "#888888")
    tf = ax.transAxes
    markers = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D"}
    if symbol in markers:
        ax.plot([x], [y], marker=markers[symbol], markersize=size_pt, color=color, markeredgecolor="#333333",
                markeredgewidth=0.4, transform=tf, linestyle="none")
    elif symbol == "ring":
        ax.plot([x], [y], marker="o", markersize=size_pt, markerfacecolor=color, markeredgecolor="#222222",
                markeredgewidth=1.2, transform=tf, linestyle="none")
    elif symbol == "line":
        ax.plot([x - 0.1 * sx, x + 0.1 * sx], [y, y], color=color, linewidth=2, transform=tf)
    elif symbol in ("fill", "outline"):
        ax.add_patch(Rectangle((x - 0.09 * sx, y - 0.04 * sy), 0.18 * sx, 0.08 * sy, transform=tf,
                               facecolor=color if symbol == "fill" else "none", edgecolor=color,
                               linewidth=1.2, alpha=0.8 if symbol == "fill" else 1.0))
    else:
        ax.plot([x], [y], marker="o", markersize=size_pt, color=color, transform=tf, linestyle="none")


def _em(text: str) -> float:
    """Approximate width of ``text`` in ems (CJK full width, Latin about half)."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.56 for c in text)


def _row_text(kind: str, item) -> str:
    if kind == "head":
        return item
    count = getattr(item, "count", None)
    return item.label + (f" ({count})" if count is not None else "")


def _legend_grid(rows: list[tuple[str, object]], width_in: float, height_in: float) -> tuple[int, float]:
    """(columns, font size in pt) that give the largest legible legend text in the box."""
    best = (1, 0.0)
    for cols in range(1, max(1, int(width_in // 1.2)) + 1):
        step_in = height_in / math.ceil(len(rows) / cols)
        by_height = step_in * 72 * 0.62
        col_in = width_in / cols - 0.08
        by_width = min((col_in - (0.0 if kind == "head" else 0.3)) * 72
                       / (_em(_row_text(kind, item)) * (1.05 if kind == "head" else 0.92))
                       for kind, item in rows)
        font = min(8.5, by_height, by_width)
        if font > best[1] + 0.05:
            best = (cols, font)
    return best[0], max(4.5, best[1])


def _draw_legend(ax, groups: Sequence[LegendGroup], lang: str, width_in: float, height_in: float) -> None:
    """Headings and rows of the visible layers, in one or two columns to fit the box."""
    ax.set_axis_off()
    rows: list[tuple[str, object]] = []
    for g in groups:
        if not g.entries:
            continue
        if len(g.entries) == 1 and g.entries[0].label == g.title.split(" · ")[0]:
            rows.append(("row", g.entries[0]))  # a one-row layer is its own heading
            continue
        rows.append(("head", g.title))
        rows.extend(("row", e) for e in g.entries)
    ax.text(0.0, 1.0, t("snapshot.legend", lang), fontsize=11, fontweight="bold", va="top", transform=ax.transAxes)
    if not rows:
        return
    usable = 1.0 - 0.07
    cols, font = _legend_grid(rows, width_in, height_in * usable)
    step_in = min(height_in * usable / math.ceil(len(rows) / cols), 0.22)
    step = step_in / height_in
    per_col = math.ceil(len(rows) / cols)
    for i, (kind, item) in enumerate(rows):
        col, r = divmod(i, per_col)
        x0 = col * (1.0 / cols)
        y = 1.0 - 0.07 - (r + 0.5) * step
        if kind == "head":
            ax.text(x0, y, item, fontsize=font, fontweight="bold", va="center", transform=ax.transAxes)
            continue
        sx, sy = 1 / width_in, 1 / height_in
        _symbol(ax, x0 + 0.14 * sx, y, item, size_pt=font * 0.8, sx=sx, sy=sy)
        ax.text(x0 + 0.3 * sx, y, _row_text(kind, item), fontsize=font * 0.92, va="center", transform=ax.transAxes)


def _plain_frame(ax, bounds: Bounds) -> None:
    """Fix the extent and drop ticks and the axis labels that GeoPandas plotting adds."""
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def _draw_locator(ax, locator: Locator, main: Bounds, cog: Path | None, dpi: int, lang: str) -> None:
    """The overview with a red box around the main map's extent."""
    from matplotlib.patches import Rectangle

    fig = ax.figure
    bbox = ax.get_position()
    w_in, h_in = bbox.width * fig.get_figwidth(), bbox.height * fig.get_figheight()
    bounds = fit_bounds(locator.bounds3857, w_in / h_in, pad=0.03)
    _draw_basemap(ax, cog, bounds, int(w_in * min(dpi, 150)), int(h_in * min(dpi, 150)))
    for draw in locator.drawables:
        draw(ax)
    ax.add_patch(Rectangle((main[0], main[1]), main[2] - main[0], main[3] - main[1], facecolor="none",
                           edgecolor="#d7191c", linewidth=1.2, zorder=30))
    _plain_frame(ax, bounds)
    ax.set_title(t("snapshot.locator", lang), fontsize=7, pad=2)
    for spine in ax.spines.values():
        spine.set_edgecolor(FRAME_COLOR)
        spine.set_linewidth(0.6)


def _layout(spec: PageSpec, inset: bool) -> dict[str, tuple[float, float, float, float]]:
    """Axes boxes (figure fractions) for map, legend, locator and footer, by orientation."""
    W, H = spec.size_in
    m = 10 * MM  # outer margin
    title_h = 0.75 if spec.subtitle else 0.55
    foot_h = 0.45
    fx, fy = m / W, m / H
    top = 1 - (m + title_h) / H
    bottom = (m + foot_h) / H
    boxes: dict[str, tuple[float, float, float, float]] = {}
    if spec.orientation == "landscape":
        side_w = 0.24 * W
        map_w = (W - 2 * m - side_w - 6 * MM) / W
        boxes["map"] = (fx, bottom, map_w, top - bottom)
        sx = fx + map_w + 6 * MM / W
        sw = side_w / W
        loc_h = (sw * W * 0.8) / H if inset else 0.0
        if inset:
            boxes["locator"] = (sx, top - loc_h, sw, loc_h)
        gap = 8 * MM / H if inset else 0
        boxes["legend"] = (sx, bottom, sw, top - loc_h - gap - bottom)
    else:
        legend_h = 0.26 * H
        map_bottom = bottom + (legend_h + 4 * MM) / H
        boxes["map"] = (fx, map_bottom, 1 - 2 * fx, top - map_bottom)
        if inset:
            loc_w = 0.30
            boxes["locator"] = (1 - fx - loc_w, bottom + 0.01, loc_w, legend_h / H - 0.02)
            boxes["legend"] = (fx, bottom, 1 - 2 * fx - loc_w - 0.03, legend_h / H)
        else:
            boxes["legend"] = (fx, bottom, 1 - 2 * fx, legend_h / H)
    boxes["footer"] = (fx, fy, 1 - 2 * fx, foot_h / H)
    return boxes


def compose(drawables: Iterable[Drawable], legend: Sequence[LegendGroup], bounds3857: Bounds, spec: PageSpec,
            locator: Locator | None = None) -> Page:
    """Lay out one page and return it (not yet saved; see :func:`to_png` and :func:`to_pdf`)."""
    spec.validate()
    with _rc():
        return _compose(list(drawables), legend, bounds3857, spec, locator)


def _compose(drawables: list[Drawable], legend: Sequence[LegendGroup], bounds3857: Bounds, spec: PageSpec,
             locator: Locator | None) -> Page:
    from matplotlib.figure import Figure

    lang = spec.lang if spec.lang in LANGS else "zh"
    W, H = spec.size_in
    fig = Figure(figsize=(W, H), dpi=spec.dpi)
    fig.patch.set_facecolor("white")
    boxes = _layout(spec, locator is not None)

    # title block
    m = 10 * MM
    fig.text(m / W, 1 - m / H, mathtext(spec.title), fontsize=18, fontweight="bold", va="top", ha="left")
    if spec.subtitle:
        fig.text(m / W, 1 - (m + 0.36) / H, mathtext(spec.subtitle), fontsize=10.5, va="top", ha="left", color="#333333")
    right = f"{t('snapshot.date', lang)}: {spec.date}"
    if spec.demo_mark:
        right += f"   【{spec.demo_mark}】"
    fig.text(1 - m / W, 1 - m / H, right, fontsize=9, va="top", ha="right", color="#333333")

    # map frame
    ax = fig.add_axes(boxes["map"])
    l, b, w, h = boxes["map"]
    w_in, h_in = w * W, h * H
    bounds = fit_bounds(bounds3857, w_in / h_in, pad=0.0)
    basemap_dpi = min(spec.dpi, 200)
    _draw_basemap(ax, spec.basemap, bounds, int(w_in * basemap_dpi), int(h_in * basemap_dpi))
    for draw in drawables:
        draw(ax)
    for label in ax.texts:  # feature labels never spill over the frame onto the legend
        label.set_clip_on(True)
    _plain_frame(ax, bounds)
    ax.set_aspect("equal", adjustable="box")
    for spine in ax.spines.values():
        spine.set_edgecolor(FRAME_COLOR)
        spine.set_linewidth(0.9)
    ground = _draw_scale_bar(ax, bounds)
    _draw_north_arrow(ax, lang)

    # legend, locator
    lax = fig.add_axes(boxes["legend"])
    _draw_legend(lax, legend, lang, boxes["legend"][2] * W, boxes["legend"][3] * H)
    if locator is not None:
        _draw_locator(fig.add_axes(boxes["locator"]), locator, bounds, spec.basemap, spec.dpi, lang)

    # footer: CRS and scale note, credits
    fl, fb, fw, fh = boxes["footer"]
    lat = latitude_of((bounds[1] + bounds[3]) / 2)
    sep = t("snapshot.sep", lang)
    w, s_, e, n = bounds_to_4326(bounds)
    fig.text(fl, fb + fh * 0.62, f"{t('snapshot.crs', lang)}{sep}{t('snapshot.scale_note', lang, lat=lat)}{sep}"
             f"{t('snapshot.extent', lang)} {w:.5f}–{e:.5f}°E, {s_:.5f}–{n:.5f}°N",
             fontsize=6.5, color="#333333", va="center")
    fig.text(fl, fb + fh * 0.18, f"{t('snapshot.credits', lang)}: " + " · ".join(spec.credits),
             fontsize=6.5, color="#333333", va="center")
    return Page(fig, bounds, list(legend), ground, boxes["map"])


# --- output -------------------------------------------------------------------------------------

def _rc():
    """Matplotlib settings of every page: the bundled CJK font, text kept as text in PDFs."""
    import matplotlib

    from gislib.reports.fonts import use_in_matplotlib

    family = use_in_matplotlib()
    return matplotlib.rc_context({"font.family": family, "axes.unicode_minus": False,
                                  "pdf.fonttype": 42, "ps.fonttype": 42})


def to_png(page: Page, dpi: int | None = None) -> bytes:
    """The page as PNG bytes at its DPI (or ``dpi``)."""
    buf = io.BytesIO()
    with _rc():
        page.figure.savefig(buf, format="png", dpi=dpi or page.figure.dpi, facecolor="white",
                            metadata={"Software": "Hetu 河图", "Hetu-Extent-EPSG4326": extent_text(page.map_bounds3857)})
    return buf.getvalue()


def to_pdf(pages: Iterable[Page], title: str = "", progress: Callable[[int], None] | None = None) -> bytes:
    """One PDF with a page per item; text embedded as selectable text (font type 42)."""
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    extents = []  # each page's map extent, kept in the PDF's Keywords for tools and tests
    with _rc(), PdfPages(buf, metadata={"Title": title, "Creator": "Hetu 河图"}) as pdf:
        for i, page in enumerate(pages):
            extents.append(extent_text(page.map_bounds3857))
            pdf.infodict()["Keywords"] = "extent-epsg4326=" + ";".join(extents)
            pdf.savefig(page.figure, facecolor="white")
            page.figure.clear()
            if progress:
                progress(i + 1)
    return buf.getvalue()


def write(data: bytes, out: Path) -> Path:
    """Write ``data`` to ``out`` (parent folders created)."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise ExportError("error.write_path", path=out, detail=exc) from exc
    return out


def format_of(path: str | Path) -> str:
    """'png' or 'pdf' from a file name; a clear error otherwise."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValidationError("error.map_format", "out", path=path, suffix=suffix)
    return suffix
