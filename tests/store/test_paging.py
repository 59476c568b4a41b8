"""The one pagination helper: COUNT and LIMIT/OFFSET in SQL over any select."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lanyan.store import audit
from lanyan.store.audit import SYSTEM, AuditEntry
from lanyan.store.paging import paginate


def _entries(uow: Any, n: int) -> None:
    with uow() as s:
        for i in range(1, n + 1):
            kind = "even" if i % 2 == 0 else "odd"
            audit.record(s, SYSTEM, "create", kind, i, None, {"n": i}, scope_path="/1/")


def test_a_page_is_the_slice_and_the_total_counts_every_row(uow: Any, sessions: Any) -> None:
    _entries(uow, 7)
    by_seq = select(AuditEntry).order_by(AuditEntry.seq)
    with sessions() as s:
        pages = [paginate(s, by_seq, page, 3) for page in (1, 2, 3, 4)]
    assert [[e.seq for e in items] for items, _ in pages] == [[1, 2, 3], [4, 5, 6], [7], []]
    assert {total for _, total in pages} == {7}


def test_the_total_counts_the_filtered_rows_and_ignores_the_order(uow: Any, sessions: Any) -> None:
    _entries(uow, 7)
    odd = select(AuditEntry).where(AuditEntry.object_type == "odd")
    with sessions() as s:
        items, total = paginate(s, odd.order_by(AuditEntry.seq.desc()), 1, 2)
    assert total == 4
    assert [e.object_id for e in items] == ["7", "5"]


def test_a_wider_select_gives_row_tuples(uow: Any, sessions: Any) -> None:
    _entries(uow, 3)
    stmt = select(AuditEntry.seq, AuditEntry.object_type).order_by(AuditEntry.seq)
    with sessions() as s:
        items, total = paginate(s, stmt, 2, 2)
    assert total == 3
    assert [tuple(r) for r in items] == [(3, "odd")]
