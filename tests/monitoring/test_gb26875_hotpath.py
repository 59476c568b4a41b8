"""The gateway's hot path reads frames exactly as the plain decoder does, and the store's
driver-level statements keep the intake rules (stored once, health per device, quarantine)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from lanyan.monitoring.gb26875 import (
    FrameError,
    decode,
    encode,
    encode_appdata,
    frame_to_json,
    reply,
)
from lanyan.monitoring.gb26875 import tables as t
from lanyan.monitoring.hotpath import Replies, read_frame
from lanyan.monitoring.ingest import Pending, decoded_view, incoming_frame, store_events
from lanyan.monitoring.models import (
    DeviceHealth,
    MonitoringAlarm,
    MonitoringEvent,
    OutboxEvent,
    QuarantinedSender,
)
from lanyan.monitoring.simulator import build_payload
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from gb26875_frames import component_state_adu, hand_frame
from support import DAFENG, heartbeat_frame, sample, seed_region

WHEN = datetime(2026, 3, 9, 0, 30, 15, tzinfo=UTC)
UITD = bytes((1, 2, 3, 4, 5, 6))


def frames() -> list[bytes]:
    """Every simulated kind, odd clocks, reserved and user types, the handshake form."""
    rng = random.Random(7)
    out = [
        encode(
            serial=n,
            command=2,
            source=UITD,
            destination=0,
            payload=build_payload(kind, rng, WHEN),
            timestamp=WHEN,
        )
        for n, kind in enumerate(["heartbeat", "fault", "fire", "reset"] * 3)
    ]
    out += [
        hand_frame(data=component_state_adu(0b11)),
        hand_frame(data=component_state_adu(0b10), time=bytes((0, 0, 0, 31, 2, 26))),  # no date
        hand_frame(data=b""),  # confirm-like, no application data
        hand_frame(data=bytes((21,))),  # one-byte handshake
        hand_frame(data=bytes((200, 1, 9, 9))),  # user-defined type, kept raw
        hand_frame(
            data=encode_appdata(
                4,
                [
                    {
                        "system_type": 1,
                        "system_address": 1,
                        "operation": 0b100,
                        "operator": 3,
                        "time": WHEN,
                    }
                ],
            )
        ),
        hand_frame(data=b"", command=3),
        hand_frame(data=b"", command=77),
    ]
    return out


@pytest.mark.parametrize("raw", frames())
def test_read_frame_matches_the_plain_decoder(raw: bytes) -> None:
    head, item = read_frame(raw)
    frame = decode(raw)
    plain = incoming_frame(frame, raw)
    # Neither path keeps a decoded view: the stored frame's bytes are the record.
    assert item.decoded is None and plain.decoded is None
    assert item.signals == plain.signals
    for name in ("protocol", "source", "serial", "digest", "command", "type_flag"):
        assert getattr(item, name) == getattr(plain, name), name
    assert (item.device_time, item.device_time_raw, item.raw) == (
        plain.device_time,
        plain.device_time_raw,
        plain.raw,
    )
    assert (head.serial, head.version, head.source, head.destination, head.command) == (
        frame.serial,
        frame.version,
        frame.source,
        frame.destination,
        frame.command,
    )
    # Read twice (the payload cache answers): the same again.
    assert read_frame(raw)[1] == item


def _with_checksum(raw: bytearray) -> bytes:
    raw[-3] = sum(raw[2:-3]) & 0xFF
    return bytes(raw)


def defects() -> list[bytes]:
    good = hand_frame(data=component_state_adu(0b11))
    bad_sum = bytearray(good)
    bad_sum[-3] ^= 0xFF
    bad_end = bytearray(good)
    bad_end[-1] = 0
    # An object one byte short of its layout, with a correct checksum.
    short = hand_frame(data=component_state_adu(0b11)[:-1])
    long = bytearray(good)
    long[24] += 1  # L one more than sent
    return [bytes(bad_sum), bytes(bad_end), short, _with_checksum(long), good[:20], b"x" + good]


@pytest.mark.parametrize("raw", defects())
def test_defects_are_refused_with_the_decoders_reason(raw: bytes) -> None:
    with pytest.raises(FrameError) as plain:
        decode(raw)
    with pytest.raises(FrameError) as fast:
        read_frame(raw)
    assert (fast.value.code, str(fast.value)) == (plain.value.code, str(plain.value))


def test_replies_match_the_codec() -> None:
    replies = Replies()
    for raw in frames()[:4]:
        head, _item = read_frame(raw)
        frame = decode(raw)
        for command in (t.CONFIRM, t.DENY):
            for now in (WHEN, WHEN + timedelta(seconds=1, microseconds=5)):
                assert replies.reply(head, command, now) == reply(frame, command, timestamp=now)


# --- the store's driver-level statements -----------------------------------------------------


@pytest.fixture
def device(uow: Any) -> Any:
    seed_region(uow)
    with uow() as s:
        payload = sample("devices", DAFENG) | {"code": UITD.hex(), "protocol": "gb26875"}
        return service.create(s, get_type("devices"), SYSTEM, EVERYWHERE, payload)


def test_batches_store_each_frame_once_and_health_once_per_device(
    sessions: Any, device: Any
) -> None:
    stranger = bytes((9, 9, 9, 9, 9, 9))
    batch = [
        Pending(read_frame(heartbeat_frame(n, WHEN, UITD))[1], WHEN + timedelta(seconds=n), "p")
        for n in range(5)
    ]
    batch.append(Pending(batch[2].item, WHEN + timedelta(seconds=9), "p"))  # resent
    batch.append(Pending(read_frame(heartbeat_frame(1, WHEN, stranger))[1], WHEN, "q"))
    out = store_events(sessions, batch)
    assert [o.duplicate for o in out] == [False] * 5 + [True, False]
    assert out[5].event_id == out[2].event_id and out[6].quarantined
    # Later batches: retransmissions come back as duplicates of the stored events, the
    # unknown sender's retransmission is not counted again.
    again = store_events(sessions, [batch[0], batch[6], batch[4]])
    assert [(o.event_id, o.duplicate) for o in again] == [
        (out[0].event_id, True),
        (out[6].event_id, True),
        (out[4].event_id, True),
    ]
    late = Pending(read_frame(heartbeat_frame(9, WHEN, UITD))[1], WHEN + timedelta(seconds=1), "p")
    store_events(sessions, [late])  # older than the stored last heartbeat
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(MonitoringEvent)) == 7
        assert s.get(DeviceHealth, device.id).last_seen == WHEN + timedelta(seconds=4)
        assert s.scalar(select(QuarantinedSender.frames)) == 1
        event = s.scalar(select(MonitoringEvent).where(MonitoringEvent.serial == 3))
    assert event.received_at == WHEN + timedelta(seconds=3)
    # Stored as bytes only; the view is rebuilt from them exactly as the CLI decodes.
    assert event.decoded is None
    assert decoded_view(event) == frame_to_json(decode(bytes.fromhex(event.frame)))
    assert decoded_view(event)["data"]["type"] == 21 and event.device_id == device.id
    assert event.device_time == WHEN


def test_event_ids_of_a_batch_are_the_stored_rows_ids_with_or_without_retransmissions(
    sessions: Any, device: Any
) -> None:
    def pending(serial: int) -> Pending:
        return Pending(read_frame(heartbeat_frame(serial, WHEN, UITD))[1], WHEN, "p")

    def stored_ids() -> dict[int, int]:
        with sessions() as s:
            return dict(s.execute(select(MonitoringEvent.serial, MonitoringEvent.id)).all())

    first = store_events(sessions, [pending(n) for n in (1, 2, 3)])  # all new
    ids = stored_ids()
    assert [(o.event_id, o.duplicate) for o in first] == [(ids[n], False) for n in (1, 2, 3)]
    # New and old mixed: the new ones get their own rows' ids, the old their stored ids.
    mixed = store_events(sessions, [pending(n) for n in (4, 2, 5, 1, 6)])
    ids = stored_ids()
    assert [(o.event_id, o.duplicate) for o in mixed] == [
        (ids[4], False),
        (ids[2], True),
        (ids[5], False),
        (ids[1], True),
        (ids[6], False),
    ]
    assert len(ids) == 6


def test_one_frame_raising_clearing_and_raising_a_fault_keeps_both_alarms(
    sessions: Any, device: Any
) -> None:
    system = {"system_type": 1, "system_address": 1, "time": WHEN}
    raw = encode(
        serial=1,
        command=2,
        source=UITD,
        destination=0,
        payload=encode_appdata(
            1,
            [
                # A fault, the panel's reset, the fault again at the same point. (A reset
                # leaves an unhandled fire open: a fire again would only repeat it.)
                system | {"state": 0b101},
                system | {"state": 0b1 | 1 << 13},
                system | {"state": 0b101},
            ],
        ),
        timestamp=WHEN,
    )
    other = encode(
        serial=2,
        command=2,
        source=UITD,
        destination=0,
        payload=encode_appdata(1, [system | {"system_address": 2, "state": 0b11}]),
        timestamp=WHEN,
    )
    store_events(sessions, [Pending(read_frame(raw)[1], WHEN, "p")])
    store_events(sessions, [Pending(read_frame(other)[1], WHEN, "p")])
    with sessions() as s:
        rows = s.execute(
            select(MonitoringAlarm.status, MonitoringAlarm.event_id).order_by(MonitoringAlarm.id)
        ).all()
        outbox = list(s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))
        alarm_ids = list(s.scalars(select(MonitoringAlarm.id).order_by(MonitoringAlarm.id)))
    assert [r.status for r in rows] == ["cleared", "active", "active"]
    assert [e.payload["alarm_id"] for e in outbox] == alarm_ids[2:]  # the fire of ``other``


def test_sqlite_time_writes_what_the_orm_writes() -> None:
    from lanyan.core.timeutil import CHINA_TZ
    from lanyan.monitoring.models import sqlite_time

    moments = [
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2026, 11, 24, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 3, 9, 8, 0, 0, 7, tzinfo=CHINA_TZ),  # another zone: converted
        WHEN,
    ]
    for moment in moments:
        expected = moment.astimezone(UTC).isoformat(" ", "microseconds")[:26]
        assert sqlite_time(moment) == expected
    assert sqlite_time(None) is None
    with pytest.raises(ValueError, match="naive"):
        sqlite_time(datetime(2026, 1, 1))
