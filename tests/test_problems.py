"""问题闭环: a problem goes 登记 → 交办 → 整改中 → 申请销号 → 核查 → 已销号; refused steps say why;
overdue items are flagged; a failed spot check reopens; complaints carry their reply; nothing is deleted."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from gislib.errors import ValidationError, WorkflowError
from gislib.problems import model
from gislib.problems import service as svc
from gislib.store import open_store

pytestmark = pytest.mark.usefixtures("db_backend")  # every test on SQLite and on PostGIS

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478da63f8cfc000"
    "00030101001898e1d70000000049454e44ae426082")


@pytest.fixture
def store(tmp_path):
    st = open_store(tmp_path)
    yield st
    st.close()


def _new(store, **extra):
    fields = {"name": "桃浦河岸边垃圾堆放", "category": "固废", "source": "巡河发现", "lon": 121.38, "lat": 31.27,
              "found_date": "2026-10-08", "reporter": "chief:孙某某", **extra}
    return svc.create_problem(store, fields, "chief:孙某某", locate_ctx=False)


def test_whole_rectification_in_order_with_attributed_dated_steps(store):
    p = _new(store)
    assert (p["code"], p["state"]) == ("WT2026-0001", "已登记")
    svc.assign(store, p["code"], "officer:李某某", "2026-10-09", "桃浦镇城运中心", "清运垃圾并设置警示牌", "2026-10-20")
    svc.start(store, p["code"], "unit:桃浦镇", "2026-10-10")
    svc.report_progress(store, p["code"], "unit:桃浦镇", "2026-10-12", "已清运 80%")
    photo = svc.attach_evidence(store, p["code"], [("after.png", PNG)], "unit:桃浦镇")
    svc.request_close(store, p["code"], "unit:桃浦镇", "2026-10-15", photo)
    done = svc.verify(store, p["code"], "officer:李某某", "2026-10-16", True, "现场核查已清理")
    assert done["state"] == "已销号" and done["closed_date"] == "2026-10-16"
    assert model.closed_on_time(done) is True
    steps = [(t["from_state"], t["to_state"], t["user"], t["date"]) for t in store.transitions("problems", p["code"])]
    assert steps == [("已登记", "已交办", "officer:李某某", "2026-10-09"),
                     ("已交办", "整改中", "unit:桃浦镇", "2026-10-10"),
                     ("整改中", "申请销号", "unit:桃浦镇", "2026-10-15"),
                     ("申请销号", "已销号", "officer:李某某", "2026-10-16")]
    assert store.transitions("problems", p["code"])[2]["evidence"] == photo
    fields = {a["field"] for a in store.audit("problems", p["code"])}
    assert {"responsible_unit", "deadline", "progress", "state", "attachments"} <= fields


def test_refused_steps_name_what_is_missing(store):
    p = _new(store)
    with pytest.raises(WorkflowError, match="不能从「已登记」转为「申请销号」：允许的下一状态为 已交办、已撤销"):
        svc.request_close(store, p["code"], "unit:x", "2026-10-09", ["a.png"])
    with pytest.raises(ValidationError, match="整改时限"):
        svc.assign(store, p["code"], "officer:a", "2026-10-09", "桃浦镇", "清运", "")
    with pytest.raises(ValidationError, match="早于交办日期"):
        svc.assign(store, p["code"], "officer:a", "2026-10-09", "桃浦镇", "清运", "2026-10-01")
    svc.assign(store, p["code"], "officer:a", "2026-10-09", "桃浦镇", "清运", "2026-10-20")
    svc.start(store, p["code"], "unit:x", "2026-10-10")
    with pytest.raises(ValidationError, match="佐证"):
        svc.request_close(store, p["code"], "unit:x", "2026-10-11", [])
    svc.request_close(store, p["code"], "unit:x", "2026-10-11", ["after.jpg"])
    with pytest.raises(ValidationError, match="退回原因"):
        svc.verify(store, p["code"], "officer:a", "2026-10-12", False, "")
    back = svc.verify(store, p["code"], "officer:a", "2026-10-12", False, "垃圾仍有残留")
    assert back["state"] == "整改中"
    assert store.transitions("problems", p["code"])[-1]["note"] == "核查退回: 垃圾仍有残留"
    # a failed step wrote nothing: the refused assignment left no deadline behind on the first try
    assert [a for a in store.audit("problems", p["code"]) if a["field"] == "deadline"][-1]["new"] == "2026-10-20"


def test_overdue_is_flagged_until_closed(store):
    p = _new(store)
    svc.assign(store, p["code"], "officer:a", "2026-10-09", "桃浦镇", "清运", "2026-10-20")
    assert svc.overdue(store, dt.date(2026, 10, 20)) == []  # the deadline day itself is still in time
    assert [r["code"] for r in svc.overdue(store, dt.date(2026, 10, 21))] == [p["code"]]
    svc.start(store, p["code"], "unit:x", "2026-10-22")
    assert [r["code"] for r in svc.overdue(store, dt.date(2026, 10, 23))] == [p["code"]]
    svc.request_close(store, p["code"], "unit:x", "2026-10-25", ["after.jpg"])
    done = svc.verify(store, p["code"], "officer:a", "2026-10-26", True, "通过")
    assert svc.overdue(store, dt.date(2026, 11, 1)) == []
    assert model.closed_on_time(done) is False  # closed 6 days after the deadline


def test_failed_spot_check_reopens_and_interview_is_recorded(store):
    p = _new(store)
    svc.assign(store, p["code"], "officer:a", "2026-10-09", "桃浦镇", "清运", "2026-10-20")
    svc.start(store, p["code"], "unit:x", "2026-10-10")
    svc.request_close(store, p["code"], "unit:x", "2026-10-11", ["after.jpg"])
    svc.verify(store, p["code"], "officer:a", "2026-10-12", True, "通过")
    with pytest.raises(ValidationError, match="抽查不合格"):  # closed items reopen only through a failed check
        store.transition("problems", p["code"], "整改中", "officer:a", "2026-10-13", "想重开")
    ok = svc.spot_check(store, p["code"], "督察办:王", "2026-10-20", True, "未见反弹")
    assert ok["state"] == "已销号"
    reopened = svc.spot_check(store, p["code"], "督察办:王", "2026-11-05", False, "垃圾再次堆放")
    assert reopened["state"] == "整改中" and reopened["reopened"] == 1 and "closed_date" not in reopened
    assert [c["result"] for c in reopened["spot_checks"]] == ["合格", "不合格"]
    talked = svc.interview(store, p["code"], "督察办:王", "2026-11-06", "桃浦镇分管领导", "约谈整改反弹")
    assert talked["interviews"][0]["who"] == "桃浦镇分管领导"


def test_complaint_needs_ticket_and_reply_is_due_in_working_days(store):
    with pytest.raises(ValidationError, match="工单"):
        _new(store, source="12345")
    # 2026-10-09 is a Friday: 5 working days later is Friday 2026-10-16 (weekends skipped)
    p = _new(store, source="12345", ticket_no="SH12345-20261009-0042", found_date="2026-10-09")
    assert p["reply_due"] == "2026-10-16"
    assert model.reply_on_time(p, 5, dt.date(2026, 10, 14)) is None
    assert model.reply_on_time(p, 5, dt.date(2026, 10, 17)) is False
    answered = svc.reply(store, p["code"], "officer:a", "2026-10-15", "已安排清运并回访市民")
    assert answered["reply"] == {"date": "2026-10-15", "text": "已安排清运并回访市民"}
    assert model.reply_on_time(answered, 5, dt.date(2026, 12, 1)) is True
    with pytest.raises(ValidationError, match="不是投诉件"):
        svc.reply(store, _new(store)["code"], "officer:a", "2026-10-15", "x")


def test_bad_fields_are_all_reported_and_nothing_is_hard_deleted(store):
    with pytest.raises(ValidationError) as err:
        svc.create_problem(store, {"name": "x", "category": "噪声", "source": "微博", "found_date": "2026-10-01"},
                           "u", locate_ctx=False)
    assert set(err.value.errors) >= {"category", "source", "lon"}
    p = _new(store)
    removed = store.remove("problems", p["code"], "officer:a", "与 WT2026-0002 重复", "2026-10-09")
    assert removed["state"] == "已撤销"
    assert store.list("problems") == [] and len(store.list("problems", include_removed=True)) == 1
    with pytest.raises(sqlite3.IntegrityError):
        store._conn.execute("DELETE FROM features WHERE layer='problems'")


def test_problem_is_snapped_to_subdistrict_and_river_stretch(store):
    # a point 20 m off 真如港 in 真如镇街道 (coordinates read off the demo river geometry)
    from gislib.dataset import load_layer

    river = load_layer("rivers")
    line = river[river["name"] == "真如港"].geometry.iloc[0]
    mid = line.interpolate(0.5, normalized=True)
    p = svc.create_problem(store, {"name": "黑臭", "category": "黑臭", "source": "执法检查", "lon": mid.x,
                                   "lat": mid.y + 0.0001, "found_date": "2026-10-01"}, "officer:a")
    assert p["river"] == "真如港" and p["distance_m"] < 20 and isinstance(p["stretch"], int)
    assert p["subdistrict"]


def test_problem_from_a_failing_section_or_a_dust_alert_is_prefilled(store):
    section = {"code": "PTDM003", "name": "桃浦河某桥", "river": "桃浦河", "subdistrict": "桃浦镇", "lon": 121.39, "lat": 31.27}
    store.create("sections", {**section, "target_class": "IV"}, "officer:a")
    store.create("dust", {"code": "GD-07", "name": "某地块工地", "lon": 121.36, "lat": 31.24}, "officer:a")
    pre = svc.prefill_from_section(section, "2026-10", "劣V", "IV", "氨氮(1.8)")
    p = svc.create_problem(store, pre, "officer:a", locate_ctx=False)
    assert (p["source"], p["category"], p["links"], p["river"]) == ("监测预警", "黑臭", {"sections": "PTDM003"}, "桃浦河")
    assert p["alert"]["text"] == "2026-10: 劣V 类 (目标 IV) 氨氮(1.8)"
    site = {"code": "GD-07", "name": "某地块工地", "subdistrict": "长征镇", "lon": 121.36, "lat": 31.24}
    d = svc.create_problem(store, svc.prefill_from_dust(site, "2026-11-20", 412), "officer:a", locate_ctx=False)
    assert (d["category"], d["links"], d["lon"]) == ("扬尘", {"dust": "GD-07"}, 121.36)
    assert "PM10 最高 412" in d["alert"]["text"]


def test_links_must_name_existing_records(store):
    store.create("outfalls", {"code": "PT-0099", "name": "示例排口", "type_l2": "城镇雨洪排口", "lon": 121.4,
                              "lat": 31.25}, "officer:a")
    p = _new(store, category="排口", links={"outfalls": "PT-0099"})
    assert p["links"] == {"outfalls": "PT-0099"}
    with pytest.raises(ValidationError, match="PT-9999"):
        _new(store, links={"outfalls": "PT-9999"})


def test_user_text_is_shown_literally_on_pages_and_in_map_popups():
    import geopandas as gpd

    from layers.problems import ProblemsLayer, md_text

    assert md_text("[点我](http://x.cn) **粗** <b>") == r"\[点我\]\(http\://x\.cn\) \*\*粗\*\* \<b\>"
    gdf = gpd.GeoDataFrame({"code": ["WT1"], "name": ["<img src=x onerror=alert(1)>"], "category": ["其他"],
                            "source": ["12345"], "state": ["已登记"], "subdistrict": [""], "river": [""],
                            "responsible_unit": [""], "deadline": [""], "overdue": [False]},
                           geometry=gpd.points_from_xy([121.4], [31.25]), crs="EPSG:4326")
    styled = ProblemsLayer().styled(gdf)
    assert styled["_name"].iloc[0] == "&lt;img src=x onerror=alert(1)&gt;"
