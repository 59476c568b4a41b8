"""GB/T 26875.3 type 91 (查岗命令) and the 查岗应答 record, in the codec and the CLI: the
standard form (图46: count 1 + the answer time in minutes) and the reserved form some
implementations send (count 1 + 0, reference §13 D8) both round-trip; the platform sends the
standard form. No database."""

from __future__ import annotations

import json
from datetime import datetime

from typer.testing import CliRunner

from lanyan.cli.main import app
from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.choices import SignalKind
from lanyan.monitoring.gb26875 import decode, decode_appdata, encode, encode_appdata
from lanyan.monitoring.signals import signals_from_data

from gb26875_frames import hand_frame

WHEN = datetime(2026, 3, 9, 8, 30, 15, tzinfo=CHINA_TZ)
runner = CliRunner()


def test_type_91_standard_form_round_trips() -> None:
    adu = encode_appdata(91, [{"timeout_minutes": 5}])
    assert adu == bytes((91, 1, 5))
    data = decode_appdata(adu)
    assert data is not None and data.type == 91 and data.count == 1
    assert data.objects == [{"timeout_minutes": 5, "form": "standard"}]
    assert encode_appdata(91, data.objects) == adu


def test_type_91_reserved_form_is_read_and_round_trips() -> None:
    adu = bytes((91, 1, 0))  # count 1 + a reserved 0 (reference §13 D8)
    data = decode_appdata(adu)
    assert data is not None and data.objects == [{"timeout_minutes": 0, "form": "reserved"}]
    assert encode_appdata(91, [{"reserved": 0}]) == adu
    assert encode_appdata(91, data.objects) == adu


def test_type_90_both_forms_are_read() -> None:
    standard = encode_appdata(90, [{"time": WHEN}])
    reserved = standard[:2] + b"\0" + standard[2:]  # a reserved byte before the time (D8)
    read_standard, read_reserved = decode_appdata(standard), decode_appdata(reserved)
    assert read_standard is not None and read_reserved is not None
    assert read_reserved.objects == read_standard.objects
    assert encode_appdata(90, read_reserved.objects) == standard  # sent in the standard form


def test_a_control_frame_carrying_91_and_the_uitd_answer() -> None:
    raw = encode(
        serial=7,
        command=1,
        source=0,
        destination=bytes.fromhex("01002a000000"),
        payload=encode_appdata(91, [{"timeout_minutes": 10}]),
        timestamp=WHEN,
    )
    frame = decode(raw)
    assert frame.command == 1 and frame.data is not None and frame.data.type == 91
    answer = encode_appdata(
        24, [{"operation_flags": ["duty_check_answer"], "operator": 1, "time": WHEN}]
    )
    assert answer[2] == 1 << 5  # bit 5 查岗应答 (图14)
    kinds = [s.kind for s in signals_from_data(decode_appdata(answer))]
    assert kinds == [SignalKind.HEARTBEAT, SignalKind.DUTY_ANSWER]
    # The same bit in a facility record (type 4) is not a duty answer.
    other = encode_appdata(
        4,
        [{"system_type": 1, "system_address": 1, "operation": 1 << 5, "operator": 1, "time": WHEN}],
    )
    assert SignalKind.DUTY_ANSWER not in [s.kind for s in signals_from_data(decode_appdata(other))]


def test_the_cli_decodes_and_encodes_both_forms() -> None:
    for body, form in ((bytes((91, 1, 5)), "standard"), (bytes((91, 1, 0)), "reserved")):
        raw = hand_frame(data=body, command=1)
        out = runner.invoke(app, ["gb26875", "decode", raw.hex()])
        assert out.exit_code == 0, out.output
        doc = json.loads(out.stdout)
        assert doc["command"] == 1 and doc["data"]["type"] == 91
        assert doc["data"]["objects"][0]["form"] == form
        again = runner.invoke(app, ["gb26875", "encode", out.stdout])
        assert again.exit_code == 0, again.output
        assert again.stdout.strip() == raw.hex()
