"""The JT/T 808 codec, both editions: every message, escaping at the edges, sub-packets,
and bad input refused with the codec's own error only."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lanyan.core.timeutil import CHINA_TZ
from lanyan.vehicles.jt808 import (
    REV_2013,
    REV_2019,
    Authentication,
    BatchLocation,
    Header,
    Heartbeat,
    Jt808Error,
    Location,
    PlatformResponse,
    Reassembler,
    Registration,
    RegistrationResponse,
    Scanner,
    TerminalResponse,
    build,
    checksum,
    decode,
    decode_body,
    encode,
    escape,
    parse,
    unescape,
)
from lanyan.vehicles.jt808.messages import (
    EXTRA_FUEL,
    EXTRA_MILEAGE,
    EXTRA_SATELLITES,
    EXTRA_SIGNAL,
    EXTRA_SPEED,
    SOUTH,
    WEST,
    extras_from,
)

WHEN = datetime(2026, 3, 9, 8, 30, 15, tzinfo=CHINA_TZ)
PHONE = "13800138000"


def location(**kw: object) -> Location:
    base: dict[str, object] = dict(
        alarm=0,
        status=0b11,
        latitude=31_234_567,
        longitude=121_456_789,
        altitude=12,
        speed=655,
        heading=90,
        time=WHEN,
        extras=(),
    )
    return Location(**(base | kw))  # type: ignore[arg-type]


def roundtrip(msg: object, revision: int) -> tuple[Header, object]:
    (frame,) = encode(msg, phone=PHONE, serial=7, revision=revision)  # type: ignore[arg-type]
    assert frame[0] == 0x7E and frame[-1] == 0x7E and 0x7E not in frame[1:-1]
    return decode(frame)


# A 2013 heartbeat built by hand from the standard: id 0002, attributes 0000, phone BCD[6],
# serial 0001, check code = XOR of the 12 header bytes.
HEARTBEAT_2013 = (
    bytes.fromhex("7e000200000138001380000001")
    + bytes([0x02 ^ 0x01 ^ 0x38 ^ 0x13 ^ 0x80 ^ 0x01])
    + b"\x7e"
)


def test_hand_built_2013_heartbeat() -> None:
    header, msg = decode(HEARTBEAT_2013)
    assert msg == Heartbeat()
    assert (header.msg_id, header.phone, header.serial, header.revision) == (2, PHONE, 1, 2013)


def test_2019_header_has_version_flag_version_byte_and_ten_byte_phone() -> None:
    (frame,) = encode(
        Heartbeat(), phone="12345678901234567890", serial=3, revision=REV_2019, protocol_version=1
    )
    raw = unescape(frame[1:-1])
    assert raw[2:4] == bytes.fromhex("4000")  # bit 14 set, length 0
    assert raw[4] == 1
    assert raw[5:15] == bytes.fromhex("12345678901234567890")
    assert raw[15:17] == b"\x00\x03"
    header, _ = decode(frame)
    assert (header.revision, header.phone) == (2019, "12345678901234567890")
    with pytest.raises(Jt808Error, match="bad_field"):
        encode(Heartbeat(), phone="12345678901234567890", serial=3, revision=REV_2013)


@pytest.mark.parametrize("revision", [REV_2013, REV_2019])
@pytest.mark.parametrize(
    "msg",
    [
        TerminalResponse(0x7E7D, 0x8103, 0),
        PlatformResponse(65535, 0x0200, 3),
        Heartbeat(),
        Registration(44, 300, "ABCDE", "LY-9000", "T000001", 1, "粤B12345"),
        RegistrationResponse(9, 0, "AUTH-7e7d~"),
        RegistrationResponse(9, 4, ""),
        Authentication("AUTH-7e7d~", "", ""),
        location(),
        location(
            extras=extras_from(
                {
                    EXTRA_MILEAGE: 1234.5,
                    EXTRA_FUEL: 40.2,
                    EXTRA_SPEED: 61.3,
                    EXTRA_SIGNAL: 25,
                    EXTRA_SATELLITES: 12,
                }
            )
        ),
        BatchLocation(
            1,
            (location(), location(latitude=-1, longitude=-2), location(extras=((0xE1, b"\x7e"),))),
        ),
    ],
    ids=lambda m: type(m).__name__,
)
def test_every_message_round_trips(msg: object, revision: int) -> None:
    header, back = roundtrip(msg, revision)
    assert back == msg
    assert header.msg_id == msg.msg_id  # type: ignore[attr-defined]
    assert header.revision == revision


def test_2019_authentication_carries_imei_and_software_version() -> None:
    msg = Authentication("code", "860000000000001", "V2.1")
    assert roundtrip(msg, REV_2019)[1] == msg
    body = encode(msg, phone=PHONE, serial=1, revision=REV_2019)[0]
    assert unescape(body[1:-1])[17] == 4  # the code's length byte


def test_registration_field_widths_differ_by_edition() -> None:
    reg = Registration(44, 300, "ABCDE", "M", "T1", 1, "粤B1")
    b13 = unescape(encode(reg, phone=PHONE, serial=1)[0][1:-1])
    b19 = unescape(encode(reg, phone=PHONE, serial=1, revision=REV_2019)[0][1:-1])
    assert len(b13) - 12 - 1 == 4 + 5 + 20 + 7 + 1 + len("粤B1".encode("gbk"))
    assert len(b19) - 17 - 1 == 4 + 11 + 30 + 30 + 1 + len("粤B1".encode("gbk"))
    with pytest.raises(Jt808Error, match="manufacturer"):
        encode(Registration(44, 300, "ABCDEFG", "M", "T1", 1, "x"), phone=PHONE, serial=1)


def test_hemisphere_from_status_bits() -> None:
    loc = location(latitude=-33_856_000, longitude=-70_650_000)
    _h, back = roundtrip(loc, REV_2013)
    assert isinstance(back, Location)
    assert back.status & SOUTH and back.status & WEST
    assert (back.lat, back.lon) == (-33.856, -70.65)
    # Raw body: latitude stored unsigned, the sign only in bit 2 / bit 3.
    raw = unescape(encode(loc, phone=PHONE, serial=1)[0][1:-1])[12:]
    assert int.from_bytes(raw[8:12], "big") == 33_856_000
    body = bytearray(raw[:-1])
    body[7] &= ~(SOUTH | WEST)  # clear the bits: now north and east
    north = decode_body(0x0200, bytes(body))
    assert isinstance(north, Location) and north.lat == 33.856 and north.lon == 70.65


def test_additional_items_known_and_unknown() -> None:
    extras = extras_from(
        {EXTRA_MILEAGE: 1234.5, EXTRA_FUEL: 40.2, EXTRA_SIGNAL: 25, EXTRA_SATELLITES: 12}
    )
    loc = location(extras=(*extras, (0xEE, b"\x01\x02\x03"), (EXTRA_SPEED, b"\x01")))
    _h, back = roundtrip(loc, REV_2013)
    assert isinstance(back, Location)
    assert back.extra(EXTRA_MILEAGE) == 1234.5
    assert back.extra(EXTRA_FUEL) == 40.2
    assert back.extra(EXTRA_SIGNAL) == 25
    assert back.extra(EXTRA_SATELLITES) == 12
    assert (0xEE, b"\x01\x02\x03") in back.extras  # unknown id kept raw
    assert back.extra(EXTRA_SPEED) is None  # known id with a wrong length: kept, not read


def test_escaping_rules() -> None:
    assert escape(b"\x7e") == b"\x7d\x02"
    assert escape(b"\x7d") == b"\x7d\x01"
    assert escape(b"\x7d\x02") == b"\x7d\x01\x02"
    assert unescape(b"\x7d\x01\x02") == b"\x7d\x02"
    assert unescape(b"\x30\x7d\x02\x7d\x01") == b"\x30\x7e\x7d"
    for bad in (b"\x7d", b"\x7d\x03", b"\x00\x7d\x7d\x02"):
        with pytest.raises(Jt808Error, match="bad_escape"):
            unescape(bad)


def _frame_with_check(target: int) -> bytes | None:
    """A heartbeat whose check code is ``target`` (by choosing the serial's low byte)."""
    for serial in range(256):
        (frame,) = encode(Heartbeat(), phone=PHONE, serial=serial)
        if checksum(unescape(frame[1:-1])[:-1]) == target:
            return frame
    return None


@pytest.mark.parametrize("target", [0x7E, 0x7D])
def test_escaped_check_code(target: int) -> None:
    frame = _frame_with_check(target)
    assert frame is not None
    assert frame.endswith(b"\x7d" + (b"\x02" if target == 0x7E else b"\x01") + b"\x7e")
    assert decode(frame)[1] == Heartbeat()


def test_escaped_first_and_last_bytes() -> None:
    # First byte after the flag is the message id's high byte: 0x7e/0x7d are unknown ids but
    # the frame still parses; last body byte 0x7e via an unknown additional item.
    frame = build(Header(0x7E7D, PHONE, 0x7E7E), b"")
    packet = parse(frame)
    assert (
        frame[1:3] == b"\x7d\x02"
        and packet.header.msg_id == 0x7E7D
        and packet.header.serial == 0x7E7E
    )
    loc = location(extras=((0xE0, b"\x7d\x7e"),))
    (frame,) = encode(loc, phone=PHONE, serial=1)
    assert decode(frame)[1] == loc
    with pytest.raises(Jt808Error, match="unknown_message"):
        decode_body(0x7E7D, b"")


@pytest.mark.parametrize("revision", [REV_2013, REV_2019])
def test_sub_packets_reassemble_in_any_order(revision: int) -> None:
    batch = BatchLocation(0, tuple(location(heading=i) for i in range(60)))
    frames = encode(batch, phone=PHONE, serial=65534, revision=revision, max_body=200)
    assert len(frames) > 5
    packets = [parse(f) for f in frames]
    assert [p.header.sequence for p in packets] == list(range(1, len(frames) + 1))
    assert {p.header.total for p in packets} == {len(frames)}
    assert [p.header.serial for p in packets][:3] == [65534, 65535, 0]  # serials run on, wrap
    with pytest.raises(Jt808Error, match="split"):
        decode(frames[0])
    joiner = Reassembler()
    order = packets[::-1]
    results = [joiner.add(p, 0.0) for p in order]
    assert results[:-1] == [None] * (len(order) - 1)
    whole = results[-1]
    assert whole is not None and whole.header.serial == 65534 and whole.header.total == 0
    assert decode_body(whole.header.msg_id, whole.body, revision) == batch
    assert not joiner.pending


def test_incomplete_sub_packets_expire() -> None:
    frames = encode(BatchLocation(0, (location(),) * 10), phone=PHONE, serial=1, max_body=100)
    joiner = Reassembler(timeout=10)
    assert joiner.add(parse(frames[0]), 0.0) is None
    other = encode(BatchLocation(0, (location(),) * 10), phone="1", serial=1, max_body=100)
    joiner.add(parse(other[0]), 11.0)
    assert joiner.expired == 1 and len(joiner.pending) == 1


def test_scanner_cuts_frames_across_chunks_and_counts_garbage() -> None:
    frames = [encode(Heartbeat(), phone=PHONE, serial=i)[0] for i in range(3)]
    stream = b"junk" + b"".join(frames)
    scanner = Scanner()
    out = []
    for i in range(0, len(stream), 5):
        out += list(scanner.feed(stream[i : i + 5]))
    assert [b"\x7e" + f + b"\x7e" for f in out] == frames
    assert scanner.garbage == 4


def _forged_length(length: int) -> bytes:
    """A heartbeat whose body attributes claim ``length`` bytes, with a valid check code."""
    data = bytearray(unescape(build(Header(0x0002, PHONE, 1), b"")[1:-1])[:-1])
    data[2:4] = length.to_bytes(2, "big")
    return b"\x7e" + escape(bytes(data) + bytes([checksum(bytes(data))])) + b"\x7e"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (HEARTBEAT_2013[:-2] + bytes([HEARTBEAT_2013[-2] ^ 1]) + b"\x7e", "bad_checksum"),
        (HEARTBEAT_2013[:5] + b"\x7e", "truncated"),
        (b"\x7e\x7d\x03" + HEARTBEAT_2013[1:], "bad_escape"),
        (build(Header(0x0200, PHONE, 1), b"\x00" * 10), "truncated"),
        (build(Header(0x0001, PHONE, 1), b"\x00" * 6), "length_mismatch"),
        (build(Header(0x1234, PHONE, 1), b""), "unknown_message"),
        (_forged_length(5), "length_mismatch"),
        (b"\x7e" + b"\x00" * 3000 + b"\x7e", "too_long"),
    ],
    ids=[
        "checksum",
        "short",
        "escape",
        "short_location",
        "long_response",
        "unknown",
        "length",
        "long",
    ],
)
def test_bad_frames_name_their_rule(frame: bytes, code: str) -> None:
    with pytest.raises(Jt808Error) as info:
        decode(frame)
    assert info.value.code == code
    assert "\n" not in info.value.reason


def test_bad_time_and_bcd_refused() -> None:
    body = bytearray(unescape(encode(location(), phone=PHONE, serial=1)[0][1:-1])[12:-1])
    body[23] = 0x13  # month 13
    with pytest.raises(Jt808Error, match="time"):
        decode_body(0x0200, bytes(body))
    body[23] = 0x1A  # not BCD
    with pytest.raises(Jt808Error, match="BCD"):
        decode_body(0x0200, bytes(body))


# --- hypothesis -------------------------------------------------------------------------

times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=CHINA_TZ)
)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
gbk_text = st.text(st.characters(codec="gbk", exclude_characters="\x00"), max_size=2)  # ≤ 4 bytes
locations = st.builds(
    Location,
    alarm=u32,
    status=u32,
    latitude=st.integers(-90_000_000, 90_000_000),
    longitude=st.integers(-180_000_000, 180_000_000),
    altitude=u16,
    speed=u16,
    heading=u16,
    time=times,
    extras=st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=8)), max_size=4).map(tuple),
)
messages = st.one_of(
    st.builds(TerminalResponse, u16, u16, st.integers(0, 255)),
    st.builds(PlatformResponse, u16, u16, st.integers(0, 255)),
    st.just(Heartbeat()),
    st.builds(
        Registration,
        u16,
        u16,
        gbk_text,
        gbk_text,
        gbk_text,
        st.integers(0, 255),
        st.text(st.characters(codec="gbk"), max_size=8),
    ),
    st.builds(
        RegistrationResponse,
        u16,
        st.integers(0, 255),
        st.text(st.characters(codec="gbk"), max_size=20),
    ),
    st.builds(Authentication, st.text(st.characters(codec="gbk"), max_size=20)),
    locations,
    st.builds(BatchLocation, st.integers(0, 1), st.lists(locations, max_size=12).map(tuple)),
)
phones = st.from_regex(r"[1-9][0-9]{0,11}", fullmatch=True)


@settings(deadline=None, max_examples=150)
@given(messages, phones, u16, st.sampled_from([REV_2013, REV_2019]), st.integers(20, 1023))
def test_hypothesis_round_trip(
    msg: object, phone: str, serial: int, revision: int, max_body: int
) -> None:
    frames = encode(msg, phone=phone, serial=serial, revision=revision, max_body=max_body)  # type: ignore[arg-type]
    scanner, joiner = Scanner(), Reassembler()
    wholes = [joiner.add(parse(f), 0.0) for f in scanner.feed(b"".join(frames))]
    assert wholes[:-1] == [None] * (len(frames) - 1)
    whole = wholes[-1]
    assert whole is not None
    assert (whole.header.phone, whole.header.serial, whole.header.revision) == (
        phone,
        serial,
        revision,
    )
    assert decode_body(whole.header.msg_id, whole.body, revision) == msg


@settings(deadline=None, max_examples=150)
@given(st.binary(max_size=300))
def test_hypothesis_garbage_only_raises_codec_error(data: bytes) -> None:
    for candidate in (data, b"\x7e" + data + b"\x7e"):
        try:
            packet = parse(candidate)
            decode_body(packet.header.msg_id, packet.body, packet.header.revision)
        except Jt808Error as exc:
            assert exc.code and "\n" not in exc.reason


@settings(deadline=None, max_examples=150)
@given(messages, st.sampled_from([REV_2013, REV_2019]), st.data())
def test_hypothesis_truncated_or_flipped_only_raises_codec_error(
    msg: object, revision: int, data: st.DataObject
) -> None:
    (frame, *_rest) = encode(msg, phone=PHONE, serial=1, revision=revision)  # type: ignore[arg-type]
    raw = unescape(frame[1:-1])[:-1]
    cut = data.draw(st.integers(0, len(raw)))
    flip = data.draw(st.integers(0, max(0, len(raw) - 1)))
    mutated = bytearray(raw[:cut])
    if mutated and data.draw(st.booleans()):
        mutated[flip % len(mutated)] ^= data.draw(st.integers(1, 255))
    body = bytes(mutated)
    candidate = b"\x7e" + escape(body + bytes([checksum(body)])) + b"\x7e"  # valid check code
    try:
        packet = parse(candidate)
        if not packet.header.total:
            decode_body(packet.header.msg_id, packet.body, packet.header.revision)
    except Jt808Error as exc:
        assert exc.code in {
            "bad_escape",
            "bad_checksum",
            "truncated",
            "length_mismatch",
            "too_long",
            "bad_field",
            "unknown_message",
        }
