"""Issue 12 Must-show: honest files end fully imported after the officer's choices in the preview.

* A ledger in BD-09 (百度) without a type column, 48 rows: the officer fills the type for the batch.
* A field app's KML, 20 placemarks, the code in the description (``编码:PT…<br>名称:…``), half of
  them typed with a variant the synonym table knows (雨水排口), two with one it does not
  (养殖尾水排口, mapped by the officer), one placed on top of a stored outfall (keep both).
Both end with every row written; screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import pytest

from gislib.geo import crs
from gislib.dataset import load_layer
from tests.browser.test_import_browser import _metrics, choose_prefixed

pytestmark = pytest.mark.browser

SHIFT = 0.0004  # ~44 m north of a demo outfall: inside Putuo, away from the stored points


def _positions(first: int, n: int) -> list[tuple[str, float, float]]:
    """n points ~44 m north of demo outfalls from index ``first``, skipping any that would land
    within 20 m of a stored outfall (those would rightly be flagged as possible duplicates)."""
    import geopandas as gpd
    import shapely

    from gislib.io.validate import near_duplicates

    outfalls = load_layer("outfalls", "putuo").sort_values("code")
    stored = [(c, g.x, g.y, "") for c, g in zip(outfalls["code"], outfalls.geometry)]
    cand = outfalls.iloc[first:first + 2 * n]
    pts = gpd.GeoDataFrame({"code": list(cand["code"]), "name": list(cand["code"]), "source_row": range(len(cand))},
                           geometry=shapely.points([(g.x, g.y + SHIFT) for g in cand.geometry]), crs=4326)
    near = {d["row"] for d in near_duplicates(pts, 20, stored)}
    out = [(c, g.x, g.y) for k, (c, g) in enumerate(zip(pts["code"], pts.geometry)) if k not in near]
    return out[:n]


def bd09_ledger(path, n: int = 48):
    lines = ["编号,名称,百度经度,百度纬度,河道,街道"]
    for i, (_code, lon, lat) in enumerate(_positions(100, n), start=1):
        bx, by = crs.wgs84_to_bd09(lon, lat)
        lines.append(f"HB{i:03d},河边排查点{i},{bx:.7f},{by:.7f},苏州河,长征镇")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def field_kml(path, n: int = 20):
    marks = []
    stored = load_layer("outfalls", "putuo").sort_values("code").iloc[200]
    for i, (_code, lon, lat) in enumerate(_positions(160, n), start=1):
        if i == n:  # on top of a stored outfall: 0.0 m
            lon, lat = stored.geometry.x, stored.geometry.y
        kind = {1: "养殖尾水排口", 2: "养殖尾水排口"}.get(i, "雨水排口" if i % 2 else "")
        desc = f"编码:FA{i:04d}<br>名称：巡河发现排口{i}" + (f"<br>类型:{kind}" if kind else "") + "<br>河道:桃浦河"
        marks.append(f"<Placemark><name>巡查点{i}</name><description><![CDATA[{desc}]]></description>"
                     f"<Point><coordinates>{lon:.7f},{lat:.7f},0</coordinates></Point></Placemark>")
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                    + "".join(marks) + "</Document></kml>", encoding="utf-8")
    return path


def _open(new_page, app_url, path):
    rp = new_page(1366, 900)
    page = rp.page
    page.goto(f"{app_url}/import")
    rp.wait_for_text("数据导入与导出", timeout_ms=60000)
    page.locator('input[type="file"]').first.set_input_files(str(path))
    rp.wait_for_text("试导入预览（尚未写入）", timeout_ms=90000)
    return rp, page


def _withdraw(app_data_dir, codes) -> None:
    from gislib.errors import HetuError
    from gislib.store import open_store

    with open_store(app_data_dir) as store:
        for code in codes:
            try:
                store.remove("outfalls", code, user="test:cleanup", reason="浏览器测试导入，测试后撤销")
            except HetuError:
                pass


def test_bd09_ledger_without_type_all_rows_after_batch_fill(app_url, new_page, artifacts, tmp_path, app_data_dir):
    rp, page = _open(new_page, app_url, bd09_ledger(tmp_path / "河边排查台账_百度.csv"))
    rp.wait_for_text("BD-09（百度坐标）", timeout_ms=60000)
    metrics = _metrics(page)
    assert metrics["总行数"] == "48" and metrics["接受"] == "48" and metrics["拒绝"] == "0", metrics
    assert "48 行未填排口类型" in page.inner_text("body")  # imported as 暂无法确定, with a warning
    choose_prefixed(page, "fill_", "城镇雨洪排口")  # the officer knows: all are storm outfalls
    rp.wait_idle()
    rp.wait_for_text("48 行的「二级类型」为空，已按整批填写为「城镇雨洪排口」", timeout_ms=60000)
    page.get_by_text("为整批填写").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "import_honest_bd09_fill.png"))
    try:
        page.get_by_role("button", name="确认写入数据库").click()
        rp.wait_for_text("已写入：新增 48 条", timeout_ms=90000)
        page.get_by_text("已写入：新增 48 条").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / "import_honest_bd09_written.png"))
        from gislib.store import open_store

        with open_store(app_data_dir) as store:
            got = [store.get("outfalls", f"HB{i:03d}") for i in range(1, 49)]
        assert {(r["type_l1"], r["type_l2"]) for r in got} == {("其他排口", "城镇雨洪排口")}
        assert {r["source_crs"] for r in got} == {"bd09"}
    finally:
        _withdraw(app_data_dir, [f"HB{i:03d}" for i in range(1, 49)])


def test_field_app_kml_codes_in_descriptions_all_rows_after_choices(app_url, new_page, artifacts, tmp_path,
                                                                     app_data_dir):
    rp, page = _open(new_page, app_url, field_kml(tmp_path / "巡河记录_两步路.kml"))
    metrics = _metrics(page)
    assert metrics["总行数"] == "20" and metrics["拒绝"] == "2", metrics  # 养殖尾水排口 is not a type yet
    body = page.inner_text("body")
    assert "从地标描述（description）中读出列：编码、名称、类型、河道" in body
    assert "可能重复的点位" in body and page.get_by_role("button", name="确认写入数据库").is_disabled()
    choose_prefixed(page, "value_", "规模以下水产养殖排污口")  # the officer maps the unknown type
    rp.wait_idle()
    rp.wait_for_text("养殖尾水排口→规模以下水产养殖排污口", timeout_ms=60000)
    metrics = _metrics(page)
    assert metrics["接受"] == "20" and metrics["拒绝"] == "0", metrics
    choose_prefixed(page, "near_all_", "都保留")  # FA0020 sits on a stored outfall: keep both
    rp.wait_idle()
    page.get_by_text("可能重复的点位").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "import_honest_kml_duplicate.png"))
    page.get_by_text("值对照").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "import_honest_kml_choices.png"))
    try:
        page.get_by_role("button", name="确认写入数据库").click()
        rp.wait_for_text("已写入：新增 20 条", timeout_ms=90000)
        page.get_by_text("已写入：新增 20 条").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / "import_honest_kml_written.png"))
        from gislib.store import open_store

        with open_store(app_data_dir) as store:
            one, three, four = (store.get("outfalls", c) for c in ("FA0001", "FA0003", "FA0004"))
            assert one["name"] == "巡查点1" and one["river"] == "桃浦河"  # the placemark's own name wins over 名称
            assert (one["type_l1"], one["type_l2"]) == ("其他排口", "规模以下水产养殖排污口")
            assert three["type_l2"] == "城镇雨洪排口" and four["type_l2"] == "暂无法确定"
            remembered = store.recall_import("officer.demo", _key(store), "values")
        assert remembered == {"type_l2": {"养殖尾水排口": "规模以下水产养殖排污口", "雨水排口": "城镇雨洪排口"}}
    finally:
        _withdraw(app_data_dir, [f"FA{i:04d}" for i in range(1, 21)])


def _key(store) -> str:
    return store._conn.execute("SELECT source_key FROM import_memory WHERE kind='values' ORDER BY updated_at DESC"
                               ).fetchone()[0]
