"""Group commit (成批提交) for the embedded gateway: messages from every connection go to one
writer thread, which stores a batch of them in one transaction and then releases each waiting
connection. The durability rule is unchanged — a device's confirm is sent only after the
transaction holding its message committed — but the commit (the expensive part: a WAL write, a
round trip to PostgreSQL) is paid once per batch instead of once per frame.

A batch is bounded in size (``max_batch``) and in how long its first message may wait for
company (``max_delay``); while one batch commits the next one fills, so under load batches
grow by themselves and under light load a message waits at most ``max_delay``.

If a batch fails, each of its messages is tried again alone, so one message that cannot be
stored (a poison frame) costs only its own confirm; its device keeps it and retransmits.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from lanyan.monitoring.ingest import DeviceCache, Pending, Stored, store_events
from lanyan.monitoring.meters import BATCH_SIZE

log = logging.getLogger(__name__)

# Most messages in one transaction. Only reached under load (a batch holds what arrived while
# the previous one committed). In one bench/ingest.py session on SQLite, raising the cap from
# 500 to 2,000 gave about 9 % more frames per core and 5,000 little more; a 2,000-frame
# commit takes about 0.1 s.
MAX_BATCH = 2000

StoreBatch = Callable[[sessionmaker[Session], Sequence[Pending]], list[Stored]]
# Told on the event loop how a message went: (stored, None) or (None, error).
Done = Callable[[Any, BaseException | None], None]


class BatchWriter:
    """One writer thread in front of the store. ``submit`` returns once the message is
    durable (or raises when it could not be stored)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        store: StoreBatch | None = None,
        max_batch: int = MAX_BATCH,
        max_delay: float = 0.002,
    ) -> None:
        self.factory = factory
        # By default ``store_events`` with a device cache of this writer's own.
        self.store = store or partial(store_events, devices=DeviceCache())
        self.max_batch = max_batch
        self.max_delay = max_delay
        self.batches = 0
        self.stored = 0
        self.largest = 0
        self._queue: list[tuple[Pending, Done]] = []
        self._cond = threading.Condition(threading.Lock())  # not reentrant: cheaper
        self._closing = False
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Start the writer thread; call from the event loop that will submit."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="lanyan-batch-writer", daemon=True)
        self._thread.start()

    def enqueue(self, pending: Pending, done: Done) -> None:
        """Queue a message; ``done`` is called on the event loop once it is durable (or
        could not be stored)."""
        if self._thread is None:
            self.start()
        with self._cond:
            self._queue.append((pending, done))
            if len(self._queue) == 1 or len(self._queue) >= self.max_batch:
                self._cond.notify()

    async def submit(self, pending: Pending) -> Stored:
        """Queue a message and wait until it is durable; raises if it could not be stored."""
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self.enqueue(pending, partial(_resolve, future))
        return await future

    async def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    def _take(self) -> list[tuple[Pending, Done]]:
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
            results = self._store([p for p, _f in taken])
            self.batches += 1
            self.largest = max(self.largest, len(taken))
            BATCH_SIZE.observe(len(taken))
            assert self._loop is not None
            try:
                self._loop.call_soon_threadsafe(_settle, [d for _p, d in taken], results)
            except RuntimeError:
                return  # the loop is gone: nobody waits for these any more

    def _store(self, batch: list[Pending]) -> list[Stored | BaseException]:
        try:
            out: list[Stored | BaseException] = list(self.store(self.factory, batch))
            self.stored += len(batch)
            return out
        except Exception as exc:
            if len(batch) == 1:
                log.exception(
                    "storing %s serial %s failed", batch[0].item.source, batch[0].item.serial
                )
                return [exc]
            log.warning(
                "a batch of %d failed (%s); storing its messages one by one", len(batch), exc
            )
        return [one for p in batch for one in self._store([p])]


def _settle(dones: list[Done], results: list[Stored | BaseException]) -> None:
    for done, result in zip(dones, results, strict=True):
        try:
            if isinstance(result, BaseException):
                done(None, result)
            else:
                done(result, None)
        except Exception:
            log.exception("a stored message's callback failed")


def _resolve(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return  # its waiter went away meanwhile
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
