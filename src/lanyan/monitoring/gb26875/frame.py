"""Whole frames (§6.6, Table 1): ``@@`` | control unit (25 bytes) | ADU | checksum | ``##``.

Control unit: serial (2, LE), version major/user (1 + 1), time label (6), source (6),
destination (6), ADU length L (2, LE, at most 1024), command (1). The checksum is the sum of the
control unit and the ADU, mod 256 (reference §4). A frame is 30 + L bytes.

Liberal in what it accepts (reference §13): any version bytes, any command byte, reserved type
flags, clocks that are no date. Strict where it matters: markers, length and checksum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lanyan.monitoring.gb26875 import tables as t
from lanyan.monitoring.gb26875.appdata import AppData, AppDataError, decode_appdata
from lanyan.monitoring.gb26875.timestamps import DeviceTime

START = b"@@"
END = b"##"
HEADER = 27  # start marker + control unit: the bytes needed to know the frame's length
OVERHEAD = 30  # start (2) + control unit (25) + checksum (1) + end (2)
MAX_DATA = 1024
ADDRESS_BYTES = 6


class FrameError(ValueError):
    """A frame that cannot be accepted. ``code`` is a stable slug, the message one line."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    @property
    def reason(self) -> str:
        return f"{self.code}: {self}"


@dataclass(frozen=True)
class Frame:
    """One decoded frame. Addresses and the serial's bytes are kept exactly as sent."""

    serial: int
    version: tuple[int, int]
    timestamp: DeviceTime
    source: bytes
    destination: bytes
    command: int
    payload: bytes
    checksum: int
    data: AppData | None

    @property
    def command_name(self) -> t.Name:
        return t.name_of(t.COMMANDS, self.command)

    @property
    def source_int(self) -> int:
        return int.from_bytes(self.source, "little")

    @property
    def destination_int(self) -> int:
        return int.from_bytes(self.destination, "little")


def checksum(body: bytes | bytearray) -> int:
    """Table 1: the plain sum of the control unit and ADU bytes, low 8 bits kept."""
    return sum(body) & 0xFF


def frame_length(buffer: bytes | bytearray | memoryview, at: int = 0) -> int:
    """Total length of the frame starting at ``at`` (start marker checked), from its header.

    Raises FrameError ``truncated`` when the header is not all there yet and ``too_long`` when
    L exceeds 1024 (§6.5.3 应用数据单元长度超限).
    """
    if len(buffer) - at < HEADER:
        raise FrameError("truncated", f"{len(buffer) - at} bytes, a frame header needs {HEADER}")
    if buffer[at : at + 2] != START:
        raise FrameError(
            "bad_start", f"frame does not start with '@@' (got {bytes(buffer[at : at + 2]).hex()})"
        )
    size = int.from_bytes(buffer[at + 24 : at + 26], "little")
    if size > MAX_DATA:
        raise FrameError("too_long", f"application data length {size} exceeds {MAX_DATA}")
    return OVERHEAD + size


def decode(raw: bytes) -> Frame:
    """Decode exactly one frame. Raises FrameError with a one-line reason on any defect."""
    if len(raw) >= 2 and raw[:2] != START:
        raise FrameError("bad_start", f"frame does not start with '@@' (got {raw[:2].hex()})")
    total = frame_length(raw)
    if len(raw) < total:
        raise FrameError("truncated", f"{len(raw)} bytes, the header announces {total}")
    if len(raw) > total:
        raise FrameError(
            "length_mismatch",
            f"{len(raw)} bytes, the header announces {total} ({len(raw) - total} extra)",
        )
    if raw[-2:] != END:
        raise FrameError("bad_end", f"frame does not end with '##' (got {raw[-2:].hex()})")
    body = raw[2:-3]
    if checksum(body) != raw[-3]:
        raise FrameError(
            "bad_checksum", f"checksum byte is {raw[-3]}, the bytes sum to {checksum(body)}"
        )
    payload = bytes(raw[27:-3])
    try:
        data = decode_appdata(payload)
    except AppDataError as exc:
        raise FrameError("bad_data", str(exc)) from None
    return Frame(
        serial=int.from_bytes(raw[2:4], "little"),
        version=(raw[4], raw[5]),
        timestamp=DeviceTime(bytes(raw[6:12])),
        source=bytes(raw[12:18]),
        destination=bytes(raw[18:24]),
        command=raw[26],
        payload=payload,
        checksum=raw[-3],
        data=data,
    )


def _address(value: bytes | int, name: str) -> bytes:
    if isinstance(value, int):
        if not 0 <= value < 1 << 48:
            raise FrameError("bad_field", f"{name}: {value} does not fit 6 bytes")
        return value.to_bytes(ADDRESS_BYTES, "little")
    if len(value) != ADDRESS_BYTES:
        raise FrameError("bad_field", f"{name}: {len(value)} bytes, an address is 6")
    return bytes(value)


def encode(
    *,
    serial: int,
    command: int,
    source: bytes | int,
    destination: bytes | int,
    payload: bytes = b"",
    timestamp: DeviceTime | datetime,
    version: tuple[int, int] = (1, 1),
) -> bytes:
    """Build one frame. ``payload`` is the ADU (see ``appdata.encode_appdata``)."""
    if not 0 <= serial <= 0xFFFF:
        raise FrameError("bad_field", f"serial: {serial} is outside 0–65535")
    if not 0 <= command <= 0xFF or not all(0 <= v <= 0xFF for v in version):
        raise FrameError("bad_field", "command and version bytes must be 0–255")
    if len(payload) > MAX_DATA:
        raise FrameError("too_long", f"application data length {len(payload)} exceeds {MAX_DATA}")
    stamp = timestamp if isinstance(timestamp, DeviceTime) else DeviceTime.of(timestamp)
    body = (
        serial.to_bytes(2, "little")
        + bytes(version)
        + stamp.raw
        + _address(source, "source")
        + _address(destination, "destination")
        + len(payload).to_bytes(2, "little")
        + bytes((command,))
        + payload
    )
    return START + body + bytes((checksum(body),)) + END


def reply(frame: Frame, command: int, *, timestamp: datetime, centre: bytes | None = None) -> bytes:
    """A confirm or deny for ``frame``: same serial, addresses swapped, empty ADU (§6.3)."""
    return encode(
        serial=frame.serial,
        command=command,
        source=centre if centre is not None else frame.destination,
        destination=frame.source,
        timestamp=timestamp,
        version=frame.version,
    )


def header_fields(raw: bytes | bytearray) -> dict[str, Any]:
    """Serial and addresses of a frame whose header is complete, for a deny of a bad frame."""
    return {
        "serial": int.from_bytes(raw[2:4], "little"),
        "version": (raw[4], raw[5]),
        "source": bytes(raw[12:18]),
        "destination": bytes(raw[18:24]),
    }
