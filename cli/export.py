"""``python -m gislib export``: the command-line face of ``gislib.io.exporter``."""
from __future__ import annotations

import argparse
import json
from gislib.geo import crs as crsmod
from gislib.schemas import LAYERS
from gislib.io.exporter import export_layer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layer", required=True, choices=LAYERS, help="layer of the input records")
    parser.add_argument("--in", dest="input", required=True, help="input file (any format the importer reads)")
    parser.add_argument("--out", required=True, help="output file: .gpkg .zip(Shapefile) .geojson .kml .xlsx .csv")
    parser.add_argument("--crs", default="EPSG:4326", help="output CRS: EPSG:n | gcj02 | bd09 (default EPSG:4326)")
    parser.add_argument("--in-crs", default="auto", help="CRS of the input (default auto)")
    parser.add_argument("--format", help="output format when the suffix does not say it")
    parser.add_argument("--sheet", help="Excel sheet of the input")
    parser.add_argument("--source-layer", help="GeoPackage layer / Shapefile name of the input")


def run(args: argparse.Namespace) -> int:
    from gislib.io.importer import import_file

    report = import_file(args.input, args.layer, crs=args.in_crs, sheet=args.sheet, source_layer=args.source_layer)
    out = export_layer(report.accepted, args.out, fmt=args.format, crs=args.crs, layer=args.layer)
    summary = {
        "in": str(args.input), "out": str(out), "layer": args.layer, "count": int(len(report.accepted)),
        "crs": crsmod.normalize_crs(args.crs), "input_crs": report.crs, "rejected": report.rejected,
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    return 0
