"""Issue 18.3–18.4: clusters computed once per data version, z/x/y point tiles, the basin builder."""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from gislib.demo.build import build_basin
from gislib.demo.context import putuo_context
from gislib.geo.pointpack import (CLUSTER_CELL, cluster_levels, split_tiles, unpack_clusters, unpack_points,
                              world_xy)


def _points(n=5000, seed=3):
    rng = np.random.default_rng(seed)
    return (121.3 + rng.random(n) * 0.3, 31.1 + rng.random(n) * 0.25, rng.integers(0, 4, n).astype(np.uint8),
            rng.integers(0, 5, n).astype(np.uint8))


def test_every_level_counts_every_point_once_in_cells_of_the_cluster_size():
    lon, lat, colour, shape = _points()
    levels = unpack_clusters(cluster_levels(lon, lat, colour, shape))
    x, y = world_xy(lon, lat)
    assert len(levels) == 13
    for z, level in enumerate(levels):
        assert int(level["count"].sum()) == len(lon)
        # a cluster sits where its members are: inside their extent, one per cell of CLUSTER_CELL pixels
        assert level["x"].min() >= x.min() - 1e-4 and level["x"].max() <= x.max() + 1e-4
        f = 2 ** z / CLUSTER_CELL
        cells = {(int(a * f), int(b * f)) for a, b in zip(level["x"], level["y"])}
        assert len(cells) >= 0.95 * len(level["x"])
    assert len(levels[0]) and len(levels[0]["x"]) == 1  # the world at zoom 0: one cell
    assert len(levels[12]["x"]) > 10 * len(levels[8]["x"]) > 0  # finer as the user zooms in


def test_a_cluster_takes_its_worst_colour_or_else_its_most_common():
    lon = np.array([121.40, 121.4001, 121.4002, 121.4003])
    lat = np.array([31.20, 31.2001, 31.2002, 31.2003])
    colour = np.array([0, 0, 0, 2], dtype=np.uint8)
    shape = np.zeros(4, dtype=np.uint8)
    common = unpack_clusters(cluster_levels(lon, lat, colour, shape))[10]
    worst = unpack_clusters(cluster_levels(lon, lat, colour, shape, severity=[1, 5, 9]))[10]
    assert list(common["count"]) == [4] and list(common["colour"]) == [0]
    assert list(worst["colour"]) == [2]


def test_tiles_hold_every_point_exactly_once_in_the_tile_that_covers_it():
    lon, lat, _, _ = _points(3000)
    seen = []
    for (tx, ty), idx in split_tiles(lon, lat, 13):
        x, y = world_xy(lon[idx], lat[idx])
        f = 2 ** 13 / 256
        assert np.all(np.floor(x * f) == tx) and np.all(np.floor(y * f) == ty)
        seen.extend(idx.tolist())
    assert sorted(seen) == list(range(len(lon)))


@pytest.fixture
def gen_dir(tmp_path, monkeypatch):
    import layers.assets as assets

    monkeypatch.setattr(assets, "GEN_DIR", tmp_path / "gen")
    monkeypatch.setattr(assets, "TILE_SETS_DIR", tmp_path / "gen" / "pt")
    return tmp_path / "gen"


def _styled(n=600):
    lon, lat, colour, shape = _points(n, seed=5)
    cats = np.array(["工业排污口", "雨洪排口", "其他排口", "暂无法确定"])[colour % 4]
    return gpd.GeoDataFrame({"_cat": cats, "_label": [f"LY-{i:04d} 示例<b>{i}</b>" for i in range(n)]},
                            geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def test_a_large_layer_is_served_as_versioned_tiles_that_hold_exactly_its_points(gen_dir, monkeypatch):
    from layers.outfalls import CATEGORY_COLORS, point_canvas

    monkeypatch.setenv("HETU_AGGREGATE_MIN", "100")
    monkeypatch.setenv("HETU_TILE_MIN", "500")
    styled = _styled()
    canvas = point_canvas("outfalls", styled, CATEGORY_COLORS, "zh", styled["_label"])
    options = json.loads(canvas.options_json)
    assert "url" not in options or options["url"] is None
    tiles, base = options["tiles"], gen_dir / "pt" / options["tiles"]["url"].split("/")[-2]
    got_lon, got_labels = [], []
    for key in tiles["index"]:
        pts = unpack_points((base / f"{key}.bin").read_bytes())
        labels = json.loads((base / f"{key}.json").read_text())
        assert len(labels) == len(pts["lon"])
        got_lon.extend(pts["lon"])
        got_labels.extend(labels)
    assert sorted(got_labels) == sorted(styled["_label"])  # every point once, with its own label
    assert np.allclose(sorted(got_lon), sorted(styled.geometry.x), atol=1e-6)
    assert (gen_dir / options["clustersUrl"].split("/")[-1]).exists()
    # another version of the data gets its own folder; the open page's folder stays
    changed = styled.iloc[:550]
    again = json.loads(point_canvas("outfalls", changed, CATEGORY_COLORS, "zh", changed["_label"]).options_json)
    assert again["tiles"]["url"] != tiles["url"] and base.exists()


def test_a_city_size_layer_stays_one_file_and_a_small_one_has_no_clusters(gen_dir, monkeypatch):
    from layers.outfalls import CATEGORY_COLORS, point_canvas

    monkeypatch.setenv("HETU_AGGREGATE_MIN", "100")
    styled = _styled(300)
    options = json.loads(point_canvas("outfalls", styled, CATEGORY_COLORS, "zh", styled["_label"]).options_json)
    assert options["url"] and "tiles" not in options and options["clustersUrl"]
    monkeypatch.setenv("HETU_AGGREGATE_MIN", "4000")
    options = json.loads(point_canvas("outfalls", styled, CATEGORY_COLORS, "zh", styled["_label"]).options_json)
    assert "clustersUrl" not in options


def test_the_basin_builder_writes_chunks_that_continue_one_another(tmp_path):
    path = tmp_path / "basin.gpkg"
    build_basin(path, n_outfalls=1300, n_sections=8, chunk=500, progress=lambda _: None, context=putuo_context)
    out = pyogrio.read_dataframe(path, layer="outfalls")
    assert len(out) == 1300
    assert list(out["code"]) == [f"LY-{i:04d}" for i in range(1, 1301)]
    assert out["name"].is_unique  # per-river numbering carries over the chunk boundaries
    assert out.groupby("river")["river_chief"].nunique().max() == 1  # one chief per river in every chunk
    assert (out["mark"] == "示例数据").all()
    again = tmp_path / "again.gpkg"
    build_basin(again, n_outfalls=1300, n_sections=8, chunk=500, progress=lambda _: None, context=putuo_context)
    pd.testing.assert_frame_equal(pd.DataFrame(out.drop(columns="geometry")),
                                  pd.DataFrame(pyogrio.read_dataframe(again, layer="outfalls").drop(columns="geometry")))
