"""gislib.domain: code lists and state machines shared by every part of Hetu.

Sources are in ``docs/domain.md`` (copied from the bureau reference): HJ 1312-2023 outfall
classes, the 查→测→溯→治→管 workflow, GB 3838-2002 classes and colours, the contaminated-plot
stages of the 土壤污染防治法 and HJ 25.x.
"""
from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------- outfall types
# HJ 1312-2023: level 1 -> level 2 -> level 3 (empty tuple where there is no level 3).
OUTFALL_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "工业排污口": {
        "工矿企业排污口": ("工业企业排污口", "矿山排污口", "尾矿库排污口"),
        "工矿企业雨洪排口": ("工业企业雨洪排口", "矿山雨洪排口", "尾矿库雨洪排口"),
        "工业及其他各类园区污水处理厂排污口": (),
        "工业及其他各类园区污水处理厂雨洪排口": (),
    },
    "城镇污水处理厂排污口": {"城镇污水处理厂排污口": ()},
    "农业排口": {"规模化畜禽养殖排污口": (), "规模化水产养殖排污口": ()},
    "其他排口": {
        "大中型灌区排口": (),
        "港口码头排口": (),
        "规模以下畜禽养殖排污口": (),
        "规模以下水产养殖排污口": (),
        "城镇生活污水散排口": (),
        "农村污水处理设施排污口": (),
        "农村生活污水散排口": (),
        "城镇雨洪排口": (),
        "其他排污口": (),
    },
    "暂无法确定": {"暂无法确定": ()},
}
OUTFALL_TYPE_L1: tuple[str, ...] = tuple(OUTFALL_TYPES)
OUTFALL_TYPE_EN: dict[str, str] = {
    "工业排污口": "Industrial",
    "城镇污水处理厂排污口": "Urban WWTP",
    "农业排口": "Agricultural",
    "其他排口": "Other",
    "暂无法确定": "Undetermined",
}
# Level-2 types whose setting-up needs approval (审批); every other outfall registers (登记).
APPROVAL_REQUIRED_L2 = frozenset(
    {"工矿企业排污口", "工业及其他各类园区污水处理厂排污口", "城镇污水处理厂排污口"}
)


def outfall_type_l1(type_l2: str) -> str:
    """The level-1 class of a level-2 type; raises KeyError for an unknown type."""
    for l1, l2s in OUTFALL_TYPES.items():
        if type_l2 in l2s:
            return l1
    raise KeyError(type_l2)


def is_rain_outfall(type_l2: str) -> bool:
    """True for 雨洪排口 (storm/flood outfalls), which do not discharge continuously."""
    return "雨洪" in type_l2


def approval_kind(type_l2: str) -> str:
    """'审批' where the outfall type needs approval, else '登记' (部令第35号)."""
    return "审批" if type_l2 in APPROVAL_REQUIRED_L2 else "登记"


DISCHARGE_MODES = ("明渠", "管道", "泵站", "涵闸", "箱涵", "其他")  # 入河方式
# 排放规律. 连续排放 / 间断排放 are the two families of HJ 521-2009 《废水排放规律代码（试行）》 (codes 1–5
# continuous, 6–10 intermittent, each split by flow pattern; docs/domain.md §6) — HJ 521 writes
# 间断排放, not 间歇排放. 雨天排放 (discharges only when it rains, typical of 雨洪排口) and 不排放 are
# Hetu's own field-survey categories, NOT HJ 521 codes.
DISCHARGE_PATTERNS = ("连续排放", "间断排放", "雨天排放", "不排放")
DISCHARGE_PATTERN_SOURCE = {
    "连续排放": "HJ 521-2009", "间断排放": "HJ 521-2009", "雨天排放": "Hetu 现场排查类别", "不排放": "Hetu 现场排查类别",
}
# Earlier or colloquial wordings, read as the HJ 521 word.
DISCHARGE_PATTERN_SYNONYMS = {"间歇排放": "间断排放", "间歇": "间断排放", "间断": "间断排放", "连续": "连续排放"}
REMEDIATION_KINDS = ("取缔", "合并", "规范整治")


def normalize_discharge_pattern(value: str) -> str:
    """The HJ 521 wording of a discharge pattern ("间歇排放" → "间断排放"); other values unchanged."""
    return DISCHARGE_PATTERN_SYNONYMS.get(str(value).strip(), value)

# --------------------------------------------------------------------------- outfall workflow
OUTFALL_STATES: tuple[str, ...] = (
    "疑似", "已核实", "非排污口", "已监测", "已溯源", "整治中", "已销号", "日常监管", "已撤销",
)
OUTFALL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "疑似": ("已核实", "非排污口"),
    "已核实": ("已监测",),
    "非排污口": (),
    "已监测": ("已溯源",),
    "已溯源": ("整治中",),
    "整治中": ("已销号",),
    "已销号": ("日常监管",),
    "日常监管": (),
    "已撤销": (),
}
# Removal is a state with a reason, reachable from every live state; nothing is hard-deleted.
REMOVED_STATE = "已撤销"
# The national five-step campaign that each state belongs to.
OUTFALL_PHASE: dict[str, str] = {
    "疑似": "查", "已核实": "查", "非排污口": "查", "已监测": "测", "已溯源": "溯",
    "整治中": "治", "已销号": "管", "日常监管": "管", "已撤销": "—",
}
OUTFALL_STATE_EN: dict[str, str] = {
    "疑似": "Suspected", "已核实": "Verified", "非排污口": "Not an outfall", "已监测": "Monitored",
    "已溯源": "Traced", "整治中": "Under remediation", "已销号": "Closed (销号)",
    "日常监管": "Routine supervision", "已撤销": "Removed",
}


# Campaign progress (the national KPIs % 溯源 and % 整治, docs/domain.md §1.3). A 已销号 outfall has
# COMPLETED its remediation (治): it counts as remediated even though its phase shows as 管, and so
# does one in 日常监管 after 销号. 非排污口 and 已撤销 are not outfalls of the campaign.
TRACED_STATES = frozenset({"已溯源", "整治中", "已销号", "日常监管"})
REMEDIATED_STATES = frozenset({"已销号", "日常监管"})
NOT_COUNTED_STATES = frozenset({"非排污口", "已撤销"})


def campaign_progress(states) -> dict[str, float | int | None]:
    """{"outfalls", "traced", "remediated", "under_remediation", "traced_pct", "remediated_pct"}
    for a collection of outfall states (percent to one decimal; None when there are no outfalls)."""
    live = [s for s in states if s not in NOT_COUNTED_STATES]
    n = len(live)
    traced = sum(s in TRACED_STATES for s in live)
    done = sum(s in REMEDIATED_STATES for s in live)
    pct = (lambda k: None if n == 0 else round(100.0 * k / n, 1))
    return {"outfalls": n, "traced": traced, "remediated": done,
            "under_remediation": sum(s == "整治中" for s in live),
            "traced_pct": pct(traced), "remediated_pct": pct(done)}


def allowed_outfall_transitions(state: str) -> tuple[str, ...]:
    """States reachable from ``state`` (removal included for every state but the removed one)."""
    nxt = OUTFALL_TRANSITIONS[state]
    return nxt if state == REMOVED_STATE else nxt + (REMOVED_STATE,)


# --------------------------------------------------------------------------- water quality classes
WQ_CLASSES: tuple[str, ...] = ("I", "II", "III", "IV", "V", "劣V")
WQ_CLASS_RANK: dict[str, int] = {c: i + 1 for i, c in enumerate(WQ_CLASSES)}
WQ_CLASS_ROMAN: dict[str, str] = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ", "V": "Ⅴ", "劣V": "劣Ⅴ"}
# 环办〔2011〕22号 Table 1: I–II blue, III green, IV yellow, V orange, 劣V red.
WQ_CLASS_COLOR: dict[str, str] = {
    "I": "#1f78d1", "II": "#1f78d1", "III": "#2ca02c", "IV": "#f2c80f", "V": "#ff7f0e", "劣V": "#d62728",
}
WQ_CLASS_GRADE: dict[str, str] = {
    "I": "优", "II": "优", "III": "良好", "IV": "轻度污染", "V": "中度污染", "劣V": "重度污染",
}
NO_DATA_COLOR = "#9e9e9e"

# --------------------------------------------------------------------------- contaminated plots
PLOT_STAGES: tuple[str, ...] = (
    "疑似污染地块", "初步调查", "调查结束", "污染地块", "详细调查", "风险评估", "风险可接受",
    "纳入名录", "风险管控", "修复", "效果评估", "移出名录", "后期管理",
)
PLOT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "疑似污染地块": ("初步调查",),
    "初步调查": ("调查结束", "污染地块"),  # below / above the screening values
    "调查结束": (),
    "污染地块": ("详细调查",),
    "详细调查": ("风险评估",),
    "风险评估": ("风险可接受", "纳入名录"),
    "风险可接受": (),
    "纳入名录": ("风险管控", "修复"),
    "风险管控": ("效果评估",),
    "修复": ("效果评估",),
    "效果评估": ("移出名录", "风险管控", "修复"),  # a failed assessment goes back to the works
    "移出名录": ("后期管理",),
    "后期管理": (),
}
PLOT_STAGE_COLOR: dict[str, str] = {
    "疑似污染地块": "#fdd49e", "初步调查": "#fdbb84", "调查结束": "#bdbdbd", "污染地块": "#fc8d59",
    "详细调查": "#ef6548", "风险评估": "#d7301f", "风险可接受": "#a1d99b", "纳入名录": "#990000",
    "风险管控": "#7a0177", "修复": "#ae017e", "效果评估": "#dd3497", "移出名录": "#41ab5d",
    "后期管理": "#74c476",
}
LAND_USE_CLASSES = ("第一类用地", "第二类用地")

# --------------------------------------------------------------------------- dust
DUST_POLLUTANTS = ("PM10", "PM2.5", "TSP")
DUST_PHASES = ("土方开挖", "基础施工", "主体结构", "装饰装修", "拆除", "竣工收尾")


@dataclass(frozen=True)
class Credit:
    """A data credit that every map showing the data must carry."""

    short: str
    html: str


OSM_CREDIT = Credit(
    "© OpenStreetMap contributors (ODbL)",
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL)',
)
GEOBOUNDARIES_CREDIT = Credit(
    "Boundaries: geoBoundaries gbOpen CHN-ADM3 (Runfola et al. 2020) / © OpenStreetMap contributors, ODbL",
    "Boundaries: geoBoundaries gbOpen CHN-ADM3 (Runfola et al. 2020) / © OSM contributors, ODbL",
)
DEMO_MARK = "示例数据"
