"""问题闭环 and 巡河 in the real app and Debian's Chromium: a river chief on a 390×844 phone imports a GPX
track and turns a finding into a problem with a photo; an officer assigns it, it is closed with evidence;
the monthly ranking counts it. Screenshots of the problem layer, the coverage layer and the ranking page."""
from __future__ import annotations

import datetime as dt
import io
import re
import time
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from PIL import Image

pytestmark = pytest.mark.browser


def _settle(rp, ms: int = 1000) -> None:
    rp.page.wait_for_timeout(400)
    rp.wait_idle(timeout_s=120)
    rp.page.wait_for_timeout(ms)


def _jpeg(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buf, "JPEG")
    return buf.getvalue()


def _gpx_along_taopu(day: dt.date) -> bytes:
    """A 2.5 km walk along the demo's 桃浦河 from 08:00 Shanghai time, a point every 25 m, 30 s apart."""
    from gislib.geo.crs import to_wgs84
    from gislib.dataset import load_layer

    line = load_layer("rivers").query("name == '桃浦河'").to_crs(4549).geometry.iloc[0]
    start = dt.datetime.combine(day, dt.time(8, 0), ZoneInfo("Asia/Shanghai")).astimezone(dt.timezone.utc)
    pts = []
    for i, d in enumerate(range(0, min(int(line.length), 2500), 25)):
        p = line.interpolate(d)
        lon, lat = to_wgs84(p.x, p.y, "EPSG:4549")
        t = (start + dt.timedelta(seconds=30 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        pts.append(f'<trkpt lat="{float(lat):.7f}" lon="{float(lon):.7f}"><time>{t}</time></trkpt>')
    return ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="河长通" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' + "".join(pts) + "</trkseg></trk></gpx>").encode()


def _ranking_found(rp, app_url) -> dict[str, int]:
    """Problems found this month per sub-district, as the downloaded 红黄绿榜 Excel says."""
    rp.page.goto(f"{app_url}/rankings")
    rp.wait_for_text("下载 Excel", timeout_ms=300000)  # the first visit seeds the demo year
    _settle(rp)
    month = dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    rp.page.get_by_role("combobox", name="统计月份").click()  # the running month (the default is the last one ended)
    rp.page.get_by_role("option", name=month).click()
    _settle(rp)
    with rp.page.expect_download() as dl:
        rp.page.get_by_role("button", name="下载 Excel").click()
    sheet = pd.read_excel(dl.value.path()).dropna(subset=["发现问题"])
    return {str(s): int(n) for s, n in zip(sheet["街道/镇"], sheet["发现问题"])}


def test_patrol_finding_becomes_a_problem_that_is_closed_and_counted(app_url, new_page, artifacts, tmp_path):
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    op = new_page(1400, 1600)  # the officer's desk
    before = _ranking_found(op, app_url)
    # ---- the river chief on a phone
    rp = new_page(390, 844, user="chief.taopu")  # logged in as the demo chief of 桃浦河
    rp.page.goto(f"{app_url}/patrols")
    rp.wait_for_text("巡河频次", timeout_ms=240000)  # the first visit seeds the demo year
    rp.wait_for_text("规则 (街镇级)")  # the chief defaults to the logged-in chief's entry (桃浦河)
    assert rp.page.get_by_role("combobox", name="河长").input_value() == "孙某某 · 街镇级 · 桃浦镇"
    rp.page.locator('[data-testid="stForm"] input[type="file"]').first.set_input_files(
        files=[{"name": "孙某某_桃浦河.gpx", "mimeType": "application/gpx+xml", "buffer": _gpx_along_taopu(today)}])
    rp.wait_for_text("孙某某_桃浦河.gpx")
    rp.page.get_by_role("button", name="保存巡河记录").click()
    rp.wait_for_text("已保存巡河记录", timeout_ms=60000)
    rp.wait_for_text("孙某某_桃浦河.gpx")
    _settle(rp, 1500)
    rp.page.screenshot(path=str(artifacts / "patrols_phone_track.png"), full_page=True)
    # one tap: the finding, with a photo, becomes a problem
    rp.page.get_by_label("发现的问题").fill("桃浦河岸边建筑垃圾堆放")
    rp.page.locator('[data-testid="stForm"]').filter(has_text="转为问题").locator('input[type="file"]').set_input_files(
        files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((120, 90, 60))}])
    rp.wait_for_text("现场.jpg")
    rp.page.get_by_role("button", name="转为问题").click()
    rp.wait_for_text("已登记问题 WT", timeout_ms=60000)
    code = re.search(r"已登记问题 (WT\d{4}-\d{4})", rp.page.inner_text("body")).group(1)
    _settle(rp)
    rp.page.screenshot(path=str(artifacts / "patrols_phone_finding.png"), full_page=True)
    assert rp.external_requests() == [], rp.external_requests()

    # ---- the officer
    op.page.goto(f"{app_url}/problems?code={code}")
    op.wait_for_text(f"{code} · 桃浦河岸边建筑垃圾堆放", timeout_ms=240000)
    op.wait_for_text("巡河发现")
    sub = re.search(r"街道/镇: (\S+)", op.page.locator('[data-testid="stMain"]').inner_text()).group(1)
    op.wait_for_text("现场.jpg · ")  # the chief's photo shows on the record, as a picture
    op.page.locator('[data-testid="stImage"] img[src*="/media/"]').first.wait_for(timeout=30000)
    _settle(op)
    op.page.get_by_label("责任单位").fill("桃浦镇河长办")
    op.page.get_by_label("整改措施").fill("清运建筑垃圾，设置警示牌")
    op.page.get_by_role("button", name="交办").click()
    op.wait_for_text("开始整改")
    op.page.get_by_role("button", name="开始整改").click()
    op.wait_for_text("报送进展")
    # closing without evidence is refused, with the reason
    op.page.get_by_role("button", name="申请销号").click()
    op.wait_for_text("申请销号必须附整改佐证")
    op.page.locator('[data-testid="stForm"]').filter(has_text="申请销号").locator('input[type="file"]').set_input_files(
        files=[{"name": "整改后.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((90, 160, 90))}])
    op.wait_for_text("整改后.jpg")
    op.page.get_by_role("button", name="申请销号").click()
    op.wait_for_text("核查通过，销号")
    op.page.get_by_label("核查意见 / 退回原因").fill("现场核查，垃圾已清运")
    op.page.get_by_role("button", name="核查通过，销号").click()
    op.wait_for_text("抽查合格")
    body = op.page.locator('[data-testid="stMain"]').inner_text()
    assert "已销号" in body
    _settle(op, 1500)
    op.page.screenshot(path=str(artifacts / "problems_record_closed.png"), full_page=True)

    after = _ranking_found(op, app_url)
    changed = {k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)}
    assert changed == {sub: 1}  # the month's ranking counts the new problem in its sub-district
    _settle(op, 1500)
    op.page.screenshot(path=str(artifacts / "rankings_page.png"), full_page=True)
    assert op.external_requests() == [], op.external_requests()


def _drawer(rp):
    """The map's 图层筛选 drawer (layers and filters), opened if it is closed."""
    body = rp.page.locator("[data-testid='stPopoverBody']")
    if not body.count() or not body.first.is_visible():
        rp.page.get_by_role("button", name=re.compile("图层筛选")).click()
        body.first.wait_for()
    return body.first


def _layer_screenshot(new_page, app_url, artifacts, title: str, name: str, off: tuple[str, ...] = ()) -> None:
    rp = new_page(1366, 768)
    rp.page.goto(app_url)
    frame = rp.map_frame(timeout_s=120)
    _settle(rp)
    for label in off + (title,):  # switch the layer off / on by its label in the map's drawer, as a person does
        _drawer(rp).get_by_text(label, exact=True).click()
        _settle(rp, 500)
    assert _drawer(rp).get_by_label(title, exact=True).is_checked()
    rp.page.keyboard.press("Escape")  # close the drawer
    deadline = time.time() + 240  # the first use of the layers seeds the demo year
    while time.time() < deadline:  # the map's legend lists the layer once it is drawn
        frame = rp.map_frame(timeout_s=120)
        if title in frame.evaluate("document.body.textContent"):
            break
        time.sleep(2)
    assert title in frame.evaluate("document.body.textContent")
    _settle(rp, 2500)
    rp.page.screenshot(path=str(artifacts / name), full_page=False)
    assert rp.external_requests() == [], rp.external_requests()


def test_problem_and_coverage_layers_on_the_map(app_url, new_page, artifacts):
    _layer_screenshot(new_page, app_url, artifacts, "问题（整改状态）", "map_problems_layer.png", off=("入河排污口",))
    _layer_screenshot(new_page, app_url, artifacts, "巡河覆盖（距上次巡河天数）", "map_patrol_coverage.png",
                      off=("入河排污口", "监测断面", "建筑工地扬尘"))
