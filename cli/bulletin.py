"""``python -m gislib bulletin --month 2026-10 --out FILE.pdf|FILE.docx [--warnings-out FILE.xlsx]``.

Builds the monthly surface-water bulletin from the demo samples plus the imported ones in the record store
(HETU_DATA_DIR, or --data-dir). The sections map is drawn with the sections layer's own style
(``layers.bulletin_map``) unless a PNG is given with ``--map-png``.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from gislib.reports.bulletin import (build_bulletin, compute_bulletin, month_table, monthly_classes, parse_month,
                                     write_warnings_xlsx)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``bulletin`` command."""
    parser.add_argument("--month", required=True, help="the month, e.g. 2026-10")
    parser.add_argument("--out", required=True, help="output file, .pdf or .docx")
    parser.add_argument("--warnings-out", default=None, help="also write the warning list (.xlsx)")
    parser.add_argument("--map-png", default=None, help="use this sections map PNG instead of drawing one")
    parser.add_argument("--district", default=None,
                        help="district name in the title (default: the district profile's, HETU_DISTRICT or the "
                             "data set's: 普陀区 for putuo, 上海市 for city)")
    parser.add_argument("--data-dir", default=None, help="record store directory (default HETU_DATA_DIR)")


def run(args: argparse.Namespace) -> int:
    """Compute the bulletin, draw its map (unless given), write it; print a one-line summary."""
    from gislib.services.catalog import layer_frame, store
    from gislib.water.samples import all_samples

    sections = layer_frame("sections", data_dir=args.data_dir)
    samples = all_samples(store(args.data_dir))
    from gislib.district import current_profile
    from gislib.services.access import command_user
    from gislib.services.scoped import report_area

    # --user NAME: the sections are already that account's (layer_frame); the title names its jurisdiction
    district = args.district or report_area(command_user(), current_profile().short_name)
    bulletin = compute_bulletin(samples, sections, args.month, district=district)
    with tempfile.TemporaryDirectory(prefix="hetu_bulletin_") as tmp:
        map_png = args.map_png or _draw_map(samples, sections, args.month, Path(tmp) / "map.png")
        out = build_bulletin(bulletin, args.out, map_png=map_png)
    print(f"{bulletin.title}: {bulletin.evaluated} 个断面, Ⅰ～Ⅲ类 {bulletin.share_good}%, "
          f"预警 {len(bulletin.warnings)} 个 -> {out}")
    if args.warnings_out:
        print(f"预警通知 -> {write_warnings_xlsx(bulletin, args.warnings_out)}")
    return 0


def _draw_map(samples, sections, month_text: str, out: Path) -> str:
    """The sections map of the month in the sections layer's style."""
    from layers.bulletin_map import render_bulletin_map

    month = parse_month(month_text)
    classes = monthly_classes(samples, sections)
    return str(render_bulletin_map(month_table(classes, sections, month), month, out))
