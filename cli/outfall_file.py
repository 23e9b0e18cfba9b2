"""cli.outfall_file: ``python -m gislib outfall-file CODE [CODE…] --out FILE.pdf [--data-dir D]``.

Writes the outfall file (一口一档) of each code into one PDF: fields, locator map, photos,
monitoring chart and timeline. Lives in ``layers`` because the locator map uses the map layers'
static renderers. Demo outfalls in 已监测 or later get their demo monitoring history first (as on
the record page), so the PDF and the page agree.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gislib.errors import ValidationError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m gislib outfall-file``."""
    parser.add_argument("codes", nargs="+", metavar="CODE", help="outfall codes, e.g. PT-0001 PT-0012")
    parser.add_argument("--out", required=True, help="output PDF file")
    parser.add_argument("--data-dir", help="store folder (default $HETU_DATA_DIR or ./var/data)")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"), help="language of labels (default zh)")
    parser.add_argument("--no-demo-monitoring", action="store_true",
                        help="do not write the demo monitoring history of demo outfalls first")


def run(args: argparse.Namespace) -> int:
    """Build the PDF and print a JSON summary."""
    from gislib.services.catalog import store as catalog_store
    from gislib.demo.monitoring import ensure_demo_monitoring
    from gislib.reports.outfall_file import build_pdf
    from layers.outfall_file_map import map_image_for

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise ValidationError("error.cli_out_suffix", field="out", option="--out", file=out.name, suffixes=".pdf")
    store = catalog_store(args.data_dir)
    if not args.no_demo_monitoring:
        for code in args.codes:
            try:
                ensure_demo_monitoring(store, code)
            except Exception:  # unknown codes are reported by build_pdf, all at once
                pass

    def progress(done: int, total: int, code: str) -> None:
        print(f"[{done}/{total}] {code}", file=sys.stderr)

    build_pdf(store, args.codes, out, map_image=map_image_for(lang=args.lang), progress=progress, lang=args.lang)
    print(json.dumps({"out": str(out), "outfalls": len(args.codes), "bytes": out.stat().st_size},
                     ensure_ascii=False))
    return 0
