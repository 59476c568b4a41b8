"""Monitoring tables: received device events, the quarantine of unknown senders, and the
protocol addresses an operator has bound to registry devices."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped, UTCDateTime


def sqlite_time(value: datetime | None) -> str | None:
    """A ``UTCDateTime`` as SQLAlchemy stores it in SQLite (naive UTC, with microseconds), for
    the intake's driver-level statements."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Lanyan stores timezone-aware times")
        value = value.astimezone(UTC)
    # What isoformat(" ", "microseconds") writes, with the part up to the second made once
    # per second: the gateway converts a receive time per frame.
    second = _second_text(
        value.year, value.month, value.day, value.hour, value.minute, value.second
    )
    return f"{second}{value.microsecond:06d}"


@lru_cache(maxsize=64)
def _second_text(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}."


class MonitoringEvent(Base):
    """One frame received from a device, stored before the device gets its confirm (确认).

    A retransmission carries the same source, serial and application data, so the unique key
    stores it once. The serial alone is not enough: it restarts at 0 on every new connection
    (GB/T 26875.3 Table 1), and two different alarms with the same serial must both be kept.
    """

    __tablename__ = "monitoring_events"
    __table_args__ = (UniqueConstraint("protocol", "source", "serial", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol: Mapped[str] = mapped_column(String(16))
    # Address as sent, hex. Queried by (protocol, source): the unique key's prefix.
    source: Mapped[str] = mapped_column(String(32))
    serial: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(32))  # BLAKE2b-128 of the application data
    command: Mapped[int] = mapped_column(Integer)
    type_flag: Mapped[int | None] = mapped_column(Integer)
    # Receive time is authoritative; the device clock is kept for audit (reference §13 D4).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    device_time_raw: Mapped[str] = mapped_column(String(12))
    peer: Mapped[str] = mapped_column(String(64), default="")
    frame: Mapped[str] = mapped_column(Text)  # the whole frame, hex; or an MQTT payload
    # The decoded view. NULL for a GB/T 26875.3 frame: its view is a pure function of
    # ``frame``, decoded on demand (``monitoring.ingest.decoded_view``), so a heartbeat row
    # costs a third of the bytes. MQTT messages keep their normalised payload here.
    decoded: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # No secondary indexes beyond the unique key and the receive time: each one costs a dirty
    # page per stored frame, and nothing reads events by these (alarms carry their own).
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"))
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False)


class QuarantinedSender(Timestamped, Base):
    """A source address not bound to any registry device (隔离区): an operator accepts it by
    binding it to a device, or rejects it. Its events are stored meanwhile, marked quarantined."""

    __tablename__ = "monitoring_quarantine"
    __table_args__ = (UniqueConstraint("protocol", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    frames: Mapped[int] = mapped_column(Integer, default=0)
    last_peer: Mapped[str] = mapped_column(String(64), default="")
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    decided_by: Mapped[str | None] = mapped_column(String(64))


class DeviceAddress(Timestamped, Base):
    """A protocol address bound to a registry device (e.g. a UITD's 6-byte GB/T 26875.3 source
    address, hex). A device whose ``code`` equals its address needs no binding."""

    __tablename__ = "monitoring_device_addresses"
    __table_args__ = (UniqueConstraint("protocol", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)


class MonitoringAlarm(Timestamped, Base):
    """An alarm record (报警记录) raised from device signals, tied to the device's unit, building
    and place. While one is active, repeats of the same kind at the same point only count up."""

    __tablename__ = "monitoring_alarms"
    # The live feed reads changes by ``updated_at`` (see ``monitoring.live``); a repeat finds the
    # open alarm at its point by (source, kind, point), many per batch.
    __table_args__ = (
        Index("ix_monitoring_alarms_updated_at", "updated_at"),
        Index("ix_monitoring_alarms_point", "source", "kind", "point"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_events.id"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    point: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    # The device reported bit 0 clear (test) with this alarm: raised anyway, marked for review.
    test_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    # The sender is not (yet) a registry device: shown, but flagged as unverified.
    unverified: Mapped[bool] = mapped_column(Boolean, default=False)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    repeats: Mapped[int] = mapped_column(Integer, default=1)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The device's last reset (复位) while this alarm was open. A fact, not a decision: a
    # reset never closes a fire alarm no operator has handled (see ``alarms.OpenAlarms.reset``).
    reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Operator handling (人工确认 / 误报) and escalation of an unhandled fire alarm (超时升级).
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The operator's words when confirming, acknowledging or marking false (处置说明).
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # 现场确认 by the unit's control-room operator (fire / false / test): shown to the centre,
    # never a close (see ``alarm_machine``).
    site_verdict: Mapped[str | None] = mapped_column(String(8))
    site_by: Mapped[str | None] = mapped_column(String(64))
    site_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    site_note: Mapped[str] = mapped_column(String(500), default="", server_default="")


class DeviceHealth(Base):
    """Last heartbeat of a device and whether it is online (在线) now."""

    __tablename__ = "monitoring_device_health"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    online: Mapped[bool] = mapped_column(Boolean, default=True, index=True)


class OutboxEvent(Base):
    """A domain event written in the transaction that caused it (transactional outbox), for
    other domains to consume: the 119 side turns ``fire_confirmed`` into an incident."""

    __tablename__ = "monitoring_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class HeartbeatDay(Base):
    """What is left of a sender's running-state reports (运行状态, GB/T 26875.3 type 21) of one
    local day once their frames are older than the retention period: how many came, the first
    and the last (see ``monitoring.retention``). The frames that raised an alarm are kept."""

    __tablename__ = "monitoring_heartbeat_days"
    __table_args__ = (UniqueConstraint("protocol", "source", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date, index=True)  # Asia/Shanghai calendar day
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    frames: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)


class DutyHandover(Base):
    """消控室交接班: one control-room shift handed over at a unit, and who accepted it."""

    __tablename__ = "monitoring_duty_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    handed_by: Mapped[str] = mapped_column(String(64))
    accepted_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")


class DutyOperator(Base):
    """值班人员名册: a control-room operator on a unit's duty roster, with their certificate
    (消防设施操作员证书) number and expiry date."""

    __tablename__ = "monitoring_duty_operators"
    __table_args__ = (
        UniqueConstraint("unit_id", "username", name="uq_monitoring_duty_operators_unit_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    certificate_no: Mapped[str] = mapped_column(String(64))
    certificate_expires: Mapped[date] = mapped_column(Date)


class DutyShift(Base):
    """值班班次: one control-room shift at a unit, staffed by two certified operators.
    ``slots``: how many two-hour duty-log slots it spans (``duty.shift_slots``)."""

    __tablename__ = "monitoring_duty_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    operator_1: Mapped[str] = mapped_column(String(64))
    operator_2: Mapped[str] = mapped_column(String(64))
    slots: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))


class DutyLogEntry(Base):
    """值班记录: the panel's state written by the operator on duty, every two hours.
    ``slot``: the two-hour slot of ``at`` (``duty.log_slot``), counted in SQL for compliance."""

    __tablename__ = "monitoring_duty_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    slot: Mapped[int] = mapped_column(Integer)
    panel_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DutyCheckRound(Base):
    """查岗 round: the centre checks one unit or a random sample (``seed`` drawn from
    ``secrets``, kept so the sample can be re-drawn and verified)."""

    __tablename__ = "monitoring_duty_check_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answer_within_minutes: Mapped[int] = mapped_column(Integer)
    sample_size: Mapped[int | None] = mapped_column(Integer)  # None: one named unit
    seed: Mapped[str | None] = mapped_column(String(64))
    units: Mapped[int] = mapped_column(Integer)


class DutyCheck(Base):
    """One 查岗 of one unit in a round: its deadline and how it was answered."""

    __tablename__ = "monitoring_duty_checks"
    __table_args__ = (
        Index("ix_monitoring_duty_checks_state_missed", "state", "missed_at"),
        Index("ix_monitoring_duty_checks_unit_sent", "unit_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("monitoring_duty_check_rounds.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    missed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the missed line
    state: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    # GB/T 26875.3 type 91 sent down a connected device's link (None: not sent to a device).
    device_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_via: Mapped[str | None] = mapped_column(String(8))  # "page" or "device"


class RepairWorkOrder(Timestamped, Base):
    """A repair work order (维修工单) opened by a person from a fault alarm; done, it closes the
    alarm; the alarm closed otherwise closes it (see ``work_orders``). One per alarm. An order
    opened from a monthly maintenance record's 异常 item has no alarm and says what to repair
    in ``title``."""

    __tablename__ = "monitoring_work_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    alarm_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_alarms.id"), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    repairer: Mapped[str] = mapped_column(String(64), default="", server_default="")
    work_done: Mapped[str] = mapped_column(String(500), default="", server_default="")
    done_by: Mapped[str | None] = mapped_column(String(64))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MaintenanceContract(Timestamped, Base):
    """A maintenance contract (维保合同) between a unit and a maintenance company (a registry
    ``MaintenanceCompany``): its period and the checklist systems it covers (``maintenance``)."""

    __tablename__ = "monitoring_maintenance_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("maintenance_companies.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date, index=True)
    systems: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))


class MaintenanceRecord(Timestamped, Base):
    """A monthly maintenance record (月度维护保养记录) of one system of a unit; its items are
    ``MaintenanceRecordItem`` rows. One per unit, month and system."""

    __tablename__ = "monitoring_maintenance_records"
    __table_args__ = (UniqueConstraint("unit_id", "month", "system"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_companies.id"))
    month: Mapped[date] = mapped_column(Date, index=True)  # the month's first day
    system: Mapped[str] = mapped_column(String(32))
    abnormal: Mapped[int] = mapped_column(Integer, default=0)  # how many 异常 items
    recorded_by: Mapped[str] = mapped_column(String(64))


class MaintenanceRecordItem(Base):
    """One checklist item of a monthly record: 正常/异常/不适用 and a note; an 异常 item may
    have opened a repair work order."""

    __tablename__ = "monitoring_maintenance_record_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_maintenance_records.id"), index=True
    )
    item: Mapped[str] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_work_orders.id"))


class AnnualTestReport(Timestamped, Base):
    """The annual test report (年度检测报告) of a unit's fire systems: who tested, when, the
    conclusion and the report's PDF (stored by its SHA-256). One per unit and year."""

    __tablename__ = "monitoring_annual_test_reports"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("maintenance_companies.id"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    tested_on: Mapped[date] = mapped_column(Date)
    conclusion: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
