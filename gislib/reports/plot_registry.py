"""gislib.reports.plot_registry: the 建设用地土壤污染风险管控和修复名录 (土壤污染防治法 art. 58) as Excel and PDF.

A plot is ON the 名录 in the stages 纳入名录, 风险管控, 修复 and 效果评估; it has LEFT it in 移出名录
and 后期管理 (art. 66). Provinces publish the 名录 in batches: 纳入清单 (``listed_batch``, e.g.
"2025年第1批") and 移出清单 (``removed_batch``) (docs/domain.md §4.1). Column names follow the
usual provincial lists (地块名称, 位置, 面积, 主要污染物, 责任人/使用权人, 需采取的措施); the
公告2021年第71号 field list was not read (⚠️ domain.md §8 item 9).

Input: plot records as dicts, from the store (``state``, ``land_use``, ``geometry_wkt``) or from
``gislib.services.catalog.layer_frame("plots")`` rows (``stage``, ``land_class``, ``geometry``). Areas are
computed from the geometry in its projected CRS (``gislib.geo.proximity.area_m2``).
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from gislib.domain import DEMO_MARK, OSM_CREDIT, PLOT_STAGE_COLOR
from gislib.errors import ExportError
from gislib.geo.proximity import area_m2
from gislib.safe_text import cell as safe_cell
from gislib.timefmt import today_local

LISTED_STAGES = ("纳入名录", "风险管控", "修复", "效果评估")
REMOVED_STAGES = ("移出名录", "后期管理")
MEASURE = {"纳入名录": "待定（风险管控或修复）", "风险管控": "风险管控", "修复": "修复",
           "效果评估": "效果评估中", "移出名录": "—", "后期管理": "后期管理"}
# field -> Chinese header, in column order
REGISTRY_HEADERS: dict[str, str] = {
    "seq": "序号", "code": "地块编码", "name": "地块名称", "subdistrict": "所在街道/镇", "address": "地块位置",
    "area_m2": "面积(m²)", "former_use": "原用途", "industry": "所属行业", "pollutants": "主要污染物",
    "responsible": "责任人", "land_holder": "土地使用权人", "land_class": "规划用地类别", "stage": "当前阶段",
    "measure": "需采取的措施", "listed_batch": "纳入批次", "removed_batch": "移出批次", "mark": "备注",
}
BATCH_HEADERS = {"batch": "批次", "kind": "类型", "count": "地块数", "codes": "地块编码"}
_BATCH_RE = re.compile(r"(\d{4})\D*(\d+)?")


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value).strip()


def plot_geometry(record: Mapping[str, Any]):
    """The plot's shapely geometry (EPSG:4326) from a store record or a layer_frame row; None if it has none."""
    geom = record.get("geometry")
    if geom is not None and not isinstance(geom, str):
        return geom
    wkt = record.get("geometry_wkt") or (geom if isinstance(geom, str) else None)
    if wkt:
        return shapely.from_wkt(wkt)
    if record.get("lon") is not None and record.get("lat") is not None:
        return shapely.Point(float(record["lon"]), float(record["lat"]))
    return None


def plot_area_m2(record: Mapping[str, Any]) -> float | None:
    """The plot's area in m² from its polygon (projected CRS); the stored ``area_m2`` for a point."""
    geom = plot_geometry(record)
    if geom is not None and geom.geom_type in ("Polygon", "MultiPolygon"):
        return round(area_m2(geom), 1)
    stored = record.get("area_m2")
    return None if stored in (None, "") or pd.isna(stored) else float(stored)


def registry_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One plot in the 名录 columns (field names of REGISTRY_HEADERS; no ``seq``)."""
    stage = _text(record.get("stage") or record.get("state"))
    demo = bool(record.get("demo")) or _text(record.get("mark")) == DEMO_MARK
    return {
        "code": _text(record.get("code")), "name": _text(record.get("name")),
        "subdistrict": _text(record.get("subdistrict")), "address": _text(record.get("address")),
        "area_m2": plot_area_m2(record), "former_use": _text(record.get("former_use")),
        "industry": _text(record.get("industry")), "pollutants": _text(record.get("pollutants")),
        "responsible": _text(record.get("responsible")), "land_holder": _text(record.get("land_holder")),
        "land_class": _text(record.get("land_class") or record.get("land_use")), "stage": stage,
        "measure": MEASURE.get(stage, ""), "listed_batch": _text(record.get("listed_batch")),
        "removed_batch": _text(record.get("removed_batch")), "mark": DEMO_MARK if demo else "",
    }


def _records(records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> list[Mapping[str, Any]]:
    if isinstance(records, pd.DataFrame):
        return records.to_dict("records")
    return list(records)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[k for k in REGISTRY_HEADERS if k != "seq"])
    frame = frame.sort_values(["listed_batch", "code"], kind="stable").reset_index(drop=True)
    frame.insert(0, "seq", range(1, len(frame) + 1))
    return frame


def registry(records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """The current 名录: plots in LISTED_STAGES, by 纳入批次 then code, numbered from 1."""
    return _frame([registry_row(r) for r in _records(records)
                   if _text(r.get("stage") or r.get("state")) in LISTED_STAGES])


def removed(records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Plots that left the 名录 (移出名录, 后期管理)."""
    return _frame([registry_row(r) for r in _records(records)
                   if _text(r.get("stage") or r.get("state")) in REMOVED_STAGES])


def _batch_key(batch: str) -> tuple:
    m = _BATCH_RE.search(batch)
    return (int(m.group(1)), int(m.group(2) or 0), batch) if m else (9999, 0, batch)


def batches(records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """The 纳入/移出 batches in date order: batch, kind (纳入/移出), count, codes."""
    rows: dict[tuple[str, str], list[str]] = {}
    for r in _records(records):
        row = registry_row(r)
        if row["listed_batch"]:
            rows.setdefault((row["listed_batch"], "纳入"), []).append(row["code"])
        if row["removed_batch"]:
            rows.setdefault((row["removed_batch"], "移出"), []).append(row["code"])
    ordered = sorted(rows.items(), key=lambda kv: (_batch_key(kv[0][0]), kv[0][1] != "纳入"))
    return pd.DataFrame([{"batch": b, "kind": k, "count": len(codes), "codes": "、".join(sorted(codes))}
                         for (b, k), codes in ordered], columns=list(BATCH_HEADERS))


def _zh(frame: pd.DataFrame, headers: Mapping[str, str]) -> pd.DataFrame:
    return frame[[c for c in headers if c in frame.columns]].rename(columns=dict(headers))


def to_excel(records: Iterable[Mapping[str, Any]] | pd.DataFrame, path: str | Path | None = None,
             title: str = "建设用地土壤污染风险管控和修复名录") -> bytes:
    """The 名录 workbook (openpyxl, Chinese headers): sheets 名录, 纳入清单, 移出清单, 批次; returns the bytes
    and writes them to ``path`` when given."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    records = _records(records)
    listed_ever = _frame([registry_row(r) for r in records if _text(r.get("listed_batch"))])
    sheets = [("名录", registry(records), REGISTRY_HEADERS), ("纳入清单", listed_ever, REGISTRY_HEADERS),
              ("移出清单", removed(records), REGISTRY_HEADERS), ("批次", batches(records), BATCH_HEADERS)]
    demo = any(bool(r.get("demo")) or _text(r.get("mark")) == DEMO_MARK for r in records)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet_name, frame, headers in sheets:
        ws = wb.create_sheet(sheet_name)
        table = _zh(frame, headers)
        ws.append([f"{title} · {sheet_name}" + (f"（{DEMO_MARK}）" if demo else "")])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([f"生成日期 {today_local().isoformat()} · 面积按 CGCS2000 3° 高斯-克吕格投影计算"])
        ws.append(list(table.columns))
        for cell in ws[3]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E6ECF4")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        stage_col = list(table.columns).index("当前阶段") + 1 if "当前阶段" in table.columns else None
        for values in table.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and pd.isna(v)) else safe_cell(v) for v in values])
            if stage_col:
                cell = ws.cell(row=ws.max_row, column=stage_col)
                color = PLOT_STAGE_COLOR.get(str(cell.value))
                if color:
                    cell.fill = PatternFill("solid", fgColor=color.lstrip("#").upper())
        if table.empty:
            ws.append(["（无）"])
        for i, header in enumerate(table.columns, start=1):
            width = max([len(str(header)) * 2 + 2] + [min(40, len(str(v)) * 2 + 2) for v in table.iloc[:, i - 1]])
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A4"
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if path is not None:
        _write(path, data)
    return data


def _write(path: str | Path, data: bytes) -> None:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
    except OSError as exc:
        raise ExportError("error.write_path", path=path, detail=exc) from exc




PDF_COLUMNS = ("seq", "code", "name", "subdistrict", "area_m2", "former_use", "pollutants", "responsible",
               "land_holder", "land_class", "stage", "measure", "listed_batch")
PDF_WIDTHS = (9, 20, 32, 20, 16, 16, 28, 26, 24, 18, 18, 24, 18)  # mm, A4 landscape (269 mm usable)


def to_pdf(records: Iterable[Mapping[str, Any]] | pd.DataFrame, path: str | Path | None = None,
           title: str = "建设用地土壤污染风险管控和修复名录") -> bytes:
    """The 名录 as an A4 landscape PDF (fpdf2, bundled CJK font): the current list, then each 纳入
    and 移出 batch, with the 示例数据 mark and the OSM credit in the footer; returns the bytes."""
    from gislib.reports.pdf import HetuPDF, filled

    records = _records(records)
    demo = any(bool(r.get("demo")) or _text(r.get("mark")) == DEMO_MARK for r in records)
    pdf = HetuPDF(f"{f'{DEMO_MARK} · ' if demo else ''}地图数据 {OSM_CREDIT.short}    ", orientation="L",
                  margins=(14, 12, 14), bottom=14)
    pdf.add_page()
    if demo:
        pdf.demo_mark()
    pdf.title_block(title, f"依据《土壤污染防治法》第五十八条、第六十六条 · 生成日期 {today_local().isoformat()} · "
                    "面积按 CGCS2000 3° 高斯-克吕格投影计算", size=15, subtitle_size=8.5)

    def heading(text: str) -> None:
        pdf.heading(text, 11.5, room=35)

    def stage_style(col: int, text: str):
        color = PLOT_STAGE_COLOR.get(text) if PDF_COLUMNS[col] == "stage" else None
        return filled(color) if color else None

    def table(frame: pd.DataFrame) -> None:
        if frame.empty:
            pdf.line_of_text("（无）", 9)
            return
        rows = [[f"{row[c]:,.0f}" if c == "area_m2" and row.get(c) is not None and not pd.isna(row[c])
                 else _text(row.get(c)) for c in PDF_COLUMNS] for row in frame.to_dict("records")]
        pdf.data_table([REGISTRY_HEADERS[c] for c in PDF_COLUMNS], rows, PDF_WIDTHS, size=7.5, line_height=4.4,
                       cell_style=stage_style)

    rows_by_code = {row["code"]: row for row in (registry_row(r) for r in records)}
    current = _frame([row for row in rows_by_code.values() if row["stage"] in LISTED_STAGES])
    heading(f"一、现行名录（{len(current)} 块）")
    table(current)
    heading("二、纳入与移出批次")
    batch_frame = batches(records)
    if batch_frame.empty:
        pdf.line_of_text("（无批次记录）", 9)
    for i, b in enumerate(batch_frame.itertuples(), start=1):
        heading(f"（{i}）{b.batch} {b.kind}清单（{b.count} 块）")
        codes = b.codes.split("、")
        table(_frame([rows_by_code[c] for c in codes if c in rows_by_code]))
    try:
        data = bytes(pdf.output())
    except Exception as exc:  # fpdf raises several kinds
        raise ExportError("error.registry_pdf_failed", detail=exc) from exc
    if path is not None:
        _write(path, data)
    return data


__all__ = ["BATCH_HEADERS", "LISTED_STAGES", "REGISTRY_HEADERS", "REMOVED_STAGES", "batches", "plot_area_m2",
           "plot_geometry", "registry", "registry_row", "removed", "to_excel", "to_pdf"]
