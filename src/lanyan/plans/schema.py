"""The shape of a fire plan as data (规划数据): its indicators, targets and projects.

Plain Pydantic: the files in ``plans/data`` are validated against these models when loaded, so a
plan that breaks a rule (an indicator with neither a computation nor a manual flag, a baseline
missing where the comparison needs one) fails with the field that is wrong.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from lanyan.plans.choices import (
    Attribute,
    Averaging,
    Comparison,
    Computation,
    PlanLevel,
    ProjectKind,
    Unit,
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]
Year = Annotated[int, Field(ge=2000, le=2050)]
LINE_REF = re.compile(r"^L([1-9][0-9]*)$")


class _Strict(BaseModel):
    # Unknown keys are typos in a hand-written file; refuse them rather than drop them silently.
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Strict):
    """Where the plan says it: a 1-based line of the plan's Chinese text and the words quoted."""

    line: Annotated[str, StringConstraints(pattern=LINE_REF.pattern)]
    quote: Annotated[str, StringConstraints(min_length=2)]

    @property
    def number(self) -> int:
        match = LINE_REF.match(self.line)
        assert match is not None  # guaranteed by the field pattern
        return int(match.group(1))


class Baseline(_Strict):
    """The base a ``fall_by_percent`` target is measured against.

    ``value`` is null when the plan gives no figure: the engine then computes the indicator for the
    baseline years (``from_year``..``year``, mean of the yearly values) from platform records.
    """

    year: Year
    from_year: Year | None = None
    value: float | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _years_in_order(self) -> Self:
        if self.from_year is not None and self.from_year > self.year:
            raise ValueError("baseline.from_year must not be after baseline.year")
        return self


class Parameters(_Strict):
    """What the plan's own text fixes about how an indicator is computed, quoted from the plan
    (``source``), where the computation's default would read it otherwise.

    * ``min_vehicles``: duty vehicles a station of each 建标152 class must have (else 建标152's
      lower bounds);
    * ``denominator``: the number of areas the plan counts (a coverage rate over the plan's own
      list, whatever the registry holds);
    * ``person_kinds``: the roster kinds (``outreach.choices.PersonKind``) the indicator counts;
    * ``only_year``: the one year the plan sets the figure for (a later year is scored on it);
    * ``station_level``: only people of stations registered to a jurisdiction of this level
      (``county``: the county's own teams, not the towns').
    """

    min_vehicles: (
        dict[
            Literal["special_service", "class1", "class2", "small", "logistics", "water"],
            Annotated[int, Field(ge=0)],
        ]
        | None
    ) = None
    denominator: Annotated[int, Field(gt=0)] | None = None
    person_kinds: (
        list[
            Literal[
                "rescuer",
                "government_fulltime",
                "enterprise_fulltime",
                "micro_station",
                "practitioner",
                "volunteer",
            ]
        ]
        | None
    ) = None
    only_year: Year | None = None
    station_level: Literal["city", "county", "town"] | None = None
    source: list[SourceRef] = Field(min_length=1)

    def key(self) -> str:
        return self.model_dump_json(exclude={"source"})


class Indicator(_Strict):
    """One target the plan sets (指标). Exactly one of ``computation`` or ``manual`` says how Lanyan
    gets its value: computed from platform records, or entered by hand with evidence."""

    id: Slug
    name_zh: str
    name_en: str
    unit: Unit
    comparison: Comparison
    target: float
    deadline: Year
    baseline: Baseline | None = None
    milestones: dict[Year, float] = Field(default_factory=dict)
    attribute: Attribute = Attribute.UNSTATED
    averaging: Averaging = Averaging.YEAR_END
    source: list[SourceRef] = Field(min_length=1)
    computation: Computation | None = None
    counts_projects: list[Slug] = Field(default_factory=list)
    manual: bool = False
    evidence_required: str | None = None
    denominator_note: str | None = None
    notes: str | None = None
    parameters: Parameters | None = None

    @model_validator(mode="after")
    def _one_way_to_a_value(self) -> Self:
        if (self.computation is None) == (not self.manual):
            raise ValueError(
                "exactly one of 'computation' or 'manual: true' is required "
                f"(computation={self.computation!s}, manual={self.manual})"
            )
        if self.manual and not self.evidence_required:
            raise ValueError("'evidence_required' must say what proves a manual indicator")
        if not self.manual and self.evidence_required:
            raise ValueError("'evidence_required' belongs only to a manual indicator")
        if (self.computation == Computation.PROJECT_QUANTITY_DELIVERED) != bool(
            self.counts_projects
        ):
            raise ValueError(
                "'counts_projects' is required with, and only with, "
                "computation 'project_quantity_delivered'"
            )
        if (self.comparison == Comparison.FALL_BY_PERCENT) != (self.baseline is not None):
            raise ValueError("'baseline' is required with, and only with, 'fall_by_percent'")
        if self.manual and self.parameters is not None:
            raise ValueError("'parameters' belong only to a computed indicator")
        late = [year for year in self.milestones if year > self.deadline]
        if late:
            raise ValueError(f"milestone years {late} fall after the deadline {self.deadline}")
        return self


class Milestone(_Strict):
    """A dated step of a project: 立项征地, 开工, 主体完工, 投入执勤, or the plan's own wording."""

    name: str
    year: Year


class Project(_Strict):
    """Something the plan will build, equip or form (重点工程/项目).

    ``milestones`` holds only the dated steps the plan gives; a project with none is due by the end
    of the plan period. ``quantity`` is what the plan states (a range's lower bound, noted).
    """

    id: Slug
    name_zh: str
    name_en: str
    kind: ProjectKind
    quantity: float | None = None
    unit: Unit | None = None
    milestones: list[Milestone] = Field(default_factory=list)
    source: list[SourceRef] = Field(min_length=1)
    notes: str | None = None

    @model_validator(mode="after")
    def _quantity_has_unit(self) -> Self:
        if (self.quantity is None) != (self.unit is None):
            raise ValueError("'quantity' and 'unit' go together")
        years = [m.year for m in self.milestones]
        if years != sorted(years):
            raise ValueError("milestones must be listed in year order")
        return self


class Plan(_Strict):
    """A fire plan (消防规划) as Lanyan reads it."""

    id: Slug
    title_zh: str
    title_en: str
    level: PlanLevel
    region: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{5}$")]
    region_name_zh: str
    period_start: Year
    period_end: Year
    source_file: Annotated[str, StringConstraints(pattern=r"^[a-z]+\.zh\.txt$")]
    notes: str | None = None
    indicators: list[Indicator] = Field(min_length=1)
    projects: list[Project] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.period_start > self.period_end:
            raise ValueError("period_start must not be after period_end")
        for kind, items in (("indicator", self.indicators), ("project", self.projects)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise ValueError(f"{kind} id '{item.id}' is used twice")
                seen.add(item.id)
        project_ids = {p.id for p in self.projects}
        for ind in self.indicators:
            missing = [p for p in ind.counts_projects if p not in project_ids]
            if missing:
                raise ValueError(f"indicator '{ind.id}' counts unknown projects {missing}")
            if not self.period_start <= ind.deadline <= self.period_end:
                raise ValueError(
                    f"indicator '{ind.id}' deadline {ind.deadline} is outside the plan period"
                )
        return self

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)
