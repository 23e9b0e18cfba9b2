"""gislib.water.sections: the state of each monitoring section from its monthly samples.

The demo and the store keep samples as a table with ``section_code``, ``date`` and one column
per item (named as GB 3838 writes it). Classes come from :mod:`gislib.water.quality`.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gislib.water.quality import evaluate_sample, main_pollutants_text, resolve_item

META_COLUMNS = ("section_code", "date", "mark")


@dataclass(frozen=True)
class SectionStatus:
    """The latest evaluated month of one section."""

    code: str
    month: str  # YYYY-MM
    cls: str
    meets_target: bool | None
    main_pollutants: str  # "总磷(0.6)、氨氮(0.2)" as bulletins write them (one decimal)


def item_columns(samples: pd.DataFrame) -> list[str]:
    """The columns of a samples table that name GB 3838 items."""
    return [c for c in samples.columns if c not in META_COLUMNS and resolve_item(c)]


def evaluate_rows(samples: pd.DataFrame, sections: pd.DataFrame) -> pd.DataFrame:
    """Every sample evaluated: section_code, date, month, cls, meets_target, main_pollutants."""
    items = item_columns(samples)
    meta = sections.set_index("code")[["target_class", "water_type"]]
    out = []
    for rec in samples.to_dict("records"):  # (itertuples would mangle names such as 铬(六价))
        code = rec["section_code"]
        target = meta.at[code, "target_class"] if code in meta.index else None
        water = meta.at[code, "water_type"] if code in meta.index else "河流"
        values = {c: rec[c] for c in items if pd.notna(rec[c]) and rec[c] != ""}
        res = evaluate_sample(values, water_type=water or "河流", target=target or None)
        out.append({
            "section_code": code, "date": rec["date"], "month": str(rec["date"])[:7], "cls": res.cls,
            "meets_target": res.meets_target,
            "main_pollutants": main_pollutants_text(res),
        })
    return pd.DataFrame(out)


def latest_status(samples: pd.DataFrame, sections: pd.DataFrame) -> dict[str, SectionStatus]:
    """The latest month's evaluation of each section that has samples."""
    if samples.empty:
        return {}
    latest = samples.sort_values("date").groupby("section_code", as_index=False).tail(1)
    rows = evaluate_rows(latest, sections)
    return {r.section_code: SectionStatus(r.section_code, r.month, r.cls, r.meets_target, r.main_pollutants)
            for r in rows.itertuples(index=False)}
