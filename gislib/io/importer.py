"""gislib.io.importer: bring officers' files (Excel, CSV, zipped SHP, GeoJSON, KML/KMZ, GPKG) into Hetu.

Pipeline: :func:`readers.read_source` → :func:`prepare.prepare_table` (control characters,
KML description pairs) → :func:`columns.auto_map` (or a remembered/explicit mapping)
→ :func:`columns.apply_mapping` → :func:`validate.validate_rows` → :class:`validate.ImportReport`.
:func:`import_file` runs all of it; nothing here writes to the store (the CLI does that).
"""
from __future__ import annotations

import os
from pathlib import Path

from gislib.geo.crs import DEFAULT_CENTRAL_MERIDIAN, gk3_central_meridian
from gislib.io.columns import apply_mapping, auto_map, auto_map_report, check_mapping, recall_mapping, source_key
from gislib.io.readers import DEFAULT_MAX_BYTES, SourceRow, SourceTable, read_source
from gislib.io.prepare import prepare_table
from gislib.io.validate import ImportReport, cap_warnings, validate_rows

__all__ = [
    "ImportReport", "SourceRow", "SourceTable", "auto_map", "apply_mapping", "import_file",
    "read_district", "read_prepared", "read_source", "validate_rows",
]


def import_file(
    path: str | os.PathLike,
    layer: str,
    *,
    crs: str = "auto",
    district=None,
    tolerance_m: float = 2000,
    existing_codes: frozenset = frozenset(),
    insert_only: bool = False,
    dup_radius_m: float = 5,
    mapping: dict[str, str] | None = None,
    mapping_dir: str | os.PathLike | None = None,
    sheet: str | None = None,
    source_layer: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    force_legacy: bool = False,
    central_meridian: float | None = None,
    fill: dict | None = None,
    value_map: dict[str, dict[str, str]] | None = None,
    existing_records: list[dict] | None = None,
    today=None,
) -> ImportReport:
    """Read, map and validate one file for ``layer``; returns the report (accepted GeoDataFrame in WGS84).

    Mapping precedence: ``mapping`` → the one remembered in ``mapping_dir`` for this source → auto_map.
    ``central_meridian`` (3° GK zone for 6-digit eastings): default from ``district``, else 120°E.
    ``fill``, ``value_map``, ``existing_records``, ``today``: see :func:`validate.validate_rows`.
    """
    if central_meridian is None:
        central_meridian = gk3_central_meridian(district.centroid.x) if district is not None else DEFAULT_CENTRAL_MERIDIAN
    table, cleaning = read_prepared(path, sheet=sheet, layer=source_layer, encoding=encoding, max_bytes=max_bytes)
    report_map = auto_map_report(table.headers, layer)
    used_mapping = mapping
    if used_mapping is None and mapping_dir is not None:
        used_mapping = recall_mapping(source_key(path, table.headers), mapping_dir)
    if used_mapping is None:
        used_mapping = report_map.mapping
        unmatched = report_map.unmatched
    else:
        check_mapping(used_mapping, layer)
        unmatched = {h: "未在映射中指定，导入时忽略" for h in table.headers if h not in used_mapping}
    records = apply_mapping(table.rows, used_mapping)
    declared = _coord_sys_column(table) or table.crs
    coord_columns = [h for h, f in used_mapping.items() if f in ("x", "y", "wkt")]
    report = validate_rows(
        records, layer, crs, district, tolerance_m, existing_codes, dup_radius_m,
        insert_only=insert_only, declared_crs=declared, filename=Path(path).name,
        column_names=coord_columns, force_legacy=force_legacy, central_meridian=central_meridian,
        fill=fill, value_map=value_map, existing_records=existing_records, today=today,
    )
    report.warnings = sorted(cap_warnings(cleaning) + report.warnings, key=lambda w: w["row"] if w["row"] is not None else -1)
    report.mapping = dict(used_mapping)
    report.unmatched_columns = unmatched
    report.source_headers = list(table.headers)
    report.notes = list(table.notes) + [f"读取 {table.name}：{len(table.rows)} 行"]
    return report


def read_prepared(path: str | os.PathLike, **kwargs) -> tuple[SourceTable, list[dict]]:
    """:func:`read_source` plus the post-read step (control characters stripped, KML description
    pairs as columns): the table and the warnings of that step. What every preview should show."""
    table = read_source(path, **kwargs)
    return table, prepare_table(table)


def _coord_sys_column(table: SourceTable) -> str | None:
    """The CRS named by a uniform ``coord_sys``/``坐标系`` column (written by gislib.io.exporter), else None."""
    from gislib.geo.crs import normalize_crs
    from gislib.errors import CRSError
    from gislib.io.columns import normalize_header

    col = next((h for h in table.headers if normalize_header(h) in ("coordsys", "坐标系")), None)
    if col is None:
        return None
    found = {str(r.values.get(col)).strip() for r in table.rows if r.values.get(col) not in (None, "")}
    if len(found) != 1:
        return None
    try:
        return normalize_crs(found.pop())
    except CRSError:
        return None


def read_district(path: str | os.PathLike, crs: str = "auto"):
    """The union of all polygons in a boundary file, in WGS84 (for ``validate_rows(district=...)``)."""
    import shapely

    from gislib.geo import crs as crsmod
    from gislib.errors import DataError

    table = read_source(path)
    geoms = [r.geometry for r in table.rows if r.geometry is not None]
    if not geoms:
        raise DataError("error.area_empty", name=Path(path).name)
    firsts = shapely.get_coordinates(geoms[0])[:1]
    guess = crsmod.detect_crs(firsts[:, 0], firsts[:, 1], crs, Path(path).name, declared_crs=table.crs)
    union = shapely.union_all([crsmod.transform_geometry(g, guess.crs) for g in geoms])
    if union.geom_type not in ("Polygon", "MultiPolygon"):
        raise DataError("error.area_not_polygon", name=Path(path).name, kind=union.geom_type)
    return union
