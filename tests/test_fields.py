"""gislib.fields: each layer's fields are defined once, and every place that lists them agrees
(issue 14 item 2). The user outcome: a discovery date in an imported file shows on the record page
and in the ledger; an old store that wrote it as found_on reads it under its one name."""
from __future__ import annotations

import importlib
import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gislib import schemas
from gislib.services import catalog
from gislib.fields import TABLES, rename_former
from gislib.fields.forms import form_changes, form_columns, initial
from gislib.fields.outfalls import TABLE
from gislib.reports.outfall_file import label, record_facts
from gislib.store import open_store
from gislib.reports.ledger import OUTFALL_COLUMNS, ledger_table, write_ledger
from gislib.store.migrations import migrate
from gislib.store.validators import OUTFALL_FIELDS, normalize_record, validate_outfall

REPO = Path(__file__).resolve().parents[1]
FULL = {
    "code": "PT-9001", "name": "测试排口", "lon": 121.40, "lat": 31.25, "type_l2": "城镇雨洪排口",
    "national_code": "N-1", "local_code": "L-1", "former_codes": ["OLD-1"], "in_national_platform": True,
    "approval_doc_no": "沪环审〔2025〕1号", "approval_date": "2025-03-01", "subdistrict": "长寿路街道",
    "admin_code": "310107", "address": "某路1号", "river": "苏州河", "river_code": "R1", "target_class": "IV",
    "downstream_section_code": "S1", "downstream_section_km": 1.2, "discharge_mode": "管道",
    "discharge_pattern": "间断排放", "outlet_size": "DN800", "pipe_diameter_mm": 800.0, "design_volume_m3d": 10.0,
    "actual_volume_m3d": 5.0, "main_pollutants": ["COD"], "found_date": "2024-05-01",
    "responsible_parties": [{"name": "某公司", "credit_code": "91310000MA1FL0000N", "contact": "021", "main": True}],
    "discharge_permit_no": "91310000MA1FL0000N001P", "permit_outlet_code": "DW001",
    "river_chief": {"level": "区级", "name": "张某某"}, "tracing": {"result": "雨污混接", "method": "CCTV"},
    "remediation": {"kind": "规范整治", "plan": "改造", "deadline": "2026-06-30", "progress_pct": 40.0},
    "signboard": {"installed": True, "qr_url": "https://example.cn/q"}, "state": "整治中", "version": 3,
    "source_crs": "EPSG:4326", "removed_reason": "", "note": "备注一", "updated_by": "a", "updated_at": "2026-01-01T00:00:00+00:00",
}


# ----------------------------------------------------------------------------- defined once
def test_every_derived_place_lists_the_outfall_fields_of_the_table():
    assert schemas.OUTFALLS.fields == tuple(TABLE.where(imported=True))  # import schema and its aliases
    assert all(TABLE.field(k).zh == v for k, v in OUTFALL_FIELDS.items())  # validators' labels
    assert [h for h, _ in OUTFALL_COLUMNS] == [f.zh for f in TABLE.where(ledger=True)]  # ledger headers
    assert [f for col in form_columns(TABLE) for f in col] == TABLE.where(form=True)  # edit form widgets
    for lang in ("zh", "en"):  # PDF / record page labels: the table's, in its order
        facts = record_facts(FULL, lang, today=dt.date(2026, 11, 30))
        wanted = [f.text(lang) for f in TABLE.where(pdf=True)]
        assert [lab for _, lab, _ in facts] == [w for w in wanted if w in {lab for _, lab, _ in facts}]
        assert {lab for _, lab, _ in facts} <= set(wanted)
    assert label("remediation.deadline", "en") == "Deadline" and label("deadline") == "整治期限"


def test_no_module_keeps_its_own_list_of_outfall_labels():
    """Labels only the outfall has are written once: in gislib/fields/outfalls.py."""
    unique = ("审批/登记文号", "距下游断面(km)", "设计排放量(m³/d)", "Approval doc no.", "Distance to section (km)")
    hits = {}
    for path in [*REPO.glob("gislib/**/*.py"), *REPO.glob("views/*.py"), *REPO.glob("layers/*.py")]:
        text = path.read_text(encoding="utf-8")
        for word in unique:
            if word in text:
                hits.setdefault(word, []).append(str(path.relative_to(REPO)))
    assert hits == {w: ["gislib/fields/outfalls.py"] for w in unique}
    assert not hasattr(importlib.import_module("gislib.reports.outfall_file"), "FIELD_EN")


def test_each_table_names_every_field_once_and_english_labels_are_english():
    for t in TABLES.values():
        assert len({f.name for f in t.fields}) == len(t.fields)
        assert all(f.en and not re.search(r"[\u4e00-\u9fff]", f.en) for f in t.fields), t.name
    assert catalog.STORE_LAYERS["dust_sites"] == "dust" and TABLES["dust"].map_layer == "dust_sites"


def test_former_names_are_read_under_their_one_name():
    assert rename_former("plots", {"stage": "初步调查", "land_class": "第一类用地"}) == {
        "state": "初步调查", "land_use": "第一类用地"}
    rec = normalize_record("outfalls", {"found_on": "2024-05-01", "doc_no": "X", "deadline": "2026-01-01",
                                        "responsible": "某公司", "tracing_result": "混接"})
    assert rec["found_date"] == "2024-05-01" and rec["approval_doc_no"] == "X"
    assert rec["remediation"] == {"deadline": "2026-01-01"} and rec["tracing"] == {"result": "混接"}
    assert rec["responsible_parties"] == [{"name": "某公司", "main": True}]
    assert "found_on" not in rec


# ----------------------------------------------------------------------------- edit form
def test_form_changes_merge_nested_groups_and_leave_unchanged_fields_out():
    values = {f.name: initial(f, FULL) for f in TABLE.where(form=True)}
    assert form_changes(TABLE, FULL, values) == {}
    values.update(address="新地址", credit_code="", deadline=dt.date(2027, 1, 31), river_chief_name="李某某",
                  main_pollutants="COD，氨氮", signboard_installed=False)
    changes = form_changes(TABLE, FULL, values)
    assert changes["address"] == "新地址" and changes["main_pollutants"] == ["COD", "氨氮"]
    assert changes["remediation"] == {**FULL["remediation"], "deadline": "2027-01-31"}
    assert changes["responsible_parties"] == [{"name": "某公司", "contact": "021", "main": True}]
    assert changes["river_chief"] == {"level": "区级", "name": "李某某"}
    assert changes["signboard"] == {"installed": False, "qr_url": "https://example.cn/q"}
    assert set(changes) == {"address", "main_pollutants", "remediation", "responsible_parties", "river_chief",
                            "signboard"}
    assert not validate_outfall({**FULL, **changes})


# ----------------------------------------------------------------------------- user outcome
def test_imported_discovery_date_shows_on_the_record_and_in_the_ledger(tmp_path):
    from gislib.io.importer import import_file
    from cli.import_ import write_to_store

    src = tmp_path / "排口.csv"
    src.write_text("排口编码,排口名称,排口类型,经度,纬度,发现日期\nPT-7001,新发现排口,城镇雨洪排口,121.40,31.25,2024年5月1日\n",
                   encoding="utf-8")
    report = import_file(src, "outfalls")
    with open_store(tmp_path / "store") as store:
        write_to_store(store, report, "officer:test", "test")
        rec = store.get("outfalls", "PT-7001")
        headers, rows, _ = ledger_table(store, "outfalls")
    assert ("排放", "发现日期", "2024-05-01") in record_facts(rec)
    assert ("Discharge", "Found on", "2024-05-01") in record_facts(rec, "en")
    out = tmp_path / "台账.xlsx"
    write_ledger(out, headers, rows)
    sheet = list(load_workbook(out).active.values)
    assert sheet[1][sheet[0].index("发现日期")] == "2024-05-01"


def test_an_old_store_with_found_on_reads_found_date(tmp_path):
    with open_store(tmp_path) as store:
        store.create("outfalls", {"code": "PT-1", "name": "旧", "lon": 121.4, "lat": 31.25,
                                  "type_l2": "城镇雨洪排口"}, "officer:test")
        db = store.db_path
    conn = sqlite3.connect(db, isolation_level=None)
    data = json.loads(conn.execute("SELECT data FROM features WHERE code='PT-1'").fetchone()[0])
    data.pop("found_date", None)
    conn.execute("UPDATE features SET data=? WHERE code='PT-1'", (json.dumps({**data, "found_on": "2023-02-03"}),))
    conn.execute("DELETE FROM schema_version WHERE version >= 70")  # as written before migration 70
    migrate(conn)
    conn.close()
    with open_store(tmp_path) as store:
        rec = store.get("outfalls", "PT-1")
    assert rec["found_date"] == "2023-02-03" and "found_on" not in rec


@pytest.mark.parametrize("layer", ["sections", "plots", "dust"])
def test_other_layers_import_schema_and_ledger_labels_come_from_their_table(layer):
    t = TABLES[layer]
    assert schemas.get_schema(layer).fields == tuple(t.where(imported=True))
    assert schemas.get_schema(layer).labels == {f.name: f.zh for f in t.where(imported=True)}


def test_the_record_page_and_the_outfall_file_never_invent_data():
    """Issue 14 item 7: demo monitoring is generated by gislib/demo with the demo data set, never by
    product code when a record page or a PDF is made."""
    for path in ("gislib/reports/outfall_file.py", "views/outfall_view.py"):
        code = [line for line in (REPO / path).read_text(encoding="utf-8").splitlines()
                if line.lstrip().startswith(("import ", "from "))]
        assert not [line for line in code if "gislib.demo" in line or "demo_monitoring" in line], path
