"""``python -m gislib atlas``: one PDF page per sub-district, river or outfall, with a progress bar."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from cli.snapshot import _page_options, format_of, parse_list, progress_bar, write
from gislib.errors import ValidationError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``atlas`` command."""
    parser.add_argument("--by", required=True, choices=("subdistrict", "river", "outfall"))
    parser.add_argument("--codes", help="comma-separated sub-district names, river names or outfall codes "
                                        "(default: every sub-district / every river with outfalls)")
    parser.add_argument("--out", required=True, help="output PDF")
    parser.add_argument("--no-inset", action="store_true", help="leave out the locator inset")
    _page_options(parser, default_dpi=150)


def run(args: argparse.Namespace) -> int:
    """Render the atlas PDF with a progress bar."""
    from layers.snapshot import atlas

    if format_of(args.out) != "pdf":
        raise ValidationError("error.cli_out_suffix", "out", option="--out", file=args.out, suffixes=".pdf")
    t0 = time.perf_counter()
    data = atlas(args.by, parse_list(args.codes) or None, progress=progress_bar,
                 layers_on=parse_list(args.layers) or None, paper=args.paper, orientation=args.orientation,
                 dpi=args.dpi, inset=not args.no_inset, lang=args.lang, dataset=args.dataset)
    out = write(data, Path(args.out))
    print(f"wrote {out} ({len(data) / 1024:.0f} KiB) in {time.perf_counter() - t0:.1f} s")
    return 0
