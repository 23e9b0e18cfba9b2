"""``python -m gislib quality FILE``: evaluate every sample row of a table against GB 3838-2002.

Prints one result per data row (numbered from 1). Rows that cannot be read or evaluated are
reported with their reason and class null; the other rows are still evaluated. Exit code 0 when
every row was evaluated, 1 when at least one row failed, 2 for errors about the whole file.

Units: a unit in the header ("汞(μg/L)"), a 单位 column or ``--units 汞=µg/L`` is converted to the
standard's unit; a unit that cannot be converted exits 2 naming the column. A column WITHOUT a
unit whose magnitudes look like another unit (a river metal above its plausible ceiling) exits 2
with the warning and evaluates nothing, unless ``--assume-units`` confirms the standard's unit or
``--units`` gives the right one.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata

from gislib.errors import ValidationError
from gislib.water.quality import (
    RIVER,
    SampleRow,
    GB3838_ITEMS,
    display_item_name,
    evaluate_sample,
    normalize_class,
    normalize_water_type,
    read_samples,
    round_multiple,
)
from gislib.units import parse_unit_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``quality`` command."""
    parser.add_argument("file", help="CSV (UTF-8/GBK) or .xlsx table, one sample per row")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument(
        "--water-type", default=RIVER,
        help="水体类型 for rows without a 水体类型 column: 河流 (default) or 湖库/湖泊/水库",
    )
    parser.add_argument("--target", default=None, help="水质目标 for rows without one, e.g. III")
    parser.add_argument("--units", action="append", default=[], metavar="COL=UNIT",
                        help="unit of a column, e.g. --units 汞=µg/L (repeatable); wins over the header's unit")
    parser.add_argument("--assume-units", action="store_true",
                        help="confirm that columns without a unit are in the standard's unit (mg/L, 个/L) "
                             "even where their magnitudes look like another unit")


def _row_result(row: SampleRow, water_type: str, target: str | None) -> dict:
    """The JSON object of one input row."""
    out: dict = {
        "row": row.row,
        "section": row.section,
        "date": row.date.isoformat() if row.date else row.date_raw,
        "water_type": row.water_type or water_type,
        "target": row.target or target,
        "class": None,
        "main_pollutants": [],
        "meets_target": None,
    }
    error = row.error
    if error is None:
        try:
            result = evaluate_sample(row.values, water_type=out["water_type"], target=out["target"])
        except ValidationError as exc:
            error = str(exc)
        else:
            out["class"] = result.cls
            out["main_pollutants"] = [
                {
                    "item": display_item_name(row.headers.get(p.item), p.item),
                    "class": p.cls,
                    "multiple": round_multiple(p.multiple_vs_III),
                    **({"multiple_vs_target": round_multiple(p.multiple_vs_target)} if p.target else {}),
                }
                for p in result.main_pollutants
            ]
            out["meets_target"] = result.meets_target
            if result.tn_cls is not None:
                out["tn_class"] = result.tn_cls
    converted = {
        display_item_name(row.headers.get(name), name): {
            "value": m.original, "unit": m.unit, "standard_value": m.value, "standard_unit": GB3838_ITEMS[name].unit,
        }
        for name, m in row.values.items() if m.unit is not None
    }
    if converted:
        out["converted"] = converted
    if error is not None:
        out["error"] = error
    if row.warnings:
        out["warnings"] = list(row.warnings)
    return out


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _print_table(results: list[dict]) -> None:
    """A readable Chinese table: 行, 断面, 日期, 类别, 主要污染指标(超标倍数), 达标, 说明."""
    header = ["行", "断面", "日期", "类别", "主要污染指标(超标倍数)", "达标", "说明"]
    lines = []
    for r in results:
        pollutants = "、".join(  # one decimal, as 22号 writes 高锰酸盐指数(1.2)
            p["item"] + (f"({p['multiple']:.1f})" if p["multiple"] is not None else "") for p in r["main_pollutants"]
        )
        meets = {True: "是", False: "否", None: "—"}[r["meets_target"]]
        note = r.get("error") or "; ".join(r.get("warnings", []))
        cls = r["class"] or "—"
        if r.get("tn_class"):
            cls += f" (总氮 {r['tn_class']})"
        lines.append([str(r["row"]), r["section"] or "", r["date"] or "", cls, pollutants or "—", meets, note])
    widths = [max(_width(x) for x in col) for col in zip(header, *lines)]
    for cells in [header, *lines]:
        print("  ".join(_pad(c, w) for c, w in zip(cells[:-1], widths[:-1])) + "  " + cells[-1])


def run(args: argparse.Namespace) -> int:
    """Evaluate the file and print the results; 1 when some row failed."""
    water_type = normalize_water_type(args.water_type)
    target = normalize_class(args.target) if args.target else None
    table = read_samples(args.file, units=parse_unit_options(args.units))
    if table.unknown_columns:
        print(f"提示: 忽略了无法识别的列: {', '.join(table.unknown_columns)}", file=sys.stderr)
    for unit in table.column_units.values():
        if unit.converted:
            print(f"提示: 单位换算 {unit.note()}", file=sys.stderr)
    if table.unit_warnings:
        for warning in table.unit_warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if not args.assume_units:
            print("error: 单位可疑, 未评价任何样品; 请在表头写明单位 (如 汞(μg/L)), 或用 --units 列名=单位 指定, "
                  "或用 --assume-units 确认按标准单位计 / suspicious units: nothing evaluated", file=sys.stderr)
            return 2
        print("提示: 已按 --assume-units 确认无单位列按标准单位计", file=sys.stderr)
    results = [_row_result(row, water_type, target) for row in table]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        _print_table(results)
        failed = sum(r["class"] is None for r in results)
        print(f"\n共 {len(results)} 行, 评价 {len(results) - failed} 行, 失败 {failed} 行")
    return 1 if any(r["class"] is None for r in results) else 0
