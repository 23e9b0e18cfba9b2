"""gislib.demo.monitoring: the demo monitoring history, address and 溯源结果 (示例数据) of demo outfalls.

Written into the record store once, when a data set's store is seeded (gislib.reports.ledger
``seed_from_geodataframe``), so that opening a record only reads it. Values depend only on the
outfall's code, type and state and on the demo's "today" (``records.AS_OF``): every seed gives
the same history.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

from gislib.domain import DEMO_MARK, WQ_CLASS_ROMAN
from gislib.store.validators import parse_date

# States in which an outfall has been monitored (测) — the demo history is generated for these.
MONITORED_STATES: tuple[str, ...] = ("已监测", "已溯源", "整治中", "已销号", "日常监管")


def _seed(code: str) -> int:
    return int(hashlib.sha256(code.encode("utf-8")).hexdigest()[:12], 16)


def demo_monitoring(record: dict[str, Any], today: dt.date | None = None) -> list[dict[str, Any]]:
    """A plausible, deterministic monitoring history (示例数据) for a demo outfall.

    Two or three 快检 rounds after the outfall was found, then one or two 规范监测 rounds; for
    outfalls that were remediated (已销号, 日常监管) the last rounds are cleaner. Values depend
    only on the outfall code and type, so every run gives the same history.
    """
    from gislib.demo.records import AS_OF
    from gislib.reports.outfall_file import MONITOR_ITEMS, reference_class, reference_limits

    today = today or AS_OF
    rng = random.Random(_seed(str(record.get("code"))))
    limits = reference_limits(record)
    basis = f"GB 3838-2002 {WQ_CLASS_ROMAN[reference_class(record)]}类 (参考)"
    type_l2 = str(record.get("type_l2") or "")
    if "雨洪" in type_l2:
        level = 0.8
    elif record.get("type_l1") in ("工业排污口", "城镇污水处理厂排污口"):
        level = 1.6
    elif "生活污水" in type_l2:
        level = 2.4
    else:
        level = 1.2
    found = parse_date(record.get("found_date")) or (today - dt.timedelta(days=400))
    start = min(found + dt.timedelta(days=rng.randint(10, 40)), today - dt.timedelta(days=200))
    rounds = [("快检", k) for k in range(rng.randint(2, 3))] + [("规范监测", k) for k in range(rng.randint(1, 2))]
    cleaned = record.get("state") in ("已销号", "日常监管")
    rows: list[dict[str, Any]] = []
    day = start
    for n, (method, _k) in enumerate(rounds):
        factor = level * rng.uniform(0.6, 1.5)
        if cleaned and n >= len(rounds) - 2:
            factor *= 0.45
        for item, (_gb, _en, unit) in MONITOR_ITEMS.items():
            limit = limits[item]
            value = round(limit * factor * rng.uniform(0.7, 1.3), 3 if item == "总磷" else 2)
            rows.append({"date": day.isoformat(), "method": method, "item": item, "value": value, "unit": unit,
                         "limit": limit, "limit_basis": basis, "exceeded": bool(value > limit),
                         "demo": True, "mark": DEMO_MARK})
        day = min(day + dt.timedelta(days=rng.randint(30, 75)), today)
    return rows


def is_demo(record: dict[str, Any]) -> bool:
    return bool(record.get("demo")) or record.get("mark") == DEMO_MARK


TRACED_STATES: tuple[str, ...] = ("已溯源", "整治中", "已销号", "日常监管")


def demo_tracing(record: dict[str, Any]) -> str:
    """A plausible 溯源结果 (示例) from the outfall's type and responsible party."""
    l2 = str(record.get("type_l2") or "")
    party = record.get("responsible") or "周边单位"
    if "雨洪" in l2:
        text = f"雨水管网有污水混接，来源为{party}"
    elif "生活污水" in l2:
        text = "沿河居民生活污水直排，未接入市政污水管网"
    elif "工" in l2 or "园区" in l2:
        text = f"{party}生产废水经雨水管排放"
    else:
        text = f"来源为{party}，已登记"
    return f"{text}（示例）"


def with_demo_details(records: list[dict[str, Any]], today: dt.date | None = None) -> list[dict[str, Any]]:
    """Demo outfalls as an officer's file would hold them: an address (示例地址), the 溯源结果
    once traced and the monitoring history once monitored; other records unchanged."""
    out = []
    for r in with_demo_monitoring(records, today):
        if is_demo(r):
            r = dict(r)
            if not r.get("address") and r.get("subdistrict"):
                r["address"] = f"{r['subdistrict']}{r.get('river') or ''}沿岸（示例地址）"
            if r.get("state") in TRACED_STATES and not r.get("tracing") and not r.get("tracing_result"):
                r["tracing_result"] = demo_tracing(r)
        out.append(r)
    return out


def with_demo_monitoring(records: list[dict[str, Any]], today: dt.date | None = None) -> list[dict[str, Any]]:
    """``records`` with a demo monitoring history added to each demo outfall in 已监测 or later
    that has none (other records unchanged)."""
    return [{**r, "monitoring": demo_monitoring(r, today)}
            if is_demo(r) and r.get("state") in MONITORED_STATES and not r.get("monitoring") else r
            for r in records]
