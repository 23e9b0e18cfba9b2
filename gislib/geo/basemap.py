"""gislib.geo.basemap: the offline basemap, rendered with rasterio from the OSM context.

The source of truth is a Cloud-Optimized GeoTIFF in EPSG:3857 (RGB, DEFLATE, internal overviews)
whose pixel grid is aligned with the web-map tile grid at its finest zoom. XYZ PNG tiles are cut
from that COG (reading its overviews for the coarser zooms) into ``static/tiles/<name>/`` so that
the app serves them itself: the browser never needs a tile server on the internet.

``python -m gislib basemap [--dataset putuo|city]`` (re)builds both.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gislib.dataset import GEO_DIR, REPO_ROOT

WEB_MERCATOR_HALF = 20037508.342789244
TILE = 256
TILES_DIR = REPO_ROOT / "static" / "tiles"

# Colours (RGB) of the basemap, close to the usual OSM palette so that it reads at a glance.
COLORS = {
    "outside": (232, 230, 225),
    "land": (246, 244, 239),
    "water": (170, 211, 223),
    "railway": (150, 150, 150),
    "boundary": (160, 100, 170),
    "unit": (200, 180, 205),
}
# Half-widths in metres of river lines by OSM class (the centre lines are buffered to these).
RIVER_HALF_WIDTH_M = {"river": 14.0, "canal": 7.0, "stream": 4.0, "drain": 2.5}


@dataclass(frozen=True)
class BasemapSpec:
    """Where a data set's basemap goes and at which zooms."""

    name: str
    max_zoom: int
    min_zoom: int
    margin_m: float

    @property
    def cog_path(self) -> Path:
        sub = GEO_DIR if self.name == "putuo" else GEO_DIR / self.name
        return sub / f"basemap_{self.name}.tif"

    @property
    def tiles_dir(self) -> Path:
        return TILES_DIR / self.name


SPECS = {
    "putuo": BasemapSpec("putuo", max_zoom=16, min_zoom=11, margin_m=1500.0),
    "city": BasemapSpec("city", max_zoom=13, min_zoom=8, margin_m=3000.0),
}


def tile_resolution(z: int) -> float:
    """Metres per pixel of web-map tiles at zoom ``z``."""
    return 2 * WEB_MERCATOR_HALF / (TILE * 2 ** z)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """EPSG:3857 bounds (minx, miny, maxx, maxy) of XYZ tile z/x/y."""
    size = 2 * WEB_MERCATOR_HALF / 2 ** z
    minx = -WEB_MERCATOR_HALF + x * size
    maxy = WEB_MERCATOR_HALF - y * size
    return minx, maxy - size, minx + size, maxy


def tiles_covering(bounds3857, z: int) -> list[tuple[int, int]]:
    """(x, y) of every tile at zoom ``z`` that intersects the EPSG:3857 bounds."""
    size = 2 * WEB_MERCATOR_HALF / 2 ** z
    minx, miny, maxx, maxy = bounds3857
    x0 = int(math.floor((minx + WEB_MERCATOR_HALF) / size))
    x1 = int(math.floor((maxx + WEB_MERCATOR_HALF) / size - 1e-9))
    y0 = int(math.floor((WEB_MERCATOR_HALF - maxy) / size))
    y1 = int(math.floor((WEB_MERCATOR_HALF - miny) / size - 1e-9))
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _aligned_grid(bounds3857, z: int):
    """Bounds snapped outward to the tile grid at zoom ``z``, with the pixel size."""
    tiles = tiles_covering(bounds3857, z)
    xs = [t[0] for t in tiles]
    ys = [t[1] for t in tiles]
    minx, _, _, maxy = tile_bounds(z, min(xs), min(ys))
    _, miny, maxx, _ = tile_bounds(z, max(xs), max(ys))
    return (minx, miny, maxx, maxy), tile_resolution(z)


def render_cog(dataset: str = "putuo", out: Path | None = None) -> Path:
    """Rasterize the data set's district, water, rivers and railways into an RGB COG."""
    import rasterio
    from rasterio.features import rasterize
    from rasterio.transform import from_origin

    from gislib.dataset import load_layer

    spec = SPECS[dataset]
    district = load_layer("district", dataset).to_crs(3857)
    units = load_layer("subdistricts", dataset).to_crs(3857)
    water = load_layer("water", dataset).to_crs(3857)
    rivers = load_layer("rivers", dataset).to_crs(3857)
    rail = load_layer("railways", dataset).to_crs(3857)
    area = district.buffer(spec.margin_m).total_bounds
    (minx, miny, maxx, maxy), res = _aligned_grid(area, spec.max_zoom)
    width, height = round((maxx - minx) / res), round((maxy - miny) / res)
    transform = from_origin(minx, maxy, res, res)
    # A scale factor turns ground metres into web-mercator metres at this latitude.
    lat = float(district.to_crs(4326).geometry.iloc[0].centroid.y)
    k = 1 / math.cos(math.radians(lat))
    code = np.zeros((height, width), dtype=np.uint8)  # 0 outside, 1 land, 2 water, 3 rail, 4 boundary, 5 unit

    def burn(geoms, value):
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if geoms:
            rasterize(geoms, out=code, transform=transform, default_value=value, all_touched=True)

    burn(district.geometry, 1)
    burn(water.geometry, 2)
    half = rivers["fclass"].map(RIVER_HALF_WIDTH_M).fillna(3.0).to_numpy() * k
    burn(rivers.geometry.buffer(np.maximum(half, res * 0.6)), 2)
    burn(units.boundary.buffer(res * 0.6), 5)
    burn(rail.geometry.buffer(max(2.0 * k, res * 0.5)), 3)
    burn(district.boundary.buffer(max(6.0 * k, res)), 4)
    palette = np.array([COLORS[c] for c in ("outside", "land", "water", "railway", "boundary", "unit")], np.uint8)
    rgb = palette[code].transpose(2, 0, 1)
    out = out or spec.cog_path
    out.parent.mkdir(parents=True, exist_ok=True)
    profile = dict(driver="COG", width=width, height=height, count=3, dtype="uint8", crs="EPSG:3857",
                   transform=transform, compress="DEFLATE", overview_resampling="average",
                   blocksize=512, BIGTIFF="IF_SAFER")
    tmp = out.with_suffix(".tmp.tif")
    with rasterio.open(tmp, "w", **profile) as dst:
        dst.write(rgb)
        dst.update_tags(source="OpenStreetMap contributors (ODbL) via Geofabrik; geoBoundaries (ODbL)",
                        dataset=dataset, max_zoom=str(spec.max_zoom))
    tmp.replace(out)
    return out


def render_tiles(dataset: str = "putuo", cog: Path | None = None, out_dir: Path | None = None,
                 progress=None) -> int:
    """Cut XYZ PNG tiles for every zoom of the spec from the COG; returns the number of tiles."""
    import rasterio
    from PIL import Image
    from rasterio.enums import Resampling
    from rasterio.windows import from_bounds

    spec = SPECS[dataset]
    cog = cog or spec.cog_path
    out_dir = out_dir or spec.tiles_dir
    fill = COLORS["outside"]
    count = 0
    with rasterio.open(cog) as src:
        jobs = [(z, x, y) for z in range(spec.min_zoom, spec.max_zoom + 1)
                for x, y in tiles_covering(src.bounds, z)]
        for i, (z, x, y) in enumerate(jobs):
            window = from_bounds(*tile_bounds(z, x, y), transform=src.transform)
            data = src.read(window=window, out_shape=(3, TILE, TILE), boundless=True, fill_value=0,
                            resampling=Resampling.average)
            mask = src.read_masks(1, window=window, out_shape=(TILE, TILE), boundless=True)
            img = np.where(mask[None] > 0, data, np.array(fill, np.uint8)[:, None, None])
            path = out_dir / str(z) / str(x) / f"{y}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(img.transpose(1, 2, 0)).quantize(32).save(path, optimize=True)
            count += 1
            if progress and i % 200 == 0:
                progress(f"tiles {i}/{len(jobs)}")
    (out_dir / "READY").write_text(f"{count} tiles from {cog.name}\n")
    return count


def tiles_ready(dataset: str) -> bool:
    """True when the data set's tiles have been cut (a marker file is written last)."""
    return (SPECS[dataset].tiles_dir / "READY").exists()


def build_basemap(dataset: str = "putuo", progress=print, force_cog: bool = False) -> Path:
    """Make sure the COG exists (render it if missing or forced) and cut its tiles."""
    t0 = time.perf_counter()
    spec = SPECS[dataset]
    if force_cog or not spec.cog_path.exists():
        progress(f"rendering basemap COG for {dataset}")
        render_cog(dataset)
    n = render_tiles(dataset, progress=progress)
    progress(f"basemap {dataset}: {spec.cog_path.name} and {n} tiles in {time.perf_counter() - t0:.1f} s")
    return spec.cog_path


def ensure_tiles(dataset: str) -> bool:
    """Cut the tiles from the committed COG when they are missing (first start of the app)."""
    if tiles_ready(dataset):
        return True
    if not SPECS[dataset].cog_path.exists():
        return False
    render_tiles(dataset)
    return True
