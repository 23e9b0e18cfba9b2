"""gislib.dataset: where the map data lives and how it is loaded.

Two data sets ship with Hetu, both built by ``python -m gislib build-demo`` from the OpenStreetMap
files in ``data/raw/``:

* ``putuo`` (default): 上海市普陀区 with ~300 outfalls, ~25 sections, ~15 plots, ~40 dust sites;
  committed in ``data/geo/putuo.gpkg``.
* ``city``: all of Shanghai's waterways with 60,000 outfalls and 3,600 sections, for trying Hetu at
  city scale (``python -m gislib build-demo --city`` writes ``data/geo/city/city.gpkg``).

* ``basin``: the same waterways with 600,000 outfalls (basin / national-inventory scale; the map serves
  them as z/x/y tiles), ``python -m gislib build-demo --basin`` writes ``data/geo/basin/basin.gpkg``.

Choose with the environment variable ``HETU_DATASET`` (``putuo``, ``city`` or ``basin``) or an explicit path.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from gislib.config import REPO_ROOT, dataset_name
from gislib.errors import ConfigError, NotFoundError

RAW_DIR = REPO_ROOT / "data" / "raw"
GEO_DIR = REPO_ROOT / "data" / "geo"
DATASETS: dict[str, Path] = {
    "putuo": GEO_DIR / "putuo.gpkg",
    "city": GEO_DIR / "city" / "city.gpkg",
    "basin": GEO_DIR / "basin" / "basin.gpkg",
}
SPATIAL_LAYERS = (
    "district", "subdistricts", "rivers", "water", "railways", "outfalls", "sections", "plots", "dust_sites",
)
TABLES = ("section_samples", "dust_readings")


def current_name() -> str:
    """The data set chosen by ``HETU_DATASET`` (default ``putuo``)."""
    name = dataset_name()
    if name not in DATASETS:
        raise ConfigError("error.dataset_unknown", setting="HETU_DATASET", value=name, choices=sorted(DATASETS))
    return name


def dataset_path(name: str | None = None) -> Path:
    """The GeoPackage of a data set; tells how to build it when it is missing."""
    name = name or current_name()
    path = DATASETS[name]
    if not path.exists():
        flag = {"city": " --city", "basin": " --basin"}.get(name, "")
        raise NotFoundError("error.dataset_not_built", name=name, path=path, command=f"python -m gislib build-demo{flag}")
    return path


def data_version(name: str | None = None) -> str:
    """A token that changes whenever the data set file changes (for cache keys)."""
    path = dataset_path(name)
    st = path.stat()
    return f"{path.name}:{st.st_size}:{int(st.st_mtime)}"


SEED_CHUNK_ROWS = 50_000  # rows of a layer read at once when a store is seeded from the data set


def layer_chunks(name: str, dataset: str | None = None, rows: int = SEED_CHUNK_ROWS):
    """One layer of a data set read ``rows`` features at a time (GeoDataFrames in file order; a small layer
    is one chunk), for loads that must not hold the whole layer: the basin set's 600,000 outfalls. Not
    cached (``load_layer`` is, for the pages)."""
    import pyogrio

    if name not in SPATIAL_LAYERS:
        raise NotFoundError("error.dataset_layer", name=name, layers=list(SPATIAL_LAYERS))
    path = str(dataset_path(dataset))
    total = pyogrio.read_info(path, layer=name)["features"]
    for skip in range(0, max(total, 1), rows):
        yield pyogrio.read_dataframe(path, layer=name, skip_features=skip, max_features=rows)


@lru_cache(maxsize=32)
def _load(path: str, layer: str, version: str):
    import pyogrio

    if layer in TABLES:
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    return pyogrio.read_dataframe(path, layer=layer)


def load_layer(name: str, dataset: str | None = None):
    """One layer (GeoDataFrame, EPSG:4326) or table (DataFrame) of a data set; cached per file version.

    Callers must not modify the returned frame in place (copy it first).
    """
    if name not in SPATIAL_LAYERS and name not in TABLES:
        raise NotFoundError("error.dataset_layer", name=name, layers=list(SPATIAL_LAYERS + TABLES))
    path = dataset_path(dataset)
    return _load(str(path), name, data_version(dataset))
