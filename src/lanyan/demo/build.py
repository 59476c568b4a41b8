"""Write the demo county into a database through the registry service, with demo users.

Jurisdictions go through ``service.create`` (the tree needs its paths), everything else through
``service.bulk_create`` (validated, all-or-nothing, one audit entry per row). The actor is
``system:demo``. The caller owns the transaction: one ``unit_of_work`` around ``load`` writes
the whole county or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.accounts.roles import Role
from lanyan.accounts.service import bind_user_unit, create_user
from lanyan.demo.generate import DemoData
from lanyan.demo.region import COUNTY_CODE
from lanyan.prevention.models.inspections import Hazard
from lanyan.registry import service
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Device, Jurisdiction, Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import Actor

DEMO_ACTOR = Actor("system:demo")
# A fixed, documented password so that the README's run command gives a usable log-in; a
# deployment that keeps the demo data should change it (``--password`` or ``lanyan user``).
DEMO_PASSWORD = "lanyan-demo-2025"

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    display_name: str


# One user per role, all bound to the county (320904); ``admin`` is the administrator.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", Role.ADMIN, "系统管理员"),
    DemoUser("commander", Role.COMMANDER, "值班指挥员"),
    DemoUser("dispatcher", Role.DISPATCHER, "119调度员"),
    DemoUser("prevention", Role.PREVENTION_OFFICER, "防火监督员"),
    DemoUser("inspector", Role.PREVENTION_OFFICER, "防火监督员（二）"),  # 双人执法 needs two
    DemoUser("unit-manager", Role.UNIT_MANAGER, "单位消防安全管理人"),  # of one key unit
    DemoUser("control-room", Role.CONTROL_ROOM_OPERATOR, "消控室值班员"),  # the same unit
    DemoUser("grid-worker", Role.GRID_WORKER, "消防网格员"),
    DemoUser("government", Role.GOVERNMENT_VIEWER, "区政府（查看）"),
    DemoUser("publicity", Role.PUBLICITY, "宣传干事"),  # 舆情 alerts
)


def has_jurisdictions(session: Session) -> bool:
    return bool(session.execute(select(func.count()).select_from(Jurisdiction)).scalar_one())


def load(
    session: Session,
    data: DemoData,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Insert every batch of ``data`` in order; returns rows written per object type.

    ``progress(slug, n)`` is told as rows are validated and prepared."""
    written: dict[str, int] = {}
    for slug, rows in data.batches.items():
        ot = get_type(slug)
        tick = (lambda n, s=slug: progress(s, n)) if progress else None
        if slug == "jurisdictions":
            for row in rows:
                service.create(session, ot, DEMO_ACTOR, EVERYWHERE, row)
                if tick:
                    tick(1)
        else:
            batch = [
                service.BulkRow(line, service.validate_input(ot, row, line))
                for line, row in enumerate(rows, start=1)
            ]
            service.bulk_create(
                session, ot, DEMO_ACTOR, EVERYWHERE, batch, action="demo", progress=tick
            )
        written[slug] = len(rows)
    return written


def create_users(session: Session, password: str = DEMO_PASSWORD) -> None:
    """The demo users (``DEMO_USERS``) bound to the county, all with ``password``."""
    for user in DEMO_USERS:
        create_user(
            session,
            DEMO_ACTOR,
            EVERYWHERE,
            {
                "username": user.username,
                "password": password,
                "role": user.role.value,
                "jurisdiction_code": COUNTY_CODE,
                "display_name": user.display_name,
            },
        )


def bind_demo_unit_manager(session: Session) -> str | None:
    """Bind ``unit-manager`` to one key unit (重点单位) with monitored devices, so the demo shows a
    unit safety manager's own unit: the one with the most hazards (once supervision records
    exist), then the most devices, then by code. Returns its code."""
    devices = func.count(func.distinct(Device.id))
    hazards = select(func.count(Hazard.id)).where(Hazard.unit_id == Unit.id).scalar_subquery()
    code = session.execute(
        select(Unit.code)
        .join(Device, Device.unit_id == Unit.id)
        .where(Unit.category == UnitCategory.KEY.value)
        .group_by(Unit.id, Unit.code)
        .order_by(hazards.desc(), devices.desc(), Unit.code)
        .limit(1)
    ).scalar_one_or_none()
    if code is not None:
        bind_user_unit(session, DEMO_ACTOR, EVERYWHERE, "unit-manager", code)
        bind_user_unit(session, DEMO_ACTOR, EVERYWHERE, "control-room", code)
    return code
