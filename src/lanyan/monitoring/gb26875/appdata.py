"""Application data unit 应用数据单元 (§7, 图5; §8): type flag, object count, objects.

Each known type flag has a layout (reference §7 Table 3, bodies from §8.2.1 图6–16): the fields
of one object in order. Decoding and encoding are both driven by that one table, so every type
round-trips by construction. Objects are plain dicts keyed by field name; decoding adds names
(zh-CN and English) and readings (state flags, physical analog values) beside the raw fields.

Reserved and user-defined type flags are kept raw (``AppData.known`` is False), never rejected:
real devices use them (reference §13 D2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanyan.monitoring.gb26875 import tables as t
from lanyan.monitoring.gb26875.timestamps import DeviceTime

# Field kinds and their sizes in bytes; "text" is a length byte plus that many GB 18030 bytes.
U8, U16, I16, U32, DESC, TEXT, TIME = "u8", "u16", "i16", "u32", "desc", "text", "time"
_SIZE = {U8: 1, U16: 2, I16: 2, U32: 4, DESC: 31, TIME: 6}

SYS = (("system_type", U8), ("system_address", U8))
COMPONENT = (("component_type", U8), ("component_address", U32))

# type flag -> (layout, most objects per frame "n 不大于 …"). Reference §7.1 / §7.2 and §8.2.1.
LAYOUTS: dict[int, tuple[tuple[tuple[str, str], ...], int]] = {
    1: ((*SYS, ("state", U16), ("time", TIME)), 102),
    2: ((*SYS, *COMPONENT, ("state", U16), ("description", DESC), ("time", TIME)), 22),
    3: ((*SYS, *COMPONENT, ("analog_type", U8), ("raw_value", I16), ("time", TIME)), 63),
    4: ((*SYS, ("operation", U8), ("operator", U8), ("time", TIME)), 102),
    5: ((*SYS, ("major", U8), ("minor", U8)), 1),
    6: ((*SYS, ("configuration", TEXT)), 3),
    7: ((*SYS, *COMPONENT, ("description", DESC)), 26),
    8: ((*SYS, ("time", TIME)), 1),
    21: ((("state", U8), ("time", TIME)), 1),
    24: ((("operation", U8), ("operator", U8), ("time", TIME)), 127),
    25: ((("major", U8), ("minor", U8)), 1),
    26: ((("configuration", TEXT),), 1),
    28: ((("time", TIME),), 1),
    61: (SYS, 102),
    62: ((*SYS, ("component_address", U32)), 22),
    63: ((*SYS, ("component_address", U32)), 63),
    64: ((*SYS, ("record_count", U8), ("start_time", TIME)), 1),
    65: (SYS, 1),
    66: (SYS, 3),
    67: ((*SYS, ("component_address", U32)), 26),
    68: (SYS, 1),
    81: ((("reserved", U8),), 1),
    84: ((("record_count", U8), ("start_time", TIME)), 1),
    85: ((("reserved", U8),), 1),
    86: ((("reserved", U8),), 1),
    88: ((("reserved", U8),), 1),
    89: ((("reserved", U8),), 1),
    90: ((("time", TIME),), 1),
    91: ((("timeout_minutes", U8),), 1),
}

# Which bit table reads the ``state`` / ``operation`` byte of each type (图6, 7, 9, 13, 14).
STATE_BITS: dict[int, dict[int, t.Bit]] = {
    1: t.SYSTEM_STATE_BITS,
    2: t.COMPONENT_STATE_BITS,
    21: t.UITD_STATE_BITS,
}
OPERATION_BITS: dict[int, dict[int, t.Bit]] = {
    4: t.FACILITY_OPERATION_BITS,
    24: t.UITD_OPERATION_BITS,
}
SYNC_CLOCK = 90
DUTY_CHECK = 91


class AppDataError(ValueError):
    """The application data does not match its type's layout; the message is one line."""


@dataclass(frozen=True)
class AppData:
    """A decoded application data unit.

    ``count`` is None for the one-byte handshake form (type flag only, reference §13 D2).
    ``known`` is False for reserved and user-defined types, whose bytes stay in ``raw``.
    """

    type: int
    objects: list[dict[str, Any]] = field(default_factory=list)
    count: int | None = None
    raw: bytes = b""
    known: bool = True

    @property
    def type_name(self) -> t.Name:
        return t.name_of(t.TYPE_FLAGS, self.type)


# --- decoding ------------------------------------------------------------------------------


def _gb18030(raw: bytes) -> str:
    # Devices pad with NUL and may leave garbage after it (reference §8, string handling).
    return raw.split(b"\0", 1)[0].decode("gb18030", errors="replace").strip()


def flags_of(value: int, bits: Mapping[int, t.Bit], width: int, inverted_bit0: bool) -> list[str]:
    """Slugs of the set bits; a clear inverted bit 0 is reported as ``test``.

    Reserved bits that are set anyway are reported as ``bit<N>`` so nothing is hidden.
    """
    out = []
    if inverted_bit0 and not value & 1:
        out.append(t.TEST.slug)
    for bit in range(width):
        if value >> bit & 1:
            out.append(bits[bit].slug if bit in bits else f"bit{bit}")
    return out


_BY_SLUG: dict[int, dict[str, t.Bit]] = {}


def _names(flags: list[str], bits: Mapping[int, t.Bit]) -> list[dict[str, str]]:
    # The bit tables are module constants: index each by slug once, not once per object.
    by_slug = _BY_SLUG.get(id(bits))
    if by_slug is None:
        by_slug = _BY_SLUG[id(bits)] = {b.slug: b for b in (*bits.values(), t.TEST)}
    return [
        {"zh": by_slug[f].zh, "en": by_slug[f].en}
        if f in by_slug
        else {"zh": f"预留位{f[3:]}", "en": f"reserved {f}"}
        for f in flags
    ]


def _annotate(type_flag: int, obj: dict[str, Any]) -> None:
    """Add names and readings beside the raw fields (never replacing them)."""
    if "system_type" in obj:
        obj["system_type_name"] = t.name_of(t.SYSTEM_TYPES, obj["system_type"])._asdict()
    if "component_type" in obj:
        obj["component_type_name"] = t.name_of(t.COMPONENT_TYPES, obj["component_type"])._asdict()
    if "state" in obj:
        bits = STATE_BITS[type_flag]
        width = 8 if type_flag == 21 else 16
        flags = flags_of(obj["state"], bits, width, inverted_bit0=True)
        obj["state_flags"] = flags
        obj["state_names"] = _names(flags, bits)
        # Safety rule (reference §13 D5): the fire bit stands on its own; a clear test/normal
        # bit only marks it, it never cancels it.
        obj["fire_alarm"] = bool(obj["state"] & 0b10)
        obj["test_mode"] = not obj["state"] & 1
    if "operation" in obj:
        bits = OPERATION_BITS[type_flag]
        flags = flags_of(obj["operation"], bits, 8, inverted_bit0=False)
        obj["operation_flags"] = flags
        obj["operation_names"] = _names(flags, bits)
    if type_flag == DUTY_CHECK:
        # 图46: the answer time in minutes; some implementations send a reserved 0 instead
        # (reference §13 D8). Both are read; this platform sends the standard form.
        obj["form"] = "standard" if obj["timeout_minutes"] else "reserved"
    if "analog_type" in obj:
        analog = t.ANALOG_TYPES.get(obj["analog_type"])
        if analog is None:
            obj["analog_type_name"] = t.name_of({}, obj["analog_type"])._asdict()
        else:
            obj["analog_type_name"] = {"zh": analog.zh, "en": analog.en}
            obj["value"] = round(obj["raw_value"] * analog.resolution, 2)
            obj["unit"] = analog.unit


def _decode_object(
    type_flag: int, layout: tuple[tuple[str, str], ...], body: bytes, at: int
) -> tuple[dict[str, Any], int]:
    obj: dict[str, Any] = {}
    for name, kind in layout:
        if kind == TEXT:
            if at >= len(body):
                raise AppDataError(f"type {type_flag}: {name} length byte missing")
            size = body[at]
            at += 1
            if at + size > len(body):
                raise AppDataError(f"type {type_flag}: {name} declares {size} bytes, fewer remain")
            obj[name] = _gb18030(body[at : at + size])
            at += size
            continue
        size = _SIZE[kind]
        if at + size > len(body):
            raise AppDataError(f"type {type_flag}: object truncated in field {name}")
        chunk = body[at : at + size]
        at += size
        if kind == TIME:
            obj[name] = DeviceTime(chunk)
        elif kind == DESC:
            obj[name] = _gb18030(chunk)
        else:
            obj[name] = int.from_bytes(chunk, "little", signed=kind == I16)
    _annotate(type_flag, obj)
    return obj, at


def decode_appdata(data: bytes) -> AppData | None:
    """Decode an ADU; None when it is empty (confirm/deny, registration, reference §13 D3)."""
    if not data:
        return None
    type_flag = data[0]
    if len(data) == 1:
        return AppData(type_flag, count=None, raw=data, known=False)
    count = data[1]
    if type_flag not in LAYOUTS:
        return AppData(type_flag, count=count, raw=data, known=False)
    layout, _most = LAYOUTS[type_flag]
    body = data[2:]
    if type_flag == SYNC_CLOCK and count == 1 and len(body) == 7:
        # Some implementations put a reserved byte before the centre time (reference §13 D8).
        body = body[1:]
    objects, at = [], 0
    for _ in range(count):
        obj, at = _decode_object(type_flag, layout, body, at)
        objects.append(obj)
    if at != len(body):
        raise AppDataError(
            f"type {type_flag}: {count} object(s) take {at} bytes but {len(body)} were sent"
        )
    return AppData(type_flag, objects=objects, count=count, raw=data)


# --- encoding ------------------------------------------------------------------------------


def _bits_from_flags(flags: list[str], bits: Mapping[int, t.Bit], type_flag: int) -> int:
    by_slug = {b.slug: n for n, b in bits.items()}
    value = 0
    for flag in flags:
        if flag == t.TEST.slug:
            continue  # test is bit 0 clear, the default
        if flag in by_slug:
            value |= 1 << by_slug[flag]
        elif flag.startswith("bit") and flag[3:].isdigit():
            value |= 1 << int(flag[3:])
        else:
            raise AppDataError(f"type {type_flag}: unknown state or operation flag {flag!r}")
    return value


def _field_value(type_flag: int, obj: Mapping[str, Any], name: str) -> Any:
    if name in obj:
        return obj[name]
    if name == "state" and "state_flags" in obj:
        return _bits_from_flags(obj["state_flags"], STATE_BITS[type_flag], type_flag)
    if name == "operation" and "operation_flags" in obj:
        return _bits_from_flags(obj["operation_flags"], OPERATION_BITS[type_flag], type_flag)
    if name == "reserved":
        return 0
    if name == "timeout_minutes" and "reserved" in obj:
        return obj["reserved"]  # type 91 in the reserved form (reference §13 D8)
    raise AppDataError(f"type {type_flag}: field {name} is required")


def _encode_field(type_flag: int, name: str, kind: str, value: Any) -> bytes:
    if kind == TIME:
        if isinstance(value, DeviceTime):
            return value.raw
        if isinstance(value, datetime):
            return DeviceTime.of(value).raw
        raise AppDataError(f"type {type_flag}: {name} must be a time")
    if kind in (DESC, TEXT):
        raw = str(value).encode("gb18030")
        limit = 31 if kind == DESC else 255
        if len(raw) > limit:
            raise AppDataError(
                f"type {type_flag}: {name} is {len(raw)} bytes in GB 18030, at most {limit}"
            )
        return raw.ljust(31, b"\0") if kind == DESC else bytes((len(raw),)) + raw
    if isinstance(value, bool) or not isinstance(value, int):
        raise AppDataError(f"type {type_flag}: {name} must be an integer")
    size = _SIZE[kind]
    try:
        return value.to_bytes(size, "little", signed=kind == I16)
    except OverflowError:
        raise AppDataError(f"type {type_flag}: {name}={value} does not fit {kind}") from None


def encode_appdata(type_flag: int, objects: Sequence[Mapping[str, Any]]) -> bytes:
    """Build the ADU of a known type from objects (dicts with the layout's field names)."""
    if type_flag not in LAYOUTS:
        raise AppDataError(f"type {type_flag} has no layout in Table 3; send its bytes raw")
    layout, most = LAYOUTS[type_flag]
    if len(objects) > most:
        raise AppDataError(f"type {type_flag}: {len(objects)} objects, at most {most}")
    out = bytearray((type_flag, len(objects)))
    for obj in objects:
        for name, kind in layout:
            out += _encode_field(type_flag, name, kind, _field_value(type_flag, obj, name))
    return bytes(out)
