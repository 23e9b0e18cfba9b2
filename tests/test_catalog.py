"""gislib.services.catalog: the store seeded from the data set, flattened for the map, versioned for caches."""
from __future__ import annotations

import datetime as dt

import pytest

from gislib.services import catalog


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))
    return tmp_path


def test_store_is_seeded_once_from_the_data_set(data_dir):
    st = catalog.store()
    assert st.count("outfalls") == 300 and st.count("sections") == 25
    assert st.count("plots") == 15 and st.count("dust") == 40
    assert catalog.store() is st  # one store per process and data set
    assert catalog.store_dir(dataset="putuo") == data_dir
    assert catalog.store_dir(dataset="city") == data_dir / "city"  # the city set never shares records


def test_layer_frames_are_flat_and_map_ready(data_dir):
    outfalls = catalog.layer_frame("outfalls")
    assert len(outfalls) == 300 and outfalls.crs.to_epsg() == 4326
    under = outfalls[outfalls["state"] == "整治中"]
    assert (under["remediation_kind"] != "").all() and (under["deadline"] != "").all()
    assert outfalls["river_chief"].str.endswith("某某").all()  # nested {name: …} flattened
    plots = catalog.layer_frame("plots")
    assert {"stage", "land_class"} <= set(plots.columns)  # store names state/land_use renamed for the layer
    assert plots.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_version_changes_when_a_record_changes_and_edits_reach_the_map(data_dir):
    before = catalog.version()
    st = catalog.store()
    rec = st.get("outfalls", "PT-0003")
    st.update("outfalls", "PT-0003", {"name": "改名后的排口"}, expected_version=rec["version"], user="officer:test")
    assert catalog.version() != before
    assert catalog.layer_frame("outfalls").set_index("code").at["PT-0003", "name"] == "改名后的排口"


def test_removed_records_leave_the_map(data_dir):
    st = catalog.store()
    st.remove("outfalls", "PT-0004", user="officer:test", reason="重复登记", date=dt.date(2026, 11, 20))
    frame = catalog.layer_frame("outfalls")
    assert "PT-0004" not in set(frame["code"]) and len(frame) == 299
