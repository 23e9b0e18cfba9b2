"""AppTest of the problem pages: a problem registered from a typed point, a refused assignment that names what is
missing, the 整改任务清单 progress, and the patrol and ranking pages in English."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit.testing.v1")
from streamlit.testing.v1 import AppTest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PAGE = str(REPO / "views" / "problems_view.py")
TIMEOUT = 300  # the first page seeds the demo year


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("problem-views")


@pytest.fixture(autouse=True)
def _env(monkeypatch, data_dir):
    monkeypatch.setenv("HETU_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HETU_DATASET", "putuo")


def _page(mode: str, path: str = PAGE, lang: str = "zh", **qp) -> AppTest:
    at = AppTest.from_file(path, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    if mode:
        at.session_state["problems_mode"] = mode
    for k, v in qp.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_register_a_problem_at_a_typed_point_then_refused_and_allowed_assignment(data_dir):
    at = _page("new")
    at.text_input[0].input("桃浦河漂浮垃圾")
    at.number_input(key="new_lon").set_value(121.3962)
    at.number_input(key="new_lat").set_value(31.2575)
    at.button[0].click().run()  # the form's submit
    assert not at.exception, [e.value for e in at.exception]
    from gislib.services.catalog import store

    rec = [r for r in store(data_dir).list("problems") if r.get("name") == "桃浦河漂浮垃圾"]
    assert len(rec) == 1 and rec[0]["reporter"] == "officer.demo" and rec[0]["subdistrict"]
    code = rec[0]["code"]
    at = _page("", code=code)
    assert any(code in m.value for m in at.markdown)
    at.button(key="FormSubmitter:assign-交办").click().run()  # no unit, no measures
    assert any("交办必须写明责任单位、整改措施" in e.value for e in at.error)
    [t for t in at.text_input if t.label == "责任单位"][0].input("桃浦镇河长办")
    [t for t in at.text_area if t.label == "整改措施"][0].input("打捞并落实保洁")
    at.button(key="FormSubmitter:assign-交办").click().run()
    assert store(data_dir).get("problems", code)["state"] == "已交办"


def test_task_list_progress_and_english_pages():
    at = _page("batches")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["总项数"] == "10"  # the demo inspection batch
    for path in ("patrols_view.py", "rankings_view.py"):
        page = _page("", path=str(REPO / "views" / path), lang="en")
        assert page.markdown[0].value.startswith("### ") and not page.error
