"""The gateway's hot path: from a GB/T 26875.3 frame's bytes to a storable message, and the
confirm back, with as little work per frame as the rules allow.

Nothing here decides differently from ``gb26875.decode`` and ``ingest.incoming_frame``; it only
avoids repeating work:

- the control unit is read with one precompiled ``struct`` and the checksum is ``sum()`` over
  a memoryview; a frame with any defect goes through ``decode`` so it is refused with exactly
  the same reason;
- what a frame's application data means (its signals, its digest) depends only on those
  bytes, and most frames are heartbeats whose bytes repeat from device to device within the
  same second: it is computed once per distinct payload (a bounded LRU cache);
- no decoded view is built: the store keeps the frame's bytes, from which
  ``ingest.decoded_view`` rebuilds the view when someone looks.

``tests/test_gb26875_hotpath.py`` checks every piece against the plain decoder.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from lanyan.monitoring.gb26875.appdata import AppDataError, decode_appdata
from lanyan.monitoring.gb26875.frame import END, OVERHEAD, START, FrameError, decode
from lanyan.monitoring.gb26875.timestamps import DeviceTime
from lanyan.monitoring.ingest import GB26875, Incoming
from lanyan.monitoring.signals import Signal, signals_from_data

# After "@@": serial, version major and user, time label, source, destination, L, command.
_CONTROL = struct.Struct("<HBB6s6s6sHB")
_PACKED = struct.Struct("<2sHBB6s6s6sHB")  # the same with the start marker, for replies
_CONTROL_END = 2 + _CONTROL.size  # 27


class Head(NamedTuple):
    """A frame's control unit (what a reply needs) and its application data."""

    serial: int
    version: tuple[int, int]
    time_raw: bytes
    source: bytes
    destination: bytes
    command: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class _PayloadView:
    type_flag: int | None
    signals: tuple[Signal, ...]
    digest: str


@lru_cache(maxsize=8192)
def _payload_view(payload: bytes) -> _PayloadView:
    """Raises ``AppDataError`` for data that does not match its layout (not cached)."""
    data = decode_appdata(payload)
    return _PayloadView(
        type_flag=data.type if data else None,
        signals=tuple(signals_from_data(data)),
        digest=hashlib.blake2b(payload, digest_size=16).hexdigest(),
    )


@lru_cache(maxsize=4096)
def _device_time(raw: bytes) -> datetime | None:
    """A time label's value (None for an impossible date; the raw bytes are kept)."""
    return DeviceTime(raw).value


def read_frame(raw: bytes) -> tuple[Head, Incoming]:
    """Check and read one whole frame; raises ``FrameError`` exactly as ``decode`` does."""
    size = len(raw)
    if (
        size < OVERHEAD
        or raw[:2] != START
        or raw[-2:] != END
        or size != OVERHEAD + (raw[24] | raw[25] << 8)
        or sum(memoryview(raw)[2:-3]) & 0xFF != raw[-3]
    ):
        decode(raw)  # raises with the precise reason
        raise FrameError("bad_frame", "frame rejected")  # pragma: no cover - decode raised
    serial, major, minor, stamp, source, destination, _size, command = _CONTROL.unpack_from(raw, 2)
    payload = raw[_CONTROL_END:-3]
    try:
        view = _payload_view(payload)
    except AppDataError as exc:
        raise FrameError("bad_data", str(exc)) from None
    head = Head(serial, (major, minor), stamp, source, destination, command, payload)
    item = Incoming(
        protocol=GB26875,
        source=source.hex(),
        serial=serial,
        digest=view.digest,
        command=command,
        type_flag=view.type_flag,
        device_time=_device_time(stamp),
        device_time_raw=stamp.hex(),
        raw=raw.hex(),
        decoded=None,
        signals=list(view.signals),
    )
    return head, item


class Replies:
    """Confirms and denies for frames, with the centre's time label computed once a second."""

    def __init__(self) -> None:
        self._second: datetime | None = None
        self._stamp = b""

    def stamp(self, now: datetime) -> bytes:
        second = now.replace(microsecond=0)
        if second != self._second:
            self._stamp = DeviceTime.of(now).raw
            self._second = second
        return self._stamp

    def reply(self, head: Head, command: int, now: datetime) -> bytes:
        """Same serial and version, addresses swapped, empty application data (§6.3)."""
        packed = _PACKED.pack(
            START,
            head.serial,
            head.version[0],
            head.version[1],
            self.stamp(now),
            head.destination,
            head.source,
            0,
            command,
        )
        return packed + bytes((sum(memoryview(packed)[2:]) & 0xFF,)) + END


__all__ = ["Head", "Replies", "read_frame"]
