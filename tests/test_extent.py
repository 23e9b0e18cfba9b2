"""A user's drawn extent (辖区范围, issue 16): validation, the migration, and what a user whose jurisdiction is
only an extent reads, exports and writes. The expected records are worked out here with geopandas on the
demo GeoPackage, not with Hetu's own code."""
from __future__ import annotations

import csv
import json
import sqlite3

import geopandas as gpd
import pytest
from shapely.geometry import box

from conftest import REPO, demo_accounts_of
from gislib.auth.extent import parse_extent, read_extent_file
from gislib.errors import PermissionDenied, ValidationError
from gislib.services.access import Records, scope_of, scoped_frame

GPKG = REPO / "data" / "geo" / "putuo.gpkg"
PASSWORD = "Extent#Chief2026x"


def _outfalls() -> gpd.GeoDataFrame:
    return gpd.read_file(GPKG, layer="outfalls")


def _two_outfalls_box():
    """A box around the demo outfall PT-0002 and its nearest neighbour, 0.002° wider on every side; and the
    codes of the demo outfalls that lie inside it (geopandas, by hand)."""
    gdf = _outfalls()
    first = gdf[gdf["code"] == "PT-0002"].geometry.iloc[0]
    others = gdf[gdf["code"] != "PT-0002"]
    second = others.geometry.iloc[others.geometry.to_crs(32651).distance(
        gpd.GeoSeries([first], crs=4326).to_crs(32651).iloc[0]).argmin()]
    poly = box(min(first.x, second.x) - 0.002, min(first.y, second.y) - 0.002,
               max(first.x, second.x) + 0.002, max(first.y, second.y) + 0.002)
    inside = set(gdf[gdf.geometry.within(poly)]["code"])
    return poly, inside


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("extent")


@pytest.fixture(scope="module")
def accounts(data_dir):
    with demo_accounts_of(data_dir) as acc:
        yield acc


@pytest.fixture(scope="module")
def store(data_dir):
    from gislib.services.catalog import store as catalog_store

    return catalog_store(data_dir, "putuo")


@pytest.fixture(scope="module")
def area():
    return _two_outfalls_box()


@pytest.fixture(scope="module")
def chief(accounts, area):
    admin = accounts.get("admin.demo")
    if accounts.find("extent.chief") is None:
        accounts.create("extent.chief", PASSWORD, "river_chief", admin, extent=area[0].wkt,
                        must_change_password=False)
    return accounts.get("extent.chief")


@pytest.fixture(scope="module")
def officer(accounts, area):
    admin = accounts.get("admin.demo")
    if accounts.find("extent.officer") is None:
        accounts.create("extent.officer", PASSWORD, "officer", admin, extent=area[0].wkt,
                        must_change_password=False)
    return accounts.get("extent.officer")


def test_the_box_holds_at_least_the_two_outfalls_and_not_the_whole_district(area):
    assert 2 <= len(area[1]) < 20


def test_a_chief_with_only_an_extent_sees_exactly_the_outfalls_inside(chief, store, area):
    assert chief.extent and not chief.rivers and not chief.subdistricts
    assert {r["code"] for r in Records(store, chief).list("outfalls")} == area[1]
    frame = scoped_frame(scope_of(chief), "outfalls", _outfalls())
    assert set(frame["code"]) == area[1]
    assert scope_of(chief).extent == chief.extent and hash(scope_of(chief))  # a cache key
    outside = next(r for r in store.list("outfalls") if r["code"] not in area[1])
    with pytest.raises(PermissionDenied):
        Records(store, chief).get("outfalls", outside["code"])


def test_plots_are_inside_by_their_representative_point(chief, store):
    plots = gpd.read_file(GPKG, layer="plots")
    poly = box(*plots.geometry.iloc[0].buffer(0.0005).bounds)
    expected = set(plots[plots.geometry.representative_point().within(poly)]["code"])
    user = type(chief)(name="p", role="river_chief", extent=parse_extent(poly.wkt))
    assert expected and set(scoped_frame(scope_of(user), "plots", plots)["code"]) == expected
    assert {r["code"] for r in Records(store, user).list("plots")} == expected


def test_the_ledger_export_of_the_extent_chief_holds_the_outfalls_inside(chief, data_dir, area, tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "extent.csv"
    env = {**os.environ, "HETU_DATA_DIR": str(data_dir), "HETU_DATASET": "putuo"}
    env.pop("HETU_DB_URL", None)
    proc = subprocess.run([sys.executable, "-m", "gislib", "ledger", "--user", "extent.chief", "--out", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    codes = {c for r in rows for c in r if c.startswith("PT-")}
    assert codes == area[1]


def test_an_extent_officer_edits_inside_and_is_refused_outside_and_moving_out(officer, store, area):
    records = Records(store, officer)
    inside = store.get("outfalls", sorted(area[1])[0])
    saved = records.update("outfalls", inside["code"], {"address": "范围内（测试）"}, inside["version"])
    assert saved["updated_by"] == "extent.officer"
    outside = next(r for r in store.list("outfalls") if r["code"] not in area[1])
    with pytest.raises(PermissionDenied):
        records.update("outfalls", outside["code"], {"address": "x"}, outside["version"])
    assert store.get("outfalls", outside["code"])["address"] != "x"
    now = store.get("outfalls", inside["code"])
    with pytest.raises(PermissionDenied):
        records.update("outfalls", inside["code"], {"lon": 121.30, "lat": 31.30}, now["version"])
    assert store.get("outfalls", inside["code"])["lon"] == now["lon"]


def test_names_or_extent_either_one_lets_a_record_in(accounts, store, area, officer):
    admin = accounts.get("admin.demo")
    both = accounts.set_role("extent.officer", "officer", admin, rivers=["桃浦河"])
    seen = {r["code"] for r in Records(store, both).list("outfalls")}
    taopu = {r["code"] for r in store.list("outfalls") if r.get("river") == "桃浦河"}
    assert seen == taopu | area[1]
    accounts.set_role("extent.officer", "officer", admin, rivers=[])
    events = [e for e in accounts.events("extent.officer") if e["action"] == "role_changed"]
    assert events[-1]["detail"]["new"]["extent"] == officer.extent


@pytest.mark.parametrize("value, key", [
    ("LINESTRING (121.4 31.2, 121.5 31.3)", "error.jurisdiction_extent_not_polygon"),
    ('{"type": "Point", "coordinates": [121.4, 31.2]}', "error.jurisdiction_extent_not_polygon"),
    ("POLYGON ((0 0, 1 0, 1 1, 0 0))", "error.jurisdiction_extent_out_of_bounds"),
    ("POLYGON ((31.2 121.4, 31.3 121.4, 31.3 121.5, 31.2 121.4))", "error.jurisdiction_extent_out_of_bounds"),
    ("POLYGON ((121.4 31.2, 121.5 31.3, 121.5 31.2, 121.4 31.3, 121.4 31.2))", "error.jurisdiction_extent_invalid"),
    ("not a shape", "error.jurisdiction_extent_unreadable"),
    ('{"type": "FeatureCollection", "features": []}', "error.jurisdiction_extent_empty"),
    ("POLYGON EMPTY", "error.jurisdiction_extent_empty"),
])
def test_a_bad_extent_is_refused_with_a_clear_message(value, key):
    with pytest.raises(ValidationError) as exc:
        parse_extent(value)
    assert exc.value.key == key if hasattr(exc.value, "key") else key in str(exc.value.args)
    assert "辖区范围" in str(exc.value)


def test_too_many_vertices_are_refused():
    from shapely.geometry import Point

    circle = Point(121.4, 31.2).buffer(0.01, quad_segs=2000)
    with pytest.raises(ValidationError, match="顶点"):
        parse_extent(circle.wkt)


def test_extent_files_go_through_the_upload_gate(tmp_path, area):
    good = tmp_path / "area.geojson"
    good.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": json.loads(gpd.GeoSeries([area[0]]).to_json())
         ["features"][0]["geometry"]}]}), encoding="utf-8")
    assert read_extent_file(good) == parse_extent(area[0].wkt)
    kml = tmp_path / "area.kml"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[area[0]], crs=4326).to_file(kml, driver="KML")
    assert gpd.GeoSeries.from_wkt([read_extent_file(kml)]).iloc[0].normalize().equals_exact(area[0].normalize(), 1e-9)
    fake = tmp_path / "area2.geojson"
    fake.write_bytes(b"PK\x03\x04 not json")
    with pytest.raises(ValidationError):
        read_extent_file(fake)
    other = tmp_path / "area.csv"
    other.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(ValidationError):
        read_extent_file(other)


def test_migration_80_adds_the_extent_to_an_old_store_and_is_idempotent(tmp_path):
    from gislib.store.migrations import _add_user_extent, migrate

    path = tmp_path / "hetu.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=75)
    conn.execute("INSERT INTO users (name, display_name, role, password_hash, created_by, created_at, "
                 "updated_by, updated_at) VALUES ('old', 'old', 'officer', 'x', 'a', 't', 'a', 't')")
    assert "extent" not in {r[1] for r in conn.execute("PRAGMA table_info(users)")}
    assert migrate(conn) >= 80
    assert "extent" in {r[1] for r in conn.execute("PRAGMA table_info(users)")}
    _add_user_extent(conn)  # a second time: nothing to do, no error
    conn.close()
    from gislib.auth import Accounts

    with Accounts(tmp_path) as acc:
        assert acc.get("old").extent == ""


def test_the_extent_is_stored_and_cleared_on_both_backends(tmp_path, db_backend, area):
    with demo_accounts_of(tmp_path) as acc:
        assert acc.backend == db_backend
        admin = acc.get("admin.demo")
        acc.create("ext.user", PASSWORD, "river_chief", admin, extent=area[0].wkt, must_change_password=False)
        assert acc.get("ext.user").extent == parse_extent(area[0].wkt)
        acc.set_role("ext.user", "river_chief", admin, rivers=["桃浦河"])
        assert acc.get("ext.user").extent  # None keeps it
        assert acc.set_role("ext.user", "river_chief", admin, extent="").extent == ""
        with pytest.raises(ValidationError):
            acc.set_role("ext.user", "river_chief", admin, extent="POLYGON ((0 0, 1 0, 1 1, 0 0))")


def test_cli_users_add_with_an_extent_file(tmp_path, area):
    import os
    import subprocess
    import sys

    f = tmp_path / "a.geojson"
    f.write_text(gpd.GeoSeries([area[0]], crs=4326).to_json(), encoding="utf-8")
    env = {**os.environ, "HETU_DATA_DIR": str(tmp_path / "d"), "HETU_NEW_PASSWORD": PASSWORD, "HETU_DATASET": "putuo"}
    env.pop("HETU_DB_URL", None)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "gislib", "users", *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)

    done = cli("add", "ext.cli", "--role", "river_chief", "--extent", str(f))
    assert done.returncode == 0, done.stderr
    listed = json.loads(cli("list", "--json").stdout)
    assert next(u for u in listed if u["name"] == "ext.cli")["extent"] == parse_extent(area[0].wkt)
    bad = tmp_path / "b.geojson"
    bad.write_text('{"type": "Point", "coordinates": [121.4, 31.2]}', encoding="utf-8")
    refused = cli("set-role", "ext.cli", "--extent", str(bad))
    assert refused.returncode != 0 and "多边形" in refused.stderr and "Traceback" not in refused.stderr
    cleared = cli("set-role", "ext.cli", "--clear-extent")
    assert cleared.returncode == 0, cleared.stderr
    assert next(u for u in json.loads(cli("list", "--json").stdout) if u["name"] == "ext.cli")["extent"] is None


@pytest.mark.parametrize("layer, service", [("sections", "sections"), ("dust_sites", "dust_sites")])
def test_sections_and_dust_sites_of_an_extent_chief_are_those_inside(chief, layer, service):
    from gislib.services import scoped

    frame = gpd.read_file(GPKG, layer=layer)
    first = frame.geometry.iloc[0]
    poly = box(first.x - 0.01, first.y - 0.01, first.x + 0.01, first.y + 0.01)
    expected = set(frame[frame.geometry.within(poly)]["code"])
    user = type(chief)(name="s", role="river_chief", extent=parse_extent(poly.wkt))
    assert expected and set(getattr(scoped, service)(user, frame)["code"]) == expected



def test_problems_of_an_extent_chief_are_those_located_inside(chief, store, data_dir):
    """Problems by their location, read straight from the store file with sqlite3."""
    from shapely.geometry import Point

    from gislib.demo.problems import ensure_demo
    from gislib.services import scoped

    ensure_demo(store, "putuo")
    path = data_dir / "hetu.sqlite"
    if not path.exists():
        pytest.skip("the record store is not the SQLite file (HETU_DB_URL)")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT code, lon, lat FROM features WHERE layer = 'problems' AND state != '已撤销' "
                            "AND lon IS NOT NULL").fetchall()
    poly = Point(rows[0][1], rows[0][2]).buffer(0.01)
    expected = {c for c, x, y in rows if poly.intersects(Point(x, y))}
    user = type(chief)(name="q", role="river_chief", extent=parse_extent(poly.wkt))
    assert expected and {r["code"] for r in scoped.problems(user, store)} == expected


def test_a_plain_frame_of_store_rows_is_filtered_like_the_rows_one_by_one(chief, store):
    import pandas as pd

    from gislib.auth.permissions import filter_frame, filter_records

    for layer in ("outfalls", "plots"):
        rows = store.list(layer)
        one_by_one = {r["code"] for r in filter_records(chief, rows, "list_layer", layer)}
        frame = filter_frame(chief, pd.DataFrame(rows), "list_layer", layer)
        assert set(frame["code"]) == one_by_one
