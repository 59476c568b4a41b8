"""The incident lifecycle rules alone: every action from every state, and each action's own rules
(merge into itself, cancel after dispatch, level out of range), with no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lanyan.core.errors import Conflict, ValidationFailed
from lanyan.response.choices import (
    CallKind,
    CancelReason,
    IncidentAction,
    IncidentStatus,
    TimelineStep,
)
from lanyan.response.lifecycle import (
    MOVES,
    CallAdded,
    Cancelled,
    Case,
    IncidentEdited,
    LevelChanged,
    MergedIn,
    MergedInto,
)
from lanyan.response.timeline import NOTES

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def case(status: IncidentStatus = IncidentStatus.ACTIVE, **kw: Any) -> Case:
    return Case(code=kw.pop("code", "JQ1"), status=status, level=1, received_at=T0, **kw)


def act(c: Case, action: IncidentAction) -> None:
    """Take ``action`` with arguments that are otherwise valid."""
    later = T0 + timedelta(minutes=5)
    if action is IncidentAction.EDIT:
        c.edit({"address": ("a", "b")}, "u", later)
    elif action is IncidentAction.ADD_CALL:
        c.add_call(CallKind.CALL, later, "138", "u", later)
    elif action is IncidentAction.MERGE:
        c.merge_into(case(code="JQ2"), "same fire", "u", later)
    elif action is IncidentAction.CANCEL:
        c.cancel(CancelReason.DUPLICATE, "", "u", later)
    elif action is IncidentAction.LEVEL:
        c.set_level(3, "u", later)
    elif action is IncidentAction.DISPATCH:
        c.check_dispatch()
    elif action is IncidentAction.STEP:
        c.check_step()
    else:  # a new action must be added here
        raise AssertionError(action)


@pytest.mark.parametrize("state", list(IncidentStatus))
@pytest.mark.parametrize("action", list(IncidentAction))
def test_every_action_from_every_state(state: IncidentStatus, action: IncidentAction) -> None:
    c = case(state)
    starts, leads_to = MOVES[action]
    if state in starts:
        act(c, action)
        assert c.status is (leads_to or state)
    else:
        with pytest.raises(Conflict) as err:
            act(c, action)
        assert err.value.problems[0].field == "status"
        assert c.status is state and c.events == []


def test_every_lifecycle_event_is_a_timeline_note() -> None:
    for event in (IncidentEdited, CallAdded, MergedInto, MergedIn, Cancelled, LevelChanged):
        assert event("JQ1", "u", T0).step in NOTES


def test_edit_records_only_real_changes_and_refuses_none_or_unknown() -> None:
    c = case()
    ev = c.edit(
        {"address": ("幸福路1号", "幸福路8号"), "floor": (None, 12), "lon": (1.0, 1.0)}, "u", T0
    )
    assert ev.changes == (("address", "幸福路1号", "幸福路8号"), ("floor", None, 12))
    assert ev.note() == "address: 幸福路1号 → 幸福路8号; floor: — → 12"
    with pytest.raises(ValidationFailed) as err:
        c.edit({"lon": (1.0, 1.0)}, "u", T0)
    assert err.value.problems[0].field == "body"
    with pytest.raises(ValidationFailed) as err:
        c.edit({"code": ("a", "b")}, "u", T0)
    assert err.value.problems[0].field == "code"
    assert len(c.events) == 1


def test_an_earlier_call_moves_the_received_time_back() -> None:
    c = case()
    c.add_call(CallKind.ALARM, T0 + timedelta(minutes=3), "alarm #7", "u", T0)
    assert c.received_at == T0
    c.add_call(CallKind.ALARM, T0 - timedelta(minutes=2), "alarm #8", "u", T0)
    assert c.received_at == T0 - timedelta(minutes=2)
    with pytest.raises(ValidationFailed):
        c.add_call(CallKind.CALL, datetime(2026, 3, 1), "", "u", T0)  # naive


def test_merge_rules() -> None:
    dup, keep = case(code="JQ2"), case(code="JQ1")
    with pytest.raises(ValidationFailed) as err:
        keep.merge_into(keep, "same", "u", T0)
    assert err.value.problems[0].field == "into"
    closed = case(IncidentStatus.CLOSED, code="JQ3")
    with pytest.raises(Conflict) as err:
        dup.merge_into(closed, "same", "u", T0)
    assert err.value.problems[0].field == "into"
    with pytest.raises(ValidationFailed) as err:
        dup.merge_into(keep, "  ", "u", T0)
    assert err.value.problems[0].field == "reason"
    sent = case(code="JQ4", dispatched=True)
    with pytest.raises(Conflict) as err:
        sent.merge_into(keep, "same", "u", T0)
    assert "merge JQ1 into it" in err.value.message
    dup.received_at = T0 - timedelta(minutes=1)  # the duplicate's caller rang first
    out = dup.merge_into(keep, "同一起火灾", "u", T0)
    assert (dup.status, keep.status) == (IncidentStatus.MERGED, IncidentStatus.ACTIVE)
    assert keep.received_at == T0 - timedelta(minutes=1)
    assert out.note() == "→ JQ1: 同一起火灾"
    assert [type(e) for e in keep.events] == [MergedIn]
    assert keep.events[0].note() == "← JQ2: 同一起火灾"


def test_cancel_needs_no_dispatch() -> None:
    sent = case(dispatched=True)
    with pytest.raises(Conflict) as err:
        sent.cancel(CancelReason.FALSE_ALARM, "", "u", T0)
    assert err.value.problems[0].field == "reason"
    assert sent.status is IncidentStatus.ACTIVE
    c = case()
    ev = c.cancel(CancelReason.HANDLED, " 群众已扑灭 ", "u", T0)
    assert (c.status, ev.note(), ev.step) == (
        IncidentStatus.CANCELLED,
        "已处置 群众已扑灭",
        TimelineStep.CANCELLED,
    )


@pytest.mark.parametrize("level", [0, 6, -1])
def test_level_out_of_range(level: int) -> None:
    with pytest.raises(ValidationFailed) as err:
        case().set_level(level, "u", T0)
    assert err.value.problems[0].field == "level"
    assert err.value.problems[0].rule == "must be 1 to 5"


def test_level_change_raises_or_lowers_and_the_scale_is_the_deployments() -> None:
    c = case()
    up = c.set_level(3, "u", T0)
    assert (up.raised, up.note(), c.level) == (True, "1级 → 3级", 3)
    with pytest.raises(ValidationFailed):
        c.set_level(3, "u", T0)  # unchanged
    assert not c.set_level(2, "u", T0).raised
    c.set_level(7, "u", T0, max_level=9)
    assert c.level == 7
