"""Tables of logistics (战勤保障): depots, the equipment catalogue, required quantities, items."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, CodedBase, Timestamped, UTCDateTime


class Depot(Timestamped, CodedBase):
    """An equipment depot (装备仓库 / 战勤保障库)."""

    __tablename__ = "logistics_depots"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(255), default="")
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)


class EquipmentKind(Timestamped, Base):
    """A catalogue entry (装备目录): one kind of equipment and its inspection/maintenance cycles."""

    __tablename__ = "logistics_equipment_kinds"
    __table_args__ = (
        CheckConstraint(
            "inspection_days IS NULL OR inspection_days > 0", name="inspection_days_positive"
        ),
        CheckConstraint(
            "maintenance_days IS NULL OR maintenance_days > 0", name="maintenance_days_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(24), index=True)
    unit_name: Mapped[str] = mapped_column(String(10), default="件")  # 计量单位: 件, 套, 台
    inspection_days: Mapped[int | None] = mapped_column(Integer)  # 检查周期 (days)
    maintenance_days: Mapped[int | None] = mapped_column(Integer)  # 维护保养周期 (days)


class Requirement(Timestamped, Base):
    """How many items of a kind a station must hold (配备标准), the base of the backup rate."""

    __tablename__ = "logistics_requirements"
    __table_args__ = (
        UniqueConstraint("station_id", "kind_id", name="uq_logistics_requirements_station_kind"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("logistics_equipment_kinds.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)


class Item(Timestamped, Base):
    """One piece of equipment with its label code, RFID tag, state and place.

    ``jurisdiction_id`` follows the place (the depot's, station's or vehicle's), so an item is
    seen by the users of wherever it is kept.
    """

    __tablename__ = "logistics_items"
    __table_args__ = (
        UniqueConstraint("tag_epc", name="uq_logistics_items_tag_epc"),
        # Exactly the reference the location kind names is set.
        CheckConstraint(
            "(location_kind = 'depot' AND depot_id IS NOT NULL AND station_id IS NULL "
            "AND vehicle_id IS NULL) OR (location_kind = 'station' AND station_id IS NOT NULL "
            "AND depot_id IS NULL AND vehicle_id IS NULL) OR (location_kind = 'vehicle' "
            "AND vehicle_id IS NOT NULL AND depot_id IS NULL AND station_id IS NOT NULL)",
            name="location_consistent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 装备编号, printed on the label
    kind_id: Mapped[int] = mapped_column(ForeignKey("logistics_equipment_kinds.id"), index=True)
    tag_epc: Mapped[str | None] = mapped_column(String(64))  # RFID EPC (hex)
    serial: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), index=True)
    location_kind: Mapped[str] = mapped_column(String(10))
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("logistics_depots.id"), index=True)
    # A vehicle's items also carry the vehicle's station, so a station's holdings are one lookup.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    purchased_on: Mapped[date | None] = mapped_column(Date)
    last_inspected_on: Mapped[date | None] = mapped_column(Date)
    inspection_due: Mapped[date | None] = mapped_column(Date, index=True)
    maintenance_due: Mapped[date | None] = mapped_column(Date, index=True)


class ItemEvent(Base):
    """One step of an item's history (履历): the action, the states and the place it went to."""

    __tablename__ = "logistics_item_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("logistics_items.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(100), default="")  # e.g. "station:S-1"
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(255), default="")
    recorded_by: Mapped[str] = mapped_column(String(100))


# --- consumable supplies and 战勤保障模块 ------------------------------------------------------


class SupplyKind(Timestamped, Base):
    """A consumable in the supplies catalogue (物资目录): counted by quantity, with a shelf life."""

    __tablename__ = "logistics_supply_kinds"
    __table_args__ = (
        CheckConstraint(
            "shelf_life_days IS NULL OR shelf_life_days > 0", name="shelf_life_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(24), index=True)
    unit_name: Mapped[str] = mapped_column(String(10))  # 计量单位: 吨, 升, 箱, 件
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)  # 保质期 (days)


class SupplyLot(Timestamped, Base):
    """One batch (批次) of a consumable in a depot, with what is left of it and its expiry."""

    __tablename__ = "logistics_supply_lots"
    __table_args__ = (
        UniqueConstraint("depot_id", "kind_id", "lot", name="uq_logistics_supply_lots_lot"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("logistics_supply_kinds.id"), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("logistics_depots.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    lot: Mapped[str] = mapped_column(String(40))  # 批号
    quantity: Mapped[float] = mapped_column(Float)
    received_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)


class SupplyMovement(Base):
    """One line of the stock ledger (出入库台账): a lot's quantity change and why."""

    __tablename__ = "logistics_supply_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("logistics_supply_lots.id"), index=True)
    delta: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(16))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("response_incidents.id"), index=True)
    module_dispatch_id: Mapped[int | None] = mapped_column(
        ForeignKey("logistics_module_dispatches.id"), index=True
    )
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(255), default="")
    recorded_by: Mapped[str] = mapped_column(String(100))


class SupportModule(Timestamped, Base):
    """A 战勤保障模块: a packed set of supplies and equipment kept in a depot, sent as one."""

    __tablename__ = "logistics_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("logistics_depots.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)


class ModuleLine(Base):
    """What a module must hold (模块储备标准): a quantity of one supply or one equipment kind."""

    __tablename__ = "logistics_module_lines"
    __table_args__ = (
        CheckConstraint("(supply_kind_id IS NULL) <> (equipment_kind_id IS NULL)", name="one_kind"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("logistics_modules.id"), index=True)
    supply_kind_id: Mapped[int | None] = mapped_column(ForeignKey("logistics_supply_kinds.id"))
    equipment_kind_id: Mapped[int | None] = mapped_column(
        ForeignKey("logistics_equipment_kinds.id")
    )
    quantity: Mapped[float] = mapped_column(Float)


class ModuleDispatch(Base):
    """A module sent to an incident (一键调度) and, later, its return."""

    __tablename__ = "logistics_module_dispatches"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("logistics_modules.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("response_incidents.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_by: Mapped[str] = mapped_column(String(100))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shortfall: Mapped[str] = mapped_column(Text, default="")  # what the module lacked when sent
