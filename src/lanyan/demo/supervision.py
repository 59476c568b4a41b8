"""Supervision and risk records of the demo county: certified inspectors, two years of
inspections with their findings taken through the hazard loop, 挂牌督办 of major hazards,
complaints, enforcement, 告知承诺 and credit records (:mod:`lanyan.demo.supervision_records`), a
risk snapshot and a published 双随机 draw weighted by it.

Deterministic for a seed and a day: every draw comes from ``random.Random`` seeded with the seed
and the stage name, and every time is counted back from ``today`` (the build day, Asia/Shanghai),
so "overdue" and "today's tasks" mean the same thing whenever the demo is built. Everything goes
through the prevention and risk services, so it is validated and audited like a user's work.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.timeutil import CHINA_TZ
from lanyan.demo import supervision_records
from lanyan.demo.region import COUNTY_CODE
from lanyan.prevention import draw, draw_service, hazard_service, inspections
from lanyan.prevention.choices import HazardAction, InspectionKind
from lanyan.prevention.models.inspections import Hazard
from lanyan.prevention.schemas.inspections import (
    CertificateCreate,
    FindingCreate,
    HazardMove,
    InspectionCreate,
)
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.response import incidents
from lanyan.response.choices import IncidentType, TimelineStep
from lanyan.response.schemas import IncidentCreate
from lanyan.risk import config
from lanyan.risk import service as risk_service
from lanyan.store.audit import Actor

Progress = Callable[[str, int, int], None]  # (stage, done, total)
INSPECTORS = ("prevention", "inspector")  # demo users (build.DEMO_USERS) holding certificates
INSPECTIONS = 240  # the demo's own choice: about ten a month over two years
FIRES = 24  # closed fire incidents at units over five years (the demo's own choice)
# Typical findings (常见火灾隐患) with how often each is a major hazard (重大火灾隐患).
FINDINGS = (
    ("疏散通道堆放杂物，安全出口锁闭", 0.15),
    ("室内消火栓无水或被遮挡", 0.05),
    ("火灾自动报警系统故障未修复", 0.12),
    ("灭火器过期、压力不足", 0.0),
    ("常闭式防火门处于常开状态", 0.0),
    ("电动自行车在楼道内违规停放充电", 0.1),
    ("消防控制室值班人员无证上岗", 0.0),
    ("电气线路私拉乱接", 0.08),
    ("自动喷水灭火系统末端试水压力不足", 0.05),
    ("应急照明、疏散指示标志损坏", 0.0),
    ("生产、储存、住宿合用场所未有效分隔", 0.3),
)
DEPARTMENTS = ("区消防安全委员会办公室", "区应急管理局", "区住房和城乡建设局", "所在镇人民政府")
WEIGHT = {
    UnitCategory.HIGH_RISK.value: 6,
    UnitCategory.KEY.value: 4,
    UnitCategory.CROWDED.value: 3,
    UnitCategory.THREE_IN_ONE.value: 3,
    UnitCategory.NINE_SMALL.value: 1,
    UnitCategory.GENERAL.value: 1,
}
ACTOR = Actor("system:demo")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ)


def _move(s: Session, hazard_id: int, action: HazardAction, at: datetime, **kw: object) -> None:
    hazard_service.move(s, ACTOR, EVERYWHERE, hazard_id, HazardMove(action=action, at=at, **kw))


def build(
    session: Session,
    seed: int,
    today: date,
    progress: Progress | None = None,
    n_inspections: int = INSPECTIONS,
    n_fires: int = FIRES,
) -> dict[str, int]:
    """Write the supervision demo (see the module docstring); returns counts by kind."""
    rng = random.Random(f"{seed}:supervision")
    for i, name in enumerate(INSPECTORS, start=1):
        inspections.add_certificate(
            session,
            ACTOR,
            CertificateCreate(
                username=name,
                certificate_no=f"苏消执{seed % 10000:04d}{i:03d}",
                valid_from=today - timedelta(days=3 * 365),
                valid_until=today + timedelta(days=3 * 365),
            ),
        )
    units = list(session.execute(select(Unit).order_by(Unit.code)).scalars())
    weights = [WEIGHT.get(u.category, 1) for u in units]
    cum = list(accumulate(weights))  # once, not per draw: same draws as weights=, O(1) prep
    counts = {"inspections": 0, "hazards": 0, "closed": 0, "listed": 0}
    for n in range(n_inspections):
        unit = rng.choices(units, cum_weights=cum)[0]
        day = today - timedelta(days=rng.randint(3, 730))
        found_at = _at(day, rng.randint(9, 16), rng.choice((0, 15, 30, 45)))
        findings = []
        for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 2, 3))):
            text, p_major = rng.choice(FINDINGS)
            findings.append(
                FindingCreate(
                    description=text,
                    is_major=rng.random() < p_major,
                    deadline=day + timedelta(days=rng.choice((7, 15, 30, 45))),
                )
            )
        row = inspections.create_inspection(
            session,
            ACTOR,
            EVERYWHERE,
            InspectionCreate(
                kind=rng.choice(
                    (InspectionKind.RANDOM, InspectionKind.RANDOM, InspectionKind.SPECIAL)
                ),
                unit_code=unit.code,
                inspected_at=found_at,
                inspectors=list(INSPECTORS),
                notes="演示数据 demo record",
                findings=findings,
            ),
        )
        counts["inspections"] += 1
        found = session.execute(
            select(Hazard).where(Hazard.inspection_id == row.id).order_by(Hazard.id)
        ).scalars()
        for hazard in list(found):
            counts["hazards"] += 1
            counts["closed"] += _advance(session, rng, hazard.id, hazard.is_major, day, today)
            counts["listed"] += int(hazard.listed_at is not None)
        if progress:
            progress("inspections", n + 1, n_inspections)
    counts["fires"] = _fires(session, rng, units, weights, today, n_fires)
    if progress:
        progress("records", 0, 1)
    records = supervision_records.build(
        session, ACTOR, random.Random(f"{seed}:records"), units, list(INSPECTORS), today
    )
    counts.update(records)
    if progress:
        progress("records", 1, 1)
        progress("risk", 0, 1)
    result = risk_service.compute(session, ACTOR, EVERYWHERE, today, config.load())
    counts["risk_units"] = result.units
    counts["risk_warnings"] = len(result.warnings)
    if progress:
        progress("risk", 1, 1)
    # A published 双随机 draw of this month, its seed derived from the demo seed and the day;
    # credit-listed units and those of risk grades I and II (the snapshot above) weigh more.
    secret = hashlib.sha256(f"lanyan-demo-draw:{seed}:{today}".encode()).hexdigest()
    announced = draw_service.announce(
        session,
        ACTOR,
        EVERYWHERE,
        COUNTY_CODE,
        secret,
        draw.Rates(0.01, 0.05, 0.1, {"I": 0.3, "II": 0.1}),
    )
    draw_service.perform(session, ACTOR, EVERYWHERE, announced.code, secret)
    counts["draws"] = 1
    return counts


def _advance(
    s: Session, rng: random.Random, hazard_id: int, major: bool, found: date, today: date
) -> int:
    """Take one hazard along its loop as far as its age makes likely; 1 if it ended closed."""
    row = hazard_service.get_hazard(s, EVERYWHERE, hazard_id)
    assert row.deadline is not None
    age = (today - found).days
    if major and rng.random() < 0.8:
        _move(
            s,
            hazard_id,
            HazardAction.LIST,
            _at(found + timedelta(days=1), 10),
            department=rng.choice(DEPARTMENTS),
            deadline=found + timedelta(days=90),
            published=rng.random() < 0.6,
        )
    # Most units rectify in time; a few never start or stall (these become overdue).
    if age < 5 or rng.random() < 0.06:
        return 0
    _move(s, hazard_id, HazardAction.START, _at(found + timedelta(days=2), 9))
    if age < 12 or rng.random() < 0.05:
        return 0
    step = found + timedelta(days=min(age - 2, rng.randint(5, 40)))
    _move(s, hazard_id, HazardAction.REQUEST_RECHECK, _at(step, 10), note="已整改，申请复查")
    if step + timedelta(days=3) >= today or rng.random() < 0.05:
        return 0
    check = step + timedelta(days=3)
    if rng.random() < 0.15:
        _move(
            s,
            hazard_id,
            HazardAction.FAIL_RECHECK,
            _at(check, 15),
            note="整改不到位",
            deadline=check + timedelta(days=15),
        )
        if check + timedelta(days=20) >= today or rng.random() < 0.3:
            return 0
        _move(s, hazard_id, HazardAction.START, _at(check + timedelta(days=1), 9))
        check += timedelta(days=14)
        _move(s, hazard_id, HazardAction.REQUEST_RECHECK, _at(check, 10), note="再次整改完毕")
        check += timedelta(days=3)
    _move(s, hazard_id, HazardAction.PASS_RECHECK, _at(check, 15), note="复查合格")
    row = hazard_service.get_hazard(s, EVERYWHERE, hazard_id)
    if row.listed_at is not None:
        _move(s, hazard_id, HazardAction.DELIST, _at(check, 16))
    if check + timedelta(days=1) >= today:
        return 0
    _move(s, hazard_id, HazardAction.CLOSE, _at(check + timedelta(days=1), 9))
    return 1


def _fires(
    s: Session, rng: random.Random, units: list[Unit], weights: list[int], today: date, n: int
) -> int:
    """Past fires (火灾警情) at units over five years, each closed: the risk index's history."""
    cum = list(accumulate(weights))
    for _ in range(n):
        unit = rng.choices(units, cum_weights=cum)[0]
        at = _at(
            today - timedelta(days=rng.randint(30, 5 * 365)), rng.randint(0, 23), rng.randint(0, 59)
        )
        incident = incidents.create_incident(
            s,
            ACTOR,
            EVERYWHERE,
            IncidentCreate(
                incident_type=IncidentType.FIRE,
                received_at=at,
                unit_code=unit.code,
                address=unit.address or unit.name,
                summary="演示数据：已扑灭的火灾 demo record",
            ),
        )
        for step, minutes in (
            (TimelineStep.DISPATCHED, 1),
            (TimelineStep.ARRIVED, 9),
            (TimelineStep.EXTINGUISHED, 45),
            (TimelineStep.RETURNED, 90),
        ):
            incidents.append_step(s, ACTOR, incident, step, at + timedelta(minutes=minutes), "")
    return n
