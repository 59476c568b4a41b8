"""``lanyan jt808``: decode JT/T 808 frames to JSON, build them from JSON, run the gateway.

Exit codes: 0 valid; 1 the frame or message is refused (one line on stderr: ``error: <code>:
<reason>``, codes bad_escape, bad_checksum, truncated, length_mismatch, too_long, bad_field,
unknown_message, incomplete); 2 the input is not hex or not JSON.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from lanyan.cli.common import err_console
from lanyan.core.timeutil import utcnow
from lanyan.vehicles.jt808 import (
    Jt808Error,
    Reassembler,
    Scanner,
    build_split,
    decode_body,
    encode_body,
    parse,
)
from lanyan.vehicles.jt808.jsonview import from_json, to_json

jt_app = typer.Typer(
    help="JT/T 808 道路运输车辆卫星定位终端 frames and gateway.", no_args_is_help=True
)


def _fail(code: int, line: str) -> typer.Exit:
    err_console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


@jt_app.command("decode")
def decode_cmd(
    hex_frames: Annotated[
        str,
        typer.Argument(
            metavar="HEX",
            help="one frame, or the sub-packets of one message, in hex; - reads stdin",
        ),
    ],
) -> None:
    """Decode frames (0x7e … 0x7e) and print each whole message as one JSON line."""
    text = sys.stdin.read() if hex_frames == "-" else hex_frames
    try:
        raw = bytes.fromhex("".join(text.split()))
    except ValueError:
        raise _fail(2, "input is not hexadecimal") from None
    if b"\x7e" not in raw:
        raw = b"\x7e" + raw + b"\x7e"
    scanner, joiner = Scanner(), Reassembler()
    printed = 0
    try:
        for frame in scanner.feed(raw):
            whole = joiner.add(parse(frame), 0.0)
            if whole is None:
                continue
            msg = decode_body(whole.header.msg_id, whole.body, whole.header.revision)
            sys.stdout.write(json.dumps(to_json(whole.header, msg), ensure_ascii=False) + "\n")
            printed += 1
    except Jt808Error as exc:
        raise _fail(1, exc.reason) from None
    if joiner.pending:
        raise _fail(1, "incomplete: sub-packets of a message are missing")
    if not printed:
        raise _fail(1, "truncated: no frame between 0x7e flags")


@jt_app.command("encode")
def encode_cmd(
    source: Annotated[
        str,
        typer.Argument(
            metavar="JSON", help="the message as JSON (as decode prints it); - reads stdin"
        ),
    ] = "-",
    max_body: Annotated[
        int, typer.Option(help="split bodies longer than this into sub-packets (1–1023)")
    ] = 1023,
) -> None:
    """Build a message's frame(s) from JSON; print each frame's hex on its own line."""
    text = sys.stdin.read() if source == "-" else source
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(2, f"input is not JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        header, msg = from_json(doc, utcnow())
        frames = build_split(header, encode_body(msg, header.revision), max_body)
    except Jt808Error as exc:
        raise _fail(1, exc.reason) from None
    for frame in frames:
        sys.stdout.write(frame.hex() + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(jt_app, name="jt808")
