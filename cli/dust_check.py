"""``python -m gislib dust-check``: the command-line face of ``gislib.dust.rule``."""
from __future__ import annotations

import argparse
import json
import re
import sys
from gislib import units as unitmod
from gislib.errors import DataError
from gislib.dust.rule import evaluate, get_rule, load_presets, read_readings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``python -m gislib dust-check``."""
    parser.add_argument("file", help="readings CSV: 站点, 时间, PM10 (µg/m³ or a header with mg/m³), optional 背景值")
    parser.add_argument("--rule", default=None,
                        help="rule JSON file, or a preset: " + ", ".join(_preset_ids_quietly())
                        + " (default: HETU_DUST_RULE, else the district profile's rule)")
    parser.add_argument("--priority-sites", default="",
                        help="comma-separated sites in priority areas (重点地区): limit × priority_multiplier")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument("--units", action="append", default=[], metavar="COL=UNIT",
                        help="unit of a column, e.g. --units PM10=mg/m3 (repeatable)")
    parser.add_argument("--assume-units", action="store_true",
                        help="confirm that unit-less columns are µg/m³ even where every value is below 5")
    parser.epilog = ("Exit status: 0 all rows used, 1 some rows rejected (listed on stderr), 2 error (also: "
                     "unit-less readings that look like mg/m³, unless --assume-units or --units).")


def _preset_ids_quietly() -> list[str]:
    try:
        return list(load_presets())
    except DataError:
        return []


def run(args: argparse.Namespace) -> int:
    """Run dust-check: day results on stdout; rejected rows and warnings on stderr."""
    if args.rule:
        rule = get_rule(args.rule)
    else:
        from gislib.config import load_settings

        settings = load_settings()
        rule = get_rule(settings.dust_rule)
        print(f"提示: 使用{settings.district.name}的扬尘规则 {rule.id}", file=sys.stderr)
    priority = [s.strip() for s in re.split(r"[,，]", args.priority_sites or "") if s.strip()]
    readings = read_readings(args.file, units=unitmod.parse_unit_options(args.units))
    for warning in readings.unit_warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if readings.unit_warnings and not args.assume_units:
        print("error: 单位可疑，未判定；读数没有单位而且全部小于 5，像是 mg/m³：请在表头写明单位（如 PM10(mg/m3)），"
              "或用 --units PM10=mg/m3，或用 --assume-units 确认按 µg/m³ 计 / suspicious units: nothing judged",
              file=sys.stderr)
        return 2
    results = evaluate(readings, rule, priority)
    if args.json:
        keys = ("site", "date", "exceedances", "exceeded", "max_value", "n_readings")
        extra = {} if rule.verified else {"rule_verified": False}
        print(json.dumps([{**{k: r.to_dict()[k] for k in keys}, **extra} for r in results], ensure_ascii=False,
                         indent=2))
    else:
        print(f"规则：{rule.name}（{rule.pollutant}，{rule.window_minutes} 分钟均值，限值 {rule.limit_ugm3:g} µg/m³，"
              f"每日允许超标 {rule.max_exceedances_per_day} 次）")
        print(f"{'站点':<14}{'日期':<12}{'读数':>6}{'超标次数':>8}{'最大值':>10}  结论")
        for r in results:
            peak = "—" if r.max_value is None else f"{r.max_value:.1f}"
            print(f"{r.site:<14}{r.date.isoformat():<12}{r.n_readings:>6}{r.exceedances:>8}{peak:>10}  "
                  f"{'超标' if r.exceeded else '达标'}{'' if rule.verified else '（规则限值未核实）'}")
    if not rule.verified:
        print(f"warning: 规则 '{rule.name}' 未核实（verified=false）：限值 {rule.limit_ugm3:g} µg/m³ 是占位值，"
              "结论不能用于执法；请向主管部门确认标准原文后修改规则", file=sys.stderr)
    known_sites = set(readings.frame["site"])
    for site in priority:
        if site not in known_sites:
            print(f"warning: 重点地区站点 '{site}' 不在读数文件中；请检查拼写", file=sys.stderr)
    skipped = sum(r.n_windows_without_background for r in results)
    if skipped:
        print(f"warning: {skipped} 个时段缺少背景值，未参与判定", file=sys.stderr)
    for err in readings.errors:
        print(f"warning: {err.reason}", file=sys.stderr)
    return 1 if readings.errors else 0
