"""Tables of the plans domain (规划).

Two kinds live here:

* the plans domain's own records: which jurisdiction adopted which plan (``plans_adoptions``),
  hand-entered indicator values with their evidence (``plans_manual_entries``) and project progress
  (``plans_project_progress``);
* minimal records the indicator engine needs but that no domain keeps yet — station open days,
  training records, awareness surveys, major hazards, unit self-inspections, a personnel roster
  and outreach activities. Each is **to be taken over by its domain later** (supervision,
  training, people); the engine reads only the columns declared here, so a domain that takes a
  table over keeps these columns or gives the engine a view with them. Fire records were the
  first taken over: they live in ``lanyan.stats`` (``stats_fire_records``).

Rows that belong to a place carry ``jurisdiction_id`` and are scoped like the registry. Columns that
aggregations group on (``year``) are stored rather than extracted from a date, so the GROUP BY is
the same plain integer comparison on SQLite and PostgreSQL and can use an index.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped


class PlanAdoption(Timestamped, Base):
    """A jurisdiction adopts a plan (采用规划): its indicators are then evaluated over that
    jurisdiction's subtree. Any jurisdiction may adopt any plan."""

    __tablename__ = "plans_adoptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(80), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    adopted_by: Mapped[str] = mapped_column(String(80), default="")

    __table_args__ = (
        Index("uq_plans_adoptions_plan_jurisdiction", "plan_id", "jurisdiction_id", unique=True),
    )


class ManualEntry(Timestamped, Base):
    """A hand-entered value of a manual indicator (人工填报) with the evidence that proves it.

    Entries are never overwritten: a correction is a new row, and the newest row (highest id) for
    a plan, indicator, jurisdiction and year is the value in force."""

    __tablename__ = "plans_manual_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(80))
    indicator_id: Mapped[str] = mapped_column(String(80))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)
    evidence_file: Mapped[str] = mapped_column(String(255), default="")
    entered_by: Mapped[str] = mapped_column(String(80))

    __table_args__ = (
        Index(
            "ix_plans_manual_entries_lookup", "plan_id", "indicator_id", "jurisdiction_id", "year"
        ),
    )


class ProjectProgress(Timestamped, Base):
    """Progress of a plan project (项目进展): a milestone reached, a quantity delivered, or the
    project completed."""

    __tablename__ = "plans_project_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(80))
    project_id: Mapped[str] = mapped_column(String(80))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    milestone: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[float | None] = mapped_column(Float)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(80), default="")

    __table_args__ = (Index("ix_plans_project_progress_project", "plan_id", "project_id"),)


# --- records no domain keeps yet (to be taken over by their domain later) ---------------------


class OpenDay(Base):
    """A day a station was open to the public (消防站开放日). To be taken over by the outreach
    domain."""

    __tablename__ = "plans_open_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("uq_plans_open_days_station_day", "station_id", "day", unique=True),
        Index("ix_plans_open_days_year", "year", "station_id"),
    )


class Person(Timestamped, Base):
    """A person on a roster the plans count (人员名册): rescue personnel, fire-industry
    practitioners, government full-time firefighters by joining date, registered volunteers.
    To be taken over by the people/training domain."""

    __tablename__ = "plans_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    certificate_valid_until: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_plans_people_kind_jurisdiction", "kind", "jurisdiction_id"),)


class TrainingRecord(Timestamped, Base):
    """A training held (培训记录): a social unit training its employees, or a specialised training
    of one rescuer. To be taken over by the training domain."""

    __tablename__ = "plans_training_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("plans_people.id"))
    held_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    attendees: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_plans_training_records_kind_year", "kind", "year", "jurisdiction_id", "unit_id"),
    )


class Survey(Timestamped, Base):
    """One batch of a fire-safety awareness survey (知晓率调查): how many people were asked, how many
    passed the knowledge questions, how many said their street or community educated them. To be
    taken over by the outreach domain."""

    __tablename__ = "plans_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    surveyed_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer, index=True)
    respondents: Mapped[int] = mapped_column(Integer)
    passed: Mapped[int] = mapped_column(Integer)
    educated: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(100), default="")


class Hazard(Timestamped, Base):
    """A fire hazard found (火灾隐患) with its rectification deadline and closing date; ``is_major``
    marks 重大火灾隐患. To be taken over by the supervision domain."""

    __tablename__ = "plans_hazards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    is_major: Mapped[bool] = mapped_column(Boolean, default=False)
    found_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    deadline_year: Mapped[int] = mapped_column(Integer)
    rectified_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_plans_hazards_major_year", "is_major", "deadline_year"),)


class UnitCheck(Base):
    """A fire-safety management record a unit made on the platform (防火巡查/自查). To be taken over
    by the unit-management domain."""

    __tablename__ = "plans_unit_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    checked_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_plans_unit_checks_year_unit", "year", "unit_id", "jurisdiction_id"),
    )


class OutreachActivity(Timestamped, Base):
    """A fire-publicity activity with the volunteer participations it counted (志愿者参与人次).
    To be taken over by the outreach domain."""

    __tablename__ = "plans_outreach_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer, index=True)
    volunteer_person_times: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
