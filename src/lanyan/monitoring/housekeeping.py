"""Periodic work beside the gateway: devices offline after missed heartbeats, escalation of
unhandled fire alarms (each round in short transactions of at most ``CHUNK`` rows), remote duty
checks (查岗) past their missed line marked missed, and the retention of running-state frames
(``monitoring.retention``, in short transactions of its own)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.config import Settings
from lanyan.core.timeutil import utcnow
from lanyan.monitoring.alarms import sweep_offline
from lanyan.monitoring.duty_check_service import credit_missed, mark_missed_units
from lanyan.monitoring.handling import escalate_unhandled
from lanyan.monitoring.retention import RunningStatePruner
from lanyan.store.db import unit_of_work

log = logging.getLogger(__name__)
CHUNK = 500  # devices or alarms per transaction of a housekeeping round


@dataclass(frozen=True)
class Housekeeping:
    """``heartbeat``: the devices' reporting period; offline after ``missed`` of them.
    ``escalate_after``: how long a fire alarm may stay unhandled. ``keep_heartbeats``: how
    long running-state frames are kept as received (None: for ever)."""

    heartbeat: timedelta = timedelta(minutes=1)
    missed: int = 3
    escalate_after: timedelta = timedelta(minutes=3)
    keep_heartbeats: timedelta | None = None
    _pruner: RunningStatePruner = field(
        default_factory=RunningStatePruner, compare=False, repr=False
    )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        heartbeat_s: float | None = None,
        missed: int | None = None,
        escalate_after_s: float | None = None,
    ) -> Housekeeping:
        """The periods a deployment chose (``LANYAN_MONITOR_*``), any of the first three
        overridden (a command's options)."""
        days = settings.monitor_keep_heartbeats_days
        return cls(
            timedelta(seconds=heartbeat_s or settings.monitor_heartbeat_s),
            missed or settings.monitor_missed_heartbeats,
            timedelta(seconds=escalate_after_s or settings.monitor_escalate_after_s),
            timedelta(days=days) if days else None,
        )

    def prune(
        self, factory: sessionmaker[Session], now: datetime, most: int | None = 50_000
    ) -> int:
        """Fold expired running-state frames (at most ``most`` per call); returns how many."""
        if self.keep_heartbeats is None:
            return 0
        return self._pruner.prune(factory, now, self.keep_heartbeats, most=most)

    def round(
        self, factory: sessionmaker[Session], now: datetime, chunk: int = CHUNK
    ) -> tuple[int, int]:
        """One pass; returns (devices gone offline, fire alarms escalated). Each ``chunk`` of
        devices or alarms is its own short transaction: a first start after a long stop finds
        thousands of silent devices, and log-ins and alarm confirms must not wait for them."""
        offline = escalated = 0
        while True:
            with unit_of_work(factory) as session:
                opened = len(sweep_offline(session, now, self.heartbeat, self.missed, chunk))
            offline += opened
            if opened < chunk:
                break
        while True:
            with unit_of_work(factory) as session:
                raised = len(escalate_unhandled(session, now, self.escalate_after, chunk))
            escalated += raised
            if raised < chunk:
                break
        return offline, escalated

    def missed_checks(
        self, factory: sessionmaker[Session], now: datetime, chunk: int = CHUNK
    ) -> int:
        """Mark pending duty checks past their missed line missed, ``chunk`` per transaction,
        and feed them to the units' credit in the same transaction; how many."""
        missed = 0
        while True:
            with unit_of_work(factory) as session:
                units = mark_missed_units(session, now, chunk)
                credit_missed(session, units, now)  # 查岗 results into credit, same commit
            n = len(units)
            missed += n
            if n < chunk:
                return missed

    async def run(
        self,
        factory: sessionmaker[Session],
        every: float,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_change: Callable[[], None] | None = None,
        rounds: int | None = None,
    ) -> None:
        """Run a round every ``every`` seconds (forever, or ``rounds`` times). ``clock`` and
        ``sleep`` are injectable so tests run rounds without waiting; ``on_change`` is told
        after a round that changed something (the live alarm feed wakes on it)."""
        done = 0
        while rounds is None or done < rounds:
            try:
                offline, escalated = await asyncio.to_thread(self.round, factory, clock())
            except Exception:
                log.exception("monitoring housekeeping failed; retrying next round")
            else:
                if offline or escalated:
                    log.warning(
                        "%d device(s) offline, %d fire alarm(s) escalated", offline, escalated
                    )
                    if on_change is not None:
                        on_change()
            try:
                missed = await asyncio.to_thread(self.missed_checks, factory, clock())
            except Exception:
                log.exception("marking missed duty checks failed; retrying next round")
            else:
                if missed:
                    log.info("%d duty check(s) missed", missed)
            try:
                folded = await asyncio.to_thread(self.prune, factory, clock())
            except Exception:
                log.exception("pruning running-state frames failed; retrying next round")
            else:
                if folded:
                    log.info("%d running-state frame(s) past retention folded into days", folded)
            done += 1
            await sleep(every)
