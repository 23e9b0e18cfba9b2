"""排口台账: the outfall ledger — filter, sort, open a record, export Excel/CSV or a file PDF."""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from gislib.services.catalog import store, version
from gislib.domain import DEMO_MARK, OUTFALL_PHASE, OUTFALL_STATES, OUTFALL_TYPE_L1, campaign_progress
from gislib.i18n import term
from gislib.reports.ledger import LAYER_TITLES, ledger_notes, ledger_table, write_ledger
from gislib.services.workflow import is_overdue
from views.common import map_scope, records as records_service, demo_banner, lang, localized, tr

RECORD_PAGE = "views/outfall_view.py"
PDF_MAX = 30  # outfalls per PDF from the ledger (each page set takes about a second)
TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "排口台账", "en": "Outfall ledger"},
    "search": {"zh": "搜索编码或名称", "en": "Search code or name"},
    "overdue_only": {"zh": "只看整治逾期", "en": "Overdue remediation only"},
    "sort": {"zh": "排序", "en": "Sort by"},
    "desc": {"zh": "倒序", "en": "Descending"},
    "all": {"zh": "全部", "en": "All"},
    "count": {"zh": "共 {n} 个排污口 (已撤销的不列出)", "en": "{n} outfalls (removed ones not listed)"},
    "progress": {"zh": "溯源 {traced_pct}%（{traced}/{outfalls}）· 整治完成 {remediated_pct}%（已销号 {remediated}，整治中 {under_remediation}）",
                 "en": "Traced {traced_pct}% ({traced}/{outfalls}) · remediation completed {remediated_pct}% "
                       "(closed/销号 {remediated}, under way {under_remediation})"},
    "hint": {"zh": "点选一行打开该排污口的一口一档", "en": "Select a row to open the outfall's file"},
    "export": {"zh": "导出筛选结果", "en": "Export the filtered ledger"},
    "pdf": {"zh": "生成筛选结果的档案 PDF (最多 {n} 个)", "en": "Outfall-file PDF of the filtered rows (max {n})"},
    "pdf_done": {"zh": "下载 PDF", "en": "Download PDF"},
    "overdue": {"zh": "逾期", "en": "Overdue"},
    "mark": {"zh": "标记", "en": "Mark"},
}
SORTS = {"code": "field.code", "name": "field.name", "river": "field.river", "subdistrict": "field.subdistrict",
         "type_l1": "field.type_l1", "state": "field.state", "overdue": "common.overdue", "updated_at": "field.updated_at"}


def _t(key: str, **kw: object) -> str:
    return localized(TEXT[key], **kw)


@st.cache_data(show_spinner=False, max_entries=64)
def _records(token: str, filters: tuple, sort: str, today: str, scope=None) -> list[dict]:
    """The filtered, sorted records the user may see (cached per store version, filters and scope)."""
    kwargs = {k: v for k, v in filters if v not in (None, "")}
    day = dt.date.fromisoformat(today)
    if sort.lstrip("-") != "overdue":
        return _scoped(store().list("outfalls", sort=sort, today=day, **kwargs), scope)
    records = _scoped(store().list("outfalls", sort="code", today=day, **kwargs), scope)
    # overdue first, the longest overdue first (descending: the reverse)
    key = lambda r: (not is_overdue(r, day), str((r.get("remediation") or {}).get("deadline") or "9999"))  # noqa: E731
    return sorted(records, key=key, reverse=sort.startswith("-"))


def _scoped(records: list[dict], scope) -> list[dict]:
    """Only the records inside the logged-in user's jurisdiction (gislib.services.access)."""
    from gislib.auth import filter_records

    return records if scope is None else filter_records(scope.as_user(), records, "list_layer", "outfalls")


@st.cache_data(show_spinner=False)
def _choices(token: str, scope=None) -> dict[str, list[str]]:
    rows = _scoped(store().list("outfalls"), scope)
    return {f: sorted({str(r[f]) for r in rows if r.get(f)}) for f in ("river", "subdistrict")}


def _filters() -> tuple[tuple, str]:
    """The filter widgets; returns (filters as a hashable tuple, sort key)."""
    choices = _choices(version(), map_scope())
    all_ = _t("all")
    c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
    text = c1.text_input(_t("search"), key="ledger_text", placeholder="PT-0012 / 张泾 …")
    river = c2.selectbox(tr("filter.river"), [all_] + choices["river"], key="ledger_river")
    sub = c3.selectbox(tr("filter.subdistrict"), [all_] + choices["subdistrict"], key="ledger_sub")
    type_l1 = c4.selectbox(tr("filter.type"), [all_] + list(OUTFALL_TYPE_L1), key="ledger_type",
                           format_func=lambda v: v if v == all_ else tr(f"type.{v}"))
    c5, c6, c7, c8 = st.columns([2, 1, 1, 1])
    state = c5.selectbox(tr("filter.state"), [all_] + list(OUTFALL_STATES), key="ledger_state",
                         format_func=lambda v: v if v == all_ else f"{term(OUTFALL_PHASE[v], lang())} · {tr('state.' + v)}")
    sort = c6.selectbox(_t("sort"), list(SORTS), key="ledger_sort",
                        format_func=lambda k: tr(SORTS[k]) if SORTS[k].startswith(("field.", "common.")) else k)
    desc = c7.checkbox(_t("desc"), key="ledger_desc")
    overdue = c8.checkbox(_t("overdue_only"), key="ledger_overdue")
    pick = lambda v: None if v == all_ else v  # noqa: E731
    filters = (("text", text.strip() or None), ("river", pick(river)), ("subdistrict", pick(sub)),
               ("type_l1", pick(type_l1)), ("state", pick(state)), ("overdue", True if overdue else None))
    return filters, ("-" if desc else "") + sort


def ledger_frame(records: list[dict], today: dt.date) -> pd.DataFrame:
    """The table shown: one row per outfall."""
    rows = []
    for r in records:
        rem = r.get("remediation") or {}
        rows.append({
            tr("field.code"): r["code"], tr("field.name"): r.get("name", ""),
            tr("field.state"): term(r.get("state", ""), lang()),
            tr("field.phase"): term(OUTFALL_PHASE.get(r.get("state"), ""), lang()),
            _t("overdue"): "⚠️ " + tr("common.overdue") if is_overdue(r, today) else "",
            tr("field.river"): r.get("river", ""), tr("field.subdistrict"): r.get("subdistrict", ""),
            tr("field.type_l1"): term(r.get("type_l1", ""), lang()), tr("field.type_l2"): term(r.get("type_l2", ""), lang()),
            tr("field.remediation_kind"): term(rem.get("kind", ""), lang()), tr("field.deadline"): rem.get("deadline", ""),
            _t("mark"): term(DEMO_MARK, lang()) if r.get("demo") or r.get("mark") == DEMO_MARK else "",
        })
    return pd.DataFrame(rows)


def ledger_file(filters: tuple, codes: list[str], today: dt.date, suffix: str, source) -> bytes:
    """The filtered ledger as .xlsx or .csv bytes (gislib.reports.ledger), rows in the table's order."""
    kwargs = {k: v for k, v in filters if v not in (None, "")}
    headers, rows, empty = ledger_table(source, "outfalls", today=today, **kwargs)
    order = {code: i for i, code in enumerate(codes)}
    rows.sort(key=lambda row: order.get(row[0], len(order)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"ledger{suffix}"
        write_ledger(path, headers, rows, title=LAYER_TITLES["outfalls"],
                     notes=ledger_notes("outfalls", kwargs, len(rows), empty))
        return path.read_bytes()


def _export(filters: tuple, today: dt.date, records: list[dict]) -> None:
    """Excel/CSV downloads of exactly the filtered ledger, generated when clicked."""
    stamp = today.strftime("%Y%m%d")
    codes = [r["code"] for r in records]
    source = records_service().for_export()  # resolved now: the file is made later, outside this page run
    cols = st.columns(3)
    for col, suffix, mime in ((cols[0], ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                              (cols[1], ".csv", "text/csv")):
        col.download_button(f"{_t('export')} ({suffix[1:].upper()}, {len(records)})",
                            lambda suffix=suffix: ledger_file(filters, codes, today, suffix, source),
                            file_name=f"outfall_ledger_{stamp}{suffix}", mime=mime, key=f"ledger_dl_{suffix}")
    with cols[2]:
        _pdf_export(codes)


def _pdf_export(codes: list[str]) -> None:
    """A PDF of the files of the first PDF_MAX filtered outfalls, with a progress bar."""
    from gislib.reports.outfall_file import build_pdf
    from layers.outfall_file_map import map_image_for

    if st.button(_t("pdf", n=PDF_MAX), key="ledger_pdf", disabled=not codes):
        chosen = codes[:PDF_MAX]
        bar = st.progress(0.0)
        out = Path(tempfile.mkdtemp()) / "outfall_files.pdf"
        build_pdf(records_service().for_export(), chosen, out, map_image=map_image_for(lang=lang()), lang=lang(),
                  progress=lambda done, total, code: bar.progress(done / total, text=f"{done}/{total} {code}"))
        st.session_state["ledger_pdf_bytes"] = out.read_bytes()
    if st.session_state.get("ledger_pdf_bytes"):
        st.download_button(_t("pdf_done"), st.session_state["ledger_pdf_bytes"], file_name="outfall_files.pdf",
                           mime="application/pdf", key="ledger_pdf_dl")


def main() -> None:
    st.title(_t("title"))
    demo_banner()
    today = dt.date.today()
    filters, sort = _filters()
    records = _records(version(), filters, sort, today.isoformat(), map_scope())
    st.caption(_t("count", n=len(records)) + " · " + _t("hint"))
    progress = campaign_progress(r.get("state") for r in records)  # 已销号 counts as remediation completed (治)
    if progress["outfalls"]:
        st.caption(_t("progress", **progress))
    frame = ledger_frame(records, today)
    event = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key="ledger_table", height=460)
    selected = list(getattr(event, "selection", {}).get("rows", [])) if event is not None else []
    if selected and selected[0] < len(records):
        st.session_state["outfall_code"] = records[selected[0]]["code"]
        st.switch_page(RECORD_PAGE)
    _export(filters, today, records)


main()
