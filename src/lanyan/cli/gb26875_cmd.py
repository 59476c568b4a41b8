"""``lanyan gb26875``: decode a GB/T 26875.3 frame to JSON, or build one from JSON.

Exit codes: 0 a valid frame; 1 the frame is rejected (one line on stderr: ``error: <code>:
<reason>``, codes bad_start, bad_end, bad_checksum, length_mismatch, truncated, too_long,
bad_data, bad_field); 2 the input is not hex or not JSON.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from lanyan.cli.common import err_console
from lanyan.core.timeutil import utcnow
from lanyan.monitoring.gb26875 import FrameError, decode, frame_from_json, frame_to_json

gb_app = typer.Typer(help="GB/T 26875.3 报警传输网络通信协议 frames.", no_args_is_help=True)


def _fail(code: int, line: str) -> typer.Exit:
    err_console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


@gb_app.command("decode")
def decode_cmd(
    hex_frame: Annotated[
        str, typer.Argument(metavar="HEX", help="the frame in hex; - reads stdin")
    ],
) -> None:
    """Decode one frame and print it as one JSON object."""
    text = sys.stdin.read() if hex_frame == "-" else hex_frame
    try:
        raw = bytes.fromhex("".join(text.split()))
    except ValueError:
        raise _fail(2, "input is not hexadecimal") from None
    try:
        frame = decode(raw)
    except FrameError as exc:
        raise _fail(1, exc.reason) from None
    sys.stdout.write(json.dumps(frame_to_json(frame), ensure_ascii=False) + "\n")


@gb_app.command("encode")
def encode_cmd(
    source: Annotated[
        str,
        typer.Argument(
            metavar="JSON", help="the frame as JSON (as decode prints it); - reads stdin"
        ),
    ] = "-",
) -> None:
    """Build one frame from JSON and print its hex. Missing times are the current time."""
    text = sys.stdin.read() if source == "-" else source
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(2, f"input is not JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        raw = frame_from_json(doc, utcnow())
    except FrameError as exc:
        raise _fail(1, exc.reason) from None
    sys.stdout.write(raw.hex() + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(gb_app, name="gb26875")
