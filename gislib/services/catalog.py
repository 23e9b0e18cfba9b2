"""gislib.services.catalog: the app's records as map-ready GeoDataFrames, read from the record store.

The store (``gislib.store``) is the system of record for outfalls, sections, plots and dust
sites; a fresh data directory gets the data set's ready-filled store attached (built by
``build-demo``), or is seeded from the data set when there is none. Context layers (rivers, water,
boundaries) and time series (samples, readings) still come from the data set GeoPackage.
``version()`` changes whenever the store (its revision) or the data set changes, so caches key on it.
"""
from __future__ import annotations

import os
import pickle
import shutil
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
FRAMES_DIR = Path("cache") / "frames"
NETWORK_DIR = "network"  # in the seed's frames folder: the river network pickles, copied to <data dir>/cache
_lock = threading.Lock()
_stores: dict[tuple[str, str], object] = {}


def store_dir(data_dir: str | Path | None = None, dataset: str | None = None) -> Path:
    """Where a data set's store lives: HETU_DATA_DIR for the default set, a sub-folder for others
    (the city-scale set must not share records with the district)."""
    from gislib.store import resolve_data_dir

    dataset = dataset or current_name()
    base = resolve_data_dir(data_dir)
    return base if dataset == "putuo" else base / dataset


def seed_file(dataset: str | None = None) -> Path:
    """The store built with the data set (``build-demo``), attached to a fresh data directory:
    ``data/geo/<set>.store.sqlite`` beside the GeoPackage."""
    from gislib.dataset import DATASETS

    gpkg = DATASETS[dataset or current_name()]
    return gpkg.with_name(gpkg.stem + ".store.sqlite")


def _seed(st, dataset: str, progress=lambda _m: None) -> None:
    """Fill the empty layers of ``st`` from the data set (slow at city scale: build time, not a page),
    each read and loaded in chunks (``layer_chunks``: bounded memory for the basin set's 600,000 outfalls)."""
    from gislib.dataset import layer_chunks
    from gislib.reports.ledger import seed_from_frames

    for layer, store_layer in STORE_LAYERS.items():
        if st.count(store_layer, include_removed=True) == 0:
            seed_from_frames(st, store_layer, layer_chunks(layer, dataset), SEED_USER, progress=progress)


def build_seed_store(dataset: str | None = None, progress=lambda _m: None) -> Path:
    """Write the data set's ready-filled store (:func:`seed_file`); ``build-demo`` calls this, so
    that opening the data set in a fresh data directory copies a file instead of loading records."""
    import tempfile

    from gislib.store import open_store

    dataset = dataset or current_name()
    out = seed_file(dataset)
    frames = out.with_suffix(".frames")
    shutil.rmtree(frames, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        with open_store(tmp) as st:
            _seed(st, dataset, progress)
            progress("seeded the store")
            _seed_demo_accounts(tmp, dataset)
            st.vacuum_into(out)
            progress(f"wrote {out}")
            for layer in STORE_LAYERS:  # the map-ready frames of exactly this store (same revision)
                _save_frame(frames, layer, st.revision(), _read_frame(st, layer))
                progress(f"wrote the map frame of {layer}")
    from gislib.geo.network import load_or_build_network

    load_or_build_network(load_layer("rivers", dataset), cache_dir=frames / NETWORK_DIR)  # tracing's first use
    return out


def _seed_demo_accounts(folder: str | Path, dataset: str) -> None:
    """A demo set's seed store carries its published demo accounts (gislib.auth.demo): hashing their six
    passwords (bcrypt) is build work, not the first visit of a fresh server."""
    import dataclasses

    from gislib.auth.accounts import DEMO_DATASETS, Accounts
    from gislib.config import load_settings

    if dataset not in DEMO_DATASETS:
        return
    from gislib.auth.demo import create_demo_accounts

    accounts = Accounts(folder, settings=dataclasses.replace(load_settings(), dataset=dataset))
    try:
        create_demo_accounts(accounts)
    finally:
        accounts.close()


def forget_store(data_dir: str | Path | None = None, dataset: str | None = None) -> None:
    """Close and forget the process's store of a data directory (build steps that use a scratch one)."""
    dataset = dataset or current_name()
    with _lock:
        st = _stores.pop((str(store_dir(data_dir, dataset)), dataset), None)
    if st is not None and hasattr(st, "close"):
        st.close()


def _copy_seed_frames(seed_frames: Path, folder: Path, data_dir: Path | None = None) -> None:
    """The seed store's map-ready frames go with it (they are keyed by its revision)."""
    source = seed_frames / FRAMES_DIR
    if source.is_dir():
        shutil.copytree(source, folder / FRAMES_DIR, dirs_exist_ok=True)
    networks = seed_frames / NETWORK_DIR  # the river network (keyed by the rivers' content), built with the seed
    if networks.is_dir() and data_dir is not None:
        shutil.copytree(networks, Path(data_dir) / "cache", dirs_exist_ok=True)


def attach_seed(data_dir: str | Path | None = None, dataset: str | None = None) -> bool:
    """Give a fresh data directory the data set's ready-filled store and map frames (a file copy), before
    anything else creates the store file there: the login page opens the accounts, which live in the
    same file (without this, a fresh Putuo directory would be filled row by row on the first map).
    False when the directory has a store already or the set has no seed."""
    from gislib.store import attach_store, resolve_data_dir

    dataset = dataset or current_name()
    folder = store_dir(data_dir, dataset)
    if not attach_store(seed_file(dataset), folder):
        return False
    _copy_seed_frames(seed_file(dataset).with_suffix(".frames"), folder, resolve_data_dir(data_dir))
    return True


def store(data_dir: str | Path | None = None, dataset: str | None = None):
    """The process-wide store of a data set (in HETU_DATA_DIR by default). A fresh data directory
    gets the data set's ready-filled store (:func:`build_seed_store`) attached; without one it is
    filled from the data set (slow for the city set: run ``build-demo`` first)."""
    from gislib.store import open_store

    dataset = dataset or current_name()
    folder = store_dir(data_dir, dataset)
    key = (str(folder), dataset)
    with _lock:
        if key not in _stores:
            attach_seed(data_dir, dataset)
            st = open_store(folder)
            _seed(st, dataset)
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
    """The live records of a map layer as a GeoDataFrame in EPSG:4326 (removed records left out);
    a copy the caller may modify (in a command run with ``--user NAME``, that account's records only). Cached per store revision, in memory and in
    ``<data dir>/cache/frames`` (60,000 outfalls take seconds to read from the store, a cached
    frame a fraction of a second; a fresh data directory gets the seed store's frames)."""
    from gislib.services.access import command_frame

    # `--user NAME` of a command: only that account's records. Applied to the copy handed out, never to the
    # frame kept in memory or saved in the data directory's cache, which every later reader (the app too) shares.
    return command_frame(layer, _shared_frame(layer, data_dir, dataset).copy())


# Padding of the store's distance test (sphere or spheroid, local projection on SQLite) around the exact
# metric distance the caller measures (gislib.geo.proximity, CGCS2000 Gauss-Krüger): never misses a record.
NEAR_PAD_FACTOR, NEAR_PAD_M = 1.01, 5.0


def near_frame(layer: str, geometry_wkt: str, metres: float, data_dir: str | Path | None = None,
               dataset: str | None = None) -> gpd.GeoDataFrame:
    """The rows of ``layer_frame(layer)`` that may lie within ``metres`` of a WKT geometry (EPSG:4326): the
    store says which (``Store.within``: ST_DWithin on a geography index on PostGIS, a box read through the
    lon/lat index on SQLite), with a little margin, so a caller that measures the exact distance (the plot
    buffer, ``gislib.geo.proximity.within``) gets the same answer as over the whole layer, measuring a few
    rows instead of projecting every one (60,000 outfalls: about 300 ms less per query)."""
    dataset = dataset or current_name()
    frame = _shared_frame(layer, data_dir, dataset)
    near = store(data_dir, dataset).within(STORE_LAYERS[layer], geometry_wkt,
                                           float(metres) * NEAR_PAD_FACTOR + NEAR_PAD_M)
    codes = {r["code"] for r in near}
    from gislib.services.access import command_frame

    return command_frame(layer, frame[frame["code"].isin(codes)].copy() if "code" in frame.columns
                         else frame.iloc[:0].copy())


def _shared_frame(layer: str, data_dir: str | Path | None = None, dataset: str | None = None) -> gpd.GeoDataFrame:
    """The cached frame itself (callers copy what they hand out)."""
    dataset = dataset or current_name()
    folder = store_dir(data_dir, dataset)
    revision = store(data_dir, dataset).revision()
    key = (str(folder), dataset, layer, revision)
    frame = _frames.get(key)
    if frame is None:
        frame = _cached_frame(folder, layer, revision)
        if frame is None:
            frame = _read_frame(store(data_dir, dataset), layer)
            _save_frame(folder, layer, revision, frame)
        with _lock:
            for old in [k for k in _frames if k[:3] == key[:3]]:
                _frames.pop(old)
            _frames[key] = frame
    return frame


_frames: dict[tuple[str, str, str, str], gpd.GeoDataFrame] = {}


def derived_frame(name: str, token: str, compute, data_dir: str | Path | None = None,
                  dataset: str | None = None):
    """A frame derived from the records (a map layer with its latest status judged, …) kept on disk in
    ``<store>/cache/frames`` under ``name`` and a hash of ``token`` (which must hold the data version,
    e.g. :func:`version`, and whatever else the result depends on): computed once per data version
    for every process, and shipped with the seed store (``build-demo``), so that a fresh directory's
    first map does not judge a month of dust readings. Returns the cached object itself (do not
    modify)."""
    import hashlib

    dataset = dataset or current_name()
    folder = store_dir(data_dir, dataset)
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()[:20]
    label = f"derived-{name}"
    frame = _cached_frame(folder, label, digest)
    if frame is None:
        frame = compute()
        _save_frame(folder, label, digest, frame)
    return frame


def _frame_file(folder: Path, layer: str, revision: str) -> Path:
    return Path(folder) / FRAMES_DIR / f"{layer}-{revision}.pickle"


def _cached_frame(folder: Path, layer: str, revision: str) -> gpd.GeoDataFrame | None:
    """The frame saved for exactly this store revision (our own cache file), or None."""
    path = _frame_file(folder, layer, revision)
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            frame = pickle.load(fh)
    except Exception:  # noqa: BLE001 - a damaged cache file is rebuilt, never trusted
        return None
    return frame if isinstance(frame, gpd.GeoDataFrame) else None


def _save_frame(folder: Path, layer: str, revision: str, frame: gpd.GeoDataFrame) -> None:
    """Keep the frame of this revision (older revisions of the layer are removed); best effort."""
    path = _frame_file(folder, layer, revision)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")  # per process and thread
        with tmp.open("wb") as fh:
            pickle.dump(frame, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        for old in path.parent.glob(f"{layer}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only data directory still works, only slower


FRAME_CHUNK_ROWS = 50_000  # records read from the store at once for a map-ready frame


def _read_frame(st, layer: str) -> gpd.GeoDataFrame:
    """The map-ready frame of a layer's live records, in code order. A large layer (the basin set's 600,000
    outfalls) is read a page of records at a time, each page flattened into a small DataFrame before the
    next is read: the whole layer as record dicts (monitoring histories and all) does not fit in memory."""
    frame = _flat_frame(st, STORE_LAYERS[layer])
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


def _flat_frame(st, store_layer: str) -> pd.DataFrame:
    """The flat columns (``_flat``) of the live records of a store layer, by code: ``list`` for a layer of
    up to FRAME_CHUNK_ROWS records, else pages of that many (read again if a write came in between)."""
    for _attempt in range(3):
        revision = st.revision()
        total = st.count(store_layer)
        if total <= FRAME_CHUNK_ROWS:
            break
        parts = [pd.DataFrame([_flat(r, store_layer) for r in st.page(store_layer, offset=offset,
                                                                       limit=FRAME_CHUNK_ROWS, sort="code")[1]])
                 for offset in range(0, total, FRAME_CHUNK_ROWS)]
        if st.revision() == revision:
            return pd.concat(parts, ignore_index=True, sort=False)
    return pd.DataFrame([_flat(r, store_layer) for r in st.list(store_layer)])
