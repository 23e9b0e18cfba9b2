"""English labels of the enumerations Hetu shows to people, one table per enumeration.

The Chinese value is the stored value and the Chinese label (it follows the standard it comes from);
``gislib.i18n.enum_label(kind, value)`` and ``term(value)`` show the English one in English mode.
A test (tests/test_i18n.py) checks that every value of each gislib.domain / problems list has a label.
"""
from __future__ import annotations

# HJ 1312-2023 level 1
OUTFALL_TYPE_L1 = {
    "工业排污口": "Industrial", "城镇污水处理厂排污口": "Urban WWTP", "农业排口": "Agricultural",
    "其他排口": "Other", "暂无法确定": "Undetermined",
}
# HJ 1312-2023 levels 2 and 3
OUTFALL_TYPE_L2 = {
    "工矿企业排污口": "Industrial/mining outfall", "工矿企业雨洪排口": "Industrial/mining storm outfall",
    "工业及其他各类园区污水处理厂排污口": "Industrial-park WWTP outfall",
    "工业及其他各类园区污水处理厂雨洪排口": "Industrial-park WWTP storm outfall",
    "城镇污水处理厂排污口": "Urban WWTP outfall",
    "规模化畜禽养殖排污口": "Large livestock farm outfall", "规模化水产养殖排污口": "Large aquaculture outfall",
    "大中型灌区排口": "Irrigation-district outfall", "港口码头排口": "Port/wharf outfall",
    "规模以下畜禽养殖排污口": "Small livestock farm outfall", "规模以下水产养殖排污口": "Small aquaculture outfall",
    "城镇生活污水散排口": "Scattered urban sewage", "农村污水处理设施排污口": "Rural treatment-facility outfall",
    "农村生活污水散排口": "Scattered rural sewage", "城镇雨洪排口": "Urban storm outfall",
    "其他排污口": "Other outfall", "工业企业排污口": "Industrial outfall", "矿山排污口": "Mine outfall",
    "尾矿库排污口": "Tailings outfall", "工业企业雨洪排口": "Industrial storm outfall",
    "矿山雨洪排口": "Mine storm outfall", "尾矿库雨洪排口": "Tailings storm outfall",
    # the map's simplified categories
    "雨洪排口": "Storm/flood outfall", "生活污水散排口": "Scattered domestic sewage",
    "污水处理厂排污口": "Treatment-plant outfall",
}
OUTFALL_STATE = {
    "疑似": "Suspected", "已核实": "Verified", "非排污口": "Not an outfall", "已监测": "Monitored",
    "已溯源": "Traced", "整治中": "Under remediation", "已销号": "Closed (销号)",
    "日常监管": "Routine supervision", "已撤销": "Removed",
}
# 查→测→溯→治→管, the national five-step campaign (workflow stages)
WORKFLOW_PHASE = {"查": "Survey", "测": "Monitor", "溯": "Trace", "治": "Remediate", "管": "Supervise"}
CHIEF_LEVEL = {"区级": "District", "街镇级": "Sub-district", "村居级": "Village/community"}
PLOT_STAGE = {
    "疑似污染地块": "Suspected", "初步调查": "Initial survey", "调查结束": "Survey closed (below screening)",
    "污染地块": "Contaminated", "详细调查": "Detailed survey", "风险评估": "Risk assessment",
    "风险可接受": "Risk acceptable", "纳入名录": "Listed (名录)", "风险管控": "Risk control",
    "修复": "Remediation", "效果评估": "Effect evaluation", "移出名录": "Removed from list",
    "后期管理": "Aftercare",
}
# GB 3838-2002 classes (stored as I … 劣V; shown as Ⅰ类 … 劣Ⅴ类 in Chinese)
WQ_CLASS = {"I": "Class I", "II": "Class II", "III": "Class III", "IV": "Class IV", "V": "Class V",
            "劣V": "Worse than V"}
WQ_GRADE = {"优": "Excellent", "良好": "Good", "轻度污染": "Lightly polluted", "中度污染": "Moderately polluted",
            "重度污染": "Heavily polluted"}
PROBLEM_STATE = {"已登记": "Registered", "已交办": "Assigned", "整改中": "Being fixed", "申请销号": "Closure requested",
                 "已销号": "Closed", "已撤销": "Withdrawn", "逾期": "Overdue"}
PROBLEM_CATEGORY = {"排口": "Outfall", "河面漂浮物": "Floating debris", "黑臭": "Black and odorous water",
                    "违法排放": "Illegal discharge", "扬尘": "Dust", "固废": "Solid waste", "其他": "Other"}
PROBLEM_SOURCE = {"巡河发现": "River patrol", "12345": "12345 hotline", "信访": "Petition (信访)",
                  "区长热线": "District mayor's hotline", "督察反馈": "Inspection feedback",
                  "监测预警": "Monitoring alert", "执法检查": "Enforcement check"}
RANK_COLOR = {"红": "Red", "黄": "Yellow", "绿": "Green"}
DISCHARGE_MODE = {"明渠": "Open channel", "管道": "Pipe", "泵站": "Pumping station", "涵闸": "Sluice",
                  "箱涵": "Box culvert", "其他": "Other"}
DISCHARGE_PATTERN = {"连续排放": "Continuous", "间断排放": "Intermittent", "间歇排放": "Intermittent",
                     "雨天排放": "Rain only", "不排放": "No discharge"}
REMEDIATION_KIND = {"取缔": "Ban", "合并": "Merge", "规范整治": "Regularise"}
APPROVAL_KIND = {"审批": "Approval", "登记": "Registration"}
MONITOR_METHOD = {"快检": "Quick test", "规范监测": "Standard monitoring"}
SECTION_CONTROL = {"国控": "National-controlled", "市控": "City-controlled", "区控": "District-controlled"}
WATER_KIND = {"河流": "River", "湖库": "Lake/reservoir"}
LAND_CLASS = {"第一类用地": "Class 1 land", "第二类用地": "Class 2 land"}
DUST_PHASE = {"土方开挖": "Earthwork", "基础施工": "Foundations", "主体结构": "Main structure", "装饰装修": "Finishing",
              "拆除": "Demolition", "竣工收尾": "Completion"}
SPOT_RESULT = {"合格": "Pass", "不合格": "Fail"}
# water-quality items (GB 3838-2002 Table 1 and common extras)
WQ_ITEM = {
    "水温": "Water temp.", "溶解氧": "DO", "高锰酸盐指数": "CODMn", "化学需氧量": "COD", "五日生化需氧量": "BOD5",
    "氨氮": "NH3-N", "总磷": "TP", "总氮": "TN", "铜": "Cu", "锌": "Zn", "氟化物": "Fluoride", "硒": "Se",
    "砷": "As", "汞": "Hg", "镉": "Cd", "铬(六价)": "Cr(VI)", "铅": "Pb", "氰化物": "Cyanide",
    "挥发酚": "Volatile phenols", "石油类": "Petroleum", "阴离子表面活性剂": "Anionic surfactants",
    "硫化物": "Sulfide", "粪大肠菌群": "Fecal coliforms", "电导率": "Conductivity", "浊度": "Turbidity",
}
MARK = {"示例数据": "Demo data"}
# the progress of a rectification batch (gislib/problems/batches.py)
BATCH_PROGRESS = {"已销号": "Closed", "待核查": "Awaiting check", "整改中": "Being fixed"}
# a construction site's day on the dust page (views/dust_view.py)
DUST_STATUS = {"超标": "Exceeded", "有超限读数": "Windows over limit", "正常": "Normal", "无数据": "No data"}

ENUMS: dict[str, dict[str, str]] = {
    "outfall_type_l1": OUTFALL_TYPE_L1, "outfall_type_l2": OUTFALL_TYPE_L2, "outfall_state": OUTFALL_STATE,
    "workflow_phase": WORKFLOW_PHASE, "chief_level": CHIEF_LEVEL, "plot_stage": PLOT_STAGE, "wq_class": WQ_CLASS,
    "wq_grade": WQ_GRADE, "problem_state": PROBLEM_STATE, "problem_category": PROBLEM_CATEGORY,
    "problem_source": PROBLEM_SOURCE, "rank_color": RANK_COLOR, "discharge_mode": DISCHARGE_MODE,
    "discharge_pattern": DISCHARGE_PATTERN, "remediation_kind": REMEDIATION_KIND, "approval_kind": APPROVAL_KIND,
    "monitor_method": MONITOR_METHOD, "section_control": SECTION_CONTROL, "water_kind": WATER_KIND,
    "land_class": LAND_CLASS, "dust_phase": DUST_PHASE, "spot_result": SPOT_RESULT, "wq_item": WQ_ITEM,
    "mark": MARK, "dust_status": DUST_STATUS, "batch_progress": BATCH_PROGRESS,
}
# For ``term`` (a value whose enumeration is not named). Where two tables give one Chinese word different
# English (已销号: an outfall "Closed (销号)", a problem "Closed"), the outfall's reading wins here; pages
# that know the enumeration call enum_label. WQ_CLASS is left out: "I"/"V" are also plain text.
EN_TERMS: dict[str, str] = {}
for _kind, _table in reversed(ENUMS.items()):
    if _kind != "wq_class":
        EN_TERMS.update(_table)
