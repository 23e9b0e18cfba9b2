"""A fresh data directory's first map reads what was judged at build time (issue 18, cold start):
the dust sites' last day, the sections' class and the river network come with the seed store, and
anything written afterwards is judged again."""
from __future__ import annotations

import pytest

from cli.build_demo import seed_derived_layers
from gislib.services import catalog
from layers import mapview
from layers.dust import DustSitesLayer


@pytest.fixture()
def seeded(tmp_path, monkeypatch):
    seed = tmp_path / "built" / "putuo.store.sqlite"
    seed.parent.mkdir()
    monkeypatch.setattr(catalog, "seed_file", lambda dataset=None: seed)
    monkeypatch.delenv("HETU_DB_URL", raising=False)
    catalog.build_seed_store("putuo")
    judged = seed_derived_layers("putuo")
    mapview._loaded.cache_clear()
    return seed, judged


def test_a_fresh_directory_draws_from_what_the_build_judged(seeded, tmp_path, monkeypatch):
    seed, judged = seeded
    assert {"outfalls", "sections", "dust_sites", "plots", "rivers"} <= set(judged)
    assert "problems" not in judged  # overdue is as of today: never kept on disk
    assert list((seed.with_suffix(".frames") / "network").glob("network_*.pkl"))
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("HETU_DATA_DIR", str(fresh))
    assert catalog.attach_seed(fresh, "putuo")
    assert list((fresh / "cache").glob("network_*.pkl"))  # tracing's first use does not build the network
    calls = []
    original = DustSitesLayer.load
    monkeypatch.setattr(DustSitesLayer, "load", lambda self, dataset=None: calls.append(1) or original(self, dataset))
    frame = mapview.loaded("dust_sites", "putuo")
    assert calls == [] and len(frame) == 40 and {"exceeded", "status_date"} <= set(frame.columns)

    # a write changes the version: the next map judges again instead of showing the old colours
    st = catalog.store()
    rec = st.get("dust", frame["code"].iloc[0])
    st.update("dust", rec["code"], {"name": "改名后的工地"}, expected_version=rec["version"], user="officer:test")
    again = mapview.loaded("dust_sites", "putuo")
    assert calls == [1] and "改名后的工地" in set(again["name"])
