"""``lanyan gb26875 decode|encode``: the JSON contract the acceptance checks read."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lanyan.cli.main import app

from gb26875_frames import component_state_adu, hand_frame

runner = CliRunner()


def test_decode_prints_the_contract_fields() -> None:
    result = runner.invoke(
        app, ["gb26875", "decode", hand_frame(data=component_state_adu(2)).hex()]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["serial"] == 0x1234
    assert doc["version"] == [1, 1]
    assert doc["timestamp"] == "2026-03-09T08:30:15+08:00"
    assert doc["source"] == "010203040506" and doc["source_int"] == 0x060504030201
    assert doc["destination"] == "0a00007f1f90"
    assert doc["command"] == 2 and doc["command_name"] == "send data"
    assert doc["checksum_ok"] is True
    data = doc["data"]
    assert data["type"] == 2 and data["type_name"] == "upload component running state"
    (obj,) = data["objects"]
    assert {k: obj[k] for k in ("system_type", "system_address", "component_type", "state")} == {
        "system_type": 1,
        "system_address": 3,
        "component_type": 42,
        "state": 2,
    }
    assert obj["component_address"] == 0x0A0B0C0D
    assert obj["state_flags"] == ["test", "fire_alarm"]
    assert obj["description"] == "三楼东侧走廊"
    assert obj["time"] == "2026-03-09T08:30:10+08:00"


@pytest.mark.parametrize(
    ("hex_text", "code"),
    [
        ("4023" + hand_frame(data=b"").hex()[4:], "bad_start"),
        (hand_frame(data=b"").hex()[:-4] + "2324", "bad_end"),
        (hand_frame(data=b"").hex()[:-6] + "002323", "bad_checksum"),
        (hand_frame(data=b"").hex() + "00", "length_mismatch"),
        (hand_frame(data=b"").hex()[:40], "truncated"),
    ],
)
def test_decode_rejects_with_one_line_and_non_zero_exit(hex_text: str, code: str) -> None:
    result = runner.invoke(app, ["gb26875", "decode", hex_text])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {code}:")


def test_not_hex_and_not_json_exit_2() -> None:
    assert runner.invoke(app, ["gb26875", "decode", "xyz"]).exit_code == 2
    assert runner.invoke(app, ["gb26875", "encode", "{"]).exit_code == 2


def test_encode_from_json_then_decode() -> None:
    doc = {
        "serial": 513,
        "command": 2,
        "timestamp": "2026-03-09T08:30:15+08:00",
        "source": "010203040506",
        "destination_int": 7,
        "data": {
            "type": 1,
            "objects": [{"system_type": 1, "system_address": 2, "state_flags": ["fire_alarm"]}],
        },
    }
    built = runner.invoke(app, ["gb26875", "encode", json.dumps(doc)])
    assert built.exit_code == 0, built.output
    back = json.loads(runner.invoke(app, ["gb26875", "decode", built.stdout.strip()]).stdout)
    assert back["serial"] == 513 and back["destination_int"] == 7
    (obj,) = back["data"]["objects"]
    assert obj["state"] == 2 and obj["fire_alarm"] and obj["time"] == doc["timestamp"]


def test_encode_names_the_bad_field() -> None:
    doc = {"command": 2, "data": {"type": 21, "objects": [{"state_flags": ["burning"]}]}}
    result = runner.invoke(app, ["gb26875", "encode", json.dumps(doc)])
    assert result.exit_code == 1
    assert "unknown state or operation flag 'burning'" in result.stderr
