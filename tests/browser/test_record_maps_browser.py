"""Issue 11 item 12 in the real app: the plots and sections pages have a map; a plot opens from a row of
the plots list; a section opens from a click on the map; the opened record is ringed and in view."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

RING = "#ff00aa"
RING_IN_VIEW_JS = """(ring) => {
  const paths = [...document.querySelectorAll('path')].filter(p => p.getAttribute('stroke') === ring);
  if (!paths.length) return null;
  const r = paths[0].getBoundingClientRect();
  return {n: paths.length, inside: r.width > 0 && r.left >= 0 && r.top >= 0 &&
          r.right <= window.innerWidth && r.bottom <= window.innerHeight};
}"""


def _settle(rp, ms: int = 1500) -> None:
    rp.page.wait_for_timeout(400)
    rp.wait_idle(timeout_s=90)
    rp.page.wait_for_timeout(ms)


def _map_frames(rp, timeout_s: float = 30):
    """The streamlit-folium frames of the page that hold a Leaflet map (waits for the first)."""
    for _ in range(int(timeout_s * 2)):
        frames = []
        for element in rp.page.query_selector_all("iframe"):
            try:
                frame = element.content_frame()
                if frame and "streamlit_folium" in frame.url and frame.evaluate(
                        "!!document.querySelector('.leaflet-container')"):
                    frames.append((element, frame))
            except Exception:  # a frame being replaced by a rerun
                pass
        if frames:
            return frames
        rp.page.wait_for_timeout(500)
    return []


def _ring_in_view(rp) -> dict:
    for _ in range(40):
        for _element, frame in _map_frames(rp):
            found = frame.evaluate(RING_IN_VIEW_JS, RING)
            if found and found["inside"]:
                return found
        rp.page.wait_for_timeout(500)
    raise AssertionError("no map shows the opened record ringed and in view")


def test_plot_opens_from_a_row_of_the_list_and_its_map_shows_it(app_url, new_page, artifacts):
    rp = new_page(1400, 2000)
    rp.page.goto(f"{app_url}/plots")
    rp.wait_for_text("全部地块（按阶段着色）", timeout_ms=60000)
    _settle(rp)
    frames = _map_frames(rp)
    assert frames, "the plots list has a map"
    assert frames[0][1].evaluate("document.querySelectorAll('path.leaflet-interactive').length") >= 15
    grid = rp.page.locator('[data-testid="stDataFrame"]').first
    box = rp.stable_box(grid)
    # the selection column is the leftmost; rows (35 px) under the header, sorted by code: row 3 = PTDK-003
    rp.page.mouse.click(box["x"] + 12, box["y"] + 35 + 2 * 35 + 17)
    rp.wait_for_text("阶段流转", timeout_ms=60000)
    rp.wait_for_text("原示例金属制品厂地块3")
    assert re.search(r"code=PTDK-003\b", rp.page.url), rp.page.url
    _settle(rp)
    assert _ring_in_view(rp)["n"] >= 1
    rp.page.screenshot(path=str(artifacts / "plot_opened_from_list.png"))
    assert rp.external_requests() == [], rp.external_requests()


def test_section_opens_from_a_click_on_the_map_and_is_ringed(app_url, new_page, artifacts):
    rp = new_page(1400, 2000)
    rp.page.goto(f"{app_url}/sections")
    rp.wait_for_text("共 25 个断面", timeout_ms=60000)
    _settle(rp)
    frames = _map_frames(rp)
    assert frames, "the sections list has a map"
    element, frame = frames[0]
    markers = frame.locator("path.leaflet-interactive")
    assert markers.count() == 25
    rp.stable_box(element)
    markers.nth(3).click(force=True)
    rp.wait_for_text("逐月水质类别", timeout_ms=60000)
    code = re.search(r"code=(PTDM\d+)", rp.page.url).group(1)
    assert code in rp.page.locator("h3").first.inner_text() or rp.page.get_by_text(code).count()
    _settle(rp)
    assert _ring_in_view(rp)["n"] == 1
    rp.page.screenshot(path=str(artifacts / "section_opened_from_map.png"))
    assert rp.external_requests() == [], rp.external_requests()
