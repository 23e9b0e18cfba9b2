"""layers.bulletin_map: the static map of the monthly bulletin, drawn with the layers' own styles.

Sections are coloured by the chosen month's class through ``SectionsLayer.styled/draw_static``
(the same style as the interactive map); rivers, sub-districts and the district boundary come
from their layers. The image carries the OSM/ODbL credit and the 示例数据 mark.
``python -m gislib bulletin`` draws it through this module (``cli/bulletin.py``).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.lines import Line2D

from gislib.reports import fonts
from gislib.services.catalog import layer_frame
from gislib.domain import DEMO_MARK, GEOBOUNDARIES_CREDIT, OSM_CREDIT
from layers.base import Filters
from layers.mapview import styled_layer
from layers.registry import get_layer


def month_sections(month_table: pd.DataFrame, month: str, dataset: str | None = None):
    """The sections layer's records with that month's class in the columns the layer styles."""
    gdf = layer_frame("sections", dataset=dataset)
    by_code = month_table.set_index("code")
    gdf["latest_class"] = [by_code.at[c, "cls"] if c in by_code.index and by_code.at[c, "cls"] else "无数据"
                           for c in gdf["code"]]
    gdf["meets_target"] = [by_code.at[c, "meets_target"] if c in by_code.index else None for c in gdf["code"]]
    gdf["main_pollutants"] = [by_code.at[c, "main_pollutants"] if c in by_code.index else "" for c in gdf["code"]]
    gdf["latest_month"] = month
    return gdf


def render_bulletin_map(month_table: pd.DataFrame, month: str, out: str | Path, lang: str = "zh",
                        dataset: str | None = None, filters: Filters | None = None) -> Path:
    """Draw the bulletin map to ``out`` (PNG) and return its path.

    ``month_table`` is ``gislib.reports.bulletin.month_table`` (code, cls, meets_target, main_pollutants).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fonts.use_in_matplotlib()
    out = Path(out)
    layer = get_layer("sections")
    styled = layer.styled(layer.apply_filters(month_sections(month_table, month, dataset), filters or Filters()), lang)
    fig, ax = plt.subplots(figsize=(7.2, 6.0), dpi=150)
    for key in ("subdistricts", "rivers", "district"):
        get_layer(key).draw_static(ax, styled_layer(key, None, lang, dataset), lang)
    layer.draw_static(ax, styled, lang)
    minx, miny, maxx, maxy = styled_layer("district", None, lang, dataset).to_crs(3857).total_bounds
    pad = 0.03 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_color("#999999")
    handles = [Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=e.color,
                      markeredgecolor="#222222", label=f"{e.label} ({e.count})") for e in layer.legend(styled, lang)]
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor="white",
                          markeredgecolor="#b10026", markeredgewidth=1.6, label="红圈: 未达目标"))
    ax.legend(handles=handles, loc="lower left", fontsize=7.5, title=layer.title(lang), title_fontsize=8,
              framealpha=0.9)
    ax.text(0.99, 0.99, DEMO_MARK, transform=ax.transAxes, ha="right", va="top", fontsize=10, color="#c81e1e",
            fontweight="bold", bbox={"facecolor": "white", "edgecolor": "#c81e1e", "boxstyle": "round,pad=0.25"})
    fig.text(0.5, 0.012, f"{OSM_CREDIT.short} · {GEOBOUNDARIES_CREDIT.short}", ha="center", va="bottom",
             fontsize=5.6, color="#444444")
    fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.04)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
