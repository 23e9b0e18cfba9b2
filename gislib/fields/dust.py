"""gislib.fields.dust: the fields of a construction site (建筑工地扬尘).

The layer is ``dust`` everywhere in the store and the import; the demo GeoPackage and the map
call their layer ``dust_sites`` (``TABLE.dataset_layer``), which gislib.services.catalog reads from here.
"""
from __future__ import annotations

from gislib import domain
from gislib.fields.base import FieldDef as F, LayerFields
from gislib.fields.outfalls import SUBDISTRICT_ALIASES

FIELDS = (
    F("code", "工地编码", "Site code", required=True, imported=True, ledger=True,
      aliases=("工地编码", "工地编号", "监测点编号", "编码", "编号", "code", "id")),
    F("name", "工地名称", "Site name", required=True, imported=True, ledger=True, aliases=("工地名称", "名称", "工地", "name")),
    F("project", "项目名称", "Project", imported=True, ledger=True, aliases=("项目名称", "项目", "工程名称")),
    F("builder", "施工单位", "Builder", imported=True, ledger=True, aliases=("施工单位", "建设单位", "施工企业", "总包单位")),
    F("phase", "施工阶段", "Construction phase", allowed=domain.DUST_PHASES, imported=True, ledger=True, fmt="term",
      aliases=("施工阶段", "阶段", "工程阶段")),
    F("permit_start", "开工日期", "Start date", type="date", imported=True, ledger=True, shp="perm_start",
      aliases=("开工日期", "许可开始", "施工许可开始", "开工时间")),
    F("permit_end", "竣工日期", "Completion date", type="date", imported=True, ledger=True, shp="perm_end",
      aliases=("竣工日期", "许可结束", "施工许可结束", "计划竣工", "竣工时间")),
    F("subdistrict", "街道/镇", "Sub-district", imported=True, ledger=True, aliases=SUBDISTRICT_ALIASES),
    F("priority_area", "重点区域", "Priority area", type="bool", imported=True, ledger=True, shp="priority",
      aliases=("重点区域", "是否重点区域", "敏感区域")),
    F("address", "地址", "Address", imported=True, ledger=True, aliases=("地址", "工地地址", "详细地址")),
)

TABLE = LayerFields(name="dust", zh="建筑工地扬尘", en="Construction dust", geometry="Point", fields=FIELDS,
                    dataset_layer="dust_sites")
