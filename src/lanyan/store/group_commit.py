"""Group commit (成批提交): one writer thread stores what many connections submit, a batch per
transaction, and tells each submitter on its event loop once its item is durable.

The durability rule of a gateway is unchanged by batching — a device's (or terminal's) confirm
is sent only after the transaction holding its message committed — but the commit (a WAL write,
a round trip to PostgreSQL) is paid once per batch instead of once per message.

A batch is bounded in size (``max_batch``) and in how long its first item may wait for company
(``max_delay``); while one batch commits the next one fills, so under load batches grow by
themselves and under light load an item waits at most ``max_delay``. If a batch fails, each of
its items is tried again alone, so one item that cannot be stored (a poison frame) costs only
its own confirm; its sender keeps it and retransmits. ``max_batch=1, max_delay=0`` is the
commit-per-message anchor the benches compare against.

Subclasses say how a batch is stored (:meth:`GroupCommitter.store_batch`, one transaction,
raising on failure) and how an item is named in the log; the GB/T 26875.3 gateway
(``monitoring.batching``) and the JT/T 808 gateway (``vehicles.writer``) are the two.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

J = TypeVar("J")
R = TypeVar("R")
# Told on the event loop how an item went: (result, None) or (None, error).
Done = Callable[[Any, BaseException | None], None]


class GroupCommitter(Generic[J, R]):
    """A writer thread in front of a store; ``enqueue`` an item with its ``done`` callback."""

    thread_name = "lanyan-group-commit"

    def __init__(self, *, max_batch: int, max_delay: float) -> None:
        self.max_batch = max_batch
        self.max_delay = max_delay
        self.batches = 0
        self.stored = 0
        self.largest = 0
        self._queue: list[tuple[J, Done]] = []
        self._cond = threading.Condition(threading.Lock())  # not reentrant: cheaper
        self._closing = False
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- what a subclass says -------------------------------------------------------------
    def store_batch(self, items: Sequence[J]) -> list[R]:
        """Store ``items`` in one transaction and return one result each; raise on failure."""
        raise NotImplementedError

    def describe(self, item: J) -> str:
        """How the log names an item that could not be stored."""
        return repr(item)

    def observe(self, size: int) -> None:
        """Called with each stored batch's size (a metric, say)."""

    # -- the machinery ----------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer thread; call from the event loop that will enqueue."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def enqueue(self, item: J, done: Done) -> None:
        """Queue an item; ``done`` is called on the event loop once it is durable (or could
        not be stored)."""
        if self._thread is None:
            self.start()
        with self._cond:
            self._queue.append((item, done))
            if len(self._queue) == 1 or len(self._queue) >= self.max_batch:
                self._cond.notify()

    async def close(self) -> None:
        """Store what is queued, then stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    def _take(self) -> list[tuple[J, Done]]:
        with self._cond:
            while not self._queue and not self._closing:
                self._cond.wait()
            if self.max_delay > 0 and len(self._queue) < self.max_batch and not self._closing:
                deadline = time.monotonic() + self.max_delay
                while len(self._queue) < self.max_batch and not self._closing:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
            taken = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            return taken

    def _run(self) -> None:
        while True:
            taken = self._take()
            if not taken:
                return  # closing and drained
            results = self._store([item for item, _d in taken])
            self.batches += 1
            self.largest = max(self.largest, len(taken))
            self.observe(len(taken))
            assert self._loop is not None
            try:
                self._loop.call_soon_threadsafe(_settle, [d for _i, d in taken], results)
            except RuntimeError:
                return  # the loop is gone: nobody waits for these any more

    def _store(self, items: list[J]) -> list[R | BaseException]:
        try:
            out: list[R | BaseException] = list(self.store_batch(items))
            self.stored += len(items)
            return out
        except Exception as exc:
            if len(items) == 1:
                log.exception("storing %s failed", self.describe(items[0]))
                return [exc]
            log.warning("a batch of %d failed (%s); storing its items one by one", len(items), exc)
        return [one for item in items for one in self._store([item])]


def _settle(dones: list[Done], results: list[Any]) -> None:
    for done, result in zip(dones, results, strict=True):
        try:
            if isinstance(result, BaseException):
                done(None, result)
            else:
                done(result, None)
        except Exception:
            log.exception("a stored item's callback failed")
