"""The hazard state machine alone: every legal and illegal move, deadlines, 挂牌督办, overdue."""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, date, datetime, timedelta

import pytest

from lanyan.core.errors import Conflict, ValidationFailed
from lanyan.prevention.choices import HazardAction, HazardState
from lanyan.prevention.hazards import (
    MOVES,
    Hazard,
    HazardClosed,
    HazardDelisted,
    HazardFound,
    HazardListed,
    HazardOverdue,
    RecheckFailed,
    RecheckPassed,
    RecheckRequested,
    RectificationOrdered,
    RectificationStarted,
)

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai, 2025-03-03
DAY0 = date(2025, 3, 3)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


# The shortest path from 发现 to each state, as (action, args) steps.
PATHS: dict[HazardState, list[HazardAction]] = {
    HazardState.FOUND: [],
    HazardState.ORDERED: [HazardAction.ORDER],
    HazardState.RECTIFYING: [HazardAction.ORDER, HazardAction.START],
    HazardState.RECHECK_REQUESTED: [
        HazardAction.ORDER,
        HazardAction.START,
        HazardAction.REQUEST_RECHECK,
    ],
    HazardState.RECHECK_PASSED: [
        HazardAction.ORDER,
        HazardAction.START,
        HazardAction.REQUEST_RECHECK,
        HazardAction.PASS_RECHECK,
    ],
    HazardState.RECHECK_FAILED: [
        HazardAction.ORDER,
        HazardAction.START,
        HazardAction.REQUEST_RECHECK,
        HazardAction.FAIL_RECHECK,
    ],
    HazardState.CLOSED: [
        HazardAction.ORDER,
        HazardAction.START,
        HazardAction.REQUEST_RECHECK,
        HazardAction.PASS_RECHECK,
        HazardAction.CLOSE,
    ],
}


def act(h: Hazard, action: HazardAction, when: datetime) -> None:
    deadline = DAY0 + timedelta(days=30)
    if action is HazardAction.ORDER:
        h.order(deadline, when, "inspector")
    elif action is HazardAction.START:
        h.start(when, "unit")
    elif action is HazardAction.REQUEST_RECHECK:
        h.request_recheck(when, "unit", "fixed")
    elif action is HazardAction.PASS_RECHECK:
        h.pass_recheck(when, "inspector")
    elif action is HazardAction.FAIL_RECHECK:
        h.fail_recheck(deadline, when, "inspector", "still blocked")
    elif action is HazardAction.CLOSE:
        h.close(when, "inspector")
    elif action is HazardAction.LIST:
        h.list_for_supervision("县政府", deadline, False, when, "officer")
    elif action is HazardAction.DELIST:
        h.delist(when, "officer")


def hazard_in(state: HazardState, major: bool = False) -> Hazard:
    h = Hazard.find("YH1", T0, "inspector", is_major=major)
    for i, action in enumerate(PATHS[state], start=1):
        act(h, action, at(i))
    assert h.state is state
    return h


@pytest.mark.parametrize("state", list(HazardState))
@pytest.mark.parametrize("action", list(MOVES))
def test_every_move_from_every_state(state: HazardState, action: HazardAction) -> None:
    h = hazard_in(state)
    sources, target = MOVES[action]
    if state in sources:
        act(h, action, at(10))
        assert h.state is target
        assert h.events[-1].from_state is state and h.events[-1].to_state is target
    else:
        with pytest.raises(Conflict) as err:
            act(h, action, at(10))
        assert state.zh in err.value.message and action.zh in err.value.message
        assert state.value in err.value.message and action.value in err.value.message
        assert h.state is state  # nothing half-done


def test_full_loop_records_each_event_in_order() -> None:
    h = hazard_in(HazardState.RECHECK_FAILED)
    h.start(at(6), "unit")
    h.request_recheck(at(7), "unit")
    h.pass_recheck(at(8), "inspector", "ok")
    h.close(at(9), "inspector")
    kinds = [type(e) for e in h.events]
    assert kinds == [
        HazardFound,
        RectificationOrdered,
        RectificationStarted,
        RecheckRequested,
        RecheckFailed,
        RectificationStarted,
        RecheckRequested,
        RecheckPassed,
        HazardClosed,
    ]
    assert h.state is HazardState.CLOSED


def test_deadline_before_the_finding_day_is_refused() -> None:
    h = hazard_in(HazardState.FOUND)
    with pytest.raises(ValidationFailed) as err:
        h.order(DAY0 - timedelta(days=1), at(1), "inspector")
    assert err.value.problems[0].field == "deadline"
    assert h.state is HazardState.FOUND and h.deadline is None
    h.order(DAY0, at(1), "inspector")  # the same day is allowed: 当日整改
    assert h.deadline == DAY0


def test_new_deadline_on_failed_recheck_not_before_the_recheck_day() -> None:
    h = hazard_in(HazardState.RECHECK_REQUESTED)
    later = T0 + timedelta(days=5)
    with pytest.raises(ValidationFailed) as err:
        h.fail_recheck(DAY0 + timedelta(days=4), later, "inspector")
    assert err.value.problems[0].field == "deadline"
    h.fail_recheck(DAY0 + timedelta(days=5), later, "inspector")
    assert h.state is HazardState.RECHECK_FAILED


def test_a_step_earlier_than_the_last_is_refused() -> None:
    h = hazard_in(HazardState.ORDERED)
    with pytest.raises(ValidationFailed) as err:
        h.start(T0, "unit")
    assert err.value.problems[0].field == "at"
    assert h.state is HazardState.ORDERED


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        Hazard.find("YH1", datetime(2025, 3, 3, 10), "inspector")
    h = hazard_in(HazardState.FOUND)
    with pytest.raises(ValidationFailed):
        h.order(DAY0, datetime(2025, 3, 4, 10), "inspector")


def test_overdue_only_while_the_unit_owes_work() -> None:
    h = hazard_in(HazardState.RECTIFYING)  # deadline DAY0 + 30
    deadline = DAY0 + timedelta(days=30)
    assert not h.is_overdue(deadline)  # the deadline day itself is still on time
    assert h.is_overdue(deadline + timedelta(days=1))
    later = T0 + timedelta(days=33)
    assert h.check_overdue(later)
    assert not h.check_overdue(later + timedelta(days=1))  # once per deadline
    event = h.events[-1]
    assert isinstance(event, HazardOverdue) and event.days == 3 and event.deadline == deadline
    h.request_recheck(later, "unit")
    assert not h.is_overdue(deadline + timedelta(days=10))
    h.fail_recheck(deadline + timedelta(days=40), later, "inspector")
    assert not h.is_overdue(deadline + timedelta(days=39))
    assert h.check_overdue(T0 + timedelta(days=80))  # a new deadline can lapse again


def test_found_hazard_without_deadline_is_never_overdue() -> None:
    assert not hazard_in(HazardState.FOUND).is_overdue(DAY0 + timedelta(days=999))


def test_major_hazard_listed_then_delisted_then_closed() -> None:
    h = hazard_in(HazardState.RECTIFYING, major=True)
    h.list_for_supervision("大丰区人民政府", DAY0 + timedelta(days=60), True, at(5), "officer")
    assert h.is_listed and isinstance(h.events[-1], HazardListed)
    assert h.listing is not None and h.listing.published
    h.request_recheck(at(6), "unit")
    with pytest.raises(Conflict, match="摘牌"):
        h.delist(at(7), "officer")  # not before the recheck passed
    h.pass_recheck(at(7), "inspector")
    with pytest.raises(Conflict, match="still listed"):
        h.close(at(8), "inspector")
    h.delist(at(8), "officer")
    assert not h.is_listed and isinstance(h.events[-1], HazardDelisted)
    h.close(at(9), "inspector")
    assert h.state is HazardState.CLOSED


@pytest.mark.parametrize("state", list(HazardState))
def test_listing_allowed_only_for_open_major_hazards(state: HazardState) -> None:
    h = hazard_in(state, major=True)
    open_ = state not in (HazardState.RECHECK_PASSED, HazardState.CLOSED)
    if open_:
        h.list_for_supervision("县政府", DAY0 + timedelta(days=10), False, at(10), "officer")
        assert h.is_listed
        with pytest.raises(Conflict, match="already been listed"):
            h.list_for_supervision("县政府", DAY0 + timedelta(days=10), False, at(11), "o")
    else:
        with pytest.raises(Conflict, match=state.zh):
            h.list_for_supervision("县政府", DAY0 + timedelta(days=10), False, at(10), "officer")


def test_listing_refusals() -> None:
    ordinary = hazard_in(HazardState.ORDERED)
    with pytest.raises(Conflict, match="重大火灾隐患"):
        ordinary.list_for_supervision("县政府", DAY0, True, at(5), "officer")
    major = hazard_in(HazardState.ORDERED, major=True)
    with pytest.raises(ValidationFailed) as err:
        major.list_for_supervision("  ", DAY0, True, at(5), "officer")
    assert err.value.problems[0].field == "department"
    with pytest.raises(ValidationFailed) as err:
        major.list_for_supervision("县政府", DAY0 - timedelta(days=1), True, at(5), "officer")
    assert err.value.problems[0].field == "deadline"
    assert not major.is_listed
    with pytest.raises(Conflict, match="not listed"):
        major.delist(at(6), "officer")


def test_listing_overdue() -> None:
    h = hazard_in(HazardState.RECTIFYING, major=True)
    h.list_for_supervision("县政府", DAY0 + timedelta(days=10), True, at(5), "officer")
    assert not h.listing_overdue(DAY0 + timedelta(days=10))
    assert h.listing_overdue(DAY0 + timedelta(days=11))


def _variants(state: HazardState) -> list[tuple[str, Hazard]]:
    """The hazard in ``state``: ordinary, major, major listed early (and delisted if it can be)."""
    out = [("ordinary", hazard_in(state)), ("major", hazard_in(state, major=True))]
    listed = Hazard.find("YH1", T0, "inspector", is_major=True)
    listed.list_for_supervision("县政府", DAY0 + timedelta(days=10), False, at(0), "officer")
    for i, action in enumerate(PATHS[state], start=1):
        if action is HazardAction.CLOSE:
            listed.delist(at(i), "officer")
        act(listed, action, at(i))
    out.append(("listed", listed))
    if state is HazardState.RECHECK_PASSED:
        delisted = deepcopy(listed)
        delisted.delist(at(9), "officer")
        out.append(("delisted", delisted))
    return out


@pytest.mark.parametrize("state", list(HazardState))
def test_allowed_actions_are_exactly_the_moves_the_machine_accepts(state: HazardState) -> None:
    """From every state (ordinary, major, listed, delisted): offered == would not be refused."""
    for variant, h in _variants(state):
        accepted = []
        for action in HazardAction:
            trial = deepcopy(h)
            try:
                act(trial, action, at(20))
            except Conflict:
                continue
            accepted.append(action)
        assert h.allowed_actions() == accepted, (state, variant)


def test_allowed_actions_examples() -> None:
    assert hazard_in(HazardState.FOUND).allowed_actions() == [HazardAction.ORDER]
    assert hazard_in(HazardState.FOUND, major=True).allowed_actions() == [
        HazardAction.ORDER,
        HazardAction.LIST,
    ]
    assert hazard_in(HazardState.CLOSED, major=True).allowed_actions() == []
    listed = next(v for name, v in _variants(HazardState.RECHECK_PASSED) if name == "listed")
    assert listed.allowed_actions() == [HazardAction.DELIST]  # 销案 only after 摘牌
