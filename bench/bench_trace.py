"""Benchmark of the river-network tracing on all of Shanghai's OSM waterways (10,246 lines).

    python bench/bench_trace.py [--traces 50] [--km 5] [--outfalls 60000] [--seed 1]

Reports the network build time (cold, and loaded from the on-disk cache), the time to snap the
points, and median / 95th percentile / max times of upstream and downstream traces from random
sections and outfalls. Outfalls and sections are random points near random waterway lines
(a fixed seed, so runs are comparable). Prints a small table; nothing is asserted.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gislib.geo import network as nw

WATERWAYS = REPO / "data/raw/osm_geofabrik_shanghai_2025-03-18/gis_osm_waterways_free_1.shp"


def random_points(net: nw.Network, n: int, prefix: str, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """n points within ~30 m of random edges (metric CRS), coded PREFIX00001…"""
    edges = rng.integers(0, net.n_edges, n)
    on_line = shapely.line_interpolate_point(net.edge_geom[edges], rng.random(n), normalized=True)
    xy = shapely.get_coordinates(on_line) + rng.normal(0, 15, (n, 2))
    return gpd.GeoDataFrame({"code": [f"{prefix}{i:05d}" for i in range(n)]},
                            geometry=shapely.points(xy), crs=net.crs)


def stats_ms(times: list[float]) -> tuple[float, float, float]:
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))], ms[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", type=int, default=50)
    ap.add_argument("--km", type=float, default=5.0)
    ap.add_argument("--outfalls", type=int, default=60_000)
    ap.add_argument("--sections", type=int, default=3_600)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    t = time.perf_counter()
    rivers = gpd.read_file(WATERWAYS)
    t_read = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as cache:
        t = time.perf_counter()
        net = nw.load_or_build_network(rivers, cache_dir=cache)
        t_cold = time.perf_counter() - t
        t = time.perf_counter()
        net = nw.load_or_build_network(rivers, cache_dir=cache)
        t_cached = time.perf_counter() - t
    outfalls = random_points(net, args.outfalls, "OF", rng)
    sections = random_points(net, args.sections, "SC", rng)
    t = time.perf_counter()
    outs = net.snap(outfalls)
    secs = net.snap(sections)
    t_snap = time.perf_counter() - t

    on_secs = np.flatnonzero(secs.edge >= 0)
    on_outs = np.flatnonzero(outs.edge >= 0)
    rows = []
    for label, two_way in (("directed", False), ("two-way", True)):
        flags, _ = net.directions(two_way)
        up_t, up_n, st_t, down_t = [], [], [], []
        for i in rng.choice(on_secs, args.traces, replace=False):
            t = time.perf_counter()
            found, _ = net.upstream(secs, int(i), outs, args.km, flags, with_stretch=False)
            up_t.append(time.perf_counter() - t)
            up_n.append(len(found))
            t = time.perf_counter()
            net.upstream(secs, int(i), outs, args.km, flags, with_stretch=True)
            st_t.append(time.perf_counter() - t)
        for i in rng.choice(on_outs, args.traces, replace=False):
            t = time.perf_counter()
            net.downstream(outs, int(i), secs, flags)
            down_t.append(time.perf_counter() - t)
        rows.append((f"upstream {args.km:g} km, {label}", *stats_ms(up_t), f"median {statistics.median(up_n):g} outfalls"))
        rows.append((f"upstream + stretch, {label}", *stats_ms(st_t), ""))
        rows.append((f"downstream, {label}", *stats_ms(down_t), ""))

    print(f"Network: {len(rivers):,} lines → {net.n_nodes:,} nodes, {net.n_edges:,} edges "
          f"({net.params['metric_crs']}, node tolerance {net.params['tolerance_m']:g} m)")
    print(f"Points: {args.outfalls:,} outfalls ({len(on_outs):,} on network), "
          f"{args.sections:,} sections ({len(on_secs):,} on network), snap tolerance {nw.DEFAULT_SNAP_TOLERANCE_M:g} m")
    print()
    print(f"{'step':<34}{'seconds':>10}")
    print(f"{'read shapefile':<34}{t_read:>10.2f}")
    print(f"{'build network (cold)':<34}{t_cold:>10.2f}")
    print(f"{'load network (cache)':<34}{t_cached:>10.2f}")
    print(f"{'snap outfalls + sections':<34}{t_snap:>10.2f}")
    print()
    print(f"{'trace (' + str(args.traces) + ' each)':<34}{'median ms':>10}{'p95 ms':>10}{'max ms':>10}  note")
    for name, med, p95, mx, note in rows:
        print(f"{name:<34}{med:>10.1f}{p95:>10.1f}{mx:>10.1f}  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
