"""Tables of the outreach domain (人员、培训、宣传教育、开放日、志愿者、知晓率调查).

They took over the plans engine's interim tables (``plans_people``, ``plans_training_records``,
``plans_open_days``, ``plans_surveys``, ``plans_outreach_activities``); the engine reads the
columns it read before from here. Columns that aggregations group on (``year``, ``month``) are
stored rather than extracted from a date, so GROUP BY is the same plain integer comparison on
SQLite and PostgreSQL and can use an index.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped, UTCDateTime


class Person(Timestamped, Base):
    """A person on the roster (人员名册): rescuers, full-time firefighters, practitioners,
    registered volunteers. ``left_on`` empty: still in post."""

    __tablename__ = "outreach_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[str] = mapped_column(String(24))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    position: Mapped[str] = mapped_column(String(80), default="")  # 岗位
    phone: Mapped[str] = mapped_column(String(32), default="")
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_outreach_people_kind_jurisdiction", "kind", "jurisdiction_id"),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
    )


class Certification(Timestamped, Base):
    """A certificate a person holds (职业资格/技能证书) and its validity. ``issued_on`` empty:
    issued at an unknown date before the records began."""

    __tablename__ = "outreach_certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("outreach_people.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    number: Mapped[str] = mapped_column(String(60), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        Index("ix_outreach_certifications_person_valid", "person_id", "valid_until"),
        CheckConstraint("issued_on IS NULL OR valid_until >= issued_on", name="valid_after_issued"),
    )


class TrainingRecord(Timestamped, Base):
    """A training held (培训记录): a social unit training its employees (``unit_id``,
    ``attendees``), or one rescuer's specialised training (``person_id``, ``speciality``)."""

    __tablename__ = "outreach_training_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    speciality: Mapped[str] = mapped_column(String(24), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("outreach_people.id"))
    held_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float, default=0.0)
    attendees: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index(
            "ix_outreach_training_records_kind_year", "kind", "year", "jurisdiction_id", "unit_id"
        ),
        Index("ix_outreach_training_records_person", "person_id", "year"),
        CheckConstraint("attendees >= 0", name="attendees_not_negative"),
    )


class HealthCheck(Timestamped, Base):
    """An occupational-health check of a person (职业健康检查)."""

    __tablename__ = "outreach_health_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("outreach_people.id", ondelete="CASCADE"), index=True
    )
    checked_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(16))
    institution: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class Event(Timestamped, Base):
    """An education or publicity event (宣传教育活动, 五进) or a school drill, with the volunteer
    participations it counted (志愿者参与人次): named ones are also rows of
    ``outreach_volunteer_participations``."""

    __tablename__ = "outreach_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(24), default="publicity")
    channel: Mapped[str] = mapped_column(String(24), default="other")
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    held_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer, index=True)
    volunteer_person_times: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("volunteer_person_times >= 0", name="volunteers_not_negative"),
    )


class EventParticipants(Base):
    """How many of one audience group an event reached (参与人数, by group)."""

    __tablename__ = "outreach_event_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outreach_events.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(String(24))
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("event_id", "group", name="uq_outreach_event_participants_event_group"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )


class VolunteerParticipation(Base):
    """A registered volunteer took part in an event (志愿服务记录)."""

    __tablename__ = "outreach_volunteer_participations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outreach_events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("outreach_people.id"), index=True)
    hours: Mapped[float] = mapped_column(Float, default=0.0)

    __table_args__ = (
        UniqueConstraint(
            "event_id", "person_id", name="uq_outreach_volunteer_participations_event_person"
        ),
    )


class OpenDay(Base):
    """A day a station was open to the public (消防站开放日)."""

    __tablename__ = "outreach_open_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    visitors: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("uq_outreach_open_days_station_day", "station_id", "day", unique=True),
        Index("ix_outreach_open_days_year", "year", "station_id"),
    )


class Survey(Timestamped, Base):
    """One batch of a fire-safety awareness survey (知晓率调查): how many people answered, how
    many passed the knowledge questions, how many said their street or community educated them.
    Imported batches keep their scored answers in ``outreach_survey_responses``."""

    __tablename__ = "outreach_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    surveyed_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer, index=True)
    respondents: Mapped[int] = mapped_column(Integer)
    passed: Mapped[int] = mapped_column(Integer)
    educated: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(100), default="")
    answer_key: Mapped[str] = mapped_column(String(60), default="")
    source_file: Mapped[str] = mapped_column(String(255), default="")

    __table_args__ = (
        CheckConstraint(
            "passed >= 0 AND educated >= 0 AND passed <= respondents AND educated <= respondents",
            name="counts_within_respondents",
        ),
    )


class SurveyResponse(Base):
    """One respondent's scored answers (答卷) of an imported survey."""

    __tablename__ = "outreach_survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("outreach_surveys.id", ondelete="CASCADE"), index=True
    )
    respondent: Mapped[str] = mapped_column(String(40))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    educated: Mapped[bool] = mapped_column(Boolean)
