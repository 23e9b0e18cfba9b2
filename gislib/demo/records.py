"""gislib.demo.records: realistic, deterministic demo records (示例数据) on real geography.

Nothing here is real: names, codes, people and measurements are generated from a seed so that
every build gives the same data. Every record carries ``demo = True`` and the 示例数据 mark.
"""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gislib.demo.context import METRIC_CRS, Context, named_rivers, sample_along, unit_of
from gislib.domain import DEMO_MARK, DISCHARGE_MODES, DUST_PHASES, OUTFALL_TYPES, approval_kind, outfall_type_l1

AS_OF = dt.date(2026, 11, 22)  # the demo's "today": last dust day and last sample month end here
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"

# (level-2 type, level-3 type, share) for an urban district: storm outfalls dominate.
OUTFALL_TYPE_SHARES: tuple[tuple[str, str, float], ...] = (
    ("城镇雨洪排口", "", 0.44),
    ("工矿企业雨洪排口", "工业企业雨洪排口", 0.09),
    ("城镇生活污水散排口", "", 0.12),
    ("工矿企业排污口", "工业企业排污口", 0.07),
    ("工业及其他各类园区污水处理厂排污口", "", 0.01),
    ("城镇污水处理厂排污口", "", 0.01),
    ("港口码头排口", "", 0.02),
    ("其他排污口", "", 0.08),
    ("规模以下水产养殖排污口", "", 0.01),
    ("暂无法确定", "", 0.15),
)
STATE_SHARES: tuple[tuple[str, float], ...] = (
    ("疑似", 0.08), ("已核实", 0.10), ("非排污口", 0.04), ("已监测", 0.15), ("已溯源", 0.14),
    ("整治中", 0.19), ("已销号", 0.12), ("日常监管", 0.18),
)
REMEDIATION_SHARES = (("规范整治", 0.6), ("合并", 0.25), ("取缔", 0.15))
PATTERNS_BY_KIND = {"rain": "雨天排放", "sewage": "间断排放", "industrial": "连续排放"}
TYPE_NAME_SUFFIX = {
    "城镇雨洪排口": "雨水排口", "工矿企业雨洪排口": "企业雨水排口", "城镇生活污水散排口": "生活污水散排口",
    "工矿企业排污口": "企业排污口", "工业及其他各类园区污水处理厂排污口": "园区污水厂排口",
    "城镇污水处理厂排污口": "污水厂排口", "港口码头排口": "码头排口", "其他排污口": "排口",
    "规模以下水产养殖排污口": "养殖排口", "暂无法确定": "排口",
}


def _pick(rng: np.random.Generator, shares, n: int) -> np.ndarray:
    """Indices into ``shares`` (tuples whose last item is the weight) drawn by weight."""
    p = np.array([s[-1] for s in shares], dtype=float)
    return rng.choice(len(shares), size=n, p=p / p.sum())


def _person(rng: np.random.Generator) -> str:
    return SURNAMES[rng.integers(len(SURNAMES))] + "某某"


def make_outfalls(ctx: Context, n: int, rng: np.random.Generator, code_prefix: str = "PT",
                  within=None, start: int = 0, counters: dict[str, int] | None = None,
                  chiefs: dict[str, str] | None = None, code_width: int | None = None,
                  rivers: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """``n`` outfalls on the banks of the named rivers (inside ``within`` when given).

    A large set is made in chunks: ``start`` (codes continue from it), ``counters`` (per-river
    numbering) and ``chiefs`` (one river chief per river) carry over from one chunk to the next."""
    rivers = named_rivers(ctx.rivers, within) if rivers is None else rivers
    pts, which, bank = sample_along(rivers, n, rng, bank_offset_m=(4.0, 12.0))
    type_idx = _pick(rng, OUTFALL_TYPE_SHARES, n)
    state_idx = _pick(rng, STATE_SHARES, n)
    rem_idx = _pick(rng, REMEDIATION_SHARES, n)
    river_names = rivers["name"].to_numpy()[which]
    units = unit_of(pts, ctx.subdistricts).to_numpy()
    chiefs = {r: _person(rng) for r in sorted(set(river_names))} if chiefs is None else chiefs
    found = pd.Timestamp("2023-03-01") + pd.to_timedelta(rng.integers(0, 900, size=n), unit="D")
    counters = {} if counters is None else counters
    width = code_width or (5 if n >= 10000 else 4)
    rows = []
    for i in range(n):
        l2, l3, _ = OUTFALL_TYPE_SHARES[type_idx[i]]
        state = STATE_SHARES[state_idx[i]][0]
        river = river_names[i]
        counters[river] = counters.get(river, 0) + 1
        rem_kind = REMEDIATION_SHARES[rem_idx[i]][0] if state in ("整治中", "已销号", "日常监管") else ""
        deadline = ""
        if state == "整治中":  # about a quarter of open remediations are overdue
            deadline = str(AS_OF + dt.timedelta(days=int(rng.integers(-120, 300))))
        kind = "rain" if "雨洪" in l2 else ("industrial" if l2 in ("工矿企业排污口",) else "sewage")
        resp = ""
        if state not in ("疑似", "已核实", "非排污口", "已监测") and l2 != "暂无法确定":
            resp = f"示例{'物业' if kind == 'rain' else '实业'}有限公司{int(rng.integers(1, 99)):02d}"
        rows.append({
            "code": f"{code_prefix}-{start + i + 1:0{width}d}",
            "name": f"{river}{bank[i]}{counters[river]}号{TYPE_NAME_SUFFIX[l2]}",
            "type_l1": outfall_type_l1(l2), "type_l2": l2, "type_l3": l3,
            "approval_kind": approval_kind(l2),
            "state": state,
            "remediation_kind": rem_kind,
            "deadline": deadline,
            "river": river,
            "subdistrict": units[i],
            "discharge_mode": DISCHARGE_MODES[int(rng.choice(len(DISCHARGE_MODES), p=[.18, .55, .1, .1, .05, .02]))],
            "discharge_pattern": PATTERNS_BY_KIND[kind],
            "pipe_diameter_mm": int(rng.choice([300, 400, 500, 600, 800, 1000, 1200])),
            "target_class": "IV" if river not in ("苏州河", "吴淞江") else "III",
            "responsible": resp,
            "river_chief": chiefs.setdefault(river, _person(rng)),
            "found_date": str(found[i].date()),
            "source_crs": "EPSG:4326",
            "demo": True,
        })
    gdf = gpd.GeoDataFrame(rows, geometry=pts.to_numpy(), crs="EPSG:4326")
    return gdf


# ---------------------------------------------------------------------------------- sections
# Typical monthly means per "quality level" of a Shanghai plain river (mg/L), to be perturbed.
SECTION_LEVELS = {
    "III": {"溶解氧": 6.0, "高锰酸盐指数": 4.8, "化学需氧量": 17.0, "五日生化需氧量": 3.2, "氨氮": 0.7, "总磷": 0.16},
    "IV": {"溶解氧": 4.2, "高锰酸盐指数": 6.5, "化学需氧量": 23.0, "五日生化需氧量": 4.6, "氨氮": 1.1, "总磷": 0.24},
    "V": {"溶解氧": 2.8, "高锰酸盐指数": 9.0, "化学需氧量": 30.0, "五日生化需氧量": 6.5, "氨氮": 1.6, "总磷": 0.33},
    "劣V": {"溶解氧": 1.6, "高锰酸盐指数": 11.0, "化学需氧量": 38.0, "五日生化需氧量": 8.0, "氨氮": 2.4, "总磷": 0.45},
}


def make_sections(ctx: Context, n: int, rng: np.random.Generator, code_prefix: str = "PTDM",
                  within=None, min_spacing_m: float = 600.0) -> gpd.GeoDataFrame:
    """``n`` monitoring sections on the named rivers, spread out along them."""
    rivers = named_rivers(ctx.rivers, within)
    rivers = rivers[rivers["length_m"] > 300]
    pts, which, _ = sample_along(rivers, n * 4, rng, bank_offset_m=(0.0, 0.5))
    metric = pts.to_crs(METRIC_CRS)
    keep: list[int] = []
    for i in range(len(pts)):  # greedy thinning so sections do not crowd
        if len(keep) >= n:
            break
        if all(metric.iloc[i].distance(metric.iloc[j]) >= min_spacing_m for j in keep[-400:]):
            keep.append(i)
    pts = pts.iloc[keep].reset_index(drop=True)
    which = which[keep]
    river_names = rivers["name"].to_numpy()[which]
    units = unit_of(pts, ctx.subdistricts).to_numpy()
    levels = rng.choice(list(SECTION_LEVELS), size=len(pts), p=[0.3, 0.4, 0.2, 0.1])
    rows = []
    counters: dict[str, int] = {}
    for i in range(len(pts)):
        river = river_names[i]
        counters[river] = counters.get(river, 0) + 1
        major = river in ("苏州河", "吴淞江", "桃浦河", "真如港")
        rows.append({
            "code": f"{code_prefix}{i + 1:03d}" if len(pts) < 1000 else f"{code_prefix}{i + 1:05d}",
            "name": f"{river}{counters[river]}号断面",
            "river": river,
            "subdistrict": units[i],
            "level": "市控" if major else "区控",
            "target_class": "III" if river in ("苏州河", "吴淞江") else ("IV" if major else "V"),
            "water_type": "河流",
            "quality_level": levels[i],  # generator hint only; the app evaluates the samples
            "demo": True,
        })
    return gpd.GeoDataFrame(rows, geometry=pts.to_numpy(), crs="EPSG:4326")


def make_samples(sections: gpd.GeoDataFrame, months: int, rng: np.random.Generator) -> pd.DataFrame:
    """Monthly samples of the 9+X items for each section over ``months`` months up to AS_OF."""
    last = pd.Timestamp(AS_OF.year, AS_OF.month, 1) - pd.DateOffset(months=1)
    dates = [last - pd.DateOffset(months=k) for k in range(months - 1, -1, -1)]
    rows = []
    for _, sec in sections.iterrows():
        base = SECTION_LEVELS[sec["quality_level"]]
        trend = rng.uniform(-0.15, 0.05)  # most sections improve slowly
        for k, d in enumerate(dates):
            month = d.month
            summer = np.cos((month - 7) / 12 * 2 * np.pi)  # 1 in July, -1 in January
            factor = (1 + trend * k / months) * rng.lognormal(0, 0.18)
            temp = 17 + 11 * summer + rng.normal(0, 1.2)
            do = max(0.3, base["溶解氧"] * (1 - 0.18 * summer) / factor ** 0.5 + rng.normal(0, 0.3))
            row = {
                "section_code": sec["code"], "date": d.strftime("%Y-%m-%d"),
                "水温": round(temp, 1), "pH": round(float(np.clip(rng.normal(7.4, 0.3), 6.3, 8.6)), 2),
                "溶解氧": round(do, 2),
                "高锰酸盐指数": round(base["高锰酸盐指数"] * factor, 1),
                "化学需氧量": round(base["化学需氧量"] * factor, 0),
                "五日生化需氧量": round(base["五日生化需氧量"] * factor, 1),
                "氨氮": round(base["氨氮"] * factor * (1 - 0.25 * summer), 3),
                "总磷": round(base["总磷"] * factor, 3),
                "总氮": round(base["氨氮"] * factor * 2.1 + 1.0, 2),
                "电导率": round(float(rng.normal(650, 80)), 0),
                "浊度": round(float(rng.lognormal(2.6, 0.35)), 1),
                "石油类": "0.01L" if rng.random() < 0.8 else round(float(rng.uniform(0.02, 0.09)), 2),
            }
            rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- plots
FORMER_USES = (
    ("化工", "化学原料和化学制品制造业", ["苯", "萘", "石油烃(C10-C40)"]),
    ("电镀", "金属表面处理及热处理加工", ["铬(六价)", "镍", "铜"]),
    ("金属制品", "金属制品业", ["铅", "镉", "镍"]),
    ("印染", "纺织业", ["苯", "铜"]),
    ("加油站", "机动车燃油零售", ["苯", "石油烃(C10-C40)"]),
    ("制药", "医药制造业", ["三氯乙烯", "四氯乙烯"]),
    ("仓储", "危险品仓储", ["石油烃(C10-C40)", "砷"]),
)
PLOT_STAGE_SHARES = (
    ("疑似污染地块", 0.2), ("初步调查", 0.15), ("调查结束", 0.07), ("污染地块", 0.07), ("详细调查", 0.07),
    ("风险评估", 0.07), ("纳入名录", 0.1), ("修复", 0.1), ("风险管控", 0.05), ("效果评估", 0.05), ("移出名录", 0.07),
)


def _free_land(ctx: Context):
    """District land away from water (metric CRS), where plots and sites may go."""
    district_m = ctx.district.to_crs(METRIC_CRS).geometry.iloc[0]
    water_m = shapely.union_all(list(ctx.water.to_crs(METRIC_CRS).geometry) +
                                list(ctx.rivers.to_crs(METRIC_CRS).buffer(25).geometry))
    return district_m.buffer(-150).difference(water_m)


def _random_points_in(area, n: int, rng: np.random.Generator, spacing_m: float) -> list:
    minx, miny, maxx, maxy = area.bounds
    prepared = shapely.prepared.prep(area)
    out: list = []
    while len(out) < n:
        p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if prepared.contains(p) and all(p.distance(q) >= spacing_m for q in out):
            out.append(p)
    return out


def make_plots(ctx: Context, n: int, rng: np.random.Generator, code_prefix: str = "PTDK") -> gpd.GeoDataFrame:
    """``n`` suspected or confirmed contaminated plots (polygons) at various stages."""
    land = _free_land(ctx)
    centres = _random_points_in(land, n, rng, spacing_m=600)
    stage_idx = _pick(rng, PLOT_STAGE_SHARES, n)
    rows, geoms = [], []
    for i, c in enumerate(centres):
        w, h = rng.uniform(90, 260), rng.uniform(80, 220)
        angle = rng.uniform(0, 90)
        poly = shapely.affinity.rotate(shapely.box(c.x - w / 2, c.y - h / 2, c.x + w / 2, c.y + h / 2), angle)
        poly = poly.intersection(land).buffer(0)
        if poly.geom_type != "Polygon":
            poly = max(poly.geoms, key=lambda g: g.area)
        use, industry, pollutants = FORMER_USES[int(rng.integers(len(FORMER_USES)))]
        stage = PLOT_STAGE_SHARES[stage_idx[i]][0]
        geoms.append(poly)
        rows.append({
            "code": f"{code_prefix}-{i + 1:03d}",
            "name": f"原示例{use}厂地块{i + 1}",
            "address": "",
            "former_use": use, "industry": industry, "pollutants": "、".join(pollutants),
            "responsible": f"示例{use}有限公司", "land_holder": "示例土地储备中心",
            "land_class": "第一类用地" if rng.random() < 0.45 else "第二类用地",
            "stage": stage,
            "listed_batch": "2025年第1批" if stage in ("纳入名录", "修复", "风险管控", "效果评估", "移出名录") else "",
            "removed_batch": "2026年第2批" if stage == "移出名录" else "",
            "area_m2": round(poly.area, 0),
            "demo": True,
        })
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=METRIC_CRS).to_crs("EPSG:4326")
    gdf["subdistrict"] = unit_of(gdf.geometry.representative_point(), ctx.subdistricts).to_numpy()
    gdf["address"] = gdf["subdistrict"] + "（示例地址）"
    return gdf


def make_dust_sites(ctx: Context, n: int, rng: np.random.Generator, code_prefix: str = "PTGD") -> gpd.GeoDataFrame:
    """``n`` construction sites (points) with project details."""
    land = _free_land(ctx)
    pts = _random_points_in(land, n, rng, spacing_m=350)
    rows = []
    for i in range(n):
        start = AS_OF - dt.timedelta(days=int(rng.integers(60, 700)))
        rows.append({
            "code": f"{code_prefix}-{i + 1:03d}",
            "name": f"示例项目{i + 1}号工地",
            "project": f"示例{['住宅', '商办', '学校', '道路', '地铁配套', '公园'][i % 6]}项目{i + 1}",
            "builder": f"示例建设集团第{(i % 7) + 1}工程公司",
            "phase": DUST_PHASES[int(rng.integers(len(DUST_PHASES)))],
            "permit_start": str(start),
            "permit_end": str(start + dt.timedelta(days=int(rng.integers(400, 1100)))),
            "priority_area": bool(rng.random() < 0.3),
            "demo": True,
        })
    gdf = gpd.GeoDataFrame(rows, geometry=pts, crs=METRIC_CRS).to_crs("EPSG:4326")
    gdf["subdistrict"] = unit_of(gdf.geometry, ctx.subdistricts).to_numpy()
    return gdf


def make_dust_readings(sites: gpd.GeoDataFrame, days: int, rng: np.random.Generator) -> pd.DataFrame:
    """15-minute PM10 readings (µg/m³) with a shared district background, some sites over limits."""
    start = pd.Timestamp(AS_OF) - pd.Timedelta(days=days - 1)
    times = pd.date_range(start, periods=days * 96, freq="15min")
    hours = times.hour.to_numpy() + times.minute.to_numpy() / 60
    background = 55 + 25 * np.sin((hours - 8) / 24 * 2 * np.pi) + rng.normal(0, 6, len(times)).cumsum() * 0.05
    background = np.clip(background + 20 * np.repeat(rng.uniform(-1, 1.5, days), 96), 15, None)
    frames = []
    for i, site in sites.reset_index(drop=True).iterrows():
        dirty = i % 5 == 0  # every fifth site has dusty work days
        working = (hours >= 7) & (hours <= 19)
        extra = np.where(working, rng.gamma(2.0, 12 if dirty else 6, len(times)), rng.gamma(1.5, 3, len(times)))
        if dirty:  # dusty episodes: a few hours of earthwork without dust suppression
            for day in range(days):
                if rng.random() < 0.6:
                    start_q = day * 96 + int(rng.integers(8 * 4, 15 * 4))
                    length = int(rng.integers(4, 17))  # 1–4 hours of 15-minute readings
                    extra[start_q:start_q + length] += rng.uniform(90, 200, length)
        values = np.round(background + extra + rng.normal(0, 4, len(times)), 0).clip(5)
        frames.append(pd.DataFrame({
            "site_code": site["code"], "time": times.strftime("%Y-%m-%d %H:%M"),
            "pm10": values, "background": np.round(background, 0),
        }))
    return pd.concat(frames, ignore_index=True)


def mark_demo(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the 示例数据 mark column."""
    frame = frame.copy()
    frame["mark"] = DEMO_MARK
    return frame


__all__ = [
    "AS_OF", "OUTFALL_TYPES", "make_outfalls", "make_sections", "make_samples", "make_plots",
    "make_dust_sites", "make_dust_readings", "mark_demo",
]
