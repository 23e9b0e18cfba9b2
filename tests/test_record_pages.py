"""AppTest of the dust and outfall record pages' charts: what the user reads on them (issue 11 items 10, 12)."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pyarrow as pa
import pytest

pytest.importorskip("streamlit.testing.v1")
from streamlit.testing.v1 import AppTest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("record-pages")


@pytest.fixture(autouse=True)
def _env(monkeypatch, data_dir):
    monkeypatch.setenv("HETU_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HETU_DATASET", "putuo")


def _page(name: str, lang: str, **params) -> AppTest:
    at = AppTest.from_file(str(REPO / "views" / name), default_timeout=180)
    at.session_state["lang"] = lang
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _charts(at: AppTest) -> list[tuple[dict, list]]:
    """(Vega-Lite spec, its data frames) of every chart on the page."""
    out = []
    for chart in at.get("vega_lite_chart"):
        proto = chart.proto
        frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in proto.datasets]
        out.append((json.loads(proto.spec), frames))
    return out


def _texts(spec) -> list[str]:
    """Titles, axis titles, formats and legend domains people read on a chart."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("title", "format") and isinstance(v, str):
                    found.append(v)
                elif k == "domain" and isinstance(v, list):
                    found.extend(x for x in v if isinstance(x, str))
                else:
                    walk(v)
        elif isinstance(node, list):
            for x in node:
                walk(x)
    walk(spec)
    return found


def test_dust_last_30_days_shows_30_days():
    """最近 30 天 spans the 30 days up to the chosen day on its axis and has readings on each of them
    (it showed 7); the axis is written 11-22, never "Nov 22"."""
    at = _page("dust_view.py", "zh")
    day = at.date_input(key="dust_day").value
    (spec30, frames), = [c for c in _charts(at) if any(t.startswith("最近 30 天") for t in _texts(c[0]))]
    x = spec30["layer"][0]["encoding"]["x"]
    start, end = (dt.datetime.fromisoformat(v) for v in x["scale"]["domain"])
    assert end - start == dt.timedelta(days=30) and end.date() == day + dt.timedelta(days=1)
    assert x["axis"]["format"] == "%m-%d"
    readings = frames[0]
    # windows are labelled by their end (the 00:00 label closes the day before): 30 natural days
    assert (readings["window_end"] - dt.timedelta(minutes=1)).dt.date.nunique() == 30


@pytest.mark.parametrize("page,params", [("dust_view.py", {}), ("outfall_view.py", {"code": "PT-0012"}),
                                         ("sections_view.py", {"code": "PTDM007"})])
def test_english_charts_carry_no_chinese_labels(page, params):
    """Chart titles, axes, legends and formats are English in English mode (data such as names aside)."""
    at = _page(page, "en", **params)
    texts = [t for spec, _ in _charts(at) for t in _texts(spec)]
    assert texts, "the page shows charts"
    assert not [t for t in texts if CJK.search(t)], texts
