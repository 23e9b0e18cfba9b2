"""layers.trace: 溯源 along the river network, for the map (the traced stretch and its outfalls)."""
from __future__ import annotations

from functools import lru_cache

import folium
import pandas as pd

from gislib.services.catalog import layer_frame
from gislib.services.catalog import version as catalog_version
from gislib.dataset import current_name, data_version, load_layer
from gislib.geo.network import load_or_build_network, trace_downstream, trace_upstream
from gislib.store import resolve_data_dir

STRETCH_COLOR = "#e7298a"


@lru_cache(maxsize=2)
def _network(dataset: str, version: str):
    cache = resolve_data_dir() / "cache"
    return load_or_build_network(load_layer("rivers", dataset), cache_dir=cache)


def network(dataset: str | None = None):
    """The river network of the data set (built once per data version, cached on disk too)."""
    dataset = dataset or current_name()
    return _network(dataset, data_version(dataset))


@lru_cache(maxsize=4)
def _points(dataset: str, version: str):
    return layer_frame("outfalls", dataset=dataset), layer_frame("sections", dataset=dataset)


def points(dataset: str | None = None):
    """(outfalls, sections) GeoDataFrames from the store, cached per store version."""
    dataset = dataset or current_name()
    return _points(dataset, catalog_version(dataset=dataset))


def latest_exceedances(record: dict) -> str:
    """'COD、氨氮' for the items that exceeded at the outfall's latest monitoring date, if any."""
    from gislib.services.catalog import store

    full = store().get("outfalls", record["code"])
    history = full.get("monitoring") or []
    if not history:
        return ""
    last = max(m.get("date", "") for m in history)
    return "、".join(sorted({m.get("item", "") for m in history if m.get("date") == last and m.get("exceeded")}))


def upstream(section_code: str, km: float, two_way: bool = False, dataset: str | None = None):
    """The upstream trace and a table of the outfalls found (code, km, name, type, state, exceedances)."""
    outfalls, sections = points(dataset)
    result = trace_upstream(network(dataset), section_code, outfalls, sections, km, two_way=two_way)
    found = pd.DataFrame(result.outfalls, columns=["code", "km"])
    if len(found):
        attrs = outfalls.set_index("code")[["name", "type_l2", "state", "river"]]
        found = found.join(attrs, on="code")
        found["exceedances"] = [latest_exceedances({"code": c}) for c in found["code"]]
    return result, found


def downstream(outfall_code: str, two_way: bool = False, dataset: str | None = None):
    """The nearest downstream section of an outfall and its network distance."""
    outfalls, sections = points(dataset)
    return trace_downstream(network(dataset), outfall_code, outfalls, sections, two_way=two_way)


def trace_group(result, found: pd.DataFrame, dataset: str | None = None) -> folium.FeatureGroup:
    """The traced stretch (thick magenta) and rings on the outfalls found, for the live map."""
    group = folium.FeatureGroup(name="trace")
    if result.stretch is not None and len(result.stretch):
        folium.GeoJson(result.stretch[["name", "geometry"]].to_json(drop_id=True),
                       style_function=lambda f: {"color": STRETCH_COLOR, "weight": 7, "opacity": 0.75},
                       interactive=False).add_to(group)
    outfalls, sections = points(dataset)
    hits = outfalls[outfalls["code"].isin(found["code"])] if len(found) else outfalls.iloc[:0]
    for _, row in hits.iterrows():
        folium.CircleMarker([row.geometry.y, row.geometry.x], radius=9, color=STRETCH_COLOR, weight=3,
                            fill=False).add_to(group)
    sec = sections[sections["code"] == result.section]
    if len(sec):
        p = sec.geometry.iloc[0]
        folium.CircleMarker([p.y, p.x], radius=15, color="#111111", weight=3, fill=False).add_to(group)
    return group
