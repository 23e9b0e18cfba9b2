"""gislib.schemas: the fields of each importable layer, as plain data.

Layers: ``outfalls`` (入河排污口), ``sections`` (水质断面), ``plots`` (污染地块), ``dust``
(建筑工地扬尘). The fields are DERIVED from the field tables in :mod:`gislib.fields` (the one list
of each layer's fields): a layer's import schema is its fields marked ``imported``. Each field has an English snake_case ``name`` (the store column), a
Chinese ``label`` (Excel headers, forms), a ``type`` ("str", "int", "float", "date", "bool"),
``required``, ``allowed`` values (from :mod:`gislib.domain`, never copied) and header ``aliases``
that :mod:`gislib.io.columns` uses to map officers' spreadsheets.

Geometry: every layer has a ``geometry`` kind ("Point" or "Polygon"). Polygon layers also accept
a Point (ledgers often give only a location); coordinates come from the pseudo-fields ``x`` / ``y``
(:data:`COORD_FIELDS`) or a WKT column (``wkt``) when the file is a table.
"""
from __future__ import annotations

from dataclasses import dataclass

from gislib.errors import ValidationError
from gislib.fields import TABLES, FieldDef, LayerFields
from gislib.fields import outfalls as outfalls_fields

FIELD_TYPES = ("str", "int", "float", "date", "bool")

OUTFALL_TYPE_L2: tuple[str, ...] = outfalls_fields.TYPE_L2
OUTFALL_TYPE_L3: tuple[str, ...] = outfalls_fields.TYPE_L3
Field = FieldDef  # the importer's name for a field of gislib.fields


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



def from_table(t: LayerFields) -> LayerSchema:
    """The import schema of a layer: the imported fields of its field table, in table order."""
    return LayerSchema(name=t.name, label=t.zh, geometry=t.geometry, accepts_point=t.accepts_point, notes=t.notes,
                       fields=tuple(f for f in t.fields if f.imported))


OUTFALLS, SECTIONS, PLOTS, DUST = (from_table(TABLES[n]) for n in ("outfalls", "sections", "plots", "dust"))

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
        raise ValidationError("error.layer_unknown", field="layer", layer=layer, layers=list(LAYERS)) from None


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
