"""The indicator engine's vocabulary: a computation's yearly result (``Figure``), where it came from
(``Source``), what it is evaluated over (``Context``) and the registry of computation functions.

A computation function takes the context, the indicator and the years wanted, and returns one
``Figure`` per year. It aggregates in SQL (one GROUP BY or one row of per-year CASE sums) rather
than looping over records in Python, so a whole period costs one or two queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from lanyan.plans.choices import Computation
from lanyan.plans.schema import Indicator, Plan
from lanyan.registry.models import Jurisdiction

IDS_LISTED_UP_TO = 20
"""Lineage lists the ids of the records behind a figure when there are at most this many; beyond
that it describes the query, which reproduces the set."""


@dataclass(frozen=True)
class Source:
    """Lineage: a set of records a figure was computed from."""

    table: str
    records: int
    where: str
    ids: tuple[int, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"table": self.table, "records": self.records, "where": self.where}
        if self.ids is not None:
            out["ids"] = list(self.ids)
        return out


@dataclass(frozen=True)
class Figure:
    """One year's value of a computation: ``value`` is None when the records needed are missing
    (无数据), and ``note`` then says which."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    sources: tuple[Source, ...] = ()
    note: str = ""
    # Inputs the value needed for its year and did not find, each (what, year, stand-in year):
    # ("population", 2025, 2023) = no population record of 2025; the 2023 one stood in.
    missing: tuple[tuple[str, int, int | None], ...] = ()


NO_DATA = Figure(None)


@dataclass
class Context:
    """What an evaluation runs over: a jurisdiction's subtree, for one plan."""

    session: Session
    plan: Plan
    jurisdiction: Jurisdiction
    ids: list[int] = field(default_factory=list)
    # Query results shared by computations over the same jurisdiction (e.g. the yearly fire
    # figures behind both deaths per 100,000 and the share of larger fires).
    memo: dict[Any, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        session: Session,
        plan: Plan,
        jurisdiction: Jurisdiction,
        memo: dict[Any, Any] | None = None,
    ) -> Context:
        ids = list(
            session.execute(
                select(Jurisdiction.id).where(
                    Jurisdiction.path.startswith(jurisdiction.path, autoescape=True)
                )
            ).scalars()
        )
        return cls(session, plan, jurisdiction, ids, {} if memo is None else memo)

    def inside(self, column: Any) -> ColumnElement[bool]:
        """``column`` (a jurisdiction id) lies in the evaluated subtree."""
        return column.in_(self.ids)

    @property
    def subtree(self) -> str:
        return f"jurisdiction in the subtree of {self.jurisdiction.code} {self.jurisdiction.name}"

    def ids_of(self, query: Select[Any], records: int) -> tuple[int, ...] | None:
        """The ids ``query`` selects, when there are few enough to list."""
        if records > IDS_LISTED_UP_TO:
            return None
        return tuple(sorted(self.session.execute(query).scalars()))


ComputeFn = Callable[[Context, Indicator, Sequence[int]], dict[int, Figure]]
COMPUTATIONS: dict[Computation, ComputeFn] = {}


def computation(which: Computation) -> Callable[[ComputeFn], ComputeFn]:
    """Register ``fn`` as the implementation of ``which``."""

    def register(fn: ComputeFn) -> ComputeFn:
        if which in COMPUTATIONS:
            raise RuntimeError(f"computation {which} registered twice")
        COMPUTATIONS[which] = fn
        return fn

    return register


def year_end(year: int) -> date:
    return date(year, 12, 31)


def year_sums(years: Sequence[int], condition: Callable[[int], ColumnElement[bool]]) -> list[Any]:
    """One ``SUM(CASE WHEN condition(year) THEN 1 ELSE 0 END)`` column per year, labelled
    ``y2023`` — counting a state at each year end in a single scan."""
    return [func.sum(case((condition(y), 1), else_=0)).label(f"y{y}") for y in years]


def ratio(numerator: float, denominator: float, scale: float = 100.0) -> float | None:
    return None if denominator == 0 else numerator / denominator * scale


def unit_scale(indicator: Indicator) -> float:
    """Multiplier turning a plain share into the indicator's unit (‰ or %)."""
    return 1000.0 if indicator.unit.value == "‰" else 100.0
