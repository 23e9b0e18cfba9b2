"""Benchmark: Hetu's map against GeoDataFrame.explore() in headless Chromium, same data, same run.

For each data set (putuo: 300 outfalls; city: 60,000 outfalls) it builds three pages:

* ``explore``: ``outfalls.explore(tiles=None)`` (the naive way), Leaflet served locally;
* ``hetu-outfalls``: Hetu's map with the offline basemap and the outfall layer;
* ``hetu-all``: Hetu's map with every default layer (what the app opens with).

Each page is served from a local HTTP server (``/app/static`` mapped to ``static/`` as Streamlit
does) and opened in a fresh Debian Chromium. Measured, as in ``perf-baseline.md``: Python build
time; bytes the browser received; ``ready`` = ms from navigation start until the outfalls are
drawn (Hetu: the canvas reports N points drawn; explore: N interactive paths exist) plus two
animation frames; zoom-in +1 and a 300x200 px pan, each from ``setView`` to ``moveend`` + two
frames. Medians of ``--repeats`` runs. Prints a table and the Hetu/explore ratios; writes
``bench/results/bench_map.json``.

    python bench/bench_map.py                 # both data sets (builds the city set if missing)
    python bench/bench_map.py --datasets putuo --repeats 1
"""
from __future__ import annotations

import argparse
import http.server
import json
import re
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OUT_DIR = REPO / "bench" / "results"
PAGES_DIR = OUT_DIR / "pages"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LEAFLET_LOCAL = "/app/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS_LOCAL = "/app/static/vendor/leaflet/leaflet.css"

# Polled in the page: when are N outfalls on screen?
READY_PROBE = """
window.__bench = {ready: null};
(function poll() {
  const n = window.__benchN;
  let ok = false;
  const c = document.querySelector('canvas.hetu-points[data-layer="outfalls"]');
  if (c) ok = (+c.dataset.drawn || 0) > 0;
  else if (window.__benchMap) {
    let k = 0; window.__benchMap.eachLayer(l => { if (l.feature && (l._path || l._point)) k++; });
    ok = k >= n;
  }
  if (ok) {
    requestAnimationFrame(() => requestAnimationFrame(() => { window.__bench.ready = performance.now(); }));
    return;
  }
  setTimeout(poll, 20);
})();
"""
FIND_MAP = """() => { const m = Object.values(window).find(v => v && v._layers && v.getZoom && v.setView);
  window.__benchMap = m; return !!m; }"""
MOVE = """([kind]) => new Promise(resolve => {
  const m = window.__benchMap; const t0 = performance.now();
  m.once('moveend', () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0))));
  if (kind === 'zoom') m.setView(m.getCenter(), m.getZoom() + 1, {animate: false});
  else { const p = m.latLngToContainerPoint(m.getCenter()).add([300, 200]);
         m.setView(m.containerPointToLatLng(p), m.getZoom(), {animate: false}); }
})"""


class StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Serves bench pages at / and the app's static folder at /app/static (as Streamlit does)."""

    def translate_path(self, path):
        path = path.split("?", 1)[0]
        if path.startswith("/app/static/"):
            return str(REPO / "static" / path[len("/app/static/"):])
        return str(PAGES_DIR / path.lstrip("/"))

    sent = 0  # body bytes served since the last reset (what the browser received)

    def copyfile(self, source, outputfile):
        data = source.read()
        StaticHandler.sent += len(data)
        outputfile.write(data)

    def log_message(self, *args):  # quiet
        pass


def serve() -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StaticHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def offline_explore_html(html: str) -> str:
    """explore()'s page with Leaflet from the local copy and no other CDN file (none is needed to draw)."""
    html = re.sub(r'<script src="https?://[^"]*leaflet[^"/]*/dist/leaflet\.js"></script>',
                  f'<script src="{LEAFLET_LOCAL}"></script>', html)
    html = re.sub(r'<link rel="stylesheet" href="https?://[^"]*leaflet[^"/]*/dist/leaflet\.css"/>',
                  f'<link rel="stylesheet" href="{LEAFLET_CSS_LOCAL}"/>', html)
    html = re.sub(r'<script src="https?://[^"]+"></script>', "", html)
    html = re.sub(r'<link rel="stylesheet" href="https?://[^"]+"/>', "", html)
    return html


def build_pages(dataset: str) -> dict[str, dict]:
    """Write the three pages for a data set; returns name -> {file, build_s, n}."""
    import geopandas as gpd  # noqa: F401  (explore needs it loaded)

    from gislib.services.catalog import layer_frame
    from layers.mapview import build_map
    from layers.registry import LAYERS

    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    outfalls = layer_frame("outfalls", dataset=dataset)
    n = len(outfalls)
    pages = {}
    t0 = time.perf_counter()
    m = outfalls.explore(tiles=None, max_zoom=19)
    html = m.get_root().render()
    pages["explore"] = {"build_s": time.perf_counter() - t0}
    (PAGES_DIR / f"{dataset}-explore.html").write_text(offline_explore_html(html))
    for name, layers_on in (("hetu-outfalls", ("outfalls",)),
                            ("hetu-all", tuple(layer.key for layer in LAYERS if layer.default_on))):
        t0 = time.perf_counter()
        result = build_map(layers_on, dataset=dataset)
        html = result.fmap.get_root().render()
        pages[name] = {"build_s": time.perf_counter() - t0}
        (PAGES_DIR / f"{dataset}-{name}.html").write_text(html)
    for name, page in pages.items():
        page["file"] = f"{dataset}-{name}.html"
        page["n"] = n
    return pages


def measure(browser_type, base: str, page_file: str, n: int, timeout_s: float) -> dict:
    """One fresh browser: ready time, bytes received, zoom and pan times."""
    browser = browser_type.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        external = []
        page.on("request", lambda req: external.append(req.url) if not req.url.startswith((base, "data:")) else None)
        StaticHandler.sent = 0
        page.add_init_script(f"window.__benchN = {n};")
        page.goto(f"{base}/{page_file}", wait_until="commit")
        page.wait_for_function("document.readyState !== 'loading'", timeout=timeout_s * 1000)
        page.evaluate(FIND_MAP)
        page.evaluate(READY_PROBE)
        page.wait_for_function("window.__bench.ready !== null", timeout=timeout_s * 1000, polling=50)
        ready = page.evaluate("window.__bench.ready")
        page.wait_for_timeout(300)
        zoom = page.evaluate(MOVE, ["zoom"])
        pan = page.evaluate(MOVE, ["pan"])
        page.wait_for_load_state("networkidle")
        return {"ready_ms": ready, "zoom_ms": zoom, "pan_ms": pan, "bytes": StaticHandler.sent,
                "external_requests": len(external)}
    finally:
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="putuo,city")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    import os
    import tempfile

    os.environ.setdefault("HETU_DATA_DIR", tempfile.mkdtemp(prefix="hetu-bench-"))
    from playwright.sync_api import sync_playwright

    from gislib.dataset import DATASETS

    server, base = serve()
    results: dict[str, dict] = {}
    with sync_playwright() as p:
        for dataset in args.datasets.split(","):
            if not DATASETS[dataset].exists():
                from gislib.geo.basemap import build_basemap
                from gislib.demo.build import build_city

                build_city()
                build_basemap("city")
            pages = build_pages(dataset)
            runs: dict[str, list[dict]] = {name: [] for name in pages}
            for _ in range(args.repeats):  # interleaved round-robin, as in perf-baseline.md
                for name, page in pages.items():
                    runs[name].append(measure(p.chromium, base, page["file"], page["n"], args.timeout))
            for name, page in pages.items():
                med = {k: statistics.median(r[k] for r in runs[name]) for k in runs[name][0]}
                results[f"{dataset}/{name}"] = {**page, **med, "runs": runs[name]}
    server.shutdown()
    print_table(results)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "bench_map.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


def print_table(results: dict[str, dict]) -> None:
    print(f"{'page':28} {'N':>7} {'build s':>8} {'MB sent':>8} {'ready ms':>9} {'zoom ms':>8} {'pan ms':>7} {'ext':>4}")
    for key, r in results.items():
        print(f"{key:28} {r['n']:>7} {r['build_s']:>8.2f} {r['bytes'] / 1e6:>8.2f} {r['ready_ms']:>9.0f} "
              f"{r['zoom_ms']:>8.0f} {r['pan_ms']:>7.0f} {r['external_requests']:>4}")
    print()
    for dataset in sorted({k.split('/')[0] for k in results}):
        ex = results.get(f"{dataset}/explore")
        for name in ("hetu-outfalls", "hetu-all"):
            h = results.get(f"{dataset}/{name}")
            if ex and h:
                print(f"{dataset} {name}: first drawn {ex['ready_ms'] / h['ready_ms']:.1f}x sooner than explore(); "
                      f"zoom {ex['zoom_ms'] / h['zoom_ms']:.1f}x, pan {ex['pan_ms'] / h['pan_ms']:.1f}x faster; "
                      f"{h['bytes'] / 1e6:.2f} MB vs {ex['bytes'] / 1e6:.2f} MB sent; "
                      f"build {ex['build_s'] / max(h['build_s'], 1e-9):.1f}x faster")


if __name__ == "__main__":
    sys.exit(main())
