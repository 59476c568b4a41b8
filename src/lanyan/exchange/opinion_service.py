"""Public-opinion monitoring (舆情监测): feeds and keywords (audited), the poller and the alerts.

The poller (``lanyan serve`` every ``opinion_poll_every_s``, or ``lanyan opinion poll``) reads
each active feed with a timeout (``urllib``; deployments without internet point it at internal
feeds), outside any transaction; parses it (:mod:`lanyan.exchange.opinion`); and in one short
transaction per feed stores an alert for each new item that matches the keyword rules. A feed
that cannot be fetched or parsed is logged, its error kept on the feed, and skipped: the round
goes on with the next. The publicity department (宣传, role ``publicity``) reads the alerts and
marks each handled (audited).
"""

from __future__ import annotations

import asyncio
import logging
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.exchange import opinion
from lanyan.exchange.models import OpinionAlert, OpinionFeed, OpinionKeyword
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.db import unit_of_work
from lanyan.store.paging import paginate

log = logging.getLogger(__name__)
SLUG = "opinion"  # alerts: read by the publicity department, handled by it
FEEDS_SLUG = "opinion-feeds"  # feeds and keywords: administrators
KEYWORD_KINDS = ("topic", "place")
# Units whose names are place words of the rule: key units and high-risk units.
WATCHED_UNITS = (UnitCategory.KEY.value, UnitCategory.HIGH_RISK.value)
MAX_FEED_BYTES = 5 * 1024 * 1024

Fetch = Callable[[str, float], bytes]


# ---- feeds and keywords ----------------------------------------------------------------------


def _feed_snapshot(row: OpinionFeed) -> dict[str, Any]:
    return {"name": row.name, "url": row.url, "active": row.active}


def create_feed(session: Session, actor: Actor, name: str, url: str) -> OpinionFeed:
    audit.begin_write(session)
    name, url = name.strip(), url.strip()
    problems = []
    if not name or len(name) > 100:
        problems.append(FieldProblem("name", "must be 1–100 characters"))
    if not url.startswith(("http://", "https://")) or len(url) > 500:
        problems.append(FieldProblem("url", "must be an http:// or https:// address (≤ 500)"))
    if problems:
        raise ValidationFailed("the feed is not valid", problems)
    if session.execute(select(OpinionFeed.id).where(OpinionFeed.name == name)).first():
        raise Conflict(f"a feed named {name} exists", [FieldProblem("name", "must be unique")])
    row = OpinionFeed(name=name, url=url, active=True, last_error="")
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", FEEDS_SLUG, row.id, None, _feed_snapshot(row))
    return row


def set_feed_active(session: Session, actor: Actor, feed_id: int, active: bool) -> OpinionFeed:
    audit.begin_write(session)
    row = session.get(OpinionFeed, feed_id)
    if row is None:
        raise NotFound(f"feed {feed_id} does not exist")
    before = _feed_snapshot(row)
    row.active = active
    session.flush()
    audit.record(session, actor, "update", FEEDS_SLUG, row.id, before, _feed_snapshot(row))
    return row


def list_feeds(session: Session, page: int, size: int) -> tuple[list[OpinionFeed], int]:
    return paginate(session, select(OpinionFeed).order_by(OpinionFeed.name), page, size)


def add_keyword(session: Session, actor: Actor, word: str, kind: str) -> OpinionKeyword:
    audit.begin_write(session)
    word = word.strip()
    problems = []
    if not word or len(word) > 50:
        problems.append(FieldProblem("word", "must be 1–50 characters"))
    if kind not in KEYWORD_KINDS:
        problems.append(FieldProblem("kind", f"must be one of {', '.join(KEYWORD_KINDS)}"))
    if problems:
        raise ValidationFailed("the keyword is not valid", problems)
    if session.execute(select(OpinionKeyword.id).where(OpinionKeyword.word == word)).first():
        raise Conflict(f"the keyword {word} exists", [FieldProblem("word", "must be unique")])
    row = OpinionKeyword(word=word, kind=kind, created_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "create", FEEDS_SLUG, f"kw{row.id}", None, {"word": word, "kind": kind}
    )
    return row


def remove_keyword(session: Session, actor: Actor, keyword_id: int) -> None:
    audit.begin_write(session)
    row = session.get(OpinionKeyword, keyword_id)
    if row is None:
        raise NotFound(f"keyword {keyword_id} does not exist")
    before = {"word": row.word, "kind": row.kind}
    session.delete(row)
    session.flush()
    audit.record(session, actor, "delete", FEEDS_SLUG, f"kw{keyword_id}", before, None)


def list_keywords(session: Session) -> list[OpinionKeyword]:
    """The administrator's words (a short list by nature: a few dozen)."""
    return list(
        session.execute(
            select(OpinionKeyword).order_by(OpinionKeyword.kind, OpinionKeyword.word)
        ).scalars()
    )


def rules(session: Session) -> opinion.Rules:
    """The keyword rules now: built-in topics, jurisdictions, watched units, own words."""
    words = list_keywords(session)
    jurisdictions = [
        (name, jid) for name, jid in session.execute(select(Jurisdiction.name, Jurisdiction.id))
    ]
    units = [
        (name, jid)
        for name, jid in session.execute(
            select(Unit.name, Unit.jurisdiction_id).where(Unit.category.in_(WATCHED_UNITS))
        )
    ]
    return opinion.build_rules(
        [w.word for w in words if w.kind == "topic"],
        jurisdictions,
        units,
        [w.word for w in words if w.kind == "place"],
    )


# ---- the poller ------------------------------------------------------------------------------


def http_fetch(url: str, timeout_s: float) -> bytes:
    """The feed's bytes (at most :data:`MAX_FEED_BYTES`); an exception for anything else."""
    request = urllib.request.Request(url, headers={"User-Agent": "lanyan-opinion"})
    with urllib.request.urlopen(request, timeout=timeout_s) as reply:
        body: bytes = reply.read(MAX_FEED_BYTES + 1)
    if len(body) > MAX_FEED_BYTES:
        raise ValueError(f"the feed is larger than {MAX_FEED_BYTES} bytes")
    return body


@dataclass
class PollResult:
    feeds: int = 0
    failed: int = 0
    items: int = 0
    alerts: int = 0


def store_alerts(
    session: Session, feed_id: int, source: str, items: list[opinion.Item], now: datetime
) -> int:
    """New alerts for the matching items not seen before; returns how many."""
    rule = rules(session)
    found: dict[str, tuple[opinion.Item, opinion.Match]] = {}
    for item in items:
        hit = opinion.match(item.title, item.summary, rule)
        if hit is not None:
            found.setdefault(opinion.item_key(item), (item, hit))
    if not found:
        return 0
    seen = set(
        session.execute(
            select(OpinionAlert.item_key).where(OpinionAlert.item_key.in_(list(found)))
        ).scalars()
    )
    made = 0
    for key, (item, hit) in found.items():
        if key in seen:
            continue
        session.add(
            OpinionAlert(
                feed_id=feed_id,
                item_key=key,
                title=item.title or item.link,
                link=item.link,
                source=source[:200],
                published_at=item.published,
                matched=list(hit.words),
                jurisdiction_id=hit.jurisdiction_id,
                created_at=now,
                handled_by="",
                handled_note="",
            )
        )
        made += 1
    session.flush()
    return made


def poll(
    sessions: sessionmaker[Session],
    timeout_s: float = 10.0,
    fetch: Fetch = http_fetch,
    clock: Callable[[], datetime] = utcnow,
) -> PollResult:
    """One round over the active feeds (see the module docstring)."""
    with unit_of_work(sessions) as s:
        feeds = [
            (f.id, f.name, f.url)
            for f in s.execute(
                select(OpinionFeed).where(OpinionFeed.active.is_(True)).order_by(OpinionFeed.id)
            ).scalars()
        ]
    result = PollResult()
    for feed_id, name, url in feeds:
        result.feeds += 1
        error = ""
        parsed: opinion.Feed | None = None
        try:
            parsed = opinion.parse(fetch(url, timeout_s))
        except Exception as exc:  # a dead or malformed feed is logged and skipped
            error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("opinion feed %s (%s) skipped: %s", name, url, error)
            result.failed += 1
        with unit_of_work(sessions) as s:
            row = s.get(OpinionFeed, feed_id)
            if row is None:
                continue
            row.last_polled_at = clock()
            row.last_error = error
            if parsed is not None:
                result.items += len(parsed.items)
                source = parsed.title or name
                result.alerts += store_alerts(s, feed_id, source, list(parsed.items), clock())
    return result


async def poll_forever(
    sessions: sessionmaker[Session], interval_s: float, timeout_s: float
) -> None:
    """The poller inside ``lanyan serve``: a round every ``interval_s`` in a worker thread; an
    error is logged and the next round runs, never ending the loop."""
    while True:
        try:
            await asyncio.to_thread(poll, sessions, timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("opinion poll round failed; retrying")
        await asyncio.sleep(interval_s)


# ---- alerts ----------------------------------------------------------------------------------


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    """Alerts placed inside the scope, and region-wide ones (no place matched a jurisdiction)."""
    return or_(OpinionAlert.jurisdiction_id.is_(None), scope.within(OpinionAlert.jurisdiction_id))


def list_alerts(
    session: Session, scope: Scope, handled: bool | None, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """Alerts newest first (open ones: ``handled=False``), with their feed's name."""
    stmt = (
        select(OpinionAlert, OpinionFeed.name)
        .join(OpinionFeed, OpinionFeed.id == OpinionAlert.feed_id)
        .where(_in_scope(scope))
        .order_by(OpinionAlert.created_at.desc(), OpinionAlert.id.desc())
    )
    if handled is not None:
        stmt = stmt.where(
            OpinionAlert.handled_at.is_not(None) if handled else OpinionAlert.handled_at.is_(None)
        )
    rows, total = paginate(session, stmt, page, size)
    return [alert_public(a, feed) for a, feed in rows], total


def alert_public(a: OpinionAlert, feed: str) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "link": a.link,
        "source": a.source,
        "feed": feed,
        "published_at": a.published_at,
        "matched": a.matched,
        "created_at": a.created_at,
        "handled_at": a.handled_at,
        "handled_by": a.handled_by,
        "handled_note": a.handled_note,
    }


def handle_alert(
    session: Session, actor: Actor, scope: Scope, alert_id: int, note: str
) -> dict[str, Any]:
    """Mark an alert handled by ``actor`` with a note (audited); 409 when it already is."""
    audit.begin_write(session)
    if len(note) > 2000:
        raise ValidationFailed("the note is too long", [FieldProblem("note", "at most 2000")])
    row = session.execute(
        select(OpinionAlert).where(OpinionAlert.id == alert_id, _in_scope(scope)).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"alert {alert_id} does not exist or is outside your jurisdiction")
    if row.handled_at is not None:
        raise Conflict(
            f"alert {alert_id} was handled by {row.handled_by}",
            [FieldProblem("alert", "is already handled")],
        )
    row.handled_at = utcnow()
    row.handled_by = actor.username
    row.handled_note = note.strip()
    session.flush()
    after = {"title": row.title, "handled_by": row.handled_by, "note": row.handled_note}
    path = "/"
    if row.jurisdiction_id is not None:
        path = session.execute(
            select(Jurisdiction.path).where(Jurisdiction.id == row.jurisdiction_id)
        ).scalar_one()
    audit.record(session, actor, "handle", SLUG, row.id, None, after, scope_path=path)
    feed = session.execute(
        select(OpinionFeed.name).where(OpinionFeed.id == row.feed_id)
    ).scalar_one()
    return alert_public(row, feed)
