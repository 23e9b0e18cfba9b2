"""gislib.io.examples: build realistic import files with known true positions (示例数据).

Three files such as officers send in, used by the tests and by the import page's "下载示例文件":

* ``gcj_excel``: an outfall ledger in Excel with Chinese headers, a title row and GCJ-02 (高德)
  coordinates, with bad rows (missing/text coordinates, unknown type, duplicate code, a point
  in Beijing), one latitude/longitude swap and two points 2 m apart;
* ``gbk_shp``: a zipped Shapefile in CGCS2000 3° GK CM 120°E (EPSG:4549), GBK attributes, no .cpg;
* ``bd09_csv``: a CSV saved as GBK with BD-09 (百度) coordinates and one bad date.

True WGS84 positions are taken from outfalls of the Putuo demo set (on real river banks, see
:func:`gislib.dataset.load_layer`); new outfalls lie 30 m east of an existing one.
:data:`EXPECTED` says, for each sample, which source rows are accepted and what the rejected
rows fail on, so a test can check every row's fate.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from gislib.geo import crs as crsmod
from gislib.domain import DEMO_MARK
from gislib.errors import DataError

DATASET = "putuo"
NEW_OFFSET_M = 30.0
# new code → (existing outfall it lies next to, distance east in metres)
NEW_OUTFALLS = {
    "PT-2001": ("PT-0005", NEW_OFFSET_M),
    "PT-2002": ("PT-0005", NEW_OFFSET_M + 2.0),  # 2 m from PT-2001: a near-duplicate warning
    "PT-2101": ("PT-0009", NEW_OFFSET_M),
    "PT-2201": ("PT-0011", NEW_OFFSET_M),
}
BEIJING_WGS84 = (116.3912, 39.9067)  # Tiananmen: far outside Putuo


@dataclass(frozen=True)
class SampleSpec:
    """One sample file: its name, target layer and what an import of it must give."""

    kind: str
    filename: str
    layer: str
    crs: str  # the CRS the coordinates are written in
    title: str
    accepted_rows: tuple[int, ...]
    rejected: dict[int, str] = field(default_factory=dict)  # row → a word its reason contains
    warnings: tuple[tuple[int, str], ...] = ()  # (row, kind)


SAMPLES: dict[str, SampleSpec] = {
    "gcj_excel": SampleSpec(
        "gcj_excel", "普陀区入河排污口复核台账_高德坐标.xlsx", "outfalls", crsmod.GCJ02,
        "Excel 台账（高德 GCJ-02 坐标，含错误行）",
        accepted_rows=(3, 4, 5, 6, 7, 8),  # Excel row numbers: title row 1, header row 2
        rejected={9: "坐标缺失", 10: "见附图", 11: "二级类型", 12: "重复", 13: "辖区外"},
        warnings=((5, "duplicate_code"), (6, "swap"), (8, "near_duplicate")),
    ),
    "gbk_shp": SampleSpec(
        "gbk_shp", "普陀排口_CGCS2000_3度带.zip", "outfalls", "EPSG:4549",
        "Shapefile 压缩包（EPSG:4549，GBK 编码，无 .cpg）",
        accepted_rows=(1, 2, 3, 4, 5), rejected={6: "二级类型"},
    ),
    "bd09_csv": SampleSpec(
        "bd09_csv", "排口点位_百度坐标.csv", "outfalls", crsmod.BD09,
        "CSV（百度 BD-09 坐标，GBK 编码）",
        accepted_rows=(2, 3, 4), rejected={5: "日期"},  # CSV line numbers: header line 1
    ),
}


def _outfalls(dataset: str = DATASET):
    from gislib.dataset import load_layer

    return load_layer("outfalls", dataset).set_index("code")


def true_positions(dataset: str = DATASET) -> dict[str, tuple[float, float]]:
    """code → true WGS84 (lon, lat) of every outfall the samples contain (existing and new)."""
    from pyproj import Geod

    frame = _outfalls(dataset)
    wanted = [f"PT-{i:04d}" for i in range(1, 13)]
    missing = [c for c in wanted + [b for b, _ in NEW_OUTFALLS.values()] if c not in frame.index]
    if missing:
        raise DataError("error.example_missing_outfalls", dataset=dataset, codes=missing)
    out = {c: (float(frame.geometry[c].x), float(frame.geometry[c].y)) for c in wanted}
    geod = Geod(ellps="WGS84")
    for code, (base, metres) in NEW_OUTFALLS.items():
        lon, lat, _ = geod.fwd(*out[base], 90.0, metres)
        out[code] = (float(lon), float(lat))
    return out


def _attrs(code: str, dataset: str = DATASET, like: str | None = None) -> dict:
    """Name, type, river, street and target of an existing outfall; new ones borrow those of their
    neighbour (NEW_OUTFALLS) or of ``like``."""
    frame = _outfalls(dataset)
    base = like or NEW_OUTFALLS.get(code, (code, 0))[0]
    row = frame.loc[base]
    name = row["name"] if code == base else f"{row['river']}新增排口{code[-2:]}"
    return {"name": name, "type_l2": row["type_l2"], "river": row["river"], "subdistrict": row["subdistrict"],
            "target_class": row["target_class"]}


def _dms(value: float) -> str:
    """121.40847 → 121°24′30.49″ (0.01″ ≈ 0.3 m)."""
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return f"{d}°{m}′{s:.2f}″"


def gcj_excel_ledger(path: str | os.PathLike, dataset: str = DATASET) -> Path:
    """An outfall ledger (.xlsx) in GCJ-02 with a title row, Chinese headers and the rows of SAMPLES["gcj_excel"]."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    truth = true_positions(dataset)
    g = {c: crsmod.wgs84_to_gcj02(*p) for c, p in truth.items()}
    beijing = crsmod.wgs84_to_gcj02(*BEIJING_WGS84)
    wb = Workbook()
    ws = wb.active
    ws.title = "排口台账"
    ws.append(["普陀区入河排污口复核台账（坐标为高德地图拾取，GCJ-02）— 示例数据"])
    ws["A1"].font = Font(bold=True)
    ws.append(["序号", "排口编码", "排口名称", "排口类型", "经度", "纬度", "受纳水体", "所在街道", "水质目标", "备注", "联系人"])

    def row(code: str, x, y, like: str | None = None, **override) -> list:
        a = {**_attrs(code, dataset, like), **override}
        return [code, a["name"], a["type_l2"], x, y, a["river"], a["subdistrict"], a["target_class"],
                f"{DEMO_MARK}：2025 年复核"]

    rows = [
        row("PT-0001", round(g["PT-0001"][0], 7), round(g["PT-0001"][1], 7)),  # 1 ok (update)
        row("PT-0002", _dms(g["PT-0002"][0]), _dms(g["PT-0002"][1])),  # 2 ok: degrees-minutes-seconds
        row("PT-0003", f"{g['PT-0003'][0]:.7f}", f"{g['PT-0003'][1]:.7f}", target_class="Ⅳ类"),  # 3 ok, text numbers
        row("PT-0004", round(g["PT-0004"][1], 7), round(g["PT-0004"][0], 7)),  # 4 latitude/longitude swapped
        row("PT-2001", round(g["PT-2001"][0], 7), round(g["PT-2001"][1], 7)),  # 5 new outfall
        row("PT-2002", round(g["PT-2002"][0], 7), round(g["PT-2002"][1], 7)),  # 6 new, 2 m from row 5
        row("PT-2003", None, None, like="PT-0006", name="坐标待补测"),  # 7 missing coordinates
        row("PT-2004", "见附图", "见附图", like="PT-0007", name="坐标写成文字"),  # 8 text instead of numbers
        row("PT-2005", round(g["PT-0006"][0], 7), round(g["PT-0006"][1], 7), like="PT-0006", type_l2="养殖排口"),  # 9 type to map (规模化 or 规模以下?)
        row("PT-0003", round(g["PT-0003"][0], 7), round(g["PT-0003"][1], 7), name="重复录入"),  # 10 duplicate code
        row("PT-2006", round(beijing[0], 7), round(beijing[1], 7), like="PT-0008", name="坐标误录（北京）"),  # 11 outside district
    ]
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r, "张某某 138****0000"])
    for col, width in zip("ABCDEFGHIJK", (6, 12, 26, 16, 16, 16, 10, 14, 10, 22, 18)):
        ws.column_dimensions[col].width = width
    path = Path(path)
    wb.save(path)
    return path


def gbk_shapefile_zip(path: str | os.PathLike, dataset: str = DATASET) -> Path:
    """A zipped Shapefile in EPSG:4549 (with .prj) whose DBF is GBK and which has no .cpg."""
    import geopandas as gpd
    from shapely.geometry import Point

    truth = true_positions(dataset)
    codes = ["PT-0006", "PT-0007", "PT-0008", "PT-0009", "PT-2101", "PT-2102"]
    records = []
    for code in codes:
        a = _attrs(code, dataset, like="PT-0010" if code == "PT-2102" else None)
        if code == "PT-2102":
            a["type_l2"] = "排水口"  # 6: not an HJ 1312-2023 type
        records.append({"排口编码": code, "排口名称": a["name"], "排口类型": a["type_l2"],
                        "受纳水体": a["river"], "所在街道": a["subdistrict"], "备注": DEMO_MARK})
    where = [truth[c] if c in truth else truth["PT-0010"] for c in codes]
    pts = [Point(*crsmod.from_wgs84(lon, lat, "EPSG:4549")) for lon, lat in where]
    gdf = gpd.GeoDataFrame(records, geometry=pts, crs="EPSG:4549")
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="hetu_sample_") as tmp:
        shp = Path(tmp) / "排污口.shp"
        gdf.to_file(shp, engine="pyogrio", encoding="GBK")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(Path(tmp).iterdir()):
                if f.suffix.lower() != ".cpg":  # officers' files often lack it
                    zf.write(f, f"排污口/{f.name}")
    return path


def bd09_gbk_csv(path: str | os.PathLike, dataset: str = DATASET) -> Path:
    """A CSV saved as GBK with Baidu (BD-09) coordinates; line 5 (the 4th data row) has an unreadable date."""
    truth = true_positions(dataset)
    lines = ["编号,名称,类型,百度经度,百度纬度,河道,发现日期,备注"]
    for code, found in (("PT-0011", "2025/3/2"), ("PT-0012", "2025年3月5日"), ("PT-2201", "2025-03-09"),
                        ("PT-2202", "上月")):
        a = _attrs(code, dataset, like="PT-0012" if code == "PT-2202" else None)
        lon, lat = truth.get(code, truth["PT-0012"])
        bx, by = crsmod.wgs84_to_bd09(lon, lat)
        lines.append(f"{code},{a['name']},{a['type_l2']},{bx:.7f},{by:.7f},{a['river']},{found},{DEMO_MARK}")
    path = Path(path)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


BUILDERS = {"gcj_excel": gcj_excel_ledger, "gbk_shp": gbk_shapefile_zip, "bd09_csv": bd09_gbk_csv}


def build_sample(kind: str, directory: str | os.PathLike, dataset: str = DATASET) -> Path:
    """Write the sample ``kind`` (a key of SAMPLES) into ``directory`` under its own file name."""
    if kind not in SAMPLES:
        raise DataError("error.example_unknown", kind=kind, choices=list(SAMPLES))
    return BUILDERS[kind](Path(directory) / SAMPLES[kind].filename, dataset)


def sample_bytes(kind: str, dataset: str = DATASET) -> tuple[str, bytes]:
    """(file name, content) of the sample ``kind``, for a download button."""
    with tempfile.TemporaryDirectory(prefix="hetu_sample_") as tmp:
        path = build_sample(kind, tmp, dataset)
        return path.name, path.read_bytes()
