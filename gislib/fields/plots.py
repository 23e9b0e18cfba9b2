"""gislib.fields.plots: the fields of a (suspected) contaminated land plot (污染地块, GB 36600).

One name per fact: the plot's stage is ``state`` (the store's workflow column; files saying 阶段
or ``stage`` map to it) and its planned land class is ``land_use`` (``land_class`` in older files).
"""
from __future__ import annotations

from gislib import domain
from gislib.fields.base import FieldDef as F, LayerFields
from gislib.fields.outfalls import RESPONSIBLE_ALIASES

FIELDS = (
    F("code", "地块编码", "Plot code", required=True, imported=True, ledger=True,
      aliases=("地块编码", "地块编号", "编码", "编号", "code", "id")),
    F("name", "地块名称", "Plot name", required=True, imported=True, ledger=True,
      aliases=("地块名称", "名称", "地块", "name")),
    F("address", "地址", "Address", imported=True, ledger=True, aliases=("地址", "地块地址", "位置", "坐落", "详细地址")),
    F("former_use", "原用途", "Former use", imported=True, ledger=True,
      aliases=("原用途", "历史用途", "原土地用途", "原使用性质")),
    F("industry", "行业类别", "Industry", imported=True, ledger=True, aliases=("行业类别", "行业", "原行业", "所属行业")),
    F("pollutants", "关注污染物", "Pollutants of concern", imported=True, ledger=True,
      help="several pollutants separated by 、 or ,", aliases=("关注污染物", "污染物", "主要污染物", "特征污染物")),
    F("responsible", "责任主体", "Responsible party", imported=True, ledger=True, aliases=RESPONSIBLE_ALIASES),
    F("land_holder", "土地使用权人", "Land-use-right holder", imported=True, ledger=True,
      aliases=("土地使用权人", "使用权人", "权属人", "土地权属")),
    F("land_use", "规划用地类别", "Land class", allowed=domain.LAND_USE_CLASSES, imported=True, ledger=True,
      fmt="term", aliases=("规划用地类别", "用地类别", "用地类型", "GB36600用地分类"), former=("land_class",)),
    F("state", "阶段", "Stage", allowed=domain.PLOT_STAGES, imported=True, ledger=True, fmt="term",
      aliases=("阶段", "所处阶段", "当前阶段", "状态", "工作阶段"), former=("stage",)),
    F("area_m2", "面积(m²)", "Area (m²)", type="float", unit="m²", imported=True, ledger=True,
      aliases=("面积", "面积(m2)", "面积(平方米)", "占地面积", "area")),
)

TABLE = LayerFields(name="plots", zh="污染地块", en="Contaminated plots", geometry="Polygon", fields=FIELDS)
