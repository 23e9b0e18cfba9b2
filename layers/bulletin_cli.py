"""``python -m gislib bulletin --month 2026-10 --out FILE.pdf|FILE.docx [--warnings-out FILE.xlsx]``.

One command for the monthly bulletin: it draws the sections map with the layers' own style
(``layers.bulletin_map``) and hands it to ``gislib.bulletin``. It lives in layers/ because it draws
with layer styles (the documented exception in ``gislib/cli.py``, as for ``snapshot``).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from gislib import bulletin_cli


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``gislib.bulletin_cli``; the map is drawn unless --map-png is given."""
    bulletin_cli.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Draw the map for the month (unless given), then write the bulletin."""
    if args.map_png:
        return bulletin_cli.run(args)
    from gislib.bulletin import month_table, monthly_classes, parse_month
    from gislib.catalog import layer_frame, store
    from gislib.samples import all_samples
    from layers.bulletin_map import render_bulletin_map

    month = parse_month(args.month)
    sections = layer_frame("sections", data_dir=args.data_dir)
    classes = monthly_classes(all_samples(store(args.data_dir)), sections)
    with tempfile.TemporaryDirectory(prefix="hetu_bulletin_") as tmp:
        args.map_png = str(render_bulletin_map(month_table(classes, sections, month), month, Path(tmp) / "map.png"))
        return bulletin_cli.run(args)
