"""MQTT device ingest (物联网设备接入): independent smoke alarms, hydrant pressure sensors and
electrical fire monitors publish JSON over MQTT; each valid message becomes the same stored
event, signals and alarm records as a GB/T 26875.3 frame (``ingest.store_event``).

Topic: ``{prefix}/{device_code}/{kind}``, prefix ``lanyan/v1`` by default, QoS 1.
``device_code`` is the registry device's ``code`` (protocol ``mqtt``), matched
case-insensitively, or an address an operator bound to a device; anything else is quarantined
(隔离区) as the gateway does. ``kind`` and payload (UTF-8 JSON object; unknown keys ignored, so
vendors may add fields):

``smoke`` — independent smoke alarm 独立式感烟火灾探测报警器::

    {"ts": "2026-03-09T08:30:15+08:00", "seq": 17, "event": "alarm",
     "battery_pct": 80, "test": false, "location": "3号楼 502 客厅"}

  ``event`` is one of ``alarm`` (火警 → fire), ``fault`` (故障 → fault), ``low_battery``
  (低电量 → fault), ``heartbeat`` (心跳), ``reset`` (复位 → clears the device's alarms).
  ``test`` marks a press of the test button: an alarm is raised anyway and marked, the same
  safety rule as the gateway's test bit.

``hydrant`` — hydrant pressure and tamper 消火栓水压/防拆::

    {"ts": "...", "seq": 4, "pressure_mpa": 0.08, "tamper": false}

  pressure below ``Thresholds.hydrant_low_mpa`` → supervisory (监管) at point 水压;
  ``tamper: true`` (cap opened, 防拆) → supervisory at point 防拆.

``electrical`` — electrical fire monitor 电气火灾监控探测器::

    {"ts": "...", "seq": 9, "channel": 1, "residual_current_ma": 420, "cable_temp_c": 48.5,
     "fault": false}

  at least one reading; a reading at or above its threshold (``residual_ma``,
  ``cable_temp_c``) → supervisory. It is a pre-fire warning (电气火灾预警) for the unit to
  act on, not a fire for 119, so it never opens a fire alarm. ``fault: true`` → fault.

Every valid message is also a heartbeat. ``ts`` (device clock) is kept; the receive time is
authoritative (reference D4). ``seq`` is the device's message counter.

Delivery: the subscriber holds a persistent session (fixed client id, clean session off) and
acknowledges (PUBACK) a message only after its event is committed, using paho-mqtt's
``manual_ack``. If storing fails the message is not acknowledged and the broker delivers it
again in the next session: at-least-once. A redelivery has the same device, ``seq`` and bytes,
so it is stored once. A payload that fails validation is logged, counted and acknowledged,
so one bad device cannot wedge the subscriber with a message it would refuse forever.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

import paho.mqtt.client as paho
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.mqttsub import Subscriber
from lanyan.core.timeutil import utcnow
from lanyan.monitoring.choices import SignalKind
from lanyan.monitoring.ingest import Incoming, Stored, store_event
from lanyan.monitoring.signals import Signal

log = logging.getLogger(__name__)

MQTT = "mqtt"
DEFAULT_PREFIX = "lanyan/v1"
MAX_CODE = 32  # MonitoringEvent.source


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    ts: datetime
    seq: Annotated[int, Field(ge=0, le=2**31 - 1)]
    location: Annotated[str, Field(max_length=100)] = ""


class SmokePayload(_Payload):
    """独立式感烟火灾探测报警器 message."""

    event: Literal["alarm", "fault", "low_battery", "heartbeat", "reset"]
    battery_pct: Annotated[int, Field(ge=0, le=100)] | None = None
    test: bool = False


class HydrantPayload(_Payload):
    """消火栓水压/防拆 message."""

    pressure_mpa: Annotated[float, Field(ge=0, le=10)]
    tamper: bool = False


class ElectricalPayload(_Payload):
    """电气火灾监控探测器 message: one channel's readings."""

    channel: Annotated[int, Field(ge=0, le=255)] = 1
    residual_current_ma: Annotated[float, Field(ge=0, le=100_000)] | None = None
    cable_temp_c: Annotated[float, Field(ge=-50, le=1000)] | None = None
    fault: bool = False

    @model_validator(mode="after")
    def _some_reading(self) -> ElectricalPayload:
        if self.residual_current_ma is None and self.cable_temp_c is None:
            raise ValueError("residual_current_ma or cable_temp_c is required")
        return self


KINDS: dict[str, type[_Payload]] = {
    "smoke": SmokePayload,
    "hydrant": HydrantPayload,
    "electrical": ElectricalPayload,
}


@dataclass(frozen=True)
class Thresholds:
    """Centre-side alarm thresholds. Defaults: municipal hydrant supply pressure at least
    0.14 MPa (GB 50974-2014 §7.2.8); residual current 300 mA and cable temperature 70 °C (PVC
    insulation's rated conductor temperature), inside the setting ranges of GB 14287.2/.3."""

    hydrant_low_mpa: float = 0.14
    residual_ma: float = 300.0
    cable_temp_c: float = 70.0


class PayloadRejected(ValueError):
    """A message this subscriber will not store; ``reason`` is a short counter key."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_topic(topic: str, prefix: str) -> tuple[str, str]:
    """``(device_code, kind)`` from ``{prefix}/{device_code}/{kind}``."""
    head = prefix.rstrip("/") + "/"
    if not topic.startswith(head):
        raise PayloadRejected("bad_topic", f"topic {topic!r} is not under {head!r}")
    parts = topic[len(head) :].split("/")
    if len(parts) != 2 or not parts[0]:
        raise PayloadRejected("bad_topic", f"topic {topic!r}: want {head}{{device_code}}/{{kind}}")
    code, kind = parts
    if len(code) > MAX_CODE:
        # Longer would not fit the event's source column: a store failure redelivered forever.
        raise PayloadRejected("bad_topic", f"device code {code!r} is over {MAX_CODE} characters")
    if kind not in KINDS:
        raise PayloadRejected("unknown_kind", f"topic {topic!r}: kind must be one of {list(KINDS)}")
    return code.lower(), kind


def parse_payload(kind: str, payload: bytes) -> _Payload:
    """Validate one payload; a ``PayloadRejected`` names each bad field and rule."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadRejected("not_utf8", f"{kind} payload is not UTF-8: {exc}") from None
    try:
        return KINDS[kind].model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}" for e in exc.errors()
        )
        raise PayloadRejected("invalid_payload", f"{kind} payload rejected: {problems}") from None


def signals_of(kind: str, msg: _Payload, limits: Thresholds) -> list[Signal]:
    """What one valid message means for the alarm pipeline; always at least a heartbeat."""
    out = [Signal(SignalKind.HEARTBEAT)]
    where = msg.location
    if isinstance(msg, SmokePayload):
        point = "独立式感烟探测器 smoke alarm"
        by_event = {
            "alarm": (SignalKind.FIRE, ""),
            "fault": (SignalKind.FAULT, "fault"),
            "low_battery": (SignalKind.FAULT, f"low_battery {msg.battery_pct or '?'}%"),
            "reset": (SignalKind.RESET, ""),
        }
        if msg.event in by_event:
            sig_kind, detail = by_event[msg.event]
            out.append(Signal(sig_kind, point, where, test_mode=msg.test, detail=detail))
    elif isinstance(msg, HydrantPayload):
        if msg.pressure_mpa < limits.hydrant_low_mpa:
            detail = f"pressure {msg.pressure_mpa:g} MPa < {limits.hydrant_low_mpa:g} MPa"
            out.append(Signal(SignalKind.SUPERVISORY, "水压 pressure", where, detail=detail))
        if msg.tamper:
            out.append(Signal(SignalKind.SUPERVISORY, "防拆 tamper", where, detail="tamper"))
    elif isinstance(msg, ElectricalPayload):
        channel = f" #{msg.channel}"
        residual = msg.residual_current_ma
        if residual is not None and residual >= limits.residual_ma:
            detail = f"residual current {residual:g} mA >= {limits.residual_ma:g} mA"
            out.append(
                Signal(
                    SignalKind.SUPERVISORY,
                    "剩余电流 residual current" + channel,
                    where,
                    detail=detail,
                )
            )
        temp = msg.cable_temp_c
        if temp is not None and temp >= limits.cable_temp_c:
            detail = f"cable temperature {temp:g} °C >= {limits.cable_temp_c:g} °C"
            out.append(
                Signal(
                    SignalKind.SUPERVISORY,
                    "线缆温度 cable temperature" + channel,
                    where,
                    detail=detail,
                )
            )
        if msg.fault:
            out.append(
                Signal(SignalKind.FAULT, "电气火灾监控 monitor" + channel, where, detail="fault")
            )
    return out


def to_incoming(topic: str, payload: bytes, prefix: str, limits: Thresholds) -> Incoming:
    """A validated message as the storable form the gateway uses too."""
    code, kind = parse_topic(topic, prefix)
    msg = parse_payload(kind, payload)
    return Incoming(
        protocol=MQTT,
        source=code,
        serial=msg.seq,
        # The kind is part of the identity: a device may publish several kinds with one counter.
        digest=hashlib.blake2b(kind.encode() + b"\0" + payload, digest_size=16).hexdigest(),
        command=0,
        type_flag=None,
        device_time=msg.ts,
        device_time_raw="",
        raw=payload.decode("utf-8"),
        decoded={"topic": topic, "kind": kind, "payload": msg.model_dump(mode="json")},
        signals=signals_of(kind, msg, limits),
    )


@dataclass
class IngestStats:
    """Counters since start, for logs and tests."""

    received: int = 0
    handled: int = 0  # received and finished with (stored, rejected or failed)
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    rejected: int = 0
    store_failures: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class MqttIngest(Subscriber):
    """Subscribe to ``{prefix}/+/+`` and store every valid message before acknowledging it."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        prefix: str = DEFAULT_PREFIX,
        client_id: str = "lanyan-mqtt-ingest",
        thresholds: Thresholds | None = None,
        clock: Callable[[], datetime] = utcnow,
        store: Callable[..., Stored] = store_event,
    ) -> None:
        self.factory = factory
        self.prefix = prefix.rstrip("/")
        self.thresholds = thresholds or Thresholds()
        self.clock = clock
        self.store = store
        self.stats = IngestStats()
        self._changed = threading.Condition()
        super().__init__(f"{self.prefix}/+/+", client_id)

    def wait_for(self, done: Callable[[IngestStats], bool], timeout: float) -> bool:
        """Block until ``done(stats)`` holds or ``timeout`` passes; what it returned last."""
        with self._changed:
            return self._changed.wait_for(lambda: done(self.stats), timeout)

    def _on_message(self, client: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        # paho types the payload bytes | bytearray; it hands over bytes (no copy then).
        if self.handle(message.topic, bytes(message.payload)):
            client.ack(message.mid, message.qos)

    def handle(self, topic: str, payload: bytes) -> bool:
        """Validate and store one message; never raises. True when it may be acknowledged:
        stored (or already stored), or rejected for good."""
        try:
            return self._handle(topic, payload, self.clock())
        finally:
            with self._changed:
                self.stats.handled += 1
                self._changed.notify_all()

    def _handle(self, topic: str, payload: bytes, received_at: datetime) -> bool:
        self.stats.received += 1
        try:
            item = to_incoming(topic, payload, self.prefix, self.thresholds)
        except PayloadRejected as exc:
            self.stats.rejected += 1
            self.stats.reasons[exc.reason] = self.stats.reasons.get(exc.reason, 0) + 1
            log.warning("mqtt %s rejected (%s): %s", topic, exc.reason, exc)
            return True
        try:
            # The peer column is short; the whole topic is kept in the event's ``decoded``.
            stored = self.store(self.factory, item, received_at, f"mqtt:{topic}"[:64])
        except Exception:
            # Not acknowledged: the broker delivers it again in the next session.
            self.stats.store_failures += 1
            log.exception("mqtt %s: storing seq %s failed", topic, item.serial)
            return False
        if stored.duplicate:
            self.stats.duplicates += 1
        else:
            self.stats.stored += 1
            self.stats.quarantined += stored.quarantined
        return True


__all__ = [
    "DEFAULT_PREFIX",
    "KINDS",
    "MQTT",
    "ElectricalPayload",
    "HydrantPayload",
    "IngestStats",
    "MqttIngest",
    "PayloadRejected",
    "SmokePayload",
    "Thresholds",
    "parse_payload",
    "parse_topic",
    "signals_of",
    "to_incoming",
]
