"""Alarm pipeline basics: frames → signals → alarm records tied to unit and building; health."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from lanyan.core.errors import LanyanError
from lanyan.core.timeutil import CHINA_TZ, to_local
from lanyan.monitoring.alarms import HEALTH_REFRESH, sweep_offline
from lanyan.monitoring.choices import SignalKind
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.handling import (
    confirm_alarm,
    escalate_unhandled,
    key_unit_connection_rate,
    mark_false_alarm,
    unit_figures,
)
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.monitoring.ingest import (
    GB26875,
    DeviceCache,
    Pending,
    accept_sender,
    incoming_frame,
    store_events,
    store_frame,
)
from lanyan.monitoring.models import (
    DeviceHealth,
    HeartbeatDay,
    MonitoringAlarm,
    MonitoringEvent,
    OutboxEvent,
    QuarantinedSender,
)
from lanyan.monitoring.retention import RunningStatePruner, prune_running_state
from lanyan.monitoring.signals import signals_from
from lanyan.monitoring.views import detail_text
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE, Scope
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry
from lanyan.store.db import make_session_factory, unit_of_work

from support import sample, seed_region

T0 = datetime(2026, 3, 9, 8, 0, tzinfo=CHINA_TZ)
UITD = bytes.fromhex("112233445566")
STRANGER = bytes.fromhex("665544332211")
COUNTY = "320904"


def component(state: int, address: int = 5, description: str = "二层东侧烟感") -> dict[str, Any]:
    return {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": address,
        "state": state,
        "description": description,
        "time": T0,
    }


def frame(
    serial: int, type_flag: int, objects: list[dict[str, Any]], source: bytes = UITD
) -> bytes:
    return encode(
        serial=serial,
        command=2,
        source=source,
        destination=0,
        payload=encode_appdata(type_flag, [{"time": T0} | o for o in objects]),
        timestamp=T0,
    )


# --- signals (plain Python) ----------------------------------------------------------------


def test_fire_with_test_bit_clear_is_raised_and_marked() -> None:
    kinds = [(s.kind, s.test_mode) for s in signals_from(decode(frame(1, 2, [component(0b10)])))]
    assert kinds == [(SignalKind.HEARTBEAT, False), (SignalKind.FIRE, True)]


def test_faults_operations_and_uitd_state() -> None:
    signals = signals_from(decode(frame(1, 2, [component(0b1_0000_0101)])))
    (fault,) = [s for s in signals if s.kind is SignalKind.FAULT]
    assert fault.detail == "fault,power_fault" and not fault.test_mode
    ops = frame(2, 4, [{"system_type": 1, "system_address": 1, "operation": 0b101, "operator": 3}])
    assert {s.kind for s in signals_from(decode(ops))} == {
        SignalKind.HEARTBEAT,
        SignalKind.RESET,
        SignalKind.FIRE,
    }
    uitd = signals_from(decode(frame(3, 21, [{"state": 0b1}])))
    assert [s.kind for s in uitd] == [SignalKind.HEARTBEAT]


# --- through the store ---------------------------------------------------------------------


@pytest.fixture
def device(uow: Any) -> Any:
    seed_region(uow)
    with uow() as s:
        unit = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", COUNTY))
        building = service.create(
            s,
            get_type("buildings"),
            SYSTEM,
            EVERYWHERE,
            sample("buildings", COUNTY) | {"unit_code": unit.code},
        )
        payload = sample("devices", COUNTY) | {
            "code": UITD.hex(),
            "unit_code": unit.code,
            "building_code": building.code,
        }
        return service.create(s, get_type("devices"), SYSTEM, EVERYWHERE, payload)


def ingest(sessions: Any, raw: bytes, at: datetime) -> None:
    store_frame(sessions, decode(raw), raw, at, "test")


def alarms(sessions: Any) -> list[MonitoringAlarm]:
    with sessions() as s:
        return list(s.scalars(select(MonitoringAlarm).order_by(MonitoringAlarm.id)))


def test_fire_alarm_is_tied_to_unit_and_building_then_reset(sessions: Any, device: Any) -> None:
    ingest(sessions, frame(1, 2, [component(0b10)]), T0)
    ingest(sessions, frame(2, 2, [component(0b11)]), T0 + timedelta(seconds=5))  # repeat
    (alarm,) = alarms(sessions)
    assert (alarm.kind, alarm.status, alarm.repeats) == ("fire", "active", 2)
    assert (alarm.unit_id, alarm.building_id) == (device.unit_id, device.building_id)
    assert alarm.location == "二层东侧烟感" and alarm.test_mode and not alarm.unverified
    reset = frame(3, 1, [{"system_type": 1, "system_address": 1, "state": 1 | 1 << 13}])
    ingest(sessions, reset, T0 + timedelta(minutes=1))
    # The reset is recorded; the unhandled fire stays open for an operator (issue #14).
    (alarm,) = alarms(sessions)
    assert alarm.status == "active" and alarm.cleared_at is None
    assert alarm.reset_at == T0 + timedelta(minutes=1)


def test_offline_after_missed_heartbeats_and_back_online(sessions: Any, device: Any) -> None:
    period = timedelta(minutes=1)
    ingest(sessions, frame(1, 21, [{"state": 1}]), T0)
    with sessions.begin() as s:
        assert sweep_offline(s, T0 + 2 * period, period) == []
    with sessions.begin() as s:
        (offline,) = sweep_offline(s, T0 + 4 * period, period)
        assert offline.unit_id == device.unit_id
        # One stored form, worded per language (the alarm desk shows one of them).
        assert detail_text(offline.detail) == (
            f"最后心跳 {T0:%Y-%m-%d %H:%M:%S}",
            f"last heartbeat {T0:%Y-%m-%d %H:%M:%S}",
        )
    with sessions.begin() as s:
        assert sweep_offline(s, T0 + 9 * period, period) == []  # one alarm, not one per sweep
        assert s.get(DeviceHealth, device.id).online is False
    ingest(sessions, frame(2, 21, [{"state": 1}]), T0 + 10 * period)
    with sessions() as s:
        assert s.get(DeviceHealth, device.id).online is True
    (alarm,) = alarms(sessions)
    assert (alarm.kind, alarm.status) == ("offline", "cleared")


def test_health_of_a_device_in_a_burst_is_written_once_per_refresh(
    sessions: Any, device: Any
) -> None:
    def last_seen() -> datetime:
        with sessions() as s:
            return s.get(DeviceHealth, device.id).last_seen

    ingest(sessions, frame(1, 21, [{"state": 1}]), T0)
    assert last_seen() == T0
    # Heard again within HEALTH_REFRESH: the row is left as written (every frame is stored).
    ingest(sessions, frame(2, 21, [{"state": 1}]), T0 + HEALTH_REFRESH / 2)
    assert last_seen() == T0
    ingest(sessions, frame(3, 21, [{"state": 1}]), T0 + HEALTH_REFRESH + timedelta(seconds=1))
    assert last_seen() == T0 + HEALTH_REFRESH + timedelta(seconds=1)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(MonitoringEvent)) == 3
    # Marked offline (by hand here, as the sweep would): the next heartbeat, however soon
    # after the last written one, brings it back online.
    with sessions.begin() as s:
        s.get(DeviceHealth, device.id).online = False
    ingest(sessions, frame(4, 21, [{"state": 1}]), T0 + HEALTH_REFRESH + timedelta(seconds=2))
    with sessions() as s:
        health = s.get(DeviceHealth, device.id)
        assert health.online is True
        assert health.last_seen == T0 + HEALTH_REFRESH + timedelta(seconds=2)


def test_device_cache_sees_registry_edits_after_its_ttl_and_never_hides_new_senders(
    sessions: Any, uow: Any, device: Any
) -> None:
    now = [0.0]
    cache = DeviceCache(ttl=5.0, clock=lambda: now[0])

    def store(serial: int, source: bytes = UITD) -> None:
        raw = frame(serial, 2, [component(0b11, address=serial)], source=source)
        item = incoming_frame(decode(raw), raw)
        store_events(sessions, [Pending(item, T0, "test")], devices=cache)

    def building_of_alarm(serial: int) -> int | None:
        with sessions() as s:
            return s.scalar(
                select(MonitoringAlarm.building_id).where(
                    MonitoringAlarm.point.endswith(f"@{serial}")
                )
            )

    store(1)
    assert building_of_alarm(1) == device.building_id
    with uow() as s:
        other = service.create(
            s, get_type("buildings"), SYSTEM, EVERYWHERE, sample("buildings", COUNTY, 2)
        )
        s.get(type(device), device.id).building_id = other.id
    store(2)  # within the TTL: the cached place
    assert building_of_alarm(2) == device.building_id
    now[0] = 5.0
    store(3)  # looked up again
    assert building_of_alarm(3) == other.id
    # An unknown sender is not cached as unknown: accepted, it is recognised at once.
    store(4, source=STRANGER)
    with uow() as s:
        accept_sender(s, SYSTEM, GB26875, STRANGER.hex(), device.code)
    store(5, source=STRANGER)
    with sessions() as s:
        alarm = s.scalar(select(MonitoringAlarm).where(MonitoringAlarm.point.endswith("@5")))
    assert not alarm.unverified and alarm.device_id == device.id


def test_running_state_frames_past_retention_are_folded_into_days(
    sessions: Any, device: Any
) -> None:
    old = T0 - timedelta(days=40)
    ingest(sessions, frame(1, 21, [{"state": 1}]), old)
    ingest(sessions, frame(2, 21, [{"state": 1}]), old + timedelta(hours=1))
    ingest(sessions, frame(3, 21, [{"state": 1}]), old + timedelta(days=1))
    ingest(sessions, frame(4, 21, [{"state": 0b101}]), old + timedelta(hours=2))  # UITD fault
    ingest(sessions, frame(5, 2, [component(0b11)]), old + timedelta(hours=3))  # a fire
    ingest(sessions, frame(6, 21, [{"state": 1}]), T0 - timedelta(days=1))  # recent
    chores = Housekeeping(keep_heartbeats=timedelta(days=30))
    folded: list[int] = []
    assert (
        prune_running_state(sessions, T0, timedelta(days=30), chunk=2, progress=folded.append) == 3
    )
    assert folded == [2, 3]  # in chunks, each its own transaction
    with sessions() as s:
        left = sorted(s.scalars(select(MonitoringEvent.serial)))
        days = sorted(
            (d.day, d.frames, d.first_seen, d.last_seen, d.device_id)
            for d in s.scalars(select(HeartbeatDay))
        )
    # The fault and the fire opened alarms (and the fire is another type): kept; so is
    # the recent heartbeat.
    assert left == [4, 5, 6]
    day = to_local(old).date()
    assert days == [
        (day, 2, old, old + timedelta(hours=1), device.id),
        (day + timedelta(days=1), 1, old + timedelta(days=1), old + timedelta(days=1), device.id),
    ]
    # Later frames of an already folded day add to its row; a second pass finds nothing.
    ingest(sessions, frame(7, 21, [{"state": 1}]), old + timedelta(hours=5))
    assert chores.prune(sessions, T0) == 1
    assert chores.prune(sessions, T0) == 0
    with sessions() as s:
        (first,) = s.scalars(select(HeartbeatDay).where(HeartbeatDay.day == day))
        assert (first.frames, first.last_seen) == (3, old + timedelta(hours=5))
    assert Housekeeping().prune(sessions, T0 + timedelta(days=400)) == 0  # None: keep all
    # A pruner goes on from where it stopped, not from the oldest (kept) frames again.
    pruner = RunningStatePruner()
    for n, days_ago in ((8, 29), (9, 29), (10, 20)):
        ingest(sessions, frame(n, 21, [{"state": 1}]), T0 - timedelta(days=days_ago))
    assert pruner.prune(sessions, T0, timedelta(days=30)) == 0
    assert pruner.through == T0 - timedelta(days=30)
    later = T0 + timedelta(days=2)
    assert pruner.prune(sessions, later, timedelta(days=30), chunk=1, most=1) == 1
    assert pruner.through == T0 - timedelta(days=29)  # stopped by ``most``: goes on from here
    assert pruner.prune(sessions, later, timedelta(days=30)) == 1
    assert pruner.through == later - timedelta(days=30)
    with sessions() as s:
        assert sorted(s.scalars(select(MonitoringEvent.serial))) == [4, 5, 6, 10]


def test_fire_from_unknown_sender_is_shown_unverified_until_accepted(
    sessions: Any, uow: Any, device: Any
) -> None:
    ingest(sessions, frame(1, 2, [component(0b11)], source=STRANGER), T0)
    (alarm,) = alarms(sessions)
    assert alarm.kind == "fire" and alarm.unverified and alarm.unit_id is None
    with uow() as s:
        accept_sender(s, SYSTEM, GB26875, STRANGER.hex(), device.code)
    (alarm,) = alarms(sessions)
    assert not alarm.unverified and alarm.building_id == device.building_id


# --- operator handling, escalation, figures -------------------------------------------------


def test_confirmed_fire_publishes_an_event_and_is_audited(
    sessions: Any, uow: Any, device: Any
) -> None:
    ingest(sessions, frame(1, 2, [component(0b10)]), T0)
    (alarm,) = alarms(sessions)
    with uow() as s:
        confirm_alarm(s, SYSTEM, EVERYWHERE, alarm.id, T0 + timedelta(seconds=40))
    with sessions() as s:
        (event,) = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "fire_confirmed"))
        assert event.payload["unit_id"] == device.unit_id
        assert event.payload["building_id"] == device.building_id
        assert event.payload["location"] == "二层东侧烟感"
        assert (
            s.scalar(select(AuditEntry.action).order_by(AuditEntry.seq.desc()).limit(1))
            == "confirm"
        )
    with uow() as s, pytest.raises(LanyanError, match="already confirmed"):
        mark_false_alarm(s, SYSTEM, EVERYWHERE, alarm.id, T0)


def test_alarm_outside_the_operators_jurisdiction_is_not_found(
    sessions: Any, uow: Any, device: Any
) -> None:
    ingest(sessions, frame(1, 2, [component(0b10)]), T0)
    (alarm,) = alarms(sessions)
    with uow() as s, pytest.raises(LanyanError, match="no alarm"):
        confirm_alarm(s, SYSTEM, Scope("/999/"), alarm.id, T0)


def test_unhandled_fire_escalates_once(sessions: Any, device: Any) -> None:
    ingest(sessions, frame(1, 2, [component(0b10)]), T0)
    after = timedelta(minutes=3)
    with sessions.begin() as s:
        assert escalate_unhandled(s, T0 + timedelta(minutes=2), after) == []
    with sessions.begin() as s:
        (escalated,) = escalate_unhandled(s, T0 + timedelta(minutes=4), after)
        assert escalated.escalated_at == T0 + timedelta(minutes=4)
    with sessions.begin() as s:
        assert escalate_unhandled(s, T0 + timedelta(minutes=9), after) == []
        (event,) = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "fire_escalated"))
        assert event.payload["waited_s"] == 240


def test_unit_figures_and_key_unit_connection_rate(sessions: Any, uow: Any, device: Any) -> None:
    with sessions() as s:
        assert key_unit_connection_rate(s, EVERYWHERE) == (0, 1)  # registered, never reported
    ingest(sessions, frame(1, 2, [component(0b11, address=1)]), T0)
    ingest(sessions, frame(2, 2, [component(0b11, address=2)]), T0)
    ingest(sessions, frame(3, 2, [component(0b101, address=3)]), T0)
    first, second, _fault = alarms(sessions)
    with uow() as s:
        mark_false_alarm(s, SYSTEM, EVERYWHERE, first.id, T0)
        confirm_alarm(s, SYSTEM, EVERYWHERE, second.id, T0)
    with sessions() as s:
        (figures,) = unit_figures(s, EVERYWHERE)
        assert key_unit_connection_rate(s, EVERYWHERE) == (1, 1)
    assert (figures.unit_id, figures.devices, figures.online) == (device.unit_id, 1, 1)
    assert (figures.open_faults, figures.fire_alarms, figures.false_alarms) == (1, 2, 1)
    assert figures.online_rate == 1 and figures.false_alarm_rate == 0.5


def test_housekeeping_round_sweeps_and_escalates(sessions: Any, device: Any) -> None:
    ingest(sessions, frame(1, 2, [component(0b10)]), T0)
    chores = Housekeeping(timedelta(minutes=1), 3, timedelta(minutes=3))
    assert chores.round(sessions, T0 + timedelta(minutes=1)) == (0, 0)
    assert chores.round(sessions, T0 + timedelta(minutes=5)) == (1, 1)


# --- one batch, one transaction (group commit) ----------------------------------------------


def pending(raw: bytes, at: datetime, peer: str = "test") -> Pending:
    return Pending(incoming_frame(decode(raw), raw), at, peer)


def test_fire_alarm_raised_goes_to_the_outbox_with_its_frame(sessions: Any, device: Any) -> None:
    # Test bit clear (0b10): raised all the same, and the event says so (safety rule).
    ingest(sessions, frame(1, 2, [component(0b10)]), T0)
    ingest(sessions, frame(2, 2, [component(0b101, address=9)]), T0)  # a fault: no event
    (alarm, _fault) = alarms(sessions)
    with sessions() as s:
        (event,) = s.scalars(select(OutboxEvent))
    assert event.topic == "fire_alarm_raised" and event.created_at == T0
    assert event.payload["alarm_id"] == alarm.id and event.payload["test_mode"] is True
    assert event.payload["unit_id"] == device.unit_id and event.payload["source"] == UITD.hex()


def test_a_batch_stores_in_order_once_each(sessions: Any, device: Any) -> None:
    first = frame(1, 2, [component(0b11)])
    reset = frame(2, 1, [{"system_type": 1, "system_address": 1, "state": 1 | 1 << 13}])
    stranger = frame(1, 21, [{"state": 1}], source=STRANGER)
    batch = [
        pending(first, T0),
        pending(first, T0),  # a retransmission inside the same batch
        pending(stranger, T0),
        pending(reset, T0 + timedelta(seconds=1)),
        pending(frame(3, 2, [component(0b11)]), T0 + timedelta(seconds=2)),  # fire again
        pending(frame(2, 21, [{"state": 1}], source=STRANGER), T0 + timedelta(seconds=3)),
    ]
    out = store_events(sessions, batch)
    assert [o.duplicate for o in out] == [False, True, False, False, False, False]
    assert out[0].event_id == out[1].event_id and out[2].quarantined and not out[0].quarantined
    assert [o.duplicate for o in store_events(sessions, batch[:1])] == [True]
    # Arrival order holds inside the batch: raised, reset recorded (an unhandled fire stays
    # open), raised again: a repeat of the open alarm.
    assert [(a.kind, a.status, a.repeats, a.reset_at) for a in alarms(sessions)] == [
        ("fire", "active", 2, T0 + timedelta(seconds=1)),
    ]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(MonitoringEvent)) == 5
        row = s.scalar(select(QuarantinedSender))
        assert (row.frames, row.last_seen) == (2, T0 + timedelta(seconds=3))
        assert s.get(DeviceHealth, device.id).last_seen == T0 + timedelta(seconds=2)
        topics = list(s.scalars(select(OutboxEvent.topic)))
    assert topics == ["fire_alarm_raised"]


def test_operator_actions_use_the_configured_audit_hash(
    engine: Any, sessions: Any, uow: Any, device: Any
) -> None:
    ingest(sessions, frame(1, 2, [component(0b10, address=1)]), T0)
    ingest(sessions, frame(2, 2, [component(0b10, address=2)]), T0)
    ingest(sessions, frame(3, 21, [{"state": 1}], source=STRANGER), T0)
    first, second = alarms(sessions)
    sm3_sessions = make_session_factory(engine, "sm3")  # LANYAN_AUDIT_HASH=sm3
    with unit_of_work(sm3_sessions) as s:
        confirm_alarm(s, SYSTEM, EVERYWHERE, first.id, T0)
    with unit_of_work(sm3_sessions) as s:  # every write reads the hash from its session
        mark_false_alarm(s, SYSTEM, EVERYWHERE, second.id, T0)
        accept_sender(s, SYSTEM, GB26875, STRANGER.hex(), device.code)
    with sessions() as s:
        used = list(s.scalars(select(AuditEntry.algorithm).where(AuditEntry.action != "create")))
    assert used == ["sm3", "sm3", "sm3"]
