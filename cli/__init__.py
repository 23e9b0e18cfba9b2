"""cli: the command line for batch work, ``python -m gislib COMMAND ...``.

Each command is one thin module of this package providing ``add_arguments(parser)`` and ``run(args) -> int``;
this package is the only place with argparse. Modules are imported only when their command runs, so the CLI starts
fast. ``gislib/__main__.py`` calls :func:`main` (the one import of cli from gislib, allowed by the import contract).
Commands that draw with the layers' styles (snapshot, atlas, outfall-file, bulletin) import layers/ when they run.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from gislib.errors import HetuError
from gislib.services.access import add_user_argument, command_operation, start_command

# command name -> (module path, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "build-demo": ("cli.build_demo", "build the demo data set (and the city-scale set with --city)"),
    "basemap": ("cli.basemap", "render the offline basemap COG and its tiles"),
    "quality": ("cli.quality", "evaluate surface-water samples against GB 3838-2002"),
    "soil-check": ("cli.soil_check", "compare soil samples with GB 36600-2018 screening/intervention values"),
    "dust-check": ("cli.dust_check", "count construction-dust exceedances per site and day under a rule"),
    "import": ("cli.import_", "import outfalls/sections/plots/dust sites from Excel, CSV, SHP, KML, GeoJSON, GPKG"),
    "export": ("cli.export", "export a layer to GPKG, zipped SHP, GeoJSON, KML or Excel in a chosen CRS"),
    "trace": ("cli.trace", "trace upstream outfalls / the downstream section along the river network"),
    "ledger": ("cli.ledger", "export the filtered outfall ledger to Excel or CSV"),
    "users": ("cli.users", "accounts: create-admin, add, list, disable, enable, reset-password, set-role"),
    "snapshot": ("cli.snapshot", "render the map (extent, layers) to a PNG or an A4/A3 PDF page"),
    "atlas": ("cli.atlas", "render one PDF page per sub-district, river or outfall"),
    "outfall-file": ("cli.outfall_file", "write the outfall file (一口一档) of one or more outfalls as a PDF"),
    "bulletin": ("cli.bulletin", "monthly surface-water bulletin (专报) as PDF/Word, warning list as Excel"),
    "problems": ("cli.problems", "problems (问题): import a task list, export the list, batch/ranking reports"),
    "db": ("cli.db", "the record store: upgrade, copy SQLite <-> PostGIS (verified), backup, restore"),
    "patrols": ("cli.patrols", "river patrols (巡河): import a GPX/KML track, stretch coverage, chiefs' frequency"),
}


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(prog="python -m gislib", description="Hetu 河图 command line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; errors of the HetuError tree print a one-line message and exit 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        parser = build_parser()
        if argv and argv[0] not in ("-h", "--help"):
            parser.error(f"unknown command {argv[0]!r}; choose one of: {', '.join(COMMANDS)}")
        parser.print_help()
        return 0
    name = argv[0]
    module = importlib.import_module(COMMANDS[name][0])
    parser = argparse.ArgumentParser(prog=f"python -m gislib {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    if command_operation(name, None) or name in ("problems", "patrols"):
        if "--user" not in parser._option_string_actions:
            add_user_argument(parser)
    args = parser.parse_args(argv[1:])
    try:
        start_command(name, args)  # --user NAME: that account's role and jurisdiction (docs/auth.md)
        return int(module.run(args) or 0)
    except HetuError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
