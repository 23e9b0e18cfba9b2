"""Drawing only: Leaflet + static/js/hetu-points.js on the city or basin outfalls, in headless Chromium.

No Streamlit and no store: the outfalls are read from the data set's GeoPackage, packed (one file for the
city, z/x/y tiles for the basin) with their clusters, served by a local http.server, and the page is opened
``--runs`` times. Prints medians of: first drawn (ms since navigation), the first zoom +1, a pan, a zoom +2,
then a zoom and a pan at street zoom (ms to moveend + 2 frames), the layer's own draw time of the first zoom
(window.__hetuDrawMs), and the bytes the page received. Writes a zoom-9 screenshot.

    python bench/bench_draw.py city            # 60,000 outfalls, one file
    python bench/bench_draw.py basin           # 600,000 outfalls, z/x/y tiles
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import statistics
import sys
import threading
from pathlib import Path

import numpy as np
import pyogrio

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gislib.geo.pointpack import TILE_ZOOM, cluster_levels, pack_points, split_tiles
from layers.outfalls import CATEGORY_COLORS, display_category  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
MOVE = """([kind, z]) => new Promise(resolve => {
  const t0 = performance.now();
  map.once('moveend', () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0))));
  if (kind === 'zoom') map.setView(map.getCenter(), z, {animate: false});
  else { const p = map.latLngToContainerPoint(map.getCenter()).add([300, 200]);
         map.setView(map.containerPointToLatLng(p), map.getZoom(), {animate: false}); }
})"""
STREET = "() => layer._clusters === null && +document.querySelector('canvas.hetu-points').dataset.drawn > 0"


def build_page(name: str, root: Path) -> int:
    """The page, the point file(s) and the clusters of data set ``name`` under ``root``."""
    df = pyogrio.read_dataframe(REPO / "data" / "geo" / name / f"{name}.gpkg", layer="outfalls", columns=["type_l2"])
    lon, lat = df.geometry.x.to_numpy(), df.geometry.y.to_numpy()
    cats = {c: i for i, (c, _) in enumerate(CATEGORY_COLORS)}
    cat = df["type_l2"].map(display_category).map(cats).to_numpy(np.uint8)
    sym = (np.arange(len(df)) % 5).astype(np.uint8)
    (root / "t").mkdir(parents=True)
    (root / "clusters.bin").write_bytes(cluster_levels(lon, lat, cat, sym))
    opts = {"clustersUrl": "clusters.bin", "colors": [c for _, c in CATEGORY_COLORS], "name": "outfalls"}
    if name == "basin":
        index = []
        for (x, y), idx in split_tiles(lon, lat, TILE_ZOOM):
            (root / "t" / f"{x}_{y}.bin").write_bytes(pack_points(lon[idx], lat[idx], cat[idx], sym[idx]))
            index.append(f"{x}_{y}")
        opts["tiles"] = {"url": "t/{x}_{y}.bin", "z": TILE_ZOOM, "index": index}
    else:
        (root / "all.bin").write_bytes(pack_points(lon, lat, cat, sym))
        opts["url"] = "all.bin"
    shutil.copy(REPO / "static" / "js" / "hetu-points.js", root)
    shutil.copytree(REPO / "static" / "vendor" / "leaflet", root / "leaflet")
    (root / "index.html").write_text(f"""<!doctype html><html><head><link rel=stylesheet href=leaflet/leaflet.css>
<script src=leaflet/leaflet.js></script><script src=hetu-points.js></script>
<style>html,body,#m{{margin:0;height:100%}}</style></head><body><div id=m></div><script>
var map = L.map('m', {{zoomSnap: 0.25, maxZoom: 19}});
map.fitBounds([[{lat.min()},{lon.min()}],[{lat.max()},{lon.max()}]], {{animate: false}});
var layer = L.hetuPoints({json.dumps(opts)}).addTo(map);</script></body></html>""")
    return len(df)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no request log in the output
        pass


def one_run(browser, url: str, shot: Path | None) -> dict:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    received = [0]
    page.on("response", lambda r: received.__setitem__(0, received[0] + int(r.headers.get("content-length") or 0)))
    page.goto(url)
    page.wait_for_function("() => +(document.querySelector('canvas.hetu-points') || {dataset: {}}).dataset.drawn > 0",
                           timeout=120000)
    out = {"drawn_ms": page.evaluate("window.__hetuFirstDraw")}
    page.wait_for_timeout(500)
    z0 = page.evaluate("map.getZoom()")
    out["first_zoom_ms"] = page.evaluate(MOVE, ["zoom", z0 + 1])
    out["first_zoom_draw_ms"] = page.evaluate("window.__hetuDrawMs.slice(-1)[0]")
    page.wait_for_timeout(150)
    out["pan_ms"] = page.evaluate(MOVE, ["pan", 0])
    page.wait_for_timeout(150)
    out["zoom_ms"] = page.evaluate(MOVE, ["zoom", z0 + 2])
    page.evaluate("map.setView([31.2335, 121.4448], 13.5, {animate: false})")
    page.wait_for_function(STREET, timeout=60000)
    page.wait_for_timeout(800)
    out["street_zoom_ms"] = page.evaluate(MOVE, ["zoom", 14.5])
    page.wait_for_timeout(400)
    out["street_pan_ms"] = page.evaluate(MOVE, ["pan", 0])
    out["street_pan_draw_ms"] = page.evaluate("window.__hetuDrawMs.slice(-1)[0]")
    out["bytes"] = received[0]
    if shot:
        page.evaluate("map.setView([31.2, 121.45], 9, {animate: false})")
        page.wait_for_timeout(600)
        page.screenshot(path=str(shot))
    ctx.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=["city", "basin"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/hetu-bench-draw"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    root = args.out / args.dataset
    shutil.rmtree(root, ignore_errors=True)
    n = build_page(args.dataset, root)
    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/index.html"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        runs = [one_run(browser, url, args.out / f"{args.dataset}_z9.png" if k == 0 else None) for k in range(args.runs)]
        browser.close()
    server.shutdown()
    print(f"{args.dataset}: {n:,} outfalls, drawing only (Leaflet + hetu-points.js), medians of {args.runs}")
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"  {key:20} {statistics.median(values):10.1f}   {[round(v, 1) for v in values]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
