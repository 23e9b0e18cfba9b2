"""断面水质 in the real app: the list, a section page, import, the bulletin; offline and phone-sized."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

IMPORT_CSV = ("断面名称,采样日期,溶解氧,氨氮,总磷\n"
              "PTDM025,2026-10-12,6.1,0.45,0.12\n"
              "不存在的断面,2026-10-12,6.1,0.45,0.12\n")


def _tall(rp, width, height=2200):
    """Streamlit scrolls an inner container, so a tall viewport is what shows the whole page."""
    rp.page.set_viewport_size({"width": width, "height": height})
    rp.page.wait_for_timeout(1200)


def _no_sideways_scroll(rp, width):
    scroll = rp.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 2, f"page scrolls sideways ({scroll}px > {width}px)"


def test_sections_list_and_section_page(app_url, new_page, artifacts):
    rp = new_page(1400, 900)
    rp.page.goto(app_url + "/sections")
    rp.wait_for_text("共 25 个断面", timeout_ms=60000)
    _tall(rp, 1400, 1500)
    rp.page.screenshot(path=str(artifacts / "sections_list_desktop.png"))
    # click through to a section page (choose it, then open it)
    rp.page.get_by_role("button", name="打开断面").click()
    rp.wait_for_text("逐月水质类别")
    assert "code=PTDM001" in rp.page.url
    strip = rp.page.locator(".hetu-strip").first
    strip.wait_for()
    assert int(strip.get_attribute("data-cells")) == 24  # 2024-11 … 2026-10
    rp.page.locator(".vega-embed").first.wait_for(timeout=30000)
    rp.wait_for_text("Ⅲ类限值")
    _tall(rp, 1400, 1900)
    rp.page.screenshot(path=str(artifacts / "section_page_desktop.png"))
    rp.page.get_by_role("button", name="← 返回断面列表").click()
    rp.wait_for_text("共 25 个断面")
    assert rp.external_requests() == [], rp.external_requests()


def test_section_page_on_a_phone(app_url, new_page, artifacts):
    rp = new_page(390, 844)
    rp.page.goto(app_url + "/sections?code=PTDM007")
    rp.wait_for_text("断面水质", timeout_ms=60000)
    rp.wait_for_text("逐月水质类别", timeout_ms=60000)
    rp.page.locator(".vega-embed").first.wait_for(timeout=30000)
    rp.page.wait_for_timeout(1200)
    _no_sideways_scroll(rp, 390)
    _tall(rp, 390)
    _no_sideways_scroll(rp, 390)
    rp.page.screenshot(path=str(artifacts / "section_page_phone.png"))
    rp.page.set_viewport_size({"width": 390, "height": 844})
    rp.page.goto(app_url + "/sections")
    rp.wait_for_text("共 25 个断面", timeout_ms=60000)
    rp.page.wait_for_timeout(1200)
    _no_sideways_scroll(rp, 390)
    _tall(rp, 390, 1600)
    rp.page.screenshot(path=str(artifacts / "sections_list_phone.png"))
    assert rp.external_requests() == [], rp.external_requests()


def test_bulletin_and_import(app_url, new_page, artifacts, tmp_path):
    rp = new_page(1400, 1600)
    rp.page.goto(app_url + "/sections")
    rp.wait_for_text("共 25 个断面", timeout_ms=60000)
    # the monthly bulletin: build, then download the PDF
    rp.page.get_by_text("月报（专报）").click()
    rp.page.get_by_role("button", name="生成月报").click()
    rp.wait_for_text("下载 PDF", timeout_ms=90000)
    rp.wait_for_text("《普陀区地表水环境质量专报（2026年10月）》")
    with rp.page.expect_download() as download:
        rp.page.get_by_text("下载 PDF").click()
    pdf = tmp_path / "bulletin.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    rp.page.wait_for_timeout(800)
    rp.page.screenshot(path=str(artifacts / "sections_bulletin.png"))
    # import: preview with a per-row error, then import only the good row
    csv = tmp_path / "oct.csv"
    csv.write_text(IMPORT_CSV, encoding="utf-8")
    rp.page.get_by_text("导入月度数据").click()
    rp.page.locator("input[type=file]").set_input_files(str(csv))
    rp.wait_for_text("可导入 1 行，有错误 1 行")
    rp.page.wait_for_timeout(800)
    rp.page.screenshot(path=str(artifacts / "sections_import_preview.png"))
    rp.page.get_by_text("跳过有错误的行，只导入无误的行").click()
    rp.page.get_by_role("button", name="确认导入").click()
    rp.wait_for_text("已导入 1 行")
    rp.page.goto(app_url + "/sections?code=PTDM025")
    rp.wait_for_text("逐月水质类别", timeout_ms=60000)
    # the imported sample (DO 6.1 Ⅱ, NH3-N 0.45 Ⅱ, TP 0.12 Ⅲ → Ⅲ) now decides 2026-10 for this section
    last_cell = rp.page.locator(".hetu-month").last
    assert last_cell.get_attribute("title").startswith("2026-10 Ⅲ类"), last_cell.get_attribute("title")
    rp.page.locator(".vega-embed").first.wait_for(timeout=30000)
    rp.page.wait_for_timeout(800)
    rp.page.screenshot(path=str(artifacts / "section_page_after_import.png"))
    assert rp.external_requests() == [], rp.external_requests()
