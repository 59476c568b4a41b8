"""Helpers of the fire statistics tests: a record payload and a closed fire incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from support import DAFENG

TOWN = "320904100"  # 新丰镇, inside Dafeng


def fire(**over: Any) -> dict[str, Any]:
    return {
        "jurisdiction": TOWN,
        "occurred_at": "2024-03-02 19:30",
        "address": "新丰镇人民路8号",
        "lon": 120.47,
        "lat": 33.2,
        "place": "residential",
        "cause": "electrical",
        "deaths": 0,
        "injuries": 1,
        "serious_injuries": 0,
        "direct_loss_yuan": 12000,
        "burned_area_m2": 35,
        **over,
    }


T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai


def closed_fire(client: TestClient, headers: dict[str, str], **over: Any) -> dict[str, Any]:
    call = {
        "incident_type": "fire",
        "received_at": T0.isoformat(),
        "caller_name": "李四",
        "caller_phone": "13900000000",
        "address": "新丰镇幸福路3号",
        "lon": 120.48,
        "lat": 33.21,
        "jurisdiction_code": DAFENG,
        **over,
    }
    inc = client.post("/api/incidents", json=call, headers=headers)
    assert inc.status_code == 201, inc.text
    url = f"/api/incidents/{inc.json()['id']}/timeline"
    for step, minutes in (("dispatched", 1), ("returned", 60)):
        at = (T0 + timedelta(minutes=minutes)).isoformat()
        r = client.post(url, json={"step": step, "at": at}, headers=headers)
        assert r.status_code == 200, r.text
    return r.json()
