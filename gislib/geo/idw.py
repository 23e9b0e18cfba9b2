"""gislib.geo.idw: inverse-distance-weighted (IDW) surfaces from point samples, as GeoTIFF and PNG overlay.

The grid is in EPSG:3857 (Web Mercator), so the PNG from :func:`colorize` lines up with a Leaflet
``ImageOverlay`` placed on its lon/lat bounds. ``resolution_m`` and ``max_distance_m`` are ground
metres: Web Mercator units are stretched by 1/cos(latitude), so both are scaled by that factor at
the centre latitude of the bounds (1.17 at 31°N, Shanghai).

    value(cell) = Σ wᵢ·vᵢ / Σ wᵢ,  wᵢ = 1 / dᵢ^power  (a cell centre on a sample takes its value)
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

import numpy as np

from gislib.errors import CRSError, ExportError, ValidationError

NODATA = -9999.0
GRID_CRS = "EPSG:3857"
MAX_CELLS = 25_000_000  # 5000 × 5000; beyond this ask for a coarser resolution
_CHUNK_ELEMENTS = 4_000_000  # cells × points per numpy block (≈ 32 MB of float64)


def _to_3857(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:4326", GRID_CRS, always_xy=True)
    x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _check_bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    if len(bounds) != 4:
        raise ValidationError("error.idw_bounds_shape", field="bounds", bounds=repr(bounds))
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    if not all(math.isfinite(b) for b in (minx, miny, maxx, maxy)):
        raise ValidationError("error.idw_bounds_number", field="bounds", bounds=repr(bounds))
    if not (minx < maxx and miny < maxy):
        raise ValidationError("error.idw_bounds_order", field="bounds", bounds=repr(bounds))
    if not (-180 <= minx and maxx <= 180 and -85 <= miny and maxy <= 85):
        raise CRSError("error.idw_bounds_lonlat", bounds=repr(bounds))
    return minx, miny, maxx, maxy


def ground_scale(bounds: Sequence[float]) -> float:
    """Web-Mercator units per ground metre at the centre latitude of ``bounds`` (1/cos φ)."""
    _minx, miny, _maxx, maxy = _check_bounds(bounds)
    return 1.0 / math.cos(math.radians((miny + maxy) / 2.0))


def idw_grid(bounds: Sequence[float], resolution_m: float = 100.0):
    """The output grid for ``bounds`` (EPSG:4326): (Affine transform in EPSG:3857, width, height).

    The grid starts at the projected (minx, maxy) corner; cells are ``resolution_m`` ground metres.
    """
    from affine import Affine

    minx, miny, maxx, maxy = _check_bounds(bounds)
    if not (isinstance(resolution_m, (int, float)) and math.isfinite(resolution_m) and resolution_m > 0):
        raise ValidationError("error.idw_resolution", field="resolution_m", value=resolution_m)
    xs, ys = _to_3857(np.array([minx, maxx]), np.array([miny, maxy]))
    x0, x1, y0, y1 = float(xs[0]), float(xs[1]), float(ys[0]), float(ys[1])
    step = resolution_m * ground_scale(bounds)
    width = max(1, math.ceil((x1 - x0) / step - 1e-9))
    height = max(1, math.ceil((y1 - y0) / step - 1e-9))
    if width * height > MAX_CELLS:
        raise ValidationError("error.idw_grid", field="resolution_m", width=width, height=height, limit=MAX_CELLS)
    return Affine(step, 0.0, x0, 0.0, -step, y1), width, height


def idw_values(
    points_xy: np.ndarray,
    values: np.ndarray,
    targets_xy: np.ndarray,
    power: float = 2.0,
    max_distance: float | None = None,
) -> np.ndarray:
    """IDW at ``targets_xy`` (m, 2) from ``points_xy`` (n, 2), same planar units; NaN where no point is
    within ``max_distance``. A target on a sample point takes that point's value exactly."""
    points_xy = np.asarray(points_xy, dtype=float)
    values = np.asarray(values, dtype=float)
    targets_xy = np.asarray(targets_xy, dtype=float)
    out = np.empty(len(targets_xy), dtype=float)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, len(points_xy)))
    for start in range(0, len(targets_xy), chunk):
        block = targets_xy[start:start + chunk]
        dx = block[:, 0, None] - points_xy[None, :, 0]
        dy = block[:, 1, None] - points_xy[None, :, 1]
        dist2 = dx * dx + dy * dy  # squared distances: no sqrt needed for the common power 2
        on_point = dist2 <= 1e-18
        with np.errstate(divide="ignore"):
            weights = 1.0 / dist2 if power == 2 else dist2 ** (-power / 2.0)
        if max_distance is not None:
            weights[dist2 > max_distance * max_distance] = 0.0
        weights[on_point] = 0.0
        wsum = weights.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            result = (weights @ values) / wsum
        result[wsum == 0] = np.nan
        hit_rows = on_point.any(axis=1)
        if hit_rows.any():  # exact hits: the (first) coincident sample's value
            result[hit_rows] = values[on_point[hit_rows].argmax(axis=1)]
        out[start:start + chunk] = result
    return out


def idw_surface(
    points_lonlat: np.ndarray,
    values: np.ndarray,
    bounds: Sequence[float],
    out_path: str | Path,
    resolution_m: float = 100.0,
    power: float = 2.0,
    max_distance_m: float | None = None,
) -> Path:
    """Interpolate ``values`` at ``points_lonlat`` (n, 2; lon, lat) with IDW over ``bounds``
    (minx, miny, maxx, maxy in EPSG:4326) and write a single-band float32 GeoTIFF in EPSG:3857
    (nodata −9999, DEFLATE, tiled). Cells with no sample within ``max_distance_m`` are nodata."""
    import rasterio

    pts = np.asarray(points_lonlat, dtype=float)
    vals = np.asarray(values, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValidationError("error.idw_points_shape", field="points_lonlat", shape=str(pts.shape))
    if vals.shape != (len(pts),):
        raise ValidationError("error.idw_values_length", field="values", length=str(vals.shape), count=len(pts))
    if len(pts) == 0:
        raise ValidationError("error.idw_no_points", field="points_lonlat")
    bad = np.flatnonzero(~np.isfinite(pts).all(axis=1) | ~np.isfinite(vals))
    if bad.size:
        raise ValidationError("error.idw_not_finite", field="values", points=[int(i) for i in bad[:10]])
    out_of_range = np.flatnonzero((np.abs(pts[:, 0]) > 180) | (np.abs(pts[:, 1]) > 85))
    if out_of_range.size:
        raise CRSError("error.idw_not_lonlat", points=[int(i) for i in out_of_range[:10]])
    if not (isinstance(power, (int, float)) and power > 0):
        raise ValidationError("error.idw_power", field="power", value=power)
    if max_distance_m is not None and not max_distance_m > 0:
        raise ValidationError("error.idw_max_distance", field="max_distance_m", value=max_distance_m)

    transform, width, height = idw_grid(bounds, resolution_m)
    scale = ground_scale(bounds)
    px, py = _to_3857(pts[:, 0], pts[:, 1])
    cols = transform.c + (np.arange(width) + 0.5) * transform.a
    rows = transform.f + (np.arange(height) + 0.5) * transform.e
    gx, gy = np.meshgrid(cols, rows)
    targets = np.column_stack([gx.ravel(), gy.ravel()])
    max_distance = None if max_distance_m is None else max_distance_m * scale
    grid = idw_values(np.column_stack([px, py]), vals, targets, power, max_distance).reshape(height, width)
    grid = np.where(np.isnan(grid), NODATA, grid).astype("float32")

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    profile = dict(
        driver="GTiff", width=width, height=height, count=1, dtype="float32", crs=GRID_CRS,
        transform=transform, nodata=NODATA, compress="deflate", predictor=3,
    )
    # 256-px tiles; GDAL pads the edge tiles, so small rasters are tiled too.
    profile.update(tiled=True, blockxsize=256, blockysize=256)
    try:
        with rasterio.open(out_path, "w", **profile) as dst:
            dst.write(grid, 1)
    except rasterio.errors.RasterioError as exc:
        raise ExportError("error.geotiff_write", path=out_path, detail=exc) from exc
    return out_path


def colorize(
    tif_path: str | Path,
    png_path: str | Path,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "viridis",
) -> tuple[Path, list[list[float]]]:
    """Render band 1 of ``tif_path`` to an RGBA PNG (nodata transparent) with a matplotlib colormap.

    Returns the PNG path and its bounds ``[[south, west], [north, east]]`` (lat/lon), ready for
    ``folium.raster_layers.ImageOverlay(image=str(png), bounds=repr(bounds))``. ``vmin``/``vmax`` default
    to the data range.
    """
    import matplotlib
    import rasterio
    from PIL import Image
    from pyproj import Transformer

    try:
        colormap = matplotlib.colormaps[cmap]
    except KeyError as exc:
        raise ValidationError("error.idw_cmap", field="cmap", cmap=cmap) from exc
    with rasterio.open(tif_path) as src:
        data = src.read(1, masked=True).astype("float64")
        left, bottom, right, top = src.bounds
        crs = src.crs
    valid = ~np.ma.getmaskarray(data) & np.isfinite(data.filled(np.nan))
    if vmin is None:
        vmin = float(data[valid].min()) if valid.any() else 0.0
    if vmax is None:
        vmax = float(data[valid].max()) if valid.any() else 1.0
    span = (vmax - vmin) or 1.0
    norm = np.clip((data.filled(vmin) - vmin) / span, 0.0, 1.0)
    rgba = (colormap(norm) * 255).round().astype("uint8")
    rgba[..., 3] = np.where(valid, 255, 0)
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgba, mode="RGBA").save(png_path)
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    west, south = transformer.transform(left, bottom)
    east, north = transformer.transform(right, top)
    return png_path, [[float(south), float(west)], [float(north), float(east)]]


__all__ = ["NODATA", "colorize", "ground_scale", "idw_grid", "idw_surface", "idw_values"]
