"""The audit log as one chain per jurisdiction (issue #16): where entries go, that ``verify``
finds an edited, removed or re-ordered entry in any chain, that two counties' writers do not
wait for each other, and that the chain written before the partition still verifies."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, select, text, update

from lanyan.core.errors import Conflict
from lanyan.logistics.schemas.equipment import KindCreate
from lanyan.logistics.service import create_kind
from lanyan.registry import service
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store import audit
from lanyan.store.audit import GENESIS, LEGACY, SYSTEM, AuditEntry, AuditHead, verify
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade

from support import DAFENG, TINGHU, sample, seed_region


def path_of(sessions: Any, code: str) -> str:
    with sessions() as s:
        return s.execute(select(Jurisdiction.path).where(Jurisdiction.code == code)).scalar_one()


def _hydrants(uow: Any, county: str, n: int, start: int = 0) -> None:
    ot = get_type("water-sources")
    for i in range(start, start + n):
        with uow() as s:
            service.create(s, ot, SYSTEM, EVERYWHERE, sample("water-sources", county, i))


@pytest.fixture
def world(uow: Any, sessions: Any) -> dict[str, str]:
    seed_region(uow)
    _hydrants(uow, DAFENG, 3)
    _hydrants(uow, TINGHU, 3, start=10)
    with uow() as s:
        create_kind(
            s, SYSTEM, KindCreate(code="K-1", name="空气呼吸器", category="protective_gear")
        )
    return {code: path_of(sessions, code) for code in (DAFENG, TINGHU, "320900", "320904100")}


def test_entries_go_to_their_county_chain(sessions: Any, world: dict[str, str]) -> None:
    with sessions() as s:
        chains = {
            (e.object_type, e.scope_path): e.chain for e in s.execute(select(AuditEntry)).scalars()
        }
        result = verify(s)
    dafeng, tinghu, city = world[DAFENG], world[TINGHU], world["320900"]
    assert chains[("water-sources", dafeng)] == dafeng
    assert chains[("water-sources", tinghu)] == tinghu
    assert chains[("jurisdictions", world["320904100"])] == dafeng  # a town: its county's chain
    assert chains[("jurisdictions", city)] == city
    assert {c for (_t, p), c in chains.items() if p == "/"} == {"/"}  # the equipment kind
    assert result.ok, result.problem
    assert result.checked == 6 + 6 + 1
    assert result.chains >= 5  # province, city, two counties, global (and the legacy head)


def _county_entries(sessions: Any, chain: str) -> list[AuditEntry]:
    with sessions() as s:
        stmt = select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.seq)
        return list(s.execute(stmt).scalars())


@pytest.mark.parametrize("county", [DAFENG, TINGHU])
def test_an_edit_in_any_chain_is_found(
    uow: Any, sessions: Any, world: dict[str, str], county: str
) -> None:
    chain = world[county]
    victim = _county_entries(sessions, chain)[2]
    with uow() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == victim.id).values(after='{"x": 1}'))
    with sessions() as s:
        result = verify(s)
    assert not result.ok and result.chain == chain and result.seq == victim.seq
    assert "altered" in result.problem and chain in result.problem


@pytest.mark.parametrize("county", [DAFENG, TINGHU])
def test_a_removed_entry_in_any_chain_is_named(
    uow: Any, sessions: Any, world: dict[str, str], county: str
) -> None:
    chain = world[county]
    victim = _county_entries(sessions, chain)[2]
    with uow() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == victim.id))
    with sessions() as s:
        result = verify(s)
    assert not result.ok and result.chain == chain
    assert result.seq == victim.seq and "missing" in result.problem


@pytest.mark.parametrize("county", [DAFENG, TINGHU])
def test_a_re_ordered_entry_in_any_chain_is_found(
    uow: Any, sessions: Any, world: dict[str, str], county: str
) -> None:
    chain = world[county]
    first, second = _county_entries(sessions, chain)[2:4]
    with uow() as s:  # swap their places in the chain (seq is unique: through a free number)
        s.execute(update(AuditEntry).where(AuditEntry.id == first.id).values(seq=-1))
        s.execute(update(AuditEntry).where(AuditEntry.id == second.id).values(seq=first.seq))
        s.execute(update(AuditEntry).where(AuditEntry.id == first.id).values(seq=second.seq))
    with sessions() as s:
        result = verify(s)
    assert not result.ok and result.chain == chain
    assert "re-ordered" in result.problem


def test_an_entry_moved_to_another_chain_is_found(
    uow: Any, sessions: Any, world: dict[str, str]
) -> None:
    victim = _county_entries(sessions, world[DAFENG])[-1]
    with uow() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == victim.id).values(chain=world[TINGHU]))
    with sessions() as s:
        result = verify(s)
    assert not result.ok and result.chain in (world[DAFENG], world[TINGHU])


def test_record_many_spreads_over_chains_and_verifies(
    uow: Any, sessions: Any, world: dict[str, str]
) -> None:
    items = [(f"x{i}", None, {"i": i}, world[DAFENG if i % 2 else TINGHU]) for i in range(6)]
    with uow() as s:
        assert audit.record_many(s, SYSTEM, "import", "water_sources", items) == 6
    with sessions() as s:
        assert verify(s).ok, verify(s).problem
        chains = {e.object_id: e.chain for e in s.execute(select(AuditEntry)).scalars()}
    assert chains["x1"] == world[DAFENG] and chains["x2"] == world[TINGHU]


# Only on PostgreSQL (not skipped on SQLite but not collected there): SQLite has one writer at
# a time, so there its chains share its write lock by design.
postgresql_only = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@postgresql_only
def test_two_counties_do_not_wait_for_each_other(
    db_url: str, engine: Any, sessions: Any, world: dict[str, str]
) -> None:
    """A Dafeng transaction holds its chain; a Tinghu write commits meanwhile. A second
    Dafeng write waits for the first (same chain): the chain stays linear."""
    assert db_url.startswith("postgresql")
    holding, release = threading.Event(), threading.Event()
    done: list[str] = []
    errors: list[BaseException] = []

    def dafeng_holder() -> None:
        try:
            with unit_of_work(sessions) as s:
                audit.record(s, SYSTEM, "t", "x", "a", None, {}, scope_path=world[DAFENG])
                s.flush()
                holding.set()
                assert release.wait(30)
            done.append("dafeng-1")
        except BaseException as exc:
            errors.append(exc)

    def writer(county: str, name: str) -> None:
        try:
            with unit_of_work(sessions) as s:
                audit.record(s, SYSTEM, "t", "x", name, None, {}, scope_path=world[county])
            done.append(name)
        except BaseException as exc:
            errors.append(exc)

    holder = threading.Thread(target=dafeng_holder)
    holder.start()
    assert holding.wait(30)
    tinghu = threading.Thread(target=writer, args=(TINGHU, "tinghu"))
    tinghu.start()
    tinghu.join(30)
    assert done == ["tinghu"], (done, errors)  # committed while Dafeng's chain was held
    dafeng2 = threading.Thread(target=writer, args=(DAFENG, "dafeng-2"))
    dafeng2.start()
    dafeng2.join(0.5)
    assert dafeng2.is_alive()  # queued behind the holder on the same chain
    release.set()
    holder.join(30)
    dafeng2.join(30)
    assert not errors, errors
    assert done == ["tinghu", "dafeng-1", "dafeng-2"]
    with sessions() as s:
        assert verify(s).ok


@postgresql_only
def test_opposite_chain_orders_end_in_a_conflict_not_a_hang(
    db_url: str, sessions: Any, world: dict[str, str]
) -> None:
    """Two transactions each write into two chains, in opposite orders: PostgreSQL finds the
    deadlock and the loser gets the 409 Conflict (nothing saved); the winner commits."""
    assert db_url.startswith("postgresql")
    both_first = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def write(name: str, first: str, second: str) -> None:
        try:
            with unit_of_work(sessions) as s:
                audit.record(s, SYSTEM, "t", "x", name, None, {}, scope_path=world[first])
                s.flush()
                both_first.wait(30)
                audit.record(s, SYSTEM, "t", "x", name, None, {}, scope_path=world[second])
            outcomes[name] = "saved"
        except Conflict as exc:
            outcomes[name] = "conflict: " + exc.message

    threads = [
        threading.Thread(target=write, args=("a", DAFENG, TINGHU)),
        threading.Thread(target=write, args=("b", TINGHU, DAFENG)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["conflict", "saved"], outcomes
    loser = next(n for n, o in outcomes.items() if o.startswith("conflict"))
    with sessions() as s:
        assert verify(s).ok
        ids = set(s.execute(select(AuditEntry.object_id).where(AuditEntry.action == "t")).scalars())
    assert loser not in ids  # nothing of the loser was saved


# --- the chain written before the partition ------------------------------------------------


@pytest.fixture
def old_database(db_url: str, tmp_path: Any) -> Iterator[str]:
    """A new database of the backend under test, migrated only to the revision before chains."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    from conftest import _pg_database

    gen = _pg_database()
    yield next(gen)
    next(gen, None)


def _old_entry(seq: int, prev: str) -> dict[str, Any]:
    fields = {
        "seq": seq,
        "at": datetime(2026, 1, 1, 8, 0, seq, tzinfo=UTC),
        "actor": "system",
        "actor_id": None,
        "action": "create",
        "object_type": "water_sources",
        "object_id": str(seq),
        "before": None,
        "after": f'{{"n": {seq}}}',
        "algorithm": "sha256",
        "prev_hash": prev,
        "scope_path": "/",
    }
    return fields | {"hash": audit.content_hash(fields)}  # the hash as written before #16


def test_the_migration_keeps_the_old_chain_verifiable(old_database: str) -> None:
    from alembic import command

    from lanyan.store.migrate import alembic_config

    command.upgrade(alembic_config(old_database), "a3f1c9e2b7d4")
    engine = make_engine(old_database)
    try:
        prev, rows = GENESIS, []
        for seq in range(1, 6):
            row = _old_entry(seq, prev)
            prev = row["hash"]
            rows.append(row)
        cols = ", ".join(rows[0])
        marks = ", ".join(f":{k}" for k in rows[0])
        with engine.begin() as conn:
            conn.execute(text(f"INSERT INTO audit_log ({cols}) VALUES ({marks})"), rows)
            conn.execute(text("UPDATE audit_head SET seq = 5, hash = :h WHERE id = 1"), {"h": prev})
        upgrade(old_database)
        sessions = make_session_factory(engine)
        with sessions() as s:
            result = verify(s)
            assert result.ok, result.problem
            assert result.checked == 5
            legacy = s.execute(select(AuditHead).where(AuditHead.chain == LEGACY)).scalar_one()
            assert (legacy.id, legacy.seq, legacy.hash) == (1, 5, prev)
        with unit_of_work(sessions) as s:  # new entries: their own chain, numbered after
            entry = audit.record(s, SYSTEM, "create", "equipment_kinds", "k", None, {})
        assert entry.chain == "/" and entry.seq == 6 and entry.prev_seq == 0
        with sessions() as s:
            assert verify(s).ok and verify(s).checked == 6
        with engine.begin() as conn:  # an old entry edited after the migration is still found
            conn.execute(text("UPDATE audit_log SET actor = 'x' WHERE seq = 3"))
        with sessions() as s:
            result = verify(s)
        assert not result.ok and result.chain == LEGACY and result.seq == 3
        assert "altered" in result.problem
    finally:
        engine.dispose()


# --- what a write costs, and the memory of which chain a place's entries join ---------------


def _record(s: Any, name: str, path: str) -> AuditEntry:
    return audit.record(s, SYSTEM, "t", "x", name, None, {}, scope_path=path)


def test_a_known_place_costs_no_query_for_its_chain(
    engine: Any, uow: Any, world: dict[str, str]
) -> None:
    """Once a transaction has read a place's chain and committed, later transactions do not read
    the jurisdiction tree again; on PostgreSQL an entry is then two statements (the head locked
    and read with the entry's number drawn, then the entry and its head written)."""
    dafeng = world[DAFENG]
    with uow() as s:
        _record(s, "first", dafeng)
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        with uow() as s:
            entry = _record(s, "second", dafeng)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert entry.chain == dafeng
    assert not [q for q in seen if "jurisdictions" in q], seen
    if engine.dialect.name == "postgresql":
        assert len(seen) == 2, seen


def test_a_changed_level_sends_later_entries_to_the_new_chain(
    uow: Any, sessions: Any, world: dict[str, str]
) -> None:
    """A jurisdiction's level written (by the ORM or by a statement) makes the remembered chains
    be read again, in the writing transaction at once and in every later one."""
    tinghu, city = world[TINGHU], world["320900"]
    with uow() as s:
        assert _record(s, "a", tinghu).chain == tinghu  # remembered from here on
    with uow() as s:
        row = s.execute(select(Jurisdiction).where(Jurisdiction.code == TINGHU)).scalar_one()
        row.level = "town"
    with uow() as s:
        assert _record(s, "b", tinghu).chain == city
    with uow() as s:
        assert _record(s, "c", tinghu).chain == city
        s.execute(update(Jurisdiction).where(Jurisdiction.code == TINGHU).values(level="county"))
        assert _record(s, "d", tinghu).chain == tinghu  # the same transaction reads afresh
    with uow() as s:
        assert _record(s, "e", tinghu).chain == tinghu
    with sessions() as s:
        result = verify(s)
    assert result.ok, result.problem


def test_a_rolled_back_savepoint_leaves_the_chain_linked(
    uow: Any, sessions: Any, world: dict[str, str]
) -> None:
    """An entry written inside a savepoint that rolls back is gone; the next entry of the same
    chain links to the one before it, not to the undone one."""
    dafeng = world[DAFENG]
    with uow() as s:
        _record(s, "kept-1", dafeng)
        with pytest.raises(RuntimeError), s.begin_nested():
            _record(s, "undone", dafeng)
            raise RuntimeError("roll the savepoint back")
        _record(s, "kept-2", dafeng)
    with sessions() as s:
        result = verify(s)
        names = set(
            s.execute(select(AuditEntry.object_id).where(AuditEntry.action == "t")).scalars()
        )
    assert result.ok, result.problem
    assert names == {"kept-1", "kept-2"}


def test_chains_locked_up_front_then_written_stay_linked(
    uow: Any, sessions: Any, world: dict[str, str]
) -> None:
    """``begin_write`` with places locks their chains first; the entries then drawn into them
    link one after the other, in both chains."""
    dafeng, tinghu = world[DAFENG], world[TINGHU]
    with uow() as s:
        audit.begin_write(s, tinghu, dafeng)
        for name in ("a", "b"):
            _record(s, name, dafeng)
            _record(s, name, tinghu)
    with sessions() as s:
        result = verify(s)
        for chain in (dafeng, tinghu):
            tail = _county_entries(sessions, chain)[-2:]
            assert [e.object_id for e in tail] == ["a", "b"]
            assert tail[1].prev_seq == tail[0].seq and tail[1].prev_hash == tail[0].hash
    assert result.ok, result.problem
