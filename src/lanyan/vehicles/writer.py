"""Group commit for the JT/T 808 gateway (``store.group_commit``, like the GB/T 26875.3
gateway's ``monitoring.batching``): jobs from every connection go to one writer thread, which
stores a batch in one transaction and then calls each job's callback on the event loop. A
terminal's 0x8001 is written from that callback, so it is sent only after the commit. A failed
batch is retried job by job, so one job that cannot be stored costs only its own answer (the
terminal retransmits).

``max_batch=1, max_delay=0`` is the per-message-commit anchor of ``bench/jt808.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from lanyan.store.group_commit import GroupCommitter
from lanyan.vehicles.ingest import Bindings, Job, Outcome, store_jobs
from lanyan.vehicles.meters import BATCH_SIZE, POSITIONS

MAX_BATCH = 2000
Done = Callable[[Outcome | None, BaseException | None], None]
Store = Callable[[Session, list[Job]], list[Outcome]]


class JobWriter(GroupCommitter[Job, Outcome]):
    thread_name = "lanyan-jt808-writer"

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        store: Store | None = None,
        max_batch: int = MAX_BATCH,
        max_delay: float = 0.002,
    ) -> None:
        super().__init__(max_batch=max_batch, max_delay=max_delay)
        self.factory = factory
        bindings = Bindings()
        self.store: Store = store or (lambda s, jobs: store_jobs(s, jobs, bindings))

    def store_batch(self, items: Sequence[Job]) -> list[Outcome]:
        with self.factory() as session:
            out = list(self.store(session, list(items)))
            session.commit()
        POSITIONS.inc(sum(o.stored for o in out))
        return out

    def observe(self, size: int) -> None:
        BATCH_SIZE.observe(size)

    def describe(self, item: Job) -> str:
        return f"jt808 {item.kind} from {item.phone}"
