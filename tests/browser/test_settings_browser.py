"""设置 in Debian's Chromium: the chosen basemap is the one whose tiles the map asks for, after leaving
the settings page and coming back (issue 11.2)."""
from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser


def _tile_requests(rp, since: int) -> tuple[list[str], list[str]]:
    new = rp.requests[since:]
    return ([u for u in new if "tile.openstreetmap.org" in u], [u for u in new if "/app/static/tiles/" in u])


def test_chosen_basemap_is_requested_after_navigating_away_and_back(app_url, new_page, artifacts):
    rp = new_page(1400, 900)
    page = rp.page
    page.goto(app_url + "/settings")
    page.get_by_text("OpenStreetMap 在线瓦片（需互联网）").first.wait_for(timeout=60000)
    page.get_by_text("OpenStreetMap 在线瓦片（需互联网）").first.click()
    page.get_by_role("button", name="应用").click()
    rp.wait_for_text("已应用")
    page.screenshot(path=str(artifacts / "settings_form.png"))
    # away to the map through the menu (same session), where the tiles must be OSM's
    mark = len(rp.requests)
    page.get_by_role("link", name="一张图").click()
    rp.map_frame()
    deadline = time.time() + 30
    osm, offline = [], []
    while time.time() < deadline and not osm:
        osm, offline = _tile_requests(rp, mark)
        time.sleep(0.5)
    assert osm, "the map did not ask for OpenStreetMap tiles"
    assert not offline, "the map still asked for the offline tiles"
    # and back: the settings page shows the choice in force
    page.get_by_role("link", name="设置").click()
    rp.wait_for_text("当前使用")
    assert "OpenStreetMap" in page.get_by_text("当前使用").first.inner_text()
    checked = page.locator("[data-testid='stForm'] input:checked")
    assert checked.count() == 1
    assert "OpenStreetMap" in page.locator("[data-testid='stForm'] label:has(input:checked)").inner_text()
    assert all("openstreetmap.org" in u for u in rp.external_requests())
