"""Alarm pipeline basics: signals become alarm records and device health, inside the same
transaction that stores the event, so an event is never stored without its alarm. A raised
fire alarm also puts ``FireAlarmRaised`` in the outbox in that transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, case, exists, false, insert, inspect, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lanyan.core.timeutil import to_local
from lanyan.exchange import public as exchange
from lanyan.exchange.choices import EventType
from lanyan.monitoring import alarm_machine, work_orders
from lanyan.monitoring.choices import AlarmAction, AlarmStatus, SignalKind
from lanyan.monitoring.events import FireAlarmRaised
from lanyan.monitoring.models import (
    DeviceHealth,
    MonitoringAlarm,
    OutboxEvent,
    RepairWorkOrder,
    sqlite_time,
)
from lanyan.monitoring.signals import Signal
from lanyan.registry.choices import DeviceStatus
from lanyan.registry.models import Building, Device
from lanyan.store.base import table_of
from lanyan.store.db import rowcount

# The alarm kinds a device's reset reaches (it clears all but unhandled fire alarms, see
# ``OpenAlarms.reset``), in the order of ``SignalKind``: the rule is ``alarm_machine.MOVES``.
ALARMING = tuple(k for k in SignalKind if k in alarm_machine.kinds_for(AlarmAction.PANEL_RESET))


AlarmKey = tuple[str, str, str]  # (source, kind, point)

# An offline alarm's detail: this prefix, then the last heartbeat's local time.
LAST_HEARTBEAT = "last_heartbeat:"


class OpenAlarms:
    """The open (active or confirmed) alarms a batch of frames may repeat, loaded with one
    query by (source, kind, point) and kept in step in memory, so a batch needs no query per
    signal. ``include`` every key before acting on signals; ``clear`` works in the database
    too, so it reaches open alarms that were never loaded."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.loaded: set[AlarmKey] = set()
        self.open: dict[AlarmKey, MonitoringAlarm] = {}

    def include(self, keys: Iterable[AlarmKey]) -> None:
        """Load the open alarms with these keys (those not loaded yet): the keys are joined as
        a VALUES table, so each is one lookup in the (source, kind, point) index (a row-value
        IN list makes SQLite scan the whole index), and only the hits become ORM objects."""
        new = set(keys) - self.loaded
        if not new:
            return
        self.loaded |= new
        conn = self.session.connection()
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        ordered = sorted(new)
        ids: list[int] = []
        for at in range(0, len(ordered), 300):
            chunk = ordered[at : at + 300]
            values = ",".join([f"({mark},{mark},{mark})"] * len(chunk))
            sql = (
                f"WITH k(s, n, p) AS (VALUES {values}) SELECT a.id FROM k JOIN monitoring_alarms a "
                f"ON a.source = k.s AND a.kind = k.n AND a.point = k.p "
                f"WHERE a.status IN ({','.join([mark] * len(_OPEN))})"
            )
            params = (*(v for key in chunk for v in key), *_OPEN)
            ids += [row[0] for row in conn.exec_driver_sql(sql, params)]
        if not ids:
            return
        for alarm in self.session.scalars(
            select(MonitoringAlarm).where(MonitoringAlarm.id.in_(ids)).order_by(MonitoringAlarm.id)
        ):
            self.open.setdefault((alarm.source, alarm.kind, alarm.point), alarm)

    def find(self, source: str, kind: SignalKind, point: str) -> MonitoringAlarm | None:
        key = (source, kind.value, point)
        if key not in self.loaded:
            self.include([key])
        return self.open.get(key)

    def add(self, alarm: MonitoringAlarm) -> None:
        self.open[(alarm.source, alarm.kind, alarm.point)] = alarm

    def reset(self, device_id: int | None, source: str | None, at: datetime) -> None:
        """Record a device's reset (复位) on its open alarms, of a device or of a source
        without a device. A reset is a fact, not a decision: it clears faults, supervisory
        and feedback alarms (the device says they are over) and a fire alarm an operator has
        confirmed, but an unhandled fire alarm stays active, marked with ``reset_at``: only a
        person closes a fire alarm. A fault with an open repair work order (维修工单) stays
        open too (``alarm_machine.UNDER_REPAIR_KEEPS_OPEN``): its order or a person closes it."""
        by_device = device_id is not None
        self.session.connection().execute(
            _reset_statement(by_device), {"who": device_id if by_device else source, "at": at}
        )
        mine = [
            (key, alarm)
            for key, alarm in self.open.items()
            if self._mine(alarm, device_id, source) and alarm.kind in _ALARMING_VALUES
        ]
        repairing = _under_repair([a.id for _, a in mine if a.kind in _REPAIR_KEEPS], self.session)
        for key, alarm in mine:
            changes: dict[str, Any] = {"reset_at": at}
            if (alarm.kind, alarm.status) not in _RESET_KEEPS_OPEN and alarm.id not in repairing:
                changes |= {"status": AlarmStatus.CLEARED.value, "cleared_at": at}
                del self.open[key]
            self._set(alarm, changes)

    def clear(
        self,
        device_id: int | None,
        source: str | None,
        at: datetime,
        kinds: tuple[SignalKind, ...],
    ) -> None:
        """Clear the open alarms of ``kinds`` of a device, or of a source without a device
        (a device heard again clears its offline alarm: ``alarm_machine``'s 设备恢复). Only
        the kinds the machine lets the device's return clear: never fire alarms, which only an
        operator closes (see ``reset``)."""
        if not set(kinds) <= _BACK_CLEARS:
            wrong = ", ".join(sorted(k.value for k in set(kinds) - _BACK_CLEARS))
            raise ValueError(f"a device heard again does not clear {wrong} alarms")
        wanted = [k.value for k in kinds]
        # Stored rows in the database; alarms opened earlier in this batch (not flushed yet)
        # in memory below, so one flush at the end inserts them all at once. A prebuilt Core
        # statement on the session's connection: building the expression costs more than
        # running it.
        by_device = device_id is not None
        self.session.connection().execute(
            _clear_statement(by_device, tuple(wanted)),
            {"who": device_id if by_device else source, "at": at},
        )
        for key, alarm in list(self.open.items()):
            if self._mine(alarm, device_id, source) and alarm.kind in wanted:
                self._set(alarm, {"status": AlarmStatus.CLEARED.value, "cleared_at": at})
                del self.open[key]

    @staticmethod
    def _mine(alarm: MonitoringAlarm, device_id: int | None, source: str | None) -> bool:
        return alarm.device_id == device_id if device_id is not None else alarm.source == source

    @staticmethod
    def _set(alarm: MonitoringAlarm, changes: dict[str, Any]) -> None:
        persistent = inspect(alarm).persistent
        for name, value in changes.items():
            if persistent:
                # Match the row the UPDATE wrote, without writing it again.
                set_committed_value(alarm, name, value)
            else:
                setattr(alarm, name, value)


# The machine's rules as the stored strings the set-based statements below compare with.
_OPEN = tuple(s.value for s in AlarmStatus if s in alarm_machine.OPEN)
_ALARMING_VALUES = tuple(k.value for k in ALARMING)
_RESET_KEEPS_OPEN = frozenset((k.value, s.value) for k, s in alarm_machine.RESET_KEEPS_OPEN)
_BACK_CLEARS = alarm_machine.kinds_for(AlarmAction.DEVICE_BACK)
_REPAIR_KEEPS = tuple(k.value for k in alarm_machine.UNDER_REPAIR_KEEPS_OPEN)
# Stored strings of a work order still open (待维修, 维修中): the work-order machine's rule.
_ORDER_OPEN = tuple(sorted(s.value for s in work_orders.OPEN_STATES))


def _under_repair(ids: list[int | None], session: Session) -> set[int]:
    """Which of these (stored) alarms have an open repair work order; alarms opened in this
    batch (no id yet) have none."""
    stored = [i for i in ids if i is not None]
    if not stored:
        return set()
    return set(
        session.scalars(
            select(RepairWorkOrder.alarm_id).where(
                RepairWorkOrder.alarm_id.in_(stored), RepairWorkOrder.status.in_(_ORDER_OPEN)
            )
        )
    )


@lru_cache(maxsize=16)
def _clear_statement(by_device: bool, kinds: tuple[str, ...]) -> Any:
    """Clear the open alarms of ``kinds`` of a device (``by_device``) or of a bare source."""
    table = table_of(MonitoringAlarm)
    mine = table.c.device_id if by_device else table.c.source
    return (
        update(table)
        .where(mine == bindparam("who"), table.c.kind.in_(kinds), table.c.status.in_(_OPEN))
        .values(status=AlarmStatus.CLEARED.value, cleared_at=bindparam("at"))
    )


@lru_cache(maxsize=2)
def _reset_statement(by_device: bool) -> Any:
    """A device's (``by_device``) or a bare source's reset on its open alarms: every one gets
    ``reset_at``; all but those the machine keeps open (unhandled fire alarms, faults with an
    open repair work order) are cleared (``OpenAlarms.reset``). The CASE reads the row as it
    was, on SQLite and PostgreSQL alike."""
    table = table_of(MonitoringAlarm)
    orders = table_of(RepairWorkOrder)
    mine = table.c.device_id if by_device else table.c.source
    repairing = exists().where(orders.c.alarm_id == table.c.id, orders.c.status.in_(_ORDER_OPEN))
    kept = or_(
        *(
            (table.c.kind == kind) & (table.c.status == status)
            for kind, status in sorted(_RESET_KEEPS_OPEN)
        ),
        table.c.kind.in_(_REPAIR_KEEPS) & repairing,
    )
    reaches = [
        s.value for s in AlarmStatus if s in alarm_machine.states_for(AlarmAction.PANEL_RESET)
    ]
    return (
        update(table)
        .where(
            mine == bindparam("who"),
            table.c.kind.in_(_ALARMING_VALUES),
            table.c.status.in_(reaches),
        )
        .values(
            status=case((kept, table.c.status), else_=AlarmStatus.CLEARED.value),
            cleared_at=case((kept, table.c.cleared_at), else_=bindparam("at")),
            reset_at=bindparam("at"),
        )
    )


# Device health is derived state: a device written online less than this before its new
# heartbeat is left as it is, so a device reporting in a burst dirties its row once, not once
# per frame. Far below any offline threshold (minutes): a device the housekeeping marked
# offline is always written online again when heard.
HEALTH_REFRESH = timedelta(seconds=5)

_HEALTH_SET = (
    # The later of the stored and the new time (a batch from a slower writer may come late);
    # the last parameter is the batch's earliest time less HEALTH_REFRESH.
    " ON CONFLICT (device_id) DO UPDATE SET last_seen = {later}(excluded.last_seen, h.last_seen),"
    " online = {true} WHERE NOT h.online OR h.last_seen < {mark}"
)
_HEALTH_INTO = "INSERT INTO monitoring_device_health AS h (device_id, last_seen, online) VALUES "
_HEALTH_UPSERT = {
    # SQLite: many rows to one statement (one step: the sqlite3 module lets go of the GIL per
    # step, and the gateway's event loop thread is waiting for it).
    "sqlite": _HEALTH_SET.format(later="max", true="1", mark="?"),
    "postgresql": _HEALTH_INTO
    + "(%s, %s, true)"
    + _HEALTH_SET.format(later="GREATEST", true="true", mark="%s"),
}
_HEALTH_ROWS = 400


def heartbeats(
    session: Session,
    seen: dict[int, datetime],
    book: OpenAlarms,
    unsettled: Iterable[int] = (),
) -> None:
    """Refresh the health of the devices in ``seen`` (device id → latest receive time): one
    query for those that were offline, then one upsert statement for all (driver SQL, no
    per-row SQLAlchemy work), which leaves a row written online within ``HEALTH_REFRESH``
    alone; a device heard again after being offline clears its offline alarm. The registry's
    status of those and of ``unsettled`` (devices the caller saw not marked online, e.g. never
    heard before) is refreshed in the same transaction (``refresh_status``)."""
    if not seen:
        return
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    ids = list(seen)
    offline: list[int] = []
    for at in range(0, len(ids), 500):
        chunk = ids[at : at + 500]
        offline += [
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT device_id FROM monitoring_device_health "
                f"WHERE device_id IN ({','.join([mark] * len(chunk))}) AND online = {mark}",
                (*chunk, False),
            )
        ]
    # In device order, so two writers upserting overlapping devices lock rows in one order.
    ordered = sorted(seen.items())
    # One threshold for the batch, from its earliest heartbeat: a row is then rewritten at
    # most HEALTH_REFRESH plus the batch's span (milliseconds) behind.
    stale: Any = min(seen.values()) - HEALTH_REFRESH
    if sqlite:
        stale = sqlite_time(stale)
        for at in range(0, len(ordered), _HEALTH_ROWS):
            beats = ordered[at : at + _HEALTH_ROWS]
            values = ",".join(["(?,?,1)"] * len(beats))
            params = [v for d, seen_at in beats for v in (d, sqlite_time(seen_at))]
            conn.exec_driver_sql(_HEALTH_INTO + values + _HEALTH_UPSERT["sqlite"], (*params, stale))
    else:
        rows = [(d, at, stale) for d, at in ordered]
        conn.exec_driver_sql(_HEALTH_UPSERT["postgresql"], rows)
    for device_id in sorted(offline):
        book.clear(device_id, None, seen[device_id], kinds=(SignalKind.OFFLINE,))
    # Heard again, or while the registry said otherwise: its status follows, in this
    # transaction. Not per heartbeat: only devices whose status changes.
    refresh_status(session, [*offline, *unsettled])


def refresh_status(session: Session, device_ids: Iterable[int]) -> None:
    """Write the registry's ``Device.status`` of these devices from what monitoring knows, in
    the caller's transaction, so the registry, the device page and the desk show one status:
    ``offline`` when its health says so, else ``fault`` with an open fault alarm, else
    ``online`` (``registered`` while it has never reported). A decommissioned device keeps its
    status. One statement, and only where the status changes: called on transitions (first
    heard, offline, back, a fault opened or closed), never per heartbeat."""
    ids = sorted(set(device_ids))
    if not ids:
        return
    for at in range(0, len(ids), 500):
        session.connection().execute(_status_statement(), {"ids": ids[at : at + 500]})


@lru_cache(maxsize=1)
def _status_statement() -> Any:
    devices, health = table_of(Device), table_of(DeviceHealth)
    alarms = table_of(MonitoringAlarm)
    online = select(health.c.online).where(health.c.device_id == devices.c.id).scalar_subquery()
    open_fault = exists().where(
        alarms.c.device_id == devices.c.id,
        alarms.c.kind == SignalKind.FAULT.value,
        alarms.c.status.in_(_OPEN),
    )
    derived = case(
        (online.is_(None), DeviceStatus.REGISTERED.value),
        (online == false(), DeviceStatus.OFFLINE.value),
        (open_fault, DeviceStatus.FAULT.value),
        else_=DeviceStatus.ONLINE.value,
    )
    return (
        update(devices)
        .where(
            devices.c.id.in_(bindparam("ids", expanding=True)),
            devices.c.status != DeviceStatus.DECOMMISSIONED.value,
            devices.c.status != derived,
        )
        .values(status=derived)
    )


def place_of(session: Session, device: Any) -> dict[str, int | None]:
    """Device, unit, building and jurisdiction ids an alarm from ``device`` (a registry
    ``Device`` or an ``ingest.DeviceRef``) is tied to."""
    if device is None:
        return {"device_id": None, "unit_id": None, "building_id": None, "jurisdiction_id": None}
    unit_id = device.unit_id
    if unit_id is None and device.building_id is not None:
        building = session.get(Building, device.building_id)
        unit_id = building.unit_id if building else None
    return {
        "device_id": device.id,
        "unit_id": unit_id,
        "building_id": device.building_id,
        "jurisdiction_id": device.jurisdiction_id,
    }


def apply_signals(
    session: Session,
    *,
    event_id: int,
    source: str,
    at: datetime,
    device: Any,
    signals: list[Signal],
    book: OpenAlarms,
    place: dict[str, int | None] | None = None,
) -> list[MonitoringAlarm]:
    """Record what ``signals`` mean for alarms (heartbeats are the caller's, see
    ``heartbeats``); returns the alarms opened now, not yet in the session: the caller writes
    them all with ``insert_opened`` and then calls ``announce``. ``at`` is the receive time:
    device clocks cannot be trusted (reference D4)."""
    opened = []
    for signal in signals:
        if signal.kind is SignalKind.HEARTBEAT or signal.kind is SignalKind.DUTY_ANSWER:
            continue
        if signal.kind is SignalKind.RESET:
            book.reset(device.id if device else None, source, at)
            continue
        alarm = book.find(source, signal.kind, signal.point[:200])
        if alarm is not None:
            alarm.repeats += 1
            alarm.last_seen = at
            alarm.test_mode = alarm.test_mode or signal.test_mode
            continue
        alarm = MonitoringAlarm(
            kind=signal.kind.value,
            status=AlarmStatus.ACTIVE.value,
            event_id=event_id,
            source=source,
            point=signal.point[:200],
            location=signal.location[:100],
            detail=signal.detail[:200],
            test_mode=signal.test_mode,
            unverified=device is None,
            raised_at=at,
            last_seen=at,
            repeats=1,
            **(place if place is not None else place_of(session, device)),
        )
        book.add(alarm)
        opened.append(alarm)
    return opened


_ALARM_COLUMNS = (
    "kind",
    "status",
    "event_id",
    "source",
    "point",
    "location",
    "detail",
    "test_mode",
    "unverified",
    "raised_at",
    "last_seen",
    "repeats",
    "cleared_at",
    "reset_at",
    "device_id",
    "unit_id",
    "building_id",
    "jurisdiction_id",
)


def insert_opened(session: Session, opened: list[MonitoringAlarm]) -> None:
    """Write the alarms ``apply_signals`` opened (in their final state: a later signal of the
    batch may have repeated or cleared them) with one Core statement per few hundred, and
    give each its id. The ORM would insert them one by one to learn their ids."""
    if not opened:
        return
    keys = [(a.event_id, a.kind, a.point) for a in opened]
    if len(set(keys)) < len(keys):
        # The same point opened twice by one frame (raised, reset, raised): let the ORM do it.
        session.add_all(opened)
        session.flush()
        return
    table = table_of(MonitoringAlarm)
    rows = [{name: getattr(alarm, name) for name in _ALARM_COLUMNS} for alarm in opened]
    result = session.connection().execute(
        insert(table).returning(table.c.id, table.c.event_id, table.c.kind, table.c.point), rows
    )
    ids = {(event_id, kind, point): id_ for id_, event_id, kind, point in result}
    for alarm, key in zip(opened, keys, strict=True):
        alarm.id = ids[key]


def announce(session: Session, opened: Iterable[MonitoringAlarm]) -> int:
    """Put a ``FireAlarmRaised`` in the outbox for each fire alarm among ``opened`` (written,
    so they have ids), in the same transaction, with one statement; returns how many."""
    rows = []
    payloads: list[dict[str, Any]] = []
    for alarm in opened:
        if alarm.kind != SignalKind.FIRE.value:
            continue
        raised = FireAlarmRaised(
            alarm_id=alarm.id,
            event_id=alarm.event_id,
            source=alarm.source,
            unit_id=alarm.unit_id,
            building_id=alarm.building_id,
            jurisdiction_id=alarm.jurisdiction_id,
            point=alarm.point,
            location=alarm.location,
            test_mode=alarm.test_mode,
            unverified=alarm.unverified,
            raised_at=alarm.raised_at,
        )
        payloads.append(raised.payload())
        rows.append({"topic": raised.topic, "payload": payloads[-1], "created_at": alarm.raised_at})
    if rows:
        session.connection().execute(insert(table_of(OutboxEvent)), rows)
        # The same events for other departments' webhooks (data exchange), same transaction.
        exchange.emit_many(session, EventType.FIRE_ALARM_RAISED, payloads)
    return len(rows)


def sweep_offline(
    session: Session,
    now: datetime,
    heartbeat: timedelta,
    missed: int = 3,
    most: int | None = None,
) -> list[MonitoringAlarm]:
    """Mark devices offline (离线) after ``missed`` heartbeat periods of silence; one offline
    alarm per device until it is heard again. ``most``: at most that many devices in this
    call (the housekeeping sweeps in chunks, one short transaction each)."""
    cutoff = now - heartbeat * missed
    opened = []
    query = (
        select(DeviceHealth)
        .where(DeviceHealth.online.is_(True), DeviceHealth.last_seen < cutoff)
        .order_by(DeviceHealth.device_id)
    )
    stale = session.scalars(query if most is None else query.limit(most))
    for health in list(stale):
        # A conditional UPDATE claims the device: when several server workers sweep at once,
        # only one of them raises its offline alarm.
        claimed = session.execute(
            update(DeviceHealth)
            .where(DeviceHealth.device_id == health.device_id, DeviceHealth.online.is_(True))
            .values(online=False)
            .execution_options(synchronize_session="fetch")
        )
        if rowcount(claimed) != 1:
            continue
        device = session.get(Device, health.device_id)
        alarm = MonitoringAlarm(
            kind=SignalKind.OFFLINE.value,
            status=AlarmStatus.ACTIVE.value,
            source="",
            # Stored in one form; ``views.detail_text`` words it per language.
            detail=f"{LAST_HEARTBEAT}{to_local(health.last_seen):%Y-%m-%d %H:%M:%S}",
            raised_at=now,
            last_seen=now,
            repeats=1,
            **place_of(session, device),
        )
        session.add(alarm)
        opened.append(alarm)
    session.flush()
    refresh_status(session, (a.device_id for a in opened if a.device_id is not None))
    return opened
