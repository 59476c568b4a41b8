"""Tables of command and rescue: incidents (警情), their timeline, and vehicle dispatches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped, UTCDateTime


class Incident(Timestamped, Base):
    """A 119 call record (接警记录) and the incident it opened."""

    __tablename__ = "response_incidents"
    __table_args__ = (
        CheckConstraint("alarm_level BETWEEN 1 AND 5", name="alarm_level_range"),
        # A map point has both coordinates or neither.
        CheckConstraint("(lon IS NULL) = (lat IS NULL)", name="point_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 警情编号
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    incident_type: Mapped[str] = mapped_column(String(24), index=True)
    source: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), index=True)
    alarm_level: Mapped[int] = mapped_column(Integer, default=1)
    building_class: Mapped[str | None] = mapped_column(String(24))
    caller_name: Mapped[str] = mapped_column(String(50), default="")
    caller_phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    # The confirmed IoT fire alarm that opened the incident; unique: one incident per alarm.
    alarm_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_alarms.id"), unique=True, index=False
    )
    floor: Mapped[int | None] = mapped_column(Integer)  # 楼层 of the fire; negative: underground
    cancel_reason: Mapped[str | None] = mapped_column(String(16))  # CancelReason when 已撤销
    cancel_note: Mapped[str] = mapped_column(String(255), default="")
    # The incident this duplicate was merged into (已合并); its calls moved there.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("response_incidents.id"), index=True
    )


class IncidentCall(Base):
    """One report of an incident (报警): the call that opened it, a further call or an IoT fire
    alarm (多次报警). The incident's 接警 time is the earliest ``at`` of its calls."""

    __tablename__ = "response_incident_calls"
    __table_args__ = (
        CheckConstraint("kind IN ('call', 'alarm')", name="kind_known"),
        CheckConstraint("(kind = 'alarm') = (alarm_id IS NOT NULL)", name="alarm_has_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("response_incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    caller_name: Mapped[str] = mapped_column(String(50), default="")
    caller_phone: Mapped[str] = mapped_column(String(20), default="")
    # An alarm reports one incident at most: the database's guard behind attach-or-open.
    alarm_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_alarms.id"), unique=True)
    note: Mapped[str] = mapped_column(String(255), default="")
    recorded_by: Mapped[str] = mapped_column(String(100))


class IncidentEvent(Base):
    """One time-stamped step of an incident's timeline (接警, 出动, 到场 …)."""

    __tablename__ = "response_incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("response_incidents.id"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(255), default="")
    recorded_by: Mapped[str] = mapped_column(String(100))


class Dispatch(Base):
    """A vehicle committed to an incident; ``released_at`` is set when it returns (归队)."""

    __tablename__ = "response_dispatches"
    __table_args__ = (
        # The database's own guard behind the conditional status update: a vehicle is on at
        # most one unreleased dispatch.
        Index(
            "uq_response_dispatches_active_vehicle",
            "vehicle_id",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("response_incidents.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    capability: Mapped[str] = mapped_column(String(32), default="")
    eta_s: Mapped[float | None] = mapped_column(Float)  # road ETA when committed (seconds)
    is_reinforcement: Mapped[bool] = mapped_column(Boolean, default=False)  # 跨区增援
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_by: Mapped[str] = mapped_column(String(100))
    # 签收: when the station acknowledged the turnout order (出动指令); the first time is kept.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    # The vehicle's own status on this dispatch (response.choices.CrewStatus), reported from the
    # crew terminal (移动作战终端), and the time of each move (None: not reported or skipped).
    crew_status: Mapped[str] = mapped_column(
        String(16), default="assigned", server_default="assigned"
    )
    turned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 出动
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 途中
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 到场
    water_on_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 出水
    controlled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 控制
    returning_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 返回
    back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 归队


class PrePlan(Timestamped, Base):
    """A digital pre-plan (数字化预案) of a unit, optionally for one of its buildings.

    Building height, floors and use come from the registry building; what the registry does not
    hold (structure, occupants, key parts, hazards, fire facilities, tactics, contacts) is kept
    here. ``revision`` counts edits; an edit must name the revision it started from, so two
    commanders editing at once cannot overwrite each other unseen.
    """

    __tablename__ = "response_preplans"
    __table_args__ = (
        CheckConstraint("revision >= 1", name="revision_positive"),
        UniqueConstraint("unit_id", "building_id", name="uq_response_preplans_unit_building"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 预案编号
    title: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    structure: Mapped[str] = mapped_column(String(50), default="")  # 结构类型
    occupants_day: Mapped[int | None] = mapped_column(Integer)  # 白天在场人数
    occupants_night: Mapped[int | None] = mapped_column(Integer)  # 夜间在场人数
    key_parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # 重点部位
    hazardous_materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sprinklers: Mapped[str] = mapped_column(Text, default="")  # 自动喷水灭火系统
    hydrant_system: Mapped[str] = mapped_column(Text, default="")  # 室内外消火栓系统
    pump_room: Mapped[str] = mapped_column(Text, default="")  # 消防水泵房
    control_room: Mapped[str] = mapped_column(Text, default="")  # 消防控制室
    other_facilities: Mapped[str] = mapped_column(Text, default="")
    attack_notes: Mapped[str] = mapped_column(Text, default="")  # 灭火进攻要点
    evacuation_notes: Mapped[str] = mapped_column(Text, default="")  # 疏散救人要点
    forces: Mapped[str] = mapped_column(Text, default="")  # 调派力量
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class PrePlanAttachment(Base):
    """An image attached to a pre-plan (floor plan 平面图, site photo), stored in the database so
    that backups and the offline intranet carry it."""

    __tablename__ = "response_preplan_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    preplan_id: Mapped[int] = mapped_column(ForeignKey("response_preplans.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    caption: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Reinforcement(Timestamped, Base):
    """A cross-jurisdiction reinforcement request (跨区增援请求) for named vehicles.

    ``target_jurisdiction_id`` is the county (县/区) the requested vehicles belong to; a request
    names vehicles of one county only, so one commander there can answer it.
    """

    __tablename__ = "response_reinforcements"
    __table_args__ = (
        CheckConstraint(
            "state IN ('pending', 'approved', 'refused', 'cancelled', 'dispatched')",
            name="state_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 增援请求编号
    incident_id: Mapped[int] = mapped_column(ForeignKey("response_incidents.id"), index=True)
    target_jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    note: Mapped[str] = mapped_column(String(255), default="")
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(255), default="")
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReinforcementVehicle(Base):
    """One vehicle named by a reinforcement request; ``dispatched_at`` once it was committed."""

    __tablename__ = "response_reinforcement_vehicles"
    __table_args__ = (
        UniqueConstraint(
            "reinforcement_id", "vehicle_id", name="uq_response_reinforcement_vehicles_vehicle"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reinforcement_id: Mapped[int] = mapped_column(
        ForeignKey("response_reinforcements.id"), index=True
    )
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    capability: Mapped[str] = mapped_column(String(32), default="")
    eta_s: Mapped[float | None] = mapped_column(Float)  # road ETA shown when requested (seconds)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReinforcementEventRow(Base):
    """One step of a reinforcement request's history, written from a domain event."""

    __tablename__ = "response_reinforcement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    reinforcement_id: Mapped[int] = mapped_column(
        ForeignKey("response_reinforcements.id"), index=True
    )
    event: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
