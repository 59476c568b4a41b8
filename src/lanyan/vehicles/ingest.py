"""Storing what terminals send, a batch per transaction: positions (the track, each vehicle's
latest position), registrations (0x0100: issue an authentication code to a bound terminal)
and authentications (0x0102: check it). Used by the JT/T 808 gateway's writer thread and by
the MQTT position ingest.

A terminal is bound to a vehicle by its phone (``VehicleTerminal``). An unbound terminal is
quarantined (``QuarantinedTerminal``): its registration and authentication are refused and
its positions are held as unbound (stored with no vehicle, not on the map).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lanyan.vehicles.models import (
    QuarantinedTerminal,
    VehicleLive,
    VehiclePosition,
    VehicleTerminal,
)

POSITIONS, REGISTER, AUTHENTICATE = "positions", "register", "authenticate"
# How long a writer trusts what it read about a phone's binding (hits and misses).
BINDING_TTL = 5.0


@dataclass(slots=True)
class Fix:
    """One position to store (already checked by ``rules.position_problem``)."""

    phone: str
    reported_at: datetime
    received_at: datetime
    lat: float
    lon: float
    altitude_m: int = 0
    speed_kmh: float = 0.0
    heading: int = 0
    alarm: int = 0
    status: int = 0
    mileage_km: float | None = None
    fuel_l: float | None = None
    signal: int | None = None
    satellites: int | None = None
    extras: str = ""
    source: str = "jt808"


@dataclass(slots=True)
class Job:
    """One message's work for the writer: store ``fixes``, register, or authenticate."""

    kind: str
    phone: str
    peer: str
    received_at: datetime
    fixes: list[Fix] = field(default_factory=list)
    auth_code: str = ""
    revision: int = 2013


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a job: ``bound`` (the phone has a vehicle), ``stored`` (its positions,
    now durably held: a retransmission's rows were already there and are not written twice,
    but are counted again), ``ok`` (registration or authentication accepted),
    ``auth_code`` (issued at registration)."""

    bound: bool
    stored: int = 0
    ok: bool = True
    auth_code: str = ""


@dataclass(slots=True)
class _Binding:
    vehicle_id: int | None
    auth_code: str
    until: float


class Bindings:
    """phone → (vehicle, authentication code), read from ``vehicle_terminals`` and kept for
    ``BINDING_TTL`` seconds so a writer does not ask per message."""

    def __init__(self, ttl: float = BINDING_TTL) -> None:
        self.ttl = ttl
        self._known: dict[str, _Binding] = {}

    def resolve(self, session: Session, phones: set[str]) -> dict[str, _Binding]:
        now = time.monotonic()
        known = self._known
        missing = [p for p in phones if (b := known.get(p)) is None or b.until < now]
        if missing:
            found = {
                phone: (vid, code)
                for phone, vid, code in session.execute(
                    select(
                        VehicleTerminal.phone, VehicleTerminal.vehicle_id, VehicleTerminal.auth_code
                    ).where(VehicleTerminal.phone.in_(missing))
                )
            }
            for phone in missing:
                vid, code = found.get(phone, (None, ""))
                known[phone] = _Binding(vid, code, now + self.ttl)
        return {p: known[p] for p in phones}

    def forget(self, phone: str) -> None:
        self._known.pop(phone, None)


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def store_jobs(session: Session, jobs: list[Job], bindings: Bindings) -> list[Outcome]:
    """Do ``jobs`` in ``session`` (the caller commits); one ``Outcome`` per job."""
    bound = bindings.resolve(session, {j.phone for j in jobs})
    rows: list[dict[str, Any]] = []
    latest: dict[int, Fix] = {}
    unbound: dict[str, Job] = {}
    out: list[Outcome] = []
    for job in jobs:
        binding = bound[job.phone]
        vehicle_id = binding.vehicle_id
        if vehicle_id is None:
            unbound[job.phone] = job  # the last one's peer and kind are kept
        if job.kind == POSITIONS:
            for fix in job.fixes:
                rows.append(_row(fix, vehicle_id))
                if vehicle_id is not None:
                    best = latest.get(vehicle_id)
                    if best is None or fix.reported_at >= best.reported_at:
                        latest[vehicle_id] = fix
            out.append(Outcome(vehicle_id is not None, len(job.fixes)))
        elif job.kind == REGISTER:
            if vehicle_id is None:
                out.append(Outcome(False, ok=False))
                continue
            terminal = session.execute(
                select(VehicleTerminal).where(VehicleTerminal.phone == job.phone)
            ).scalar_one_or_none()
            if terminal is None:  # unbound since the binding was read
                bindings.forget(job.phone)
                out.append(Outcome(False, ok=False))
                continue
            code = terminal.auth_code or secrets.token_hex(8)
            terminal.auth_code = code
            terminal.revision = job.revision
            terminal.registered_at = job.received_at
            terminal.last_peer = job.peer[:64]
            binding.auth_code = code
            out.append(Outcome(True, ok=True, auth_code=code))
        elif job.kind == AUTHENTICATE:
            ok = (
                vehicle_id is not None
                and bool(binding.auth_code)
                and (secrets.compare_digest(binding.auth_code, job.auth_code))
            )
            out.append(Outcome(vehicle_id is not None, ok=ok))
        else:
            raise ValueError(f"unknown job kind {job.kind!r}")
    if rows:
        stmt = _insert(session, VehiclePosition.__table__).on_conflict_do_nothing(
            index_elements=["phone", "reported_at"]
        )
        session.execute(stmt, rows)
    if latest:
        _upsert_live(session, latest)
    if unbound:
        _quarantine(session, jobs, unbound)
    return out


def _row(fix: Fix, vehicle_id: int | None) -> dict[str, Any]:
    return {
        "phone": fix.phone,
        "vehicle_id": vehicle_id,
        "reported_at": fix.reported_at,
        "received_at": fix.received_at,
        "lat": fix.lat,
        "lon": fix.lon,
        "altitude_m": fix.altitude_m,
        "speed_kmh": fix.speed_kmh,
        "heading": fix.heading,
        "alarm": fix.alarm,
        "status": fix.status,
        "mileage_km": fix.mileage_km,
        "fuel_l": fix.fuel_l,
        "signal": fix.signal,
        "satellites": fix.satellites,
        "extras": fix.extras,
        "source": fix.source,
    }


def _upsert_live(session: Session, latest: dict[int, Fix]) -> None:
    table = VehicleLive.__table__
    stmt = _insert(session, table)
    names = (
        "phone",
        "reported_at",
        "received_at",
        "lat",
        "lon",
        "speed_kmh",
        "heading",
        "alarm",
        "status",
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["vehicle_id"],
        set_={n: stmt.excluded[n] for n in names},
        where=table.c.reported_at <= stmt.excluded.reported_at,
    )
    session.execute(
        stmt,
        [
            {
                "vehicle_id": vid,
                "phone": f.phone,
                "reported_at": f.reported_at,
                "received_at": f.received_at,
                "lat": f.lat,
                "lon": f.lon,
                "speed_kmh": f.speed_kmh,
                "heading": f.heading,
                "alarm": f.alarm,
                "status": f.status,
            }
            for vid, f in sorted(latest.items())
        ],
    )


def _quarantine(session: Session, jobs: list[Job], unbound: dict[str, Job]) -> None:
    counts: dict[str, int] = {}
    for job in jobs:
        if job.phone in unbound:
            counts[job.phone] = counts.get(job.phone, 0) + 1
    table = QuarantinedTerminal.__table__
    stmt = _insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["phone"],
        set_={
            "last_seen": stmt.excluded.last_seen,
            "last_peer": stmt.excluded.last_peer,
            "last_message": stmt.excluded.last_message,
            "messages": table.c.messages + stmt.excluded.messages,
        },
    )
    session.execute(
        stmt,
        [
            {
                "phone": phone,
                "first_seen": job.received_at,
                "last_seen": job.received_at,
                "messages": counts[phone],
                "last_peer": job.peer[:64],
                "last_message": job.kind[:8],
            }
            for phone, job in sorted(unbound.items())
        ],
    )
