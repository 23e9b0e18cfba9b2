"""Tests of gislib.water.quality and the ``quality`` CLI.

Every expected class and multiple is worked out by hand from GB 3838-2002 Table 1 as quoted in
docs/domain.md §2.1 (limits I/II/III/IV/V); the arithmetic is in the comments.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gislib.errors import DataError, NotFoundError, ValidationError
from gislib.water.quality import (
    PRIORITY_ITEMS,
    BlackOdourReading,
    SampleRow,
    annual_means,
    black_odour_body,
    black_odour_point,
    black_odour_stretch,
    evaluate_period,
    evaluate_sample,
    item_class,
    monthly_means,
    normalize_class,
    normalize_water_type,
    parse_value,
    read_samples,
    resolve_item,
    river_grade,
    river_grade_from_means,
    round_multiple,
)

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- names and values
@pytest.mark.parametrize(
    "header, expected",
    [
        ("NH3-N", "氨氮"), ("nh3n", "氨氮"), ("氨氮(NH3-N)", "氨氮"), ("氨氮（mg/L）", "氨氮"),
        ("NH3-N (mg/L)", "氨氮"), ("ＣＯＤ", "化学需氧量"), ("CODCr", "化学需氧量"),
        ("CODMn", "高锰酸盐指数"), ("BOD₅", "五日生化需氧量"), ("Cr6+", "铬(六价)"),
        ("六价铬", "铬(六价)"), ("TP", "总磷"), ("总磷(以P计)", "总磷"), ("粪大肠菌群(个/L)", "粪大肠菌群"),
        ("PH", "pH"), ("WT", "水温"), ("oil", "石油类"), ("LAS", "阴离子表面活性剂"), ("CN", "氰化物"),
        ("备注", None), ("", None),
    ],
)
def test_resolve_item_aliases(header, expected):
    assert resolve_item(header) == expected


def test_parse_value_forms():
    assert parse_value("０.５").value == 0.5  # full-width digits
    assert parse_value(1.0).value == 1.0
    assert parse_value("10,000").value == 10000
    m = parse_value("0.025L")  # below detection: ½ × 0.025 = 0.0125
    assert (m.value, m.below_detection, m.detection_limit) == (0.0125, True, 0.025)
    assert parse_value("<0.025").value == 0.0125
    assert parse_value("＜0.025").value == 0.0125
    assert parse_value("ND", detection_limit=0.01).value == 0.005  # ½ × 0.01
    assert parse_value("未检出", detection_limit=0.01).below_detection
    assert parse_value("ND(0.04)").value == 0.02  # ½ × 0.04
    for empty in ("", "-", "—", None, float("nan")):
        assert parse_value(empty).missing


def test_parse_value_errors_name_the_text():
    with pytest.raises(ValidationError, match="abc"):
        parse_value("abc")
    with pytest.raises(ValidationError, match="检出限"):
        parse_value("ND")  # no detection limit given
    with pytest.raises(ValidationError, match="负数"):
        parse_value("-0.3")


def test_normalizers():
    assert normalize_class("Ⅲ类") == "III"
    assert normalize_class("劣Ⅴ") == "劣V"
    assert normalize_class("2") == "II"
    with pytest.raises(ValidationError):
        normalize_class("VI")
    for text in ("湖库", "湖泊", "水库", "lake", "Reservoir"):
        assert normalize_water_type(text) == "湖库"
    assert normalize_water_type("river") == "河流"
    with pytest.raises(ValidationError, match="水体类型"):
        normalize_water_type("海洋")


# --------------------------------------------------------------------------- single factor
def test_value_on_a_limit_belongs_to_that_class():
    # NH3-N limits 0.15/0.5/1.0/1.5/2.0: 1.0 is the III limit -> III.
    assert item_class("氨氮", 1.0) == "III"
    # COD limits 15/15/20/30/40: 15 meets the I limit -> I (best class wins a tie).
    assert item_class("COD", 15) == "I"
    # 15.01 > 15 (I and II), ≤ 20 -> III.
    assert item_class("COD", 15.01) == "III"
    # 2.0 is the V limit of NH3-N; 2.01 is worse than V.
    assert item_class("氨氮", 2.0) == "V"
    assert item_class("氨氮", 2.01) == "劣V"


def test_dissolved_oxygen_is_a_lower_bound():
    # DO ≥ 7.5/6/5/3/2.
    assert item_class("DO", 5) == "III"
    assert item_class("DO", 4.99) == "IV"  # < 5 but ≥ 3
    assert item_class("DO", 7.5) == "I"
    assert item_class("DO", 1.99) == "劣V"  # < 2


def test_ph_range():
    assert item_class("pH", 9.5) == "劣V"
    assert item_class("pH", 9.0) == "I"  # 6–9 inclusive, never worsens the class
    assert item_class("pH", 5.99) == "劣V"
    assert evaluate_sample({"pH": 9.5, "NH3-N": 0.1}).cls == "劣V"


def test_below_detection_total_phosphorus():
    # "0.025L" -> 0.0125. River TP limits 0.02/0.1/…: 0.0125 ≤ 0.02 -> I.
    river = evaluate_sample({"TP": "0.025L"}, water_type="河流")
    assert river.cls == "I"
    assert river.item("TP").below_detection and river.item("TP").value == 0.0125
    # Lake TP limits 0.01/0.025/…: 0.01 < 0.0125 ≤ 0.025 -> II.
    assert evaluate_sample({"TP": "0.025L"}, water_type="湖库").cls == "II"


def test_lake_and_river_total_phosphorus_differ():
    # TP 0.06: river 0.02 < 0.06 ≤ 0.1 -> II; lake 0.05 < 0.06 ≤ 0.1 -> IV.
    assert evaluate_sample({"总磷": 0.06}, water_type="河流").cls == "II"
    assert evaluate_sample({"总磷": 0.06}, water_type="水库").cls == "IV"


def test_total_nitrogen_and_fecal_coliform_do_not_enter_the_class():
    # River: TN 5 would be 劣V (> 2.0) but TN is not evaluated for rivers.
    river = evaluate_sample({"NH3-N": 0.1, "TN": 5})
    assert river.cls == "I" and river.item("TN").cls is None and river.tn_cls is None
    # Lake: TN reported on its own (5 > 2.0 -> 劣V); TP 0.01 ≤ 0.01 -> I stays the class.
    lake = evaluate_sample({"TP": 0.01, "TN": 5}, water_type="lake")
    assert lake.cls == "I" and lake.tn_cls == "劣V"
    # Fecal coliform 50000 > 40000 would be 劣V; it is a reference item only.
    fc = evaluate_sample({"DO": 8, "粪大肠菌群": 50000})
    assert fc.cls == "I" and not fc.item("粪大肠菌群").counted
    # Water temperature has no class at all.
    assert evaluate_sample({"DO": 8, "水温": 30}).cls == "I"


def test_sample_without_evaluable_items_is_rejected():
    with pytest.raises(ValidationError, match="没有可评价"):
        evaluate_sample({"TN": 1.0, "水温": 20})
    with pytest.raises(ValidationError, match="备注"):
        evaluate_sample({"备注": "x"})


# --------------------------------------------------------------------------- multiples
def test_multiples_vs_class_iii_and_target():
    # NH3-N 1.8: vs III (1.8 − 1.0)/1.0 = 0.8; vs target II (1.8 − 0.5)/0.5 = 2.6.
    r = evaluate_sample({"氨氮": 1.8}, target="II")
    nh3 = r.item("氨氮")
    assert nh3.multiple_vs_III == pytest.approx(0.8)
    assert nh3.multiple_vs_target == pytest.approx(2.6)
    assert nh3.target == "II" and nh3.reference_classes == ("III", "II")
    # No target -> no target multiple, reference III only.
    assert evaluate_sample({"氨氮": 1.8}).item("氨氮").multiple_vs_target is None
    # TP 0.2345: (0.2345 − 0.2)/0.2 = 0.1725 kept in full; displayed to ONE decimal, 0.2
    # (22号 writes "高锰酸盐指数(1.2)").
    tp = evaluate_sample({"TP": 0.2345}).item("TP")
    assert tp.multiple_vs_III == pytest.approx(0.1725)
    assert round_multiple(tp.multiple_vs_III) == 0.2
    # Not exceeding -> None; DO and pH never get one.
    assert evaluate_sample({"TP": 0.1}).item("TP").multiple_vs_III is None
    assert evaluate_sample({"DO": 2.5}).item("DO").multiple_vs_III is None
    assert evaluate_sample({"pH": 10}).item("pH").multiple_vs_III is None


def test_meets_target():
    # NH3-N 1.0 -> III; target III -> met; target II -> not met.
    assert evaluate_sample({"NH3-N": 1.0}, target="III").meets_target is True
    assert evaluate_sample({"NH3-N": 1.0}, target="Ⅱ类").meets_target is False
    # NH3-N 0.1 -> I, better than target II -> met.
    assert evaluate_sample({"NH3-N": 0.1}, target="2").meets_target is True
    assert evaluate_sample({"NH3-N": 0.1}).meets_target is None


# --------------------------------------------------------------------------- main pollutants
def test_main_pollutants_worst_class_then_multiple():
    # CODMn 12: limits 2/4/6/10/15, 10 < 12 ≤ 15 -> V, multiple (12−6)/6 = 1.0
    # NH3-N 1.8: 1.5 < 1.8 ≤ 2.0 -> V, multiple (1.8−1.0)/1.0 = 0.8
    # TP 0.35: 0.3 < 0.35 ≤ 0.4 -> V, multiple (0.35−0.2)/0.2 = 0.75
    # BOD5 5: 4 < 5 ≤ 6 -> IV, multiple (5−4)/4 = 0.25
    # All V tie on class -> by multiple: CODMn (1.0), NH3-N (0.8), TP (0.75); BOD5 drops out.
    r = evaluate_sample({"CODMn": 12, "NH3-N": 1.8, "TP": 0.35, "BOD5": 5})
    assert r.cls == "V"
    assert [p.item for p in r.main_pollutants] == ["高锰酸盐指数", "氨氮", "总磷"]
    # Worse class beats a larger multiple: NH3-N 2.1 > 2.0 -> 劣V with (2.1−1)/1 = 1.1,
    # CODMn 14 -> V with the larger (14−6)/6 = 1.33; 劣V still comes first.
    r = evaluate_sample({"CODMn": 14, "NH3-N": 2.1})
    assert [p.item for p in r.main_pollutants] == ["氨氮", "高锰酸盐指数"]


def test_main_pollutants_heavy_metal_priority():
    # Pb 0.06: III/IV limit 0.05 < 0.06 ≤ 0.1 -> V, multiple (0.06−0.05)/0.05 = 0.2
    # NH3-N 3.0 -> 劣V (> 2.0), multiple (3−1)/1 = 2.0
    # TP 0.5 -> 劣V (> 0.4), multiple (0.5−0.2)/0.2 = 1.5
    # COD 35 -> V (30 < 35 ≤ 40), multiple (35−20)/20 = 0.75
    # Pb exceeds III and is a heavy metal -> first despite its better class; COD drops out.
    r = evaluate_sample({"Pb": 0.06, "NH3-N": 3.0, "TP": 0.5, "COD": 35})
    assert r.cls == "劣V"
    assert [p.item for p in r.main_pollutants] == ["铅", "氨氮", "总磷"]
    assert [round_multiple(p.multiple_vs_III) for p in r.main_pollutants] == [0.2, 2.0, 1.5]
    assert {"氰化物", "汞", "镉", "铬(六价)", "铅", "砷"} <= PRIORITY_ITEMS


def test_main_pollutants_only_when_worse_than_iii():
    # NH3-N 1.0 -> III: no main pollutants.
    assert evaluate_sample({"NH3-N": 1.0, "TP": 0.2}).main_pollutants == []
    # pH 10 -> 劣V has no multiple (22号), so the multiple tie rule cannot rank it: it comes before
    # NH3-N 2.5 (劣V, (2.5−1)/1 = 1.5) within the same class instead of being pushed out.
    r = evaluate_sample({"pH": 10, "NH3-N": 2.5})
    assert [p.item for p in r.main_pollutants] == ["pH", "氨氮"]


# --------------------------------------------------------------------------- river grade
def test_river_grade_proportions():
    # 9 of 10 in I–III = 90 % -> 优
    assert river_grade(["II"] * 9 + ["IV"]) == "优"
    # 8 of 9 = 88.9 % < 90 % -> 良好
    assert river_grade(["III"] * 8 + ["IV"]) == "良好"
    # 15 of 20 = 75 % -> 良好
    assert river_grade(["III"] * 15 + ["IV"] * 5) == "良好"
    # 7 of 10 = 70 % < 75 %, 劣V 1/10 = 10 % < 20 % -> 轻度污染
    assert river_grade(["III"] * 7 + ["IV"] * 2 + ["劣V"]) == "轻度污染"
    # 劣V 2/10 = 20 % -> 中度污染
    assert river_grade(["III"] * 5 + ["IV"] * 3 + ["劣V"] * 2) == "中度污染"
    # 劣V 3/10 = 30 % < 40 % -> 中度污染
    assert river_grade(["III"] * 7 + ["劣Ⅴ"] * 3) == "中度污染"
    # 劣V 4/10 = 40 % (I–III 60 % < 75 %) -> 重度污染
    assert river_grade(["III"] * 6 + ["劣V"] * 4) == "重度污染"
    with pytest.raises(ValidationError, match="5"):
        river_grade(["III"] * 4)


def test_river_grade_from_means_for_few_sections():
    # NH3-N (0.8 + 1.4)/2 = 1.1 -> IV (1.0 < 1.1 ≤ 1.5); TP (½·0.02 + 0.05)/2 = 0.03 -> II.
    grade, result = river_grade_from_means([{"NH3-N": 0.8, "TP": "0.02L"}, {"NH3-N": 1.4, "TP": 0.05}])
    assert result.item("氨氮").value == pytest.approx(1.1)
    assert result.item("TP").value == pytest.approx(0.03)
    assert (result.cls, grade) == ("IV", "轻度污染")


# --------------------------------------------------------------------------- aggregation
def _row(n, section, date, **values):
    import datetime as dt

    return SampleRow(row=n, section=section, date=dt.date.fromisoformat(date),
                     values={resolve_item(k): parse_value(v) for k, v in values.items()})


def test_monthly_and_annual_means_apply_half_detection_limit_first():
    rows = [
        _row(1, "A", "2024-03-04", NH3N="0.1L"),   # ½ × 0.1 = 0.05
        _row(2, "A", "2024-03-20", NH3N=0.25),
        _row(3, "A", "2024-04-10", NH3N=0.45),
        _row(4, "B", "2024-03-10", NH3N=2.0),
    ]
    months = {(m.section, m.period): m for m in monthly_means(rows)}
    # March A: (0.05 + 0.25)/2 = 0.15 -> I (on the I limit). Using 0.1 instead of ½ DL would
    # give (0.1 + 0.25)/2 = 0.175 -> II.
    march = months[("A", "2024-03")]
    assert march.values["氨氮"].value == pytest.approx(0.15) and march.counts["氨氮"] == 2
    assert evaluate_period(march).cls == "I"
    assert evaluate_period(months[("B", "2024-03")]).cls == "V"  # 2.0 = V limit
    # Year A: mean of monthly means (0.15 + 0.45)/2 = 0.3 -> II (0.15 < 0.3 ≤ 0.5).
    year = {(m.section, m.period): m for m in annual_means(rows)}[("A", "2024")]
    assert year.values["氨氮"].value == pytest.approx(0.3) and year.counts["氨氮"] == 2
    assert evaluate_period(year, target="I").meets_target is False


def test_monthly_means_need_dates_and_skip_failed_rows():
    bad = SampleRow(row=7, section="A", error="高锰酸盐指数: 无法识别")
    assert monthly_means([_row(1, "A", "2024-03-04", NH3N=1.0), bad])[0].counts == {"氨氮": 1}
    with pytest.raises(ValidationError, match="第 9 行"):
        monthly_means([SampleRow(row=9, section="A", values={"氨氮": parse_value(1)})])


# --------------------------------------------------------------------------- black-odour
def test_black_odour_point():
    # DO < 0.2 in 2 of 3 rounds = 66.7 % ≥ 60 % -> 重度.
    rounds = [{"溶解氧": 0.1}, {"溶解氧": 0.1}, {"溶解氧": 1.0}]
    assert black_odour_point(rounds) == "重度"
    # 5 rounds: DO 重度 in 2 (40 %), ORP 重度 in 2 (40 %): two indicators ≥ 30 % -> 重度.
    rounds = [BlackOdourReading(do=0.1, orp_mv=-250), BlackOdourReading(do=0.1, orp_mv=-250)] + [
        BlackOdourReading(do=3, orp_mv=100)] * 3
    assert black_odour_point(rounds) == "重度"
    # Only DO 重度 in 2/5 = 40 % (< 60 %, one indicator) -> not 重度; DO ≥ 轻度 in 3/5 = 60 % -> 轻度.
    rounds = [BlackOdourReading(do=0.1)] * 2 + [BlackOdourReading(do=1.0)] + [BlackOdourReading(do=5)] * 2
    assert black_odour_point(rounds) == "轻度"
    # Clean water: SD 50 cm, DO 6, ORP 150, NH3-N 1 -> None. Boundaries: DO 2.0, NH3-N 8.0 not black.
    clean = {"透明度(cm)": 50, "DO": 6, "ORP(mV)": 150, "氨氮": 1}
    assert black_odour_point([clean] * 3) is None
    assert black_odour_point([{"DO": 2.0, "NH3-N": 8.0}] * 3) is None
    with pytest.raises(ValidationError, match="3"):
        black_odour_point([clean] * 2)


def test_black_odour_shallow_water_transparency():
    # Depth 100 cm: SD 9 < 10 -> 重度 in every round -> 重度.
    assert black_odour_point([BlackOdourReading(transparency_cm=9, depth_cm=100)] * 3) == "重度"
    # Depth 20 cm < 25: limit 40 % × 20 = 8 cm; SD 9 ≥ 8 -> only 轻度.
    assert black_odour_point([BlackOdourReading(transparency_cm=9, depth_cm=20)] * 3) == "轻度"
    # SD 7 < 8 -> 重度; SD 20 = depth (bottom visible) -> not black.
    assert black_odour_point([BlackOdourReading(transparency_cm=7, depth_cm=20)] * 3) == "重度"
    assert black_odour_point([BlackOdourReading(transparency_cm=20, depth_cm=20)] * 3) is None


def test_black_odour_stretch_and_body():
    grades = ["重度", "重度", "重度", "轻度", "重度", "重度", None, "重度", "重度", "重度", "重度"]
    assert black_odour_stretch(grades) == [(0, 2), (7, 10)]  # 4–5 is only 2 in a row
    # 3 of 5 = 60 % -> 重度; 2 of 5 = 40 % -> 轻度 (some point black-odour); none -> None.
    assert black_odour_body(["重度", "重度", "重度", "轻度", None]) == "重度"
    assert black_odour_body(["重度", "重度", "轻度", "轻度", "轻度"]) == "轻度"
    assert black_odour_body([None, None, None]) is None
    with pytest.raises(ValidationError):
        black_odour_body(["严重"])


# --------------------------------------------------------------------------- reading tables
CSV_TEXT = (
    "断面名称,采样日期,溶解氧,高锰酸盐指数,氨氮(mg/L),TP,总氮,pH,水质目标,备注\n"
    "甲断面,2024-03-05,6.2,4.1,1.2,0.25,3.1,7.4,III,x\n"
    "乙断面,2024/3/6,4.99,xx,0.3,0.025L,,9.5,III,\n"
    ",,,,,,,,,\n"
    "丙断面,2024年3月7日,7.6,1,0.1,0.01,,7,Ⅱ类,\n"
)


def test_read_samples_gbk_csv(tmp_path):
    path = tmp_path / "samples.csv"
    path.write_bytes(CSV_TEXT.encode("gbk"))
    rows = read_samples(path)
    assert rows.unknown_columns == ["备注"]
    assert [r.row for r in rows] == [1, 2, 4]  # the blank 3rd data row is skipped, numbering kept
    assert rows[0].section == "甲断面" and rows[0].date.isoformat() == "2024-03-05"
    assert rows[0].values["氨氮"].value == 1.2 and rows[0].headers["氨氮"] == "氨氮(mg/L)"
    assert "高锰酸盐指数" in rows[1].error and "xx" in rows[1].error
    assert rows[2].target == "II" and rows[2].error is None


def test_read_samples_utf8_bom_and_bad_files(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(CSV_TEXT.encode("utf-8-sig"))
    assert read_samples(path)[0].section == "甲断面"
    dup = tmp_path / "dup.csv"
    dup.write_text("COD,化学需氧量\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="化学需氧量"):
        read_samples(dup)
    none = tmp_path / "none.csv"
    none.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="项目列"):
        read_samples(none)
    with pytest.raises(NotFoundError):
        read_samples(tmp_path / "missing.csv")
    (tmp_path / "old.xls").write_bytes(b"x")
    with pytest.raises(DataError, match=".xlsx"):
        read_samples(tmp_path / "old.xls")


# --------------------------------------------------------------------------- CLI
def _cli(*args):
    return subprocess.run([sys.executable, "-m", "gislib", "quality", *map(str, args)],
                          cwd=REPO, capture_output=True, text=True, encoding="utf-8")


def test_cli_gbk_csv_json(tmp_path):
    path = tmp_path / "samples.csv"
    path.write_bytes(CSV_TEXT.encode("gbk"))
    proc = _cli(path, "--json")
    assert proc.returncode == 1, proc.stderr  # one row failed
    out = json.loads(proc.stdout)
    assert [r["row"] for r in out] == [1, 2, 4]
    # Row 1 (river): NH3-N 1.2 -> IV, (1.2−1)/1 = 0.2; TP 0.25 -> IV, (0.25−0.2)/0.2 = 0.25;
    # CODMn 4.1 -> III; DO 6.2 -> II; TN ignored. Both IV -> ordered by multiple: TP, NH3-N.
    first = out[0]
    assert first["class"] == "IV" and first["meets_target"] is False
    assert [(p["item"], p["multiple"]) for p in first["main_pollutants"]] == [("总磷", 0.3), ("氨氮", 0.2)]  # 0.25 → 0.3 (one decimal, half up)
    assert out[1]["class"] is None and "xx" in out[1]["error"]
    # Row 4: DO 7.6 I, CODMn 1 I, NH3-N 0.1 I, TP 0.01 I, pH 7 I -> I; target II met.
    assert out[2]["class"] == "I" and out[2]["meets_target"] is True
    assert "备注" in proc.stderr


def test_cli_xlsx_with_defaults(tmp_path):
    from openpyxl import Workbook
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.append(["section", "date", "NH3-N", "TP", "Cr6+"])
    sheet.append(["湖心", dt.datetime(2024, 5, 1), 0.4, 0.06, 0.004])
    sheet.append(["湖湾", dt.datetime(2024, 5, 2), 0.1, 0.01, 0.08])
    path = tmp_path / "samples.xlsx"
    book.save(path)
    proc = _cli(path, "--json", "--water-type", "湖库", "--target", "III")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    # Lake TP 0.06 -> IV, (0.06−0.05)/0.05 = 0.2; NH3-N 0.4 -> II; Cr6+ 0.004 -> I.
    assert out[0]["class"] == "IV" and out[0]["date"] == "2024-05-01"
    assert out[0]["main_pollutants"][0]["item"] == "总磷"  # English header -> GB 3838 name
    assert out[0]["main_pollutants"][0]["multiple"] == 0.2
    # Cr6+ 0.08: 0.05 < 0.08 ≤ 0.1 -> V, (0.08−0.05)/0.05 = 0.6; shown as 铬(六价).
    assert out[1]["class"] == "V"
    assert out[1]["main_pollutants"] == [
        {"item": "铬(六价)", "class": "V", "multiple": 0.6, "multiple_vs_target": 0.6}
    ]
    assert out[1]["meets_target"] is False


def test_cli_table_and_errors(tmp_path):
    path = tmp_path / "samples.csv"
    path.write_text("断面,氨氮\n甲,1.8\n", encoding="utf-8")
    proc = _cli(path)
    assert proc.returncode == 0, proc.stderr
    assert "甲" in proc.stdout and "氨氮(0.8)" in proc.stdout  # (1.8 − 1.0)/1.0 = 0.8
    missing = _cli(tmp_path / "nope.csv", "--json")
    assert missing.returncode == 2 and "找不到文件" in missing.stderr
    bad_type = _cli(path, "--water-type", "海洋")
    assert bad_type.returncode == 2 and "水体类型" in bad_type.stderr


def test_evaluate_sample_detection_limits_parameter():
    # "ND" for 汞 with DL 0.00004 -> ½ × 0.00004 = 0.00002 ≤ 0.00005 -> I.
    r = evaluate_sample({"Hg": "ND", "NH3-N": 0.1}, detection_limits={"汞": 0.00004})
    assert r.item("汞").value == pytest.approx(0.00002) and r.item("汞").below_detection
    assert r.cls == "I"
    with pytest.raises(ValidationError, match="Hg"):
        evaluate_sample({"Hg": "ND"})  # no DL given: the error names the column
