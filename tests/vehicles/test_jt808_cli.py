"""``lanyan jt808 decode|encode``: JSON out, JSON in, one-line errors with exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lanyan.cli.main import app

runner = CliRunner()

LOCATION = {
    "revision": 2019,
    "phone": "13800138000",
    "serial": 5,
    "message": {
        "type": "location",
        "lat": -31.2,
        "lon": 121.5,
        "speed_kmh": 60.5,
        "heading": 90,
        "time": "2026-03-09T08:30:15+08:00",
        "extras": [{"id": 1, "value": 12.5}, {"id": 224, "hex": "7e7d"}],
    },
}


def test_encode_then_decode_round_trips() -> None:
    encoded = runner.invoke(app, ["jt808", "encode", json.dumps(LOCATION)])
    assert encoded.exit_code == 0, encoded.output
    (frame,) = encoded.stdout.split()
    assert frame.startswith("7e0200") and frame.endswith("7e")
    decoded = runner.invoke(app, ["jt808", "decode", frame])
    assert decoded.exit_code == 0, decoded.output
    doc = json.loads(decoded.stdout)
    assert (doc["revision"], doc["phone"], doc["serial"], doc["msg_id"]) == (
        2019,
        "13800138000",
        5,
        "0x0200",
    )
    msg = doc["message"]
    assert (msg["lat"], msg["lon"], msg["speed_kmh"], msg["heading"]) == (-31.2, 121.5, 60.5, 90)
    assert msg["status"] & 0b100  # south from the sign
    assert msg["extras"] == [
        {"id": 1, "hex": "0000007d", "name": "mileage_km", "value": 12.5},
        {"id": 224, "hex": "7e7d"},
    ]


def test_sub_packets_decode_to_one_message() -> None:
    item = {"lat": 31, "lon": 121, "time": "2026-03-09T08:30:15"}
    doc = {"phone": "1", "serial": 1, "message": {"type": "batch_location", "items": [item] * 30}}
    encoded = runner.invoke(app, ["jt808", "encode", "--max-body", "300", json.dumps(doc)])
    frames = encoded.stdout.split()
    assert len(frames) > 1
    decoded = runner.invoke(app, ["jt808", "decode", "".join(frames)])
    assert decoded.exit_code == 0, decoded.output
    assert len(json.loads(decoded.stdout)["message"]["items"]) == 30
    missing = runner.invoke(app, ["jt808", "decode", "".join(frames[1:])])
    assert missing.exit_code == 1 and "incomplete" in missing.stderr


def test_errors_are_one_line() -> None:
    bad = runner.invoke(app, ["jt808", "decode", "7e000200000138001380000001007e"])
    assert bad.exit_code == 1
    assert (
        bad.stderr.strip().startswith("error: bad_checksum:")
        and len(bad.stderr.strip().splitlines()) == 1
    )
    assert runner.invoke(app, ["jt808", "decode", "xyz"]).exit_code == 2
    assert runner.invoke(app, ["jt808", "encode", "{"]).exit_code == 2
    wrong = runner.invoke(
        app, ["jt808", "encode", json.dumps({"phone": "1", "message": {"type": "nope"}})]
    )
    assert wrong.exit_code == 1 and "message type" in wrong.stderr
    long_phone = runner.invoke(
        app, ["jt808", "encode", json.dumps({"phone": "1" * 13, "message": {"type": "heartbeat"}})]
    )
    assert long_phone.exit_code == 1 and "terminal phone" in long_phone.stderr
