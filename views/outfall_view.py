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
from gislib.dataset import current_name, data_version, load_layer
from gislib.domain import (
    DEMO_MARK,
    DISCHARGE_MODES,
    DISCHARGE_PATTERNS,
    OUTFALL_PHASE,
    OUTFALL_TYPES,
    REMEDIATION_KINDS,
    REMOVED_STATE,
    WQ_CLASSES,
)
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
from gislib.store import RecordValidationError, validate_outfall
from gislib.safe_text import md_text
from gislib.store.validators import parse_date
from gislib.timefmt import local_time, today_local
from views.common import actor, records as store, demo_banner, lang, localized, tr

TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "一口一档", "en": "Outfall file"},
    "pick": {"zh": "输入排污口编码 (如 PT-0001)", "en": "Outfall code (e.g. PT-0001)"},
    "not_found": {"zh": "没有找到排污口 {code}", "en": "No outfall {code}"},
    "to_ledger": {"zh": "← 排口台账", "en": "← Ledger"},
    "overdue": {"zh": "⚠️ 整治逾期: 期限 {d} 已过", "en": "⚠️ Remediation overdue: deadline {d} passed"},
    "removed": {"zh": "此记录已撤销: {r}", "en": "This record was removed: {r}"},
    "facts": {"zh": "档案信息", "en": "Record"},
    "downstream": {"zh": "下游最近断面 (沿河网计算)", "en": "Nearest downstream section (along the river network)"},
    "downstream_val": {"zh": "{s} {n} · 距离 {km} km", "en": "{s} {n} · {km} km"},
    "downstream_none": {"zh": "无法计算: {p}", "en": "Not computed: {p}"},
    "downstream_store": {"zh": "写入档案", "en": "Store in the record"},
    "downstream_same": {"zh": "档案中已是此结果", "en": "The record already holds this result"},
    "tab_mon": {"zh": "监测", "en": "Monitoring"},
    "tab_photos": {"zh": "照片与附件", "en": "Photos and files"},
    "tab_history": {"zh": "流程与修改记录", "en": "Timeline"},
    "tab_edit": {"zh": "编辑", "en": "Edit"},
    "tab_flow": {"zh": "工作流程", "en": "Workflow"},
    "tab_pdf": {"zh": "导出 PDF", "en": "PDF"},
    "no_mon": {"zh": "暂无监测记录 (状态为已监测及以后的示例排污口会自动生成示例监测记录)",
               "en": "No monitoring yet (demo outfalls get a demo history once they are 已监测 or later)"},
    "mon_demo": {"zh": "示例数据: 监测记录为演示生成", "en": "Demo data: generated monitoring"},
    "choose": {"zh": "请选择", "en": "Choose"},
    "yes": {"zh": "是", "en": "yes"}, "no": {"zh": "否", "en": "no"},
    "method": {"zh": "方式", "en": "Method"},
    "chart_key": {"zh": "● 快检　■ 规范监测　·　蓝色: 未超参考限值　红色: 超参考限值　·　虚线: 参考限值",
                  "en": "● quick test　■ standard monitoring　·　blue: within the reference　red: above it　·　"
                        "dashed: reference limit"}, "over_ref": {"zh": "超参考限值", "en": "Above reference"},
    "ref_line": {"zh": "{c}类 参考限值 {v}", "en": "Class {c} reference {v}"},
    "field": {"zh": "字段", "en": "Field"}, "sep_hint": {"zh": " (、分隔)", "en": " (separate with 、 or ,)"},
    "party_name": {"zh": "责任主体 (主要) 名称", "en": "Main responsible party"},
    "credit_code": {"zh": "统一社会信用代码", "en": "Unified social credit code"},
    "contact": {"zh": "联系方式", "en": "Contact"}, "chief_level": {"zh": "河长级别", "en": "River chief level"},
    "chief_name": {"zh": "河长姓名", "en": "River chief name"},
    "kind_hint": {"zh": "整治方式 (进入整治中时必选)", "en": "Remediation kind (required when moving to Under remediation)"},
    "upload": {"zh": "上传照片或 PDF", "en": "Upload photos or PDFs"},
    "upload_btn": {"zh": "上传", "en": "Upload"},
    "uploaded": {"zh": "已上传 {f}", "en": "Uploaded {f}"},
    "no_files": {"zh": "暂无照片或附件", "en": "No photos or files yet"},
    "steps": {"zh": "工作流程", "en": "Workflow steps"},
    "edits": {"zh": "修改记录 (谁、何时、字段、原值 → 新值; 北京时间)",
              "en": "Edits (who, when, field, old → new; Beijing time)"},
    "no_steps": {"zh": "尚无状态变更", "en": "No state changes yet"},
    "save": {"zh": "保存修改", "en": "Save"},
    "saved": {"zh": "已保存 (版本 {v})", "en": "Saved (version {v})"},
    "read_only": {"zh": "您的角色只能查看此记录，不能修改（修改需业务人员或管理员权限）。", "en": "Your role may read this record but not change it (an officer or administrator can)."},
    "nochange": {"zh": "没有修改", "en": "Nothing changed"},
    "fix": {"zh": "有 {n} 处问题, 未保存; 请按各字段下的提示修改", "en": "{n} problems, nothing saved; see the messages under the fields"},
    "newer": {"zh": "此记录已被 {u} 更新 (版本 {a} → {b})。", "en": "This record was updated by {u} (version {a} → {b})."},
    "reload": {"zh": "载入最新版本", "en": "Load the latest version"},
    "conflict": {"zh": "保存冲突: 他人已先保存 (你基于版本 {a}, 当前版本 {b})。你的修改没有丢失。",
                 "en": "Conflict: someone saved first (you edited version {a}, now {b}). Your input is kept."},
    "mine": {"zh": "我的修改", "en": "My changes"},
    "theirs": {"zh": "当前版本 (他人保存)", "en": "Current version (theirs)"},
    "base": {"zh": "我编辑时的原值", "en": "Value when I started"},
    "reapply": {"zh": "在最新版本上重新应用我的修改", "en": "Re-apply my changes on the latest version"},
    "discard": {"zh": "放弃我的修改, 载入最新版本", "en": "Discard mine, load the latest"},
    "to_state": {"zh": "下一状态", "en": "Next state"},
    "date": {"zh": "日期", "en": "Date"},
    "note": {"zh": "说明", "en": "Note"},
    "evidence": {"zh": "佐证材料 (附件)", "en": "Evidence (attachments)"},
    "evidence_text": {"zh": "其他佐证 (文号等)", "en": "Other evidence (document numbers …)"},
    "kind": {"zh": "整治方式", "en": "Remediation kind"},
    "apply": {"zh": "执行状态变更", "en": "Apply"},
    "moved": {"zh": "状态已变更为 {s}", "en": "State changed to {s}"},
    "final": {"zh": "当前状态没有后续状态", "en": "No further states from here"},
    "remove": {"zh": "撤销记录 (保留历史, 不删除)", "en": "Remove the record (history kept, nothing deleted)"},
    "reason": {"zh": "撤销原因 (必填)", "en": "Reason (required)"},
    "remove_btn": {"zh": "撤销", "en": "Remove"},
    "pdf_btn": {"zh": "生成此排污口的档案 PDF", "en": "Make this outfall's PDF"},
    "pdf_dl": {"zh": "下载 PDF", "en": "Download PDF"},
    "acting": {"zh": "操作人", "en": "Acting user"},
    "other": {"zh": "其他问题", "en": "Other problems"},
}


def _t(key: str, **kw: Any) -> str:
    return localized(TEXT[key], **kw)


# --------------------------------------------------------------------------- cached helpers
@st.cache_resource(show_spinner=False)
def _network(dataset: str, token: str):
    from gislib.geo.network import load_or_build_network

    return load_or_build_network(load_layer("rivers", dataset))


@st.cache_data(show_spinner=False)
def _downstream(code: str, lon: float, lat: float, dataset: str, token: str) -> dict:
    from gislib.services.catalog import layer_frame
    from gislib.reports.outfall_file import downstream_section

    net = _network(dataset, data_version(dataset))
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
    methods = [term(m, lang()) for m in ("快检", "规范监测")]
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
STEP_COLS = {"date": ("日期", "Date"), "from_state": ("从", "From"), "to_state": ("到", "To"),
             "user": ("操作人", "User"), "note": ("说明", "Note"), "evidence": ("佐证", "Evidence"),
             "remediation_kind": ("整治方式", "Remediation")}
EDIT_COLS = {"at": ("时间 (北京时间)", "Time (Beijing)"), "user": ("操作人", "User"), "action": ("操作", "Action"),
             "field": ("字段", "Field"), "old": ("原值", "Old"), "new": ("新值", "New"), "note": ("备注", "Note")}


def _columns(spec: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {k: localized(v) for k, v in spec.items()}


def history_panel(rec: dict) -> None:
    code = rec["code"]
    st.markdown(f"**{_t('steps')}**")
    steps = workflow_steps(store(), code)
    if steps:
        frame = pd.DataFrame(steps)
        if lang() == "en":
            frame[["from_state", "to_state"]] = frame[["from_state", "to_state"]].map(lambda v: tr(f"state.{v}"))
        st.dataframe(frame.rename(columns=_columns(STEP_COLS)), hide_index=True, width="stretch")
    else:
        st.caption(_t("no_steps"))
    st.markdown(f"**{_t('edits')}**")
    events = timeline(store(), code, lang())
    recent = [e for e in events if e["field"]][:5]
    if recent:
        st.markdown("\n".join(f"- {md_text(e['at'])} · {md_text(e['user'])} · {md_text(e['action'])} "
                               f"**{md_text(e['field'])}**: {md_text(e['old'])} → {md_text(e['new'])}" for e in recent))
    cols = _columns(EDIT_COLS)
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
def _num(text: str) -> Any:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # the validator names the field


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _widget(kind: str, code: str, field: str, lab: str, value: Any, errors: dict, error_keys=(), **kw) -> Any:
    """A form widget initialised from the loaded record, with its validation message below it."""
    key = _k(code, field)
    if kind == "text":
        out = st.text_input(lab, value="" if value is None else str(value), key=key, **kw)
    elif kind == "select":
        options = list(kw.pop("options"))
        if value not in options:
            options = [value] + options
        out = st.selectbox(lab, options, index=options.index(value), key=key,
                           format_func=lambda v: "—" if v in (None, "") else (
                               class_text(v, lang()) if field == "target_class" else term(v, lang())), **kw)
    elif kind == "check":
        out = st.checkbox(lab, value=bool(value), key=key, **kw)
    elif kind == "date":
        out = st.date_input(lab, value=parse_date(value), key=key, min_value=dt.date(1950, 1, 1),
                            max_value=dt.date(2100, 12, 31), format="YYYY-MM-DD", **kw)
    else:
        raise ValueError(kind)
    for ek in (field, *error_keys):
        if ek in errors:
            st.markdown(f":red[⚠ {md_text(errors[ek])}]")
    return out


def edit_form(base: dict) -> None:
    code = base["code"]
    errors: dict = st.session_state.get(f"of_errors_{code}", {})
    if errors:
        st.error(_t("fix", n=len(errors)))
    parties = list(base.get("responsible_parties") or [])
    main_i = next((i for i, p in enumerate(parties) if p.get("main")), 0)
    party = parties[main_i] if parties else {}
    rem = base.get("remediation") or {}
    sign = base.get("signboard") or {}
    chief = base.get("river_chief") or {}
    tracing = base.get("tracing") or {}
    l2_all = [l2 for l2s in OUTFALL_TYPES.values() for l2 in l2s]
    l3_all = [""] + [l3 for l2s in OUTFALL_TYPES.values() for l3s in l2s.values() for l3 in l3s]
    L = lambda f: label(f, lang())  # noqa: E731
    with st.form(f"edit_{code}"):
        c1, c2, c3 = st.columns(3)
        with c1:
            name = _widget("text", code, "name", L("name"), base.get("name"), errors)
            national = _widget("text", code, "national_code", L("national_code"), base.get("national_code"), errors)
            local = _widget("text", code, "local_code", L("local_code"), base.get("local_code"), errors)
            platform = _widget("check", code, "in_national_platform", L("in_national_platform"),
                               base.get("in_national_platform"), errors)
            type_l1 = _widget("select", code, "type_l1", L("type_l1"), base.get("type_l1"), errors,
                              options=list(OUTFALL_TYPES))
            type_l2 = _widget("select", code, "type_l2", L("type_l2"), base.get("type_l2"), errors, options=l2_all)
            type_l3 = _widget("select", code, "type_l3", L("type_l3"), base.get("type_l3") or "", errors,
                              options=l3_all)
            doc_no = _widget("text", code, "approval_doc_no", L("approval_doc_no"), base.get("approval_doc_no"), errors)
            doc_date = _widget("date", code, "approval_date", L("approval_date"), base.get("approval_date"), errors)
        with c2:
            sub = _widget("text", code, "subdistrict", L("subdistrict"), base.get("subdistrict"), errors)
            admin = _widget("text", code, "admin_code", L("admin_code"), base.get("admin_code"), errors)
            address = _widget("text", code, "address", L("address"), base.get("address"), errors)
            river = _widget("text", code, "river", L("river"), base.get("river"), errors)
            river_code = _widget("text", code, "river_code", L("river_code"), base.get("river_code"), errors)
            target = _widget("select", code, "target_class", L("target_class"), base.get("target_class") or "",
                             errors, options=[""] + list(WQ_CLASSES))
            mode = _widget("select", code, "discharge_mode", L("discharge_mode"), base.get("discharge_mode") or "",
                           errors, options=[""] + list(DISCHARGE_MODES))
            pattern = _widget("select", code, "discharge_pattern", L("discharge_pattern"),
                              base.get("discharge_pattern") or "", errors, options=[""] + list(DISCHARGE_PATTERNS))
            size = _widget("text", code, "outlet_size", L("outlet_size"), base.get("outlet_size"), errors)
            design = _widget("text", code, "design_volume_m3d", L("design_volume_m3d"),
                             base.get("design_volume_m3d"), errors)
            actual = _widget("text", code, "actual_volume_m3d", L("actual_volume_m3d"),
                             base.get("actual_volume_m3d"), errors)
            pollutants = _widget("text", code, "main_pollutants", L("main_pollutants") + _t("sep_hint"),
                                 "、".join(base.get("main_pollutants") or []), errors)
        with c3:
            p = f"responsible_parties[{main_i}]"
            p_name = _widget("text", code, "party_name", _t("party_name"), party.get("name"),
                             errors, error_keys=(f"{p}.name", "responsible_parties"))
            p_credit = _widget("text", code, "party_credit", _t("credit_code"), party.get("credit_code"), errors,
                               error_keys=(f"{p}.credit_code",))
            p_contact = _widget("text", code, "party_contact", _t("contact"), party.get("contact"), errors)
            permit = _widget("text", code, "discharge_permit_no", L("discharge_permit_no"),
                             base.get("discharge_permit_no"), errors)
            permit_outlet = _widget("text", code, "permit_outlet_code", L("permit_outlet_code"),
                                    base.get("permit_outlet_code"), errors)
            chief_level = _widget("text", code, "chief_level", _t("chief_level"), chief.get("level"), errors)
            chief_name = _widget("text", code, "chief_name", _t("chief_name"), chief.get("name"), errors,
                                 error_keys=("river_chief",))
            trace = _widget("text", code, "tracing_result", L("tracing"), tracing.get("result"), errors,
                            error_keys=("tracing",))
            plan = _widget("text", code, "rem_plan", label("remediation.plan", lang()), rem.get("plan"), errors,
                           error_keys=("remediation.plan",))
            deadline = _widget("date", code, "rem_deadline", label("remediation.deadline", lang()),
                               rem.get("deadline"), errors, error_keys=("remediation.deadline",))
            progress = _widget("text", code, "rem_progress", label("remediation.progress_pct", lang()),
                               rem.get("progress_pct"), errors, error_keys=("remediation.progress_pct",))
            sign_on = _widget("check", code, "sign_installed", label("signboard.installed", lang()),
                              sign.get("installed"), errors, error_keys=("signboard.installed",))
            qr = _widget("text", code, "sign_qr", label("signboard.qr_url", lang()), sign.get("qr_url"), errors,
                         error_keys=("signboard.qr_url",))
        submitted = st.form_submit_button(_t("save"), type="primary")
    shown = {"name", "national_code", "local_code", "in_national_platform", "type_l1", "type_l2", "type_l3",
             "approval_doc_no", "approval_date", "subdistrict", "admin_code", "address", "river", "river_code",
             "target_class", "discharge_mode", "discharge_pattern", "outlet_size", "design_volume_m3d",
             "actual_volume_m3d", "main_pollutants", "discharge_permit_no", "permit_outlet_code", "river_chief",
             "tracing"}
    other = {k: v for k, v in errors.items() if k.split(".")[0].split("[")[0] not in shown
             and not k.startswith(("responsible_parties", "remediation", "signboard"))}
    for k, v in other.items():
        st.markdown(f":red[⚠ {md_text(k)}: {md_text(v)}]")
    if not submitted:
        return
    form = {
        "name": name.strip(), "national_code": national.strip(), "local_code": local.strip(),
        "type_l1": type_l1, "type_l2": type_l2, "type_l3": type_l3,
        "approval_doc_no": doc_no.strip(), "approval_date": _iso(doc_date), "subdistrict": sub.strip(),
        "admin_code": admin.strip(), "address": address.strip(), "river": river.strip(),
        "river_code": river_code.strip(), "target_class": target, "discharge_mode": mode,
        "discharge_pattern": pattern, "outlet_size": size.strip(), "design_volume_m3d": _num(design),
        "actual_volume_m3d": _num(actual),
        "main_pollutants": [s.strip() for s in pollutants.replace(",", "、").replace("，", "、").split("、") if s.strip()],
        "discharge_permit_no": permit.strip(), "permit_outlet_code": permit_outlet.strip(),
    }
    if bool(platform) != bool(base.get("in_national_platform")):
        form["in_national_platform"] = bool(platform)
    new_party = {**party, "name": p_name.strip(), "credit_code": p_credit.strip(), "contact": p_contact.strip(),
                 "main": True}
    new_party = {k: v for k, v in new_party.items() if v not in ("", None)}
    typed_party = any(x.strip() for x in (p_name, p_credit, p_contact))
    if new_party != {**party, "main": True} and (typed_party or parties):
        new_parties = list(parties) or [{}]
        new_parties[main_i if parties else 0] = new_party
        form["responsible_parties"] = new_parties
    if (chief_level.strip(), chief_name.strip()) != (chief.get("level") or "", chief.get("name") or ""):
        form["river_chief"] = {k: v for k, v in (("level", chief_level.strip()), ("name", chief_name.strip())) if v} or None
    if trace.strip() != (tracing.get("result") or ""):
        form["tracing"] = {**tracing, "result": trace.strip()}
    new_rem = {"plan": plan.strip(), "deadline": _iso(deadline), "progress_pct": _num(progress)}
    if any((new_rem[k] or None) != (rem.get(k) or None) for k in new_rem):
        form["remediation"] = {**rem, **{k: v for k, v in new_rem.items() if v not in ("", None)}}
        for k in ("plan", "deadline", "progress_pct"):
            if new_rem[k] in ("", None):
                form["remediation"].pop(k, None)
    if bool(sign_on) != bool(sign.get("installed")) or qr.strip() != (sign.get("qr_url") or ""):
        form["signboard"] = {k: v for k, v in (("installed", bool(sign_on)), ("qr_url", qr.strip())) if v != ""}
    changes = {}
    for k, v in form.items():
        old = base.get(k)
        if (v in ("", None, []) and old in ("", None, [])) or v == old:
            continue
        if k in ("design_volume_m3d", "actual_volume_m3d") and isinstance(v, float) and old is not None:
            try:
                if float(old) == v:
                    continue
            except (TypeError, ValueError):
                pass
        changes[k] = v if v not in ([],) else None
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
        st.session_state[f"of_flow_error_{code}"] = (getattr(exc, "field", None), str(exc))
        st.rerun()
    reset_form(code)
    st.session_state.pop(f"of_flow_error_{code}", None)
    st.session_state["of_flash"] = _t("moved", s=rec["state"])
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
                if err_field == "note" and err and "撤销" in err:
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
    tabs = st.tabs([_t("tab_mon"), _t("tab_photos"), _t("tab_history"), _t("tab_edit"), _t("tab_flow"),
                    _t("tab_pdf")], key=f"of_tabs_{code}", on_change="rerun")
    with tabs[0]:
        monitoring_panel(current)
    with tabs[1]:
        photos_panel(current)
    with tabs[2]:
        history_panel(current)
    with tabs[3]:
        edit_form(base) if store().may("edit_record", LAYER, current) else st.info(_t("read_only"))
    with tabs[4]:
        workflow_panel(base) if store().may("transition", LAYER, current) else st.info(_t("read_only"))
    with tabs[5]:
        pdf_panel(current)


try:
    main()
except HetuError as exc:  # a refusal (PermissionDenied) speaks the user's language only
    zh, en = getattr(exc, "zh", None), getattr(exc, "en", None)
    st.error(md_text((en if lang() == "en" else zh) if zh and en else str(exc)))
