"""The import page in the real app: upload the GCJ-02 Excel sample, see the dry run (counts, map,
tables), confirm, see the write result; nothing leaves localhost."""
from __future__ import annotations

import time

import pytest

from gislib.geo import crs
from gislib.io.examples import SAMPLES, build_sample, true_positions

pytestmark = pytest.mark.browser

MAP_STATE_JS = """() => {
  const markers = document.querySelectorAll('path.leaflet-interactive').length;
  const tiles = Array.from(document.querySelectorAll('.leaflet-tile-pane img')).filter(i => i.complete && i.naturalWidth > 0).length;
  const a = document.querySelector('.leaflet-control-attribution');
  const legend = document.querySelector('.hetu-legend');
  return {markers, tiles, attribution: a ? a.innerText : '', legend: legend ? legend.innerText : ''};
}"""


def _metrics(page, n: int = 6, timeout_s: float = 30) -> dict[str, str]:
    """Label → value of the page's st.metric boxes, once ``n`` of them are there."""
    deadline = time.time() + timeout_s
    while time.time() < deadline and len(page.query_selector_all('[data-testid="stMetric"]')) < n:
        time.sleep(0.3)
    out = {}
    for m in page.query_selector_all('[data-testid="stMetric"]'):
        label = m.query_selector('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = m.query_selector('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def _wait_map(frame, markers: int, timeout_s: float = 30) -> dict:
    deadline = time.time() + timeout_s
    state = {}
    while time.time() < deadline:
        state = frame.evaluate(MAP_STATE_JS)
        if state["markers"] >= markers and state["tiles"] > 0:
            return state
        time.sleep(0.3)
    return state


def _choose(page, key: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox whose widget key is ``key``."""
    page.locator(f".st-key-{key} [role=combobox]").click()
    page.get_by_role("option", name=option).first.click()
    page.locator(f".st-key-{key} [role=combobox][value='{option}']").wait_for(timeout=10000)


def choose_prefixed(page, key_prefix: str, option: str) -> None:
    """Pick ``option`` in the selectbox whose widget key starts with ``key_prefix`` (keys carry the file digest)."""
    page.locator(f'[class*="st-key-{key_prefix}"] [role=combobox]').first.click()
    page.keyboard.type(option)  # long option lists are virtualised: filter first
    page.get_by_role("option", name=option, exact=True).first.click()
    page.locator(f'[class*="st-key-{key_prefix}"] [role=combobox][value="{option}"]').first.wait_for(timeout=10000)


def _export_gcj_excel_round_trip(rp, artifacts, tmp_path, truth) -> None:
    """Export the outfalls as Excel in GCJ-02: the new outfall comes back at its GCJ-02 position."""
    from openpyxl import load_workbook

    page = rp.page
    _choose(page, "export_format", "Excel (.xlsx)")
    _choose(page, "export_crs", "GCJ-02（高德/腾讯地图拾取）")
    page.get_by_role("button", name="生成导出文件").click()
    button = page.get_by_role("button", name="下载 入河排污口_gcj02.xlsx")
    button.wait_for(timeout=60000)
    with page.expect_download() as info:
        button.click()
    path = tmp_path / "export.xlsx"
    info.value.save_as(path)
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "import_export_gcj.png"))
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    header = rows[0]
    by_code = {r[header.index("排口编码")]: r for r in rows[1:]}
    assert len(by_code) == 302  # 300 demo outfalls + the 2 new ones
    got = by_code["PT-2001"]
    want = crs.wgs84_to_gcj02(*truth["PT-2001"])
    assert abs(got[header.index("经度")] - want[0]) < 1e-6 and abs(got[header.index("纬度")] - want[1]) < 1e-6
    assert set(r[header.index("坐标系")] for r in rows[1:]) == {"gcj02"}


def _cleanup_inserted(app_data_dir, codes) -> None:
    """Withdraw the outfalls this test inserted, so other browser tests still see the demo set."""
    from gislib.errors import HetuError
    from gislib.store import open_store

    store = open_store(app_data_dir)
    for code in codes:
        try:
            store.remove("outfalls", code, user="test:cleanup", reason="浏览器测试导入的示例数据，测试后撤销")
        except HetuError:  # not written (the test failed before the write)
            pass


def test_import_preview_then_write(app_url, new_page, artifacts, tmp_path, app_data_dir):
    spec = SAMPLES["gcj_excel"]
    sample = build_sample("gcj_excel", tmp_path)
    rp = new_page(1400, 1000)
    page = rp.page
    page.goto(f"{app_url}/import")
    rp.wait_for_text("数据导入与导出", timeout_ms=60000)
    page.locator('input[type="file"]').first.set_input_files(str(sample))
    rp.wait_for_text("试导入预览（尚未写入）", timeout_ms=60000)
    rp.wait_for_text("GCJ-02（高德/腾讯/火星坐标）", timeout_ms=60000)

    metrics = _metrics(page)
    assert metrics.get("总行数") == "11", metrics
    assert metrics["接受"] == str(len(spec.accepted_rows)) == "6"
    assert metrics["拒绝"] == str(len(spec.rejected)) == "5"
    assert (metrics["其中新增"], metrics["其中更新"]) == ("2", "4")

    frame = rp.map_frame()
    state = _wait_map(frame, markers=6)
    assert state["markers"] == 6, state  # one circle per accepted row
    assert state["tiles"] > 0, "offline basemap tiles did not load"
    assert "OpenStreetMap" in state["attribution"]
    assert "接受·需核对" in state["legend"]
    assert "下载拒绝清单 (Excel)" in page.inner_text("body")  # the tables are canvas grids; their download is text
    rp.stable_box(rp.map_iframe)
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "import_preview.png"))
    page.get_by_text("被拒绝的行（5）").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "import_preview_tables.png"))

    try:
        # row 8 lies 2 m from row 7: the write waits for the officer's decision
        assert page.get_by_role("button", name="确认写入数据库").is_disabled()
        choose_prefixed(page, "near_all_", "都保留")
        rp.wait_idle()
        page.get_by_role("button", name="确认写入数据库").click()
        rp.wait_for_text("已写入：新增 2 条", timeout_ms=60000)
        body = page.inner_text("body")
        assert "officer.demo" in body  # the logged-in account (conftest logs in as officer.demo)
        from gislib.store import open_store

        with open_store(app_data_dir) as st:  # the column mapping is remembered in the store
            key = st._conn.execute("SELECT data FROM import_memory WHERE kind='columns'").fetchone()
        assert key and "排口编码" in key[0]
        page.get_by_text("已写入：新增 2 条").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / "import_written.png"))
        _export_gcj_excel_round_trip(rp, artifacts, tmp_path, truth=true_positions())
    finally:
        _cleanup_inserted(app_data_dir, ("PT-2001", "PT-2002"))
    assert rp.external_requests() == [], rp.external_requests()


@pytest.mark.parametrize("kind, crs_label", [("gbk_shp", "CGCS2000 / 3-degree Gauss-Kruger CM 120E"), ("bd09_csv", "BD-09（百度坐标）")])
def test_import_preview_other_formats(kind, crs_label, app_url, new_page, artifacts, tmp_path):
    """A GBK Shapefile zip in EPSG:4549 and a GBK BD-09 CSV preview with the right CRS and counts."""
    spec = SAMPLES[kind]
    rp = new_page(1400, 1000)
    page = rp.page
    page.goto(f"{app_url}/import")
    rp.wait_for_text("数据导入与导出", timeout_ms=60000)
    page.locator('input[type="file"]').first.set_input_files(str(build_sample(kind, tmp_path)))
    rp.wait_for_text("试导入预览（尚未写入）", timeout_ms=60000)
    rp.wait_for_text(crs_label, timeout_ms=60000)
    metrics = _metrics(page)
    assert metrics.get("接受") == str(len(spec.accepted_rows)), metrics
    assert metrics.get("拒绝") == str(len(spec.rejected)), metrics
    state = _wait_map(rp.map_frame(), markers=len(spec.accepted_rows))
    assert state["markers"] == len(spec.accepted_rows), state
    rp.stable_box(rp.map_iframe)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / f"import_preview_{kind}.png"))
    assert rp.external_requests() == [], rp.external_requests()
