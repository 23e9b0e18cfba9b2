"""``python -m gislib bulletin --month 2026-10 --out FILE.pdf|FILE.docx [--warnings-out FILE.xlsx]``.

Builds the monthly surface-water bulletin from the demo samples plus the imported ones in the
record store (HETU_DATA_DIR, or --data-dir). gislib does not draw map layers, so the sections
map is passed in with ``--map-png`` (draw it with ``python -m layers.bulletin_map --month …
--out map.png``); without it the bulletin says where to get it.
"""
from __future__ import annotations

import argparse

from gislib.bulletin import build_bulletin, compute_bulletin, write_warnings_xlsx


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``bulletin`` command."""
    parser.add_argument("--month", required=True, help="the month, e.g. 2026-10")
    parser.add_argument("--out", required=True, help="output file, .pdf or .docx")
    parser.add_argument("--warnings-out", default=None, help="also write the warning list (.xlsx)")
    parser.add_argument("--map-png", default=None, help="sections map PNG from python -m layers.bulletin_map")
    parser.add_argument("--district", default=None,
                        help="district name in the title (default: the district profile's, HETU_DISTRICT or the "
                             "data set's: 普陀区 for putuo, 上海市 for city)")
    parser.add_argument("--data-dir", default=None, help="record store directory (default HETU_DATA_DIR)")


def run(args: argparse.Namespace) -> int:
    """Compute and write the bulletin; print a one-line summary."""
    from gislib.catalog import layer_frame, store
    from gislib.samples import all_samples

    st = store(args.data_dir)
    sections = layer_frame("sections", data_dir=args.data_dir)
    bulletin = compute_bulletin(all_samples(st), sections, args.month, district=args.district)
    out = build_bulletin(bulletin, args.out, map_png=args.map_png)
    print(f"{bulletin.title}: {bulletin.evaluated} 个断面, Ⅰ～Ⅲ类 {bulletin.share_good}%, "
          f"预警 {len(bulletin.warnings)} 个 -> {out}")
    if args.warnings_out:
        print(f"预警通知 -> {write_warnings_xlsx(bulletin, args.warnings_out)}")
    return 0
