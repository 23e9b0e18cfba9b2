"""gislib.outfall_file: the outfall file (一口一档, docs/domain.md §1.4) as facts, history and PDF.

* ``record_facts``: every field of an outfall record as (group, label, value) rows, shared by the
  record page and the PDF so both show the same thing.
* Monitoring: ``reference_limits`` (GB 3838-2002 river limits of the receiving water's target
  class, or class V when no target is recorded; a REFERENCE for river water, not a discharge
  standard), ``demo_monitoring`` (a deterministic 快检/规范监测 history of COD, 氨氮, 总磷 for demo
  outfalls in 已监测 or later) and ``ensure_demo_monitoring`` (writes it once through
  ``store.update``), ``monitoring_frame`` and ``monitoring_chart_png`` (matplotlib).
* ``downstream_section``: nearest section downstream along the river network (gislib.network).
* ``timeline``: workflow steps and edits (who, when, field, old → new) from the store.
* ``build_pdf``: one PDF for one or more outfalls (fpdf2 + the bundled CJK font) with a progress
  callback; the locator map PNG is made by the caller (``layers.outfall_file_map``), since gislib
  does not import layers.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gislib.domain import (
    DEMO_MARK,
    OSM_CREDIT,
    OUTFALL_PHASE,
    OUTFALL_STATE_EN,
    WQ_CLASS_ROMAN,
    WQ_CLASSES,
)
from gislib.errors import ConflictError, ExportError, HetuError, NotFoundError, ValidationError
from gislib.store.validators import OUTFALL_FIELDS, parse_date
from gislib.store.workflow import is_overdue

LAYER = "outfalls"
DEMO_MONITORING_USER = "system:demo-monitoring"
# States in which an outfall has been monitored (测) — the demo history is generated for these.
MONITORED_STATES: tuple[str, ...] = ("已监测", "已溯源", "整治中", "已销号", "日常监管")
# item stored in the record -> (GB 3838 item name, English name, unit)
MONITOR_ITEMS: dict[str, tuple[str, str, str]] = {
    "COD": ("化学需氧量", "COD", "mg/L"),
    "氨氮": ("氨氮", "NH3-N", "mg/L"),
    "总磷": ("总磷", "TP", "mg/L"),
}
METHOD_EN = {"快检": "quick test", "规范监测": "standard monitoring"}
FIELD_EN: dict[str, str] = {
    "code": "Code", "name": "Name", "national_code": "National code", "local_code": "Local code",
    "former_codes": "Former codes", "in_national_platform": "In national platform",
    "type_l1": "Type L1", "type_l2": "Type L2", "type_l3": "Type L3", "approval_kind": "Approval/registration",
    "approval_doc_no": "Approval doc no.", "approval_date": "Approval date", "subdistrict": "Sub-district",
    "admin_code": "Admin code", "address": "Address", "river": "Receiving water", "river_code": "Water code",
    "target_class": "Target class", "downstream_section_code": "Nearest downstream section",
    "downstream_section_km": "Distance to section (km)", "discharge_mode": "Discharge mode",
    "discharge_pattern": "Discharge pattern", "outlet_size": "Outlet size",
    "design_volume_m3d": "Design volume (m³/d)", "actual_volume_m3d": "Actual volume (m³/d)",
    "main_pollutants": "Main pollutants", "responsible_parties": "Responsible parties",
    "discharge_permit_no": "Discharge permit no.", "permit_outlet_code": "Permit outlet code",
    "river_chief": "River chief", "monitoring": "Monitoring", "tracing": "Tracing result",
    "remediation": "Remediation", "signboard": "Signboard", "inspections": "Inspections",
    "location": "Location (WGS84)", "source_crs": "Source CRS", "state": "State", "phase": "Phase",
    "version": "Version", "updated": "Last change", "pipe_diameter_mm": "Pipe diameter (mm)",
    "found_date": "Found on", "removed_reason": "Removal reason", "overdue": "Overdue",
    "signboard.installed": "Signboard installed", "signboard.qr_url": "QR code URL",
    "remediation.kind": "Remediation kind", "remediation.plan": "Plan", "remediation.deadline": "Deadline",
    "remediation.progress_pct": "Progress (%)", "remediation.closed_date": "Closed (销号) on",
    "demo": "Demo data", "attachments": "Attachments",
}
EXTRA_ZH: dict[str, str] = {
    "location": "经纬度 (WGS84)", "source_crs": "原坐标系", "state": "状态", "phase": "阶段", "version": "版本",
    "updated": "最近修改", "pipe_diameter_mm": "管径(mm)", "found_date": "发现日期", "removed_reason": "撤销原因",
    "overdue": "是否逾期", "signboard.installed": "是否设置标识牌", "signboard.qr_url": "二维码地址",
    "remediation.kind": "整治方式", "remediation.plan": "整治方案", "remediation.deadline": "整治期限",
    "remediation.progress_pct": "整治进度(%)", "remediation.closed_date": "销号日期", "demo": "示例数据",
    "attachments": "附件",
}
GROUPS_EN = {"身份": "Identity", "类型": "Class", "位置": "Location", "受纳水体": "Receiving water",
             "排放": "Discharge", "责任": "Responsibility", "溯源": "Tracing", "整治": "Remediation",
             "信息公开": "Disclosure", "状态": "Workflow"}
ACTION_ZH = {"create": "创建", "update": "修改", "transition": "状态变更", "remove": "撤销", "attach": "上传附件"}
ACTION_EN = {"create": "created", "update": "edited", "transition": "state change", "remove": "removed",
             "attach": "attachment"}


def label(field: str, lang: str = "zh") -> str:
    """The label of a record field (or of a dotted sub-field) in ``lang``."""
    if lang == "en":
        return FIELD_EN.get(field, field)
    return OUTFALL_FIELDS.get(field) or EXTRA_ZH.get(field, field)


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _yes_no(value: Any, lang: str) -> str:
    if value is True:
        return "是" if lang == "zh" else "yes"
    if value is False:
        return "否" if lang == "zh" else "no"
    return str(value)


def _class_text(cls: Any) -> str:
    return f"{WQ_CLASS_ROMAN.get(str(cls), cls)}类" if cls else ""


def party_text(party: dict[str, Any], lang: str = "zh") -> str:
    """One responsible party on one line: name, credit code, contact, (主要)."""
    parts = [str(party.get("name") or "?")]
    if party.get("credit_code"):
        parts.append(("统一社会信用代码 " if lang == "zh" else "credit code ") + str(party["credit_code"]))
    if party.get("contact"):
        parts.append(str(party["contact"]))
    text = " · ".join(parts)
    if party.get("main"):
        text += " (主要)" if lang == "zh" else " (main)"
    return text


def river_chief_text(chief: Any) -> str:
    """河长 as "level name"."""
    if isinstance(chief, dict):
        return " ".join(str(chief[k]) for k in ("level", "name") if chief.get(k))
    return "" if chief is None else str(chief)


def overdue_flag(record: dict[str, Any], today: dt.date | None = None) -> bool:
    """True when the outfall is in 整治中 past its remediation deadline."""
    return is_overdue(record, today or dt.date.today())


def record_facts(record: dict[str, Any], lang: str = "zh", today: dt.date | None = None,
                 section_names: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Every filled field of an outfall as (group, label, value) rows, in reading order."""
    r = record
    rows: list[tuple[str, str, str]] = []
    section_names = section_names or {}

    def add(group: str, field: str, value: Any) -> None:
        if _blank(value):
            return
        if isinstance(value, bool):
            value = _yes_no(value, lang)
        elif isinstance(value, list):
            value = "、".join(map(str, value))
        elif isinstance(value, float):
            value = f"{value:g}"
        rows.append((GROUPS_EN.get(group, group) if lang == "en" else group, label(field, lang), str(value)))

    state = r.get("state", "")
    for f in ("code", "name", "national_code", "local_code", "former_codes", "in_national_platform"):
        add("身份", f, r.get(f))
    for f in ("type_l1", "type_l2", "type_l3", "approval_kind", "approval_doc_no", "approval_date"):
        add("类型", f, r.get(f))
    if r.get("lon") is not None and r.get("lat") is not None:
        add("位置", "location", f"{float(r['lon']):.6f}, {float(r['lat']):.6f}")
    add("位置", "source_crs", r.get("source_crs"))
    for f in ("subdistrict", "admin_code", "address"):
        add("位置", f, r.get(f))
    add("受纳水体", "river", r.get("river"))
    add("受纳水体", "river_code", r.get("river_code"))
    add("受纳水体", "target_class", _class_text(r.get("target_class")))
    sec = r.get("downstream_section_code")
    if sec:
        name = section_names.get(str(sec))
        add("受纳水体", "downstream_section_code", f"{sec} {name}" if name else sec)
    add("受纳水体", "downstream_section_km", r.get("downstream_section_km"))
    for f in ("discharge_mode", "discharge_pattern", "outlet_size", "pipe_diameter_mm", "design_volume_m3d",
              "actual_volume_m3d", "main_pollutants", "found_date"):
        add("排放", f, r.get(f))
    for party in r.get("responsible_parties") or []:
        add("责任", "responsible_parties", party_text(party, lang))
    add("责任", "discharge_permit_no", r.get("discharge_permit_no"))
    add("责任", "permit_outlet_code", r.get("permit_outlet_code"))
    add("责任", "river_chief", river_chief_text(r.get("river_chief")))
    tracing = r.get("tracing") or {}
    if isinstance(tracing, dict):
        add("溯源", "tracing", " · ".join(str(v) for v in tracing.values() if not _blank(v)))
    rem = r.get("remediation") or {}
    for key in ("kind", "plan", "deadline", "progress_pct", "closed_date"):
        add("整治", f"remediation.{key}", rem.get(key))
    if state == "整治中":
        add("整治", "overdue", overdue_flag(r, today))
    sign = r.get("signboard") or {}
    add("信息公开", "signboard.installed", sign.get("installed"))
    add("信息公开", "signboard.qr_url", sign.get("qr_url"))
    add("状态", "state", OUTFALL_STATE_EN.get(state, state) if lang == "en" else state)
    add("状态", "phase", OUTFALL_PHASE.get(state))
    add("状态", "removed_reason", r.get("removed_reason"))
    add("状态", "version", r.get("version"))
    add("状态", "updated", f"{r.get('updated_by', '')} {r.get('updated_at', '')}".strip())
    if r.get("demo") or r.get("mark") == DEMO_MARK:
        add("状态", "demo", DEMO_MARK)
    return rows


# --------------------------------------------------------------------------- monitoring
def reference_class(record: dict[str, Any]) -> str:
    """The GB 3838 class whose limits serve as reference: the target class (I–V), else V."""
    cls = str(record.get("target_class") or "")
    return cls if cls in WQ_CLASSES[:5] else "V"


def reference_limits(record: dict[str, Any]) -> dict[str, float]:
    """GB 3838-2002 Table 1 river limits (mg/L) of the reference class for COD, 氨氮, 总磷."""
    from gislib.quality import GB3838_ITEMS

    idx = WQ_CLASSES.index(reference_class(record))
    return {item: float(GB3838_ITEMS[gb].limits[idx]) for item, (gb, _en, _u) in MONITOR_ITEMS.items()}


def reference_note(record: dict[str, Any], lang: str = "zh") -> str:
    """Which limit the monitoring is compared with, and that it is a reference only."""
    cls = reference_class(record)
    target = record.get("target_class")
    roman = WQ_CLASS_ROMAN[cls]
    if lang == "en":
        why = "the receiving water's target class" if target == cls else "no target recorded, class V used"
        return (f"Reference limits: GB 3838-2002 surface water class {roman} ({why}), river limits. "
                "They are a REFERENCE for river water quality, not a discharge standard for the outfall.")
    why = "受纳水体水质目标" if target == cls else "未记录水质目标, 采用Ⅴ类"
    return (f"参考限值: GB 3838-2002 地表水 {roman}类 ({why}), 河流限值。"
            "仅作河流水质参考, 不是排污口的排放标准。")


def _seed(code: str) -> int:
    return int(hashlib.sha256(code.encode("utf-8")).hexdigest()[:12], 16)


def demo_monitoring(record: dict[str, Any], today: dt.date | None = None) -> list[dict[str, Any]]:
    """A plausible, deterministic monitoring history (示例数据) for a demo outfall.

    Two or three 快检 rounds after the outfall was found, then one or two 规范监测 rounds; for
    outfalls that were remediated (已销号, 日常监管) the last rounds are cleaner. Values depend
    only on the outfall code and type, so every run gives the same history.
    """
    today = today or dt.date.today()
    rng = random.Random(_seed(str(record.get("code"))))
    limits = reference_limits(record)
    basis = f"GB 3838-2002 {WQ_CLASS_ROMAN[reference_class(record)]}类 (参考)"
    type_l2 = str(record.get("type_l2") or "")
    if "雨洪" in type_l2:
        level = 0.8
    elif record.get("type_l1") in ("工业排污口", "城镇污水处理厂排污口"):
        level = 1.6
    elif "生活污水" in type_l2:
        level = 2.4
    else:
        level = 1.2
    found = parse_date(record.get("found_date")) or (today - dt.timedelta(days=400))
    start = min(found + dt.timedelta(days=rng.randint(10, 40)), today - dt.timedelta(days=200))
    rounds = [("快检", k) for k in range(rng.randint(2, 3))] + [("规范监测", k) for k in range(rng.randint(1, 2))]
    cleaned = record.get("state") in ("已销号", "日常监管")
    rows: list[dict[str, Any]] = []
    day = start
    for n, (method, _k) in enumerate(rounds):
        factor = level * rng.uniform(0.6, 1.5)
        if cleaned and n >= len(rounds) - 2:
            factor *= 0.45
        for item, (_gb, _en, unit) in MONITOR_ITEMS.items():
            limit = limits[item]
            value = round(limit * factor * rng.uniform(0.7, 1.3), 3 if item == "总磷" else 2)
            rows.append({"date": day.isoformat(), "method": method, "item": item, "value": value, "unit": unit,
                         "limit": limit, "limit_basis": basis, "exceeded": bool(value > limit),
                         "demo": True, "mark": DEMO_MARK})
        day = min(day + dt.timedelta(days=rng.randint(30, 75)), today)
    return rows


def ensure_demo_monitoring(store, code: str, user: str = DEMO_MONITORING_USER,
                           today: dt.date | None = None) -> dict[str, Any]:
    """The record, after writing its demo monitoring history once (demo outfalls in 已监测+ only).

    Nothing is written when the record already has monitoring, is not demo data or is not yet
    monitored. Two pages doing this at once are fine: the loser's ConflictError is ignored.
    """
    rec = store.get(LAYER, code)
    if rec.get("monitoring") or rec.get("state") not in MONITORED_STATES:
        return rec
    if not (rec.get("demo") or rec.get("mark") == DEMO_MARK):
        return rec
    try:
        return store.update(LAYER, rec["code"], {"monitoring": demo_monitoring(rec, today)},
                            expected_version=rec["version"], user=user)
    except ConflictError:
        return store.get(LAYER, code)


def monitoring_frame(record: dict[str, Any], lang: str = "zh"):
    """The monitoring records as a DataFrame: date, method, item, value, unit, limit, exceeded."""
    import pandas as pd

    rows = [m for m in record.get("monitoring") or [] if isinstance(m, dict)]
    cols = ["date", "method", "item", "value", "unit", "limit", "exceeded"]
    frame = pd.DataFrame(rows, columns=cols + [c for c in ("limit_basis", "mark") if any(c in m for m in rows)])
    if frame.empty:
        return frame
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame["limit"] = pd.to_numeric(frame["limit"], errors="coerce")
    return frame.sort_values(["date", "item"]).reset_index(drop=True)


def monitoring_table(record: dict[str, Any], lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the monitoring, one row per date and method, one column per item.

    A value above the reference limit is marked "↑" (超参考限值).
    """
    frame = monitoring_frame(record, lang)
    items = [i for i in MONITOR_ITEMS if not frame.empty and i in set(frame["item"])]
    if not frame.empty:
        items += sorted(set(frame["item"]) - set(items))
    headers = (["日期", "方式"] if lang == "zh" else ["Date", "Method"]) + [
        f"{i if lang == 'zh' else MONITOR_ITEMS.get(i, (i, i))[1]} (mg/L)" for i in items]
    rows: list[list[str]] = []
    if frame.empty:
        return headers, rows
    for (day, method), grp in frame.groupby(["date", "method"], sort=True):
        cells = []
        for item in items:
            hit = grp[grp["item"] == item]
            if hit.empty:
                cells.append("")
            else:
                r = hit.iloc[0]
                cells.append(f"{r['value']:g}" + (" ↑" if bool(r["exceeded"]) else ""))
        rows.append([f"{day:%Y-%m-%d}", method if lang == "zh" else METHOD_EN.get(method, method)] + cells)
    return headers, rows


def monitoring_chart_png(record: dict[str, Any], out: Path, lang: str = "zh", width_in: float = 7.2) -> Path | None:
    """A matplotlib chart (one panel per item) of the monitoring against the reference limit."""
    frame = monitoring_frame(record, lang)
    if frame.empty:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from gislib.fonts import use_in_matplotlib

    use_in_matplotlib()
    items = [i for i in MONITOR_ITEMS if i in set(frame["item"])] or sorted(set(frame["item"]))
    fig, axes = plt.subplots(1, len(items), figsize=(width_in, 2.6), dpi=150, squeeze=False)
    roman = WQ_CLASS_ROMAN[reference_class(record)]
    for ax, item in zip(axes[0], items):
        sub = frame[frame["item"] == item]
        for method, marker in (("快检", "o"), ("规范监测", "s")):
            pts = sub[sub["method"] == method]
            if pts.empty:
                continue
            colors = ["#d62728" if e else "#1f78d1" for e in pts["exceeded"].fillna(False)]
            ax.scatter(pts["date"], pts["value"], c=colors, marker=marker, s=22, zorder=3)
        ax.plot(sub["date"], sub["value"], color="#888888", lw=0.8, zorder=2)
        limit = sub["limit"].dropna()
        if len(limit):
            ax.axhline(limit.iloc[-1], color="#ff7f0e", ls="--", lw=1.2, zorder=1)
            ax.text(0.02, 0.97, f"{roman}类 {limit.iloc[-1]:g}", transform=ax.transAxes, va="top", fontsize=7,
                    color="#b35900")
        name = MONITOR_ITEMS.get(item, (item, item, ""))
        ax.set_title(f"{item if lang == 'zh' else name[1]} ({name[2] or 'mg/L'})", fontsize=9)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="", marker=m, color="#1f78d1", label=(k if lang == "zh" else METHOD_EN[k]))
               for k, m in (("快检", "o"), ("规范监测", "s"))]
    handles += [Line2D([], [], ls="", marker="o", color="#d62728", label="超过参考限值" if lang == "zh" else "above reference"),
                Line2D([], [], ls="--", color="#ff7f0e",
                       label=(f"GB 3838 {roman}类 参考限值" if lang == "zh" else f"GB 3838 class {roman} reference"))]
    demo = "mark" in frame and (frame["mark"] == DEMO_MARK).any()
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=7, frameon=False)
    if demo:
        fig.text(0.995, 0.01, DEMO_MARK, ha="right", va="bottom", fontsize=7, color="#b35900")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    out = Path(out)
    fig.savefig(out)
    plt.close(fig)
    return out


# --------------------------------------------------------------------------- network
def downstream_section(network, code: str, outfalls, sections) -> dict[str, Any]:
    """{"section", "km", "problem"}: the nearest section downstream along the river network."""
    from gislib.network import trace_downstream

    try:
        res = trace_downstream(network, code, outfalls, sections)
    except HetuError as exc:
        return {"section": None, "km": None, "problem": str(exc)}
    problem = None if res.section else "沿河网向下游未找到监测断面 (no section reachable downstream)"
    return {"section": res.section, "km": res.km, "problem": problem}


# --------------------------------------------------------------------------- history
def short(value: Any, limit: int = 80) -> str:
    """A value as one line of at most ``limit`` characters."""
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        if isinstance(value, list) and value and all(isinstance(v, dict) and "item" in v for v in value):
            text = f"{len(value)} 条监测记录"
        else:
            text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timeline(store, code: str, lang: str = "zh") -> list[dict[str, Any]]:
    """Edits and workflow steps of an outfall, newest first: at, user, action, field, old, new, note."""
    names = ACTION_ZH if lang == "zh" else ACTION_EN
    rows = []
    for a in store.audit(LAYER, code):
        if a["action"] == "create":
            old, new = "", "—"
        elif a["action"] == "attach":
            new_val = a.get("new") or {}
            old, new = "", short(new_val.get("filename") if isinstance(new_val, dict) else new_val)
        else:
            old, new = short(a.get("old")), short(a.get("new"))
        rows.append({"at": str(a["at"]).replace("T", " ").replace("+00:00", " UTC"), "user": a["user"],
                     "action": names.get(a["action"], a["action"]),
                     "field": label(a["field"], lang) if a.get("field") else "",
                     "old": old, "new": new, "note": a.get("note") or ""})
    return rows


def workflow_steps(store, code: str) -> list[dict[str, Any]]:
    """The workflow transitions, oldest first: date, from_state, to_state, user, note, evidence."""
    return [{"date": t["date"], "from_state": t["from_state"], "to_state": t["to_state"], "user": t["user"],
             "note": t.get("note") or "", "evidence": "、".join(t.get("evidence") or []),
             "remediation_kind": t.get("remediation_kind") or ""} for t in store.transitions(LAYER, code)]


# --------------------------------------------------------------------------- PDF
MapImage = Callable[[dict[str, Any], Path], "Path | None"]
Progress = Callable[[int, int, str], None]


class _OutfallPDF:
    """fpdf2 document with the bundled CJK font, a header mark and a credit footer."""

    def __init__(self, title: str):
        from fpdf import FPDF

        from gislib.fonts import add_to_fpdf

        outer = self

        class Doc(FPDF):
            def footer(self) -> None:  # noqa: D401 - fpdf2 hook
                self.set_y(-12)
                self.set_font(outer.family, "", 7)
                self.set_text_color(110, 110, 110)
                self.cell(0, 5, f"{OSM_CREDIT.short} · {title} · 第 {self.page_no()} 页", align="C")
                self.set_text_color(0, 0, 0)

        self.pdf = Doc(orientation="P", unit="mm", format="A4")
        self.family = add_to_fpdf(self.pdf)
        self.pdf.set_auto_page_break(True, margin=16)
        self.pdf.set_margins(14, 14, 14)
        self.pdf.set_title(title)
        self.pdf.set_creator("Hetu 河图")


def _heading(pdf, family: str, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(family, "B", 11)
    pdf.set_fill_color(232, 240, 250)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT", fill=True)
    pdf.set_font(family, "", 8.5)
    pdf.ln(1)


def _table(pdf, family: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[float]) -> None:
    from fpdf.fonts import FontFace

    pdf.set_font(family, "", 8)
    with pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=4.6,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(240, 240, 240)),
                   first_row_as_headings=bool(headers)) as table:
        if headers:
            table.row(list(headers))
        for r in rows:
            table.row([str(c) for c in r])


def _add_outfall(doc: _OutfallPDF, store, record: dict[str, Any], work: Path, map_image: MapImage | None,
                 lang: str, section_names: dict[str, str]) -> None:
    pdf, fam = doc.pdf, doc.family
    pdf.add_page()
    demo = bool(record.get("demo") or record.get("mark") == DEMO_MARK)
    pdf.set_font(fam, "B", 15)
    pdf.cell(0, 9, "入河排污口档案（一口一档）" if lang == "zh" else "Outfall file", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fam, "B", 12)
    pdf.cell(0, 7, f"{record['code']}  {record.get('name', '')}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fam, "", 8)
    pdf.set_text_color(90, 90, 90)
    stamp = f"生成于 {dt.datetime.now():%Y-%m-%d %H:%M} · 版本 {record.get('version')} · 状态 {record.get('state')}"
    pdf.cell(0, 5, stamp + (f" · {DEMO_MARK}" if demo else ""), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    if demo:
        pdf.set_font(fam, "B", 9)
        pdf.set_text_color(200, 60, 0)
        pdf.cell(0, 5, f"{DEMO_MARK}: 本档案中的记录为演示生成", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    # locator map beside nothing: full width, modest height
    map_png = map_image(record, work / f"map_{record['code']}.png") if map_image else None
    if map_png and Path(map_png).exists():
        _heading(pdf, fam, "位置示意图" if lang == "zh" else "Location")
        pdf.image(str(map_png), w=95)
        pdf.set_font(fam, "", 7)
        pdf.cell(0, 4, f"底图与河道: {OSM_CREDIT.short}", new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, fam, "档案信息" if lang == "zh" else "Record")
    facts = record_facts(record, lang, section_names=section_names)
    shown, last = [], None
    for g, lab, val in facts:
        shown.append([g if g != last else "", lab, val])
        last = g
    _table(pdf, fam, [], shown, (22, 40, 120))

    _heading(pdf, fam, "监测记录" if lang == "zh" else "Monitoring")
    pdf.set_font(fam, "", 8)
    pdf.multi_cell(0, 4.5, reference_note(record, lang), new_x="LMARGIN", new_y="NEXT")
    chart = monitoring_chart_png(record, work / f"chart_{record['code']}.png", lang)
    if chart:
        pdf.image(str(chart), w=180)
        headers, rows = monitoring_table(record, lang)
        limits = reference_limits(record)
        rows.append(["参考限值" if lang == "zh" else "Reference", f"{WQ_CLASS_ROMAN[reference_class(record)]}类"]
                    + [f"{limits[i]:g}" if i in limits else "" for i in MONITOR_ITEMS][: len(headers) - 2])
        _table(pdf, fam, headers, rows, [26, 26] + [130 / max(1, len(headers) - 2)] * (len(headers) - 2))
        pdf.set_font(fam, "", 7)
        pdf.cell(0, 4, "↑ = 高于参考限值" if lang == "zh" else "↑ = above the reference limit",
                 new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.cell(0, 5, "暂无监测记录" if lang == "zh" else "No monitoring yet", new_x="LMARGIN", new_y="NEXT")

    files = store.attachments(LAYER, record["code"])
    photos = [a for a in files if a.get("thumbnail_path")]
    docs = [a for a in files if not a.get("thumbnail_path")]
    _heading(pdf, fam, f"照片与附件 ({len(files)})" if lang == "zh" else f"Photos and files ({len(files)})")
    if photos:
        size, gap = 40.0, 4.0
        x0, y = pdf.l_margin, pdf.get_y()
        if y + size + 8 > pdf.h - 18:
            pdf.add_page()
            y = pdf.get_y()
        for i, a in enumerate(photos[:12]):
            col = i % 4
            if col == 0 and i:
                y += size + 8
                if y + size + 8 > pdf.h - 18:
                    pdf.add_page()
                    y = pdf.get_y()
            x = x0 + col * (size + gap)
            pdf.image(a["thumbnail_path"], x=x, y=y, w=size, h=size, keep_aspect_ratio=True)
            pdf.set_xy(x, y + size + 0.5)
            pdf.set_font(fam, "", 6.5)
            pdf.cell(size, 3.5, short(a["filename"], 28), align="C")
        pdf.set_xy(x0, y + size + 6)
    for a in docs:
        pdf.set_font(fam, "", 8)
        pdf.cell(0, 4.5, f"· {a['filename']} ({a['mime']}, {a['size'] // 1024} KB, {a['user']})",
                 new_x="LMARGIN", new_y="NEXT")
    if not files:
        pdf.cell(0, 5, "暂无附件" if lang == "zh" else "No files", new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, fam, "工作流程与修改记录" if lang == "zh" else "Workflow and edits")
    steps = workflow_steps(store, record["code"])
    if steps:
        _table(pdf, fam, ["日期", "从", "到", "操作人", "说明/佐证"],
               [[s["date"], s["from_state"], s["to_state"], s["user"],
                 short(" ".join(x for x in (s["note"], s["evidence"], s["remediation_kind"]) if x), 60)]
                for s in steps], (22, 18, 18, 36, 88))
        pdf.ln(2)
    events = timeline(store, record["code"], lang)
    _table(pdf, fam, ["时间", "操作人", "操作", "字段", "原值 → 新值"],
           [[e["at"], e["user"], e["action"], e["field"], short(f"{e['old']} → {e['new']}", 70)]
            for e in events[:40]], (34, 34, 16, 24, 74))
    if len(events) > 40:
        pdf.cell(0, 5, f"… 另有 {len(events) - 40} 条较早记录", new_x="LMARGIN", new_y="NEXT")


def build_pdf(store, codes: Sequence[str], out: str | Path, map_image: MapImage | None = None,
              progress: Progress | None = None, lang: str = "zh", work_dir: str | Path | None = None,
              section_names: dict[str, str] | None = None) -> Path:
    """One PDF with the file of every outfall in ``codes`` (in that order).

    ``map_image(record, png_path)`` draws the locator map (see ``layers.outfall_file_map``);
    ``progress(done, total, code)`` is called after each outfall. Raises NotFoundError naming the
    unknown codes before anything is drawn.
    """
    import tempfile

    codes = [str(c).strip() for c in codes if str(c).strip()]
    if not codes:
        raise ValidationError("没有给出排污口编码: pass at least one code", field="codes")
    records, missing = [], []
    for code in codes:
        try:
            records.append(store.get(LAYER, code))
        except NotFoundError:
            missing.append(code)
    if missing:
        raise NotFoundError(f"没有这些排污口: {', '.join(missing)}; check the codes (e.g. PT-0001)")
    out = Path(out)
    title = "一口一档 " + (records[0]["code"] if len(records) == 1 else f"{len(records)} 个排污口")
    doc = _OutfallPDF(title)
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        for i, rec in enumerate(records, start=1):
            _add_outfall(doc, store, rec, Path(tmp), map_image, lang, section_names or {})
            if progress:
                progress(i, len(records), rec["code"])
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            doc.pdf.output(str(out))
        except OSError as exc:
            raise ExportError(f"无法写入 {out} ({exc}): check the folder exists and is writable") from exc
    return out
