"""The map's box, a plot's buffer, the nearest section and a ledger page, answered by the store on
both backends (on PostGIS by the database: &&, ST_DWithin on geography, KNN <->)."""
from __future__ import annotations

import pytest

from gislib.errors import ValidationError
from gislib.store import open_store

pytestmark = pytest.mark.usefixtures("db_backend")  # every test on SQLite and on PostGIS


def outfall(code: str, lon: float, lat: float, **extra) -> dict:
    return {"code": code, "name": f"{code} 排口", "lon": lon, "lat": lat, "type_l1": "工业排污口",
            "type_l2": "工矿企业排污口", "type_l3": "工业企业排污口", "river": "苏州河",
            "subdistrict": "长征镇", "discharge_mode": "管道", **extra}


@pytest.fixture()
def store(tmp_path):
    with open_store(tmp_path) as s:
        # a row of outfalls 100 m apart eastwards along latitude 31.2 (0.00105° of longitude ≈ 100 m)
        s.upsert_many("outfalls", [outfall(f"PWK-{i:02d}", 121.4 + i * 0.00105, 31.2,
                                           subdistrict="长征镇" if i % 2 else "桃浦镇") for i in range(10)],
                      "alice", "test")
        s.upsert_many("sections", [{"code": "DM-W", "name": "西断面", "lon": 121.39, "lat": 31.2},
                                   {"code": "DM-E", "name": "东断面", "lon": 121.42, "lat": 31.2}], "alice", "test")
        yield s


def test_bbox_returns_exactly_the_points_in_view(store):
    inside = store.in_bbox("outfalls", 121.4025, 31.19, 121.4065, 31.21)
    assert sorted(r["code"] for r in inside) == ["PWK-03", "PWK-04", "PWK-05", "PWK-06"]
    assert set(inside[0]) == {"code", "name", "state", "lon", "lat"}
    store.remove("outfalls", "PWK-04", "bob", "重复登记")
    assert "PWK-04" not in {r["code"] for r in store.in_bbox("outfalls", 121.4025, 31.19, 121.4065, 31.21)}
    with pytest.raises(ValidationError, match="西 ≤ 东") as exc:
        store.in_bbox("outfalls", 122, 31, 121, 32)
    assert exc.value.key == "error.bbox_invalid" and "west 122.0" in exc.value.text("en")
    assert "west ≤ east" in exc.value.text("en")


def test_plot_buffer_finds_outfalls_within_metres(store):
    # a plot polygon whose east edge is at PWK-00's longitude minus ~50 m
    plot = "POLYGON ((121.398 31.199, 121.39948 31.199, 121.39948 31.201, 121.398 31.201, 121.398 31.199))"
    store.create("plots", {"code": "DK-1", "name": "地块", "geometry_wkt": plot}, "alice")
    near = store.within("outfalls", plot, 260)
    assert [r["code"] for r in near] == ["PWK-00", "PWK-01", "PWK-02"]
    assert 40 < near[0]["distance_m"] < 60 and 240 < near[2]["distance_m"] < 260
    assert [r["code"] for r in store.within("plots", "POINT (121.3999 31.2)", 50)] == ["DK-1"]


def test_nearest_section_with_distance(store):
    (first,) = store.nearest("sections", 121.403, 31.2)
    assert first["code"] == "DM-W" and 1200 < first["distance_m"] < 1300
    assert [r["code"] for r in store.nearest("sections", 121.415, 31.2, k=2)] == ["DM-E", "DM-W"]


def test_nearest_equals_the_brute_force_answer(store, db_backend):
    """The index-driven nearest (a growing box on SQLite, KNN on PostGIS) names the same records, in the
    same order, as measuring the distance to every point: near the points, between them, and far away.
    (PostGIS measures on the WGS84 spheroid, the brute force on a sphere: within 0.3 %, so there two
    records whose distances differ by less than that may swap.)"""
    import random

    from gislib.store.queries import metres_between

    rng = random.Random(15)
    pts = [(round(121.38 + rng.random() * 0.06, 6), round(31.17 + rng.random() * 0.06, 6)) for _ in range(60)]
    store.upsert_many("outfalls", [outfall(f"R-{i:02d}", lon, lat) for i, (lon, lat) in enumerate(pts)], "alice", "t")
    every = [(r["code"], r["lon"], r["lat"]) for r in store.list("outfalls")]
    for lon, lat in [(121.40315, 31.2), (121.41, 31.19), (121.5, 31.3), (120.0, 30.0), pts[7]]:
        for k in (1, 3, 12):
            want = sorted((metres_between(lon, lat, x, y), c) for c, x, y in every)[:k]
            got = store.nearest("outfalls", lon, lat, k=k)
            if db_backend == "sqlite":
                assert [r["code"] for r in got] == [c for _d, c in want], (lon, lat, k)
            else:
                surely = {c for d, c in want if d < want[-1][0] * 0.997}  # clearly inside the k nearest
                assert len(got) == k and surely <= {r["code"] for r in got}, (lon, lat, k)
            assert [r["distance_m"] for r in got] == pytest.approx([d for d, _c in want], rel=0.003, abs=1.0)
    assert len(store.nearest("outfalls", 121.4, 31.2, k=500)) == 70 and store.nearest("outfalls", 121.4, 31.2, k=0) == []


def test_ledger_page_filters_sorts_and_counts(store):
    total, rows = store.page("outfalls", subdistrict="长征镇", sort="-code", limit=2)
    assert total == 5 and [r["code"] for r in rows] == ["PWK-09", "PWK-07"]
    total, rows = store.page("outfalls", subdistrict="长征镇", sort="-code", limit=2, offset=4)
    assert [r["code"] for r in rows] == ["PWK-01"]
    _, rows = store.page("outfalls", sort="subdistrict", limit=3)
    assert [r["subdistrict"] for r in rows] == ["桃浦镇"] * 3  # 桃 < 长 in code point order
    total, rows = store.page("outfalls", text="PWK-0_", limit=50)
    assert total == 0  # _ is a literal, not a wildcard
    with pytest.raises(ValidationError):
        store.page("outfalls", sort="code; DROP TABLE features")


def _ledger_columns_and_json(store) -> list[tuple]:
    return [tuple(r) for r in store._conn.execute(
        "SELECT code, ix_subdistrict, json_extract(data, '$.subdistrict'), ix_river, json_extract(data, '$.river'), "
        "ix_type_l1, json_extract(data, '$.type_l1') FROM features ORDER BY layer, code").fetchall()]


def test_the_ledger_columns_always_hold_the_records_values(store):
    """Sub-district, river and type are filtered and sorted by their own columns (migration 90): every write of
    a record (create, update, upsert, bulk load) keeps them equal to the record's JSON, and a filter by them
    finds what the record says."""
    from gislib.store.bulk import bulk_insert

    store.create("outfalls", outfall("PWK-NEW", 121.41, 31.21, river="桃浦河", subdistrict="真如镇街道"), "alice")
    rec = store.get("outfalls", "PWK-03")
    store.update("outfalls", "PWK-03", {"river": "真如港", "type_l1": "城镇污水处理厂排污口",
                                        "type_l2": "城镇污水处理厂排污口", "type_l3": None},
                 rec["version"], "alice")
    store.update("outfalls", "PWK-05", {"subdistrict": None}, store.get("outfalls", "PWK-05")["version"], "alice")
    store.upsert_many("outfalls", [outfall("PWK-07", 121.4 + 7 * 0.00105, 31.2, river="新槎浦")], "bob", "test")
    bulk_insert(store, "plots", [{"code": f"DK-{i}", "name": f"地块{i}", "lon": 121.4, "lat": 31.2 + i * 0.001,
                                  "subdistrict": "长征镇"} for i in range(3)], "bob", "test")
    rows = _ledger_columns_and_json(store)
    assert rows and all(r[1] == r[2] and r[3] == r[4] and r[5] == r[6] for r in rows), rows
    by_code = {r[0]: r for r in rows}
    assert by_code["PWK-03"][3] == "真如港" and by_code["PWK-03"][5] == "城镇污水处理厂排污口"
    assert by_code["PWK-05"][1] is None and by_code["DK-1"][1] == "长征镇"
    assert [r["code"] for r in store.list("outfalls", river="真如港")] == ["PWK-03"]
    assert store.page("outfalls", river="新槎浦")[0] == 1
    assert store.page("outfalls", subdistrict="真如镇街道", sort="river")[1][0]["code"] == "PWK-NEW"
    assert store.distinct("outfalls", "river") == ["新槎浦", "桃浦河", "真如港", "苏州河"]
    assert store.count_by("outfalls", "subdistrict")["桃浦镇"] == 5


def test_an_older_sqlite_store_gets_the_ledger_columns_filled(tmp_path):
    """A store written before migration 90 (its records' fields only in the JSON) is upgraded: the columns are
    added, filled from every record and used by the ledger's filters."""
    import sqlite3

    from gislib.store.migrations import migrate

    with open_store(tmp_path) as s:
        if not hasattr(s, "db_path"):
            pytest.skip("the SQLite file's upgrade")
        s.upsert_many("outfalls", [outfall(f"PWK-{i}", 121.4, 31.2, river="桃浦河" if i else "真如港")
                                   for i in range(3)], "alice", "test")
        db = s.db_path
    conn = sqlite3.connect(db, isolation_level=None)
    for index in ("features_ix_subdistrict", "features_ix_subdistrict_state", "features_ix_river",
                  "features_ix_type_l1"):
        conn.execute(f"DROP INDEX {index}")
    for column in ("ix_subdistrict", "ix_river", "ix_type_l1"):
        conn.execute(f"ALTER TABLE features DROP COLUMN {column}")
    conn.execute("CREATE INDEX features_river ON features (layer, json_extract(data, '$.river'), code)")
    conn.execute("DELETE FROM schema_version WHERE version >= 90")  # as written before migration 90
    migrate(conn)
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name='features_river'").fetchone()
    conn.close()
    with open_store(tmp_path) as s:
        assert [r["code"] for r in s.list("outfalls", river="桃浦河")] == ["PWK-1", "PWK-2"]
        assert all(r[3] == r[4] for r in _ledger_columns_and_json(s))
