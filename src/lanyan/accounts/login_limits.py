"""Log-in rate limits (登录限流) that slow a guesser without letting a stranger lock anyone out.

Failed log-ins are counted under three keys, each in a rolling window of
``login_failure_window_minutes`` (the counts start again when the window has passed):

``pair``     the typed username *and* the client address. After ``login_max_failures`` failures
             that pair is refused for ``login_lockout_minutes``. This is the "lock-out": it stops
             one address guessing one account, while the real owner signing in from another
             address is not affected.
``address``  the client address across every username. After ``login_address_max_failures``
             failures the address is refused for ``login_lockout_minutes`` (one address spraying
             many accounts).
``account``  the typed username across every address. After ``login_account_max_failures``
             failures each further attempt must wait ``login_account_delay_s`` seconds after the
             last failure. This softer limit slows a guesser spread over many addresses without
             a long lock a stranger could trigger on purpose.

The keys use the *typed* username, whether or not such a user exists, so a refusal says nothing
about which accounts exist: an unknown name, a wrong password and a refused attempt all cost one
Argon2 hash, and a refusal reads the same for every username. A success clears the pair and the
account counts (not the address count, so one valid account cannot launder an address).

The client address is the connection's peer address. Behind a reverse proxy set
``LANYAN_TRUSTED_PROXY_HEADER`` (e.g. ``X-Forwarded-For``); its right-most entry — the one the
proxy itself appended — is then used. Never set it when clients reach the server directly: they
could then choose their own address.

The counters live in the database (table ``login_throttles``) rather than in memory, so every
worker process of a PostgreSQL deployment shares them and a restart does not reset them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from lanyan.accounts.models import LoginThrottle
from lanyan.core.config import Settings
from lanyan.core.errors import LanyanError
from lanyan.core.timeutil import local_clock

__all__ = ["LoginLimits", "TooManyAttempts", "client_address"]


class TooManyAttempts(LanyanError):
    """Log-in refused for a while; ``until`` is when the caller may try again (UTC, aware)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            "too many failed log-ins from this address or for this username; "
            f"try again after {local_clock(until)} (Asia/Shanghai)",
            [],
            429,
            "Too many log-in attempts",
        )
        self.until = until


def client_address(request: HTTPConnection, trusted_proxy_header: str = "") -> str:
    """The client's address: the connection's peer, or the trusted proxy header's last entry."""
    if trusted_proxy_header:
        value = request.headers.get(trusted_proxy_header, "")
        hops = [hop.strip() for hop in value.split(",") if hop.strip()]
        if hops:
            return hops[-1][:100]
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class LoginLimits:
    """The limits in force, from ``Settings``; counts are failures, times are minutes/seconds."""

    pair_max: int
    address_max: int
    account_max: int
    window: timedelta
    lockout: timedelta
    account_delay: timedelta

    @classmethod
    def of(cls, settings: Settings) -> LoginLimits:
        return cls(
            pair_max=settings.login_max_failures,
            address_max=settings.login_address_max_failures,
            account_max=settings.login_account_max_failures,
            window=timedelta(minutes=settings.login_failure_window_minutes),
            lockout=timedelta(minutes=settings.login_lockout_minutes),
            account_delay=timedelta(seconds=settings.login_account_delay_s),
        )

    def _keys(self, username: str, address: str) -> list[tuple[str, str]]:
        name = username.strip().lower()[:150]
        return [("pair", f"{name}\x1f{address}"), ("address", address), ("account", name)]

    def refused_until(
        self, session: Session, username: str, address: str, now: datetime
    ) -> datetime | None:
        """When the latest block on this attempt's keys ends, or None if it may go ahead."""
        blocks = [
            row.blocked_until
            for row in self._rows(session, self._keys(username, address), lock=False)
            if row.blocked_until is not None and row.blocked_until > now
        ]
        return max(blocks) if blocks else None

    def failed(self, session: Session, username: str, address: str, now: datetime) -> None:
        """Count one failure under every key and block the keys that reached their limit."""
        keys = self._keys(username, address)
        # Forget counts whose window and block are both over, so the table stays small.
        session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.window_started_at < now - self.window - self.lockout,
                or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
            )
        )
        self._ensure(session, keys, now)
        for row in self._rows(session, keys, lock=True):
            if row.window_started_at + self.window <= now:
                row.failures, row.window_started_at = 0, now
            row.failures += 1
            limit = {"pair": self.pair_max, "address": self.address_max}.get(row.kind)
            if limit is not None and row.failures >= limit:
                row.blocked_until = now + self.lockout
                row.failures, row.window_started_at = 0, now
            elif row.kind == "account" and row.failures >= self.account_max:
                row.blocked_until = now + self.account_delay  # counting goes on: delay each one

    def succeeded(self, session: Session, username: str, address: str) -> None:
        """Clear the pair and account counts after a correct password."""
        for row in self._rows(session, self._keys(username, address)[::2], lock=True):
            row.failures, row.blocked_until = 0, None

    @staticmethod
    def _rows(
        session: Session, keys: Iterable[tuple[str, str]], *, lock: bool
    ) -> list[LoginThrottle]:
        wanted = list(keys)
        query = select(LoginThrottle).where(
            LoginThrottle.kind.in_({k for k, _ in wanted}),
            LoginThrottle.key.in_({v for _, v in wanted}),
        )
        if lock:
            query = query.with_for_update()
        rows = session.execute(query).scalars().all()
        return [r for r in rows if (r.kind, r.key) in wanted]

    @staticmethod
    def _ensure(session: Session, keys: list[tuple[str, str]], now: datetime) -> None:
        # Insert-if-missing, safe when two workers count the same key at once.
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        for kind, key in keys:
            session.execute(
                insert(LoginThrottle)
                .values(kind=kind, key=key, failures=0, window_started_at=now)
                .on_conflict_do_nothing(index_elements=["kind", "key"])
            )
