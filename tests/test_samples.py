"""The samples repository: import preview with per-row errors, one-transaction writes, merging."""
from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from gislib.domain import DEMO_MARK
from gislib.errors import ValidationError
from gislib.water.samples import (
    IMPORTED_MARK,
    all_samples,
    commit_import,
    import_batches,
    imported_samples,
    merge_samples,
    preview_import,
)
from gislib.store import open_store

SECTIONS = pd.DataFrame({
    "code": ["PTDM001", "PTDM002"],
    "name": ["凌家浜1号断面", "中槎浦1号断面"],
    "target_class": ["V", "V"],
    "water_type": ["河流", "河流"],
})

GOOD_CSV = "断面名称,采样日期,溶解氧,氨氮,总磷\nPTDM001,2026-10-08,5.5,0.8,0.15\n中槎浦1号断面,2026-10-09,4.0,0.025L,0.35\n"
MIXED_CSV = (
    "断面名称,采样日期,溶解氧,氨氮,总磷\n"
    "PTDM001,2026-10-08,5.5,0.8,0.15\n"       # 1 ok
    "不存在断面,2026-10-08,5.5,0.8,0.15\n"     # 2 unknown section
    "PTDM002,,5.5,0.8,0.15\n"                 # 3 no date
    "PTDM002,2026-10-08,5.5,abc,0.15\n"       # 4 unreadable value
    "PTDM001,2026-10-08,5.0,0.9,0.1\n"        # 5 duplicate of row 1
    "PTDM002,2026-10-10,,,\n"                 # 6 no evaluated item
)


@pytest.fixture
def store(tmp_path):
    st = open_store(tmp_path / "data")
    yield st
    st.close()


def _csv(tmp_path, text, name="samples.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_preview_reports_each_bad_row(tmp_path):
    preview = preview_import(_csv(tmp_path, MIXED_CSV), SECTIONS)
    by_row = {r.row: r for r in preview.rows}
    assert len(preview.rows) == 6
    assert by_row[1].error is None and by_row[1].section_code == "PTDM001" and by_row[1].cls == "III"
    assert "不在断面名录中" in by_row[2].error
    assert "采样日期" in by_row[3].error
    assert "abc" in by_row[4].error
    assert "第 1 行" in by_row[5].error
    assert "参评项目" in by_row[6].error
    assert [r.row for r in preview.valid_rows] == [1]
    frame = preview.frame()
    assert list(frame["行"]) == [1, 2, 3, 4, 5, 6]
    assert frame.loc[1, "错误"].startswith("断面")


def test_names_and_below_detection_are_resolved(tmp_path):
    preview = preview_import(_csv(tmp_path, GOOD_CSV), SECTIONS)
    assert [r.section_code for r in preview.rows] == ["PTDM001", "PTDM002"]
    assert preview.rows[1].values["氨氮"] == "0.025L"  # kept as below detection, ½ DL applied later
    # DO 4.0 → Ⅳ (3 ≤ 4 < 5), NH3-N ½·0.025 → Ⅰ, TP 0.35 → Ⅴ (0.3 < 0.35 ≤ 0.4): the worst item decides
    assert preview.rows[1].cls == "V"


def test_commit_writes_one_transaction_with_who_and_when(tmp_path, store):
    preview = preview_import(_csv(tmp_path, GOOD_CSV), SECTIONS)
    batch = commit_import(store, preview, "officer:li")
    rows = imported_samples(store)
    assert len(rows) == 2
    assert set(rows["imported_by"]) == {"officer:li"}
    assert rows["imported_at"].str.match(r"\d{4}-\d{2}-\d{2}T").all()
    assert set(rows["batch_id"]) == {batch}
    batches = import_batches(store)
    assert list(batches["rows"]) == [2] and list(batches["source"]) == ["samples.csv"]


def test_errors_block_the_whole_import_unless_skipped(tmp_path, store):
    preview = preview_import(_csv(tmp_path, MIXED_CSV), SECTIONS)
    with pytest.raises(ValidationError, match="未写入任何数据"):
        commit_import(store, preview, "officer:li")
    assert imported_samples(store).empty
    commit_import(store, preview, "officer:li", skip_invalid=True)
    assert list(imported_samples(store)["section_code"]) == ["PTDM001"]


def test_failed_write_rolls_back(tmp_path, store):
    preview = preview_import(_csv(tmp_path, GOOD_CSV), SECTIONS)
    preview.rows[1].date = None  # a NOT NULL column: the second insert fails
    with pytest.raises(Exception):
        commit_import(store, preview, "officer:li")
    assert imported_samples(store).empty
    assert import_batches(store).empty


def test_user_is_required(tmp_path, store):
    preview = preview_import(_csv(tmp_path, GOOD_CSV), SECTIONS)
    with pytest.raises(ValidationError, match="操作人"):
        commit_import(store, preview, "  ")


def test_reimport_replaces_same_section_and_date(tmp_path, store):
    commit_import(store, preview_import(_csv(tmp_path, GOOD_CSV), SECTIONS), "officer:li")
    again = "断面名称,采样日期,氨氮\nPTDM001,2026-10-08,1.9\n"
    commit_import(store, preview_import(_csv(tmp_path, again, "again.csv"), SECTIONS), "officer:wang")
    rows = imported_samples(store).set_index("section_code")
    assert len(rows) == 2
    assert rows.at["PTDM001", "氨氮"] == 1.9
    assert rows.at["PTDM001", "imported_by"] == "officer:wang"
    with sqlite3.connect(store.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM section_samples_import_batches").fetchone()[0] == 2


def test_merge_replaces_demo_rows_of_the_same_month():
    demo = pd.DataFrame({"section_code": ["A", "A", "B"], "date": ["2026-09-01", "2026-10-01", "2026-10-01"],
                         "氨氮": [0.5, 0.6, 0.7]})
    imported = pd.DataFrame({"section_code": ["A", "A"], "date": ["2026-10-08", "2026-10-22"],
                             "mark": [IMPORTED_MARK] * 2, "氨氮": [1.1, 1.3]})
    merged = merge_samples(demo, imported)
    assert list(zip(merged["section_code"], merged["date"], merged["mark"])) == [
        ("A", "2026-09-01", DEMO_MARK), ("A", "2026-10-08", IMPORTED_MARK), ("A", "2026-10-22", IMPORTED_MARK),
        ("B", "2026-10-01", DEMO_MARK)]


def test_all_samples_merges_with_the_demo_table(tmp_path, store):
    before = all_samples(store, "putuo")
    assert (before["mark"] == DEMO_MARK).all()
    assert len(before[(before["section_code"] == "PTDM001") & (before["date"].str.startswith("2026-10"))]) == 1
    commit_import(store, preview_import(_csv(tmp_path, GOOD_CSV), SECTIONS), "officer:li")
    after = all_samples(store, "putuo")
    oct1 = after[(after["section_code"] == "PTDM001") & (after["date"].str.startswith("2026-10"))]
    assert list(oct1["mark"]) == [IMPORTED_MARK] and list(oct1["date"]) == ["2026-10-08"]
    assert len(after) == len(before)  # two demo rows replaced by two imported rows


def test_units_converted_with_the_written_figures_kept(tmp_path, store):
    from gislib.water.samples import imported_originals

    # Hg 0.5 µg/L = 0.0005 mg/L; As 60 µg/L = 0.06 mg/L (÷1000); DO 5.5 mg/L as written
    text = "断面名称,采样日期,溶解氧,汞(μg/L),砷(μg/L)\nPTDM001,2026-10-08,5.5,0.5,60\n"
    preview = preview_import(_csv(tmp_path, text), SECTIONS)
    [row] = preview.rows
    assert row.values["汞"] == pytest.approx(0.0005) and row.values["砷"] == pytest.approx(0.06)
    assert row.originals == {"汞": {"value": 0.5, "unit": "µg/L"}, "砷": {"value": 60.0, "unit": "µg/L"}}
    commit_import(store, preview, "officer:li")
    stored = imported_samples(store).iloc[0]
    assert stored["汞"] == pytest.approx(0.0005)
    assert imported_originals(store)[("PTDM001", "2026-10-08")]["汞"] == {"value": 0.5, "unit": "µg/L"}


def test_suspicious_units_block_the_write_until_confirmed(tmp_path, store):
    text = "断面名称,采样日期,溶解氧,汞\nPTDM001,2026-10-08,5.5,0.5\n"  # Hg 0.5 "mg/L" > ceiling 0.01
    path = _csv(tmp_path, text)
    preview = preview_import(path, SECTIONS)
    assert preview.unit_suspects == ["汞"] and "µg/L" in preview.unit_warnings[0]
    with pytest.raises(ValidationError, match="单位可疑"):
        commit_import(store, preview, "officer:li")
    assert imported_samples(store).empty
    fixed = preview_import(path, SECTIONS, units={"汞": "µg/L"})  # the officer's answer on the page
    assert fixed.unit_warnings == [] and fixed.rows[0].values["汞"] == pytest.approx(0.0005)
    commit_import(store, fixed, "officer:li", units_confirmed=True)
    assert len(imported_samples(store)) == 1
