"""Logins in the real app (issue 16): a river chief on a phone sees only their rivers (map, search, exported
ledger), a viewer gets no edit controls, five bad passwords lock an account, an admin's jurisdiction change
reaches the chief's map."""
from __future__ import annotations

import csv
import io
import time

import pytest

pytestmark = pytest.mark.browser

DRAWN_JS = """() => {
  const drawn = {};
  document.querySelectorAll('canvas.hetu-points').forEach(c => drawn[c.dataset.layer] = +c.dataset.drawn || 0);
  let sections = 0;
  window.map.eachLayer(l => { if (l.feature && '_class_label' in l.feature.properties) sections += 1; });
  return {outfalls: drawn.outfalls || 0, sections: sections || drawn.sections || 0};
}"""
SEARCH = "搜索河道、街道、排口名称或编码，如 桃浦河 / PT-0001"


def _records(app_data_dir, layer: str) -> list[dict]:
    from gislib.services.catalog import store

    return store(app_data_dir, "putuo").list(layer)


def _drawn(rp, want_outfalls: int, timeout_s: float = 60) -> dict:
    """The features the map received and drew, once the outfall canvas shows ``want_outfalls``."""
    frame = rp.map_frame()
    deadline, state = time.time() + timeout_s, {}
    while time.time() < deadline:
        state = frame.evaluate(DRAWN_JS)
        if state["outfalls"] == want_outfalls:
            break
        time.sleep(0.3)
        frame = rp.map_frame()
    return state


def _log_in(rp, app_url, name: str, password: str) -> None:
    page = rp.page
    page.goto(app_url)
    page.get_by_text("登录河图").first.wait_for(timeout=60000)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_river_chief_on_a_phone_sees_only_their_rivers(app_url, new_page, app_data_dir, artifacts):
    rp = new_page(390, 844, user=None)
    _log_in(rp, app_url, "chief.taopu", "Hetu#Chief2026")
    rp.map_frame()  # the app has filled its store (read it only then)
    outfalls, sections = _records(app_data_dir, "outfalls"), _records(app_data_dir, "sections")
    mine = [r for r in outfalls if r.get("river") == "桃浦河"]
    mine_sections = [r for r in sections if r.get("river") == "桃浦河"]
    assert 0 < len(mine) < len(outfalls)
    state = _drawn(rp, len(mine))
    assert state == {"outfalls": len(mine), "sections": len(mine_sections)}, state
    rp.page.wait_for_timeout(800)
    rp.page.screenshot(path=str(artifacts / "auth_chief_phone_map.png"))

    # search: another river's outfall is not found, one of the chief's is
    outside = next(r for r in outfalls if r.get("river") == "苏州河")
    box = rp.page.get_by_placeholder(SEARCH)
    box.fill(outside["code"])
    box.press("Enter")
    rp.wait_for_text("没有找到匹配的要素")
    box.fill(mine[0]["code"])
    box.press("Enter")
    rp.wait_for_text("找到 1 项")

    # the exported ledger holds the chief's outfalls only (the downloaded file is read)
    rp.page.goto(f"{app_url}/outfalls")  # a reload: the session comes back from the cookie
    rp.wait_for_text(f"共 {len(mine)} 个排污口")
    rp.page.wait_for_timeout(800)  # a button clicked during a rerun can be replaced before it fires
    make = rp.page.get_by_role("button", name=f"导出筛选结果 (CSV, {len(mine)})")
    make.scroll_into_view_if_needed()
    make.click()  # the file is written (with a progress bar), then offered
    download = rp.page.get_by_role("button", name="下载 CSV")
    download.wait_for(timeout=60000)
    with rp.page.expect_download(timeout=60000) as dl:
        download.click()
    rows = list(csv.reader(io.StringIO(open(dl.value.path(), encoding="utf-8-sig").read())))
    header = next(i for i, r in enumerate(rows) if "受纳水体" in r)
    body = [r for r in rows[header + 1:] if r and r[0]]
    assert sorted(r[0] for r in body) == sorted(r["code"] for r in mine)
    assert {r[rows[header].index("受纳水体")] for r in body} == {"桃浦河"}
    rp.page.screenshot(path=str(artifacts / "auth_chief_phone_ledger.png"), full_page=True)

    # a record outside the jurisdiction, opened by its address, is refused with the reason
    rp.page.goto(f"{app_url}/outfall?code={outside['code']}")
    rp.wait_for_text("不在您的辖区内")
    assert rp.external_requests() == []


def test_a_viewer_has_no_edit_controls(app_url, new_page, app_data_dir, artifacts):
    rp = new_page(1366, 768, user="viewer.demo")
    section = _records(app_data_dir, "sections")[0]
    rp.page.goto(app_url)
    rp.map_frame()
    nav = rp.page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "数据导入" not in nav and "用户管理" not in nav and "一张图" in nav
    assert _drawn(rp, 0)["outfalls"] == 0  # outfalls are not published for viewers
    rp.page.goto(f"{app_url}/outfall?code={_records(app_data_dir, 'outfalls')[0]['code']}")
    rp.wait_for_text("未向查看者发布")
    assert rp.page.get_by_text("保存修改").count() == 0
    rp.page.screenshot(path=str(artifacts / "auth_viewer_refused.png"))
    rp.page.goto(f"{app_url}/import")  # not in the viewer's navigation: no upload control anywhere
    rp.wait_idle()
    assert rp.page.locator("[data-testid='stFileUploader']").count() == 0
    assert section["code"]


def test_five_bad_passwords_lock_the_account(app_url, new_page, artifacts):
    rp = new_page(1366, 768, user=None)
    _log_in(rp, app_url, "chief.zhenru", "wrong-password-1")
    rp.wait_for_text("用户名或密码错误")
    for i in range(2, 6):
        rp.page.get_by_label("密码").fill(f"wrong-password-{i}")
        rp.page.get_by_role("button", name="登录").click()
        rp.wait_idle()
    rp.page.get_by_label("密码").fill("Hetu#Chief2026")  # even the right password is refused now
    rp.page.get_by_role("button", name="登录").click()
    rp.wait_for_text("账户已锁定")
    assert rp.page.get_by_text("登录河图").count()
    rp.page.screenshot(path=str(artifacts / "auth_locked.png"))


def test_an_admin_assigns_a_jurisdiction_and_the_chiefs_map_changes(app_url, new_page, app_data_dir, artifacts):
    outfalls = _records(app_data_dir, "outfalls")
    mudu = [r for r in outfalls if r.get("river") == "木渎港"]
    both = [r for r in outfalls if r.get("river") in ("木渎港", "真如港")]
    chief = new_page(1366, 768, user="chief.mudu")
    chief.page.goto(app_url)
    assert _drawn(chief, len(mudu))["outfalls"] == len(mudu)

    admin = new_page(1366, 768, user="admin.demo")
    page = admin.page
    page.goto(f"{app_url}/admin")
    admin.wait_for_text("修改用户")
    page.locator("[data-testid='stSelectbox']").filter(has_text="选择用户").click()
    page.get_by_role("option", name="chief.mudu", exact=True).click()
    admin.wait_idle()
    rivers = page.locator("[data-testid='stForm'] [data-testid='stMultiSelect']").filter(has_text="辖区河道").last
    rivers.click()
    page.keyboard.type("真如港")
    page.get_by_role("option", name="真如港", exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="保存角色与辖区").click()
    admin.wait_for_text("已保存 chief.mudu 的角色与辖区")
    from gislib.auth import Accounts

    with Accounts(app_data_dir) as accounts:  # the admin action is audited, with old and new jurisdiction
        event = [e for e in accounts.events("chief.mudu") if e["action"] == "role_changed"][-1]
    assert event["actor"] == "admin.demo" and event["detail"]["new"]["rivers"] == ["木渎港", "真如港"]
    page.screenshot(path=str(artifacts / "auth_admin_jurisdiction.png"), full_page=True)

    chief.page.reload()  # the chief's next page run reads the account afresh
    assert _drawn(chief, len(both))["outfalls"] == len(both)
    chief.page.screenshot(path=str(artifacts / "auth_chief_after_assign.png"))


def test_a_river_chief_on_a_phone_lists_and_reports_only_their_sections(app_url, new_page, artifacts, tmp_path):
    """The sections page and the bulletin PDF a chief downloads hold only the sections on 桃浦河 (2 in the demo
    GeoPackage, counted with sqlite3); plots and dust sites, which have no river, are none of theirs."""
    import sqlite3
    import subprocess

    from conftest import REPO

    with sqlite3.connect(REPO / "data" / "geo" / "putuo.gpkg") as con:
        names = dict(con.execute("SELECT code, name FROM sections ORDER BY code").fetchall())
        mine = [c for (c,) in con.execute("SELECT code FROM sections WHERE river = '桃浦河' ORDER BY code")]
    assert len(mine) == 2
    rp = new_page(390, 844, user="chief.taopu")
    rp.page.goto(f"{app_url}/sections")
    rp.wait_for_text("共 2 个断面", timeout_ms=240000)
    rp.page.get_by_text("月报（专报）").click()
    rp.page.wait_for_timeout(800)
    rp.page.get_by_role("button", name="生成月报").click()
    download = rp.page.get_by_role("button", name="下载 PDF")
    download.wait_for(timeout=180000)
    with rp.page.expect_download(timeout=60000) as dl:
        download.click()
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(open(dl.value.path(), "rb").read())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "普陀区（桃浦河）地表水环境质量专报" in flat  # the title names the chief's jurisdiction
    for code in mine:
        assert names[code] in flat, names[code]
    others = [names[c] for c in names if c not in mine and names[c] in flat]
    assert others == [], others
    rp.page.screenshot(path=str(artifacts / "auth_chief_phone_sections.png"), full_page=True)
    for page in ("plots", "dust"):
        rp.page.goto(f"{app_url}/{page}")
        rp.wait_for_text("您的辖区内没有此类记录", timeout_ms=120000)
    assert rp.external_requests() == []
