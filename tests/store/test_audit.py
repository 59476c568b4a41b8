"""The audit chain: written for every change, verified, and broken by any edit or deletion."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store import audit
from lanyan.store.audit import SYSTEM, AuditEntry, verify

from support import DAFENG, sample, seed_region


def _populate(uow: Any, n: int = 5, algorithm: audit.HashName = "sha256") -> None:
    seed_region(uow)
    ot = get_type("water-sources")
    for i in range(n):
        with uow() as s:
            row = service.create(
                s, ot, SYSTEM, EVERYWHERE, sample("water-sources", DAFENG, i), algorithm
            )
            service.update(s, ot, SYSTEM, EVERYWHERE, row.id, {"status": "damaged"}, algorithm)


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_intact_chain_verifies(uow: Any, sessions: Any, algorithm: audit.HashName) -> None:
    _populate(uow, algorithm=algorithm)
    with sessions() as s:
        result = verify(s)
        algos = set(s.execute(select(AuditEntry.algorithm)).scalars())
    assert result.ok, result.problem
    assert result.checked == 6 + 10  # six jurisdictions, five creates, five updates
    assert "sm3" in algos if algorithm == "sm3" else algos == {"sha256"}


def test_sm3_digest_matches_the_standard_example() -> None:
    # GB/T 32905-2016 appendix A.1: SM3("abc")
    assert audit.digest("sm3", b"abc") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_edited_entry_is_detected(uow: Any, sessions: Any) -> None:
    _populate(uow)
    with uow() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 9).values(actor="someone-else"))
    with sessions() as s:
        result = verify(s)
    assert not result.ok and result.seq == 9 and "altered" in result.problem


def test_deleted_entry_is_detected(uow: Any, sessions: Any) -> None:
    _populate(uow)
    with uow() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 7))
    with sessions() as s:
        result = verify(s)
    assert not result.ok and result.seq == 7 and "missing" in result.problem


def test_deleted_tail_is_detected(uow: Any, sessions: Any) -> None:
    _populate(uow)
    with uow() as s:
        last = s.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())).scalars().first()
        s.execute(delete(AuditEntry).where(AuditEntry.seq == last))
    with sessions() as s:
        result = verify(s)
    assert not result.ok and "head" in result.problem


def test_rewritten_entry_with_recomputed_hash_breaks_the_next_link(uow: Any, sessions: Any) -> None:
    _populate(uow)
    with uow() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.seq == 8)).scalar_one()
        entry.after = '{"status": "intact"}'
        entry.hash = audit.entry_hash(entry)
    with sessions() as s:
        result = verify(s)
    assert not result.ok and result.seq == 9 and "link" in result.problem


def test_failed_write_leaves_no_audit_entry(uow: Any, sessions: Any) -> None:
    seed_region(uow)
    bad = sample("water-sources", DAFENG) | {"jurisdiction_code": "999999"}
    with pytest.raises(Exception, match="invalid input"), uow() as s:
        service.create(s, get_type("water-sources"), SYSTEM, EVERYWHERE, bad)
    with sessions() as s:
        assert verify(s).checked == 6


def test_concurrent_writers_keep_one_linear_chain(uow: Any, sessions: Any) -> None:
    """Eight threads write at once; the chain must stay linear (no forks, no gaps)."""
    seed_region(uow)
    ot = get_type("water-sources")
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(k: int) -> None:
        try:
            start.wait()
            for i in range(5):
                with uow() as s:
                    service.create(
                        s, ot, SYSTEM, EVERYWHERE, sample("water-sources", DAFENG, k * 100 + i)
                    )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with sessions() as s:
        result = verify(s)
    assert result.ok, result.problem
    assert result.checked == 6 + 40


def test_the_deployments_hash_reaches_every_domain_write(engine: Any, sessions: Any) -> None:
    """A domain function that passes no algorithm of its own (here the equipment catalogue, whose
    default is SHA-256) still writes SM3 entries when the deployment chose SM3."""
    from lanyan.logistics.schemas.equipment import KindCreate
    from lanyan.logistics.service import create_kind
    from lanyan.store.db import make_session_factory, unit_of_work

    payload = KindCreate(code="K-SM3", name="空气呼吸器", category="protective_gear")
    with unit_of_work(make_session_factory(engine, "sm3")) as s:
        create_kind(s, SYSTEM, payload)
    with sessions() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.object_id != "")).scalars().all()
        assert [e.algorithm for e in entry] == ["sm3"]
        assert verify(s).ok
