"""The real app in Debian's Chromium: every layer draws, nothing leaves localhost, phone size works."""
from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

LAYER_CHECK_JS = """() => {
  const drawn = {};
  document.querySelectorAll('canvas.hetu-points').forEach(c => drawn[c.dataset.layer] = +c.dataset.drawn || 0);
  const vec = {};
  window.map.eachLayer(l => {
    if (!l.feature) return;
    const p = l.feature.properties;
    const k = '_class_label' in p ? 'sections' : '_area' in p ? 'plots' : '_weight' in p ? 'rivers'
            : 'note' in p ? 'subdistricts' : 'other';
    const drawn = (l._parts && l._parts.length > 0) || (!!l._point && l._radius > 0);
    if (drawn) vec[k] = (vec[k] || 0) + 1;
  });
  const tiles = Array.from(document.querySelectorAll('.leaflet-tile-pane img')).filter(i => i.complete && i.naturalWidth > 0).length;
  const legend = document.querySelector('.hetu-legend') ? document.querySelector('.hetu-legend').textContent : '';
  const attribution = document.querySelector('.leaflet-control-attribution') ? document.querySelector('.leaflet-control-attribution').innerText : '';
  return {drawn, vec, tiles, legend, attribution};
}"""


def _wait_for_layers(frame, timeout_s=30):
    deadline = time.time() + timeout_s
    state = {}
    while time.time() < deadline:
        state = frame.evaluate(LAYER_CHECK_JS)
        if state["drawn"].get("outfalls", 0) > 0 and state["drawn"].get("dust_sites", 0) > 0 and state["tiles"] > 0:
            return state
        time.sleep(0.3)
    return state


def open_map(app_url, new_page, width=1366, height=768):
    """A page on the map at this size, its layers drawn and the app idle: (the page, the map's frame)."""
    rp = new_page(width, height)
    rp.page.goto(app_url)
    frame = rp.map_frame()
    _wait_for_layers(frame)
    rp.wait_idle()
    return rp, frame


def test_map_draws_every_layer_offline(app_url, new_page, artifacts):
    rp = new_page(1400, 900)
    rp.page.goto(app_url)
    frame = rp.map_frame()
    state = _wait_for_layers(frame)
    # canvas layers drew their features
    assert state["drawn"]["outfalls"] == 300
    assert state["drawn"]["dust_sites"] == 40
    # vector layers drew their features on Leaflet's canvas renderer
    vec = state["vec"]
    assert vec.get("sections") == 25, vec
    assert vec.get("plots") == 15, vec
    assert vec.get("rivers", 0) > 100, vec
    assert vec.get("subdistricts") == 10, vec
    assert state["tiles"] > 0, "offline basemap tiles did not load"
    for title in ("入河排污口", "监测断面", "疑似/污染地块", "建筑工地扬尘", "河道水体", "街道/镇（示意）"):
        assert title in state["legend"]
    assert "OpenStreetMap" in state["attribution"]
    assert "geoBoundaries" in state["attribution"]
    rp.page.wait_for_timeout(800)
    rp.page.screenshot(path=str(artifacts / "map_desktop.png"))
    assert rp.external_requests() == [], rp.external_requests()
    # the map page's own frame (views/map_frame) drew it: streamlit-folium's React bundle was not fetched
    assert "/component/views.map_component.hetu_map/" in frame.url, frame.url
    assert [u for u in rp.requests if "streamlit_folium" in u] == []
    # the map's data files came as the copies compressed once when published (static/js/hetu-fetch.js), not
    # compressed again by the server for this request
    fetched = frame.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)"
                             ".filter(n => n.includes('/static/gen/') && /[.](bin|json)([.]gz)?$/.test(n))")
    assert fetched and all(name.endswith(".gz") for name in fetched), fetched


def test_click_outfall_shows_key_facts(app_url, new_page, artifacts):
    rp = new_page(1400, 900)
    rp.page.goto(app_url)
    frame = rp.map_frame()
    _wait_for_layers(frame)
    rp.click_outfall(frame)
    rp.page.locator("[data-testid='stMarkdownContainer'] table").filter(has_text="受纳水体").first.wait_for(timeout=30000)
    rp.wait_idle()
    rp.page.wait_for_timeout(800)
    rp.page.screenshot(path=str(artifacts / "map_outfall_selected.png"))
    assert rp.external_requests() == []


def test_phone_size(app_url, new_page, artifacts):
    rp = new_page(390, 844)
    rp.page.goto(app_url)
    frame = rp.map_frame()
    state = _wait_for_layers(frame)
    assert state["drawn"]["outfalls"] > 0
    width = rp.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 2, f"page scrolls sideways on a phone ({width}px)"
    rp.page.wait_for_timeout(800)
    rp.page.screenshot(path=str(artifacts / "map_phone.png"))
    assert rp.external_requests() == []


def test_trace_upstream_highlights_the_stretch(app_url, new_page, artifacts):
    rp = new_page(1400, 1000)
    rp.page.goto(app_url)
    rp.map_frame()
    box = rp.page.get_by_label("搜索名称或编码")
    box.fill("PTDM020")
    box.press("Enter")
    rp.wait_for_text("上游溯源")
    rp.page.get_by_text("双向（潮汐/闸控河网）").click()
    rp.page.get_by_role("button", name="追溯上游排口").click()
    rp.wait_for_text("个排口")
    frame = rp.map_frame()
    deadline = time.time() + 20
    stretch = 0
    while time.time() < deadline and not stretch:
        stretch = frame.evaluate("""() => { let n = 0; window.map.eachLayer(l => {
            if (l.options && l.options.color === '#e7298a' && l.feature) n++; }); return n; }""")
        time.sleep(0.3)
    assert stretch > 0, "the traced stretch is not on the map"
    rp.stable_box(rp.map_iframe)
    rp.page.wait_for_timeout(1000)
    rp.page.screenshot(path=str(artifacts / "map_trace.png"))
    assert rp.external_requests() == []


def test_a_browser_without_decompression_streams_gets_the_files_as_they_are(app_url, new_page):
    """Older browsers (a bureau's 360 or QQ browser on an old Chromium) have no DecompressionStream: the map frame
    then fetches the map data files as they are (static/js/hetu-fetch.js) and draws the same layers."""
    rp = new_page(1366, 768)
    rp.page.context.add_init_script("delete window.DecompressionStream;")
    rp.page.goto(app_url)
    frame = rp.map_frame()
    state = _wait_for_layers(frame)
    assert state["drawn"].get("outfalls") == 300 and state["vec"].get("subdistricts") == 10, state
    fetched = frame.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)"
                             ".filter(n => n.includes('/static/gen/') && /[.](bin|json)([.]gz)?$/.test(n))")
    assert fetched and not [name for name in fetched if name.endswith(".gz")], fetched
