"""gislib.reports.outfall_file: facts, reference limits, demo monitoring, timeline, the PDF and its CLI."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest

from gislib.reports.outfall_file import (
    build_pdf,
    demo_monitoring,
    ensure_demo_monitoring,
    monitoring_table,
    record_facts,
    reference_class,
    reference_limits,
    reference_note,
    timeline,
)
from gislib.store import validate_outfall

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("outfall-file")


@pytest.fixture(scope="module")
def store(data_dir):
    from gislib.services.catalog import store as catalog_store

    return catalog_store(data_dir, "putuo")


def _png(color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buf, "PNG")
    return buf.getvalue()


def test_reference_limits_use_target_class_else_class_v():
    assert reference_class({"target_class": "IV"}) == "IV"
    assert reference_limits({"target_class": "IV"}) == {"COD": 30.0, "氨氮": 1.5, "总磷": 0.3}
    assert reference_class({}) == "V" and reference_class({"target_class": "劣V"}) == "V"
    assert reference_limits({}) == {"COD": 40.0, "氨氮": 2.0, "总磷": 0.4}
    note = reference_note({})
    assert "Ⅴ类" in note and "未记录水质目标" in note and "不是排污口的排放标准" in note
    assert "not a discharge standard" in reference_note({"target_class": "III"}, "en")


def test_demo_monitoring_is_deterministic_valid_and_marked():
    rec = {"code": "PT-0099", "name": "x", "state": "已监测", "type_l1": "工业排污口", "type_l2": "工矿企业排污口",
           "target_class": "IV", "found_date": "2025-01-10", "lon": 121.4, "lat": 31.2}
    rows = demo_monitoring(rec, TODAY)
    assert rows == demo_monitoring(rec, TODAY)
    assert {r["method"] for r in rows} == {"快检", "规范监测"}
    assert {r["item"] for r in rows} == {"COD", "氨氮", "总磷"}
    assert all(r["mark"] == "示例数据" and r["demo"] for r in rows)
    assert all(dt.date.fromisoformat(r["date"]) <= TODAY for r in rows)
    assert all(r["exceeded"] == (r["value"] > r["limit"]) for r in rows)
    assert validate_outfall({**rec, "monitoring": rows}) == {}
    quick = [r["date"] for r in rows if r["method"] == "快检"]
    standard = [r["date"] for r in rows if r["method"] == "规范监测"]
    assert max(quick) < min(standard)  # quick tests first, then standard monitoring


def test_seeding_writes_the_demo_monitoring_so_reading_never_has_to(store):
    """Issue 11 item 8: the demo history is in the store from the seed (version 1, seed user);
    opening a record only reads, and ensure_demo_monitoring finds nothing to write."""
    monitored = next(r for r in store.list("outfalls", state="已监测"))
    assert monitored["monitoring"] and monitored["version"] == 1
    assert [a["user"] for a in store.audit("outfalls", monitored["code"])] == ["system:demo-seed"]
    again = ensure_demo_monitoring(store, monitored["code"], today=TODAY)
    assert again["version"] == 1
    suspected = next(r for r in store.list("outfalls", state="疑似"))
    assert "monitoring" not in suspected


def test_timeline_is_local_time_and_readable_changes(store):
    """Issue 11 item 7: the audit shows Asia/Shanghai times and one readable row per changed
    sub-field (整治期限: — → 2027-06-30), never raw JSON."""
    code = next(r["code"] for r in store.list("outfalls", state="已核实"))
    cur = store.get("outfalls", code)
    store.update("outfalls", code, {"remediation": {"deadline": "2027-06-30"}, "target_class": "III"},
                 expected_version=cur["version"], user="officer:test")
    stored_at = store.audit("outfalls", code)[0]["at"]  # UTC in the store
    utc = dt.datetime.fromisoformat(stored_at)
    assert utc.utcoffset() == dt.timedelta(0)
    events = timeline(store, code)
    deadline = next(e for e in events if e["field"] == "整治期限")
    assert (deadline["old"], deadline["new"]) == ("—", "2027-06-30")
    assert deadline["at"] == (utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    target = next(e for e in events if e["field"] == "水质目标")
    assert target["new"] == "Ⅲ类"
    assert not any("{" in str(e["old"]) + str(e["new"]) for e in events)
    en = timeline(store, code, "en")
    assert any(e["field"] == "Deadline" and e["new"] == "2027-06-30" for e in en)


def test_record_facts_show_every_group_and_overdue():
    rec = {"code": "PT-1", "name": "测试排口", "state": "整治中", "type_l1": "工业排污口", "type_l2": "工矿企业排污口",
           "approval_kind": "审批", "lon": 121.4, "lat": 31.2, "source_crs": "EPSG:4549", "river": "张泾",
           "target_class": "IV", "downstream_section_code": "PTDM008", "downstream_section_km": 1.2,
           "responsible_parties": [{"name": "甲公司", "credit_code": "91310000MA1FL0000Y", "main": True}],
           "river_chief": {"level": "区级", "name": "王某"}, "remediation": {"kind": "规范整治", "deadline": "2026-01-01"},
           "signboard": {"installed": True, "qr_url": "https://example.org/q"}, "tracing": {"result": "甲公司车间"},
           "demo": True}
    facts = {(g, lab): val for g, lab, val in record_facts(rec, today=TODAY, section_names={"PTDM008": "张泾桥"})}
    assert facts[("位置", "原坐标系")] == "EPSG:4549"
    assert facts[("受纳水体", "下游最近断面编码")] == "PTDM008 张泾桥"
    assert "91310000MA1FL0000Y" in facts[("责任", "责任主体")]
    assert facts[("责任", "河长")] == "区级 王某"
    assert facts[("整治", "是否逾期")] == "是"
    assert facts[("信息公开", "二维码地址")] == "https://example.org/q"
    assert facts[("状态", "示例数据")] == "示例数据"
    en = record_facts(rec, "en", today=TODAY)
    assert ("Location", "Source CRS", "EPSG:4549") in en


def test_pdf_of_two_outfalls_with_photos_chart_map_and_timeline(store, tmp_path):
    from layers.outfall_file_map import map_image_for

    code = next(r["code"] for r in store.list("outfalls", state="整治中"))
    store.attach("outfalls", code, "现场照片.png", _png(), "officer:test")
    cur = store.get("outfalls", code)
    store.update("outfalls", code, {"address": "示例路 1 号"}, expected_version=cur["version"], user="officer:test")
    headers, rows = monitoring_table(store.get("outfalls", code))
    assert headers[:2] == ["日期", "方式"] and rows
    assert any(e["field"] == "详细地址" and e["user"] == "officer:test" for e in timeline(store, code))
    calls = []
    out = build_pdf(store, [code, "PT-0001"], tmp_path / "file.pdf", map_image=map_image_for("putuo"),
                    progress=lambda done, total, c: calls.append((done, total, c)))
    assert calls == [(1, 2, code), (2, 2, "PT-0001")]
    data = out.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        for expected in ("一口一档", code, "PT-0001", "OpenStreetMap contributors", "示例数据", "参考限值",
                         "现场照片", "详细地址", "不是排污口的排放标准"):
            assert expected in text, expected
        # issue 11 item 7: the PDF's edit times are Beijing time (the store keeps UTC)
        utc = dt.datetime.fromisoformat(store.audit("outfalls", code)[0]["at"])
        assert (utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") in text
        assert "北京时间" in text


def test_pdf_names_unknown_codes(store, tmp_path):
    from gislib.errors import NotFoundError

    with pytest.raises(NotFoundError, match="PT-9999"):
        build_pdf(store, ["PT-0001", "PT-9999"], tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_locator_png_is_square_and_credited(store, tmp_path):
    from PIL import Image

    from layers.outfall_file_map import render_locator_png

    out = render_locator_png(store.get("outfalls", "PT-0001"), tmp_path / "m.png", "putuo", px=300)
    with Image.open(out) as img:
        assert img.size == (300, 300)
        colours = img.convert("RGB").getcolors(100_000)
    assert colours and len(colours) > 20  # basemap, rivers and symbols, not a blank canvas


def test_cli_writes_pdf(data_dir, tmp_path, capsys):
    from cli import main

    out = tmp_path / "cli.pdf"
    assert main(["outfall-file", "PT-0001", "PT-0012", "--out", str(out), "--data-dir", str(data_dir)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    assert '"outfalls": 2' in capsys.readouterr().out
    assert main(["outfall-file", "PT-9999", "--out", str(out), "--data-dir", str(data_dir)]) == 2
    assert main(["outfall-file", "PT-0001", "--out", str(tmp_path / "x.txt"), "--data-dir", str(data_dir)]) == 2
