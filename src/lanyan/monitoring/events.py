"""Domain events of the monitoring domain (small dataclasses; no framework imports)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class DomainEvent:
    topic: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class FireAlarmRaised(DomainEvent):
    """A device raised a fire alarm (火警): written in the transaction that stores the frame, so
    the 119 side and the live alarm list hear of it the moment it is durable, before any
    operator acts. ``test_mode`` marks a report with the test bit clear (raised all the same)."""

    topic: ClassVar[str] = "fire_alarm_raised"
    alarm_id: int
    event_id: int | None
    source: str
    unit_id: int | None
    building_id: int | None
    jurisdiction_id: int | None
    point: str
    location: str
    test_mode: bool
    unverified: bool
    raised_at: datetime


@dataclass(frozen=True)
class FireConfirmed(DomainEvent):
    """An operator confirmed a fire alarm (火警确认): the 119 side opens an incident from it."""

    topic: ClassVar[str] = "fire_confirmed"
    alarm_id: int
    unit_id: int | None
    building_id: int | None
    jurisdiction_id: int | None
    point: str
    location: str
    raised_at: datetime
    confirmed_at: datetime
    confirmed_by: str


@dataclass(frozen=True)
class FireEscalated(DomainEvent):
    """A fire alarm stayed unhandled past the configured time (超时未确认): escalate it."""

    topic: ClassVar[str] = "fire_escalated"
    alarm_id: int
    unit_id: int | None
    jurisdiction_id: int | None
    raised_at: datetime
    escalated_at: datetime
    waited_s: float
