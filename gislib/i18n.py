"""gislib.i18n: Simplified Chinese (default) and English strings of the interface.

``t(key, lang)`` looks a key up; keys that are themselves Chinese domain terms (outfall types,
states, classes) translate through the domain module's English names and fall back to the term.
"""
from __future__ import annotations

from gislib.domain import OUTFALL_STATE_EN, OUTFALL_TYPE_EN

TEXT: dict[str, dict[str, str]] = {
    "app.title": {"zh": "河图 · 河道与污染源一张图", "en": "Hetu · rivers and pollution sources"},
    "app.demo_banner": {"zh": "示例数据：点位与记录为演示生成，河道与边界来自 OpenStreetMap",
                        "en": "Demo data: records are generated; rivers and boundaries from OpenStreetMap"},
    "app.dataset": {"zh": "数据集", "en": "Data set"},
    "nav.map": {"zh": "一张图", "en": "Map"},
    "nav.outfalls": {"zh": "排口台账", "en": "Outfall ledger"},
    "nav.outfall": {"zh": "一口一档", "en": "Outfall file"},
    "nav.sections": {"zh": "断面水质", "en": "Water sections"},
    "nav.plots": {"zh": "污染地块", "en": "Contaminated plots"},
    "nav.dust": {"zh": "工地扬尘", "en": "Construction dust"},
    "nav.import": {"zh": "数据导入", "en": "Import"},
    "nav.settings": {"zh": "设置", "en": "Settings"},
    "layer.rivers": {"zh": "河道水体", "en": "Rivers and water"},
    "layer.subdistricts": {"zh": "街道/镇（示意）", "en": "Sub-districts (approx.)"},
    "layer.district": {"zh": "区界", "en": "District boundary"},
    "layer.outfalls": {"zh": "入河排污口", "en": "Outfalls"},
    "layer.sections": {"zh": "监测断面", "en": "Monitoring sections"},
    "layer.plots": {"zh": "疑似/污染地块", "en": "Contaminated plots"},
    "layer.dust_sites": {"zh": "建筑工地扬尘", "en": "Construction dust sites"},
    "map.layers": {"zh": "图层", "en": "Layers"},
    "map.filters": {"zh": "筛选", "en": "Filters"},
    "map.search": {"zh": "搜索名称或编码", "en": "Search name or code"},
    "map.search_none": {"zh": "没有找到匹配的要素", "en": "No matching feature"},
    "map.legend": {"zh": "图例", "en": "Legend"},
    "map.selected": {"zh": "选中要素", "en": "Selected feature"},
    "map.click_hint": {"zh": "点击地图上的排口查看要点", "en": "Click an outfall on the map to see its key facts"},
    "map.basemap": {"zh": "底图", "en": "Basemap"},
    "map.counts": {"zh": "当前显示", "en": "Showing"},
    "filter.subdistrict": {"zh": "街道/镇", "en": "Sub-district"},
    "filter.river": {"zh": "河道", "en": "River"},
    "filter.type": {"zh": "排口类型", "en": "Outfall type"},
    "filter.state": {"zh": "工作状态", "en": "Workflow state"},
    "field.code": {"zh": "编码", "en": "Code"},
    "field.name": {"zh": "名称", "en": "Name"},
    "field.type_l1": {"zh": "一级类型", "en": "Type (L1)"},
    "field.type_l2": {"zh": "二级类型", "en": "Type (L2)"},
    "field.state": {"zh": "状态", "en": "State"},
    "field.phase": {"zh": "阶段", "en": "Phase"},
    "field.river": {"zh": "受纳水体", "en": "Receiving water"},
    "field.subdistrict": {"zh": "街道/镇", "en": "Sub-district"},
    "field.responsible": {"zh": "责任主体", "en": "Responsible party"},
    "field.river_chief": {"zh": "河长", "en": "River chief"},
    "field.remediation_kind": {"zh": "整治方式", "en": "Remediation"},
    "field.deadline": {"zh": "整治期限", "en": "Deadline"},
    "field.discharge_mode": {"zh": "入河方式", "en": "Discharge mode"},
    "field.target_class": {"zh": "水质目标", "en": "Target class"},
    "field.latest_class": {"zh": "最新水质类别", "en": "Latest class"},
    "field.latest_month": {"zh": "评价月份", "en": "Month"},
    "field.main_pollutants": {"zh": "主要污染指标", "en": "Main pollutants"},
    "field.meets_target": {"zh": "是否达标", "en": "Meets target"},
    "field.stage": {"zh": "阶段", "en": "Stage"},
    "field.former_use": {"zh": "原用途", "en": "Former use"},
    "field.pollutants": {"zh": "主要污染物", "en": "Pollutants"},
    "field.land_class": {"zh": "规划用地", "en": "Land-use class"},
    "field.area_m2": {"zh": "面积(m²)", "en": "Area (m²)"},
    "field.project": {"zh": "项目", "en": "Project"},
    "field.builder": {"zh": "施工单位", "en": "Builder"},
    "field.status": {"zh": "状态", "en": "Status"},
    "field.level": {"zh": "级别", "en": "Level"},
    "field.updated_at": {"zh": "最近修改", "en": "Last change"},
    "dust.over": {"zh": "当日超标", "en": "Exceeded today"},
    "dust.near": {"zh": "有超限读数", "en": "Readings over limit"},
    "dust.ok": {"zh": "正常", "en": "Normal"},
    "dust.nodata": {"zh": "无数据", "en": "No data"},
    "class.nodata": {"zh": "无数据", "en": "No data"},
    "common.yes": {"zh": "是", "en": "Yes"},
    "common.no": {"zh": "否", "en": "No"},
    "common.demo": {"zh": "示例数据", "en": "Demo data"},
    "common.overdue": {"zh": "逾期", "en": "Overdue"},
    "cat.雨洪排口": {"zh": "雨洪排口", "en": "Storm/flood outfall"},
    "cat.生活污水散排口": {"zh": "生活污水散排口", "en": "Scattered domestic sewage"},
    "cat.工业排污口": {"zh": "工业排污口", "en": "Industrial outfall"},
    "cat.污水处理厂排污口": {"zh": "污水处理厂排污口", "en": "Treatment-plant outfall"},
    "cat.其他排口": {"zh": "其他排口", "en": "Other outfall"},
    "cat.暂无法确定": {"zh": "暂无法确定", "en": "Undetermined"},
    "phase.查": {"zh": "查（排查核实）", "en": "Survey (查)"},
    "phase.测": {"zh": "测（监测）", "en": "Monitor (测)"},
    "phase.溯": {"zh": "溯（溯源）", "en": "Trace (溯)"},
    "phase.治": {"zh": "治（整治中）", "en": "Remediate (治)"},
    "phase.管": {"zh": "管（销号/监管）", "en": "Supervise (管)"},
}

# Domain values (data that comes from fixed lists, not from people) in English.
VALUE_EN: dict[str, str] = {
    # 入河方式, 排放规律, 整治方式, 审批/登记
    "明渠": "Open channel", "管道": "Pipe", "泵站": "Pumping station", "涵闸": "Sluice", "箱涵": "Box culvert",
    "其他": "Other", "连续排放": "Continuous", "间歇排放": "Intermittent", "雨天排放": "Rain only",
    "不排放": "No discharge", "取缔": "Ban", "合并": "Merge", "规范整治": "Regularise",
    "审批": "Approval", "登记": "Registration",
    # level-2 and level-3 outfall types
    "工矿企业排污口": "Industrial/mining outfall", "工矿企业雨洪排口": "Industrial/mining storm outfall",
    "工业及其他各类园区污水处理厂排污口": "Industrial-park WWTP outfall",
    "工业及其他各类园区污水处理厂雨洪排口": "Industrial-park WWTP storm outfall",
    "规模化畜禽养殖排污口": "Large livestock farm outfall", "规模化水产养殖排污口": "Large aquaculture outfall",
    "大中型灌区排口": "Irrigation-district outfall", "港口码头排口": "Port/wharf outfall",
    "规模以下畜禽养殖排污口": "Small livestock farm outfall", "规模以下水产养殖排污口": "Small aquaculture outfall",
    "城镇生活污水散排口": "Scattered urban sewage", "农村污水处理设施排污口": "Rural treatment-facility outfall",
    "农村生活污水散排口": "Scattered rural sewage", "城镇雨洪排口": "Urban storm outfall",
    "其他排污口": "Other outfall", "工业企业排污口": "Industrial outfall", "矿山排污口": "Mine outfall",
    "尾矿库排污口": "Tailings outfall", "工业企业雨洪排口": "Industrial storm outfall",
    "矿山雨洪排口": "Mine storm outfall", "尾矿库雨洪排口": "Tailings storm outfall",
    # monitoring, sections, plots, dust
    "快检": "Quick test", "规范监测": "Standard monitoring", "市控": "City-controlled", "区控": "District-controlled",
    "河流": "River", "湖库": "Lake/reservoir", "第一类用地": "Class 1 land", "第二类用地": "Class 2 land",
    "土方开挖": "Earthwork", "基础施工": "Foundations", "主体结构": "Main structure", "装饰装修": "Finishing",
    "拆除": "Demolition", "竣工收尾": "Completion",
    # water-quality items (GB 3838-2002 Table 1 and common extras)
    "水温": "Water temp.", "溶解氧": "DO", "高锰酸盐指数": "CODMn", "化学需氧量": "COD", "五日生化需氧量": "BOD5",
    "氨氮": "NH3-N", "总磷": "TP", "总氮": "TN", "铜": "Cu", "锌": "Zn", "氟化物": "Fluoride", "硒": "Se",
    "砷": "As", "汞": "Hg", "镉": "Cd", "铬(六价)": "Cr(VI)", "铅": "Pb", "氰化物": "Cyanide",
    "挥发酚": "Volatile phenols", "石油类": "Petroleum", "阴离子表面活性剂": "Anionic surfactants",
    "硫化物": "Sulfide", "粪大肠菌群": "Fecal coliforms", "电导率": "Conductivity", "浊度": "Turbidity",
    "示例数据": "Demo data",
    "查": "Survey", "测": "Monitor", "溯": "Trace", "治": "Remediate", "管": "Supervise",
}
EN_TERMS: dict[str, str] = {**VALUE_EN, **OUTFALL_STATE_EN, **OUTFALL_TYPE_EN}


def t(key: str, lang: str = "zh") -> str:
    """The text for ``key`` in ``lang`` (``zh`` or ``en``)."""
    entry = TEXT.get(key)
    if entry:
        return entry.get(lang) or entry["zh"]
    term = key.split(".", 1)[-1]
    if lang == "en":
        return EN_TERMS.get(term, term)
    return term


def term(value, lang: str = "zh") -> str:
    """A domain value (type, state, mode …) for people: English when known in English mode."""
    if value is None:
        return ""
    text = str(value)
    return EN_TERMS.get(text, text) if lang == "en" else text
