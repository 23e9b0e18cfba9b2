"""gislib.problems.rankings: the monthly statistics per sub-district and the red/yellow/green list (红黄绿榜).

For sub-district S and month M (evaluated up to ``end`` = the month's last day, or today if earlier):

* ``found``: problems of S found in M.
* ``due``: problems of S whose deadline falls in M up to ``end``; ``closed_on_time``: those of
  them closed (销号) on or before their deadline; ``closed_on_time_rate`` = closed_on_time / due.
* ``overdue``: problems of S assigned with a deadline before ``end`` and not closed by ``end``.
* ``complaints``: complaints of S whose reply was due in M up to ``end``; ``replied_on_time``:
  answered by the due date; ``reply_on_time_rate`` = replied_on_time / complaints.
* ``chiefs``: river chiefs of S (district-level chiefs belong to no sub-district) whose rule
  could be judged in M; ``chiefs_met``: those who met it; ``patrol_met_rate`` = met / chiefs.

A rate with nothing to count is None and ignored. Colour (thresholds in the config ``ranking``):
red when any rate is below its red threshold or ``overdue`` ≥ red ``min_overdue``; green when
every rate reaches its green threshold and ``overdue`` ≤ green ``max_overdue``; yellow otherwise.
``score`` (for ordering within a colour) = mean of the known rates × 100 − 5 × overdue.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from gislib.patrols.frequency import chief_month, month_bounds
from gislib.problems import model

RATES = ("closed_on_time_rate", "reply_on_time_rate", "patrol_met_rate")
COLOR_HEX = {"红": "#d7191c", "黄": "#fdae61", "绿": "#1a9641"}
COLOR_ORDER = {"绿": 0, "黄": 1, "红": 2}  # rank 1 is the best


def _in(day: dt.date | None, first: dt.date, last: dt.date) -> bool:
    return day is not None and first <= day <= last


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def colour(row: dict[str, Any], thresholds: dict[str, Any]) -> str:
    """红/黄/绿 of one row under the thresholds (see the module doc)."""
    red, green = thresholds["red"], thresholds["green"]
    rates = {k: row[k] for k in RATES if row.get(k) is not None}
    if row["overdue"] >= red["min_overdue"] or any(v < red[k] for k, v in rates.items()):
        return "红"
    if row["overdue"] <= green["max_overdue"] and all(v >= green[k] for k, v in rates.items()):
        return "绿"
    return "黄"


def subdistrict_month(problems: list[dict[str, Any]], chiefs: list[dict[str, Any]], patrols: list[dict[str, Any]],
                      subdistrict: str, month: str, today: dt.date, cfg: dict[str, Any]) -> dict[str, Any]:
    """The statistics of one sub-district in one month."""
    first, last = month_bounds(month)
    end = min(last, today)
    mine = [p for p in problems if p.get("subdistrict") == subdistrict and p.get("state") != model.REMOVED]
    found = sum(_in(model.parse_date(p.get("found_date")), first, last) for p in mine)
    due = [p for p in mine if _in(model.parse_date(p.get("deadline")), first, end)]
    on_time = sum(model.closed_on_time(p) is True for p in due)
    overdue = 0
    for p in mine:
        deadline, closed = model.parse_date(p.get("deadline")), model.parse_date(p.get("closed_date"))
        if deadline and deadline < end and p["state"] != model.REGISTERED and (closed is None or closed > end):
            overdue += 1
    days = cfg["complaint_reply_working_days"]
    complaints = [p for p in mine if _in(model.reply_due(p, days), first, end)]
    replied = sum(model.reply_on_time(p, days, today) is True for p in complaints)
    judged = [chief_month(c, patrols, cfg["patrol_rules"], month, today) for c in chiefs
              if c.get("subdistrict") == subdistrict]
    judged = [j for j in judged if j["met"] is not None]
    row = {"subdistrict": subdistrict, "month": month, "found": found, "due": len(due), "closed_on_time": on_time,
           "closed_on_time_rate": _rate(on_time, len(due)), "overdue": overdue, "complaints": len(complaints),
           "replied_on_time": replied, "reply_on_time_rate": _rate(replied, len(complaints)),
           "chiefs": len(judged), "chiefs_met": sum(j["met"] for j in judged),
           "patrol_met_rate": _rate(sum(j["met"] for j in judged), len(judged))}
    known = [row[k] for k in RATES if row[k] is not None]
    row["score"] = round((sum(known) / len(known) * 100 if known else 100) - 5 * overdue, 1)
    row["color"] = colour(row, cfg["ranking"])
    return row


def ranking(problems: list[dict[str, Any]], chiefs: list[dict[str, Any]], patrols: list[dict[str, Any]],
            subdistricts: list[str], month: str, today: dt.date, cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Every sub-district's row for ``month``: green first, then yellow, then red; best score first within
    (rank 1 is the best)."""
    rows = [subdistrict_month(problems, chiefs, patrols, s, month, today, cfg) for s in subdistricts]
    rows.sort(key=lambda r: (COLOR_ORDER[r["color"]], -r["score"], r["subdistrict"]))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows


def months_back(today: dt.date, n: int) -> list[str]:
    """The last ``n`` months ending with today's, oldest first ('YYYY-MM')."""
    out, y, m = [], today.year, today.month
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def store_ranking(store, month: str, today: dt.date, subdistricts: list[str] | None = None) -> list[dict[str, Any]]:
    """The ranking of ``month`` from the store's problems, chiefs and patrols."""
    from gislib.patrols.repo import PatrolRepo
    from gislib.problems.config import load_config

    problems = store.list(model.LAYER)
    repo = PatrolRepo(store)
    chiefs = repo.chiefs()
    if subdistricts is None:
        subdistricts = sorted({p.get("subdistrict") for p in problems if p.get("subdistrict")}
                              | {c["subdistrict"] for c in chiefs if c.get("subdistrict")})
    return ranking(problems, chiefs, repo.patrols(), subdistricts, month, today, load_config())


HEADERS = (("rank", "名次"), ("color", "榜单"), ("subdistrict", "街道/镇"), ("found", "发现问题"), ("due", "到期问题"),
           ("closed_on_time", "按期销号"), ("closed_on_time_rate", "按期销号率"), ("overdue", "逾期"),
           ("complaints", "投诉件"), ("replied_on_time", "按期答复"), ("reply_on_time_rate", "按期答复率"),
           ("chiefs", "河长数"), ("chiefs_met", "巡河达标"), ("patrol_met_rate", "巡河达标率"), ("score", "得分"))


def table_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Rows for Excel/PDF: rates as percentages, unknown as —."""
    def fmt(k: str, v: Any) -> Any:
        if k.endswith("_rate"):
            return "—" if v is None else f"{v:.0%}"
        return v
    return [[fmt(k, r[k]) for k, _ in HEADERS] for r in rows]


def chart_png(rows: list[dict[str, Any]], month: str) -> bytes:
    """A bar chart of found / closed on time / overdue per sub-district (PNG for the PDF)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gislib.reports import fonts

    fonts.use_in_matplotlib()
    names = [r["subdistrict"] for r in rows]
    fig, ax = plt.subplots(figsize=(9, 3.2), dpi=120)
    x = range(len(rows))
    for k, (key, label, color) in enumerate((("found", "发现问题", "#3182bd"), ("closed_on_time", "按期销号", "#31a354"),
                                             ("overdue", "逾期", "#d7191c"))):
        ax.bar([i + (k - 1) * 0.27 for i in x], [r[key] for r in rows], width=0.27, label=label, color=color)
    ax.set_xticks(list(x), names, rotation=30, ha="right", fontsize=8)
    ax.set_title(f"{month} 各街镇问题统计", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def ranking_workbook(rows: list[dict[str, Any]], month: str) -> bytes:
    from gislib.problems.export import workbook_bytes

    return workbook_bytes([h for _, h in HEADERS], table_rows(rows), f"{month} 红黄绿榜",
                          note="规则: 见 gislib/problems/rankings.py; 阈值见问题配置 ranking; 示例数据")


def ranking_pdf(rows: list[dict[str, Any]], month: str, today: dt.date, cfg: dict[str, Any]) -> bytes:
    from gislib.problems.export import pdf_report

    red, green = cfg["ranking"]["red"], cfg["ranking"]["green"]
    counts = {c: sum(r["color"] == c for r in rows) for c in ("红", "黄", "绿")}
    lines = [f"统计月份 {month} (统计至 {min(month_bounds(month)[1], today)}) · 红榜 {counts['红']} 个、黄榜 {counts['黄']} 个、绿榜 {counts['绿']} 个",
             f"绿榜: 按期销号率、按期答复率、巡河达标率均 ≥ {green['closed_on_time_rate']:.0%}/{green['reply_on_time_rate']:.0%}/"
             f"{green['patrol_met_rate']:.0%} 且逾期 ≤ {green['max_overdue']}；红榜: 任一比率低于 {red['closed_on_time_rate']:.0%}/"
             f"{red['reply_on_time_rate']:.0%}/{red['patrol_met_rate']:.0%} 或逾期 ≥ {red['min_overdue']}；其余为黄榜。"]
    return pdf_report(f"{month} 街镇水环境问题整改红黄绿榜", lines, [h for _, h in HEADERS], table_rows(rows),
                      [8, 8, 22, 12, 12, 12, 14, 8, 10, 12, 14, 10, 12, 14, 10],
                      fills=[COLOR_HEX[r["color"]] for r in rows], image=chart_png(rows, month))
