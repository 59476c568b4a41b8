"""Supervision records of the demo county besides inspections and hazards: complaints and
reports (举报投诉) in every state, enforcement decisions (罚款, 停止使用, 临时查封; some lifted),
告知承诺 of places about to open (one found false), and credit records with a blacklist entry
(联合惩戒) and a repaired penalty (信用修复).

Deterministic for a seed and a day like :mod:`lanyan.demo.supervision`: every choice comes from
the ``random.Random`` it is given and every past time is counted back from ``today``. The
commitments are submitted and checked *now* (the service stamps them), so their checks fall on the
build day. Everything goes through the prevention services, validated and audited.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.timeutil import CHINA_TZ
from lanyan.prevention import commitments, complaints, credit, enforcement, inspections
from lanyan.prevention.choices import (
    ComplaintChannel,
    ComplaintResult,
    CreditKind,
    EnforcementKind,
    InspectionKind,
    JointPunishment,
)
from lanyan.prevention.models.inspections import Hazard, Inspection
from lanyan.prevention.schemas.inspections import FindingCreate, InspectionCreate
from lanyan.prevention.schemas.records import (
    BlacklistCreate,
    CommitmentCheck,
    CommitmentCreate,
    ComplaintAssign,
    ComplaintCreate,
    ComplaintFeedback,
    ComplaintVerify,
    CreditRepair,
    EnforcementCreate,
    EnforcementLift,
)
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import Actor

COMPLAINTS = 18  # the demo's own choice: about one report every three days over two months
REPORTS = (
    "安全出口被锁闭，疏散通道堆放货物",
    "楼道内电动自行车充电，飞线拉到楼上",
    "消防车通道被车辆长期占用",
    "商场消火栓箱被广告牌遮挡",
    "网吧消防控制室夜间无人值班",
    "仓库内住人，生产储存住宿“三合一”",
    "小餐馆液化气瓶放在厨房门口",
    "宾馆疏散指示标志不亮",
)
VENUES = ("星光影院", "乐活健身中心", "悦来宾馆", "童趣儿童乐园", "金色年华KTV")
MEASURES = (JointPunishment.BIDDING, JointPunishment.SUBSIDY, JointPunishment.PUBLICATION)
CROWDED = frozenset({UnitCategory.CROWDED.value, UnitCategory.KEY.value})


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ)


def _inspect(
    s: Session,
    actor: Actor,
    team: list[str],
    unit: Unit,
    kind: InspectionKind,
    at: datetime | None,
    note: str,
    findings: list[FindingCreate] | None = None,
) -> Inspection:
    return inspections.create_inspection(
        s,
        actor,
        EVERYWHERE,
        InspectionCreate(
            kind=kind,
            unit_code=unit.code,
            inspected_at=at,
            inspectors=team,
            notes=f"演示数据 demo record：{note}",
            findings=findings or [],
        ),
    )


def build(
    s: Session,
    actor: Actor,
    rng: random.Random,
    units: list[Unit],
    team: list[str],
    today: date,
    n_complaints: int = COMPLAINTS,
) -> dict[str, int]:
    """Write the records (see the module docstring); returns counts by kind."""
    counts = {"complaints": 0, "enforcement": 0, "commitments": 0, "credit": 0, "blacklist": 0}
    counts["complaints"] = _complaints(s, actor, rng, units, team, today, n_complaints)
    counts["enforcement"] = _enforcement(s, actor, rng, units, team, today)
    counts["commitments"] = _commitments(s, actor, rng, units, team, today)
    more, listed = _credit(s, actor, rng, units, team, today)
    counts["credit"] = more
    counts["blacklist"] = listed
    return counts


def _complaints(
    s: Session,
    actor: Actor,
    rng: random.Random,
    units: list[Unit],
    team: list[str],
    today: date,
    n: int,
) -> int:
    """Reports of the last two months: the older ones verified and fed back, the newest still
    received or being verified, two left overdue (逾期未核查)."""
    channels = list(ComplaintChannel)
    for i in range(n):
        age = round(60 * (n - i) / n) if i < n - 2 else i - (n - 2)  # the last two: today
        if i in (n - 5, n - 6):
            age = 9  # assigned but not verified in time: overdue
        unit = rng.choice(units)
        received = _at(today - timedelta(days=age), rng.randint(8, 20), rng.choice((5, 25, 40)))
        anonymous = rng.random() < 0.4
        row = complaints.intake(
            s,
            actor,
            EVERYWHERE,
            ComplaintCreate(
                channel=rng.choice(channels),
                external_no=f"GD{received:%Y%m%d}{rng.randint(1000, 9999)}",
                received_at=received,
                unit_code=unit.code,
                address=unit.address or "",
                content=rng.choice(REPORTS),
                reporter_name="" if anonymous else rng.choice(("王先生", "李女士", "张先生")),
                reporter_phone="" if anonymous else f"139{rng.randint(10000000, 99999999)}",
                anonymous=anonymous,
            ),
        )
        if age == 0:
            continue  # 已受理: waits for assignment
        complaints.assign(s, actor, EVERYWHERE, row.id, ComplaintAssign(assignee=rng.choice(team)))
        if age <= 9:
            continue  # 核查中 (overdue when older than its three days)
        found = rng.random() < 0.6
        checked = received + timedelta(days=1, hours=2)
        inspection = _inspect(
            s,
            actor,
            team,
            unit,
            InspectionKind.COMPLAINT,
            checked,
            f"举报核查 {row.code}",
            [
                FindingCreate(
                    description=row.content.split("，")[0],
                    deadline=checked.date() + timedelta(days=15),
                )
            ]
            if found
            else [],
        )
        result = ComplaintResult.SUBSTANTIATED if found else ComplaintResult.UNSUBSTANTIATED
        complaints.verify(
            s,
            actor,
            EVERYWHERE,
            row.id,
            ComplaintVerify(
                result=result,
                note="现场核查属实，已责令限期整改" if found else "现场核查未发现举报问题",
                inspection_code=inspection.code,
                at=checked + timedelta(hours=3),
            ),
        )
        if age <= 14:
            continue  # 已核查: feedback still to give
        complaints.feedback(
            s,
            actor,
            EVERYWHERE,
            row.id,
            ComplaintFeedback(
                feedback="经核查举报属实，已依法责令整改，感谢您的监督。"
                if found
                else "经现场核查，未发现所反映的问题。",
                reward=found and not anonymous and rng.random() < 0.5,
                at=checked + timedelta(days=1),
            ),
        )
    return n


def _enforcement(
    s: Session, actor: Actor, rng: random.Random, units: list[Unit], team: list[str], today: date
) -> int:
    """Two fines, two stop-use orders (one lifted after a recheck) and a seal-up in force."""
    picks = rng.sample(units, min(5, len(units)))
    plan = (
        (EnforcementKind.FINE, "xfl_60", 120, "占用、堵塞疏散通道，逾期未改正"),
        (EnforcementKind.FINE, "xfl_60", 45, "消防设施未保持完好有效"),
        (EnforcementKind.STOP_USE, "xfl_58", 90, "未经消防验收擅自投入使用"),
        (EnforcementKind.STOP_USE, "xfl_58", 20, "与承诺内容不符擅自营业"),
        (EnforcementKind.SEAL_UP, "xfl_54", 10, "重大火灾隐患不及时消除，严重威胁公共安全"),
    )
    n = 0
    for k, (unit, (kind, basis, age, facts)) in enumerate(zip(picks, plan, strict=False)):
        decided = today - timedelta(days=age)
        row = enforcement.decide(
            s,
            actor,
            EVERYWHERE,
            EnforcementCreate(
                kind=kind,
                unit_code=unit.code,
                basis=basis,
                decision_no=f"丰消{'行罚' if kind is EnforcementKind.FINE else '强'}决字"
                f"〔{decided.year}〕{k + 1:03d}号",
                decided_on=decided,
                starts_on=decided,
                amount_yuan=Decimal(rng.choice((5000, 10000, 20000, 30000)))
                if kind is EnforcementKind.FINE
                else None,
                facts=facts,
            ),
        )
        n += 1
        if kind is EnforcementKind.STOP_USE and age > 60:
            recheck = _inspect(
                s,
                actor,
                team,
                unit,
                InspectionKind.RECHECK,
                _at(decided + timedelta(days=30), 10),
                f"{row.code} 整改复查",
            )
            enforcement.lift(
                s,
                actor,
                EVERYWHERE,
                row.id,
                EnforcementLift(
                    lifted_on=decided + timedelta(days=31),
                    decision_no=f"丰消解决字〔{decided.year}〕{k + 1:03d}号",
                    reason="经复查已通过消防验收，解除停止使用",
                    inspection_code=recheck.code,
                ),
            )
    return n


def _commitments(
    s: Session, actor: Actor, rng: random.Random, units: list[Unit], team: list[str], today: date
) -> int:
    """告知承诺 of crowded places: two confirmed on inspection, one false (a credit penalty), two
    waiting for their check."""
    places = [u for u in units if u.category in CROWDED] or units
    picks = rng.sample(places, min(len(VENUES), len(places)))
    for i, (unit, venue) in enumerate(zip(picks, VENUES, strict=False)):
        row = commitments.submit(
            s,
            actor,
            EVERYWHERE,
            CommitmentCreate(
                unit_code=unit.code,
                venue=venue,
                address=unit.address or "",
                floor_area_m2=float(rng.choice((320, 680, 1200, 2400))),
                opens_on=today + timedelta(days=rng.randint(3, 20)),
                statements=[
                    "场所符合消防技术标准和管理规定",
                    "消防设施器材配置齐全、完好有效",
                    "疏散通道、安全出口畅通，员工经消防安全培训",
                ],
            ),
        )
        if i >= 3:
            continue  # 已承诺: the check is still to come
        check = _inspect(
            s, actor, team, unit, InspectionKind.COMMITMENT, None, f"告知承诺核查 {row.code}"
        )
        truthful = i != 2
        commitments.check(
            s,
            actor,
            EVERYWHERE,
            row.id,
            CommitmentCheck(
                inspection_code=check.code,
                truthful=truthful,
                note="与承诺一致" if truthful else "自动喷水灭火系统未安装，与承诺不符",
                penalty_points=20,
            ),
        )
    return len(picks)


def _credit(
    s: Session, actor: Actor, rng: random.Random, units: list[Unit], team: list[str], today: date
) -> tuple[int, int]:
    """Penalties and rewards, a blacklisted unit with its joint punishment, and a penalty repaired
    after the unit rectified (信用修复)."""
    open_units = set(
        s.execute(select(Hazard.unit_id).where(Hazard.state.not_in(credit.RECTIFIED))).scalars()
    )
    clean = [u for u in units if u.id not in open_units]
    n = 0
    for unit in rng.sample(units, min(4, len(units))):
        credit.add_record(
            s,
            actor,
            unit,
            CreditKind.PENALTY,
            rng.choice((10, 20, 30)),
            "拒不整改火灾隐患，受到行政处罚",
            today - timedelta(days=rng.randint(20, 200)),
        )
        n += 1
    for unit in rng.sample(units, min(3, len(units))):
        credit.add_record(
            s, actor, unit, CreditKind.REWARD, 5, "连续两年无火灾隐患，守信激励", today
        )
        n += 1
    worst = rng.choice(units)
    credit.add_record(
        s,
        actor,
        worst,
        CreditKind.PENALTY,
        50,
        "重大火灾隐患挂牌督办逾期未整改",
        today - timedelta(days=30),
    )
    credit.blacklist(
        s,
        actor,
        EVERYWHERE,
        BlacklistCreate(
            unit_code=worst.code,
            reason="重大火灾隐患逾期未整改，列入消防安全严重失信主体名单",
            decision_no=f"丰消信决字〔{today.year}〕001号",
            listed_on=today - timedelta(days=28),
            measures=list(MEASURES),
        ),
    )
    n += 1
    if clean:
        unit = rng.choice(clean)
        row = credit.add_record(
            s,
            actor,
            unit,
            CreditKind.PENALTY,
            20,
            "消防设施未保持完好有效",
            today - timedelta(days=60),
        )
        recheck = _inspect(
            s,
            actor,
            team,
            unit,
            InspectionKind.RECHECK,
            _at(today - timedelta(days=10), 10),
            "信用修复前复查",
        )
        credit.repair(
            s,
            actor,
            EVERYWHERE,
            row.id,
            CreditRepair(
                inspection_code=recheck.code,
                note="已完成整改并经复查合格，申请信用修复",
                repaired_on=today - timedelta(days=9),
            ),
        )
        n += 1
    return n, 1
