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
