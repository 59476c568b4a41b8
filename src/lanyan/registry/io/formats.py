"""What import and export share: file formats, CRS names, and the columns of each object type.

A file's columns are the Create schema's field names (``code``, ``jurisdiction_code``, ...);
imports also accept the zh-CN labels below as headers, and the zh-CN labels of enumeration
values (``市政消火栓`` for ``municipal_hydrant``), because that is how county staff write them.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import PurePath
from typing import Any

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import Crs
from lanyan.registry.choices import Choice
from lanyan.registry.types import ObjectType, get_type

CRS_COLUMN = "crs"


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    GEOJSON = "geojson"


MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.GEOJSON: "application/geo+json",
}
_EXTENSIONS = {".csv": Format.CSV, ".xlsx": Format.XLSX, ".geojson": Format.GEOJSON}
_EXTENSIONS[".json"] = Format.GEOJSON

# How each CRS is written into an exported file (the names Crs.parse reads back).
CRS_NAMES = {Crs.WGS84: "WGS84", Crs.CGCS2000: "CGCS2000", Crs.GCJ02: "GCJ-02", Crs.BD09: "BD-09"}


def format_for(name: str, requested: str | None = None) -> Format:
    """The format asked for, or the one the file name's extension implies (``auto``)."""
    if requested and requested != "auto":
        try:
            return Format(requested.lower())
        except ValueError:
            rule = f"must be auto, csv, xlsx or geojson, not {requested!r}"
            raise _format_error("format", rule) from None
    suffix = PurePath(name).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    raise _format_error(
        "format",
        f"cannot tell the format of {name!r} from its extension; "
        "name it .csv, .xlsx or .geojson, or give the format",
    )


def parse_crs(text: str, field: str = CRS_COLUMN, row: int | None = None) -> Crs:
    """``Crs.parse`` plus the OGC URN spellings (``urn:ogc:def:crs:EPSG::4490``)."""
    key = text.strip()
    lowered = key.lower()
    if lowered.startswith("urn:ogc:def:crs:epsg:"):
        key = "EPSG:" + lowered.rsplit(":", 1)[-1]
    try:
        return Crs.parse(key)
    except ValueError as exc:
        problem = FieldProblem(field, str(exc), row)
        raise ValidationFailed("unknown coordinate system", [problem]) from None


def _format_error(field: str, rule: str) -> ValidationFailed:
    return ValidationFailed("the file cannot be read", [FieldProblem(field, rule)])


# zh-CN header labels accepted on import (the field name is always accepted too).
FIELD_LABELS: dict[str, str] = {
    "code": "编码",
    "name": "名称",
    "level": "级别",
    "parent_code": "上级区划代码",
    "area_km2": "面积（平方公里）",
    "boundary": "边界",
    "lon": "经度",
    "lat": "纬度",
    "jurisdiction_code": "行政区划代码",
    "year": "年份",
    "population": "人口",
    "is_assumed": "是否估计值",
    "source": "来源",
    "grid_code": "网格编码",
    "phone": "电话",
    "cert_number": "资质证书编号",
    "cert_level": "资质等级",
    "cert_valid_until": "资质有效期至",
    "category": "类别",
    "address": "地址",
    "aliases": "别名/曾用名",
    "responsible_person": "消防安全责任人",
    "responsible_phone": "责任人电话",
    "manager_person": "消防安全管理人",
    "manager_phone": "管理人电话",
    "employees": "职工人数",
    "unit_code": "单位代码",
    "height_m": "建筑高度（米）",
    "floors_above": "地上层数",
    "floors_below": "地下层数",
    "use": "使用性质",
    "fire_systems": "消防设施",
    "built_year": "建成年份",
    "station_class": "消防站类别",
    "local_class": "地方等级",
    "force_type": "队伍性质",
    "status": "状态",
    "planned_year": "规划年份",
    "opened_on": "投用日期",
    "plate": "车牌号",
    "vehicle_type": "车辆类型",
    "station_code": "消防站编码",
    "pump_flow_lps": "泵流量（升/秒）",
    "water_tank_l": "水罐容量（升）",
    "foam_tank_l": "泡沫罐容量（升）",
    "ladder_height_m": "举高高度（米）",
    "crew_seats": "乘员座位",
    "in_service_year": "列装年份",
    "count": "人数",
    "as_of": "统计日期",
    "kind": "种类",
    "pressure_mpa": "压力（兆帕）",
    "flow_lps": "流量（升/秒）",
    "capacity_m3": "容量（立方米）",
    "is_smart": "是否智能",
    "installed_year": "安装年份",
    "last_inspected_on": "最近检查日期",
    "geometry": "几何",
    "width_m": "宽度（米）",
    "clearance_m": "净高（米）",
    "is_marked": "是否标识",
    "protocol": "协议",
    "building_code": "建筑编码",
    "water_source_code": "水源编码",
    "installed_on": "安装日期",
    "road_class": "道路等级",
    "speed_kmh": "设计车速（公里/小时）",
    "oneway": "是否单行",
    CRS_COLUMN: "坐标系",
}


def _enum_of(annotation: Any) -> type[Choice] | None:
    """The Choice enum inside ``annotation`` (``X``, ``X | None``, ``list[X]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, Choice):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            found = _enum_of(arg)
            if found:
                return found
    return None


def _is_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and (
        str in typing.get_args(annotation)
    )


@dataclass(frozen=True)
class Columns:
    """The file columns of one object type and how to read their cells."""

    fields: tuple[str, ...]  # Create schema fields, in schema order
    headers: dict[str, str]  # lower-cased header text (field name or zh label) -> field
    enum_labels: dict[str, dict[str, str]]  # field -> {zh label: value}
    list_fields: frozenset[str]
    text_fields: frozenset[str]  # str fields: numbers from XLSX/GeoJSON are read as text
    crs_applies: bool  # the type has coordinates, so its files must declare a CRS


@cache
def columns(slug: str) -> Columns:
    ot = get_type(slug)
    fields = tuple(ot.create.model_fields)
    headers: dict[str, str] = {}
    enum_labels: dict[str, dict[str, str]] = {}
    lists, texts = set(), set()
    for name, info in ot.create.model_fields.items():
        headers[name.lower()] = name
        if name in FIELD_LABELS:
            headers[FIELD_LABELS[name].lower()] = name
        enum = _enum_of(info.annotation)
        if enum:
            enum_labels[name] = {m.zh: m.value for m in enum}
        if typing.get_origin(info.annotation) is list:
            lists.add(name)
        if _is_text(info.annotation):
            texts.add(name)
    crs_applies = ot.geometry is not None or "lon" in fields
    if crs_applies:
        headers[CRS_COLUMN] = CRS_COLUMN
        headers[FIELD_LABELS[CRS_COLUMN]] = CRS_COLUMN
    return Columns(fields, headers, enum_labels, frozenset(lists), frozenset(texts), crs_applies)


def export_fields(ot: ObjectType) -> list[str]:
    """The columns an export writes: every Create field, then ``crs`` where coordinates exist."""
    cols = columns(ot.slug)
    return [*cols.fields, CRS_COLUMN] if cols.crs_applies else list(cols.fields)
