"""gislib.problems.export: problem lists as Excel, and a plain A4 PDF table report (CJK font embedded)."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from gislib.domain import DEMO_MARK
from gislib.safe_text import cell as safe_cell
from gislib.problems import model

COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "编号"), ("name", "问题"), ("state", "状态"), ("overdue", "是否逾期"), ("category", "类别"),
    ("source", "来源"), ("ticket_no", "工单/信访编号"), ("batch", "整改任务批次"), ("found_date", "发现/受理日期"),
    ("subdistrict", "街道/镇"), ("river", "河道"), ("stretch", "河段编号"), ("lon", "经度(WGS84)"), ("lat", "纬度(WGS84)"),
    ("responsible_unit", "责任单位"), ("measures", "整改措施"), ("deadline", "整改时限"), ("closed_date", "销号日期"),
    ("on_time", "按期销号"), ("reply_date", "答复日期"), ("reply_due", "答复期限"), ("description", "问题描述"),
)
def cell(value: Any) -> Any:
    """A value safe in a spreadsheet (gislib.safe_text.cell); lists and mappings as text."""
    return safe_cell(str(value) if isinstance(value, (list, dict)) else value)


def problem_row(rec: dict[str, Any], today: dt.date) -> dict[str, Any]:
    on_time = model.closed_on_time(rec)
    return {**rec, "overdue": "是" if model.is_overdue(rec, today) else "",
            "on_time": "" if on_time is None else ("是" if on_time else "否"),
            "reply_date": (rec.get("reply") or {}).get("date", "")}


def workbook_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str, note: str = DEMO_MARK) -> bytes:
    """An .xlsx: bold frozen header with a filter, then the rows; a note line at the end."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(list(headers))
    for row in rows:
        ws.append([cell(v) for v in row])
    for c in ws[1]:
        c.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for i, h in enumerate(headers, start=1):
        width = max([len(str(h)) * 2] + [len(str(r[i - 1] or "")) for r in rows[:200]])
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 50)
    if note:
        ws.append([])
        ws.append([note])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def problems_workbook(records: Sequence[dict[str, Any]], today: dt.date) -> bytes:
    """The problem list with Chinese headers (one row per problem)."""
    rows = [[problem_row(r, today).get(k, "") for k, _ in COLUMNS] for r in records]
    return workbook_bytes([h for _, h in COLUMNS], rows, "问题清单")


def pdf_report(title: str, lines: Sequence[str], headers: Sequence[str], rows: Sequence[Sequence[Any]],
               widths: Sequence[float], landscape: bool = True, fills: Sequence[str | None] | None = None,
               image: bytes | None = None) -> bytes:
    """An A4 PDF: title, summary lines, an optional chart image, then a table (header repeated per page).

    ``fills``: per row an optional hex background for the first cell (e.g. red/yellow/green)."""
    from fpdf import FPDF

    from gislib.reports import fonts

    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    family = fonts.add_to_fpdf(pdf)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9.5)
    for line in lines:
        pdf.multi_cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    if image:
        pdf.image(io.BytesIO(image), w=pdf.epw * (0.7 if landscape else 1))
    pdf.ln(2)
    scale = pdf.epw / sum(widths)
    widths = [w * scale for w in widths]

    def header() -> None:
        pdf.set_font(family, "B", 8.5)
        pdf.set_fill_color(230, 230, 230)
        for h, w in zip(headers, widths):
            pdf.cell(w, 7, str(h), border=1, fill=True)
        pdf.ln()
        pdf.set_font(family, "", 8)

    header()
    for i, row in enumerate(rows):
        if pdf.get_y() > pdf.h - 20:
            pdf.add_page()
            header()
        for j, (v, w) in enumerate(zip(row, widths)):
            fill = bool(fills and j == 0 and fills[i])
            if fill:
                h = fills[i].lstrip("#")
                pdf.set_fill_color(*(int(h[k:k + 2], 16) for k in (0, 2, 4)))
            text = "" if v is None else str(v)
            while text and pdf.get_string_width(text) > w - 1.5:
                text = text[:-1]
            pdf.cell(w, 6, text, border=1, fill=fill)
        pdf.ln()
    pdf.ln(3)
    pdf.set_font(family, "", 8)
    from zoneinfo import ZoneInfo

    now = dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    pdf.cell(0, 5, f"{DEMO_MARK} · 河图 Hetu · 生成于 {now} (北京时间)")
    return bytes(pdf.output())
