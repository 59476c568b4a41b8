"""Cutting a TCP byte stream into frames, resynchronising on garbage (§6.6, Table 1).

A candidate frame starts at ``@@``; its header gives L, so it ends 30 + L bytes later, at
``##``. A candidate whose L exceeds 1024 or whose end marker is missing was a false start: skip
one byte and look for the next ``@@``. The buffer never holds more than one maximum frame
(1054 bytes) plus the last chunk read, whatever a peer sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from lanyan.monitoring.gb26875.frame import END, HEADER, MAX_DATA, OVERHEAD, START, checksum

MAX_FRAME = OVERHEAD + MAX_DATA


@dataclass(frozen=True, slots=True)
class Candidate:
    """Bytes with good markers and a consistent length; the checksum is not yet checked."""

    raw: bytes


@dataclass(frozen=True, slots=True)
class Garbage:
    """Bytes skipped while looking for a frame."""

    size: int


def _complete_at(buf: bytearray, at: int) -> int:
    """Length of a complete, checksum-valid frame at ``at``, else 0."""
    if len(buf) - at < HEADER or buf[at : at + 2] != START:
        return 0
    size = int.from_bytes(buf[at + 24 : at + 26], "little")
    end = at + OVERHEAD + size
    if size > MAX_DATA or end > len(buf) or buf[end - 2 : end] != END:
        return 0
    return end - at if checksum(buf[at + 2 : end - 3]) == buf[end - 3] else 0


class FrameScanner:
    """Feed it what the socket gives; it returns candidate frames and skipped garbage."""

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, chunk: bytes) -> list[Candidate | Garbage]:
        buf = self._buf
        if not buf and chunk[:2] == START and len(chunk) >= HEADER:
            # The usual case: a device sent one frame and waits for its confirm, so the read
            # holds exactly that frame. Hand it over without copying it through the buffer.
            size = chunk[24] | chunk[25] << 8
            if size <= MAX_DATA and len(chunk) == OVERHEAD + size and chunk[-2:] == END:
                return [Candidate(bytes(chunk))]
        buf += chunk
        out: list[Candidate | Garbage] = []
        skipped = 0
        while buf:
            start = buf.find(START)
            if start < 0:
                # Keep a trailing '@': it may be the first half of the next start marker.
                keep = 1 if buf[-1:] == START[:1] else 0
                skipped += len(buf) - keep
                del buf[: len(buf) - keep]
                break
            if start:
                skipped += start
                del buf[:start]
            if len(buf) < HEADER:
                break
            size = int.from_bytes(buf[24:26], "little")
            total = OVERHEAD + size
            if size > MAX_DATA:
                skipped += 1
                del buf[:1]
                continue
            if len(buf) < total:
                # A false start with a large L would hold back real frames behind it until the
                # stream supplied L bytes: prefer any complete, valid frame already buffered.
                later = next(
                    (p for p in _starts(buf) if _complete_at(buf, p)),
                    None,
                )
                if later is None:
                    break
                skipped += later
                del buf[:later]
                continue
            if buf[total - 2 : total] != END:
                skipped += 1
                del buf[:1]
                continue
            if skipped:
                out.append(Garbage(skipped))
                skipped = 0
            out.append(Candidate(bytes(buf[:total])))
            del buf[:total]
        if skipped:
            out.append(Garbage(skipped))
        return out


def _starts(buf: bytearray) -> list[int]:
    """Positions of ``@@`` after the first byte."""
    found, at = [], buf.find(START, 1)
    while at >= 0:
        found.append(at)
        at = buf.find(START, at + 1)
    return found
