"""gislib.services.catalog: the app's records as map-ready GeoDataFrames, read from the record store.

The store (``gislib.store``) is the system of record for outfalls, sections, plots and dust
sites; on first use it is seeded from the chosen demo data set. Context layers (rivers, water,
boundaries) and time series (samples, readings) still come from the data set GeoPackage.
``version()`` changes whenever the store or the data set changes, so caches key on it.
"""
from __future__ import annotations

import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from gislib.dataset import current_name, data_version, load_layer
from gislib.fields import MAP_LAYERS, TABLES
from gislib.fields.values import value as field_value
from gislib.safe_text import plain

# map layer key -> store layer, from the field tables (the map's dust_sites is the store's dust)
STORE_LAYERS = dict(MAP_LAYERS)
SEED_USER = "system:demo-seed"
_lock = threading.Lock()
_stores: dict[tuple[str, str], object] = {}


def store_dir(data_dir: str | Path | None = None, dataset: str | None = None) -> Path:
    """Where a data set's store lives: HETU_DATA_DIR for the default set, a sub-folder for others
    (the city-scale set must not share records with the district)."""
    from gislib.store import resolve_data_dir

    dataset = dataset or current_name()
    base = resolve_data_dir(data_dir)
    return base if dataset == "putuo" else base / dataset


def store(data_dir: str | Path | None = None, dataset: str | None = None):
    """The process-wide store of a data set (in HETU_DATA_DIR by default), seeded when empty."""
    from gislib.store import open_store
    from gislib.reports.ledger import seed_from_geodataframe

    dataset = dataset or current_name()
    folder = store_dir(data_dir, dataset)
    key = (str(folder), dataset)
    with _lock:
        if key not in _stores:
            st = open_store(folder)
            for layer, store_layer in STORE_LAYERS.items():
                if st.count(store_layer, include_removed=True) == 0:
                    seed_from_geodataframe(st, store_layer, load_layer(layer, dataset), SEED_USER)
            _stores[key] = st
        return _stores[key]


def prepare(data_dir: str | Path | None = None, dataset: str | None = None):
    """Fill a data set's store completely, demo chiefs, patrols and problems included, so that no
    page has to write on its first visit (run at deployment or build time: the demo problems take
    20–50 s of geometry work on the Putuo set, too long for a first request). Pages that find the
    demo missing still fill it on first use."""
    from gislib.demo.problems import ensure_demo

    st = store(data_dir, dataset)
    ensure_demo(st, dataset)
    return st


def version(data_dir: str | Path | None = None, dataset: str | None = None) -> str:
    """A token that changes whenever the store or the data set changes: the data set's version and
    the store's revision (bumped by every write, whichever process made it; one small query)."""
    return f"{data_version(dataset)}|r{store(data_dir, dataset).revision()}"


def _flat(record: dict, layer: str = "outfalls") -> dict:
    """A record as the flat columns the map layers show: each nested field of the layer's field
    table under its own name (remediation.deadline as ``deadline``, the main party's name as
    ``responsible``, 河长 as "level name"); other nested values are left out."""
    out = dict(record)
    table = TABLES.get(layer)
    for f in table.fields if table else ():
        if len(f.path) > 1:
            out[f.name] = f.read(record)
        elif f.fmt in ("chief", "tracing"):
            out[f.name] = field_value(f, record)
    return {k: v for k, v in out.items() if not isinstance(v, (dict, list))}


def layer_frame(layer: str, data_dir: str | Path | None = None, dataset: str | None = None) -> gpd.GeoDataFrame:
    """The live records of a map layer as a GeoDataFrame in EPSG:4326 (removed records left out)."""
    st = store(data_dir, dataset)
    store_layer = STORE_LAYERS[layer]
    rows = [_flat(r, store_layer) for r in st.list(store_layer)]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return gpd.GeoDataFrame(frame, geometry=[], crs="EPSG:4326")
    geoms = [shapely.from_wkt(w) if isinstance(w, str) and w else shapely.Point(x, y)
             for w, x, y in zip(frame.get("geometry_wkt", [None] * len(frame)), frame["lon"], frame["lat"])]
    gdf = gpd.GeoDataFrame(frame.drop(columns=["geometry_wkt"], errors="ignore"), geometry=geoms, crs="EPSG:4326")
    if layer == "plots":  # the plot pages and map still read the GeoPackage's former names
        gdf = gdf.rename(columns={new: old for old, new in TABLES["plots"].former_names.items()})
    for col in ("code", "responsible", "river_chief", "remediation_kind", "deadline", "name", "subdistrict", "river"):
        if col in gdf:  # always text ('' when missing), whatever an import put there
            gdf[col] = gdf[col].map(plain)
    return gdf
