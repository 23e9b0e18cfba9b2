"""Units, soil background and the district's dust rule in the real app (issue 13).

Values by hand: Hg 0.04 µg/L = 0.00004 mg/L ≤ 0.00005 → Ⅰ; As 1.2 µg/L = 0.0012 ≤ 0.05 → Ⅰ; DO 8 ≥ 7.5 → Ⅰ
(GB 3838 Table 1). As 45 mg/kg on 第一类用地: screening 20 < 45 ≤ background 50 → 超筛选值但不高于背景值
(GB 36600 note ①).
"""
from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
FONT = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "NotoSansSC-Hetu-Regular.otf"

UNITLESS_CSV = "断面名称,采样日期,汞,砷,溶解氧\nPTDM003,2026-10-16,0.04,1.2,8\n"


def _readable(rp, app_url: str) -> None:
    """This machine's Chromium has no CJK system font (serving a web font is the map scope's work): for
    readable screenshots only, give the page the bundled Noto Sans SC subset, served same-origin."""
    url = f"{app_url}/__test_font/NotoSansSC-Hetu-Regular.otf"
    rp.page.route(url, lambda route: route.fulfill(path=str(FONT), content_type="font/otf"))
    rp.page.add_style_tag(content=f"@font-face{{font-family:HetuTestSC;src:url({url})}}"
                                  "body *{font-family:'Source Sans Pro',HetuTestSC,sans-serif}")


def _settle(rp, ms: int = 1000) -> None:
    rp.page.wait_for_timeout(400)
    rp.wait_idle(timeout_s=60)
    rp.page.wait_for_timeout(ms)


def _choose(rp, label: str, option: str, attempts: int = 4) -> None:
    """Pick ``option`` in the selectbox ``label`` (a rerun can swallow the click that opens it: retry)."""
    wanted = rp.page.get_by_role("option", name=option, exact=True).first
    for _ in range(attempts):
        rp.wait_idle()
        rp.page.get_by_label(label).first.click()
        try:
            wanted.wait_for(timeout=5000)
            break
        except Exception:  # noqa: BLE001 - the list did not open; try again
            rp.page.keyboard.press("Escape")
    wanted.click()
    _settle(rp, 500)


def test_unitless_micrograms_asked_before_evaluating(app_url, new_page, artifacts, tmp_path):
    rp = new_page(1400, 1800)
    rp.page.goto(app_url + "/sections")
    rp.wait_for_text("共 25 个断面", timeout_ms=60000)
    _readable(rp, app_url)
    csv = tmp_path / "hg.csv"
    csv.write_text(UNITLESS_CSV, encoding="utf-8")
    rp.page.get_by_text("导入月度数据").click()
    rp.page.locator("input[type=file]").set_input_files(str(csv))
    # nothing is evaluated yet: the page names the suspicious columns and asks for their units
    rp.wait_for_text("像是 µg/L")
    rp.wait_for_text("请确认列「汞」的单位")
    assert rp.page.get_by_text("可导入").count() == 0
    _settle(rp)
    rp.page.screenshot(path=str(artifacts / "units_import_asks.png"))
    _choose(rp, "请确认列「汞」的单位（评价前必须确认）", "µg/L")
    _choose(rp, "请确认列「砷」的单位（评价前必须确认）", "µg/L")
    rp.wait_for_text("可导入 1 行，有错误 0 行")
    rp.wait_for_text("µg/L → mg/L (÷1000)")
    _settle(rp)
    cells = rp.page.locator('[data-testid="stDataFrame"]').last.inner_text()
    rp.page.screenshot(path=str(artifacts / "units_import_confirmed.png"))
    assert "Ⅰ类" in cells or rp.page.get_by_text("Ⅰ类").count() > 0
    assert rp.external_requests() == [], rp.external_requests()


def test_plot_background_verdict_with_footnote(app_url, new_page, artifacts):
    rp = new_page(1400, 2200)
    rp.page.goto(f"{app_url}/plots?code=PTDK-001")
    rp.wait_for_text("周边查询", timeout_ms=60000)
    _readable(rp, app_url)
    rp.wait_for_text("土壤环境背景值")
    _settle(rp, 500)
    field = rp.page.get_by_label("砷").first
    field.fill("50")
    field.press("Enter")
    _settle(rp, 500)
    soil = "样品编号,砷,铅\nS1,45,30\nS2,55,30\n".encode("utf-8")
    rp.page.locator('[data-testid="stFileUploader"] input[type="file"]').last.set_input_files(
        files=[{"name": "soil.csv", "mimeType": "text/csv", "buffer": soil}])
    rp.wait_for_text("超筛选值但不高于背景值")
    rp.wait_for_text("不纳入污染地块管理")  # note ① is shown with the verdict
    _settle(rp)
    rp.page.screenshot(path=str(artifacts / "units_plot_background.png"), full_page=True)
    # a benzene column without a unit at 700 (> 10 × class-2 管制值 40): asked, then read as µg/kg = 0.7 mg/kg
    benzene = "样品编号,苯\nS1,700\n".encode("utf-8")
    rp.page.locator('[data-testid="stFileUploader"] input[type="file"]').last.set_input_files(
        files=[{"name": "benzene.csv", "mimeType": "text/csv", "buffer": benzene}])
    rp.wait_for_text("像是 µg/kg")
    assert rp.page.get_by_text("超管制值").count() == 0  # nothing judged before the officer answers
    _choose(rp, "请确认列「苯」的单位（判定前必须确认）", "µg/kg")
    rp.wait_for_text("不超筛选值")  # 0.7 ≤ class-1 screening 1
    assert rp.external_requests() == [], rp.external_requests()


def test_dust_page_uses_the_district_rule_and_says_it_is_unverified(app_url, new_page, artifacts):
    rp = new_page(1400, 1600)
    rp.page.goto(f"{app_url}/dust")
    rp.wait_for_text("当日预警列表", timeout_ms=60000)
    _readable(rp, app_url)
    rp.wait_for_text("PM10 · 15 min 均值")  # the Putuo profile's rule (Shanghai DB31/964-2016) is the default
    rp.wait_for_text("未经核实")
    _settle(rp, 1500)
    table = rp.page.locator('[data-testid="stDataFrame"]').first.inner_text()
    rp.page.screenshot(path=str(artifacts / "units_dust_shanghai_rule.png"))
    assert "规则限值未核实" in table or rp.page.get_by_text("规则限值未核实").count() > 0
    # an upload of unit-less mg/m³ figures is not taken as µg/m³: the page asks for the unit first
    csv = "站点,时间,PM10\nPTGD-001,2026-10-01 09:00,0.35\nPTGD-001,2026-10-01 10:00,0.35\n".encode("utf-8")
    rp.page.locator('[data-testid="stFileUploader"] input[type="file"]').last.set_input_files(
        files=[{"name": "mg.csv", "mimeType": "text/csv", "buffer": csv}])
    rp.wait_for_text("像是 mg/m³")
    assert rp.page.get_by_role("button", name="保存读数 (2)").count() == 0
    rp.page.get_by_text("mg/m³", exact=True).first.click()
    rp.wait_for_text("已由 mg/m³ 换算")
    rp.page.get_by_role("button", name="保存读数 (2)").wait_for(timeout=30000)
    assert rp.external_requests() == [], rp.external_requests()
