"""断面水质: the sections list, one section's page, monthly sample import and the monthly bulletin."""
from __future__ import annotations

import html
import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from gislib.reports.bulletin import (
    build_bulletin,
    compute_bulletin,
    month_label,
    month_table,
    monthly_classes,
    write_warnings_xlsx,
)
from gislib.services import scoped
from gislib.services.catalog import layer_frame, store
from gislib.services.catalog import version as catalog_version
from gislib.dataset import current_name
from gislib.domain import DEMO_MARK, NO_DATA_COLOR, WQ_CLASS_COLOR, WQ_CLASS_RANK, WQ_CLASS_ROMAN
from gislib.errors import HetuError
from gislib.i18n import term
from gislib.water.quality import GB3838_ITEMS, ITEM_ORDER, parse_value, resolve_item
from gislib.water.samples import all_samples, preview_import
from gislib.safe_text import md_text
from layers.bulletin_map import render_bulletin_map
from layers.sections import class_label
from views.common import (actor, current_user, demo_banner, lang, may, record_page_map, require, tr, uploaded_path,
                          usable_upload)



def s(key: str, **kwargs: object) -> str:
    """This page's text in the chosen language."""
    return tr(f"sections.{key}", **kwargs)


# --------------------------------------------------------------------------- data (cached)
@st.cache_data(show_spinner=False, max_entries=4)
def load_data(version: str, dataset: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(sections without geometry, all samples, monthly classes) for a store/data-set version."""
    sections = pd.DataFrame(layer_frame("sections", dataset=dataset).drop(columns="geometry"))
    samples = all_samples(store(dataset=dataset), dataset)
    return sections, samples, monthly_classes(samples, sections)


def data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(sections, samples, monthly classes) of the sections the logged-in user may see."""
    dataset = current_name()
    sections, samples, classes = load_data(catalog_version(dataset=dataset), dataset)
    user = require("list_layer", "sections")
    mine = scoped.sections(user, sections)
    return mine, scoped.section_samples(user, samples, sections), classes[classes["section_code"].isin(mine["code"])]


def latest_by_section(classes: pd.DataFrame) -> pd.DataFrame:
    """The latest evaluated month of each section."""
    if classes.empty:
        return classes
    return classes.sort_values("month").groupby("section_code", as_index=False).tail(1).set_index("section_code")


def _cell_style(cls_text: str, labels: dict[str, str]) -> str:
    cls = labels.get(cls_text)
    color = WQ_CLASS_COLOR.get(cls or "", NO_DATA_COLOR)
    text = "#000" if cls in ("IV", "V") else "#fff"
    return f"background-color: {color}; color: {text}; font-weight: 600"


# --------------------------------------------------------------------------- list page
def sections_list(sections: pd.DataFrame, classes: pd.DataFrame) -> None:
    c1, c2 = st.columns(2)
    subs = c1.multiselect(s("filter.subdistrict"), sorted(sections["subdistrict"].dropna().unique()),
                          placeholder=s("filter.all"))
    rivers = c2.multiselect(s("filter.river"), sorted(sections["river"].dropna().unique()), placeholder=s("filter.all"))
    shown = sections
    if subs:
        shown = shown[shown["subdistrict"].isin(subs)]
    if rivers:
        shown = shown[shown["river"].isin(rivers)]
    latest = latest_by_section(classes)
    yes = {True: tr("sections.yes"), False: tr("sections.no")}
    rows = []
    for rec in shown.sort_values("code").to_dict("records"):
        lat = latest.loc[rec["code"]] if rec["code"] in latest.index else None
        cls = lat["cls"] if lat is not None else None
        rows.append({
            s("col.code"): rec["code"], s("col.name"): rec["name"], s("col.cls"): class_label(cls or "", lang()),
            s("col.target"): class_label(rec["target_class"], lang()),
            s("col.meets"): yes.get(lat["meets_target"], "—") if lat is not None else "—",
            s("col.river"): rec["river"], s("col.subdistrict"): rec["subdistrict"],
            s("col.month"): lat["month"] if lat is not None else "",
            s("col.pollutants"): (lat["main_pollutants"] if lat is not None else "") or "—",
        })
    table = pd.DataFrame(rows)
    st.caption(s("list.count", n=len(table)) + f" · {term(DEMO_MARK, lang())}")
    if table.empty:
        return
    labels = {class_label(c, lang()): c for c in WQ_CLASS_COLOR}
    styled = table.style.map(lambda v: _cell_style(v, labels), subset=[s("col.cls"), s("col.target")])
    event = st.dataframe(styled, hide_index=True, on_select="rerun", selection_mode="single-row",
                         key="sections_table", width="stretch")
    picked = event.selection.rows if event and event.selection else []
    if picked:
        open_section(table.iloc[picked[0]][s("col.code")])
    sections_map(None, list(sections["code"]))
    st.caption(s("list.hint"))
    options = list(table[s("col.code")])
    names = dict(zip(table[s("col.code")], table[s("col.name")]))
    c3, c4 = st.columns([3, 1], vertical_alignment="bottom")
    code = c3.selectbox(s("list.open"), options, format_func=lambda c: f"{c} {names[c]}", key="open_code")
    if c4.button(s("list.open"), key="open_button", width="stretch"):
        open_section(code)


def sections_map(selected: str | None, codes, height: int = 360) -> None:
    """The sections on a map (coloured by latest class); clicking a section opens its page."""
    record_page_map("sections", selected, codes, s("map.hint"), open_section, height)


def open_section(code: str) -> None:
    st.query_params["code"] = code
    st.rerun()


# --------------------------------------------------------------------------- section page
def history_strip(rows: pd.DataFrame) -> str:
    """Monthly class cells (wrapping on a phone); the month's class and target result in the title."""
    cells = []
    for rec in rows.sort_values("month").to_dict("records"):
        cls = rec["cls"]
        color = WQ_CLASS_COLOR.get(cls, NO_DATA_COLOR)
        fg = "#000" if cls in ("IV", "V") else "#fff"
        ring = "box-shadow: inset 0 0 0 2px #b10026;" if rec["meets_target"] is False else ""
        tip = f"{rec['month']} {class_label(cls, lang())} {rec['main_pollutants'] or ''}"
        cells.append(
            f'<div class="hetu-month" title="{html.escape(tip)}" style="background:{color};color:{fg};{ring}">'
            f'<span>{html.escape(rec["month"][2:].replace("-", "."))}</span><b>{html.escape(WQ_CLASS_ROMAN.get(cls, cls))}</b></div>')
    style = ("<style>.hetu-strip{display:flex;flex-wrap:wrap;gap:3px;margin:4px 0 12px}"
             ".hetu-month{width:46px;border-radius:4px;padding:2px 0;text-align:center;font-size:11px;line-height:1.25}"
             ".hetu-month span{display:block;opacity:.9}.hetu-month b{font-size:13px}</style>")
    return style + f'<div class="hetu-strip" data-cells="{len(cells)}">' + "".join(cells) + "</div>"


def _chip(label: str, value: str, cls: str | None = None) -> str:
    color = WQ_CLASS_COLOR.get(cls or "", "#eef1f5")
    fg = "#fff" if cls in ("I", "II", "III", "劣V") else "#111"
    return (f'<span class="hetu-chip"><small>{html.escape(label)}</small>'
            f'<b style="background:{color};color:{fg}">{html.escape(value)}</b></span>')


def status_chips(last: pd.Series, target: str) -> str:
    """Latest class, target, compliance and main pollutants as compact chips (wrap on a phone)."""
    meets = {True: tr("sections.yes"), False: tr("sections.no")}.get(last["meets_target"], "—")
    chips = [_chip(f"{s('col.cls')} {last['month']}", class_label(last["cls"], lang()), last["cls"]),
             _chip(s("col.target"), class_label(target, lang()), target),
             _chip(s("col.meets"), meets, None if last["meets_target"] is not False else "劣V")]
    if last["main_pollutants"]:
        chips.append(_chip(s("col.pollutants"), last["main_pollutants"]))
    style = ("<style>.hetu-chips{display:flex;flex-wrap:wrap;gap:6px 14px;margin:2px 0 10px}"
             ".hetu-chip{display:flex;flex-direction:column;align-items:flex-start;font-size:13px}.hetu-chip small{color:#666}"
             ".hetu-chip b{border-radius:4px;padding:2px 8px;font-size:15px}</style>")
    return style + '<div class="hetu-chips">' + "".join(chips) + "</div>"


def trend_chart(samples: pd.DataFrame, item_col: str, item: str, water_type: str, target: str | None) -> alt.Chart:
    """The item's sampled values over time against the Ⅲ and target class limits."""
    values = samples[["date", item_col, "mark"]].dropna(subset=[item_col]).copy()
    values["value"] = [parse_value(v).value for v in values[item_col]]
    values["date"] = pd.to_datetime(values["date"])
    spec = GB3838_ITEMS[item]
    unit = spec.unit
    base = alt.Chart(values).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=-40)),
        y=alt.Y("value:Q", title=f"{term(item, lang())} ({unit})"))
    layers = [base.mark_line(color="#3a6ea5"),
              base.mark_point(filled=True, size=40, color="#3a6ea5").encode(
                  tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("value:Q", title=term(item, lang())),
                           "mark"])]
    limits = spec.limits_for(water_type or "河流")
    lines = []
    if limits:
        lines.append({"label": s("trend.iii"), "limit": limits[WQ_CLASS_RANK["III"] - 1], "color": WQ_CLASS_COLOR["III"]})
        if target and target in WQ_CLASS_RANK and target != "劣V" and target != "III":
            lines.append({"label": s("trend.target", cls=class_label(target, lang())),
                          "limit": limits[WQ_CLASS_RANK[target] - 1], "color": WQ_CLASS_COLOR[target]})
    elif item == "pH":
        lines += [{"label": "pH 6", "limit": 6.0, "color": WQ_CLASS_COLOR["III"]},
                  {"label": "pH 9", "limit": 9.0, "color": WQ_CLASS_COLOR["III"]}]
    if lines:
        rules = pd.DataFrame(lines)
        rule = alt.Chart(rules).mark_rule(strokeDash=[6, 4], strokeWidth=2).encode(
            y="limit:Q", color=alt.Color("color:N", scale=None), tooltip=["label", "limit"])
        text = alt.Chart(rules).mark_text(align="left", dx=4, dy=-6, fontSize=11).encode(
            y="limit:Q", x=alt.value(0), text="label", color=alt.Color("color:N", scale=None))
        layers += [rule, text]
    return alt.layer(*layers).properties(height=260)


def section_page(code: str, sections: pd.DataFrame, samples: pd.DataFrame, classes: pd.DataFrame) -> None:
    if st.button(s("back"), key="back"):
        del st.query_params["code"]
        st.session_state.pop("sections_map_opened", None)
        st.rerun()
    match = sections[sections["code"] == code]
    if match.empty:
        st.error(s("no_such_section", code=md_text(code)))
        return
    sec = match.iloc[0]
    st.subheader(f"{md_text(sec['name'])} · {md_text(code)}")
    st.caption(f"{md_text(sec['river'])} · {md_text(sec['subdistrict'])} · {term(sec.get('level', ''), lang())} · {term(DEMO_MARK, lang())}")
    rows = classes[classes["section_code"] == code]
    own = samples[samples["section_code"] == code].sort_values("date")
    if rows.empty:
        st.info(s("nodata"))
        return
    last = rows.sort_values("month").iloc[-1]
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.html(status_chips(last, sec["target_class"]))
        st.markdown(f"**{s('history')}**")
        st.html(history_strip(rows))
    with right:
        sections_map(code, list(sections["code"]), height=300)
    st.markdown(f"**{s('trend')}**")
    item_cols = {resolve_item(c): c for c in own.columns if c not in ("section_code", "date", "mark") and resolve_item(c)
                 and own[c].notna().any()}
    items = [i for i in ITEM_ORDER if i in item_cols]
    default = items.index("氨氮") if "氨氮" in items else 0
    item = st.selectbox(s("trend.item"), items, index=default, key=f"trend_item_{code}",
                        format_func=lambda i: term(i, lang()))
    st.altair_chart(trend_chart(own, item_cols[item], item, sec.get("water_type") or "河流", sec["target_class"]),
                    width="stretch")
    st.markdown(f"**{s('samples')}**")
    shown = own.drop(columns=["section_code", "imported_by", "imported_at", "batch_id"], errors="ignore")
    shown = shown.rename(columns={"mark": s("samples.source"), "date": tr("sections.date")})
    shown = shown.rename(columns=lambda c: term(c, lang()))
    shown = shown.dropna(axis=1, how="all").astype(object)
    shown = shown.where(shown.notna(), "")
    st.dataframe(shown.iloc[::-1], hide_index=True, width="stretch")


# --------------------------------------------------------------------------- import and bulletin
def confirm_units(suspects: list[str], warnings: list[str]) -> dict[str, str] | None:
    """Ask the officer for the unit of each unit-less column whose magnitudes look wrong;
    None until every one is answered."""
    st.warning("\n\n".join(warnings))
    choices: dict[str, str] = {}
    for i, col in enumerate(suspects):
        options = [s("import.unit_choose"), "mg/L", "µg/L", "ng/L"]
        picked = st.selectbox(s("import.unit_ask", col=col), options, key=f"import_unit_{i}_{col}")
        if picked == options[0]:
            return None
        choices[col] = picked
    return choices


def import_panel(sections: pd.DataFrame, samples: pd.DataFrame) -> None:
    if not may("import"):  # the role may not: no control (gislib.auth.PERMISSIONS)
        return
    with st.expander(s("import")):
        st.caption(s("import.help"))
        upload = st.file_uploader(s("import.file"), type=["csv", "xlsx"], key="samples_upload")
        if not usable_upload(upload):
            return
        confirmed = False
        with uploaded_path(upload) as path:
            try:
                preview = preview_import(path, sections, existing=samples, source=upload.name)
                if preview.unit_warnings:  # confirm or correct the units before anything is evaluated
                    given = confirm_units(preview.unit_suspects, preview.unit_warnings)
                    if given is None:
                        return
                    preview = preview_import(path, sections, existing=samples, source=upload.name, units=given)
                    confirmed = True
            except HetuError as exc:
                st.error(md_text(str(exc)))
                return
        ok, bad = len(preview.valid_rows), len(preview.error_rows)
        if preview.unknown_columns:
            st.caption(s("import.unknown", cols="、".join(preview.unknown_columns)))
        if preview.unit_notes:
            st.info(s("import.units", notes="；".join(preview.unit_notes)))
        (st.warning if bad else st.success)(s("import.summary", ok=ok, bad=bad))
        frame = preview.frame()  # 行, 断面, 日期, 错误, items…, 类别, 替换 (gislib.water.samples)
        frame.columns = [*(s(f"preview.{k}") for k in ("row", "section", "date", "error")),
                         *(term(c, lang()) for c in frame.columns[4:-2]), s("preview.class"), s("preview.replaces")]
        errors_col, class_col = frame.columns[3], frame.columns[-2]
        st.dataframe(frame.style.apply(
            lambda r: ["background-color: #fde2e1" if r[errors_col] and r[class_col] == "" else "" for _ in r], axis=1),
            hide_index=True, width="stretch")
        skip = st.checkbox(s("import.skip"), key="import_skip") if bad else False
        if st.button(s("import.confirm"), type="primary", disabled=ok == 0 or (bad > 0 and not skip), key="import_go"):
            try:  # rows of sections outside the jurisdiction are not written (gislib.services.scoped)
                outcome = scoped.import_samples(current_user(), store(dataset=current_name()), preview,
                                                layer_frame("sections", dataset=current_name()), skip_invalid=skip,
                                                units_confirmed=confirmed)
            except HetuError as exc:
                st.error(md_text(str(exc)))
                return
            for done in outcome.created:
                st.success(s("import.done", n=done["rows"], batch=done["batch"], user=actor()))
            if outcome.rejected:
                st.warning(tr("app.rows_rejected", n=len(outcome.rejected)) + "\n\n" + "\n\n".join(
                    tr("app.row_reason", row=r["row"], reason=md_text(r["en"] if lang() == "en" else r["zh"]))
                    for r in outcome.rejected))
            st.session_state.pop("bulletin_files", None)


def bulletin_panel(sections: pd.DataFrame, samples: pd.DataFrame, classes: pd.DataFrame) -> None:
    if not may("export", "sections"):  # a viewer reads the sections but exports nothing
        return
    with st.expander(s("bulletin")):
        months = sorted(classes["month"].unique(), reverse=True)
        if not months:
            st.info(s("nodata"))
            return
        c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
        month = c1.selectbox(s("bulletin.month"), months, format_func=month_label, key="bulletin_month")
        if c2.button(s("bulletin.build"), key="bulletin_build", width="stretch"):
            with st.spinner("…"):
                try:
                    st.session_state["bulletin_files"] = make_bulletin_files(month, sections, samples, classes)
                except HetuError as exc:
                    st.error(md_text(str(exc)))
                    return
        files = st.session_state.get("bulletin_files")
        if not files or files["month"] != month:
            return
        st.success(files["summary"])
        d1, d2, d3 = st.columns(3)
        d1.download_button(s("bulletin.pdf"), files["pdf"], s("bulletin.file", month=month) + ".pdf", "application/pdf",
                           width="stretch", key="dl_pdf")
        d2.download_button(s("bulletin.docx"), files["docx"], s("bulletin.file", month=month) + ".docx",
                           "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           width="stretch", key="dl_docx")
        d3.download_button(s("bulletin.xlsx"), files["xlsx"], s("bulletin.alert_file", month=month) + ".xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           width="stretch", key="dl_xlsx")
        st.markdown(f"**{s('bulletin.warnings')}**")
        st.dataframe(files["warnings"], hide_index=True, width="stretch")


def make_bulletin_files(month: str, sections: pd.DataFrame, samples: pd.DataFrame, classes: pd.DataFrame) -> dict:
    """PDF, Word and warning-list bytes for ``month`` (map drawn with the sections layer style)."""
    from gislib.district import current_profile

    user = current_user()
    sections, samples = scoped.bulletin_inputs(user, samples, sections)  # export right, jurisdiction
    b = compute_bulletin(samples, sections, month, classes=classes[classes["section_code"].isin(sections["code"])],
                         district=scoped.report_area(user, current_profile().short_name))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        png = render_bulletin_map(month_table(classes, sections, month), month, tmp / "map.png",
                                  dataset=current_name())
        pdf = build_bulletin(b, tmp / "b.pdf", map_png=png).read_bytes()
        docx = build_bulletin(b, tmp / "b.docx", map_png=png).read_bytes()
        xlsx = write_warnings_xlsx(b, tmp / "w.xlsx").read_bytes()
    good = "—" if b.share_good is None else f"{b.share_good:.1f}%"
    warnings = b.warnings[["code", "name", "subdistrict", "reasons"]].rename(
        columns={"code": s("col.code"), "name": s("col.name"), "subdistrict": s("col.subdistrict"), "reasons": s("bulletin.reasons")})
    return {"month": month, "pdf": pdf, "docx": docx, "xlsx": xlsx, "warnings": warnings,
            "summary": s("bulletin.ready", title=b.title, n=b.evaluated, good=good, w=len(b.warnings))}


# --------------------------------------------------------------------------- page
st.title(s("title"))
demo_banner()
_sections, _samples, _classes = data()
_code = st.query_params.get("code")
if _code:
    section_page(_code, _sections, _samples, _classes)
else:
    sections_list(_sections, _classes)
    import_panel(_sections, _samples)
    bulletin_panel(_sections, _samples, _classes)
