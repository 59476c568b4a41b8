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
