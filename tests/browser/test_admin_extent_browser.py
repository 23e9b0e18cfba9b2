"""Issue 16 in the real app: an admin draws a user's extent (辖区范围) by clicking three corners on the admin
page's map, saves it, and clears it again; the account holds the polygon in between."""
from __future__ import annotations

import pytest

from conftest import demo_accounts_of

pytestmark = pytest.mark.browser


def _map_frame(rp, timeout_s: float = 60):
    for _ in range(int(timeout_s * 2)):
        for element in rp.page.query_selector_all("iframe"):
            try:
                frame = element.content_frame()
                if frame and "streamlit_folium" in frame.url and frame.evaluate(
                        "!!document.querySelector('.leaflet-container')"):
                    return element, frame
            except Exception:  # a frame being replaced by a rerun
                pass
        rp.page.wait_for_timeout(500)
    raise AssertionError("the admin page has no map")


def test_an_admin_draws_and_clears_an_extent_on_the_map(app_url, app_data_dir, new_page, artifacts):
    with demo_accounts_of(app_data_dir) as accounts:
        if accounts.find("extent.browser") is None:
            accounts.create("extent.browser", "Extent#Browser2026", "river_chief", accounts.get("admin.demo"),
                            rivers=["桃浦河"], must_change_password=False)
    rp = new_page(1400, 2200, user="admin.demo")
    rp.page.goto(f"{app_url}/admin")
    rp.wait_for_text("修改用户", timeout_ms=120000)
    rp.page.get_by_role("combobox", name="选择用户").click()
    rp.page.get_by_role("option", name="extent.browser").click()
    rp.wait_for_text("extent.browser 没有绘制的辖区范围", timeout_ms=60000)
    for n, (dx, dy) in enumerate(((-80, -60), (80, -60), (0, 70)), start=1):
        element, _frame = _map_frame(rp)
        element.scroll_into_view_if_needed()
        box = element.bounding_box()
        rp.page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
        rp.wait_for_text(f"已点 {n} 个", timeout_ms=60000)
    rp.page.get_by_role("button", name="保存绘制的范围").click()
    rp.wait_for_text("已保存 extent.browser 的辖区范围", timeout_ms=60000)
    rp.wait_for_text("3 个顶点", timeout_ms=60000)
    rp.page.screenshot(path=str(artifacts / "admin_extent_drawn.png"), full_page=True)
    with demo_accounts_of(app_data_dir) as accounts:
        extent = accounts.get("extent.browser").extent
    assert extent.startswith("POLYGON ((121.") and extent.count(",") == 3, extent
    rp.page.get_by_role("button", name="清除辖区范围").click()
    rp.wait_for_text("已清除 extent.browser 的辖区范围", timeout_ms=60000)
    with demo_accounts_of(app_data_dir) as accounts:
        assert accounts.get("extent.browser").extent == ""
    assert rp.external_requests() == [], rp.external_requests()
