"""Vehicle terminal tables: which terminal is on which registry vehicle, every stored position
(the track), each vehicle's latest position, and terminals not bound to any vehicle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped, UTCDateTime

# 64-bit ids on PostgreSQL (a fleet of 5,000 reporting every 10 s writes 43 million rows a
# day); SQLite's INTEGER PRIMARY KEY is 64-bit already and must stay INTEGER to be the rowid.
BigId = BigInteger().with_variant(Integer, "sqlite")


class VehicleTerminal(Timestamped, Base):
    """A terminal (车载终端) bound to a registry vehicle by its phone number (终端手机号,
    digits without leading zeros). ``auth_code`` is issued at registration (0x8100)."""

    __tablename__ = "vehicle_terminals"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), unique=True
    )
    auth_code: Mapped[str] = mapped_column(String(32), default="")
    revision: Mapped[int | None] = mapped_column(Integer)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_peer: Mapped[str] = mapped_column(String(64), default="")


class VehiclePosition(Base):
    """One stored position report. ``vehicle_id`` is None for a terminal bound to no vehicle
    (held as unbound: kept, not on the map). A retransmitted report (same phone and terminal
    time) is stored once."""

    __tablename__ = "vehicle_positions"
    __table_args__ = (
        UniqueConstraint("phone", "reported_at"),
        Index("ix_vehicle_positions_vehicle_time", "vehicle_id", "reported_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    altitude_m: Mapped[int] = mapped_column(Integer, default=0)
    speed_kmh: Mapped[float] = mapped_column(Float, default=0.0)
    heading: Mapped[int] = mapped_column(Integer, default=0)
    alarm: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[int] = mapped_column(BigInteger, default=0)
    mileage_km: Mapped[float | None] = mapped_column(Float)
    fuel_l: Mapped[float | None] = mapped_column(Float)
    signal: Mapped[int | None] = mapped_column(Integer)
    satellites: Mapped[int | None] = mapped_column(Integer)
    # All additional items as received: (id, length, value) bytes in hex, unknown ids included.
    extras: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(8), default="jt808")


class VehicleLive(Base):
    """The latest position of each vehicle (by terminal time), rewritten in the transaction
    that stores a newer one."""

    __tablename__ = "vehicle_live"

    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(String(20))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed_kmh: Mapped[float] = mapped_column(Float, default=0.0)
    heading: Mapped[int] = mapped_column(Integer, default=0)
    alarm: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[int] = mapped_column(BigInteger, default=0)


class QuarantinedTerminal(Base):
    """A terminal phone heard but bound to no vehicle (隔离区): its registration is refused
    (0x8100 result 4) and its positions are held as unbound until someone binds it."""

    __tablename__ = "vehicle_terminal_quarantine"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    last_peer: Mapped[str] = mapped_column(String(64), default="")
    last_message: Mapped[str] = mapped_column(String(8), default="")
