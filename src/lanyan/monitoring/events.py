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
