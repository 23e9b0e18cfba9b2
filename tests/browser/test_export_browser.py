"""The map view's export panel in Debian's Chromium: a PDF and an atlas download, nothing leaves localhost."""
from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest

pytestmark = pytest.mark.browser
PANEL = "导出地图（PNG/PDF）与图集"


def _open_panel(rp, app_url):
    rp.page.goto(app_url)
    rp.map_frame()
    rp.page.get_by_text("导出", exact=True).first.click()  # the toggle in the map's header
    rp.page.get_by_text(PANEL).first.wait_for(timeout=30000)
    rp.wait_for_text("生成地图")


def _choose(page, name: str, attempts: int = 4) -> None:
    """Pick ``name`` in the atlas multiselect; a Streamlit rerun can swallow a click, so check and retry."""
    for _ in range(attempts):
        combo = page.locator("[data-testid='stMultiSelect']").last
        if combo.get_by_text(name, exact=True).count():
            return
        combo.click()
        option = page.get_by_role("option", name=name)
        try:
            option.wait_for(timeout=10000)
            option.click()
        except Exception:  # noqa: BLE001 - the list closed under a rerun; try again
            pass
        page.keyboard.press("Escape")
        page.wait_for_timeout(1500)
    assert page.locator("[data-testid='stMultiSelect']").last.get_by_text(name, exact=True).count(), name


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_export_current_view_and_atlas(app_url, new_page, artifacts, tmp_path):
    rp = new_page(1400, 1000)
    _open_panel(rp, app_url)
    page = rp.page

    page.get_by_text("生成地图").first.click()
    download_label = page.get_by_text("下载 hetu_map_")
    download_label.first.wait_for(timeout=120000)
    with page.expect_download() as info:
        download_label.first.click()
    pdf = tmp_path / "view.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = _pdf_text(pdf)
    assert "河道与污染源一张图" in text and "© OpenStreetMap contributors (ODbL)" in text and "图例" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(artifacts / "export_view_pdf")],
                   check=True, capture_output=True)

    page.get_by_text("街道/镇", exact=True).first.click()
    page.wait_for_timeout(1500)  # the radio reruns the page; let the atlas section settle
    page.get_by_text("生成图集").first.scroll_into_view_if_needed()
    for name in ("万里街道", "长征镇"):
        _choose(page, name)
    page.get_by_text("生成图集").first.click()
    done = page.get_by_text(re.compile("图集已生成："))
    done.first.wait_for(timeout=180000)
    assert "图集已生成：2 页" in done.first.inner_text(), done.first.inner_text()
    with page.expect_download() as info:
        page.get_by_text("下载 hetu_atlas_subdistrict_").first.click()
    atlas = tmp_path / "atlas.pdf"
    info.value.save_as(atlas)
    text = _pdf_text(atlas)
    assert "万里街道 河道与污染源图" in text and "长征镇 河道与污染源图" in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", "-singlefile", str(atlas),
                    str(artifacts / "export_atlas_page2")], check=True, capture_output=True)
    page.screenshot(path=str(artifacts / "export_panel.png"), full_page=True)
    assert rp.external_requests() == []


VIEW_JS = "() => { const b = map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"


def _export_map_frame(rp, zoom: float):
    """The export-mode map, zoomed to ``zoom`` around the district's centre; the panel follows it."""
    deadline = time.time() + 60
    while time.time() < deadline:
        frame = rp.map_frame()
        try:
            if frame.evaluate("!!window.__hetuSized"):
                break
        except Exception:  # noqa: BLE001 - the frame was replaced by the export-mode map
            pass
        time.sleep(0.5)
    frame.evaluate("(z) => { map.setView(map.getCenter(), z, {animate: false}); }", zoom)
    rp.page.get_by_text(re.compile(rf"zoom {zoom:g}")).first.wait_for(timeout=30000)
    rp.wait_idle()
    return frame, frame.evaluate(VIEW_JS)


def _assert_extent_is_view(extent, view):
    """The exported frame holds the view, and is the view in its binding dimension (the other grows to
    the paper's aspect)."""
    tol = 2e-5
    assert extent[0] <= view[0] + tol and extent[1] <= view[1] + tol, (extent, view)
    assert extent[2] >= view[2] - tol and extent[3] >= view[3] - tol, (extent, view)
    width_ratio = (extent[2] - extent[0]) / (view[2] - view[0])
    height_ratio = (extent[3] - extent[1]) / (view[3] - view[1])
    assert min(width_ratio, height_ratio) < 1.01, (width_ratio, height_ratio)
    assert max(width_ratio, height_ratio) < 1.6, (width_ratio, height_ratio)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")
def test_export_current_view_is_the_view_at_zoom_14_25_and_18_75(app_url, new_page, artifacts, tmp_path):
    """Issue 11.1: 当前视图 exports what the map shows, not the district."""
    from PIL import Image

    rp = new_page(1400, 900)
    _open_panel(rp, app_url)
    page = rp.page
    frame, view = _export_map_frame(rp, 14.25)
    page.get_by_text("PNG", exact=True).first.click()
    rp.wait_idle()
    page.get_by_text("生成地图").first.click()
    label = page.get_by_text(re.compile(r"下载 hetu_map_.*\.png"))
    label.first.wait_for(timeout=120000)
    with page.expect_download() as info:
        label.first.click()
    png = tmp_path / "view.png"
    info.value.save_as(png)
    extent = [float(v) for v in Image.open(png).text["Hetu-Extent-EPSG4326"].split(",")]
    _assert_extent_is_view(extent, view)
    _beside(rp, png, artifacts / "export_view_14_25_beside_map.png")

    frame, view = _export_map_frame(rp, 18.75)
    page.get_by_text("PDF", exact=True).first.click()
    rp.wait_idle()
    page.get_by_text("生成地图").first.click()
    label = page.get_by_text(re.compile(r"下载 hetu_map_.*\.pdf"))
    label.first.wait_for(timeout=120000)
    page.screenshot(path=str(artifacts / "export_view_source.png"))
    with page.expect_download() as info:
        label.first.click()
    pdf = tmp_path / "view.pdf"
    info.value.save_as(pdf)
    info_text = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    keywords = re.search(r"extent-epsg4326=([0-9.,]+)", info_text).group(1)
    _assert_extent_is_view([float(v) for v in keywords.split(",")], view)
    assert "图幅范围" in _pdf_text(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(artifacts / "export_view_18_75")],
                   check=True, capture_output=True)
    _beside(rp, artifacts / "export_view_18_75.png", artifacts / "export_view_18_75_beside_map.png")
    assert rp.external_requests() == []


def _beside(rp, exported, out) -> None:
    """The live map (left) and the exported page (right) in one picture, for the eye."""
    from PIL import Image

    shot = out.with_suffix(".map.png")
    rp.wait_idle()  # not greyed out by a script run
    rp.page.wait_for_timeout(1500)
    rp.map_iframe.screenshot(path=str(shot))
    left, right = Image.open(shot).convert("RGB"), Image.open(exported).convert("RGB")
    right = right.resize((round(right.width * left.height / right.height), left.height))
    both = Image.new("RGB", (left.width + right.width + 16, left.height), "white")
    both.paste(left, (0, 0))
    both.paste(right, (left.width + 16, 0))
    both.save(out)
    shot.unlink()
