"""Bulk loading an empty layer (seeding, basin sets): the same records as create, all or nothing."""
from __future__ import annotations

import pytest

from gislib.errors import ConfigError
from gislib.store import BulkValidationError, open_store
from gislib.store.bulk import bulk_insert

pytestmark = pytest.mark.usefixtures("db_backend")  # on SQLite and on PostGIS


def outfall(code: str, **extra) -> dict:
    return {"code": code, "name": f"{code} 排口", "lon": 121.4, "lat": 31.2, "type_l1": "工业排污口",
            "type_l2": "工矿企业排污口", "type_l3": "工业企业排污口", "river": "苏州河", "subdistrict": "长征镇",
            "discharge_mode": "管道", **extra}


def test_bulk_load_equals_create_and_is_all_or_nothing(tmp_path):
    with open_store(tmp_path) as store:
        assert bulk_insert(store, "outfalls", [outfall("PWK-1", national_code="N-1"), outfall("PWK-2")],
                           "alice", "seed") == 2
        created = store.create("outfalls", outfall("PWK-3", national_code="N-3"), "alice")
        loaded = store.get("outfalls", "N-1")  # found by its national code: the codes table is filled
        differ = {k for k in set(loaded) | set(created) if loaded.get(k) != created.get(k)}
        assert {"code", "name", "national_code"} <= differ <= {"code", "name", "national_code", "created_at",
                                                               "updated_at"}
        assert [a["action"] for a in store.audit("outfalls", "PWK-2")] == ["create"]
        # the store keeps working after the load: ids continue, updates are audited
        store.update("outfalls", "PWK-2", {"address": "某路"}, 1, "bob")
        assert store.get("outfalls", "PWK-2")["version"] == 2
        with pytest.raises(ConfigError, match="只用于空图层") as refused:
            bulk_insert(store, "outfalls", [outfall("PWK-9")], "alice", "seed")
        assert "outfalls" in refused.value.text("en") and "empty layer" in refused.value.text("en")
        section = {"name": "断面", "lon": 121.4, "lat": 31.2}
        with pytest.raises(BulkValidationError) as exc:
            bulk_insert(store, "sections", [{"code": "DM-1", **section}, {"code": "DM-1", **section},
                                            {"code": "DM-2", **section, "lon": 500}], "alice", "seed")
        assert "重复" in str(exc.value) and "lon" in str(exc.value)
        assert store.count("sections") == 0  # nothing written


def _index_names(store) -> set[str]:
    conn = store._conn
    if getattr(conn, "dialect", "") == "postgresql":
        rows = conn.execute_raw("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                                "AND tablename IN ('features', 'codes', 'audit')").fetchall()
    else:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type='index' "
                            "AND tbl_name IN ('features', 'codes', 'audit')").fetchall()
    return {r[0] for r in rows}


def test_a_large_load_answers_like_created_records(tmp_path):
    """Thousands of records into an empty store (its indexes are built after the rows, the rows are
    written in map order): every read answers as for records made one by one, the indexes are all back."""
    from gislib.store.bulk import DEFER_INDEXES_ROWS

    n = DEFER_INDEXES_ROWS + 100
    recs = [outfall(f"PWK-{i:05d}", lon=121.2 + (i * 7919 % n) / n * 0.4, lat=31.0 + (i % 97) / 97 * 0.4,
                    subdistrict=("长征镇", "真如镇")[i % 2], national_code=f"N-{i:05d}") for i in range(n)]
    with open_store(tmp_path) as store:
        before = _index_names(store)
        assert bulk_insert(store, "outfalls", recs, "alice", "seed") == n
        assert _index_names(store) == before
        assert store.get("outfalls", "N-00042")["code"] == "PWK-00042"  # by national code (codes table)
        box = (121.25, 31.05, 121.35, 31.15)
        expected = {r["code"] for r in recs if box[0] <= r["lon"] <= box[2] and box[1] <= r["lat"] <= box[3]}
        assert expected and {r["code"] for r in store.in_bbox("outfalls", *box)} == expected
        total, page = store.page("outfalls", subdistrict="真如镇", limit=50, offset=50)
        odd = sorted(r["code"] for r in recs if r["subdistrict"] == "真如镇")
        assert total == len(odd) and [r["code"] for r in page] == odd[50:100]
        store.update("outfalls", "PWK-00007", {"address": "某路"}, 1, "bob")
        assert [a["action"] for a in store.audit("outfalls", "PWK-00007")] == ["update", "create"]  # newest first
        assert store.nearest("outfalls", recs[9]["lon"], recs[9]["lat"], k=1)[0]["code"] == "PWK-00009"


HOSTILE = ["tab\there", "new\nline", "cr\rreturn", "back\\slash", "\\N", "\\.", "quote \" and ' and \\\"",
           "中文（全角）", "emoji 🌊", "", " ", "{\"json\": [1, 2]}", "end\\", "\\t literal", "a\u2028b", "null"]


def test_bulk_load_keeps_hostile_text_and_values_as_create_does(tmp_path):
    """Text with tabs, newlines, backslashes, COPY's own markers (\\N, \\.), quotes and non-ASCII, numbers of
    every kind and nested values: every record reads back exactly as the same record created one by one,
    in its columns, its JSON data and its audit entry (the load writes its own COPY text and JSON)."""
    extra = {"address": HOSTILE, "notes": {k: k for k in HOSTILE if k}, "pipe_diameter_mm": 1e-05,
             "big": 2 ** 63 + 5, "small": -(2 ** 53) - 1, "ratio": 1e16, "flag": False, "nothing": None,
             "monitoring": [{"item": "COD", "value": 0.1 + 0.2, "unit": "mg/L", "date": "2024-01-02", "method": "快检",
                            "note": "a\tb\nc\\d"}]}
    recs = [outfall(f"PWK-{i}", name=HOSTILE[i % len(HOSTILE)] + f" {i}", **extra) for i in range(40)]
    with open_store(tmp_path) as store:
        assert bulk_insert(store, "outfalls", recs, "alice\t\\", "seed\nfile") == 40
        for i, rec in enumerate(recs):
            made = store.create("outfalls", {**rec, "code": f"MADE-{i}"}, "alice\t\\")
            loaded = store.get("outfalls", f"PWK-{i}")
            assert loaded["name"] == rec["name"]
            differ = {k for k in set(loaded) | set(made) if loaded.get(k) != made.get(k)}
            assert differ <= {"code", "created_at", "updated_at"}, differ
            for key in set(extra) - {"nothing"}:  # (an empty value is not kept, by create as by the load)
                assert loaded[key] == rec[key], key
        audit = store.audit("outfalls", "PWK-3")[0]
        assert audit["user"] == "alice\t\\" and audit["note"] == "导入: seed\nfile"
        new = audit["new"] if isinstance(audit["new"], dict) else __import__("json").loads(audit["new"])
        assert new["address"] == HOSTILE and new["code"] == "PWK-3" and new["version"] == 1


def test_fast_json_reads_back_as_the_stores_json():
    """The load's JSON text reads back as the store's own (``_dumps``) for plain records, and whatever orjson
    would write differently (dates, numpy scalars, huge integers, NaN, non-text keys) is written by ``_dumps``."""
    import datetime as dt
    import json

    import numpy as np

    from gislib.store.bulk import _fast_dumps
    from gislib.store.sqlite import _dumps

    plain = {"b": [1, 2.5, -0.0, 1e-07, 12345678901234567890, "x\ty\\z\"", None, True], "a": {"z": 1, "y": {}},
             "中": "文", "e": 1e300}
    assert json.loads(_fast_dumps(plain)) == json.loads(_dumps(plain)) == plain
    assert list(json.loads(_fast_dumps(plain))) == sorted(plain)  # keys sorted as _dumps sorts them
    for odd in ({"d": dt.date(2024, 1, 2)}, {"t": dt.datetime(2024, 1, 2)}, {"n": np.float64(1.5)},
                {"i": np.int64(3)}, {"h": 2 ** 70}, {1: "key"}, {"s": {1, 2}}):
        assert _fast_dumps(odd) == _dumps(odd)
    for bad in ({"nan": float("nan")}, {"inf": [float("inf")]}):
        with pytest.raises(ValueError):
            _fast_dumps(bad)
    assert _fast_dumps({"s": "null", "v": None}) == '{"s":"null","v":null}'
    assert json.loads(_fast_dumps({"x": (1, 2)})) == json.loads(_dumps({"x": (1, 2)})) == {"x": [1, 2]}


def _chunks(recs: list[dict], size: int) -> list[list[dict]]:
    return [recs[i:i + size] for i in range(0, len(recs), size)]


def _dump(store, codes: list[str]) -> tuple[list, list, list]:
    """What a reader gets back: records, the codes table, the audit (timestamps left out: the two loads ran
    at different times)."""
    def bare(d: dict) -> dict:
        return {k: v for k, v in d.items() if k not in ("created_at", "updated_at", "at")}
    records = [bare(r) for r in store.list("outfalls", include_removed=True)]
    table = store._conn.execute("SELECT layer, scheme, code, feature_id FROM codes ORDER BY feature_id, scheme"
                                ).fetchall()
    audit = [[{**bare(a), "new": a.get("new") and {k: v for k, v in a["new"].items()
                                                     if k not in ("created_at", "updated_at")}}
              for a in store.audit("outfalls", c)] for c in codes]
    return records, [tuple(r) for r in table], audit


@pytest.fixture()
def second_store_url(db_backend, request):
    """The URL of a second, separate store on the same backend (None on SQLite: a second folder is one)."""
    if db_backend == "sqlite":
        return None
    return request.getfixturevalue("other_pg_schema")


@pytest.fixture()
def other_pg_schema(postgis_url):
    """A second fresh schema beside the one db_backend gave HETU_DB_URL; dropped after."""
    from conftest import fresh_schema

    yield from fresh_schema(postgis_url)


def test_a_chunked_load_reads_back_as_one_load(tmp_path, second_store_url):
    """bulk_insert_chunks: the same records in chunks of 7 give the store one bulk_insert gives them."""
    from gislib.store.bulk import bulk_insert_chunks

    recs = [outfall(f"PWK-{i:03d}", lon=121.2 + i / 1000, national_code=f"N-{i:03d}") for i in range(40)]
    codes = [r["code"] for r in recs]
    with open_store(tmp_path / "one", url=second_store_url) as one, open_store(tmp_path / "chunked") as chunked:
        assert bulk_insert(one, "outfalls", [dict(r) for r in recs], "alice", "seed") == 40
        said = []
        assert bulk_insert_chunks(chunked, "outfalls", _chunks([dict(r) for r in recs], 7), "alice", "seed",
                                  said.append) == 40
        assert "loaded 40 records" in said
        assert _dump(chunked, codes) == _dump(one, codes)
        assert len(_dump(chunked, codes)[0]) == 40 and chunked.get("outfalls", "N-039")["code"] == "PWK-039"
        # the store goes on as after one load: new ids after the loaded ones, the layer counts as full
        made = chunked.create("outfalls", outfall("PWK-900"), "bob")
        assert made["code"] == "PWK-900" and chunked.count("outfalls") == 41
        with pytest.raises(ConfigError):
            bulk_insert_chunks(chunked, "outfalls", [[outfall("PWK-901")]], "alice", "seed")


def test_a_bad_record_in_a_later_chunk_writes_nothing_and_is_listed(tmp_path):
    """A bad record in the 3rd chunk (and a code repeated across chunks) writes nothing at all, the error
    names them by their row in the whole load, and the store's indexes are all there afterwards."""
    from gislib.store.bulk import DEFER_INDEXES_ROWS, bulk_insert_chunks

    n = DEFER_INDEXES_ROWS + 300  # large enough that the indexes are dropped for the load
    recs = [outfall(f"PWK-{i:05d}", lon=121.2 + i / n * 0.4, lat=31.0 + (i % 97) / 97 * 0.4) for i in range(n)]
    size = 2_000
    recs[2 * size + 5]["lon"] = 500  # third chunk
    recs[size + 1]["code"] = "PWK-00003"  # second chunk repeats a code of the first
    with open_store(tmp_path) as store:
        before = _index_names(store)
        with pytest.raises(BulkValidationError) as exc:
            bulk_insert_chunks(store, "outfalls", _chunks(recs, size), "alice", "seed")
        assert [r["index"] for r in exc.value.rows] == [size + 1, 2 * size + 5]
        assert "lon" in str(exc.value) and "重复" in str(exc.value) and "PWK-00003" in str(exc.value)
        assert store.count("outfalls", include_removed=True) == 0
        assert store._conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 0
        assert store._conn.execute("SELECT COUNT(*) FROM codes").fetchone()[0] == 0
        assert _index_names(store) == before
        # the corrected set then loads in chunks and every index is back
        recs[2 * size + 5]["lon"] = 121.3
        recs[size + 1]["code"] = f"PWK-{size + 1:05d}"
        assert bulk_insert_chunks(store, "outfalls", _chunks(recs, size), "alice", "seed") == n
        assert _index_names(store) == before
        box = (121.25, 31.05, 121.35, 31.15)
        expected = {r["code"] for r in recs if box[0] <= r["lon"] <= box[2] and box[1] <= r["lat"] <= box[3]}
        assert expected and {r["code"] for r in store.in_bbox("outfalls", *box)} == expected
