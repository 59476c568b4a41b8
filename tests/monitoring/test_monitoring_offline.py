"""Offline devices (离线) on the desk and in the registry (issue #14 item 4): the desk groups
open offline alarms per unit (one card, the number of devices), and a device has one status
everywhere — registry API, device page, the desk's devices by unit — as it goes offline and
comes back, and as a fault opens and is reset."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.alarms import sweep_offline
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.ingest import store_frame
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import add_user, login, sample, seed_region

T0 = datetime(2026, 3, 9, 8, 0, tzinfo=CHINA_TZ)
COUNTY = "320904"
PERIOD = timedelta(minutes=1)


def address(n: int) -> bytes:
    return bytes.fromhex(f"00000000{n:04x}")


def frame(n: int, serial: int, type_flag: int, obj: dict[str, Any]) -> bytes:
    return encode(
        serial=serial,
        command=2,
        source=address(n),
        destination=0,
        payload=encode_appdata(type_flag, [obj | {"time": T0}]),
        timestamp=T0,
    )


def heartbeat(n: int, serial: int) -> bytes:
    return frame(n, serial, 21, {"state": 1})


def fault(n: int, serial: int) -> bytes:
    obj = {"system_type": 1, "system_address": 1, "component_type": 42, "description": "9号"}
    return frame(n, serial, 2, obj | {"component_address": 9, "state": 0b101})


def reset(n: int, serial: int) -> bytes:
    return frame(n, serial, 1, {"system_type": 1, "system_address": 1, "state": 1 | 1 << 13})


@pytest.fixture
def units(uow: Any) -> dict[str, Any]:
    """Unit A with three transmission devices, unit B with one."""
    seed_region(uow)
    out: dict[str, Any] = {}
    with uow() as s:
        for name, devices, n0 in (("a", 3, 1), ("b", 1, 4)):
            unit = service.create(
                s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", COUNTY, n0)
            )
            out[name] = unit.code
            for n in range(n0, n0 + devices):
                service.create(
                    s,
                    get_type("devices"),
                    SYSTEM,
                    EVERYWHERE,
                    sample("devices", COUNTY, n)
                    | {"code": address(n).hex(), "unit_code": unit.code},
                )
    add_user(uow, "desk", "dispatcher", COUNTY)
    return out


def ingest(sessions: Any, raw: bytes, at: datetime) -> None:
    store_frame(sessions, decode(raw), raw, at, "test")


def test_offline_alarms_are_grouped_per_unit_on_the_desk(
    client: Any, sessions: Any, units: dict[str, Any]
) -> None:
    for n in (1, 2, 3, 4):
        ingest(sessions, heartbeat(n, 1), T0)
    with sessions.begin() as s:
        assert len(sweep_offline(s, T0 + 5 * PERIOD, PERIOD)) == 4
    headers = login(client, "desk")
    groups = client.get("/api/monitoring/offline-units", headers=headers)
    assert groups.status_code == 200, groups.text
    got = [(g["unit"]["code"], g["devices"]) for g in groups.json()]
    assert got == [(units["a"], 3), (units["b"], 1)]  # the largest first
    # The list the desk reads leaves them to the groups; a unit's devices are one query away.
    listed = client.get("/api/monitoring/alarms?open=true&group_offline=true", headers=headers)
    assert listed.json()["total"] == 0
    one = client.get(
        f"/api/monitoring/alarms?kind=offline&open=true&unit={units['a']}", headers=headers
    ).json()
    assert sorted(a["device_code"] for a in one["items"]) == [address(n).hex() for n in (1, 2, 3)]


def statuses(client: Any, headers: dict[str, str], code: str, unit: str) -> tuple[str, str, str]:
    """The device's status as the registry API, the device page's API and the desk's devices
    by unit give it."""
    (row,) = client.get("/api/devices", params={"q": code}, headers=headers).json()["items"]
    page = client.get(f"/api/monitoring/devices/{code}/history", headers=headers).json()
    desk = client.get(f"/api/monitoring/units/{unit}/devices", headers=headers).json()
    (listed,) = [d for d in desk["devices"] if d["code"] == code]
    return row["status"], page["device"]["status"], listed["status"]


def test_a_device_has_one_status_everywhere(
    client: Any, sessions: Any, units: dict[str, Any]
) -> None:
    code, unit = address(4).hex(), units["b"]
    headers = login(client, "desk")
    ingest(sessions, heartbeat(4, 1), T0)
    assert statuses(client, headers, code, unit) == ("online",) * 3
    with sessions.begin() as s:
        sweep_offline(s, T0 + 5 * PERIOD, PERIOD)
    assert statuses(client, headers, code, unit) == ("offline",) * 3
    ingest(sessions, heartbeat(4, 2), T0 + 6 * PERIOD)  # back
    assert statuses(client, headers, code, unit) == ("online",) * 3
    ingest(sessions, fault(4, 3), T0 + 7 * PERIOD)
    assert statuses(client, headers, code, unit) == ("fault",) * 3
    ingest(sessions, reset(4, 4), T0 + 8 * PERIOD)
    assert statuses(client, headers, code, unit) == ("online",) * 3
