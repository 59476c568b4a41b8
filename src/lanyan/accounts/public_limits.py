"""The rate limit on public-portal submissions (公众服务限流): at most ``public_submit_max`` forms
from one client address in a rolling window of ``public_submit_window_minutes``, and at most
``public_lookup_max`` status lookups (so the four phone digits that guard a report cannot be
tried one after another by someone who has seen its tracking number).

The count lives in the database (the ``login_throttles`` table, kind ``submit``), like the
log-in limits (:mod:`lanyan.accounts.login_limits`) and for the same reasons: every worker
process of a PostgreSQL deployment shares it, and a restart does not hand a flooder a fresh
allowance. It is counted in a short transaction of its own *before* the form is read, so a
refused or invalid submission still counts (a flood of bad forms is a flood) and the count does
not hold a lock for the length of the submission. The client address is
:func:`lanyan.accounts.login_limits.client_address` (the trusted proxy header's last hop).

A limit of 0 turns it off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.requests import Request

from lanyan.accounts.login_limits import LoginLimits, client_address
from lanyan.accounts.models import LoginThrottle
from lanyan.core.config import Settings
from lanyan.core.errors import LanyanError
from lanyan.core.timeutil import local_clock, utcnow
from lanyan.store.db import unit_of_work

__all__ = ["SubmitLimit", "TooManySubmissions", "count_lookup", "count_submission"]

KIND = "submit"
LOOKUP_KIND = "lookup"


class TooManySubmissions(LanyanError):
    """A public form refused for a while; ``until`` is when the address may send again (UTC)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            "too many submissions or look-ups from this address; "
            f"try again after {local_clock(until)} (Asia/Shanghai)",
            [],
            429,
            "Too many submissions",
        )
        self.until = until


@dataclass(frozen=True)
class SubmitLimit:
    """Forms allowed per address (0: no limit) in one window."""

    max_per_window: int
    window: timedelta
    kind: str = KIND

    @classmethod
    def of(cls, settings: Settings, kind: str = KIND) -> SubmitLimit:
        most = settings.public_lookup_max if kind == LOOKUP_KIND else settings.public_submit_max
        return cls(most, timedelta(minutes=settings.public_submit_window_minutes), kind)

    @property
    def off(self) -> bool:
        return self.max_per_window == 0

    def count(self, session: Session, address: str, now: datetime) -> None:
        """Count one submission from ``address``, or raise TooManySubmissions if over the limit.

        The caller commits (the count stands whether or not the submission then succeeds)."""
        if self.off:
            return
        session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.kind == self.kind,
                LoginThrottle.window_started_at < now - self.window,
            )
        )
        LoginLimits._ensure(session, [(self.kind, address[:300])], now)
        row = session.execute(
            select(LoginThrottle)
            .where(LoginThrottle.kind == self.kind, LoginThrottle.key == address[:300])
            .with_for_update()
        ).scalar_one()
        if row.window_started_at + self.window <= now:
            row.failures, row.window_started_at = 0, now
        if row.failures >= self.max_per_window:
            raise TooManySubmissions(row.window_started_at + self.window)
        row.failures += 1


def count_submission(request: Request) -> None:
    """A dependency of every public form: count this submission or refuse it (429)."""
    _count(request, KIND)


def count_lookup(request: Request) -> None:
    """A dependency of the status lookups: count this lookup or refuse it (429)."""
    _count(request, LOOKUP_KIND)


def _count(request: Request, kind: str) -> None:
    settings: Settings = request.app.state.settings
    limit = SubmitLimit.of(settings, kind)
    if limit.off:
        return
    address = client_address(request, settings.trusted_proxy_header)
    with unit_of_work(request.app.state.sessions) as session:
        limit.count(session, address, utcnow())
