"""Enumerations of the registry: stable lowercase values, zh-CN and English labels, map colours."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self


class Choice(StrEnum):
    """A string enum whose members carry ``zh``, ``en`` and an optional map ``color``."""

    zh: str
    en: str
    color: str | None

    if TYPE_CHECKING:
        # What a caller sees: a member looked up by its value, `ItemState("stocked")`. mypy would
        # otherwise demand the labels too, taking the member-building signature below for the
        # look-up's (python/mypy#10573).
        def __new__(cls, value: str) -> Self: ...

    else:

        def __new__(cls, value: str, zh: str, en: str, color: str | None = None) -> Choice:
            obj = str.__new__(cls, value)
            obj._value_ = value
            obj.zh = zh
            obj.en = en
            obj.color = color
            return obj

    def __str__(self) -> str:
        return self.value

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """Every member as a dict, for the UI legend and ``/api/choices``."""
        return [{"value": m.value, "zh": m.zh, "en": m.en, "color": m.color} for m in cls]


class JurisdictionLevel(Choice):
    PROVINCE = ("province", "省", "Province")
    CITY = ("city", "市", "City")
    COUNTY = ("county", "县（区）", "County / district")
    TOWN = ("town", "乡镇（街道）", "Town / subdistrict")
    VILLAGE = ("village", "村（社区）", "Village / community")


LEVEL_ORDER = [m.value for m in JurisdictionLevel]


class UnitCategory(Choice):
    KEY = ("key", "重点单位", "Key fire-safety unit", "#d62728")
    HIGH_RISK = ("high_risk", "火灾高危单位", "High fire-risk unit", "#8c1aff")
    CROWDED = ("crowded", "人员密集场所", "Crowded place", "#ff7f0e")
    NINE_SMALL = ("nine_small", "九小场所", "Small premises (九小)", "#bcbd22")
    THREE_IN_ONE = ("three_in_one", "三合一场所", "Live-work-store premises", "#e377c2")
    GENERAL = ("general", "一般单位", "General unit", "#7f7f7f")


class BuildingUse(Choice):
    RESIDENTIAL = ("residential", "住宅", "Residential")
    PUBLIC = ("public", "公共建筑", "Public building")
    COMMERCIAL = ("commercial", "商业", "Commercial")
    INDUSTRIAL = ("industrial", "厂房", "Industrial")
    WAREHOUSE = ("warehouse", "仓库", "Warehouse")
    MIXED = ("mixed", "综合", "Mixed use")
    OTHER = ("other", "其他", "Other")


class FireSystem(Choice):
    AUTOMATIC_ALARM = ("automatic_alarm", "火灾自动报警系统", "Automatic fire alarm")
    SPRINKLER = ("sprinkler", "自动喷水灭火系统", "Sprinklers")
    INDOOR_HYDRANT = ("indoor_hydrant", "室内消火栓系统", "Indoor hydrants")
    OUTDOOR_HYDRANT = ("outdoor_hydrant", "室外消火栓系统", "Outdoor hydrants")
    SMOKE_CONTROL = ("smoke_control", "防排烟系统", "Smoke control")
    GAS_EXTINGUISHING = ("gas_extinguishing", "气体灭火系统", "Gas extinguishing")
    EMERGENCY_LIGHTING = ("emergency_lighting", "应急照明和疏散指示", "Emergency lighting")
    CONTROL_ROOM = ("control_room", "消防控制室", "Fire control room")
    ELECTRICAL_MONITORING = ("electrical_monitoring", "电气火灾监控系统", "Electrical fire monitor")
    FIRE_DOORS = ("fire_doors", "防火门及卷帘", "Fire doors and shutters")


class CertificateLevel(Choice):
    """The grade on a fire technical service company's certificate (消防技术服务机构资质).
    Since the 2021 reform new certificates carry no grade (从业条件告知承诺): 不分级."""

    CLASS1 = ("class1", "一级", "Class 1")
    CLASS2 = ("class2", "二级", "Class 2")
    CLASS3 = ("class3", "三级", "Class 3")
    UNGRADED = ("ungraded", "不分级", "Ungraded")


class StationClass(Choice):
    """Station classes of 建标152-2017."""

    SPECIAL_SERVICE = ("special_service", "特勤消防站", "Special-service station", "#b30000")
    CLASS1 = ("class1", "一级普通消防站", "Class-1 standard station", "#e34a33")
    CLASS2 = ("class2", "二级普通消防站", "Class-2 standard station", "#fc8d59")
    SMALL = ("small", "小型普通消防站", "Small standard station", "#fdbb84")
    LOGISTICS = ("logistics", "战勤保障消防站", "Logistics support station", "#756bb1")
    WATER = ("water", "水上消防站", "Fire-boat station", "#3182bd")


class ForceType(Choice):
    NATIONAL = ("national", "国家综合性消防救援队伍", "National fire and rescue team")
    GOVERNMENT_FULLTIME = ("government_fulltime", "政府专职消防队", "Government full-time team")
    ENTERPRISE_FULLTIME = ("enterprise_fulltime", "企业专职消防队", "Enterprise full-time team")
    MICRO = ("micro", "微型消防站", "Micro fire station")
    VOLUNTEER = ("volunteer", "志愿消防队", "Volunteer team")


class StationStatus(Choice):
    EXISTING = ("existing", "现状", "Existing", "#d62728")
    UNDER_CONSTRUCTION = ("under_construction", "在建", "Under construction", "#ff7f0e")
    PLANNED = ("planned", "规划", "Planned", "#9467bd")


class VehicleType(Choice):
    WATER_TENDER = ("water_tender", "水罐消防车", "Water tender")
    FOAM_TENDER = ("foam_tender", "泡沫消防车", "Foam tender")
    CAFS = ("cafs", "压缩空气泡沫消防车", "Compressed-air foam tender")
    DRY_POWDER = ("dry_powder", "干粉消防车", "Dry-powder tender")
    PUMPER = ("pumper", "泵浦消防车", "Pumper")
    WATER_TOWER = ("water_tower", "举高喷射消防车", "Elevated water tower")
    AERIAL_PLATFORM = ("aerial_platform", "登高平台消防车", "Aerial platform")
    AERIAL_LADDER = ("aerial_ladder", "云梯消防车", "Aerial ladder")
    RESCUE = ("rescue", "抢险救援消防车", "Heavy rescue tender")
    SMOKE_EXTRACTION = ("smoke_extraction", "排烟消防车", "Smoke-extraction vehicle")
    LIGHTING = ("lighting", "照明消防车", "Lighting vehicle")
    HAZMAT = ("hazmat", "化学事故抢险救援消防车", "Hazmat rescue vehicle")
    DECONTAMINATION = ("decontamination", "防化洗消消防车", "Decontamination vehicle")
    CBRN = ("cbrn", "核生化侦检消防车", "CBRN reconnaissance vehicle")
    COMMAND = ("command", "通信指挥消防车", "Command vehicle")
    WATER_SUPPLY = ("water_supply", "供水消防车", "Water-supply tanker")
    FOAM_SUPPLY = ("foam_supply", "供液消防车", "Foam-supply tanker")
    AIR_SUPPLY = ("air_supply", "供气消防车", "Breathing-air supply")
    EQUIPMENT = ("equipment", "器材消防车", "Equipment carrier")
    LONG_DISTANCE_WATER = ("long_distance_water", "远程供水系统", "Long-distance water supply")
    ACCOMMODATION = ("accommodation", "宿营车", "Accommodation vehicle")
    KITCHEN = ("kitchen", "饮食保障车", "Field kitchen")
    MOTORCYCLE = ("motorcycle", "消防摩托车", "Fire motorcycle")


class VehicleStatus(Choice):
    AVAILABLE = ("available", "在库可用", "Available", "#2ca02c")
    DISPATCHED = ("dispatched", "出动中", "Dispatched", "#d62728")
    MAINTENANCE = ("maintenance", "维修保养", "Maintenance", "#ff7f0e")
    OUT_OF_SERVICE = ("out_of_service", "停用", "Out of service", "#7f7f7f")


class PersonnelCategory(Choice):
    NATIONAL = ("national", "国家综合性消防救援人员", "National firefighters")
    GOVERNMENT_FULLTIME = ("government_fulltime", "政府专职消防队员", "Government full-time")
    ENTERPRISE_FULLTIME = ("enterprise_fulltime", "企业专职消防队员", "Enterprise full-time")
    CLERK = ("clerk", "消防文员", "Fire clerks")
    DRIVER = ("driver", "消防车驾驶员", "Drivers")
    MICRO = ("micro", "微型消防站队员", "Micro-station members")
    VOLUNTEER = ("volunteer", "志愿消防队员", "Volunteers")


class WaterSourceKind(Choice):
    MUNICIPAL_HYDRANT = ("municipal_hydrant", "市政消火栓", "Municipal hydrant")
    WATER_CRANE = ("water_crane", "消防水鹤", "Water crane")
    FIRE_POOL = ("fire_pool", "消防水池", "Fire water pool")
    NATURAL_INTAKE = ("natural_intake", "天然水源取水点", "Natural water intake")


class WaterSourceStatus(Choice):
    INTACT = ("intact", "完好", "Intact", "#1a9850")
    DAMAGED = ("damaged", "损坏", "Damaged", "#fd8d3c")
    MISSING = ("missing", "缺失", "Missing", "#d73027")


class FireLaneStatus(Choice):
    CLEAR = ("clear", "畅通", "Clear", "#1a9850")
    OBSTRUCTED = ("obstructed", "占用堵塞", "Obstructed", "#d73027")
    SUBSTANDARD = ("substandard", "不达标", "Below standard", "#fd8d3c")


class LandmarkCategory(Choice):
    """What a landmark (地标) is: the names callers give instead of an address."""

    SQUARE = ("square", "广场", "Square", "#9467bd")
    PARK = ("park", "公园景区", "Park or scenic spot", "#2ca02c")
    TRANSPORT = ("transport", "交通站点", "Station, stop or port", "#1f77b4")
    BRIDGE = ("bridge", "桥梁", "Bridge", "#8c564b")
    MARKET = ("market", "商圈市场", "Market or shopping area", "#ff7f0e")
    PUBLIC = ("public", "公共机构", "Public institution", "#17becf")
    NEIGHBOURHOOD = ("neighbourhood", "小区村庄", "Residential estate or village", "#bcbd22")
    OTHER = ("other", "其他", "Other", "#7f7f7f")


class DeviceKind(Choice):
    USER_INFO_TRANSMISSION = ("user_info_transmission", "用户信息传输装置", "Transmission device")
    SMOKE_DETECTOR = ("smoke_detector", "独立式感烟探测器", "Standalone smoke detector")
    ELECTRICAL_MONITOR = ("electrical_monitor", "电气火灾监控探测器", "Electrical fire monitor")
    WATER_PRESSURE = ("water_pressure", "水压监测装置", "Water-pressure sensor")
    WATER_LEVEL = ("water_level", "水位监测装置", "Water-level sensor")
    SMART_HYDRANT = ("smart_hydrant", "智能消火栓终端", "Smart hydrant terminal")
    GAS_DETECTOR = ("gas_detector", "可燃气体探测器", "Combustible-gas detector")
    CAMERA = ("camera", "视频监控", "Camera")


class DeviceProtocol(Choice):
    GB26875 = ("gb26875", "GB/T 26875.3", "GB/T 26875.3")
    MQTT = ("mqtt", "MQTT", "MQTT")
    OTHER = ("other", "其他", "Other")


class DeviceStatus(Choice):
    REGISTERED = ("registered", "已登记", "Registered", "#7f7f7f")
    ONLINE = ("online", "在线", "Online", "#2ca02c")
    OFFLINE = ("offline", "离线", "Offline", "#ff7f0e")
    FAULT = ("fault", "故障", "Fault", "#d62728")
    DECOMMISSIONED = ("decommissioned", "停用", "Decommissioned", "#bbbbbb")


class RoadClass(Choice):
    """Road classes with the default free-flow speed (km/h) used by routing."""

    EXPRESSWAY = ("expressway", "高速公路", "Expressway", "#e8a33d")
    ARTERIAL = ("arterial", "主干路", "Arterial", "#f2c14e")
    SECONDARY = ("secondary", "次干路", "Secondary road", "#f7dc8c")
    LOCAL = ("local", "支路", "Local street", "#cccccc")
    RURAL = ("rural", "乡村道路", "Rural road", "#d9d2c5")


ROAD_DEFAULT_SPEED_KMH = {
    RoadClass.EXPRESSWAY: 100.0,
    RoadClass.ARTERIAL: 50.0,
    RoadClass.SECONDARY: 40.0,
    RoadClass.LOCAL: 25.0,
    RoadClass.RURAL: 30.0,
}
