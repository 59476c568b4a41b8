"""The live alarm feed (实时警情推送): one reader of the store per process fans alarm changes out
to every subscriber (a browser's server-sent-events stream), each through a bounded queue.

The store is the source of truth, so changes made by other processes (the gateway, the MQTT
ingest, housekeeping in another worker) arrive too: the feed reads alarms whose ``updated_at``
is at or after its cursor, re-reading a short overlap window because a transaction may commit
after a later one that stamped an earlier time; ``(id, updated_at)`` pairs already sent inside
the window are skipped. Writers in this process call ``notify()`` after their commit to wake
the reader at once instead of at its next poll.

A subscriber that does not keep up (its queue is full) is dropped, never waited for: its
stream ends with a ``resync`` event and the browser reconnects and reloads the list.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.timeutil import utcnow
from lanyan.monitoring.views import changed_since, latest_change

log = logging.getLogger(__name__)

# How far back each read looks again: longer than any alarm-writing transaction lasts.
OVERLAP = timedelta(seconds=10)


class AlarmCursor:
    """Which alarm changes were already read. ``read(session)`` returns only new ones."""

    def __init__(self, start: datetime, overlap: timedelta = OVERLAP) -> None:
        self.mark = start
        self.overlap = overlap
        self._seen: dict[tuple[int, str], datetime] = {}

    def read(self, session: Session, page: int = 500) -> list[dict[str, Any]]:
        """Changes not read before, oldest first, in keyset pages of ``page`` rows (a burst
        larger than one page, e.g. an accepted sender's history, is read to its end)."""
        new = []
        since, after_id = self.mark - self.overlap, 0
        while True:
            items = changed_since(session, since, after_id, page)
            for item in items:
                key = (item["id"], item["updated_at"])
                if key in self._seen:
                    continue
                stamp = datetime.fromisoformat(item["updated_at"])
                self._seen[key] = stamp
                self.mark = max(self.mark, stamp)
                new.append(item)
            if len(items) < page:
                break
            since, after_id = datetime.fromisoformat(items[-1]["updated_at"]), items[-1]["id"]
        floor = self.mark - self.overlap * 2
        self._seen = {k: v for k, v in self._seen.items() if v >= floor}
        return new


@dataclass(eq=False)
class Subscriber:
    """One stream: sees alarms inside ``scope_path``, and those of unregistered senders (no
    jurisdiction yet) when ``unplaced`` (``views.sees_unplaced``; ``/`` sees them too)."""

    scope_path: str
    queue: asyncio.Queue[dict[str, Any]]
    dropped: bool = False
    sent: int = field(default=0)
    unplaced: bool = False

    def wants(self, item: dict[str, Any]) -> bool:
        if self.scope_path == "/":
            return True
        if not item["scope_path"]:
            return self.unplaced
        return bool(item["scope_path"].startswith(self.scope_path))


class AlarmHub:
    """The per-process fan-out. Start it lazily from the event loop with ``subscribe``."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        poll_s: float = 1.0,
        queue_size: int = 256,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.factory = factory
        self.poll_s = poll_s
        self.queue_size = queue_size
        self.clock = clock
        self.subscribers: set[Subscriber] = set()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._cursor: AlarmCursor | None = None
        # Reads run in worker threads; two at once (the reader and a direct ``poll_once``)
        # would both return a change the cursor has not yet marked as seen.
        self._read_lock = threading.Lock()

    # -- subscribers -----------------------------------------------------------------------

    def subscribe(self, scope_path: str, unplaced: bool = False) -> Subscriber:
        """A new subscriber; starts the reader on the running loop if needed."""
        self._ensure_running()
        sub = Subscriber(scope_path, asyncio.Queue(maxsize=self.queue_size), unplaced=unplaced)
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    def publish(self, items: list[dict[str, Any]]) -> None:
        """Offer ``items`` to every subscriber that may see them; drop those that are full."""
        for sub in list(self.subscribers):
            for item in items:
                if not sub.wants(item):
                    continue
                try:
                    sub.queue.put_nowait(item)
                except asyncio.QueueFull:
                    log.warning("live alarm subscriber too slow; dropped (it will resync)")
                    sub.dropped = True
                    self.subscribers.discard(sub)
                    break

    # -- the reader ------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake the reader now (safe from any thread; a no-op before the reader runs)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(wake.set)

    def _ensure_running(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = self._loop.create_task(self._run())

    def _start_cursor(self) -> AlarmCursor:
        with self.factory() as session:
            latest = latest_change(session)
        now = self.clock()
        return AlarmCursor(max(latest, now) if latest else now)

    def _read(self) -> list[dict[str, Any]]:
        with self._read_lock:
            if self._cursor is None:
                self._cursor = self._start_cursor()
            with self.factory() as session:
                return self._cursor.read(session)

    async def poll_once(self) -> int:
        """Read the store once and publish what changed; returns how many changes."""
        items = await asyncio.to_thread(self._read)
        if items:
            self.publish(items)
        return len(items)

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            try:
                await self.poll_once()
            except Exception:
                log.exception("live alarm feed could not read the store; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            self._wake.clear()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
