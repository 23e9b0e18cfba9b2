"""The map page as users meet it (issue 11): the first click selects, overlaps resolve to the point,
search and filters take you there, the map fills the window, the phone shows what was tapped."""
from __future__ import annotations

import re
import time

import pytest

from layers.mapview import extent_of

pytestmark = pytest.mark.browser

# An outfall drawn well inside the map whose page position (iframe offset + container point) is
# inside the browser window, clear of the map's controls; its code from its hover label.
VISIBLE_OUTFALL_JS = """([fx, fy, vw, vh]) => {
  let layer = null; map.eachLayer(l => { if (l._n && l.options && l.options.name === 'outfalls') layer = l; });
  if (!layer || !layer._grid) return null;
  const s = map.getSize();
  for (let i = 0; i < layer._n; i++) {
    const p = map.latLngToContainerPoint([layer._lat[i] * 1e-6, layer._lon[i] * 1e-6]);
    if (p.x < 60 || p.y < 60 || p.x > s.x - 130 || p.y > s.y - 60) continue;
    if (fx + p.x > vw - 10 || fy + p.y > vh - 10 || fy + p.y < 10) continue;
    if (layer._nearest(p) !== i) continue;
    const label = layer._label(i);
    if (!label) continue;
    return {x: p.x, y: p.y, i, code: label.split(' ')[0]};
  }
  return null;
}"""
BOUNDS_JS = "() => { const b = map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"


def _outfalls_ready(frame, timeout_s: float = 40) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        ready = frame.evaluate("""() => { let ok = false; map.eachLayer(l => {
            if (l._n && l.options.name === 'outfalls' && l._grid && l._labels[0] && l._labels[0] !== 'loading') ok = true; });
            return ok && !!window.__hetuSized; }""")
        if ready:
            time.sleep(0.5)
            return
        time.sleep(0.3)
    raise AssertionError("the outfalls were not drawn")


def _open_map(rp, app_url):
    rp.page.goto(app_url)
    frame = rp.map_frame()
    _outfalls_ready(frame)
    rp.wait_idle()
    return frame


@pytest.mark.parametrize("size", [(1366, 768), (1400, 900), (1920, 1080), (390, 844)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_click_selects_the_outfall_under_the_pointer(app_url, new_page, artifacts, size):
    w, h = size
    rp = new_page(w, h)
    frame = _open_map(rp, app_url)
    box = rp.map_iframe.bounding_box()
    # the map fills the window below the header: its bottom edge is on screen, and it is most of it
    assert box["y"] + box["height"] <= h + 1, (box, h)
    assert box["height"] >= 0.55 * h, (box, h)
    before = rp.page.evaluate("window.scrollY")
    target = frame.evaluate(VISIBLE_OUTFALL_JS, [box["x"], box["y"], w, h])
    assert target, "no outfall visible without scrolling"
    rp.page.mouse.move(box["x"] + target["x"], box["y"] + target["y"])
    rp.page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    # what the user sees: the tapped outfall's code and its key facts, on the FIRST click
    facts = rp.page.locator(".st-key-hetu_selcard" if w < 800 else "[data-testid='stMarkdownContainer'] table")
    facts.filter(has_text=target["code"]).first.wait_for(timeout=30000)
    rp.wait_idle()
    assert rp.page.evaluate("window.scrollY") == before, "the page jumped under the click"
    assert rp.page.evaluate("() => history.length") >= 1
    selected = rp.page.get_by_text(target["code"], exact=False)
    assert selected.count() > 0, f"{target['code']} is not shown as selected"
    if w < 800:  # phone: the key facts are on screen without scrolling
        card = rp.page.locator(".st-key-hetu_selcard").bounding_box()
        assert card["y"] >= 0 and card["y"] + card["height"] <= h, card
        assert target["code"] in rp.page.locator(".st-key-hetu_selcard").inner_text()
    else:
        assert target["code"] in rp.page.locator("[data-testid='stMarkdown']").all_inner_texts().__str__()
    frame = rp.map_frame()
    stray = frame.evaluate("""() => document.querySelectorAll('.leaflet-tooltip').length +
        Array.from(document.querySelectorAll('.hetu-points-tip')).filter(t => t.style.display === 'block').length""")
    assert stray == 0, "a tooltip stayed after the click"
    rp.page.wait_for_timeout(600)
    rp.page.screenshot(path=str(artifacts / f"map_first_click_{w}x{h}.png"))
    assert rp.external_requests() == []


OVERLAP_JS = """() => {
  // the outfall closest to a section marker, and a zoom at which they overlap on screen (< 5 px)
  let pts = null; const secs = [];
  map.eachLayer(l => { if (l._n && l.options.name === 'outfalls') pts = l;
                       if (l.feature && '_class_label' in l.feature.properties && l.getLatLng) secs.push(l); });
  let best = null;
  secs.forEach(s => { const a = s.getLatLng();
    for (let i = 0; i < pts._n; i++) {
      const d = a.distanceTo([pts._lat[i] * 1e-6, pts._lon[i] * 1e-6]);
      if (!best || d < best.d) best = {d, i, code: s.feature.properties.code, lat: pts._lat[i] * 1e-6, lng: pts._lon[i] * 1e-6};
    } });
  return best;
}"""


def test_outfall_over_a_section_one_tooltip_and_the_click_selects_the_outfall(app_url, new_page, artifacts):
    rp = new_page(1400, 900)
    frame = _open_map(rp, app_url)
    pair = frame.evaluate(OVERLAP_JS)
    assert pair and pair["d"] < 300, pair
    # a zoom at which the section's 8 px marker covers the outfall
    frame.evaluate("([lat, lng]) => { map.setView([lat, lng], 14, {animate: false}); }", [pair["lat"], pair["lng"]])
    rp.page.wait_for_timeout(800)
    p = frame.evaluate("([lat, lng]) => map.latLngToContainerPoint([lat, lng])", [pair["lat"], pair["lng"]])
    sec = frame.evaluate("""(code) => { let q = null; map.eachLayer(l => { if (l.feature && l.feature.properties.code === code && l.getLatLng) q = map.latLngToContainerPoint(l.getLatLng()); }); return q; }""",
                         pair["code"])
    assert ((p["x"] - sec["x"]) ** 2 + (p["y"] - sec["y"]) ** 2) ** 0.5 < 8, (p, sec)  # they overlap on screen
    code = frame.evaluate("""(i) => { let l0; map.eachLayer(l => { if (l._n && l.options.name === 'outfalls') l0 = l; });
                             return l0._label(i).split(' ')[0]; }""", pair["i"])
    box = rp.stable_box(rp.map_iframe)
    rp.page.mouse.move(box["x"] + p["x"] - 3, box["y"] + p["y"] - 3)
    rp.page.mouse.move(box["x"] + p["x"], box["y"] + p["y"])
    rp.page.wait_for_timeout(400)
    tips = frame.evaluate("""() => ({vector: document.querySelectorAll('.leaflet-tooltip').length,
        point: Array.from(document.querySelectorAll('.hetu-points-tip')).filter(t => t.style.display === 'block').map(t => t.textContent)})""")
    assert tips["vector"] == 0 and len(tips["point"]) == 1, tips
    assert tips["point"][0].startswith(code), tips
    rp.page.screenshot(path=str(artifacts / "map_overlap_hover.png"))
    rp.page.mouse.click(box["x"] + p["x"], box["y"] + p["y"])
    _wait_for_facts(rp, code)
    tables = " ".join(rp.page.locator("[data-testid='stMarkdownContainer'] table").all_inner_texts())
    assert code in " ".join(rp.page.locator("[data-testid='stMarkdown']").all_inner_texts())
    assert pair["code"] not in tables, "the section under the outfall was selected"


def _wait_for_facts(rp, code: str) -> None:
    """The details panel beside the map shows the feature's key-facts table."""
    rp.page.locator("[data-testid='stMarkdownContainer'] table").filter(has_text=code).first.wait_for(timeout=30000)
    rp.wait_idle()


def _bounds_after_move(rp, old, timeout_s: float = 30):
    """The map's bounds once they differ from ``old`` and have settled (the frame may be rebuilt)."""
    deadline = time.time() + timeout_s
    last = None
    while time.time() < deadline:
        try:
            b = rp.map_frame().evaluate(BOUNDS_JS)
        except Exception:  # noqa: BLE001 - the map frame is being replaced
            time.sleep(0.3)
            continue
        if b != old and b == last:
            return b
        last = b
        time.sleep(0.6)
    return last


def _fits(view, target, slack: float = 2.2):
    """view contains target, and is not much larger in its tighter dimension."""
    contains = (view[0] <= target[0] + 1e-6 and view[1] <= target[1] + 1e-6
                and view[2] >= target[2] - 1e-6 and view[3] >= target[3] - 1e-6)
    ratio = min((view[2] - view[0]) / max(target[2] - target[0], 1e-9),
                (view[3] - view[1]) / max(target[3] - target[1], 1e-9))
    return contains, ratio


def test_search_a_river_zooms_to_it_and_the_river_filter_zooms(app_url, new_page, artifacts):
    rp = new_page(1400, 900)
    frame = _open_map(rp, app_url)
    page = rp.page
    start = frame.evaluate(BOUNDS_JS)
    river = extent_of("rivers", ("桃浦河",), dataset="putuo")
    box = page.get_by_placeholder("搜索河道、街道、排口名称或编码，如 桃浦河 / PT-0001")
    box.fill("桃浦河")
    box.press("Enter")
    rp.wait_for_text("显示前 20 个，共 26 个")  # the capped outfall list says so
    view = _bounds_after_move(rp, start)
    contains, ratio = _fits(view, river)
    assert contains and ratio < 2.2, (view, river, ratio)  # the FIRST search on a fresh page moved and zoomed
    page.wait_for_timeout(800)
    box_map = rp.map_iframe.bounding_box()  # the results above the map did not push its bottom off screen
    assert box_map["y"] + box_map["height"] <= 900 + 1, box_map
    page.screenshot(path=str(artifacts / "map_search_river.png"))

    # a later search zooms in too (not only pans), and the results show the new query's hit
    box.fill("PT-0007")
    box.press("Enter")
    _wait_for_facts(rp, "PT-0007")
    view2 = _bounds_after_move(rp, view)
    assert rp.map_frame().evaluate("map.getZoom()") >= 16
    results = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first
    shown = results.inner_text() + " ".join(results.locator("input").evaluate_all("els => els.map(e => e.value)"))
    assert "PT-0007" in shown and "桃浦河" not in shown, shown

    # the river filter zooms to the rivers it keeps
    box.fill("")
    box.press("Enter")
    rp.wait_idle()
    page.get_by_role("button", name=re.compile("图层筛选")).click()
    page.get_by_text("河道", exact=True).first.wait_for()
    combo = page.locator("[data-testid='stPopoverBody'] [data-testid='stMultiSelect']").nth(1)  # 河道
    combo.locator("input").first.click()
    page.keyboard.type("桃浦河")
    page.get_by_role("option", name="桃浦河").first.click()
    page.keyboard.press("Escape")
    rp.wait_idle()  # the filtered layers are prepared (a progress bar) before the map moves
    view3 = _bounds_after_move(rp, view2, timeout_s=90)
    contains, ratio = _fits(view3, extent_of("rivers", ("桃浦河",), dataset="putuo"))
    assert contains and ratio < 2.2, (view3, ratio)
    assert rp.external_requests() == []


def test_phone_tooltip_stays_inside_the_map_and_credits_leave_the_scale_bar(app_url, new_page, artifacts):
    rp = new_page(390, 844)
    frame = _open_map(rp, app_url)
    # hover the right-most visible outfall: its label must not run past the map's edge
    p = frame.evaluate("""() => { let l0; map.eachLayer(l => { if (l._n && l.options.name === 'outfalls') l0 = l; });
        const s = map.getSize(); let best = null;
        for (let i = 0; i < l0._n; i++) { const p = map.latLngToContainerPoint([l0._lat[i] * 1e-6, l0._lon[i] * 1e-6]);
          if (p.x < s.x - 4 && p.y > 80 && p.y < s.y - 120 && l0._nearest(p) === i && (!best || p.x > best.x)) best = p; }
        return best; }""")
    box = rp.map_iframe.bounding_box()
    rp.page.mouse.move(box["x"] + p["x"] - 30, box["y"] + p["y"] - 5)
    rp.page.mouse.move(box["x"] + p["x"], box["y"] + p["y"], steps=3)
    rp.page.wait_for_timeout(300)
    rects = frame.evaluate("""() => { const r = e => e.getBoundingClientRect();
        const tip = Array.from(document.querySelectorAll('.hetu-points-tip')).find(t => t.style.display === 'block');
        return {map: r(map.getContainer()), tip: tip ? r(tip) : null,
                scale: r(document.querySelector('.leaflet-control-scale')),
                attribution: r(document.querySelector('.leaflet-control-attribution'))}; }""")
    assert rects["tip"], "no tooltip on hover"
    assert rects["tip"]["left"] >= rects["map"]["left"] and rects["tip"]["right"] <= rects["map"]["right"], rects
    s, a = rects["scale"], rects["attribution"]
    overlap = not (s["right"] <= a["left"] or a["right"] <= s["left"] or s["bottom"] <= a["top"] or a["bottom"] <= s["top"])
    assert not overlap, rects
    assert rp.page.evaluate("document.documentElement.scrollWidth") <= 392
    rp.page.screenshot(path=str(artifacts / "map_phone_tooltip.png"))


def test_bundled_cjk_font_is_served_and_used_only_as_a_fallback(app_url, new_page):
    rp = new_page(1366, 768)
    _open_map(rp, app_url)
    page = rp.page
    # the page's font stack: system CJK fonts first, the bundled one after them
    family = page.evaluate("getComputedStyle(document.querySelector('[data-testid=\"stSidebar\"] p') || document.body).fontFamily")
    assert "Hetu CJK" in family and family.index("Microsoft YaHei") < family.index("Hetu CJK"), family
    has_system_cjk = page.evaluate("""() => { const c = document.createElement('canvas').getContext('2d');
        const w = f => { c.font = '32px ' + f; return c.measureText('河图水').width; };
        return ['PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei']
          .some(f => w('"' + f + '", monospace') !== w('monospace')); }""")
    fetched = [u for u in rp.requests if "/app/static/fonts/" in u]
    if has_system_cjk:
        assert not fetched, "the bundled font was downloaded although the system has a CJK font"
    else:  # this machine has no CJK font: the bundled one is what makes 河图 readable
        assert fetched, "no CJK font on this system, and the bundled web font was not loaded"
        loaded = page.evaluate("document.fonts.check('16px \"Hetu CJK\"', '河图')")
        assert loaded


def test_street_zoom_shows_real_basemap_tiles_not_a_blown_up_coarser_level(app_url, new_page, artifacts):
    """Issue 11.12: above zoom 16 the offline basemap was the z16 raster blown up (blocky). Zoom 17 is now
    rasterized from the vectors; at z18 Leaflet must ask for z17 tiles, and each one must load (a real file)."""
    rp = new_page(1366, 768)
    frame = _open_map(rp, app_url)
    state = frame.evaluate("""async () => {
      let l0, base; map.eachLayer(l => { if (l._n && l.options.name === 'outfalls') l0 = l;
                                         if (l._url && l._url.includes('/tiles/')) base = l; });
      map.setView([l0._lat[0] * 1e-6, l0._lon[0] * 1e-6], 18, {animate: false});
      // the tiles shown stay, scaled, until the new view's tiles are loaded (hetu-draw.js): wait for one level
      await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
      const tiles = () => Object.values(base._tiles);
      const settled = () => tiles().length && tiles().every(t => t.loaded && t.coords.z === tiles()[0].coords.z);
      for (let k = 0; k < 60 && !settled(); k++)
        await new Promise(r => setTimeout(r, 250));
      return {zoom: map.getZoom(), tiles: tiles().map(t => ({z: t.coords.z, src: t.el.src, w: t.el.naturalWidth}))};
    }""")
    assert state["zoom"] == 18 and state["tiles"], state
    assert {t["z"] for t in state["tiles"]} == {17}, state["tiles"][:3]  # the z17 level, scaled 2x, not z16 4x
    assert all("/tiles/putuo/17/" in t["src"] and t["w"] == 256 for t in state["tiles"]), state["tiles"][:3]
    rp.page.screenshot(path=str(artifacts / "map_basemap_z18.png"))
