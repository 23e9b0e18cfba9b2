"""``python -m gislib build-demo [--city | --only-city | --basin] [--seed-only] [--out FILE]``: build the demo
data sets and their ready-filled record stores."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--city", action="store_true", help="also build the city-scale set (60,000 outfalls)")
    parser.add_argument("--only-city", action="store_true", help="build only the city-scale set")
    parser.add_argument("--basin", action="store_true",
                        help="build only the basin-scale set (600,000 outfalls; uses the city basemap)")
    parser.add_argument("--seed-only", action="store_true",
                        help="keep the chosen sets' GeoPackages as they are and (re)write only their ready-filled "
                             "stores, frames and judged layers (e.g. after a store change)")
    parser.add_argument("--out", type=Path, help="write the Putuo set here instead of data/geo/putuo.gpkg")
    parser.add_argument("--no-basemap", action="store_true", help="skip rendering the offline basemap")


def seed_derived_layers(name: str) -> list[str]:
    """The map layers of a data set judged once (dust days, section classes) in a scratch directory holding
    its seed store, and kept beside the seed: a fresh directory gets them with the store (issue 18)."""
    import shutil
    import tempfile

    from gislib.config import using_data_dir
    from gislib.services import catalog
    from layers.mapview import seed_layers

    frames = catalog.seed_file(name).with_suffix(".frames") / catalog.FRAMES_DIR
    with tempfile.TemporaryDirectory(dir=catalog.seed_file(name).parent) as tmp, using_data_dir(tmp):
        try:
            catalog.attach_seed(tmp, name)
            done = seed_layers(name)
            for path in (catalog.store_dir(tmp, name) / catalog.FRAMES_DIR).glob("derived-*.pickle"):
                shutil.copy2(path, frames / path.name)
        finally:
            catalog.forget_store(tmp, name)
    return done


def run(args: argparse.Namespace) -> int:
    from gislib.demo.build import build_basin, build_city, build_putuo

    if args.basin:
        names = ["basin"]
    else:
        names = (["putuo"] if not args.only_city else []) + (["city"] if args.city or args.only_city else [])
    if not args.seed_only:
        if args.basin:
            build_basin(args.out)
        if "putuo" in names:
            build_putuo(args.out)
        if "city" in names:
            build_city()
    if args.out is None:  # the ready-filled record stores: a fresh data directory copies one (issue 18)
        from gislib.services.catalog import build_seed_store

        for name in names:
            print(f"wrote {build_seed_store(name, progress=_say)}")
            print(f"judged {', '.join(seed_derived_layers(name))} for the seed of {name}")
    if not args.no_basemap and args.out is None and not args.seed_only:
        from gislib.geo.basemap import SPECS, build_basemap

        for name in names:
            if name != "basin" or not SPECS["basin"].cog_path.exists():  # the basin set uses the city basemap
                build_basemap(name)
    return 0


def _say(message: str) -> None:
    import time

    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)
