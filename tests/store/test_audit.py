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
from lanyan.store.db import make_session_factory, unit_of_work

from support import DAFENG, sample, seed_region


def _populate(uow: Any, n: int = 5, factory: Any = None) -> None:
    """Seed and write ``n`` creates and updates; ``factory`` (a session factory carrying the
    deployment's hash, as ``make_session_factory`` builds it) makes the writes' sessions."""
    seed_region(uow)
    ot = get_type("water-sources")
    for i in range(n):
        with unit_of_work(factory) if factory else uow() as s:
            row = service.create(s, ot, SYSTEM, EVERYWHERE, sample("water-sources", DAFENG, i))
            service.update(s, ot, SYSTEM, EVERYWHERE, row.id, {"status": "damaged"})


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_intact_chain_verifies(
    engine: Any, uow: Any, sessions: Any, algorithm: audit.HashName
) -> None:
    _populate(uow, factory=make_session_factory(engine, algorithm))
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
    """A domain function (here the equipment catalogue) takes no algorithm: it writes SM3 entries
    because the deployment chose SM3 and its session carries that choice."""
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


def test_no_function_threads_the_hash_algorithm() -> None:
    """The session carries the audit hash (``audit.session_algorithm``); no function outside the
    audit module takes it as a parameter (issue #15: it used to thread through 75 signatures)."""
    import ast
    from pathlib import Path

    import lanyan

    root = Path(lanyan.__file__).parent
    threaded = []
    for path in root.rglob("*.py"):
        if path.name == "audit.py" and path.parent.name == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                for arg in a.posonlyargs + a.args + a.kwonlyargs:
                    note = ast.unparse(arg.annotation) if arg.annotation else ""
                    if "HashName" in note or arg.arg == "algorithm":
                        threaded.append(f"{path.relative_to(root)}:{node.lineno} {node.name}")
    assert threaded == []


def test_record_takes_the_hash_from_the_session_only(engine: Any, sessions: Any) -> None:
    import inspect

    assert "algorithm" not in inspect.signature(audit.record).parameters
    assert "algorithm" not in inspect.signature(audit.record_many).parameters
    with sessions() as s:
        assert audit.session_algorithm(s) == "sha256"
    with make_session_factory(engine, "sm3")() as s:
        assert audit.session_algorithm(s) == "sm3"


def test_trail_is_one_objects_history_inside_the_readers_jurisdiction(
    uow: Any, sessions: Any
) -> None:
    with uow() as s:
        audit.record(s, SYSTEM, "create", "items", 1, None, {"v": 1}, scope_path="/1/2/")
        audit.record(s, SYSTEM, "create", "items", 2, None, {"v": 1}, scope_path="/1/2/")
        audit.record(s, SYSTEM, "update", "items", 1, {"v": 1}, {"v": 2}, scope_path="/1/2/")
        audit.record(s, SYSTEM, "create", "cases", 1, None, {"v": 1}, scope_path="/1/2/")
        audit.record(s, SYSTEM, "move", "items", 1, {"v": 2}, {"v": 3}, scope_path="/1/3/")
    with sessions() as s:
        seqs = lambda entries: [e.seq for e in entries]  # noqa: E731
        assert seqs(audit.trail(s, "items", 1, "/")) == [1, 3, 5]
        assert seqs(audit.trail(s, "items", "1", "/1/2/")) == [1, 3]  # not the /1/3/ entry
        assert seqs(audit.trail(s, "items", 1, "/1/2/", newest_first=True)) == [3, 1]
        assert seqs(audit.trail(s, "items", [1, 2], "/", limit=3)) == [1, 2, 3]
        assert seqs(audit.trail(s, "items", 1, "/", newest_first=True, limit=1)) == [5]
        assert audit.trail(s, "items", [], "/") == []
        # A path is a prefix of whole segments: "/1/2" must not match by accident with LIKE.
        assert audit.trail(s, "items", 1, "/1/2%") == []
