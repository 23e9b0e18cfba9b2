"""Map snapshots and atlases: page furniture maths, PNG/PDF of the demo district, atlas, CLI, export panel."""
from __future__ import annotations

import io
import math
import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image
from pyproj import Geod, Transformer

from gislib.reports import snapshot as snap
from cli import main as cli_main
from gislib.errors import NotFoundError, ValidationError
from gislib.i18n import t

GEOD = Geod(ellps="WGS84")
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")


@pytest.fixture(scope="module", autouse=True)
def data_dir(tmp_path_factory):
    """A private record store seeded from the demo data set (never the developer's var/data)."""
    old = {k: os.environ.get(k) for k in ("HETU_DATA_DIR", "HETU_DATASET")}
    os.environ["HETU_DATA_DIR"] = str(tmp_path_factory.mktemp("snapshot-data"))
    os.environ["HETU_DATASET"] = "putuo"
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_pages(data: bytes, tmp_path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


# --- page furniture ---------------------------------------------------------------------------------

@pytest.mark.parametrize("max_m, expected", [(1234, 1000), (2600, 2000), (7999, 5000), (0.3, 0.2), (50, 50)])
def test_nice_length_is_a_round_1_2_5_number(max_m, expected):
    assert snap.nice_length(max_m) == pytest.approx(expected)


def test_scale_bar_is_true_ground_distance_at_the_map_latitude():
    bounds = snap.bounds_to_3857((121.35, 31.20, 121.48, 31.28))
    ground, units = snap.scale_bar_length(bounds)
    assert ground in (500, 1000, 2000, 5000)
    # the bar, drawn at the centre latitude, spans `ground` metres on the ellipsoid (within 0.5 %)
    to_ll = Transformer.from_crs(3857, 4326, always_xy=True)
    cy = (bounds[1] + bounds[3]) / 2
    lon0, lat0 = to_ll.transform(bounds[0], cy)
    lon1, lat1 = to_ll.transform(bounds[0] + units, cy)
    assert GEOD.inv(lon0, lat0, lon1, lat1)[2] == pytest.approx(ground, rel=0.005)
    assert units > ground  # Web-Mercator stretches distances at 31°N


def test_lonlat_to_3857_matches_pyproj_and_latitude_inverts():
    x, y = snap.lonlat_to_3857(121.4, 31.25)
    px, py = Transformer.from_crs(4326, 3857, always_xy=True).transform(121.4, 31.25)
    assert (x, y) == pytest.approx((px, py), abs=0.01)
    assert snap.latitude_of(y) == pytest.approx(31.25)


def test_fit_bounds_keeps_the_extent_and_matches_the_frame_aspect():
    b = snap.fit_bounds((0, 0, 100, 10), aspect=1.5, pad=0.0)
    assert (b[2] - b[0]) / (b[3] - b[1]) == pytest.approx(1.5)
    assert b[0] <= 0 and b[2] >= 100 and b[1] <= 0 and b[3] >= 10
    with pytest.raises(ValidationError, match="为空") as err:
        snap.fit_bounds((1, 1, 1, 2), 1.0)
    assert "extent (1, 1, 1, 2) is empty" in err.value.text("en")


def test_page_options_are_validated_with_clear_messages():
    with pytest.raises(ValidationError, match="A4"):
        snap.PageSpec("t", paper="B5").validate()
    with pytest.raises(ValidationError, match="sideways") as err:
        snap.PageSpec("t", orientation="sideways").validate()
    assert "use landscape or portrait" in err.value.text("en")
    with pytest.raises(ValidationError, match="dpi"):
        snap.PageSpec("t", dpi=5000).validate()
    with pytest.raises(ValidationError, match=r"\.png 或 \.pdf") as err:
        snap.format_of("map.jpg")
    assert err.value.field == "out" and "end the file name with .png or .pdf" in err.value.text("en")
    assert snap.PageSpec("t", paper="A3", orientation="portrait").size_in == pytest.approx((297 / 25.4, 420 / 25.4))


def test_basemap_is_read_from_the_cog_at_the_requested_size():
    from gislib.geo.basemap import SPECS

    bounds = snap.bounds_to_3857((121.36, 31.21, 121.46, 31.28))
    rgb = snap.read_basemap(SPECS["putuo"].cog_path, bounds, 300, 200)
    assert rgb.shape == (200, 300, 3) and rgb.dtype == np.uint8
    assert rgb.reshape(-1, 3).std(axis=0).max() > 5  # land, water and lines, not a flat fill
    outside = snap.read_basemap(SPECS["putuo"].cog_path, snap.bounds_to_3857((100.0, 20.0, 100.1, 20.1)), 8, 8)
    assert (outside == np.array(snap.OUTSIDE_RGB, np.uint8)).all()


# --- the demo district --------------------------------------------------------------------------------

def test_district_png_has_legend_of_visible_layers_and_a_drawn_map():
    from layers.snapshot import snapshot_page

    from gislib.reports.snapshot import to_png

    layers_on = ("district", "rivers", "outfalls", "sections")
    page = snapshot_page(layers_on, dpi=100, inset=True)
    titles = [g.title for g in page.legend]
    assert any(title.startswith("入河排污口") for title in titles)
    assert any(title.startswith("监测断面") for title in titles)
    assert not any(title.startswith("建筑工地扬尘") for title in titles)  # layer switched off
    labels = {e.label for g in page.legend for e in g.entries}
    assert {"雨洪排口", "区界", "河道水体"} <= labels
    outfall_rows = next(g for g in page.legend if g.title.startswith("入河排污口")).entries
    assert sum(e.count for e in outfall_rows if e.label in {t("cat." + c) for c in
               ("工业排污口", "污水处理厂排污口", "生活污水散排口", "雨洪排口", "其他排口", "暂无法确定")}) == 300
    assert page.scale_bar_m in (500, 1000, 2000, 5000)

    png = Image.open(io.BytesIO(to_png(page))).convert("RGB")
    assert png.size[0] == pytest.approx(297 / 25.4 * 100, abs=1)
    assert png.size[1] == pytest.approx(210 / 25.4 * 100, abs=1)
    left, bottom, width, height = page.map_axes_box
    w, h = png.size
    frame = np.asarray(png.crop((int(left * w) + 3, int((1 - bottom - height) * h) + 3,
                                 int((left + width) * w) - 3, int((1 - bottom) * h) - 3)), dtype=float)
    assert frame.std() > 20  # basemap plus layers, not a blank frame
    assert len(np.unique(frame.reshape(-1, 3)[::7], axis=0)) > 50


def test_snapshot_uses_the_layers_own_style_definition():
    from layers.mapview import styled_layer
    from layers.registry import get_layer
    from layers.snapshot import district_bounds, layer_content

    drawables, legend = layer_content(("outfalls",), None, "zh", district_bounds())
    layer = get_layer("outfalls")
    assert list(legend[0].entries) == layer.legend(styled_layer("outfalls"), "zh")
    assert len(drawables) == 1


def test_filters_and_bbox_change_legend_counts():
    from layers.base import Filters
    from layers.snapshot import layer_content

    _, all_rows = layer_content(("outfalls",), Filters(), "zh", None)
    _, some = layer_content(("outfalls",), Filters(outfall_types=("工业排污口",)), "zh", (121.38, 31.22, 121.43, 31.26))
    total = lambda groups: sum(e.count for g in groups for e in g.entries if "（" not in e.label)  # noqa: E731
    assert 0 < total(some) < total(all_rows)
    with pytest.raises(ValidationError, match="未知图层") as exc:
        layer_content(("nope",))
    assert exc.value.field == "layers" and "Unknown layer(s) nope; choose from subdistricts" in exc.value.text("en")


@needs_poppler
def test_district_pdf_text_is_selectable_chinese_with_credits(tmp_path):
    from layers.snapshot import snapshot

    data = snapshot("pdf", title="普陀区入河排污口分布图", subtitle="2026年第四季度", paper="A4",
                    orientation="portrait", inset=True)
    assert data[:5] == b"%PDF-"
    text = pdf_text(data, tmp_path)
    for expected in ("普陀区入河排污口分布图", "2026年第四季度", "© OpenStreetMap contributors (ODbL)", "geoBoundaries",
                     "入河排污口", "监测断面", "河道水体", "雨洪排口", "图例", "EPSG:3857", "示例数据", "北"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(tmp_path / "page.pdf")], capture_output=True, text=True).stdout
    assert "NotoSans" in fonts and "Type 3" not in fonts


@needs_poppler
def test_english_page(tmp_path):
    from layers.snapshot import snapshot

    text = pdf_text(snapshot("pdf", layers_on=("district", "outfalls"), lang="en"), tmp_path)
    assert "Legend" in text and "Outfalls" in text and "© OpenStreetMap contributors" in text


# --- atlas -------------------------------------------------------------------------------------------

@needs_poppler
def test_subdistrict_atlas_has_one_page_each_and_reports_progress(tmp_path):
    from layers.snapshot import atlas, atlas_codes

    seen = []
    data = atlas("subdistrict", progress=lambda done, total, label: seen.append((done, total, label)), dpi=80,
                 layers_on=("district", "subdistricts", "rivers", "outfalls"))
    names = atlas_codes("subdistrict")
    assert len(names) == 10
    assert pdf_pages(data, tmp_path) == 10
    assert seen == [(i + 1, 10, n) for i, n in enumerate(names)]
    text = pdf_text(data, tmp_path)
    assert all(f"{n} 河道与污染源图" in text for n in names)
    assert text.count("© OpenStreetMap contributors (ODbL)") >= 10


@needs_poppler
def test_river_and_outfall_atlases(tmp_path):
    from layers.snapshot import atlas

    data = atlas("river", ["苏州河", "桃浦河"], dpi=80)
    assert pdf_pages(data, tmp_path) == 2
    assert "苏州河 沿河排口图" in pdf_text(data, tmp_path)
    data = atlas("outfall", ["PT-0001", "PT-0002"], dpi=80, inset=False)
    assert pdf_pages(data, tmp_path) == 2
    assert "PT-0002" in pdf_text(data, tmp_path)


def test_atlas_errors_say_what_to_do():
    from layers.snapshot import atlas_items

    with pytest.raises(ValidationError, match="--codes") as exc:
        atlas_items("outfall")
    assert exc.value.key == "error.atlas_needs_codes" and "needs the outfalls" in exc.value.text("en")
    with pytest.raises(NotFoundError, match="没有名为「不存在街道」的街道/镇") as exc:
        atlas_items("subdistrict", ["不存在街道"])
    assert "no sub-district named “不存在街道”; choose from" in exc.value.text("en")
    with pytest.raises(NotFoundError, match="没有编码为「XX-9999」的排口") as exc:
        atlas_items("outfall", ["XX-9999"])
    assert "no outfall with the code “XX-9999”" in exc.value.text("en")
    with pytest.raises(ValidationError, match="不支持按「province」分页") as exc:
        atlas_items("province")
    assert "“province” is not supported; use one of subdistrict, river, outfall" in exc.value.text("en")


# --- command line ----------------------------------------------------------------------------------

def test_cli_snapshot_png_and_bbox(tmp_path, capsys):
    out = tmp_path / "view.png"
    rc = cli_main(["snapshot", "--out", str(out), "--bbox", "121.38,31.22,121.43,31.26",
                   "--layers", "outfalls,sections,rivers", "--dpi", "60", "--title", "真如港周边"])
    assert rc == 0 and "wrote" in capsys.readouterr().out
    assert Image.open(out).size[0] == pytest.approx(297 / 25.4 * 60, abs=1)
    assert cli_main(["snapshot", "--out", str(tmp_path / "x.png"), "--bbox", "1,2,3"]) == 2
    err = capsys.readouterr().err
    assert "--bbox" in err and ("4 numbers" in err or "4 个数" in err) and "3" in err


def test_cli_atlas_prints_a_progress_bar(tmp_path, capsys):
    out = tmp_path / "atlas.pdf"
    rc = cli_main(["atlas", "--by", "outfall", "--codes", "PT-0001,PT-0003", "--out", str(out), "--dpi", "60"])
    assert rc == 0 and out.read_bytes()[:5] == b"%PDF-"
    err = capsys.readouterr().err
    assert "[" in err and "2/2 PT-0003" in err
    assert cli_main(["atlas", "--by", "outfall", "--out", str(tmp_path / "a.pdf")]) == 2
    assert "--codes" in capsys.readouterr().err
    assert cli_main(["atlas", "--by", "river", "--out", str(tmp_path / "a.png")]) == 2


def test_parse_bbox():
    from cli.snapshot import parse_bbox

    assert parse_bbox("121.3,31.2,121.5,31.3") == (121.3, 31.2, 121.5, 31.3)
    assert parse_bbox(None) is None
    with pytest.raises(ValidationError) as err:
        parse_bbox("121.5,31.2,121.3,31.3")
    assert "min < max" in err.value.text("en") and "最小值 < 最大值" in err.value.text("zh")
    assert "121.5,31.2,121.3,31.3" in err.value.text("en")


# --- export panel -----------------------------------------------------------------------------------

def _panel_script():
    from views.export_panel import render_export_panel

    render_export_panel(("district", "rivers", "outfalls"), None, (121.38, 31.22, 121.43, 31.26))


def test_export_panel_makes_a_download(tmp_path):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_panel_script, default_timeout=120)
    at.run()
    assert not at.exception
    assert at.text_input(key="mapexport_title").value == "上海市普陀区 河道与污染源一张图"
    at.selectbox(key="mapexport_dpi").set_value(100)
    at.button(key="mapexport_make").click().run()
    assert not at.exception
    name, data, mime = at.session_state["mapexport_map_file"]
    assert name.endswith(".pdf") and data[:5] == b"%PDF-" and mime == "application/pdf"
    at.radio(key="mapexport_atlas_by").set_value("subdistrict")
    at.multiselect(key="mapexport_atlas_codes_subdistrict").set_value(["万里街道", "长征镇"])
    at.button(key="mapexport_atlas_make").click().run()
    assert not at.exception
    assert at.session_state["mapexport_atlas_file"][2] == 2
    assert any("2" in s.value for s in at.success)


def test_view_bounds_accepts_st_folium_bounds():
    from views.export_panel import view_bounds

    got = view_bounds({"_southWest": {"lat": 31.2, "lng": 121.3}, "_northEast": {"lat": 31.3, "lng": 121.5}})
    assert got == (121.3, 31.2, 121.5, 31.3)
    assert view_bounds(None) is None and view_bounds((1, 1, 1, 1)) is None
    assert math.isclose(view_bounds([121.3, 31.2, 121.5, 31.3])[2], 121.5)


def test_exported_extent_is_the_requested_view_in_png_and_pdf(tmp_path):
    """Issue 11.1: the file says (footer text and metadata) which extent it shows; it is the view asked for."""
    import io
    import subprocess

    from PIL import Image

    from layers.snapshot import snapshot

    view = (121.40, 31.23, 121.43, 31.25)  # 0.03° wide, 0.02° high: wider than the A4 frame's aspect needs
    png = snapshot("png", bbox4326=view, dpi=60, layers_on=("district", "rivers"))
    got = tuple(float(v) for v in Image.open(io.BytesIO(png)).text["Hetu-Extent-EPSG4326"].split(","))
    assert got[0] <= view[0] and got[1] <= view[1] and got[2] >= view[2] and got[3] >= view[3]
    # the width is the view's; only the height grows to the frame's aspect (a few hundredths of a degree)
    assert math.isclose(got[0], 121.40, abs_tol=1e-5) and math.isclose(got[2], 121.43, abs_tol=1e-5)
    assert got[3] - got[1] < 0.03
    pdf = tmp_path / "view.pdf"
    pdf.write_bytes(snapshot("pdf", bbox4326=view, dpi=60, layers_on=("district", "rivers")))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert f"extent-epsg4326={got[0]:.5f},{got[1]:.5f},{got[2]:.5f},{got[3]:.5f}" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "图幅范围 121.40000–121.43000°E" in text
