"""One function per ``plans.choices.Computation``: each returns a ``Figure`` per year for the
context's jurisdiction subtree.

Conventions that hold for every computation (and that the plan files' denominator notes rely on):

* "On duty" stations (执勤消防站) are national-team and government full-time stations whose status
  is existing and that opened on or before the year end (an unknown opening date counts as open).
* Registry facts that change are read as of the year end from the audit log
  (``registry.history``): a station's status, a hydrant's condition and smartness, a device's
  status (connected: not decommissioned; online), a unit's category (the key-unit flag). Rows
  without dates of their own (units, grids) stand for the year end as they are today, and the
  figure's note says so.
* A rate over activity records (fires, surveys, trainings, open days, self-inspections) whose
  records are absent for the year is 无数据 (no data), not 0 %: absence means nobody recorded,
  which the platform cannot tell apart from nothing happening.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from lanyan.outreach.choices import PersonKind, TrainingKind
from lanyan.outreach.models import (
    Certification,
    Event,
    OpenDay,
    Person,
    Survey,
    TrainingRecord,
)
from lanyan.plans.choices import Computation
from lanyan.plans.engine.core import (
    NO_DATA,
    Context,
    Figure,
    Source,
    computation,
    ratio,
    unit_scale,
    year_end,
)
from lanyan.plans.models import ProjectProgress
from lanyan.plans.schema import Indicator
from lanyan.prevention import indicators as prevention_indicators
from lanyan.prevention.models.patrols import PatrolRound
from lanyan.registry import history
from lanyan.registry.choices import (
    DeviceKind,
    DeviceStatus,
    ForceType,
    JurisdictionLevel,
    PersonnelCategory,
    StationClass,
    StationStatus,
    UnitCategory,
    VehicleStatus,
    WaterSourceKind,
    WaterSourceStatus,
)
from lanyan.registry.models import (
    Building,
    Device,
    Grid,
    GridWorker,
    Jurisdiction,
    JurisdictionPopulation,
    PersonnelCount,
    Station,
    Unit,
    Vehicle,
    WaterSource,
)
from lanyan.stats import indicators as stats_indicators

Years = Sequence[int]
EPOCH = date(1900, 1, 1)  # stands for "installed or opened at an unknown date, long ago"
RESCUE_FORCES = (ForceType.NATIONAL.value, ForceType.GOVERNMENT_FULLTIME.value)
PRESENT_NOTE = "registry rows carry no history: today's records stand for the year end"

# Minimum vehicles per station class, the lower bounds of 建标152-2017 as quoted in
# shared/reference/stations-and-vehicles.md §1.4 (small stations: the commonly quoted 2).
MIN_VEHICLES = {
    StationClass.SPECIAL_SERVICE.value: 8,
    StationClass.CLASS1.value: 5,
    StationClass.CLASS2.value: 2,
    StationClass.SMALL.value: 2,
    StationClass.LOGISTICS.value: 8,
}


LIVE_DEVICE = (
    DeviceStatus.REGISTERED.value,
    DeviceStatus.ONLINE.value,
    DeviceStatus.OFFLINE.value,
    DeviceStatus.FAULT.value,
)
TRANSMISSION = (DeviceKind.USER_INFO_TRANSMISSION.value,)


def _sums(prefix: str, years: Years, cond: Callable[[int], ColumnElement[bool]]) -> list[Any]:
    return [func.sum(case((cond(y), 1), else_=0)).label(f"{prefix}{y}") for y in years]


def _get(row: Any, key: str) -> int:
    """A count from a result row (or a mapping of them)."""
    return int((row if isinstance(row, dict) else row._mapping)[key] or 0)


def _as_of(
    ctx: Context, slug: str, field: str, test: Callable[[Any], bool], years: Years
) -> dict[int, tuple[int, ...]]:
    """Rows of ``slug`` whose ``test(field)`` at each year end differs from today's (read from
    the audit log: ``registry.history``), memoised per evaluation."""
    key = ("changes", slug, field)
    if key not in ctx.memo:
        ctx.memo[key] = history.field_changes(ctx.session, slug, field)
    return history.flipped_in(ctx.memo[key], test, {y: year_end(y) for y in years})


def _then(now: ColumnElement[bool], column: Any, flipped: Sequence[int]) -> ColumnElement[bool]:
    """``now`` as it held at a past instant: true today XOR changed since (``flipped`` ids)."""
    if not flipped:
        return now
    # The ids are integers from the audit log, written into the SQL text (literal_execute): a
    # long history does not run into the databases' limits on bound parameters.
    return case((column.in_(_literal_ids(flipped)), ~now), else_=now)


def _literal_ids(ids: Iterable[int]) -> Any:
    """An expanding IN parameter whose integers are written into the SQL text."""
    return bindparam("ids", sorted(ids), expanding=True, literal_execute=True, unique=True)


def _then_by_year(
    ctx: Context,
    slug: str,
    field: str,
    test: Callable[[Any], bool],
    now: ColumnElement[bool],
    column: Any,
    years: Years,
) -> _AsOf:
    """``now`` (a row's ``test(field)`` today, in SQL) as it held at each year end: the rows
    of ``slug`` whose field changed since are read back from the audit log."""
    return _AsOf(now, column, _as_of(ctx, slug, field, test, years))


class _AsOf:
    """``now`` as it held at each year end (call with the year), and ``ever``: true for the
    rows for which it held at some year end — ``now`` or changed since (an index-friendly
    filter of the candidates)."""

    def __init__(self, now: ColumnElement[bool], column: Any, flipped: dict[int, tuple[int, ...]]):
        self.now, self.column, self.flipped = now, column, flipped

    def __call__(self, y: int) -> ColumnElement[bool]:
        return _then(self.now, self.column, self.flipped[y])

    def ever(self) -> ColumnElement[bool]:
        changed = set().union(*self.flipped.values()) if self.flipped else set()
        return or_(self.now, self.column.in_(_literal_ids(changed))) if changed else self.now


def _key_unit(ctx: Context, years: Years) -> _AsOf:
    """Whether a unit was a key unit (重点单位) at the end of year y: its category as of then."""
    return _then_by_year(
        ctx,
        "units",
        "category",
        lambda c: c == UnitCategory.KEY.value,
        Unit.category == UnitCategory.KEY.value,
        Unit.id,
        years,
    )


def _device_in(
    ctx: Context, statuses: Sequence[str], years: Years
) -> Callable[[int], ColumnElement[bool]]:
    """Whether a device was installed by the end of year y (an unknown date counts as long
    ago) and its status then was one of ``statuses`` (as of then, from the audit log: a
    device decommissioned in 2024 was connected in 2023)."""
    live = _then_by_year(
        ctx,
        "devices",
        "status",
        lambda v: v in statuses,
        Device.status.in_(statuses),
        Device.id,
        years,
    )
    return lambda y: and_(func.coalesce(Device.installed_on, EPOCH) <= year_end(y), live(y))


def _existing(status: Any) -> bool:
    return bool(status == StationStatus.EXISTING.value)


def _on_duty(ctx: Context) -> Callable[[int], ColumnElement[bool]]:
    """Whether a station was on duty at the end of year y: national or government full-time,
    opened by then, and existing by its status as of then (the audit log gives the status a
    station had; a station rebuilt since, say, was on duty before)."""
    memo = ctx.memo.setdefault(("on_duty",), {})

    def cond(y: int) -> ColumnElement[bool]:
        if y not in memo:
            memo.update(_as_of(ctx, "stations", "status", _existing, [y]))
        return and_(
            _then(Station.status == StationStatus.EXISTING.value, Station.id, memo[y]),
            Station.force_type.in_(RESCUE_FORCES),
            or_(Station.opened_on.is_(None), Station.opened_on <= year_end(y)),
        )

    return cond


def _in_post(y: int) -> ColumnElement[bool]:
    return and_(
        Person.joined_on <= year_end(y),
        or_(Person.left_on.is_(None), Person.left_on > year_end(y)),
    )


def _rate_figure(
    ctx: Context,
    num: int,
    den: int,
    sources: tuple[Source, ...],
    scale: float = 100.0,
    note: str = "",
) -> Figure:
    if den == 0:
        return Figure(None, num, den, sources, note or "denominator is 0: nothing to rate")
    return Figure(ratio(num, den, scale), num, den, sources, note)


# --- population -------------------------------------------------------------------------------


def _populations(ctx: Context, years: Years) -> dict[int, tuple[int, Source, int] | None]:
    """The population of the evaluated jurisdiction in each year: its latest population record
    dated that year or before. Sub-jurisdictions' records are not added up, since a county's own
    figure already contains them."""
    rows = ctx.session.execute(
        select(
            JurisdictionPopulation.id,
            JurisdictionPopulation.year,
            JurisdictionPopulation.population,
        )
        .where(JurisdictionPopulation.jurisdiction_id == ctx.jurisdiction.id)
        .order_by(JurisdictionPopulation.year)
    ).all()
    out: dict[int, tuple[int, Source, int] | None] = {}
    for y in years:
        latest = [r for r in rows if r.year <= y]
        if not latest:
            out[y] = None
            continue
        r = latest[-1]
        out[y] = (
            r.population,
            Source(
                "jurisdiction_populations",
                1,
                f"jurisdiction {ctx.jurisdiction.code}, latest record of year <= {y} ({r.year})",
                (r.id,),
            ),
            r.year,
        )
    return out


def _per_population(
    ctx: Context,
    years: Years,
    counts: dict[int, tuple[int, Source] | None],
    scale: float,
) -> dict[int, Figure]:
    pops = _populations(ctx, years)
    out: dict[int, Figure] = {}
    for y in years:
        count, pop = counts.get(y), pops[y]
        if count is None:
            out[y] = Figure(None, note="no records for the numerator")
        elif pop is None:
            out[y] = Figure(
                None, count[0], None, (count[1],), f"no population record for {y} or before"
            )
        else:
            used = pop[2]
            out[y] = Figure(
                count[0] / pop[0] * scale if pop[0] else None,
                count[0],
                pop[0],
                (count[1], pop[1]),
                missing=(("population", y, used),) if used < y else (),
            )
    return out


# --- fires --------------------------------------------------------------------------------------


def _fires(ctx: Context, years: Years) -> dict[int, Any]:
    key = ("fires", tuple(years))
    if key in ctx.memo:
        return ctx.memo[key]
    ctx.memo[key] = stats_indicators.yearly_figures(ctx.session, ctx.inside, years)
    return ctx.memo[key]


def _fire_source(ctx: Context, y: int, n: int) -> Source:
    q = stats_indicators.record_ids(ctx.inside, y)
    return Source(stats_indicators.TABLE, n, f"year = {y}, {ctx.subtree}", ctx.ids_of(q, n))


@computation(Computation.DEATHS_PER_100K)
def deaths_per_100k(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    fires = _fires(ctx, years)
    counts = {
        y: (int(fires[y].deaths or 0), _fire_source(ctx, y, fires[y].fires))
        for y in years
        if y in fires
    }
    return _per_population(ctx, years, counts, 100_000.0)  # type: ignore[arg-type]


@computation(Computation.LARGER_FIRE_SHARE)
def larger_fire_share(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    fires = _fires(ctx, years)
    out: dict[int, Figure] = {}
    for y in years:
        if y not in fires:
            out[y] = Figure(None, note=f"no fire statistics records for {y}")
            continue
        r = fires[y]
        out[y] = _rate_figure(ctx, int(r.larger), int(r.fires), (_fire_source(ctx, y, r.fires),))
    return out


# --- stations and people ------------------------------------------------------------------------


@computation(Computation.STATIONS_PER_100K)
def stations_per_100k(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    row = ctx.session.execute(
        select(*_sums("y", years, _on_duty(ctx))).where(ctx.inside(Station.jurisdiction_id))
    ).one()
    counts: dict[int, tuple[int, Source] | None] = {}
    for y in years:
        n = _get(row, f"y{y}")
        q = select(Station.id).where(ctx.inside(Station.jurisdiction_id), _on_duty(ctx)(y))
        counts[y] = (
            n,
            Source("stations", n, f"on duty at {year_end(y)}, {ctx.subtree}", ctx.ids_of(q, n)),
        )
    return _per_population(ctx, years, counts, 100_000.0)


def _personnel(
    ctx: Context, years: Years, categories: Sequence[str]
) -> dict[int, tuple[int, Source] | None]:
    """Personnel in post at each year end: per station and category, the latest count dated on or
    before the year end (personnel counts are snapshots)."""
    out: dict[int, tuple[int, Source] | None] = {}
    for y in years:
        latest = (
            select(
                PersonnelCount.station_id.label("sid"),
                PersonnelCount.category.label("cat"),
                func.max(PersonnelCount.as_of).label("as_of"),
            )
            .where(
                ctx.inside(PersonnelCount.jurisdiction_id),
                PersonnelCount.category.in_(categories),
                PersonnelCount.as_of <= year_end(y),
            )
            .group_by(PersonnelCount.station_id, PersonnelCount.category)
            .subquery()
        )
        joined = and_(
            PersonnelCount.station_id == latest.c.sid,
            PersonnelCount.category == latest.c.cat,
            PersonnelCount.as_of == latest.c.as_of,
        )
        total, rows = ctx.session.execute(
            select(func.coalesce(func.sum(PersonnelCount.count), 0), func.count()).join(
                latest, joined
            )
        ).one()
        if rows == 0:
            out[y] = None
            continue
        ids = ctx.ids_of(select(PersonnelCount.id).join(latest, joined), rows)
        where = (
            f"category in {tuple(categories)}, latest count per station on or before {year_end(y)}"
        )
        out[y] = (int(total), Source("personnel_counts", rows, f"{where}, {ctx.subtree}", ids))
    return out


# Roster kinds and the personnel-count categories that name the same people.
KIND_CATEGORY = {
    PersonKind.RESCUER.value: PersonnelCategory.NATIONAL.value,
    PersonKind.GOVERNMENT_FULLTIME.value: PersonnelCategory.GOVERNMENT_FULLTIME.value,
    PersonKind.ENTERPRISE_FULLTIME.value: PersonnelCategory.ENTERPRISE_FULLTIME.value,
    PersonKind.MICRO_STATION.value: PersonnelCategory.MICRO.value,
}
FULLTIME_KINDS = (PersonKind.GOVERNMENT_FULLTIME.value, PersonKind.ENTERPRISE_FULLTIME.value)


def _kinds(ind: Indicator, default: Sequence[str]) -> tuple[str, ...]:
    p = ind.parameters
    return tuple(p.person_kinds) if p is not None and p.person_kinds else tuple(default)


def _people_in_post(
    ctx: Context, years: Years, kinds: Sequence[str]
) -> dict[int, tuple[int, Source] | None]:
    """People of ``kinds`` in post at each year end: one source of truth, the roster (人员名册).

    The roster names each person with the dates they joined and left, so a past year's head-count
    is that year's, and the same people are the denominators of the certification and training
    rates. Per-station personnel counts (``personnel_counts``) are read only where the roster
    holds nobody of these kinds in the subtree (a deployment that imports counts alone); the
    lineage then names that table."""
    base = (ctx.inside(Person.jurisdiction_id), Person.kind.in_(tuple(kinds)))
    row = ctx.session.execute(
        select(func.count().label("total"), *_sums("d", years, _in_post)).where(*base)
    ).one()
    if _get(row, "total") == 0:
        cats = tuple(KIND_CATEGORY[k] for k in kinds if k in KIND_CATEGORY)
        return _personnel(ctx, years, cats) if cats else {y: None for y in years}
    out: dict[int, tuple[int, Source] | None] = {}
    for y in years:
        n = _get(row, f"d{y}")
        q = select(Person.id).where(*base, _in_post(y))
        where = f"kind in {tuple(kinds)}, in post at {year_end(y)}, {ctx.subtree}"
        out[y] = (n, Source("outreach_people", n, where, ctx.ids_of(q, n)))
    return out


@computation(Computation.FULLTIME_FIREFIGHTERS_PER_POPULATION)
def fulltime_per_population(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    counts = _people_in_post(ctx, years, _kinds(ind, FULLTIME_KINDS))
    return _per_population(ctx, years, counts, unit_scale(ind))


@computation(Computation.PROFESSIONAL_FIREFIGHTERS_PER_POPULATION)
def professional_per_population(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    kinds = _kinds(ind, (PersonKind.RESCUER.value, PersonKind.GOVERNMENT_FULLTIME.value))
    return _per_population(ctx, years, _people_in_post(ctx, years, kinds), unit_scale(ind))


@computation(Computation.FULLTIME_FIREFIGHTERS_IN_POST)
def fulltime_in_post(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    counts = _people_in_post(ctx, years, _kinds(ind, (PersonKind.GOVERNMENT_FULLTIME.value,)))
    return {
        y: NO_DATA if c is None else Figure(float(c[0]), c[0], None, (c[1],))
        for y, c in counts.items()
    }


def _roster(
    ctx: Context,
    years: Years,
    kinds: Sequence[str],
    numerator: Callable[[int], ColumnElement[bool]] | None,
) -> dict[int, Figure]:
    """People of ``kinds`` in post at each year end; with ``numerator``, the share of them for
    whom it holds (in %), else their count."""
    cols = _sums("d", years, _in_post)
    if numerator is not None:
        cols += _sums("n", years, lambda y: and_(_in_post(y), numerator(y)))
    base = (ctx.inside(Person.jurisdiction_id), Person.kind.in_(tuple(kinds)))
    row = ctx.session.execute(select(func.count().label("total"), *cols).where(*base)).one()
    what = ", ".join(kinds)
    if _get(row, "total") == 0:
        return {y: Figure(None, note=f"no people of kind {what} on the roster") for y in years}
    out: dict[int, Figure] = {}
    for y in years:
        den = _get(row, f"d{y}")
        q = select(Person.id).where(*base, _in_post(y))
        src = Source(
            "outreach_people",
            den,
            f"kind in ({what}), in post at {year_end(y)}, {ctx.subtree}",
            ctx.ids_of(q, den),
        )
        if numerator is None:
            out[y] = Figure(float(den), den, None, (src,))
        else:
            out[y] = _rate_figure(ctx, _get(row, f"n{y}"), den, (src,))
    return out


def _certified(y: int) -> ColumnElement[bool]:
    """The person holds a certificate valid at the year end (issued by then, not yet expired)."""
    return (
        select(Certification.id)
        .where(
            Certification.person_id == Person.id,
            Certification.valid_until >= year_end(y),
            or_(Certification.issued_on.is_(None), Certification.issued_on <= year_end(y)),
        )
        .exists()
    )


@computation(Computation.RESCUER_CERTIFICATION_RATE)
def rescuer_certification(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    return _roster(ctx, years, _kinds(ind, (PersonKind.RESCUER.value,)), _certified)


@computation(Computation.PRACTITIONER_CERTIFICATION_RATE)
def practitioner_certification(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    return _roster(ctx, years, (PersonKind.PRACTITIONER.value,), _certified)


@computation(Computation.REGISTERED_VOLUNTEERS)
def registered_volunteers(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    return _roster(ctx, years, (PersonKind.VOLUNTEER.value,), None)


@computation(Computation.FULLTIME_FIREFIGHTERS_RECRUITED)
def fulltime_recruited(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    kinds = _kinds(ind, (PersonKind.GOVERNMENT_FULLTIME.value,))
    base: tuple[ColumnElement[bool], ...] = (
        ctx.inside(Person.jurisdiction_id),
        Person.kind.in_(kinds),
    )
    level = ind.parameters.station_level if ind.parameters is not None else None
    scope = ""
    if level is not None:
        # A team's level is the level of the jurisdiction its station is registered to: a
        # county-level team (县级) is a station of the county itself, not of one of its towns.
        team = aliased(Jurisdiction)
        of_level = (
            select(Station.id)
            .join(team, team.id == Station.jurisdiction_id)
            .where(team.level == level)
        )
        base = (*base, Person.station_id.in_(of_level))
        scope = f", station registered to a {level}-level jurisdiction"

    def joined(y: int) -> ColumnElement[bool]:
        return Person.joined_on.between(date(y, 1, 1), year_end(y))

    row = ctx.session.execute(
        select(func.count().label("total"), *_sums("y", years, joined)).where(*base)
    ).one()
    if _get(row, "total") == 0:
        return {
            y: Figure(None, note="no government full-time firefighters on the roster")
            for y in years
        }
    out: dict[int, Figure] = {}
    for y in years:
        n = _get(row, f"y{y}")
        q = select(Person.id).where(*base, joined(y))
        src = Source(
            "outreach_people",
            n,
            f"kind in {kinds}, joined in {y}{scope}, {ctx.subtree}",
            ctx.ids_of(q, n),
        )
        out[y] = Figure(float(n), n, None, (src,))
    return out


@computation(Computation.RESCUER_SPECIALISED_TRAINING_RATE)
def rescuer_training(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    trained = (
        select(TrainingRecord.person_id.label("pid"), TrainingRecord.year.label("year"))
        .where(
            TrainingRecord.kind == TrainingKind.SPECIALISED.value,
            TrainingRecord.year.in_(years),
            TrainingRecord.person_id.is_not(None),
        )
        .distinct()
        .subquery()
    )
    kinds = _kinds(ind, (PersonKind.RESCUER.value,))
    base = (ctx.inside(Person.jurisdiction_id), Person.kind.in_(kinds))
    row = ctx.session.execute(
        select(
            *[
                func.sum(case((and_(_in_post(y), trained.c.year == y), 1), else_=0)).label(f"n{y}")
                for y in years
            ],
            *[
                func.count(distinct(case((trained.c.year == y, trained.c.pid)))).label(f"r{y}")
                for y in years
            ],
        )
        .select_from(Person)
        .join(trained, trained.c.pid == Person.id)
        .where(*base)
    ).one()
    roster = _roster(ctx, years, kinds, None)
    out: dict[int, Figure] = {}
    for y in years:
        if roster[y].value is None or _get(row, f"r{y}") == 0:
            out[y] = Figure(None, note=f"no rescuers or no specialised-training records for {y}")
            continue
        records = Source(
            "outreach_training_records",
            _get(row, f"r{y}"),
            f"kind = specialised, year = {y}, distinct people of kind {kinds}, {ctx.subtree}",
        )
        den = int(roster[y].numerator or 0)
        out[y] = _rate_figure(ctx, _get(row, f"n{y}"), den, (*roster[y].sources, records))
    return out


# --- water ----------------------------------------------------------------------------------------


def _installed_by(y: int) -> ColumnElement[bool]:
    return or_(WaterSource.installed_year.is_(None), WaterSource.installed_year <= y)


def _hydrant_rate(
    ctx: Context,
    years: Years,
    good: ColumnElement[bool] | Callable[[int], ColumnElement[bool]],
    what: str,
    note: str = PRESENT_NOTE,
) -> dict[int, Figure]:
    """Hydrants installed by each year end and the share of them ``good`` (a condition, or one
    per year when the rows' history gives the value as of that year)."""
    good_in = good if callable(good) else (lambda y: good)
    base = (
        ctx.inside(WaterSource.jurisdiction_id),
        WaterSource.kind == WaterSourceKind.MUNICIPAL_HYDRANT.value,
    )
    row = ctx.session.execute(
        select(
            *_sums("d", years, _installed_by),
            *_sums("n", years, lambda y: and_(_installed_by(y), good_in(y))),
        ).where(*base)
    ).one()
    out: dict[int, Figure] = {}
    for y in years:
        den = _get(row, f"d{y}")
        q = select(WaterSource.id).where(*base, _installed_by(y))
        src = Source(
            "water_sources",
            den,
            f"kind = municipal_hydrant, installed by {y}, {ctx.subtree}; numerator: {what}",
            ctx.ids_of(q, den),
        )
        out[y] = _rate_figure(ctx, _get(row, f"n{y}"), den, (src,), note=note)
    return out


def _intact(status: Any) -> bool:
    return bool(status == WaterSourceStatus.INTACT.value)


@computation(Computation.HYDRANT_INTACT_RATE)
def hydrant_intact_rate(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    flipped = _as_of(ctx, "water-sources", "status", _intact, years)
    now = WaterSource.status == WaterSourceStatus.INTACT.value
    return _hydrant_rate(
        ctx,
        years,
        lambda y: _then(now, WaterSource.id, flipped[y]),
        "status = intact at the year end (changes read back from the audit log)",
        note="",
    )


@computation(Computation.SMART_HYDRANT_RATE)
def smart_hydrant_rate(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    smart = _then_by_year(
        ctx,
        "water-sources",
        "is_smart",
        bool,
        WaterSource.is_smart.is_(True),
        WaterSource.id,
        years,
    )
    sensor = _device_in(ctx, LIVE_DEVICE, years)

    def good(y: int) -> ColumnElement[bool]:
        sensed = select(Device.water_source_id).where(
            Device.kind == DeviceKind.SMART_HYDRANT.value,
            Device.water_source_id.is_not(None),
            sensor(y),
        )
        return or_(smart(y), WaterSource.id.in_(sensed))

    return _hydrant_rate(
        ctx,
        years,
        good,
        "is_smart at the year end, or a smart_hydrant device attached, installed by then and "
        "not decommissioned then (changes read back from the audit log)",
        note="",
    )


@computation(Computation.NEW_HYDRANTS_PER_YEAR)
def new_hydrants(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    kinds = (WaterSourceKind.MUNICIPAL_HYDRANT.value, WaterSourceKind.WATER_CRANE.value)
    base = (ctx.inside(WaterSource.jurisdiction_id), WaterSource.kind.in_(kinds))
    any_row = ctx.session.execute(select(WaterSource.id).where(*base).limit(1)).first()
    if any_row is None:
        return {y: Figure(None, note="no hydrants on record") for y in years}
    rows = dict(
        ctx.session.execute(
            select(WaterSource.installed_year, func.count())
            .where(*base, WaterSource.installed_year.in_(years))
            .group_by(WaterSource.installed_year)
        ).all()
    )
    out: dict[int, Figure] = {}
    for y in years:
        n = int(rows.get(y, 0))
        q = select(WaterSource.id).where(*base, WaterSource.installed_year == y)
        src = Source(
            "water_sources",
            n,
            f"kind in {kinds}, installed_year = {y}, {ctx.subtree}",
            ctx.ids_of(q, n),
        )
        out[y] = Figure(float(n), n, None, (src,))
    return out


# --- units and devices ----------------------------------------------------------------------------


UNITS_NOTE = (
    "units carry no dates: today's units stand for the year end, with their category and "
    "their devices' state as of the year end (read back from the audit log)"
)


def _unit_rate(
    ctx: Context,
    years: Years,
    unit_filter: Callable[[int], ColumnElement[bool]],
    candidates: ColumnElement[bool],
    kinds: Sequence[str],
    what: str,
    device_note: str,
) -> dict[int, Figure]:
    """Units passing ``unit_filter`` at each year end that had a device of ``kinds`` connected
    then (installed by the year end, not decommissioned as of then), over all units passing
    the filter then. One pass: each candidate unit (passing the filter in some year; a few
    percent of all) with its devices through the unit_id index."""
    connected = _device_in(ctx, LIVE_DEVICE, years)
    per_unit = (
        select(
            func.count(Device.id).label("devices"),
            *[func.max(case((unit_filter(y), 1), else_=0)).label(f"u{y}") for y in years],
            *[
                func.max(case((and_(Device.id.is_not(None), connected(y)), 1), else_=0)).label(
                    f"c{y}"
                )
                for y in years
            ],
        )
        .select_from(Unit)
        .outerjoin(Device, and_(Device.unit_id == Unit.id, Device.kind.in_(kinds)))
        .where(ctx.inside(Unit.jurisdiction_id), candidates)
        .group_by(Unit.id)
        .subquery()
    )
    c = per_unit.c
    row = ctx.session.execute(
        select(
            func.coalesce(func.sum(c.devices), 0).label("devices"),
            *[func.coalesce(func.sum(c[f"u{y}"]), 0).label(f"d{y}") for y in years],
            *[func.coalesce(func.sum(c[f"u{y}"] * c[f"c{y}"]), 0).label(f"n{y}") for y in years],
        )
    ).one()
    devices = Source("devices", _get(row, "devices"), device_note)
    out: dict[int, Figure] = {}
    for y in years:
        den = _get(row, f"d{y}")
        q = select(Unit.id).where(ctx.inside(Unit.jurisdiction_id), unit_filter(y))
        units = Source("units", den, f"{what} at the end of {y}, {ctx.subtree}", ctx.ids_of(q, den))
        out[y] = _rate_figure(ctx, _get(row, f"n{y}"), den, (units, devices), note=UNITS_NOTE)
    return out


@computation(Computation.KEY_UNIT_CONNECTION_RATE)
def key_unit_connection(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    key = _key_unit(ctx, years)
    return _unit_rate(
        ctx,
        years,
        key,
        key.ever(),
        TRANSMISSION,
        "category = key",
        "user_info_transmission devices installed by the year end, not decommissioned then",
    )


@computation(Computation.CONTROL_ROOM_CONNECTION_RATE)
def control_room_connection(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    # fire_systems is a JSON list; matching its text keeps the query the same on both backends.
    with_room = select(Building.unit_id).where(
        Building.unit_id.is_not(None),
        cast(Building.fire_systems, String).like('%"control_room"%'),
    )
    watched = (UnitCategory.KEY.value, UnitCategory.HIGH_RISK.value)
    category = _then_by_year(
        ctx, "units", "category", lambda c: c in watched, Unit.category.in_(watched), Unit.id, years
    )
    return _unit_rate(
        ctx,
        years,
        lambda y: and_(category(y), Unit.id.in_(with_room)),
        and_(category.ever(), Unit.id.in_(with_room)),
        TRANSMISSION,
        "category in (key, high_risk) with a building whose fire_systems include control_room",
        "user_info_transmission devices installed by the year end, not decommissioned then",
    )


def _monitored(ctx: Context, years: Years) -> Callable[[int], ColumnElement[bool]]:
    """Whether a unit was in the monitoring scope (any category but general) at year end y."""
    general = UnitCategory.GENERAL.value
    return _then_by_year(
        ctx,
        "units",
        "category",
        lambda c: c != general,
        Unit.category != general,
        Unit.id,
        years,
    )


def _device_summary(ctx: Context, years: Years) -> dict[str, int]:
    """Yearly counts of units in the monitoring scope covered by online devices and of premises
    with a live smoke alarm — both indicators read every device, so they share the work. A
    device counts in a year when it was installed by the year end and its status then (audit
    log) qualified; a unit's scope is its category then.

    Most devices and units never changed: one SQL pass over the devices grouped per unit
    (grouping on ``unit_id + 0`` keeps SQLite scanning instead of walking the unit_id index)
    counts the units untouched by any change with today's values. The few units with a changed
    device or category are then counted here, each device's and unit's value as of each year
    end read from its changes."""
    key = ("device_summary", tuple(years))
    if key in ctx.memo:
        return ctx.memo[key]
    status_key, cat_key = ("changes", "devices", "status"), ("changes", "units", "category")
    for k in (status_key, cat_key):
        if k not in ctx.memo:
            ctx.memo[k] = history.field_changes(ctx.session, k[1], k[2])
    dev_changes: dict[int, list[Any]] = ctx.memo[status_key]
    cat_changes: dict[int, list[Any]] = ctx.memo[cat_key]
    ends = {y: history.end_of_day(year_end(y)) for y in years}
    general = UnitCategory.GENERAL.value
    online_now = Device.status == DeviceStatus.ONLINE.value
    smoke = Device.kind == DeviceKind.SMOKE_DETECTOR.value
    smoke_now = and_(smoke, Device.status.in_(LIVE_DEVICE))
    dated = func.coalesce(Device.installed_on, EPOCH)
    # The changed devices of the subtree, and the units they belong to.
    changed_devices: Sequence[Any] = (
        ctx.session.execute(
            select(Device.id, Device.unit_id, Device.kind, Device.status, dated).where(
                Device.id.in_(_literal_ids(dev_changes)),
                Device.unit_id.is_not(None),
                ctx.inside(Device.jurisdiction_id),
            )
        ).all()
        if dev_changes
        else []
    )
    affected: set[int] = {d[1] for d in changed_devices} | set(cat_changes)
    unit_key = Device.unit_id + 0
    conds = [Device.unit_id.is_not(None), ctx.inside(Device.jurisdiction_id)]
    if dev_changes:
        conds.append(Device.id.not_in(_literal_ids(dev_changes)))
    columns = (
        func.min(case((online_now, dated))).label("online"),
        func.min(case((smoke_now, dated))).label("smoke"),
        func.sum(case((online_now, 1), else_=0)).label("n_online"),
        func.sum(case((smoke_now, 1), else_=0)).label("n_smoke"),
    )
    per_unit = select(unit_key.label("uid"), *columns).where(*conds).group_by(unit_key).subquery()
    c = per_unit.c
    in_scope = Unit.category != general
    query = (
        select(
            func.coalesce(func.sum(case((in_scope, c.n_online), else_=0)), 0).label("n_online"),
            func.coalesce(func.sum(c.n_smoke), 0).label("n_smoke"),
            *_sums("iot", years, lambda y: and_(in_scope, c.online <= year_end(y))),
            *_sums("smoke", years, lambda y: c.smoke <= year_end(y)),
        )
        .select_from(per_unit)
        .join(Unit, Unit.id == c.uid)
    )
    if affected:
        query = query.where(c.uid.not_in(_literal_ids(affected)))
    row = ctx.session.execute(query).one()
    out = {k: int(v or 0) for k, v in row._mapping.items()}
    if affected:
        ids = _literal_ids(affected)
        units = dict(
            ctx.session.execute(
                select(Unit.id, Unit.category).where(
                    Unit.id.in_(ids), ctx.inside(Unit.jurisdiction_id)
                )
            ).all()
        )
        # The unchanged devices of the affected units, through the unit_id index.
        sums = {
            r.uid: r
            for r in ctx.session.execute(
                select(Device.unit_id.label("uid"), *columns)
                .where(*conds, Device.unit_id.in_(ids))
                .group_by(Device.unit_id)
            ).all()
        }
        devices: dict[int, list[Any]] = {}
        for d in changed_devices:
            devices.setdefault(d[1], []).append(d)
            out["n_online"] += int(
                d[3] == DeviceStatus.ONLINE.value and units.get(d[1], general) != general
            )
            out["n_smoke"] += int(d[2] == DeviceKind.SMOKE_DETECTOR.value and d[3] in LIVE_DEVICE)
        for uid, category in units.items():
            base = sums.get(uid)
            if base is not None:
                out["n_smoke"] += int(base.n_smoke or 0)
                out["n_online"] += int(base.n_online or 0) if category != general else 0
            for y in years:
                end = year_end(y)
                cat = category
                if uid in cat_changes:
                    cat = history.value_at(cat_changes[uid], ends[y])
                statuses = [
                    (d[2], d[4], history.value_at(dev_changes[d[0]], ends[y]))
                    for d in devices.get(uid, [])
                ]
                online = (
                    base is not None and base.online is not None and base.online <= end
                ) or any(
                    st == DeviceStatus.ONLINE.value and _as_date(at) <= end
                    for _, at, st in statuses
                )
                smoky = (base is not None and base.smoke is not None and base.smoke <= end) or any(
                    kind == DeviceKind.SMOKE_DETECTOR.value
                    and st in LIVE_DEVICE
                    and _as_date(at) <= end
                    for kind, at, st in statuses
                )
                out[f"iot{y}"] += int(online and cat != general)
                out[f"smoke{y}"] += int(smoky)
    ctx.memo[key] = out
    return out


def _as_date(value: Any) -> date:
    """A date read back from SQL (SQLite may hand a COALESCE of dates back as text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@computation(Computation.IOT_MONITORING_COVERAGE_RATE)
def iot_coverage(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    scope = _monitored(ctx, years)
    dens = ctx.session.execute(
        select(*_sums("d", years, scope)).where(ctx.inside(Unit.jurisdiction_id))
    ).one()
    row = _device_summary(ctx, years)
    devices = Source("devices", _get(row, "n_online"), "online at the year end, installed by then")
    out: dict[int, Figure] = {}
    for y in years:
        den = _get(dens, f"d{y}")
        units = Source(
            "units",
            den,
            f"category other than general at the end of {y} (the monitoring scope), {ctx.subtree}",
        )
        out[y] = _rate_figure(ctx, _get(row, f"iot{y}"), den, (units, devices), note=UNITS_NOTE)
    return out


@computation(Computation.PREMISES_WITH_SMART_SMOKE_ALARM)
def smart_smoke_alarm_premises(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    row = _device_summary(ctx, years)
    out: dict[int, Figure] = {}
    for y in years:
        n = _get(row, f"smoke{y}")
        src = Source(
            "devices",
            _get(row, "n_smoke"),
            f"kind = smoke_detector, not decommissioned, installed by {year_end(y)}, "
            f"distinct units of {ctx.subtree}",
        )
        out[y] = Figure(float(n), n, None, (src,))
    return out


def _activity_rate(
    ctx: Context,
    years: Years,
    unit_filter: Callable[[int], ColumnElement[bool]] | None,
    model: Any,
    conds: Sequence[Any],
    what: str,
) -> dict[int, Figure]:
    """Units (passing ``unit_filter`` at the end of the year) with at least one ``model``
    record (columns year, unit_id, jurisdiction_id — the unit's place) in the year, over all of
    them."""
    inside = ctx.inside(Unit.jurisdiction_id)
    if unit_filter is None:
        den_all = ctx.session.execute(select(func.count(Unit.id)).where(inside)).scalar_one()
        dens = {y: int(den_all) for y in years}
    else:
        row = ctx.session.execute(select(*_sums("d", years, unit_filter)).where(inside)).one()
        dens = {y: _get(row, f"d{y}") for y in years}
    query = select(
        model.year,
        func.count(distinct(model.unit_id)).label("units"),
        func.count().label("records"),
    ).where(
        *conds,
        model.unit_id.is_not(None),
        ctx.inside(model.jurisdiction_id),
        model.year.in_(years),
    )
    if unit_filter is not None:
        query = query.join(Unit, Unit.id == model.unit_id).where(
            or_(*(and_(model.year == y, unit_filter(y)) for y in years))
        )
    rows = {r.year: r for r in ctx.session.execute(query.group_by(model.year)).all()}
    table = model.__tablename__
    note = PRESENT_NOTE if unit_filter is None else UNITS_NOTE
    out: dict[int, Figure] = {}
    for y in years:
        units = Source("units", dens[y], f"{what}, {ctx.subtree}")
        if y not in rows:
            out[y] = Figure(None, 0, dens[y], (units,), f"no {table} records for {y}")
            continue
        src = Source(table, rows[y].records, f"year = {y}, units of {ctx.subtree}")
        out[y] = _rate_figure(ctx, rows[y].units, dens[y], (units, src), note=note)
    return out


@computation(Computation.TRAINING_RATE)
def training_rate(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    employee = (TrainingRecord.kind == TrainingKind.EMPLOYEE.value,)
    return _activity_rate(ctx, years, None, TrainingRecord, employee, "all registered units")


@computation(Computation.KEY_UNIT_SYSTEM_USAGE_RATE)
def key_unit_system_usage(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    key = _key_unit(ctx, years)
    return _activity_rate(ctx, years, key, PatrolRound, (), "category = key at the year end")


# --- grids, towns, stations ---------------------------------------------------------------------


@computation(Computation.GRID_COVERAGE_RATE)
def grid_coverage(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    staffed = select(Grid.jurisdiction_id).join(GridWorker, GridWorker.grid_id == Grid.id)
    base = (ctx.inside(Jurisdiction.id), Jurisdiction.level == JurisdictionLevel.VILLAGE.value)
    den, num = ctx.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Jurisdiction.id.in_(staffed), 1), else_=0)), 0),
        ).where(*base)
    ).one()
    sources = (
        Source("jurisdictions", den, f"level = village, {ctx.subtree}"),
        Source("grids", int(num), "villages with a grid that has at least one grid worker"),
    )
    return {y: _rate_figure(ctx, int(num), den, sources, note=PRESENT_NOTE) for y in years}


def _town_coverage(
    ctx: Context,
    years: Years,
    station_filter: ColumnElement[bool],
    what: str,
    areas: int | None = None,
) -> dict[int, Figure]:
    """Towns with a station by each year end, over the towns the registry holds or, with
    ``areas``, over the number of areas the plan itself counts."""
    town = aliased(Jurisdiction)
    place = aliased(Jurisdiction)
    stations = (
        select(place.path.label("path"), func.coalesce(Station.opened_on, EPOCH).label("opened"))
        .join(place, place.id == Station.jurisdiction_id)
        .where(ctx.inside(Station.jurisdiction_id), station_filter)
        .subquery()
    )
    per_town = (
        select(town.id.label("id"), func.min(stations.c.opened).label("first"))
        .select_from(town)
        .outerjoin(stations, stations.c.path.like(town.path + "%"))
        .where(ctx.inside(town.id), town.level == JurisdictionLevel.TOWN.value)
        .group_by(town.id)
        .subquery()
    )
    row = ctx.session.execute(
        select(
            func.count().label("den"), *_sums("n", years, lambda y: per_town.c.first <= year_end(y))
        )
    ).one()
    held = _get(row, "den")
    towns = Source("jurisdictions", held, f"level = town, {ctx.subtree}")
    den = held if areas is None else areas
    note = (
        "" if areas is None else f"over the plan's {areas} areas; the registry holds {held} towns"
    )
    src = Source("stations", 0, what)
    out: dict[int, Figure] = {}
    for y in years:
        n = _get(row, f"n{y}")
        out[y] = _rate_figure(
            ctx,
            n,
            den,
            (towns, Source(src.table, n, f"{what}, opened by {year_end(y)}")),
            note=note,
        )
    return out


@computation(Computation.TOWN_STATION_COVERAGE_RATE)
def town_station_coverage(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    cond = and_(
        Station.status == StationStatus.EXISTING.value, Station.force_type.in_(RESCUE_FORCES)
    )
    areas = ind.parameters.denominator if ind.parameters is not None else None
    what = "towns with a national or government full-time station"
    return _town_coverage(ctx, years, cond, what, areas)


@computation(Computation.TOWN_SMALL_STATION_COVERAGE_RATE)
def town_small_station_coverage(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    cond = and_(
        Station.status == StationStatus.EXISTING.value,
        Station.station_class == StationClass.SMALL.value,
    )
    areas = ind.parameters.denominator if ind.parameters is not None else None
    what = "towns with a small station (station_class = small)"
    return _town_coverage(ctx, years, cond, what, areas)


def _minimums(ind: Indicator) -> dict[str, int]:
    p = ind.parameters
    if p is None or not p.min_vehicles:
        return MIN_VEHICLES
    return {str(k): v for k, v in p.min_vehicles.items()}


def _vehicle_rate(
    ctx: Context,
    years: Years,
    statuses: Sequence[str],
    what: str,
    minimums: dict[str, int],
) -> dict[int, Figure]:
    vehicles = (
        select(
            Vehicle.station_id.label("sid"),
            *[
                func.sum(
                    case(
                        (or_(Vehicle.in_service_year.is_(None), Vehicle.in_service_year <= y), 1),
                        else_=0,
                    )
                ).label(f"v{y}")
                for y in years
            ],
        )
        .where(ctx.inside(Vehicle.jurisdiction_id), Vehicle.status.in_(statuses))
        .group_by(Vehicle.station_id)
        .subquery()
    )
    minimum = case(minimums, value=Station.station_class, else_=0)
    classed = Station.station_class.in_(tuple(minimums))
    row = ctx.session.execute(
        select(
            *_sums("d", years, _on_duty(ctx)),
            *_sums(
                "n",
                years,
                lambda y: and_(_on_duty(ctx)(y), func.coalesce(vehicles.c[f"v{y}"], 0) >= minimum),
            ),
        )
        .select_from(Station)
        .outerjoin(vehicles, vehicles.c.sid == Station.id)
        .where(ctx.inside(Station.jurisdiction_id), classed)
    ).one()
    out: dict[int, Figure] = {}
    for y in years:
        den = _get(row, f"d{y}")
        q = select(Station.id).where(ctx.inside(Station.jurisdiction_id), classed, _on_duty(ctx)(y))
        sources = (
            Source(
                "stations",
                den,
                f"on duty at {year_end(y)} with a 建标152 class, {ctx.subtree}",
                ctx.ids_of(q, den),
            ),
            Source("vehicles", 0, f"{what}; minimum per class {minimums}"),
        )
        out[y] = _rate_figure(ctx, _get(row, f"n{y}"), den, sources)
    return out


@computation(Computation.STATION_EQUIPMENT_COMPLIANCE_RATE)
def station_equipment_compliance(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    statuses = tuple(s.value for s in VehicleStatus if s != VehicleStatus.OUT_OF_SERVICE)
    return _vehicle_rate(
        ctx,
        years,
        statuses,
        "vehicles not out of service (equipment items are not yet recorded)",
        _minimums(ind),
    )


@computation(Computation.STATION_DUTY_VEHICLE_RATE)
def station_duty_vehicles(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    statuses = (VehicleStatus.AVAILABLE.value, VehicleStatus.DISPATCHED.value)
    what = "vehicles available or dispatched (on duty)"
    return _vehicle_rate(ctx, years, statuses, what, _minimums(ind))


@computation(Computation.STATION_OPEN_RATE)
def station_open_rate(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    monthly = (
        select(
            OpenDay.station_id.label("sid"),
            OpenDay.year.label("year"),
            func.count().label("days"),
        )
        .where(ctx.inside(OpenDay.jurisdiction_id), OpenDay.year.in_(years))
        .group_by(OpenDay.station_id, OpenDay.year, OpenDay.month)
        .subquery()
    )
    per_station = (
        select(
            monthly.c.sid,
            monthly.c.year,
            func.sum(monthly.c.days).label("days"),
            func.sum(case((monthly.c.days >= 2, 1), else_=0)).label("months"),
        )
        .group_by(monthly.c.sid, monthly.c.year)
        .subquery()
    )
    open_enough = and_(per_station.c.days >= 30, per_station.c.months == 12)
    row = ctx.session.execute(
        select(
            *[
                func.sum(
                    case(
                        (and_(per_station.c.year == y, open_enough, _on_duty(ctx)(y)), 1),
                        else_=0,
                    )
                ).label(f"n{y}")
                for y in years
            ],
            *[
                func.sum(case((per_station.c.year == y, per_station.c.days), else_=0)).label(
                    f"r{y}"
                )
                for y in years
            ],
        )
        .select_from(per_station)
        .join(Station, Station.id == per_station.c.sid)
    ).one()
    dens = ctx.session.execute(
        select(*_sums("d", years, _on_duty(ctx))).where(ctx.inside(Station.jurisdiction_id))
    ).one()
    out: dict[int, Figure] = {}
    for y in years:
        den, days = _get(dens, f"d{y}"), _get(row, f"r{y}")
        stations = Source("stations", den, f"on duty at {year_end(y)}, {ctx.subtree}")
        if days == 0:
            out[y] = Figure(None, 0, den, (stations,), f"no open-day records for {y}")
            continue
        src = Source(
            "outreach_open_days",
            days,
            f"year = {y}; open ≥30 days and ≥2 days in each of 12 months",
        )
        out[y] = _rate_figure(ctx, _get(row, f"n{y}"), den, (stations, src))
    return out


# --- hazards, surveys, outreach, projects ---------------------------------------------------------


@computation(Computation.MAJOR_HAZARD_RECTIFICATION_RATE)
def major_hazard_rectification(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    counts = prevention_indicators.major_hazard_rectification(ctx.session, ctx.inside, years)
    out: dict[int, Figure] = {}
    for y in years:
        c = counts[y]
        src = Source(
            prevention_indicators.TABLE,
            c.due,
            f"major hazards (重大火灾隐患) with the deadline in force in {y}, {ctx.subtree}; "
            f"numerator: recheck passed (复查通过) by {year_end(y)}",
            ctx.ids_of(c.due_ids, c.due),
        )
        out[y] = _rate_figure(
            ctx, c.rectified, c.due, (src,), note="" if c.due else f"no major hazards due in {y}"
        )
    return out


def _surveys(ctx: Context, years: Years, column: Any, what: str) -> dict[int, Figure]:
    rows = {
        r.year: r
        for r in ctx.session.execute(
            select(
                Survey.year,
                func.count().label("batches"),
                func.sum(Survey.respondents).label("asked"),
                func.sum(column).label("yes"),
            )
            .where(ctx.inside(Survey.jurisdiction_id), Survey.year.in_(years))
            .group_by(Survey.year)
        ).all()
    }
    out: dict[int, Figure] = {}
    for y in years:
        if y not in rows:
            out[y] = Figure(None, note=f"no survey records for {y}")
            continue
        r = rows[y]
        q = select(Survey.id).where(ctx.inside(Survey.jurisdiction_id), Survey.year == y)
        src = Source(
            "outreach_surveys",
            r.batches,
            f"year = {y}, {ctx.subtree}; {what} over respondents",
            ctx.ids_of(q, r.batches),
        )
        out[y] = _rate_figure(ctx, int(r.yes), int(r.asked), (src,))
    return out


@computation(Computation.AWARENESS_RATE)
def awareness_rate(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    return _surveys(ctx, years, Survey.passed, "passed")


@computation(Computation.RESIDENT_EDUCATION_RATE)
def resident_education_rate(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    return _surveys(ctx, years, Survey.educated, "educated")


@computation(Computation.VOLUNTEER_PERSON_TIMES)
def volunteer_person_times(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    rows = {
        r.year: r
        for r in ctx.session.execute(
            select(
                Event.year,
                func.count().label("activities"),
                func.sum(Event.volunteer_person_times).label("times"),
            )
            .where(ctx.inside(Event.jurisdiction_id), Event.year.in_(years))
            .group_by(Event.year)
        ).all()
    }
    out: dict[int, Figure] = {}
    for y in years:
        if y not in rows:
            out[y] = Figure(None, note=f"no outreach event records for {y}")
            continue
        r = rows[y]
        q = select(Event.id).where(ctx.inside(Event.jurisdiction_id), Event.year == y)
        src = Source(
            "outreach_events",
            r.activities,
            f"year = {y}, {ctx.subtree}",
            ctx.ids_of(q, r.activities),
        )
        out[y] = Figure(float(r.times), int(r.times), None, (src,))
    return out


@computation(Computation.PROJECT_QUANTITY_DELIVERED)
def project_quantity(ctx: Context, ind: Indicator, years: Years) -> dict[int, Figure]:
    """Per project: the quantities reported up to the year end, or its whole quantity (1 for a
    single item) once reported completed, whichever is larger; summed over the counted projects."""
    base = (
        ctx.inside(ProjectProgress.jurisdiction_id),
        ProjectProgress.plan_id == ctx.plan.id,
        ProjectProgress.project_id.in_(ind.counts_projects),
    )
    rows = ctx.session.execute(
        select(
            ProjectProgress.project_id,
            func.count().label("records"),
            *[
                func.sum(
                    case(
                        (
                            ProjectProgress.reported_on <= year_end(y),
                            func.coalesce(ProjectProgress.quantity, 0.0),
                        ),
                        else_=0.0,
                    )
                ).label(f"q{y}")
                for y in years
            ],
            *_sums(
                "c",
                years,
                lambda y: and_(
                    ProjectProgress.completed.is_(True), ProjectProgress.reported_on <= year_end(y)
                ),
            ),
        )
        .where(*base)
        .group_by(ProjectProgress.project_id)
    ).all()
    whole = {p.id: (p.quantity or 1.0) for p in ctx.plan.projects if p.id in ind.counts_projects}
    records = sum(int(r.records) for r in rows)
    src = Source(
        "plans_project_progress",
        records,
        f"plan = {ctx.plan.id}, projects {list(ind.counts_projects)}, {ctx.subtree}",
        ctx.ids_of(select(ProjectProgress.id).where(*base), records),
    )
    out: dict[int, Figure] = {}
    for y in years:
        total = 0.0
        for r in rows:
            reported = float(r._mapping[f"q{y}"] or 0.0)
            done = whole[r.project_id] if _get(r, f"c{y}") else 0.0
            total += max(reported, done)
        out[y] = Figure(total, total, sum(whole.values()), (src,))
    return out
