"""gislib.demo.build: write the demo GeoPackages (``putuo`` and the city-scale ``city``)."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from gislib.dataset import DATASETS
from gislib.demo import records
from gislib.demo.context import Context, city_context, putuo_context

SEED = 20261123
DUST_DAYS = 30  # the dust page shows the last 30 days: the demo has that much
Progress = Callable[[str], None]


def _write(path: Path, ctx: Context, layers: dict[str, pd.DataFrame], then=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    base = {"district": ctx.district, "subdistricts": ctx.subdistricts, "rivers": ctx.rivers,
            "water": ctx.water, "railways": ctx.railways}
    for name, frame in {**base, **layers}.items():
        if "geometry" in frame:
            pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG", promote_to_multi=False)
        else:  # attribute table
            pyogrio.write_dataframe(pd.DataFrame(frame), tmp, layer=name, driver="GPKG")
    if then is not None:  # more rows appended before the file replaces the old one
        then(tmp)
    tmp.replace(path)  # atomic: a half-built data set never replaces a good one


def build_putuo(path: Path | None = None, progress: Progress = print) -> Path:
    """Putuo District: real rivers and boundaries, ~300 outfalls, 25 sections, 15 plots, 40 dust sites."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(SEED)
    progress("reading OpenStreetMap sources and clipping to 普陀区 + 1 km")
    ctx = putuo_context()
    district = ctx.district.geometry.iloc[0]
    progress("generating outfalls, sections and samples")
    outfalls = records.make_outfalls(ctx, 300, rng, within=district)
    sections = records.make_sections(ctx, 25, rng, within=district)
    samples = records.make_samples(sections, 24, rng)
    progress("generating plots and dust sites")
    plots = records.make_plots(ctx, 15, rng)
    sites = records.make_dust_sites(ctx, 40, rng)
    readings = records.make_dust_readings(sites, DUST_DAYS, rng)
    path = path or DATASETS["putuo"]
    _write_records(path, ctx, outfalls, sections, samples, plots, sites, readings)
    progress(f"wrote {path} in {time.perf_counter() - t0:.1f} s")
    return path


def _write_records(path: Path, ctx: Context, outfalls, sections, samples, plots, sites, readings,
                   then=None) -> None:
    """Write the context and the records (the four record layers marked 示例数据) as one data set."""
    records_ = {"outfalls": outfalls, "sections": sections, "plots": plots, "dust_sites": sites}
    _write(path, ctx, {**{k: records.mark_demo(v) for k, v in records_.items()},
                       "section_samples": samples, "dust_readings": readings}, then)


def build_city(path: Path | None = None, n_outfalls: int = 60_000, n_sections: int = 3_600,
               progress: Progress = print, n_plots: int = 160, n_sites: int = 160, ctx: Context | None = None) -> Path:
    """All of Shanghai's OSM waterways with 60,000 outfalls and 3,600 sections (benchmark scale), and
    plots and dust sites spread over the whole city (about ten per district), so that the map's counts
    are the city's, not Putuo's (issue 11.14). ``ctx`` defaults to the whole city."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(SEED + 1)
    progress("reading all Shanghai waterways")
    ctx = ctx or city_context()
    progress(f"generating {n_outfalls} outfalls")
    outfalls = records.make_outfalls(ctx, n_outfalls, rng, code_prefix="SH")
    progress(f"generating {n_sections} sections and their samples")
    sections = records.make_sections(ctx, n_sections, rng, code_prefix="SHDM", min_spacing_m=200.0)
    samples = records.make_samples(sections, 3, rng)
    progress(f"generating {n_plots} plots and {n_sites} dust sites over the city")
    plots = records.make_plots(ctx, n_plots, rng, code_prefix="SHDK")
    sites = records.make_dust_sites(ctx, n_sites, rng, code_prefix="SHGD")
    readings = records.make_dust_readings(sites, DUST_DAYS, rng)
    path = path or DATASETS["city"]
    _write_records(path, ctx, outfalls, sections, samples, plots, sites, readings)
    progress(f"wrote {path} in {time.perf_counter() - t0:.1f} s")
    return path


def build_basin(path: Path | None = None, n_outfalls: int = 600_000, n_sections: int = 3_600,
                chunk: int = 50_000, progress: Progress = print,
                context: Callable[[], Context] = city_context) -> Path:
    """A basin / national-inventory scale set: 600,000 outfalls along all of Shanghai's waterways.

    The outfalls are made and written ``chunk`` at a time (each chunk from its own seeded generator,
    so the set is the same on every build), so memory holds one chunk, never the whole set."""
    import geopandas as gpd

    from gislib.demo.context import named_rivers

    t0 = time.perf_counter()
    progress("reading all Shanghai waterways")
    ctx = context()
    rng = np.random.default_rng(SEED + 2)
    rivers = named_rivers(ctx.rivers, None)
    sections = records.make_sections(ctx, n_sections, rng, code_prefix="LYDM", min_spacing_m=200.0)
    samples = records.make_samples(sections, 3, rng)
    putuo = putuo_context()
    rng_p = np.random.default_rng(SEED)
    plots = records.make_plots(putuo, 15, rng_p)
    sites = records.make_dust_sites(putuo, 40, rng_p)
    readings = records.make_dust_readings(sites, DUST_DAYS, rng_p)
    counters: dict[str, int] = {}
    chiefs: dict[str, str] = {}
    width = len(str(n_outfalls))

    def outfalls(start: int) -> gpd.GeoDataFrame:
        size = min(chunk, n_outfalls - start)
        progress(f"outfalls {start + 1:,}–{start + size:,} of {n_outfalls:,}")
        gen = np.random.default_rng([SEED + 2, start // chunk])
        return records.mark_demo(records.make_outfalls(ctx, size, gen, code_prefix="LY", start=start,
                                                       counters=counters, chiefs=chiefs, code_width=width,
                                                       rivers=rivers))

    def append_rest(tmp: Path) -> None:
        for start in range(chunk, n_outfalls, chunk):
            pyogrio.write_dataframe(outfalls(start), tmp, layer="outfalls", driver="GPKG", append=True,
                                    promote_to_multi=False)

    path = path or DATASETS["basin"]
    _write_records(path, ctx, outfalls(0), sections, samples, plots, sites, readings, then=append_rest)
    progress(f"wrote {path} ({n_outfalls:,} outfalls) in {time.perf_counter() - t0:.1f} s")
    return path
