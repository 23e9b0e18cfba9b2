"""一口一档: one outfall's record — facts, monitoring, photos, timeline, map, edits and workflow.

Reached from the map and the ledger (``st.session_state["outfall_code"]``) or by URL
(``?code=PT-0001``). Edits use optimistic locking: the version the form was loaded from is kept,
a save against a newer stored version shows both versions side by side and keeps the input.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from gislib.services.catalog import version
from gislib.dataset import current_name
from gislib.domain import (
    DEMO_MARK,
    OUTFALL_PHASE,
    REMEDIATION_KINDS,
    REMOVED_STATE,
)
from gislib.fields import FieldDef
from gislib.fields.forms import error_keys, form_changes, form_columns, initial, options
from gislib.fields.outfalls import TABLE
from gislib.errors import ConflictError, HetuError, NotFoundError, ValidationError, WorkflowError
from gislib.reports.outfall_file import (
    LAYER,
    MONITOR_ITEMS,
    build_pdf,
    class_text,
    label,
    monitoring_frame,
    monitoring_table,
    overdue_flag,
    record_facts,
    reference_class,
    reference_note,
    short,
    timeline,
    workflow_steps,
)
from gislib.i18n import term
from gislib.messages.enums import MONITOR_METHOD
from gislib.store import RecordValidationError, validate_outfall
from gislib.safe_text import md_text
from gislib.timefmt import local_time, today_local
from views.common import actor, records as store, demo_banner, lang, tr



def _t(key: str, **kw: Any) -> str:
    return tr(f"outfall.{key}", **kw)


# --------------------------------------------------------------------------- cached helpers
@st.cache_data(show_spinner=False)
def _downstream(code: str, lon: float, lat: float, dataset: str, token: str) -> dict:
    from gislib.services.catalog import layer_frame
    from gislib.reports.outfall_file import downstream_section

    from gislib.geo.network import dataset_network

    net = dataset_network(dataset)
    return downstream_section(net, code, layer_frame("outfalls", dataset=dataset),
                              layer_frame("sections", dataset=dataset))


@st.cache_data(show_spinner=False)
def _section_names(token: str) -> dict[str, str]:
    return {r["code"]: r.get("name", "") for r in store().list("sections", include_removed=True)}


# --------------------------------------------------------------------------- record choice
def chosen_code() -> str | None:
    """The outfall asked for: ?code=…, else the map/ledger choice, else a text box."""
    code = st.query_params.get("code") or st.session_state.get("outfall_code")
    typed = st.text_input(_t("pick"), value=code or "", key="outfall_pick")
    code = (typed or "").strip() or None
    if code:
        st.session_state["outfall_code"] = code
        if st.query_params.get("code") != code:
            st.query_params["code"] = code
    return code


def _k(code: str, field: str) -> str:
    return f"of_{code}_{field}"


def _base_key(code: str) -> str:
    return f"of_base_{code}"


def reset_form(code: str) -> None:
    """Forget the loaded version and the form input (after a save or when loading the latest)."""
    for key in [k for k in st.session_state.keys() if str(k).startswith(f"of_{code}_")]:
        del st.session_state[key]
    st.session_state.pop(_base_key(code), None)
    st.session_state.pop(f"of_conflict_{code}", None)
    st.session_state.pop(f"of_errors_{code}", None)


# --------------------------------------------------------------------------- header and facts
def header(rec: dict) -> None:
    demo = rec.get("demo") or rec.get("mark") == DEMO_MARK
    st.title(f"{_t('title')} · {md_text(rec['code'])} {md_text(rec.get('name'))}")
    phase = OUTFALL_PHASE.get(rec["state"], "")
    badges = [f":blue-badge[{term(rec['state'], lang())}]", f":gray-badge[{term(phase, lang())}]",
              f":gray-badge[v{rec['version']}]"]
    if demo:
        badges.append(f":orange-badge[{term(DEMO_MARK, lang())}]")
    st.markdown(" ".join(badges) + f" · {_t('acting')}: `{actor()}`")
    if overdue_flag(rec):
        st.error(_t("overdue", d=(rec.get("remediation") or {}).get("deadline")))
    if rec["state"] == REMOVED_STATE:
        st.warning(_t("removed", r=md_text(rec.get("removed_reason"))))


def facts_panel(rec: dict) -> None:
    rows = record_facts(rec, lang(), section_names=_section_names(version()))
    groups: dict[str, list[tuple[str, str]]] = {}
    for g, lab, val in rows:
        groups.setdefault(g, []).append((lab, val))
    names = list(groups)
    cols = st.columns(2)
    for i, g in enumerate(names):
        with cols[i % 2]:
            st.markdown(f"**{g}**")
            st.markdown("\n".join(f"- {lab}: **{md_text(val)}**" for lab, val in groups[g]))


def downstream_panel(rec: dict) -> None:
    st.markdown(f"**{_t('downstream')}**")
    if rec.get("lon") is None:
        return
    dataset = current_name()
    res = _downstream(rec["code"], float(rec["lon"]), float(rec["lat"]), dataset, version())
    if not res["section"]:
        st.caption(_t("downstream_none", p=res["problem"]))
        return
    names = _section_names(version())
    st.write(_t("downstream_val", s=res["section"], n=names.get(res["section"], ""), km=res["km"]))
    same = rec.get("downstream_section_code") == res["section"] and rec.get("downstream_section_km") == res["km"]
    if same:
        st.caption(_t("downstream_same"))
    elif st.button(_t("downstream_store"), key=f"store_downstream_{rec['code']}"):
        write(rec["code"], {"downstream_section_code": res["section"], "downstream_section_km": res["km"]})


# --------------------------------------------------------------------------- locator map
def locator_map(rec: dict) -> None:
    import folium
    from streamlit_folium import st_folium

    from layers.folium_elements import HetuMap, HtmlControl, TextTooltip
    from layers.mapview import add_basemap

    if rec.get("lon") is None:
        return
    lat, lon = float(rec["lat"]), float(rec["lon"])
    fmap = HetuMap(location=[lat, lon], zoom_start=15, tiles=None, control_scale=True, max_zoom=19)
    add_basemap(fmap, "offline", current_name())
    folium.CircleMarker([lat, lon], radius=9, color="#ff00aa", weight=3, fill=True, fill_color="#ffffff",
                        fill_opacity=0.6, tooltip=TextTooltip(f"{rec['code']} {rec.get('name') or ''}")).add_to(fmap)
    HtmlControl(DEMO_MARK, position="topright", css_class="hetu-demo-mark").add_to(fmap)
    st_folium(fmap, height=300, use_container_width=True, returned_objects=[], key=f"locator_{rec['code']}")
    st.caption("© OpenStreetMap contributors (ODbL)")


# --------------------------------------------------------------------------- monitoring
def monitoring_panel(rec: dict) -> None:
    import altair as alt

    frame = monitoring_frame(rec, lang())
    st.info(reference_note(rec, lang()))
    if frame.empty:
        st.caption(_t("no_mon"))
        return
    if "mark" in frame and (frame["mark"] == DEMO_MARK).any():
        st.caption(_t("mon_demo"))
    yes, no = _t("yes"), _t("no")
    frame = frame.assign(over=frame["exceeded"].fillna(False).map({True: yes, False: no}),
                         method_label=frame["method"].map(lambda m: term(m, lang())))
    methods = [term(m, lang()) for m in MONITOR_METHOD]
    roman = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ", "V": "Ⅴ"}[reference_class(rec)]
    charts = []
    for item in [i for i in MONITOR_ITEMS if i in set(frame["item"])]:
        sub = frame[frame["item"] == item]
        base = alt.Chart(sub)
        x_axis = alt.X("date:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0, tickCount=4))
        line = base.mark_line(color="#999999").encode(x=x_axis, y="value:Q")
        pts = base.mark_point(filled=True, size=70).encode(
            x=x_axis, y=alt.Y("value:Q", title=f"{item if lang() == 'zh' else MONITOR_ITEMS[item][1]} (mg/L)"),
            shape=alt.Shape("method_label:N", title=_t("method"), legend=None, scale=alt.Scale(domain=methods,
                                                                      range=["circle", "square"])),
            color=alt.Color("over:N", title=_t("over_ref"), legend=None, scale=alt.Scale(domain=[no, yes],
                                                                             range=["#1f78d1", "#d62728"])),
            tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), "method_label:N", "value:Q", "limit:Q"])
        rule = alt.Chart(pd.DataFrame({"limit": [float(sub["limit"].iloc[-1])],
                                       "label": [_t("ref_line", c=roman if lang() == "zh" else reference_class(rec),
                                                     v=f"{sub['limit'].iloc[-1]:g}")]}))
        rule_line = rule.mark_rule(color="#ff7f0e", strokeDash=[5, 3]).encode(y="limit:Q")
        rule_text = rule.mark_text(align="left", dx=4, dy=-6, color="#b35900").encode(y="limit:Q", text="label:N",
                                                                                      x=alt.value(0))
        name = item if lang() == "zh" else MONITOR_ITEMS[item][1]
        charts.append((line + pts + rule_line + rule_text).properties(title=name, height=190))
    # one chart per item, each as wide as its column: side by side on a PC, stacked on a phone
    for col, chart in zip(st.columns(max(1, len(charts))), charts):
        with col:
            st.altair_chart(chart, width="stretch")
    st.caption(_t("chart_key"))
    headers, rows = monitoring_table(rec, lang())
    st.dataframe(pd.DataFrame(rows, columns=headers), hide_index=True, width="stretch")


# --------------------------------------------------------------------------- photos
def photos_panel(rec: dict) -> None:
    code = rec["code"]
    files = store().attachments(LAYER, code)
    photos = [a for a in files if a.get("thumbnail_path")]
    docs = [a for a in files if not a.get("thumbnail_path")]
    if not files:
        st.caption(_t("no_files"))
    cols = st.columns(4)
    for i, a in enumerate(photos):
        with cols[i % 4]:
            st.image(a["thumbnail_path"], caption=f"{a['filename']} · {a['user']} · {local_time(a['at'])}")
    for a in docs:
        st.download_button(f"📄 {md_text(a['filename'])} ({a['size'] // 1024} KB)", Path(a["path"]).read_bytes(),
                           file_name=a["filename"], mime=a["mime"], key=f"dl_{a['sha256']}")
    for ok, text in st.session_state.pop(f"of_upload_msgs_{code}", []):
        (st.success if ok else st.error)(text)
    if not store().may("attach", LAYER, rec):  # the service refuses it anyway (gislib.services.access)
        return
    with st.form(f"upload_{code}", clear_on_submit=True):
        ups = st.file_uploader(_t("upload"), accept_multiple_files=True, key=f"up_{code}")
        if st.form_submit_button(_t("upload_btn")) and ups:
            messages = []
            for up in ups:
                data = up.getvalue()
                kind = "document" if data[:5] == b"%PDF-" else "photo"
                try:
                    store().attach(LAYER, code, up.name, data, actor(), kind=kind)
                    messages.append((True, _t("uploaded", f=md_text(up.name))))
                except (ValidationError, NotFoundError) as exc:  # the store's type/size/bomb checks
                    messages.append((False, md_text(f"{up.name}: {exc}")))
            st.session_state[f"of_upload_msgs_{code}"] = messages
            st.rerun()


# --------------------------------------------------------------------------- timeline


def _columns(prefix: str, names) -> dict[str, str]:
    """Column titles of a history table (catalog keys ``prefix`` + name) in the current language."""
    return {k: tr(prefix + k) for k in names}


def history_panel(rec: dict) -> None:
    code = rec["code"]
    st.markdown(f"**{_t('steps')}**")
    steps = workflow_steps(store(), code)
    if steps:
        frame = pd.DataFrame(steps)
        if lang() == "en":
            frame[["from_state", "to_state"]] = frame[["from_state", "to_state"]].map(lambda v: tr(f"state.{v}"))
        st.dataframe(frame.rename(columns=_columns("outfall.step.", ("date", "from_state", "to_state", "user", "note", "evidence", "remediation_kind"))), hide_index=True, width="stretch")
    else:
        st.caption(_t("no_steps"))
    st.markdown(f"**{_t('edits')}**")
    events = timeline(store(), code, lang())
    recent = [e for e in events if e["field"]][:5]
    if recent:
        st.markdown("\n".join(f"- {md_text(e['at'])} · {md_text(e['user'])} · {md_text(e['action'])} "
                               f"**{md_text(e['field'])}**: {md_text(e['old'])} → {md_text(e['new'])}" for e in recent))
    cols = _columns("outfall.edit.", ("at", "user", "action", "field", "old", "new", "note"))
    st.dataframe(pd.DataFrame(events, columns=list(cols)).rename(columns=cols), hide_index=True, width="stretch")


# --------------------------------------------------------------------------- writing
def write(code: str, changes: dict, expected: int | None = None) -> dict | None:
    """store.update with the loaded version; conflicts and field errors go to session_state."""
    base = st.session_state.get(_base_key(code)) or store().get(LAYER, code)
    expected = base["version"] if expected is None else expected
    try:
        saved = store().update(LAYER, code, changes, expected_version=expected, user=actor())
    except ConflictError as exc:
        st.session_state[f"of_conflict_{code}"] = {"mine": exc.mine, "theirs": exc.theirs, "base": base,
                                                   "kind": "update"}
        st.rerun()
    except RecordValidationError as exc:
        st.session_state[f"of_errors_{code}"] = exc.errors
        st.rerun()
    reset_form(code)
    st.session_state["of_flash"] = _t("saved", v=saved["version"])
    st.rerun()
    return saved


def conflict_panel(code: str) -> None:
    """Both versions side by side; the user's input stays until they re-apply or discard it."""
    conflict = st.session_state.get(f"of_conflict_{code}")
    if not conflict:
        return
    mine, theirs, base = conflict["mine"], conflict["theirs"], conflict["base"]
    with st.container(border=True, key="conflict_panel"):
        st.error(_t("conflict", a=base["version"], b=theirs["version"]))
        if conflict["kind"] == "update":
            fields = list(mine)
            rows = [{_t("field"): label(f, lang()), _t("base"): short(base.get(f)), _t("mine"): short(mine.get(f)),
                     _t("theirs"): short(theirs.get(f))} for f in fields]
            changed_by_them = sorted(k for k in set(theirs) | set(base)
                                     if k not in ("version", "updated_at", "updated_by") and theirs.get(k) != base.get(k)
                                     and k not in fields)
            rows += [{_t("field"): label(f, lang()), _t("base"): short(base.get(f)), _t("mine"): "—",
                      _t("theirs"): short(theirs.get(f))} for f in changed_by_them]
        else:
            rows = [{_t("field"): k, _t("mine"): short(v), _t("theirs"): short(theirs.get("state") if k == "to_state" else "")}
                    for k, v in mine.items()]
        col_a, col_b = st.columns(2)
        with col_a:
            st.markdown(f"**{_t('mine')}**")
            st.json(mine, expanded=True)
        with col_b:
            st.markdown(f"**{_t('theirs')}** (v{theirs['version']}, {md_text(theirs.get('updated_by'))})")
            st.json({k: theirs.get(k) for k in (list(mine) if conflict["kind"] == "update" else ["state"])},
                    expanded=True)
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        b1, b2 = st.columns(2)
        if b1.button(_t("reapply"), key=f"reapply_{code}", type="primary"):
            st.session_state[_base_key(code)] = theirs
            st.session_state.pop(f"of_conflict_{code}", None)
            if conflict["kind"] == "update":
                write(code, mine, expected=theirs["version"])
            else:
                do_transition(code, mine, expected=theirs["version"])
        if b2.button(_t("discard"), key=f"discard_{code}"):
            reset_form(code)
            st.rerun()


# --------------------------------------------------------------------------- edit form
def _widget(f: FieldDef, code: str, base: dict) -> Any:
    """The widget of one form field of the table, initialised from the loaded record."""
    key, lab, value = _k(code, f.name), f.form_label(lang()), initial(f, base)
    if f.form == "list":
        return st.text_input(lab + _t("sep_hint"), value=value, key=key)
    if f.form in ("text", "number"):
        return st.text_input(lab, value=value, key=key)
    if f.form == "check":
        return st.checkbox(lab, value=value, key=key)
    if f.form == "date":
        return st.date_input(lab, value=value, key=key, min_value=dt.date(1950, 1, 1),
                             max_value=dt.date(2100, 12, 31), format="YYYY-MM-DD")
    choices = options(f) if value in options(f) else [value, *options(f)]
    show = (lambda v: class_text(v, lang())) if f.fmt == "class" else (lambda v: term(v, lang()))
    return st.selectbox(lab, choices, index=choices.index(value), key=key,
                        format_func=lambda v: "—" if v in (None, "") else show(v))


def _field_input(f: FieldDef, code: str, base: dict, errors: dict) -> Any:
    """A widget and, below it, the validation messages that belong to it."""
    out = _widget(f, code, base)
    for ek in error_keys(f, base, TABLE):
        if ek in errors:
            st.markdown(f":red[⚠ {md_text(errors[ek])}]")
    return out


def _other_errors(errors: dict) -> None:
    """Messages of fields the form does not show (e.g. the location), listed below it."""
    shown = {f.top for f in TABLE.where(form=True)}
    for k, v in errors.items():
        if k.split(".")[0].split("[")[0] not in shown:
            st.markdown(f":red[⚠ {md_text(k)}: {md_text(v)}]")


def _save(code: str, base: dict, values: dict) -> None:
    """Validate the form's changes; keep them with their messages, or write them."""
    changes = form_changes(TABLE, base, values)
    if not changes:
        st.session_state.pop(f"of_errors_{code}", None)
        st.info(_t("nochange"))
        return
    problems = validate_outfall({**base, **changes})
    if problems:
        st.session_state[f"of_errors_{code}"] = problems
        st.session_state[f"of_pending_{code}"] = changes
        st.rerun()
    st.session_state.pop(f"of_errors_{code}", None)
    write(code, changes)


def edit_form(base: dict) -> None:
    """The record's editable fields (those the field table marks ``form``), in three columns."""
    code = base["code"]
    errors: dict = st.session_state.get(f"of_errors_{code}", {})
    if errors:
        st.error(_t("fix", n=len(errors)))
    values: dict[str, Any] = {}
    with st.form(f"edit_{code}"):
        for col, fields in zip(st.columns(3), form_columns(TABLE)):
            with col:
                values.update({f.name: _field_input(f, code, base, errors) for f in fields})
        submitted = st.form_submit_button(_t("save"), type="primary")
    _other_errors(errors)
    if submitted:
        _save(code, base, values)


# --------------------------------------------------------------------------- workflow
def do_transition(code: str, action: dict, expected: int | None = None) -> None:
    base = st.session_state.get(_base_key(code)) or store().get(LAYER, code)
    expected = base["version"] if expected is None else expected
    try:
        rec = store().transition(LAYER, code, action["to_state"], actor(), action["date"], action["note"],
                                 evidence=action.get("evidence") or [], expected_version=expected,
                                 remediation_kind=action.get("remediation_kind"))
    except ConflictError as exc:
        st.session_state[f"of_conflict_{code}"] = {"mine": exc.mine, "theirs": exc.theirs, "base": base,
                                                   "kind": "transition"}
        st.rerun()
    except (WorkflowError, ValidationError) as exc:
        field = getattr(exc, "field", None)
        removing = action["to_state"] == REMOVED_STATE and field == "note"
        st.session_state[f"of_flow_error_{code}"] = ("remove_note" if removing else field, str(exc))
        st.rerun()
    reset_form(code)
    st.session_state.pop(f"of_flow_error_{code}", None)
    st.session_state["of_flash"] = _t("moved", s=term(rec["state"], lang()))
    st.rerun()


def workflow_panel(base: dict) -> None:
    code = base["code"]
    allowed = [s for s in store().allowed_transitions(LAYER, code) if s != REMOVED_STATE]
    err_field, err = st.session_state.get(f"of_flow_error_{code}", (None, None))
    files = store().attachments(LAYER, code)
    evidence_options = {f"{a['filename']} ({a['sha256'][:8]})": f"{a['filename']}#{a['sha256'][:12]}" for a in files}
    if not allowed:
        st.caption(_t("final"))
    else:
        with st.form(f"flow_{code}"):
            to_state = st.selectbox(_t("to_state"), allowed, key=f"flow_to_{code}",
                                    format_func=lambda v: term(v, lang()))
            if err_field in (None, "to_state", "state") and err:
                st.markdown(f":red[⚠ {md_text(err)}]")
            when = st.date_input(_t("date"), value=today_local(), key=f"flow_date_{code}")
            if err_field == "date":
                st.markdown(f":red[⚠ {md_text(err)}]")
            note = st.text_area(_t("note"), key=f"flow_note_{code}", height=80)
            if err_field == "note":
                st.markdown(f":red[⚠ {md_text(err)}]")
            ev = st.multiselect(_t("evidence"), list(evidence_options), key=f"flow_ev_{code}",
                                placeholder=_t("choose"))
            ev_text = st.text_input(_t("evidence_text"), key=f"flow_evt_{code}")
            kind = st.selectbox(_t("kind_hint"), [""] + list(REMEDIATION_KINDS),
                                key=f"flow_kind_{code}", format_func=lambda v: term(v, lang()) or "—")
            if err_field == "remediation_kind":
                st.markdown(f":red[⚠ {md_text(err)}]")
            if st.form_submit_button(_t("apply"), type="primary"):
                evidence = [evidence_options[e] for e in ev] + ([ev_text.strip()] if ev_text.strip() else [])
                do_transition(code, {"to_state": to_state, "date": when.isoformat(), "note": note.strip(),
                                     "evidence": evidence, "remediation_kind": kind or None})
    if base["state"] != REMOVED_STATE:
        with st.expander(_t("remove")):
            with st.form(f"remove_{code}"):
                reason = st.text_input(_t("reason"), key=f"rm_reason_{code}")
                if err_field == "remove_note" and err:
                    st.markdown(f":red[⚠ {md_text(err)}]")
                when = st.date_input(_t("date"), value=today_local(), key=f"rm_date_{code}")
                if st.form_submit_button(_t("remove_btn")):
                    do_transition(code, {"to_state": REMOVED_STATE, "date": when.isoformat(), "note": reason.strip()})


# --------------------------------------------------------------------------- PDF
def pdf_panel(rec: dict) -> None:
    from layers.outfall_file_map import map_image_for

    code = rec["code"]
    if st.button(_t("pdf_btn"), key=f"pdf_{code}"):
        bar = st.progress(0.0)
        out = Path(tempfile.mkdtemp()) / f"outfall_{code}.pdf"
        build_pdf(store(), [code], out, map_image=map_image_for(lang=lang()), lang=lang(),
                  section_names=_section_names(version()),
                  progress=lambda d, n, c: bar.progress(d / n, text=f"{d}/{n} {c}"))
        st.session_state[f"of_pdf_{code}"] = out.read_bytes()
    if st.session_state.get(f"of_pdf_{code}"):
        st.download_button(_t("pdf_dl"), st.session_state[f"of_pdf_{code}"], file_name=f"outfall_{code}.pdf",
                           mime="application/pdf", key=f"pdf_dl_{code}")


# --------------------------------------------------------------------------- page
def main() -> None:
    nav, pick = st.columns([1, 4], vertical_alignment="bottom")
    if nav.button(_t("to_ledger"), key="to_ledger"):
        st.switch_page("views/outfalls_view.py")
    with pick:
        code = chosen_code()
    if not code:
        st.title(_t("title"))
        demo_banner()
        return
    try:
        current = store().get(LAYER, code)  # reading never writes
    except NotFoundError:
        st.title(_t("title"))
        st.error(_t("not_found", code=md_text(code)))
        return
    code = current["code"]
    base = st.session_state.setdefault(_base_key(code), current)
    header(current)
    demo_banner()
    flash = st.session_state.pop("of_flash", None)
    if flash:
        st.success(flash)
    conflict_panel(code)
    if current["version"] != base["version"] and not st.session_state.get(f"of_conflict_{code}"):
        st.warning(_t("newer", u=current.get("updated_by"), a=base["version"], b=current["version"]))
        if st.button(_t("reload"), key=f"reload_{code}"):
            reset_form(code)
            st.rerun()
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.subheader(_t("facts"))
        facts_panel(current)
    with right:
        locator_map(current)
        downstream_panel(current)
    record_tabs(current, base)


@st.fragment
def record_tabs(current: dict, base: dict) -> None:
    """The record's tabs: a fragment, so that switching tabs reruns only the tabs, not the page
    (a save inside a tab still reruns the whole page)."""
    code = current["code"]
    tabs = st.tabs([_t("tab_mon"), _t("tab_photos"), _t("tab_history"), _t("tab_edit"), _t("tab_flow"),
                    _t("tab_pdf")], key=f"of_tabs_{code}", on_change="rerun")
    with tabs[0]:
        monitoring_panel(current)
    with tabs[1]:
        photos_panel(current)
    with tabs[2]:
        history_panel(current)
    with tabs[3]:
        if store().may("edit_record", LAYER, current):
            edit_form(base)
        else:
            st.info(_t("read_only"))
    with tabs[4]:
        if store().may("transition", LAYER, current):
            workflow_panel(base)
        else:
            st.info(_t("read_only"))
    with tabs[5]:
        pdf_panel(current)


try:
    main()
except HetuError as exc:  # a refusal (PermissionDenied) speaks the user's language only
    zh, en = getattr(exc, "zh", None), getattr(exc, "en", None)
    st.error(md_text((en if lang() == "en" else zh) if zh and en else str(exc)))
