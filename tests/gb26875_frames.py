"""Frames laid out byte by byte from Table 1 of GB/T 26875.3, independently of the encoder."""

from __future__ import annotations


def hand_frame(
    *, data: bytes, command: int = 2, version: bytes = b"\x01\x01", time: bytes | None = None
) -> bytes:
    """A frame laid out byte by byte from Table 1, independently of ``encode``."""
    body = (
        b"\x34\x12"  # serial 0x1234, low byte first
        + version
        + (time or bytes((15, 30, 8, 9, 3, 26)))  # 2026-03-09 08:30:15
        + bytes((1, 2, 3, 4, 5, 6))  # source
        + bytes((10, 0, 0, 127, 0x1F, 0x90))  # destination
        + len(data).to_bytes(2, "little")
        + bytes((command,))
        + data
    )
    return b"@@" + body + bytes((sum(body) % 256,)) + b"##"


def component_state_adu(state: int) -> bytes:
    obj = (
        bytes((1, 3, 42))  # fire alarm system, address 3, photoelectric smoke detector
        + (0x0A0B0C0D).to_bytes(4, "little")
        + state.to_bytes(2, "little")
        + "三楼东侧走廊".encode("gb18030").ljust(31, b"\0")
        + bytes((10, 30, 8, 9, 3, 26))
    )
    return bytes((2, 1)) + obj
