"""Units, district profile and reporting conventions (issue 13).

Every expected value is worked out by hand from the standards as quoted in docs/domain.md:
GB 3838-2002 Table 1 (§2.1: 汞 I 0.00005 mg/L, 砷 I 0.05, 氨氮 III 1.0, 总磷 III 0.2, 溶解氧 V ≥ 2,
粪大肠菌群 I 200 / II 2000 个/L), the 22号 conventions (§2.2: 超标倍数 (C − C_III)/C_III shown as
"高锰酸盐指数(1.2)"), and the dust rules of §3. The arithmetic is in the comments.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gislib import units
from gislib.domain import campaign_progress, normalize_discharge_pattern
from gislib.dust.rule import evaluate, get_rule, read_readings, window_series
from gislib.errors import ValidationError
from gislib.water.quality import evaluate_sample, main_pollutants_text, read_samples

REPO = Path(__file__).resolve().parents[1]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "gislib", *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})})


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the units table
@pytest.mark.parametrize("written, symbol, value, expected", [
    ("μg/L", "µg/L", 1.2, 0.0012),          # Greek mu
    ("µg/L", "µg/L", 1.2, 0.0012),          # micro sign
    ("ug/L", "µg/L", 40, 0.04),
    ("微克/升", "µg/L", 40, 0.04),
    ("ng/L", "ng/L", 50, 0.00005),
    ("毫克/升", "mg/L", 0.5, 0.5),
    ("MPN/100mL", "MPN/100mL", 150, 1500),  # per 100 mL × 10 = per litre
    ("CFU/100mL", "CFU/100mL", 20, 200),
    ("个/L", "个/L", 900, 900),
    ("µg/kg", "µg/kg", 700, 0.7),
    ("毫克/千克", "mg/kg", 45, 45),
    ("mg/m3", "mg/m³", 0.35, 350),
    ("毫克/立方米", "mg/m³", 0.08, 80),
    ("微克/立方米", "µg/m³", 80, 80),
])
def test_unit_table(written, symbol, value, expected):
    unit = units.lookup(written)
    assert unit is not None and unit.symbol == symbol
    assert unit.to_base(value) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("header, name, unit", [
    ("汞(μg/L)", "汞", "μg/L"), ("砷（ug/L）", "砷", "ug/L"), ("PM10(mg/m3)", "PM10", "mg/m3"),
    ("总磷(以P计)", "总磷(以P计)", None), ("铬(六价)", "铬(六价)", None), ("氨氮", "氨氮", None),
])
def test_split_header(header, name, unit):
    assert units.split_header(header) == (name, unit)


def test_wrong_quantity_or_unknown_unit_names_the_column():
    with pytest.raises(ValidationError, match="汞") as err:
        units.resolve("汞", "mg/kg", units.WATER)
    assert err.value.field == "汞"
    with pytest.raises(ValidationError, match="mmol/L"):
        units.resolve("钙", "mmol/L", units.WATER)


# --------------------------------------------------------------------------- water samples
UG_FILE = "断面名称,采样日期,汞(μg/L),砷（ug/L）,氨氮(毫克/升)\nA,2026-10-01,0.04,1.2,0.1\nB,2026-10-01,0.5,60,1.8\n"
MG_FILE = "断面名称,采样日期,汞(mg/L),砷(mg/L),氨氮(mg/L)\nA,2026-10-01,0.00004,0.0012,0.1\nB,2026-10-01,0.0005,0.06,1.8\n"


def test_clean_class_one_sample_in_micrograms_is_class_one(tmp_path):
    # Hg 0.04 µg/L = 0.00004 mg/L ≤ 0.00005 (I); As 1.2 µg/L = 0.0012 mg/L ≤ 0.05 (I); NH3-N 0.1 ≤ 0.15 (I)
    [a, _b] = read_samples(write(tmp_path, "ug.csv", UG_FILE))
    result = evaluate_sample(a.values)
    assert result.cls == "I" and result.main_pollutants == []
    assert (a.values["汞"].original, a.values["汞"].unit) == (0.04, "µg/L")  # what the lab wrote is kept


def test_microgram_file_and_milligram_twin_give_identical_results(tmp_path):
    ug = cli("quality", str(write(tmp_path, "ug.csv", UG_FILE)), "--json")
    mg = cli("quality", str(write(tmp_path, "mg.csv", MG_FILE)), "--json")
    assert ug.returncode == mg.returncode == 0, ug.stderr + mg.stderr
    strip = lambda rows: [{k: v for k, v in r.items() if k != "converted"} for r in json.loads(rows)]  # noqa: E731
    assert strip(ug.stdout) == strip(mg.stdout)
    a, b = json.loads(ug.stdout)
    assert a["class"] == "I"
    # B: Hg 0.5 µg/L = 0.0005 mg/L → IV (≤ 0.001), multiple (0.0005 − 0.0001)/0.0001 = 4.0;
    #    As 60 µg/L = 0.06 → IV (≤ 0.1), (0.06 − 0.05)/0.05 = 0.2; NH3-N 1.8 → V, (1.8 − 1)/1 = 0.8.
    #    Class V; heavy metals first, then by class: 汞, 砷, 氨氮.
    assert b["class"] == "V"
    assert [(p["item"], p["multiple"]) for p in b["main_pollutants"]] == [("汞", 4.0), ("砷", 0.2), ("氨氮", 0.8)]
    assert a["converted"]["汞"] == {"value": 0.04, "unit": "µg/L", "standard_value": 0.00004, "standard_unit": "mg/L"}


def test_coliform_per_100ml_scaled_to_per_litre(tmp_path):
    # 150 MPN/100mL × 10 = 1500 个/L: above I (200), within II (2000) → II
    [row] = read_samples(write(tmp_path, "fc.csv", "断面,粪大肠菌群(MPN/100mL),溶解氧\nA,150,8\n"))
    fc = evaluate_sample(row.values).item("粪大肠菌群")
    assert (fc.value, fc.cls) == (1500, "II")


def test_unit_column_applies_to_the_row(tmp_path):
    [row] = read_samples(write(tmp_path, "u.csv", "断面,单位,汞,砷\nA,µg/L,0.04,1.2\n"))
    assert row.values["汞"].value == pytest.approx(0.00004) and row.values["砷"].value == pytest.approx(0.0012)
    [bad] = read_samples(write(tmp_path, "v.csv", "断面,单位,汞\nA,mg/kg,0.04\n"))
    assert bad.error and "汞" in bad.error and "mg/kg" in bad.error


def test_unconvertible_unit_exits_2_naming_the_column(tmp_path):
    proc = cli("quality", str(write(tmp_path, "bad.csv", "断面,砷(mg/kg),氨氮\nA,5,0.1\n")), "--json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "砷(mg/kg)" in proc.stderr


def test_unitless_microgram_metals_stop_the_cli_until_confirmed(tmp_path):
    path = write(tmp_path, "nounit.csv", "断面,汞,砷,氨氮\nA,0.04,1.2,0.1\n")
    proc = cli("quality", str(path), "--json")
    # Hg 0.04 "mg/L" is 4 × the Hg ceiling 0.01 (10 × class V 0.001); As 1.2 > 1 mg/L: both look like µg/L
    assert proc.returncode == 2 and proc.stdout == ""
    assert "'汞'" in proc.stderr and "'砷'" in proc.stderr and "µg/L" in proc.stderr
    given = cli("quality", str(path), "--json", "--units", "汞=µg/L", "--units", "砷=µg/L")
    assert given.returncode == 0 and json.loads(given.stdout)[0]["class"] == "I"
    # confirmed as mg/L: Hg 0.04 > 0.001 → 劣V (the officer said so)
    assumed = cli("quality", str(path), "--json", "--assume-units")
    assert assumed.returncode == 0 and json.loads(assumed.stdout)[0]["class"] == "劣V"


# --------------------------------------------------------------------------- reporting conventions
def test_multiples_to_one_decimal_as_22hao_writes_them():
    # CODMn 13.2: class V (≤ 15); (13.2 − 6)/6 = 1.2 → "高锰酸盐指数(1.2)"
    # TP 0.25: class IV (≤ 0.3); (0.25 − 0.2)/0.2 = 0.25 → 0.3 (half up)
    result = evaluate_sample({"高锰酸盐指数": 13.2, "总磷": 0.25})
    assert main_pollutants_text(result) == "高锰酸盐指数(1.2)、总磷(0.3)"


def test_do_at_worse_than_v_is_not_dropped_by_the_tie_rule():
    # DO 1.0 < 2 → 劣V (no multiple); NH3-N 3.0 → 劣V, (3 − 1)/1 = 2.0; TP 0.6 → 劣V, (0.6 − 0.2)/0.2 = 2.0;
    # COD 50 → 劣V, (50 − 20)/20 = 1.5. Four items tie at 劣V; DO cannot be ranked by a multiple, so it
    # is kept (first), then the two largest multiples: 氨氮, 总磷 (Table 1 order on equal multiples).
    result = evaluate_sample({"溶解氧": 1.0, "氨氮": 3.0, "总磷": 0.6, "化学需氧量": 50})
    assert result.cls == "劣V"
    assert [p.item for p in result.main_pollutants] == ["溶解氧", "氨氮", "总磷"]
    assert main_pollutants_text(result) == "溶解氧、氨氮(2.0)、总磷(2.0)"


def test_closed_outfalls_count_as_remediated():
    states = ["疑似", "已核实", "已溯源", "整治中", "已销号", "日常监管", "非排污口", "已撤销"]
    # 6 outfalls (非排污口 and 已撤销 are not); traced: 已溯源, 整治中, 已销号, 日常监管 = 4 → 66.7 %;
    # remediation completed (治): 已销号 + 日常监管 = 2 → 33.3 %
    progress = campaign_progress(states)
    assert progress == {"outfalls": 6, "traced": 4, "remediated": 2, "under_remediation": 1,
                        "traced_pct": 66.7, "remediated_pct": 33.3}


def test_discharge_pattern_follows_hj_521():
    from gislib.domain import DISCHARGE_PATTERNS

    assert "间断排放" in DISCHARGE_PATTERNS and "间歇排放" not in DISCHARGE_PATTERNS
    assert normalize_discharge_pattern("间歇排放") == "间断排放"


# --------------------------------------------------------------------------- dust
def test_unitless_mg_pm10_is_caught_and_is_three_exceedances(tmp_path):
    text = "站点,时间,PM10\n" + "".join(f"S1,2026-10-01 {h:02d}:00,0.35\n" for h in (9, 10, 11))
    path = write(tmp_path, "pm.csv", text)
    proc = cli("dust-check", str(path), "--rule", "wuhan-2017-warning", "--json")
    assert proc.returncode == 2 and proc.stdout == "" and "mg/m³" in proc.stderr  # not "compliant"
    # with the unit: 0.35 mg/m³ = 350 µg/m³ > 150 in each of the 3 hours → 3 exceedances (0 allowed)
    ok = cli("dust-check", str(path), "--rule", "wuhan-2017-warning", "--json", "--units", "PM10=mg/m3")
    [day] = json.loads(ok.stdout)
    assert (day["exceedances"], day["exceeded"], day["max_value"]) == (3, True, 350.0)
    readings = read_readings(path, units={"PM10": "mg/m³"})
    assert readings.units == {"PM10": "mg/m³"} and readings.unit_warnings == []


def test_hour_labelled_0100_covers_0000_to_0100(tmp_path):
    text = "站点,时间,PM10\n" + "".join(f"S1,{t},{v}\n" for t, v in [
        ("2026-10-01 00:15", 100), ("2026-10-01 00:30", 200), ("2026-10-01 00:45", 300), ("2026-10-01 01:00", 400),
        ("2026-10-02 00:00", 500),  # the hour labelled 10-02 00:00 is 10-01 23:00–24:00
    ])
    series = window_series(read_readings(write(tmp_path, "h.csv", text)), get_rule("wuhan-2017-warning"))
    first = series.iloc[0]
    assert (str(first["window_end"]), str(first["window_start"])) == ("2026-10-01 01:00:00", "2026-10-01 00:00:00")
    assert first["value"] == 250  # (100 + 200 + 300 + 400)/4
    last = series.iloc[-1]
    assert str(last["window_end"]) == "2026-10-02 00:00:00" and str(last["date"]) == "2026-10-01"
    # a day's exceedances follow the labels: both hours (250 and 500 > 150) belong to 10-01
    [day] = evaluate(read_readings(write(tmp_path, "h.csv", text)), get_rule("wuhan-2017-warning"))
    assert (str(day.date), day.exceedances) == ("2026-10-01", 2)


# --------------------------------------------------------------------------- district profile
def test_profile_follows_data_set_and_hetu_district(monkeypatch):
    from gislib.config import load_settings
    from gislib.district import current_profile

    monkeypatch.delenv("HETU_DISTRICT", raising=False)
    monkeypatch.delenv("HETU_DUST_RULE", raising=False)
    monkeypatch.setenv("HETU_DATASET", "putuo")
    putuo = current_profile()
    assert (putuo.name, putuo.admin_code, putuo.province, putuo.crs, putuo.dust_rule) == (
        "上海市普陀区", "310107", "上海市", "EPSG:4549", "shanghai-db31-964-2016")
    assert load_settings().dust_rule == "shanghai-db31-964-2016"
    monkeypatch.setenv("HETU_DISTRICT", "city")
    assert current_profile().short_name == "上海市" and load_settings().district.area_word == "全市"
    monkeypatch.setenv("HETU_DISTRICT", "nowhere")
    with pytest.raises(Exception, match="HETU_DISTRICT"):
        current_profile()


def test_putuo_map_dust_colours_follow_the_shanghai_rule(monkeypatch):
    from layers.dust import DustSitesLayer, STATUS_ORDER, latest_day_status

    monkeypatch.delenv("HETU_DUST_RULE", raising=False)
    monkeypatch.delenv("HETU_DISTRICT", raising=False)
    layer = DustSitesLayer()
    styled = layer.styled(layer.load("putuo"), "zh")
    shanghai = latest_day_status("putuo", "shanghai-db31-964-2016")
    hebei = latest_day_status("putuo", "hebei-db13-2934-2019")
    colour = dict(STATUS_ORDER)

    def expected(status):
        by_code = status.reindex(styled["code"])
        cats = ["nodata" if pd.isna(e) else ("over" if x else ("near" if e > 0 else "ok"))
                for x, e in zip(by_code["exceeded"], by_code["exceedances"])]
        return [colour[c] for c in cats]

    assert list(styled["_color"]) == expected(shanghai)
    assert list(styled["_color"]) != expected(hebei)  # Hebei's rule would paint exceeded sites red
    assert set(styled["rule"]) == {get_rule("shanghai-db31-964-2016").name}
    # the Shanghai limit is not verified: every verdict says so
    assert all("未核实" in s for s in styled.loc[styled["has_data"], "_status"])


def test_dust_unit_column(tmp_path):
    # a 单位 column gives each row's unit: 0.35 mg/m³ = 350 µg/m³; 90 µg/m³ stays 90; "ppm" is refused for its row
    text = ("站点,时间,PM10,单位\nS1,2026-10-01 09:00,0.35,mg/m³\nS1,2026-10-01 10:00,90,微克/立方米\n"
            "S1,2026-10-01 11:00,3,ppm\n")
    readings = read_readings(write(tmp_path, "u.csv", text))
    assert list(readings.frame["PM10"]) == [350.0, 90.0]
    assert [e.line for e in readings.errors] == [4] and "ppm" in readings.errors[0].reason
    assert readings.unit_warnings == []


def test_evaluate_sample_converts_a_unit_in_the_key():
    # {"汞(μg/L)": 0.04} = 0.00004 mg/L → I, not 0.04 mg/L (劣V); an unconvertible key unit is refused
    assert evaluate_sample({"汞(μg/L)": 0.04, "砷(ug/L)": 1.2}).cls == "I"
    with pytest.raises(ValidationError, match="汞\\(mg/kg\\)"):
        evaluate_sample({"汞(mg/kg)": 0.04})


def test_dust_check_without_rule_uses_the_district_rule(tmp_path):
    # 15-min readings of 2500 µg/m³ twice: Shanghai preset (15 min, > 2000, ≤ 1 per day allowed) → 2
    # exceedances → day exceeded; said to be unverified. HETU_DUST_RULE overrides the profile's rule.
    text = "站点,时间,PM10(µg/m³)\nS1,2026-10-01 09:15,2500\nS1,2026-10-01 09:30,2500\n"
    path = write(tmp_path, "d.csv", text)
    proc = cli("dust-check", str(path), "--json", env={"HETU_DISTRICT": "putuo", "HETU_DUST_RULE": ""})
    [day] = json.loads(proc.stdout)
    assert (day["exceedances"], day["exceeded"], day["rule_verified"]) == (2, True, False)
    assert "shanghai-db31-964-2016" in proc.stderr and "未核实" in proc.stderr
    wuhan = cli("dust-check", str(path), "--json", env={"HETU_DUST_RULE": "wuhan-2017-warning"})
    [hour] = json.loads(wuhan.stdout)  # one hourly window (09:00–10:00 → labelled 10:00), mean 2500 > 150
    assert (hour["exceedances"], "rule_verified" in hour) == (1, False)


def test_plausibility_warnings():
    from gislib.units import magnitude_warning

    assert magnitude_warning("PM10", "PM10", [0.35, 0.4, 1.2], "µg/m³") is not None  # every value < 5
    assert magnitude_warning("PM10", "PM10", [0.35, 60, 80], "µg/m³") is None  # one clean quarter-hour is fine
    assert "µg/L" in magnitude_warning("汞", "汞", [0.04], "mg/L")  # > 10 × class V 0.001 = 0.01
    assert magnitude_warning("汞", "汞", [0.0004], "mg/L") is None  # a real class IV mercury value
    assert "饱和度" in magnitude_warning("溶解氧", "DO", [95], "mg/L")  # % saturation, not µg/L
