"""JT/T 808 framing (道路运输车辆卫星定位系统 终端通讯协议及数据格式), 2013 and 2019 editions.

A message on the wire is ``0x7e | header | body | check code | 0x7e`` (§4.4.1). Between the
flags every 0x7e is sent as 0x7d 0x02 and every 0x7d as 0x7d 0x01 (§4.4.2); the check code is
the XOR of header and body before escaping (§4.4.3).

Header (§4.4.3): message id WORD, body attributes WORD (bits 0–9 body length, 10–12
encryption, 13 sub-packet, 14 version flag — set only by the 2019 edition), then

* 2013: terminal phone BCD[6] (12 digits), serial WORD;
* 2019: protocol version BYTE, terminal phone BCD[10] (20 digits), serial WORD;

and, when bit 13 is set, the packet items: total packets WORD, this packet's number WORD
(from 1). All integers are big-endian.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

FLAG = 0x7E
ESCAPE = 0x7D
MAX_BODY = 1023  # bits 0–9 of the body attributes
# Longest frame between flags we accept: every byte of header (≤ 21), the longest body and the
# check code escaped (×2). Anything longer is noise.
MAX_ESCAPED = 2 * (21 + MAX_BODY + 1)

REV_2013 = 2013
REV_2019 = 2019

_HEAD = struct.Struct(">HH")
_H = struct.Struct(">H")
_HH = struct.Struct(">HH")


class Jt808Error(ValueError):
    """A frame or field the codec refuses: ``code`` is a stable token, ``reason`` one line."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = f"{code}: {reason}"


@dataclass(frozen=True, slots=True)
class Header:
    """A message header. ``phone`` holds the terminal's digits without leading zeros;
    ``revision`` is 2013 or 2019 (``protocol_version`` only means something in 2019).
    ``total``/``sequence`` are 0 for an unsplit message."""

    msg_id: int
    phone: str
    serial: int
    revision: int = REV_2013
    protocol_version: int = 1
    encryption: int = 0
    body_length: int = 0
    total: int = 0
    sequence: int = 0


@dataclass(frozen=True, slots=True)
class Packet:
    """One frame's header and (possibly partial) body."""

    header: Header
    body: bytes


def escape(data: bytes) -> bytes:
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    if b"\x7d" not in data:
        return data
    # 0x7d must be followed by 0x01 or 0x02; neither is 0x7d, so the counts cannot overlap.
    if data.count(b"\x7d") != data.count(b"\x7d\x01") + data.count(b"\x7d\x02"):
        at = next(
            i
            for i, b in enumerate(data)
            if b == ESCAPE and data[i + 1 : i + 2] not in (b"\x01", b"\x02")
        )
        raise Jt808Error("bad_escape", f"0x7d at byte {at} is not followed by 0x01 or 0x02")
    return data.replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")


def checksum(data: bytes) -> int:
    """XOR of every byte (folded as one integer: a few big-int steps instead of a byte loop)."""
    if not data:
        return 0
    n = int.from_bytes(data, "little")
    width = len(data)
    while width > 1:
        half = (width + 1) // 2
        n = (n >> (half * 8)) ^ (n & ((1 << (half * 8)) - 1))
        width = half
    return n


def bcd_digits(raw: bytes, what: str) -> str:
    text = raw.hex()
    if not text.isdigit():
        raise Jt808Error("bad_field", f"{what} is not BCD ({text})")
    return text


def bcd_bytes(digits: str, size: int, what: str) -> bytes:
    if not digits.isdigit() or not digits.isascii() or len(digits) > size * 2:
        raise Jt808Error("bad_field", f"{what} must be at most {size * 2} digits, got {digits!r}")
    return bytes.fromhex(digits.rjust(size * 2, "0"))


def phone_key(digits: str) -> str:
    """A terminal phone as stored and bound: its digits without leading zeros."""
    return digits.lstrip("0") or "0"


def parse(raw: bytes) -> Packet:
    """One frame (with or without its 0x7e flags) → header and body. Raises ``Jt808Error``."""
    if raw[:1] == b"\x7e":
        raw = raw[1:]
    if raw[-1:] == b"\x7e":
        raw = raw[:-1]
    if len(raw) > MAX_ESCAPED:
        raise Jt808Error("too_long", f"{len(raw)} bytes between the flags (at most {MAX_ESCAPED})")
    data = unescape(raw)
    if len(data) < 13:
        raise Jt808Error("truncated", f"{len(data)} bytes, a header and check code need 13")
    body_and_head = data[:-1]
    if checksum(body_and_head) != data[-1]:
        raise Jt808Error(
            "bad_checksum",
            f"check code 0x{data[-1]:02x}, computed 0x{checksum(body_and_head):02x}",
        )
    return parse_unescaped(body_and_head)


def parse_unescaped(data: bytes) -> Packet:
    """Header and body from unescaped bytes without the check code."""
    header, at = read_header(data)
    body = data[at:]
    if len(body) != header.body_length:
        raise Jt808Error(
            "length_mismatch",
            f"body attributes say {header.body_length} bytes, the body has {len(body)}",
        )
    return Packet(header, body)


def read_header(data: bytes) -> tuple[Header, int]:
    """The header at the start of unescaped ``data`` and where the body starts (the body's
    length is not checked: a refused frame's header is still worth answering)."""
    if len(data) < 12:
        raise Jt808Error("truncated", f"{len(data)} bytes, a header needs 12")
    msg_id, attrs = _HEAD.unpack_from(data)
    if attrs & 0x4000:
        if len(data) < 17:
            raise Jt808Error("truncated", f"{len(data)} bytes, a 2019 header needs 17")
        revision, version = REV_2019, data[4]
        phone = bcd_digits(data[5:15], "terminal phone")
        (serial,) = _H.unpack_from(data, 15)
        at = 17
    else:
        revision, version = REV_2013, 1
        phone = bcd_digits(data[4:10], "terminal phone")
        (serial,) = _H.unpack_from(data, 10)
        at = 12
    total = sequence = 0
    if attrs & 0x2000:
        if len(data) < at + 4:
            raise Jt808Error("truncated", "the packet items are missing")
        total, sequence = _HH.unpack_from(data, at)
        at += 4
        if total < 1 or not 1 <= sequence <= total:
            raise Jt808Error("bad_field", f"packet {sequence} of {total}")
    header = Header(
        msg_id,
        phone_key(phone),
        serial,
        revision,
        version,
        (attrs >> 10) & 7,
        attrs & 0x3FF,
        total,
        sequence,
    )
    return header, at


def build(header: Header, body: bytes) -> bytes:
    """One frame, flags included, from a header and a body of at most 1023 bytes."""
    if len(body) > MAX_BODY:
        raise Jt808Error(
            "too_long", f"a packet body holds at most {MAX_BODY} bytes, got {len(body)}"
        )
    if not 0 <= header.msg_id <= 0xFFFF or not 0 <= header.serial <= 0xFFFF:
        raise Jt808Error("bad_field", "message id and serial are 16-bit")
    if not 0 <= header.encryption <= 7:
        raise Jt808Error("bad_field", "encryption is 3 bits (0–7)")
    attrs = len(body) | (header.encryption << 10)
    if header.total:
        attrs |= 0x2000
    if header.revision == REV_2019:
        if not 0 <= header.protocol_version <= 0xFF:
            raise Jt808Error("bad_field", "protocol version is one byte")
        head = (
            _HEAD.pack(header.msg_id, attrs | 0x4000)
            + bytes((header.protocol_version,))
            + bcd_bytes(header.phone, 10, "terminal phone")
            + _H.pack(header.serial)
        )
    elif header.revision == REV_2013:
        head = (
            _HEAD.pack(header.msg_id, attrs)
            + bcd_bytes(header.phone, 6, "terminal phone")
            + _H.pack(header.serial)
        )
    else:
        raise Jt808Error("bad_field", f"revision must be 2013 or 2019, got {header.revision}")
    if header.total:
        if not 1 <= header.sequence <= header.total <= 0xFFFF:
            raise Jt808Error("bad_field", f"packet {header.sequence} of {header.total}")
        head += _HH.pack(header.total, header.sequence)
    data = head + body
    return b"\x7e" + escape(data + bytes((checksum(data),))) + b"\x7e"


def build_split(header: Header, body: bytes, max_body: int = MAX_BODY) -> list[bytes]:
    """Frames for a whole body: one when it fits in ``max_body``, else sub-packets with
    consecutive serials starting at ``header.serial`` (§4.4.3.3)."""
    if len(body) <= max_body:
        return [build(header, body)]
    if not 1 <= max_body <= MAX_BODY:
        raise Jt808Error("bad_field", f"max_body must be 1–{MAX_BODY}")
    chunks = [body[i : i + max_body] for i in range(0, len(body), max_body)]
    frames = []
    for n, chunk in enumerate(chunks, 1):
        part = Header(
            header.msg_id,
            header.phone,
            (header.serial + n - 1) & 0xFFFF,
            header.revision,
            header.protocol_version,
            header.encryption,
            len(chunk),
            len(chunks),
            n,
        )
        frames.append(build(part, chunk))
    return frames


@dataclass
class _Partial:
    total: int
    started: float
    parts: dict[int, bytes] = field(default_factory=dict)


class Reassembler:
    """Joins sub-packets of one message. Parts of one message share phone, message id and
    total, and their serials run on from the first packet's (serial − sequence + 1). A message
    not complete within ``timeout`` seconds is dropped; at most ``limit`` are pending."""

    def __init__(self, timeout: float = 60.0, limit: int = 256) -> None:
        self.timeout = timeout
        self.limit = limit
        self.pending: dict[tuple[str, int, int, int], _Partial] = {}
        self.expired = 0

    def add(self, packet: Packet, now: float) -> Packet | None:
        """The whole message once its last part arrived (header of the first part, total and
        sequence 0), else None."""
        head = packet.header
        if not head.total:
            return packet
        first = (head.serial - head.sequence + 1) & 0xFFFF
        key = (head.phone, head.msg_id, head.total, first)
        partial = self.pending.get(key)
        if partial is None:
            self._expire(now)
            if len(self.pending) >= self.limit:
                oldest = min(self.pending, key=lambda k: self.pending[k].started)
                del self.pending[oldest]
                self.expired += 1
            partial = self.pending[key] = _Partial(head.total, now)
        partial.parts[head.sequence] = packet.body
        if len(partial.parts) < partial.total:
            return None
        del self.pending[key]
        body = b"".join(partial.parts[i] for i in range(1, partial.total + 1))
        whole = Header(
            head.msg_id,
            head.phone,
            first,
            head.revision,
            head.protocol_version,
            head.encryption,
            len(body),
        )
        return Packet(whole, body)

    def _expire(self, now: float) -> None:
        cutoff = now - self.timeout
        for key in [k for k, p in self.pending.items() if p.started < cutoff]:
            del self.pending[key]
            self.expired += 1


class Scanner:
    """Cuts frames out of a TCP byte stream: each is the bytes between two 0x7e flags. Bytes
    before the first flag and over-long runs are counted as garbage."""

    def __init__(self) -> None:
        self.buffer = b""
        self.garbage = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        buf = self.buffer + data if self.buffer else data
        start = buf.find(b"\x7e")
        if start < 0:
            self.garbage += len(buf)
            self.buffer = b""
            return
        self.garbage += start
        while True:
            end = buf.find(b"\x7e", start + 1)
            if end < 0:
                if len(buf) - start > MAX_ESCAPED + 2:
                    self.garbage += len(buf) - start
                    self.buffer = b""
                else:
                    self.buffer = buf[start:]
                return
            if end == start + 1:
                start = end  # 0x7e 0x7e: the previous flag closed nothing; this one opens
                continue
            yield buf[start + 1 : end]
            nxt = buf.find(b"\x7e", end + 1)
            if nxt < 0:
                self.garbage += len(buf) - end - 1
                self.buffer = b""
                return
            self.garbage += nxt - end - 1
            start = nxt
