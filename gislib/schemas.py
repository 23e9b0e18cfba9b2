"""gislib.schemas: the fields of each importable layer, as plain data.

Layers: ``outfalls`` (入河排污口), ``sections`` (水质断面), ``plots`` (污染地块), ``dust``
(建筑工地扬尘). Each :class:`Field` has an English snake_case ``name`` (the store column), a
Chinese ``label`` (Excel headers, forms), a ``type`` ("str", "int", "float", "date", "bool"),
``required``, ``allowed`` values (from :mod:`gislib.domain`, never copied) and header ``aliases``
that :mod:`gislib.io.columns` uses to map officers' spreadsheets.

Geometry: every layer has a ``geometry`` kind ("Point" or "Polygon"). Polygon layers also accept
a Point (ledgers often give only a location); coordinates come from the pseudo-fields ``x`` / ``y``
(:data:`COORD_FIELDS`) or a WKT column (``wkt``) when the file is a table.
"""
from __future__ import annotations

from dataclasses import dataclass

from gislib import domain
from gislib.errors import ValidationError

FIELD_TYPES = ("str", "int", "float", "date", "bool")

OUTFALL_TYPE_L2: tuple[str, ...] = tuple(l2 for l2s in domain.OUTFALL_TYPES.values() for l2 in l2s)
OUTFALL_TYPE_L3: tuple[str, ...] = tuple(
    l3 for l2s in domain.OUTFALL_TYPES.values() for l3s in l2s.values() for l3 in l3s
)


@dataclass(frozen=True)
class Field:
    """One attribute of a layer. ``shp`` is the ≤10-character Shapefile column name."""

    name: str
    label: str
    type: str = "str"
    required: bool = False
    allowed: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()
    shp: str = ""
    help: str = ""

    @property
    def shp_name(self) -> str:
        """Column name used in Shapefiles (DBF names are limited to 10 characters)."""
        return self.shp or self.name[:10]

    def all_aliases(self) -> tuple[str, ...]:
        """Everything a header may be called: name, Chinese label, Shapefile name, aliases."""
        return tuple(dict.fromkeys((self.name, self.label, self.shp_name, *self.aliases)))


@dataclass(frozen=True)
class LayerSchema:
    """The fields and geometry kind of one layer."""

    name: str
    label: str
    geometry: str  # "Point" or "Polygon"
    fields: tuple[Field, ...]
    accepts_point: bool = True  # Polygon layers: a point location is also acceptable
    notes: str = ""

    def field(self, name: str) -> Field:
        """The field called ``name``; KeyError when the layer has none."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    @property
    def labels(self) -> dict[str, str]:
        """name → Chinese label."""
        return {f.name: f.label for f in self.fields}

    @property
    def geometry_types(self) -> tuple[str, ...]:
        """Shapely geometry types accepted for this layer."""
        if self.geometry == "Point":
            return ("Point",)
        return ("Polygon", "MultiPolygon") + (("Point",) if self.accepts_point else ())


# Coordinate pseudo-fields of tables. "x" is the first coordinate column (longitude/easting), "y"
# the second; Chinese survey files often label northing "X坐标" and easting "Y坐标": the importer
# detects that from the values (gislib.geo.crs.detect_crs), so the aliases follow the header text.
COORD_FIELDS = ("x", "y")
COORD_ALIASES: dict[str, tuple[str, ...]] = {
    "x": ("x", "经度", "东经", "经度坐标", "x坐标", "x座标", "横坐标", "lng", "lon", "long", "longitude",
          "经度(度)", "gps经度", "e", "东坐标", "easting", "point_x", "坐标x"),
    "y": ("y", "纬度", "北纬", "纬度坐标", "y坐标", "y座标", "纵坐标", "lat", "latitude", "纬度(度)", "gps纬度",
          "n", "北坐标", "northing", "point_y", "坐标y"),
    "wkt": ("wkt", "geometry", "geom", "几何", "几何(wkt)", "范围", "边界wkt"),
}
COORD_LABELS = {"x": "经度/X", "y": "纬度/Y", "wkt": "几何(WKT)"}

_CODE = Field("code", "编码", required=True, aliases=("编码", "编号", "代码", "code", "id", "序号编码"))
_SUBDISTRICT = Field("subdistrict", "街道/镇", aliases=("街道", "镇", "街镇", "乡镇", "街道/镇", "所属街道", "所属街镇", "街道(镇)", "镇街"))
_RIVER = Field("river", "受纳水体", aliases=("受纳水体", "河道", "河流", "河流名称", "所在河流", "河道名称", "水体", "river"))
_TARGET = Field("target_class", "水质目标", allowed=domain.WQ_CLASSES,
                aliases=("水质目标", "目标水质", "水质类别目标", "考核目标", "功能区目标", "目标"),
                help="GB 3838-2002 类别 I–V/劣V；Ⅲ类、3 类等写法会被规范化")
_RESPONSIBLE = Field("responsible", "责任主体", aliases=("责任主体", "责任单位", "责任人", "排污单位", "责任主体名称"))

OUTFALLS = LayerSchema(
    name="outfalls",
    label="入河排污口",
    geometry="Point",
    accepts_point=True,
    fields=(
        Field("code", "排口编码", required=True, aliases=("排口编码", "排污口编码", "排口编号", "编码", "编号", "code", "id")),
        Field("name", "排口名称", required=True, aliases=("排口名称", "排污口名称", "名称", "name", "排口名")),
        Field("national_code", "国家统一编码", aliases=("国家编码", "统一编码", "国家统一编码", "国控编码"), shp="nat_code"),
        Field("type_l1", "一级类型", allowed=domain.OUTFALL_TYPE_L1, aliases=("一级类型", "排口大类", "一级分类", "大类")),
        Field("type_l2", "二级类型", allowed=OUTFALL_TYPE_L2, aliases=("二级类型", "排口类型", "类型", "排污口类型", "二级分类", "type")),
        Field("type_l3", "三级类型", allowed=OUTFALL_TYPE_L3, aliases=("三级类型", "三级分类", "细类")),
        Field("state", "状态", allowed=domain.OUTFALL_STATES, aliases=("状态", "排口状态", "当前状态", "工作状态", "整治状态", "state")),
        _RIVER,
        _SUBDISTRICT,
        Field("discharge_mode", "入河方式", allowed=domain.DISCHARGE_MODES, aliases=("入河方式", "排放方式", "排入方式"), shp="dis_mode"),
        Field("discharge_pattern", "排放规律", allowed=domain.DISCHARGE_PATTERNS, aliases=("排放规律", "排放特征"), shp="dis_patt"),
        _RESPONSIBLE,
        Field("river_chief", "河长", aliases=("河长", "河长姓名", "责任河长", "河湖长")),
        _TARGET,
        Field("remediation_kind", "整治方式", allowed=domain.REMEDIATION_KINDS, aliases=("整治方式", "整治类型", "整治措施"), shp="rem_kind"),
        Field("found_on", "发现日期", type="date", aliases=("发现日期", "排查日期", "发现时间")),
        Field("note", "备注", aliases=("备注", "说明", "note", "remark")),
    ),
    notes="type_l1 is filled from type_l2 when missing; a given type_l1/type_l3 must agree with type_l2 "
          "(HJ 1312-2023); one of type_l1/type_l2 is needed (暂无法确定 is allowed); state 整治中 needs remediation_kind.",
)

SECTIONS = LayerSchema(
    name="sections",
    label="水质断面",
    geometry="Point",
    fields=(
        Field("code", "断面编码", required=True, aliases=("断面编码", "断面编号", "编码", "编号", "代码", "code", "id")),
        Field("name", "断面名称", required=True, aliases=("断面名称", "名称", "断面", "name")),
        _RIVER,
        _SUBDISTRICT,
        Field("level", "断面级别", aliases=("断面级别", "级别", "控制级别", "断面类型", "考核级别", "level"),
              help="国控 / 市控 / 区控 …（自由文本）"),
        _TARGET,
        Field("water_type", "水体类型", aliases=("水体类型", "河流/湖库", "水域类型"), help="河流 / 湖库"),
    ),
)

PLOTS = LayerSchema(
    name="plots",
    label="污染地块",
    geometry="Polygon",
    accepts_point=True,
    fields=(
        Field("code", "地块编码", required=True, aliases=("地块编码", "地块编号", "编码", "编号", "code", "id")),
        Field("name", "地块名称", required=True, aliases=("地块名称", "名称", "地块", "name")),
        Field("address", "地址", aliases=("地址", "地块地址", "位置", "坐落", "详细地址")),
        Field("former_use", "原用途", aliases=("原用途", "历史用途", "原土地用途", "原使用性质")),
        Field("industry", "行业类别", aliases=("行业类别", "行业", "原行业", "所属行业")),
        Field("pollutants", "关注污染物", aliases=("关注污染物", "污染物", "主要污染物", "特征污染物"),
              help="several pollutants separated by 、 or ,"),
        _RESPONSIBLE,
        Field("land_holder", "土地使用权人", aliases=("土地使用权人", "使用权人", "权属人", "土地权属")),
        Field("land_class", "规划用地类别", allowed=domain.LAND_USE_CLASSES, aliases=("规划用地类别", "用地类别", "用地类型", "GB36600用地分类")),
        Field("stage", "阶段", allowed=domain.PLOT_STAGES, aliases=("阶段", "所处阶段", "当前阶段", "状态", "工作阶段")),
        Field("area_m2", "面积(m²)", type="float", aliases=("面积", "面积(m2)", "面积(平方米)", "占地面积", "area")),
    ),
)

DUST = LayerSchema(
    name="dust",
    label="建筑工地扬尘",
    geometry="Point",
    accepts_point=True,
    fields=(
        Field("code", "工地编码", required=True, aliases=("工地编码", "工地编号", "监测点编号", "编码", "编号", "code", "id")),
        Field("name", "工地名称", required=True, aliases=("工地名称", "名称", "工地", "name")),
        Field("project", "项目名称", aliases=("项目名称", "项目", "工程名称")),
        Field("builder", "施工单位", aliases=("施工单位", "建设单位", "施工企业", "总包单位")),
        Field("phase", "施工阶段", allowed=domain.DUST_PHASES, aliases=("施工阶段", "阶段", "工程阶段")),
        Field("permit_start", "开工日期", type="date", aliases=("开工日期", "许可开始", "施工许可开始", "开工时间"), shp="perm_start"),
        Field("permit_end", "竣工日期", type="date", aliases=("竣工日期", "许可结束", "施工许可结束", "计划竣工", "竣工时间"), shp="perm_end"),
        _SUBDISTRICT,
        Field("priority_area", "重点区域", type="bool", aliases=("重点区域", "是否重点区域", "敏感区域"), shp="priority"),
        Field("address", "地址", aliases=("地址", "工地地址", "详细地址")),
    ),
)

SCHEMAS: dict[str, LayerSchema] = {s.name: s for s in (OUTFALLS, SECTIONS, PLOTS, DUST)}
LAYERS: tuple[str, ...] = tuple(SCHEMAS)
# Columns every imported record carries besides the schema fields.
PROVENANCE_FIELDS = ("source_crs", "source_row")
PROVENANCE_LABELS = {"source_crs": "原始坐标系", "source_row": "原始行号"}


def get_schema(layer: str) -> LayerSchema:
    """The schema of ``layer``; ValidationError naming the known layers otherwise."""
    try:
        return SCHEMAS[layer]
    except KeyError:
        raise ValidationError(f"未知图层「{layer}」。可导入的图层：{', '.join(LAYERS)}。", field="layer") from None


def as_dict(layer: str) -> dict:
    """The schema of ``layer`` as JSON-ready data (for the app or documentation)."""
    s = get_schema(layer)
    return {
        "name": s.name,
        "label": s.label,
        "geometry": s.geometry,
        "geometry_types": list(s.geometry_types),
        "fields": [
            {"name": f.name, "label": f.label, "type": f.type, "required": f.required,
             "allowed": list(f.allowed) if f.allowed else None, "aliases": list(f.all_aliases()),
             "shp_name": f.shp_name, "help": f.help}
            for f in s.fields
        ],
    }
