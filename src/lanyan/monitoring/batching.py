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

from sqlalchemy.orm import Session, sessionmaker

from lanyan.monitoring.ingest import Pending, Stored, store_events

log = logging.getLogger(__name__)

StoreBatch = Callable[[sessionmaker[Session], Sequence[Pending]], list[Stored]]


class BatchWriter:
    """One writer thread in front of the store. ``submit`` returns once the message is
    durable (or raises when it could not be stored)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        store: StoreBatch = store_events,
        max_batch: int = 500,
        max_delay: float = 0.002,
    ) -> None:
        self.factory = factory
        self.store = store
        self.max_batch = max_batch
        self.max_delay = max_delay
        self.batches = 0
        self.stored = 0
        self.largest = 0
        self._queue: list[tuple[Pending, asyncio.Future[Stored]]] = []
        self._cond = threading.Condition(threading.Lock())  # not reentrant: cheaper
        self._closing = False
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Start the writer thread; call from the event loop that will submit."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="lanyan-batch-writer", daemon=True)
        self._thread.start()

    def enqueue(self, pending: Pending) -> asyncio.Future[Stored]:
        """Queue a message; the future resolves once it is durable (or fails)."""
        if self._thread is None:
            self.start()
        assert self._loop is not None
        future: asyncio.Future[Stored] = self._loop.create_future()
        with self._cond:
            self._queue.append((pending, future))
            if len(self._queue) == 1 or len(self._queue) >= self.max_batch:
                self._cond.notify()
        return future

    async def submit(self, pending: Pending) -> Stored:
        return await self.enqueue(pending)

    async def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    def _take(self) -> list[tuple[Pending, asyncio.Future[Stored]]]:
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
            assert self._loop is not None
            try:
                self._loop.call_soon_threadsafe(_settle, [f for _p, f in taken], results)
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


def _settle(futures: list[asyncio.Future[Stored]], results: list[Stored | BaseException]) -> None:
    for future, result in zip(futures, results, strict=True):
        if future.done():
            continue  # its connection went away meanwhile
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
