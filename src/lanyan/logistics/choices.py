"""Enumerations of logistics (战勤保障): equipment categories, lifecycle states and actions."""

from __future__ import annotations

from lanyan.registry.choices import Choice


class EquipmentCategory(Choice):
    """装备类别 of a catalogue entry."""

    PROTECTIVE_GEAR = ("protective_gear", "防护装备", "Protective gear", "#1f77b4")
    FIREFIGHTING = ("firefighting", "灭火装备", "Firefighting", "#d62728")
    RESCUE = ("rescue", "抢险救援装备", "Rescue", "#ff7f0e")
    DETECTION = ("detection", "侦检装备", "Detection", "#9467bd")
    COMMUNICATION = ("communication", "通信装备", "Communication", "#17becf")
    MEDICAL = ("medical", "医疗救护装备", "Medical", "#2ca02c")
    SUPPORT = ("support", "战勤保障装备", "Logistics support", "#8c564b")
    OTHER = ("other", "其他", "Other", "#7f7f7f")


class ItemState(Choice):
    """Where an item is in its life (全生命周期), in the order it normally passes them."""

    PURCHASED = ("purchased", "采购", "Purchased", "#9467bd")
    STOCKED = ("stocked", "入库", "In stock", "#1f77b4")
    ISSUED = ("issued", "配发", "Issued", "#17becf")
    IN_USE = ("in_use", "在用", "In use", "#2ca02c")
    REPAIR = ("repair", "维修", "Under repair", "#ff7f0e")
    SCRAPPED = ("scrapped", "报废", "Scrapped", "#7f7f7f")


class ItemAction(Choice):
    """What can be done to an item; the lifecycle table says from which states."""

    PURCHASE = ("purchase", "采购", "Purchase")  # creates the item; never a move
    STOCK = ("stock", "入库", "Put into stock")
    ISSUE = ("issue", "配发", "Issue to a station or vehicle")
    COMMISSION = ("commission", "启用", "Put into use")
    INSPECT = ("inspect", "检查", "Record an inspection")
    SEND_TO_REPAIR = ("send_to_repair", "送修", "Send to repair")
    RETURN_FROM_REPAIR = ("return_from_repair", "修复", "Back from repair")
    WITHDRAW = ("withdraw", "退库", "Withdraw to a depot")
    SCRAP = ("scrap", "报废", "Scrap")


class LocationKind(Choice):
    """存放位置: a depot (仓库), a station (消防站) or a vehicle (车辆)."""

    DEPOT = ("depot", "仓库", "Depot")
    STATION = ("station", "消防站", "Station")
    VEHICLE = ("vehicle", "车辆", "Vehicle")


class SupplyCategory(Choice):
    """物资类别 of a consumable supply (消耗性物资): what is counted by quantity, not by piece."""

    EXTINGUISHING_AGENT = ("extinguishing_agent", "灭火药剂", "Extinguishing agent", "#d62728")
    FUEL = ("fuel", "油料", "Fuel", "#8c564b")
    FOOD_WATER = ("food_water", "食品饮用水", "Food and drinking water", "#2ca02c")
    MEDICAL = ("medical", "医疗药品", "Medical supplies", "#17becf")
    BATTERY = ("battery", "电池", "Batteries", "#9467bd")
    PROTECTIVE = ("protective", "防护耗材", "Protective consumables", "#1f77b4")
    OTHER = ("other", "其他", "Other", "#7f7f7f")


class StockReason(Choice):
    """Why a lot's quantity changed (出入库事由)."""

    RECEIVE = ("receive", "入库", "Received")
    INCIDENT = ("incident", "灭火救援出库", "Issued to an incident")
    TRAINING = ("training", "训练演练出库", "Issued to training or a drill")
    EXPIRED = ("expired", "过期处置", "Disposed of as expired")
    COUNT = ("count", "盘点调整", "Stock-count adjustment")
    RETURN = ("return", "归还入库", "Returned unused")


class ModuleKind(Choice):
    """The eight 战勤保障模块 kinds of Lianzhou's plan (L498: 建筑火灾、石化火灾、森林火灾、地质灾害、
    山岳救助、水域救援、指挥部、生活保障)."""

    BUILDING_FIRE = ("building_fire", "建筑火灾", "Building fire", "#d62728")
    PETROCHEMICAL_FIRE = ("petrochemical_fire", "石化火灾", "Petrochemical fire", "#ff7f0e")
    FOREST_FIRE = ("forest_fire", "森林火灾", "Forest fire", "#2ca02c")
    GEOLOGICAL = ("geological", "地质灾害", "Geological disaster", "#8c564b")
    MOUNTAIN_RESCUE = ("mountain_rescue", "山岳救助", "Mountain rescue", "#9467bd")
    WATER_RESCUE = ("water_rescue", "水域救援", "Water rescue", "#1f77b4")
    COMMAND_POST = ("command_post", "指挥部", "Command post", "#17becf")
    LIFE_SUPPORT = ("life_support", "生活保障", "Life support", "#bcbd22")


class ModuleState(Choice):
    """Readiness of a 战勤保障模块."""

    READY = ("ready", "备勤", "Ready", "#2ca02c")
    DISPATCHED = ("dispatched", "已调派", "Dispatched", "#d62728")
    REPLENISHING = ("replenishing", "补充中", "Replenishing", "#ff7f0e")
