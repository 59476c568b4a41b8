"""A JT/T 808 codec (2013 and 2019 editions), pure: bytes in, messages out and back.

``decode(frame)`` → (header, message) for an unsplit frame; split messages go through
``frame.parse`` and a ``frame.Reassembler`` first, then ``messages.decode_body``.
``encode(message, phone=…, serial=…)`` → the frames (more than one when the body is split).
"""

from __future__ import annotations

from lanyan.vehicles.jt808.frame import (
    MAX_BODY,
    REV_2013,
    REV_2019,
    Header,
    Jt808Error,
    Packet,
    Reassembler,
    Scanner,
    build,
    build_split,
    checksum,
    escape,
    parse,
    unescape,
)
from lanyan.vehicles.jt808.messages import (
    Authentication,
    BatchLocation,
    Heartbeat,
    Location,
    Message,
    PlatformResponse,
    Registration,
    RegistrationResponse,
    TerminalResponse,
    decode_body,
    encode_body,
)


def decode(raw: bytes) -> tuple[Header, Message]:
    """One unsplit frame → its header and message. A sub-packet is refused here
    (``split``): reassemble those with ``Reassembler``."""
    packet = parse(raw)
    if packet.header.total:
        raise Jt808Error(
            "split",
            f"packet {packet.header.sequence} of {packet.header.total}: reassemble sub-packets first",
        )
    return packet.header, decode_body(packet.header.msg_id, packet.body, packet.header.revision)


def encode(
    message: Message,
    *,
    phone: str,
    serial: int,
    revision: int = REV_2013,
    protocol_version: int = 1,
    max_body: int = MAX_BODY,
) -> list[bytes]:
    """The frames of ``message``: one, or sub-packets with consecutive serials."""
    body = encode_body(message, revision)
    header = Header(message.msg_id, phone, serial, revision, protocol_version)
    return build_split(header, body, max_body)


__all__ = [
    "MAX_BODY",
    "REV_2013",
    "REV_2019",
    "Authentication",
    "BatchLocation",
    "Header",
    "Heartbeat",
    "Jt808Error",
    "Location",
    "Message",
    "Packet",
    "PlatformResponse",
    "Reassembler",
    "Registration",
    "RegistrationResponse",
    "Scanner",
    "TerminalResponse",
    "build",
    "build_split",
    "checksum",
    "decode",
    "decode_body",
    "encode",
    "encode_body",
    "escape",
    "parse",
    "unescape",
]
