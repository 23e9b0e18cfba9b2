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


def test_a_large_layer_is_read_page_by_page_into_the_same_frame(data_dir, monkeypatch):
    """The map frame of a layer larger than FRAME_CHUNK_ROWS is read a page at a time (the basin set's
    600,000 outfalls do not fit in memory as records): same rows, columns and values as one read."""
    import pandas as pd

    st = catalog.store()
    st.remove("outfalls", "PT-0004", user="officer:test", reason="重复登记", date=dt.date(2026, 11, 20))
    whole = catalog._read_frame(st, "outfalls")
    pages = []
    page = st.page
    monkeypatch.setattr(st, "page", lambda *a, **k: pages.append(k["offset"]) or page(*a, **k), raising=False)
    monkeypatch.setattr(catalog, "FRAME_CHUNK_ROWS", 40)
    paged = catalog._read_frame(st, "outfalls")
    assert pages == list(range(0, 299, 40))  # eight pages of the 299 live outfalls
    assert len(paged) == 299 and "PT-0004" not in set(paged["code"])
    pd.testing.assert_frame_equal(paged[sorted(paged.columns)], whole[sorted(whole.columns)], check_dtype=False)
    assert list(paged.columns) == list(whole.columns)


def _store_bytes(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("hetu.sqlite*"))}


def test_reading_every_layer_samples_and_readings_leaves_the_store_untouched(data_dir):
    """Issue 18 (a): the first read of the sections layer used to create the imported-samples tables,
    which changed the store and threw away every cache built for the first visitor."""
    from gislib.dust import readings as dust_store
    from gislib.water import samples

    st = catalog.store()
    st._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # what is on disk now is the whole store
    revision, before = st.revision(), _store_bytes(data_dir)
    for layer in catalog.STORE_LAYERS:
        catalog.layer_frame(layer)
    samples.all_samples(st)
    samples.import_batches(st)
    dust_store.load_readings(st)
    st.get("outfalls", "PT-0001")
    st.list("outfalls", river="桃浦河", sort="-name")
    assert st.revision() == revision
    assert _store_bytes(data_dir) == before


def test_revision_changes_with_every_kind_of_write_and_only_then(data_dir):
    st = catalog.store()
    seen = {st.revision()}
    assert st.revision() in seen  # reading it twice is the same token
    rec = st.get("outfalls", "PT-0005")
    st.update("outfalls", "PT-0005", {"name": "新名称"}, expected_version=rec["version"], user="officer:test")
    seen.add(st.revision())
    st.transition("outfalls", "PT-0005", "已撤销", "officer:test", "2026-11-20", "重复登记")
    seen.add(st.revision())
    import pandas as pd

    from gislib.dust import readings as dust_store

    dust_store.save_readings(st, pd.DataFrame({"site": ["PTGD001"], "time": ["2026-11-22 08:00"],
                                                       "PM10": [80.0]}), "officer:test")
    seen.add(st.revision())
    assert len(seen) == 4


@pytest.fixture()
def fresh(tmp_path, monkeypatch):
    """A built Putuo seed store (catalog.seed_file pointed at it) and an empty HETU_DATA_DIR."""
    seed = tmp_path / "built" / "putuo.store.sqlite"
    seed.parent.mkdir()
    monkeypatch.setattr(catalog, "seed_file", lambda dataset=None: seed)
    catalog.build_seed_store("putuo")
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("HETU_DATA_DIR", str(fresh))
    return fresh


def test_a_fresh_data_directory_gets_the_built_store_attached_with_its_frames(fresh):
    """build-demo writes a ready-filled store; a fresh data directory copies it (and the map-ready
    frames of exactly that store) instead of loading records on the first page."""
    st = catalog.store()
    assert st.count("outfalls") == 300 and st.count("sections") == 25
    assert len(st.audit("outfalls", "PT-0001")) == 1  # the seed's history came along, not a second seeding
    assert (fresh / catalog.FRAMES_DIR / f"outfalls-{st.revision()}.pickle").exists()
    frame = catalog.layer_frame("outfalls")
    assert len(frame) == 300 and frame.crs.to_epsg() == 4326
    rec = st.get("outfalls", "PT-0002")
    st.update("outfalls", "PT-0002", {"name": "附加后改名"}, expected_version=rec["version"], user="officer:test")
    assert catalog.layer_frame("outfalls").set_index("code").at["PT-0002", "name"] == "附加后改名"
    assert catalog.store().count("outfalls") == 300  # the seed file was not written through
    assert catalog.store(data_dir=None) is st


def test_the_login_page_on_a_fresh_directory_still_gets_the_built_store(fresh, monkeypatch):
    """The accounts live in the store's file: the login page (the first thing a fresh deployment opens)
    attaches the built store first, so the first map reads it instead of filling it row by row."""
    from views import login

    monkeypatch.delenv("HETU_DB_URL", raising=False)
    login._accounts.clear()
    try:
        accounts = login._accounts(str(fresh), "putuo", None)
        assert {"officer.demo", "chief.taopu"} <= {u.name for u in accounts.users()}
        st = catalog.store()
        assert st.count("outfalls") == 300
        assert (fresh / catalog.FRAMES_DIR / f"outfalls-{st.revision()}.pickle").exists()  # attached, with its frames
    finally:
        login._accounts.clear()


def test_the_built_store_carries_the_demo_accounts_so_a_first_visit_hashes_no_password(fresh, monkeypatch):
    """Issue 18 (cold start): the six demo passwords are hashed (bcrypt) when the seed store is built, not on
    the first visit of a fresh server; they log in as before."""
    import gislib.auth.demo as demo
    from views import login

    monkeypatch.delenv("HETU_DB_URL", raising=False)
    monkeypatch.setattr(demo, "create_demo_accounts", lambda *a, **k: pytest.fail("demo accounts created on a visit"))
    login._accounts.clear()
    try:
        accounts = login._accounts(str(fresh), "putuo", None)
        assert set(demo.DEMO_ACCOUNTS) <= {u.name for u in accounts.users()}
        user = accounts.login("chief.taopu", demo.DEMO_ACCOUNTS["chief.taopu"][4])
        assert user.role == "river_chief" and user.rivers == ("桃浦河",)
    finally:
        login._accounts.clear()


def test_a_fresh_data_directory_writes_its_own_file_never_the_seed(fresh, monkeypatch):
    """The attached store is a copy (not a link to the seed file): records, accounts and sessions written in
    the data directory leave data/geo/<set>.store.sqlite byte for byte as built."""
    import hashlib

    from gislib.auth import Accounts
    from gislib.auth.demo import DEMO_ACCOUNTS

    monkeypatch.delenv("HETU_DB_URL", raising=False)
    seed = catalog.seed_file("putuo")
    before = hashlib.sha256(seed.read_bytes()).hexdigest()
    st = catalog.store()
    attached = fresh / "hetu.sqlite"
    assert attached.stat().st_ino != seed.stat().st_ino and seed.stat().st_nlink == 1
    rec = st.get("outfalls", "PT-0003")
    st.update("outfalls", "PT-0003", {"name": "只在数据目录"}, expected_version=rec["version"], user="officer:test")
    accounts = Accounts(fresh)
    accounts.start_session(accounts.login("officer.demo", DEMO_ACCOUNTS["officer.demo"][4]))
    accounts.create("zhang.san", "Hetu#Zhang2026x", "viewer", "cli:test")
    accounts.close()
    catalog.forget_store()
    assert hashlib.sha256(seed.read_bytes()).hexdigest() == before
    assert catalog.store().get("outfalls", "PT-0003")["name"] == "只在数据目录"


def test_accounts_kept_apart_from_the_store_adopt_the_seeds_demo_accounts(fresh, tmp_path, monkeypatch):
    """The city set keeps its records in <data dir>/city and the accounts in <data dir>: a fresh server copies
    the seed's demo accounts (hashed at build time) into the accounts' file instead of hashing them."""
    import dataclasses

    import gislib.auth.passwords as passwords
    from gislib.auth import Accounts
    from gislib.auth.demo import DEMO_ACCOUNTS, adopt_demo_accounts
    from gislib.config import load_settings

    monkeypatch.delenv("HETU_DB_URL", raising=False)
    monkeypatch.setattr(passwords, "hash_password", lambda *a, **k: pytest.fail("a password was hashed"))
    accounts = Accounts(tmp_path / "apart", settings=dataclasses.replace(load_settings(), dataset="city"))
    assert adopt_demo_accounts(accounts, catalog.seed_file("putuo")) == len(DEMO_ACCOUNTS)
    assert {u.name for u in accounts.users()} == set(DEMO_ACCOUNTS)
    assert accounts.login("officer.demo", DEMO_ACCOUNTS["officer.demo"][4]).role == "officer"
    assert adopt_demo_accounts(accounts, catalog.seed_file("putuo")) == 0  # never into a store with users
    other = Accounts(tmp_path / "other", settings=dataclasses.replace(load_settings(), dataset="bureau"))
    assert adopt_demo_accounts(other, catalog.seed_file("putuo")) == 0 and not other.users()  # not a demo set
    accounts.close()
    other.close()
