"""layers.dust: construction dust sites (建筑工地扬尘) coloured by the latest day's exceedances.

The rule is the district's (gislib.district: the Putuo and city profiles use the Shanghai
DB31/964-2016 preset); HETU_DUST_RULE overrides it. When the rule's figures are not verified, every
status label says so next to the verdict.
"""
from __future__ import annotations

import dataclasses
from functools import lru_cache

import pandas as pd

from gislib.config import dust_rule_override
from gislib.dataset import load_layer
from gislib.district import current_profile
from gislib.dust.rule import evaluate_series, get_rule, window_series
from gislib.i18n import t
from layers.base import MapLayer, count_legend, label_column
from layers.outfalls import point_canvas

# The ONE style definition of dust sites: status -> colour.
STATUS_ORDER = [("over", "#d62728"), ("near", "#ff9f1c"), ("ok", "#2ca02c"), ("nodata", "#9e9e9e")]


def current_rule_name(dataset: str | None = None) -> str:
    """The dust rule the map judges by: HETU_DUST_RULE (a preset id or a JSON file), else the
    district profile's rule."""
    return dust_rule_override() or current_profile(dataset).dust_rule


def readings_frame(dataset: str | None = None) -> pd.DataFrame:
    """The data set's readings in the columns gislib.dust.rule expects (site, time, PM10, background)."""
    raw = load_layer("dust_readings", dataset)
    return raw.rename(columns={"site_code": "site", "pm10": "PM10"})


def merged_readings(dataset: str | None = None) -> pd.DataFrame:
    """THE readings of the data set: its own plus every uploaded one (an upload wins for the same site and
    time). The map's colours and the dust page both judge these, so they agree after an upload."""
    from gislib.dust import readings as dust_store
    from gislib.services.catalog import store

    return dust_store.merged(readings_frame(dataset), dust_store.load_readings(store(dataset=dataset)))


def latest_day_status(dataset: str | None = None, rule_name: str | None = None) -> pd.DataFrame:
    """Per site: date, exceedances and exceeded on the last day with readings, under the rule
    (cached per data set, rule and store revision: judging every reading takes seconds)."""
    from gislib.services.catalog import version
    from gislib.dataset import current_name

    dataset = dataset or current_name()
    rule_name = rule_name or current_rule_name(dataset)
    return _latest_day_status(dataset, rule_name, version(dataset=dataset)).copy()


@lru_cache(maxsize=8)
def _latest_day_status(dataset: str, rule_name: str, _version: str) -> pd.DataFrame:
    rule = get_rule(rule_name)
    from gislib.services.catalog import layer_frame

    sites = layer_frame("dust_sites", dataset=dataset)
    priority = sites.loc[sites["priority_area"].fillna(False).astype(bool), "code"]
    series = window_series(merged_readings(dataset), rule, priority)
    if not series.empty:  # only each site's last day is shown: judge only those windows
        series = series[series["date"] == series.groupby("site")["date"].transform("max")]
    days = pd.DataFrame([d.to_dict() for d in evaluate_series(series, rule)])
    if days.empty:
        return pd.DataFrame(columns=["site", "date", "exceedances", "exceeded", "max_value"])
    return days.sort_values("date").groupby("site").tail(1).set_index("site")


class DustSitesLayer(MapLayer):
    """Dust sites as square markers: red when the day is exceeded, amber with some windows over."""

    key = "dust_sites"
    search = "record"
    select_by = ("point",)
    source = "dust_sites"
    kind = "point"
    demo = True

    def cache_token(self, dataset=None) -> str:
        return current_rule_name(dataset)  # HETU_DUST_RULE or the district's rule

    def load(self, dataset=None):
        gdf = super().load(dataset)
        rule = get_rule(current_rule_name(dataset))
        status = latest_day_status(dataset, rule.id or current_rule_name(dataset))
        gdf["status_date"] = gdf["code"].map(status["date"]).fillna("")
        gdf["exceedances"] = gdf["code"].map(status["exceedances"]).fillna(0).astype(int)
        gdf["exceeded"] = gdf["code"].map(status["exceeded"]).fillna(False).astype(bool)
        gdf["max_metric"] = gdf["code"].map(status["max_value"]).round(0)
        gdf["has_data"] = gdf["code"].isin(status.index)
        gdf["rule"] = rule.name
        gdf["rule_verified"] = rule.verified
        return gdf

    def styled(self, gdf, lang="zh"):
        out = gdf.copy()
        out["_cat"] = ["nodata" if not d else ("over" if e else ("near" if n > 0 else "ok"))
                       for d, e, n in zip(out["has_data"], out["exceeded"], out["exceedances"])]
        out["_color"] = out["_cat"].map(dict(STATUS_ORDER))
        note = "" if out.get("rule_verified", pd.Series([True])).all() else t("maplayer.rule_unverified", lang)
        out["_status"] = [t(f"dust.{c}", lang) + (note if c != "nodata" else "") for c in out["_cat"]]
        out["_label"] = label_column(out)
        return out

    def legend(self, styled, lang="zh"):
        rows = count_legend(styled, STATUS_ORDER, "square", lang, "dust.")
        if "rule_verified" in styled and not styled["rule_verified"].all():  # say so next to the verdicts
            rows = [dataclasses.replace(r, label=r.label + t("maplayer.rule_unverified", lang)) for r in rows]
        return rows

    def to_folium(self, styled, lang="zh"):
        return point_canvas(self.key, styled, STATUS_ORDER, shape="square", lang=lang,
                            labels=styled["_label"] + " · " + styled["_status"],
                            severity=[3, 2, 1, 0])  # clusters take their worst status: over > near > ok

    def draw_static(self, ax, styled, lang="zh"):
        pts = styled.to_crs(3857)
        ax.scatter(pts.geometry.x, pts.geometry.y, s=36, marker="s", c=list(pts["_color"]), edgecolors="#333333",
                   linewidths=0.6, zorder=7)
