"""``lanyan jt808``: decode JT/T 808 frames to JSON, build them from JSON, run the gateway.

Exit codes: 0 valid; 1 the frame or message is refused (one line on stderr: ``error: <code>:
<reason>``, codes bad_escape, bad_checksum, truncated, length_mismatch, too_long, bad_field,
unknown_message, incomplete); 2 the input is not hex or not JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from lanyan.cli.common import console, err_console, friendly_errors, load_settings, sessions
from lanyan.cli.options import MetricsPort, observe
from lanyan.core.runtime import settle_heap
from lanyan.core.timeutil import local_text, utcnow
from lanyan.monitoring.gateway import event_loop_factory
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.db import unit_of_work
from lanyan.store.migrate import upgrade
from lanyan.vehicles import service
from lanyan.vehicles.gateway import Gateway
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
from lanyan.vehicles.writer import MAX_BATCH

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


@jt_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="TCP port terminals connect to")] = 6808,
    idle_timeout: Annotated[
        float, typer.Option(help="close a connection silent this long, seconds")
    ] = 600.0,
    max_batch: Annotated[
        int, typer.Option(min=1, help="group commit: most messages stored in one transaction")
    ] = MAX_BATCH,
    max_delay_ms: Annotated[
        float, typer.Option(min=0, help="group commit: longest a message waits for company, ms")
    ] = 2.0,
    metrics_port: MetricsPort = 0,
) -> None:
    """Accept JT/T 808 terminals over TCP; answer each position once it is stored."""
    settings = load_settings()
    observe(settings, metrics_port)
    upgrade(settings.resolved_database_url)
    gateway = Gateway(
        sessions(settings),
        idle_timeout=idle_timeout,
        max_batch=max_batch,
        max_delay=max_delay_ms / 1000,
    )
    settle_heap()

    async def run() -> None:
        bound = await gateway.start(host, port)
        console.print(f"JT/T 808 gateway listening on [bold]{bound[0]}:{bound[1]}[/bold]")
        await gateway.serve_forever()

    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(run())
    except KeyboardInterrupt:
        console.print(f"stopped; {gateway.stats}")


@jt_app.command("mqtt")
def mqtt(
    host: Annotated[str, typer.Option(help="MQTT broker host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="MQTT broker port")] = 1883,
    prefix: Annotated[
        str, typer.Option(help="topic prefix: {prefix}/vehicles/{phone}/position")
    ] = "lanyan/v1",
    client_id: Annotated[
        str, typer.Option(help="fixed client id: the broker keeps its session and backlog")
    ] = "lanyan-vehicle-positions",
    metrics_port: MetricsPort = 0,
) -> None:
    """Store vehicle positions published as MQTT JSON, then acknowledge each (QoS 1)."""
    from lanyan.vehicles.mqtt import PositionIngest

    settings = load_settings()
    observe(settings, metrics_port)
    upgrade(settings.resolved_database_url)
    ingest = PositionIngest(sessions(settings), prefix=prefix, client_id=client_id)
    try:
        ingest.connect(host, port)
    except OSError as exc:
        raise _fail(1, f"cannot reach the MQTT broker at {host}:{port} ({exc})") from None
    console.print(f"vehicle positions from [bold]{prefix}/vehicles/+/position[/bold]")
    try:
        ingest.serve_forever()
    except KeyboardInterrupt:
        console.print(f"stopped; {ingest.stats}")


@jt_app.command("bind")
def bind(
    phone: Annotated[str, typer.Argument(help="the terminal's phone number (终端手机号)")],
    vehicle: Annotated[str, typer.Argument(help="the registry vehicle's code")],
) -> None:
    """Bind a terminal to a vehicle (it leaves the quarantine; its next registration succeeds)."""
    settings = load_settings()
    with friendly_errors(), unit_of_work(sessions(settings)) as session:
        terminal = service.bind_terminal(session, EVERYWHERE, phone, vehicle)
        console.print(f"terminal {terminal.phone} → vehicle {vehicle}")


@jt_app.command("quarantine")
def quarantine(
    page: Annotated[int, typer.Option(min=1)] = 1,
    size: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """Terminals heard but bound to no vehicle (隔离区), latest first."""
    settings = load_settings()
    with sessions(settings)() as session:
        rows, total = service.quarantined(session, page, size)
        table = Table(
            "phone 手机号", "messages 消息", "first seen 首次", "last seen 最近", "peer 来源"
        )
        for row in rows:
            table.add_row(
                row.phone,
                str(row.messages),
                local_text(row.first_seen),
                local_text(row.last_seen),
                row.last_peer,
            )
    console.print(table)
    console.print(f"page {page}, {len(rows)} of {total}")


@jt_app.command("housekeeping")
def housekeeping() -> None:
    """Thin the track: older than 48 h, one position per terminal per 5 minutes; older than
    a year, deleted."""
    settings = load_settings()
    done = service.housekeeping(sessions(settings), utcnow())
    console.print(f"thinned {done.thinned}, expired {done.expired}")


def register(app: typer.Typer) -> None:
    app.add_typer(jt_app, name="jt808")
