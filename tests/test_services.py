"""gislib.services: rules written once for every backend; multi-step changes are one transaction."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from gislib.auth.permissions import User
from gislib.errors import ConflictError, ValidationError
from gislib.services import merges, plot_listing, remediation
from gislib.store import open_store

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
DAY = dt.date(2026, 11, 2)
OFFICER = User(name="officer:li", role="officer")  # the whole district


@pytest.fixture
def store(tmp_path):
    st = open_store(tmp_path)
    st.create("plots", {"code": "DK1", "name": "原化工厂地块", "state": "风险评估",
                        "geometry_wkt": "POLYGON((121.40 31.24, 121.41 31.24, 121.41 31.25, 121.40 31.24))"},
              "officer:li")
    yield st
    st.close()


def _move(store, batch="2026年第1批", evidence=("评审意见.pdf", PDF), version=1):
    return plot_listing.move_plot(store, "DK1", "纳入名录", OFFICER, DAY, "专家评审通过",
                                  expected_version=version, batch=batch, evidence=evidence)


def test_listing_a_plot_records_step_batch_and_evidence(store):
    saved = _move(store)
    assert saved["state"] == "纳入名录" and saved["listed_batch"] == "2026年第1批"
    [step] = store.transitions("plots", "DK1")
    [doc] = store.attachments("plots", "DK1")
    assert step["evidence"] == [doc["sha256"]] and doc["filename"] == "评审意见.pdf"


def test_a_failure_in_the_batch_write_leaves_the_step_unapplied(store):
    revision = store.revision()
    with sqlite3.connect(store.db_path) as conn:  # the SECOND write (the batch field) fails inside the database
        conn.execute("CREATE TRIGGER boom BEFORE INSERT ON audit WHEN NEW.field='listed_batch' "
                     "BEGIN SELECT RAISE(ABORT, 'boom'); END")
    with pytest.raises(sqlite3.IntegrityError, match="boom"):
        _move(store)
    rec = store.get("plots", "DK1")
    assert rec["state"] == "风险评估" and rec["version"] == 1 and "listed_batch" not in rec
    assert store.transitions("plots", "DK1") == [] and store.attachments("plots", "DK1") == []
    assert [a["action"] for a in store.audit("plots", "DK1")] == ["create"]
    assert store.revision() == revision


def test_a_stale_version_writes_nothing(store):
    store.update("plots", "DK1", {"name": "别人改过"}, 1, "officer:wang")
    with pytest.raises(ConflictError):
        _move(store, version=1)
    assert store.get("plots", "DK1")["state"] == "风险评估" and store.attachments("plots", "DK1") == []


@pytest.mark.parametrize("batch, problem", [("", "必须填写名录批次"), ("批" * 41, "过长")])
def test_a_bad_batch_is_refused_before_anything_is_written(store, batch, problem):
    with pytest.raises(ValidationError, match=problem):
        _move(store, batch=batch)
    assert store.get("plots", "DK1")["version"] == 1 and store.attachments("plots", "DK1") == []


def test_steps_without_a_batch_need_none(store):
    store.update("plots", "DK1", {"name": "x"}, 1, "officer:li")
    saved = plot_listing.move_plot(store, "DK1", "风险可接受", OFFICER, DAY, "风险可接受", expected_version=2)
    assert saved["state"] == "风险可接受" and "listed_batch" not in saved


def test_remediation_kind_rule():
    assert "整治方式" in remediation.record_problems("outfalls", {"state": "整治中", "remediation": {}})["remediation.kind"]
    assert remediation.record_problems("outfalls", {"state": "整治中", "remediation": {"kind": "取缔"}}) == {}
    assert remediation.record_problems("plots", {"state": "整治中"}) == {}
    rec = remediation.apply_step("outfalls", {"state": "整治中", "remediation": {"kind": "取缔", "deadline": "2026-12-31"}},
                                 "已销号", DAY, "验收通过", None)
    assert rec["remediation"] == {"kind": "取缔", "deadline": "2026-12-31", "closed_date": "2026-11-02"}


def test_merging_an_edit_into_a_record():
    current = {"code": "A1", "state": "整治中", "remediation": {"kind": "取缔", "deadline": "2026-12-31"},
               "lon": 121.4, "lat": 31.2, "geometry_wkt": None, "photos": ["a"], "version": 3}
    merged, errors = merges.merge_changes("outfalls", current, {
        "code": "A2", "remediation": {"deadline": "2027-01-31"}, "photos": ["b"], "version": 99}, ("version",))
    assert errors == {}
    assert merged["remediation"] == {"kind": "取缔", "deadline": "2027-01-31"}  # one level deep
    assert merged["photos"] == ["b"] and merged["version"] == 3  # lists replaced, system fields kept
    assert merged["former_codes"] == ["A1"]  # still found by its old code
    _, errors = merges.merge_changes("outfalls", current, {"state": "已销号"}, ())
    assert "transition" in errors["state"]


def test_a_plot_move_is_checked_in_the_service_not_only_on_the_page(store):
    from gislib.errors import PermissionDenied

    chief = User(name="chief", role="river_chief", rivers=("桃浦河",))  # no transition right at all
    far = User(name="far.officer", role="officer", subdistricts=("长征镇",))  # DK1 has no sub-district
    store.update("plots", "DK1", {"subdistrict": "桃浦镇"}, 1, "officer:li")
    for who in (chief, far, "officer:li"):  # a bare name is no logged-in account
        with pytest.raises(PermissionDenied):
            plot_listing.move_plot(store, "DK1", "纳入名录", who, DAY, "专家评审通过", expected_version=2,
                                   batch="2026年第1批", evidence=("评审意见.pdf", PDF))
    rec = store.get("plots", "DK1")
    assert rec["state"] == "风险评估" and rec["version"] == 2
    assert store.transitions("plots", "DK1") == [] and store.attachments("plots", "DK1") == []
    local = User(name="tp.officer", role="officer", subdistricts=("桃浦镇",))
    saved = plot_listing.move_plot(store, "DK1", "纳入名录", local, DAY, "专家评审通过", expected_version=2,
                                   batch="2026年第1批")
    assert saved["state"] == "纳入名录" and store.transitions("plots", "DK1")[0]["user"] == "tp.officer"
