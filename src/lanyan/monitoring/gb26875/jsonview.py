"""The JSON shape of a frame: what ``lanyan gb26875 decode`` prints and ``encode`` reads.

Times are ISO 8601 in Asia/Shanghai; a device time that is no calendar date is ``null`` with
its bytes in ``<name>_raw`` (hex). Addresses are the hex of the 6 bytes as sent plus
``<name>_int`` (little-endian). The decoded dict is valid input for :func:`frame_from_json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.gb26875.appdata import AppData, AppDataError, encode_appdata
from lanyan.monitoring.gb26875.frame import Frame, FrameError, encode
from lanyan.monitoring.gb26875.timestamps import DeviceTime


def _time_fields(name: str, value: DeviceTime) -> dict[str, Any]:
    out: dict[str, Any] = {name: value.iso()}
    if value.value is None:
        out[f"{name}_raw"] = value.raw.hex()
    return out


def _object_json(obj: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if isinstance(value, DeviceTime):
            out.update(_time_fields(key, value))
        else:
            out[key] = value
    return out


def frame_to_json(frame: Frame) -> dict[str, Any]:
    """The CLI contract of issue 3, item 2."""
    name = frame.command_name
    out: dict[str, Any] = {
        "serial": frame.serial,
        "version": list(frame.version),
        **_time_fields("timestamp", frame.timestamp),
        "source": frame.source.hex(),
        "source_int": frame.source_int,
        "destination": frame.destination.hex(),
        "destination_int": frame.destination_int,
        "command": frame.command,
        "command_name": name.en,
        "command_name_zh": name.zh,
        "checksum": frame.checksum,
        "checksum_ok": True,  # decode() refuses a frame whose checksum does not add up
    }
    out["data"] = appdata_to_json(frame.data)
    return out


def appdata_to_json(data: AppData | None) -> dict[str, Any] | None:
    """The ``data`` member of :func:`frame_to_json`: the application data unit, or None."""
    if data is None:
        return None
    type_name = data.type_name
    out: dict[str, Any] = {
        "type": data.type,
        "type_name": type_name.en,
        "type_name_zh": type_name.zh,
        "count": data.count,
        "known": data.known,
        "objects": [_object_json(o) for o in data.objects],
    }
    if not data.known:
        out["raw"] = data.raw.hex()
    return out


# --- JSON in -------------------------------------------------------------------------------


def _parse_time(value: Any, field: str) -> DeviceTime:
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise FrameError("bad_field", f"{field}: {value!r} is not an ISO 8601 time") from None
        try:
            return DeviceTime.of(when)
        except ValueError as exc:
            raise FrameError("bad_field", f"{field}: {exc}") from None
    raise FrameError("bad_field", f"{field}: expected an ISO 8601 string")


def _time_from(obj: Mapping[str, Any], name: str, default: DeviceTime) -> DeviceTime:
    raw = obj.get(f"{name}_raw")
    if raw is not None:
        try:
            return DeviceTime(bytes.fromhex(raw))
        except ValueError:
            raise FrameError("bad_field", f"{name}_raw: must be 12 hex digits") from None
    value = obj.get(name)
    return default if value is None else _parse_time(value, name)


def _address_from(doc: Mapping[str, Any], name: str) -> bytes | int:
    if isinstance(doc.get(name), str):
        try:
            return bytes.fromhex(doc[name])
        except ValueError:
            raise FrameError("bad_field", f"{name}: not hex") from None
    value = doc.get(f"{name}_int", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FrameError("bad_field", f"{name}_int: must be an integer")
    return value


def _int(doc: Mapping[str, Any], name: str, default: int | None = None) -> int:
    value = doc.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FrameError("bad_field", f"{name}: must be an integer")
    return value


def frame_from_json(doc: Mapping[str, Any], now: datetime) -> bytes:
    """Build a frame from its JSON shape. Missing times default to ``now``.

    ``data`` is ``null``, ``{"type", "objects": [...]}`` for a known type, or
    ``{"raw": "<hex ADU>"}`` for any bytes at all (reserved types, handshakes).
    """
    if not isinstance(doc, Mapping):
        raise FrameError("bad_field", "the frame must be a JSON object")
    stamp = _time_from(doc, "timestamp", DeviceTime.of(now.astimezone(CHINA_TZ)))
    version = doc.get("version", [1, 1])
    if not (isinstance(version, list) and len(version) == 2):
        raise FrameError("bad_field", "version: must be [major, minor]")
    payload = _payload(doc.get("data"), stamp)
    return encode(
        serial=_int(doc, "serial", 0),
        command=_int(doc, "command"),
        source=_address_from(doc, "source"),
        destination=_address_from(doc, "destination"),
        payload=payload,
        timestamp=stamp,
        version=(_int({"v": version[0]}, "v"), _int({"v": version[1]}, "v")),
    )


def _payload(data: Any, stamp: DeviceTime) -> bytes:
    if data is None:
        return b""
    if not isinstance(data, Mapping):
        raise FrameError("bad_field", "data: must be an object or null")
    if "raw" in data:
        try:
            return bytes.fromhex(data["raw"])
        except (TypeError, ValueError):
            raise FrameError("bad_field", "data.raw: not hex") from None
    objects = data.get("objects", [])
    if not isinstance(objects, list) or not all(isinstance(o, Mapping) for o in objects):
        raise FrameError("bad_field", "data.objects: must be a list of objects")
    ready = []
    for obj in objects:
        converted = dict(obj)
        converted["time"] = _time_from(obj, "time", stamp)
        if "start_time" in obj or "start_time_raw" in obj:
            converted["start_time"] = _time_from(obj, "start_time", stamp)
        ready.append(converted)
    try:
        return encode_appdata(_int(data, "type"), ready)
    except AppDataError as exc:
        raise FrameError("bad_field", f"data: {exc}") from None
