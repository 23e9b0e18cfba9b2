"""Tests for gislib.geo.idw: IDW surface as GeoTIFF (EPSG:3857) and PNG overlay."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from PIL import Image
from pyproj import Transformer

from gislib.errors import CRSError, ValidationError
from gislib.geo.idw import NODATA, colorize, idw_grid, idw_surface, idw_values

BOUNDS = (121.40, 31.20, 121.46, 31.25)  # a small patch of Shanghai, lon/lat
TO_LONLAT = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)


def cell_centre(transform, row: int, col: int) -> tuple[float, float]:
    """Centre of cell (row, col) in EPSG:3857."""
    return transform.c + (col + 0.5) * transform.a, transform.f + (row + 0.5) * transform.e


def test_idw_values_by_hand() -> None:
    # points (0,0)=10 and (3,0)=30, target (1,0), power 2: d = 1 and 2, w = 1 and 1/4
    # (10·1 + 30·0.25) / 1.25 = 17.5 / 1.25 = 14
    out = idw_values(np.array([[0.0, 0.0], [3.0, 0.0]]), np.array([10.0, 30.0]), np.array([[1.0, 0.0]]))
    assert out[0] == pytest.approx(14.0)
    # max_distance 1.5 leaves only the first point (d = 1) → 10; a target 5 away from both → NaN
    out = idw_values(np.array([[0.0, 0.0], [3.0, 0.0]]), np.array([10.0, 30.0]),
                     np.array([[1.0, 0.0], [-5.0, 0.0]]), max_distance=1.5)
    assert out[0] == 10.0 and np.isnan(out[1])


def test_surface_equals_sample_at_its_cell(tmp_path: Path) -> None:
    transform, width, height = idw_grid(BOUNDS, 100)
    x, y = cell_centre(transform, 10, 20)
    on_centre = TO_LONLAT.transform(x, y)
    # a second point away from any cell centre: (35.3, 40.7) cells from the origin
    off_centre = TO_LONLAT.transform(transform.c + 35.3 * transform.a, transform.f + 40.7 * transform.e)
    far = TO_LONLAT.transform(*cell_centre(transform, height - 2, width - 2))
    points = np.array([on_centre, off_centre, far])
    values = np.array([12.5, 40.0, 100.0])
    tif = idw_surface(points, values, BOUNDS, tmp_path / "s.tif", resolution_m=100)
    with rasterio.open(tif) as src:
        band = src.read(1)
        assert band[10, 20] == pytest.approx(12.5, abs=1e-4)  # a cell centre on the sample: exact
        row, col = src.index(*Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(*off_centre))
        assert (row, col) == (40, 35)
        # within the cell the sample dominates: its distance ≤ 0.5 cell vs ≥ 10 cells to the others,
        # so its weight is > 400× each other's and the value stays within 1 % of the range (0.9)
        assert band[row, col] == pytest.approx(40.0, abs=0.9)


def test_between_two_equal_distance_points_the_mean(tmp_path: Path) -> None:
    transform, _width, _height = idw_grid(BOUNDS, 100)
    x, y = cell_centre(transform, 20, 25)
    west = TO_LONLAT.transform(x - 1000, y)
    east = TO_LONLAT.transform(x + 1000, y)
    tif = idw_surface(np.array([west, east]), np.array([10.0, 30.0]), BOUNDS, tmp_path / "m.tif")
    with rasterio.open(tif) as src:
        assert src.read(1)[20, 25] == pytest.approx(20.0, abs=1e-3)  # (10 + 30) / 2


def test_file_has_crs_nodata_compression_and_tiles(tmp_path: Path) -> None:
    point = TO_LONLAT.transform(*cell_centre(idw_grid(BOUNDS, 100)[0], 5, 5))
    tif = idw_surface(np.array([point]), np.array([7.0]), BOUNDS, tmp_path / "f.tif", max_distance_m=300)
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 3857
        assert src.nodata == NODATA
        assert src.dtypes == ("float32",)
        assert src.count == 1
        assert src.profile["compress"].lower() == "deflate"
        assert src.profile["tiled"]
        band = src.read(1)
    assert band[5, 5] == 7.0
    assert band[0, 40] == NODATA  # 35 cells (≈ 3.5 km) from the only point, beyond 300 m
    assert (band != NODATA).sum() < 40  # only cells within ~300 m (≈ π·3² ≈ 28 cells) have values


def test_colorize(tmp_path: Path) -> None:
    transform, width, height = idw_grid(BOUNDS, 100)
    point = TO_LONLAT.transform(*cell_centre(transform, 5, 5))
    tif = idw_surface(np.array([point]), np.array([7.0]), BOUNDS, tmp_path / "c.tif", max_distance_m=300)
    png, bounds = colorize(tif, tmp_path / "c.png", vmin=0, vmax=10, cmap="YlOrRd")
    image = np.asarray(Image.open(png))
    assert image.shape == (height, width, 4)
    assert image[5, 5, 3] == 255 and image[0, 40, 3] == 0  # data opaque, nodata transparent
    (south, west), (north, east) = bounds
    assert south < north and west < east
    assert west == pytest.approx(BOUNDS[0]) and north == pytest.approx(BOUNDS[3])  # grid origin corner
    assert BOUNDS[2] <= east < BOUNDS[2] + 0.002 and BOUNDS[1] - 0.002 < south <= BOUNDS[1]
    with pytest.raises(ValidationError, match="配色"):
        colorize(tif, tmp_path / "x.png", cmap="no-such-map")


def test_bad_input(tmp_path: Path) -> None:
    good = np.array([[121.41, 31.21]])
    with pytest.raises(ValidationError, match="长度"):
        idw_surface(good, np.array([1.0, 2.0]), BOUNDS, tmp_path / "x.tif")
    with pytest.raises(ValidationError, match="有限"):
        idw_surface(good, np.array([np.nan]), BOUNDS, tmp_path / "x.tif")
    with pytest.raises(CRSError):
        idw_surface(np.array([[350000.0, 3450000.0]]), np.array([1.0]), BOUNDS, tmp_path / "x.tif")
    with pytest.raises(ValidationError, match="minx < maxx"):
        idw_surface(good, np.array([1.0]), (121.5, 31.2, 121.4, 31.3), tmp_path / "x.tif")
    with pytest.raises(ValidationError, match="resolution_m"):
        idw_surface(good, np.array([1.0]), BOUNDS, tmp_path / "x.tif", resolution_m=0.01)
