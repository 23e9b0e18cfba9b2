"""The CLI: ``python -m gislib problems import|export|report`` and ``patrols import|coverage|chiefs`` on a
seeded demo store, as a bureau would run them in batch."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from tests.test_patrols import _gpx

REPO = __import__("pathlib").Path(__file__).resolve().parent.parent


def cli(*args, data_dir) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gislib", *args, "--data-dir", str(data_dir)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A data dir whose store holds the demo (seeded by the first command)."""
    d = tmp_path_factory.mktemp("cli")
    out = cli("patrols", "coverage", "--days", "30", "--json", data_dir=d)
    assert out.returncode == 0, out.stderr
    return d, json.loads(out.stdout)


def test_patrols_coverage_json_on_the_demo(seeded):
    _, cov = seeded
    from gislib.problems.service import today_shanghai

    assert cov["as_of"] == today_shanghai().isoformat() and cov["days"] == 30
    assert 0 < cov["stretches_covered"] < cov["stretches"]
    assert 0 < cov["covered_km"] < cov["length_km"]
    assert {r["river"] for r in cov["rivers"]} >= {"苏州河", "真如港", "桃浦河"}


def test_patrols_import_a_gpx_for_a_chief_and_count_it(seeded, tmp_path):
    d, _ = seeded
    from gislib.geo.crs import to_wgs84
    from gislib.dataset import load_layer

    # a walk along the first line of the demo's 桃浦河, a point every 25 m, 30 s apart, from 09:00 Shanghai time
    line = load_layer("rivers").query("name == '桃浦河'").to_crs(4549).geometry.iloc[0]
    pts = []
    for i, dist in enumerate(range(0, min(int(line.length), 2900), 25)):
        lon, lat = to_wgs84(line.interpolate(dist).x, line.interpolate(dist).y, "EPSG:4549")
        pts.append((float(lon), float(lat), f"2026-11-20T{1 + i // 120:02d}:{i // 2 % 60:02d}:{i % 2 * 30:02d}Z"))
    gpx = tmp_path / "孙某某_巡河.gpx"
    gpx.write_bytes(_gpx([pts]))
    from conftest import demo_accounts_of

    demo_accounts_of(d).close()  # --user names an account (issue 16): the demo chief of 桃浦河
    out = cli("patrols", "import", str(gpx), "--chief", "孙某某", "--user", "chief.taopu", "--json", data_dir=d)
    assert out.returncode == 0, out.stderr
    p = json.loads(out.stdout)
    assert p["chief_id"] == "JZ-TP" and p["date"] == "2026-11-20" and p["stretches"]
    bad = cli("patrols", "import", str(gpx), "--chief", "无此人", data_dir=d)
    assert bad.returncode == 2 and "没有河长" in bad.stderr and "Traceback" not in bad.stderr


def test_problems_import_export_report(seeded, tmp_path):
    d, _ = seeded
    xlsx = tmp_path / "清单.xlsx"
    pd.DataFrame([{"序号": 1, "问题": "苏州河沿岸垃圾", "类别": "固废", "河道": "苏州河", "责任单位": "长寿路街道",
                   "整改措施": "清运", "整改时限": "2026-12-31"}]).to_excel(xlsx, index=False)
    out = cli("problems", "import", str(xlsx), "--batch", "DC-CLI", "--name", "CLI 测试清单", "--issued", "2026-11-20",
              "--json", data_dir=d)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["assigned"] == 1
    out = cli("problems", "export", "--out", str(tmp_path / "p.xlsx"), "--batch", "DC-CLI", "--json", data_dir=d)
    assert json.loads(out.stdout)["problems"] == 1
    assert pd.read_excel(tmp_path / "p.xlsx").iloc[0]["责任单位"] == "长寿路街道"
    out = cli("problems", "report", "--batch", "DC-2026-01", "--out", str(tmp_path / "b.pdf"),
              "--json", data_dir=d)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["items"] == 10
    out = cli("problems", "report", "--month", "2026-10", "--out", str(tmp_path / "r.xlsx"), "--json", data_dir=d)
    colors = json.loads(out.stdout)["colors"]
    assert sum(len(v) for v in colors.values()) >= 8  # every sub-district with problems or chiefs
    bad = cli("problems", "report", "--out", str(tmp_path / "x.txt"), data_dir=d)
    assert bad.returncode == 2 and "--out" in bad.stderr
