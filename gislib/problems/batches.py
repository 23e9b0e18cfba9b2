"""gislib.problems.batches: 整改任务清单: a batch of inspection-feedback items, imported from Excel the way
bureaus receive them, with its progress, an Excel export and a PDF report.

Each item becomes a problem (source 督察反馈, ``batch`` = the batch code, ``item_no``); an item with
a responsible unit, measures and a deadline is assigned (交办) on import, dated the issue date.
Excel columns are recognised by their usual Chinese headers (see ``HEADERS``); an item needs a
place: 经度/纬度 (WGS84, or GCJ-02 with ``crs``), or a river name of the data set (its midpoint).
Every bad row is reported and nothing is written when any row is bad.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import pandas as pd

from gislib.errors import DataError, Lines, Phrase, Sentences, ValidationError
from gislib.problems import model
from gislib.problems.export import pdf_report, problem_row, workbook_bytes

HEADERS: dict[str, tuple[str, ...]] = {
    "item_no": ("序号", "编号", "item_no"), "name": ("问题", "问题描述", "反馈问题", "存在问题", "name"),
    "category": ("类别", "问题类别", "category"), "river": ("河道", "所在河道", "river"),
    "lon": ("经度", "lon", "longitude"), "lat": ("纬度", "lat", "latitude"),
    "responsible_unit": ("责任单位", "牵头单位", "responsible_unit"), "measures": ("整改措施", "measures"),
    "deadline": ("整改时限", "完成时限", "deadline"), "target": ("整改目标", "target"),
}
PROGRESS_STATES = ("未交办", "整改中", "待核查", "已销号")


def _column_map(columns: list[str]) -> dict[str, str]:
    out = {}
    for field, names in HEADERS.items():
        for col in columns:
            if str(col).strip() in names:
                out[field] = col
                break
    return out


def read_items(data: bytes, name: str) -> list[dict[str, Any]]:
    """Rows of a task-list spreadsheet (.xlsx/.csv) as item dicts; DataError when unreadable."""
    try:
        if name.lower().endswith(".csv"):
            frame = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig")
        else:
            frame = pd.read_excel(io.BytesIO(data), dtype=str)
    except Exception as exc:  # openpyxl/pandas raise many kinds for broken files
        raise DataError("error.task_list_unreadable", name=name, detail=type(exc).__name__) from exc
    cols = _column_map(list(frame.columns))
    if "name" not in cols:
        raise DataError("error.task_list_no_problem_column", name=name)
    items = []
    for _, row in frame.iterrows():
        item = {f: (None if pd.isna(row[c]) else str(row[c]).strip()) for f, c in cols.items()}
        if any(item.values()):
            items.append(item)
    return items


def _place(item: dict[str, Any], rivers, crs: str) -> tuple[float, float] | None:
    from gislib.geo.crs import to_wgs84

    try:
        if item.get("lon") and item.get("lat"):
            lon, lat = to_wgs84(float(item["lon"]), float(item["lat"]), crs)
            return float(lon), float(lat)
    except ValueError:
        return None
    if item.get("river") and rivers is not None:
        lines = rivers[rivers["name"] == item["river"]]
        if len(lines):
            line = lines.to_crs("EPSG:4549").geometry.union_all()
            mid = line.interpolate(0.5, normalized=True) if line.geom_type == "LineString" else line.centroid
            lon, lat = to_wgs84(mid.x, mid.y, "EPSG:4549")
            return float(lon), float(lat)
    return None


def import_batch(store, batch: dict[str, Any], items: list[dict[str, Any]], user: str, rivers=None,
                 crs: str = "EPSG:4326", locate_ctx: Any = None, row_guard: Any = None,
                 assign: bool = True) -> list[dict[str, Any]]:
    """Create the batch and one problem per item (assigned when unit, measures and deadline are given).

    All rows are checked first; ValidationError lists every bad row and nothing is written.
    ``row_guard(row_no, record)``: the access check of each located row before it is written
    (``gislib.services.scoped.import_task_list``); a row it refuses (PermissionDenied) is skipped and
    the others are written. The batch itself is written with its first row (not at all when none is)."""
    from gislib.errors import PermissionDenied
    from gislib.patrols.repo import PatrolRepo
    from gislib.problems import service as svc

    issued = model.parse_date(batch.get("issued_date"))
    if issued is None or not (batch.get("code") and batch.get("name")):
        raise ValidationError("error.batch_incomplete", field="batch")
    bad, ready = [], []
    for i, item in enumerate(items, start=1):
        place = _place(item, rivers, crs)
        problems = []
        if not item.get("name"):
            problems.append(Phrase("error.task_no_name"))
        if place is None:
            problems.append(Phrase("error.task_no_place"))
        category = item.get("category") or "其他"
        if category not in model.CATEGORIES:
            problems.append(Phrase("error.task_category", value=category, choices=list(model.CATEGORIES)))
        deadline = model.parse_date(item.get("deadline")) if item.get("deadline") else None
        if item.get("deadline") and (deadline is None or deadline < issued):
            problems.append(Phrase("error.task_deadline", value=item.get("deadline")))
        if problems:
            bad.append(Phrase("error.task_row", row=i, problems=Sentences(problems)))
        ready.append((item, place, category, deadline))
    if bad:
        raise ValidationError("error.task_rows_bad", field="items", count=len(bad), rows=Lines(bad))
    saved = []

    def guard(i: int):
        def check(record: dict[str, Any]) -> None:
            if row_guard is not None:
                row_guard(i, record)
            if not saved:
                saved.append(PatrolRepo(store).save_batch(batch, user))
        return check

    created = []
    for i, (item, (lon, lat), category, deadline) in enumerate(ready, start=1):
        try:
            rec = _create_item(svc, store, batch, item, i, issued, category, lon, lat, user, locate_ctx, guard(i))
        except PermissionDenied:
            continue
        if assign and item.get("responsible_unit") and item.get("measures") and deadline:
            rec = svc.assign(store, rec["code"], user, issued, item["responsible_unit"], item["measures"], deadline,
                             note=f"{batch['name']} 交办")
        created.append(rec)
    return created


def _create_item(svc, store, batch, item, i, issued, category, lon, lat, user, locate_ctx, guard):
    """The problem of task-list row ``i`` (``guard`` runs on the located record before it is written)."""
    return svc.create_problem(store, {
        "name": item["name"][:60], "description": item["name"] + (f"; 整改目标: {item['target']}" if item.get("target") else ""),
        "category": category, "source": "督察反馈", "batch": batch["code"], "item_no": item.get("item_no") or i,
        "found_date": issued.isoformat(), "lon": lon, "lat": lat, "river": item.get("river")}, user,
        locate_ctx=locate_ctx, guard=guard)


def progress_label(rec: dict[str, Any]) -> str:
    """Where an item stands, in the words of a progress table."""
    return {model.REGISTERED: "未交办", model.ASSIGNED: "整改中", model.FIXING: "整改中",
            model.CLOSE_REQUESTED: "待核查", model.CLOSED: "已销号"}.get(rec["state"], rec["state"])


def batch_items(store, code: str) -> list[dict[str, Any]]:
    items = [r for r in store.list(model.LAYER) if r.get("batch") == code]
    return sorted(items, key=lambda r: (int(r.get("item_no") or 0), r["code"]))


def batch_progress(items: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    """Counts per progress state, overdue, closed on time, and the share closed."""
    counts = Counter(progress_label(r) for r in items)
    closed = counts.get("已销号", 0)
    return {"items": len(items), **{s: counts.get(s, 0) for s in PROGRESS_STATES},
            "overdue": sum(model.is_overdue(r, today) for r in items),
            "closed_on_time": sum(model.closed_on_time(r) is True for r in items),
            "closed_share": round(closed / len(items), 3) if items else 0.0}


BATCH_COLUMNS = (("item_no", "序号"), ("code", "问题编号"), ("name", "问题"), ("responsible_unit", "责任单位"),
                 ("measures", "整改措施"), ("deadline", "整改时限"), ("progress", "进度"), ("overdue", "逾期"),
                 ("closed_date", "销号日期"), ("on_time", "按期"))


def table_rows(items: list[dict[str, Any]], today: dt.date) -> list[list[Any]]:
    return [[{**problem_row(r, today), "progress": progress_label(r)}.get(k, "") for k, _ in BATCH_COLUMNS]
            for r in items]


def batch_workbook(batch: dict[str, Any], items: list[dict[str, Any]], today: dt.date) -> bytes:
    return workbook_bytes([h for _, h in BATCH_COLUMNS], table_rows(items, today), "整改任务清单",
                          note=f"{batch['name']} · 下发 {batch.get('issued_date')} · 统计至 {today}")


def batch_pdf(batch: dict[str, Any], items: list[dict[str, Any]], today: dt.date) -> bytes:
    p = batch_progress(items, today)
    lines = [f"批次编号 {batch['code']} · 下发单位 {batch.get('issued_by') or '—'} · 下发日期 {batch.get('issued_date')}",
             f"统计至 {today}: 共 {p['items']} 项，已销号 {p['已销号']} 项 (其中按期 {p['closed_on_time']} 项)，"
             f"待核查 {p['待核查']} 项，整改中 {p['整改中']} 项，未交办 {p['未交办']} 项，逾期 {p['overdue']} 项；"
             f"销号率 {p['closed_share']:.0%}。"]
    return pdf_report(f"{batch['name']} 整改进展报告", lines, [h for _, h in BATCH_COLUMNS], table_rows(items, today),
                      [8, 18, 50, 30, 50, 18, 12, 8, 18, 8])
