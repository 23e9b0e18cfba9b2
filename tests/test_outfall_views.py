"""AppTest of the outfall ledger and the outfall record page (一口一档): show, edit, conflict, workflow."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit.testing.v1")
from streamlit.testing.v1 import AppTest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LEDGER = str(REPO / "views" / "outfalls_view.py")
RECORD = str(REPO / "views" / "outfall_view.py")
TIMEOUT = 90


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("outfall-views")


@pytest.fixture(autouse=True)
def _env(monkeypatch, data_dir):
    monkeypatch.setenv("HETU_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HETU_DATASET", "putuo")


def _store(data_dir):
    from gislib.services.catalog import store

    return store(data_dir)


def _record_page(code: str, user: str = "officer.demo") -> AppTest:
    at = AppTest.from_file(RECORD, default_timeout=TIMEOUT)
    at.query_params["code"] = code
    at.session_state["test_login"] = user  # logged in through the real login service (conftest)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [s.value for s in at.success] + [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def _input(at: AppTest, label: str):
    return next(w for w in at.text_input if w.label == label)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_ledger_lists_filters_and_marks_overdue(data_dir):
    at = AppTest.from_file(LEDGER, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    frame = at.dataframe[0].value
    live = _store(data_dir).count("outfalls")
    assert len(frame) == 50 and f"共 {live} 个排污口" in _text(at)  # one page of every live outfall
    assert list(frame["编码"]) == sorted(frame["编码"])
    next(s for s in at.selectbox if s.label == "工作状态").set_value("整治中").run()
    frame = at.dataframe[0].value
    assert set(frame["状态"]) == {"整治中"}
    assert (frame["标记"] == "示例数据").all()
    next(c for c in at.checkbox if c.label == "只看整治逾期").check().run()
    overdue = at.dataframe[0].value
    assert len(overdue) <= len(frame)
    assert (overdue["逾期"].str.contains("逾期")).all()
    next(c for c in at.checkbox if c.label == "只看整治逾期").uncheck().run()
    next(s for s in at.selectbox if s.label == "排序").set_value("overdue").run()
    by_overdue = at.dataframe[0].value
    n = len(overdue)
    assert by_overdue["逾期"].head(n).str.contains("逾期").all() and not by_overdue["逾期"].iloc[n:].str.contains("逾期").any()
    labels = [b.label for b in at.button]
    assert any("XLSX" in lab for lab in labels) and any("CSV" in lab for lab in labels)
    next(b for b in at.button if "XLSX" in b.label).click().run()  # written on request, then offered
    assert not at.exception and any("XLSX" in d.label for d in at.get("download_button"))


def test_ledger_pages_through_every_outfall(data_dir):
    at = AppTest.from_file(LEDGER, default_timeout=TIMEOUT)
    at.run()
    pages = []
    live = _store(data_dir).count("outfalls")
    for page in range(1, -(-live // 50) + 1):
        at.number_input(key="ledger_page").set_value(page).run()
        assert not at.exception
        pages.append(at.dataframe[0].value)
    codes = [c for frame in pages for c in frame["编码"]]
    assert len(codes) == len(set(codes)) == live and codes == sorted(codes)


def test_record_page_shows_facts_monitoring_and_reference(data_dir):
    at = _record_page("PT-0012")
    text = _text(at)
    assert "张泾西岸2号企业排污口" in at.title[0].value
    assert "示例数据" in text
    assert "工矿企业排污口" in text and "审批" in text
    assert "EPSG:4326" in text  # source CRS
    assert "PTDM008" in text  # nearest downstream section along the network
    assert "不是排污口的排放标准" in text and "Ⅳ类" in text  # which limit, and that it is a reference
    rec = _store(data_dir).get("outfalls", "PT-0012")
    assert rec["monitoring"] and all(m["mark"] == "示例数据" for m in rec["monitoring"])
    assert {m["item"] for m in rec["monitoring"]} == {"COD", "氨氮", "总磷"}
    # the edit and workflow tabs show their forms and nothing else (an expression statement once wrote "None")
    assert not [m.value for m in at.markdown if m.value.strip("`").strip() == "None"]


def test_edit_shows_field_messages_and_saves_nothing_when_invalid(data_dir):
    at = _record_page("PT-0003")
    before = _store(data_dir).get("outfalls", "PT-0003")["version"]  # after the demo monitoring was written
    _input(at, "统一社会信用代码").set_value("91310000MA1FL0000X")
    _input(at, "二维码地址").set_value("ftp://bad")
    _button(at, "保存修改").click().run()
    text = _text(at)
    assert "统一社会信用代码" in text and ("校验位" in text or "非法字符" in text)
    assert "二维码地址" in text and "http" in text
    assert "未保存" in text
    assert _store(data_dir).get("outfalls", "PT-0003")["version"] == before
    # the input is kept
    assert _input(at, "二维码地址").value == "ftp://bad"


def test_edit_saves_and_the_audit_shows_it(data_dir):
    at = _record_page("PT-0004")
    _input(at, "详细地址").set_value("真如镇示例路 1 号")
    _button(at, "保存修改").click().run()
    assert not at.exception
    assert "已保存" in _text(at)
    audit = _store(data_dir).audit("outfalls", "PT-0004")
    assert audit[0]["field"] == "address" and audit[0]["user"] == "officer.demo"
    timeline = [df.value for df in at.dataframe if "字段" in df.value.columns][0]
    assert "详细地址" in set(timeline["字段"]) and "officer.demo" in set(timeline["操作人"])


def test_conflict_keeps_my_input_and_reapplies(data_dir):
    st_ = _store(data_dir)
    at = _record_page("PT-0005", user="officer.demo")
    # someone else saves first
    cur = st_.get("outfalls", "PT-0005")
    address_before = cur.get("address")
    st_.update("outfalls", "PT-0005", {"outlet_size": "DN800"}, expected_version=cur["version"], user="officer:b")
    _input(at, "详细地址").set_value("我的地址")
    _button(at, "保存修改").click().run()
    text = _text(at)
    assert "保存冲突" in text and "你的修改没有丢失" in text
    assert _input(at, "详细地址").value == "我的地址"
    assert st_.get("outfalls", "PT-0005").get("address") == address_before  # nothing of mine saved yet
    _button(at, "在最新版本上重新应用我的修改").click().run()
    rec = st_.get("outfalls", "PT-0005")
    assert rec["address"] == "我的地址" and rec["outlet_size"] == "DN800"


def test_workflow_shows_only_allowed_and_requires_kind(data_dir):
    at = _record_page("PT-0012")  # 整治中 → 已销号 only
    to_state = next(s for s in at.selectbox if s.label == "下一状态")
    assert list(to_state.options) == ["已销号"]
    st_ = _store(data_dir)
    code = next(r["code"] for r in st_.list("outfalls", state="已溯源"))
    at = _record_page(code)
    assert list(next(s for s in at.selectbox if s.label == "下一状态").options) == ["整治中"]
    next(t for t in at.text_area if t.label == "说明").set_value("开始整治")
    _button(at, "执行状态变更").click().run()
    assert "整治方式" in _text(at)
    assert st_.get("outfalls", code)["state"] == "已溯源"
    next(s for s in at.selectbox if s.label.startswith("整治方式")).set_value("规范整治")
    _button(at, "执行状态变更").click().run()
    assert st_.get("outfalls", code)["state"] == "整治中"
    assert st_.get("outfalls", code)["remediation"]["kind"] == "规范整治"


def test_removal_needs_a_reason(data_dir):
    st_ = _store(data_dir)
    at = _record_page("PT-0006")
    _button(at, "撤销").click().run()
    assert "撤销必须填写原因" in _text(at)
    assert st_.get("outfalls", "PT-0006")["state"] != "已撤销"
    _input(at, "撤销原因 (必填)").set_value("重复录入")
    _button(at, "撤销").click().run()
    rec = st_.get("outfalls", "PT-0006")
    assert rec["state"] == "已撤销" and rec["removed_reason"] == "重复录入"


def _counts(st_, code: str) -> tuple:
    rec = st_.get("outfalls", code)
    return rec["version"], len(rec.get("monitoring") or []), len(st_.audit("outfalls", code))


def test_opening_a_record_writes_nothing(data_dir):
    """Issue 11 item 8: opening demo records (monitored or not) leaves version, monitoring rows and
    audit rows exactly as they were."""
    st_ = _store(data_dir)
    codes = [next(r["code"] for r in st_.list("outfalls", state=s)) for s in ("已监测", "日常监管", "疑似")]
    before = {c: _counts(st_, c) for c in codes}
    assert before[codes[0]][1] > 0  # the demo history is already there, from the seed
    for code in codes:
        _record_page(code)
    assert {c: _counts(st_, c) for c in codes} == before


def test_dates_are_date_pickers_and_times_are_beijing(data_dir):
    """Issue 11 item 7: the deadline is a date picker (no free text, no "YYYY-MM-DD" hint); the
    saved change shows in the timeline in Asia/Shanghai time as a readable sub-field change."""
    import datetime as dt

    code = "PT-0007"
    at = _record_page(code)
    assert not [w.label for w in at.text_input if "YYYY" in w.label or "期限" in w.label or "日期" in w.label]
    deadline = next(d for d in at.date_input if d.label == "整治期限")
    deadline.set_value(dt.date(2027, 6, 30))
    _button(at, "保存修改").click().run()
    assert not at.exception and "已保存" in _text(at)
    rec = _store(data_dir).get("outfalls", code)
    assert rec["remediation"]["deadline"] == "2027-06-30"
    utc = dt.datetime.fromisoformat(rec["updated_at"])
    local = (utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    timeline = [df.value for df in at.dataframe if "字段" in df.value.columns][0]
    row = timeline[timeline["字段"] == "整治期限"].iloc[0]
    assert (row["原值"], row["新值"]) == ("—", "2027-06-30")
    assert row["时间 (北京时间)"] == local
    assert local in _text(at)  # 最近修改 in the facts panel


def test_an_imported_discovery_date_shows_on_the_record_page(data_dir, tmp_path):
    """Issue 14 item 2: the import wrote found_on while the page read found_date, so the date never showed."""
    from gislib.io.importer import import_file
    from cli.import_ import write_to_store

    src = tmp_path / "新排口.csv"
    src.write_text("排口编码,排口名称,排口类型,经度,纬度,发现日期\nPT-7101,导入的排口,城镇雨洪排口,121.40,31.25,2024/5/1\n",
                   encoding="utf-8")
    write_to_store(_store(data_dir), import_file(src, "outfalls"), "officer:test", "test")
    from gislib.safe_text import md_text

    assert f"发现日期: **{md_text('2024-05-01')}**" in _text(_record_page("PT-7101"))
