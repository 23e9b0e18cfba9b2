"""layers.outfalls: 入河排污口, coloured by type and shaped by workflow phase (查/测/溯/治/管)."""
from __future__ import annotations

import hashlib
import json
import weakref

import geopandas as gpd
import numpy as np
import pandas as pd

from gislib.domain import OUTFALL_PHASE, is_rain_outfall
from gislib.i18n import t
from gislib.safe_text import plain
from gislib.geo.pointpack import TILE_ZOOM, cluster_levels, pack_points, split_tiles
from layers.assets import publish, publish_tiles
from layers.base import Filters, LegendEntry, MapLayer, count_legend, label_column
from layers.folium_elements import PointCanvas

# The ONE style definition of outfalls: display category -> colour, phase -> symbol.
CATEGORY_COLORS: list[tuple[str, str]] = [
    ("工业排污口", "#7b3294"),
    ("污水处理厂排污口", "#8c510a"),
    ("生活污水散排口", "#e66101"),
    ("雨洪排口", "#2b8cbe"),
    ("其他排口", "#1b9e77"),
    ("暂无法确定", "#7f7f7f"),
]
PHASE_SYMBOLS: list[tuple[str, str]] = [
    ("查", "circle"), ("测", "square"), ("溯", "triangle"), ("治", "diamond"), ("管", "ring"),
]
POINT_SHAPES = ("circle", "square", "triangle", "diamond", "ring")  # what static/js/hetu-points.js sprite() draws
MATPLOTLIB_MARKERS = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D", "ring": "o"}
LABEL_CHUNK = 5_000  # hover labels are published in chunks of this many points, fetched on first hover


AGGREGATE_MIN = 4_000  # from this many points, zoomed-out views draw counted clusters
TILE_MIN = 200_000  # from this many points, the browser fetches only the tiles in view


def _threshold(name: str, default: int) -> int:
    """AGGREGATE_MIN / TILE_MIN, overridable by HETU_AGGREGATE_MIN / HETU_TILE_MIN (tests run both
    modes on the small district set; operators can tune them)."""
    from gislib.config import point_threshold

    return point_threshold(name, default)


def point_canvas(key: str, styled: gpd.GeoDataFrame, colors: list[tuple[str, str]], lang: str,
                 labels: pd.Series, shape: str = "circle", shape_column: str | None = None,
                 symbols: list[tuple[str, str]] | None = None, shape_labels: list[str] | None = None,
                 category_labels: list[str] | None = None, radius=None,
                 severity: list[int] | None = None) -> PointCanvas:
    """A canvas point layer for ``styled`` (categories in ``_cat``): binary points plus hover labels.

    Shapes go BY NAME (one of ``POINT_SHAPES``): ``shape`` for every point, or ``shape_column`` whose values
    map through ``symbols`` [(value, shape name)]; the page receives the names in order and each point's
    position in them. From ``AGGREGATE_MIN`` points on, zoomed-out views draw clusters computed here once
    per data version; ``severity`` (a rank per colour) gives a cluster the colour of its worst member
    (without it, its most common colour). From ``TILE_MIN`` points on, points are served as z/x/y tiles.
    The files are made once per styled frame (styled frames are cached per data version): a rerun
    that changes nothing publishes nothing and hashes nothing."""
    symbols = symbols if shape_column else [("", shape)]
    names = [name for _, name in symbols]
    if unknown := set(names) - set(POINT_SHAPES):
        raise ValueError(f"{key}: unknown point shape {sorted(unknown)}; the page draws {POINT_SHAPES}")
    memo = (id(styled), key, lang, tuple(symbols), shape_column, tuple(severity or ()),
            _threshold("AGGREGATE_MIN", AGGREGATE_MIN), _threshold("TILE_MIN", TILE_MIN))
    hit = _MEMO.get(memo)
    if hit is None or hit[0]() is not styled:
        hit = (weakref.ref(styled), _canvas_options(key, styled, colors, lang, labels, symbols, shape_column,
                                                    severity))
        if len(_MEMO) > 64:
            _MEMO.clear()
        _MEMO[memo] = hit
    return PointCanvas(**hit[1], shapes=names, radius=radius, labels=category_labels, shape_labels=shape_labels)


_MEMO: dict[tuple, tuple] = {}


def _canvas_options(key, styled, colors, lang, labels, symbols, shape_column, severity) -> dict:
    """The published files of a canvas point layer and the options that name them."""
    # an unknown category draws as the last one (暂无法确定 / 无数据 / no data)
    cat = styled["_cat"].map({c: i for i, (c, _) in enumerate(colors)}).fillna(len(colors) - 1).to_numpy(dtype=np.uint8)
    if shape_column:
        sym = styled[shape_column].map({v: i for i, (v, _) in enumerate(symbols)}).fillna(0).to_numpy(dtype=np.uint8)
    else:
        sym = np.zeros(len(styled), dtype=np.uint8)
    lon, lat = styled.geometry.x.to_numpy(), styled.geometry.y.to_numpy()
    packed = pack_points(lon, lat, cat, sym)
    texts = [plain(v) for v in labels]
    title = t(f"layer.{key}", lang)
    cluster_text = t("maplayer.cluster", lang, n="{n}", title=title)
    common = dict(name=key, colors=[c for _, c in colors], cluster_text=cluster_text)
    clusters_url = None
    if len(styled) >= _threshold("AGGREGATE_MIN", AGGREGATE_MIN):
        clusters_url = publish(cluster_levels(lon, lat, cat, sym, severity), ".bin")
    if len(styled) >= _threshold("TILE_MIN", TILE_MIN):
        tiles = _tile_set(packed, lon, lat, cat, sym, texts)
        return dict(url=None, tiles=tiles, clusters_url=clusters_url, **common)
    url = publish(packed, ".bin")
    labels_urls = [publish(json.dumps(texts[i:i + LABEL_CHUNK], ensure_ascii=False).encode(), ".json")
                   for i in range(0, len(texts), LABEL_CHUNK)]
    return dict(url=url, labels_urls=labels_urls, labels_chunk=LABEL_CHUNK, clusters_url=clusters_url, **common)


def _tile_set(packed: bytes, lon, lat, cat, sym, texts: list[str]) -> dict:
    """Points and hover labels cut into z/x/y tiles, published as one versioned folder."""
    version = hashlib.sha256(packed + json.dumps(texts, ensure_ascii=False).encode()).hexdigest()[:24]
    index: list[str] = []

    def files():
        for (x, y), idx in split_tiles(lon, lat, TILE_ZOOM):
            index.append(f"{x}_{y}")
            yield f"{x}_{y}.bin", pack_points(lon[idx], lat[idx], cat[idx], sym[idx])
            yield f"{x}_{y}.json", json.dumps([texts[i] for i in idx], ensure_ascii=False).encode()

    base = publish_tiles(version, files())
    if not index:  # already published: the index is the folder's content
        index = [f"{x}_{y}" for (x, y), _ in split_tiles(lon, lat, TILE_ZOOM)]
    return {"url": f"{base}/{{x}}_{{y}}.bin", "labels": f"{base}/{{x}}_{{y}}.json", "z": TILE_ZOOM,
            "index": index}


def display_category(type_l2: str) -> str:
    """The map category of a level-2 type."""
    if not isinstance(type_l2, str) or type_l2 in ("", "暂无法确定"):
        return "暂无法确定"
    if is_rain_outfall(type_l2):
        return "雨洪排口"
    if type_l2 in ("城镇污水处理厂排污口", "工业及其他各类园区污水处理厂排污口"):
        return "污水处理厂排污口"
    if type_l2 in ("工矿企业排污口",):
        return "工业排污口"
    if "生活污水" in type_l2:
        return "生活污水散排口"
    return "其他排口"


def overdue_mask(gdf: gpd.GeoDataFrame, today) -> pd.Series:
    """Outfalls under remediation whose deadline has passed."""
    deadline = pd.to_datetime(gdf.get("deadline", pd.Series("", index=gdf.index)), errors="coerce")
    return (gdf["state"] == "整治中") & (deadline < pd.Timestamp(today))


class OutfallsLayer(MapLayer):
    """Outfalls as a canvas point layer that stays fast at 60,000 points."""

    key = "outfalls"
    search = "record"
    select_by = ("point",)
    source = "outfalls"
    kind = "point"
    demo = True

    def apply_filters(self, gdf, filters: Filters):
        gdf = super().apply_filters(gdf, filters)
        if filters.outfall_types:
            gdf = gdf[gdf["type_l1"].isin(filters.outfall_types)]
        if filters.outfall_states:
            gdf = gdf[gdf["state"].isin(filters.outfall_states)]
        return gdf

    def styled(self, gdf, lang="zh"):
        out = gdf.copy()
        out["_cat"] = out["type_l2"].map(display_category)
        out["_color"] = out["_cat"].map(dict(CATEGORY_COLORS))
        out["_phase"] = out["state"].map(OUTFALL_PHASE).replace("—", "查").fillna("查")
        out["_shape"] = out["_phase"].map(dict(PHASE_SYMBOLS))
        out["_label"] = label_column(out)
        return out

    def legend(self, styled, lang="zh"):
        rows = count_legend(styled, CATEGORY_COLORS, "circle", lang, "cat.")
        counts = styled["_phase"].value_counts()
        rows += [LegendEntry(t("phase." + p, lang), "#999999", sym, int(counts.get(p, 0)))
                 for p, sym in PHASE_SYMBOLS if counts.get(p, 0)]
        return rows

    def to_folium(self, styled, lang="zh"):
        shape_labels = [t(p, lang) if lang == "en" else t("phase." + p, lang) for p, _ in PHASE_SYMBOLS]
        return point_canvas(self.key, styled, CATEGORY_COLORS, shape_column="_phase",
                            symbols=PHASE_SYMBOLS, shape_labels=shape_labels, lang=lang,
                            labels=styled["_label"],
                            category_labels=[t("cat." + c, lang) for c, _ in CATEGORY_COLORS])

    def draw_static(self, ax, styled, lang="zh"):
        pts = styled.to_crs(3857)
        for (color, shape), grp in pts.groupby(["_color", "_shape"]):
            ring = shape == "ring"
            ax.scatter(grp.geometry.x, grp.geometry.y, s=14, c=color, marker=MATPLOTLIB_MARKERS[shape],
                       edgecolors="#222222" if ring else "white", linewidths=1.2 if ring else 0.4, zorder=6)
