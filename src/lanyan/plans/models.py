"""Tables of the plans domain (规划).

Two kinds live here:

* the plans domain's own records: which jurisdiction adopted which plan (``plans_adoptions``),
  hand-entered indicator values with their evidence (``plans_manual_entries``) and project progress
  (``plans_project_progress``);
* nothing else: the records its indicators read are kept by their domains — fire statistics
  (``lanyan.stats``), hazards and patrols (``lanyan.prevention``), the roster, trainings, open
  days, surveys and outreach activities (``lanyan.outreach``).

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


class AssessmentWeights(Timestamped, Base):
    """The weights of 规划实施考核 a jurisdiction's committee set for a plan: the indicator and
    project parts (0–100, adding up to 100) and the points of each status (0–1). They apply to
    every adopter the jurisdiction ranks (its own subtree), so one ranking uses one set of
    weights. Without a row the platform's default (``plans.assessment.DEFAULT_WEIGHTS``)
    holds. A change updates the row and is audited with the values before and after."""

    __tablename__ = "plans_assessment_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(80))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    indicators_weight: Mapped[float] = mapped_column(Float)
    projects_weight: Mapped[float] = mapped_column(Float)
    met_points: Mapped[float] = mapped_column(Float)
    at_risk_points: Mapped[float] = mapped_column(Float)
    not_met_points: Mapped[float] = mapped_column(Float)
    no_data_points: Mapped[float] = mapped_column(Float)
    done_points: Mapped[float] = mapped_column(Float)
    on_track_points: Mapped[float] = mapped_column(Float)
    late_points: Mapped[float] = mapped_column(Float)
    not_started_points: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(80))

    __table_args__ = (
        Index(
            "uq_plans_assessment_weights_plan_jurisdiction",
            "plan_id",
            "jurisdiction_id",
            unique=True,
        ),
    )
