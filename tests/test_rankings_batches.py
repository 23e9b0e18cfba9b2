"""Rankings per sub-district and month worked out by hand, and 整改任务清单 imported from Excel with
its progress, Excel export and PDF report."""
from __future__ import annotations

import datetime as dt
import io
import subprocess

import pandas as pd
import pytest

from gislib.errors import ValidationError
from gislib.problems import batches
from gislib.problems.config import load_config
from gislib.problems.rankings import colour, ranking, ranking_pdf, ranking_workbook
from gislib.store import open_store

CFG = load_config()
TODAY = dt.date(2026, 12, 5)


def P(sub, found, deadline=None, closed=None, state="已销号", source="巡河发现", reply=None):
    rec = {"subdistrict": sub, "found_date": found, "deadline": deadline, "closed_date": closed, "state": state,
           "source": source}
    if reply:
        rec["reply"] = {"text": "已答复", "date": reply}
    return rec


PROBLEMS = [
    # 甲街道, November 2026
    P("甲", "2026-11-02", "2026-11-10", "2026-11-09"),          # due in Nov, closed on time
    P("甲", "2026-11-03", "2026-11-20", "2026-11-25"),          # due in Nov, closed 5 days late
    P("甲", "2026-10-20", "2026-11-15", None, state="整改中"),    # due in Nov, open → overdue
    P("甲", "2026-11-05", None, None, state="已登记", source="12345", reply="2026-11-10"),  # complaint, Thu 5th + 5 wd = Thu 12th
    P("甲", "2026-11-16", None, None, state="已登记", source="信访"),  # due Mon 23rd, never answered
    # 乙镇: one problem found and closed on time, no complaint
    P("乙", "2026-11-01", "2026-11-30", "2026-11-28"),
    P("乙", "2026-11-01", None, None, state="已撤销"),           # withdrawn: not counted
]
CHIEFS = [{"id": "A", "name": "甲长", "level": "区级", "subdistrict": "甲"},
          {"id": "B", "name": "乙长", "level": "区级", "subdistrict": "乙"}]
PATROLS = [{"chief_id": "B", "date": "2026-11-12", "duration_min": 45, "length_m": 3000}]


def test_ranking_of_a_month_worked_by_hand():
    rows = {r["subdistrict"]: r for r in ranking(PROBLEMS, CHIEFS, PATROLS, ["甲", "乙"], "2026-11", TODAY, CFG)}
    a = rows["甲"]
    # found in November: 4 (the one found 2026-10-20 is October's)
    assert a["found"] == 4
    # due in November: deadlines 10th, 20th, 15th → 3; closed on time: only the first → 1/3
    assert (a["due"], a["closed_on_time"], a["closed_on_time_rate"]) == (3, 1, 0.333)
    # overdue at 30 Nov: the open one (deadline 15th); the late one was closed on the 25th → 1
    assert a["overdue"] == 1
    # complaints due in November: replied 10th ≤ due 12th (on time); 信访 due 23rd unanswered → 1/2
    assert (a["complaints"], a["replied_on_time"], a["reply_on_time_rate"]) == (2, 1, 0.5)
    # district-level chief A (monthly rule): no patrol in November → 0/1
    assert (a["chiefs"], a["chiefs_met"], a["patrol_met_rate"]) == (1, 0, 0.0)
    # 33 % < 60 % (red threshold) → red; score = mean(33.3, 50, 0) − 5 × 1 = 22.8
    assert a["color"] == "红" and a["score"] == 22.8
    b = rows["乙"]
    assert (b["found"], b["due"], b["closed_on_time_rate"], b["overdue"], b["complaints"]) == (1, 1, 1.0, 0, 0)
    assert b["reply_on_time_rate"] is None  # nothing to reply to: ignored
    assert (b["chiefs_met"], b["patrol_met_rate"]) == (1, 1.0)  # a 45-min patrol on the 12th
    assert b["color"] == "绿" and b["score"] == 100.0
    order = ranking(PROBLEMS, CHIEFS, PATROLS, ["甲", "乙"], "2026-11", TODAY, CFG)
    assert [(r["rank"], r["subdistrict"]) for r in order] == [(1, "乙"), (2, "甲")]  # green ranks above red


def test_yellow_between_the_thresholds_and_thresholds_are_configurable():
    row = {"closed_on_time_rate": 0.8, "reply_on_time_rate": None, "patrol_met_rate": 1.0, "overdue": 1}
    assert colour(row, CFG["ranking"]) == "黄"  # 80 % is between 60 % and 90 %; one overdue
    lax = {"red": {**CFG["ranking"]["red"]}, "green": {**CFG["ranking"]["green"], "closed_on_time_rate": 0.8,
                                                       "max_overdue": 1}}
    assert colour(row, lax) == "绿"


def test_ranking_exports(tmp_path):
    rows = ranking(PROBLEMS, CHIEFS, PATROLS, ["甲", "乙"], "2026-11", TODAY, CFG)
    sheet = pd.read_excel(io.BytesIO(ranking_workbook(rows, "2026-11")))
    assert list(sheet.iloc[:2]["街道/镇"]) == ["乙", "甲"] and sheet.iloc[1]["按期销号率"] == "33%"
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(ranking_pdf(rows, "2026-11", TODAY, CFG))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "2026-11 街镇水环境问题整改红黄绿榜" in text and "红榜 1 个" in text and "绿榜 1 个" in text


def _xlsx(rows: list[dict]) -> bytes:
    buf = io.BytesIO()
    pd.DataFrame(rows).to_excel(buf, index=False)
    return buf.getvalue()


def test_task_list_imported_from_excel_with_progress_and_reports(tmp_path):
    st = open_store(tmp_path)
    rows = [{"序号": 1, "反馈问题": "某河段岸边垃圾", "类别": "固废", "经度": 121.40, "纬度": 31.25, "责任单位": "桃浦镇",
             "整改措施": "清运", "整改时限": "2026-08-31"},
            {"序号": 2, "反馈问题": "+86 热线反映河水发黑", "类别": "黑臭", "经度": 121.41, "纬度": 31.26},
            {"序号": 3, "反馈问题": "", "类别": "噪声", "整改时限": "2026-01-01"}]
    items = batches.read_items(_xlsx(rows), "清单.xlsx")
    batch = {"code": "DC-T", "name": "测试督察反馈", "issued_date": "2026-06-15", "issued_by": "督察办"}
    with pytest.raises(ValidationError) as err:
        batches.import_batch(st, batch, items, "officer:a", locate_ctx=False)
    msg = str(err.value)
    assert "第 3 行" in msg and "缺少问题描述" in msg and "没有位置" in msg and "类别「噪声」" in msg and "早于下发日期" in msg
    english = err.value.text("en")
    assert "row 3: the problem is not described" in english and "“噪声” is not valid" in english
    assert st.list("problems") == []  # nothing written
    made = batches.import_batch(st, batch, items[:2], "officer:a", locate_ctx=False)
    assert [r["state"] for r in made] == ["已交办", "已登记"]  # the first had unit, measures and deadline
    assert made[0]["deadline"] == "2026-08-31" and made[0]["batch"] == "DC-T"
    progress = batches.batch_progress(batches.batch_items(st, "DC-T"), dt.date(2026, 9, 1))
    assert (progress["items"], progress["整改中"], progress["未交办"], progress["overdue"]) == (2, 1, 1, 1)
    sheet = pd.read_excel(io.BytesIO(batches.batch_workbook(batch, batches.batch_items(st, "DC-T"), dt.date(2026, 9, 1))))
    assert sheet.iloc[1]["问题"] == "'+86 热线反映河水发黑"  # kept as text, never run as a formula
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(batches.batch_pdf(batch, batches.batch_items(st, "DC-T"), dt.date(2026, 9, 1)))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "测试督察反馈 整改进展报告" in text and "共 2 项" in text and "逾期 1 项" in text
    st.close()
