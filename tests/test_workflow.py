"""Tests of the outfall and plot workflows of gislib.store (docs/domain.md §1.3, §4)."""
from __future__ import annotations

import datetime as dt

import pytest

from gislib.domain import OUTFALL_STATES, OUTFALL_TRANSITIONS, PLOT_TRANSITIONS, REMOVED_STATE
from gislib.errors import ConflictError, ValidationError, WorkflowError
from gislib.store import open_store
from gislib.services.workflow import allowed_transitions


def outfall(code: str = "PWK-1", **extra) -> dict:
    rec = {"code": code, "name": code, "lon": 121.45, "lat": 31.22, "type_l1": "暂无法确定"}
    rec.update(extra)
    return rec


@pytest.fixture()
def store(tmp_path):
    s = open_store(tmp_path)
    s.create("outfalls", outfall(), "alice")
    yield s
    s.close()


def walk(store, code: str, states: list[str], start: dt.date = dt.date(2026, 1, 5)) -> dict:
    rec = None
    for i, state in enumerate(states):
        kind = "规范整治" if state == "整治中" else None
        rec = store.transition("outfalls", code, state, "carol", start + dt.timedelta(days=i),
                               f"进入{state}", remediation_kind=kind)
    return rec


def test_allowed_transitions_match_domain_lists():
    for state in OUTFALL_STATES:
        expected = OUTFALL_TRANSITIONS[state] + ((REMOVED_STATE,) if state != REMOVED_STATE else ())
        assert allowed_transitions("outfalls", state) == expected
    assert allowed_transitions("plots", "风险评估") == PLOT_TRANSITIONS["风险评估"] + (REMOVED_STATE,)
    assert allowed_transitions("sections", "在用") == (REMOVED_STATE,)


def test_full_outfall_path(store):
    rec = walk(store, "PWK-1", ["已核实", "已监测", "已溯源", "整治中", "已销号", "日常监管"])
    assert rec["state"] == "日常监管" and rec["version"] == 7
    # 销号 date taken from the transition date: 2026-01-05 + 4 days (the 5th transition)
    assert rec["remediation"] == {"kind": "规范整治", "closed_date": "2026-01-09"}
    history = store.transitions("outfalls", "PWK-1")
    assert [(h["from_state"], h["to_state"]) for h in history][:2] == [("疑似", "已核实"), ("已核实", "已监测")]
    assert history[3]["remediation_kind"] == "规范整治" and history[0]["user"] == "carol"
    assert history[0]["date"] == "2026-01-05"
    assert store.allowed_transitions("outfalls", "PWK-1") == (REMOVED_STATE,)


@pytest.mark.parametrize("state, bad, allowed", [
    ("疑似", "已监测", "已核实、非排污口、已撤销"),
    ("已核实", "整治中", "已监测、已撤销"),
    ("已溯源", "已销号", "整治中、已撤销"),
])
def test_refused_transition_names_allowed_states(tmp_path, state, bad, allowed):
    path = {"疑似": [], "已核实": ["已核实"], "已溯源": ["已核实", "已监测", "已溯源"]}[state]
    with open_store(tmp_path) as store:
        store.create("outfalls", outfall(), "alice")
        walk(store, "PWK-1", path)
        with pytest.raises(WorkflowError) as exc:
            store.transition("outfalls", "PWK-1", bad, "carol", "2026-02-01", "x", remediation_kind="取缔")
        assert allowed in str(exc.value)
        assert store.get("outfalls", "PWK-1")["state"] == state


def test_terminal_states_refuse_everything(store):
    store.transition("outfalls", "PWK-1", "非排污口", "carol", "2026-01-05", "现场核查为雨水口门")
    with pytest.raises(WorkflowError, match="已撤销"):
        store.transition("outfalls", "PWK-1", "已核实", "carol", "2026-01-06", "x")
    store.remove("outfalls", "PWK-1", "carol", "录入错误", date="2026-01-07")
    with pytest.raises(WorkflowError, match="终止状态"):
        store.transition("outfalls", "PWK-1", "已核实", "carol", "2026-01-08", "x")


def test_transition_needs_user_date_note_or_evidence(store):
    with pytest.raises(ValidationError, match="note"):
        store.transition("outfalls", "PWK-1", "已核实", "carol", "2026-01-05", "")
    with pytest.raises(ValidationError, match="日期"):
        store.transition("outfalls", "PWK-1", "已核实", "carol", "昨天", "x")
    with pytest.raises(ValidationError, match="user"):
        store.transition("outfalls", "PWK-1", "已核实", "", "2026-01-05", "x")
    with pytest.raises(ValidationError, match="晚于今天"):
        store.transition("outfalls", "PWK-1", "已核实", "carol", dt.date.today() + dt.timedelta(days=10), "x")
    rec = store.transition("outfalls", "PWK-1", "已核实", "carol", "2026-01-05", None,
                           evidence=["a" * 64])
    assert rec["state"] == "已核实"
    assert store.transitions("outfalls", "PWK-1")[0]["evidence"] == ["a" * 64]
    with pytest.raises(ValidationError, match="早于上一次"):
        store.transition("outfalls", "PWK-1", "已监测", "carol", "2026-01-01", "x")


def test_remediation_needs_kind(store):
    walk(store, "PWK-1", ["已核实", "已监测", "已溯源"])
    with pytest.raises(ValidationError, match="整治方式"):
        store.transition("outfalls", "PWK-1", "整治中", "carol", "2026-02-01", "x")
    with pytest.raises(ValidationError, match="整治方式"):
        store.transition("outfalls", "PWK-1", "整治中", "carol", "2026-02-01", "x", remediation_kind="拆除")
    rec = store.transition("outfalls", "PWK-1", "整治中", "carol", "2026-02-01", "一口一策",
                           remediation_kind="取缔")
    assert rec["remediation"]["kind"] == "取缔"


def test_removal_with_reason_from_any_state(store):
    with pytest.raises(ValidationError, match="原因"):
        store.transition("outfalls", "PWK-1", REMOVED_STATE, "carol", "2026-01-05", None, evidence=["x"])
    walk(store, "PWK-1", ["已核实", "已监测"])
    rec = store.remove("outfalls", "PWK-1", "dave", "与 PWK-2 重复", date="2026-02-01")
    assert rec["state"] == REMOVED_STATE and rec["removed_reason"] == "与 PWK-2 重复"
    latest = store.audit("outfalls", "PWK-1")
    removal = [a for a in latest if a["action"] == "remove" and a["field"] == "state"]
    assert removal and removal[0]["old"] == "已监测" and removal[0]["new"] == REMOVED_STATE
    assert removal[0]["user"] == "dave" and "与 PWK-2 重复" in removal[0]["note"]
    # still readable, never deleted
    assert store.get("outfalls", "PWK-1")["state"] == REMOVED_STATE
    assert store.count("outfalls", include_removed=True) == 1


def test_transition_audit_entry(store):
    store.transition("outfalls", "PWK-1", "已核实", "carol", "2026-01-05", "现场核实")
    entry = store.audit("outfalls", "PWK-1")[0]
    assert (entry["action"], entry["field"], entry["old"], entry["new"], entry["user"]) == (
        "transition", "state", "疑似", "已核实", "carol")
    assert entry["note"] == "2026-01-05 现场核实"


def test_transition_with_stale_version_conflicts(store):
    store.update("outfalls", "PWK-1", {"address": "某路"}, 1, "bob")
    with pytest.raises(ConflictError) as exc:
        store.transition("outfalls", "PWK-1", "已核实", "carol", "2026-01-05", "x", expected_version=1)
    assert exc.value.mine["to_state"] == "已核实" and exc.value.theirs["version"] == 2
    assert store.get("outfalls", "PWK-1")["state"] == "疑似"
    assert store.conflicts("outfalls")[0]["user"] == "carol"


def test_overdue(store):
    walk(store, "PWK-1", ["已核实", "已监测", "已溯源", "整治中"])
    store.update("outfalls", "PWK-1", {"remediation": {"deadline": "2026-03-31"}}, 5, "bob")
    rec = store.get("outfalls", "PWK-1")
    assert rec["remediation"] == {"kind": "规范整治", "deadline": "2026-03-31"}  # merged, kind kept
    assert store.overdue("2026-03-31") == []  # due today is not yet overdue
    assert [r["code"] for r in store.overdue(dt.date(2026, 4, 1))] == ["PWK-1"]
    assert [r["code"] for r in store.list("outfalls", overdue=True, today=dt.date(2026, 4, 1))] == ["PWK-1"]
    store.transition("outfalls", "PWK-1", "已销号", "carol", "2026-04-02", "验收通过")
    assert store.overdue("2026-05-01") == []


def test_plot_workflow(tmp_path):
    with open_store(tmp_path) as store:
        store.create("plots", {"code": "DK-1", "name": "化工厂旧址",
                               "geometry_wkt": "POLYGON ((121 31, 121.01 31, 121.01 31.01, 121 31))"}, "alice")
        for stage in ("初步调查", "污染地块", "详细调查", "风险评估", "纳入名录", "修复", "效果评估", "修复"):
            store.transition("plots", "DK-1", stage, "erin", "2026-01-10", f"进入{stage}")
        with pytest.raises(WorkflowError, match="效果评估"):
            store.transition("plots", "DK-1", "移出名录", "erin", "2026-01-11", "x")
        assert store.get("plots", "DK-1")["state"] == "修复"
