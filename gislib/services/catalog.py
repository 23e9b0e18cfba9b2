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
from gislib.safe_text import plain

# map layer key -> store layer
STORE_LAYERS = {"outfalls": "outfalls", "sections": "sections", "plots": "plots", "dust_sites": "dust"}
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


def version(data_dir: str | Path | None = None, dataset: str | None = None) -> str:
    """A token that changes whenever the store or the data set changes (cheap: file stats only)."""
    st = store(data_dir, dataset)
    parts = [data_version(dataset)]
    for suffix in ("", "-wal"):
        p = Path(str(st.db_path) + suffix)
        if p.exists():
            s = p.stat()
            parts.append(f"{s.st_mtime_ns}:{s.st_size}")
    return "|".join(parts)


def _flat(record: dict) -> dict:
    """Nested store fields flattened to the columns the map layers show."""
    out = dict(record)
    chief = out.get("river_chief")
    if isinstance(chief, dict):
        out["river_chief"] = chief.get("name", "")
    parties = out.get("responsible_parties")
    if isinstance(parties, list) and parties:
        main = next((p for p in parties if p.get("main")), parties[0])
        out["responsible"] = main.get("name", "")
    rem = out.get("remediation")
    if isinstance(rem, dict):
        out["remediation_kind"] = rem.get("kind", "")
        out["deadline"] = rem.get("deadline", "")
    for key, value in list(out.items()):
        if isinstance(value, (dict, list)):
            out.pop(key)
    return out


def layer_frame(layer: str, data_dir: str | Path | None = None, dataset: str | None = None) -> gpd.GeoDataFrame:
    """The live records of a map layer as a GeoDataFrame in EPSG:4326 (removed records left out)."""
    st = store(data_dir, dataset)
    rows = [_flat(r) for r in st.list(STORE_LAYERS[layer])]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return gpd.GeoDataFrame(frame, geometry=[], crs="EPSG:4326")
    geoms = [shapely.from_wkt(w) if isinstance(w, str) and w else shapely.Point(x, y)
             for w, x, y in zip(frame.get("geometry_wkt", [None] * len(frame)), frame["lon"], frame["lat"])]
    gdf = gpd.GeoDataFrame(frame.drop(columns=["geometry_wkt"], errors="ignore"), geometry=geoms, crs="EPSG:4326")
    if layer == "plots":
        gdf = gdf.rename(columns={"state": "stage", "land_use": "land_class"})
    for col in ("code", "responsible", "river_chief", "remediation_kind", "deadline", "name", "subdistrict", "river"):
        if col in gdf:  # always text ('' when missing), whatever an import put there
            gdf[col] = gdf[col].map(plain)
    from gislib.services.access import command_frame

    return command_frame(layer, gdf)  # `--user NAME` of a command: only that account's records
