"""GB/T 26875.3 codec: frames, every application data type, liberal acceptance, fuzzing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.gb26875 import (
    LAYOUTS,
    AppDataError,
    DeviceTime,
    FrameError,
    decode,
    decode_appdata,
    encode,
    encode_appdata,
    frame_from_json,
    frame_to_json,
)
from lanyan.monitoring.gb26875.appdata import DESC, I16, TEXT, TIME, U8, U16, U32

from gb26875_frames import component_state_adu, hand_frame

WHEN = datetime(2026, 3, 9, 8, 30, 15, tzinfo=CHINA_TZ)


def test_hand_built_frame_decodes_field_by_field() -> None:
    frame = decode(hand_frame(data=component_state_adu(0b11)))
    assert frame.serial == 0x1234
    assert frame.version == (1, 1)
    assert frame.timestamp.value == WHEN
    assert frame.source == bytes((1, 2, 3, 4, 5, 6))
    assert frame.source_int == 0x060504030201
    assert frame.command == 2
    assert frame.data is not None and frame.data.type == 2
    (obj,) = frame.data.objects
    assert obj["component_address"] == 0x0A0B0C0D
    assert obj["description"] == "三楼东侧走廊"
    assert obj["component_type_name"] == {
        "zh": "点型光电感烟火灾探测器",
        "en": "point photoelectric smoke detector",
    }
    assert obj["state_flags"] == ["normal", "fire_alarm"]
    assert obj["time"].value == datetime(2026, 3, 9, 8, 30, 10, tzinfo=CHINA_TZ)


def test_fire_bit_with_test_bit_clear_is_raised_and_marked() -> None:
    (obj,) = decode(hand_frame(data=component_state_adu(0b10))).data.objects  # type: ignore[union-attr]
    assert obj["fire_alarm"] is True
    assert obj["test_mode"] is True
    assert obj["state_flags"] == ["test", "fire_alarm"]


def test_liberal_acceptance_version_clock_reserved_type_handshake() -> None:
    frame = decode(hand_frame(data=bytes((200, 2, 9, 9, 9)), version=b"\x10\x00", time=bytes(6)))
    assert frame.version == (16, 0)
    assert frame.timestamp.value is None and frame.timestamp.raw == bytes(6)
    assert (
        frame.data is not None
        and not frame.data.known
        and frame.data.raw == bytes((200, 2, 9, 9, 9))
    )
    shown = frame_to_json(frame)
    assert shown["timestamp"] is None and shown["timestamp_raw"] == "000000000000"
    handshake = decode(hand_frame(data=b"\x16")).data
    assert handshake is not None and handshake.type == 22 and handshake.count is None
    assert decode(hand_frame(data=b"")).data is None


def test_clock_sync_accepts_the_reserved_byte_form() -> None:
    standard = decode_appdata(bytes((90, 1)) + DeviceTime.of(WHEN).raw)
    variant = decode_appdata(bytes((90, 1, 0)) + DeviceTime.of(WHEN).raw)
    assert standard is not None and variant is not None
    assert standard.objects[0]["time"] == variant.objects[0]["time"]


def test_analog_value_reads_table_6_resolution() -> None:
    adu = encode_appdata(
        3,
        [
            {
                "system_type": 11,
                "system_address": 1,
                "component_type": 99,
                "component_address": 7,
                "analog_type": 5,
                "raw_value": -12,
                "time": WHEN,
            }
        ],
    )
    (obj,) = decode_appdata(adu).objects  # type: ignore[union-attr]
    assert obj["value"] == -1.2 and obj["unit"] == "kPa"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda f: b"@#" + f[2:], "bad_start"),
        (lambda f: f[:-1] + b"$", "bad_end"),
        (lambda f: f[:-3] + bytes(((f[-3] + 1) % 256,)) + f[-2:], "bad_checksum"),
        (lambda f: f + b"\0", "length_mismatch"),
        (lambda f: f[:-5], "truncated"),
        (lambda f: f[:10], "truncated"),
        (lambda f: f[:24] + (1025).to_bytes(2, "little") + f[26:], "too_long"),
        (lambda f: hand_frame(data=component_state_adu(1)[:-4]), "bad_data"),
    ],
)
def test_defects_give_one_line_reasons(mutate: Any, code: str) -> None:
    with pytest.raises(FrameError) as caught:
        decode(mutate(hand_frame(data=component_state_adu(3))))
    assert caught.value.code == code
    assert "\n" not in caught.value.reason


def test_encode_refuses_what_does_not_fit() -> None:
    with pytest.raises(AppDataError, match="at most 31"):
        encode_appdata(
            7,
            [
                {
                    "system_type": 1,
                    "system_address": 1,
                    "component_type": 1,
                    "component_address": 1,
                    "description": "很长的说明" * 5,
                }
            ],
        )
    with pytest.raises(AppDataError, match="at most 1"):
        encode_appdata(21, [{"state": 1, "time": WHEN}] * 2)
    with pytest.raises(AppDataError, match="state is required"):
        encode_appdata(21, [{"time": WHEN}])


# --- every type round-trips -----------------------------------------------------------------

_KIND: dict[str, st.SearchStrategy[Any]] = {
    U8: st.integers(0, 255),
    U16: st.integers(0, 0xFFFF),
    I16: st.integers(-32768, 32767),
    U32: st.integers(0, 0xFFFFFFFF),
    DESC: st.text(st.characters(codec="gb18030", exclude_characters="\0"), max_size=7).map(
        str.strip
    ),
    TEXT: st.text(st.characters(codec="gb18030", exclude_characters="\0"), max_size=60).map(
        str.strip
    ),
    TIME: st.binary(min_size=6, max_size=6).map(DeviceTime),
}


def _objects(type_flag: int) -> st.SearchStrategy[list[dict[str, Any]]]:
    layout, most = LAYOUTS[type_flag]
    one = st.fixed_dictionaries({name: _KIND[kind] for name, kind in layout})
    return st.lists(one, min_size=1, max_size=min(most, 3))


@pytest.mark.parametrize("type_flag", sorted(LAYOUTS))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_type_round_trips(type_flag: int, data: st.DataObject) -> None:
    objects = data.draw(_objects(type_flag))
    adu = encode_appdata(type_flag, objects)
    raw = encode(serial=9, command=2, source=1, destination=2, payload=adu, timestamp=WHEN)
    frame = decode(raw)
    assert frame.data is not None and frame.data.type == type_flag
    for sent, got in zip(objects, frame.data.objects, strict=True):
        assert {k: got[k] for k in sent} == sent
    # and through the JSON contract: decode's JSON is encode's input
    assert frame_from_json(frame_to_json(frame), WHEN) == raw


# --- fuzzing: arbitrary bytes never crash or hang the parser ---------------------------------


def _check_rejection(raw: bytes) -> None:
    try:
        decode(raw)
    except FrameError as exc:
        assert exc.code and exc.reason.strip() and "\n" not in exc.reason


@settings(deadline=None)  # no timing: the machine may be loaded
@given(st.binary(max_size=1100))
def test_arbitrary_bytes_give_a_frame_or_a_reason(raw: bytes) -> None:
    _check_rejection(raw)


@settings(deadline=None)  # no timing: the machine may be loaded
@given(st.binary(max_size=1100), st.binary(min_size=25, max_size=25))
def test_arbitrary_bytes_behind_a_valid_envelope(adu: bytes, header: bytes) -> None:
    # Force the length and checksum right so the fuzzer reaches the application data parser.
    body = header[:22] + len(adu[:1024]).to_bytes(2, "little") + header[24:] + adu[:1024]
    _check_rejection(b"@@" + body + bytes((sum(body) % 256,)) + b"##")
