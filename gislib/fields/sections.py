"""gislib.fields.sections: the fields of a water-quality monitoring section (水质断面, GB 3838)."""
from __future__ import annotations

from gislib import domain
from gislib.fields.base import FieldDef as F, LayerFields
from gislib.fields.outfalls import RIVER_ALIASES, SUBDISTRICT_ALIASES, TARGET_ALIASES, TARGET_HELP

FIELDS = (
    F("code", "断面编码", "Section code", required=True, imported=True, ledger=True,
      aliases=("断面编码", "断面编号", "编码", "编号", "代码", "code", "id")),
    F("name", "断面名称", "Section name", required=True, imported=True, ledger=True,
      aliases=("断面名称", "名称", "断面", "name")),
    F("river", "受纳水体", "River", imported=True, ledger=True, aliases=RIVER_ALIASES),
    F("subdistrict", "街道/镇", "Sub-district", imported=True, ledger=True, aliases=SUBDISTRICT_ALIASES),
    F("level", "断面级别", "Level", imported=True, ledger=True, help="国控 / 市控 / 区控 …（自由文本）",
      aliases=("断面级别", "级别", "控制级别", "断面类型", "考核级别", "level")),
    F("target_class", "水质目标", "Target class", allowed=domain.WQ_CLASSES, imported=True, ledger=True,
      fmt="class", aliases=TARGET_ALIASES, help=TARGET_HELP),
    F("water_type", "水体类型", "Water type", imported=True, ledger=True, help="河流 / 湖库",
      aliases=("水体类型", "河流/湖库", "水域类型")),
)

TABLE = LayerFields(name="sections", zh="水质断面", en="Monitoring sections", geometry="Point", fields=FIELDS)
