"""Issue 18 item 2: a click on the map selects without rebuilding the map. The selection ring is drawn in the
map frame (static/js/hetu-selection.js); the component's arguments do not change for a click, so the frame
gets no new render (the same Leaflet map, canvas and view, no redraw). A selection made elsewhere (search)
still rings the feature and flies to it."""
from __future__ import annotations

import time

from tests.browser.test_map_browser import open_map

STATE = """() => { const m = window.map, c = document.querySelector('canvas.hetu-points[data-layer=outfalls]');
  if (!window.__sameMap) { window.__sameMap = m; window.__sameCanvas = c; }
  return {sameMap: window.__sameMap === m, sameCanvas: window.__sameCanvas === c, draws: window.__hetuDraws,
          center: [m.getCenter().lat, m.getCenter().lng], zoom: m.getZoom(), ring: window.__hetuRing || null,
          renders: window.__renders || 0}; }"""
COUNT_RENDERS = """() => { if (window.__counting) return; window.__counting = true;
  window.addEventListener('message', e => { if (e.data && e.data.type === 'streamlit:render') window.__renders = (window.__renders || 0) + 1; }); }"""
POINT = """i => { const m = window.map; let l = null; m.eachLayer(x => { if (x._n && x.options.name === 'outfalls') l = x; });
  return [l._lat[i] * 1e-6, l._lon[i] * 1e-6]; }"""


def _until(fn, timeout_s=30):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    return fn()


def test_a_click_rings_the_outfall_without_rebuilding_the_map(app_url, new_page, artifacts):
    rp, frame = open_map(app_url, new_page)
    rp.page.wait_for_timeout(800)
    frame.evaluate(COUNT_RENDERS)
    before = frame.evaluate(STATE)
    assert before["ring"] is None
    pos = rp.click_outfall(frame)
    lat, lng = frame.evaluate(POINT, pos["i"])
    link = rp.page.locator("a[href*='code=']").filter(visible=True).first
    link.wait_for(timeout=30000)
    rp.page.locator("[data-testid='stMarkdownContainer'] table").filter(has_text="受纳水体").first.wait_for(timeout=30000)
    rp.wait_idle()
    rp.page.wait_for_timeout(500)
    code = link.get_attribute("href").split("code=")[1]
    # the facts are the clicked outfall's: its label (hover text) carries its code
    label = frame.evaluate("""i => { let l = null; window.map.eachLayer(x => { if (x._n && x.options.name === 'outfalls') l = x; });
                               return l._label(i); }""", pos["i"])
    assert code in label, (code, label)
    after = frame.evaluate(STATE)
    assert after["ring"] is not None, "no ring after the click"
    assert abs(after["ring"][0] - lat) < 1e-5 and abs(after["ring"][1] - lng) < 1e-5, (after["ring"], lat, lng)
    assert frame.evaluate("() => document.querySelectorAll('.leaflet-overlay-pane svg path').length") >= 1
    # the map was not rebuilt, nor re-rendered by the component, nor moved, nor redrawn
    assert after["sameMap"] and after["sameCanvas"], "the click rebuilt the map"
    assert after["renders"] == 0, "the click sent the map's arguments again"
    assert after["draws"] == before["draws"], "the click redrew the points"
    assert after["zoom"] == before["zoom"] and after["center"] == before["center"], "the click moved the map"
    rp.page.screenshot(path=str(artifacts / "map_click_ring.png"))
    assert rp.external_requests() == []


def test_a_search_still_rings_and_flies_to_the_feature(app_url, new_page, artifacts):
    rp, frame = open_map(app_url, new_page)
    start = frame.evaluate(STATE)
    box = rp.page.get_by_label("搜索名称或编码")
    box.fill("PT-0007")
    box.press("Enter")
    rp.page.locator("a[href*='code=PT-0007']").filter(visible=True).first.wait_for(timeout=30000)
    rp.wait_idle()
    frame = rp.map_frame()
    where = frame.evaluate("""() => { const m = window.map; let l = null; m.eachLayer(x => { if (x._n && x.options.name === 'outfalls') l = x; });
      for (let i = 0; i < l._n; i++) if (l._label(i).indexOf('PT-0007') >= 0) return [l._lat[i] * 1e-6, l._lon[i] * 1e-6];
      return null; }""")
    ring = _until(lambda: frame.evaluate("() => window.__hetuRing || null"))
    assert ring is not None, "the searched outfall is not ringed"
    if where:  # its hover label is loaded: the ring is on it
        assert abs(ring[0] - where[0]) < 1e-5 and abs(ring[1] - where[1]) < 1e-5, (ring, where)
    state = _until(lambda: (lambda s: s if s["zoom"] >= 15 and frame.evaluate(
        "r => window.map.getBounds().contains(r)", ring) else None)(frame.evaluate(STATE)))
    assert state, f"the map did not fly to the searched outfall (was zoom {start['zoom']})"
    rp.page.screenshot(path=str(artifacts / "map_search_ring.png"))
    assert rp.external_requests() == []
