"""巡河: a river chief records a patrol (GPX/KML/KMZ track or points tapped on the map), sees the stretches it
covered, turns a finding into a problem with one tap, and sees their patrol count against the required frequency."""
from __future__ import annotations

import datetime as dt

import folium
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from gislib.services import scoped
from gislib.services.catalog import store, store_dir
from gislib.dataset import current_name
from gislib.domain import DEMO_MARK
from gislib.errors import HetuError
from gislib.patrols import frequency
from gislib.patrols.repo import PatrolRepo
from gislib.patrols.tracks import points_track, read_track
from gislib.problems import model
from gislib.problems.config import load_config
from gislib.problems.locate import dataset_context
from gislib.problems.rankings import months_back
from gislib.problems.service import today_shanghai
from layers.problems import md_text
from gislib.i18n import enum_label, term
from views.common import current_user, demo_banner, lang, require, tr, usable_upload



def L(key: str, **fmt) -> str:
    return tr(f"patrols.{key}", **fmt)


@st.cache_resource(show_spinner=False)
def _seeded(dataset: str, folder: str) -> bool:
    """Seed the demo once per store (``folder``: the store's directory, so that another data directory in the
    same process is seeded too)."""
    from gislib.demo.problems import ensure_demo

    with st.spinner(tr("app.seeding_demo")):
        return ensure_demo(store(), dataset)


def rule_text(rule: dict) -> str:
    per = tr(f"patrols.period.{rule['period']}")
    return tr("patrols.rule_text", per=per, n=rule["min_count"], minutes=rule["min_minutes"], km=rule["min_km"])


def pick_chief(st_) -> dict | None:
    account = current_user()
    chiefs = scoped.chiefs(account, st_)  # the chiefs of the account's rivers and sub-districts only
    if not chiefs:
        return None
    user = account.name
    names = [c["name"] for c in chiefs]
    # the logged-in chief's own entry: by name, else the first chief of one of the account's rivers
    mine = next((i for i, c in enumerate(chiefs) if c["name"] in (account.display_name, account.name)),
                next((i for i, c in enumerate(chiefs) if set(c.get("rivers") or ()) & set(account.rivers)), 0))
    idx = st.selectbox(L("chief"), range(len(chiefs)), index=mine, key=f"patrol_chief_{user}",
                       format_func=lambda i: f"{names[i]} · {enum_label('chief_level', chiefs[i]['level'], lang())} · {chiefs[i].get('subdistrict') or tr('app.whole_district')}")
    return chiefs[idx]


def base_map(height: int = 330, key: str = "patrol_map", extra=None, click: bool = False):
    from layers.problems import district_map

    fmap = district_map(st.session_state.get("basemap", "offline"))
    bounds = None
    for element, b in (extra or []):
        element.add_to(fmap)
        bounds = b or bounds
    if bounds:
        fmap.fit_bounds(bounds)
    return st_folium(fmap, key=key, height=height, use_container_width=True,
                     returned_objects=["last_clicked"] if click else [])


def patrol_layers(patrol: dict) -> list:
    """The track (blue) and the stretches it covered (green) as folium elements with their bounds."""
    track = shapely.from_wkt(patrol["track_wkt"])
    net = dataset_context().network
    covered = [net.edge_geom[i] for i in patrol["stretches"]]
    out = []
    if covered:
        import geopandas as gpd

        gdf = gpd.GeoDataFrame(geometry=covered, crs="EPSG:4549").to_crs(4326)
        out.append((folium.GeoJson(gdf.to_json(), style_function=lambda f: {"color": "#1a9641", "weight": 7, "opacity": 0.7}), None))
    minx, miny, maxx, maxy = track.bounds
    out.append((folium.GeoJson(shapely.to_geojson(track), style_function=lambda f: {"color": "#2b6cb0", "weight": 3}),
                [[miny, minx], [maxy, maxx]]))
    return out


def patrol_summary(patrol: dict, rule: dict) -> None:
    ok, why = frequency.counts(patrol, rule)
    c = st.columns(4)
    c[0].metric(L("length"), f"{patrol['length_m'] / 1000:.2f} km")
    c[1].metric(L("duration"), "—" if patrol["duration_min"] is None else f"{patrol['duration_min']:.0f} min")
    c[2].metric(L("stretches"), len(patrol["stretches"]))
    c[3].metric(L("counts"), "✓" if ok else "✗")
    if not ok:
        st.caption(why)


def record_forms(st_, repo: PatrolRepo, chief: dict) -> None:
    with st.form("track_upload", clear_on_submit=False):
        upload = st.file_uploader(L("upload"), type=["gpx", "kml", "kmz"], key="track_file")
        c1, c2 = st.columns(2)
        crs = c1.selectbox(L("crs"), ("auto", "wgs84", "gcj02", "bd09"), format_func=lambda k: tr(f"patrols.crs.{k}"))
        day = c2.date_input(L("date"), value=today_shanghai(), max_value=today_shanghai())
        c3, c4 = st.columns(2)
        start = c3.time_input(L("start"), value=None)
        end = c4.time_input(L("end"), value=None)
        note = st.text_input(L("note"))
        go = st.form_submit_button(L("save"), type="primary")
    if go and usable_upload(upload):
        _save(lambda: scoped.record_patrol(current_user(), st_, read_track(upload.getvalue(), upload.name, crs),
                                           chief["id"], date=day, started_at=_at(day, start), ended_at=_at(day, end),
                                           note=note or None, source_file=upload.name))
    taps = st.session_state.setdefault("taps", [])
    st.caption(L("tap") + " · " + L("tapped", n=len(taps)))
    extra = []
    if len(taps) >= 2:
        extra.append((folium.PolyLine([(b, a) for a, b in taps], color="#2b6cb0", weight=3), None))
    for a, b in taps:
        extra.append((folium.CircleMarker((b, a), radius=4, color="#2b6cb0", fill=True), None))
    out = base_map(key="tap_map", extra=extra, click=True)
    clicked = (out or {}).get("last_clicked")
    if clicked and (clicked["lng"], clicked["lat"]) != st.session_state.get("last_tap"):
        st.session_state["last_tap"] = (clicked["lng"], clicked["lat"])
        taps.append((clicked["lng"], clicked["lat"]))
        st.rerun()
    c1, c2 = st.columns(2)
    if c1.button(L("save_tap"), disabled=len(taps) < 2):
        _save(lambda: scoped.record_patrol(current_user(), st_, points_track(taps), chief["id"], date=today_shanghai()))
        st.session_state["taps"] = []
    if c2.button(L("clear")):
        st.session_state["taps"] = []
        st.rerun()


def _at(day: dt.date, t: dt.time | None) -> dt.datetime | None:
    from zoneinfo import ZoneInfo

    return None if t is None else dt.datetime.combine(day, t, ZoneInfo("Asia/Shanghai"))


def _save(fn) -> None:
    try:
        patrol = fn()
    except HetuError as exc:
        st.error(f"{L('refused')}: {exc}")
        return
    st.session_state["patrol_current"] = patrol["code"]
    st.session_state["patrols_flash"] = f"{L('saved')} {patrol['code']}"
    st.rerun()


def finding_form(st_, patrol: dict) -> None:
    st.markdown(f"**{L('finding')}**")
    track = shapely.from_wkt(patrol["track_wkt"])
    end = shapely.get_point(track.geoms[-1], -1) if hasattr(track, "geoms") else shapely.get_point(track, -1)
    with st.form("finding", clear_on_submit=True):
        text = st.text_input(L("finding_text"))
        c1, c2, c3 = st.columns(3)
        cat = c1.selectbox(L("category"), model.CATEGORIES)
        lon = c2.number_input("lon", value=round(end.x, 6), format="%.6f")
        lat = c3.number_input("lat", value=round(end.y, 6), format="%.6f")
        photo = st.file_uploader(L("photo"), type=["jpg", "jpeg", "png"], accept_multiple_files=True, key="finding_photo")
        go = st.form_submit_button(L("to_problem"), type="primary")
    if go:
        try:
            rec = scoped.finding_to_problem(current_user(), st_, patrol["code"],
                                            {"text": text, "category": cat, "lon": lon, "lat": lat},
                                            [(p.name, p.getvalue()) for p in photo or []])
        except HetuError as exc:
            st.error(f"{L('refused')}: {exc}")
            return
        st.session_state["patrols_flash"] = f"{L('made')} {rec['code']}"
        st.rerun()
    for f in patrol["findings"]:
        if f.get("problem"):
            st.page_link("views/problems_view.py", label=f"{f['problem']} · {md_text(f['text'])}", icon=":material/flag:",
                         query_params={"code": f["problem"]})


def frequency_tables(st_, repo: PatrolRepo, chief: dict) -> None:
    cfg = load_config()
    rules, today = cfg["patrol_rules"], today_shanghai()
    patrols = repo.patrols()
    st.markdown(f"**{L('frequency')}** · {L('rule')} ({enum_label('chief_level', chief['level'], lang())}): {rule_text(rules[chief['level']])}")
    rows = [frequency.chief_month(chief, patrols, rules, m, today) for m in reversed(months_back(today, 6))]
    st.dataframe(pd.DataFrame([{
        (tr("patrols.month")): r["month"], (tr("patrols.patrols_2")): r["patrols"],
        (tr("patrols.counted")): r["valid"],
        (tr("patrols.periods_met")): f"{r['periods_met']}/{r['periods']}",
        (tr("patrols.met")): "—" if r["met"] is None else ("✓" if r["met"] else "✗"),
    } for r in rows]), hide_index=True, width="stretch")
    with st.expander(L("all_chiefs")):
        month = today.strftime("%Y-%m")
        st.dataframe(pd.DataFrame([{
            (tr("patrols.chief_2")): r["name"], (tr("patrols.level")): enum_label("chief_level", r["level"], lang()),
            (tr("patrols.sub_district")): r["subdistrict"] or tr("app.whole_district"), (tr("patrols.patrols_2")): r["patrols"],
            (tr("patrols.counted_2")): r["valid"], (tr("patrols.periods_met")): f"{r['periods_met']}/{r['periods']}",
        } for r in (frequency.chief_month(c, patrols, rules, month, today) for c in scoped.chiefs(current_user(), st_))]),
            hide_index=True, width="stretch")


def main() -> None:
    st.markdown(f"### {L('title')}")
    demo_banner()
    require("list_layer", "patrols")  # a viewer: patrols are not published for them
    _seeded(current_name(), str(store_dir(dataset=current_name())))
    flash = st.session_state.pop("patrols_flash", None)
    if flash:
        st.success(flash)
    st_ = store()
    repo = PatrolRepo(st_)
    chief = pick_chief(st_)
    if chief is None:
        st.info(tr("app.none_in_jurisdiction"))
        return
    rule = load_config()["patrol_rules"][chief["level"]]
    mine = repo.patrols(chief_id=chief["id"])
    current = st.session_state.get("patrol_current")
    patrol = next((p for p in mine if p["code"] == current), mine[-1] if mine else None)
    left, right = st.columns([1, 1], gap="large")
    with left:
        record_forms(st_, repo, chief)
    with right:
        if patrol:
            st.markdown(f"**{L('latest')}** · {patrol['code']} · {patrol['date']} · {md_text(patrol.get('source_file') or '')}")
            patrol_summary(patrol, rule)
            base_map(key="patrol_view_map", extra=patrol_layers(patrol), height=300)
            finding_form(st_, patrol)
        else:
            st.info(L("no_patrol"))
        frequency_tables(st_, repo, chief)
    with st.expander(L("patrols")):
        st.dataframe(pd.DataFrame([{
            (tr("patrols.no")): p["code"], (tr("patrols.date_2")): p["date"],
            (tr("patrols.km")): round(p["length_m"] / 1000, 2), (tr("patrols.min")): p["duration_min"],
            (L("stretches")): len(p["stretches"]), (L("counts")): "✓" if frequency.counts(p, rule)[0] else "✗",
            (tr("patrols.source")): p.get("source_file") or p.get("source_format"),
        } for p in reversed(mine)]), hide_index=True, width="stretch")
    st.caption(f"{term(DEMO_MARK, lang())} · {L('lengths_note')}")


main()
