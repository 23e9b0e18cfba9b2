"""cli.trace: ``python -m gislib trace upstream|downstream`` (溯源 along the river network).

Examples::

    python -m gislib trace upstream --section SEC-01 --km 5 --json
    python -m gislib trace upstream --section SEC-01 --km 5 --two-way \\
        --rivers rivers.gpkg --outfalls outfalls.csv --sections sections.geojson --json
    python -m gislib trace downstream --outfall OUT-007 --overrides directions.json --json

Files may be GeoJSON, GPKG, (zipped) SHP, read through the upload gate with the driver named, or, for points,
CSV with 经度/纬度 (or lon/lat/lng) columns in WGS84/CGCS2000 degrees. Points are matched by a
``code`` field (or 编码/编号). Layers not given as files come from the record store
(outfalls, sections: ``gislib.services.catalog``, in HETU_DATA_DIR) and the data set (rivers). Rejected rows are listed in the output with their reason; the rest are used.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from gislib.config import data_dir
from gislib.errors import ConfigError, CRSError, DataError
from gislib.geo import network as nw

LON_COLUMNS = ("经度", "lon", "lng", "longitude")
LAT_COLUMNS = ("纬度", "lat", "latitude")
CODE_COLUMNS = ("code", "编码", "编号")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands ``upstream`` and ``downstream`` with shared file and network options."""
    sub = parser.add_subparsers(dest="direction", required=True, metavar="upstream|downstream")
    up = sub.add_parser("upstream", help="outfalls within D km upstream of a section")
    up.add_argument("--section", required=True, help="code of the section (断面编码)")
    up.add_argument("--km", required=True, type=float, help="how far upstream to look, km along the network")
    up.add_argument("--stretch-out", metavar="FILE", help="also write the traced stretch (GeoJSON, EPSG:4326)")
    down = sub.add_parser("downstream", help="the nearest section downstream of an outfall")
    down.add_argument("--outfall", required=True, help="code of the outfall (排口编码)")
    for p in (up, down):
        p.add_argument("--two-way", action="store_true", help="ignore flow direction (tidal / gate-controlled rivers)")
        p.add_argument("--rivers", help="river lines file (default: demo data set)")
        p.add_argument("--outfalls", help="outfall points file (default: demo data set)")
        p.add_argument("--sections", help="section points file (default: demo data set)")
        p.add_argument("--overrides", help='JSON file {"river name": "forward"|"reverse"|"both"}')
        p.add_argument("--snap-tolerance", type=float, default=nw.DEFAULT_SNAP_TOLERANCE_M,
                       help="metres within which a point is placed on a river (default 50)")
        p.add_argument("--node-tolerance", type=float, default=nw.DEFAULT_TOLERANCE_M,
                       help="metres within which line ends are joined (default 5)")
        p.add_argument("--cache-dir", default=str(data_dir() / "cache"),
                       help="network cache folder (default HETU_DATA_DIR/cache, shared with the app)")
        p.add_argument("--no-cache", action="store_true", help="build the network without reading or writing the cache")
        p.add_argument("--crs", default="auto",
                       help="CRS of CSV/XLSX point tables: auto (detected as the importer does), EPSG:n, gcj02, bd09")
        p.add_argument("--json", action="store_true", help="print the result as JSON")


# ------------------------------------------------------------------------------------ loading
def _find_column(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {str(c).strip().lower(): c for c in columns}
    for cand in candidates:
        if cand.lower() in lowered:
            return lowered[cand.lower()]
    return None


def _table_points(p: Path, layer: str, crs: str = "auto") -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Points of a CSV/TXT/XLSX table, read as the importer reads it (upload gate, UTF-8/GBK, header row,
    delimiter) and in the CRS the importer detects (WGS84, GCJ-02/BD-09 named in the file or column names,
    Gauss-Krüger metres, swapped axes) or ``crs``; converted to WGS84. Unusable rows are listed."""
    from gislib.geo import crs as crsmod
    from gislib.io.importer import read_source

    table = read_source(p)
    lon, lat = _find_column(table.headers, LON_COLUMNS), _find_column(table.headers, LAT_COLUMNS)
    code = _find_column(table.headers, CODE_COLUMNS)
    if lon is None or lat is None or code is None:
        raise DataError("error.cli_points_columns", layer=layer, file=str(p), codes="/".join(CODE_COLUMNS),
                        lons="/".join(LON_COLUMNS), lats="/".join(LAT_COLUMNS), columns=list(table.headers))
    rejected: list[dict[str, Any]] = []
    keep: list[tuple[int, str, float, float]] = []
    for r in table.rows:
        c, x, y = (str(r.values.get(k) if r.values.get(k) is not None else "").strip() for k in (code, lon, lat))
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            rejected.append({"layer": layer, "row": r.row, "reason": f"longitude/latitude {x!r}/{y!r} is not a number"})
            continue
        if not c:
            rejected.append({"layer": layer, "row": r.row, "reason": "empty code"})
            continue
        keep.append((r.row, c, fx, fy))
    xs, ys = np.array([k[2] for k in keep], dtype=float), np.array([k[3] for k in keep], dtype=float)
    guess = _guess_crs(xs, ys, crs, p.name, table.headers)
    if guess.swapped_axes:
        xs, ys = ys, xs
    lon_deg, lat_deg = crsmod.to_wgs84(xs, ys, guess.crs) if len(xs) else (xs, ys)
    lon_deg, lat_deg = np.atleast_1d(lon_deg), np.atleast_1d(lat_deg)
    inside = (np.abs(lon_deg) <= 180) & (np.abs(lat_deg) <= 90) & np.isfinite(lon_deg) & np.isfinite(lat_deg)
    for (line, _, fx, fy), ok in zip(keep, inside):
        if not ok:
            rejected.append({"layer": layer, "row": line, "reason": f"longitude/latitude {fx}/{fy} out of range (degrees expected)"})
    rejected.sort(key=lambda r: r["row"])
    gdf = gpd.GeoDataFrame({"code": [k[1] for k, ok in zip(keep, inside) if ok]},
                           geometry=gpd.points_from_xy(lon_deg[inside], lat_deg[inside]), crs="EPSG:4326")
    gdf.attrs["crs_reason"] = guess.reason
    return gdf, rejected


def _guess_crs(xs: np.ndarray, ys: np.ndarray, crs: str, filename: str, headers: list[str]):
    """The importer's CRS detection; plain degrees outside China (test networks, other countries) are WGS84."""
    from gislib.geo import crs as crsmod

    try:
        return crsmod.detect_crs(xs, ys, hint=crs, filename=filename, column_names=headers)
    except CRSError:
        if crs == "auto" and len(xs) and (np.abs(xs) <= 180).all() and (np.abs(ys) <= 90).all():
            return crsmod.CRSGuess(crsmod.WGS84, "decimal degrees: WGS84")
        if not len(xs):
            return crsmod.CRSGuess(crsmod.WGS84, "no usable coordinates")
        raise


def read_points(path: str, layer: str, crs: str = "auto") -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Points with a ``code`` column in EPSG:4326 and the rejected rows with reasons. Tables (CSV/TXT/XLSX)
    in the CRS the importer detects or ``crs``; GIS files in their own CRS."""
    p = Path(path)
    if not p.exists():
        raise DataError("error.cli_layer_file_missing", layer=layer, file=str(path))
    rejected: list[dict[str, Any]] = []
    if p.suffix.lower() in (".csv", ".txt", ".xlsx"):
        return _table_points(p, layer, crs)
    gdf = _read_gis(p, layer)
    code = _find_column(list(gdf.columns), CODE_COLUMNS)
    if code is None:
        raise DataError("error.cli_points_no_code", layer=layer, file=str(path), codes="/".join(CODE_COLUMNS),
                        columns=[str(c) for c in gdf.columns])
    ok = []
    for i, (c, g) in enumerate(zip(gdf[code].tolist(), gdf.geometry.values)):
        reason = None
        if g is None or g.is_empty:
            reason = "no geometry"
        elif c is None or (isinstance(c, float) and math.isnan(c)) or not str(c).strip():
            reason = "empty code"
        if reason:
            rejected.append({"layer": layer, "row": i + 1, "reason": reason})
        else:
            ok.append(i)
    out = gdf.iloc[ok].copy()
    out["code"] = [nw.code_text(c) for c in out[code].tolist()]
    return out, rejected


def _read_gis(p: Path, layer: str) -> gpd.GeoDataFrame:
    from gislib.io.readers import read_gdf

    gdf = read_gdf(p)
    if gdf.crs is None:
        raise CRSError("error.cli_no_crs", layer=layer, file=str(p))
    return gdf


def _demo_layer(name: str) -> gpd.GeoDataFrame:
    """Rivers from the data set; outfalls and sections from the record store (so edits count)."""
    try:
        from gislib.services.catalog import layer_frame
        from gislib.dataset import load_layer
    except ImportError as exc:
        raise ConfigError("error.cli_dataset_missing", detail=str(exc)) from exc
    if name in ("outfalls", "sections"):
        return layer_frame(name)
    return load_layer(name).copy()


def load_inputs(args: argparse.Namespace) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, list[dict]]:
    """Rivers, outfalls, sections (from files or the demo data set) and the rejected rows."""
    rejected: list[dict[str, Any]] = []
    if args.rivers:
        if Path(args.rivers).suffix.lower() in (".csv", ".txt"):
            raise DataError("error.cli_rivers_csv", file=args.rivers)
        if not Path(args.rivers).exists():
            raise DataError("error.cli_layer_file_missing", layer="rivers", file=args.rivers)
        rivers = _read_gis(Path(args.rivers), "rivers")
    else:
        rivers = _demo_layer("rivers")
    layers = {}
    for name in ("outfalls", "sections"):
        path = getattr(args, name)
        if path:
            layers[name], rej = read_points(path, name, getattr(args, "crs", "auto"))
            rejected += rej
        else:
            layers[name] = _demo_layer(name)
    return rivers, layers["outfalls"], layers["sections"], rejected


# ------------------------------------------------------------------------------------ run
def run(args: argparse.Namespace) -> int:
    """Trace and print the result (JSON with ``--json``)."""
    overrides = nw.load_overrides(args.overrides) if args.overrides else None
    rivers, outfalls, sections, rejected = load_inputs(args)
    net = nw.load_or_build_network(rivers, cache_dir=None if args.no_cache else args.cache_dir,
                                   tolerance_m=args.node_tolerance)
    rejected += [{"layer": "rivers", "row": s["row"] + 1, "reason": s["reason"]} for s in net.skipped]
    if args.direction == "upstream":
        res = nw.trace_upstream(net, args.section, outfalls, sections, args.km, two_way=args.two_way,
                                overrides=overrides, snap_tolerance_m=args.snap_tolerance,
                                with_stretch=bool(args.stretch_out))
        if args.stretch_out:
            try:
                res.stretch.to_file(args.stretch_out, driver="GeoJSON")
            except Exception as exc:
                raise DataError("error.cli_write_failed", file=args.stretch_out, detail=str(exc)) from exc
        out = res.to_dict()
    else:
        res = nw.trace_downstream(net, args.outfall, outfalls, sections, two_way=args.two_way,
                                  overrides=overrides, snap_tolerance_m=args.snap_tolerance)
        out = res.to_dict()
    out["rejected"] = rejected
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print_text(out)
    return 0


def _print_text(out: dict[str, Any]) -> None:
    mode = "双向（忽略流向）" if out["mode"] == nw.MODE_TWO_WAY else "按流向"
    if "section" in out and "outfalls" in out:
        print(f"断面 {out['section']} 上游 {out['km_limit']:g} km 内的排口（{mode}）：{len(out['outfalls'])} 个")
        for r in out["outfalls"]:
            print(f"  {r['code']}\t{r['km']:.3f} km")
        label = "未接入河网的排口"
    else:
        where = f"{out['section']}，{out['km']:.3f} km" if out["section"] else "下游无可达断面"
        print(f"排口 {out['outfall']} 下游最近断面（{mode}）：{where}")
        label = "未接入河网的断面"
    if out["off_network"]:
        print(f"{label}（距河道超过吸附容差）：" + "，".join(f"{r['code']} {r['metres']} m" for r in out["off_network"]))
    for w in out["warnings"]:
        print(f"提示：{w}", file=sys.stderr)
    for r in out["rejected"]:
        print(f"已跳过 {r['layer']} 第 {r['row']} 行：{r['reason']}", file=sys.stderr)
