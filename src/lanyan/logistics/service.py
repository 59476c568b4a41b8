"""Logistics service: depots, the catalogue, requirements, items and their lifecycle moves.

Functions take the caller's session (the caller's unit of work owns the transaction), the acting
user's ``Actor`` and ``Scope``; every write is audited in the same transaction. An item is scoped
through the place it is kept (depot, station or vehicle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.core.timeutil import to_local, utcnow
from lanyan.logistics import lifecycle
from lanyan.logistics.choices import (
    EquipmentCategory,
    ItemAction,
    ItemState,
    LocationKind,
)
from lanyan.logistics.labels import Label
from lanyan.logistics.models import Depot, EquipmentKind, Item, ItemEvent, Requirement
from lanyan.logistics.schemas.equipment import (
    DepotCreate,
    ItemCreate,
    KindCreate,
    MoveCreate,
    RequirementSet,
)
from lanyan.registry.models import Jurisdiction, Station, Vehicle
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "equipment"  # the role table's slug for everything in this domain
ITEMS, KINDS, DEPOTS, REQUIREMENTS = (
    "equipment-items",
    "equipment-kinds",
    "depots",
    "equipment-requirements",
)
# States in which an item counts towards a station's holdings for the backup rate (备份率).
HELD = (ItemState.ISSUED.value, ItemState.IN_USE.value)


def today() -> date:
    """Today in Asia/Shanghai, the day the service records moves on."""
    local = to_local(utcnow())
    assert local is not None
    return local.date()


def in_scope(model: Any, scope: Scope) -> ColumnElement[bool]:
    return scope.within(model.jurisdiction_id)


def depot_choices(session: Session, scope: Scope) -> list[Any]:
    """(code, name) of the depots inside ``scope``, by code."""
    return list(
        session.execute(
            select(Depot.code, Depot.name).where(in_scope(Depot, scope)).order_by(Depot.code)
        ).all()
    )


def item_trail(session: Session, item: Item, scope: Scope) -> list[audit.AuditEntry]:
    """The item's audit entries a reader in ``scope`` may read, oldest first."""
    return audit.trail(session, ITEMS, item.id, scope.path)


def _snapshot(row: Any) -> dict[str, Any]:
    return {
        c.name: getattr(row, c.key)
        for c in type(row).__table__.columns
        if c.name not in ("created_at", "updated_at")
    }


def _missing(field: str, what: str, code: str) -> ValidationFailed:
    return ValidationFailed(
        f"{what} {code} does not exist", [FieldProblem(field, f"no {what} {code}")]
    )


def _by_code(session: Session, model: Any, code: str, field: str, what: str) -> Any:
    row = session.execute(select(model).where(model.code == code)).scalar_one_or_none()
    if row is None:
        raise _missing(field, what, code)
    return row


def _in_scope_or_refuse(session: Session, scope: Scope, jurisdiction_id: int, field: str) -> None:
    if not scope.contains(session, jurisdiction_id):
        raise ValidationFailed(
            f"{field} is outside your jurisdiction",
            [FieldProblem(field, "is outside your jurisdiction")],
        )


def _unique_code(session: Session, model: Any, code: str, what: str) -> None:
    if session.execute(select(model.id).where(model.code == code)).first():
        raise Conflict(f"{what} {code} already exists", [FieldProblem("code", "must be unique")])


def create_depot(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: DepotCreate,
) -> Depot:
    audit.begin_write(session)
    jur = _by_code(
        session, Jurisdiction, payload.jurisdiction_code, "jurisdiction_code", "jurisdiction"
    )
    _in_scope_or_refuse(session, scope, jur.id, "jurisdiction_code")
    _unique_code(session, Depot, payload.code, "depot")
    row = Depot(
        code=payload.code, name=payload.name, address=payload.address, jurisdiction_id=jur.id
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        DEPOTS,
        row.id,
        None,
        _snapshot(row),
        scope_path=row_path(session, row),
    )
    return row


def create_kind(session: Session, actor: Actor, payload: KindCreate) -> EquipmentKind:
    """Add a catalogue entry. The catalogue is shared by every jurisdiction (audited at "/")."""
    audit.begin_write(session)
    _unique_code(session, EquipmentKind, payload.code, "equipment kind")
    row = EquipmentKind(**payload.model_dump(mode="json"))
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", KINDS, row.id, None, _snapshot(row))
    return row


def set_requirement(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: RequirementSet,
) -> Requirement:
    """Set (create or replace) the quantity of a kind a station must hold."""
    audit.begin_write(session)
    station = _by_code(session, Station, payload.station_code, "station_code", "station")
    _in_scope_or_refuse(session, scope, station.jurisdiction_id, "station_code")
    kind = _by_code(session, EquipmentKind, payload.kind_code, "kind_code", "equipment kind")
    row = session.execute(
        select(Requirement).where(
            Requirement.station_id == station.id, Requirement.kind_id == kind.id
        )
    ).scalar_one_or_none()
    before = _snapshot(row) if row else None
    if row is None:
        row = Requirement(
            station_id=station.id,
            kind_id=kind.id,
            quantity=payload.quantity,
            jurisdiction_id=station.jurisdiction_id,
        )
        session.add(row)
    else:
        row.quantity = payload.quantity
    session.flush()
    audit.record(
        session,
        actor,
        "create" if before is None else "update",
        REQUIREMENTS,
        row.id,
        before,
        _snapshot(row),
        scope_path=row_path(session, row),
    )
    return row


def _check_tag(session: Session, tag: str | None) -> None:
    if not tag:
        return
    holder = session.execute(select(Item.code).where(Item.tag_epc == tag)).scalar_one_or_none()
    if holder is not None:
        raise Conflict(
            f"RFID tag {tag} is already on item {holder}",
            [FieldProblem("tag_epc", f"must be unique; {tag} belongs to {holder}")],
        )


def create_item(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: ItemCreate,
) -> Item:
    """Record a purchased item (采购), bound for ``depot_code``."""
    audit.begin_write(session)
    kind = _by_code(session, EquipmentKind, payload.kind_code, "kind_code", "equipment kind")
    depot = _by_code(session, Depot, payload.depot_code, "depot_code", "depot")
    _in_scope_or_refuse(session, scope, depot.jurisdiction_id, "depot_code")
    _unique_code(session, Item, payload.code, "item")
    _check_tag(session, payload.tag_epc)
    on = payload.purchased_on or today()
    row = Item(
        code=payload.code,
        kind_id=kind.id,
        tag_epc=payload.tag_epc,
        serial=payload.serial,
        state=ItemState.PURCHASED.value,
        location_kind=LocationKind.DEPOT.value,
        depot_id=depot.id,
        jurisdiction_id=depot.jurisdiction_id,
        purchased_on=on,
    )
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a concurrent writer took the tag between the check and the insert
        raise Conflict(
            f"RFID tag {payload.tag_epc} is already in use",
            [FieldProblem("tag_epc", "must be unique")],
        ) from None
    session.add(
        ItemEvent(
            item_id=row.id,
            action=ItemAction.PURCHASE.value,
            from_state=None,
            to_state=row.state,
            location=f"depot:{depot.code}",
            on=on,
            at=utcnow(),
            note="",
            recorded_by=actor.username,
        )
    )
    audit.record(
        session,
        actor,
        "create",
        ITEMS,
        row.id,
        None,
        _snapshot(row),
        scope_path=row_path(session, row),
    )
    return row


def get_item(session: Session, scope: Scope, code: str, lock: bool = False) -> Item:
    stmt = select(Item).where(Item.code == code, in_scope(Item, scope))
    return one_or_not_found(
        session, stmt, f"item {code} does not exist or is outside your jurisdiction", lock
    )


def _place(
    session: Session, scope: Scope, kind: LocationKind, code: str | None
) -> tuple[int | None, int | None, int | None, int]:
    """(depot_id, station_id, vehicle_id, jurisdiction_id) of the place an item goes to."""
    if not code:
        raise ValidationFailed(
            f"say which {kind.value} the item goes to",
            [FieldProblem("location_code", f"must name a {kind.value}")],
        )
    if kind is LocationKind.DEPOT:
        depot = _by_code(session, Depot, code, "location_code", "depot")
        place: tuple[int | None, int | None, int | None, int] = (
            depot.id,
            None,
            None,
            depot.jurisdiction_id,
        )
    elif kind is LocationKind.STATION:
        station = _by_code(session, Station, code, "location_code", "station")
        place = (None, station.id, None, station.jurisdiction_id)
    else:
        vehicle = _by_code(session, Vehicle, code, "location_code", "vehicle")
        place = (None, vehicle.station_id, vehicle.id, vehicle.jurisdiction_id)
    _in_scope_or_refuse(session, scope, place[3], "location_code")
    return place


def _due(start: date, days: int | None) -> date | None:
    return start + timedelta(days=days) if days else None


def move_item(
    session: Session,
    actor: Actor,
    scope: Scope,
    code: str,
    payload: MoveCreate,
) -> Item:
    """Apply a lifecycle action to an item inside ``scope``; illegal moves are refused."""
    audit.begin_write(session)
    row = get_item(session, scope, code, lock=True)
    on = payload.on or today()
    event = lifecycle.move(
        row.code, ItemState(row.state), payload.action, on, payload.location_kind
    )
    before = _snapshot(row)
    kind = session.get(EquipmentKind, row.kind_id)
    assert kind is not None
    if payload.location_kind is not None:
        depot_id, station_id, vehicle_id, jid = _place(
            session, scope, payload.location_kind, payload.location_code
        )
        row.location_kind = payload.location_kind.value
        row.depot_id, row.station_id, row.vehicle_id, row.jurisdiction_id = (
            depot_id,
            station_id,
            vehicle_id,
            jid,
        )
    action = payload.action
    if action in (ItemAction.COMMISSION, ItemAction.INSPECT):
        row.inspection_due = _due(on, kind.inspection_days)
    if action is ItemAction.INSPECT:
        row.last_inspected_on = on
    if action in (ItemAction.COMMISSION, ItemAction.RETURN_FROM_REPAIR):
        row.maintenance_due = _due(on, kind.maintenance_days)
    if action is ItemAction.SCRAP:
        row.inspection_due = row.maintenance_due = None  # nothing is due on scrapped equipment
    row.state = event.after.value
    session.flush()
    session.add(
        ItemEvent(
            item_id=row.id,
            action=action.value,
            from_state=event.before.value,
            to_state=event.after.value,
            location=location_label(session, row),
            on=on,
            at=utcnow(),
            note=payload.note,
            recorded_by=actor.username,
        )
    )
    session.flush()
    after = _snapshot(row)
    audit.record(
        session,
        actor,
        action.value,
        ITEMS,
        row.id,
        before,
        after,
        scope_path=row_path(session, row),
    )
    return row


def location_label(session: Session, row: Item) -> str:
    """``kind:code`` of the place an item is kept, e.g. ``vehicle:V-1``."""
    model, rid = {
        LocationKind.DEPOT.value: (Depot, row.depot_id),
        LocationKind.STATION.value: (Station, row.station_id),
        LocationKind.VEHICLE.value: (Vehicle, row.vehicle_id),
    }[row.location_kind]
    code = session.execute(select(model.code).where(model.id == rid)).scalar_one()
    return f"{row.location_kind}:{code}"


def list_items(
    session: Session,
    scope: Scope,
    state: ItemState | None = None,
    kind_code: str | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[Item], int]:
    where = [in_scope(Item, scope)]
    if state is not None:
        where.append(Item.state == state.value)
    if kind_code:
        where.append(
            Item.kind_id.in_(select(EquipmentKind.id).where(EquipmentKind.code == kind_code))
        )
    return paginate(session, select(Item).where(*where).order_by(Item.code), page, size)


@dataclass(frozen=True)
class Overdue:
    """An item whose inspection or maintenance is past due on ``as_of``."""

    code: str
    kind_name: str
    state: ItemState
    what: str  # "inspection" | "maintenance"
    due: date
    days_late: int


def overdue(session: Session, scope: Scope, as_of: date | None = None) -> list[Overdue]:
    """Items not scrapped whose inspection or maintenance date has passed, most late first."""
    as_of = as_of or today()
    out: list[Overdue] = []
    for column, what in (
        (Item.inspection_due, "inspection"),
        (Item.maintenance_due, "maintenance"),
    ):
        rows = session.execute(
            select(Item.code, EquipmentKind.name, Item.state, column)
            .join(EquipmentKind, EquipmentKind.id == Item.kind_id)
            .where(in_scope(Item, scope), column < as_of, Item.state != ItemState.SCRAPPED.value)
        ).all()
        for c, n, s, d in rows:
            assert d is not None  # `column < as_of` leaves no row without a date
            out.append(Overdue(c, n, ItemState(s), what, d, (as_of - d).days))
    return sorted(out, key=lambda o: (-o.days_late, o.code, o.what))


@dataclass(frozen=True)
class Reserve:
    """A station's holdings of one kind against its requirement (备份率 = held / required)."""

    station_code: str
    station_name: str
    kind_code: str
    kind_name: str
    category: EquipmentCategory
    required: int
    held: int

    @property
    def rate(self) -> float | None:
        return self.held / self.required if self.required else None


@dataclass(frozen=True)
class BackupRate:
    """A jurisdiction's backup rate: per station and kind, and overall.

    ``rate`` = Σ min(held, required) / Σ required, so a surplus at one station does not hide a
    shortfall at another (1.0 = every station holds all it must). Held items are those 配发 or
    在用 at the station or on its vehicles; items in depots are counted as ``depot_stock``.
    """

    reserves: list[Reserve]
    depot_stock: dict[str, int]

    @property
    def required(self) -> int:
        return sum(r.required for r in self.reserves)

    @property
    def covered(self) -> int:
        return sum(min(r.held, r.required) for r in self.reserves)

    @property
    def rate(self) -> float | None:
        return self.covered / self.required if self.required else None


def backup_rate(
    session: Session, scope: Scope, category: EquipmentCategory | None = None
) -> BackupRate:
    """Holdings against requirements for every station inside ``scope`` (one category or all)."""
    kind_filter = [EquipmentKind.category == category.value] if category else []
    counts = session.execute(
        select(Item.station_id, Item.kind_id, func.count())
        .join(EquipmentKind, EquipmentKind.id == Item.kind_id)
        .where(in_scope(Item, scope), Item.state.in_(HELD), *kind_filter)
        .group_by(Item.station_id, Item.kind_id)
    ).all()
    held = {(station_id, kind_id): int(n) for station_id, kind_id, n in counts}
    reqs = session.execute(
        select(Requirement, Station.code, Station.name, EquipmentKind)
        .join(Station, Station.id == Requirement.station_id)
        .join(EquipmentKind, EquipmentKind.id == Requirement.kind_id)
        .where(in_scope(Requirement, scope), *kind_filter)
        .order_by(Station.code, EquipmentKind.code)
    ).all()
    reserves = [
        Reserve(
            scode,
            sname,
            kind.code,
            kind.name,
            EquipmentCategory(kind.category),
            req.quantity,
            held.get((req.station_id, req.kind_id), 0),
        )
        for req, scode, sname, kind in reqs
    ]
    stock = session.execute(
        select(EquipmentKind.code, func.count())
        .join(Item, Item.kind_id == EquipmentKind.id)
        .where(in_scope(Item, scope), Item.state == ItemState.STOCKED.value, *kind_filter)
        .group_by(EquipmentKind.code)
    ).all()
    return BackupRate(reserves, {code: int(n) for code, n in stock})


def history(session: Session, item: Item) -> list[ItemEvent]:
    return list(
        session.execute(
            select(ItemEvent).where(ItemEvent.item_id == item.id).order_by(ItemEvent.id)
        )
        .scalars()
        .all()
    )


def label_url(base_url: str, code: str) -> str:
    """The address an item's QR label encodes: its page on the platform."""
    return f"{base_url.rstrip('/')}/equipment/items/{code}"


def public(session: Session, row: Item, base_url: str, with_history: bool = True) -> dict[str, Any]:
    """The item as its API shape."""
    kind = session.get(EquipmentKind, row.kind_id)
    assert kind is not None
    where = location_label(session, row)
    model, rid, name_col = {
        "depot": (Depot, row.depot_id, Depot.name),
        "station": (Station, row.station_id, Station.name),
        # Vehicles have no name: their call sign is what people read.
        "vehicle": (Vehicle, row.vehicle_id, Vehicle.code),
    }[row.location_kind]
    place_name = session.execute(select(name_col).where(model.id == rid)).scalar_one()
    jcode = session.execute(
        select(Jurisdiction.code).where(Jurisdiction.id == row.jurisdiction_id)
    ).scalar_one()
    return {
        "code": row.code,
        "kind_code": kind.code,
        "kind_name": kind.name,
        "category": kind.category,
        "tag_epc": row.tag_epc,
        "serial": row.serial,
        "state": row.state,
        "location_kind": row.location_kind,
        "location_code": where.split(":", 1)[1],
        "location_name": place_name,
        "jurisdiction_code": jcode,
        "purchased_on": row.purchased_on,
        "last_inspected_on": row.last_inspected_on,
        "inspection_due": row.inspection_due,
        "maintenance_due": row.maintenance_due,
        "legal_actions": [a.value for a in lifecycle.legal_actions(ItemState(row.state))],
        "label_url": label_url(base_url, row.code),
        "history": [
            {
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "location": e.location,
                "on": e.on,
                "at": e.at,
                "note": e.note,
                "recorded_by": e.recorded_by,
            }
            for e in history(session, row)
        ]
        if with_history
        else [],
    }


def labels_for(session: Session, scope: Scope, codes: list[str], base_url: str) -> list[Label]:
    """The labels of the items ``codes`` (every item inside ``scope`` when empty), by code."""
    if codes:
        rows = [get_item(session, scope, c) for c in codes]
    else:
        rows = list(
            session.execute(select(Item).where(in_scope(Item, scope)).order_by(Item.code))
            .scalars()
            .all()
        )
    names = dict(session.execute(select(EquipmentKind.id, EquipmentKind.name)).all())
    return [Label(r.code, names[r.kind_id], label_url(base_url, r.code)) for r in rows]
