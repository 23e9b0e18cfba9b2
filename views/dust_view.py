"""工地扬尘: the daily alert list under a chosen rule, a site's last 24 h / 30 days against the limit,
readings upload, and an optional IDW surface of the day's mean PM10 metric."""
from __future__ import annotations

import base64
import datetime as dt
import tempfile
from pathlib import Path

import altair as alt
import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from gislib.dust import readings as dust_store
from gislib.services import scoped
from gislib.services.catalog import layer_frame, store
from gislib.services.catalog import version as catalog_version
from gislib.dataset import current_name
from gislib.domain import DEMO_MARK
from gislib.safe_text import md_text
from gislib.dust.rule import DustRule, evaluate, load_presets, read_readings, window_series
from gislib.errors import HetuError
from gislib.i18n import enum_label, term
from gislib.geo.idw import colorize, idw_surface
from layers.dust import current_rule_name, merged_readings
from layers.folium_elements import FitWhenSized, HetuMap, HtmlControl, TextTooltip
from layers.mapview import add_basemap
from views.common import current_user, demo_banner, lang, may, require, tr, uploaded_path, usable_upload

STATUS_COLOR = {"超标": "#f4a6a6", "有超限读数": "#ffd8a8", "正常": "#c7e9c0", "无数据": "#e0e0e0"}


def L(key: str, **fmt) -> str:
    """This page's text in the current language."""
    return tr(f"dust.{key}", **fmt)


# --------------------------------------------------------------------------- data (cached per data version)
@st.cache_data(show_spinner=False)
def readings(dataset: str, version: str) -> pd.DataFrame:
    """The data set's readings plus every uploaded reading (an upload wins for the same site and time)."""
    return merged_readings(dataset)


@st.cache_data(show_spinner=False)
def sites(dataset: str, version: str) -> pd.DataFrame:
    frame = layer_frame("dust_sites", dataset=dataset)
    frame["priority_area"] = frame["priority_area"].fillna(False).astype(bool)
    return pd.DataFrame(frame.drop(columns="geometry")).assign(lon=frame.geometry.x, lat=frame.geometry.y)


@st.cache_data(show_spinner=False)
def series(dataset: str, version: str, rule_json: dict) -> pd.DataFrame:
    rule = DustRule.from_json(rule_json)
    s = sites(dataset, version)
    return window_series(readings(dataset, version), rule, s.loc[s["priority_area"], "code"])


@st.cache_data(show_spinner=False)
def day_results(dataset: str, version: str, rule_json: dict) -> pd.DataFrame:
    rule = DustRule.from_json(rule_json)
    s = sites(dataset, version)
    return pd.DataFrame([d.to_dict() for d in evaluate(readings(dataset, version), rule,
                                                       s.loc[s["priority_area"], "code"])])


# --------------------------------------------------------------------------- widgets
def rule_picker() -> DustRule:
    presets = load_presets()
    ids = list(presets)
    default = current_rule_name()
    if "dust_rule" not in st.session_state:
        st.session_state["dust_rule"] = default if default in ids else ids[0]
    rule_id = st.selectbox(
        L("rule"), ids, key="dust_rule",
        format_func=lambda i: f"{presets[i].name} · {L('verified') if presets[i].verified else L('not_verified')}")
    rule = presets[rule_id]
    window = f"{rule.window_minutes} min"
    metric = L("rule.net") if rule.subtract_background else L("rule.value")
    if rule.subtract_background and rule.background_cap_ugm3:
        metric += L("rule.cap").format(v=f"{rule.background_cap_ugm3:g}")
    priority = L("rule.priority").format(v=format(rule.priority_multiplier, "g")) if rule.priority_multiplier != 1 else ""
    st.caption(f"{rule.pollutant} · {window} {L('rule.mean')} · {metric} > {rule.limit_ugm3:g} µg/m³{priority}"
               f" · {L('rule.allowed').format(n=rule.max_exceedances_per_day)} · {L('rule.source')}: {rule.source}")
    if not rule.verified:
        st.warning(L("unverified") + (f"\n\n{rule.note}" if rule.note else ""))
    return rule


def status_of(row: pd.Series) -> str:
    if pd.isna(row.get("exceedances")):
        return "无数据"
    return "超标" if row["exceeded"] else ("有超限读数" if row["exceedances"] > 0 else "正常")


def alert_list(days: pd.DataFrame, site_table: pd.DataFrame, day: dt.date, rule: DustRule) -> pd.DataFrame:
    today = days[days["date"] == day.isoformat()] if not days.empty else days
    table = site_table[["code", "name", "subdistrict", "phase", "priority_area"]].merge(
        today, left_on="code", right_on="site", how="left")
    table["status"] = table.apply(status_of, axis=1)
    order = {"超标": 0, "有超限读数": 1, "正常": 2, "无数据": 3}
    table = table.sort_values(["status", "exceedances", "max_value"], key=lambda c: c.map(order) if c.name == "status"
                              else -c.fillna(-1), kind="stable")
    st.subheader(f"{L('alerts')} · {day.isoformat()}")
    n_over = int((table["status"] == "超标").sum())
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("dust.sites_exceeded"), n_over)
    c2.metric(tr("dust.sites_with_windows_over"), int((table["status"] == "有超限读数").sum()))
    c3.metric(tr("dust.no_data"), int((table["status"] == "无数据").sum()))
    if n_over == 0:
        st.info(L("no_alerts"))
    shown = pd.DataFrame({
        tr("dust.code"): table["code"], tr("dust.site"): table["name"],
        tr("dust.sub_district"): table["subdistrict"], tr("dust.phase"): table["phase"].map(lambda v: term(v, lang())),
        tr("dust.priority_area"): table["priority_area"].map({True: tr("dust.yes"),
                                                                         False: ""}),
        tr("dust.limit_g_m"): table["limit_ugm3"],
        tr("dust.windows_over"): table["exceedances"],
        tr("dust.max_metric"): table["max_value"].round(1),
        tr("dust.status"): table["status"].map(lambda v: enum_label("dust_status", v, lang()))
        + ("" if rule.verified else (tr("dust.rule_not_verified"))),
        "_s": table["status"]})
    colours = shown.pop("_s").map(STATUS_COLOR).tolist()
    status_col = tr("dust.status")
    st.dataframe(shown.style.apply(lambda c: [f"background-color:{x}" for x in colours], subset=[status_col])
                 .format(precision=1, na_rep="—"), hide_index=True, width="stretch", height=320)
    return table


def metric_chart(frame: pd.DataFrame, limit: float, title: str, metric_label: str,
                 span: tuple[pd.Timestamp, pd.Timestamp], time_format: str) -> alt.Chart:
    """The metric over ``span`` (the whole span on the axis, even where readings are missing)."""
    over, under = L("chart.over"), L("chart.under")
    data = frame[["window_end", "metric", "exceeded"]].copy()  # windows are labelled by their END (01:00 = 00:00–01:00)
    data["band"] = data["exceeded"].map({True: over, False: under})
    x = alt.X("window_end:T", title=L("chart.time"),
              scale=alt.Scale(domain=[span[0].isoformat(), span[1].isoformat()]),
              axis=alt.Axis(format=time_format, labelAngle=0, labelOverlap=True))
    base = alt.Chart(data).encode(x=x)
    line = base.mark_line(color="#4c78a8", strokeWidth=1.2).encode(
        y=alt.Y("metric:Q", title=f"{metric_label} (µg/m³)"),
        tooltip=[alt.Tooltip("window_end:T", title=L("chart.window"), format="%Y-%m-%d %H:%M"),
                 alt.Tooltip("metric:Q", title=metric_label, format=".1f")])
    points = base.mark_circle(size=28).encode(
        y="metric:Q", color=alt.Color("band:N", scale=alt.Scale(domain=[under, over], range=["#4c78a8", "#d62728"]),
                                      legend=alt.Legend(title=None, orient="top")))
    rule = alt.Chart(pd.DataFrame({"limit": [limit]})).mark_rule(color="#d62728", strokeDash=[6, 4]).encode(
        y="limit:Q")
    label = alt.Chart(pd.DataFrame({"limit": [limit], "t": [f"{L('chart.limit')} {limit:g}"]})).mark_text(
        align="left", dx=4, dy=-6, color="#d62728").encode(y="limit:Q", text="t:N", x=alt.value(0))
    return (line + points + rule + label).properties(title=title, height=260)


def site_page(site_table: pd.DataFrame, ser: pd.DataFrame, days: pd.DataFrame, day: dt.date, rule: DustRule,
              default_site: str) -> None:
    codes = list(site_table["code"])
    names = dict(zip(site_table["code"], site_table["name"]))
    wanted = st.query_params.get("site")
    if "dust_site" not in st.session_state:
        st.session_state["dust_site"] = wanted if wanted in codes else default_site
    code = st.selectbox(L("site"), codes, key="dust_site", format_func=lambda c: f"{c} {names[c]}")
    st.query_params["site"] = code
    info = site_table.set_index("code").loc[code]
    limit = rule.limit_ugm3 * (rule.priority_multiplier if info["priority_area"] else 1.0)
    st.markdown(f"#### {md_text(info['name'])} · {md_text(code)}" + (f" · {term(DEMO_MARK, lang())}" if info.get("demo") else ""))
    facts = {tr("dust.project"): info.get("project"), tr("dust.builder"): info.get("builder"),
             tr("dust.phase"): term(info.get("phase"), lang()), tr("dust.sub_district"): info.get("subdistrict"),
             tr("dust.priority_area"): (tr("dust.yes")) if info["priority_area"] else (tr("dust.no")),
             tr("dust.limit_applied"): f"{limit:g} µg/m³",
             tr("dust.permit"): f"{info.get('permit_start', '')} – {info.get('permit_end', '')}"}
    st.table(pd.Series({k: md_text(v) for k, v in facts.items()}, name=tr("dust.value")))
    mine = ser[ser["site"] == code]
    metric_label = f"{rule.pollutant}{L('chart.minus_bg') if rule.subtract_background else ''} {rule.window_minutes}min"
    if mine.empty:
        st.info(L("site_no_readings"))
        return
    end = pd.Timestamp(day) + pd.Timedelta(days=1)
    start24, start30 = end - pd.Timedelta(hours=24), end - pd.Timedelta(days=30)
    last24 = mine[(mine["window_end"] > start24) & (mine["window_end"] <= end)]
    last30 = mine[(mine["window_end"] > start30) & (mine["window_end"] <= end)]
    c1, c2 = st.columns(2)
    with c1:
        if last24.empty:
            st.info(f"{L('last24')}: {L('no_readings')}")
        else:
            st.altair_chart(metric_chart(last24, limit, f"{L('last24')} ({L('until')} {day.isoformat()} 24:00)",
                                         metric_label, (start24, end), "%H:%M"), width="stretch")
    with c2:
        title = f"{L('last30')} {start30:%m-%d} – {day:%m-%d}"
        st.altair_chart(metric_chart(last30, limit, title, metric_label, (start30, end), "%m-%d"), width="stretch")
    mine_days = days[days["site"] == code] if not days.empty else days
    if not mine_days.empty:
        shown = pd.DataFrame({tr("dust.date"): mine_days["date"],
                              tr("dust.windows_over"): mine_days["exceedances"],
                              tr("dust.day_verdict"): mine_days["exceeded"].map(
                                  {True: tr("dust.exceeded"), False: tr("dust.day_ok")})
                              + ("" if rule.verified else (tr("dust.rule_not_verified"))),
                              tr("dust.max"): mine_days["max_value"].round(1),
                              tr("dust.readings"): mine_days["n_readings"]})
        st.dataframe(shown.iloc[::-1], hide_index=True, width="stretch", height=220)


def upload_readings(site_codes: set[str], every_site: pd.DataFrame) -> None:
    if not may("import"):  # the role may not: no control (gislib.auth.PERMISSIONS)
        return
    st.markdown(f"**{L('upload')}**")
    upload = st.file_uploader(L("upload"), type=["csv", "txt"], key="dust_upload", label_visibility="collapsed")
    if not usable_upload(upload):
        return
    with uploaded_path(upload) as path:
        try:
            parsed = read_readings(path)
        except HetuError as exc:
            st.error(md_text(str(exc)))
            return
    if parsed.unit_warnings:  # the officer confirms or corrects the unit before anything is saved or judged
        st.warning("\n\n".join(parsed.unit_warnings))
        choice = st.radio(L("unit"), ["mg/m³", "µg/m³"], index=None, horizontal=True, key="dust_upload_unit",
                          help=L("unit_help"))
        if choice is None:
            return
        with uploaded_path(upload) as path:
            try:
                parsed = read_readings(path, units={p: choice for p in parsed.pollutants})
            except HetuError as exc:
                st.error(str(exc))
                return
    frame = parsed.frame
    st.caption(f"{md_text(upload.name)}: " + L("parsed").format(ok=len(frame), bad=len(parsed.errors))
               + (f" · {L('converted')}: {', '.join(parsed.converted_from_mg)}" if parsed.converted_from_mg else ""))
    if parsed.errors:
        shown = parsed.errors[:50]
        more = "\n\n…" + L("more_rows").format(n=len(parsed.errors) - 50) if len(parsed.errors) > 50 else ""
        st.warning("\n".join(f"- {md_text(e.reason)}" for e in shown) + more)
    unknown = sorted(set(frame["site"]) - site_codes)
    if unknown:
        st.warning(f"{L('unknown_sites')}: {md_text(', '.join(map(str, unknown[:20])))}")
    if frame.empty:
        return
    if st.button(f"{L('save')} ({len(frame)})", key="dust_save", type="primary"):
        try:  # readings of sites outside the jurisdiction are not saved (gislib.services.scoped)
            outcome = scoped.save_dust_readings(current_user(), store(), parsed, every_site, upload.name,
                                                units=parsed.units)
        except HetuError as exc:
            st.error(md_text(str(exc)))
            return
        st.cache_data.clear()
        if outcome.created:
            st.success(L("saved").format(n=outcome.created[0]["rows"]))
        for r in outcome.rejected:
            st.warning(tr("app.readings_rejected", site=md_text(r["site"]), n=r["readings"],
                          reason=md_text(r["en"] if lang() == "en" else r["zh"])))


def idw_map(site_table: pd.DataFrame, ser: pd.DataFrame, day: dt.date, rule: DustRule, dataset: str) -> None:
    st.markdown(f"**{L('idw')}**")
    key = ("dust_idw", day.isoformat(), rule.id, catalog_version(dataset=dataset))
    if st.button(L("idw_button"), key="dust_idw_button"):
        today = ser[(ser["date"] == day) & ser["metric"].notna()]
        means = today.groupby("site")["metric"].mean()
        pts = site_table.set_index("code").loc[[c for c in means.index if c in set(site_table["code"])]]
        if len(pts) < 3:
            st.warning(L("idw_few"))
            return
        values = means.loc[pts.index].to_numpy(dtype=float)
        lonlat = pts[["lon", "lat"]].to_numpy(dtype=float)
        pad = 0.01
        bounds = (lonlat[:, 0].min() - pad, lonlat[:, 1].min() - pad, lonlat[:, 0].max() + pad, lonlat[:, 1].max() + pad)
        vmax = float(max(values.max(), 1.0))  # colours span the day's data; the legend names the limit
        try:
            with tempfile.TemporaryDirectory() as tmp:
                tif = idw_surface(lonlat, values, bounds, Path(tmp) / "pm10.tif", resolution_m=100, power=2,
                                  max_distance_m=3000)
                png, overlay_bounds = colorize(tif, Path(tmp) / "pm10.png", vmin=0, vmax=vmax, cmap="YlOrRd")
                png_bytes = png.read_bytes()
        except HetuError as exc:
            st.error(md_text(str(exc)))
            return
        st.session_state[key] = {"png": base64.b64encode(png_bytes).decode(), "bounds": overlay_bounds,
                                 "vmax": vmax, "points": [(c, float(x), float(y), float(v)) for c, (x, y), v in
                                                          zip(pts.index, lonlat, values)]}
    result = st.session_state.get(key)
    if not result:
        return
    south_west, north_east = result["bounds"]
    fmap = HetuMap(location=[(south_west[0] + north_east[0]) / 2, (south_west[1] + north_east[1]) / 2],
                   zoom_start=13, tiles=None, control_scale=True, max_zoom=19)
    add_basemap(fmap, "offline", dataset)
    folium.raster_layers.ImageOverlay(image="data:image/png;base64," + result["png"], bounds=result["bounds"],
                                      opacity=0.6, name="PM10 IDW").add_to(fmap)
    for code, x, y, v in result["points"]:
        folium.CircleMarker([y, x], radius=4, color="#333333", weight=1, fill=True, fill_color="#ffffff",
                            fill_opacity=0.9, tooltip=TextTooltip(f"{code}: {v:.0f} µg/m³")).add_to(fmap)
    legend = (f"<b>{rule.pollutant} {L('idw.minus_bg') if rule.subtract_background else ''}{L('idw.daily_mean')} µg/m³</b><br>"
              "<div style='width:160px;height:10px;background:linear-gradient(to right,#ffffcc,#fd8d3c,#800026)'></div>"
              f"<div style='display:flex;justify-content:space-between;width:160px'><span>0</span>"
              f"<span>{result['vmax']:.0f}</span></div>{L('idw.limit')} {rule.limit_ugm3:g} · {day.isoformat()} · IDW p=2, 100 m")
    HtmlControl(legend, position="bottomright").add_to(fmap)
    HtmlControl(DEMO_MARK, position="topright", css_class="hetu-demo-mark").add_to(fmap)
    FitWhenSized([south_west, north_east]).add_to(fmap)
    st_folium(fmap, key="dust_idw_map", height=420, use_container_width=True, returned_objects=[])


def main() -> None:
    st.markdown(f"### {L('title')}")
    demo_banner()
    user = require("list_layer", "dust")  # a viewer: dust sites are not published by default
    dataset = current_name()
    version = catalog_version(dataset=dataset)
    rule = rule_picker()
    rule_json = rule.to_dict()
    data = readings(dataset, version)
    if data.empty:
        st.info(L("none_yet"))
        return
    first, last = data["time"].min().date(), data["time"].max().date()
    day = st.date_input(L("day"), value=last, min_value=first, max_value=last, key="dust_day")
    every_site = sites(dataset, version)
    site_table = scoped.dust_sites(user, every_site)  # the jurisdiction only (sites count by sub-district)
    if site_table.empty:
        st.info(tr("app.none_in_jurisdiction"))
        return
    data = scoped.dust_readings(user, data, every_site)
    try:
        ser, days = series(dataset, version, rule_json), day_results(dataset, version, rule_json)
    except HetuError as exc:
        st.error(md_text(str(exc)))
        return
    mine = set(site_table["code"])
    ser = ser[ser["site"].isin(mine)]
    days = days[days["site"].isin(mine)] if not days.empty else days
    table = alert_list(days, site_table, day, rule)
    st.divider()
    default_site = table["code"].iloc[0] if len(table) else site_table["code"].iloc[0]
    site_page(site_table, ser, days, day, rule, default_site)
    st.divider()
    c1, c2 = st.columns(2, gap="large")
    with c1:
        idw_map(site_table, ser, day, rule, dataset)
    with c2:
        upload_readings(set(site_table["code"]), every_site)
    st.caption(f"{term(DEMO_MARK, lang())} · {dataset} · "
               + L("footer").format(n=f"{len(data):,}", up=f"{dust_store.count(store()):,}")
               + " · © OpenStreetMap contributors (ODbL)")


main()
