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
