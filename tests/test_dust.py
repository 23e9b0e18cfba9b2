"""Tests for gislib.dust.rule: construction-dust exceedance rules (docs/domain.md §3).

Every expected count below is worked out by hand in the comment next to it.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gislib.dust.rule import DustRule, evaluate, get_rule, load_presets, read_readings, window_series
from gislib.errors import NotFoundError, ValidationError

REPO = Path(__file__).resolve().parents[1]


def rule(**overrides: object) -> DustRule:
    """An hourly PM10 rule, limit 80 µg/m³, no background, 2 exceedances allowed per day."""
    data = dict(pollutant="PM10", window_minutes=60, limit_ugm3=80, subtract_background=False,
                background_cap_ugm3=None, max_exceedances_per_day=2)
    data.update(overrides)
    return DustRule.from_json(data)


def write_csv(tmp_path: Path, text: str, name: str = "readings.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def hourly(site: str, values: list[float], day: str = "2024-05-01", start_hour: int = 8) -> str:
    return "".join(f"{site},{day} {start_hour + i:02d}:00,{v}\n" for i, v in enumerate(values))


# --------------------------------------------------------------------------- rules
def test_presets() -> None:
    presets = load_presets()
    hebei = presets["hebei-db13-2934-2019"]
    assert (hebei.pollutant, hebei.window_minutes, hebei.limit_ugm3) == ("PM10", 60, 80.0)
    assert hebei.subtract_background and hebei.background_cap_ugm3 == 150.0
    assert hebei.max_exceedances_per_day == 2 and hebei.verified
    shanghai = presets["shanghai-db31-964-2016"]
    assert (shanghai.window_minutes, shanghai.max_exceedances_per_day, shanghai.verified) == (15, 1, False)
    assert "PLACEHOLDER" in shanghai.note
    wuhan = presets["wuhan-2017-warning"]
    assert (wuhan.window_minutes, wuhan.limit_ugm3, wuhan.max_exceedances_per_day) == (60, 150.0, 0)


def test_rule_from_json_file_and_errors(tmp_path: Path) -> None:
    path = write_csv(tmp_path, json.dumps({
        "pollutant": "PM10", "window_minutes": 15, "limit_ugm3": 100, "subtract_background": False,
        "background_cap_ugm3": None, "max_exceedances_per_day": 1, "priority_multiplier": 0.8}), "rule.json")
    loaded = DustRule.from_json(path)
    assert loaded.window_minutes == 15 and loaded.priority_multiplier == 0.8 and not loaded.verified

    with pytest.raises(ValidationError, match="limit_ugm3") as err:
        DustRule.from_json({"pollutant": "PM10", "window_minutes": 60})
    assert "max_exceedances_per_day" in str(err.value)  # every missing key is listed
    with pytest.raises(ValidationError, match="pollutant"):
        rule(pollutant="SO2")
    with pytest.raises(ValidationError, match="window_minutes"):
        rule(window_minutes=7)  # 1440 / 7 is not whole
    with pytest.raises(ValidationError, match="subtract_background"):
        rule(subtract_background="yes")
    with pytest.raises(ValidationError, match="limit_ugm3"):
        rule(limit_ugm3=-5)
    with pytest.raises(ValidationError, match="limt"):
        rule(limt=3)  # typo in a key
    bad = write_csv(tmp_path, "{not json", "bad.json")
    with pytest.raises(ValidationError, match="JSON"):
        DustRule.from_json(bad)
    with pytest.raises(NotFoundError):
        get_rule("no-such-preset")


# --------------------------------------------------------------------------- verdicts
def test_value_on_the_limit_does_not_exceed(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "站点,时间,PM10\n" + hourly("A", [80, 80.1]))
    [day] = evaluate(read_readings(path), rule())
    assert day.exceedances == 1  # 80 = 80 no; 80.1 > 80 yes
    assert day.max_value == 80.1 and day.n_readings == 2


def test_background_cap_changes_the_verdict(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "站点,时间,PM10,背景值\nA,2024-05-01 08:00,260,200\n")
    readings = read_readings(path)
    capped = rule(subtract_background=True, background_cap_ugm3=150)
    uncapped = rule(subtract_background=True, background_cap_ugm3=None)
    # 260 − min(200, 150) = 110 > 80 → exceeds
    [day] = evaluate(readings, capped)
    assert (day.exceedances, day.max_value) == (1, 110.0)
    # 260 − 200 = 60 ≤ 80 → does not exceed
    [day] = evaluate(readings, uncapped)
    assert (day.exceedances, day.max_value) == (0, 60.0)


@pytest.mark.parametrize("n_high, exceeded", [(2, False), (3, True)])
def test_allowed_exceedances_per_day_boundary(tmp_path: Path, n_high: int, exceeded: bool) -> None:
    # n_high hours at 90 (> 80), the rest at 50; allowed 2: count 2 → not exceeded, 3 → exceeded
    path = write_csv(tmp_path, "站点,时间,PM10\n" + hourly("A", [90] * n_high + [50] * 4))
    [day] = evaluate(read_readings(path), rule(max_exceedances_per_day=2))
    assert (day.exceedances, day.exceeded) == (n_high, exceeded)


def test_15_minute_readings_averaged_into_hours(tmp_path: Path) -> None:
    # Time stamps close their period (Chinese air-quality convention): the hour labelled 09:00
    # covers 08:00–09:00, i.e. the readings stamped 08:15, 08:30, 08:45 and 09:00.
    text = "站点,时间,PM10\n" + "".join(
        f"A,2024-05-01 {t},{v}\n" for t, v in [
            ("08:15", 60), ("08:30", 80), ("08:45", 100), ("09:00", 120),  # (60+80+100+120)/4 = 90 > 80
            ("09:15", 70), ("09:30", 80), ("09:45", 90), ("10:00", 80),    # (70+80+90+80)/4 = 80, not > 80
        ])
    readings = read_readings(write_csv(tmp_path, text))
    series = window_series(readings, rule())
    assert list(series["value"]) == [90.0, 80.0]
    assert list(series["exceeded"]) == [True, False]
    assert list(series["n_readings"]) == [4, 4]
    assert list(series["window_end"].dt.hour) == [9, 10]  # the labels
    assert list(series["window_start"].dt.hour) == [8, 9]
    [day] = evaluate(readings, rule())
    assert (day.exceedances, day.n_readings, day.n_windows, day.max_value) == (1, 8, 2, 90.0)
    # The same readings under a 15-minute rule: each reading is its own window; 100 and 120 and 90 > 80
    [day15] = evaluate(readings, rule(window_minutes=15))
    assert (day15.exceedances, day15.n_windows) == (3, 8)


def test_priority_multiplier(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "站点,时间,PM10\n" + hourly("A", [70]) + hourly("B", [70]))
    results = evaluate(read_readings(path), rule(priority_multiplier=0.8), priority_sites={"A"})
    # A: limit 80 × 0.8 = 64, 70 > 64 → 1; B: limit 80, 70 ≤ 80 → 0
    assert [(r.site, r.exceedances, r.limit_ugm3) for r in results] == [("A", 1, 64.0), ("B", 0, 80.0)]


def test_mg_per_m3_header_is_converted(tmp_path: Path) -> None:
    text = "站点,时间,PM10(mg/m³),背景值\nA,2024-05-01 08:00,0.08,0\nA,2024-05-01 09:00,0.085,0\n" \
           "A,2024-05-01 10:00,0.26,0.2\n"
    readings = read_readings(write_csv(tmp_path, text))
    assert readings.converted_from_mg == ("PM10(mg/m³)",)
    # 0.08 mg = 80 µg (not > 80); 0.085 mg = 85 µg > 80; background 0.2 mg = 200 µg (inherits the mg unit)
    assert list(readings.frame["PM10"]) == [80.0, 85.0, 260.0]
    assert list(readings.frame["background"]) == [0.0, 0.0, 200.0]
    [day] = evaluate(readings, rule())
    assert day.exceedances == 2  # 85 and 260


def test_bad_rows_are_reported_and_the_rest_kept(tmp_path: Path) -> None:
    text = ("site,time,pm10\n"
            "A,2024-05-01 08:00,90\n"
            ",2024-05-01 09:00,90\n"        # line 3: no site
            "A,yesterday,90\n"              # line 4: bad time
            "A,2024-05-01 10:00,lots\n"     # line 5: not a number
            "A,2024-05-01 11:00,-3\n"       # line 6: negative
            "A,2024/5/1 12:00,95\n")
    readings = read_readings(write_csv(tmp_path, text, encoding="gbk"))
    assert [e.line for e in readings.errors] == [3, 4, 5, 6]
    assert "站点为空" in readings.errors[0].reason and "yesterday" in readings.errors[1].reason
    assert len(readings.frame) == 2
    [day] = evaluate(readings, rule())
    assert day.exceedances == 2  # 90 and 95 > 80


def test_missing_columns_and_wrong_pollutant(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="时间"):
        read_readings(write_csv(tmp_path, "站点,PM10\nA,1\n"))
    readings = read_readings(write_csv(tmp_path, "站点,时间,PM2.5\n" + hourly("A", [10])))
    with pytest.raises(ValidationError, match="PM10"):
        evaluate(readings, rule())
    readings = read_readings(write_csv(tmp_path, "站点,时间,PM10\n" + hourly("A", [10])))
    with pytest.raises(ValidationError, match="背景"):
        evaluate(readings, rule(subtract_background=True, background_cap_ugm3=150))


def test_results_sorted_by_site_then_date(tmp_path: Path) -> None:
    text = "站点,时间,PM10\n" + hourly("B", [10], "2024-05-02") + hourly("A", [10], "2024-05-02") \
        + hourly("B", [10], "2024-05-01")
    results = evaluate(read_readings(write_csv(tmp_path, text)), rule())
    assert [(r.site, r.date) for r in results] == [
        ("A", dt.date(2024, 5, 2)), ("B", dt.date(2024, 5, 1)), ("B", dt.date(2024, 5, 2))]


# --------------------------------------------------------------------------- CLI
def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gislib", "dust-check", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_cli_preset_end_to_end(tmp_path: Path) -> None:
    text = "站点,时间,PM10,背景值\n" + "".join([
        # site B, hourly: 260−min(200,150)=110 >80; 200−min(100,150)=100 >80; 240−150=90 >80 → 3 > 2 allowed
        "B,2024-05-01 08:00,260,200\n", "B,2024-05-01 09:00,200,100\n", "B,2024-05-01 10:00,240,300\n",
        # site A: 150−100=50, 170−100=70 → 0
        "A,2024-05-01 08:00,150,100\n", "A,2024-05-01 09:00,170,100\n",
        # site A next day: 181−100=81 > 80 → 1, allowed → not exceeded
        "A,2024-05-02 08:00,181,100\n",
    ])
    path = write_csv(tmp_path, text)
    result = run_cli(str(path), "--rule", "hebei-db13-2934-2019", "--json")
    assert result.returncode == 0, result.stderr
    out = [{k: d[k] for k in ("site", "date", "exceedances", "exceeded")} for d in json.loads(result.stdout)]
    assert out == [
        {"site": "A", "date": "2024-05-01", "exceedances": 0, "exceeded": False},
        {"site": "A", "date": "2024-05-02", "exceedances": 1, "exceeded": False},
        {"site": "B", "date": "2024-05-01", "exceedances": 3, "exceeded": True},
    ]


def test_cli_rule_file_priority_sites_and_rejected_rows(tmp_path: Path) -> None:
    rule_path = write_csv(tmp_path, json.dumps({
        "pollutant": "PM10", "window_minutes": 60, "limit_ugm3": 80, "subtract_background": False,
        "background_cap_ugm3": None, "max_exceedances_per_day": 0, "priority_multiplier": 0.8}), "rule.json")
    text = "站点,时间,PM10\n" + hourly("A", [70]) + hourly("B", [70]) + "C,bad time,70\n"
    path = write_csv(tmp_path, text)
    result = run_cli(str(path), "--rule", str(rule_path), "--priority-sites", "A", "--json")
    assert result.returncode == 1  # one rejected row
    assert "第 4 行" in result.stderr
    out = {d["site"]: d["exceeded"] for d in json.loads(result.stdout)}
    assert out == {"A": True, "B": False}  # A: 70 > 64 = 80 × 0.8; B: 70 ≤ 80


def test_cli_unverified_preset_warns_and_table_output(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "站点,时间,PM10\n" + hourly("A", [10]))
    result = run_cli(str(path), "--rule", "shanghai-db31-964-2016")
    assert result.returncode == 0
    assert "未核实" in result.stderr
    assert "达标" in result.stdout


def test_cli_unknown_rule_exits_2(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "站点,时间,PM10\n" + hourly("A", [10]))
    result = run_cli(str(path), "--rule", "nowhere")
    assert result.returncode == 2 and "hebei-db13-2934-2019" in result.stderr


def test_named_background_column_and_utc_offsets(tmp_path: Path) -> None:
    text = ("站点,时间,PM10,PM10背景值\n"
            "A,2024-05-01T08:00:00+08:00,200,100\n"   # 08:00 Beijing
            "A,2024-05-01T01:00:00Z,240,100\n")       # 01:00 UTC = 09:00 Beijing
    readings = read_readings(write_csv(tmp_path, text))
    assert readings.has_background and readings.pollutants == ("PM10",)
    series = window_series(readings, rule(subtract_background=True, background_cap_ugm3=150))
    # 200 − 100 = 100 > 80; 240 − 100 = 140 > 80; a stamp on the hour labels the hour it closes
    assert list(series["window_end"].dt.hour) == [8, 9]
    assert list(series["metric"]) == [100.0, 140.0]


def test_separate_date_and_time_columns(tmp_path: Path) -> None:
    text = "站点,日期,时间,PM10\nA,2024-05-01,08:00,90\nA,2024-05-02,08:00,70\nA,2024-05-03,xx,70\n"
    readings = read_readings(write_csv(tmp_path, text))
    assert [e.line for e in readings.errors] == [4]
    results = evaluate(readings, rule())
    # 90 > 80 on 1 May; 70 ≤ 80 on 2 May
    assert [(r.date, r.exceedances) for r in results] == [(dt.date(2024, 5, 1), 1), (dt.date(2024, 5, 2), 0)]
