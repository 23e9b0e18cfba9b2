"""gislib.io.exporter: write a layer to GPKG, zipped Shapefile, GeoJSON, KML, Excel or CSV in a chosen CRS.

Input is a GeoDataFrame in WGS84 (EPSG:4326) with schema field names, e.g. ``ImportReport.accepted``.
Output CRS: any EPSG code ("EPSG:4326", "EPSG:4490", "EPSG:4549" …), "gcj02" (Amap/Tencent) or
"bd09" (Baidu). Every export carries a ``coord_sys`` column naming the CRS of its coordinates,
because GCJ-02/BD-09 have no EPSG code and GIS files would otherwise claim WGS84; the importer
reads that column back. Excel/CSV use the schema's Chinese labels and 经度/纬度 (or 东坐标/北坐标).

CLI: ``python -m gislib export --layer outfalls --in FILE --out FILE.xx --crs gcj02``.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from gislib.geo import crs as crsmod
from gislib.errors import ExportError, HetuError, Phrase
from gislib.schemas import COORD_LABELS, PROVENANCE_LABELS, SCHEMAS
from gislib.safe_text import cell as safe_cell
from gislib.safe_text import plain as plain_text
from gislib.values import python_value

FORMATS = {".gpkg": "gpkg", ".zip": "shp", ".geojson": "geojson", ".json": "geojson", ".kml": "kml",
           ".xlsx": "xlsx", ".csv": "csv"}
COORD_SYS_FIELD = "coord_sys"
COORD_SYS_LABEL = "坐标系"


def _fmt_for(path: Path, fmt: str | None) -> str:
    if fmt:
        f = fmt.lower().lstrip(".")
        f = {"shapefile": "shp", "zip": "shp", "json": "geojson", "excel": "xlsx"}.get(f, f)
        if f not in set(FORMATS.values()):
            raise ExportError("error.export_format", fmt=fmt)
        return f
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError("error.export_suffix", suffix=suffix or Phrase("error.no_suffix"))
    return FORMATS[suffix]


def _plain(value: Any, keep_dates: bool) -> Any:
    """Cell value for writing: None for missing, ISO text for dates unless ``keep_dates``."""
    value = python_value(value)
    if isinstance(value, (date, datetime)) and not keep_dates:
        if isinstance(value, datetime):
            return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
        return value.isoformat()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def reproject(gdf, crs: str):
    """A copy of ``gdf`` (any CRS) with coordinates in ``crs`` (EPSG, gcj02 or bd09) plus ``coord_sys``."""
    import geopandas as gpd
    import shapely

    target = crsmod.normalize_crs(crs)
    if gdf.crs is None:
        raise ExportError("error.export_no_crs")
    out = gdf.to_crs(crsmod.WGS84) if gdf.crs.to_epsg() != 4326 else gdf.copy()
    if target in (crsmod.GCJ02, crsmod.BD09):
        geoms = np.asarray(out.geometry.values, dtype=object)
        moved = shapely.transform(geoms, lambda c: np.column_stack(crsmod.from_wgs84(c[:, 0], c[:, 1], target)))
        out = gpd.GeoDataFrame(out.drop(columns=out.geometry.name), geometry=list(moved), crs=crsmod.WGS84)
    elif target != crsmod.WGS84:
        out = out.to_crs(target)
    out[COORD_SYS_FIELD] = target
    return out


def export_layer(gdf, path: str | os.PathLike, fmt: str | None = None, crs: str = "EPSG:4326",
                 layer: str | None = None) -> Path:
    """Write ``gdf`` to ``path`` in ``crs``; format from ``fmt`` or the suffix. Returns the path.

    ``layer`` (outfalls/sections/plots/dust) gives Chinese headers for Excel/CSV and Shapefile column
    names; when None, it is guessed from the file name or left generic.
    """
    path = Path(path)
    kind = _fmt_for(path, fmt)
    schema = SCHEMAS.get(layer) if layer else None
    data = reproject(gdf, crs)
    target = crsmod.normalize_crs(crs)
    if not path.parent.exists():
        raise ExportError("error.export_no_dir", path=path.parent)
    try:
        if kind == "xlsx" or kind == "csv":
            _write_table(data, path, kind, schema, target)
        elif kind == "kml":
            _write_kml(data, path, schema, target)
        elif kind == "shp":
            _write_shapefile_zip(data, path, schema)
        else:
            _write_gdal(data, path, kind, layer or path.stem)
    except HetuError:
        raise
    except OSError as exc:
        raise ExportError("error.export_write", path=path, detail=exc) from exc
    except Exception as exc:  # GDAL/pyogrio raise several types
        raise ExportError("error.export_failed", name=path.name, detail=f"{type(exc).__name__}: {exc}") from exc
    return path


def _attribute_columns(data) -> list[str]:
    return [c for c in data.columns if c != data.geometry.name]


def _gdal_ready(data):
    """Attributes as plain text/number columns (dates → ISO text) for GDAL writers."""
    out = data.copy()
    for c in _attribute_columns(out):
        out[c] = [_plain(v, keep_dates=False) for v in out[c]]
        if all(v is None for v in out[c]):
            out[c] = out[c].astype(object)
    return out


def _write_gdal(data, path: Path, kind: str, layer_name: str) -> None:
    if path.exists():
        path.unlink()
    out = _gdal_ready(data)
    if kind == "gpkg":
        out.to_file(path, driver="GPKG", layer=layer_name, engine="pyogrio")
    else:
        out.to_file(path, driver="GeoJSON", engine="pyogrio")


def _write_shapefile_zip(data, path: Path, schema) -> None:
    types = set(data.geometry.geom_type.dropna()) - {None}
    families = {"Polygon" if t in ("Polygon", "MultiPolygon") else t for t in types}
    if len(families) > 1:
        raise ExportError("error.shp_mixed", types=sorted(types))
    out = _gdal_ready(data)
    renames = {f.name: f.shp_name for f in schema.fields} if schema else {}
    renames[COORD_SYS_FIELD] = COORD_SYS_FIELD
    out = out.rename(columns={c: renames.get(c, c[:10]) for c in _attribute_columns(out)})
    names = _attribute_columns(out)
    if len(set(names)) != len(names):
        raise ExportError("error.shp_names", names=names)
    stem = path.stem
    with tempfile.TemporaryDirectory(prefix="hetu_export_") as tmp:
        shp = Path(tmp) / f"{stem}.shp"
        out.to_file(shp, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        (Path(tmp) / f"{stem}.cpg").write_text("UTF-8", encoding="ascii")
        if path.exists():
            path.unlink()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(Path(tmp).iterdir()):
                zf.write(f, f.name)


def _headers(data, schema) -> list[tuple[str, str]]:
    """(column, header) pairs: Chinese labels for schema fields and provenance, names otherwise."""
    labels = dict(PROVENANCE_LABELS)
    labels[COORD_SYS_FIELD] = COORD_SYS_LABEL
    if schema:
        labels.update(schema.labels)
    return [(c, labels.get(c, c)) for c in _attribute_columns(data)]


def _write_table(data, path: Path, kind: str, schema, target: str) -> None:
    geographic = crsmod.is_geographic(target)
    xh, yh = ("经度", "纬度") if geographic else ("东坐标(X)", "北坐标(Y)")
    cols = _headers(data, schema)
    has_shapes = any(g is not None and g.geom_type != "Point" for g in data.geometry)
    header = [h for _c, h in cols] + [xh, yh] + ([COORD_LABELS["wkt"]] if has_shapes else [])
    rows = []
    digits = 7 if geographic else 3
    for i, geom in enumerate(data.geometry):
        row = [_plain(data[c].iloc[i], keep_dates=(kind == "xlsx")) for c, _h in cols]
        if geom is None or geom.is_empty:
            row += [None, None]
        else:
            p = geom if geom.geom_type == "Point" else geom.representative_point()
            row += [round(p.x, digits), round(p.y, digits)]
        if has_shapes:
            row.append(None if geom is None or geom.geom_type == "Point" else geom.wkt)
        rows.append([safe_cell(v) for v in row])
    header = [safe_cell(h) for h in header]
    if kind == "csv":
        import csv

        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = (schema.label if schema else "数据")[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "A2"
    wb.save(path)


def _kml_coords(coords) -> str:
    return " ".join(f"{x:.8f},{y:.8f}" for x, y, *_ in coords)


def _kml_geometry(geom) -> str:
    t = geom.geom_type
    if t == "Point":
        return f"<Point><coordinates>{geom.x:.8f},{geom.y:.8f}</coordinates></Point>"
    if t == "LineString":
        return f"<LineString><coordinates>{_kml_coords(geom.coords)}</coordinates></LineString>"
    if t == "Polygon":
        inner = "".join(f"<innerBoundaryIs><LinearRing><coordinates>{_kml_coords(r.coords)}</coordinates></LinearRing></innerBoundaryIs>"
                        for r in geom.interiors)
        return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_kml_coords(geom.exterior.coords)}"
                f"</coordinates></LinearRing></outerBoundaryIs>{inner}</Polygon>")
    return "<MultiGeometry>" + "".join(_kml_geometry(g) for g in geom.geoms) + "</MultiGeometry>"


def _write_kml(data, path: Path, schema, target: str) -> None:
    if not crsmod.is_geographic(target):
        raise ExportError("error.kml_crs", crs=target)
    cols = [c for c in _attribute_columns(data)]
    title = escape(schema.label if schema else path.stem)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<kml xmlns="http://www.opengis.net/kml/2.2">',
             f"<Document><name>{title}</name>"]
    for i, geom in enumerate(data.geometry):
        if geom is None or geom.is_empty:
            continue
        values = {c: _plain(data[c].iloc[i], keep_dates=False) for c in cols}
        name = values.get("name") or values.get("code") or f"{i + 1}"
        ext = "".join(f'<Data name="{_xml(c, attribute=True)}"><value>{_xml(v)}</value></Data>'
                      for c, v in values.items() if v is not None)
        parts.append(f"<Placemark><name>{_xml(name)}</name><ExtendedData>{ext}</ExtendedData>"
                     f"{_kml_geometry(geom)}</Placemark>")
    parts.append("</Document></kml>")
    path.write_text("\n".join(parts), encoding="utf-8")


def _xml(value: Any, attribute: bool = False) -> str:
    """Text for KML: XML-escaped (quotes too in attributes), without the control characters XML forbids."""
    text = escape(plain_text(value))
    return text.replace('"', "&quot;") if attribute else text
