"""排口台账: the outfall ledger — filter, sort, open a record, export Excel/CSV or a file PDF."""
from __future__ import annotations

import datetime as dt
import tempfile
from itertools import chain, repeat
from pathlib import Path

import pandas as pd
import streamlit as st

from gislib.services.catalog import version
from gislib.domain import DEMO_MARK, OUTFALL_PHASE, OUTFALL_STATES, OUTFALL_TYPE_L1, campaign_progress
from gislib.i18n import term
from gislib.reports.ledger import LAYER_TITLES, NOT_IN_LEDGER, ledger_notes, ledger_table, sorted_records, write_ledger
from gislib.services.workflow import is_overdue
from views.common import map_scope, records as records_service, demo_banner, lang, tr

RECORD_PAGE = "views/outfall_view.py"
PDF_MAX = 30  # outfalls per PDF from the ledger (each page set takes about a second)
SORTS = {"code": "field.code", "name": "field.name", "river": "field.river", "subdistrict": "field.subdistrict",
         "type_l1": "field.type_l1", "state": "field.state", "overdue": "common.overdue", "updated_at": "field.updated_at"}


def _t(key: str, **kw: object) -> str:
    return tr(f"outfalls.{key}", **kw)


PAGE_ROWS = 50


@st.cache_data(show_spinner=False, max_entries=64)
def _page(token: str, filters: tuple, sort: str, today: str, page: int, scope=None) -> tuple[int, list[dict]]:
    """(how many match, one page of the filtered, sorted records): filtered, sorted and cut in the
    store (cached per store revision, filters and page), without the monitoring history no column shows."""
    kwargs = {k: v for k, v in filters if v not in (None, "")}
    return records_service().page("outfalls", offset=page * PAGE_ROWS, limit=PAGE_ROWS, sort=sort,
                        today=dt.date.fromisoformat(today), omit=NOT_IN_LEDGER["outfalls"], **kwargs)


@st.cache_data(show_spinner=False, max_entries=64)
def _states(token: str, filters: tuple, today: str, scope=None) -> dict[str, int]:
    kwargs = {k: v for k, v in filters if v not in (None, "")}
    return records_service().count_by("outfalls", "state", today=dt.date.fromisoformat(today), **kwargs)


def _scoped(records: list[dict], scope) -> list[dict]:
    """Only the records inside the logged-in user's jurisdiction (gislib.services.access)."""
    from gislib.auth import filter_records

    return records if scope is None else filter_records(scope.as_user(), records, "list_layer", "outfalls")


@st.cache_data(show_spinner=False)
def _choices(token: str, scope=None) -> dict[str, list[str]]:
    return {f: records_service().distinct("outfalls", f) for f in ("river", "subdistrict")}


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


def ledger_file(filters: tuple, sort: str, today: dt.date, suffix: str,
                progress=lambda done, total: None) -> bytes:
    """The filtered ledger as .xlsx or .csv bytes (gislib.reports.ledger), rows in the table's order."""
    kwargs = {k: v for k, v in filters if v not in (None, "")}
    source = records_service().for_export()  # an export: checked as one, the jurisdiction's rows only
    records = sorted_records(source, "outfalls", sort, today, **kwargs)
    headers, rows, empty = ledger_table(source, "outfalls", today=today, records=records, **kwargs)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"ledger{suffix}"
        write_ledger(path, headers, rows, title=LAYER_TITLES["outfalls"],
                     notes=ledger_notes("outfalls", kwargs, len(rows), empty), progress=progress)
        return path.read_bytes()


def _export(filters: tuple, sort: str, today: dt.date, total: int, codes: list[str]) -> None:
    """Excel/CSV of exactly the filtered ledger: written when asked, with a progress bar, then offered."""
    stamp = today.strftime("%Y%m%d")
    cols = st.columns(3)
    for col, suffix, mime in ((cols[0], ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                              (cols[1], ".csv", "text/csv")):
        with col:
            _export_one(filters, sort, today, total, suffix, mime, stamp)
    with cols[2]:
        _pdf_export(codes)


def _export_one(filters: tuple, sort: str, today: dt.date, total: int, suffix: str, mime: str, stamp: str) -> None:
    key = f"ledger_file_{suffix}"
    wanted = (filters, sort, today.isoformat(), version())
    if st.button(f"{_t('export')} ({suffix[1:].upper()}, {total})", key=f"ledger_make_{suffix}", disabled=not total):
        bar = st.progress(0.0, text=_t("writing", done=0, total=total))
        data = ledger_file(filters, sort, today, suffix, progress=lambda done, n: bar.progress(
            done / max(n, 1), text=_t("writing", done=done, total=n)))
        bar.empty()
        st.session_state[key] = (wanted, data)
    made = st.session_state.get(key)
    if made and made[0] == wanted:
        st.download_button(_t("download", kind=suffix[1:].upper()), made[1], file_name=f"outfall_ledger_{stamp}{suffix}",
                           mime=mime, key=f"ledger_dl_{suffix}", icon=":material/download:")


def _pdf_export(codes: list[str]) -> None:
    """A PDF of the files of the first PDF_MAX filtered outfalls, with a progress bar."""
    if st.button(_t("pdf", n=PDF_MAX), key="ledger_pdf", disabled=not codes):
        from gislib.reports.outfall_file import build_pdf  # imported when asked: not on every first page
        from layers.outfall_file_map import map_image_for

        chosen = codes[:PDF_MAX]
        bar = st.progress(0.0)
        out = Path(tempfile.mkdtemp()) / "outfall_files.pdf"
        build_pdf(records_service().for_export(), chosen, out, map_image=map_image_for(lang=lang()), lang=lang(),
                  progress=lambda done, total, code: bar.progress(done / total, text=f"{done}/{total} {code}"))
        st.session_state["ledger_pdf_bytes"] = out.read_bytes()
    if st.session_state.get("ledger_pdf_bytes"):
        st.download_button(_t("pdf_done"), st.session_state["ledger_pdf_bytes"], file_name="outfall_files.pdf",
                           mime="application/pdf", key="ledger_pdf_dl")


def _pager(total: int) -> int:
    """The page chosen (0-based) among the pages of ``total`` rows."""
    pages = max(1, -(-total // PAGE_ROWS))
    if st.session_state.get("ledger_page", 1) > pages:
        st.session_state["ledger_page"] = 1
    c1, c2 = st.columns([1, 4], vertical_alignment="center")
    page = c1.number_input(_t("page"), min_value=1, max_value=pages, step=1, key="ledger_page")
    c2.caption(_t("pages", page=page, pages=pages, rows=PAGE_ROWS))
    return int(page) - 1


def main() -> None:
    st.title(_t("title"))
    demo_banner()
    today = dt.date.today()
    filters, sort = _filters()
    token = version()
    scope = map_scope()
    total, _ = _page(token, filters, sort, today.isoformat(), 0, scope)
    st.caption(_t("count", n=total) + " · " + _t("hint"))
    states = _states(token, filters, today.isoformat(), scope)
    progress = campaign_progress(chain.from_iterable(repeat(s, n) for s, n in states.items()))  # 已销号 counts as completed
    if progress["outfalls"]:
        st.caption(_t("progress", **progress))
    page = _pager(total)
    _, records = _page(token, filters, sort, today.isoformat(), page, scope)
    frame = ledger_frame(records, today)
    event = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", key=f"ledger_table_{page}", height=460)
    selected = list(getattr(event, "selection", {}).get("rows", [])) if event is not None else []
    if selected and selected[0] < len(records):
        st.session_state["outfall_code"] = records[selected[0]]["code"]
        st.switch_page(RECORD_PAGE)
    _export(filters, sort, today, total, [r["code"] for r in records])


main()
