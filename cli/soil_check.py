"""``python -m gislib soil-check``: the command-line face of ``gislib.soil.gb36600``."""
from __future__ import annotations

import argparse
import json
import sys
from gislib.domain import LAND_USE_CLASSES
from gislib.errors import ValidationError
from gislib import units as unitmod
from gislib.soil.gb36600 import FOOTNOTE, STANDARD, SoilVerdict, VERDICT_ZH, apply_units, check_samples, land_class_for_use, magnitude_warnings, preset_backgrounds, read_soil_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m gislib soil-check``."""
    parser.add_argument("file", help="CSV (UTF-8/GBK) or .xlsx: 样品编号 column + one column per pollutant, mg/kg")
    parser.add_argument("--land-class", required=True,
                        help="1 = 第一类用地 (居住、学校、医疗…), 2 = 第二类用地 (工业、物流、商业…)")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument("--background", action="append", default=[], metavar="ITEM=MG_KG",
                        help="soil background value (mg/kg) for 砷/钴/钒 (GB 36600 note ①), e.g. --background 砷=50; "
                             "a 背景值 column in the file wins")
    parser.add_argument("--units", action="append", default=[], metavar="COL=UNIT",
                        help="unit of a column, e.g. --units 苯=µg/kg (repeatable)")
    parser.add_argument("--assume-units", action="store_true",
                        help="confirm that columns without a unit are mg/kg even where values look like µg/kg")
    parser.epilog = ("Exit status: 0 all cells judged, 1 some cells/columns could not be judged (listed), 2 error "
                     "(also: unit-less columns that look like µg/kg, unless --assume-units).")


def _table(verdicts: list[SoilVerdict]) -> str:
    lines = [f"{'样品':<10}{'污染物':<16}{'测定值':>12}{'筛选值':>10}{'管制值':>10}{'背景值':>10}  结论"]
    for v in verdicts:
        value = "未检出" if v.value is None else f"{v.value:g}"
        background = "—" if v.background is None else f"{v.background:g}"
        lines.append(f"{v.sample:<10}{v.pollutant:<16}{value:>12}{v.screening:>10g}{v.intervention:>10g}"
                     f"{background:>10}  {VERDICT_ZH[v.verdict]}{'①' if v.footnote else ''}")
    if any(v.footnote for v in verdicts):
        lines.append(FOOTNOTE)
    return "\n".join(lines)


def _parse_backgrounds(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, _, value = str(item).partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ValidationError("error.cli_background", field="--background", option="--background",
                                  value=item) from None
    return out


def run(args: argparse.Namespace) -> int:
    """Run soil-check: verdicts on stdout, rejected cells/columns on stderr."""
    land_class = land_class_for_use(args.land_class)
    rows = apply_units(read_soil_file(args.file), unitmod.parse_unit_options(args.units))
    warnings = magnitude_warnings(rows)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if warnings and not args.assume_units:
        print("error: 单位可疑，未判定任何样品；请在表头写明单位（如 苯(µg/kg)），或用 --units 列名=单位，"
              "或用 --assume-units 确认按 mg/kg 计 / suspicious units: nothing judged", file=sys.stderr)
        return 2
    from gislib.district import current_profile

    backgrounds = {**preset_backgrounds(current_profile().soil_background_region),  # verified figures only
                   **_parse_backgrounds(args.background)}
    verdicts = check_samples(rows, land_class, backgrounds)
    good = [v for v in verdicts if not v.is_error]
    errors = [v for v in verdicts if v.is_error]
    if args.json:
        print(json.dumps([v.to_dict() for v in good], ensure_ascii=False, indent=2))
    else:
        print(f"{STANDARD} {LAND_USE_CLASSES[land_class - 1]}：{len(good)} 项结果")
        print(_table(good))
    for err in errors:
        print(f"warning: {err.error}", file=sys.stderr)
    return 1 if errors else 0
