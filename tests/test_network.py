"""Tests of gislib.geo.network and ``python -m gislib trace`` on small hand-drawn networks.

Coordinates are metres in EPSG:4549 (CGCS2000 GK CM 120°E, the network's own metric CRS), offset
to a spot in Shanghai, so every expected distance is plain arithmetic on the drawing (in comments).
Lines are drawn in flow direction.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from gislib.errors import ConfigError, DataError, NotFoundError, ValidationError
from gislib.geo.network import (
    METRIC_CRS,
    build_network,
    load_or_build_network,
    load_overrides,
    network_cache_key,
    trace_downstream,
    trace_upstream,
)

REPO = Path(__file__).resolve().parent.parent
X0, Y0 = 630_000.0, 3_460_000.0  # ≈ 121.37°E, 31.26°N in EPSG:4549


def _xy(x: float, y: float) -> tuple[float, float]:
    return (X0 + x, Y0 + y)


def rivers(*specs: tuple[str | None, list[tuple[float, float]]]) -> gpd.GeoDataFrame:
    """River lines from (name, [(x, y), ...]) in local metres."""
    return gpd.GeoDataFrame(
        {"name": [s[0] for s in specs], "osm_id": list(range(1, len(specs) + 1))},
        geometry=[LineString([_xy(*p) for p in s[1]]) for s in specs], crs=METRIC_CRS)


def points(**coords: tuple[float, float]) -> gpd.GeoDataFrame:
    """Points from code=(x, y) in local metres."""
    return gpd.GeoDataFrame({"code": list(coords)}, geometry=[Point(_xy(*p)) for p in coords.values()], crs=METRIC_CRS)


def km_of(result) -> dict[str, float]:
    return {r["code"]: r["km"] for r in result.outfalls}


# Confluence: tributaries T1 (-1000,0)→(0,0) and T2 (1000,0)→(0,0) join the main stem 干流 (0,0)→(0,2000).
# A ditch 沟 (3000,0)→(3000,500) touches nothing.
CONFLUENCE = rivers(
    ("T1", [(-1000, 0), (0, 0)]),
    ("T2", [(1000, 0), (0, 0)]),
    ("干流", [(0, 0), (0, 2000)]),
    ("沟", [(3000, 0), (3000, 500)]),
)
CONF_SECTIONS = points(S=(0, 1500), S0=(0, 0))
CONF_OUTFALLS = points(
    O1=(-500, 10),   # on T1 at 500 m: (1000 - 500) + 1500 = 2000 m
    O2=(600, -20),   # on T2 at 400 m from its start: (1000 - 400) + 1500 = 2100 m
    O3=(5, 1400),    # on the main stem 100 m upstream of S: 1500 - 1400 = 100 m
    O4=(0, 1800),    # on the main stem 300 m downstream of S
    O6=(3000, 250),  # on the isolated ditch: unreachable
    O7=(0, 0),       # exactly on the confluence node: 1500 m
    OFF=(-500, 150), # 150 m from T1, nothing else within 50 m: off-network
)


@pytest.fixture(scope="module")
def conf_net():
    return build_network(CONFLUENCE)


def test_build_counts(conf_net):
    # nodes: (-1000,0), (1000,0), (0,0), (0,2000), ditch ends (3000,0), (3000,500) -> 6; one edge per line
    assert conf_net.n_edges == 4
    assert conf_net.n_nodes == 6
    assert sorted(round(x) for x in conf_net.edge_length) == [500, 1000, 1000, 2000]
    assert conf_net.crs == METRIC_CRS


def test_confluence_upstream_ordered_by_network_distance(conf_net):
    res = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3)
    assert res.mode == "directed"
    # O3 0.1, O7 1.5, O1 2.0, O2 2.1 (see the fixture comments); O4 is downstream, O6 disconnected
    assert res.outfalls == [{"code": "O3", "km": 0.1}, {"code": "O7", "km": 1.5},
                            {"code": "O1", "km": 2.0}, {"code": "O2", "km": 2.1}]
    assert res.off_network == [{"code": "OFF", "metres": 150}]


def test_limit_cuts_the_list(conf_net):
    res = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=2.05)
    # 2.1 km (O2) > 2.05 km limit
    assert [r["code"] for r in res.outfalls] == ["O3", "O7", "O1"]
    # OFF is √(500² + 1350²) ≈ 1440 m from S in a straight line: listed within 2.05 km, not within 1 km
    assert res.off_network == [{"code": "OFF", "metres": 150}]
    near = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=1)
    assert near.off_network == [] and near.outfalls == [{"code": "O3", "km": 0.1}]
    zero = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=0)
    assert zero.outfalls == [] and len(zero.stretch) == 0


def test_stretch_geometry(conf_net):
    res = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=2.05)
    st = res.stretch
    assert st.crs.to_epsg() == 4326
    # traced: 1500 m of main stem + 550 m of T1 + 550 m of T2 (2050 - 1500 each) = 2600 m
    assert st.to_crs(METRIC_CRS).length.sum() == pytest.approx(2600, abs=0.01)
    assert set(st["name"]) == {"干流", "T1", "T2"}
    assert st["km_from"].min() == 0 and st["km_to"].max() == pytest.approx(2.05)


def test_section_on_a_node(conf_net):
    res = trace_upstream(conf_net, "S0", CONF_OUTFALLS, CONF_SECTIONS, km=5)
    # S0 sits on the confluence: O7 0 m, O1 1000 - 500 = 500 m, O2 1000 - 400 = 600 m
    assert res.outfalls == [{"code": "O7", "km": 0.0}, {"code": "O1", "km": 0.5}, {"code": "O2", "km": 0.6}]


def test_directed_and_two_way_differ(conf_net):
    directed = km_of(trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3))
    two_way = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3, two_way=True)
    assert two_way.mode == "two-way"
    assert "O4" not in directed
    # O4 is 1800 - 1500 = 300 m away when direction is ignored; the ditch stays unreachable
    assert km_of(two_way) == {"O3": 0.1, "O4": 0.3, "O7": 1.5, "O1": 2.0, "O2": 2.1}


def test_disconnected_ditch(conf_net):
    res = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=100, two_way=True)
    assert "O6" not in km_of(res)
    down = trace_downstream(conf_net, "O6", CONF_OUTFALLS, CONF_SECTIONS, two_way=True)
    assert down.section is None and down.km is None


def test_downstream_nearest_section(conf_net):
    down = trace_downstream(conf_net, "O1", CONF_OUTFALLS, CONF_SECTIONS)
    # O1 → (0,0) is 500 m where S0 sits: the nearest section
    assert (down.section, down.km, down.mode) == ("S0", 0.5, "directed")
    down = trace_downstream(conf_net, "O3", CONF_OUTFALLS, CONF_SECTIONS)
    # O3 at 1400 m on the main stem, S at 1500 m: 100 m
    assert (down.section, down.km) == ("S", 0.1)
    down = trace_downstream(conf_net, "O4", CONF_OUTFALLS, CONF_SECTIONS)
    assert down.section is None  # only the river mouth is downstream of O4
    down = trace_downstream(conf_net, "O4", CONF_OUTFALLS, CONF_SECTIONS, two_way=True)
    assert (down.section, down.km) == ("S", 0.3)  # 1800 - 1500


def test_off_network_point(conf_net):
    with pytest.raises(DataError, match="150 米") as err:
        trace_downstream(conf_net, "OFF", CONF_OUTFALLS, CONF_SECTIONS)
    assert err.value.key == "error.off_network" and "“OFF” is 150 m from the nearest river line" in err.value.text("en")
    # with a 200 m tolerance it snaps to T1 at 500 m: (1000 - 500) + 1500 = 2000 m
    res = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3, snap_tolerance_m=200)
    assert km_of(res)["OFF"] == 2.0
    assert res.off_network == []


def test_unknown_section(conf_net):
    with pytest.raises(NotFoundError, match="NOPE"):
        trace_upstream(conf_net, "NOPE", CONF_OUTFALLS, CONF_SECTIONS, km=3)


def test_per_river_override(conf_net):
    rev = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3, overrides={"干流": "reverse"})
    # main stem now flows (0,2000)→(0,0): upstream of S is O4 at 300 m only; (0,0) is a sink
    assert rev.mode == "directed" and rev.overrides == {"干流": "reverse"}
    assert rev.outfalls == [{"code": "O4", "km": 0.3}]
    both = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3, overrides={"干流": "both"})
    # both ways on the main stem; tributaries keep their direction into (0,0)
    assert km_of(both) == {"O3": 0.1, "O4": 0.3, "O7": 1.5, "O1": 2.0, "O2": 2.1}
    t1 = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3, overrides={"T1": "reverse"})
    assert "O1" not in km_of(t1) and km_of(t1)["O2"] == 2.1  # T1 now drains away from the confluence


def test_override_errors(conf_net, tmp_path):
    with pytest.raises(ConfigError, match="sideways"):
        trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3, overrides={"干流": "sideways"})
    res = trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3, overrides={"无名河": "both"})
    assert any("无名河" in w for w in res.warnings)
    with pytest.raises(ConfigError):
        trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3, overrides={" ": "both"})
    with pytest.raises(ValidationError, match="上溯距离") as err:
        trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, km=-1)
    assert err.value.field == "km" and "≥ 0 km, not -1" in err.value.text("en")
    bad = tmp_path / "o.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_overrides(bad)


def test_loop_takes_the_shorter_arm():
    # P (0,0)→(0,1000); arm L1 (0,1000)→(0,2000) = 1000 m; arm L2 (0,1000)→(500,1000)→(500,2000)→(0,2000)
    # = 500 + 1000 + 500 = 2000 m; outflow Q (0,2000)→(0,3000). Section S on Q at 500 m.
    net = build_network(rivers(("P", [(0, 0), (0, 1000)]), ("L1", [(0, 1000), (0, 2000)]),
                               ("L2", [(0, 1000), (500, 1000), (500, 2000), (0, 2000)]), ("Q", [(0, 2000), (0, 3000)])))
    secs = points(S=(0, 2500))
    outs = points(A=(0, 500),     # (1000 - 500) + 1000 (L1) + 500 = 2000 m (via L2 it would be 3000 m)
                  B=(500, 1500))  # on L2 at 500 + 500 = 1000 m of 2000: 1000 + 500 = 1500 m
    res = trace_upstream(net, "S", outs, secs, km=10)
    assert res.outfalls == [{"code": "B", "km": 1.5}, {"code": "A", "km": 2.0}]
    # 1 km stretch: 500 m of Q, then 500 m up each arm = 1500 m
    short = trace_upstream(net, "S", outs, secs, km=1)
    assert short.stretch.to_crs(METRIC_CRS).length.sum() == pytest.approx(1500, abs=0.01)


def test_tributary_ending_mid_line():
    # main stem M (0,0)→(0,2000) is one line; tributary T (-800,1000)→(-3,1000) ends 3 m short of
    # M's interior at 1000 m along M. Section S at (0,1600).
    lines = rivers(("M", [(0, 0), (0, 2000)]), ("T", [(-800, 1000), (-3, 1000)]))
    secs = points(S=(0, 1600))
    outs = points(O=(-400, 1010))  # on T at 400 m of 797: 397 m to its end, gap 3 m counts 0, + 600 m on M = 997 m
    res = trace_upstream(build_network(lines), "S", outs, secs, km=2)
    assert res.outfalls == [{"code": "O", "km": 0.997}]
    # with a 2 m node tolerance the 3 m gap is not closed: T stays disconnected
    res = trace_upstream(build_network(lines, tolerance_m=2), "S", outs, secs, km=2)
    assert res.outfalls == []


def test_shared_interior_vertex_is_a_junction():
    # A (0,0)→(0,1000)→(0,2000) and B (-1000,1000)→(0,1000)→(1000,1000) share the vertex (0,1000)
    lines = rivers(("A", [(0, 0), (0, 1000), (0, 2000)]), ("B", [(-1000, 1000), (0, 1000), (1000, 1000)]))
    secs = points(S=(0, 1500))
    outs = points(O=(-500, 1000))  # 500 m to the junction on B + 500 m on A = 1000 m
    assert km_of(trace_upstream(build_network(lines), "S", outs, secs, km=5)) == {"O": 1.0}
    unsplit = build_network(lines, split_at_shared_vertices=False)
    assert trace_upstream(unsplit, "S", outs, secs, km=5).outfalls == []


def test_bad_river_rows_are_skipped():
    gdf = rivers(("M", [(0, 0), (0, 1000)]))
    gdf.loc[1] = ["P", 2, Point(_xy(5, 5))]
    gdf.loc[2] = ["N", 3, None]
    net = build_network(gdf)
    assert net.n_edges == 1
    assert {s["row"]: s["reason"] for s in net.skipped}.keys() == {1, 2}


def test_cache_roundtrip(tmp_path):
    net = load_or_build_network(CONFLUENCE, cache_dir=tmp_path)
    files = list(tmp_path.glob("network_*.pkl"))
    assert len(files) == 1
    again = load_or_build_network(CONFLUENCE, cache_dir=tmp_path)
    assert again.cache_key == net.cache_key and again.n_edges == net.n_edges
    res = trace_upstream(again, "S", CONF_OUTFALLS, CONF_SECTIONS, km=3)  # STRtree rebuilt after unpickling
    assert km_of(res)["O1"] == 2.0
    moved = CONFLUENCE.copy()
    moved.loc[3, "geometry"] = LineString([_xy(3000, 0), _xy(3000, 600)])
    assert network_cache_key(moved) != net.cache_key
    assert network_cache_key(CONFLUENCE, tolerance_m=10) != net.cache_key


# ------------------------------------------------------------------------------------ CLI
def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gislib", "trace", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("trace_cli")
    CONFLUENCE.to_crs(4326).to_file(d / "rivers.geojson", driver="GeoJSON")
    CONF_OUTFALLS.to_crs(4326).to_file(d / "outfalls.geojson", driver="GeoJSON")
    secs = CONF_SECTIONS.to_crs(4326)
    rows = ["编码,经度,纬度"] + [f"{c},{g.x:.9f},{g.y:.9f}" for c, g in zip(secs["code"], secs.geometry)]
    rows.append("BAD,abc,31.2")  # rejected: not a number
    (d / "sections.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (d / "overrides.json").write_text(json.dumps({"干流": "reverse"}, ensure_ascii=False), encoding="utf-8")
    return d


def _file_args(d: Path) -> list[str]:
    return ["--rivers", str(d / "rivers.geojson"), "--outfalls", str(d / "outfalls.geojson"),
            "--sections", str(d / "sections.csv"), "--cache-dir", str(d / "cache"), "--json"]


def test_cli_upstream(cli_files):
    proc = _cli("upstream", "--section", "S", "--km", "3", *_file_args(cli_files))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    # same numbers as test_confluence_upstream_ordered_by_network_distance (lon/lat round trip is sub-mm)
    assert out["section"] == "S" and out["mode"] == "directed"
    assert out["outfalls"] == [{"code": "O3", "km": 0.1}, {"code": "O7", "km": 1.5},
                               {"code": "O1", "km": 2.0}, {"code": "O2", "km": 2.1}]
    assert out["off_network"] == [{"code": "OFF", "metres": 150}]
    assert out["rejected"] == [{"layer": "sections", "row": 4, "reason": "longitude/latitude 'abc'/'31.2' is not a number"}]


def test_cli_two_way_overrides_and_downstream(cli_files):
    proc = _cli("upstream", "--section", "S", "--km", "3", "--two-way", *_file_args(cli_files))
    assert json.loads(proc.stdout)["mode"] == "two-way"
    assert {"code": "O4", "km": 0.3} in json.loads(proc.stdout)["outfalls"]
    proc = _cli("upstream", "--section", "S", "--km", "3", "--overrides", str(cli_files / "overrides.json"),
                *_file_args(cli_files))
    assert json.loads(proc.stdout)["outfalls"] == [{"code": "O4", "km": 0.3}]
    proc = _cli("downstream", "--outfall", "O2", *_file_args(cli_files))
    out = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stderr
    # O2 → confluence (0,0) is 1000 - 400 = 600 m, where S0 sits
    assert (out["outfall"], out["section"], out["km"], out["mode"]) == ("O2", "S0", 0.6, "directed")
    proc = _cli("downstream", "--outfall", "O6", *_file_args(cli_files))
    assert json.loads(proc.stdout)["section"] is None


def test_cli_errors(cli_files):
    proc = _cli("upstream", "--section", "NOPE", "--km", "3", *_file_args(cli_files))
    assert proc.returncode == 2 and "NOPE" in proc.stderr
    proc = _cli("upstream", "--section", "S", "--km", "3", "--rivers", str(cli_files / "missing.gpkg"), "--json")
    assert proc.returncode == 2 and "missing.gpkg" in proc.stderr


def test_cli_demo_data_set(tmp_path):
    try:
        from gislib.dataset import load_layer

        code = str(load_layer("sections")["code"].iloc[0])
    except Exception as exc:  # the demo data set is built by another command; not required here
        pytest.skip(f"demo data set not available: {exc}")
    proc = _cli("upstream", "--section", code, "--km", "2", "--cache-dir", str(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["section"] == code and out["mode"] == "directed"
    assert [r["km"] for r in out["outfalls"]] == sorted(r["km"] for r in out["outfalls"])
    assert all(r["km"] <= 2 for r in out["outfalls"])


def test_read_points_formats(tmp_path):
    import zipfile

    from cli.trace import read_points

    g = gpd.GeoDataFrame({"code": ["A", "", None]}, geometry=[Point(121.40, 31.2), Point(121.41, 31.2), None], crs=4326)
    g.to_file(tmp_path / "o.shp", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "o.zip", "w") as z:
        for f in tmp_path.glob("o.*"):
            if f.suffix != ".zip":
                z.write(f, f.name)
    g.to_file(tmp_path / "o.gpkg")
    for name in ("o.zip", "o.gpkg"):
        pts, rejected = read_points(str(tmp_path / name), "outfalls")
        assert pts["code"].tolist() == ["A"]
        assert [r["row"] for r in rejected] == [2, 3]  # every rejected row reported, with a reason
    (tmp_path / "gbk.csv").write_bytes("编号,lng,lat\nQ1,121.4,31.2\nQ2,121.4,95\n".encode("gb18030"))
    pts, rejected = read_points(str(tmp_path / "gbk.csv"), "sections")
    assert pts["code"].tolist() == ["Q1"] and "out of range" in rejected[0]["reason"]
    (tmp_path / "nocols.csv").write_text("code,x\nA,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="经度"):
        read_points(str(tmp_path / "nocols.csv"), "sections")


def test_snapping_is_reused_for_the_same_points_and_redone_when_they_change(conf_net):
    first = conf_net.snap(CONF_OUTFALLS)
    assert conf_net.snap(CONF_OUTFALLS.copy()) is first  # same content: snapped once, however often traced
    moved = CONF_OUTFALLS.copy()
    moved.loc[moved["code"] == "O3", "geometry"] = Point(_xy(5, 1300))
    again = conf_net.snap(moved)
    assert again is not first
    i = again.index_of("O3")
    assert again.offset[i] == pytest.approx(1300.0)  # 1300 m along 干流, not the old 1400 m
    assert conf_net.snap(CONF_OUTFALLS, 10.0) is not first  # another tolerance is another snap
    # and results stay the same with the reused snap: O3 is 100 m upstream of S
    assert km_of(trace_upstream(conf_net, "S", CONF_OUTFALLS, CONF_SECTIONS, 0.2))["O3"] == 0.1


def test_the_dataset_network_is_one_object_shared_by_map_record_pages_and_problems():
    """One cache per expensive object: tracing on the map, the record page's downstream section and
    problem location use the same network, built once per data version."""
    from gislib.geo.network import dataset_network
    from gislib.problems.locate import dataset_context
    from layers.trace import network

    net = dataset_network("putuo")
    assert network("putuo") is net
    assert dataset_context("putuo").network is net


def test_trace_reads_point_tables_as_the_importer_does_gcj02_and_excel(tmp_path):
    """Issue 14.3: trace had its own CSV reader that assumed WGS84; an Amap (GCJ-02) export placed every
    section ~500 m off. Now the importer's reading and CRS detection are used, Excel included."""
    from openpyxl import Workbook

    from gislib.geo.crs import wgs84_to_gcj02
    from cli.trace import read_points

    lon, lat = 121.40, 31.25
    glon, glat = wgs84_to_gcj02(lon, lat)
    (tmp_path / "sections_高德.csv").write_text(f"编码,经度,纬度\nS1,{glon:.7f},{glat:.7f}\n", encoding="utf-8")
    pts, rejected = read_points(str(tmp_path / "sections_高德.csv"), "sections")
    assert not rejected and "GCJ-02" in pts.attrs["crs_reason"]
    assert pts.geometry.iloc[0].distance(Point(lon, lat)) < 1e-5  # back on the WGS84 spot (about 1 m)
    plain, _ = read_points(str(tmp_path / "sections_高德.csv"), "sections", crs="EPSG:4326")
    assert plain.geometry.iloc[0].distance(Point(lon, lat)) > 3e-3  # read as WGS84 it is ~500 m off

    wb = Workbook()
    wb.active.append(["编号", "lng", "lat"])
    wb.active.append(["X1", lon, lat])
    wb.active.append(["X2", "abc", lat])
    wb.save(tmp_path / "points.xlsx")
    pts, rejected = read_points(str(tmp_path / "points.xlsx"), "outfalls")
    assert pts["code"].tolist() == ["X1"] and [r["row"] for r in rejected] == [3]
