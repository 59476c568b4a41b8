"""The unit-side roles in the one role table: the unit manager takes the unit's hazard steps
(rectification) but not the authority's (hazards); the control-room operator (消控室值班员) reads
its units' alarms and confirms them on site, and decides nothing at the centre. Both are bound to
units."""

from __future__ import annotations

import pytest

from lanyan.accounts import roles
from lanyan.accounts.models import UNIT_BOUND_ROLES
from lanyan.accounts.roles import Role
from lanyan.prevention import hazard_service
from lanyan.prevention.choices import HazardParty


def test_the_control_room_operator_is_unit_bound_and_confirms_on_site_only() -> None:
    op = Role.CONTROL_ROOM_OPERATOR
    assert (op.value, op.zh) == ("control_room_operator", "消控室值班员")
    assert {Role.UNIT_MANAGER.value, op.value} == UNIT_BOUND_ROLES
    assert roles.can_read(op.value, "alarms") and roles.can_write(op.value, "alarm-site")
    for slug in ("alarms", "quarantine", "hazards", "rectification", "incidents"):
        assert not roles.can_write(op.value, slug), slug
    assert not roles.can_read(op.value, "hazards")
    # The centre's handlers do not confirm on site; only admins hold every slug.
    for role in (Role.DISPATCHER, Role.COMMANDER, Role.UNIT_MANAGER):
        assert not roles.can_write(role.value, "alarm-site"), role


@pytest.mark.parametrize(
    ("role", "held"),
    [
        (Role.UNIT_MANAGER, {HazardParty.UNIT}),
        (Role.PREVENTION_OFFICER, {HazardParty.AUTHORITY}),
        (Role.ADMIN, {HazardParty.AUTHORITY, HazardParty.UNIT}),
        (Role.GOVERNMENT_VIEWER, set()),
        (Role.CONTROL_ROOM_OPERATOR, set()),
    ],
)
def test_which_side_of_a_hazard_each_role_acts_for(role: Role, held: set[HazardParty]) -> None:
    parties = hazard_service.parties(
        roles.can_write(role.value, hazard_service.SLUG),
        roles.can_write(role.value, hazard_service.RECTIFY_SLUG),
    )
    assert parties == held
