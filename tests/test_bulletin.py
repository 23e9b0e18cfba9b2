"""The monthly bulletin logic on a small hand-made table; expected values worked out by hand.

NH3-N alone sets the class here (limits I 0.15, II 0.5, III 1.0, IV 1.5, V 2.0):
0.1 → Ⅰ, 0.4 → Ⅱ, 0.8 → Ⅲ, 1.2 → Ⅳ, 1.8 → Ⅴ, 2.5 → 劣Ⅴ.

    section  sub  target  2025-10  2026-09   2026-10           Oct class / target / vs Sept
    S1       甲   III     0.1 Ⅰ    0.4 Ⅱ     0.7 & 0.9 → 0.8 Ⅲ  meets   1 class worse → warning
    S2       甲   III     —        1.2 Ⅳ     1.2 Ⅳ              fails   same         → warning
    S3       乙   IV      —        0.8 Ⅲ     1.2 Ⅳ              meets   1 class worse → warning
    S4       乙   IV      —        2.5 劣Ⅴ   1.8 Ⅴ              fails   1 better     → warning
    S5       乙   V       —        1.8 Ⅴ     1.6 & 2.0 → 1.8 Ⅴ  meets   same         → none
    S6       丙   III     —        0.8 Ⅲ     (no data)          —       —            → none

达标率 (Oct): 甲 1/2 = 50.0 %, 乙 2/3 = 66.7 %, 丙 not ranked (no data) → 乙 1st, 甲 2nd.
Ⅰ–Ⅲ share: Oct 1/5 = 20.0 %; Sept 3/6 (S1 Ⅱ, S3 Ⅲ, S6 Ⅲ) = 50.0 %; Oct 2025 1/1 = 100.0 %.
"""
from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from gislib.reports.bulletin import (
    build_bulletin,
    change_label,
    class_change,
    compute_bulletin,
    monthly_classes,
    parse_month,
    shift_month,
    subdistrict_compliance,
    write_warnings_xlsx,
)
from gislib.errors import ExportError, ValidationError

SECTIONS = pd.DataFrame({
    "code": ["S1", "S2", "S3", "S4", "S5", "S6"],
    "name": ["一号断面", "二号断面", "三号断面", "四号断面", "五号断面", "六号断面"],
    "river": ["甲河", "甲河", "乙河", "乙河", "乙河", "丙河"],
    "subdistrict": ["甲街道", "甲街道", "乙镇", "乙镇", "乙镇", "丙街道"],
    "level": ["区控"] * 6,
    "target_class": ["III", "III", "IV", "IV", "V", "III"],
    "water_type": ["河流"] * 6,
    "demo": [True] * 6,
})
SAMPLES = pd.DataFrame([
    ("S1", "2025-10-08", 0.1),
    ("S1", "2026-09-08", 0.4), ("S2", "2026-09-08", 1.2), ("S3", "2026-09-08", 0.8),
    ("S4", "2026-09-08", 2.5), ("S5", "2026-09-08", 1.8), ("S6", "2026-09-08", 0.8),
    ("S1", "2026-10-05", 0.7), ("S1", "2026-10-20", 0.9), ("S2", "2026-10-08", 1.2), ("S3", "2026-10-08", 1.2),
    ("S4", "2026-10-08", 1.8), ("S5", "2026-10-05", 1.6), ("S5", "2026-10-20", 2.0),
], columns=["section_code", "date", "氨氮"])


@pytest.fixture(scope="module")
def bulletin():
    return compute_bulletin(SAMPLES, SECTIONS, "2026-10", district="测试区")


def test_monthly_mean_decides_the_class():
    classes = monthly_classes(SAMPLES, SECTIONS).set_index(["section_code", "month"])
    assert classes.loc[("S1", "2026-10"), "氨氮"] == pytest.approx(0.8)
    assert classes.loc[("S1", "2026-10"), "cls"] == "III"
    assert classes.loc[("S5", "2026-10"), "cls"] == "V"  # (1.6 + 2.0) / 2 = 1.8
    assert classes.loc[("S5", "2026-10"), "n_samples"] == 2
    assert classes.loc[("S4", "2026-09"), "cls"] == "劣V"


def test_section_table_and_distribution(bulletin):
    t = bulletin.table.set_index("code")
    assert list(t["cls"]) == ["III", "IV", "IV", "V", "V", None]
    assert list(t["meets_target"]) == [True, False, True, False, True, None]
    assert bulletin.distribution == {"I": 0, "II": 0, "III": 1, "IV": 2, "V": 2, "劣V": 0}
    assert bulletin.evaluated == 5
    assert bulletin.compliant == 3
    assert bulletin.share_good == 20.0
    assert bulletin.share_good_prev == 50.0
    assert bulletin.share_good_last_year == 100.0
    assert bulletin.grade == "轻度污染"  # 5 sections: Ⅰ–Ⅲ 20 % < 75 %, 劣Ⅴ 0 % < 20 %
    assert bulletin.title == "《测试区地表水环境质量专报（2026年10月）》"


@pytest.mark.parametrize("district, title, area", [
    ("putuo", "《普陀区地表水环境质量专报（2026年10月）》", "全区"),
    ("city", "《上海市地表水环境质量专报（2026年10月）》", "全市"),
])
def test_title_and_wording_follow_the_district_profile(monkeypatch, district, title, area):
    # no district given: the profile in force (HETU_DISTRICT, else the data set's) names the bulletin
    monkeypatch.setenv("HETU_DISTRICT", district)
    b = compute_bulletin(SAMPLES, SECTIONS, "2026-10")
    assert b.title == title
    summary = "".join(b.summary())
    assert f"{area}共评价地表水监测断面5个" in summary
    assert f"按断面类别比例法，{area}水质状况为“轻度污染”。" in summary


def test_subdistrict_compliance_ranking(bulletin):
    c = bulletin.compliance
    assert list(c["subdistrict"]) == ["乙镇", "甲街道"]  # 丙街道 has no data this month
    assert list(c["evaluated"]) == [3, 2]
    assert list(c["compliant"]) == [2, 1]
    assert list(c["rate"]) == [66.7, 50.0]
    assert list(c["rank"]) == [1, 2]


def test_compliance_ties_share_a_rank():
    table = pd.DataFrame({
        "subdistrict": ["A", "A", "B", "C", "C"],
        "meets_target": [True, True, True, True, False],
    })
    c = subdistrict_compliance(table)
    # A 2/2 and B 1/1 are both 100 % (A first: more compliant sections); C 1/2 = 50 %
    assert list(c["subdistrict"]) == ["A", "B", "C"]
    assert list(c["rank"]) == [1, 1, 3]
    assert list(c["rate"]) == [100.0, 100.0, 50.0]


def test_warning_rule(bulletin):
    w = bulletin.warnings
    assert list(w["code"]) == ["S1", "S3", "S2", "S4"]  # worse-than-last-month first, then code
    by = w.set_index("code")
    assert by.at["S1", "worse_by"] == 1 and not by.at["S1", "fails_target"]
    assert by.at["S1", "reasons"] == "较上月下降1个类别 (Ⅱ类→Ⅲ类)"
    assert by.at["S3", "worse_by"] == 1 and not by.at["S3", "fails_target"]
    assert by.at["S2", "fails_target"] and by.at["S2", "worse_by"] == 0
    assert by.at["S2", "reasons"] == "未达到水质目标 (目标Ⅲ类, 本月Ⅳ类)"
    assert by.at["S4", "fails_target"] and by.at["S4", "worse_by"] == 0  # better than Sept but off target
    assert "S5" not in by.index and "S6" not in by.index


def test_warning_both_reasons():
    samples = pd.DataFrame([("S2", "2026-09-08", 0.8), ("S2", "2026-10-08", 2.5)],
                           columns=["section_code", "date", "氨氮"])
    b = compute_bulletin(samples, SECTIONS, "2026-10")
    row = b.warnings.iloc[0]
    assert row["code"] == "S2" and row["worse_by"] == 3 and row["fails_target"]  # Ⅲ → 劣Ⅴ
    assert row["reasons"] == "未达到水质目标 (目标Ⅲ类, 本月劣Ⅴ类)；较上月下降3个类别 (Ⅲ类→劣Ⅴ类)"


def test_changes_against_last_month_and_last_year(bulletin):
    ch = bulletin.changes.set_index("code")
    assert ch.at["S1", "change_prev"] == 1 and ch.at["S1", "change_yoy"] == 2  # Ⅱ→Ⅲ, Ⅰ→Ⅲ
    assert ch.at["S4", "change_prev"] == -1
    assert pd.isna(ch.at["S2", "change_yoy"])
    assert [change_label(d) for d in (2, -1, 0, None)] == ["变差2级", "好转1级", "持平", "—"]
    assert class_change("劣V", "I") == 5


def test_months():
    assert parse_month("2026-1") == "2026-01"
    assert shift_month("2026-01", -1) == "2025-12"
    assert shift_month("2026-10", -12) == "2025-10"
    with pytest.raises(ValidationError, match="年-月"):
        parse_month("2026/13")


def test_month_without_data_says_which_months_exist():
    with pytest.raises(ValidationError, match="2025-10 至 2026-10"):
        compute_bulletin(SAMPLES, SECTIONS, "2024-01")


def test_outputs(bulletin, tmp_path):
    pdf = build_bulletin(bulletin, tmp_path / "b.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for expected in ("测试区地表水环境质量专报", "示例数据", "OpenStreetMap", "预警通知", "66.7%", "乙镇"):
            assert expected in text, expected
    docx = build_bulletin(bulletin, tmp_path / "b.docx")
    with zipfile.ZipFile(docx) as z:
        body = z.read("word/document.xml").decode()
        styles = z.read("word/styles.xml").decode()
        footer = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
    assert "测试区地表水环境质量专报" in body and "示例数据" in body
    # Issue 11 item 11: A4 (not python-docx's US Letter) and the bundled CJK font in every style,
    # with no theme font that Word would prefer over it
    assert '<w:pgSz w:w="11906" w:h="16838"/>' in body
    assert 'w:eastAsia="Noto Sans CJK SC"' in styles and 'w:ascii="Noto Sans CJK SC"' in styles
    assert "Theme=" not in styles and 'w:eastAsia="宋体"' not in styles
    assert "OpenStreetMap" in footer
    xlsx = write_warnings_xlsx(bulletin, tmp_path / "w.xlsx")
    ws = load_workbook(xlsx).active
    assert "示例数据" in ws["A1"].value
    assert [c.value for c in ws[3]][:2] == ["断面编码", "断面名称"]
    assert [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)] == ["S1", "S3", "S2", "S4"]
    with pytest.raises(ExportError, match=".pdf 或 .docx"):
        build_bulletin(bulletin, tmp_path / "b.txt")


SECTIONS_PAGE = str(Path(__file__).resolve().parent.parent / "views" / "sections_view.py")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sections_page_builds_the_bulletin(tmp_path, monkeypatch, lang):
    """The page under AppTest: list, section page by query parameter, and the bulletin files."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(SECTIONS_PAGE, default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    assert at.title[0].value == ("断面水质" if lang == "zh" else "Water-quality sections")
    if lang == "en":  # the English page renders; the bulletin itself is Chinese (built once, below)
        assert [e.label for e in at.expander] == ["Import monthly data", "Monthly bulletin"]
        return
    at.selectbox(key="bulletin_month").select("2026-10")
    at.button(key="bulletin_build").click().run()
    assert not at.exception
    assert "《普陀区地表水环境质量专报（2026年10月）》" in at.success[0].value
    files = at.session_state["bulletin_files"]
    assert files["pdf"].startswith(b"%PDF") and files["docx"][:2] == b"PK" and files["xlsx"][:2] == b"PK"
    assert len(files["warnings"]) == 10
    at.query_params["code"] = "PTDM007"
    at.run()
    assert not at.exception
    assert [sb.key for sb in at.selectbox] == ["trend_item_PTDM007"]


def test_pdf_lines_never_split_a_number():
    """Issue 11 item 11: "(0.15)" and "32.0%" stay on one line at every column width; closing
    punctuation never starts a line; nothing is lost."""
    from fpdf import FPDF

    from gislib.reports import fonts
    from gislib.reports.bulletin import keep_numbers_whole

    pdf = FPDF()
    pdf.set_font(fonts.add_to_fpdf(pdf), size=8.5)
    text = "总磷(0.20)、化学需氧量(0.15)、五日生化需氧量(0.15)；Ⅰ～Ⅲ类占32.0%，达标率76.0%。"
    for width in range(12, 90, 2):
        lines = keep_numbers_whole(pdf, text, width).split("\n")
        assert "".join(lines) == text
        assert sum(line.count("(0.15)") for line in lines) == 2
        assert sum(line.count("32.0%") + line.count("76.0%") for line in lines) == 2
        assert not any(line.startswith(("、", "，", "。", "；", ")")) for line in lines)
        assert all(pdf.get_string_width(line) <= width for line in lines if len(line) > 8)
