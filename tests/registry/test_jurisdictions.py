"""The jurisdiction tree: code/level rules, moving a subtree, and scoping that follows the move."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.errors import ValidationFailed
from lanyan.registry import service
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import EVERYWHERE, Scope
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import DAFENG, TINGHU, create_sample, seed_region

J = get_type("jurisdictions")


def _by_code(s: Any, code: str) -> Jurisdiction:
    return s.execute(select(Jurisdiction).where(Jurisdiction.code == code)).scalar_one()


def test_code_must_match_level(uow: Any) -> None:
    seed_region(uow)
    with pytest.raises(ValidationFailed) as err, uow() as s:
        service.create(
            s,
            J,
            SYSTEM,
            EVERYWHERE,
            {"code": "320904101", "name": "x", "level": "county", "parent_code": DAFENG},
        )
    assert err.value.problems[0].field == "level"
    assert "town code" in err.value.problems[0].rule


def test_below_province_needs_a_parent(uow: Any) -> None:
    with pytest.raises(ValidationFailed) as err, uow() as s:
        service.create(
            s, J, SYSTEM, EVERYWHERE, {"code": "320900", "name": "盐城市", "level": "city"}
        )
    assert [p.field for p in err.value.problems] == ["parent_code"]


def test_moving_a_town_moves_its_rows_into_the_new_scope(uow: Any, sessions: Any) -> None:
    seed_region(uow)
    with uow() as s:
        town = _by_code(s, "320904100")
        village = service.create(
            s,
            J,
            SYSTEM,
            EVERYWHERE,
            {
                "code": "320904100001",
                "name": "某村",
                "level": "village",
                "parent_code": "320904100",
            },
        )
    hydrant = create_sample(uow, "water-sources", DAFENG, 7)
    with uow() as s:
        service.update(
            s,
            get_type("water-sources"),
            SYSTEM,
            EVERYWHERE,
            hydrant,
            {"jurisdiction_code": "320904100001"},
        )
    with uow() as s:
        service.update(s, J, SYSTEM, EVERYWHERE, town.id, {"parent_code": TINGHU})
    with sessions() as s:
        tinghu = _by_code(s, TINGHU)
        moved_village = s.get(Jurisdiction, village.id)
        assert moved_village.path.startswith(tinghu.path)
        tinghu_scope = Scope(tinghu.path)
        dafeng_scope = Scope(_by_code(s, DAFENG).path)
        ot = get_type("water-sources")
        assert service.get(s, ot, tinghu_scope, hydrant).id == hydrant
        with pytest.raises(Exception, match="outside your jurisdiction"):
            service.get(s, ot, dafeng_scope, hydrant)


def test_cannot_move_under_own_descendant(uow: Any) -> None:
    seed_region(uow)
    with uow() as s:
        dafeng = _by_code(s, DAFENG)
    with pytest.raises(ValidationFailed), uow() as s:
        service.update(s, J, SYSTEM, EVERYWHERE, dafeng.id, {"parent_code": "320904100"})


def test_parent_must_be_a_higher_level(uow: Any) -> None:
    seed_region(uow)
    with pytest.raises(ValidationFailed) as err, uow() as s:
        service.create(
            s,
            J,
            SYSTEM,
            EVERYWHERE,
            {"code": "320905", "name": "x", "level": "county", "parent_code": DAFENG},
        )
    assert err.value.problems[0].field == "parent_code"
    assert "higher level" in err.value.problems[0].rule
