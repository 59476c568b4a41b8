"""Consumable supplies (消耗性物资) and 战勤保障模块 with one-click dispatch (一键式调度).

Supplies are counted by quantity in lots (批次) kept in depots; every quantity change is a line
of the stock ledger (出入库台账) and an audit entry. Issues take the first-expiring usable lots
first (先到期先出) and never touch an expired lot: expired stock is listed for disposal. A support
module is a packed set kept in one depot; its reserve standard says what it must hold, and its
readiness compares that with the depot's stock. One-click dispatch picks, for every module kind the
dispatch standard (``data/module_standards.yaml``) asks for, a ready module inside the caller's
scope — in the incident's own jurisdiction first — draws its supplies from stock against the
incident, and reports what any module lacked instead of silently sending less.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.logistics.choices import ItemState, ModuleKind, ModuleState, StockReason
from lanyan.logistics.models import (
    Depot,
    EquipmentKind,
    Item,
    ModuleDispatch,
    ModuleLine,
    SupplyKind,
    SupplyLot,
    SupplyMovement,
    SupportModule,
)
from lanyan.logistics.schemas.supplies import (
    LotReceive,
    ModuleCreate,
    StockIssue,
    SupplyDispatchRequest,
    SupplyKindCreate,
)
from lanyan.logistics.service import (
    _by_code,
    _in_scope_or_refuse,
    _snapshot,
    _unique_code,
    in_scope,
    today,
)
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import Scope, row_path
from lanyan.response import public as response
from lanyan.response.choices import BuildingClass, IncidentType
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found

SUPPLIES = "supplies"  # role slug: stock and modules
SUPPLY_DISPATCH = "supply-dispatch"  # role slug: one-click dispatch to an incident
SUPPLY_KINDS, LOTS, MODULES, MODULE_DISPATCHES = (
    "supply-kinds",
    "supply-lots",
    "support-modules",
    "module-dispatches",
)
EPSILON = 1e-9  # quantities are floats (吨, 升); below this a remainder is nothing


# --- catalogue and stock --------------------------------------------------------------------


def create_supply_kind(session: Session, actor: Actor, payload: SupplyKindCreate) -> SupplyKind:
    """Add a consumable to the catalogue (shared by every jurisdiction, audited at "/")."""
    audit.begin_write(session)
    _unique_code(session, SupplyKind, payload.code, "supply kind")
    row = SupplyKind(**payload.model_dump())
    row.category = payload.category.value
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", SUPPLY_KINDS, row.id, None, _snapshot(row))
    return row


def _depot_in_scope(session: Session, scope: Scope, code: str) -> Depot:
    depot = _by_code(session, Depot, code, "depot_code", "depot")
    _in_scope_or_refuse(session, scope, depot.jurisdiction_id, "depot_code")
    return depot


def _incident_in_scope(
    session: Session, scope: Scope, code: str, field: str
) -> response.IncidentFacts:
    row = response.get_by_code(session, code)
    if row is None or not scope.contains(session, row.jurisdiction_id):
        raise ValidationFailed(
            f"incident {code} does not exist in your jurisdiction",
            [FieldProblem(field, f"no incident {code} in your jurisdiction")],
        )
    return row


def _ledger(
    session: Session,
    actor: Actor,
    lot: SupplyLot,
    delta: float,
    reason: StockReason,
    on: date,
    *,
    incident_id: int | None = None,
    dispatch_id: int | None = None,
    note: str = "",
) -> SupplyMovement:
    before = _snapshot(lot)
    lot.quantity = max(0.0, lot.quantity + delta)
    if lot.quantity < EPSILON:
        lot.quantity = 0.0
    move = SupplyMovement(
        lot_id=lot.id,
        delta=delta,
        reason=reason.value,
        incident_id=incident_id,
        module_dispatch_id=dispatch_id,
        on=on,
        at=utcnow(),
        note=note,
        recorded_by=actor.username,
    )
    session.add(move)
    session.flush()
    audit.record(
        session,
        actor,
        reason.value,
        LOTS,
        lot.id,
        before,
        _snapshot(lot),
        scope_path=row_path(session, lot),
    )
    return move


def receive(session: Session, actor: Actor, scope: Scope, payload: LotReceive) -> SupplyLot:
    """Receive a batch into a depot (入库); a second receipt of the same lot adds to it."""
    audit.begin_write(session)
    kind = _by_code(session, SupplyKind, payload.kind_code, "kind_code", "supply kind")
    depot = _depot_in_scope(session, scope, payload.depot_code)
    on = payload.received_on or today()
    expires = payload.expires_on
    if expires is None and kind.shelf_life_days:
        expires = on + timedelta(days=kind.shelf_life_days)
    lot = session.execute(
        select(SupplyLot).where(
            SupplyLot.depot_id == depot.id,
            SupplyLot.kind_id == kind.id,
            SupplyLot.lot == payload.lot,
        )
    ).scalar_one_or_none()
    if lot is None:
        lot = SupplyLot(
            kind_id=kind.id,
            depot_id=depot.id,
            jurisdiction_id=depot.jurisdiction_id,
            lot=payload.lot,
            quantity=0.0,
            received_on=on,
            expires_on=expires,
        )
        session.add(lot)
        session.flush()
    elif payload.expires_on and lot.expires_on != payload.expires_on:
        raise Conflict(
            f"lot {payload.lot} is on record with expiry {lot.expires_on}",
            [FieldProblem("expires_on", f"must match the lot's expiry {lot.expires_on}")],
        )
    _ledger(session, actor, lot, payload.quantity, StockReason.RECEIVE, on, note=payload.note)
    return lot


def usable_lots(
    session: Session, depot_id: int, kind_id: int, on: date, lock: bool = False
) -> list[SupplyLot]:
    """Lots of ``kind_id`` in the depot that still hold something and have not expired on
    ``on``, first-expiring first (lots that never expire last)."""
    stmt = (
        select(SupplyLot)
        .where(
            SupplyLot.depot_id == depot_id,
            SupplyLot.kind_id == kind_id,
            SupplyLot.quantity > 0,
            (SupplyLot.expires_on.is_(None)) | (SupplyLot.expires_on > on),
        )
        .order_by(SupplyLot.expires_on.is_(None), SupplyLot.expires_on, SupplyLot.id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return list(session.execute(stmt).scalars())


def _draw(
    session: Session,
    actor: Actor,
    depot_id: int,
    kind: SupplyKind,
    quantity: float,
    reason: StockReason,
    on: date,
    *,
    incident_id: int | None = None,
    dispatch_id: int | None = None,
    note: str = "",
) -> float:
    """Take up to ``quantity`` from usable lots, first-expiring first; returns what was taken."""
    taken = 0.0
    for lot in usable_lots(session, depot_id, kind.id, on, lock=True):
        part = min(lot.quantity, quantity - taken)
        _ledger(
            session,
            actor,
            lot,
            -part,
            reason,
            on,
            incident_id=incident_id,
            dispatch_id=dispatch_id,
            note=note,
        )
        taken += part
        if quantity - taken < EPSILON:
            break
    return taken


def issue(session: Session, actor: Actor, scope: Scope, payload: StockIssue) -> float:
    """Issue stock (出库); refused whole when the depot's usable stock is short."""
    audit.begin_write(session)
    if payload.reason in (StockReason.RECEIVE, StockReason.RETURN):
        raise ValidationFailed(
            "an issue cannot be a receipt",
            [
                FieldProblem(
                    "reason", "must be an issue reason (incident, training, expired, count)"
                )
            ],
        )
    kind = _by_code(session, SupplyKind, payload.kind_code, "kind_code", "supply kind")
    depot = _depot_in_scope(session, scope, payload.depot_code)
    incident_id = None
    if payload.incident_code:
        incident_id = _incident_in_scope(session, scope, payload.incident_code, "incident_code").id
    elif payload.reason is StockReason.INCIDENT:
        raise ValidationFailed(
            "an issue to an incident names the incident",
            [FieldProblem("incident_code", "is required when the reason is incident")],
        )
    on = payload.on or today()
    available = sum(lot.quantity for lot in usable_lots(session, depot.id, kind.id, on, True))
    if available + EPSILON < payload.quantity:
        raise ValidationFailed(
            f"only {available:g} {kind.unit_name} of {kind.name} usable in {depot.name}",
            [FieldProblem("quantity", f"must be at most the usable stock {available:g}")],
        )
    return _draw(
        session,
        actor,
        depot.id,
        kind,
        payload.quantity,
        payload.reason,
        on,
        incident_id=incident_id,
        note=payload.note,
    )


@dataclass(frozen=True)
class ExpiringLot:
    lot: SupplyLot
    kind: SupplyKind
    depot: Depot
    days_left: int  # negative: expired that many days ago

    @property
    def expired(self) -> bool:
        return self.days_left <= 0


def expiring(
    session: Session, scope: Scope, within_days: int = 30, as_of: date | None = None
) -> list[ExpiringLot]:
    """Lots with stock that have expired or expire within ``within_days`` (临期/过期物资)."""
    if within_days < 0:
        raise ValidationFailed(
            "within_days is negative", [FieldProblem("within_days", "must be 0 or more")]
        )
    as_of = as_of or today()
    rows = session.execute(
        select(SupplyLot, SupplyKind, Depot)
        .join(SupplyKind, SupplyKind.id == SupplyLot.kind_id)
        .join(Depot, Depot.id == SupplyLot.depot_id)
        .where(
            in_scope(SupplyLot, scope),
            SupplyLot.quantity > 0,
            SupplyLot.expires_on.is_not(None),
            SupplyLot.expires_on <= as_of + timedelta(days=within_days),
        )
        .order_by(SupplyLot.expires_on, SupplyLot.id)
    ).all()
    out: list[ExpiringLot] = []
    for lot, kind, depot in rows:
        assert lot.expires_on is not None  # the query keeps only lots that expire
        out.append(ExpiringLot(lot, kind, depot, (lot.expires_on - as_of).days))
    return out


def dispose_expired(session: Session, actor: Actor, scope: Scope, as_of: date | None = None) -> int:
    """Write off every expired lot with stock in scope (过期处置); returns how many."""
    audit.begin_write(session)
    as_of = as_of or today()
    lots = [e.lot for e in expiring(session, scope, 0, as_of) if e.expired]
    for lot in lots:
        _ledger(session, actor, lot, -lot.quantity, StockReason.EXPIRED, as_of)
    return len(lots)


@dataclass(frozen=True)
class StockLine:
    kind: SupplyKind
    depot: Depot
    usable: float
    expired: float
    next_expiry: date | None


def stock(session: Session, scope: Scope, as_of: date | None = None) -> list[StockLine]:
    """Usable and expired quantity per depot and kind, with the next expiry (库存)."""
    as_of = as_of or today()
    lots = session.execute(
        select(SupplyLot, SupplyKind, Depot)
        .join(SupplyKind, SupplyKind.id == SupplyLot.kind_id)
        .join(Depot, Depot.id == SupplyLot.depot_id)
        .where(in_scope(SupplyLot, scope), SupplyLot.quantity > 0)
        .order_by(Depot.code, SupplyKind.code)
    ).all()
    acc: dict[tuple[int, int], dict[str, Any]] = {}
    for lot, kind, depot in lots:
        line = acc.setdefault(
            (depot.id, kind.id),
            {"kind": kind, "depot": depot, "usable": 0.0, "expired": 0.0, "next_expiry": None},
        )
        if lot.expires_on is not None and lot.expires_on <= as_of:
            line["expired"] += lot.quantity
            continue
        line["usable"] += lot.quantity
        if lot.expires_on and (line["next_expiry"] is None or lot.expires_on < line["next_expiry"]):
            line["next_expiry"] = lot.expires_on
    return [StockLine(**v) for v in acc.values()]


# --- 战勤保障模块 -------------------------------------------------------------------------------


def create_module(
    session: Session, actor: Actor, scope: Scope, payload: ModuleCreate
) -> SupportModule:
    """Add a support module with its reserve standard (储备标准); it starts as replenishing
    until :func:`mark_ready` finds it complete."""
    audit.begin_write(session)
    _unique_code(session, SupportModule, payload.code, "module")
    depot = _depot_in_scope(session, scope, payload.depot_code)
    lines: list[ModuleLine] = []
    for i, given in enumerate(payload.lines):
        if given.supply_kind_code is not None:
            kind = _by_code(
                session,
                SupplyKind,
                given.supply_kind_code,
                f"lines[{i}].supply_kind_code",
                "supply kind",
            )
            lines.append(ModuleLine(supply_kind_id=kind.id, quantity=given.quantity))
        else:
            assert given.equipment_kind_code is not None
            ekind = _by_code(
                session,
                EquipmentKind,
                given.equipment_kind_code,
                f"lines[{i}].equipment_kind_code",
                "equipment kind",
            )
            lines.append(ModuleLine(equipment_kind_id=ekind.id, quantity=given.quantity))
    row = SupportModule(
        code=payload.code,
        name=payload.name,
        kind=payload.kind.value,
        depot_id=depot.id,
        jurisdiction_id=depot.jurisdiction_id,
        state=ModuleState.REPLENISHING.value,
    )
    session.add(row)
    session.flush()
    for line in lines:
        line.module_id = row.id
        session.add(line)
    session.flush()
    after = _snapshot(row) | {"lines": [_snapshot(line) for line in lines]}
    audit.record(
        session, actor, "create", MODULES, row.id, None, after, scope_path=row_path(session, row)
    )
    return row


@dataclass(frozen=True)
class LineStatus:
    """One reserve-standard line against the depot's stock."""

    kind_code: str
    kind_name: str
    unit_name: str
    is_supply: bool
    required: float
    available: float

    @property
    def short(self) -> float:
        return max(0.0, self.required - self.available)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind_code": self.kind_code,
            "kind_name": self.kind_name,
            "unit_name": self.unit_name,
            "is_supply": self.is_supply,
            "required": self.required,
            "available": self.available,
            "short": self.short,
        }


def readiness(session: Session, module: SupportModule, on: date | None = None) -> list[LineStatus]:
    """Each line of the module's standard with what its depot holds now: usable (unexpired)
    supplies, and equipment items in stock (入库) there."""
    on = on or today()
    out: list[LineStatus] = []
    lines = session.execute(
        select(ModuleLine).where(ModuleLine.module_id == module.id).order_by(ModuleLine.id)
    ).scalars()
    for line in lines:
        if line.supply_kind_id is not None:
            kind = session.get(SupplyKind, line.supply_kind_id)
            assert kind is not None
            have = sum(lot.quantity for lot in usable_lots(session, module.depot_id, kind.id, on))
            out.append(LineStatus(kind.code, kind.name, kind.unit_name, True, line.quantity, have))
        else:
            ekind = session.get(EquipmentKind, line.equipment_kind_id)
            assert ekind is not None
            count = session.execute(
                select(func.count(Item.id)).where(
                    Item.depot_id == module.depot_id,
                    Item.kind_id == ekind.id,
                    Item.state == ItemState.STOCKED.value,
                )
            ).scalar_one()
            out.append(
                LineStatus(ekind.code, ekind.name, ekind.unit_name, False, line.quantity, count)
            )
    return out


def get_module(session: Session, scope: Scope, code: str, lock: bool = False) -> SupportModule:
    stmt = select(SupportModule).where(SupportModule.code == code, in_scope(SupportModule, scope))
    return one_or_not_found(session, stmt, f"no module {code} in your jurisdiction", lock)


def list_modules(session: Session, scope: Scope) -> list[SupportModule]:
    return list(
        session.execute(
            select(SupportModule).where(in_scope(SupportModule, scope)).order_by(SupportModule.code)
        ).scalars()
    )


def _set_state(
    session: Session, actor: Actor, module: SupportModule, state: ModuleState, action: str
) -> None:
    before = _snapshot(module)
    module.state = state.value
    session.flush()
    audit.record(
        session,
        actor,
        action,
        MODULES,
        module.id,
        before,
        _snapshot(module),
        scope_path=row_path(session, module),
    )


def mark_ready(session: Session, actor: Actor, scope: Scope, code: str) -> SupportModule:
    """Put a replenished module back on standby (备勤); refused, line by line, while short."""
    audit.begin_write(session)
    module = get_module(session, scope, code, lock=True)
    if module.state == ModuleState.DISPATCHED.value:
        raise Conflict(
            f"module {code} is 已调派 (dispatched): return it first",
            [FieldProblem("state", "must be replenishing to become ready")],
        )
    short = [s for s in readiness(session, module) if s.short > EPSILON]
    if short:
        raise ValidationFailed(
            f"module {code} is short of {len(short)} line(s)",
            [
                FieldProblem(
                    f"lines.{s.kind_code}",
                    f"needs {s.required:g} {s.unit_name}, the depot holds {s.available:g}",
                )
                for s in short
            ],
        )
    if module.state != ModuleState.READY.value:
        _set_state(session, actor, module, ModuleState.READY, "ready")
    return module


@dataclass(frozen=True)
class ModuleStandard:
    """The dispatch standard: which module kinds an incident needs."""

    rules: tuple[
        tuple[IncidentType, frozenset[BuildingClass] | None, int, tuple[ModuleKind, ...]], ...
    ]
    source: str

    @classmethod
    def load(cls, path: Path | None = None) -> ModuleStandard:
        source = path or Path(
            str(resources.files("lanyan.logistics") / "data" / "module_standards.yaml")
        )
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ValidationFailed(
                f"cannot read the module dispatch standard {source}",
                [FieldProblem("module_standards", f"must be a readable YAML file: {exc}")],
            ) from None
        rules = []
        problems: list[FieldProblem] = []
        for i, raw in enumerate((data or {}).get("rules") or []):
            where = f"rules[{i}]"
            try:
                itype = IncidentType(raw["incident_type"])
                classes_raw = raw.get("building_classes", "*")
                classes = (
                    None if classes_raw == "*" else frozenset(BuildingClass(c) for c in classes_raw)
                )
                level = int(raw.get("min_level", 1))
                if not 1 <= level <= 5:
                    raise ValueError("min_level must be 1–5")
                kinds = tuple(ModuleKind(k) for k in raw["modules"])
                if not kinds:
                    raise ValueError("modules must not be empty")
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(FieldProblem(where, f"must be a valid rule: {exc}"))
                continue
            rules.append((itype, classes, level, kinds))
        if problems:
            raise ValidationFailed(f"module dispatch standard {source} has errors", problems)
        return cls(tuple(rules), str(source))

    def kinds_for(
        self, incident_type: str, building_class: str | None, level: int
    ) -> list[ModuleKind]:
        bclass = BuildingClass(building_class) if building_class else BuildingClass.OTHER
        wanted: list[ModuleKind] = []
        for itype, classes, min_level, kinds in self.rules:
            if itype.value != incident_type or level < min_level:
                continue
            if classes is not None and bclass not in classes:
                continue
            wanted.extend(k for k in kinds if k not in wanted)
        return wanted


@dataclass
class DispatchResult:
    incident_code: str
    sent: list[dict[str, Any]] = field(default_factory=list)
    unavailable: list[dict[str, Any]] = field(default_factory=list)  # kinds with no ready module

    def as_dict(self) -> dict[str, Any]:
        return {
            "incident_code": self.incident_code,
            "sent": self.sent,
            "unavailable": self.unavailable,
        }


def _candidates(
    session: Session, scope: Scope, kind: ModuleKind, incident_path: str
) -> list[SupportModule]:
    """Ready modules of ``kind`` in scope, those in the incident's own jurisdiction subtree
    first, then by how much of the jurisdiction path they share with it (nearest in the tree)."""
    rows = session.execute(
        select(SupportModule, Jurisdiction.path)
        .join(Jurisdiction, Jurisdiction.id == SupportModule.jurisdiction_id)
        .where(
            in_scope(SupportModule, scope),
            SupportModule.kind == kind.value,
            SupportModule.state == ModuleState.READY.value,
        )
        .order_by(SupportModule.code)
    ).all()

    def shared(path: str) -> int:
        a, b = path.strip("/").split("/"), incident_path.strip("/").split("/")
        n = 0
        for x, y in zip(a, b, strict=False):
            if x != y:
                break
            n += 1
        return n

    return [m for m, path in sorted(rows, key=lambda r: -shared(r[1]))]


def dispatch_modules(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: SupplyDispatchRequest,
    standard: ModuleStandard | None = None,
    now: datetime | None = None,
) -> DispatchResult:
    """One-click dispatch (一键式调度) of support modules to an incident."""
    audit.begin_write(session)
    incident = _incident_in_scope(session, scope, payload.incident_code, "incident_code")
    if incident.closed:
        raise Conflict(
            f"incident {incident.code} is 已结案 (closed)",
            [FieldProblem("incident_code", "must be an active incident")],
        )
    now = now or utcnow()
    on = today()
    incident_path = row_path(session, incident)
    chosen: list[SupportModule] = []
    result = DispatchResult(incident.code)
    if payload.modules:
        for i, code in enumerate(payload.modules):
            module = session.execute(
                select(SupportModule)
                .where(SupportModule.code == code, in_scope(SupportModule, scope))
                .with_for_update()
            ).scalar_one_or_none()
            if module is None:
                raise ValidationFailed(
                    f"no module {code} in your jurisdiction",
                    [FieldProblem(f"modules[{i}]", f"no module {code} in your jurisdiction")],
                )
            if module.state != ModuleState.READY.value:
                raise Conflict(
                    f"module {code} is {ModuleState(module.state).zh}, not 备勤 (ready)",
                    [FieldProblem(f"modules[{i}]", "must be ready")],
                )
            chosen.append(module)
    else:
        standard = standard or ModuleStandard.load()
        kinds = standard.kinds_for(
            incident.incident_type, incident.building_class, incident.alarm_level
        )
        for kind in kinds:
            # Lock and re-check: a module another dispatcher just sent is skipped, not sent twice.
            for candidate in _candidates(session, scope, kind, incident_path):
                locked = session.execute(
                    select(SupportModule)
                    .where(
                        SupportModule.id == candidate.id,
                        SupportModule.state == ModuleState.READY.value,
                    )
                    .with_for_update()
                ).scalar_one_or_none()
                if locked is not None:
                    chosen.append(locked)
                    break
            else:
                result.unavailable.append({"kind": kind.value, "kind_name": kind.zh})
    for module in chosen:
        lines = readiness(session, module, on)
        dispatch = ModuleDispatch(
            module_id=module.id,
            incident_id=incident.id,
            jurisdiction_id=incident.jurisdiction_id,
            dispatched_at=now,
            dispatched_by=actor.username,
            shortfall=json.dumps(
                [s.as_dict() for s in lines if s.short > EPSILON], ensure_ascii=False
            ),
        )
        session.add(dispatch)
        session.flush()
        for status in lines:
            if not status.is_supply:
                continue
            supply = session.execute(
                select(SupplyKind).where(SupplyKind.code == status.kind_code)
            ).scalar_one()
            _draw(
                session,
                actor,
                module.depot_id,
                supply,
                min(status.required, status.available),
                StockReason.INCIDENT,
                on,
                incident_id=incident.id,
                dispatch_id=dispatch.id,
                note=f"module {module.code}",
            )
        _set_state(session, actor, module, ModuleState.DISPATCHED, "dispatch")
        audit.record(
            session,
            actor,
            "create",
            MODULE_DISPATCHES,
            dispatch.id,
            None,
            _snapshot(dispatch),
            scope_path=incident_path,
        )
        result.sent.append(
            {
                "module": module.code,
                "name": module.name,
                "kind": module.kind,
                "kind_name": ModuleKind(module.kind).zh,
                "depot": session.get(Depot, module.depot_id).code,  # type: ignore[union-attr]
                "shortfall": [s.as_dict() for s in lines if s.short > EPSILON],
            }
        )
    return result


def return_module(
    session: Session, actor: Actor, scope: Scope, code: str, now: datetime | None = None
) -> SupportModule:
    """A dispatched module is back (归建): it goes to 补充中 until restocked and marked ready."""
    audit.begin_write(session)
    module = get_module(session, scope, code, lock=True)
    if module.state != ModuleState.DISPATCHED.value:
        raise Conflict(
            f"module {code} is {ModuleState(module.state).zh}, not 已调派 (dispatched)",
            [FieldProblem("state", "must be dispatched to be returned")],
        )
    open_dispatch = (
        session.execute(
            select(ModuleDispatch)
            .where(ModuleDispatch.module_id == module.id, ModuleDispatch.returned_at.is_(None))
            .order_by(ModuleDispatch.id.desc())
        )
        .scalars()
        .first()
    )
    if open_dispatch is not None:
        before = _snapshot(open_dispatch)
        open_dispatch.returned_at = now or utcnow()
        session.flush()
        audit.record(
            session,
            actor,
            "return",
            MODULE_DISPATCHES,
            open_dispatch.id,
            before,
            _snapshot(open_dispatch),
            scope_path=row_path(session, module),
        )
    _set_state(session, actor, module, ModuleState.REPLENISHING, "return")
    return module


def dispatches_for(
    session: Session, incident_id: int
) -> list[tuple[ModuleDispatch, SupportModule]]:
    """The modules sent to one incident, for its card (the command domain's view)."""
    return list(
        session.execute(
            select(ModuleDispatch, SupportModule)
            .join(SupportModule, SupportModule.id == ModuleDispatch.module_id)
            .where(ModuleDispatch.incident_id == incident_id)
            .order_by(ModuleDispatch.id)
        ).all()
    )
