"""The map view under Streamlit's AppTest: renders, layer switches, filters and search."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

MAP_PAGE = str(Path(__file__).resolve().parent.parent / "app.py")  # the map is the default page


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))

    def run():
        at = AppTest.from_file(MAP_PAGE, default_timeout=60)
        at.session_state["lang"] = "zh"
        at.session_state["basemap"] = "offline"
        return at.run()

    return run


def caption_text(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_map_page_renders_with_every_layer(app):
    at = app()
    assert not at.exception
    assert any("河图" in m.value for m in at.markdown)
    text = caption_text(at)
    assert "入河排污口 300" in text and "监测断面 25" in text and "示例数据" in text
    assert "© OpenStreetMap contributors" in text
    labels = [cb.label for cb in at.checkbox]
    assert {"入河排污口", "监测断面", "疑似/污染地块", "建筑工地扬尘", "河道水体", "街道/镇（示意）", "区界"} <= set(labels)


def test_switching_a_layer_off_removes_it(app):
    at = app()
    at.checkbox(key="layer_outfalls").uncheck().run()
    assert not at.exception
    assert "入河排污口" not in caption_text(at)


def test_filter_by_state_counts_only_those(app):
    at = app()
    at.multiselect[3].select("整治中").run()  # 工作状态
    assert not at.exception
    text = caption_text(at)
    count = int(text.split("入河排污口 ")[1].split(" ")[0])
    assert 0 < count < 300


def test_search_selects_the_feature_and_shows_key_facts(app):
    at = app()
    at.text_input(key="search_query").input("PT-0007").run()
    assert not at.exception
    assert at.session_state["selected"] == ("outfalls", "PT-0007")
    assert any("PT-0007" in m.value for m in at.markdown)
    tables = [m.value for m in at.markdown if "|---|---|" in m.value]  # the key facts, a markdown table
    assert tables and "| 编码 | PT-0007 |" in tables[0] and "| 受纳水体 |" in tables[0], tables


def test_english_interface(app):
    at = AppTest.from_file(MAP_PAGE, default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert "Outfalls" in [cb.label for cb in at.checkbox]


def test_upstream_trace_from_a_selected_section(app):
    at = app()
    at.text_input(key="search_query").input("PTDM020").run()
    assert at.session_state["selected"] == ("sections", "PTDM020")
    at.checkbox(key="trace_two_way").check().run()
    at.button(key="trace_go").click().run()
    assert not at.exception
    assert at.session_state["trace"] == ("PTDM020", 3.0, True)
    assert any("双向" in c.value and "3.0 km" in c.value for c in at.caption)
    assert at.dataframe, "the list of upstream outfalls"


def test_export_on_import_page_then_map_export_panel_does_not_crash(app):
    """Issue 11.3: both pages kept their download in session key `export_file`; the map panel crashed."""
    at = app()
    at.switch_page("views/import_view.py").run()
    assert not at.exception
    at.button(key="export_make").click().run()  # export a layer on 数据导入
    assert not at.exception
    assert "export_file" in at.session_state
    at.switch_page("views/map_view.py").run()
    at.toggle(key="export_mode").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key="mapexport_make") is not None and at.button(key="mapexport_atlas_make") is not None
    at.button(key="mapexport_make").click().run()
    assert not at.exception
    name, data, mime = at.session_state["mapexport_map_file"]
    assert data[:5] == b"%PDF-" and mime == "application/pdf"
    assert at.session_state["export_file"][1] != name, "the import page's download is left alone"
