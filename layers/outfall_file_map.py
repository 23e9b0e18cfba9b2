"""layers.outfall_file_map: the static locator map of one outfall for the outfall file PDF.

Drawn with matplotlib in EPSG:3857: the offline basemap COG (read with rasterio, windowed),
the rivers, sections and outfalls through the layers' own ``draw_static`` (the ONE style
definition), a ring on the chosen outfall, a scale bar and the OpenStreetMap credit.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gislib.geo.basemap import SPECS
from gislib.dataset import current_name
from gislib.domain import DEMO_MARK, OSM_CREDIT
from gislib.safe_text import mathtext
from layers.mapview import styled_layer
from layers.registry import get_layer

CONTEXT_LAYERS = ("rivers", "sections", "outfalls")


def _basemap(ax, dataset: str, bounds: tuple[float, float, float, float], px: int) -> bool:
    """Draw the COG window ``bounds`` (EPSG:3857); False when the COG is missing."""
    import rasterio
    from rasterio.windows import from_bounds

    path = SPECS[dataset].cog_path
    if not path.exists():
        return False
    minx, miny, maxx, maxy = bounds
    with rasterio.open(path) as src:
        window = from_bounds(minx, miny, maxx, maxy, transform=src.transform)
        data = src.read((1, 2, 3), window=window, out_shape=(3, px, px), boundless=True, fill_value=232)
    ax.imshow(np.moveaxis(data, 0, -1), extent=(minx, maxx, miny, maxy), origin="upper", zorder=0,
              interpolation="bilinear")
    return True


def _scale_bar(ax, bounds: tuple[float, float, float, float], lat: float) -> None:
    """A scale bar of round length in the lower left (Web Mercator scale corrected by latitude)."""
    minx, miny, maxx, maxy = bounds
    scale = np.cos(np.radians(lat))
    ground = (maxx - minx) * scale
    length = next(v for v in (2000, 1000, 500, 200, 100, 50) if v <= ground / 4)
    x0, y0 = minx + (maxx - minx) * 0.05, miny + (maxy - miny) * 0.06
    ax.plot([x0, x0 + length / scale], [y0, y0], color="black", lw=3, solid_capstyle="butt", zorder=9)
    ax.text(x0, y0 + (maxy - miny) * 0.015, f"{length} m", fontsize=7, zorder=9)


def render_locator_png(record: dict[str, Any], out: str | Path, dataset: str | None = None,
                       half_size_m: float = 700.0, lang: str = "zh", px: int = 600) -> Path:
    """A square PNG (``px`` pixels) centred on the outfall, ``2 × half_size_m`` map metres wide."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pyproj import Transformer

    from gislib.reports.fonts import use_in_matplotlib

    use_in_matplotlib()
    dataset = dataset or current_name()
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(float(record["lon"]), float(record["lat"]))
    bounds = (x - half_size_m, y - half_size_m, x + half_size_m, y + half_size_m)
    dpi = 150
    fig = plt.figure(figsize=(px / dpi, px / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    _basemap(ax, dataset, bounds, px)
    for key in CONTEXT_LAYERS:
        styled = styled_layer(key, None, lang, dataset)
        if not styled.empty:
            get_layer(key).draw_static(ax, styled, lang)
    ax.scatter([x], [y], s=260, facecolors="none", edgecolors="#ff00aa", linewidths=2.5, zorder=10)
    ax.annotate(mathtext(f"{record['code']} {record.get('name') or ''}"), (x, y), xytext=(10, 12), textcoords="offset points",
                fontsize=8, zorder=11, bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#ff00aa", "alpha": 0.9})
    _scale_bar(ax, bounds, float(record["lat"]))
    credit = OSM_CREDIT.short + (f" · {DEMO_MARK}" if record.get("demo") else "")
    ax.text(0.99, 0.01, credit, transform=ax.transAxes, ha="right", va="bottom", fontsize=6.5, zorder=12,
            bbox={"boxstyle": "square,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.text(0.98, 0.97, "N↑", transform=ax.transAxes, ha="right", va="top", fontsize=9, zorder=12)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_axis_off()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out


def map_image_for(dataset: str | None = None, lang: str = "zh"):
    """A ``map_image(record, png_path)`` callback for :func:`gislib.reports.outfall_file.build_pdf`."""
    def draw(record: dict[str, Any], path: Path) -> Path | None:
        if record.get("lon") is None or record.get("lat") is None:
            return None
        return render_locator_png(record, path, dataset, lang=lang)
    return draw
