"""Layer styles: one definition per layer, shared by the folium and static renderers; offline assets."""
from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gislib.domain import WQ_CLASS_COLOR
from gislib.geo.pointpack import pack_points, unpack_points
from layers.mapview import build_map, feature_at, find_feature, styled_layer  # noqa: E402
from layers.outfalls import CATEGORY_COLORS, display_category  # noqa: E402
from layers.registry import BY_KEY, LAYERS  # noqa: E402


@pytest.fixture(autouse=True)
def private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))


def test_registry_keys_unique_and_titled():
    assert len(BY_KEY) == len(LAYERS)
    for layer in LAYERS:
        assert layer.title("zh") and layer.title("en")


@pytest.mark.parametrize("key", [layer.key for layer in LAYERS])
def test_every_feature_styled_and_legend_counts_add_up(key):
    styled = styled_layer(key)
    assert len(styled) > 0
    assert styled["_color"].str.fullmatch(r"#[0-9a-fA-F]{6}").all()
    legend = BY_KEY[key].legend(styled, "zh")
    assert legend
    counted = [e.count for e in legend if e.count is not None]
    if key == "outfalls":  # categories and phases are two legends over the same points
        assert sum(counted) == 2 * len(styled)
    elif counted:
        assert sum(counted) == len(styled)


@pytest.mark.parametrize("key", [layer.key for layer in LAYERS])
def test_static_renderer_draws_from_the_same_style(key):
    fig, ax = plt.subplots()
    BY_KEY[key].draw_static(ax, styled_layer(key), "zh")
    assert ax.has_data() or ax.texts
    plt.close(fig)


def test_section_colours_follow_gb3838_class_colours():
    styled = styled_layer("sections")
    for cls, color in zip(styled["latest_class"], styled["_color"]):
        assert color == WQ_CLASS_COLOR.get(cls, "#9e9e9e")
    # 22号: I–II blue, III green, IV yellow, V orange, 劣V red
    assert WQ_CLASS_COLOR["I"] == WQ_CLASS_COLOR["II"]
    assert WQ_CLASS_COLOR["III"] == "#2ca02c" and WQ_CLASS_COLOR["劣V"] == "#d62728"


def test_outfall_display_categories():
    assert display_category("城镇雨洪排口") == "雨洪排口"
    assert display_category("工矿企业雨洪排口") == "雨洪排口"
    assert display_category("工矿企业排污口") == "工业排污口"
    assert display_category("城镇污水处理厂排污口") == "污水处理厂排污口"
    assert display_category("城镇生活污水散排口") == "生活污水散排口"
    assert display_category("暂无法确定") == "暂无法确定"
    assert display_category("港口码头排口") == "其他排口"
    assert {c for c, _ in CATEGORY_COLORS} >= set(styled_layer("outfalls")["_cat"])


def test_pointpack_round_trip_keeps_sub_metre_positions():
    lon = np.array([121.4012345, 121.3, 121.45])
    lat = np.array([31.2512345, 31.22, 31.30])
    out = unpack_points(pack_points(lon, lat, [0, 1, 2], [4, 3, 0]))
    assert np.abs(out["lon"] - lon).max() < 1e-6 and np.abs(out["lat"] - lat).max() < 1e-6
    assert list(out["colour"]) == [0, 1, 2] and list(out["shape"]) == [4, 3, 0]


def test_map_html_names_no_cdn_and_credits_osm():
    html = build_map(tuple(layer.key for layer in LAYERS)).fmap.get_root().render()
    urls = set(re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html))
    assert urls == set(), urls  # every script and stylesheet is served by the app
    def shown(text):  # folium writes some strings JSON-escaped
        return text in html or text.encode("unicode_escape").decode() in html

    assert shown("OpenStreetMap") and shown("geoBoundaries") and shown("示例数据")
    assert "/app/static/vendor/leaflet/leaflet.js" in html


def test_click_and_search_find_features():
    outfalls = styled_layer("outfalls")
    row = outfalls.iloc[7]
    hit = feature_at(row.geometry.y, row.geometry.x)
    assert hit[0] == "outfalls" and hit[1]["code"] == row["code"]
    assert feature_at(0.0, 0.0) is None
    hits = find_feature(row["code"])
    assert hits[0][1] == row["code"]
    section = styled_layer("sections").iloc[0]
    assert feature_at(0.0, 0.0, tooltip=f"编码 {section['code']} 名称 x")[1]["code"] == section["code"]


def test_filters_reduce_outfalls():
    from layers.base import Filters

    everything = styled_layer("outfalls")
    river = everything["river"].iloc[0]
    only = styled_layer("outfalls", Filters(rivers=(river,)))
    assert 0 < len(only) < len(everything) and (only["river"] == river).all()
    storm = styled_layer("outfalls", Filters(outfall_states=("整治中",)))
    assert (storm["state"] == "整治中").all()


def _drawn_points(html: str):
    from layers.assets import GEN_DIR

    name = re.search(r'"url": "/app/static/gen/([0-9a-f]+\.bin)"', html).group(1)
    return unpack_points((GEN_DIR / name).read_bytes())


def test_amap_basemap_shifts_display_to_gcj02_and_clicks_still_resolve():
    from pyproj import Geod

    plain = _drawn_points(build_map(("outfalls",)).fmap.get_root().render())
    html = build_map(("outfalls",), basemap="amap").fmap.get_root().render()
    assert "autonavi" in html and "tile.openstreetmap.org" not in html  # online tiles only when chosen
    shifted = _drawn_points(html)
    # GCJ-02 moves Shanghai points by roughly 480 m (domain.md §7.2: People's Square 482 m)
    _, _, dist = Geod(ellps="WGS84").inv(plain["lon"][0], plain["lat"][0], shifted["lon"][0], shifted["lat"][0])
    assert 400 < dist < 600
    hit = feature_at(shifted["lat"][0], shifted["lon"][0], gcj=True)
    assert hit and hit[0] == "outfalls" and hit[1]["code"] == styled_layer("outfalls").iloc[0]["code"]


def _canvas_options(html: str) -> dict[str, dict]:
    """The options of every canvas point layer on the page, by layer name."""
    import json

    found = [json.loads(m) for m in re.findall(r"L\.hetuPoints\((\{.*?\})\);", html)]
    return {o["name"]: o for o in found}


def test_point_shapes_go_to_the_page_by_name():
    """Issue 14.5: Python sent an index into a JS list (dust hard-coded shape_index=1 for 'square').
    Each point's shape index now points into the layer's own list of shape NAMES sent with it."""
    from gislib.domain import OUTFALL_PHASE
    from layers.outfalls import PHASE_SYMBOLS

    html = build_map(("outfalls", "dust_sites")).fmap.get_root().render()
    options = _canvas_options(html)
    dust, outfalls = options["dust_sites"], options["outfalls"]
    dust_points = unpack_points((GEN() / dust["url"].rsplit("/", 1)[1]).read_bytes())
    assert {dust["shapes"][i] for i in dust_points["shape"]} == {"square"}
    points = unpack_points((GEN() / outfalls["url"].rsplit("/", 1)[1]).read_bytes())
    styled = styled_layer("outfalls")
    wanted = [dict(PHASE_SYMBOLS)[OUTFALL_PHASE.get(s, "查").replace("—", "查")] for s in styled["state"]]
    assert [outfalls["shapes"][i] for i in points["shape"]] == wanted
    assert {"circle", "triangle"} <= set(wanted)  # more than one shape really is on the map


def GEN():
    from layers.assets import GEN_DIR

    return GEN_DIR


def test_a_new_layer_is_its_module_and_its_registry_line(monkeypatch):
    """Issue 14.5: adding a layer also needed edits in mapview (search, click lists) and the page's counts.
    A tiny extra layer, registered in layers.registry only, is drawn, counted, found and clicked."""
    import geopandas as gpd
    import shapely

    from layers import registry
    from layers.base import MapLayer, label_column
    from layers.mapview import search
    from layers.outfalls import point_canvas

    class WellsLayer(MapLayer):
        key = "wells"
        kind = "point"
        search = "record"
        select_by = ("point",)

        def title(self, lang="zh"):
            return "监测井" if lang == "zh" else "Wells"

        def load(self, dataset=None):
            return gpd.GeoDataFrame({"code": ["JC-1", "JC-2"], "name": ["示例井一", "示例井二"]},
                                    geometry=[shapely.Point(121.40, 31.25), shapely.Point(121.41, 31.26)], crs=4326)

        def styled(self, gdf, lang="zh"):
            out = gdf.copy()
            out["_cat"], out["_color"], out["_label"] = "well", "#123456", label_column(out)
            return out

        def legend(self, styled, lang="zh"):
            return []

        def to_folium(self, styled, lang="zh"):
            return point_canvas(self.key, styled, [("well", "#123456")], lang, styled["_label"], shape="diamond")

        def draw_static(self, ax, styled, lang="zh"):
            ax.scatter(styled.geometry.x, styled.geometry.y, c="#123456", marker="D")

    wells = WellsLayer()
    monkeypatch.setattr(registry, "LAYERS", (*registry.LAYERS, wells))
    monkeypatch.setitem(registry.BY_KEY, "wells", wells)
    result = build_map(("district", "wells"))
    assert result.counts["wells"] == 2
    options = _canvas_options(result.fmap.get_root().render())["wells"]
    assert options["shapes"] == ["diamond"] and options["colors"] == ["#123456"]
    hits = search("示例井")
    assert [(h.key, h.code, h.selectable) for h in hits.hits if h.key == "wells"] == [
        ("wells", "JC-1", True), ("wells", "JC-2", True)]
    key, row = feature_at(31.26, 121.41)
    assert (key, row["code"]) == ("wells", "JC-2")


def test_generated_map_data_is_never_deleted_while_a_page_can_still_ask_for_it(tmp_path, monkeypatch):
    """Issue 14.5: static/gen kept the newest 200 files, so many users or filter combinations pushed out
    the data file of a page still open. Names are content hashes; a file goes only when no running app
    published it and nobody used it for HETU_GEN_RETENTION_HOURS."""
    import os
    import time

    from layers import assets

    monkeypatch.setattr(assets, "GEN_DIR", tmp_path / "gen")
    monkeypatch.setattr(assets, "_LIVE", set())
    monkeypatch.setenv("HETU_GEN_RETENTION_HOURS", "24")
    first = assets.publish(b"the open page's points", ".bin")
    assert assets.publish(b"the open page's points", ".bin") == first  # same data, same name
    for i in range(300):  # many other filter combinations later
        assets.publish(f"combination {i}".encode(), ".bin")
    two_days_ago = time.time() - 48 * 3600
    mine = tmp_path / "gen" / first.rsplit("/", 1)[1]
    os.utime(mine, (two_days_ago, two_days_ago))
    earlier_run = tmp_path / "gen" / "0123abcd.bin"  # left by an app process that has ended
    earlier_run.write_bytes(b"old")
    os.utime(earlier_run, (two_days_ago, two_days_ago))
    recent_other = tmp_path / "gen" / "4567ef.json"  # another process's, used an hour ago
    recent_other.write_bytes(b"[]")
    os.utime(recent_other, (time.time() - 3600,) * 2)

    assert assets.prune(force=True) == ["0123abcd.bin"]
    assert mine.exists() and recent_other.exists() and not earlier_run.exists()
    assert len(list((tmp_path / "gen").glob("*.bin"))) == 301  # nothing pushed out by count
    assert len(list((tmp_path / "gen").glob("*.bin.gz"))) == 301  # each with its compressed copy (hetu-fetch.js)


def test_published_map_data_has_its_gzipped_copy_beside_it(tmp_path, monkeypatch):
    """The frame fetches ``<name>.gz`` (static/js/hetu-fetch.js) so the server need not compress the file on
    every request: the copy decompresses to exactly the data; files that are not map data get none."""
    import gzip

    from layers import assets

    monkeypatch.setattr(assets, "GEN_DIR", tmp_path / "gen")
    monkeypatch.setattr(assets, "_LIVE", set())
    for data, suffix in ((bytes(range(256)) * 300, ".bin"), ('{"type": "FeatureCollection"}'.encode(), ".json")):
        name = assets.publish(data, suffix).rsplit("/", 1)[1]
        assert gzip.decompress((tmp_path / "gen" / f"{name}.gz").read_bytes()) == data
        assert (tmp_path / "gen" / name).read_bytes() == data  # as it is, for a browser without DecompressionStream
    script = assets.publish(b"var a = 1;", ".js").rsplit("/", 1)[1]
    assert not (tmp_path / "gen" / f"{script}.gz").exists()
    assert not list((tmp_path / "gen").glob("*.tmp"))
