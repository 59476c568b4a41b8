"""The command hall's big screen (指挥大屏): its figures inside the viewer's jurisdiction
(today's incidents by type, open incidents, response times, vehicles by status, alarms
pending, the five plans' headlines), a panel left out for a role that may not read it, and the
page itself in Chinese only."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from lanyan.core.timeutil import CHINA_TZ
from lanyan.registry.models import Jurisdiction, Vehicle
from lanyan.response.models import Incident, IncidentEvent

from support import DAFENG, TINGHU, add_user, create_sample, login, seed_region


def _incident(s: Any, code: str, kind: str, county: str, at: datetime, status: str) -> Incident:
    county_id = s.scalars(select(Jurisdiction.id).where(Jurisdiction.code == county)).one()
    row = Incident(
        code=code,
        incident_type=kind,
        source="phone",
        status=status,
        alarm_level=1,
        received_at=at,
        address=f"{code}号地址",
        lon=120.47,
        lat=33.2,
        jurisdiction_id=county_id,
    )
    s.add(row)
    s.flush()
    return row


def _seed(uow: Any) -> None:
    seed_region(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    add_user(uow, "unitman", "unit_manager", DAFENG)
    ids = [create_sample(uow, "vehicles", DAFENG, n) for n in (1, 2, 3)]
    create_sample(uow, "vehicles", TINGHU, 4)  # another county's
    # Today in China starts at local midnight; an incident just before it is yesterday's.
    midnight = datetime.combine(datetime.now(CHINA_TZ).date(), time(0), CHINA_TZ)
    early = midnight + timedelta(minutes=5)
    with uow() as s:
        s.execute(update(Vehicle).where(Vehicle.id == ids[2]).values(status="dispatched"))
        first = _incident(s, "JQ1", "fire", DAFENG, early, "active")
        second = _incident(s, "JQ2", "fire", DAFENG, early + timedelta(minutes=1), "closed")
        _incident(s, "JQ3", "rescue", DAFENG, early + timedelta(minutes=2), "active")
        _incident(s, "JQ4", "fire", TINGHU, early, "active")  # outside the dispatcher's county
        _incident(s, "JQ0", "rescue", DAFENG, midnight - timedelta(minutes=5), "closed")
        for row, minutes in ((first, 8), (second, 12)):
            for extra in (0, 3):  # only the first arrival counts
                s.add(
                    IncidentEvent(
                        incident_id=row.id,
                        step="arrived",
                        at=row.received_at + timedelta(minutes=minutes + extra),
                        recorded_by="test",
                    )
                )


def test_figures_are_today_s_inside_the_jurisdiction(client: TestClient, uow: Any) -> None:
    _seed(uow)
    h = login(client, "dispatcher")
    r = client.get("/screen/figures", headers=h)
    assert r.status_code == 200, r.text
    f = r.json()
    today = {t["label"]: t["count"] for t in f["today"]["types"]}
    assert f["today"]["total"] == 3 and today["火灾"] == 2 and today["抢险救援"] == 1
    assert f["open"]["total"] == 2
    assert [i["code"] for i in f["open"]["drawn"]] == ["JQ3", "JQ1"]  # newest first
    assert f["response"] == {"count": 2, "mean": 10.0, "median": 10.0}
    vehicles = {v["label"]: v["count"] for v in f["vehicles"]}
    assert (vehicles["在库可用"], vehicles["出动中"], vehicles["维修保养"]) == (2, 1, 0)
    assert f["alarms"] == {"fire": 0, "other": 0}
    assert len(f["plans"]) == 5
    assert all(p["total"] > 0 and p["met"] <= p["total"] for p in f["plans"])
    assert {p["region"] for p in f["plans"]} >= {"大丰区", "通州区"}


def test_screen_needs_a_reader_and_speaks_chinese(client: TestClient, uow: Any) -> None:
    _seed(uow)
    anonymous = client.get("/screen", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    # A unit's safety manager may not read incidents: no screen.
    assert client.get("/screen/figures", headers=login(client, "unitman")).status_code == 403
    page = client.get("/screen", headers=login(client, "dispatcher"))
    assert page.status_code == 200
    visible = re.sub(r"<(script|style).*?</\1>|<[^>]+>", " ", page.text, flags=re.S)
    assert "指挥大屏" in visible and "今日警情" in visible and "待处理报警" in visible
    assert not re.findall(r"[A-Za-z]{3,}", visible), re.findall(r"[A-Za-z]{3,}", visible)
