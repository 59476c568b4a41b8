"""Fuzz the GB/T 26875.3 codec: at least 1,000,000 inputs, no crash, no hang, a clear reason.

Inputs (seeded, reproducible):

- **mutations of valid frames** of every command (1–6) and every application data type in
  the standard's Table 3, plus reserved types and the one-byte handshake: bit flips, byte
  changes, insertions, deletions, truncations, extensions, a forged length field, spliced
  frames. Half of the mutated frames get their checksum recomputed, so the mutation reaches
  the application data decoder instead of stopping at ``bad_checksum``;
- **random bytes**, bare or wrapped in ``@@`` … ``##`` with a consistent length and checksum.

Each input goes through what the gateway does with a socket's bytes: the frame scanner
(``framing.FrameScanner``), ``decode`` and, for an accepted frame, ``frame_to_json`` and
``signals_from``. A rejection must be a ``FrameError`` with a known code and a one-line
message; anything else is a crash. Each input runs under a watchdog (``--limit-ms``): one
that takes longer is a hang.

    python bench/fuzz_gb26875.py [--inputs 1000000] [--seed 26875] [--limit-ms 1000]
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import time
from datetime import datetime
from typing import Any

from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.gb26875 import LAYOUTS, FrameError, decode, encode, encode_appdata
from lanyan.monitoring.gb26875.appdata import DESC, I16, TEXT, TIME, U8, U16, U32
from lanyan.monitoring.gb26875.frame import checksum
from lanyan.monitoring.gb26875.framing import Candidate, FrameScanner, Garbage
from lanyan.monitoring.gb26875.jsonview import frame_to_json
from lanyan.monitoring.signals import signals_from

REASONS = {
    "bad_start",
    "bad_end",
    "bad_checksum",
    "length_mismatch",
    "truncated",
    "too_long",
    "bad_data",
    "bad_field",
}
WHEN = datetime(2026, 3, 9, 8, 30, 15, tzinfo=CHINA_TZ)


class Hang(Exception):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise Hang


def _value(kind: str, rng: random.Random) -> Any:
    if kind == U8:
        return rng.randrange(256)
    if kind == U16:
        return rng.randrange(1 << 16)
    if kind == I16:
        return rng.randrange(-(1 << 15), 1 << 15)
    if kind == U32:
        return rng.randrange(1 << 32)
    if kind == DESC:
        return rng.choice(["三楼东侧走廊", "二层烟感", "", "B1 泵房", "x" * 31])
    if kind == TEXT:
        return rng.choice(["", "配置 v1", "a" * 255, "消防主机 CRT"])
    if kind == TIME:
        return WHEN
    raise AssertionError(kind)


def seeds(rng: random.Random) -> list[bytes]:
    """Valid frames: every command, every known type (1–3 objects), reserved types, empty."""
    out = []
    for type_flag, (layout, most) in sorted(LAYOUTS.items()):
        for count in sorted({1, min(2, most), min(3, most)}):
            objects = [{name: _value(kind, rng) for name, kind in layout} for _ in range(count)]
            adu = encode_appdata(type_flag, objects)
            for command in (2, 5):
                out.append(frame(rng, command, adu))
    for adu in (
        b"",
        bytes((200,)),
        bytes((200, 2, 9, 9, 9)),
        bytes((127, 0)),
        bytes((90, 1, 0)) + bytes(6),
    ):
        for command in range(1, 7):
            out.append(frame(rng, command, adu))
    return out


def frame(rng: random.Random, command: int, adu: bytes) -> bytes:
    return encode(
        serial=rng.randrange(1 << 16),
        command=command,
        source=rng.randrange(1 << 48),
        destination=rng.randrange(1 << 48),
        payload=adu,
        timestamp=WHEN,
        version=(1, 1) if rng.random() < 0.8 else (rng.randrange(256), rng.randrange(256)),
    )


def fix_checksum(raw: bytearray) -> None:
    """Recompute length and checksum of something that still looks like a frame."""
    if len(raw) >= 30 and raw[:2] == b"@@":
        raw[24:26] = min(len(raw) - 30, 0xFFFF).to_bytes(2, "little")
        raw[-3] = checksum(raw[2:-3])


def mutate(raw: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    out = bytearray(raw)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 8))):
        op = rng.randrange(9)
        at = rng.randrange(len(out)) if out else 0
        if op == 0 and out:
            out[at] ^= 1 << rng.randrange(8)
        elif op == 1 and out:
            out[at] = rng.randrange(256)
        elif op == 2:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        elif op == 3 and out:
            del out[at : at + rng.randrange(1, 8)]
        elif op == 4:
            del out[rng.randrange(len(out) + 1) :]
        elif op == 5:
            out += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
        elif op == 6 and len(out) >= 26:
            out[24:26] = rng.choice((0, 1, 1024, 1025, 0xFFFF, len(out))).to_bytes(2, "little")
        elif op == 7:
            other = rng.choice(pool)
            cut = rng.randrange(len(other) + 1)
            out = out[:at] + bytearray(other[cut:])
        elif op == 8 and len(out) > 30:
            # A corrupted application data byte: what the ADU decoder must survive.
            out[rng.randrange(27, len(out) - 3)] = rng.randrange(256)
    if rng.random() < 0.5:
        fix_checksum(out)
    return bytes(out)


def random_input(rng: random.Random) -> bytes:
    size = rng.choice((rng.randrange(0, 40), rng.randrange(0, 1100)))
    body = rng.randbytes(size)
    if rng.random() < 0.5:
        return body
    # Wrapped as a frame with a consistent length and checksum: the ADU is random.
    raw = bytearray(b"@@" + rng.randbytes(25) + body[:1024] + b"\0##")
    fix_checksum(raw)
    return bytes(raw)


def check(raw: bytes, counts: dict[str, int]) -> None:
    """Run one input the gateway's way; record the outcome, raise on a crash."""
    scanner = FrameScanner()
    for item in scanner.feed(raw):
        if isinstance(item, Candidate):
            counts["scanner_frames"] += 1
        else:
            assert isinstance(item, Garbage) and item.size > 0
    assert scanner.buffered <= 1054 + len(raw)
    try:
        decoded = decode(raw)
    except FrameError as exc:
        message = str(exc)
        if exc.code not in REASONS or not message or "\n" in message:
            raise AssertionError(f"unclear rejection {exc.code!r}: {message!r}") from None
        counts[exc.code] = counts.get(exc.code, 0) + 1
        return
    frame_to_json(decoded)
    signals_from(decoded)
    counts["accepted"] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=26875)
    parser.add_argument("--limit-ms", type=float, default=1000.0, help="watchdog per input")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = seeds(rng)
    for raw in pool:  # every seed must decode
        decode(raw)
    counts: dict[str, int] = {"accepted": 0, "scanner_frames": 0}
    crashes: list[tuple[bytes, str]] = []
    hangs: list[bytes] = []
    slowest = 0.0
    signal.signal(signal.SIGALRM, _alarm)
    print(
        f"fuzz_gb26875: {args.inputs:,} inputs from {len(pool)} valid seed frames "
        f"(every command, {len(LAYOUTS)} types) and random bytes; seed {args.seed}; machine "
        "shared with other work",
        flush=True,
    )
    started = time.perf_counter()
    for n in range(1, args.inputs + 1):
        pick = rng.random()
        if pick < 0.05:
            raw = rng.choice(pool)
        elif pick < 0.8:
            raw = mutate(rng.choice(pool), rng, pool)
        else:
            raw = random_input(rng)
        t0 = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, args.limit_ms / 1000)
        try:
            check(raw, counts)
        except Hang:
            hangs.append(raw)
        except Exception as exc:  # a crash: anything but a FrameError with a reason
            crashes.append((raw, f"{type(exc).__name__}: {exc}"))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        slowest = max(slowest, time.perf_counter() - t0)
        if n % 100_000 == 0:
            elapsed = time.perf_counter() - started
            print(
                f"  {n:>9,} inputs, {n / elapsed:,.0f}/s, crashes {len(crashes)}, hangs "
                f"{len(hangs)}",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    print(
        f"done: {args.inputs:,} inputs in {elapsed:.1f} s = {args.inputs / elapsed:,.0f} inputs/s"
    )
    print(f"slowest input {slowest * 1000:.2f} ms (watchdog {args.limit_ms:.0f} ms)")
    print("outcomes:")
    for key in sorted(counts, key=lambda k: -counts[k]):
        print(f"  {key:<16} {counts[key]:>9,}")
    print(f"crashes {len(crashes)}, hangs {len(hangs)}")
    for raw, why in crashes[:10]:
        print(f"  crash: {why} on {raw.hex()}")
    for raw in hangs[:10]:
        print(f"  hang on {raw.hex()}")
    return 1 if crashes or hangs else 0


if __name__ == "__main__":
    sys.exit(main())
