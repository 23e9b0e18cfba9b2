"""The store is the one boundary of persistence (issue 15 item 1, issue 18 cause (a)).

An old store (made by the code of main before migration 50) upgrades without losing a sample, a
reading, a record or an import mapping; ``store.revision()`` is bumped by every write and only by
writes, seen by other processes; reading every layer and opening record pages writes nothing.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gislib.dust.readings import load_readings, save_readings
from gislib.water.samples import import_batches, imported_originals, imported_samples
from gislib.store.migrations import LATEST_VERSION
from gislib.store import exists, open_store

REPO = Path(__file__).resolve().parent.parent
OLD_STORE = REPO / "tests" / "stores" / "main-schema40.sqlite"  # made by main at c492e70 (see its README)


@pytest.fixture
def old_store(tmp_path):
    shutil.copy(OLD_STORE, tmp_path / "hetu.sqlite")
    st = open_store(tmp_path)
    yield st
    st.close()


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_a_store_made_by_main_upgrades_without_loss(old_store, tmp_path):
    assert "section_samples_imported" in _tables(OLD_STORE)  # the old layout really is in the file
    assert old_store.schema_version == LATEST_VERSION
    # every imported sample, with its converted value, the figure as written, who and which batch
    samples = imported_samples(old_store).set_index("section_code")
    assert list(samples.index) == ["PTDM001", "PTDM002"]
    assert samples.at["PTDM001", "氨氮"] == 0.8 and samples.at["PTDM002", "氨氮"] == "0.025L"
    assert samples.at["PTDM001", "汞"] == pytest.approx(0.0005)
    assert set(samples["imported_by"]) == {"officer:li"}
    assert imported_originals(old_store)[("PTDM001", "2026-10-08")]["汞"] == {"value": 0.5, "unit": "µg/L"}
    batches = import_batches(old_store)
    assert batches[["source", "rows", "imported_by"]].values.tolist() == [["s.csv", 2, "officer:li"]]
    assert samples["batch_id"].tolist() == batches["id"].tolist() * 2
    # every dust reading, with the unit the file was written in
    dust = load_readings(old_store)
    assert dust[["site", "PM10", "user", "units"]].values.tolist() == [
        ["GD-1", 120.0, "officer:wang", "PM10=mg/m³"], ["GD-1", 140.0, "officer:wang", "PM10=mg/m³"]]
    assert dust["background"].iloc[0] == 60.0 and pd.isna(dust["background"].iloc[1])
    # records and import mappings untouched
    assert old_store.get("outfalls", "PTPK0001")["name"] == "旧库排口"
    assert old_store.recall_import("officer:li", "src-1", "columns") == {"排口编码": "code"}
    # the old tables are gone (copied, not left behind to drift)
    left = {"section_samples_imported", "section_samples_import_batches", "dust_readings_imported"}
    assert not left & _tables(tmp_path / "hetu.sqlite")


def test_the_upgraded_store_keeps_working(old_store):
    readings = pd.DataFrame({"site": ["GD-1"], "time": ["2026-11-22 08:00"], "PM10": [99.0]})
    assert save_readings(old_store, readings, "officer:zhao", "again.csv") == 1  # replaces the old reading
    dust = load_readings(old_store)
    assert dust["PM10"].tolist() == [99.0, 140.0] and dust["user"].tolist() == ["officer:zhao", "officer:wang"]


def test_every_write_bumps_the_revision_and_reads_do_not(tmp_path):
    with open_store(tmp_path) as st:
        first = st.revision()
        st.create("sections", {"code": "DM1", "name": "一号断面", "lon": 121.4, "lat": 31.2}, "officer:li")
        assert st.revision() == first + 1
        st.get("sections", "DM1"), st.list("sections"), st.audit("sections", "DM1"), st.count("sections")
        imported_samples(st), load_readings(st), st.recall_import("officer:li", "x", "columns")
        assert st.revision() == first + 1
        save_readings(st, pd.DataFrame({"site": ["A"], "time": ["2026-11-22 08:00"], "PM10": [50.0]}), "officer:li")
        assert st.revision() == first + 2
        with pytest.raises(Exception):
            st.create("sections", {"code": "DM1", "name": "重复"}, "officer:li")  # refused: nothing written
        rec = st.get("sections", "DM1")
        st.update("sections", "DM1", {"name": rec["name"]}, rec["version"], "officer:li")  # no change
        assert st.revision() == first + 2


def test_a_second_process_sees_the_new_revision(tmp_path):
    with open_store(tmp_path) as st:
        before = st.revision()
        code = ("from gislib.store import open_store; import sys\n"
                "st = open_store(sys.argv[1]); print(st.revision())\n"
                "st.remember_import('officer:wang', 'src', 'columns', {'a': 'code'}); print(st.revision())")
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.split()
        assert [int(x) for x in out] == [before, before + 1]
        assert st.revision() == before + 1  # this process sees the other's write


def test_exists_answers_without_the_caller_knowing_a_file(tmp_path):
    assert not exists(tmp_path)
    open_store(tmp_path).close()
    assert exists(tmp_path)


AUTH_TABLES = ("login_sessions", "auth_events", "users")  # a page run resumes its login session (last seen)


def _fingerprint(folder: Path) -> dict[str, str]:
    """A hash of every row of every table of the store, the accounts' own tables aside (the login that
    every page run resumes records when it was last seen: that is the account's write, not the page's)."""
    out = {}
    with sqlite3.connect(folder / "hetu.sqlite") as conn:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
            if table in AUTH_TABLES:
                continue
            rows = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def test_reading_every_layer_and_record_pages_writes_nothing(tmp_path, monkeypatch):
    """Issue 18 cause (a): the first read of the sections layer used to create tables, which threw
    away every cache. Now a read path changes neither the revision nor a byte of the store."""
    from streamlit.testing.v1 import AppTest

    from gislib.services import catalog
    from layers.registry import LAYERS

    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HETU_DATASET", "putuo")
    st = catalog.prepare()  # filling the store from the data set (records, demo problems) is the write
    revision, version, files = st.revision(), catalog.version(), _fingerprint(tmp_path)
    for layer in LAYERS:
        assert len(layer.load("putuo")) > 0 or layer.key in ("patrol_coverage", "problems"), layer.key
    for view, code in (("outfall_view.py", "PT-0003"), ("sections_view.py", "PTDM001"), ("plots_view.py", None)):
        at = AppTest.from_file(str(REPO / "views" / view), default_timeout=180)
        if code:
            at.query_params["code"] = code
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    assert st.revision() == revision and catalog.version() == version
    assert _fingerprint(tmp_path) == files
    assert json.dumps(sorted(_tables(tmp_path / "hetu.sqlite")))  # still a readable store


# Files outside gislib/store that still reach a database themselves, each with the reason; the list
# may only shrink. (Accounts went through gislib.store.accounts since migration 75.)
# cli/db.py: names the SQLite file in its help text only;
# bench/bench_store.py: creates and drops a throw-away PostgreSQL schema per benchmark run
KNOWN_OUTSIDE = {"cli/db.py", "bench/bench_store.py"}
DB_MARKERS = ("import sqlite3", "sqlite3.connect", "psycopg", "sqlalchemy", "._conn", "hetu.sqlite",
              "DB_FILENAME", "db_path")


def test_nothing_outside_the_store_opens_a_connection_or_knows_the_file():
    found = set()
    for folder in ("gislib", "views", "layers", "cli", "bench"):
        for path in (REPO / folder).rglob("*.py"):
            rel = path.relative_to(REPO).as_posix()
            if rel.startswith("gislib/store/"):
                continue
            text = path.read_text(encoding="utf-8")
            if any(marker in text for marker in DB_MARKERS):
                found.add(rel)
    assert found <= KNOWN_OUTSIDE, sorted(found - KNOWN_OUTSIDE)
    assert (REPO / "app.py").read_text(encoding="utf-8").count("sqlite") == 0
