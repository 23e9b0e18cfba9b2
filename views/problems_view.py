"""问题闭环: the problem list, a new problem (from a map point, a failing section or a dust alert, pre-filled),
and one problem's record: its rectification steps, evidence photos, complaint reply, spot checks, history."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from gislib.services import scoped
from gislib.services.catalog import store, store_dir
from gislib.dataset import current_name
from gislib.domain import DEMO_MARK
from gislib.errors import HetuError
from gislib.problems import model
from gislib.problems import service as svc
from layers.problems import OVERDUE, district_map, md_text, state_label
from gislib.i18n import enum_label, term
from gislib.reports.outfall_file import class_text
from views.common import actor, current_user, require, demo_banner, lang, tr



def L(key: str, **fmt) -> str:
    return tr(f"problems.{key}", **fmt)


def label(value: str, kind: str) -> str:
    """A value of the enumeration ``kind`` (gislib/messages/enums.py) in the current language."""
    return enum_label(kind, value, lang())


def today() -> dt.date:
    return svc.today_shanghai()


@st.cache_resource(show_spinner=False)
def _seeded(dataset: str, folder: str) -> bool:
    """Seed the demo once per store (``folder``: the store's directory, so that another data directory in the
    same process is seeded too)."""
    from gislib.demo.problems import ensure_demo

    with st.spinner(tr("app.seeding_demo")):
        return ensure_demo(store(), dataset)


def badge(state: str, overdue: bool = False) -> str:
    color = model.STATE_COLORS.get(state, "#969696")
    ring = "outline:3px solid #d7191c;" if overdue else ""
    text = state_label(state, lang()) + (f" · {state_label(OVERDUE, lang())}" if overdue else "")
    return (f"<span style='background:{color};color:#fff;padding:2px 10px;border-radius:10px;{ring}"
            f"font-weight:600;white-space:nowrap'>{text}</span>")


# --------------------------------------------------------------------------- list
def problem_rows(records: list[dict], day: dt.date) -> pd.DataFrame:
    return pd.DataFrame([{
        (tr("problems.no")): r["code"], (tr("problems.problem")): r.get("name", ""),
        L("state"): state_label(r["state"], lang()), (tr("problems.overdue")): "⚠" if model.is_overdue(r, day) else "",
        L("category"): label(r.get("category", ""), "problem_category"), L("source"): label(r.get("source", ""), "problem_source"),
        L("subdistrict"): r.get("subdistrict", ""), L("river"): r.get("river", ""),
        L("found_date"): r.get("found_date", ""), L("unit"): r.get("responsible_unit", ""),
        L("deadline"): r.get("deadline", ""),
    } for r in records])


def problem_list(st_, records: list[dict]) -> None:
    day = today()
    c = st.columns(5)
    states = c[0].multiselect(L("state"), model.STATES[:-1], format_func=lambda s: state_label(s, lang()))
    sources = c[1].multiselect(L("source"), model.SOURCES, format_func=lambda s: label(s, "problem_source"))
    cats = c[2].multiselect(L("category"), model.CATEGORIES, format_func=lambda s: label(s, "problem_category"))
    subs = c[3].multiselect(L("subdistrict"), sorted({r.get("subdistrict") or "" for r in records} - {""}))
    only_over = c[4].toggle(L("overdue_only"))
    shown = [r for r in records if (not states or r["state"] in states) and (not sources or r.get("source") in sources)
             and (not cats or r.get("category") in cats) and (not subs or r.get("subdistrict") in subs)
             and (not only_over or model.is_overdue(r, day))]
    shown.sort(key=lambda r: (r.get("found_date") or "", r["code"]), reverse=True)
    n_over = sum(model.is_overdue(r, day) for r in shown)
    st.markdown(L("count", n=len(shown), o=n_over) + " &nbsp; " + " ".join(
        badge(s) + f" {sum(r['state'] == s for r in shown)}" for s in model.STATES[:-1]
        if any(r["state"] == s for r in shown)), unsafe_allow_html=True)
    if not shown:
        st.info(L("none"))
        return
    frame = problem_rows(shown, day)
    event = st.dataframe(frame, hide_index=True, width="stretch", height=min(36 * (len(frame) + 1) + 4, 520),
                         on_select="rerun", selection_mode="single-row", key="problem_table")
    picked = (event.selection.rows if event and event.selection else [])
    if picked:
        open_record(shown[picked[0]]["code"])
    from gislib.problems.export import problems_workbook

    st.download_button(L("export"), problems_workbook(shown, day), L("list_file", day=day),
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:")


def open_record(code: str) -> None:
    """Show ``code``'s record on the next run (widgets of this run cannot be changed any more)."""
    st.session_state["problems_next"] = code
    st.query_params["code"] = code
    st.rerun()


# --------------------------------------------------------------------------- new problem
def alert_choices() -> dict[str, dict]:
    """Failing sections (latest month off target) and dust sites exceeded on their last day."""
    from gislib.services.catalog import layer_frame
    from gislib.water.samples import all_samples
    from gislib.water.sections import latest_status
    from layers.dust import latest_day_status

    out: dict[str, dict] = {}
    user = current_user()  # only the sections and sites of the user's jurisdiction are offered
    sections = scoped.sections(user, layer_frame("sections"))
    status = latest_status(all_samples(store()), sections)
    for _, s in sections.iterrows():
        stat = status.get(s["code"])
        if stat and stat.meets_target is False:
            rec = {"code": s["code"], "name": s["name"], "river": s.get("river"), "subdistrict": s.get("subdistrict"),
                   "lon": s.geometry.x, "lat": s.geometry.y}
            out[L("prefill.section", code=s["code"], name=s["name"], month=stat.month, cls=class_text(stat.cls, lang()),
                  target=class_text(s["target_class"], lang()))] = \
                svc.prefill_from_section(rec, stat.month, stat.cls, s["target_class"], stat.main_pollutants)
    sites = scoped.dust_sites(user, layer_frame("dust_sites"))
    dust = latest_day_status()
    for _, d in sites.iterrows():
        if d["code"] in dust.index and bool(dust.loc[d["code"], "exceeded"]):
            row = dust.loc[d["code"]]
            rec = {"code": d["code"], "name": d["name"], "subdistrict": d.get("subdistrict"),
                   "lon": d.geometry.x, "lat": d.geometry.y}
            out[L("prefill.dust", code=d["code"], name=d["name"], day=row["date"])] = svc.prefill_from_dust(
                rec, str(row["date"]), float(row["max_value"]))
    return out


def pick_point(pre: dict) -> tuple[float | None, float | None]:
    """A small map of the district: a click sets the problem's point."""
    fmap = district_map(st.session_state.get("basemap", "offline"))
    point = st.session_state.get("new_point") or ((pre.get("lat"), pre.get("lon")) if pre.get("lon") else None)
    if point:
        folium.CircleMarker(point, radius=9, color="#d7191c", fill=True, fill_opacity=0.9).add_to(fmap)
    st.caption(L("click_map"))
    out = st_folium(fmap, key="new_problem_map", height=320, use_container_width=True, returned_objects=["last_clicked"])
    clicked = (out or {}).get("last_clicked")
    if clicked and (clicked["lat"], clicked["lng"]) != st.session_state.get("new_point"):
        st.session_state["new_point"] = (clicked["lat"], clicked["lng"])
        st.session_state["new_lat"], st.session_state["new_lon"] = round(clicked["lat"], 6), round(clicked["lng"], 6)
        st.rerun()
    return point[1] if point else None, point[0] if point else None


def new_problem(st_) -> None:
    require("create_problem")
    choices = alert_choices()
    keys = [L("prefill.none")] + list(choices)
    qp = st.query_params
    wanted = next((k for k in choices if qp.get("alert") and qp.get("alert") in k), None)
    pick = st.selectbox(L("prefill"), keys, index=keys.index(wanted) if wanted else 0, key="new_prefill")
    pre = choices.get(pick, {})
    if qp.get("lon") and qp.get("lat") and not pre:
        pre = {"lon": float(qp["lon"]), "lat": float(qp["lat"])}
    if pre.get("lon") is not None and st.session_state.get("new_prefill_applied") != pick:
        st.session_state["new_prefill_applied"] = pick
        st.session_state["new_lon"], st.session_state["new_lat"] = round(pre["lon"], 6), round(pre["lat"], 6)
        st.session_state["new_point"] = (pre["lat"], pre["lon"])
    pick_point(pre)
    with st.form("new_problem", clear_on_submit=False):
        name = st.text_input(L("name"), value=pre.get("name", ""))
        c1, c2, c3 = st.columns(3)
        cat = c1.selectbox(L("category"), model.CATEGORIES, format_func=lambda s: label(s, "problem_category"),
                           index=model.CATEGORIES.index(pre["category"]) if pre.get("category") in model.CATEGORIES else 0)
        source = c2.selectbox(L("source"), model.SOURCES, format_func=lambda s: label(s, "problem_source"),
                              index=model.SOURCES.index(pre.get("source", "巡河发现")))
        found = c3.date_input(L("found_date"), value=today(), max_value=today())
        c4, c5, c6 = st.columns(3)
        ticket = c4.text_input(L("ticket_no"))
        lon = c5.number_input(L("lon"), value=None, format="%.6f", key="new_lon")
        lat = c6.number_input(L("lat"), value=None, format="%.6f", key="new_lat")
        c7, c8 = st.columns(2)
        link_layer = c7.selectbox(L("links"), ["", "outfalls", "plots", "sections", "dust"],
                                  format_func=lambda k: L(f"link.{k or 'none'}"))
        link_code = c8.text_input(L("link_code"), placeholder="PT-0012")
        desc = st.text_area(L("description"), value=pre.get("description", ""))
        photos = st.file_uploader(L("photos"), type=["jpg", "jpeg", "png"], accept_multiple_files=True)
        ok = st.form_submit_button(L("create"), type="primary")
    if not ok:
        return
    links = dict(pre.get("links") or {})
    if link_layer and link_code.strip():
        links[link_layer] = link_code.strip()
    fields = {**{k: v for k, v in pre.items() if k in ("alert", "river", "subdistrict")}, "links": links or None,
              "name": name.strip(), "category": cat, "source": source, "found_date": found, "ticket_no": ticket.strip(),
              "lon": lon, "lat": lat, "description": desc.strip(), "reporter": actor()}
    try:
        rec = scoped.create_problem(current_user(), st_, fields)  # refused outside the jurisdiction
        if photos:
            svc.attach_evidence(st_, rec["code"], [(p.name, p.getvalue()) for p in photos], actor())
    except HetuError as exc:
        st.error(f"{L('refused')}: {exc}")
        return
    st.session_state.pop("new_point", None)
    st.session_state["problems_flash"] = f"{L('created')} {rec['code']}"
    open_record(rec["code"])


# --------------------------------------------------------------------------- one record
def record_fields(rec: dict) -> None:
    day = today()
    over = model.is_overdue(rec, day)
    st.markdown(f"#### {rec['code']} · {md_text(rec.get('name', ''))}")
    st.markdown(badge(rec["state"], over), unsafe_allow_html=True)
    if over:
        deadline = model.parse_date(rec["deadline"])
        st.error(L("overdue_warn", deadline=deadline, days=(day - deadline).days))
    rows = [(L("category"), label(rec.get("category", ""), "problem_category")), (L("source"), label(rec.get("source", ""), "problem_source")),
            (L("ticket_no"), rec.get("ticket_no")), (L("batch"), rec.get("batch")),
            (L("found_date"), rec.get("found_date")), (L("subdistrict"), rec.get("subdistrict")),
            (L("river"), rec.get("river")), (L("stretch"), rec.get("stretch")),
            (L("where"), f"{rec['lon']:.6f}, {rec['lat']:.6f}"),
            (L("links"), "、".join(f"{k}: {v}" for k, v in (rec.get("links") or {}).items())),
            (L("description"), rec.get("description")), (L("unit"), rec.get("responsible_unit")),
            (L("measures"), rec.get("measures")), (L("deadline"), rec.get("deadline")),
            (L("reply_due"), rec.get("reply_due")),
            (L("reply"), f"{rec['reply']['date']} {rec['reply']['text']}" if rec.get("reply") else None)]
    st.markdown("  \n".join(f"**{k}**: {md_text(v)}" for k, v in rows if v not in (None, "")))
    if rec.get("alert"):
        st.caption(f"{L('alert')}: {rec['alert'].get('text', '')}")


def _step(fn, *args) -> None:
    try:
        fn(*args)
    except HetuError as exc:
        st.error(f"{L('refused')}: {exc}")
        return
    st.session_state["problems_flash"] = L("done")
    st.rerun()


def _files(uploads) -> list[tuple[str, bytes]]:
    return [(u.name, u.getvalue()) for u in (uploads or [])]


def actions(st_, rec: dict) -> None:
    code, user, state = rec["code"], current_user(), rec["state"]

    def step(name: str) -> bool:  # the step's form only for an account that may take it (the service checks again)
        return scoped.may_step(user, name, rec)

    def take(name: str, *args) -> None:
        _step(scoped.problem_step, user, st_, name, code, *args)

    if not any(step(name) for name in scoped.PROBLEM_STEPS):
        return
    st.markdown(f"**{L('actions')}** · {L('acting_as')} `{user.name}`")
    if state == model.REGISTERED and step("assign"):
        with st.form("assign"):
            unit = st.text_input(L("unit"), value=rec.get("responsible_unit", ""))
            measures = st.text_area(L("measures"), value=rec.get("measures", ""))
            c1, c2 = st.columns(2)
            deadline = c1.date_input(L("deadline"), value=today() + dt.timedelta(days=15))
            day = c2.date_input(L("date"), value=today(), max_value=today(), key="assign_date")
            if st.form_submit_button(L("assign"), type="primary"):
                take("assign", day, unit.strip(), measures.strip(), deadline)
    elif state == model.ASSIGNED and step("start"):
        with st.form("start"):
            day = st.date_input(L("date"), value=today(), max_value=today(), key="start_date")
            if st.form_submit_button(L("start"), type="primary"):
                take("start", day)
    elif state == model.FIXING:
        if step("report_progress"):
            with st.form("progress", clear_on_submit=True):
                text = st.text_input(L("progress_text"))
                if st.form_submit_button(L("progress")):
                    take("report_progress", today(), text)
    if state == model.FIXING and step("request_close"):
        with st.form("request"):
            files = st.file_uploader(L("evidence"), type=["jpg", "jpeg", "png", "pdf"], accept_multiple_files=True,
                                     key="request_files")
            note = st.text_input(L("note"), key="request_note")
            if st.form_submit_button(L("request"), type="primary"):
                _step(lambda: scoped.problem_step(
                    user, st_, "request_close", code, today(),
                    scoped.problem_step(user, st_, "attach_evidence", code, _files(files)) if files else [],
                    note or None))
    elif state == model.CLOSE_REQUESTED and step("verify"):
        with st.form("verify"):
            note = st.text_input(L("reason"))
            c1, c2 = st.columns(2)
            if c1.form_submit_button(L("pass"), type="primary"):
                take("verify", today(), True, note or None)
            if c2.form_submit_button(L("return")):
                take("verify", today(), False, note)
    elif state == model.CLOSED and step("spot_check"):
        with st.form("spot"):
            note = st.text_input(L("note"), key="spot_note")
            c1, c2 = st.columns(2)
            if c1.form_submit_button(L("spot_ok")):
                take("spot_check", today(), True, note)
            if c2.form_submit_button(L("spot_fail")):
                take("spot_check", today(), False, note)
    if state in (model.CLOSED, model.FIXING, model.ASSIGNED) and step("interview"):
        with st.expander(L("interview")), st.form("interview"):
            who = st.text_input(L("who"))
            note = st.text_input(L("note"), key="interview_note")
            if st.form_submit_button(L("interview")):
                take("interview", today(), who, note)
    if rec.get("source") in model.COMPLAINT_SOURCES and step("reply"):
        with st.expander(L("reply"), expanded=not rec.get("reply")), st.form("reply"):
            text = st.text_area(L("reply_text"), value=(rec.get("reply") or {}).get("text", ""))
            day = st.date_input(L("date"), value=today(), max_value=today(), key="reply_date")
            if st.form_submit_button(L("reply")):
                take("reply", day, text)
    if state in model.OPEN_STATES and step("withdraw"):
        with st.expander(L("withdraw")), st.form("withdraw"):
            reason = st.text_input(L("note"), key="withdraw_reason")
            if st.form_submit_button(L("withdraw")):
                take("withdraw", reason, today())


def evidence(st_, rec: dict) -> None:
    st.markdown(f"**{L('attachments')}**")
    files = st_.attachments(model.LAYER, rec["code"])
    thumbs = [a for a in files if a.get("thumbnail_path") and Path(a["thumbnail_path"]).exists()]
    if thumbs:
        cols = st.columns(4)
        for i, a in enumerate(thumbs):
            cols[i % 4].image(a["thumbnail_path"], caption=f"{a['filename']} · {a['at'][:10]}")
    for i, a in enumerate(f for f in files if f not in thumbs):
        path = Path(a["path"])
        if path.exists():
            st.download_button(f"{a['filename']} · {a['at'][:10]} · {a['user']}", path.read_bytes(), a["filename"],
                               mime=a["mime"], key=f"pf_{i}", icon=":material/description:")
    if not scoped.may_step(current_user(), "attach_evidence", rec):
        return
    with st.form("add_photo", clear_on_submit=True):
        ups = st.file_uploader(L("add_photo"), type=["jpg", "jpeg", "png"], accept_multiple_files=True, key="more_photos")
        if st.form_submit_button(L("add_photo")) and ups:
            _step(scoped.problem_step, current_user(), st_, "attach_evidence", rec["code"], _files(ups))


def history(st_, rec: dict) -> None:
    st.markdown(f"**{L('history')}**")
    files = {a["sha256"]: a["filename"] for a in st_.attachments(model.LAYER, rec["code"])}
    moves = st_.transitions(model.LAYER, rec["code"])
    if moves:
        st.dataframe(pd.DataFrame([{
            L("date"): m["date"], (tr("problems.from")): state_label(m["from_state"], lang()),
            (tr("problems.to")): state_label(m["to_state"], lang()), (tr("problems.user")): m["user"],
            L("note"): m["note"] or "", (tr("problems.evidence_2")): "、".join(files.get(e, e[:16]) for e in m["evidence"] or []),
        } for m in reversed(moves)]), hide_index=True, width="stretch")
    extra = [(p["date"], p["user"], L("progress"), p["text"]) for p in rec.get("progress") or []]
    extra += [(c["date"], c["user"], f"{L('spot')}: {c['result']}", c.get("note", "")) for c in rec.get("spot_checks") or []]
    extra += [(c["date"], c["user"], f"{L('interview')}: {c['who']}", c.get("note", "")) for c in rec.get("interviews") or []]
    if extra:
        st.dataframe(pd.DataFrame(sorted(extra, reverse=True), columns=[L("date"), "user", "", L("note")]),
                     hide_index=True, width="stretch")
    with st.expander(L("audit")):
        st.dataframe(pd.DataFrame([{"at": a["at"], "user": a["user"], "action": a["action"], "field": a["field"] or "",
                                    "new": "" if a["new"] is None or a["action"] == "create" else str(a["new"])[:80],
                                    "note": a["note"] or ""} for a in st_.audit(model.LAYER, rec["code"])]),
                     hide_index=True, width="stretch")


def record_page(st_, records: list[dict]) -> None:
    codes = [r["code"] for r in sorted(records, key=lambda r: r["code"], reverse=True)]
    names = {r["code"]: r.get("name", "") for r in records}
    wanted = st.query_params.get("code")
    if wanted in codes and st.session_state.get("problem_code") not in codes:
        st.session_state["problem_code"] = wanted
    if st.session_state.get("problem_code") not in codes:
        st.session_state["problem_code"] = codes[0]
    code = st.selectbox(L("problem"), codes, key="problem_code", format_func=lambda c: f"{c} {names[c]}")
    st.query_params["code"] = code
    rec = st_.get(model.LAYER, code)
    left, right = st.columns([1, 1], gap="large")
    with left:
        record_fields(rec)
        evidence(st_, rec)
    with right:
        actions(st_, rec)
        history(st_, rec)


def batch_page(st_) -> None:
    """整改任务清单: import one from Excel, see a batch's items and progress, export Excel and PDF."""
    from gislib.dataset import load_layer
    from gislib.patrols.repo import PatrolRepo
    from gislib.problems import batches

    repo = PatrolRepo(st_)
    with st.expander(L("batch.import"), expanded=not repo.batches()), st.form("batch_import"):
        c1, c2 = st.columns(2)
        code = c1.text_input(L("batch.code"), placeholder="DC-2026-02")
        name = c2.text_input(L("batch.name"), placeholder=L("batch.name_example"))
        c3, c4 = st.columns(2)
        issued = c3.date_input(L("batch.issued"), value=today(), max_value=today())
        by = c4.text_input(L("batch.by"))
        upload = st.file_uploader("Excel / CSV", type=["xlsx", "csv"], key="batch_file")
        go = st.form_submit_button(L("batch.go"), type="primary")
    if go and upload is not None:
        try:
            made = scoped.import_task_list(current_user(), st_, {
                "code": code.strip(), "name": name.strip(), "issued_date": issued, "issued_by": by.strip() or None},
                batches.read_items(upload.getvalue(), upload.name), rivers=load_layer("rivers"))
        except HetuError as exc:
            st.error(f"{L('refused')}: {md_text(str(exc))}")
        else:
            st.success(L("batch.done", n=len(made.created)))
            if made.rejected:  # rows outside the jurisdiction: not imported, each with its reason
                st.warning(tr("app.rows_rejected", n=len(made.rejected)) + "\n\n" + "\n\n".join(
                    tr("app.row_reason", row=r["row"], reason=md_text(r["en"] if lang() == "en" else r["zh"]))
                    for r in made.rejected))
    all_batches = repo.batches()
    if not all_batches:
        return
    pick = st.selectbox(L("batch.pick"), [b["code"] for b in all_batches],
                        format_func=lambda c: f"{c} · {next(b['name'] for b in all_batches if b['code'] == c)}")
    batch = repo.batch(pick)
    items, day = scoped.problems_in(current_user(), batches.batch_items(st_, pick)), today()
    prog = batches.batch_progress(items, day)
    cols = st.columns(5)
    for col, (k, key) in zip(cols, (("items", "items"), ("已销号", "closed"), ("待核查", "awaiting_check"),
                                    ("整改中", "fixing"), ("overdue", "overdue"))):
        col.metric(L(f"progress.{key}"), prog[k])
    st.progress(prog["closed_share"], text=f"{L('progress.closed_share')} {prog['closed_share']:.0%}")
    st.dataframe(pd.DataFrame(batches.table_rows(items, day), columns=[h for _, h in batches.BATCH_COLUMNS]),
                 hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    c1.download_button(L("export"), batches.batch_workbook(batch, items, day), L("batch_list_file", batch=pick),
                       icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if c2.button(L("batch.pdf"), icon=":material/picture_as_pdf:"):
        c2.download_button(f"{pick}.pdf", batches.batch_pdf(batch, items, day), L("batch_report_file", batch=pick),
                           mime="application/pdf")


def main() -> None:
    st.markdown(f"### {L('title')}")
    demo_banner()
    _seeded(current_name(), str(store_dir(dataset=current_name())))
    flash = st.session_state.pop("problems_flash", None)
    if flash:
        st.success(flash)
    st_ = store()
    user = require("list_layer", "problems")  # a viewer: problems are not published for them
    records = scoped.problems(user, st_)  # the jurisdiction only (gislib.services.scoped)
    qp = st.query_params
    pending = st.session_state.pop("problems_next", None)
    if pending:
        st.session_state["problems_mode"], st.session_state["problem_code"] = "record", pending
    if "problems_mode" not in st.session_state:
        st.session_state["problems_mode"] = "new" if (qp.get("new") or qp.get("lon")) else (
            "record" if qp.get("code") else "list")
    mode = st.radio("view", ["list", "record", "new", "batches"], key="problems_mode", horizontal=True,
                    label_visibility="collapsed", format_func=lambda m: L(f"mode.{m}"))
    if mode == "list":
        problem_list(st_, records)
    elif mode == "new":
        new_problem(st_)
    elif mode == "batches":
        batch_page(st_)
    elif records:
        record_page(st_, records)
    st.caption(f"{term(DEMO_MARK, lang())} · {current_name()} · {L('dates_note')}")


main()
