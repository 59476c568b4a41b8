"""Outbound webhooks (issue #20): a receiver on localhost gets a fire alarm raised through the
real monitoring path, signed (HMAC-SHA256 over timestamp and body), after a first failure and a
backed-off retry; a dead receiver is marked failing after N attempts without ever holding up the
writer; the admin API and page manage subscriptions; other domains emit their events."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.core.timeutil import utcnow
from lanyan.exchange import service, signing
from lanyan.exchange.models import Delivery, DeliveryAttempt, ExchangeEvent, Subscription
from lanyan.exchange.service import RelayPolicy
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.ingest import store_frame
from lanyan.prevention import draw, draw_service, hazard_service, inspections
from lanyan.prevention.choices import HazardAction
from lanyan.prevention.schemas.inspections import CertificateCreate, HazardMove
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, PASSWORD, add_user, create_sample, free_port, login, seed_region

FIRE = 0b11


def fire_frame(serial: int, at: datetime) -> bytes:
    component = {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": 5,
        "state": FIRE,
        "description": "二层东侧烟感",
        "time": at,
    }
    return encode(
        serial=serial,
        command=2,
        source=bytes.fromhex("a1b2c3d4e5f6"),
        destination=0,
        payload=encode_appdata(2, [component]),
        timestamp=at,
    )


class Receiver:
    """A tiny HTTP receiver in a thread: answers ``statuses`` in turn (then 200)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.got: list[tuple[dict[str, str], bytes, int]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = outer.statuses.pop(0) if outer.statuses else 200
                outer.got.append((dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver([500]) as r:
        yield r


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def test_fire_alarm_reaches_the_receiver_signed_after_a_retry(
    sessions: Any, uow: Any, receiver: Receiver
) -> None:
    seed_region(uow)
    with uow() as s:
        sub = service.create_subscription(
            s, SYSTEM, "city-119", receiver.url, ["fire_alarm_raised", "fire_alarm_confirmed"]
        )
        secret = sub.secret
        service.create_subscription(s, SYSTEM, "draws-only", receiver.url, ["draw_published"])
    with uow() as s:  # the audit keeps the subscription, never its secret
        entries = s.execute(select(AuditEntry).where(AuditEntry.object_type == "webhooks"))
        assert all(secret not in json.dumps(e.after) for e in entries.scalars())

    raw = fire_frame(1, datetime.now(UTC))
    store_frame(sessions, decode(raw), raw, utcnow(), "test")  # the writer: no network call
    assert receiver.got == []
    with uow() as s:
        events = s.execute(select(ExchangeEvent)).scalars().all()
        assert [e.event_type for e in events] == ["fire_alarm_raised"]

    clock = Clock()
    policy = RelayPolicy(max_attempts=3, backoff_s=30)
    counts = service.run_once(sessions, policy, clock=clock)
    assert counts == {"fanned_out": 1, "delivered": 0, "retry": 1, "failing": 0}
    assert [g[2] for g in receiver.got] == [500]
    assert service.run_once(sessions, policy, clock=clock)["retry"] == 0  # not due yet
    assert len(receiver.got) == 1

    clock.now += timedelta(seconds=31)  # past the first backoff
    counts = service.run_once(sessions, policy, clock=clock)
    assert counts["delivered"] == 1 and len(receiver.got) == 2
    headers, body, status = receiver.got[1]
    assert status == 200 and headers["X-Lanyan-Event"] == "fire_alarm_raised"
    ts = headers["X-Lanyan-Timestamp"]
    assert int(ts) == int(clock.now.timestamp())
    sig = headers["X-Lanyan-Signature"]
    assert signing.verify(secret, ts, body, sig, now=float(ts))
    assert not signing.verify(secret, ts, body + b" ", sig, now=float(ts))  # tampered body
    assert not signing.verify("x" * 64, ts, body, sig, now=float(ts))  # another's secret
    assert not signing.verify(secret, ts, body, sig, now=float(ts) + 600)  # a late replay
    event = json.loads(body)
    assert event["type"] == "fire_alarm_raised" and event["data"]["point"]
    assert receiver.got[0][1] == body  # the retry sends the same event

    with uow() as s:
        log = s.execute(select(DeliveryAttempt.status_code).order_by(DeliveryAttempt.id))
        assert list(log.scalars()) == [500, 200]
    with uow() as s:
        items, total = service.list_attempts(s, 1, 50)
    assert total == 2 and items[0]["delivery_state"] == "delivered"


def test_a_dead_receiver_is_marked_failing_and_never_blocks(sessions: Any, uow: Any) -> None:
    seed_region(uow)
    dead = f"http://127.0.0.1:{free_port()}/nobody"
    with uow() as s:
        service.create_subscription(s, SYSTEM, "dead", dead, ["fire_alarm_raised"])
    raw = fire_frame(2, datetime.now(UTC))
    store_frame(sessions, decode(raw), raw, utcnow(), "test")
    clock = Clock()
    policy = RelayPolicy(max_attempts=3, backoff_s=5, timeout_s=2)
    states = []
    for _ in range(3):
        counts = service.run_once(sessions, policy, clock=clock)
        states.append((counts["retry"], counts["failing"]))
        clock.now += timedelta(hours=2)
    assert states == [(1, 0), (1, 0), (0, 1)]
    with uow() as s:
        delivery = s.execute(select(Delivery)).scalar_one()
        assert delivery.state == "failing" and delivery.attempts == 3
        assert s.execute(select(Subscription.failing)).scalar_one() is True
        errors = s.execute(select(DeliveryAttempt.error)).scalars().all()
        assert len(errors) == 3 and all("Connect" in e for e in errors)
    assert service.run_once(sessions, policy, clock=clock)["failing"] == 0  # given up: no more


def test_draws_emit_their_publication(uow: Any) -> None:
    seed_region(uow)
    today = datetime.now(UTC).date()
    for i, name in enumerate(("insp_a", "insp_b")):
        add_user(uow, name, "prevention_officer", DAFENG)
        with uow() as s:
            inspections.add_certificate(
                s,
                SYSTEM,
                CertificateCreate(
                    username=name,
                    certificate_no=f"W{i}",
                    valid_from=today - timedelta(days=1),
                    valid_until=today + timedelta(days=10),
                ),
            )
    with uow() as s:
        draw_service.announce(s, SYSTEM, EVERYWHERE, DAFENG, "s", draw.Rates(base=0.0))
    with uow() as s:
        event = s.execute(select(ExchangeEvent)).scalar_one()
        assert event.event_type == "draw_published" and event.payload["stage"] == "committed"
        assert "seed" in event.payload and event.payload["seed"] is None
        assert "input" not in event.payload


def test_admin_api_and_page(client: TestClient, uow: Any) -> None:
    seed_region(uow)
    add_user(uow, "root", "admin", DAFENG)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    body = {"name": "city", "url": "https://city.example/hook", "event_types": ["hazard_listed"]}
    assert (
        client.post(
            "/api/webhooks/subscriptions", json=body, headers=login(client, "officer")
        ).status_code
        == 403
    )
    admin = login(client, "root")
    r = client.post("/api/webhooks/subscriptions", json=body, headers=admin)
    assert r.status_code == 201 and len(r.json()["secret"]) == 64
    sub_id = r.json()["id"]
    r = client.post(
        "/api/webhooks/subscriptions", json=body | {"name": "x", "url": "ftp://a"}, headers=admin
    )
    assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == "url"
    r = client.post(
        "/api/webhooks/subscriptions",
        json=body | {"name": "y", "event_types": ["nope"]},
        headers=admin,
    )
    assert r.status_code == 422 and "event_types" in r.text
    listed = client.get("/api/webhooks/subscriptions", headers=admin).json()
    assert listed["total"] == 1 and "secret" not in listed["items"][0]
    r = client.patch(f"/api/webhooks/subscriptions/{sub_id}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False

    client.cookies.clear()
    client.post("/login", data={"username": "root", "password": PASSWORD})
    page = client.get("/admin/webhooks")
    assert page.status_code == 200 and "数据推送" in page.text and 'data-name="city"' in page.text
    r = client.post(
        "/admin/webhooks",
        data={"name": "police", "url": "http://10.0.0.9/in", "event_types": ["incident_opened"]},
    )
    assert r.status_code == 201 and 'id="secret"' in r.text
    r = client.post("/admin/webhooks", data={"name": "bad", "url": "nope"})
    assert r.status_code == 422 and "event_types" in r.text and "url" in r.text


def test_a_listed_hazard_emits_hazard_listed(uow: Any) -> None:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    found = datetime.now(UTC) - timedelta(days=3)
    with uow() as s:
        unit = s.execute(select(Unit)).scalar_one()
        row = hazard_service.new_hazard(s, SYSTEM, unit, "防火分区未分隔", found, True, None)
        hazard_service.move(
            s,
            SYSTEM,
            EVERYWHERE,
            row.id,
            HazardMove(
                action=HazardAction.LIST,
                at=found + timedelta(hours=1),
                department="区安委办",
                deadline=found.date() + timedelta(days=60),
                published=True,
            ),
        )
    with uow() as s:
        event = s.execute(select(ExchangeEvent)).scalar_one()
        assert event.event_type == "hazard_listed"
        assert event.payload["department"] == "区安委办" and event.payload["published"] is True
        assert event.payload["unit_code"] == unit.code
