"""12345 work orders (issue #20 item 4): a machine client with its own token creates a work
order that becomes a complaint in the fire service's queue (the same order id twice is one
complaint, the second answer 200 with the same id); bad input is named by field; the officer's
assignment, verification and feedback are called back to the 12345 system's receiver on
localhost, signed, through the webhook outbox; another client never gets them — on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_webhooks import Receiver

from lanyan.accounts import clients
from lanyan.exchange import service, signing
from lanyan.exchange.service import RelayPolicy
from lanyan.prevention.models.inspections import Complaint
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, TINGHU, add_user, login, seed_region

CALLED = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)


def order(**changes: Any) -> dict[str, Any]:
    body = {
        "order_id": "GD20261207000123",
        "received_at": CALLED.isoformat(),
        "address": "大丰区幸福路12号东侧楼道",
        "category": "blocked_passage",
        "content": "楼道内堆放大量杂物并停放电动车，堵塞安全出口。",
        "deadline": (CALLED + timedelta(days=5)).isoformat(),
        "caller_name": "王女士",
        "caller_phone": "13912345678",
    }
    return body | changes


@pytest.fixture
def hotline(uow: Any) -> dict[str, Any]:
    """The 12345 platform of Dafeng with its callback, and another client of Tinghu."""
    seed_region(uow)
    out: dict[str, Any] = {}
    with uow() as s:
        row, token = clients.create_client(s, SYSTEM, "大丰12345", DAFENG, [clients.HOTLINE_12345])
        out["token"], out["client_id"] = token, row.id
        other, other_token = clients.create_client(
            s, SYSTEM, "亭湖12345", TINGHU, [clients.HOTLINE_12345]
        )
        out["other_token"], out["other_id"] = other_token, other.id
    return out


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_same_order_twice_is_one_complaint(
    client: TestClient, uow: Any, hotline: dict[str, Any]
) -> None:
    h = auth(hotline["token"])
    first = client.post("/api/exchange/12345/orders", json=order(), headers=h)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["order_id"] == "GD20261207000123" and body["state"] == "received"
    assert body["category_zh"] == "占用堵塞消防通道"
    assert body["due_on"] == "2026-12-12"  # the deadline's local day
    again = client.post("/api/exchange/12345/orders", json=order(content="重复推送"), headers=h)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    # The same order id from another 12345 system is its own complaint.
    other = client.post(
        "/api/exchange/12345/orders", json=order(), headers=auth(hotline["other_token"])
    )
    assert other.status_code == 201 and other.json()["id"] != body["id"]
    with uow() as s:
        rows = s.execute(select(Complaint).order_by(Complaint.id)).scalars().all()
        assert len(rows) == 2
        mine = rows[0]
        assert (mine.channel, mine.external_no, mine.category) == (
            "12345",
            "GD20261207000123",
            "blocked_passage",
        )
        assert mine.content.startswith("楼道内") and mine.reporter_phone == "13912345678"
        assert s.execute(
            select(AuditEntry.actor).where(AuditEntry.object_type == "complaints")
        ).scalars().all() == ["client:大丰12345", "client:亭湖12345"]
    got = client.get("/api/exchange/12345/orders/GD20261207000123", headers=h)
    assert got.status_code == 200 and got.json()["id"] == body["id"]
    assert client.get("/api/exchange/12345/orders/NOPE", headers=h).status_code == 404


def test_bad_input_is_named_by_field(client: TestClient, hotline: dict[str, Any]) -> None:
    h = auth(hotline["token"])
    url = "/api/exchange/12345/orders"
    r = client.post(url, json=order(category="噪音扰民"), headers=h)
    assert r.status_code == 422
    problem = r.json()["errors"]
    assert [p["field"] for p in problem] == ["category"]
    assert "fire_hazard (消防安全隐患)" in problem[0]["rule"] and "other" in problem[0]["rule"]
    assert client.post(url, json=order(category="消防安全隐患"), headers=h).status_code == 201

    bad = {k: v for k, v in order(order_id="GD2").items() if k not in ("address", "content")}
    r = client.post(url, json=bad | {"received_at": "2026-12-07T09:30:00"}, headers=h)
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["errors"]}
    assert {"address", "content", "received_at"} <= fields
    r = client.post(
        url,
        json=order(order_id="GD3", deadline=(CALLED - timedelta(days=1)).isoformat()),
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "deadline"
    r = client.post(url, json=order(order_id="GD4", jurisdiction_code=TINGHU), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "jurisdiction_code"


def test_only_a_client_token_with_the_permission_gets_in(
    client: TestClient, uow: Any, hotline: dict[str, Any]
) -> None:
    url = "/api/exchange/12345/orders"
    assert client.post(url, json=order()).status_code == 401
    assert client.post(url, json=order(), headers=auth("lyc_wrong")).status_code == 401
    add_user(uow, "officer", "prevention_officer", DAFENG)
    assert client.post(url, json=order(), headers=login(client, "officer")).status_code == 401
    with uow() as s:
        clients.set_active(s, SYSTEM, "大丰12345", False)
    assert client.post(url, json=order(), headers=auth(hotline["token"])).status_code == 401
    with uow() as s:  # the token itself is never stored
        stored = s.execute(select(clients.ApiClient.token_hash)).scalars().all()
        assert hotline["token"] not in stored
        assert clients.token_hash(hotline["token"]) in stored


def test_the_handlers_steps_are_called_back_signed(
    client: TestClient, sessions: Any, uow: Any, hotline: dict[str, Any]
) -> None:
    with Receiver([503]) as rx, Receiver([]) as other_rx:
        with uow() as s:
            sub = service.create_subscription(
                s, SYSTEM, "12345回调", rx.url, ["hotline_status"], hotline["client_id"]
            )
            secret = sub.secret
            service.create_subscription(
                s, SYSTEM, "亭湖回调", other_rx.url, ["hotline_status"], hotline["other_id"]
            )
        made = client.post(
            "/api/exchange/12345/orders", json=order(), headers=auth(hotline["token"])
        )
        cid = made.json()["id"]
        add_user(uow, "officer", "prevention_officer", DAFENG)
        h = login(client, "officer")
        steps = [
            ("assign", {"assignee": "officer"}),
            ("verify", {"result": "substantiated", "note": "现场核实楼道堆物属实，已责令清理"}),
            ("feedback", {"feedback": "已督促物业清理楼道杂物，电动车已移出。"}),
        ]
        for step, payload in steps:
            r = client.post(f"/api/complaints/{cid}/{step}", json=payload, headers=h)
            assert r.status_code == 200, r.text

        policy = RelayPolicy(backoff_s=0.001)
        service.run_once(sessions, policy)  # four callbacks; the first answered 503
        service.run_once(sessions, policy)  # its retry
        # A retried callback arrives after later ones: the receiver orders them by event id.
        events = sorted(
            (json.loads(b) for _, b, status in rx.got if status == 200), key=lambda e: e["id"]
        )
        assert [e["data"]["state"] for e in events] == [
            "received",
            "assigned",
            "verified",
            "closed",
        ]
        assert rx.got[0][2] == 503
        assert other_rx.got == []  # another 12345 system never hears of this order
        headers, body, _ = next(g for g in rx.got if json.loads(g[1])["data"]["state"] == "closed")
        assert headers["X-Lanyan-Event"] == "hotline_status"
        ts = headers["X-Lanyan-Timestamp"]
        assert signing.verify(secret, ts, body, headers["X-Lanyan-Signature"], now=float(ts))
        last = json.loads(body)["data"]
        assert last["order_id"] == "GD20261207000123"
        assert last["feedback"] == "已督促物业清理楼道杂物，电动车已移出。"
        assert last["result"] == "substantiated" and last["state_zh"] == "已反馈办结"
        assert "13912345678" not in body.decode()  # the caller's phone stays with the service
