"""Hostile uploads, each read in a subprocess under a 1 GB address-space cap and a CPU cap, the way the
app reads them: every one ends in a clean refusal (a HetuError naming the file and what to do) or a
correct read, never a crash. Peak memory and time are printed (``pytest -s`` shows them), not asserted
beyond generous caps. The files are generated here (tests/hostile), nothing large is committed.
"""
from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.hostile import CASES, csv_big_cell, vrt_as_gpkg, vrt_in_zip, xlsx_dimension_bomb, zip_named_csv

REPO = Path(__file__).resolve().parents[1]
RUNNER = REPO / "tests" / "hostile" / "run_case.py"
MEM_CAP_MB = 1024
TIME_CAP_S = 120
EXTRA_MB_CAP = 450  # a refusal may cost at most this much above the imported libraries


def run_capped(path: Path, *extra: str) -> dict:
    """Read ``path`` in a fresh Python under the caps; the runner's JSON result (printed)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, str(RUNNER), str(path), str(MEM_CAP_MB), *extra], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=TIME_CAP_S)
    assert proc.stdout.strip(), f"no result (exit {proc.returncode}): {proc.stderr[-2000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n{path.name}: {result['outcome']} in {result['seconds']} s, peak {result['peak_mb']} MB "
          f"(libraries {result['baseline_mb']} MB) — {result.get('message', '')[:160]}")
    return result


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_ends_cleanly(name, tmp_path):
    case = CASES[name]
    path = case.make(tmp_path)
    result = run_capped(path)
    assert result["outcome"] == case.outcome, result
    if case.outcome == "refused":
        assert path.name in result["message"], "the refusal names the file"
        for word in case.words:
            assert word in result["message"], (word, result["message"])
        assert "内存" not in result["message"], "refused because memory ran out, not by a limit"
        assert result["peak_mb"] - result["baseline_mb"] < EXTRA_MB_CAP, result
    else:
        assert result["rows"] == case.rows, result
        for header, value in case.check.items():
            assert result["first"].get(header) == value, (header, result["first"])


def test_nul_is_removed_and_reported(tmp_path):
    result = run_capped(CASES["csv_nul_in_name"].make(tmp_path))
    assert "\x00" not in json.dumps(result["first"], ensure_ascii=False).replace("\\u0000", "\x00")
    assert any("控制字符" in n and "第 2 行「排口名称」" in n for n in result["notes"]), result["notes"]


def test_odd_geojson_members_keep_every_feature(tmp_path):
    result = run_capped(CASES["geojson_non_dict_crs_properties"].make(tmp_path))
    assert result["rows"] == 5 and "name" in result["headers"] and "extra" in result["headers"]


# --------------------------------------------------------------------------- the other readers
@pytest.mark.parametrize("reader", ["quality", "soil"])
def test_sample_readers_refuse_the_far_row_xlsx(reader, tmp_path):
    """``quality`` and ``soil-check`` (and their pages) stream the workbook against its real rows."""
    path = xlsx_dimension_bomb(tmp_path, far_row=True)
    result = run_capped(path, "--with", reader)
    assert result["outcome"] == "refused" and "HETU_MAX_ROWS" in result["message"], result
    assert result["peak_mb"] - result["baseline_mb"] < EXTRA_MB_CAP


@pytest.mark.parametrize("reader", ["quality", "soil", "dust"])
def test_sample_readers_refuse_a_zip_called_csv_and_a_10mb_cell(reader, tmp_path):
    result = run_capped(zip_named_csv(tmp_path), "--with", reader)
    assert result["outcome"] == "refused" and "按文件内容判断" in result["message"], result
    result = run_capped(csv_big_cell(tmp_path), "--with", reader)
    assert result["outcome"] == "refused" and "第 3 行" in result["message"], result
    assert "HETU_MAX_CELL_CHARS" in result["message"] and "big_cell.csv" in result["message"]


# --------------------------------------------------------------------------- server-side requests
class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits.append(self.path)
        body = b"code,name\nPT001,from-the-server\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


@pytest.fixture()
def local_server():
    """A local HTTP server that records every request made to it (a GDAL fetch would show up here)."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/secret.csv", _Recorder.hits
    server.shutdown()


@pytest.mark.parametrize("make", [vrt_as_gpkg, vrt_in_zip], ids=["vrt_as_gpkg", "vrt_in_zip"])
def test_vrt_pointing_at_a_local_url_is_refused_without_a_request(make, tmp_path, local_server):
    url, hits = local_server
    path = make(tmp_path, src=f"CSV:/vsicurl/{url}")
    result = run_capped(path)
    assert result["outcome"] == "refused" and path.name in result["message"], result
    assert hits == [], "GDAL fetched the URL"


def test_the_vrt_generators_are_real_attacks_without_the_gate(tmp_path):
    """Bypassing the gate, GDAL really does read /etc/passwd through the VRT file: the test above can fail."""
    import pyogrio

    frame = pyogrio.read_dataframe(vrt_as_gpkg(tmp_path), read_geometry=False)
    assert "daemon:x:1:1" in frame.to_csv(), frame.head()


def test_gdal_network_is_off_even_if_a_url_reached_gdal(local_server):
    import pyogrio

    from gislib.io.uploads import gdal_lockdown

    url, hits = local_server
    gdal_lockdown()
    with pytest.raises(Exception):
        pyogrio.read_info(f"/vsicurl/{url}")
    assert hits == []


# --------------------------------------------------------------------------- the CLIs
@pytest.mark.parametrize("command, make", [
    (["quality"], lambda d: xlsx_dimension_bomb(d, far_row=True)),
    (["soil-check", "--land-class", "1"], lambda d: xlsx_dimension_bomb(d, far_row=True)),
    (["dust-check", "--rule", "hebei-db13-2934-2019"], zip_named_csv),
    (["import", "--layer", "outfalls", "--dry-run"], vrt_as_gpkg),
], ids=["quality", "soil-check", "dust-check", "import"])
def test_cli_refuses_with_one_line_and_exit_2(command, make, tmp_path):
    path = make(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "gislib", command[0], str(path), *command[1:]], cwd=REPO,
                          capture_output=True, text=True, timeout=TIME_CAP_S,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    print(f"\n{command[0]}: exit {proc.returncode}: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and path.name in proc.stderr
