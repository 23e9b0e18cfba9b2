"""gislib.fields.outfalls: the ONE list of the outfall's (入河排污口, 一口一档) fields.

The import schema (gislib.schemas), the record validators' labels (gislib.store.validators), the
ledger columns (gislib.reports.ledger), the 一口一档 facts and PDF labels (gislib.reports.outfall_file), the
edit form (views/outfall_view.py) and the map columns (gislib.services.catalog) are all read from here.
Domain references: docs/domain.md §1.4 (一口一档), HJ 1312-2023 (types), GB 3838-2002 (classes).
"""
from __future__ import annotations

from gislib import domain
from gislib.fields.base import MAIN, FieldDef as F, LayerFields

TYPE_L2 = tuple(l2 for l2s in domain.OUTFALL_TYPES.values() for l2 in l2s)
TYPE_L3 = tuple(l3 for l2s in domain.OUTFALL_TYPES.values() for l3s in l2s.values() for l3 in l3s)
SUBDISTRICT_ALIASES = ("街道", "镇", "街镇", "乡镇", "街道/镇", "所属街道", "所属街镇", "街道(镇)", "镇街")
RIVER_ALIASES = ("受纳水体", "河道", "河流", "河流名称", "所在河流", "河道名称", "水体", "river")
TARGET_ALIASES = ("水质目标", "目标水质", "水质类别目标", "考核目标", "功能区目标", "目标")
TARGET_HELP = "GB 3838-2002 类别 I–V/劣V；Ⅲ类、3 类等写法会被规范化"
RESPONSIBLE_ALIASES = ("责任主体", "责任单位", "责任人", "排污单位", "责任主体名称")

G_ID, G_CLASS, G_LOC, G_WATER, G_DIS = "身份", "类型", "位置", "受纳水体", "排放"
G_RESP, G_TRACE, G_REM, G_SIGN, G_FLOW = "责任", "溯源", "整治", "信息公开", "状态"
GROUPS = ((G_ID, "Identity"), (G_CLASS, "Class"), (G_LOC, "Location"), (G_WATER, "Receiving water"),
          (G_DIS, "Discharge"), (G_RESP, "Responsibility"), (G_TRACE, "Tracing"), (G_REM, "Remediation"),
          (G_SIGN, "Disclosure"), (G_FLOW, "Workflow"))

FIELDS = (
    # 身份
    F("code", "编码", "Code", required=True, group=G_ID, imported=True, ledger=True, pdf=True, sheet="排口编码",
      aliases=("排口编码", "排污口编码", "排口编号", "编码", "编号", "code", "id")),
    F("name", "名称", "Name", required=True, group=G_ID, imported=True, ledger=True, pdf=True, form="text",
      sheet="排口名称", aliases=("排口名称", "排污口名称", "名称", "name", "排口名")),
    F("national_code", "国家统一编码", "National code", group=G_ID, imported=True, ledger=True, pdf=True,
      form="text", shp="nat_code", aliases=("国家编码", "统一编码", "国家统一编码", "国控编码")),
    F("local_code", "地方编码", "Local code", group=G_ID, ledger=True, pdf=True, form="text"),
    F("former_codes", "历史编码", "Former codes", type="list", group=G_ID, pdf=True),
    F("in_national_platform", "是否纳入国家平台", "In national platform", type="bool", group=G_ID, pdf=True,
      form="check"),
    # 类型 (HJ 1312-2023)
    F("type_l1", "一级类型", "Type L1", allowed=domain.OUTFALL_TYPE_L1, group=G_CLASS, imported=True,
      ledger=True, pdf=True, form="select", fmt="term", aliases=("一级类型", "排口大类", "一级分类", "大类")),
    F("type_l2", "二级类型", "Type L2", allowed=TYPE_L2, group=G_CLASS, imported=True, ledger=True, pdf=True,
      form="select", fmt="term", aliases=("二级类型", "排口类型", "类型", "排污口类型", "二级分类", "type")),
    F("type_l3", "三级类型", "Type L3", allowed=TYPE_L3, group=G_CLASS, imported=True, ledger=True, pdf=True,
      form="select", fmt="term", aliases=("三级类型", "三级分类", "细类")),
    F("approval_kind", "审批/登记", "Approval/registration", group=G_CLASS, ledger=True, pdf=True, fmt="term"),
    F("approval_doc_no", "审批/登记文号", "Approval doc no.", group=G_CLASS, pdf=True, form="text",
      former=("doc_no",)),
    F("approval_date", "审批/登记日期", "Approval date", type="date", group=G_CLASS, pdf=True, form="date",
      former=("doc_date",)),
    # 位置
    F("location", "经纬度 (WGS84)", "Location (WGS84)", group=G_LOC, pdf=True, fmt="location", path=("lon",)),
    F("lon", "经度", "Longitude", type="float", unit="°", ledger=True, fmt="coord"),
    F("lat", "纬度", "Latitude", type="float", unit="°", ledger=True, fmt="coord"),
    F("source_crs", "原坐标系", "Source CRS", group=G_LOC, ledger=True, pdf=True),
    F("subdistrict", "街道/镇", "Sub-district", group=G_LOC, imported=True, ledger=True, pdf=True, form="text",
      aliases=SUBDISTRICT_ALIASES),
    F("admin_code", "行政区划代码", "Admin code", group=G_LOC, ledger=True, pdf=True, form="text"),
    F("address", "详细地址", "Address", group=G_LOC, ledger=True, pdf=True, form="text"),
    # 受纳水体
    F("river", "受纳水体", "Receiving water", group=G_WATER, imported=True, ledger=True, pdf=True, form="text",
      aliases=RIVER_ALIASES, former=("receiving_water",)),
    F("river_code", "受纳水体编码", "Water code", group=G_WATER, pdf=True, form="text"),
    F("target_class", "水质目标", "Target class", allowed=domain.WQ_CLASSES, group=G_WATER, imported=True,
      ledger=True, pdf=True, form="select", fmt="class", aliases=TARGET_ALIASES, help=TARGET_HELP),
    F("downstream_section_code", "下游最近断面编码", "Nearest downstream section", group=G_WATER, pdf=True,
      fmt="section"),
    F("downstream_section_km", "距下游断面(km)", "Distance to section (km)", type="float", unit="km",
      group=G_WATER, pdf=True),
    # 排放
    F("discharge_mode", "入河方式", "Discharge mode", allowed=domain.DISCHARGE_MODES, group=G_DIS, imported=True,
      ledger=True, pdf=True, form="select", fmt="term", shp="dis_mode", aliases=("入河方式", "排放方式", "排入方式")),
    F("discharge_pattern", "排放规律", "Discharge pattern", allowed=domain.DISCHARGE_PATTERNS, group=G_DIS,
      imported=True, ledger=True, pdf=True, form="select", fmt="term", shp="dis_patt",
      aliases=("排放规律", "排放特征")),
    F("outlet_size", "口门尺寸", "Outlet size", group=G_DIS, pdf=True, form="text"),
    F("pipe_diameter_mm", "管径(mm)", "Pipe diameter (mm)", type="float", unit="mm", group=G_DIS, pdf=True),
    F("design_volume_m3d", "设计排放量(m³/d)", "Design volume (m³/d)", type="float", unit="m³/d", group=G_DIS,
      pdf=True, form="number"),
    F("actual_volume_m3d", "实际排放量(m³/d)", "Actual volume (m³/d)", type="float", unit="m³/d", group=G_DIS,
      pdf=True, form="number"),
    F("main_pollutants", "主要污染物", "Main pollutants", type="list", group=G_DIS, pdf=True, form="list",
      former=("pollutants",)),
    F("found_date", "发现日期", "Found on", type="date", group=G_DIS, imported=True, ledger=True, pdf=True,
      aliases=("发现日期", "排查日期", "发现时间"), former=("found_on",)),
    # 责任
    F("responsible_parties", "责任主体", "Responsible parties", type="json", group=G_RESP, pdf=True, fmt="parties"),
    F("responsible", "责任主体", "Responsible party", path=("responsible_parties", MAIN, "name"), group=G_RESP,
      imported=True, ledger=True, form="text", form_zh="责任主体 (主要) 名称", form_en="Main responsible party",
      aliases=RESPONSIBLE_ALIASES),
    F("credit_code", "统一社会信用代码", "Unified social credit code", path=("responsible_parties", MAIN, "credit_code"),
      group=G_RESP, ledger=True, form="text"),
    F("contact", "联系方式", "Contact", path=("responsible_parties", MAIN, "contact"), group=G_RESP, form="text"),
    F("discharge_permit_no", "排污许可证编号", "Discharge permit no.", group=G_RESP, ledger=True, pdf=True,
      form="text", former=("permit_no",)),
    F("permit_outlet_code", "排污许可排放口编码", "Permit outlet code", group=G_RESP, pdf=True, form="text"),
    F("river_chief", "河长", "River chief", type="json", group=G_RESP, imported=True, ledger=True, pdf=True,
      fmt="chief", aliases=("河长", "河长姓名", "责任河长", "河湖长")),
    F("river_chief_level", "河长级别", "River chief level", path=("river_chief", "level"), group=G_RESP, form="text"),
    F("river_chief_name", "河长姓名", "River chief name", path=("river_chief", "name"), group=G_RESP, form="text"),
    # 溯源
    F("tracing", "溯源结果", "Tracing result", type="json", group=G_TRACE, pdf=True, fmt="tracing"),
    F("tracing_result", "溯源结果", "Tracing result", path=("tracing", "result"), group=G_TRACE, ledger=True,
      form="text"),
    F("tracing_method", "溯源方法", "Tracing method", path=("tracing", "method"), group=G_TRACE),
    F("tracing_date", "溯源日期", "Traced on", type="date", path=("tracing", "date"), group=G_TRACE),
    # 整治
    F("remediation", "整治", "Remediation", type="json", group=G_REM),
    F("remediation_kind", "整治方式", "Remediation kind", allowed=domain.REMEDIATION_KINDS,
      path=("remediation", "kind"), group=G_REM, imported=True, ledger=True, pdf=True, fmt="term", shp="rem_kind",
      aliases=("整治方式", "整治类型", "整治措施")),
    F("remediation_plan", "整治方案", "Plan", path=("remediation", "plan"), group=G_REM, pdf=True, form="text"),
    F("deadline", "整治期限", "Deadline", type="date", path=("remediation", "deadline"), group=G_REM, ledger=True,
      pdf=True, form="date", former=("remediation_deadline",)),
    F("progress_pct", "整治进度(%)", "Progress (%)", type="float", unit="%", path=("remediation", "progress_pct"),
      group=G_REM, ledger=True, pdf=True, form="number"),
    F("closed_date", "销号日期", "Closed on", type="date", path=("remediation", "closed_date"), group=G_REM,
      ledger=True, pdf=True),
    F("overdue", "是否逾期", "Overdue", type="bool", group=G_REM, ledger=True, pdf=True, fmt="overdue"),
    # 信息公开
    F("signboard", "标识牌", "Signboard", type="json", group=G_SIGN),
    F("signboard_installed", "是否设置标识牌", "Signboard installed", type="bool", path=("signboard", "installed"),
      group=G_SIGN, pdf=True, form="check"),
    F("signboard_qr_url", "二维码地址", "QR code URL", path=("signboard", "qr_url"), group=G_SIGN, pdf=True,
      form="text"),
    # 状态 (workflow)
    F("state", "状态", "State", allowed=domain.OUTFALL_STATES, group=G_FLOW, imported=True, ledger=True, pdf=True,
      fmt="term", aliases=("状态", "排口状态", "当前状态", "工作状态", "整治状态", "state")),
    F("phase", "阶段", "Phase", group=G_FLOW, ledger=True, pdf=True, fmt="phase"),
    F("removed_reason", "撤销原因", "Removal reason", group=G_FLOW, pdf=True),
    F("note", "备注", "Note", group=G_FLOW, imported=True, pdf=True, aliases=("备注", "说明", "note", "remark")),
    F("version", "版本", "Version", type="int", group=G_FLOW, ledger=True, pdf=True),
    F("updated", "最近修改", "Last change", group=G_FLOW, pdf=True, fmt="updated", path=("updated_at",)),
    F("updated_by", "更新人", "Updated by", ledger=True),
    F("updated_at", "更新时间(北京时间)", "Updated (Beijing time)", ledger=True, fmt="local_time"),
    F("demo", "示例数据", "Demo data", type="bool", group=G_FLOW, pdf=True, fmt="demo"),
    # kept in the record, shown on their own tabs
    F("monitoring", "监测记录", "Monitoring", type="json"),
    F("inspections", "巡查记录", "Inspections", type="json"),
    F("attachments", "附件", "Attachments", type="json"),
)

TABLE = LayerFields(
    name="outfalls", zh="入河排污口", en="Outfalls", geometry="Point", fields=FIELDS, groups=GROUPS,
    notes="type_l1 is filled from type_l2 when missing; a given type_l1/type_l3 must agree with type_l2 "
          "(HJ 1312-2023); one of type_l1/type_l2 is needed (暂无法确定 is allowed); state 整治中 needs remediation_kind.",
)
