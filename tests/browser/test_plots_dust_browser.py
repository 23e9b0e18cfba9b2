"""污染地块 and 工地扬尘 pages in the real app and Debian's Chromium: a plot page, a stage move that is
allowed and one that is refused, the 名录 list, a dust site page, readings upload and the IDW map."""
from __future__ import annotations


import pytest

pytestmark = pytest.mark.browser

TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _settle(rp, ms: int = 1200) -> None:
    """Wait until Streamlit has stopped running the script, then a little longer for drawing."""
    rp.page.wait_for_timeout(400)  # let a rerun that was just triggered start
    rp.wait_idle(timeout_s=60)
    rp.page.wait_for_timeout(ms)


def test_plot_page(app_url, new_page, artifacts):
    rp = new_page(1400, 2000)
    rp.page.goto(f"{app_url}/plots?code=PTDK-001")
    rp.wait_for_text("周边查询", timeout_ms=60000)
    rp.wait_for_text("原示例化工厂地块1")
    rp.wait_for_text("土地使用权人")
    rp.wait_for_text("EPSG:4549")
    rp.wait_for_text("河道水体")  # the buffer query found rivers by name
    # soil results judged against GB 36600 for the plot's land class (第一类用地)
    soil = "样品编号,砷,铅(mg/kg),苯并[a]芘,未知物\nS1,15,300,0.3,1\nS2,45,900,ND,1\nS3,150,,0.7,1\n".encode("utf-8")
    rp.page.locator('[data-testid="stFileUploader"] input[type="file"]').last.set_input_files(
        files=[{"name": "soil.csv", "mimeType": "text/csv", "buffer": soil}])
    rp.wait_for_text("超管制值")
    rp.wait_for_text("未知污染物列")
    _settle(rp)
    rp.page.screenshot(path=str(artifacts / "plots_plot_page.png"), full_page=True)
    # only the allowed next stages of 风险评估 are offered
    rp.page.get_by_label("下一阶段").first.click()
    options = rp.page.locator('[role="option"]').all_inner_texts()
    assert options == ["风险可接受", "纳入名录", "已撤销"], options
    rp.page.keyboard.press("Escape")
    assert rp.external_requests() == [], rp.external_requests()


def test_plot_transition_allowed_and_refused(app_url, new_page, artifacts):
    rp = new_page(1400, 1500)
    # refused: a move with neither a review note nor evidence
    rp.page.goto(f"{app_url}/plots?code=PTDK-013")
    rp.wait_for_text("阶段流转", timeout_ms=60000)
    _settle(rp, 500)
    rp.page.get_by_role("button", name="确认流转").click()
    rp.wait_for_text("未能流转")
    rp.wait_for_text("状态变更需要说明")
    _settle(rp, 500)
    rp.page.screenshot(path=str(artifacts / "plots_transition_refused.png"), full_page=True)

    # allowed: 疑似污染地块 → 初步调查 with a review note and a PDF attached as evidence
    rp.page.goto(f"{app_url}/plots?code=PTDK-008")
    rp.wait_for_text("阶段流转", timeout_ms=60000)
    _settle(rp, 500)
    rp.page.get_by_label("评审意见 / 说明").fill("2026-11-20 第一阶段调查报告专家评审通过，进入初步调查")
    rp.page.locator('[data-testid="stForm"] input[type="file"]').set_input_files(
        files=[{"name": "评审意见.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}])
    rp.wait_for_text("评审意见.pdf")
    rp.page.get_by_role("button", name="确认流转").click()
    rp.wait_for_text("已流转: 疑似污染地块 → 初步调查")
    rp.wait_for_text("评审意见.pdf · ")  # the evidence is attached to the record
    _settle(rp)
    rp.page.screenshot(path=str(artifacts / "plots_transition_allowed.png"), full_page=True)
    assert rp.external_requests() == [], rp.external_requests()


def test_plot_list_and_registry(app_url, new_page, artifacts):
    rp = new_page(1400, 1800)
    rp.page.goto(f"{app_url}/plots")
    rp.wait_for_text("全部地块（按阶段着色）", timeout_ms=60000)
    rp.wait_for_text("现行名录")
    rp.wait_for_text("纳入/移出批次")
    _settle(rp)
    rp.page.screenshot(path=str(artifacts / "plots_registry_list.png"), full_page=True)
    rp.page.get_by_role("button", name="生成 Excel / PDF").click()
    rp.page.get_by_role("button", name="PDF").wait_for(timeout=60000)
    _settle(rp, 500)
    with rp.page.expect_download() as download:
        rp.page.get_by_role("button", name="Excel (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert rp.external_requests() == [], rp.external_requests()


def test_dust_site_page(app_url, new_page, artifacts):
    rp = new_page(1400, 2300)  # tall enough for the whole page (Streamlit scrolls inside its own container)
    rp.page.goto(f"{app_url}/dust?site=PTGD-006")
    rp.wait_for_text("当日预警列表", timeout_ms=60000)
    rp.wait_for_text("最近 24 小时")
    rp.page.locator('[data-testid="stVegaLiteChart"], .vega-embed').first.wait_for(timeout=30000)
    _settle(rp, 2000)
    charts = rp.page.locator(".vega-embed canvas, .vega-embed svg").count()
    assert charts >= 2, charts
    rp.page.screenshot(path=str(artifacts / "dust_site_page.png"), full_page=True)
    assert rp.external_requests() == [], rp.external_requests()


def test_dust_rule_upload_and_idw(app_url, new_page, artifacts):
    rp = new_page(1400, 2600)
    rp.page.goto(f"{app_url}/dust")
    rp.wait_for_text("当日预警列表", timeout_ms=60000)
    _settle(rp, 500)
    # an unverified preset shows a clear warning
    rp.page.get_by_label("判定规则").first.click()
    rp.page.get_by_role("option", name="上海").first.click()
    rp.wait_for_text("未经核实")
    rp.wait_for_text("> 2000 µg/m³")
    _settle(rp, 1000)
    # readings upload: one good row, one bad row with its reason
    csv = "站点,时间,PM10,背景值\nPTGD-001,2026-11-22 23:00,300,60\nPTGD-001,later,1,1\n".encode("utf-8")
    for attempt in range(2):  # the uploader is re-created while a rerun is still running: try once more
        try:
            uploader = rp.page.locator('[data-testid="stFileUploader"] input[type="file"]').last
            uploader.set_input_files(files=[{"name": "readings.csv", "mimeType": "text/csv", "buffer": csv}])
            rp.wait_for_text("第 3 行未使用", timeout_ms=20000)  # the per-row error with its line and reason
            break
        except Exception:
            if attempt:
                raise
            _settle(rp, 500)
    rp.page.get_by_role("button", name="保存读数 (1)").click()
    rp.wait_for_text("已保存 1 条读数")
    # the IDW surface of the day on a small map
    rp.page.get_by_role("button", name="计算当日插值面").click()
    frame = rp.map_frame(60)
    frame.wait_for_selector(".leaflet-image-layer", timeout=30000)
    attribution = frame.evaluate("document.querySelector('.leaflet-control-attribution').innerText")
    assert "OpenStreetMap" in attribution
    rp.stable_box(rp.map_iframe)
    _settle(rp, 1500)
    rp.page.screenshot(path=str(artifacts / "dust_upload_idw.png"), full_page=True)
    assert rp.external_requests() == [], rp.external_requests()
