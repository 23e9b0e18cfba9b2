"""gislib.geo.basemap: the offline basemap, rendered with rasterio from the OSM context.

The source of truth is a Cloud-Optimized GeoTIFF in EPSG:3857 (RGB, DEFLATE, internal overviews)
whose pixel grid is aligned with the web-map tile grid at its finest zoom. XYZ PNG tiles are cut
from that COG (reading its overviews for the coarser zooms) into ``static/tiles/<name>/`` so that
the app serves them itself: the browser never needs a tile server on the internet.

``python -m gislib basemap [--dataset putuo|city]`` (re)builds both.
"""
from __future__ import annotations

import math
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

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
    max_zoom: int  # the COG's native zoom (its pixel grid)
    min_zoom: int
    margin_m: float
    vector_zoom: int | None = None  # one more level rasterized straight from the vectors (sharp above max_zoom)

    @property
    def top_zoom(self) -> int:
        """The deepest zoom with real tiles (Leaflet's maxNativeZoom)."""
        return self.vector_zoom or self.max_zoom

    @property
    def cog_path(self) -> Path:
        sub = GEO_DIR if self.name == "putuo" else GEO_DIR / self.name
        return sub / f"basemap_{self.name}.tif"

    @property
    def tiles_dir(self) -> Path:
        return TILES_DIR / self.name


SPECS = {
    "putuo": BasemapSpec("putuo", max_zoom=16, min_zoom=11, margin_m=1500.0, vector_zoom=17),
    "city": BasemapSpec("city", max_zoom=13, min_zoom=8, margin_m=3000.0),
}
SPECS["basin"] = SPECS["city"]  # the basin set lies on the city's waterways: one basemap for both


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


def _context_shapes(dataset: str, res: float) -> list[tuple[object, int]]:
    """(EPSG:3857 GeoSeries, code) to burn in order for a raster of ``res`` metres per pixel: the district,
    water, rivers buffered to their width, sub-district lines, railways, the district boundary last."""
    from gislib.dataset import load_layer

    district = load_layer("district", dataset).to_crs(3857)
    units = load_layer("subdistricts", dataset).to_crs(3857)
    rivers = load_layer("rivers", dataset).to_crs(3857)
    # A scale factor turns ground metres into web-mercator metres at this latitude.
    lat = float(district.to_crs(4326).geometry.iloc[0].centroid.y)
    k = 1 / math.cos(math.radians(lat))
    half = rivers["fclass"].map(RIVER_HALF_WIDTH_M).fillna(3.0).to_numpy() * k
    return [
        (district.geometry, 1),
        (load_layer("water", dataset).to_crs(3857).geometry, 2),
        (rivers.geometry.buffer(np.maximum(half, res * 0.6)), 2),
        (units.boundary.buffer(res * 0.6), 5),
        (load_layer("railways", dataset).to_crs(3857).geometry.buffer(max(2.0 * k, res * 0.5)), 3),
        (district.boundary.buffer(max(6.0 * k, res)), 4),
    ]


def _burn(shapes, code: np.ndarray, transform, bounds=None) -> None:
    """Rasterize each (GeoSeries, value) into ``code`` in order (only the shapes meeting ``bounds``)."""
    from rasterio.features import rasterize

    for series, value in shapes:
        if bounds is not None:
            series = series.iloc[series.sindex.query(shapely.box(*bounds))]
        geoms = [g for g in series if g is not None and not g.is_empty]
        if geoms:
            rasterize(geoms, out=code, transform=transform, default_value=value, all_touched=True)


def _rgb(code: np.ndarray) -> np.ndarray:
    """The basemap colours of a code raster (0 outside, 1 land, 2 water, 3 rail, 4 boundary, 5 unit), bands first."""
    palette = np.array([COLORS[c] for c in ("outside", "land", "water", "railway", "boundary", "unit")], np.uint8)
    return palette[code].transpose(2, 0, 1)


def render_cog(dataset: str = "putuo", out: Path | None = None) -> Path:
    """Rasterize the data set's district, water, rivers and railways into an RGB COG."""
    import rasterio
    from rasterio.transform import from_origin

    from gislib.dataset import load_layer

    spec = SPECS[dataset]
    area = load_layer("district", dataset).to_crs(3857).buffer(spec.margin_m).total_bounds
    (minx, miny, maxx, maxy), res = _aligned_grid(area, spec.max_zoom)
    width, height = round((maxx - minx) / res), round((maxy - miny) / res)
    transform = from_origin(minx, maxy, res, res)
    code = np.zeros((height, width), dtype=np.uint8)
    _burn(_context_shapes(dataset, res), code, transform)
    rgb = _rgb(code)
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


def _save_tile(img_bands: np.ndarray, path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img_bands.transpose(1, 2, 0)).quantize(32).save(path, optimize=True)


def render_vector_tiles(dataset: str = "putuo", out_dir: Path | None = None, progress=None) -> int:
    """Tiles one zoom beyond the COG (``spec.vector_zoom``), rasterized straight from the vectors so that the
    map stays sharp above the COG's 2.39 m/px (Leaflet scales these, not the coarser level, at z18-19)."""
    import rasterio
    from rasterio.transform import from_bounds as transform_from_bounds

    spec = SPECS[dataset]
    if spec.vector_zoom is None:
        return 0
    out_dir = out_dir or spec.tiles_dir
    z = spec.vector_zoom
    shapes = _context_shapes(dataset, tile_resolution(z))
    with rasterio.open(spec.cog_path) as src:
        jobs = tiles_covering(src.bounds, z)
    work = out_dir / f"{z}.partial"  # the level appears whole (tiles_ready looks for its folder) or not at all
    shutil.rmtree(work, ignore_errors=True)
    for i, (x, y) in enumerate(jobs):
        bounds = tile_bounds(z, x, y)
        code = np.zeros((TILE, TILE), dtype=np.uint8)
        _burn(shapes, code, transform_from_bounds(*bounds, TILE, TILE), bounds)
        _save_tile(_rgb(code), work / str(x) / f"{y}.png")
        if progress and i % 500 == 0:
            progress(f"z{z} tiles {i}/{len(jobs)}")
    shutil.rmtree(out_dir / str(z), ignore_errors=True)
    work.replace(out_dir / str(z))
    return len(jobs)


def render_tiles(dataset: str = "putuo", cog: Path | None = None, out_dir: Path | None = None,
                 progress=None) -> int:
    """Cut XYZ PNG tiles for every zoom of the spec from the COG; returns the number of tiles."""
    import rasterio
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
            _save_tile(img, out_dir / str(z) / str(x) / f"{y}.png")
            count += 1
            if progress and i % 200 == 0:
                progress(f"tiles {i}/{len(jobs)}")
    count += render_vector_tiles(dataset, out_dir, progress)
    (out_dir / "READY").write_text(f"{count} tiles from {cog.name}, zooms {spec.min_zoom}-{spec.top_zoom}\n")
    return count


def tiles_ready(dataset: str) -> bool:
    """True when the data set's tiles have been cut up to its top zoom (a marker file is written last)."""
    spec = SPECS[dataset]
    return (spec.tiles_dir / "READY").exists() and (spec.tiles_dir / str(spec.top_zoom)).is_dir()


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
    spec = SPECS[dataset]
    if tiles_ready(dataset):
        return True
    if not spec.cog_path.exists():
        return False
    if (spec.tiles_dir / "READY").exists():  # cut before the vector zoom existed: add that level in the
        _start_vector_level(dataset)          # background; the map overzooms the COG's level until it is there
    else:
        render_tiles(dataset)
    return True


_adding: set[str] = set()
_adding_lock = threading.Lock()


def _start_vector_level(dataset: str) -> None:
    """Render the vector zoom of ``dataset`` in a background thread, once per process."""
    with _adding_lock:
        if dataset in _adding:
            return
        _adding.add(dataset)
    threading.Thread(target=render_vector_tiles, args=(dataset,), daemon=True, name=f"tiles-{dataset}").start()


def native_zoom(dataset: str) -> int:
    """The deepest zoom whose tiles exist now (Leaflet scales this level up beyond it)."""
    spec = SPECS[dataset]
    return spec.top_zoom if tiles_ready(dataset) else spec.max_zoom
