"""Vehicle positions over MQTT JSON, for terminals (or phone apps) that do not speak JT/T 808.

Topic ``{prefix}/vehicles/{phone}/position`` (prefix ``lanyan/v1``), QoS 1; ``phone`` is the
terminal's number as bound (``lanyan jt808 bind``). Payload, a UTF-8 JSON object (unknown keys
ignored)::

    {"ts": "2026-03-09T08:30:15+08:00", "lat": 33.2, "lon": 120.46,
     "speed_kmh": 42.5, "heading": 270, "altitude_m": 5}

The same rules as the gateway: impossible coordinates or a time far in the future are refused
with the reason; unbound phones are quarantined and their positions held as unbound. A message
is acknowledged (PUBACK, paho's ``manual_ack``) only after its position committed; a refused
one is logged, counted and acknowledged (it would be refused forever).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import paho.mqtt.client as paho
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.mqttsub import Subscriber
from lanyan.core.timeutil import utcnow
from lanyan.vehicles import rules
from lanyan.vehicles.ingest import POSITIONS, Bindings, Fix, Job, store_jobs
from lanyan.vehicles.jt808.frame import phone_key

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "lanyan/v1"


class PositionPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ts: datetime
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    speed_kmh: Annotated[float, Field(ge=0, le=500)] = 0.0
    heading: Annotated[int, Field(ge=0, le=359)] = 0
    altitude_m: Annotated[int, Field(ge=-500, le=9000)] = 0


class Refused(ValueError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def parse(topic: str, payload: bytes, prefix: str, now: datetime) -> Fix:
    """The position a message carries, or ``Refused`` naming the rule it breaks."""
    head = f"{prefix}/vehicles/"
    if not topic.startswith(head) or not topic.endswith("/position"):
        raise Refused("bad_topic", f"topic must be {head}<phone>/position")
    phone = topic[len(head) : -len("/position")]
    if not phone.isascii() or not phone.isdigit() or len(phone) > 20:
        raise Refused("bad_topic", "the phone in the topic must be 1–20 digits")
    try:
        msg = PositionPayload.model_validate_json(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "payload"
        raise Refused("bad_payload", f"{where}: {first['msg']}") from None
    if msg.ts.tzinfo is None:
        raise Refused("bad_payload", "ts: must carry a UTC offset")
    problem = rules.position_problem(msg.lat, msg.lon, msg.ts, now)
    if problem is not None:
        raise Refused(problem, rules.REASONS[problem])
    return Fix(
        phone=phone_key(phone),
        reported_at=msg.ts.astimezone(UTC),
        received_at=now,
        lat=msg.lat,
        lon=msg.lon,
        altitude_m=msg.altitude_m,
        speed_kmh=msg.speed_kmh,
        heading=msg.heading,
        source="mqtt",
    )


@dataclass
class PositionStats:
    received: int = 0
    stored: int = 0
    refused: int = 0
    store_failures: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class PositionIngest(Subscriber):
    """Subscribe to ``{prefix}/vehicles/+/position``; store each position, then acknowledge."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        prefix: str = DEFAULT_PREFIX,
        client_id: str = "lanyan-vehicle-positions",
    ) -> None:
        self.factory = factory
        self.prefix = prefix.rstrip("/")
        self.bindings = Bindings()
        self.stats = PositionStats()
        super().__init__(f"{self.prefix}/vehicles/+/position", client_id)

    def _on_message(self, client: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        if self.handle(message.topic, bytes(message.payload), utcnow()):
            client.ack(message.mid, message.qos)

    def handle(self, topic: str, payload: bytes, now: datetime) -> bool:
        """Check and store one message; never raises. True when it may be acknowledged."""
        self.stats.received += 1
        try:
            fix = parse(topic, payload, self.prefix, now)
        except Refused as exc:
            self.stats.refused += 1
            self.stats.reasons[exc.reason] = self.stats.reasons.get(exc.reason, 0) + 1
            log.warning("mqtt position %s refused (%s)", topic, exc)
            return True
        try:
            with self.factory() as session:
                job = Job(POSITIONS, fix.phone, f"mqtt:{topic}"[:64], now, [fix])
                store_jobs(session, [job], self.bindings)
                session.commit()
        except Exception:
            self.stats.store_failures += 1
            log.exception("mqtt position %s: storing failed", topic)
            return False  # not acknowledged: delivered again
        self.stats.stored += 1
        return True
