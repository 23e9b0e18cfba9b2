"""``python -m gislib snapshot``: a map page from the command line.

snapshot: ``--out FILE.png|FILE.pdf [--bbox minlon,minlat,maxlon,maxlat] [--layers outfalls,sections,…]
[--title T] [--subtitle S] [--paper A4|A3] [--orientation landscape|portrait] [--dpi N] [--inset]``;
without ``--bbox`` the whole district. ``cli/atlas.py`` shares its page options and progress bar.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from gislib.errors import ValidationError
from gislib.reports.snapshot import DPI_RANGE, ORIENTATIONS, PAPER_MM, format_of, write


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """'minlon,minlat,maxlon,maxlat' (WGS84 degrees) as a tuple; None when not given."""
    if not text:
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError as exc:
        raise ValidationError("error.cli_bbox_numbers", "bbox", option="--bbox", value=text) from exc
    if len(values) != 4:
        raise ValidationError("error.cli_bbox_count", "bbox", option="--bbox", count=len(values))
    minx, miny, maxx, maxy = values
    if not (-180 <= minx < maxx <= 180 and -85 <= miny < maxy <= 85):
        raise ValidationError("error.cli_bbox_range", "bbox", option="--bbox", value=text)
    return values


def parse_list(text: str | None) -> tuple[str, ...]:
    """'a,b, c' → ('a', 'b', 'c'); empty → ()."""
    return tuple(v.strip() for v in (text or "").split(",") if v.strip())


def _page_options(parser: argparse.ArgumentParser, default_dpi: int) -> None:
    parser.add_argument("--layers", help="comma-separated layer keys (default: the map's default layers)")
    parser.add_argument("--paper", default="A4", choices=sorted(PAPER_MM))
    parser.add_argument("--orientation", default="landscape", choices=ORIENTATIONS)
    parser.add_argument("--dpi", type=int, default=default_dpi,
                        help=f"resolution of PNG output and of the basemap ({DPI_RANGE[0]}–{DPI_RANGE[1]})")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument("--dataset", default=None, help="putuo (default) or city")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``snapshot`` command."""
    parser.add_argument("--out", required=True, help="output file, .png or .pdf")
    parser.add_argument("--bbox", help="minlon,minlat,maxlon,maxlat in WGS84 degrees (default: whole district)")
    parser.add_argument("--title", help="page title (default: the district's map title)")
    parser.add_argument("--subtitle", default="")
    parser.add_argument("--inset", action="store_true", help="add a locator inset")
    _page_options(parser, default_dpi=200)


def run(args: argparse.Namespace) -> int:
    """Render one page and write it."""
    from layers.snapshot import snapshot

    fmt = format_of(args.out)
    t0 = time.perf_counter()
    data = snapshot(fmt, layers_on=parse_list(args.layers) or None, bbox4326=parse_bbox(args.bbox),
                    title=args.title, subtitle=args.subtitle, paper=args.paper, orientation=args.orientation,
                    dpi=args.dpi, inset=args.inset, lang=args.lang, dataset=args.dataset)
    out = write(data, Path(args.out))
    print(f"wrote {out} ({len(data) / 1024:.0f} KiB, {fmt.upper()}, {args.paper} {args.orientation}) "
          f"in {time.perf_counter() - t0:.1f} s")
    return 0


def progress_bar(done: int, total: int, label: str, width: int = 30, stream=None) -> None:
    """A one-line text progress bar, redrawn in place on stderr."""
    stream = stream or sys.stderr
    filled = int(width * done / max(total, 1))
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label}\033[K")
    if done >= total:
        stream.write("\n")
    stream.flush()
