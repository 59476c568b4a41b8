"""Tables of logistics (战勤保障): depots, the equipment catalogue, required quantities, items."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped, UTCDateTime


class Depot(Timestamped, Base):
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
