"""Stored XSS, tried as an attacker would, in the real app (issue 12, Must show).

An outfall, a section and a plot are created in the record store (the store API the importer writes
through) with a name that is markup and script: ``<img src=x onerror=alert(1)>``, a backtick and
``${alert(1)}``. Another user then hovers and clicks them on the map, opens their record pages, and
previews an import file with the same name. No dialog may open anywhere (``page.on("dialog")``,
which also hears the map's iframe), no ``<img src=x>`` may exist in any frame, and the name must
show as the characters typed.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

pytestmark = pytest.mark.browser

NAME = "<img src=x onerror=alert(1)> 河`${alert(1)}`"
CODES = {"outfalls": "XSS-O1", "sections": "XSS-S1", "plots": "XSS-P1"}

INJECTED_JS = """() => {
  const n = document.querySelectorAll('img[src="x"]').length;
  return n + Array.from(document.querySelectorAll('iframe')).reduce((acc, f) => {
    try { return acc + f.contentDocument.querySelectorAll('img[src="x"]').length; } catch (e) { return acc; }
  }, 0);
}"""
# container position of a record on the map: canvas points by their hover label, GeoJSON by properties.code
FIND_JS = """([code, kind]) => {
  const map = window.map;
  let out = null;
  map.eachLayer(l => {
    if (out) return;
    if (kind === 'canvas' && l._labels && l._n) {  // hover labels come in chunks of options.labelsChunk
      const size = l.options.labelsChunk || 5000;
      for (const k of Object.keys(l._labels)) {
        const chunk = l._labels[k];
        const j = Array.isArray(chunk) ? chunk.findIndex(s => typeof s === 'string' && s.startsWith(code + ' ')) : -1;
        if (j >= 0) { const i = +k * size + j; out = map.latLngToContainerPoint([l._lat[i] * 1e-6, l._lon[i] * 1e-6]); break; }
      }
    } else if (kind === 'vector' && l.feature && l.feature.properties.code === code) {
      out = map.latLngToContainerPoint(l.getLatLng ? l.getLatLng() : l.getCenter());
    }
  });
  return out && {x: out.x, y: out.y};
}"""
TOOLTIP_JS = """() => {
  const t = Array.from(document.querySelectorAll('.leaflet-tooltip, .hetu-points-tip'))
    .filter(e => e.offsetParent !== null || e.style.display === 'block');
  return t.map(e => ({text: e.textContent, imgs: e.querySelectorAll('img').length}));
}"""
POPUP_JS = """() => Array.from(document.querySelectorAll('.leaflet-popup-content'))
  .map(e => ({text: e.textContent, imgs: e.querySelectorAll('img').length}))"""


def _free_spots(n: int = 3, gap_m: float = 450) -> list[tuple[float, float]]:
    """``n`` places inside the district at least ``gap_m`` from every demo record and from each other."""
    from gislib.dataset import load_layer

    district = load_layer("district", "putuo").to_crs(3857).geometry.union_all()
    taken = [load_layer(k, "putuo").to_crs(3857).geometry.representative_point()
             for k in ("outfalls", "sections", "plots", "dust_sites")]
    xs = np.concatenate([t.x.to_numpy() for t in taken])
    ys = np.concatenate([t.y.to_numpy() for t in taken])
    minx, miny, maxx, maxy = district.bounds
    chosen: list[tuple[float, float]] = []
    scale = 1 / np.cos(np.radians(31.25))  # web-mercator metres per ground metre here
    for x in np.arange(minx, maxx, 150):
        for y in np.arange(miny, maxy, 150):
            from shapely import Point

            if not district.buffer(-800).contains(Point(x, y)):
                continue
            if np.min(np.hypot(xs - x, ys - y)) < gap_m * scale:
                continue
            if any(np.hypot(cx - x, cy - y) < gap_m * scale for cx, cy in chosen):
                continue
            chosen.append((x, y))
            if len(chosen) == n:
                import geopandas as gpd

                pts = gpd.GeoSeries(gpd.points_from_xy(*zip(*chosen)), crs=3857).to_crs(4326)
                return [(p.x, p.y) for p in pts]
    raise AssertionError("no free place in the district for the test records")


@pytest.fixture(scope="module")
def hostile_records(app_data_dir):
    """The three records, written through the store the app reads; withdrawn afterwards."""
    from gislib.services.catalog import store

    st = store(data_dir=app_data_dir, dataset="putuo")  # seeds the demo records first, as the app does
    (ox, oy), (sx, sy), (px, py) = _free_spots()
    d = 0.0012
    st.create("outfalls", {"code": CODES["outfalls"], "name": NAME, "type_l1": "暂无法确定", "river": NAME,
                           "lon": ox, "lat": oy}, "test:attacker")
    st.create("sections", {"code": CODES["sections"], "name": NAME, "river": NAME, "lon": sx, "lat": sy}, "test:attacker")
    st.create("plots", {"code": CODES["plots"], "name": NAME, "pollutants": NAME,
                        "geometry_wkt": f"POLYGON (({px - d} {py - d}, {px + d} {py - d}, {px + d} {py + d}, "
                                        f"{px - d} {py + d}, {px - d} {py - d}))"}, "test:attacker")
    yield st
    for layer, code in CODES.items():
        st.remove(layer, code, user="test:cleanup", reason="浏览器 XSS 测试的记录，测试后撤销")


def _watch(rp) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(d):
        dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    rp.page.on("dialog", on_dialog)
    return dialogs


def _wait_for(frame, code: str, kind: str, timeout_s: float = 30) -> dict:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        pos = frame.evaluate(FIND_JS, [code, kind])
        if pos:
            return pos
        time.sleep(0.3)
    raise AssertionError(f"{code} is not on the map")


def _tooltips(rp, frame, timeout_s: float = 10) -> list[dict]:
    """The visible tooltips once one shows the name. Headless Chromium delivers mouse moves with the
    next animation frame, so each poll asks the frame for one."""
    deadline = time.time() + timeout_s
    tips: list[dict] = []
    while time.time() < deadline and not any(NAME in t["text"] for t in tips):
        frame.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        rp.page.screenshot()  # a frame of the whole page: pending input is dispatched before it
        tips = frame.evaluate(TOOLTIP_JS)
        time.sleep(0.2)
    return tips


def _settled(frame, code: str, kind: str, timeout_s: float = 10) -> dict:
    """The record's position once the map has stopped moving (it fits its bounds after sizing)."""
    deadline = time.time() + timeout_s
    pos = frame.evaluate(FIND_JS, [code, kind])
    while time.time() < deadline:
        time.sleep(0.5)
        again = frame.evaluate(FIND_JS, [code, kind])
        if again == pos:
            break
        pos = again
    return pos


def _hover_and_click(rp, frame, code: str, kind: str, artifacts, shot: str) -> dict:
    """Hover the record (its tooltip shows the name as text), click it (popup/selection), screenshot."""
    page = rp.page
    _wait_for(frame, code, kind)
    frame.evaluate("() => { window.map.closePopup(); }")  # the last click's popup may cover this record
    box = rp.stable_box(rp.map_iframe)
    pos = _settled(frame, code, kind)
    page.mouse.move(box["x"] + pos["x"] + 3, box["y"] + pos["y"] + 3)
    page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"], steps=3)
    tips = _tooltips(rp, frame)
    page.screenshot(path=str(artifacts / f"{shot}_hover.png"))
    assert any(NAME in t["text"] and t["imgs"] == 0 for t in tips), (pos, tips)
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    page.wait_for_timeout(300)
    popups = frame.evaluate(POPUP_JS)  # read before the selection's rerun redraws the frame
    page.locator(f"[data-testid='stMain'] >> text={code} >> visible=true").first.wait_for(timeout=30000)
    rp.wait_idle()  # the selection's key facts (the card beside or above the map)
    return {"tips": tips, "popups": popups}


def _assert_clean(rp, dialogs) -> None:
    assert dialogs == [], dialogs
    assert rp.page.evaluate(INJECTED_JS) == 0, "an <img src=x> element was created"


def test_hostile_names_on_the_map(hostile_records, app_url, new_page, artifacts):
    rp = new_page(1400, 900)
    dialogs = _watch(rp)
    rp.page.goto(app_url)
    frame = rp.map_frame()
    for key, kind in (("outfalls", "canvas"), ("sections", "vector"), ("plots", "vector")):
        code = CODES[key]
        got = _hover_and_click(rp, frame, code, kind, artifacts, f"xss_map_{key}")
        if kind == "vector":  # the GeoJSON popup of a click shows the name as text too
            assert any(NAME in p["text"] and p["imgs"] == 0 for p in got["popups"]), got["popups"]
        side = rp.page.locator('[data-testid="stMain"]').inner_text()
        assert code in side and NAME in side, side  # the key facts of the selection: the literal name
        facts = rp.page.locator('[data-testid="stMarkdownContainer"] table').first.inner_text()
        assert NAME in facts.replace("\n", " "), facts  # the table renders markdown: backticks must stay
        _assert_clean(rp, dialogs)
        frame = rp.map_frame()
    rp.page.wait_for_timeout(500)
    rp.page.screenshot(path=str(artifacts / "xss_map.png"))
    _assert_clean(rp, dialogs)
    assert rp.external_requests() == [], rp.external_requests()


@pytest.mark.parametrize("page_path, key, heading", [("outfall", "outfalls", "一口一档"),
                                                     ("sections", "sections", "断面水质"),
                                                     ("plots", "plots", "地块")])
def test_hostile_names_on_the_record_pages(hostile_records, app_url, new_page, artifacts, page_path, key, heading):
    rp = new_page(1400, 900)
    dialogs = _watch(rp)
    rp.page.goto(f"{app_url}/{page_path}?code={CODES[key]}")
    rp.wait_for_text(CODES[key], timeout_ms=60000)
    rp.page.get_by_text(NAME).first.wait_for(timeout=30000)  # the name, literally, as text
    if key == "plots":  # the registry fields table (st.table renders markdown: backticks must stay)
        facts = rp.page.locator('[data-testid="stTable"]').first.inner_text()
        assert NAME in facts.replace("\n", " "), facts
    if key == "outfalls":  # the locator map's tooltip
        frame = rp.map_frame()
        box = rp.stable_box(rp.map_iframe)
        rp.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=3)
        tips = _tooltips(rp, frame)
        assert any(NAME in t["text"] and t["imgs"] == 0 for t in tips), tips
    rp.page.wait_for_timeout(800)
    rp.page.screenshot(path=str(artifacts / f"xss_page_{key}.png"), full_page=True)
    _assert_clean(rp, dialogs)


def test_hostile_names_in_the_import_preview(app_url, new_page, artifacts, tmp_path, hostile_records):
    from gislib.dataset import load_layer

    c = load_layer("district", "putuo").geometry.union_all().representative_point()
    src = tmp_path / "xss.csv"
    src.write_text("排口编码,排口名称,一级类型,经度,纬度,受纳水体\n"
                   f"XSS-I1,\"{NAME}\",暂无法确定,{c.x:.6f},{c.y:.6f},\"{NAME}\"\n"
                   f"XSS-I2,\"=HYPERLINK(\"\"http://x\"\")\",暂无法确定,,,{NAME}\n", encoding="utf-8")
    rp = new_page(1400, 1000)
    dialogs = _watch(rp)
    rp.page.goto(f"{app_url}/import")
    rp.wait_for_text("数据导入与导出", timeout_ms=60000)
    rp.page.locator('input[type="file"]').first.set_input_files(str(src))
    rp.wait_for_text("试导入预览（尚未写入）", timeout_ms=60000)
    frame = rp.map_frame()
    deadline = time.time() + 30
    while time.time() < deadline and not frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length"):
        time.sleep(0.3)
    pos = frame.evaluate("""() => { let p = null; window.map.eachLayer(l => {
        if (l instanceof L.CircleMarker && l.getTooltip()) p = window.map.latLngToContainerPoint(l.getLatLng()); });
        return p && {x: p.x, y: p.y}; }""")
    assert pos, "the accepted row is not on the preview map"
    box = rp.stable_box(rp.map_iframe)
    rp.page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"], steps=4)
    tips = _tooltips(rp, frame)
    assert any(NAME in t["text"] and t["imgs"] == 0 for t in tips), tips
    rp.page.screenshot(path=str(artifacts / "xss_import_preview.png"))
    _assert_clean(rp, dialogs)


CSP_PROBE_JS = """() => new Promise(resolve => {
  const seen = [];
  document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective));
  document.body.insertAdjacentHTML('beforeend', '<img id="csp-probe" src="/no-such-image.png" onerror="window.__probe = 1">');
  const s = document.createElement('script'); s.textContent = 'window.__probe2 = 1'; document.body.appendChild(s);
  setTimeout(() => { document.getElementById('csp-probe').remove();
    resolve({handler: window.__probe || 0, inline: window.__probe2 || 0, seen,
             meta: !!document.querySelector('meta[http-equiv="Content-Security-Policy"]')}); }, 1500);
})"""


def test_map_frame_refuses_inline_script(app_url, new_page, artifacts):
    """Defence in depth: even markup that escaped escaping cannot run in the map frame (CSP), and the
    map still draws and answers clicks under that policy."""
    rp = new_page(1400, 900)
    rp.page.goto(app_url)
    frame = rp.map_frame()
    deadline = time.time() + 30
    while time.time() < deadline and not frame.evaluate(
            "() => +(document.querySelector('canvas.hetu-points[data-layer=outfalls]') || {dataset: {}}).dataset.drawn > 0"):
        time.sleep(0.3)
    csp_errors = lambda: [e for e in rp.console_errors if "Content Security Policy" in e]  # noqa: E731
    assert csp_errors() == [], csp_errors()  # the map itself (scripts, tiles, point files) breaks no rule
    probe = frame.evaluate(CSP_PROBE_JS)
    probed = len(csp_errors())
    assert probe["meta"], "the map frame has no Content-Security-Policy"
    assert probe["handler"] == 0 and probe["inline"] == 0, probe
    assert "script-src-attr" in probe["seen"] or "script-src" in probe["seen"], probe
    rp.click_outfall(frame)  # the map script itself ran (allowed by its hash) and clicks reach the app
    rp.page.locator("[data-testid='stMain'] >> text=受纳水体 >> visible=true").first.wait_for(timeout=30000)
    rp.wait_idle()  # the selection's key facts
    assert len(csp_errors()) == probed, csp_errors()  # selecting (an eval'd feature group) breaks none either
    print("console errors:", rp.console_errors)
