"""Cutting a byte stream into GB/T 26875.3 frames: resynchronisation and bounded buffers."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.gb26875 import encode
from lanyan.monitoring.gb26875.framing import MAX_FRAME, Candidate, FrameScanner, Garbage

WHEN = datetime(2026, 3, 9, 8, 30, 15, tzinfo=CHINA_TZ)


def frame(serial: int, adu: bytes = b"\x15\x01\x01" + bytes(6)) -> bytes:
    return encode(serial=serial, command=2, source=7, destination=1, payload=adu, timestamp=WHEN)


def scan(chunks: list[bytes]) -> tuple[list[bytes], int]:
    scanner = FrameScanner()
    frames, skipped = [], 0
    for chunk in chunks:
        for item in scanner.feed(chunk):
            if isinstance(item, Candidate):
                frames.append(item.raw)
            else:
                assert isinstance(item, Garbage)
                skipped += item.size
    return frames, skipped


def test_garbage_and_false_starts_are_skipped() -> None:
    false_start = b"@@" + bytes(22) + (1000).to_bytes(2, "little") + b"\x02"  # claims 1030 bytes
    too_long = b"@@" + bytes(22) + (5000).to_bytes(2, "little") + b"\x02"
    stream = b"junk" + frame(1) + false_start + frame(2) + too_long + b"@" + frame(3)
    frames, skipped = scan([stream])
    assert frames == [frame(1), frame(2), frame(3)]
    assert skipped == len(stream) - 3 * len(frame(1))


@settings(deadline=None)  # no timing: the machine may be loaded
@given(
    serials=st.lists(st.integers(0, 0xFFFF), max_size=6),
    junk=st.lists(
        st.binary(max_size=40).map(lambda b: b.replace(b"@", b"")), min_size=7, max_size=7
    ),
    cuts=st.lists(st.integers(1, 200), max_size=30),
)
def test_any_chunking_yields_the_same_frames(
    serials: list[int], junk: list[bytes], cuts: list[int]
) -> None:
    sent = [frame(s) for s in serials]
    stream = junk[0] + b"".join(f + j for f, j in zip(sent, junk[1:], strict=False))
    chunks, at = [], 0
    for cut in cuts:
        chunks.append(stream[at : at + cut])
        at += cut
    chunks.append(stream[at:])
    frames, _ = scan(chunks)
    assert frames == sent


@settings(deadline=None)  # no timing: the machine may be loaded
@given(st.lists(st.binary(min_size=1, max_size=600), max_size=20))
def test_buffer_stays_bounded_whatever_arrives(chunks: list[bytes]) -> None:
    scanner = FrameScanner()
    for chunk in chunks:
        scanner.feed(chunk)
        assert scanner.buffered <= MAX_FRAME + len(chunk)
