"""Risk service: compute and store a day's snapshot (units, areas, warnings) and read it back.

``compute`` scores every unit inside the caller's scope on ``as_of``, replaces that day's unit
and area rows inside the scope, records the warnings whose lines were crossed since the previous
snapshot, and writes one audit entry summarising the run: in the caller's transaction
(``compute``) or in short transactions of its own (``compute_in_chunks``, for the server and the
CLI: a 50,000-unit city must not hold the write lock for half a minute).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from statistics import fmean
from typing import Any

import h3
from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Grid, Jurisdiction, Unit
from lanyan.registry.scope import Scope
from lanyan.risk import credit, features, index
from lanyan.risk.choices import AreaKind, RiskGrade, WarningKind
from lanyan.risk.config import GRADES, RiskModel
from lanyan.risk.models import AreaRiskScore, RiskWarning, UnitRiskScore
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.db import unit_of_work
from lanyan.store.paging import paginate

SLUG = "risk"
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class ComputeResult:
    as_of: date
    units: int
    grades: dict[str, int]
    areas: int
    warnings: list[RiskWarning] = field(default_factory=list)
    config_sha256: str = ""


def unit_in_scope(scope: Scope) -> ColumnElement[bool]:
    return scope.within(Unit.jurisdiction_id)


def _area_rows(
    as_of: date, scored: list[dict[str, Any]], model: RiskModel, names: dict[tuple[str, str], str]
) -> list[dict[str, Any]]:
    buckets: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for row in scored:
        jid = row["jurisdiction_id"]
        if row["grid_key"]:
            buckets[(AreaKind.GRID.value, row["grid_key"], row["grid_jurisdiction_id"])].append(row)
        if row["h3_cell"]:
            buckets[(AreaKind.H3.value, row["h3_cell"], jid)].append(row)
        buckets[(AreaKind.JURISDICTION.value, row["jurisdiction_code"], jid)].append(row)
    out = []
    for (kind, key, jid), rows in sorted(buckets.items()):
        mean = round(fmean(r["score"] for r in rows), 2)
        counts = Counter(r["grade"] for r in rows)
        out.append(
            {
                "as_of": as_of,
                "kind": kind,
                "area_key": key,
                "name": names.get((kind, key), ""),
                "jurisdiction_id": jid,
                "units": len(rows),
                "mean_score": mean,
                "max_score": max(r["score"] for r in rows),
                "grade": model.grade(mean),
                "grade_counts": {g: counts.get(g, 0) for g in GRADES},
            }
        )
    return out


def _previous_date(session: Session, as_of: date, scope: Scope) -> date | None:
    return session.execute(
        select(func.max(AreaRiskScore.as_of)).where(
            AreaRiskScore.as_of < as_of, scope.within(AreaRiskScore.jurisdiction_id)
        )
    ).scalar_one_or_none()


def _warnings(
    session: Session,
    as_of: date,
    scope: Scope,
    model: RiskModel,
    areas: list[dict[str, Any]],
    scored: list[dict[str, Any]],
    jur_names: dict[int, tuple[str, str]],
) -> list[dict[str, Any]]:
    """Warnings for lines crossed since the previous snapshot (or first crossed now)."""
    prev_day = _previous_date(session, as_of, scope)
    prev: dict[tuple[str, str, int], AreaRiskScore] = {}
    if prev_day is not None:
        for earlier in session.execute(
            select(AreaRiskScore).where(
                AreaRiskScore.as_of == prev_day, scope.within(AreaRiskScore.jurisdiction_id)
            )
        ).scalars():
            prev[(earlier.kind, earlier.area_key, earlier.jurisdiction_id)] = earlier
    already = {
        (w.kind, w.target)
        for w in session.execute(
            select(RiskWarning).where(
                RiskWarning.as_of == as_of, scope.within(RiskWarning.jurisdiction_id)
            )
        ).scalars()
    }
    lines = model.warnings
    now = utcnow()
    out: list[dict[str, Any]] = []

    def add(
        kind: WarningKind,
        target: str,
        name: str,
        audience: str,
        jid: int,
        value: float,
        line: float,
    ) -> None:
        if (kind.value, target) in already:
            return
        already.add((kind.value, target))
        out.append(
            {
                "as_of": as_of,
                "kind": kind.value,
                "target": target,
                "target_name": name,
                "audience": audience,
                "jurisdiction_id": jid,
                "value": round(value, 3),
                "threshold": line,
                "message": f"{kind.zh}: {name or target} {value:.3g} ≥ {line:g} ({kind.en})",
                "created_at": now,
            }
        )

    for a in areas:
        if a["kind"] == AreaKind.JURISDICTION.value:
            continue
        key = (a["kind"], a["area_key"], a["jurisdiction_id"])
        before = prev.get(key)
        town = jur_names.get(a["jurisdiction_id"], ("", ""))[1]
        if a["kind"] == AreaKind.GRID.value:
            audience = f"网格员（{a['name'] or a['area_key']}）、{town}防火监督员"
        else:
            audience = f"{town}防火监督员"
        target = f"{a['kind']}:{a['area_key']}"
        line = lines.get(WarningKind.AREA_SCORE.value)
        if (
            line is not None
            and a["mean_score"] >= line
            and (before is None or before.mean_score < line)
        ):
            add(
                WarningKind.AREA_SCORE,
                target,
                a["name"],
                audience,
                a["jurisdiction_id"],
                a["mean_score"],
                line,
            )
        line = lines.get(WarningKind.AREA_GRADE_I.value)
        n_red = a["grade_counts"].get(RiskGrade.I.value, 0)
        if (
            line is not None
            and n_red >= line
            and (before is None or before.grade_counts.get(RiskGrade.I.value, 0) < line)
        ):
            add(
                WarningKind.AREA_GRADE_I,
                target,
                a["name"],
                audience,
                a["jurisdiction_id"],
                n_red,
                line,
            )

    line = lines.get(WarningKind.GROUP_HIGH_SHARE.value)
    if line is not None:
        groups: dict[tuple[int, str], list[str]] = defaultdict(list)
        for s in scored:
            groups[(s["jurisdiction_id"], s["category"])].append(s["grade"])
        prev_groups: dict[tuple[int, str], list[str]] = defaultdict(list)
        if prev_day is not None:
            for jid, cat, grade in session.execute(
                select(UnitRiskScore.jurisdiction_id, Unit.category, UnitRiskScore.grade)
                .join(Unit, Unit.id == UnitRiskScore.unit_id)
                .where(UnitRiskScore.as_of == prev_day, unit_in_scope(scope))
            ):
                prev_groups[(jid, cat)].append(grade)
        high = {RiskGrade.I.value, RiskGrade.II.value}
        for (jid, cat), grades in sorted(groups.items()):
            share = sum(g in high for g in grades) / len(grades)
            old = prev_groups.get((jid, cat))
            old_share = sum(g in high for g in old) / len(old) if old else None
            if share >= line and (old_share is None or old_share < line):
                code, jname = jur_names.get(jid, ("", ""))
                label = UnitCategory(cat).zh if cat in UnitCategory._value2member_map_ else cat
                add(
                    WarningKind.GROUP_HIGH_SHARE,
                    f"category:{cat}@{code}",
                    f"{jname}{label}",
                    f"{jname}防火监督员、{label}行业主管部门",
                    jid,
                    share,
                    line,
                )
    return out


@dataclass
class Snapshot:
    """A day's scores, computed but not yet stored (see :func:`score`)."""

    as_of: date
    model: RiskModel
    rows: list[dict[str, Any]]  # unit_risk_scores rows, in unit id order
    scored: list[dict[str, Any]]  # what the area figures and warnings need of each unit
    grids: dict[int, tuple[str, str, int]]
    jur_names: dict[int, tuple[str, str]]


def score(
    session: Session,
    scope: Scope,
    as_of: date,
    model: RiskModel,
    credit_provider: credit.CreditProvider | None = None,
    progress: Progress | None = None,
) -> Snapshot:
    """Score every unit in ``scope`` on ``as_of``; reads only, writes nothing."""
    units = list(
        session.execute(select(Unit).where(unit_in_scope(scope)).order_by(Unit.id)).scalars()
    )
    total = len(units)
    if progress:
        progress("features", 0, total)
    raw = features.collect(session, units, as_of, model, credit_provider)
    if progress:
        progress("features", total, total)
    grids = {
        g.id: (g.code, g.name, g.jurisdiction_id)
        for g in session.execute(select(Grid).where(scope.within(Grid.jurisdiction_id))).scalars()
    }
    jur_names = {
        j.id: (j.code, j.name)
        for j in session.execute(select(Jurisdiction).where(scope.jurisdictions())).scalars()
    }
    now = utcnow()
    rows: list[dict[str, Any]] = []
    scored: list[dict[str, Any]] = []
    for i, u in enumerate(units, start=1):
        result = index.score(raw[u.id], model)
        cell = h3.latlng_to_cell(u.lat, u.lon, model.h3_resolution)
        grid = grids.get(u.grid_id) if u.grid_id else None
        rows.append(
            {
                "as_of": as_of,
                "unit_id": u.id,
                "jurisdiction_id": u.jurisdiction_id,
                "grid_id": u.grid_id,
                "h3_cell": cell,
                "score": result.score,
                "grade": result.grade.value,
                "contributions": result.explanation(),
                "config_sha256": model.sha256,
                "computed_at": now,
            }
        )
        scored.append(
            {
                "score": result.score,
                "grade": result.grade.value,
                "category": u.category,
                "jurisdiction_id": u.jurisdiction_id,
                "jurisdiction_code": jur_names.get(u.jurisdiction_id, ("", ""))[0],
                "grid_key": grid[0] if grid else None,
                "grid_jurisdiction_id": grid[2] if grid else None,
                "h3_cell": cell,
            }
        )
        if progress and (i % 200 == 0 or i == total):
            progress("score", i, total)
    return Snapshot(as_of, model, rows, scored, grids, jur_names)


def store_units(session: Session, rows: list[dict[str, Any]]) -> None:
    """Replace these units' scores of the day (one chunk of a snapshot): each unit's row is
    its old score or its new one, never missing, whoever reads in between."""
    if not rows:
        return
    as_of = rows[0]["as_of"]
    session.execute(
        delete(UnitRiskScore).where(
            UnitRiskScore.as_of == as_of, UnitRiskScore.unit_id.in_([r["unit_id"] for r in rows])
        )
    )
    session.execute(insert(UnitRiskScore), rows)


def finish(session: Session, actor: Actor, scope: Scope, snap: Snapshot) -> ComputeResult:
    """The snapshot's last transaction, once every unit row is stored: drop the scores of the
    day of units no longer in the snapshot, replace the area rows (which make the day the
    latest for readers, see :func:`latest_date`), record the warnings and one audit entry."""
    audit.begin_write(session)
    as_of, model, rows = snap.as_of, snap.model, snap.rows
    kept = {r["unit_id"] for r in rows}
    stale = [
        unit_id
        for unit_id in session.scalars(
            select(UnitRiskScore.unit_id).where(
                UnitRiskScore.as_of == as_of, scope.within(UnitRiskScore.jurisdiction_id)
            )
        )
        if unit_id not in kept
    ]
    for at in range(0, len(stale), 500):
        session.execute(
            delete(UnitRiskScore).where(
                UnitRiskScore.as_of == as_of, UnitRiskScore.unit_id.in_(stale[at : at + 500])
            )
        )
    session.execute(
        delete(AreaRiskScore).where(
            AreaRiskScore.as_of == as_of, scope.within(AreaRiskScore.jurisdiction_id)
        )
    )
    names = {(AreaKind.GRID.value, code): name for code, name, _ in snap.grids.values()}
    names |= {(AreaKind.JURISDICTION.value, code): name for code, name in snap.jur_names.values()}
    areas = _area_rows(as_of, snap.scored, model, names)
    warnings = _warnings(session, as_of, scope, model, areas, snap.scored, snap.jur_names)
    if areas:
        session.execute(insert(AreaRiskScore), areas)
    stored: list[RiskWarning] = []
    for w in warnings:
        row = RiskWarning(**w)
        session.add(row)
        stored.append(row)
    session.flush()
    grades = Counter(r["grade"] for r in rows)
    grade_counts = {g: grades.get(g, 0) for g in GRADES}
    summary = {
        "as_of": as_of.isoformat(),
        "units": len(rows),
        "grades": grade_counts,
        "areas": len(areas),
        "warnings": [w.id for w in stored],
        "config_sha256": model.sha256,
    }
    audit.record(
        session, actor, "compute", SLUG, as_of.isoformat(), None, summary, scope_path=scope.path
    )
    return ComputeResult(as_of, len(rows), grade_counts, len(areas), stored, model.sha256)


def compute(
    session: Session,
    actor: Actor,
    scope: Scope,
    as_of: date,
    model: RiskModel,
    credit_provider: credit.CreditProvider | None = None,
    progress: Progress | None = None,
) -> ComputeResult:
    """Score every unit in ``scope`` on ``as_of`` and store the snapshot in the caller's
    transaction (the demo builds its region in one). A server or the CLI calls
    :func:`compute_in_chunks`, which never holds the write lock for long."""
    snap = score(session, scope, as_of, model, credit_provider, progress)
    store_units(session, snap.rows)
    result = finish(session, actor, scope, snap)
    if progress:
        progress("store", len(snap.rows), len(snap.rows))
    return result


CHUNK = 500  # unit rows per transaction: a few tens of milliseconds of the write lock


def compute_in_chunks(
    factory: sessionmaker[Session],
    actor: Actor,
    scope: Scope,
    as_of: date,
    model: RiskModel,
    credit_provider: credit.CreditProvider | None = None,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> ComputeResult:
    """:func:`compute` in short transactions, so log-ins, alarm confirms and dispatches never
    wait behind it: scoring only reads (no lock), the unit rows are stored ``chunk`` at a time
    (each unit always has its old or its new row of the day), and the area rows, warnings and
    audit entry are one last short transaction. Readers see the day once its area rows are
    stored (a first snapshot of a new day appears whole)."""
    with factory() as session:
        snap = score(session, scope, as_of, model, credit_provider, progress)
    total = len(snap.rows)
    for at in range(0, total, chunk):
        with unit_of_work(factory) as session:
            store_units(session, snap.rows[at : at + chunk])
        if progress:
            progress("store", min(at + chunk, total), total)
    with unit_of_work(factory) as session:
        result = finish(session, actor, scope, snap)
    if progress and not total:
        progress("store", 0, 0)
    return result


def latest_date(session: Session, scope: Scope) -> date | None:
    """The latest finished snapshot day in ``scope``: its area rows are the snapshot's last
    write (a day whose unit rows are still being stored in chunks is not yet the latest)."""
    return session.execute(
        select(func.max(AreaRiskScore.as_of)).where(scope.within(AreaRiskScore.jurisdiction_id))
    ).scalar_one_or_none()


def _day(session: Session, scope: Scope, as_of: date | None) -> date:
    day = as_of or latest_date(session, scope)
    if day is None:
        raise NotFound("no risk snapshot yet: run `lanyan risk compute` or POST /api/risk/compute")
    return day


def list_units(
    session: Session,
    scope: Scope,
    as_of: date | None = None,
    grade: RiskGrade | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[date, list[tuple[UnitRiskScore, Unit]], int]:
    """A day's unit scores inside ``scope``, highest first."""
    day = _day(session, scope, as_of)
    where: list[ColumnElement[bool]] = [
        UnitRiskScore.as_of == day,
        scope.within(UnitRiskScore.jurisdiction_id),
    ]
    if grade is not None:
        where.append(UnitRiskScore.grade == grade.value)
    rows, total = paginate(
        session,
        select(UnitRiskScore, Unit)
        .join(Unit, Unit.id == UnitRiskScore.unit_id)
        .where(*where)
        .order_by(UnitRiskScore.score.desc(), Unit.code),
        page,
        size,
    )
    return day, [(s, u) for s, u in rows], total


def map_units(
    session: Session,
    scope: Scope,
    day: date,
    bbox: tuple[float, float, float, float] | None = None,
) -> list[tuple[UnitRiskScore, Unit]]:
    """The unit scores of ``day`` inside ``scope`` (and ``bbox``: minlon, minlat, maxlon,
    maxlat, filtered in SQL) with their units, lowest score first (so a map draws the
    riskiest last, on top)."""
    where = [UnitRiskScore.as_of == day, scope.within(UnitRiskScore.jurisdiction_id)]
    if bbox is not None:
        where += [Unit.lon.between(bbox[0], bbox[2]), Unit.lat.between(bbox[1], bbox[3])]
    rows = session.execute(
        select(UnitRiskScore, Unit)
        .join(Unit, Unit.id == UnitRiskScore.unit_id)
        .where(*where)
        .order_by(UnitRiskScore.score)
    ).all()
    return [(s, u) for s, u in rows]


def unit_history(
    session: Session, scope: Scope, unit_code: str
) -> tuple[Unit, list[UnitRiskScore]]:
    unit = session.execute(
        select(Unit).where(Unit.code == unit_code, unit_in_scope(scope))
    ).scalar_one_or_none()
    if unit is None:
        raise NotFound(f"unit {unit_code} does not exist or is outside your jurisdiction")
    scores = session.execute(
        select(UnitRiskScore)
        .where(UnitRiskScore.unit_id == unit.id)
        .order_by(UnitRiskScore.as_of.desc())
    ).scalars()
    return unit, list(scores)


def list_areas(
    session: Session, scope: Scope, kind: AreaKind, as_of: date | None = None
) -> tuple[date, list[AreaRiskScore]]:
    day = _day(session, scope, as_of)
    rows = session.execute(
        select(AreaRiskScore)
        .where(
            AreaRiskScore.as_of == day,
            AreaRiskScore.kind == kind.value,
            scope.within(AreaRiskScore.jurisdiction_id),
        )
        .order_by(AreaRiskScore.mean_score.desc(), AreaRiskScore.area_key)
    ).scalars()
    return day, list(rows)


def list_warnings(
    session: Session, scope: Scope, as_of: date | None = None, limit: int = 200
) -> list[RiskWarning]:
    where: list[ColumnElement[bool]] = [scope.within(RiskWarning.jurisdiction_id)]
    if as_of is not None:
        where.append(RiskWarning.as_of == as_of)
    return list(
        session.execute(
            select(RiskWarning)
            .where(*where)
            .order_by(RiskWarning.as_of.desc(), RiskWarning.id.desc())
            .limit(limit)
        ).scalars()
    )


def h3_boundary(cell: str) -> list[list[float]]:
    """The cell's outline as a closed GeoJSON ring of [lon, lat]."""
    ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
    return [*ring, ring[0]]


def parse_day(text: str | None, field_name: str = "as_of") -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"{field_name} {text!r} is not a date",
            [FieldProblem(field_name, "must be a date like 2025-06-30")],
        ) from None


def unit_codes_by_grade(
    session: Session,
    scope: Scope,
    grades: frozenset[RiskGrade] = frozenset({RiskGrade.I, RiskGrade.II}),
    as_of: date | None = None,
) -> set[str]:
    """Codes of the units in ``scope`` whose grade on the snapshot day is in ``grades``: the
    units a risk-weighted 双随机 draw samples at its high-risk rate (empty with no snapshot)."""
    day = as_of or latest_date(session, scope)
    if day is None:
        return set()
    return set(
        session.execute(
            select(Unit.code)
            .join(UnitRiskScore, UnitRiskScore.unit_id == Unit.id)
            .where(
                UnitRiskScore.as_of == day,
                UnitRiskScore.grade.in_([g.value for g in grades]),
                scope.within(UnitRiskScore.jurisdiction_id),
            )
        ).scalars()
    )


def unit_risk_grade(session: Session, unit_id: int) -> dict[str, Any] | None:
    """The unit's latest risk snapshot for other domains (the 119 card shows it): grade, its
    zh/en names and colour, score and day; None when the unit has never been scored."""
    row = session.execute(
        select(UnitRiskScore)
        .where(UnitRiskScore.unit_id == unit_id)
        .order_by(UnitRiskScore.as_of.desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    grade = RiskGrade(row.grade)
    return {
        "grade": grade.zh,
        "grade_en": grade.en,
        "level": grade.value,
        "color": grade.color,
        "score": round(row.score, 1),
        "as_of": row.as_of.isoformat(),
    }
