"""API shapes of command and rescue: incident input and output, timeline steps, dispatch."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lanyan.core.errors import FieldProblem
from lanyan.response.choices import (
    BuildingClass,
    CallKind,
    CancelReason,
    CrewStatus,
    IncidentSource,
    IncidentStatus,
    IncidentType,
    ReinforcementState,
    TimelineStep,
)

PHONE = r"^[0-9+\-() ]{3,20}$"


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("must carry a time zone, e.g. 2025-03-01T10:00:00+08:00")
    return value


class IncidentCreate(BaseModel):
    """A 119 call as the call taker records it. Give an address, a map point, or both."""

    model_config = ConfigDict(extra="forbid")

    incident_type: IncidentType
    received_at: datetime | None = Field(None, description="when the call came in; default: now")
    source: IncidentSource = IncidentSource.PHONE
    alarm_level: int = Field(1, ge=1, le=5, description="火警等级 1–5")
    building_class: BuildingClass | None = Field(
        None, description="default: from the linked building, else 其他"
    )
    caller_name: str = Field("", max_length=50)
    caller_phone: str = Field("", max_length=20)
    address: str = Field("", max_length=255)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    summary: str = Field("", max_length=2000)
    unit_code: str | None = Field(None, description="统一社会信用代码 of the unit")
    building_code: str | None = None
    jurisdiction_code: str | None = Field(
        None, description="default: the jurisdiction of the linked building or unit"
    )

    @field_validator("received_at")
    @classmethod
    def _received_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    @field_validator("caller_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not re.match(PHONE, value):
            raise ValueError("must be a phone number: digits, +, -, spaces, brackets")
        return value

    def where_problems(self) -> list[FieldProblem]:
        """Cross-field rules on the place: a full map point, and an address or a point."""
        if (self.lon is None) != (self.lat is None):
            missing = "lat" if self.lat is None else "lon"
            return [FieldProblem(missing, "must be given together with lon/lat")]
        if self.lon is None and not self.address.strip() and not self.building_code:
            return [FieldProblem("address", "give an address, a map point or a building")]
        return []


class StepCreate(BaseModel):
    """A timeline step to record; ``at`` defaults to now."""

    model_config = ConfigDict(extra="forbid")

    step: TimelineStep
    at: datetime | None = None
    note: str = Field("", max_length=255)

    @field_validator("at")
    @classmethod
    def _at_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class IncidentEdit(BaseModel):
    """修改: the fields to change; those left out stay. A new building moves the point to it
    unless lon/lat are given too; ``building_code: ""`` unlinks the building."""

    model_config = ConfigDict(extra="forbid")

    incident_type: IncidentType | None = None
    address: str | None = Field(None, max_length=255)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    building_code: str | None = None
    building_class: BuildingClass | None = None
    floor: int | None = Field(None, ge=-20, le=200, description="楼层; negative underground")
    note: str = Field("", max_length=200, description="why, for the timeline")

    def problems(self) -> list[FieldProblem]:
        given = self.model_fields_set - {"note"}
        out = []
        if not given:
            out.append(FieldProblem("body", "must name at least one field to change"))
        if ("lon" in given) != ("lat" in given) or (self.lon is None) != (self.lat is None):
            out.append(FieldProblem("lat" if "lon" in given else "lon", "must go with lon/lat"))
        for name in ("incident_type", "address"):
            if name in given and getattr(self, name) is None:
                out.append(FieldProblem(name, "must not be null"))
        if self.floor == 0:
            out.append(
                FieldProblem("floor", "must not be 0: floors count 1, 2 … above, -1 … below")
            )
        return out


class CallCreate(BaseModel):
    """多次报警: a further call about an open incident; ``at`` defaults to now."""

    model_config = ConfigDict(extra="forbid")

    at: datetime | None = None
    caller_name: str = Field("", max_length=50)
    caller_phone: str = Field("", max_length=20)
    note: str = Field("", max_length=255)

    @field_validator("at")
    @classmethod
    def _at_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    @field_validator("caller_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not re.match(PHONE, value):
            raise ValueError("must be a phone number: digits, +, -, spaces, brackets")
        return value


class MergeRequest(BaseModel):
    """合并: this incident is a duplicate of ``into`` (a 警情编号); its calls go there."""

    model_config = ConfigDict(extra="forbid")

    into: str = Field(min_length=1, max_length=32, description="警情编号 of the incident kept")
    reason: str = Field(min_length=1, max_length=200)


class CancelRequest(BaseModel):
    """撤销: end an incident that had no dispatch, for a reason (误报, 重复, 已处置)."""

    model_config = ConfigDict(extra="forbid")

    reason: CancelReason
    note: str = Field("", max_length=200)


class LevelChange(BaseModel):
    """调整等级: the new alarm level (火警等级); the run card follows it."""

    model_config = ConfigDict(extra="forbid")

    level: int = Field(description="1 to the deployment's scale (5)")


class CallPublic(BaseModel):
    kind: CallKind
    at: datetime
    caller_name: str
    caller_phone: str
    alarm_id: int | None
    note: str
    recorded_by: str


class StepPublic(BaseModel):
    step: TimelineStep
    zh: str
    at: datetime
    note: str
    recorded_by: str


class DispatchPublic(BaseModel):
    vehicle_code: str
    station_code: str
    capability: str
    eta_s: float | None
    is_reinforcement: bool
    dispatched_at: datetime
    released_at: datetime | None


class IncidentPublic(BaseModel):
    id: int
    code: str
    incident_type: IncidentType
    source: IncidentSource
    status: IncidentStatus
    alarm_level: int
    building_class: BuildingClass
    received_at: datetime
    caller_name: str
    caller_phone: str
    address: str
    lon: float | None
    lat: float | None
    located: bool = Field(
        description="false: taken without a point (待定位); listed first until it is located"
    )
    summary: str
    unit_code: str | None
    building_code: str | None
    jurisdiction_code: str
    alarm_id: int | None = Field(None, description="the IoT fire alarm that opened it")
    floor: int | None = None
    cancel_reason: CancelReason | None = None
    cancel_note: str = ""
    merged_into_code: str | None = Field(None, description="the incident it was merged into")
    calls: list[CallPublic] = Field(description="every report (多次报警), earliest first")
    timeline: list[StepPublic]
    dispatches: list[DispatchPublic]


class DispatchCommit(BaseModel):
    """Vehicles to commit to an incident, by code, each with the capability it fills."""

    model_config = ConfigDict(extra="forbid")

    vehicles: list[DispatchChoice] = Field(min_length=1)
    at: datetime | None = None
    note: str = Field("", max_length=255)

    @field_validator("at")
    @classmethod
    def _at_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class DispatchChoice(BaseModel):
    """One vehicle of a dispatch; 跨区增援 is decided by the server from its jurisdiction."""

    model_config = ConfigDict(extra="forbid")

    vehicle_code: str
    capability: str = ""
    eta_s: float | None = Field(None, ge=0, description="road ETA shown when chosen (seconds)")


DispatchCommit.model_rebuild()


class ReinforcementCreate(BaseModel):
    """A request for vehicles outside your jurisdiction (跨区增援请求); one request is made per
    county the vehicles belong to."""

    model_config = ConfigDict(extra="forbid")

    vehicles: list[DispatchChoice] = Field(min_length=1, max_length=50)
    note: str = Field("", max_length=200, description="what the vehicles are needed for")


class ReinforcementAnswer(BaseModel):
    """An answer to a request: a note when approving, the reason when refusing or cancelling."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=200, description="required to refuse")


class ReinforcementVehiclePublic(BaseModel):
    vehicle_code: str
    vehicle_type: str
    station_code: str
    station_name: str
    jurisdiction_code: str
    status: str
    capability: str
    eta_s: float | None
    dispatched_at: datetime | None
    busy: str | None = Field(None, description="why the vehicle cannot go now (a refusal reason)")


class ReinforcementIncident(BaseModel):
    """The facts of the requesting incident the approver decides on."""

    id: int
    code: str
    incident_type: IncidentType
    incident_type_zh: str
    alarm_level: int
    address: str
    lon: float | None
    lat: float | None
    received_at: datetime
    summary: str
    status: IncidentStatus
    jurisdiction_code: str
    jurisdiction_name: str


class ReinforcementHistoryEntry(BaseModel):
    event: str
    from_state: str | None
    to_state: str
    at: datetime
    by: str
    detail: dict[str, object]


class ReinforcementPublic(BaseModel):
    id: int
    code: str
    state: ReinforcementState
    state_zh: str
    incident: ReinforcementIncident
    target_jurisdiction_code: str
    target_jurisdiction_name: str
    note: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str
    vehicles: list[ReinforcementVehiclePublic]
    can_decide: bool = Field(description="whether the caller may approve or refuse it")
    can_cancel: bool = Field(description="whether the caller may cancel it")
    history: list[ReinforcementHistoryEntry]


class TurnoutVehicle(BaseModel):
    code: str
    type: str
    capability: str


class TurnoutWater(BaseModel):
    code: str
    kind: str
    meters: int
    address: str


class TurnoutOrder(BaseModel):
    """The 出车单: one order (a commit's vehicles of one station) as its station receives it.
    ``eta_s``: road ETA (seconds), stored when committed or else the router's; ``road_m``: the
    router's road distance, ``distance_m`` the straight line station→incident (metres)."""

    id: int
    incident_id: int
    incident_code: str
    incident_type: str
    alarm_level: int
    address: str
    station_code: str
    station_name: str
    vehicles: list[TurnoutVehicle]
    eta_s: float | None
    eta_source: str | None  # "recommendation" (stored when committed) or "road" (the router)
    road_m: int | None
    distance_m: int | None
    water: list[TurnoutWater]
    preplan_id: int | None
    dispatched_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class UnacknowledgedOrder(BaseModel):
    id: int
    incident_id: int
    incident_code: str
    station_code: str
    station_name: str
    vehicle_code: str
    dispatched_at: datetime


class CrewMove(BaseModel):
    """One move of a vehicle on its dispatch, from the crew terminal (移动作战终端)."""

    model_config = ConfigDict(extra="forbid")

    status: CrewStatus = Field(description="出动, 途中, 到场, 出水, 控制, 返回 or 归队 (in order)")
    at: datetime | None = Field(None, description="when it happened; default: now")

    @field_validator("at")
    @classmethod
    def _at_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class CrewRoute(BaseModel):
    """The road route from where the vehicle is (its live position, else its station) to the
    incident (or, once 返回, to its station); seconds and metres by road, None when unrouted."""

    start: str  # "position" (live, not stale) or "station"
    to: str  # "incident" or "station"
    from_lon: float
    from_lat: float
    seconds: float | None
    meters: int | None
    path: list[list[float]]


class CrewDispatch(BaseModel):
    """The vehicle's current dispatch with its move times (None: not reported or skipped) and
    its response time (出动 → 到场, seconds)."""

    id: int
    incident_id: int
    incident_code: str
    incident_type: str
    incident_status: str
    alarm_level: int
    address: str
    lon: float | None
    lat: float | None
    dispatched_at: datetime
    acknowledged_at: datetime | None
    status: CrewStatus
    next: list[CrewStatus] = Field(description="the moves open now, in order")
    turned_out_at: datetime | None
    en_route_at: datetime | None
    arrived_at: datetime | None
    water_on_at: datetime | None
    controlled_at: datetime | None
    returning_at: datetime | None
    back_at: datetime | None
    response_s: float | None
    route: CrewRoute | None
    water: list[TurnoutWater]
    place: dict[str, Any] | None = Field(
        description="building, unit and pre-plan facts, as on the card"
    )
    preplan_id: int | None


class CrewAssignment(BaseModel):
    """What the crew terminal shows for one vehicle: its current dispatch, if any."""

    vehicle_code: str
    vehicle_type: str
    plate: str
    vehicle_status: str
    station_code: str
    station_name: str
    dispatch: CrewDispatch | None
