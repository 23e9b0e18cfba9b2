"""``scripts/serve.py``, the way ``scripts/run_app.sh`` (and the end-to-end benchmark) start Hetu: on a fresh data
directory the record store is filled and the demo made BEFORE the server answers, the default map is built in the
server's own process while it starts, and the first visitor gets the map (issue 18: nothing of that on the first
request's path)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, _free_port

pytestmark = pytest.mark.browser


def test_serve_prepares_the_store_and_the_map_before_the_first_visitor(tmp_path, new_page, artifacts):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    port = _free_port()
    log_path = tmp_path / "serve.log"
    env = {**os.environ, "HETU_DATA_DIR": str(data_dir), "HETU_DATASET": "putuo", "HETU_WARM_UP": "1"}
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "scripts/serve.py", "--server.port", str(port), "--server.address",
                                 "127.0.0.1", "--server.headless", "true"], cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for(lambda: _answers(url), 600, proc, log_path, "the server's health check")
            # before any page was asked for, the store holds the records and the demo problems
            from gislib.services.catalog import store_dir
            from gislib.store import open_store

            with open_store(store_dir(data_dir, "putuo")) as store:
                assert store.count("outfalls") > 100 and store.count("problems") > 0
            # the default map was built by the server itself, not by a visitor's request
            _wait_for(lambda: "default map, click index and river network ready" in log_path.read_text(), 300, proc,
                      log_path, "the warm-up")
            rp = new_page(1366, 768, data_dir=data_dir)
            rp.page.goto(url)
            frame = rp.map_frame()
            frame.wait_for_selector("canvas.hetu-points[data-layer=outfalls][data-drawn]", state="attached",
                                    timeout=60000)
            rp.wait_idle()
            rp.page.screenshot(path=str(artifacts / "serve_first_visitor.png"))
            assert rp.external_requests() == []
            assert "Traceback" not in log_path.read_text()
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/_stcore/health", timeout=2)
        return True
    except OSError:
        return False


def _wait_for(check, timeout_s: float, proc, log_path: Path, what: str) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if check():
            return
        if proc.poll() is not None:
            raise AssertionError(f"serve.py exited before {what}: {log_path.read_text()[-2000:]}")
        time.sleep(0.5)
    raise AssertionError(f"no {what} within {timeout_s:.0f} s: {log_path.read_text()[-2000:]}")
