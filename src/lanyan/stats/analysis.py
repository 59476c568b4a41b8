"""Fire statistics analysis (火灾统计分析): the four figures (起数, 死亡, 受伤, 直接财产损失) by
year with the year-on-year change, and broken down by cause, place, grade, month, weekday, hour
and jurisdiction; points and per-jurisdiction totals for the map.

Every breakdown is one GROUP BY over the stored grouping columns inside the user's scope and the
chosen jurisdiction's subtree; jurisdictions are rolled up to the chosen one's children in Python
from the materialised paths.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, select
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import to_local, utcnow
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import Scope
from lanyan.stats.choices import FireCause, FireGrade, FirePlace
from lanyan.stats.models import FireRecord

WEEKDAYS_ZH = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
FIGURES = ("fires", "deaths", "injuries", "loss_yuan")


@dataclass(frozen=True)
class Filters:
    """What the analysis covers. ``year`` is the year in focus (its figures are compared with the
    year before); ``years`` the span of the trend; None means every value."""

    year: int
    first_year: int
    jurisdiction: str | None = None  # GB/T 2260 code; default the user's own jurisdiction
    cause: str | None = None
    place: str | None = None
    grade: str | None = None
    simplified: bool | None = None  # True: only 简易登记; False: only full records

    def check(self) -> None:
        problems = []
        if self.first_year > self.year:
            problems.append(FieldProblem("first_year", f"must not be after year {self.year}"))
        for key, enum in (("cause", FireCause), ("place", FirePlace), ("grade", FireGrade)):
            value = getattr(self, key)
            if value and value not in {m.value for m in enum}:
                problems.append(
                    FieldProblem(key, f"must be one of {', '.join(m.value for m in enum)}")
                )
        if problems:
            raise ValidationFailed("analysis filters refused", problems)


def _figures() -> list[Any]:
    return [
        func.count().label("fires"),
        func.coalesce(func.sum(FireRecord.deaths), 0).label("deaths"),
        func.coalesce(func.sum(FireRecord.injuries), 0).label("injuries"),
        func.coalesce(func.sum(FireRecord.direct_loss_yuan), 0.0).label("loss_yuan"),
    ]


def _as_dict(row: Any) -> dict[str, float]:
    return {
        "fires": int(row.fires),
        "deaths": int(row.deaths),
        "injuries": int(row.injuries),
        "loss_yuan": round(float(row.loss_yuan), 2),
    }


def root_of(session: Session, scope: Scope, code: str | None, home_id: int | None) -> Jurisdiction:
    """The jurisdiction the analysis covers: ``code`` inside the scope, else the user's own."""
    if code:
        row = session.execute(
            select(Jurisdiction).where(Jurisdiction.code == code, scope.jurisdictions())
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no jurisdiction {code} in your area")
        return row
    row = session.get(Jurisdiction, home_id) if home_id is not None else None
    if row is None:
        row = session.execute(
            select(Jurisdiction).where(scope.jurisdictions()).order_by(Jurisdiction.path).limit(1)
        ).scalar_one_or_none()
    if row is None:
        raise NotFound("no jurisdiction in your area")
    return row


def default_year(session: Session, scope: Scope, this_year: int | None = None) -> int:
    """The year an analysis opens on when none is asked for: this year (Asia/Shanghai) once it
    has a fire record in the user's area; until then the latest earlier year that has one
    (early January, or records kept up to an earlier year); this year if there are none."""
    this_year = this_year or to_local(utcnow()).year
    latest = session.scalar(
        select(func.max(FireRecord.year)).where(
            scope.within(FireRecord.jurisdiction_id), FireRecord.year <= this_year
        )
    )
    return latest if latest is not None else this_year


def _where(scope: Scope, root: Jurisdiction, f: Filters) -> ColumnElement[bool]:
    subtree = select(Jurisdiction.id).where(
        Jurisdiction.path.startswith(root.path, autoescape=True)
    )
    parts = [scope.within(FireRecord.jurisdiction_id), FireRecord.jurisdiction_id.in_(subtree)]
    if f.cause:
        parts.append(FireRecord.cause == f.cause)
    if f.place:
        parts.append(FireRecord.place == f.place)
    if f.grade:
        parts.append(FireRecord.grade == f.grade)
    if f.simplified is not None:
        parts.append(FireRecord.simplified.is_(f.simplified))
    return and_(*parts)


def _change(now: float, before: float) -> float | None:
    """Year-on-year change in percent (同比), None when the year before had none."""
    return None if not before else round((now - before) / before * 100, 1)


def analyse(
    session: Session, scope: Scope, f: Filters, home_id: int | None = None
) -> dict[str, Any]:
    """Every breakdown of the filtered records, as plain data for the page, API and workbook."""
    f.check()
    root = root_of(session, scope, f.jurisdiction, home_id)
    where = _where(scope, root, f)
    span = FireRecord.year.between(f.first_year, f.year)

    by_year_rows = {
        r.year: _as_dict(r)
        for r in session.execute(
            select(FireRecord.year, *_figures())
            .where(where, FireRecord.year.between(f.first_year - 1, f.year))
            .group_by(FireRecord.year)
        )
    }
    zero = dict.fromkeys(FIGURES, 0)
    by_year = []
    for y in range(f.first_year, f.year + 1):
        now, before = by_year_rows.get(y, zero), by_year_rows.get(y - 1, zero)
        by_year.append(
            {"year": y, **now, "change": {k: _change(now[k], before[k]) for k in FIGURES}}
        )
    focus = by_year[-1]

    def grouped(column: Any, focus_only: bool = True) -> dict[Any, dict[str, float]]:
        cond = FireRecord.year == f.year if focus_only else span
        return {
            r[0]: _as_dict(r)
            for r in session.execute(
                select(column, *_figures()).where(where, cond).group_by(column)
            )
        }

    def labelled(enum: Any, rows: dict[Any, dict[str, float]]) -> list[dict[str, Any]]:
        return [
            {"value": m.value, "zh": m.zh, "en": m.en, "color": m.color, **rows.get(m.value, zero)}
            for m in enum
        ]

    months = grouped(FireRecord.month)
    weekdays = grouped(FireRecord.weekday)
    hours = grouped(FireRecord.hour)
    grades = grouped(FireRecord.grade)
    simplified = grouped(FireRecord.simplified)
    return {
        "jurisdiction": {"code": root.code, "name": root.name},
        "year": f.year,
        "first_year": f.first_year,
        "totals": focus,
        "simplified_count": int(simplified.get(True, zero)["fires"]),
        "larger_or_above": sum(
            int(grades.get(g.value, zero)["fires"]) for g in FireGrade if g is not FireGrade.GENERAL
        ),
        "by_year": by_year,
        "by_cause": labelled(FireCause, grouped(FireRecord.cause)),
        "by_place": labelled(FirePlace, grouped(FireRecord.place)),
        "by_grade": labelled(FireGrade, grades),
        "by_month": [{"month": m, **months.get(m, zero)} for m in range(1, 13)],
        "by_weekday": [
            {"weekday": d, "zh": WEEKDAYS_ZH[d], "en": WEEKDAYS_EN[d], **weekdays.get(d, zero)}
            for d in range(7)
        ],
        "by_hour": [{"hour": h, **hours.get(h, zero)} for h in range(24)],
        "hour_unknown": int(hours.get(None, zero)["fires"]),
        "by_jurisdiction": by_jurisdiction(session, root, where, FireRecord.year == f.year),
    }


def by_jurisdiction(
    session: Session, root: Jurisdiction, where: ColumnElement[bool], cond: ColumnElement[bool]
) -> list[dict[str, Any]]:
    """The figures rolled up to each child of ``root`` (the root itself when it has none)."""
    children: Sequence[Row[int, str, str, str]] | list[Jurisdiction] = session.execute(
        select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.name, Jurisdiction.path)
        .where(Jurisdiction.parent_id == root.id)
        .order_by(Jurisdiction.code)
    ).all() or [root]  # a leaf (a town with no villages) is rolled up to itself
    per_place = session.execute(
        select(Jurisdiction.path, *_figures())
        .join(Jurisdiction, Jurisdiction.id == FireRecord.jurisdiction_id)
        .where(where, cond)
        .group_by(Jurisdiction.path)
    ).all()
    out: dict[str, dict[str, Any]] = {
        c.code: {"code": c.code, "name": c.name, **dict.fromkeys(FIGURES, 0)} for c in children
    }
    direct: dict[str, Any] = {
        "code": root.code,
        "name": f"{root.name}（本级）",
        **dict.fromkeys(FIGURES, 0),
    }
    for row in per_place:
        child = next((c for c in children if row.path.startswith(c.path)), None)
        target = out[child.code] if child is not None else direct
        for k, v in _as_dict(row).items():
            target[k] = round(target[k] + v, 2)
    rows = list(out.values())
    if direct["fires"]:
        rows.append(direct)
    return rows


def map_features(
    session: Session, scope: Scope, f: Filters, home_id: int | None = None, limit: int = 5000
) -> dict[str, Any]:
    """GeoJSON for the 一张图: the focus year's fires as points, and the root's children as
    polygons carrying their fire count (the choropleth)."""
    f.check()
    root = root_of(session, scope, f.jurisdiction, home_id)
    where = _where(scope, root, f)
    points = session.execute(
        select(
            FireRecord.code,
            FireRecord.lon,
            FireRecord.lat,
            FireRecord.grade,
            FireRecord.cause,
            FireRecord.place,
            FireRecord.deaths,
            FireRecord.injuries,
            FireRecord.direct_loss_yuan,
            FireRecord.occurred_on,
            FireRecord.simplified,
        )
        .where(where, FireRecord.year == f.year, FireRecord.lon.is_not(None))
        .order_by(FireRecord.occurred_on.desc())
        .limit(limit)
    ).all()
    figures = {
        r["code"]: r for r in by_jurisdiction(session, root, where, FireRecord.year == f.year)
    }
    boundaries = session.execute(
        select(Jurisdiction.code, Jurisdiction.boundary).where(
            Jurisdiction.code.in_(list(figures)), Jurisdiction.boundary.is_not(None)
        )
    ).all()
    return {
        "points": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                    "properties": {
                        "code": p.code,
                        "grade": p.grade,
                        "cause": p.cause,
                        "place": p.place,
                        "deaths": p.deaths,
                        "injuries": p.injuries,
                        "loss_yuan": p.direct_loss_yuan,
                        "date": p.occurred_on.isoformat(),
                        "simplified": p.simplified,
                    },
                }
                for p in points
            ],
        },
        "areas": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": json.loads(b), "properties": figures[c]}
                for c, b in boundaries
                if b is not None  # the query keeps only jurisdictions with a boundary
            ],
        },
    }
