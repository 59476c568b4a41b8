"""API and import shapes of the outreach domain. References use natural codes
(``jurisdiction_code``, ``station_code`` …) so files and API payloads read the same."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lanyan.outreach.choices import (
    Channel,
    EventKind,
    HealthResult,
    ParticipantGroup,
    PersonKind,
    Speciality,
    TrainingKind,
)

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonCreate(_In):
    """A person on the roster (人员). ``left_on`` empty: still in post."""

    code: str = Field(pattern=CODE, description="人员编号")
    name: str = Field(min_length=1, max_length=80)
    kind: PersonKind
    jurisdiction_code: str = Field(min_length=1)
    unit_code: str | None = None
    station_code: str | None = None
    position: str = Field("", max_length=80)
    phone: str = Field("", max_length=32)
    joined_on: date
    left_on: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> PersonCreate:
        if self.left_on is not None and self.left_on < self.joined_on:
            raise ValueError("left_on must not be before joined_on")
        return self


class CertificationCreate(_In):
    """A certificate (证书) with its validity."""

    person_code: str
    name: str = Field(min_length=1, max_length=120)
    number: str = Field("", max_length=60)
    issued_on: date | None = None
    valid_until: date

    @model_validator(mode="after")
    def _dates(self) -> CertificationCreate:
        if self.issued_on is not None and self.valid_until < self.issued_on:
            raise ValueError("valid_until must not be before issued_on")
        return self


class TrainingCreate(_In):
    """A training record: ``employee`` needs ``unit_code`` and ``attendees``; ``specialised``
    needs ``person_code`` (a rescuer) and ``speciality``."""

    kind: TrainingKind
    title: str = Field("", max_length=200)
    speciality: Speciality | None = None
    jurisdiction_code: str | None = None
    unit_code: str | None = None
    person_code: str | None = None
    held_on: date
    hours: float = Field(0.0, ge=0, le=1000, description="学时 (hours)")
    attendees: int = Field(0, ge=0, le=100000, description="参训人数 (people)")

    @model_validator(mode="after")
    def _by_kind(self) -> TrainingCreate:
        if self.kind is TrainingKind.EMPLOYEE:
            if not self.unit_code:
                raise ValueError("an employee training needs unit_code")
            if self.attendees < 1:
                raise ValueError("an employee training needs attendees ≥ 1")
        else:
            if not self.person_code:
                raise ValueError("a specialised training needs person_code")
            if self.speciality is None:
                raise ValueError("a specialised training needs speciality")
        return self


class HealthCheckCreate(_In):
    person_code: str
    checked_on: date
    result: HealthResult
    institution: str = Field("", max_length=120)
    note: str = Field("", max_length=2000)


class EventCreate(_In):
    """An education event (宣传教育活动): participants by group, volunteer person-times counted
    without names (named participations are added to the event later)."""

    title: str = Field(min_length=1, max_length=200)
    kind: EventKind = EventKind.PUBLICITY
    channel: Channel = Channel.OTHER
    jurisdiction_code: str = Field(min_length=1)
    unit_code: str | None = None
    held_on: date
    volunteer_person_times: int = Field(0, ge=0, le=1_000_000)
    participants: dict[ParticipantGroup, int] = Field(default_factory=dict)
    note: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _counts(self) -> EventCreate:
        if any(n < 0 for n in self.participants.values()):
            raise ValueError("participants by group must be ≥ 0")
        return self


class ParticipationCreate(_In):
    person_code: str
    hours: float = Field(0.0, ge=0, le=24 * 7)


class OpenDayCreate(_In):
    station_code: str
    day: date
    visitors: int = Field(0, ge=0, le=1_000_000)
