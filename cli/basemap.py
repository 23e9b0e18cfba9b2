"""``python -m gislib basemap``: the command-line face of ``gislib.geo.basemap``."""
from __future__ import annotations

import argparse
from gislib.geo.basemap import SPECS, build_basemap


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="putuo", choices=sorted(SPECS))
    parser.add_argument("--force", action="store_true", help="re-render the COG even when it exists")


def run(args: argparse.Namespace) -> int:
    build_basemap(args.dataset, force_cog=args.force)
    return 0
