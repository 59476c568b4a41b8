"""Import and export of every registry object type: CSV, XLSX and GeoJSON, in any of the
coordinate systems Chinese data comes in (stored as WGS84)."""

from lanyan.registry.io.exporter import Export, export_rows
from lanyan.registry.io.formats import CRS_NAMES, MEDIA_TYPES, Format, format_for, parse_crs
from lanyan.registry.io.importer import ImportResult, Progress, import_file

__all__ = [
    "CRS_NAMES",
    "MEDIA_TYPES",
    "Export",
    "Format",
    "ImportResult",
    "Progress",
    "export_rows",
    "format_for",
    "import_file",
    "parse_crs",
]
