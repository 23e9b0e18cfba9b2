"""AppTest of the sections, plots, dust, problems and patrols pages as a river chief and as a viewer: each page
lists only the logged-in account's jurisdiction (issue 16; gislib.services.scoped). Counts by hand from the demo
GeoPackage: 2 sections lie on 桃浦河; plots and dust sites carry no river, so a chief of 桃浦河 alone has none."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("streamlit.testing.v1")
from streamlit.testing.v1 import AppTest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 300


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A fresh data directory with the demo problems and patrols (seeded here: the pages' own seeding is
    cached per process by data set, so after another module's pages it would not run for this directory)."""
    from gislib.demo.problems import ensure_demo
    from gislib.services.catalog import store

    folder = tmp_path_factory.mktemp("scoped-pages")
    ensure_demo(store(folder, "putuo"), "putuo")
    return folder


@pytest.fixture(autouse=True)
def _env(monkeypatch, data_dir):
    monkeypatch.setenv("HETU_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HETU_DATASET", "putuo")
    monkeypatch.delenv("HETU_PUBLISHED_LAYERS", raising=False)


def _page(name: str, login: str, **state) -> AppTest:
    at = AppTest.from_file(str(REPO / "views" / name), default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh"
    at.session_state["test_login"] = login
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _gpkg(sql: str):
    with sqlite3.connect(REPO / "data" / "geo" / "putuo.gpkg") as con:
        return con.execute(sql).fetchall()


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.info, *at.error, *at.caption])


def test_the_sections_page_of_the_chief_of_taopu_lists_the_two_sections_of_taopu(data_dir):
    at = _page("sections_view.py", "chief.taopu")
    table = at.dataframe[0].value
    frame = table.data if hasattr(table, "data") else table  # a Styler (class colours) or a DataFrame
    expected = sorted(code for (code,) in _gpkg("SELECT code FROM sections WHERE river = '桃浦河'"))
    assert sorted(frame["编码"]) == expected and len(expected) == 2
    assert "共 2 个断面" in _texts(at)


def test_the_plots_and_dust_pages_of_a_chief_of_rivers_only_say_their_jurisdiction_holds_none(data_dir):
    for page in ("plots_view.py", "dust_view.py"):
        at = _page(page, "chief.taopu")
        assert "您的辖区内没有此类记录" in _texts(at), page
        assert not at.dataframe, page


def test_the_dust_and_rankings_pages_refuse_a_viewer(data_dir):
    for page in ("dust_view.py", "rankings_view.py"):
        at = _page(page, "viewer.demo")
        assert any("未向查看者发布" in str(e.value) for e in at.error), page


def test_the_problem_list_and_patrols_page_of_the_chief_of_taopu(data_dir):
    at = _page("problems_view.py", "chief.taopu", problems_mode="list")
    frame = at.dataframe[0].value
    assert len(frame) and set(frame["河道"]) == {"桃浦河"}
    at = _page("patrols_view.py", "chief.taopu")
    [chief] = [s for s in at.selectbox if s.label == "河长"]
    assert len(chief.options) == 1 and chief.value == 0  # only 孙某某 (JZ-TP) has 桃浦河


def test_a_chiefs_problem_record_offers_no_bureau_step_and_an_officers_does(data_dir):
    def labels(at: AppTest) -> set[str]:
        return {b.label for b in at.button} | {e.label for e in at.get("expander")}

    chief = labels(_page("problems_view.py", "chief.taopu", problems_mode="record"))
    assert not chief & {"交办", "撤销（重复/无效）", "补充照片", "抽查合格", "约谈"}
    officer = labels(_page("problems_view.py", "officer.demo", problems_mode="record"))
    assert "撤销（重复/无效）" in officer or "补充照片" in officer
