"""JT/T 808 messages as JSON and back (the ``lanyan jt808`` CLI's format).

    {"revision": 2013, "phone": "13800138000", "serial": 7, "protocol_version": 1,
     "message": {"type": "location", "lat": 31.2, "lon": 121.4, "speed_kmh": 65.5, ...}}

Latitude and longitude are signed degrees (south and west negative), times ISO 8601 (Beijing
time when no offset is given), additional items ``[{"id": 1, "hex": "00003039", "value":
1234.5, "name": "mileage_km"}]`` (``value``/``name`` only for known ids; on input ``hex``
wins, else ``value`` is encoded).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from lanyan.core.timeutil import CHINA_TZ
from lanyan.vehicles.jt808.frame import REV_2013, REV_2019, Header, Jt808Error
from lanyan.vehicles.jt808.messages import (
    KNOWN_EXTRAS,
    Authentication,
    BatchLocation,
    Heartbeat,
    Location,
    Message,
    PlatformResponse,
    Registration,
    RegistrationResponse,
    TerminalResponse,
    extras_from,
)

TYPES: dict[str, type[Any]] = {
    "terminal_response": TerminalResponse,
    "platform_response": PlatformResponse,
    "heartbeat": Heartbeat,
    "registration": Registration,
    "registration_response": RegistrationResponse,
    "authentication": Authentication,
    "location": Location,
    "batch_location": BatchLocation,
}
NAMES = {cls: name for name, cls in TYPES.items()}


def location_to_json(loc: Location) -> dict[str, Any]:
    extras = []
    for item, raw in loc.extras:
        entry: dict[str, Any] = {"id": item, "hex": raw.hex()}
        if item in KNOWN_EXTRAS and loc.extra(item) is not None:
            entry["name"] = KNOWN_EXTRAS[item][0]
            entry["value"] = loc.extra(item)
        extras.append(entry)
    return {
        "type": "location",
        "alarm": loc.alarm,
        "status": loc.status,
        "lat": loc.lat,
        "lon": loc.lon,
        "altitude_m": loc.altitude,
        "speed_kmh": loc.speed_kmh,
        "heading": loc.heading,
        "time": loc.time.isoformat(),
        "extras": extras,
    }


def message_to_json(msg: Message) -> dict[str, Any]:
    if isinstance(msg, Location):
        return location_to_json(msg)
    if isinstance(msg, BatchLocation):
        return {
            "type": "batch_location",
            "kind": msg.kind,
            "items": [location_to_json(i) for i in msg.items],
        }
    return {"type": NAMES[type(msg)], **dataclasses.asdict(msg)}


def to_json(header: Header, msg: Message) -> dict[str, Any]:
    return {
        "revision": header.revision,
        "protocol_version": header.protocol_version,
        "msg_id": f"0x{header.msg_id:04x}",
        "phone": header.phone,
        "serial": header.serial,
        "encryption": header.encryption,
        "message": message_to_json(msg),
    }


def _int(doc: dict[str, Any], key: str, default: int | None = None) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Jt808Error("bad_field", f"{key} must be an integer")
    return value


def _text(doc: dict[str, Any], key: str, default: str | None = None) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str):
        raise Jt808Error("bad_field", f"{key} must be a string")
    return value


def _number(doc: dict[str, Any], key: str, default: float | None = None) -> float:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Jt808Error("bad_field", f"{key} must be a number")
    return float(value)


def _time(doc: dict[str, Any], now: datetime) -> datetime:
    if "time" not in doc:
        return now.astimezone(CHINA_TZ).replace(microsecond=0)
    try:
        when = datetime.fromisoformat(_text(doc, "time"))
    except ValueError:
        raise Jt808Error("bad_field", "time must be ISO 8601") from None
    return when if when.tzinfo else when.replace(tzinfo=CHINA_TZ)


def location_from_json(doc: Any, now: datetime) -> Location:
    if not isinstance(doc, dict):
        raise Jt808Error("bad_field", "a location must be an object")
    extras: list[tuple[int, bytes]] = []
    for entry in doc.get("extras", []):
        if not isinstance(entry, dict):
            raise Jt808Error("bad_field", "extras items must be objects")
        item = _int(entry, "id")
        if "hex" in entry:
            try:
                extras.append((item, bytes.fromhex(_text(entry, "hex"))))
            except ValueError:
                raise Jt808Error(
                    "bad_field", f"extras 0x{item:02x}: hex is not hexadecimal"
                ) from None
        elif item in KNOWN_EXTRAS:
            extras += extras_from({item: _number(entry, "value")})
        else:
            raise Jt808Error("bad_field", f"extras 0x{item:02x} is unknown: give its hex")
    return Location(
        alarm=_int(doc, "alarm", 0),
        status=_int(doc, "status", 0b11),
        latitude=round(_number(doc, "lat") * 1e6),
        longitude=round(_number(doc, "lon") * 1e6),
        altitude=_int(doc, "altitude_m", 0),
        speed=round(_number(doc, "speed_kmh", 0) * 10),
        heading=_int(doc, "heading", 0),
        time=_time(doc, now),
        extras=tuple(extras),
    )


def message_from_json(doc: Any, now: datetime) -> Message:
    if not isinstance(doc, dict):
        raise Jt808Error("bad_field", "message must be an object")
    kind = doc.get("type")
    cls = TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise Jt808Error("bad_field", f"message type must be one of {', '.join(TYPES)}")
    if cls is Location:
        return location_from_json(doc, now)
    if cls is BatchLocation:
        items = doc.get("items")
        if not isinstance(items, list):
            raise Jt808Error("bad_field", "items must be a list")
        return BatchLocation(_int(doc, "kind", 0), tuple(location_from_json(i, now) for i in items))
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in doc and f.default is not dataclasses.MISSING:
            continue
        values[f.name] = _text(doc, f.name) if f.type == "str" else _int(doc, f.name)
    return cls(**values)


def from_json(doc: Any, now: datetime) -> tuple[Header, Message]:
    """A header (its message id from the message) and message from the JSON above."""
    if not isinstance(doc, dict):
        raise Jt808Error("bad_field", "the input must be a JSON object")
    revision = _int(doc, "revision", REV_2013)
    if revision not in (REV_2013, REV_2019):
        raise Jt808Error("bad_field", "revision must be 2013 or 2019")
    msg = message_from_json(doc.get("message"), now)
    header = Header(
        msg.msg_id,
        _text(doc, "phone"),
        _int(doc, "serial", 0),
        revision,
        _int(doc, "protocol_version", 1),
        _int(doc, "encryption", 0),
    )
    return header, msg
