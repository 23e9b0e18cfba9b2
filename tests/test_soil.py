"""Tests for gislib.soil.gb36600: GB 36600-2018 screening/intervention verdicts.

Expected values are taken by hand from GB 36600-2018 as quoted in docs/domain.md §4.3 (mg/kg):
砷 class 1: 筛选值 20, 管制值 120; class 2: 60, 140. "Above" means strictly greater.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gislib.errors import NotFoundError, ValidationError
from gislib.soil.gb36600 import GB36600, canonical_pollutant, check_samples, land_class_for_use, read_soil_file

REPO = Path(__file__).resolve().parents[1]


def verdict_of(value: object, land_class: int, pollutant: str = "砷") -> str:
    [v] = check_samples([{"样品编号": "T1", pollutant: value}], land_class)
    return v.verdict


# --------------------------------------------------------------------------- the table
def test_table_has_every_row_of_domain_md_4_3() -> None:
    # (screening class 1, screening class 2, intervention class 1, intervention class 2), docs/domain.md §4.3
    expected = {
        "砷": (20, 60, 120, 140), "镉": (20, 65, 47, 172), "铬(六价)": (3.0, 5.7, 30, 78),
        "铜": (2000, 18000, 8000, 36000), "铅": (400, 800, 800, 2500), "汞": (8, 38, 33, 82),
        "镍": (150, 900, 600, 2000), "苯": (1, 4, 10, 40), "三氯乙烯": (0.7, 2.8, 7, 20),
        "四氯乙烯": (11, 53, 34, 183), "氯乙烯": (0.12, 0.43, 1.2, 4.3), "苯并[a]芘": (0.55, 1.5, 5.5, 15),
        "萘": (25, 70, 255, 700), "石油烃(C10-C40)": (826, 4500, 5000, 9000),
    }
    for name, (s1, s2, c1, c2) in expected.items():
        limit = GB36600[name]
        assert limit.screening == (s1, s2), name
        assert limit.intervention == (c1, c2), name
    assert len(GB36600) == 85  # 45 items of Table 1 + 40 of Table 2


@pytest.mark.parametrize(
    "alias, name",
    [("As", "砷"), ("Cd", "镉"), ("Cr6+", "铬(六价)"), ("六价铬", "铬(六价)"), ("Cu", "铜"), ("Pb", "铅"),
     ("Hg", "汞"), ("Ni", "镍"), ("石油烃", "石油烃(C10-C40)"), ("石油烃（C10-C40）", "石油烃(C10-C40)"),
     ("苯并(a)芘", "苯并[a]芘"), ("砷(mg/kg)", "砷"), ("7440-38-2", "砷"), ("氟化物", None)],
)
def test_aliases(alias: str, name: str | None) -> None:
    assert canonical_pollutant(alias) == name


# --------------------------------------------------------------------------- verdicts
@pytest.mark.parametrize(
    "value, land_class, verdict",
    [
        ("20", 1, "below_screening"),        # 20 = 筛选值 20 → not strictly above
        ("20.1", 1, "above_screening"),      # 20 < 20.1 ≤ 120
        ("120", 1, "above_screening"),       # 120 = 管制值 120 → not above intervention
        ("120.5", 1, "above_intervention"),  # 120.5 > 120
        ("20.1", 2, "below_screening"),      # class 2 筛选值 60: 20.1 ≤ 60
        ("60", 2, "below_screening"),        # 60 = 60
        ("120", 2, "above_screening"),       # 60 < 120 ≤ 140
        ("140", 2, "above_screening"),       # 140 = 管制值 140
        ("140.5", 2, "above_intervention"),  # 140.5 > 140
        (25.0, 1, "above_screening"),        # numbers (from Excel) work as well as text
    ],
)
def test_arsenic_verdicts(value: object, land_class: int, verdict: str) -> None:
    assert verdict_of(value, land_class) == verdict


def test_cadmium_intervention_below_screening_of_class_2() -> None:
    # Cd class 1: 筛选值 20, 管制值 47; class 2: 筛选值 65. 50 > 47 → above_intervention on class 1,
    # 50 ≤ 65 → below_screening on class 2.
    assert verdict_of("50", 1, "Cd") == "above_intervention"
    assert verdict_of("50", 2, "Cd") == "below_screening"


@pytest.mark.parametrize("raw, limit", [("ND", None), ("未检出", None), ("<0.01", 0.01), ("0.01L", 0.01), ("＜0.5", 0.5)])
def test_not_detected_is_below_screening_with_null_value(raw: str, limit: float | None) -> None:
    [v] = check_samples([{"样品编号": "T1", "六价铬": raw}], 1)  # 筛选值 3.0; detection limits ≤ 0.5 < 3.0
    assert v.verdict == "below_screening"
    assert v.value is None
    assert v.detection_limit == limit
    assert v.to_dict()["value"] is None


def test_detection_limit_above_screening_cannot_be_judged() -> None:
    # 氯乙烯 class 1 筛选值 0.12 < detection limit 1 → "not detected" proves nothing
    [v] = check_samples([{"样品编号": "T1", "氯乙烯": "<1"}], 1)
    assert v.is_error and "检出限" in v.error and "0.12" in v.error


def test_unknown_pollutant_is_one_error_per_column_and_the_rest_is_judged() -> None:
    rows = [{"样品编号": "T1", "As": "25", "氟化物": "3"}, {"样品编号": "T2", "As": "10", "氟化物": "4"}]
    verdicts = check_samples(rows, 1)
    errors = [v for v in verdicts if v.is_error]
    assert len(errors) == 1
    assert errors[0].pollutant == "氟化物" and "unknown pollutant" in errors[0].error
    good = {(v.sample, v.verdict) for v in verdicts if not v.is_error}
    assert good == {("T1", "above_screening"), ("T2", "below_screening")}  # 25 > 20; 10 ≤ 20


def test_bad_cell_is_reported_and_other_cells_kept() -> None:
    rows = [{"样品编号": "T1", "砷": "abc", "铅": "500", "深度(m)": "0.5", "汞": ""}]
    verdicts = check_samples(rows, 1)
    by_pollutant = {v.pollutant: v for v in verdicts}
    assert by_pollutant["砷"].is_error and "abc" in by_pollutant["砷"].error and "T1" in by_pollutant["砷"].error
    assert by_pollutant["铅"].verdict == "above_screening"  # Pb class 1: 400 < 500 ≤ 800
    assert "汞" not in by_pollutant  # empty cell: not analysed
    assert len(verdicts) == 2  # the depth column is metadata, not an unknown pollutant


def test_row_without_sample_id_is_reported() -> None:
    verdicts = check_samples([{"样品编号": "", "砷": "30"}, {"样品编号": "T2", "砷": "5"}], 1)
    assert [v.is_error for v in verdicts] == [True, False]
    assert verdicts[0].row == 1


def test_microgram_header_is_converted_exactly() -> None:
    # 三氯乙烯 class 1 筛选值 0.7 mg/kg: 700 µg/kg = 0.7 → below (equal); 701 µg/kg = 0.701 → above
    rows = [{"样品编号": "T1", "三氯乙烯(µg/kg)": "700"}, {"样品编号": "T2", "三氯乙烯(µg/kg)": "701"}]
    verdicts = check_samples(rows, 1)
    assert [(v.value, v.verdict) for v in verdicts] == [(0.7, "below_screening"), (0.701, "above_screening")]


def test_missing_sample_column_and_bad_land_class() -> None:
    with pytest.raises(ValidationError, match="样品编号"):
        check_samples([{"砷": "1"}], 1)
    with pytest.raises(ValidationError, match="1 或 2"):
        check_samples([{"样品编号": "T1", "砷": "1"}], 3)


@pytest.mark.parametrize("use, expected", [("第一类用地", 1), ("第二类用地", 2), ("1", 1), (2, 2), ("一类", 1)])
def test_land_class_for_use(use: object, expected: int) -> None:
    assert land_class_for_use(use) == expected


def test_land_class_for_use_rejects_other_text() -> None:
    with pytest.raises(ValidationError, match="第一类用地"):
        land_class_for_use("商业用地")


# --------------------------------------------------------------------------- files
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_read_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "soil.csv"
    path.write_text("样品编号,砷,镉\nT1,25,ND\nT2,18,0.3\n", encoding=encoding)
    rows = read_soil_file(path)
    assert rows == [{"样品编号": "T1", "砷": "25", "镉": "ND"}, {"样品编号": "T2", "砷": "18", "镉": "0.3"}]


def test_read_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["sample", "Pb", "Hg"])
    ws.append(["S1", 850, "未检出"])
    path = tmp_path / "soil.xlsx"
    wb.save(path)
    verdicts = check_samples(read_soil_file(path), 1)
    # Pb class 1: 850 > 管制值 800; Hg not detected
    assert [(v.sample, v.pollutant, v.verdict) for v in verdicts] == [
        ("S1", "铅", "above_intervention"), ("S1", "汞", "below_screening")]


def test_read_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        read_soil_file(tmp_path / "missing.csv")
    path = tmp_path / "nosample.csv"
    path.write_text("点位,砷\nA,1\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="样品编号"):
        read_soil_file(path)


# --------------------------------------------------------------------------- CLI
def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gislib", "soil-check", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_cli_json_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "soil.csv"
    path.write_text("样品编号,砷,石油烃\nT1,25,ND\n", encoding="gbk")
    result = run_cli(str(path), "--land-class", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        # 25 > 20 (筛选值) and ≤ 120 (管制值)
        {"sample": "T1", "pollutant": "砷", "value": 25.0, "screening": 20, "intervention": 120,
         "verdict": "above_screening"},
        {"sample": "T1", "pollutant": "石油烃(C10-C40)", "value": None, "screening": 826, "intervention": 5000,
         "verdict": "below_screening"},
    ]


def test_cli_table_reports_unknown_column_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "soil.csv"
    path.write_text("样品编号,As,氟化物\nT1,61,3\n", encoding="utf-8")
    result = run_cli(str(path), "--land-class", "第二类用地")
    assert result.returncode == 1
    assert "超筛选值" in result.stdout  # class 2: 61 > 60
    assert "氟化物" in result.stderr and "unknown pollutant" in result.stderr


def test_cli_bad_land_class_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "soil.csv"
    path.write_text("样品编号,砷\nT1,1\n", encoding="utf-8")
    result = run_cli(str(path), "--land-class", "3")
    assert result.returncode == 2
    assert "error:" in result.stderr


def test_title_row_units_row_and_limit_row(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text(
        "某地块土壤检测结果,,\n"      # title line above the header
        "样品编号,砷,苯\n"
        "单位,mg/kg,µg/kg\n"          # units row: 苯 in µg/kg
        "检出限,0.01,1.9\n"           # not a sample: reported, not judged
        "T1,25,1500\n", encoding="utf-8")
    verdicts = check_samples(read_soil_file(path), 1)
    errors = [v for v in verdicts if v.is_error]
    assert len(errors) == 1 and "检出限" in errors[0].error
    # 砷 25 > 20; 苯 1500 µg/kg = 1.5 mg/kg > 筛选值 1 and ≤ 管制值 10
    assert [(v.pollutant, v.value, v.verdict) for v in verdicts if not v.is_error] == [
        ("砷", 25.0, "above_screening"), ("苯", 1.5, "above_screening")]


# --------------------------------------------------------------------------- background (note ①) and units
def test_arsenic_within_background_is_not_above_screening() -> None:
    # As 45 mg/kg on class-1 land: 筛选值 20 < 45 ≤ 管制值 120, so without a background it is
    # "above screening"; with the plot's background 50 (45 ≤ 50) note ① applies: not managed as contaminated.
    [plain] = check_samples([{"样品编号": "T1", "砷": "45"}], 1)
    assert plain.verdict == "above_screening"
    [v] = check_samples([{"样品编号": "T1", "砷": "45"}], 1, backgrounds={"As": 50})
    assert v.verdict == "above_screening_within_background"
    assert v.background == 50 and "不纳入污染地块管理" in v.footnote
    # 55 > background 50: above screening again (the background does not lift the limit further).
    [over] = check_samples([{"样品编号": "T1", "砷": "55", "砷背景值": "50"}], 1)
    assert over.verdict == "above_screening" and over.footnote == ""
    # the value equal to the background is "not above" it (note ①: 等于或低于背景值).
    [equal] = check_samples([{"样品编号": "T1", "砷": "50", "背景值": "50"}], 1)
    assert equal.verdict == "above_screening_within_background"


def test_background_only_for_arsenic_cobalt_vanadium() -> None:
    with pytest.raises(ValidationError, match="砷、钴、钒"):
        check_samples([{"样品编号": "T1", "铅": "500"}], 1, backgrounds={"铅": 600})
    verdicts = check_samples([{"样品编号": "T1", "铅": "500", "铅背景值": "600"}], 1)
    assert [v.verdict for v in verdicts] == ["error", "above_screening"]  # Pb 400 < 500 ≤ 800


def test_soil_check_cli_background_column(tmp_path: Path) -> None:
    path = tmp_path / "soil.csv"
    path.write_text("样品编号,砷,背景值\nS1,45,50\nS2,45,\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "gislib", "soil-check", str(path), "--land-class", "1", "--json"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    s1, s2 = json.loads(proc.stdout)
    assert (s1["verdict"], s1["background"], s1["verdict_zh"]) == (
        "above_screening_within_background", 50, "超筛选值但不高于背景值")
    assert s1["footnote"].startswith("①")
    assert s2["verdict"] == "above_screening" and "footnote" not in s2


def test_soil_units_converted_and_unitless_micrograms_caught(tmp_path: Path) -> None:
    # benzene 700 µg/kg = 0.7 mg/kg ≤ class-1 screening 1 → below screening
    [v] = check_samples([{"样品编号": "T1", "苯(微克/千克)": "700"}], 1)
    assert (v.value, v.verdict, v.unit, v.original) == (0.7, "below_screening", "微克/千克", 700)
    # a water unit on a soil column is refused, naming the column
    [bad] = check_samples([{"样品编号": "T1", "砷(mg/L)": "5"}], 1)
    assert bad.is_error and "砷(mg/L)" in bad.error
    # unit-less 700 for benzene: > 10 × class-2 管制值 40 = 400 → looks like µg/kg; the CLI stops (exit 2)
    path = tmp_path / "soil.csv"
    path.write_text("样品编号,苯\nS1,700\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "gislib", "soil-check", str(path), "--land-class", "1", "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2 and "µg/kg" in proc.stderr and proc.stdout == ""
    proc = subprocess.run(cmd + ["--units", "苯=µg/kg"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0 and json.loads(proc.stdout)[0]["value"] == 0.7
