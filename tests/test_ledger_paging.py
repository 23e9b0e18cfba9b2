"""The ledger at city scale (issue 18): one page is filtered, sorted and cut in the store, and the
Excel export is streamed, holds every row in the page order and keeps formulas harmless."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from gislib.services import catalog
from gislib.reports.ledger import LAYER_TITLES, ledger_notes, ledger_table, sorted_records, write_ledger
from gislib.services.workflow import is_overdue

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def st(tmp_path, monkeypatch):
    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))
    return catalog.store()


def _expected(records, field, descending=False):
    """The ledger order written out: by the field (missing values first), then by code."""
    key = lambda r: (r.get(field) is not None, str(r.get(field) or ""), r["code"])  # noqa: E731
    return [r["code"] for r in sorted(records, key=key, reverse=descending)]


def test_a_filtered_sorted_page_is_the_right_50_rows_in_the_right_order(st):
    river = "桃浦河"
    records = [r for r in st.list("outfalls") if r.get("river") == river]
    assert len(records) > 10  # enough for two pages of 5
    want = _expected(records, "name", descending=True)
    total, first = st.page("outfalls", river=river, sort="-name", limit=5)
    _, second = st.page("outfalls", river=river, sort="-name", offset=5, limit=5)
    assert total == len(records)
    assert [r["code"] for r in first + second] == want[:10]
    _, by_type = st.page("outfalls", sort="type_l1", limit=50)
    assert [r["code"] for r in by_type] == _expected(st.list("outfalls"), "type_l1")[:50]


def test_overdue_first_then_the_rest_by_code(st):
    records = st.list("outfalls")
    late = sorted((r for r in records if is_overdue(r, TODAY)),
                  key=lambda r: (r["remediation"]["deadline"], r["code"]))
    assert late, "the demo set has overdue outfalls"
    want = [r["code"] for r in late] + sorted(r["code"] for r in records if not is_overdue(r, TODAY))
    total, rows = st.page("outfalls", sort="overdue", today=TODAY, limit=len(late) + 3)
    assert total == len(records) and [r["code"] for r in rows] == want[:len(late) + 3]
    _, tail = st.page("outfalls", sort="-overdue", today=TODAY, offset=len(records) - 2, limit=50)
    assert [r["code"] for r in tail] == want[:2][::-1]
    only, rows = st.page("outfalls", overdue=True, today=TODAY, limit=500)
    assert only == len(late) and {r["code"] for r in rows} == {r["code"] for r in late}


def test_filter_choices_and_state_counts_come_from_the_store(st):
    records = st.list("outfalls")
    assert st.distinct("outfalls", "river") == sorted({r["river"] for r in records if r.get("river")})
    counts = st.count_by("outfalls", "state")
    assert sum(counts.values()) == len(records) and counts["整治中"] == sum(r["state"] == "整治中" for r in records)


def test_excel_export_holds_every_row_in_page_order_and_neutralises_formulas(st, tmp_path):
    rec = st.get("outfalls", "PT-0007")
    st.update("outfalls", "PT-0007", {"name": "=HYPERLINK(\"http://evil\",\"点我\")"}, rec["version"], "officer:test")
    records = sorted_records(st, "outfalls", "-name", TODAY, chunk=40)  # several chunks
    headers, rows, empty = ledger_table(st, "outfalls", today=TODAY, records=records)
    seen = []
    out = tmp_path / "ledger.xlsx"
    write_ledger(out, headers, rows, title=LAYER_TITLES["outfalls"], notes=ledger_notes("outfalls", {}, len(rows), empty),
                 progress=lambda done, total: seen.append((done, total)))
    ws = load_workbook(out).active
    values = list(ws.iter_rows(values_only=True))
    header_at = values.index(tuple(headers))
    body = values[header_at + 1:]
    assert len(body) == st.count("outfalls") == len(records)
    assert [r[0] for r in body] == [r["code"] for r in records]  # the page order, not the code order
    evil = next(r for r in body if r[0] == "PT-0007")
    assert evil[1].startswith("'=HYPERLINK")  # text, never a formula
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    assert seen[-1] == (len(rows), len(rows))
    assert ws.freeze_panes == f"A{header_at + 2}"


def test_excel_cells_are_text_as_typed_whatever_characters_they_hold(tmp_path):
    """The rows written straight into the sheet: markup, ampersands, spaces and Excel's own escapes come
    back as typed; formulas are quoted, control characters dropped, numbers stay numbers, every row there."""
    tricky = ["<r><t>x</t></r>", "A & B < C > D", "  spaced  ", "=1+1", "-2", "@SUM(A1)", "bad\x01name",
              "line\nbreak", "_x0041_", "多行\r文本"]
    rows = [[f"C-{i:03d}", text, i * 1.5] for i, text in enumerate(tricky)]
    rows.append([f"C-{len(tricky):03d}", "", None])
    out = tmp_path / "tricky.xlsx"
    write_ledger(out, ["编码", "名称", "数值"], rows, title="标题", notes=["说明"])
    values = list(load_workbook(out).active.iter_rows(values_only=True))
    assert values[0][0] == "标题" and values[1][0] == "说明" and values[2] == ("编码", "名称", "数值")
    body = values[3:]
    assert len(body) == len(rows) and [r[0] for r in body] == [r[0] for r in rows]
    names = [r[1] for r in body]
    assert names[:3] == ["<r><t>x</t></r>", "A & B < C > D", "  spaced  "]
    assert names[3:6] == ["'=1+1", "'-2", "'@SUM(A1)"]
    assert names[6:8] == ["badname", "line\nbreak"]
    # Excel's own escapes, as XlsxWriter writes them (Excel shows "_x0041_" and a line break; openpyxl
    # leaves the escapes as they are)
    assert names[8] in ("_x0041_", "_x005F_x0041_")
    assert names[9] in ("多行\r文本", "多行_x000D_文本") and names[10] is None
    assert [r[2] for r in body[:3]] == [0, 1.5, 3.0]


def test_the_export_reads_no_monitoring_history_and_writes_the_same_cells(st, tmp_path):
    """The ledger's rows are read without each outfall's monitoring history (no column shows it): the
    records come without it, and every cell, hostile text included, is what reading whole records gave."""
    monitored = [r for r in st.list("outfalls") if r.get("monitoring")]
    assert monitored, "the demo set has monitored outfalls"
    code = monitored[0]["code"]
    st.update("outfalls", code, {"name": "+cmd|' /C calc'!A0 <b>x</b>\x07", "address": "@SUM(1)&-1"},
              monitored[0]["version"], "officer:test")
    light = sorted_records(st, "outfalls", "-name", TODAY)
    whole = sorted_records(st, "outfalls", "-name", TODAY, omit=())
    assert not any("monitoring" in r for r in light) and any("monitoring" in r for r in whole)
    assert [r["code"] for r in light] == [r["code"] for r in whole]
    assert all({**r, "monitoring": None} == {**w, "monitoring": None} for r, w in zip(light, whole))
    assert ledger_table(st, "outfalls", today=TODAY, records=light) == \
        ledger_table(st, "outfalls", today=TODAY, records=whole)
    headers, rows, empty = ledger_table(st, "outfalls", today=TODAY, records=light)
    row = next(r for r in rows if r[0] == code)
    assert row[1] == "'+cmd|' /C calc'!A0 <b>x</b>"  # formula quoted, control character dropped
    assert "'@SUM(1)&-1" in row


def test_a_page_without_a_field_on_both_paths(st):
    """``omit`` on the store's SQL page and on the checked fallback (a restricted user's ledger)."""
    from gislib.store.base import Store

    total, rows = st.page("outfalls", limit=500, omit=("monitoring",))
    _, full = st.page("outfalls", limit=500)
    assert total == st.count("outfalls") and any(r.get("monitoring") for r in full)
    assert [{k: v for k, v in r.items() if k != "monitoring"} for r in full] == rows
    total2, rows2 = Store.page(st, "outfalls", limit=500, omit=("monitoring",))
    assert (total2, [r["code"] for r in rows2]) == (total, [r["code"] for r in rows])
    assert not any("monitoring" in r for r in rows2)


def test_postgres_text_of_a_field_left_out():
    from gislib.store.dialect import to_postgres

    sql = "SELECT f.code, json_remove(f.data, '$.monitoring', '$.x') AS data FROM features f WHERE f.layer=?"
    assert to_postgres(sql) == ("SELECT f.code, (f.data::jsonb - 'monitoring' - 'x')::text AS data "
                                "FROM features f WHERE f.layer=%s")


def test_every_page_preloads_the_ledger_table_code():
    """The data grid's code (and the other element files) is asked for by name, as this Streamlit ships it."""
    from pathlib import Path

    import streamlit

    from views.common import element_chunks, preload_script

    js, css = element_chunks()
    folder = Path(streamlit.__file__).parent / "static" / "static"
    assert any(n.startswith("DataFrame.") for n in js) and any(n.startswith("Selectbox.") for n in js)
    assert all((folder / "js" / n).is_file() for n in js) and all((folder / "css" / n).is_file() for n in css)
    script = preload_script()
    assert all(f'"{n}"' in script for n in js + css) and "import(" in script
    # st.html drops a script whose text holds a "<" (the element came out empty: nothing was preloaded)
    body = script.removeprefix("<script>").removesuffix("</script>")
    assert "<" not in body and script.startswith("<script>") and script.endswith("</script>")
