"""Monitoring history for the demo county (监控历史): so the monitoring centre shows something.

Every transmission device (用户信息传输装置) gets a GB/T 26875.3 address and reports through the
real pipeline (frames built with the codec and stored by ``ingest.store_frame``): heartbeats,
two weeks of fire alarms (most handled: confirmed or marked false with a note), faults (some
reset, some acknowledged), two fire alarms still open (one past the escalation time, one with
the test bit clear), and devices gone silent (offline). The MQTT devices get their last-heard
state directly. Everything is chosen by a seeded generator, relative to ``now``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.monitoring.alarms import sweep_offline
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.handling import (
    acknowledge_alarm,
    confirm_alarm,
    escalate_unhandled,
    mark_false_alarm,
)
from lanyan.monitoring.ingest import GB26875, store_frame
from lanyan.monitoring.models import DeviceAddress, DeviceHealth, MonitoringAlarm
from lanyan.registry.choices import DeviceKind, DeviceStatus
from lanyan.registry.models import Device
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import Actor
from lanyan.store.db import unit_of_work

DEMO_OPERATOR = Actor("system:demo")
HEARTBEAT = timedelta(minutes=1)
ESCALATE_AFTER = timedelta(minutes=3)
FIRES, FAULTS = 24, 30

# Places on a floor plan (部位) and what operators wrote when a fire alarm was false.
PLACES = ["一层大堂烟感", "二层东侧走廊烟感", "三层厨房温感", "地下车库烟感", "五层会议室烟感",
          "配电房感烟探测器", "七层客房走廊烟感", "仓库手动报警按钮"]  # fmt: skip
FALSE_NOTES = ["厨房油烟误触发，已复位", "施工粉尘，已通知单位", "探测器老化误报，已报维保",
               "视频复核无烟无火", "吸烟引起，已提醒"]  # fmt: skip
CONFIRM_NOTES = ["视频复核见明火，已通知119", "单位值班人员电话确认起火"]  # fmt: skip
ACK_NOTES = ["已通知维保单位", "单位已派人检修"]  # fmt: skip


@dataclass(frozen=True)
class MonitoringCounts:
    devices: int
    frames: int
    alarms: int


def address_of(index: int) -> bytes:
    """The demo's 6-byte source address of the ``index``-th transmission device."""
    return b"\x32\x09\x04" + index.to_bytes(3, "big")


def _component(state: int, address: int, place: str, at: datetime) -> dict[str, Any]:
    return {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": address,
        "state": state,
        "description": place,
        "time": at,
    }


class _Feeder:
    """Builds and stores frames for one device at a time, counting serials per device."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self.serials: dict[bytes, int] = {}
        self.frames = 0

    def send(
        self, source: bytes, type_flag: int, objects: list[dict[str, Any]], at: datetime
    ) -> None:
        serial = self.serials.get(source, 0) + 1
        self.serials[source] = serial
        raw = encode(
            serial=serial,
            command=2,
            source=source,
            destination=0,
            payload=encode_appdata(type_flag, objects),
            timestamp=at,
        )
        store_frame(self.factory, decode(raw), raw, at, "demo")
        self.frames += 1

    def heartbeat(self, source: bytes, at: datetime) -> None:
        self.send(source, 21, [{"state": 1, "time": at}], at)

    def component(self, source: bytes, state: int, point: int, place: str, at: datetime) -> None:
        self.send(source, 2, [_component(state, point, place, at)], at)

    def reset(self, source: bytes, at: datetime) -> None:
        self.send(
            source,
            1,
            [{"system_type": 1, "system_address": 1, "state": 1 | 1 << 13, "time": at}],
            at,
        )


def _latest_alarm(session: Session, device_id: int) -> MonitoringAlarm:
    return session.scalars(
        select(MonitoringAlarm)
        .where(MonitoringAlarm.device_id == device_id)
        .order_by(MonitoringAlarm.id.desc())
        .limit(1)
    ).one()


def build_monitoring(
    factory: sessionmaker[Session],
    seed: int,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    scale: int = 1,
) -> MonitoringCounts:
    """Write the demo's monitoring history; ``progress(n)`` is told as devices are done.
    A region of ``scale`` N has N times the fires and faults."""
    rng = random.Random(f"{seed}-monitoring")
    tick = progress or (lambda _n: None)
    with factory() as session:
        devices = list(session.scalars(select(Device).order_by(Device.code)))
    uitds = [d for d in devices if d.kind == DeviceKind.USER_INFO_TRANSMISSION.value]
    others = [d for d in devices if d.kind != DeviceKind.USER_INFO_TRANSMISSION.value]
    sources = {d.id: address_of(i + 1) for i, d in enumerate(uitds)}

    # MQTT devices: last heard a little while ago, or hours ago when registered as offline.
    with unit_of_work(factory) as session:
        for d in uitds:
            session.add(
                DeviceAddress(protocol=GB26875, address=sources[d.id].hex(), device_id=d.id)
            )
        for d in others:
            silent = d.status == DeviceStatus.OFFLINE.value
            ago = (
                timedelta(hours=rng.uniform(1, 72))
                if silent
                else timedelta(seconds=rng.uniform(5, 50))
            )
            session.add(DeviceHealth(device_id=d.id, last_seen=now - ago, online=not silent))
    tick(len(others))

    feeder = _Feeder(factory)
    # Transmission devices: registered-offline ones last spoke hours ago, the rest just now.
    silent = [d for d in uitds if d.status == DeviceStatus.OFFLINE.value]
    for d in uitds:
        if d in silent:
            feeder.heartbeat(sources[d.id], now - timedelta(hours=rng.uniform(1, 30)))
        else:
            feeder.heartbeat(sources[d.id], now - timedelta(seconds=rng.uniform(5, 40)))
        tick(1)
    talking = [d for d in uitds if d not in silent]
    picked = rng.sample(talking, min(len(talking), (FIRES + FAULTS) * scale))
    n_fires = round(len(picked) * FIRES / (FIRES + FAULTS))
    fire_devices, fault_devices = picked[:n_fires], picked[n_fires:]

    for i, d in enumerate(fire_devices):
        src = sources[d.id]
        point = rng.randint(1, 200)
        place = rng.choice(PLACES)
        if i == 0:  # open, past the escalation time: escalated by housekeeping below
            feeder.component(src, 0b11, point, place, now - timedelta(minutes=7))
            continue
        if i == 1:  # open, just now, reported with the test bit clear: raised and marked
            feeder.component(src, 0b10, point, place, now - timedelta(seconds=50))
            continue
        raised = now - timedelta(days=rng.uniform(0.2, 14))
        feeder.component(src, 0b11, point, place, raised)
        handled = raised + timedelta(seconds=rng.uniform(30, 170))
        with unit_of_work(factory) as session:
            alarm = _latest_alarm(session, d.id)
            if rng.random() < 0.25:
                confirm_alarm(session, DEMO_OPERATOR, EVERYWHERE, alarm.id, handled,
                              rng.choice(CONFIRM_NOTES))  # fmt: skip
            else:
                mark_false_alarm(session, DEMO_OPERATOR, EVERYWHERE, alarm.id, handled,
                                 rng.choice(FALSE_NOTES))  # fmt: skip
        feeder.reset(src, handled + timedelta(minutes=rng.uniform(5, 40)))

    for i, d in enumerate(fault_devices):
        src = sources[d.id]
        raised = now - timedelta(days=rng.uniform(0.05, 10))
        feeder.component(src, 0b101, rng.randint(1, 200), rng.choice(PLACES), raised)
        fate = i % 3
        if fate == 0:  # repaired: the device reports the reset
            feeder.reset(src, raised + timedelta(hours=rng.uniform(1, 20)))
        elif fate == 1:  # acknowledged, still open
            with unit_of_work(factory) as session:
                alarm = _latest_alarm(session, d.id)
                acknowledge_alarm(session, DEMO_OPERATOR, EVERYWHERE, alarm.id,
                                  raised + timedelta(minutes=rng.uniform(2, 30)),
                                  rng.choice(ACK_NOTES))  # fmt: skip
        # fate 2: nobody has looked at it yet

    # Keep the talking devices fresh after their history, then run housekeeping once.
    for d in talking:
        feeder.heartbeat(sources[d.id], now - timedelta(seconds=rng.uniform(1, 20)))
    with unit_of_work(factory) as session:
        sweep_offline(session, now, HEARTBEAT)
        escalate_unhandled(session, now, ESCALATE_AFTER)
    with factory() as session:
        alarms = len(session.scalars(select(MonitoringAlarm.id)).all())
    return MonitoringCounts(len(uitds), feeder.frames, alarms)
