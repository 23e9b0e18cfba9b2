"""The outfall file (一口一档) in Debian's Chromium: open from the map, edit, audit, conflict panel."""
from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser

OPEN_RECORD = re.compile("一口一档|打开档案|Outfall file")


def _wait_outfalls_drawn(frame, timeout_s: float = 30) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if frame.evaluate("() => +((document.querySelector('canvas.hetu-points[data-layer=outfalls]') || {}).dataset || {}).drawn || 0") > 0:
            return
        time.sleep(0.3)


def _open_from_map(rp, app_url: str) -> str | None:
    """Click an outfall on the map and follow the map's link to its file; None if the map has no link yet."""
    page = rp.page
    page.goto(app_url)
    frame = rp.map_frame()
    _wait_outfalls_drawn(frame)
    rp.click_outfall(frame)
    try:
        rp.wait_for_text("受纳水体", timeout_ms=20000)
        main = page.locator('[data-testid="stMain"]')
        main.locator("button, a").filter(has_text=OPEN_RECORD).first.click(timeout=5000)
        page.get_by_text("档案信息").first.wait_for(timeout=30000)
    except Exception:  # the map view does not link to the record page (yet)
        return None
    return page.url


def _open_by_url(rp, app_url: str, code: str) -> None:
    rp.page.goto(f"{app_url}/outfall?code={code}")
    rp.page.get_by_text("档案信息").first.wait_for(timeout=45000)
    rp.wait_idle()


def _edit_address(page, address: str) -> None:
    page.get_by_role("tab", name="编辑").click()
    box = page.get_by_role("textbox", name="详细地址")
    box.fill(address)
    box.press("Tab")
    page.get_by_role("button", name="保存修改").click()


@pytest.fixture(params=["sqlite", "postgis"])
def edit_app_url(request):
    """The app on the embedded SQLite store, and once more on PostGIS (HETU_DB_URL)."""
    return request.getfixturevalue("app_url" if request.param == "sqlite" else "app_url_postgis")


def test_open_from_map_edit_and_see_audit(edit_app_url, new_page, artifacts, request):
    app_url = edit_app_url
    backend = "" if request.node.callspec.params["edit_app_url"] == "sqlite" else "_postgis"
    # logged in with the accounts of the app under test (the PostGIS app keeps them in its database)
    rp = new_page(1400, 1000, data_dir=request.getfixturevalue("postgis_app_data_dir") if backend else None,
                  db_url=request.getfixturevalue("postgis_app_db_url") if backend else None)
    opened = _open_from_map(rp, app_url)
    if opened is None:  # the map view has no link to the record page yet: open it by URL
        print("opened by URL ?code=PT-0001 (the map view offers no link to the record yet)")
        _open_by_url(rp, app_url, "PT-0001")
    else:
        print(f"opened from the map: {opened}")
    page = rp.page
    page.wait_for_timeout(500)
    title = page.locator("h1").first.inner_text()
    code = re.search(r"PT-\d{4}", title).group(0)
    # an invalid value: the message appears under its field and nothing is saved
    page.get_by_role("tab", name="编辑").click()
    credit = page.get_by_role("textbox", name="统一社会信用代码")
    credit.fill("91310000MA1FL0000X")
    credit.press("Tab")
    page.get_by_role("button", name="保存修改").click()
    rp.wait_for_text("未保存")
    rp.wait_for_text("统一社会信用代码校验位错误")
    page.get_by_text("统一社会信用代码校验位错误").first.scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    page.screenshot(path=str(artifacts / f"outfall_edit_errors{backend}.png"))
    credit = page.get_by_role("textbox", name="统一社会信用代码")
    credit.fill("")
    credit.press("Tab")
    _edit_address(page, "浏览器测试路 8 号")
    rp.wait_for_text("已保存")
    page.get_by_role("tab", name="流程与修改记录").click()
    rp.wait_for_text("浏览器测试路 8 号")
    entry = page.get_by_text(re.compile("详细地址"))
    assert entry.count() >= 1
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / f"outfall_edit_audit{backend}.png"), full_page=True)
    assert code.startswith("PT-")
    assert rp.external_requests() == [], rp.external_requests()


def test_stale_save_shows_conflict_panel(app_url, new_page, artifacts):
    code = "PT-0002"
    a = new_page(1400, 1000)
    b = new_page(1400, 1000)
    _open_by_url(a, app_url, code)  # (waits until A's page has finished: its form holds the version it loaded)
    _open_by_url(b, app_url, code)
    # B saves first
    _edit_address(b.page, "乙先保存的地址")
    b.wait_for_text("已保存")
    # A still holds the old version: its save must show the conflict with both versions
    _edit_address(a.page, "甲的地址")
    a.wait_for_text("保存冲突")
    a.wait_for_text("乙先保存的地址")
    a.page.get_by_role("tab", name="编辑").click()
    assert a.page.get_by_role("textbox", name="详细地址").input_value() == "甲的地址"  # nothing lost
    panel = a.page.locator(".st-key-conflict_panel")
    panel.scroll_into_view_if_needed()
    a.page.wait_for_timeout(800)
    a.page.screenshot(path=str(artifacts / "outfall_conflict.png"), full_page=True)
    a.page.get_by_role("button", name="在最新版本上重新应用我的修改").click()
    a.wait_for_text("已保存")
    assert a.external_requests() == [] and b.external_requests() == []


def test_ledger_row_opens_the_record(app_url, new_page, artifacts):
    rp = new_page(1400, 1000)
    page = rp.page
    page.goto(f"{app_url}/outfalls")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=45000)
    rp.wait_for_text("共 ")
    rp.wait_idle()  # a button clicked during a rerun can be replaced before it fires
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "outfall_ledger.png"))
    page.get_by_role("button", name=re.compile("导出筛选结果 \\(CSV")).click()  # written with a progress bar, then offered
    offered = page.get_by_role("button", name="下载 CSV")
    offered.wait_for(timeout=60000)
    with page.expect_download(timeout=60000) as dl:
        offered.click()
    csv_text = open(dl.value.path(), encoding="utf-8-sig").read()
    assert csv_text.startswith("编码,名称") and "PT-0001" in csv_text
    assert len(csv_text.strip().splitlines()) == 1 + int(re.search(r"CSV, (\d+)", page.get_by_role(
        "button", name=re.compile("导出筛选结果 \\(CSV")).inner_text()).group(1))
    rp.wait_idle()
    box = rp.stable_box(grid)
    # the row-selection column is the leftmost one; row 1 sits under the 35 px header
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
    page.get_by_text("档案信息").first.wait_for(timeout=45000)
    assert "PT-0001" in page.locator("h1").first.inner_text()
    assert rp.external_requests() == [], rp.external_requests()


def test_record_page_monitoring_photos_and_upload_errors(app_url, new_page, artifacts, tmp_path):
    from PIL import Image

    photo = tmp_path / "现场照片.jpg"
    Image.new("RGB", (800, 600), (90, 140, 90)).save(photo, "JPEG")
    fake = tmp_path / "not_a_photo.jpg"
    fake.write_text("<html>not an image</html>")
    rp = new_page(1400, 1000)
    page = rp.page
    _open_by_url(rp, app_url, "PT-0012")
    rp.wait_for_text("不是排污口的排放标准")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "outfall_record_top.png"))
    page.get_by_role("tab", name="监测").click()
    page.locator('[data-testid="stVegaLiteChart"]').first.scroll_into_view_if_needed()
    page.wait_for_timeout(1200)
    page.screenshot(path=str(artifacts / "outfall_monitoring.png"))
    page.get_by_role("tab", name="照片与附件").click()
    page.locator('input[type="file"]').first.set_input_files([str(photo), str(fake)])
    page.wait_for_timeout(500)
    page.get_by_role("button", name="上传").click()
    rp.wait_for_text("已上传 现场照片.jpg")
    rp.wait_for_text("不是 JPEG/PNG/WebP 图片或 PDF")
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "outfall_upload.png"))
    assert rp.external_requests() == [], rp.external_requests()


def test_ledger_from_the_map_link_opens_on_the_grid_code_already_loaded(app_url, new_page, app_data_dir):
    """The way a user reaches the ledger: the map page open, then its sidebar link. The map page has the
    browser load the data grid's code while idle once the map has drawn (views.common.preload_script),
    so the ledger's table does not wait for it; the first page's rows are then shown, in code order."""
    from gislib.services.catalog import store

    rp = new_page(1400, 1000)
    page = rp.page
    page.goto(app_url)
    rp.wait_idle()
    loaded = "() => performance.getEntriesByType('resource').some(e => e.name.includes('/static/js/DataFrame.'))"
    page.wait_for_function(loaded, timeout=30000)  # on the map page, which shows no table itself
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    # ... but only once the map has drawn its points: the ledger's code never delays the map nor adds to it
    asked = page.evaluate("() => performance.timeOrigin + performance.getEntriesByType('resource')"
                          ".find(e => e.name.includes('/static/js/DataFrame.')).startTime")
    drawn = [f.evaluate("() => window.__hetuFirstDraw && performance.timeOrigin + window.__hetuFirstDraw")
             for f in page.frames[1:] if f.evaluate("() => !!document.querySelector('.leaflet-container')")]
    drawn = drawn[0] if len(drawn) == 1 else drawn
    assert drawn and asked > drawn, (asked, drawn)
    first = store(app_data_dir, "putuo").page("outfalls", limit=1)[1][0]["code"]
    page.locator('[data-testid="stSidebarNav"] a[href$="/outfalls"]').first.click()
    page.wait_for_function("([c]) => { const g = document.querySelector('[data-testid=\"stDataFrame\"]');"
                           " return !!g && g.textContent.includes(c); }", arg=[first], timeout=45000)
    assert page.url.endswith("/outfalls")
