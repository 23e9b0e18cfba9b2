"""``python -m gislib build-demo [--city] [--out FILE]``: build the demo data sets."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--city", action="store_true", help="also build the city-scale set (60,000 outfalls)")
    parser.add_argument("--only-city", action="store_true", help="build only the city-scale set")
    parser.add_argument("--out", type=Path, help="write the Putuo set here instead of data/geo/putuo.gpkg")
    parser.add_argument("--no-basemap", action="store_true", help="skip rendering the offline basemap")


def run(args: argparse.Namespace) -> int:
    from gislib.demo.build import build_city, build_putuo

    if not args.only_city:
        build_putuo(args.out)
    if args.city or args.only_city:
        build_city()
    if not args.no_basemap and args.out is None:
        from gislib.geo.basemap import build_basemap

        for name in (["putuo"] if not args.only_city else []) + (["city"] if args.city or args.only_city else []):
            build_basemap(name)
    return 0
