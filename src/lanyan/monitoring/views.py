"""Read side of the monitoring centre (监控中心): alarm lists and details, devices' status by
unit, the quarantine list, and the per-unit and per-jurisdiction figures, all scoped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.monitoring import alarm_machine, history
from lanyan.monitoring.alarms import LAST_HEARTBEAT
from lanyan.monitoring.choices import AlarmStatus, QuarantineStatus, SignalKind, SiteVerdict
from lanyan.monitoring.gb26875 import tables as gb_tables
from lanyan.monitoring.handling import (
    UnitFigures,
    key_unit_connection_rate,
    unit_figures_query,
)
from lanyan.monitoring.ingest import decoded_view
from lanyan.monitoring.models import (
    DeviceHealth,
    MonitoringAlarm,
    MonitoringEvent,
    QuarantinedSender,
)
from lanyan.registry.choices import DeviceKind, UnitCategory
from lanyan.registry.models import Building, Device, Jurisdiction, Unit
from lanyan.registry.scope import Scope
from lanyan.store.paging import paginate

# Open alarms (未处理, 已确认): the machine's rule, as stored strings.
OPEN_STATES = tuple(s.value for s in AlarmStatus if s in alarm_machine.OPEN)


def _flag_names() -> dict[str, tuple[str, str]]:
    """zh/en names of every GB/T 26875.3 state and operation bit, by slug."""
    out: dict[str, tuple[str, str]] = {}
    for table in vars(gb_tables).values():
        if isinstance(table, dict):
            for bit in table.values():
                if isinstance(bit, gb_tables.Bit):
                    out.setdefault(bit.slug, (bit.zh, bit.en))
    return out


FLAG_NAMES = _flag_names()


def detail_text(detail: str) -> tuple[str, str]:
    """An alarm's detail in zh and en: comma-separated bit slugs become their names; an
    offline alarm's last heartbeat gets its words. Anything else (and the bilingual text
    offline alarms had before) is shown as stored."""
    if detail.startswith(LAST_HEARTBEAT):
        at = detail.removeprefix(LAST_HEARTBEAT)
        return f"最后心跳 {at}", f"last heartbeat {at}"
    parts = [p for p in detail.split(",") if p]
    if not parts or not all(p in FLAG_NAMES for p in parts):
        return detail, detail
    return "、".join(FLAG_NAMES[p][0] for p in parts), ", ".join(FLAG_NAMES[p][1] for p in parts)


@dataclass(frozen=True)
class AlarmFilter:
    """What the alarm list may be narrowed by; every field optional."""

    kind: SignalKind | None = None
    status: AlarmStatus | None = None
    unit_code: str | None = None
    jurisdiction_code: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    open_only: bool = False
    # Leave offline alarms to ``offline_groups`` (the desk shows one card per unit).
    group_offline: bool = False
    # Only alarms placed on the map (at their building, else their unit) inside this box
    # (minlon, minlat, maxlon, maxlat, WGS84): the map's alarm layer.
    bbox: tuple[float, float, float, float] | None = None

    def check(self) -> None:
        if self.since and self.until and self.until < self.since:
            raise ValidationFailed(
                "the time range is empty", [FieldProblem("until", "must not be before since")]
            )


def sees_unplaced(session: Session, role: str, scope: Scope, gateway_jurisdiction: str) -> bool:
    """Whether a user's desk gets the alarms no jurisdiction holds yet: those of senders not in
    the registry (未登记设备). The jurisdiction the gateways serve (``gateway_jurisdiction``,
    a GB/T 2260 code; ``Settings.monitor_unregistered_jurisdiction``) and those above it when
    one is configured, else the users of a top jurisdiction; administrators always. A unit
    safety manager never: they see their own units only."""
    if not scope.units.unrestricted:
        return False
    if role == "admin" or scope.unrestricted:
        return True
    if gateway_jurisdiction:
        path = session.scalar(
            select(Jurisdiction.path).where(Jurisdiction.code == gateway_jurisdiction)
        )
        return path is not None and path.startswith(scope.path)
    return scope.path.count("/") == 2  # "/<id>/": a top jurisdiction


def _alarm_query(scope: Scope, unplaced: bool = False) -> Select[*tuple[Any, ...]]:
    """Alarms joined with their unit, building, device and jurisdiction, inside ``scope``.

    Alarms from unregistered senders have no jurisdiction: ``unplaced`` adds them (see
    ``sees_unplaced``)."""
    placed = and_(
        scope.within(MonitoringAlarm.jurisdiction_id),
        scope.units.within(MonitoringAlarm.unit_id),
    )
    return (
        select(
            MonitoringAlarm,
            Unit.code,
            Unit.name,
            Unit.lon,
            Unit.lat,
            Building.code,
            Building.name,
            Building.lon,
            Building.lat,
            Device.code,
            Jurisdiction.code,
            Jurisdiction.name,
            Jurisdiction.path,
        )
        .outerjoin(Unit, Unit.id == MonitoringAlarm.unit_id)
        .outerjoin(Building, Building.id == MonitoringAlarm.building_id)
        .outerjoin(Device, Device.id == MonitoringAlarm.device_id)
        .outerjoin(Jurisdiction, Jurisdiction.id == MonitoringAlarm.jurisdiction_id)
        .where(or_(placed, MonitoringAlarm.jurisdiction_id.is_(None)) if unplaced else placed)
    )


def alarm_item(row: Any) -> dict[str, Any]:
    """One alarm as the API and the live feed show it."""
    a: MonitoringAlarm = row[0]
    (u_code, u_name, u_lon, u_lat, b_code, b_name, b_lon, b_lat, d_code, j_code, j_name, path) = (
        row[1:]
    )
    lon, lat = (b_lon, b_lat) if b_lon is not None else (u_lon, u_lat)
    kind, status = SignalKind(a.kind), AlarmStatus(a.status)
    return {
        "id": a.id,
        "kind": a.kind,
        "kind_zh": kind.zh,
        "kind_en": kind.en,
        "status": a.status,
        "status_zh": status.zh,
        "status_en": status.en,
        # What a person may do now (the machine's table; the desk draws its buttons from it).
        "actions": [action.value for action in alarm_machine.decisions(kind, status)],
        "unit": {"code": u_code, "name": u_name} if u_code else None,
        "building": {"code": b_code, "name": b_name} if b_code else None,
        "device_code": d_code,
        "jurisdiction": {"code": j_code, "name": j_name} if j_code else None,
        "source": a.source,
        "point": a.point,
        "location": a.location,
        "detail": a.detail,
        "detail_zh": detail_text(a.detail)[0],
        "detail_en": detail_text(a.detail)[1],
        "test_mode": a.test_mode,
        "unverified": a.unverified,
        "escalated": a.escalated_at is not None,
        "escalated_at": a.escalated_at.isoformat() if a.escalated_at else None,
        "raised_at": a.raised_at.isoformat(),
        "last_seen": a.last_seen.isoformat(),
        "repeats": a.repeats,
        "cleared_at": a.cleared_at.isoformat() if a.cleared_at else None,
        "reset_at": a.reset_at.isoformat() if a.reset_at else None,
        "handled_by": a.handled_by,
        "handled_at": a.handled_at.isoformat() if a.handled_at else None,
        "note": a.note,
        # 现场确认 by the unit's control room: shown on the centre's desk beside the alarm.
        "site": (
            {
                "verdict": a.site_verdict,
                "verdict_zh": SiteVerdict(a.site_verdict).zh,
                "verdict_en": SiteVerdict(a.site_verdict).en,
                "by": a.site_by,
                "at": a.site_at.isoformat() if a.site_at else None,
                "note": a.site_note,
            }
            if a.site_verdict
            else None
        ),
        "lon": lon,
        "lat": lat,
        "updated_at": a.updated_at.isoformat(),
        "scope_path": path or "",
    }


def _priority() -> Any:
    """Open fire alarms first, then other open alarms, then the handled and cleared."""
    is_open = MonitoringAlarm.status.in_(OPEN_STATES)
    return case(
        (and_(is_open, MonitoringAlarm.kind == SignalKind.FIRE.value), 0),
        (is_open, 1),
        else_=2,
    )


def list_alarms(
    session: Session, scope: Scope, f: AlarmFilter, page: int, size: int, unplaced: bool = False
) -> tuple[list[dict[str, Any]], int]:
    """A page of alarms: open fire alarms first, newest first within each group."""
    f.check()
    query = _alarm_query(scope, unplaced)
    if f.kind:
        query = query.where(MonitoringAlarm.kind == f.kind.value)
    if f.status:
        query = query.where(MonitoringAlarm.status == f.status.value)
    if f.open_only:
        query = query.where(MonitoringAlarm.status.in_(OPEN_STATES))
    if f.group_offline and f.kind is not SignalKind.OFFLINE:
        query = query.where(MonitoringAlarm.kind != SignalKind.OFFLINE.value)
    if f.unit_code:
        query = query.where(Unit.code == f.unit_code)
    if f.jurisdiction_code:
        jur = session.scalar(select(Jurisdiction).where(Jurisdiction.code == f.jurisdiction_code))
        if jur is None:
            raise ValidationFailed(
                f"no jurisdiction {f.jurisdiction_code}",
                [FieldProblem("jurisdiction", "must be the GB/T 2260 code of a jurisdiction")],
            )
        query = query.where(Jurisdiction.path.startswith(jur.path, autoescape=True))
    if f.since:
        query = query.where(MonitoringAlarm.raised_at >= f.since)
    if f.bbox:
        lon, lat = func.coalesce(Building.lon, Unit.lon), func.coalesce(Building.lat, Unit.lat)
        min_lon, min_lat, max_lon, max_lat = f.bbox
        query = query.where(lon.between(min_lon, max_lon), lat.between(min_lat, max_lat))
    if f.until:
        query = query.where(MonitoringAlarm.raised_at < f.until)
    rows, total = paginate(
        session,
        query.order_by(_priority(), MonitoringAlarm.raised_at.desc(), MonitoringAlarm.id.desc()),
        page,
        size,
    )
    return [alarm_item(r) for r in rows], total


def offline_groups(session: Session, scope: Scope, unplaced: bool = False) -> list[dict[str, Any]]:
    """Open offline alarms (离线) per unit, most devices first: one card each on the desk
    instead of one per device. ``devices``: how many are offline; ``acknowledged``: how many
    of those an operator has acknowledged; ``since``/``latest``: the first and the last to go."""
    query = _alarm_query(scope, unplaced).where(
        MonitoringAlarm.kind == SignalKind.OFFLINE.value,
        MonitoringAlarm.status.in_(OPEN_STATES),
    )
    acknowledged = func.sum(
        case((MonitoringAlarm.status == AlarmStatus.CONFIRMED.value, 1), else_=0)
    )
    rows = session.execute(
        query.with_only_columns(
            Unit.code,
            Unit.name,
            func.count(),
            acknowledged,
            func.min(MonitoringAlarm.raised_at),
            func.max(MonitoringAlarm.raised_at),
        )
        .group_by(Unit.code, Unit.name)
        .order_by(func.count().desc(), Unit.code)
    ).all()
    return [
        {
            "unit": {"code": code, "name": name} if code else None,
            "devices": n,
            "acknowledged": int(acked or 0),
            "since": since.isoformat(),
            "latest": latest.isoformat(),
        }
        for code, name, n, acked, since, latest in rows
    ]


def alarm_detail(
    session: Session, scope: Scope, alarm_id: int, unplaced: bool = False
) -> dict[str, Any]:
    """One alarm with the frame that raised it."""
    row = session.execute(
        _alarm_query(scope, unplaced).where(MonitoringAlarm.id == alarm_id)
    ).first()
    if row is None:
        raise NotFound(f"no alarm {alarm_id} in your jurisdiction")
    item = alarm_item(row)
    event = session.get(MonitoringEvent, row[0].event_id) if row[0].event_id else None
    item["event"] = (
        {
            "id": event.id,
            "protocol": event.protocol,
            "serial": event.serial,
            "received_at": event.received_at.isoformat(),
            "device_time": event.device_time.isoformat() if event.device_time else None,
            "peer": event.peer,
            "frame": event.frame,
            "decoded": decoded_view(event),
        }
        if event
        else None
    )
    return item


def changed_since(
    session: Session, since: datetime, after_id: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    """Alarms (any scope) changed after ``(since, after_id)`` in ``(updated_at, id)`` order
    (keyset paging: ``after_id=0`` means at or after ``since``), oldest change first: the live
    feed's read. The feed filters by each subscriber's scope itself."""
    rows = session.execute(
        _alarm_query(Scope("/"))
        .where(
            or_(
                MonitoringAlarm.updated_at > since,
                and_(MonitoringAlarm.updated_at == since, MonitoringAlarm.id > after_id),
            )
        )
        .order_by(MonitoringAlarm.updated_at, MonitoringAlarm.id)
        .limit(limit)
    ).all()
    return [alarm_item(r) for r in rows]


def latest_change(session: Session) -> datetime | None:
    return session.scalar(select(func.max(MonitoringAlarm.updated_at)))


# --- devices and units ---------------------------------------------------------------------


def _unit_in_scope(session: Session, scope: Scope, unit_code: str) -> Unit:
    unit = session.scalar(
        select(Unit).where(Unit.code == unit_code, scope.within(Unit.jurisdiction_id))
    )
    if unit is None:
        raise NotFound(f"no unit {unit_code} in your jurisdiction")
    if not scope.units.contains(unit.id):
        raise NotFound(f"unit {unit_code} is not one of the units you manage")
    return unit


def device_status(online: bool | None, faults: int) -> str:
    """``never`` (未接入: never reported), ``offline``, ``fault`` (online with an open fault)
    or ``online``."""
    if online is None:
        return "never"
    if not online:
        return "offline"
    return "fault" if faults else "online"


DEVICE_STATUS = {
    "online": ("在线", "Online"),
    "fault": ("故障", "Fault"),
    "offline": ("离线", "Offline"),
    "never": ("未接入", "Never reported"),
}


def unit_devices(session: Session, scope: Scope, unit_code: str) -> dict[str, Any]:
    """A unit's monitored devices with their status and last heartbeat."""
    unit = _unit_in_scope(session, scope, unit_code)
    faults = aliased(MonitoringAlarm)
    open_faults = (
        select(func.count())
        .where(
            faults.device_id == Device.id,
            faults.kind == SignalKind.FAULT.value,
            faults.status.in_(OPEN_STATES),
        )
        .correlate(Device)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Device, Building.name, DeviceHealth.online, DeviceHealth.last_seen, open_faults)
        .outerjoin(Building, Building.id == Device.building_id)
        .outerjoin(DeviceHealth, DeviceHealth.device_id == Device.id)
        .where(Device.unit_id == unit.id)
        .order_by(Device.code)
    ).all()
    devices = []
    for device, building, online, last_seen, n_faults in rows:
        status = device_status(online, n_faults)
        devices.append(
            {
                "code": device.code,
                "kind": device.kind,
                "protocol": device.protocol,
                "building": building,
                "status": status,
                "status_zh": DEVICE_STATUS[status][0],
                "status_en": DEVICE_STATUS[status][1],
                "last_heartbeat": last_seen.isoformat() if last_seen else None,
                "open_faults": n_faults,
            }
        )
    return {"unit": {"code": unit.code, "name": unit.name}, "devices": devices}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def device_history(
    session: Session, scope: Scope, device_code: str, days: int, today: date
) -> dict[str, Any]:
    """A device's facts and status, what it sent per local day over the last ``days`` days
    (``monitoring.history``) and its latest alarms: the device page (设备详情)."""
    history.check_days(days)
    row = session.execute(
        select(
            Device, Unit.code, Unit.name, Building.name, DeviceHealth.online, DeviceHealth.last_seen
        )
        .outerjoin(Unit, Unit.id == Device.unit_id)
        .outerjoin(Building, Building.id == Device.building_id)
        .outerjoin(DeviceHealth, DeviceHealth.device_id == Device.id)
        .where(
            Device.code == device_code,
            scope.within(Device.jurisdiction_id),
            scope.units.within(Device.unit_id),
        )
    ).first()
    if row is None:
        raise NotFound(f"no device {device_code} in your jurisdiction")
    device, unit_code, unit_name, building, online, last_seen = row
    alarms = [
        alarm_item(r)
        for r in session.execute(
            _alarm_query(scope)
            .where(MonitoringAlarm.device_id == device.id)
            .order_by(MonitoringAlarm.raised_at.desc(), MonitoringAlarm.id.desc())
            .limit(20)
        )
    ]
    open_faults = session.scalar(
        select(func.count()).where(
            MonitoringAlarm.device_id == device.id,
            MonitoringAlarm.kind == SignalKind.FAULT.value,
            MonitoringAlarm.status.in_(OPEN_STATES),
        )
    )
    status = device_status(online, open_faults or 0)
    sources = history.addresses(session, device)
    reports = history.day_reports(session, device, sources, days, today)
    kind = next((k for k in DeviceKind if k.value == device.kind), None)
    return {
        "device": {
            "code": device.code,
            "kind": device.kind,
            "kind_zh": kind.zh if kind else device.kind,
            "kind_en": kind.en if kind else device.kind,
            "protocol": device.protocol,
            "addresses": sources,
            "unit": {"code": unit_code, "name": unit_name} if unit_code else None,
            "building": building,
            "installed_on": device.installed_on.isoformat() if device.installed_on else None,
            "status": status,
            "status_zh": DEVICE_STATUS[status][0],
            "status_en": DEVICE_STATUS[status][1],
            "last_heartbeat": _iso(last_seen),
            "open_faults": open_faults or 0,
        },
        "days": [
            {
                "day": r.day.isoformat(),
                "frames": r.frames,
                "first_seen": _iso(r.first_seen),
                "last_seen": _iso(r.last_seen),
            }
            for r in reports
        ],
        "summary": {
            "days": days,
            "days_heard": sum(1 for r in reports if r.frames),
            "frames": sum(r.frames for r in reports),
        },
        "alarms": [public_alarm(a) for a in alarms],
    }


def public_alarm(item: dict[str, Any]) -> dict[str, Any]:
    """An ``alarm_item`` without what only the live feed's scoping needs."""
    return {k: v for k, v in item.items() if k != "scope_path"}


def unit_stats(
    session: Session, scope: Scope, page: int = 1, size: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """A page of the units with monitored devices or fire alarms, least healthy first (lowest
    online rate, then most open faults): online rate, open faults, false-alarm rate; and how
    many there are. Figures, order and page are computed in SQL."""
    rows, total = paginate(session, unit_figures_query(scope), page, size)
    out: list[dict[str, Any]] = []
    for _uid, code, name, category, devices, online, faults, fires, false in rows:
        f = UnitFigures(_uid, devices, online, faults, fires, false)
        out.append(
            {
                "code": code,
                "name": name,
                "category": category,
                "key_unit": category == UnitCategory.KEY.value,
                "devices": f.devices,
                "online": f.online,
                "online_rate": f.online_rate,
                "open_faults": f.open_faults,
                "fire_alarms": f.fire_alarms,
                "false_alarms": f.false_alarms,
                "false_alarm_rate": f.false_alarm_rate,
            }
        )
    return out, total


def jurisdiction_stats(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """联网接入率 of key units for the user's jurisdiction and each one directly below it.

    A unit safety manager gets none: the area figures count other units (their own units'
    figures are in ``unit_stats``)."""
    if not scope.units.unrestricted:
        return []
    home = (
        session.scalar(select(Jurisdiction).where(Jurisdiction.path == scope.path))
        if not scope.unrestricted
        else None
    )
    if home is not None:
        tops = [
            home,
            *session.scalars(
                select(Jurisdiction)
                .where(Jurisdiction.parent_id == home.id)
                .order_by(Jurisdiction.code)
            ),
        ]
    else:
        tops = list(
            session.scalars(
                select(Jurisdiction)
                .where(Jurisdiction.parent_id.is_(None))
                .order_by(Jurisdiction.code)
            )
        )
        children = list(
            session.scalars(
                select(Jurisdiction)
                .where(Jurisdiction.parent_id.in_([t.id for t in tops]))
                .order_by(Jurisdiction.code)
            )
        )
        tops = tops + children
    out = []
    for jur in tops:
        connected, total = key_unit_connection_rate(session, Scope(jur.path))
        out.append(
            {
                "code": jur.code,
                "name": jur.name,
                "key_units": total,
                "connected": connected,
                "connection_rate": connected / total if total else None,
            }
        )
    return out


# --- quarantine ----------------------------------------------------------------------------


def quarantine_list(session: Session, status: QuarantineStatus | None) -> list[dict[str, Any]]:
    """Unknown senders (隔离区), pending first, most recently heard first."""
    is_open = MonitoringAlarm.status.in_(OPEN_STATES)
    fires = (
        select(
            MonitoringAlarm.source.label("source"),
            func.count().label("fires"),
            func.sum(case((is_open, 1), else_=0)).label("open_fires"),
        )
        .where(MonitoringAlarm.kind == SignalKind.FIRE.value)
        .group_by(MonitoringAlarm.source)
        .subquery()
    )
    query = (
        select(QuarantinedSender, Device.code, fires.c.fires, fires.c.open_fires)
        .outerjoin(Device, Device.id == QuarantinedSender.device_id)
        .outerjoin(fires, fires.c.source == QuarantinedSender.address)
    )
    if status is not None:
        query = query.where(QuarantinedSender.status == status.value)
    pending = QuarantinedSender.status == QuarantineStatus.PENDING.value
    # A pending sender that raised a fire nobody has closed first: someone must act on it.
    first = case(
        (and_(pending, func.coalesce(fires.c.open_fires, 0) > 0), 0), (pending, 1), else_=2
    )
    rows = session.execute(
        query.order_by(first, QuarantinedSender.last_seen.desc()).limit(1000)
    ).all()
    return [
        {
            "id": q.id,
            "protocol": q.protocol,
            "address": q.address,
            "status": q.status,
            "status_zh": QuarantineStatus(q.status).zh,
            "status_en": QuarantineStatus(q.status).en,
            "first_seen": q.first_seen.isoformat(),
            "last_seen": q.last_seen.isoformat(),
            "frames": q.frames,
            "last_peer": q.last_peer,
            "device_code": device_code,
            "decided_by": q.decided_by,
            "fire_alarms": int(n_fires or 0),
            "open_fires": int(n_open or 0),
        }
        for q, device_code, n_fires, n_open in rows
    ]


def quarantine_row(session: Session, quarantine_id: int) -> QuarantinedSender:
    row = session.get(QuarantinedSender, quarantine_id)
    if row is None:
        raise NotFound(f"no quarantined sender {quarantine_id}")
    if row.status != QuarantineStatus.PENDING.value:
        state = QuarantineStatus(row.status)
        raise Conflict(
            f"sender {row.address} is already {state.value} ({state.zh})",
            [FieldProblem("status", f"must be pending, is {state.value}")],
        )
    return row


def sender_of_alarm(session: Session, alarm_id: int) -> QuarantinedSender:
    """The pending quarantined sender that raised an alarm (409 when it is not one)."""
    alarm = session.get(MonitoringAlarm, alarm_id)
    if alarm is None:
        raise NotFound(f"no alarm {alarm_id}")
    event = session.get(MonitoringEvent, alarm.event_id) if alarm.event_id else None
    row = (
        session.scalar(
            select(QuarantinedSender).where(
                QuarantinedSender.protocol == event.protocol,
                QuarantinedSender.address == alarm.source,
            )
        )
        if event is not None and alarm.unverified
        else None
    )
    if row is None:
        raise Conflict(
            f"alarm {alarm_id} is from a registered device; there is no sender to bind",
            [FieldProblem("alarm_id", "must be an alarm of an unregistered sender (未登记设备)")],
        )
    return quarantine_row(session, row.id)


def device_in_scope(session: Session, scope: Scope, device_code: str) -> Device:
    device = session.scalar(
        select(Device).where(
            Device.code == device_code,
            scope.within(Device.jurisdiction_id),
            scope.units.within(Device.unit_id),
        )
    )
    if device is None:
        raise ValidationFailed(
            f"no device {device_code} in your jurisdiction",
            [
                FieldProblem(
                    "device_code", "must be the code of a registry device in your jurisdiction"
                )
            ],
        )
    return device
