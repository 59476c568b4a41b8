"""JT/T 808 message bodies the platform speaks (2013 §8, 2019 §8), both editions.

Strings are GBK. Times are BCD[6] ``YYMMDDhhmmss`` in Beijing time (GMT+8). Latitude and
longitude are unsigned millionths of a degree; their hemisphere is in the status word (bit 2
south latitude, bit 3 west longitude): the decoded message carries signed values and encoding
sets those bits from the signs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import datetime

from lanyan.core.timeutil import CHINA_TZ
from lanyan.vehicles.jt808.frame import REV_2019, Jt808Error, bcd_bytes, bcd_digits

TERMINAL_RESPONSE = 0x0001
HEARTBEAT = 0x0002
REGISTER = 0x0100
AUTHENTICATE = 0x0102
LOCATION = 0x0200
BATCH_LOCATION = 0x0704
PLATFORM_RESPONSE = 0x8001
REGISTER_RESPONSE = 0x8100

# 0x8001 / 0x0001 results
OK, FAILED, BAD_MESSAGE, UNSUPPORTED, ALARM_ACK = 0, 1, 2, 3, 4
# 0x8100 results
REG_OK, REG_VEHICLE_TAKEN, REG_NO_VEHICLE, REG_TERMINAL_TAKEN, REG_NO_TERMINAL = 0, 1, 2, 3, 4

SOUTH = 1 << 2
WEST = 1 << 3

# Additional location items (附加信息) decoded by id: (name, struct format, scale)
EXTRA_MILEAGE = 0x01  # DWORD, 1/10 km
EXTRA_FUEL = 0x02  # WORD, 1/10 L
EXTRA_SPEED = 0x03  # WORD, 1/10 km/h (tachograph)
EXTRA_SIGNAL = 0x30  # BYTE, wireless signal strength
EXTRA_SATELLITES = 0x31  # BYTE, GNSS satellites in view
KNOWN_EXTRAS: dict[int, tuple[str, str, float]] = {
    EXTRA_MILEAGE: ("mileage_km", ">I", 10.0),
    EXTRA_FUEL: ("fuel_l", ">H", 10.0),
    EXTRA_SPEED: ("tacho_speed_kmh", ">H", 10.0),
    EXTRA_SIGNAL: ("signal", ">B", 1.0),
    EXTRA_SATELLITES: ("satellites", ">B", 1.0),
}

_RESP = struct.Struct(">HHB")
_LOC = struct.Struct(">IIIIHHH")
_REG_HEAD = struct.Struct(">HH")


@dataclass(frozen=True, slots=True)
class TerminalResponse:
    """0x0001 终端通用应答."""

    reply_serial: int
    reply_id: int
    result: int = OK
    msg_id = TERMINAL_RESPONSE


@dataclass(frozen=True, slots=True)
class PlatformResponse:
    """0x8001 平台通用应答."""

    reply_serial: int
    reply_id: int
    result: int = OK
    msg_id = PLATFORM_RESPONSE


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """0x0002 终端心跳 (empty body)."""

    msg_id = HEARTBEAT


@dataclass(frozen=True, slots=True)
class Registration:
    """0x0100 终端注册. Fixed widths: 2013 manufacturer 5, model 20, terminal id 7 bytes;
    2019 11, 30, 30. Shorter values are right-padded with 0x00, which decoding strips."""

    province: int
    city: int
    manufacturer: str
    model: str
    terminal_id: str
    plate_colour: int
    plate: str
    msg_id = REGISTER


@dataclass(frozen=True, slots=True)
class RegistrationResponse:
    """0x8100 终端注册应答: the authentication code only when the result is 0."""

    reply_serial: int
    result: int
    auth_code: str = ""
    msg_id = REGISTER_RESPONSE


@dataclass(frozen=True, slots=True)
class Authentication:
    """0x0102 终端鉴权. 2019 adds a length byte before the code, IMEI[15], software version[20]."""

    auth_code: str
    imei: str = ""
    software_version: str = ""
    msg_id = AUTHENTICATE


@dataclass(frozen=True, slots=True)
class Location:
    """0x0200 位置信息汇报. ``latitude``/``longitude`` are signed millionths of a degree,
    ``speed`` tenths of km/h, ``heading`` degrees 0–359, ``extras`` the additional items as
    (id, raw value) in the order received; known ids are readable through ``extra()``."""

    alarm: int
    status: int
    latitude: int
    longitude: int
    altitude: int
    speed: int
    heading: int
    time: datetime
    extras: tuple[tuple[int, bytes], ...] = field(default=())
    msg_id = LOCATION

    def __post_init__(self) -> None:
        # The hemisphere bits follow the signs, so a message equals its decoded encoding.
        status = self.status & ~(SOUTH | WEST)
        if self.latitude < 0:
            status |= SOUTH
        if self.longitude < 0:
            status |= WEST
        object.__setattr__(self, "status", status)

    @property
    def lat(self) -> float:
        return self.latitude / 1e6

    @property
    def lon(self) -> float:
        return self.longitude / 1e6

    @property
    def speed_kmh(self) -> float:
        return self.speed / 10

    def extra(self, item_id: int) -> float | None:
        """A known additional item's value in its unit (None when absent or malformed)."""
        spec = KNOWN_EXTRAS.get(item_id)
        if spec is None:
            return None
        _name, fmt, scale = spec
        for key, raw in self.extras:
            if key == item_id and len(raw) == struct.calcsize(fmt):
                value = struct.unpack(fmt, raw)[0]
                return value / scale if scale != 1.0 else float(value)
        return None


@dataclass(frozen=True, slots=True)
class BatchLocation:
    """0x0704 定位数据批量上传: kind 0 normal batch, 1 blind-area supplement (盲区补报)."""

    kind: int
    items: tuple[Location, ...]
    msg_id = BATCH_LOCATION


Message = (
    TerminalResponse
    | PlatformResponse
    | Heartbeat
    | Registration
    | RegistrationResponse
    | Authentication
    | Location
    | BatchLocation
)

_REG_WIDTHS = {2013: (5, 20, 7), REV_2019: (11, 30, 30)}


def _gbk(raw: bytes, what: str) -> str:
    try:
        return raw.decode("gbk")
    except UnicodeDecodeError:
        raise Jt808Error("bad_field", f"{what} is not GBK text") from None


def _to_gbk(text: str, what: str) -> bytes:
    try:
        return text.encode("gbk")
    except UnicodeEncodeError:
        raise Jt808Error("bad_field", f"{what} has characters GBK cannot encode") from None


def _fixed(text: str, size: int, what: str) -> bytes:
    raw = _to_gbk(text, what)
    if len(raw) > size or b"\x00" in raw:
        raise Jt808Error("bad_field", f"{what} must be at most {size} bytes without NUL")
    return raw.ljust(size, b"\x00")


def _bcd_time(raw: bytes) -> datetime:
    digits = bcd_digits(raw, "time")
    try:
        return datetime(
            2000 + int(digits[0:2]),
            int(digits[2:4]),
            int(digits[4:6]),
            int(digits[6:8]),
            int(digits[8:10]),
            int(digits[10:12]),
            tzinfo=CHINA_TZ,
        )
    except ValueError:
        raise Jt808Error("bad_field", f"time {digits} is not a date and time") from None


def _time_bcd(when: datetime) -> bytes:
    if when.tzinfo is None:
        raise Jt808Error("bad_field", "time must carry a time zone")
    local = when.astimezone(CHINA_TZ)
    if not 2000 <= local.year <= 2099:
        raise Jt808Error("bad_field", "time must be in 2000–2099 (two-digit year)")
    return bcd_bytes(local.strftime("%y%m%d%H%M%S"), 6, "time")


def _u(value: int, bits: int, what: str) -> int:
    if not 0 <= value < (1 << bits):
        raise Jt808Error("bad_field", f"{what} must be 0–{(1 << bits) - 1}, got {value}")
    return value


def _need(body: bytes, size: int, what: str) -> None:
    if len(body) < size:
        raise Jt808Error("truncated", f"{what} needs {size} bytes, the body has {len(body)}")


def decode_location(body: bytes) -> Location:
    _need(body, 28, "a location report")
    alarm, status, lat, lon, alt, speed, heading = _LOC.unpack_from(body)
    when = _bcd_time(body[22:28])
    extras = []
    at = 28
    end = len(body)
    while at < end:
        if at + 2 > end:
            raise Jt808Error("truncated", f"additional item at byte {at} has no length")
        item, size = body[at], body[at + 1]
        if at + 2 + size > end:
            raise Jt808Error("truncated", f"additional item 0x{item:02x} runs past the body")
        extras.append((item, body[at + 2 : at + 2 + size]))
        at += 2 + size
    return Location(
        alarm,
        status,
        -lat if status & SOUTH else lat,
        -lon if status & WEST else lon,
        alt,
        speed,
        heading,
        when,
        tuple(extras),
    )


def encode_location(loc: Location) -> bytes:
    status = _u(loc.status, 32, "status") & ~(SOUTH | WEST)
    if loc.latitude < 0:
        status |= SOUTH
    if loc.longitude < 0:
        status |= WEST
    out = [
        _LOC.pack(
            _u(loc.alarm, 32, "alarm"),
            status,
            _u(abs(loc.latitude), 32, "latitude"),
            _u(abs(loc.longitude), 32, "longitude"),
            _u(loc.altitude, 16, "altitude"),
            _u(loc.speed, 16, "speed"),
            _u(loc.heading, 16, "heading"),
        ),
        _time_bcd(loc.time),
    ]
    for item, raw in loc.extras:
        out.append(bytes((_u(item, 8, "additional item id"), _u(len(raw), 8, "item length"))))
        out.append(raw)
    return b"".join(out)


def extras_from(values: dict[int, float]) -> tuple[tuple[int, bytes], ...]:
    """Additional items from values in their units, e.g. ``{EXTRA_MILEAGE: 1234.5}``."""
    out = []
    for item, value in values.items():
        _name, fmt, scale = KNOWN_EXTRAS[item]
        out.append((item, struct.pack(fmt, round(value * scale))))
    return tuple(out)


def decode_body(msg_id: int, body: bytes, revision: int = 2013) -> Message:
    """The message of ``msg_id`` from its (reassembled, unescaped) body."""
    if msg_id == LOCATION:
        return decode_location(body)
    if msg_id == HEARTBEAT:
        return Heartbeat()
    if msg_id in (PLATFORM_RESPONSE, TERMINAL_RESPONSE):
        _need(body, 5, "a general response")
        serial, reply_id, result = _RESP.unpack_from(body)
        cls = PlatformResponse if msg_id == PLATFORM_RESPONSE else TerminalResponse
        if len(body) != 5:
            raise Jt808Error("length_mismatch", f"a general response is 5 bytes, got {len(body)}")
        return cls(serial, reply_id, result)
    if msg_id == BATCH_LOCATION:
        _need(body, 3, "a batch location upload")
        count, kind = struct.unpack_from(">HB", body)
        items = []
        at = 3
        for n in range(count):
            if at + 2 > len(body):
                raise Jt808Error("truncated", f"batch item {n + 1} of {count} is missing")
            (size,) = struct.unpack_from(">H", body, at)
            if at + 2 + size > len(body):
                raise Jt808Error("truncated", f"batch item {n + 1} runs past the body")
            items.append(decode_location(body[at + 2 : at + 2 + size]))
            at += 2 + size
        if at != len(body):
            raise Jt808Error("length_mismatch", f"{len(body) - at} bytes after {count} items")
        return BatchLocation(kind, tuple(items))
    if msg_id == REGISTER:
        man, model, tid = _REG_WIDTHS[REV_2019 if revision == REV_2019 else 2013]
        fixed = 4 + man + model + tid + 1
        _need(body, fixed, "a registration")
        province, city = _REG_HEAD.unpack_from(body)
        at = 4
        fields = []
        for size, what in ((man, "manufacturer"), (model, "model"), (tid, "terminal id")):
            fields.append(_gbk(body[at : at + size].rstrip(b"\x00"), what))
            at += size
        return Registration(
            province, city, fields[0], fields[1], fields[2], body[at], _gbk(body[at + 1 :], "plate")
        )
    if msg_id == REGISTER_RESPONSE:
        _need(body, 3, "a registration response")
        serial, result = struct.unpack_from(">HB", body)
        return RegistrationResponse(serial, result, _gbk(body[3:], "authentication code"))
    if msg_id == AUTHENTICATE:
        if revision != REV_2019:
            return Authentication(_gbk(body, "authentication code"))
        _need(body, 1, "an authentication")
        size = body[0]
        _need(body, 1 + size + 35, "an authentication")
        if len(body) != 1 + size + 35:
            raise Jt808Error("length_mismatch", f"authentication is {1 + size + 35} bytes")
        return Authentication(
            _gbk(body[1 : 1 + size], "authentication code"),
            _gbk(body[1 + size : 16 + size].rstrip(b"\x00"), "IMEI"),
            _gbk(body[16 + size :].rstrip(b"\x00"), "software version"),
        )
    raise Jt808Error("unknown_message", f"message id 0x{msg_id:04x} is not supported")


def encode_body(msg: Message, revision: int = 2013) -> bytes:
    """The body of ``msg`` for one edition."""
    if isinstance(msg, Location):
        return encode_location(msg)
    if isinstance(msg, Heartbeat):
        return b""
    if isinstance(msg, PlatformResponse | TerminalResponse):
        return _RESP.pack(
            _u(msg.reply_serial, 16, "reply serial"),
            _u(msg.reply_id, 16, "reply id"),
            _u(msg.result, 8, "result"),
        )
    if isinstance(msg, BatchLocation):
        parts = [struct.pack(">HB", _u(len(msg.items), 16, "count"), _u(msg.kind, 8, "kind"))]
        for item in msg.items:
            body = encode_location(item)
            parts.append(struct.pack(">H", len(body)) + body)
        return b"".join(parts)
    if isinstance(msg, Registration):
        man, model, tid = _REG_WIDTHS[REV_2019 if revision == REV_2019 else 2013]
        return b"".join(
            (
                _REG_HEAD.pack(_u(msg.province, 16, "province"), _u(msg.city, 16, "city")),
                _fixed(msg.manufacturer, man, "manufacturer"),
                _fixed(msg.model, model, "model"),
                _fixed(msg.terminal_id, tid, "terminal id"),
                bytes((_u(msg.plate_colour, 8, "plate colour"),)),
                _to_gbk(msg.plate, "plate"),
            )
        )
    if isinstance(msg, RegistrationResponse):
        return struct.pack(
            ">HB", _u(msg.reply_serial, 16, "reply serial"), _u(msg.result, 8, "result")
        ) + _to_gbk(msg.auth_code, "authentication code")
    if isinstance(msg, Authentication):
        code = _to_gbk(msg.auth_code, "authentication code")
        if revision != REV_2019:
            return code
        if len(code) > 255:
            raise Jt808Error("bad_field", "authentication code is at most 255 bytes")
        return (
            bytes((len(code),))
            + code
            + _fixed(msg.imei, 15, "IMEI")
            + _fixed(msg.software_version, 20, "software version")
        )
    raise Jt808Error("unknown_message", f"cannot encode {type(msg).__name__}")
