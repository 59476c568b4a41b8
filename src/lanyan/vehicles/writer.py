"""Group commit for the JT/T 808 gateway, like ``monitoring.batching.BatchWriter``: jobs from
every connection go to one writer thread, which stores a batch in one transaction and then
calls each job's callback on the event loop. A terminal's 0x8001 is written from that callback,
so it is sent only after the commit. A failed batch is retried job by job, so one job that
cannot be stored costs only its own answer (the terminal retransmits).

``max_batch=1, max_delay=0`` is the per-message-commit anchor of ``bench/jt808.py``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from lanyan.vehicles.ingest import Bindings, Job, Outcome, store_jobs

log = logging.getLogger(__name__)

MAX_BATCH = 2000
Done = Callable[[Outcome | None, BaseException | None], None]
Store = Callable[[Session, list[Job]], list[Outcome]]


class JobWriter:
    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        store: Store | None = None,
        max_batch: int = MAX_BATCH,
        max_delay: float = 0.002,
    ) -> None:
        self.factory = factory
        bindings = Bindings()
        self.store: Store = store or (lambda s, jobs: store_jobs(s, jobs, bindings))
        self.max_batch = max_batch
        self.max_delay = max_delay
        self.batches = 0
        self.stored = 0
        self.largest = 0
        self._queue: list[tuple[Job, Done]] = []
        self._cond = threading.Condition(threading.Lock())
        self._closing = False
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Start the writer thread; call from the event loop that will enqueue."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="lanyan-jt808-writer", daemon=True)
        self._thread.start()

    def enqueue(self, job: Job, done: Done) -> None:
        if self._thread is None:
            self.start()
        with self._cond:
            self._queue.append((job, done))
            if len(self._queue) == 1 or len(self._queue) >= self.max_batch:
                self._cond.notify()

    async def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    def _take(self) -> list[tuple[Job, Done]]:
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
                return
            results = self._store([j for j, _d in taken])
            self.batches += 1
            self.largest = max(self.largest, len(taken))
            assert self._loop is not None
            try:
                self._loop.call_soon_threadsafe(_settle, [d for _j, d in taken], results)
            except RuntimeError:
                return  # the loop is gone

    def _store(self, jobs: list[Job]) -> list[Outcome | BaseException]:
        try:
            with self.factory() as session:
                out: list[Outcome | BaseException] = list(self.store(session, jobs))
                session.commit()
            self.stored += len(jobs)
            return out
        except Exception as exc:
            if len(jobs) == 1:
                log.exception("jt808: storing %s from %s failed", jobs[0].kind, jobs[0].phone)
                return [exc]
            log.warning("jt808: a batch of %d failed (%s); storing one by one", len(jobs), exc)
        return [one for j in jobs for one in self._store([j])]


def _settle(dones: list[Done], results: list[Any]) -> None:
    for done, result in zip(dones, results, strict=True):
        try:
            if isinstance(result, BaseException):
                done(None, result)
            else:
                done(result, None)
        except Exception:
            log.exception("jt808: a stored job's callback failed")
