"""红黄绿榜: per sub-district and month, problems found, closed on time, overdue, complaint replies on time and
patrol frequency met, coloured red/yellow/green by the configured thresholds; charts; Excel/PDF for the monthly report."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from gislib.services import scoped
from gislib.services.catalog import store, store_dir
from gislib.dataset import current_name
from gislib.domain import DEMO_MARK
from gislib.problems.config import load_config
from gislib.problems.rankings import COLOR_HEX, HEADERS, months_back, ranking_pdf, ranking_workbook, store_ranking
from gislib.problems.service import today_shanghai
from gislib.i18n import enum_label, term
from gislib.messages.enums import RANK_COLOR
from views.common import demo_banner, lang, require, tr

HEADERS_EN = {"rank": "Rank", "color": "List", "subdistrict": "Sub-district", "found": "Found", "due": "Due",
              "closed_on_time": "Closed on time", "closed_on_time_rate": "On-time rate", "overdue": "Overdue",
              "complaints": "Complaints", "replied_on_time": "Replied on time", "reply_on_time_rate": "Reply rate",
              "chiefs": "Chiefs", "chiefs_met": "Chiefs on rule", "patrol_met_rate": "Patrol rate", "score": "Score"}


def L(key: str, **fmt) -> str:
    return tr(f"rankings.{key}", **fmt)


@st.cache_resource(show_spinner=False)
def _seeded(dataset: str, folder: str) -> bool:
    """Seed the demo once per store (``folder``: the store's directory, so that another data directory in the
    same process is seeded too)."""
    from gislib.demo.problems import ensure_demo

    with st.spinner(tr("app.seeding_demo")):
        return ensure_demo(store(), dataset)


def table(rows: list[dict]) -> None:
    zh = lang() == "zh"
    head = {k: (h if zh else HEADERS_EN[k]) for k, h in HEADERS}
    frame = pd.DataFrame([{head[k]: (r[k] if not k.endswith("_rate") else ("—" if r[k] is None else f"{r[k]:.0%}"))
                           for k, _ in HEADERS} for r in rows])
    frame[head["score"]] = frame[head["score"]].map("{:.1f}".format)
    if not zh:
        frame[head["color"]] = frame[head["color"]].map(lambda c: enum_label("rank_color", c, lang()))

    def paint(value: str) -> str:
        color = COLOR_HEX.get(str(value)[-2] if str(value).endswith(")") else str(value))
        return f"background-color:{color};color:#fff;font-weight:600" if color else ""
    st.dataframe(frame.style.map(paint, subset=[head["color"]]), hide_index=True, width="stretch",
                 height=36 * (len(frame) + 1) + 4)


def charts(rows: list[dict], st_) -> None:
    names = {"found": tr("rankings.found"), "closed_on_time": tr("rankings.closed_on_time"),
             "overdue": tr("rankings.overdue")}
    long = pd.DataFrame([{"sub": r["subdistrict"], "what": names[k], "n": r[k]} for r in rows for k in names])
    st.markdown(f"**{L('chart')}**")
    st.altair_chart(alt.Chart(long).mark_bar().encode(
        x=alt.X("sub:N", title=None, sort=[r["subdistrict"] for r in rows]), xOffset="what:N",
        y=alt.Y("n:Q", title=None), color=alt.Color("what:N", title=None,
                                                   scale=alt.Scale(range=["#3182bd", "#31a354", "#d7191c"]))),
        width="stretch")


def trend(st_, today) -> None:
    months = months_back(today, 12)
    rows = []
    for m in months:
        for r in store_ranking(st_, m, today):
            rows.append({"month": m, "found": r["found"], "overdue": r["overdue"], "closed_on_time": r["closed_on_time"]})
    frame = pd.DataFrame(rows).groupby("month").sum(numeric_only=True).reset_index()
    frame = frame.rename(columns={"found": tr("rankings.found"), "closed_on_time": tr("rankings.closed_on_time"),
                                  "overdue": tr("rankings.overdue_month_end")})
    st.markdown(f"**{L('trend')}**")
    st.line_chart(frame.set_index("month"))


def main() -> None:
    st.markdown(f"### {L('title')}")
    demo_banner()
    user = require("list_layer", "problems")  # a viewer: problems (and their ranking) are not published
    _seeded(current_name(), str(store_dir(dataset=current_name())))
    st_ = store()
    today = today_shanghai()
    cfg = load_config()
    months = list(reversed(months_back(today, 12)))
    # bureaus publish the list of the month just ended; the running month can be chosen too
    month = st.selectbox(L("month"), months, index=1, key="rank_month")
    rows = scoped.ranking(user, st_, month, today)
    counts = {c: sum(r["color"] == c for r in rows) for c in RANK_COLOR}
    st.markdown(" ".join(f"<span style='background:{COLOR_HEX[c]};color:#fff;padding:2px 10px;border-radius:10px;"
                         f"font-weight:600'>{enum_label('rank_color', c, lang())} {counts[c]}</span>" for c in counts),
                unsafe_allow_html=True)
    table(rows)
    c1, c2 = st.columns(2)
    c1.download_button(L("excel"), ranking_workbook(rows, month), L("file", month=month) + ".xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if c2.button(L("pdf"), icon=":material/picture_as_pdf:"):
        st.session_state["rank_pdf"] = (month, ranking_pdf(rows, month, today, cfg))
    ready = st.session_state.get("rank_pdf")
    if ready and ready[0] == month:
        c2.download_button(f"{month}.pdf", ready[1], L("file", month=month) + ".pdf", mime="application/pdf", key="rank_pdf_dl")
    charts(rows, st_)
    trend(st_, today)
    with st.expander(L("rules")):
        from gislib.problems import rankings

        st.code(rankings.__doc__.strip(), language=None)
        st.json(cfg["ranking"])
    st.caption(f"{term(DEMO_MARK, lang())} · {current_name()}")


main()
