"""End-to-end benchmark: the real Hetu app against the naive app, same data, same run, headless Chromium.

What a user feels, from navigation until the outfalls are drawn, including the Python run, the store and the
websocket. Both apps are started here as real Streamlit servers on loopback ports:

* ``hetu``: ``python scripts/serve.py`` (as ``scripts/run_app.sh`` starts it: the store prepared and the default map
  built in the server's process, then ``app.py`` served) with ``HETU_DATASET`` set and its own fresh
  ``HETU_DATA_DIR``; the time from launch to the server's first answer is reported;
* ``naive``: ``streamlit run bench/naive_app.py``: the same outfalls read with geopandas,
  ``GeoDataFrame.explore()`` handed to ``st_folium`` (Leaflet served locally).

Measured in Debian's Chromium, each load in a fresh browser context (no HTTP cache, a new Streamlit session)
whose tab has been open and idle for ``TAB_IDLE_S`` (a user's browser, already running, navigating: not Chromium
creating the context's tab and its renderer, which on this 2-core machine still took the first ~0.25 s of a load
when the navigation began at once, as it did in runs before 2026-12-01 17:00 UTC):

* ``cold``: the first load after the server started on a fresh data directory (s);
* ``warm``: the median of the next ``--repeats`` loads (s), navigation start → outfalls drawn + 2 frames
  (Hetu: its canvas layer reports points drawn; naive: N interactive features exist);
* ``zoom`` / ``pan``: ``setView`` zoom-in +1 (the page's first zoom) and a 300×200 px pan, without animation:
  to the last of Hetu's point canvases redrawn at the new view (``redrawn``: the work the gesture causes,
  Leaflet's own handlers included), and to ``moveend`` + 2 frames (the new image painted) (ms, medians);
* ``click``: a click on an outfall → its key facts on the page (Hetu: the link to the record; naive: the
  clicked tooltip written by the app) (ms, median);
* ``MB``: bytes the browser received for one warm load: HTTP bodies plus websocket frames (CDP);
* ``filter`` (Hetu): choosing a river in the layer drawer → the map redraws only its outfalls (s);
* ``ledger`` / ``excel`` (Hetu): navigation → the ledger's first page (s); its Excel export clicked →
  the file written and offered (s), then downloaded (bytes). The naive app has neither.

Prints a markdown table with the naive/Hetu ratios (README's performance table); writes ``bench/results/bench_e2e.json``. Timings never go into tests.

    python bench/bench_e2e.py --dataset city            # 60,000 outfalls (builds the city set if missing)
    python bench/bench_e2e.py --dataset putuo --repeats 2 --apps hetu
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OUT_DIR = REPO / "bench" / "results"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
APPS = {"hetu": "app.py", "naive": "bench/naive_app.py"}
SERVER_START_S: dict[str, float] = {}  # app -> seconds from launch to its first health answer
TOKEN: dict[str, str] = {}  # app -> session cookie (Hetu asks for a login; the naive app has none)
TAB_IDLE_S = 1.0  # a new tab is left idle this long before each timed navigation (see above)

# Runs in every frame: records when the outfalls are drawn (Date.now(), comparable with the Python clock).
DRAWN_PROBE = """
(() => {
  if (window.__bench) return;
  window.__bench = {drawnAt: null};
  const N = %d;
  const findMap = window.__benchMap = () => { for (const k of Object.keys(window)) if (k === 'map' || k.startsWith('map_')) {
      const v = window[k]; if (v && v._layers && v.getZoom && v.setView) return v; } return null; };
  const poll = () => {
    const c = document.querySelector('canvas.hetu-points[data-layer="outfalls"]');
    let ok = false;
    if (c) ok = (+c.dataset.drawn || 0) > 0;
    else { const m = findMap(); if (m) { let k = 0; m.eachLayer(l => { if (l.feature && (l._path || l._point)) k++; });
                                      ok = k >= N; } }
    if (ok) { requestAnimationFrame(() => requestAnimationFrame(() => { window.__bench.drawnAt = Date.now(); }));
              return; }
    setTimeout(poll, c ? 20 : 100);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', poll); else poll();
})();
"""
MOVE = """([kind]) => new Promise(resolve => {
  const m = window.__benchMap();
  const t0 = performance.now();
  // total: the gesture → moveend + 2 frames (the new image painted); redrawn: the gesture → the last point
  // canvas redrawn at the new view (Hetu's canvas layers; the JS work the user waits for, before the paint).
  m.once('moveend', () => requestAnimationFrame(() => requestAnimationFrame(() => {
    const last = window.__hetuLastDraw;
    resolve({total: performance.now() - t0, redrawn: last && last > t0 ? last - t0 : null});
  })));
  if (kind === 'zoom') m.setView(m.getCenter(), m.getZoom() + 1, {animate: false});
  else { const p = m.latLngToContainerPoint(m.getCenter()).add([300, 200]);
         m.setView(m.containerPointToLatLng(p), m.getZoom(), {animate: false}); }
})"""
# Where to click: a drawn outfall well inside the map (Hetu's canvas layer, or the naive app's first path).
CLICK_TARGET = """async () => {
  const map = window.__benchMap();
  let hetu = null; map.eachLayer(l => { if (l.pointsInView && l.options.name === 'outfalls') hetu = l; });
  if (hetu && hetu._clusters && hetu._clusters.length) {  // zoomed out: go to the biggest cluster at street zoom
    const c = hetu._clusters.reduce((a, b) => (b.n > a.n ? b : a));
    map.setView(map.containerPointToLatLng([c.x, c.y]), 15, {animate: false});
    for (let k = 0; k < 100 && !hetu.pointsInView(1).length; k++) await new Promise(r => setTimeout(r, 100));
  }
  const s = map.getSize(); let best = null;
  map.eachLayer(l => {
    if (best) return;
    if (l.pointsInView && l.options && l.options.name === 'outfalls') {  // Hetu: one file or z/x/y tiles
      const p = l.pointsInView(1)[0]; if (p) best = {x: p.x, y: p.y}; return;
    } else if (l._n && l.options && l.options.name === 'outfalls') {
      for (let i = 0; i < l._n; i++) {
        const p = map.latLngToContainerPoint([l._lat[i] * 1e-6, l._lon[i] * 1e-6]);
        if (p.x > 60 && p.y > 60 && p.x < s.x - 60 && p.y < s.y - 60 && l._nearest(p) === i) { best = {x: p.x, y: p.y}; return; }
      }
    } else if (l.feature && l._point) {
      const q = map.latLngToContainerPoint(l.getLatLng());
      if (q.x > 60 && q.y > 60 && q.x < s.x - 60 && q.y < s.y - 60) best = {x: q.x, y: q.y};
    }
  });
  return best;
}"""
FACTS = {"hetu": 'a[href*="code="]', "naive": "text=selected:"}


def login_token(data_dir: Path, dataset: str) -> str:
    """A session of the demo officer in Hetu's data directory, through the real login service (the bench
    measures a logged-in user opening the map, as the browser tests do): the cookie each context carries."""
    import dataclasses

    from gislib.auth import Accounts
    from gislib.auth.demo import DEMO_ACCOUNTS, create_demo_accounts
    from gislib.config import load_settings

    accounts = Accounts(data_dir, settings=dataclasses.replace(load_settings(), dataset=dataset))
    if not accounts.users():
        create_demo_accounts(accounts, by="cli:bench")
    return accounts.start_session(accounts.login("officer.demo", DEMO_ACCOUNTS["officer.demo"][4]))


def login_page(browser, url: str, timeout_s: float) -> float:
    """Navigation → Hetu's login form shown, on the fresh server (s)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = open_tab(context)
        t0 = time.time()
        page.goto(url, wait_until="commit")
        page.locator("input[type='password']").first.wait_for(timeout=timeout_s * 1000)
        return time.time() - t0
    finally:
        context.close()


def new_context(browser, url: str, token: str | None, **kwargs):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, **kwargs)
    if token:
        context.add_cookies([{"name": "hetu_session", "value": token, "url": url}])
    return context


def open_tab(context):
    """A new tab in ``context``, open and idle for ``TAB_IDLE_S`` before the timed navigation begins."""
    page = context.new_page()
    page.wait_for_timeout(TAB_IDLE_S * 1000)
    return page


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app: str, dataset: str, data_dir: Path, store_dir: Path | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "HETU_DATASET": dataset, "HETU_DATA_DIR": str(store_dir or data_dir), "HETU_REPO": str(REPO)}
    script, cwd = APPS[app], REPO
    if app == "naive":  # Streamlit serves static/ beside the main script: run a copy beside a link to ours
        cwd = data_dir / "naive"
        cwd.mkdir()
        (cwd / "static").symlink_to(REPO / "static")
        (cwd / "naive_app.py").write_text((REPO / APPS[app]).read_text())
        (cwd / ".streamlit").symlink_to(REPO / ".streamlit")
        script = "naive_app.py"
    log = open(data_dir / f"{app}.log", "w")
    # Hetu as a deployment starts it (scripts/run_app.sh): scripts/serve.py prepares the store and the default map
    # in the server's process, then serves app.py; the naive app as `streamlit run`
    launch = ["scripts/serve.py"] if app == "hetu" else ["-m", "streamlit", "run", script]
    proc = subprocess.Popen([sys.executable, *launch, "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    started = time.time()
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            SERVER_START_S[app] = time.time() - started
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{app} exited: {(data_dir / f'{app}.log').read_text()[-2000:]}")
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{app} did not answer its health check within 600 s")


class ByteCounter:
    """Bytes the page received: HTTP bodies (encoded) and websocket frames, from the DevTools protocol."""

    def __init__(self, context, page):
        self.total = 0
        self.fonts = 0  # the bundled CJK web font: fetched only by a browser without a CJK system font
        self._urls: dict[str, str] = {}
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", lambda e: self._urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketFrameReceived", self._frame)

    def _finished(self, e: dict) -> None:
        n = int(e.get("encodedDataLength", 0))
        if "/static/fonts/" in self._urls.get(e.get("requestId", ""), ""):
            self.fonts += n
        self._add(n)

    def _add(self, n: float) -> None:
        self.total += int(n)

    def _frame(self, e: dict) -> None:
        resp = e.get("response", {})
        data = resp.get("payloadData", "")
        self._add(len(base64.b64decode(data)) if resp.get("opcode") == 2 else len(data.encode()))


def drawn_frame(page, timeout_s: float):
    """Wait until some frame reports the outfalls drawn; return (frame, Date.now() of drawing in s)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        for frame in page.frames:
            try:
                at = frame.evaluate("window.__bench && window.__bench.drawnAt")
            except Exception:  # the frame is navigating or gone
                continue
            if at:
                return frame, at / 1000.0
        time.sleep(0.05)
    raise TimeoutError(f"outfalls not drawn within {timeout_s:.0f} s")


def click_to_facts(page, frame, app: str, timeout_s: float) -> float | None:
    """Click an outfall; ms until its key facts show on the page (None if they never do)."""
    target = frame.evaluate(CLICK_TARGET)
    if not target:
        return None
    box = frame.frame_element().bounding_box()
    t0 = time.time()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    try:  # the first VISIBLE match (a hidden copy of the link may come first in the page)
        page.locator(f"{FACTS[app]} >> visible=true").first.wait_for(timeout=timeout_s * 1000)
    except Exception as exc:  # noqa: BLE001 - reported, the other measurements go on
        print(f"{app}: click → facts not measured: {str(exc)[:200]}", file=sys.stderr, flush=True)
        return None
    return (time.time() - t0) * 1000


def wait_idle(page, timeout_s: float) -> None:
    """Until the Streamlit run is over (no status widget for 0.3 s)."""
    deadline, quiet = time.time() + timeout_s, 0
    while time.time() < deadline and quiet < 2:
        running = page.evaluate("!!document.querySelector('[data-testid=stStatusWidget]')")
        quiet = 0 if running else quiet + 1
        time.sleep(0.15)


def filter_river(page, frame, river: str, timeout_s: float) -> float | None:
    """Hetu: choose ``river`` in the layer drawer's river filter; s until the map draws only its outfalls."""
    drawn = "() => +(document.querySelector('canvas.hetu-points[data-layer=\"outfalls\"]') || {dataset: {}}).dataset.drawn || 0"
    try:
        page.get_by_role("button", name="图层筛选").first.click()
        box = page.get_by_role("combobox").filter(has_text="河道").first
        if not box.count():
            box = page.locator("[data-testid='stMultiSelect']").filter(has_text="河道").first
        box.click()
        page.keyboard.type(river)
        before = None
        for f in page.frames:
            try:
                before = f.evaluate(drawn) or before
            except Exception:
                pass
        t0 = time.time()
        page.keyboard.press("Enter")
        deadline = t0 + timeout_s
        while time.time() < deadline:
            for f in page.frames:
                try:
                    now = f.evaluate(drawn)
                except Exception:
                    continue
                if now and before and now < before:
                    return time.time() - t0
            time.sleep(0.05)
    except Exception as exc:  # noqa: BLE001 - a bench reports what it could not measure
        print("filter not measured:", exc)
    return None


ROWS_SHOWN = """([code]) => { const g = document.querySelector('[data-testid="stDataFrame"]');
  return !!g && g.textContent.includes(code); }"""


def first_code(store_dir: Path) -> str:
    """The code in the ledger's first row (default sort: by code), read through the app's own store."""
    from gislib.store import open_store

    _, rows = open_store(store_dir).page("outfalls", limit=1, omit=("monitoring",))
    return rows[0]["code"]


def ledger(browser, url: str, timeout_s: float, n: int = 1, code: str = "") -> dict:
    """Hetu: the ledger's first page reached the way a user reaches it, from the map page already open in the
    session (its sidebar link: an ``st.navigation`` page switch, same session) → its first rows in the table
    (s), and to the page's run over (s); then in a fresh tab (a new session: Streamlit's start, websocket,
    login cookie, the page run) → the table shown and the run over (s); then its Excel export written (s) and
    bytes."""
    out: dict = {}
    if code:
        context = new_context(browser, url, TOKEN.get("hetu"))
        try:
            context.add_init_script(DRAWN_PROBE % n)
            page = open_tab(context)
            page.goto(url, wait_until="commit")
            drawn_frame(page, timeout_s)
            wait_idle(page, timeout_s)
            link = page.locator('[data-testid="stSidebarNav"] a[href$="/outfalls"]').first
            t0 = time.time()
            link.click()
            page.wait_for_function(ROWS_SHOWN, arg=[code], timeout=timeout_s * 1000, polling="raf")
            out["ledger_nav_s"] = time.time() - t0
            wait_idle(page, timeout_s)
            out["ledger_nav_idle_s"] = time.time() - t0
        finally:
            context.close()
    context = new_context(browser, url, TOKEN.get("hetu"), accept_downloads=True)
    try:
        page = open_tab(context)
        t0 = time.time()
        page.goto(url + "/outfalls", wait_until="commit")
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=timeout_s * 1000)
        if code:
            page.wait_for_function(ROWS_SHOWN, arg=[code], timeout=timeout_s * 1000, polling="raf")
            out["ledger_rows_s"] = time.time() - t0
        wait_idle(page, timeout_s)
        out["ledger_s"] = time.time() - t0
        t1 = time.time()
        page.get_by_role("button", name="XLSX").first.click()
        link = page.get_by_role("button", name="下载 XLSX").first
        link.wait_for(timeout=timeout_s * 1000)
        out["excel_s"] = time.time() - t1
        with page.expect_download(timeout=timeout_s * 1000) as dl:
            link.click()
        out["excel_bytes"] = Path(dl.value.path()).stat().st_size
        return out
    finally:
        context.close()


def one_load(browser, url: str, n: int, app: str, timeout_s: float, interact: bool, filter_by: str = "") -> dict:
    context = new_context(browser, url, TOKEN.get(app))
    try:
        context.add_init_script(DRAWN_PROBE % n)
        page = context.new_page()
        counter = ByteCounter(context, page)
        external: list[str] = []
        page.on("request", lambda r: external.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")) else None)
        page.wait_for_timeout(TAB_IDLE_S * 1000)  # the tab open and idle, as open_tab
        t0 = time.time()
        page.goto(url, wait_until="commit")
        frame, drawn_at = drawn_frame(page, timeout_s)
        result = {"drawn_s": drawn_at - t0, "external_requests": len(external)}
        page.wait_for_timeout(500)
        result["bytes"] = counter.total
        result["font_bytes"] = counter.fonts
        if interact:
            for kind in ("zoom", "pan"):  # the first zoom of the page, then a pan
                move = frame.evaluate(MOVE, [kind])
                result[f"{kind}_ms"], result[f"{kind}_redrawn_ms"] = move["total"], move["redrawn"]
                page.wait_for_timeout(200)
            page.wait_for_timeout(200)
            result["click_ms"] = click_to_facts(page, frame, app, timeout_s)
            if app == "hetu" and filter_by:
                wait_idle(page, timeout_s)
                result["filter_s"] = filter_river(page, frame, filter_by, timeout_s)
        return result
    finally:
        context.close()


def bench_app(p, app: str, dataset: str, n: int, repeats: int, timeout_s: float, filter_by: str = "",
              store_dir: Path | None = None, ledger_too: bool = True, ledger_only: bool = False) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"hetu-e2e-{app}-"))
    proc, url = start_server(app, dataset, data_dir, store_dir if app == "hetu" else None)
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    try:
        login_s = None
        if app == "hetu":  # a fresh deployment's first visitor sees the login page first (it creates the demo
            login_s = login_page(browser, url, timeout_s)  # accounts), then logs in: the map is measured from there
            TOKEN["hetu"] = login_token(store_dir or data_dir, dataset)
        cold = one_load(browser, url, n, app, timeout_s, interact=False)
        cold["login_page_s"] = login_s
        print(app, "cold", cold, file=sys.stderr, flush=True)
        warm = []
        for _ in range(0 if ledger_only else repeats):
            warm.append(one_load(browser, url, n, app, timeout_s, interact=True, filter_by=filter_by))
            print(app, "warm", warm[-1], file=sys.stderr, flush=True)
        books = []
        from gislib.services.catalog import store_dir as store_dir_of

        code = first_code(store_dir_of(store_dir or data_dir, dataset)) if app == "hetu" and ledger_too else ""
        for _ in range(repeats if app == "hetu" and ledger_too else 0):
            try:
                books.append(ledger(browser, url, timeout_s, n, code))
            except Exception as exc:  # noqa: BLE001 - reported as not measured, the rest still counts
                print(app, "ledger not measured:", str(exc).splitlines()[0], file=sys.stderr, flush=True)
                continue
            print(app, "ledger", books[-1], file=sys.stderr, flush=True)
    finally:
        browser.close()
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()

    def med(key, runs=warm):
        values = [w[key] for w in runs if w.get(key) is not None]
        return statistics.median(values) if values else None

    return {"cold_s": cold["drawn_s"], "warm_s": med("drawn_s"), "zoom_ms": med("zoom_ms"), "pan_ms": med("pan_ms"),
            "zoom_redrawn_ms": med("zoom_redrawn_ms"), "pan_redrawn_ms": med("pan_redrawn_ms"),
            "click_ms": med("click_ms"), "bytes": med("bytes"), "filter_s": med("filter_s"),
            "font_bytes": med("font_bytes"), "login_page_s": cold.get("login_page_s"),
            "server_start_s": SERVER_START_S.get(app),
            "ledger_s": med("ledger_s", books), "ledger_rows_s": med("ledger_rows_s", books),
            "ledger_nav_s": med("ledger_nav_s", books), "ledger_nav_idle_s": med("ledger_nav_idle_s", books), "excel_s": med("excel_s", books),
            "excel_bytes": med("excel_bytes", books), "ledger": books,
            "external_requests": max(w["external_requests"] for w in [cold, *warm]), "cold": cold, "warm": warm}


def outfall_count(dataset: str) -> int:
    import pyogrio

    from gislib.dataset import dataset_path

    return int(pyogrio.read_info(dataset_path(dataset), layer="outfalls")["features"])


def fmt(value, spec: str) -> str:
    return "—" if value is None else format(value, spec)


ROWS = [("navigation → outfalls drawn, cold (fresh data directory)", "cold_s", "{:.2f} s", 1),
        ("navigation → outfalls drawn, warm (median)", "warm_s", "{:.2f} s", 1),
        ("zoom +1 (the page's first zoom): gesture → points redrawn at the new view", "zoom_redrawn_ms", "{:.0f} ms", 1),
        ("pan 300×200 px: gesture → points redrawn", "pan_redrawn_ms", "{:.0f} ms", 1),
        ("zoom +1: gesture → moveend + 2 frames painted", "zoom_ms", "{:.0f} ms", 1),
        ("pan 300×200 px: gesture → moveend + 2 frames painted", "pan_ms", "{:.0f} ms", 1),
        ("click → key facts", "click_ms", "{:.0f} ms", 1), ("river filter (苏州河) → map redrawn", "filter_s", "{:.2f} s", 1),
        ("ledger: from the map page, its sidebar link → first page's rows shown (same session)", "ledger_nav_s", "{:.2f} s", 1),
        ("ledger: from the map page, its sidebar link → the page's run over", "ledger_nav_idle_s", "{:.2f} s", 1),
        ("ledger: fresh tab (new session) → first page's rows shown", "ledger_rows_s", "{:.2f} s", 1),
        ("ledger: fresh tab (new session) → first page, the run over", "ledger_s", "{:.2f} s", 1),
        ("ledger: Excel export of every row written", "excel_s", "{:.2f} s", 1),
        ("bytes to the browser (one warm load)", "bytes", "{:.2f} MB", 1e6),
        ("… of which the CJK web font (only where the system has no CJK font)", "font_bytes", "{:.2f} MB", 1e6),
        ("first visit of a fresh server: navigation → login form", "login_page_s", "{:.2f} s", 1),
        ("server start (a fresh data directory prepared; Hetu: scripts/serve.py) → it answers", "server_start_s",
         "{:.1f} s", 1)]


def markdown_table(dataset: str, n: int, results: dict[str, dict]) -> str:
    """The README's performance table: one row per measurement, a column per app, the naive/Hetu ratio."""
    apps = list(results)
    lines = [f"{dataset}: {n:,} outfalls, end to end in the real apps (headless Chromium, 1366×768)", "",
             "| | " + " | ".join(apps) + (" | naive / Hetu |" if {"hetu", "naive"} <= set(apps) else " |"),
             "|---|" + "---:|" * (len(apps) + ({"hetu", "naive"} <= set(apps)))]
    for label, key, spec, scale in ROWS:
        cells = ["—" if results[a].get(key) is None else spec.format(results[a][key] / scale) for a in apps]
        if {"hetu", "naive"} <= set(apps):
            h, nv = results["hetu"].get(key), results["naive"].get(key)
            cells.append(f"{nv / h:.1f}×" if h and nv else "—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    ext = max(r["external_requests"] for r in results.values())
    lines += ["", f"Requests that left the machine: {ext}."]
    return "\n".join(lines)


def print_table(dataset: str, n: int, results: dict[str, dict]) -> None:
    print()
    print(markdown_table(dataset, n, results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="city",
                        help="putuo, city (default: 60,000 outfalls) or basin (600,000 outfalls, tiles)")
    parser.add_argument("--apps", default="hetu,naive")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--filter-river", default="苏州河", help="river chosen in the filter (Hetu)")
    parser.add_argument("--store-dir", type=Path,
                        help="Hetu's HETU_DATA_DIR (an already filled store: 'cold' is then a first page, not a "
                             "first fill; default a fresh folder)")
    parser.add_argument("--no-ledger", action="store_true",
                        help="skip the ledger and its Excel export (minutes at basin scale)")
    parser.add_argument("--ledger-only", action="store_true",
                        help="Hetu: the first load, then only the ledger (its navigation, first page and Excel export)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from gislib.dataset import DATASETS

    if not DATASETS[args.dataset].exists():
        flag = "--basin" if args.dataset == "basin" else "--only-city"
        subprocess.run([sys.executable, "-m", "gislib", "build-demo", flag], cwd=REPO, check=True)
    n = outfall_count(args.dataset)
    results: dict[str, dict] = {}
    with sync_playwright() as p:
        for app in args.apps.split(","):
            results[app] = bench_app(p, app, args.dataset, n, args.repeats, args.timeout, args.filter_river,
                                     args.store_dir, ledger_too=not args.no_ledger, ledger_only=args.ledger_only)
    print_table(args.dataset, n, results)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / f"bench_e2e_{args.dataset}.json"
    out.write_text(json.dumps({"dataset": args.dataset, "n": n, "results": results}, indent=2, ensure_ascii=False))
    print(f"written {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
