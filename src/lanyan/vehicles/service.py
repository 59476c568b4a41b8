"""Vehicle terminals: binding a terminal phone to a registry vehicle, the vehicles' current
positions (paged, optionally inside a bounding box, with a stale flag), the quarantine, and
the retention of the track (recent positions kept in full, older ones thinned, the oldest
deleted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.registry.models import Station, Vehicle
from lanyan.registry.scope import Scope
from lanyan.store.paging import paginate
from lanyan.vehicles.ingest import POSITIONS, Bindings, Fix, Job, _Binding, store_jobs
from lanyan.vehicles.jt808.frame import phone_key
from lanyan.vehicles.models import (
    QuarantinedTerminal,
    VehicleLive,
    VehiclePosition,
    VehicleTerminal,
)
from lanyan.vehicles.rules import FUTURE, REASONS, position_problem

STALE_MINUTES = 5  # no report for this long: the position is shown as stale (过时)


def _invalid(field: str, rule: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {rule}", [FieldProblem(field, rule)])


def bind_terminal(session: Session, scope: Scope, phone: str, vehicle_code: str) -> VehicleTerminal:
    """Bind the terminal ``phone`` to the vehicle ``vehicle_code`` (replacing the vehicle's
    previous terminal) and take the phone out of the quarantine. Positions the terminal sent
    while unbound stay unbound."""
    digits = phone.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) > 20:
        raise _invalid("phone", "a terminal phone is 1–20 digits")
    key = phone_key(digits)
    vehicle = session.execute(
        select(Vehicle).where(Vehicle.code == vehicle_code, scope.within(Vehicle.jurisdiction_id))
    ).scalar_one_or_none()
    if vehicle is None:
        raise NotFound(f"vehicle {vehicle_code}")
    session.execute(delete(VehicleTerminal).where(VehicleTerminal.vehicle_id == vehicle.id))
    session.execute(delete(VehicleTerminal).where(VehicleTerminal.phone == key))
    session.flush()
    terminal = VehicleTerminal(phone=key, vehicle_id=vehicle.id, auth_code="", last_peer="")
    session.add(terminal)
    session.execute(delete(QuarantinedTerminal).where(QuarantinedTerminal.phone == key))
    session.flush()
    return terminal


@dataclass(frozen=True)
class Box:
    """A bounding box in degrees (WGS-84 as the terminal reports)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, text: str) -> Box:
        parts = text.split(",")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        if len(values) != 4:
            raise _invalid("bbox", "bbox is min_lon,min_lat,max_lon,max_lat (four numbers)")
        box = cls(*values)
        if not (
            -180 <= box.min_lon <= box.max_lon <= 180 and -90 <= box.min_lat <= box.max_lat <= 90
        ):
            raise _invalid("bbox", "bbox needs min ≤ max, longitudes in ±180, latitudes in ±90")
        return box


def live_positions(
    session: Session,
    scope: Scope,
    now: datetime,
    page: int,
    size: int,
    box: Box | None = None,
    stale_minutes: int = STALE_MINUTES,
) -> tuple[list[dict[str, Any]], int]:
    """One page of vehicles' latest positions in ``scope`` (by vehicle code)."""
    stmt = (
        select(VehicleLive, Vehicle.code, Vehicle.plate, Vehicle.status)
        .join(Vehicle, Vehicle.id == VehicleLive.vehicle_id)
        .where(scope.within(Vehicle.jurisdiction_id))
        .order_by(Vehicle.code)
    )
    if box is not None:
        stmt = stmt.where(
            VehicleLive.lon.between(box.min_lon, box.max_lon),
            VehicleLive.lat.between(box.min_lat, box.max_lat),
        )
    rows, total = paginate(session, stmt, page, size)
    cutoff = now - timedelta(minutes=stale_minutes)
    return [_live_item(live, code, plate, st, cutoff) for live, code, plate, st in rows], total


def _live_item(
    live: VehicleLive, code: str, plate: str, status: str, cutoff: datetime
) -> dict[str, Any]:
    return {
        "vehicle_code": code,
        "plate": plate,
        "vehicle_status": status,
        "phone": live.phone,
        "lat": live.lat,
        "lon": live.lon,
        "speed_kmh": live.speed_kmh,
        "heading": live.heading,
        "alarm": live.alarm,
        "terminal_status": live.status,
        "reported_at": live.reported_at,
        "received_at": live.received_at,
        "stale": live.received_at < cutoff,
    }


# How far back each poll of the change feed reads: a group commit stores positions received
# up to a few hundred ms before it commits, so a poll must look back past its previous one.
FEED_LOOKBACK = timedelta(seconds=10)


class PositionFeed:
    """Position changes for one subscriber (the SSE stream): each ``poll`` returns the
    vehicles in ``scope`` whose latest position changed since the previous poll (the first
    poll: since ``start``), each once."""

    def __init__(self, scope: Scope, start: datetime) -> None:
        self.scope = scope
        self.since = start
        self.sent: dict[int, datetime] = {}

    def poll(self, session: Session, now: datetime, limit: int = 5000) -> list[dict[str, Any]]:
        stmt = (
            select(VehicleLive, Vehicle.code, Vehicle.plate, Vehicle.status)
            .join(Vehicle, Vehicle.id == VehicleLive.vehicle_id)
            .where(
                self.scope.within(Vehicle.jurisdiction_id),
                VehicleLive.received_at >= self.since - FEED_LOOKBACK,
            )
            .order_by(VehicleLive.received_at)
            .limit(limit)
        )
        cutoff = now - timedelta(minutes=STALE_MINUTES)
        out = []
        for live, code, plate, status in session.execute(stmt).all():
            if self.sent.get(live.vehicle_id) == live.reported_at:
                continue
            self.sent[live.vehicle_id] = live.reported_at
            out.append(_live_item(live, code, plate, status, cutoff))
        self.since = now
        horizon = now - 2 * FEED_LOOKBACK  # forget what the lookback can no longer return
        if len(self.sent) > limit:
            self.sent = {k: v for k, v in self.sent.items() if v >= horizon}
        return out


@dataclass(frozen=True)
class FleetMember:
    """A vehicle a simulated terminal rides on: its terminal phone and where it starts (its
    latest position, else its station)."""

    vehicle_id: int
    code: str
    plate: str
    phone: str
    lon: float
    lat: float


SIM_PHONE_PREFIX = "1990"  # simulated terminals' phones: 1990 + the vehicle id in 7 digits


def simulation_fleet(session: Session, scope: Scope, count: int) -> list[FleetMember]:
    """The first ``count`` vehicles in ``scope`` (by code) whose station has a position, each
    with its terminal; a vehicle without one is bound to a simulated phone (1990 + its id)."""
    rows = session.execute(
        select(Vehicle, Station.lon, Station.lat, VehicleTerminal.phone, VehicleLive)
        .join(Station, Station.id == Vehicle.station_id)
        .outerjoin(VehicleTerminal, VehicleTerminal.vehicle_id == Vehicle.id)
        .outerjoin(VehicleLive, VehicleLive.vehicle_id == Vehicle.id)
        .where(scope.within(Vehicle.jurisdiction_id))
        .order_by(Vehicle.code)
        .limit(count)
    ).all()
    fleet = []
    for vehicle, lon, lat, phone, live in rows:
        if phone is None:
            phone = bind_terminal(
                session, scope, f"{SIM_PHONE_PREFIX}{vehicle.id:07d}", vehicle.code
            ).phone
        at = (live.lon, live.lat) if live is not None else (lon, lat)
        fleet.append(FleetMember(vehicle.id, vehicle.code, vehicle.plate, phone, *at))
    return fleet


def status_counts(session: Session, scope: Scope) -> dict[str, int]:
    """How many registry vehicles in ``scope`` are in each status (VehicleStatus values)."""
    rows = session.execute(
        select(Vehicle.status, func.count())
        .where(scope.within(Vehicle.jurisdiction_id))
        .group_by(Vehicle.status)
    ).all()
    return {status: n for status, n in rows}


TRACK_MINUTES = 60  # the track drawn on the map: the last hour


def track(
    session: Session,
    scope: Scope,
    code: str,
    since: datetime,
    page: int,
    size: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the stored positions of vehicle ``code`` reported since ``since``, oldest
    first (the track, 轨迹). NotFound when the vehicle is not in ``scope``."""
    vehicle_id = session.execute(
        select(Vehicle.id).where(Vehicle.code == code, scope.within(Vehicle.jurisdiction_id))
    ).scalar_one_or_none()
    if vehicle_id is None:
        raise NotFound(f"vehicle {code}")
    stmt = (
        select(VehiclePosition)
        .where(VehiclePosition.vehicle_id == vehicle_id, VehiclePosition.reported_at >= since)
        .order_by(VehiclePosition.reported_at, VehiclePosition.id)
    )
    rows, total = paginate(session, stmt, page, size)
    return [
        {
            "reported_at": p.reported_at,
            "lat": p.lat,
            "lon": p.lon,
            "speed_kmh": p.speed_kmh,
            "heading": p.heading,
        }
        for p in rows
    ], total


def quarantined(session: Session, page: int, size: int) -> tuple[list[QuarantinedTerminal], int]:
    stmt = select(QuarantinedTerminal).order_by(QuarantinedTerminal.last_seen.desc())
    return paginate(session, stmt, page, size)


# -- retention ---------------------------------------------------------------------------------

KEEP_FULL = timedelta(hours=48)  # the recent track, every report
THIN_EVERY = timedelta(minutes=5)  # older: one report per terminal per 5 minutes
KEEP_ALL = timedelta(days=365)  # older than this: deleted
CHUNK = 5000


@dataclass
class Housekeeping:
    thinned: int = 0
    expired: int = 0


def housekeeping(
    session_factory: Any,
    now: datetime,
    keep_full: timedelta = KEEP_FULL,
    thin_every: timedelta = THIN_EVERY,
    keep_all: timedelta = KEEP_ALL,
    chunk: int = CHUNK,
) -> Housekeeping:
    """Thin positions older than ``keep_full`` to the first of each ``thin_every`` slot per
    terminal and delete those older than ``keep_all``; chunks of ``chunk`` rows, each its own
    transaction. Idempotent: a second run over thinned rows deletes nothing more."""
    done = Housekeeping()
    expire_before = now - keep_all
    while True:
        with session_factory() as session:
            ids = list(
                session.execute(
                    select(VehiclePosition.id)
                    .where(VehiclePosition.reported_at < expire_before)
                    .limit(chunk)
                ).scalars()
            )
            if ids:
                session.execute(delete(VehiclePosition).where(VehiclePosition.id.in_(ids)))
                session.commit()
        done.expired += len(ids)
        if len(ids) < chunk:
            break
    thin_before = now - keep_full
    slot = thin_every.total_seconds()
    last_phone: str | None = None
    last_slot = -1
    after: tuple[str, datetime] | None = None
    while True:
        with session_factory() as session:
            stmt = (
                select(VehiclePosition.id, VehiclePosition.phone, VehiclePosition.reported_at)
                .where(VehiclePosition.reported_at < thin_before)
                .order_by(VehiclePosition.phone, VehiclePosition.reported_at)
                .limit(chunk)
            )
            if after is not None:
                p, t = after
                stmt = stmt.where(
                    (VehiclePosition.phone > p)
                    | ((VehiclePosition.phone == p) & (VehiclePosition.reported_at > t))
                )
            rows = session.execute(stmt).all()
            doomed = []
            for row_id, phone, reported_at in rows:
                n = int(reported_at.timestamp() // slot)
                if phone == last_phone and n == last_slot:
                    doomed.append(row_id)
                else:
                    last_phone, last_slot = phone, n
            if doomed:
                session.execute(delete(VehiclePosition).where(VehiclePosition.id.in_(doomed)))
                session.commit()
        done.thinned += len(doomed)
        if len(rows) < chunk:
            return done
        after = (rows[-1][1], rows[-1][2])


BROWSER_PHONE_PREFIX = "W"  # a browser's positions: W + the vehicle id (never a terminal's phone)


def browser_position(
    session: Session,
    scope: Scope,
    vehicle_code: str,
    lat: float,
    lon: float,
    reported_at: datetime,
    now: datetime,
    speed_kmh: float = 0.0,
    heading: int = 0,
) -> VehicleLive:
    """A position from the crew terminal's browser geolocation (source ``browser``), checked by
    the same rules as a terminal's and stored like one (the track and the latest position).
    Its phone is ``W`` + the vehicle id, so it never collides with the terminal's reports."""
    vehicle = session.execute(
        select(Vehicle).where(Vehicle.code == vehicle_code, scope.within(Vehicle.jurisdiction_id))
    ).scalar_one_or_none()
    if vehicle is None:
        raise NotFound(f"vehicle {vehicle_code}")
    problem = position_problem(lat, lon, reported_at, now)
    if problem is not None:
        field = "at" if problem == FUTURE else "lat"
        raise _invalid(field, REASONS[problem])
    fix = Fix(
        f"{BROWSER_PHONE_PREFIX}{vehicle.id}",
        reported_at,
        now,
        lat,
        lon,
        speed_kmh=speed_kmh,
        heading=heading,
        source="browser",
    )
    store_jobs(
        session, [Job(POSITIONS, fix.phone, "browser", now, [fix])], _BrowserBinding(vehicle.id)
    )
    session.flush()
    live = session.get(VehicleLive, vehicle.id)
    assert live is not None  # just written (or a newer one was already there)
    return live


class _BrowserBinding(Bindings):
    """The browser's pseudo-phone is bound to its vehicle for this one store."""

    def __init__(self, vehicle_id: int) -> None:
        super().__init__()
        self.vehicle_id = vehicle_id

    def resolve(self, session: Session, phones: set[str]) -> dict[str, _Binding]:
        return {p: _Binding(self.vehicle_id, "", float("inf")) for p in phones}
