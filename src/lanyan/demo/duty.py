"""Demo equipment, supplies and patrols: what a station's logistics officer, a unit safety manager
and a grid worker find when they sign in to the demo.

Everything is written through the domains' services (audited), deterministically from the seed:

* equipment (装备): a county depot, a small catalogue, required quantities (配备标准) at the
  national and government full-time stations, items issued there — some overdue for inspection,
  one under repair — so the ledger, the backup rate and the label sheets show real figures;
* supplies (战勤物资): consumables in lots with shelf lives (one lot expired, one expiring soon) and
  the eight 战勤保障模块 of Lianzhou's plan (L498), all but one on standby;
* patrols (巡查): the demo grid worker on duty for the grid with the most 九小场所, QR checkpoints
  at those premises, grid patrols this month; the demo unit manager's unit with its own
  checkpoints and daily patrols (防火巡查) this month and a monthly check (防火检查).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.accounts.models import AccountUnit, User
from lanyan.core.timeutil import to_local, utcnow
from lanyan.logistics import service as equipment
from lanyan.logistics import supplies
from lanyan.logistics.choices import ItemAction, LocationKind, ModuleKind
from lanyan.logistics.schemas.equipment import (
    DepotCreate,
    ItemCreate,
    KindCreate,
    MoveCreate,
    RequirementSet,
)
from lanyan.logistics.schemas.supplies import LotReceive, ModuleCreate, SupplyKindCreate
from lanyan.prevention import patrols
from lanyan.registry.choices import ForceType, UnitCategory
from lanyan.registry.models import Grid, Jurisdiction, Station, Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import Actor

Progress = Callable[[str, int], None]
ACTOR = Actor("system:demo")
COUNTY = "320904"

KINDS = (  # code, name, category, 计量单位, inspection days, maintenance days, required per station
    ("SCBA", "正压式消防空气呼吸器", "protective_gear", "具", 30, 180, 6),
    ("SUIT", "消防员灭火防护服", "protective_gear", "套", 90, 365, 8),
    ("TIC", "消防热成像仪", "detection", "台", 90, 365, 1),
    ("LIGHT", "移动照明灯组", "support", "台", 90, 365, 1),
    ("PUMP", "手抬机动消防泵", "firefighting", "台", 30, 180, 1),
)
SUPPLY_KINDS = (  # code, name, category, unit, shelf life (days), lots: (quantity, received days ago)
    ("FOAM-AFFF", "水成膜泡沫灭火剂", "extinguishing_agent", "吨", 1095, ((12, 200), (6, 1080))),
    ("WATER", "瓶装饮用水", "food_water", "箱", 365, ((300, 60), (40, 340))),
    ("RATION", "自热食品", "food_water", "箱", 540, ((150, 90),)),
    ("MEDKIT", "急救药品包", "medical", "包", 730, ((60, 120),)),
    ("BATTERY", "照明灯组电池", "battery", "块", 1095, ((80, 30),)),
    ("DIESEL", "柴油", "fuel", "升", 365, ((2000, 20),)),
    ("MASK", "防毒面罩滤罐", "protective", "个", 1825, ((400, 400), (50, 1900))),
)
MODULES = {  # the reserve standard of each of the eight module kinds (supply code, quantity)
    ModuleKind.BUILDING_FIRE: (("FOAM-AFFF", 2), ("MASK", 40)),
    ModuleKind.PETROCHEMICAL_FIRE: (("FOAM-AFFF", 6), ("MASK", 60)),
    ModuleKind.FOREST_FIRE: (("WATER", 40), ("RATION", 20), ("DIESEL", 200)),
    ModuleKind.GEOLOGICAL: (("BATTERY", 20), ("MEDKIT", 10)),
    ModuleKind.MOUNTAIN_RESCUE: (("MEDKIT", 10), ("RATION", 10)),
    ModuleKind.WATER_RESCUE: (("MEDKIT", 6), ("BATTERY", 10)),
    ModuleKind.COMMAND_POST: (("BATTERY", 30), ("DIESEL", 400)),
    ModuleKind.LIFE_SUPPORT: (("WATER", 120), ("RATION", 80), ("MEDKIT", 10)),
}
UNIT_POINTS = ("消防控制室", "消防水泵房", "疏散楼梯（东）", "疏散楼梯（西）", "配电房")


def _today() -> date:
    local = to_local(utcnow())
    assert local is not None
    return local.date()


def _at(day: date, hour: int) -> datetime:
    """``hour`` o'clock Beijing time on ``day``, as UTC."""
    return datetime.combine(day, time(hour), tzinfo=UTC) - timedelta(hours=8)


def build_equipment(
    session: Session, seed: int, progress: Progress | None = None
) -> dict[str, int]:
    """The equipment ledger and the supplies with their modules; returns counts."""
    rng = random.Random(f"{seed}:duty:equipment")
    today = _today()
    county = session.execute(select(Jurisdiction).where(Jurisdiction.code == COUNTY)).scalar_one()
    depot = equipment.create_depot(
        session,
        ACTOR,
        EVERYWHERE,
        DepotCreate(code="DEP-DF", name="大丰区战勤保障库", jurisdiction_code=county.code),
    )
    for code, name, category, unit, inspect, maintain, _ in KINDS:
        equipment.create_kind(
            session,
            ACTOR,
            KindCreate(
                code=code,
                name=name,
                category=category,
                unit_name=unit,
                inspection_days=inspect,
                maintenance_days=maintain,
            ),
        )
    stations = list(
        session.execute(
            select(Station)
            .where(
                Station.force_type.in_(
                    (ForceType.NATIONAL.value, ForceType.GOVERNMENT_FULLTIME.value)
                )
            )
            .order_by(Station.code)
            .limit(6)
        ).scalars()
    )
    counts = {"equipment items": 0, "supply lots": 0, "support modules": 0}
    serial = 0
    for station in stations:
        for code, *_rest, required in KINDS:
            equipment.set_requirement(
                session,
                ACTOR,
                EVERYWHERE,
                RequirementSet(station_code=station.code, kind_code=code, quantity=required),
            )
            # Most stations hold what they need; some fall one or two short (backup rate < 100 %).
            held = max(0, required - rng.choice((0, 0, 0, 1, 2)))
            for _ in range(held):
                serial += 1
                item_code = f"ZB{serial:05d}"
                bought = today - timedelta(days=rng.randint(120, 900))
                equipment.create_item(
                    session,
                    ACTOR,
                    EVERYWHERE,
                    ItemCreate(
                        code=item_code, kind_code=code, depot_code=depot.code, purchased_on=bought
                    ),
                )
                issued = bought + timedelta(days=rng.randint(3, 20))
                # An inspection 10–60 days ago: items with a 30-day cycle may be overdue.
                inspected = today - timedelta(days=rng.randint(10, 60))
                moves = [
                    MoveCreate(
                        action=ItemAction.STOCK,
                        location_kind=LocationKind.DEPOT,
                        location_code=depot.code,
                        on=bought,
                    ),
                    MoveCreate(
                        action=ItemAction.ISSUE,
                        location_kind=LocationKind.STATION,
                        location_code=station.code,
                        on=issued,
                    ),
                    MoveCreate(action=ItemAction.COMMISSION, on=issued),
                    MoveCreate(action=ItemAction.INSPECT, on=inspected),
                ]
                if serial % 37 == 0:
                    moves.append(
                        MoveCreate(action=ItemAction.SEND_TO_REPAIR, on=today, note="阀门漏气")
                    )
                for move in moves:
                    equipment.move_item(session, ACTOR, EVERYWHERE, item_code, move)
                counts["equipment items"] += 1
        if progress:
            progress("equipment", 1)

    for code, name, category, unit, shelf, lots in SUPPLY_KINDS:
        supplies.create_supply_kind(
            session,
            ACTOR,
            SupplyKindCreate(
                code=code, name=name, category=category, unit_name=unit, shelf_life_days=shelf
            ),
        )
        for i, (quantity, age) in enumerate(lots, start=1):
            supplies.receive(
                session,
                ACTOR,
                EVERYWHERE,
                LotReceive(
                    kind_code=code,
                    depot_code=depot.code,
                    lot=f"{code}-{today.year}-{i:02d}",
                    quantity=quantity,
                    received_on=today - timedelta(days=age),
                ),
            )
            counts["supply lots"] += 1
    for kind, lines in MODULES.items():
        module = supplies.create_module(
            session,
            ACTOR,
            EVERYWHERE,
            ModuleCreate(
                code=f"MK-{kind.value.upper().replace('_', '-')}",
                name=f"{kind.zh}保障模块",
                kind=kind,
                depot_code=depot.code,
                lines=[{"supply_kind_code": c, "quantity": q} for c, q in lines],
            ),
        )
        if kind is not ModuleKind.PETROCHEMICAL_FIRE:  # one module still being replenished
            supplies.mark_ready(session, ACTOR, EVERYWHERE, module.code)
        counts["support modules"] += 1
    if progress:
        progress("supplies", 1)
    return counts


def build_patrols(session: Session, seed: int, progress: Progress | None = None) -> dict[str, int]:
    """Checkpoints, duties and this month's patrols of the demo grid worker and unit manager."""
    rng = random.Random(f"{seed}:duty:patrols")
    today = _today()
    counts = {"checkpoints": 0, "patrols": 0}
    gridder = session.execute(select(User).where(User.username == "grid-worker")).scalar_one()
    nine_small = func.count(Unit.id)
    grid = session.execute(
        select(Grid)
        .join(Unit, Unit.grid_id == Grid.id)
        .where(Unit.category == UnitCategory.NINE_SMALL.value)
        .group_by(Grid.id)
        .order_by(nine_small.desc(), Grid.code)
        .limit(1)
    ).scalar_one_or_none()
    if grid is not None:
        patrols.assign_duty(
            session, ACTOR, EVERYWHERE, username=gridder.username, grid_code=grid.code
        )
        shops = list(
            session.execute(
                select(Unit)
                .where(Unit.grid_id == grid.id, Unit.category == UnitCategory.NINE_SMALL.value)
                .order_by(Unit.code)
                .limit(12)
            ).scalars()
        )
        tokens = []
        for i, shop in enumerate(shops, start=1):
            point = patrols.create_checkpoint(
                session,
                ACTOR,
                EVERYWHERE,
                code=f"GCP-{grid.code}-{i:02d}"[:32],
                name=shop.name[:100],
                unit_code=shop.code,
                grid_code=grid.code,
            )
            tokens.append(point.token)
            counts["checkpoints"] += 1
        actor = Actor(gridder.username, gridder.id)
        for week in range(min(3, (today.day - 1) // 7 + 1)):
            day = today.replace(day=1) + timedelta(days=7 * week + 1)
            if day > today:
                break
            patrol = patrols.start(
                session,
                actor,
                EVERYWHERE,
                "grid_worker",
                kind=patrols.PatrolKind.GRID_PATROL,
                grid_code=grid.code,
                now=_at(day, 9),
            )
            for token in rng.sample(tokens, k=max(1, len(tokens) * 2 // 3)):
                patrols.scan(
                    session,
                    actor,
                    EVERYWHERE,
                    patrol_id=patrol.id,
                    token=token,
                    ok=True,
                    now=_at(day, 10),
                )
            patrols.finish(session, actor, EVERYWHERE, patrol.id, now=_at(day, 11))
            counts["patrols"] += 1
    manager = session.execute(select(User).where(User.username == "unit-manager")).scalar_one()
    bound = (
        session.execute(
            select(Unit)
            .join(AccountUnit, AccountUnit.unit_id == Unit.id)
            .where(AccountUnit.user_id == manager.id)
        )
        .scalars()
        .first()
    )
    if bound is not None:
        tokens = []
        for i, name in enumerate(UNIT_POINTS, start=1):
            point = patrols.create_checkpoint(
                session,
                ACTOR,
                EVERYWHERE,
                code=f"UCP-{bound.id}-{i}",
                name=name,
                unit_code=bound.code,
            )
            tokens.append(point.token)
            counts["checkpoints"] += 1
        actor = Actor(manager.username, manager.id)
        for offset in range(today.day - 1, -1, -1):
            day = today - timedelta(days=offset)
            if rng.random() < 0.2:  # some days the patrol was skipped
                continue
            kinds = [patrols.PatrolKind.DAILY_PATROL]
            if day.day == 5:
                kinds.append(patrols.PatrolKind.MONTHLY_CHECK)
            for kind in kinds:
                patrol = patrols.start(
                    session,
                    actor,
                    EVERYWHERE,
                    "unit_manager",
                    kind=kind,
                    unit_code=bound.code,
                    now=_at(day, 8),
                )
                for token in tokens[: len(tokens) - (1 if rng.random() < 0.3 else 0)]:
                    patrols.scan(
                        session,
                        actor,
                        EVERYWHERE,
                        patrol_id=patrol.id,
                        token=token,
                        ok=True,
                        now=_at(day, 8),
                    )
                patrols.finish(session, actor, EVERYWHERE, patrol.id, now=_at(day, 9))
                counts["patrols"] += 1
    if progress:
        progress("patrols", 1)
    return counts


# The registry's building fire systems → the unit file's 消防设施 codes (prevention.unit_files).
FILED_SYSTEM = {
    "automatic_alarm": "fire_alarm",
    "indoor_hydrant": "hydrant",
    "outdoor_hydrant": "hydrant",
    "sprinkler": "sprinkler",
    "smoke_control": "smoke",
    "gas_extinguishing": "gas",
    "emergency_lighting": "lighting",
    "fire_doors": "doors",
}


def build_unit_upkeep(session: Session, today: date) -> dict[str, int]:
    """The demo unit manager's own unit keeps its file and its maintenance: the filing fields
    (户籍化: 责任人/管理人 from the registry, 重点部位, its fire systems, a 微型消防站), a
    maintenance contract with a county company that runs out in 20 days (so the expiry
    reminder shows), the last two months' maintenance records of every system it has (one
    item 异常 last month), and last month's 防火检查 signed off by the 消防安全责任人."""
    from lanyan.monitoring import maintenance_service
    from lanyan.prevention import unit_file_service, unit_files
    from lanyan.registry.models import MaintenanceCompany

    unit = (
        session.execute(
            select(Unit)
            .join(AccountUnit, AccountUnit.unit_id == Unit.id)
            .join(User, User.id == AccountUnit.user_id)
            .where(User.username == "unit-manager")
            .order_by(Unit.code)
        )
        .scalars()
        .first()
    )
    company = (
        session.execute(select(MaintenanceCompany.code).order_by(MaintenanceCompany.code))
        .scalars()
        .first()
    )
    if unit is None or company is None:
        return {}
    systems = maintenance_service.systems_of(session, unit.id)
    fire_systems = maintenance_service.fire_systems_of(session, unit.id)
    responsible = unit.responsible_person or "张建国"
    unit_file_service.save_filing(
        session,
        ACTOR,
        EVERYWHERE,
        unit.code,
        {
            "responsible_name": responsible,
            "responsible_phone": unit.responsible_phone or "13805150001",
            "manager_name": unit.manager_person or "",
            "manager_phone": unit.manager_phone or "",
            "key_parts": ["消防控制室", "配电房", "厨房", "库房"],
            "systems": sorted(
                {FILED_SYSTEM[f] for f in fire_systems if f in FILED_SYSTEM} | {"extinguisher"}
            ),
            "station_members": ["王强（站长）", "李明", "赵磊", "陈刚", "周伟", "吴涛"],
            "station_equipment": ["灭火器 20 具", "水带 6 盘", "消防头盔 6 顶", "对讲机 4 部"],
        },
    )
    first = today.replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    before = (last_month - timedelta(days=1)).replace(day=1)
    maintenance_service.create_contract(
        session,
        ACTOR,
        EVERYWHERE,
        unit.id,
        company,
        f"WB-{today.year}-{unit.id:04d}",
        before.replace(year=before.year - 1),
        today + timedelta(days=20),
        [s.code for s in systems],
    )
    records = 0
    for month in (before, last_month):
        at = datetime.combine(month.replace(day=20), time(10), tzinfo=UTC)
        for k, system in enumerate(systems):
            answers = {item.code: ("normal", "") for item in system.items}
            if month == last_month and k == 0 and system.items:
                answers[system.items[0].code] = ("abnormal", "自检时一处故障灯亮，已通知维保单位")
            maintenance_service.record_month(
                session, ACTOR, EVERYWHERE, unit.id, f"{month:%Y-%m}", system.code, answers,
                set(), today, at,
            )  # fmt: skip
            records += 1
    checked = last_month.replace(day=26)
    check = unit_file_service.record_check(
        session,
        ACTOR,
        EVERYWHERE,
        unit.code,
        checked,
        {item.code: (True, "") for item in unit_files.checklist().items},
        now=datetime.combine(checked, time(15), tzinfo=UTC),
        today=today,
    )
    unit_file_service.sign_check(
        session,
        ACTOR,
        EVERYWHERE,
        check.id,
        responsible,
        now=datetime.combine(checked, time(17), tzinfo=UTC),
    )
    return {"filings": 1, "contracts": 1, "maintenance-records": records, "monthly-checks": 1}
