"""gislib.reports.bulletin: the monthly surface-water bulletin (地表水环境质量专报) and its warning list.

Logic (docs/domain.md §2):

* ``monthly_classes``: every section × month, evaluated on the monthly mean of its samples
  (½ DL first, 环办〔2011〕22号 single-factor method, target from the section record).
* ``compute_bulletin``: for one month, the section table, the class distribution, the share of
  Ⅰ–Ⅲ, the sub-district compliance ranking (达标率 = sections meeting their target / sections
  evaluated that month; sections without data or without a target are left out), class changes
  against the previous month and the same month last year, and the warning list.
* Warning rule (预警通知): a section is listed when it fails its 水质目标 this month, or when its
  class is one class or more worse than last month (Ⅱ→Ⅲ counts: Ⅰ and Ⅱ are distinct classes).

Output: ``build_bulletin`` writes PDF (fpdf2, bundled CJK font) or Word (python-docx, East Asian
font set through w:eastAsia); ``write_warnings_xlsx`` writes the warning list. The map image is
drawn by ``layers.bulletin_map`` (the sections layer's style) and passed in as ``map_png``.
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gislib.reports import fonts
from gislib.domain import DEMO_MARK, NO_DATA_COLOR, OSM_CREDIT, WQ_CLASS_COLOR, WQ_CLASS_RANK, WQ_CLASS_ROMAN, WQ_CLASSES
from gislib.district import DistrictProfile, current_profile
from gislib.errors import ExportError, Phrase, ValidationError
from gislib.safe_text import cell as safe_cell, plain
from gislib.water.quality import (
    SampleRow, evaluate_period, main_pollutants_text, monthly_means, parse_value, resolve_item, river_grade,
)
from gislib.reports.colors import text_color_on
from gislib.timefmt import today_local

GOOD_RANK = WQ_CLASS_RANK["III"]
MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
SECTION_COLUMNS = ["code", "name", "river", "subdistrict", "level", "target_class"]
WARNING_HEADERS = ["断面编码", "断面名称", "河道", "街道/镇", "本月类别", "水质目标", "上月类别", "预警原因", "主要污染指标"]


# --------------------------------------------------------------------------- months and labels
def parse_month(text: str) -> str:
    """"2026-10" / "2026-1" → "2026-10" / "2026-01"; ValidationError otherwise."""
    m = MONTH_RE.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValidationError("error.month_unreadable", field="month", value=text)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def shift_month(month: str, months: int) -> str:
    """The month ``months`` after (negative: before) ``month``."""
    y, m = map(int, parse_month(month).split("-"))
    index = y * 12 + (m - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_label(month: str) -> str:
    """"2026-10" → "2026年10月"."""
    y, m = map(int, parse_month(month).split("-"))
    return f"{y}年{m}月"


def class_label(cls: str | None) -> str:
    """"III" → "Ⅲ类"; None → "无数据"."""
    return f"{WQ_CLASS_ROMAN[cls]}类" if cls in WQ_CLASS_ROMAN else "无数据"


def class_color(cls: str | None) -> str:
    """The class colour of 22号 Table 1 (grey without data)."""
    return WQ_CLASS_COLOR.get(cls or "", NO_DATA_COLOR)


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def _pct_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


# --------------------------------------------------------------------------- evaluation
def monthly_classes(samples: pd.DataFrame, sections: pd.DataFrame) -> pd.DataFrame:
    """Every (section, month) with samples: section_code, month, cls, meets_target,
    main_pollutants ("总磷(0.6)、氨氮(0.2)", multiple vs Ⅲ to one decimal), n_samples, and the item means."""
    columns = ["section_code", "month", "cls", "meets_target", "main_pollutants", "n_samples"]
    if samples.empty:
        return pd.DataFrame(columns=columns)
    items = {c: resolve_item(c) for c in samples.columns if c not in ("section_code", "date", "mark")}
    items = {c: name for c, name in items.items() if name}
    rows: list[SampleRow] = []
    for i, rec in enumerate(samples.to_dict("records"), start=1):
        date = pd.to_datetime(str(rec["date"]), errors="coerce")
        row = SampleRow(row=i, section=rec["section_code"], date=None if pd.isna(date) else date.date())
        for col, name in items.items():
            raw = rec.get(col)
            if raw is None or (isinstance(raw, float) and pd.isna(raw)) or raw == "":
                continue
            try:
                measured = parse_value(raw)
            except ValidationError as exc:
                row.error = str(exc)
                break
            if not measured.missing:
                row.values[name] = measured
        if row.date is not None:
            rows.append(row)
    meta = sections.set_index("code")
    out = []
    for period in monthly_means(rows):
        code = period.section
        target = meta.at[code, "target_class"] if code in meta.index else None
        water = meta.at[code, "water_type"] if code in meta.index and "water_type" in meta else None
        try:
            res = evaluate_period(period, water_type=water or "河流", target=target or None)
        except ValidationError:
            continue
        rec = {
            "section_code": code, "month": period.period, "cls": res.cls, "meets_target": res.meets_target,
            "main_pollutants": main_pollutants_text(res),
            "n_samples": max(period.counts.values()) if period.counts else 0,
        }
        rec.update({name: m.value for name, m in period.values.items()})
        out.append(rec)
    return pd.DataFrame(out) if out else pd.DataFrame(columns=columns)


def month_table(classes: pd.DataFrame, sections: pd.DataFrame, month: str) -> pd.DataFrame:
    """One row per section (all sections, in code order) with that month's cls / meets_target /
    main_pollutants; sections without data that month get cls None."""
    month = parse_month(month)
    base = sections[[c for c in SECTION_COLUMNS if c in sections]].copy()
    this = classes[classes["month"] == month][["section_code", "cls", "meets_target", "main_pollutants"]]
    out = base.merge(this, left_on="code", right_on="section_code", how="left").drop(columns="section_code")
    out["cls"] = out["cls"].astype(object).where(out["cls"].notna(), None)
    out["meets_target"] = out["meets_target"].astype(object).where(out["meets_target"].notna(), None)
    out["main_pollutants"] = out["main_pollutants"].fillna("")
    return out.sort_values("code", ignore_index=True)


def class_distribution(table: pd.DataFrame) -> dict[str, int]:
    """Sections per class (I … 劣V, zeros included) among sections with data."""
    counts = table["cls"].value_counts()
    return {c: int(counts.get(c, 0)) for c in WQ_CLASSES}


def share_good(table: pd.DataFrame) -> float | None:
    """Share (%) of Ⅰ–Ⅲ among the sections with data; None without data."""
    evaluated = table[table["cls"].notna()]
    good = sum(WQ_CLASS_RANK[c] <= GOOD_RANK for c in evaluated["cls"])
    return _pct(good, len(evaluated))


def subdistrict_compliance(table: pd.DataFrame) -> pd.DataFrame:
    """达标率 per sub-district, ranked: rank, subdistrict, evaluated, compliant, rate (%).

    Only sections with data and a target count. Ties share a rank (1, 2, 2, 4); within a tie the
    sub-district with more compliant sections, then the name, comes first.
    """
    known = table[table["meets_target"].notna()]
    rows = []
    for name, group in known.groupby("subdistrict", sort=True):
        compliant = int(sum(bool(v) for v in group["meets_target"]))
        rows.append({"subdistrict": name, "evaluated": len(group), "compliant": compliant,
                     "rate": _pct(compliant, len(group))})
    out = pd.DataFrame(rows, columns=["subdistrict", "evaluated", "compliant", "rate"])
    if out.empty:
        return out.assign(rank=pd.Series(dtype=int))[["rank", *out.columns]]
    out = out.sort_values(["rate", "compliant", "subdistrict"], ascending=[False, False, True], ignore_index=True)
    out.insert(0, "rank", out["rate"].rank(method="min", ascending=False).astype(int))
    return out


def class_change(now: str | None, then: str | None) -> int | None:
    """Classes worse than ``then`` (positive = worse, negative = better); None if either is missing."""
    if now is None or then is None:
        return None
    return WQ_CLASS_RANK[now] - WQ_CLASS_RANK[then]


def change_label(delta: int | None) -> str:
    """"变差2级" / "好转1级" / "持平" / "—"."""
    if delta is None:
        return "—"
    if delta == 0:
        return "持平"
    return f"变差{delta}级" if delta > 0 else f"好转{-delta}级"


def comparison(current: pd.DataFrame, previous: pd.DataFrame, last_year: pd.DataFrame) -> pd.DataFrame:
    """Per section: cls, cls_prev, change_prev, cls_last_year, change_yoy (class steps, + = worse)."""
    prev = dict(zip(previous["code"], previous["cls"]))
    yoy = dict(zip(last_year["code"], last_year["cls"]))
    out = current[["code", "name", "cls"]].copy()
    out["cls_prev"] = [prev.get(c) for c in out["code"]]
    out["change_prev"] = [class_change(a, prev.get(c)) for c, a in zip(out["code"], out["cls"])]
    out["cls_last_year"] = [yoy.get(c) for c in out["code"]]
    out["change_yoy"] = [class_change(a, yoy.get(c)) for c, a in zip(out["code"], out["cls"])]
    return out


def warnings_list(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """The 预警通知 list: sections failing their target, or ≥ 1 class worse than last month.

    Columns: code, name, river, subdistrict, cls, target_class, cls_prev, fails_target, worse_by,
    reasons, main_pollutants. Sorted by how many classes worse, then code.
    """
    prev = dict(zip(previous["code"], previous["cls"]))
    rows = []
    for rec in current.to_dict("records"):
        if rec["cls"] is None:
            continue
        fails = rec["meets_target"] is False
        delta = class_change(rec["cls"], prev.get(rec["code"]))
        worse = delta is not None and delta >= 1
        if not (fails or worse):
            continue
        reasons = []
        if fails:
            reasons.append(f"未达到水质目标 (目标{class_label(rec['target_class'])}, 本月{class_label(rec['cls'])})")
        if worse:
            reasons.append(f"较上月下降{delta}个类别 ({class_label(prev[rec['code']])}→{class_label(rec['cls'])})")
        rows.append({**{k: rec.get(k) for k in ("code", "name", "river", "subdistrict", "cls", "target_class")},
                     "cls_prev": prev.get(rec["code"]), "fails_target": fails, "worse_by": delta if worse else 0,
                     "reasons": "；".join(reasons), "main_pollutants": rec["main_pollutants"]})
    cols = ["code", "name", "river", "subdistrict", "cls", "target_class", "cls_prev", "fails_target",
            "worse_by", "reasons", "main_pollutants"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["worse_by", "code"], ascending=[False, True], ignore_index=True)


@dataclass
class Bulletin:
    """Everything the bulletin of one month shows."""

    month: str
    district: str
    table: pd.DataFrame
    previous: pd.DataFrame
    last_year: pd.DataFrame
    distribution: dict[str, int]
    compliance: pd.DataFrame
    changes: pd.DataFrame
    warnings: pd.DataFrame
    share_good: float | None
    share_good_prev: float | None
    share_good_last_year: float | None
    grade: str | None
    demo: bool = True
    area_word: str = "全区"  # the district profile's word for its whole area (全区 / 全市)
    grade_wording: str = "按断面类别比例法，{area}水质状况为“{grade}”。"

    @property
    def title(self) -> str:
        """《普陀区地表水环境质量专报（2026年10月）》: the district comes from the district profile."""
        return f"《{self.district}地表水环境质量专报（{month_label(self.month)}）》"

    @property
    def evaluated(self) -> int:
        return int(self.table["cls"].notna().sum())

    @property
    def compliant(self) -> int:
        return int(sum(v is True for v in self.table["meets_target"]))

    def summary(self) -> list[str]:
        """The opening paragraphs (一、总体情况)."""
        n = self.evaluated
        if n == 0:
            return [f"{month_label(self.month)}没有断面监测数据。"]
        d = self.distribution
        good = sum(d[c] for c in ("I", "II", "III"))
        with_target = int(self.table["meets_target"].notna().sum())
        text = [
            f"{month_label(self.month)}，{self.area_word}共评价地表水监测断面{n}个。其中Ⅰ～Ⅲ类断面{good}个，占"
            f"{_pct_text(self.share_good)}；Ⅳ类{d['IV']}个，Ⅴ类{d['V']}个，劣Ⅴ类{d['劣V']}个。"
            + (self.grade_wording.format(area=self.area_word, grade=self.grade) if self.grade else ""),
            f"达到水质目标的断面{self.compliant}个，达标率{_pct_text(_pct(self.compliant, with_target))}；"
            f"列入预警通知的断面{len(self.warnings)}个。",
        ]
        cmp = []
        if self.share_good_prev is not None and self.share_good is not None:
            cmp.append(f"与上月相比，Ⅰ～Ⅲ类比例{_delta_text(self.share_good - self.share_good_prev)}")
        if self.share_good_last_year is not None and self.share_good is not None:
            cmp.append(f"与去年同期相比{_delta_text(self.share_good - self.share_good_last_year)}")
        if cmp:
            text.append("，".join(cmp) + "。")
        return text


def _delta_text(points: float) -> str:
    if abs(points) < 0.05:
        return "持平"
    return f"{'上升' if points > 0 else '下降'}{abs(points):.1f}个百分点"


def compute_bulletin(samples: pd.DataFrame, sections: pd.DataFrame, month: str, district: str | None = None,
                     classes: pd.DataFrame | None = None, profile: DistrictProfile | None = None) -> Bulletin:
    """The bulletin of ``month`` from the samples and the section records.

    The title's district and the report wording (全区/全市, the river-grade sentence) follow the
    district ``profile`` (default: ``gislib.district.current_profile()``, i.e. HETU_DISTRICT or
    the data set's); ``district`` overrides the name only.
    ``classes`` (from ``monthly_classes``) may be passed in when the caller already has it.
    Raises ValidationError when the month has no data at all.
    """
    month = parse_month(month)
    classes = monthly_classes(samples, sections) if classes is None else classes
    table = month_table(classes, sections, month)
    if table["cls"].notna().sum() == 0:
        have = sorted(classes["month"].unique()) if len(classes) else []
        span = Phrase("error.month_span", first=have[0], last=have[-1]) if have else Phrase("error.none")
        raise ValidationError("error.month_no_data", field="month", month=month, span=span)
    previous = month_table(classes, sections, shift_month(month, -1))
    last_year = month_table(classes, sections, shift_month(month, -12))
    evaluated = [c for c in table["cls"] if c is not None]
    grade = river_grade(evaluated) if len(evaluated) >= 5 else None
    demo = bool(sections.get("demo", pd.Series([True])).fillna(False).astype(bool).any())
    profile = profile or current_profile()
    district = district or profile.short_name
    return Bulletin(
        month=month, district=district, table=table, previous=previous, last_year=last_year,
        distribution=class_distribution(table), compliance=subdistrict_compliance(table),
        changes=comparison(table, previous, last_year), warnings=warnings_list(table, previous),
        share_good=share_good(table), share_good_prev=share_good(previous),
        share_good_last_year=share_good(last_year), grade=grade, demo=demo,
        area_word=profile.area_word, grade_wording=profile.river_grade_wording,
    )


# --------------------------------------------------------------------------- tables for output
def section_rows(b: Bulletin) -> list[list[str]]:
    """Rows of the section table: 断面, 河道, 街道/镇, 类别, 目标, 达标, 主要污染指标."""
    yes = {True: "是", False: "否", None: "—"}
    return [[f"{r['name']}", r["river"], r["subdistrict"], class_label(r["cls"]), class_label(r["target_class"]),
             yes[r["meets_target"]], r["main_pollutants"] or "—"] for r in b.table.to_dict("records")]


def compliance_rows(b: Bulletin) -> list[list[str]]:
    return [[str(r["rank"]), r["subdistrict"], str(r["evaluated"]), str(r["compliant"]), _pct_text(r["rate"])]
            for r in b.compliance.to_dict("records")]


def change_rows(b: Bulletin) -> list[list[str]]:
    return [[r["name"], class_label(r["cls"]), class_label(r["cls_prev"]), change_label(r["change_prev"]),
             class_label(r["cls_last_year"]), change_label(r["change_yoy"])] for r in b.changes.to_dict("records")]


DISTRIBUTION_HEADERS = ["类别", "本月", "上月", "去年同期"]


def distribution_rows(b: Bulletin) -> list[list[str]]:
    """Sections per class this month, last month and the same month last year, plus the Ⅰ～Ⅲ share."""
    months = (b.table, b.previous, b.last_year)
    dists = [class_distribution(t) for t in months]
    rows = [[class_label(c), *(str(d[c]) for d in dists)] for c in WQ_CLASSES]
    rows.append(["评价断面数", *(str(int(t["cls"].notna().sum())) for t in months)])
    rows.append(["Ⅰ～Ⅲ类比例", *(_pct_text(share_good(t)) for t in months)])
    return rows


def warning_rows(b: Bulletin) -> list[list[str]]:
    return [[r["code"], r["name"], r["river"], r["subdistrict"], class_label(r["cls"]), class_label(r["target_class"]),
             class_label(r["cls_prev"]), r["reasons"], r["main_pollutants"] or "—"] for r in b.warnings.to_dict("records")]


def write_warnings_xlsx(b: Bulletin, path: str | Path) -> Path:
    """The warning list as an Excel sheet (示例数据 marked in the title row)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "预警通知"
    ws.append([f"{b.district}地表水断面预警通知（{month_label(b.month)}）" + (f" — {DEMO_MARK}" if b.demo else "")])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["预警规则: 本月未达到水质目标, 或水质类别较上月下降1个类别及以上"])
    ws.append(WARNING_HEADERS)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in warning_rows(b):
        ws.append([safe_cell(v) for v in row])
        fill = class_color(next((r for r in WQ_CLASSES if class_label(r) == row[4]), None)).lstrip("#")
        ws.cell(ws.max_row, 5).fill = PatternFill("solid", fgColor=fill)
    for col, width in zip("ABCDEFGHI", (10, 16, 10, 12, 9, 9, 9, 48, 28)):
        ws.column_dimensions[col].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --------------------------------------------------------------------------- charts
def distribution_chart(b: Bulletin, out: str | Path) -> Path:
    """A bar chart of sections per class, in the class colours (PNG, bundled CJK font)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fonts.use_in_matplotlib()
    out = Path(out)
    labels = [class_label(c) for c in WQ_CLASSES]
    values = [b.distribution[c] for c in WQ_CLASSES]
    fig, ax = plt.subplots(figsize=(6.4, 2.6), dpi=150)
    bars = ax.bar(labels, values, color=[class_color(c) for c in WQ_CLASSES], edgecolor="#333333", linewidth=0.6)
    for bar, v in zip(bars, values):
        ax.annotate(str(v), (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=9, xytext=(0, 2), textcoords="offset points")
    ax.set_ylabel("断面数")
    ax.set_ylim(0, max(values + [1]) * 1.25)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(f"{month_label(b.month)} 断面水质类别分布（{DEMO_MARK}）" if b.demo else
                 f"{month_label(b.month)} 断面水质类别分布", fontsize=10)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


# --------------------------------------------------------------------------- PDF


SECTION_HEADERS = ["断面", "河道", "街道/镇", "类别", "目标", "达标", "主要污染指标(超标倍数)"]
COMPLIANCE_HEADERS = ["排名", "街道/镇", "评价断面", "达标断面", "达标率"]
CHANGE_HEADERS = ["断面", "本月", "上月", "环比", "去年同期", "同比"]
CLASS_TEXT = {class_label(c): c for c in WQ_CLASSES}


# A number with its unit or brackets stays whole ("(0.15)", "32.0%", "GB 3838-2002"), and closing
# punctuation never starts a line: the PDF breaks lines only between these tokens.
_TOKEN = re.compile(r"(?:[0-9A-Za-z.%+\-−~～×/()（）]+|.)[、，。；：！？）」』%]*", re.S)


def keep_numbers_whole(pdf, text: str, width: float) -> str:
    """``text`` with line breaks placed for ``width`` (mm, in the current font) so that numbers
    never break across lines (fpdf2 would split CJK text anywhere, "(0.1" | "5)")."""
    lines = []
    for para in str(text).split("\n"):
        line = ""
        for tok in _TOKEN.findall(para):
            if line and pdf.get_string_width(line + tok) > width:
                lines.append(line.rstrip())
                line = tok.lstrip()
            else:
                line += tok
        lines.append(line)
    return "\n".join(lines)


def _pdf(b: Bulletin, out: Path, map_png: Path | None, chart_png: Path) -> None:
    """The bulletin as a PDF (gislib.reports.pdf): the title, then one named step per section."""
    from gislib.reports.pdf import HetuPDF

    pdf = HetuPDF(f"{DEMO_MARK} · 地图: {OSM_CREDIT.short}    ")
    pdf.add_page()
    if b.demo:
        pdf.demo_mark()
    pdf.title_block(b.title, f"评价依据: GB 3838-2002、环办〔2011〕22号 · 生成日期 {today_local().isoformat()}")
    for step in (_pdf_summary, _pdf_sections, _pdf_distribution, _pdf_compliance, _pdf_trend, _pdf_warnings):
        step(pdf, b, map_png=map_png, chart_png=chart_png)
    pdf.output(str(out))


def _pdf_table(pdf, headers: list[str], rows: list[list[str]], widths: tuple[int, ...],
               class_cols: tuple[int, ...] = ()) -> None:
    """A bulletin table: numbers kept whole in their cells, water-quality classes in their colours."""
    from gislib.reports.pdf import filled

    pdf.set_font(pdf.family, size=8.5)
    room = [pdf.epw * w / sum(widths) - 2 * pdf.c_margin - 1.0 for w in widths]
    rows = [[keep_numbers_whole(pdf, v, room[i]) for i, v in enumerate(row)] for row in rows]

    def style(col: int, text: str):
        cls = CLASS_TEXT.get(text) if col in class_cols else None
        return filled(class_color(cls)) if cls else None

    pdf.data_table(headers, rows, widths, cell_style=style)
    pdf.set_font(pdf.family, size=10)


def _pdf_summary(pdf, b: Bulletin, map_png: Path | None, **_) -> None:
    pdf.heading("一、总体情况")
    for para in b.summary():
        pdf.multi_cell(0, 6.2, keep_numbers_whole(pdf, para, pdf.epw - 2 * pdf.c_margin - 1.0),
                       new_x="LMARGIN", new_y="NEXT")
    if map_png is not None and Path(map_png).exists():
        pdf.ln(2)
        pdf.image(str(map_png), x=pdf.l_margin + 12, w=pdf.epw - 24)
        pdf.line_of_text(f"图1 {month_label(b.month)}各断面水质类别（{DEMO_MARK}；底图要素 {OSM_CREDIT.short}）",
                         8, height=5, align="C")
    else:
        pdf.line_of_text("（未附断面分布图：请在应用“断面水质”页生成，或用 --map-png 指定图片）", 9)


def _pdf_sections(pdf, b: Bulletin, **_) -> None:
    pdf.heading("二、各断面水质类别")
    _pdf_table(pdf, SECTION_HEADERS, section_rows(b), (27, 16, 22, 12, 12, 9, 64), class_cols=(3, 4))


def _pdf_distribution(pdf, b: Bulletin, chart_png: Path, **_) -> None:
    pdf.heading("三、水质类别分布")
    pdf.image(str(chart_png), x=pdf.l_margin + 17, w=pdf.epw - 34)


def _pdf_compliance(pdf, b: Bulletin, **_) -> None:
    pdf.heading("四、各街道/镇达标率排名")
    pdf.multi_cell(0, 5.5, "达标率 = 达到水质目标的断面数 / 本月有监测数据的断面数；并列时排名相同。",
                   new_x="LMARGIN", new_y="NEXT")
    _pdf_table(pdf, COMPLIANCE_HEADERS, compliance_rows(b), (16, 50, 30, 30, 30))


def _pdf_trend(pdf, b: Bulletin, **_) -> None:
    pdf.heading("五、同比与环比")
    pdf.multi_cell(0, 5.5, f"Ⅰ～Ⅲ类断面比例：本月 {_pct_text(b.share_good)}；上月（{month_label(shift_month(b.month, -1))}）"
                   f" {_pct_text(b.share_good_prev)}；去年同期（{month_label(shift_month(b.month, -12))}）"
                   f" {_pct_text(b.share_good_last_year)}。", new_x="LMARGIN", new_y="NEXT")
    _pdf_table(pdf, DISTRIBUTION_HEADERS, distribution_rows(b), (40, 30, 30, 30), class_cols=(0,))
    pdf.ln(2)
    _pdf_table(pdf, CHANGE_HEADERS, change_rows(b), (44, 24, 24, 26, 24, 26), class_cols=(1, 2, 4))


def _pdf_warnings(pdf, b: Bulletin, **_) -> None:
    pdf.heading("六、预警通知")
    pdf.multi_cell(0, 5.5, "预警规则：本月未达到水质目标，或水质类别较上月下降1个类别及以上。请相关街道/镇及河长"
                   "排查原因，落实整改。", new_x="LMARGIN", new_y="NEXT")
    _pdf_table(pdf, ["断面", "本月", "目标", "上月", "预警原因", "主要污染指标"],
               [[r[1], r[4], r[5], r[6], r[7], r[8]] for r in warning_rows(b)], (24, 12, 12, 12, 62, 60),
               class_cols=(1, 2, 3))


# --------------------------------------------------------------------------- Word
def _docx_fonts(doc) -> None:
    """The bundled CJK font (fonts.FAMILY) for Latin and East Asian text in the document defaults
    and every style; the template's theme fonts, which Word would prefer, are removed."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    theme = [qn(f"w:{a}") for a in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")]
    root = doc.styles.element
    rprs = [style.element.get_or_add_rPr() for style in doc.styles if hasattr(style, "font")]
    for rpr in rprs:
        if rpr.find(qn("w:rFonts")) is None:
            rpr.insert(0, OxmlElement("w:rFonts"))
    for rfonts in root.iter(qn("w:rFonts")):  # document defaults and every style
        for attr in theme:
            rfonts.attrib.pop(attr, None)
        for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
            rfonts.set(qn(f"w:{attr}"), fonts.FAMILY)
    for lang in root.iter(qn("w:lang")):
        lang.set(qn("w:eastAsia"), "zh-CN")


def _docx(b: Bulletin, out: Path, map_png: Path | None, chart_png: Path) -> None:
    """The bulletin as a Word file: A4 page set-up, the title, then one named step per section."""
    from docx import Document

    doc = Document()
    _docx_page(doc)
    _docx_title(doc, b)
    for step in (_docx_summary, _docx_sections, _docx_distribution, _docx_compliance, _docx_trend, _docx_warnings):
        step(doc, b, map_png=map_png, chart_png=chart_png)
    doc.save(str(out))


def _docx_page(doc) -> None:
    """A4 (not python-docx's US Letter), the bundled CJK font, margins and the credit footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Mm, Pt

    _docx_fonts(doc)
    doc.styles["Normal"].font.size = Pt(10.5)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    footer = section.footer.paragraphs[0]
    footer.text = f"{DEMO_MARK} · 地图: {OSM_CREDIT.short}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _docx_title(doc, b: Bulletin) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    if b.demo:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = p.add_run(f"【{DEMO_MARK}】")
        run.bold = True
        run.font.color.rgb = RGBColor(200, 30, 30)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(b.title)
    run.bold = True
    run.font.size = Pt(16)
    sub = doc.add_paragraph(f"评价依据: GB 3838-2002、环办〔2011〕22号 · 生成日期 {today_local().isoformat()}")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _docx_shade(cell, hex_color: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_color.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shd)


def _docx_table(doc, headers: list[str], rows: list[list[str]], class_cols: tuple[int, ...] = ()) -> None:
    """A bulletin table in Word: shaded bold headings, water-quality classes in their colours, 9 pt."""
    from docx.shared import Pt, RGBColor

    if not rows:
        doc.add_paragraph("（无）")
        return
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    for cell, h in zip(t.rows[0].cells, headers):
        cell.text = h
        cell.paragraphs[0].runs[0].bold = True
        _docx_shade(cell, "#e6ecf4")
    for row in rows:
        for i, (cell, value) in enumerate(zip(t.add_row().cells, row)):
            cell.text = plain(value)  # python-docx refuses control characters (NUL …)
            cls = CLASS_TEXT.get(value) if i in class_cols else None
            if cls:
                _docx_shade(cell, class_color(cls))
                cell.paragraphs[0].runs[0].font.color.rgb = RGBColor(*text_color_on(class_color(cls)))
    for run in (r for row in t.rows for cell in row.cells for para in cell.paragraphs for r in para.runs):
        run.font.size = Pt(9)


def _docx_summary(doc, b: Bulletin, map_png: Path | None, **_) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc.add_heading("一、总体情况", level=1)
    for para in b.summary():
        doc.add_paragraph(plain(para)).paragraph_format.first_line_indent = Pt(21)
    if map_png is not None and Path(map_png).exists():
        doc.add_picture(str(map_png), width=Cm(14))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        cap = doc.add_paragraph(f"图1 {month_label(b.month)}各断面水质类别（{DEMO_MARK}；底图要素 {OSM_CREDIT.short}）")
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _docx_sections(doc, b: Bulletin, **_) -> None:
    doc.add_heading("二、各断面水质类别", level=1)
    _docx_table(doc, SECTION_HEADERS, section_rows(b), class_cols=(3, 4))


def _docx_distribution(doc, b: Bulletin, chart_png: Path, **_) -> None:
    from docx.shared import Cm

    doc.add_heading("三、水质类别分布", level=1)
    doc.add_picture(str(chart_png), width=Cm(14))


def _docx_compliance(doc, b: Bulletin, **_) -> None:
    doc.add_heading("四、各街道/镇达标率排名", level=1)
    doc.add_paragraph("达标率 = 达到水质目标的断面数 / 本月有监测数据的断面数；并列时排名相同。")
    _docx_table(doc, COMPLIANCE_HEADERS, compliance_rows(b))


def _docx_trend(doc, b: Bulletin, **_) -> None:
    doc.add_heading("五、同比与环比", level=1)
    doc.add_paragraph(f"Ⅰ～Ⅲ类断面比例：本月 {_pct_text(b.share_good)}；上月 {_pct_text(b.share_good_prev)}；"
                      f"去年同期 {_pct_text(b.share_good_last_year)}。")
    _docx_table(doc, DISTRIBUTION_HEADERS, distribution_rows(b), class_cols=(0,))
    doc.add_paragraph()
    _docx_table(doc, CHANGE_HEADERS, change_rows(b), class_cols=(1, 2, 4))


def _docx_warnings(doc, b: Bulletin, **_) -> None:
    doc.add_heading("六、预警通知", level=1)
    doc.add_paragraph("预警规则：本月未达到水质目标，或水质类别较上月下降1个类别及以上。")
    _docx_table(doc, ["断面", "本月", "目标", "上月", "预警原因", "主要污染指标"],
                [[r[1], r[4], r[5], r[6], r[7], r[8]] for r in warning_rows(b)], class_cols=(1, 2, 3))


def build_bulletin(b: Bulletin, out: str | Path, map_png: str | Path | None = None) -> Path:
    """Write the bulletin to ``out`` (.pdf or .docx). ``map_png``: the sections map drawn by
    ``layers.bulletin_map`` (the bulletin says so when it is missing)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".docx"):
        raise ExportError("error.bulletin_format", suffix=suffix)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        chart = distribution_chart(b, Path(tmp) / "classes.png")
        try:
            (_pdf if suffix == ".pdf" else _docx)(b, out, Path(map_png) if map_png else None, chart)
        except (OSError, RuntimeError, ValueError) as exc:
            raise ExportError("error.bulletin_failed", name=out.name, detail=exc) from exc
    return out
