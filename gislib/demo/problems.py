"""gislib.demo.problems: a year of demo problems, one inspection batch, river chiefs and their
patrol tracks along real Putuo rivers (示例数据, generated from a seed).

Everything is generated through the same services the app uses (so every step is a dated,
attributed transition in the audit log), for the year up to the day it is seeded (Asia/Shanghai),
so overdue items and patrol coverage look current. ``ensure_demo(store)`` seeds an empty store
once; the data is reproducible: the same seed (17) on the same day gives the same records.
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import numpy as np
import shapely
from shapely.ops import linemerge, substring

from gislib.domain import DEMO_MARK

SEED = 17
SEED_USER = "system:demo-seed"
OFFICERS = ("officer:李某某", "officer:demo")
_lock = threading.Lock()

# Demo river chiefs (names are placeholders): id, name, level, sub-district, rivers (real Putuo rivers).
CHIEFS: tuple[dict[str, Any], ...] = (
    {"id": "QZ-01", "name": "王某某", "level": "区级", "subdistrict": None, "rivers": ["苏州河", "真如港"], "skip": 0.1},
    {"id": "JZ-TP", "name": "孙某某", "level": "街镇级", "subdistrict": "桃浦镇", "rivers": ["桃浦河", "新槎浦", "西走马塘"], "skip": 0.1},
    {"id": "JZ-CZ", "name": "赵某某", "level": "街镇级", "subdistrict": "长征镇", "rivers": ["吴淞江", "木渎港", "朝阳河"], "skip": 0.2},
    {"id": "JZ-ZR", "name": "钱某某", "level": "街镇级", "subdistrict": "真如镇街道", "rivers": ["真如港", "大场浦"], "skip": 0.3},
    {"id": "JZ-WL", "name": "周某某", "level": "街镇级", "subdistrict": "万里街道", "rivers": ["横港", "河南浜", "张泾"], "skip": 0.55},
    {"id": "JZ-YC", "name": "郑某某", "level": "街镇级", "subdistrict": "宜川路街道", "rivers": ["彭越浦"], "skip": 0.15},
    {"id": "CJ-01", "name": "吴某某", "level": "村居级", "subdistrict": "桃浦镇", "rivers": ["李家浜", "武威河"], "skip": 0.25},
)
UNITS = {"桃浦镇": "桃浦镇河长办", "长征镇": "长征镇河长办", "真如镇街道": "真如镇街道城运中心",
         "万里街道": "万里街道城运中心", "宜川路街道": "宜川路街道办事处", "石泉路街道": "石泉路街道办事处",
         "长寿路街道": "长寿路街道办事处", "甘泉路街道": "甘泉路街道办事处", "曹杨新村街道": "曹杨新村街道办事处",
         "长风新村街道": "长风新村街道办事处"}
FINDINGS = {
    "河面漂浮物": ("河面漂浮垃圾、水草聚集", "组织保洁船打捞，落实每日保洁"),
    "固废": ("岸边建筑垃圾/生活垃圾堆放", "清运垃圾，设置警示牌并纳入网格巡查"),
    "排口": ("雨水排口晴天出流，疑似混接", "排查上游管网混接点，完成雨污分流改造"),
    "黑臭": ("河段水体发黑发臭", "截污纳管、清淤并开展水质复测"),
    "违法排放": ("企业通过暗管向河道排放废水", "立案查处，封堵暗管，督促企业规范排放"),
    "扬尘": ("工地裸土未覆盖、车辆带泥上路", "裸土覆盖、冲洗设施整改，加强围挡喷淋"),
    "其他": ("河道护栏破损、亲水平台积水", "修复护栏并排查安全隐患"),
}
SOURCE_SHARES = (("巡河发现", 0.42), ("12345", 0.2), ("信访", 0.05), ("区长热线", 0.05), ("监测预警", 0.13),
                 ("执法检查", 0.15))
CATEGORY_BY_SOURCE = {
    "巡河发现": ("河面漂浮物", "固废", "排口", "黑臭", "其他"),
    "12345": ("黑臭", "固废", "河面漂浮物", "扬尘", "违法排放"),
    "信访": ("违法排放", "黑臭", "扬尘"), "区长热线": ("黑臭", "固废", "扬尘"),
    "监测预警": ("黑臭", "扬尘"), "执法检查": ("违法排放", "排口", "扬尘", "固废"),
}
BATCH = {"code": "DC-2026-01", "name": "2026年区生态环境保护督察反馈问题整改任务清单 (示例数据)",
         "issued_by": "区生态环境保护督察整改工作领导小组办公室", "issued_date": "2026-06-15",
         "note": DEMO_MARK}
BATCH_ITEMS = (
    ("苏州河沿岸雨水排口晴天出流", "排口", "苏州河", "完成沿线混接点排查和改造，排口晴天无出流"),
    ("真如港局部河段水体黑臭反弹", "黑臭", "真如港", "截污纳管、清淤，水质稳定达到Ⅴ类"),
    ("桃浦河岸边违规堆放建筑垃圾", "固废", "桃浦河", "清运并建立长效巡查机制"),
    ("新槎浦沿岸企业废水偷排", "违法排放", "新槎浦", "立案查处，封堵暗管"),
    ("吴淞江沿线工地扬尘管控不到位", "扬尘", "吴淞江", "落实六个百分百，安装在线监测"),
    ("彭越浦河面漂浮物清理不及时", "河面漂浮物", "彭越浦", "增加保洁频次，落实河道保洁考核"),
    ("大场浦沿岸生活污水散排", "排口", "大场浦", "纳管改造，完成散排口封堵"),
    ("西虬江河道淤积影响水质", "黑臭", "西虬江", "实施清淤疏浚"),
    ("木渎港沿岸违章搭建侵占河道", "其他", "木渎港", "拆除违章搭建，恢复河道蓝线"),
    ("横港护岸破损、垃圾入河", "固废", "横港", "修复护岸，清理垃圾"),
)


def _river_line(rivers, name: str):
    """The longest merged line of a river, in EPSG:4549."""
    geoms = rivers[rivers["name"] == name].to_crs("EPSG:4549").geometry
    if geoms.empty:
        return None
    union = shapely.union_all(list(geoms))
    merged = linemerge(union) if union.geom_type == "MultiLineString" else union
    parts = list(merged.geoms) if hasattr(merged, "geoms") else [merged]
    return max(parts, key=lambda g: g.length)


def _walk(rng, line, start_local: dt.datetime, minutes: float | None = None):
    """A patrol along ``line`` (metric): points every ~25 m with GPS noise, times at walking speed."""
    from gislib.geo.crs import to_wgs84
    from gislib.patrols.tracks import points_track

    length = min(line.length, float(rng.uniform(2200, 3600)))
    offset = float(rng.uniform(0, max(line.length - length, 0)))
    part = substring(line, offset, offset + length)
    n = max(int(part.length // 25), 2)
    pts = np.array([part.interpolate(d).coords[0] for d in np.linspace(0, part.length, n)])
    pts += rng.normal(0, 4, pts.shape)
    lon, lat = to_wgs84(pts[:, 0], pts[:, 1], "EPSG:4549")
    speed_m_min = part.length / minutes if minutes else float(rng.uniform(40, 60))  # walking and looking
    t0 = start_local.astimezone(dt.timezone.utc)
    times = [t0 + dt.timedelta(minutes=float(d) / speed_m_min) for d in np.linspace(0, part.length, n)]
    return points_track(list(zip(lon, lat)), times)


def _seed_chiefs_and_patrols(store, rng, rivers, net, today: dt.date) -> None:
    from zoneinfo import ZoneInfo

    from gislib.patrols.repo import PatrolRepo
    from gislib.patrols.service import record_patrol

    repo = PatrolRepo(store)
    tz = ZoneInfo("Asia/Shanghai")
    for chief in CHIEFS:
        repo.save_chief({k: v for k, v in chief.items() if k != "skip"}, SEED_USER)
        lines = [ln for ln in (_river_line(rivers, r) for r in chief["rivers"]) if ln is not None]
        step = 30 if chief["level"] == "区级" else 7
        day = today - dt.timedelta(days=364)
        while day <= today:
            if rng.random() >= chief["skip"]:
                when = day + dt.timedelta(days=int(rng.integers(0, step)))
                if when <= today:
                    start = dt.datetime.combine(when, dt.time(int(rng.integers(8, 16)), int(rng.integers(0, 60))), tz)
                    short = rng.random() < 0.08  # a few too short to count
                    track = _walk(rng, lines[int(rng.integers(len(lines)))], start, 18 if short else None)
                    record_patrol(store, track, chief["id"], f"chief:{chief['name']}", network=net,
                                  note=f"{DEMO_MARK} 巡河", source_file=f"{chief['id']}_{when:%Y%m%d}.gpx")
            day += dt.timedelta(days=step)


def _point_near(rng, rivers, river: str | None):
    """A WGS84 point 10–25 m off a named river."""
    from gislib.geo.crs import to_wgs84

    names = sorted(set(rivers["name"].dropna()) - {""})
    line = _river_line(rivers, river if river in names else names[int(rng.integers(len(names)))])
    p = line.interpolate(float(rng.uniform(0.05, 0.95)), normalized=True)
    ang = rng.uniform(0, 2 * np.pi)
    d = rng.uniform(10, 25)
    lon, lat = to_wgs84(p.x + d * np.cos(ang), p.y + d * np.sin(ang), "EPSG:4549")
    return float(lon), float(lat)


def _advance(store, code: str, rng, found: dt.date, today: dt.date, unit: str, measures: str,
             late: bool, deadline: dt.date | None = None) -> None:
    """Move a problem along its workflow with realistic dates, stopping at ``today``."""
    from gislib.problems import service as svc

    officer = OFFICERS[int(rng.integers(len(OFFICERS)))]
    assigned = found + dt.timedelta(days=int(rng.integers(0, 3)))
    deadline = deadline or assigned + dt.timedelta(days=int(rng.choice([7, 15, 30, 45])))
    if assigned > today:
        return
    svc.assign(store, code, officer, assigned, unit, measures, deadline)
    started = assigned + dt.timedelta(days=int(rng.integers(1, 4)))
    if started > today:
        return
    svc.start(store, code, f"unit:{unit}", started, "已接单，开始整改")
    span = (deadline - started).days
    done = deadline + dt.timedelta(days=int(rng.integers(3, 40))) if late else \
        started + dt.timedelta(days=int(rng.integers(1, max(span, 1) + 1)))
    mid = started + (done - started) / 2
    if mid <= today and mid > started:
        svc.report_progress(store, code, f"unit:{unit}", mid, "整改过半，持续推进")
    if done > today:
        return
    svc.request_close(store, code, f"unit:{unit}", done, [f"整改后照片_{code}.jpg"], "整改完成，申请销号")
    check = done + dt.timedelta(days=int(rng.integers(1, 4)))
    if check > today:
        return
    if rng.random() < 0.1:  # sent back once
        svc.verify(store, code, officer, check, False, "现场仍有残留，需继续整改")
        check += dt.timedelta(days=int(rng.integers(2, 6)))
        if check > today:
            return
        svc.request_close(store, code, f"unit:{unit}", check, [f"复查照片_{code}.jpg"])
        check += dt.timedelta(days=1)
        if check > today:
            return
    svc.verify(store, code, officer, check, True, "现场核查通过，予以销号")
    spot = check + dt.timedelta(days=int(rng.integers(20, 60)))
    if spot <= today and rng.random() < 0.2:
        passed = rng.random() > 0.15
        svc.spot_check(store, code, "督察办:王某", spot, passed, "抽查未见反弹" if passed else "问题反弹，重新整改")
        if not passed:
            svc.interview(store, code, "督察办:王某", spot + dt.timedelta(days=2), f"{unit}负责人", "约谈：整改不彻底")


def _seed_problems(store, rng, ctx, today: dt.date, outfalls, sections, dust) -> None:
    from gislib.problems import service as svc
    from gislib.problems.config import load_config
    from gislib.patrols.repo import PatrolRepo

    rivers = ctx.rivers
    reply_days = load_config()["complaint_reply_working_days"]
    sources, weights = zip(*SOURCE_SHARES)
    for i in range(150):
        found = today - dt.timedelta(days=int(rng.integers(0, 60 if rng.random() < 0.35 else 365)))
        source = str(rng.choice(sources, p=np.array(weights) / sum(weights)))
        category = str(rng.choice(CATEGORY_BY_SOURCE[source]))
        fields: dict[str, Any] = {"source": source, "category": category, "found_date": found.isoformat(),
                                  "mark": DEMO_MARK, "demo": True}
        if category == "排口" and len(outfalls):
            o = outfalls.iloc[int(rng.integers(len(outfalls)))]
            fields.update(lon=o.geometry.x, lat=o.geometry.y, links={"outfalls": o["code"]})
        elif source == "监测预警" and category == "扬尘" and len(dust):
            d = dust.iloc[int(rng.integers(len(dust)))]
            fields.update(lon=d.geometry.x, lat=d.geometry.y, links={"dust": d["code"]},
                          alert={"layer": "dust", "code": d["code"], "text": f"{found}: PM10 超标"})
        elif source == "监测预警" and len(sections):
            s = sections.iloc[int(rng.integers(len(sections)))]
            fields.update(lon=s.geometry.x, lat=s.geometry.y, links={"sections": s["code"]},
                          alert={"layer": "sections", "code": s["code"], "text": f"{found:%Y-%m} 未达水质目标"})
        else:
            fields["lon"], fields["lat"] = _point_near(rng, rivers, None)
        what, measures = FINDINGS[category]
        fields["name"] = what
        fields["description"] = f"{what} ({DEMO_MARK})"
        if source in ("12345", "信访", "区长热线"):
            fields["ticket_no"] = f"{'SH' if source == '12345' else 'XF' if source == '信访' else 'QZ'}{found:%Y%m%d}{i:04d}"
        if source == "巡河发现":
            fields["reporter"] = CHIEFS[int(rng.integers(len(CHIEFS)))]["name"]
        links = {k: v for k, v in (fields.get("links") or {}).items() if store.list(k, text=str(v))}
        fields["links"] = links or None  # a store opened without the seeded records keeps no dangling link
        rec = svc.create_problem(store, fields, SEED_USER, locate_ctx=ctx.locate)
        unit = UNITS.get(rec.get("subdistrict") or "", "区水务所")
        stall = today if rng.random() > 0.12 else found + dt.timedelta(days=int(rng.integers(0, 20)))
        if rng.random() < 0.05:  # not yet assigned
            stall = found - dt.timedelta(days=1)
        _advance(store, rec["code"], rng, found, min(stall, today), unit, measures, late=rng.random() < 0.18)
        if source in ("12345", "信访", "区长热线"):
            late = rng.random() < 0.15
            from gislib.problems.model import add_working_days

            replied = add_working_days(found, int(rng.integers(reply_days + 1, reply_days + 5)) if late
                                       else int(rng.integers(1, reply_days + 1)))
            if replied <= today:
                svc.reply(store, rec["code"], OFFICERS[0], replied, "已转责任单位处理，现场已整改，已电话回访市民。")
    repo = PatrolRepo(store)
    repo.save_batch(BATCH, SEED_USER)
    issued = dt.date.fromisoformat(BATCH["issued_date"])
    for j, (title, category, river, measures) in enumerate(BATCH_ITEMS):
        lon, lat = _point_near(rng, rivers, river)
        rec = svc.create_problem(store, {
            "name": title, "category": category, "source": "督察反馈", "batch": BATCH["code"],
            "found_date": issued.isoformat(), "lon": lon, "lat": lat, "item_no": j + 1,
            "description": f"{title} ({DEMO_MARK})", "mark": DEMO_MARK, "demo": True}, SEED_USER,
            locate_ctx=ctx.locate)
        unit = UNITS.get(rec.get("subdistrict") or "", "区水务局")
        deadline = issued + dt.timedelta(days=[60, 90, 120, 180][j % 4])
        _advance(store, rec["code"], rng, issued, today, unit, measures, late=j in (1, 7), deadline=deadline)


class _Ctx:
    def __init__(self, dataset: str | None):
        from gislib.dataset import load_layer
        from gislib.problems.locate import dataset_context

        self.locate = dataset_context(dataset)
        self.rivers = load_layer("rivers", dataset)


def ensure_demo(store, dataset: str | None = None) -> bool:
    """Seed chiefs, patrols, problems and the batch into an empty store of the Putuo demo set.

    Returns True when it seeded. Other data sets (city scale) are left empty."""
    from gislib.dataset import current_name, load_layer

    if (dataset or current_name()) != "putuo":
        return False
    with _lock:
        with store._lock:
            n = store._conn.execute("SELECT COUNT(*) FROM river_chiefs").fetchone()[0]
        if n or store.count("problems", include_removed=True):
            return False
        from gislib.problems.service import today_shanghai

        today = today_shanghai()  # fresh as of the day it is seeded (same seed and day: same data)
        rng = np.random.default_rng(SEED)
        ctx = _Ctx(dataset)
        # ~1,500 small write transactions: skip the fsync of each while seeding (a crash mid-way
        # leaves a partly seeded demo, never a damaged file in WAL mode), then restore the setting
        sync = store._conn.execute("PRAGMA synchronous").fetchone()[0]
        store._conn.execute("PRAGMA synchronous=OFF")
        try:
            _seed_chiefs_and_patrols(store, rng, ctx.rivers, ctx.locate.network, today)
            _seed_problems(store, rng, ctx, today, load_layer("outfalls", dataset),
                           load_layer("sections", dataset), load_layer("dust_sites", dataset))
        finally:
            store._conn.execute(f"PRAGMA synchronous={int(sync)}")
        return True
