"""``scripts/serve.py``, the way ``scripts/run_app.sh`` (and the end-to-end benchmark) start Hetu: the record store is
filled and the demo made BEFORE the server answers, the default map is built in the server's own process while it
starts, and the first visitor gets the map (issue 18: nothing of that on the first request's path)."""
from __future__ import annotations

import time

import pytest

from conftest import start_app

pytestmark = pytest.mark.browser


def test_serve_prepares_the_store_and_the_map_before_the_first_visitor(tmp_path, new_page, artifacts):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    log = data_dir / "streamlit.log"
    with start_app(data_dir, launch=("scripts/serve.py",), ready_s=600) as url:
        # before any page was asked for, the store holds the records and the demo problems
        from gislib.services.catalog import store_dir
        from gislib.store import open_store

        with open_store(store_dir(data_dir, "putuo")) as store:
            assert store.count("outfalls") > 100 and store.count("problems") > 0
        # the default map was built by the server itself, not by a visitor's request
        deadline = time.time() + 300
        while "default map, click index and river network ready" not in log.read_text():
            assert time.time() < deadline, f"no warm-up within 300 s: {log.read_text()[-2000:]}"
            time.sleep(0.5)
        rp = new_page(1366, 768, data_dir=data_dir)
        rp.page.goto(url)
        frame = rp.map_frame()
        frame.wait_for_selector("canvas.hetu-points[data-layer=outfalls][data-drawn]", state="attached",
                                timeout=60000)
        rp.wait_idle()
        rp.page.screenshot(path=str(artifacts / "serve_first_visitor.png"))
        assert rp.external_requests() == []
        assert "Traceback" not in log.read_text()
