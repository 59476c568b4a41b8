"""Webhook subscriptions (audited) and the relay that delivers emitted events.

The relay runs in rounds (``lanyan serve`` housekeeping every ``webhook_relay_every_s``, or
``lanyan webhooks deliver``): it fans new events out into one delivery per active subscription
of the event's type, then claims due deliveries (leasing them so that several ``serve`` workers
never send one twice at the same time), posts each signed body outside any transaction, and
records the attempt: a 2xx delivers it; anything else schedules the next attempt after
``backoff · 2^(attempts−1)`` (at most an hour) until ``max_attempts``, when the delivery and its
subscription are marked failing. Writers are never held up: they only wrote the event row.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.exchange import signing
from lanyan.exchange.choices import DeliveryState, EventType
from lanyan.exchange.models import Delivery, DeliveryAttempt, ExchangeEvent, Subscription
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.db import unit_of_work
from lanyan.store.paging import paginate

log = logging.getLogger(__name__)
SLUG = "webhooks"
WARNINGS_SLUG = "weather-warnings"  # read by every role that reads all (the map layer)
MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=2)
FANOUT_BATCH = 500


@dataclass(frozen=True)
class RelayPolicy:
    max_attempts: int = 8
    backoff_s: float = 10.0
    timeout_s: float = 10.0
    batch: int = 100


# ---- subscriptions ---------------------------------------------------------------------------


def _check(name: str, url: str, event_types: list[str]) -> list[str]:
    problems = []
    if not name.strip():
        problems.append(FieldProblem("name", "must not be empty"))
    if not url.startswith(("http://", "https://")) or len(url) > 500:
        problems.append(FieldProblem("url", "must be an http:// or https:// address (≤ 500)"))
    known = {e.value for e in EventType}
    bad = [e for e in event_types if e not in known]
    if bad or not event_types:
        problems.append(
            FieldProblem("event_types", f"must be one or more of {', '.join(sorted(known))}")
        )
    if problems:
        raise ValidationFailed("the subscription is not valid", problems)
    return sorted(set(event_types))


def _snapshot(row: Subscription) -> dict[str, Any]:
    """What the audit keeps of a subscription: never its secret."""
    return {
        "name": row.name,
        "url": row.url,
        "event_types": row.event_types,
        "active": row.active,
        "failing": row.failing,
    }


def create_subscription(
    session: Session,
    actor: Actor,
    name: str,
    url: str,
    event_types: list[str],
    api_client_id: int | None = None,
) -> Subscription:
    """A new subscription with a fresh secret (``secrets``), audited without the secret;
    ``api_client_id`` makes it that machine client's callback (see ``fan_out``)."""
    types = _check(name, url, event_types)
    audit.begin_write(session)
    if session.execute(select(Subscription.id).where(Subscription.name == name)).first():
        raise Conflict(
            f"a subscription named {name} exists", [FieldProblem("name", "must be unique")]
        )
    row = Subscription(
        name=name.strip(),
        url=url,
        secret=secrets.token_hex(32),
        event_types=types,
        active=True,
        failing=False,
        api_client_id=api_client_id,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", SLUG, row.id, None, _snapshot(row))
    return row


def get_subscription(session: Session, subscription_id: int) -> Subscription:
    row = session.get(Subscription, subscription_id)
    if row is None:
        raise NotFound(f"webhook subscription {subscription_id} does not exist")
    return row


def update_subscription(
    session: Session,
    actor: Actor,
    subscription_id: int,
    url: str | None = None,
    event_types: list[str] | None = None,
    active: bool | None = None,
) -> Subscription:
    """Change a subscription; switching it on again clears its failing mark."""
    audit.begin_write(session)
    row = get_subscription(session, subscription_id)
    before = _snapshot(row)
    types = _check(row.name, url or row.url, event_types or row.event_types)
    row.url, row.event_types = url or row.url, types
    if active is not None:
        row.active = active
        if active:
            row.failing = False
    session.flush()
    audit.record(session, actor, "update", SLUG, row.id, before, _snapshot(row))
    return row


def list_subscriptions(session: Session, page: int, size: int) -> tuple[list[Subscription], int]:
    return paginate(session, select(Subscription).order_by(Subscription.name), page, size)


def list_attempts(
    session: Session, page: int, size: int, subscription_id: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The delivery log, newest first."""
    stmt = (
        select(
            DeliveryAttempt,
            Delivery.state,
            Delivery.attempts,
            Subscription.name,
            ExchangeEvent.event_type,
            ExchangeEvent.id,
        )
        .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .join(ExchangeEvent, ExchangeEvent.id == Delivery.event_id)
        .order_by(DeliveryAttempt.id.desc())
    )
    if subscription_id is not None:
        stmt = stmt.where(Delivery.subscription_id == subscription_id)
    rows, total = paginate(session, stmt, page, size)
    return [
        {
            "delivery_id": a.delivery_id,
            "subscription": name,
            "event_id": event_id,
            "event_type": event_type,
            "at": a.at,
            "status_code": a.status_code,
            "error": a.error,
            "duration_ms": a.duration_ms,
            "delivery_state": state,
            "attempts": attempts,
        }
        for a, state, attempts, name, event_type, event_id in rows
    ], total


# ---- the relay -------------------------------------------------------------------------------


def fan_out(session: Session, now: datetime) -> int:
    """One delivery per (new event, active subscription of its type); an event addressed to a
    machine client (``target_client_id``) only to that client's subscriptions. Returns how
    many deliveries were made."""
    events = session.execute(
        select(ExchangeEvent)
        .where(ExchangeEvent.fanned_out_at.is_(None))
        .order_by(ExchangeEvent.id)
        .limit(FANOUT_BATCH)
        .with_for_update(skip_locked=True)
    ).scalars()
    subs = session.execute(select(Subscription).where(Subscription.active.is_(True))).scalars()
    by_type: dict[str, list[tuple[int, int | None]]] = {}
    for s in subs:
        for t in s.event_types:
            by_type.setdefault(t, []).append((s.id, s.api_client_id))
    made = 0
    for event in events:
        for sub_id, client_id in by_type.get(event.event_type, []):
            if event.target_client_id is not None and client_id != event.target_client_id:
                continue  # a callback goes to its own client only
            session.add(
                Delivery(
                    event_id=event.id,
                    subscription_id=sub_id,
                    state=DeliveryState.PENDING.value,
                    attempts=0,
                    next_attempt_at=now,
                )
            )
            made += 1
        event.fanned_out_at = now
    session.flush()
    return made


@dataclass(frozen=True)
class Job:
    delivery_id: int
    event_id: int
    event_type: str
    url: str
    secret: str
    body: bytes


def claim(session: Session, now: datetime, batch: int) -> list[Job]:
    """Due deliveries, leased for :data:`LEASE` so no other relay sends them meanwhile."""
    rows = session.execute(
        select(Delivery, Subscription, ExchangeEvent)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .join(ExchangeEvent, ExchangeEvent.id == Delivery.event_id)
        .where(
            Delivery.state == DeliveryState.PENDING.value,
            Delivery.next_attempt_at <= now,
            Subscription.active.is_(True),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(batch)
        .with_for_update(of=Delivery, skip_locked=True)
    ).all()
    jobs = []
    for delivery, sub, event in rows:
        delivery.next_attempt_at = now + LEASE
        body = json.dumps(
            {
                "id": event.id,
                "type": event.event_type,
                "created_at": event.created_at.isoformat(),
                "data": event.payload,
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        jobs.append(Job(delivery.id, event.id, event.event_type, sub.url, sub.secret, body))
    session.flush()
    return jobs


Post = Callable[[Job, dict[str, str], float], int]


def http_post(job: Job, headers: dict[str, str], timeout_s: float) -> int:
    """POST the body; the receiver's status code (an exception for no answer at all)."""
    reply = httpx.post(job.url, content=job.body, headers=headers, timeout=timeout_s)
    return reply.status_code


def headers_for(job: Job, now: datetime) -> dict[str, str]:
    ts = int(now.timestamp())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "lanyan-webhooks",
        "X-Lanyan-Event": job.event_type,
        "X-Lanyan-Delivery": str(job.delivery_id),
        "X-Lanyan-Timestamp": str(ts),
        "X-Lanyan-Signature": signing.sign(job.secret, ts, job.body),
    }


def record_attempt(
    session: Session,
    job: Job,
    now: datetime,
    status: int | None,
    error: str,
    duration_ms: int,
    policy: RelayPolicy,
) -> str:
    """Write the attempt to the log and move the delivery on; returns its new state."""
    delivery = session.execute(
        select(Delivery).where(Delivery.id == job.delivery_id).with_for_update()
    ).scalar_one()
    session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            at=now,
            status_code=status,
            error=error[:2000],
            duration_ms=duration_ms,
        )
    )
    delivery.attempts += 1
    if status is not None and 200 <= status < 300:
        delivery.state = DeliveryState.DELIVERED.value
        delivery.delivered_at = now
    elif delivery.attempts >= policy.max_attempts:
        delivery.state = DeliveryState.FAILING.value
        session.execute(
            update(Subscription)
            .where(Subscription.id == delivery.subscription_id)
            .values(failing=True)
        )
    else:
        wait = timedelta(seconds=policy.backoff_s * 2 ** (delivery.attempts - 1))
        delivery.next_attempt_at = now + min(wait, MAX_BACKOFF)
    session.flush()
    return delivery.state


def run_once(
    sessions: sessionmaker[Session],
    policy: RelayPolicy = RelayPolicy(),
    post: Post = http_post,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, int]:
    """One relay round: fan out, then deliver what is due. Returns counts by outcome."""
    with unit_of_work(sessions) as s:
        made = fan_out(s, clock())
    with unit_of_work(sessions) as s:
        jobs = claim(s, clock(), policy.batch)
    counts = {"fanned_out": made, "delivered": 0, "retry": 0, "failing": 0}
    for job in jobs:
        started = time.perf_counter()
        now = clock()
        status: int | None = None
        error = ""
        try:
            status = post(job, headers_for(job, now), policy.timeout_s)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except Exception as exc:  # a receiver that does not answer is a failed attempt
            error = f"{type(exc).__name__}: {exc}"
        took = int((time.perf_counter() - started) * 1000)
        with unit_of_work(sessions) as s:
            state = record_attempt(s, job, clock(), status, error, took, policy)
        key = {"delivered": "delivered", "failing": "failing"}.get(state, "retry")
        counts[key] += 1
    return counts


async def relay_forever(
    sessions: sessionmaker[Session], interval_s: float, policy: RelayPolicy
) -> None:
    """The relay inside ``lanyan serve``: a round every ``interval_s`` in a worker thread; an
    error is logged and the round retried, never ending the loop."""
    import asyncio

    while True:
        try:
            await asyncio.to_thread(run_once, sessions, policy)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("webhook relay round failed; retrying")
        await asyncio.sleep(interval_s)
