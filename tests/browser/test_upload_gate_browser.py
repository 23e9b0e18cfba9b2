"""The upload gate in the real app: hostile files on the import page and as attachments end in a clear
message on the page (no traceback, nothing fetched), an honest GPX of waypoints reaches the preview."""
from __future__ import annotations

import io
import time

import pytest

from tests.hostile import deep_geojson, gpx_waypoints, vrt_as_gpkg

pytestmark = pytest.mark.browser


def _upload_on_import_page(rp, app_url, path) -> None:
    rp.page.goto(f"{app_url}/import")
    rp.wait_for_text("数据导入与导出", timeout_ms=60000)
    rp.page.locator('input[type="file"]').first.set_input_files(str(path))


def _error_text(rp, timeout_s: float = 45) -> str:
    """The text of the first st.error box once it is there."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        boxes = rp.page.query_selector_all('[data-testid="stAlertContentError"]')
        if boxes:
            rp.wait_idle()
            return rp.page.query_selector_all('[data-testid="stAlertContentError"]')[0].inner_text()
        time.sleep(0.3)
    raise AssertionError("no error message appeared")


def _no_traceback(rp) -> None:
    body = rp.page.inner_text("body")
    assert "Traceback" not in body and "stException" not in rp.page.content()


@pytest.mark.parametrize("make, words, shot", [
    (lambda d, url: vrt_as_gpkg(d, src=f"CSV:/vsicurl/{url}"), ("排口.gpkg", "VRT", "拒绝"), "upload_gate_vrt.png"),
    (lambda d, url: deep_geojson(d), ("deep.geojson", "嵌套超过", "HETU_MAX_NESTING"), "upload_gate_deep_geojson.png"),
], ids=["vrt-as-gpkg", "deep-geojson"])
def test_hostile_import_file_gets_a_clear_message(make, words, shot, app_url, new_page, artifacts, tmp_path):
    rp = new_page(1366, 768)
    # (that the server never fetches the URL is shown with a recording server in tests/test_hostile_files.py)
    _upload_on_import_page(rp, app_url, make(tmp_path, "http://127.0.0.1:9/secret.csv"))
    text = _error_text(rp)
    for word in words:
        assert word in text, text
    rp.page.wait_for_timeout(500)
    rp.page.screenshot(path=str(artifacts / shot))
    _no_traceback(rp)
    assert rp.external_requests() == [], rp.external_requests()


def test_gpx_waypoints_reach_the_preview(app_url, new_page, artifacts, tmp_path):
    """A field app's GPX: both waypoints are read (the preview counts 2 rows), their columns offered."""
    rp = new_page(1366, 768)
    _upload_on_import_page(rp, app_url, gpx_waypoints(tmp_path))
    rp.wait_for_text("试导入预览（尚未写入）", timeout_ms=60000)
    total = rp.page.locator('[data-testid="stMetric"]', has_text="总行数").first
    total.wait_for(timeout=30000)
    assert total.locator('[data-testid="stMetricValue"]').inner_text().strip() == "2"
    total.scroll_into_view_if_needed()
    rp.page.wait_for_timeout(1000)
    rp.page.screenshot(path=str(artifacts / "upload_gate_gpx_preview.png"))
    _no_traceback(rp)


def test_polyglot_and_active_pdf_attachments_are_refused(app_url, new_page, artifacts, tmp_path):
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 90, 160)).save(png, "PNG")
    polyglot = tmp_path / "现场.png"
    polyglot.write_bytes(png.getvalue() + b"<html><script>alert(1)</script></html>")
    active = tmp_path / "批复.pdf"
    active.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n"
                       b"trailer << /Root 1 0 R >>\n%%EOF\n")
    rp = new_page(1400, 1000)
    page = rp.page
    page.goto(f"{app_url}/outfall?code=PT-0012")
    page.get_by_text("档案信息").first.wait_for(timeout=45000)
    rp.wait_idle()
    rp.wait_for_text("不是排污口的排放标准")
    page.wait_for_timeout(1500)
    page.get_by_role("tab", name="照片与附件").click()
    page.locator('input[type="file"]').first.set_input_files([str(polyglot), str(active)])
    page.wait_for_timeout(500)
    page.get_by_role("button", name="上传").click()
    rp.wait_for_text("IEND")
    rp.wait_for_text("活动内容")
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "upload_gate_attachments.png"))
    assert page.get_by_text("已上传").count() == 0
    _no_traceback(rp)
