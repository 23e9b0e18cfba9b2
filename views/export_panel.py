"""The map view's export panel: the current view as PNG/PDF, and atlases with a progress bar.

The map view calls :func:`render_export_panel` with the layers that are on, the filters and the
visible bounds; all drawing happens in :mod:`layers.snapshot`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import astuple

import streamlit as st

from gislib.services.catalog import version as catalog_version
from gislib.errors import HetuError
from gislib.safe_text import md_text
from layers.base import Filters
from layers.mapview import styled_layer
from layers.snapshot import ATLAS_BY, TITLES, atlas, district_name, snapshot
from views.common import lang, localized

TEXT: dict[str, dict[str, str]] = {
    "export": {"zh": "导出地图（PNG/PDF）与图集", "en": "Export map (PNG/PDF) and atlas"},
    "title": {"zh": "标题", "en": "Title"},
    "subtitle": {"zh": "副标题", "en": "Subtitle"},
    "format": {"zh": "格式", "en": "Format"},
    "paper": {"zh": "纸张", "en": "Paper"},
    "orientation": {"zh": "方向", "en": "Orientation"},
    "landscape": {"zh": "横向", "en": "Landscape"},
    "portrait": {"zh": "纵向", "en": "Portrait"},
    "dpi": {"zh": "分辨率 (DPI)", "en": "Resolution (DPI)"},
    "inset": {"zh": "添加位置示意图", "en": "Add locator inset"},
    "extent": {"zh": "范围", "en": "Extent"},
    "extent.view": {"zh": "当前视图", "en": "Current view"},
    "extent.district": {"zh": "全区", "en": "Whole district"},
    "view_is": {"zh": "当前视图：{w:.5f}–{e:.5f}°E，{s:.5f}–{n:.5f}°N{zoom}（移动或缩放地图即更新）",
                "en": "Current view: {w:.5f}–{e:.5f}°E, {s:.5f}–{n:.5f}°N{zoom} (follows the map as you move it)"},
    "make": {"zh": "生成地图", "en": "Make map"},
    "download": {"zh": "下载", "en": "Download"},
    "atlas": {"zh": "图集（多页 PDF）", "en": "Atlas (multi-page PDF)"},
    "atlas.by": {"zh": "分页依据", "en": "One page per"},
    "atlas.codes": {"zh": "选择（留空为全部）", "en": "Choose (empty: all)"},
    "atlas.codes_outfall": {"zh": "选择排口（必选）", "en": "Choose outfalls (required)"},
    "atlas.placeholder": {"zh": "可多选", "en": "Choose one or more"},
    "atlas.make": {"zh": "生成图集", "en": "Make atlas"},
    "atlas.done": {"zh": "图集已生成：{n} 页", "en": "Atlas ready: {n} pages"},
    "by.subdistrict": {"zh": "街道/镇", "en": "Sub-district"},
    "by.river": {"zh": "河道", "en": "River"},
    "by.outfall": {"zh": "排口", "en": "Outfall"},
    "note": {"zh": "地图含图例、比例尺、指北针、坐标系与数据来源（© OpenStreetMap contributors, ODbL）；PDF 文字可搜索。",
             "en": "Maps carry legend, scale bar, north arrow, CRS and credits (© OpenStreetMap contributors, ODbL); "
                   "PDF text is searchable."},
}
DPI_CHOICES = (100, 150, 200, 300)
MIME = {"png": "image/png", "pdf": "application/pdf"}


def _t(key: str, **fmt) -> str:
    return localized(TEXT[key], **fmt)


def view_bounds(bounds) -> tuple[float, float, float, float] | None:
    """(minlon, minlat, maxlon, maxlat) from a tuple or from st_folium's ``bounds`` dict; None if unknown."""
    if not bounds:
        return None
    if isinstance(bounds, dict):
        try:
            sw, ne = bounds["_southWest"], bounds["_northEast"]
            values = (float(sw["lng"]), float(sw["lat"]), float(ne["lng"]), float(ne["lat"]))
        except (KeyError, TypeError, ValueError):
            return None
    else:
        values = tuple(float(v) for v in bounds)
    minx, miny, maxx, maxy = values
    return values if (maxx > minx and maxy > miny) else None


@st.cache_data(show_spinner=False, max_entries=16)
def _snapshot_bytes(version: str, fmt: str, layers_on: tuple[str, ...], filters: tuple, bbox, title: str,
                    subtitle: str, paper: str, orientation: str, dpi: int, inset: bool, lang_: str,
                    date: str) -> bytes:
    """Cached render keyed on the data version and every option."""
    return snapshot(fmt, layers_on=layers_on, filters=Filters(*filters), bbox4326=bbox, title=title,
                    subtitle=subtitle, paper=paper, orientation=orientation, dpi=dpi, inset=inset, lang=lang_,
                    date=date)


def _atlas_choices(by: str) -> list[str]:
    if by == "subdistrict":
        return sorted(styled_layer("subdistricts", None, lang())["name"])
    if by == "river":
        from layers.snapshot import atlas_codes

        return atlas_codes("river")
    return sorted(styled_layer("outfalls", None, lang())["code"])


def render_export_panel(layers_on: tuple[str, ...], filters: Filters | None = None, bounds=None,
                        zoom: float | None = None) -> None:
    """The export expander: options, a make button and the download; then the atlas section.

    ``bounds`` and ``zoom`` are the live map's (st_folium's ``bounds`` dict) or the district's."""
    filters = filters or Filters()
    lg = lang()
    with st.expander(_t("export"), expanded=True):
        st.caption(_t("note"))
        t1, t2 = st.columns(2)
        title = t1.text_input(_t("title"), value=TITLES[lg]["snapshot"].format(district=district_name(lg)),
                              key="mapexport_title")
        subtitle = t2.text_input(_t("subtitle"), value="", key="mapexport_subtitle")
        c1, c2, c3, c4 = st.columns(4)
        fmt = c1.radio(_t("format"), ["pdf", "png"], horizontal=True, key="mapexport_format",
                       format_func=str.upper)
        paper = c2.selectbox(_t("paper"), ["A4", "A3"], key="mapexport_paper")
        orientation = c3.selectbox(_t("orientation"), ["landscape", "portrait"], key="mapexport_orientation",
                                   format_func=_t)
        dpi = c4.selectbox(_t("dpi"), DPI_CHOICES, index=2, key="mapexport_dpi")
        bbox = view_bounds(bounds)
        extent = st.radio(_t("extent"), ["view", "district"] if bbox else ["district"], horizontal=True,
                          key="mapexport_extent", format_func=lambda v: _t("extent." + v))
        if bbox and extent == "view":
            st.caption(_t("view_is", w=bbox[0], e=bbox[2], s=bbox[1], n=bbox[3],
                          zoom="" if zoom is None else f" · zoom {float(zoom):g}"))
        inset = st.checkbox(_t("inset"), value=True, key="mapexport_inset")
        if st.button(_t("make"), key="mapexport_make", type="primary"):
            with st.spinner("…"):
                try:
                    data = _snapshot_bytes(catalog_version(), fmt, tuple(layers_on), astuple(filters),
                                           bbox if extent == "view" else None, title, subtitle, paper, orientation,
                                           int(dpi), inset, lg, dt.date.today().isoformat())
                except HetuError as exc:
                    st.error(md_text(str(exc)))
                else:
                    st.session_state["mapexport_map_file"] = (f"hetu_map_{dt.date.today():%Y%m%d}.{fmt}", data, MIME[fmt])
        if "mapexport_map_file" in st.session_state:
            name, data, mime = st.session_state["mapexport_map_file"]
            st.download_button(f"⬇ {_t('download')} {name} ({len(data) // 1024} KiB)", data, file_name=name,
                               mime=mime, key="mapexport_download")

        st.markdown(f"**{_t('atlas')}**")
        by = st.radio(_t("atlas.by"), ATLAS_BY, horizontal=True, key="mapexport_atlas_by", format_func=lambda v: _t("by." + v))
        codes = st.multiselect(_t("atlas.codes_outfall" if by == "outfall" else "atlas.codes"), _atlas_choices(by),
                               key=f"mapexport_atlas_codes_{by}", placeholder=_t("atlas.placeholder"))
        if st.button(_t("atlas.make"), key="mapexport_atlas_make", disabled=(by == "outfall" and not codes)):
            bar = st.progress(0.0, text="0 %")

            def progress(done: int, total: int, label: str) -> None:
                bar.progress(done / total, text=f"{done}/{total} {label}")

            try:
                data = atlas(by, codes or None, progress=progress, layers_on=tuple(layers_on) or None,
                             paper=paper, orientation=orientation, dpi=min(int(dpi), 200), inset=inset, lang=lg,
                             filters=filters)
            except HetuError as exc:
                st.error(md_text(str(exc)))
            else:
                n = len(codes) if codes else len(_atlas_choices(by))
                st.session_state["mapexport_atlas_file"] = (f"hetu_atlas_{by}_{dt.date.today():%Y%m%d}.pdf", data, n)
        if "mapexport_atlas_file" in st.session_state:
            name, data, n = st.session_state["mapexport_atlas_file"]
            st.success(_t("atlas.done").format(n=n))
            st.download_button(f"⬇ {_t('download')} {name} ({len(data) // 1024} KiB)", data, file_name=name,
                               mime=MIME["pdf"], key="mapexport_atlas_download")
