"""The hazard state machine alone: every legal and illegal move, deadlines, 挂牌督办, overdue."""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, date, datetime, timedelta

import pytest

from lanyan.core.errors import Conflict, Forbidden, ValidationFailed
from lanyan.prevention.choices import HazardAction, HazardParty, HazardState
from lanyan.prevention.hazards import (
    MOVES,
    RECHECK_WORKING_DAYS,
    UNIT_ACTIONS,
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
    add_working_days,
    check_party,
    working_days_between,
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


def hazard_in(state: HazardState, major: bool = False, self_found: bool = False) -> Hazard:
    h = Hazard.find("YH1", T0, "inspector", is_major=major, self_found=self_found)
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
    out = [
        ("ordinary", hazard_in(state)),
        ("major", hazard_in(state, major=True)),
        ("self-found", hazard_in(state, self_found=True)),
    ]
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
        assert h.allowed_actions(HazardParty.AUTHORITY) == accepted, (state, variant)
        # The unit is offered exactly its own moves among those; the others are refused (403).
        assert h.allowed_actions(HazardParty.UNIT) == [a for a in accepted if a in UNIT_ACTIONS], (
            state,
            variant,
        )


def test_allowed_actions_examples() -> None:
    assert hazard_in(HazardState.FOUND).allowed_actions() == [HazardAction.ORDER]
    assert hazard_in(HazardState.FOUND, major=True).allowed_actions() == [
        HazardAction.ORDER,
        HazardAction.LIST,
    ]
    assert hazard_in(HazardState.CLOSED, major=True).allowed_actions() == []
    listed = next(v for name, v in _variants(HazardState.RECHECK_PASSED) if name == "listed")
    assert listed.allowed_actions() == [HazardAction.DELIST]  # 销案 only after 摘牌


# ---- the unit's side (自查自改) ---------------------------------------------------------------


@pytest.mark.parametrize("action", list(HazardAction))
def test_the_unit_takes_only_its_own_steps(action: HazardAction) -> None:
    check_party(HazardParty.AUTHORITY, action)  # the authority may record every step
    if action in (HazardAction.START, HazardAction.REQUEST_RECHECK):
        check_party(HazardParty.UNIT, action)
    else:
        with pytest.raises(Forbidden) as err:
            check_party(HazardParty.UNIT, action)
        assert action.value in err.value.message and "fire authority" in err.value.message


def test_a_self_found_hazard_is_started_without_an_order() -> None:
    own = hazard_in(HazardState.FOUND, self_found=True)
    assert own.allowed_actions(HazardParty.UNIT) == [HazardAction.START]
    assert own.allowed_actions(HazardParty.AUTHORITY) == [HazardAction.ORDER, HazardAction.START]
    own.start(at(1), "manager", "清理堆放物", HazardParty.UNIT)
    event = own.events[-1]
    assert isinstance(event, RectificationStarted)
    assert event.from_state is HazardState.FOUND and own.state is HazardState.RECTIFYING
    assert event.detail() == {"note": "清理堆放物", "party": "unit"}
    assert own.deadline is None and not own.is_overdue(DAY0 + timedelta(days=999))
    # The authority's finding waits for 责令整改: the refusal says so.
    theirs = hazard_in(HazardState.FOUND)
    assert theirs.allowed_actions(HazardParty.UNIT) == []
    with pytest.raises(Conflict, match="责令整改"):
        theirs.start(at(1), "manager", party=HazardParty.UNIT)
    assert theirs.state is HazardState.FOUND and len(theirs.events) == 1


def test_the_units_application_needs_a_rectification_photo() -> None:
    h = hazard_in(HazardState.RECTIFYING)
    with pytest.raises(ValidationFailed) as err:
        h.request_recheck(at(5), "manager", "done", HazardParty.UNIT, photos=0)
    assert err.value.problems[0].field == "photos"
    assert h.state is HazardState.RECTIFYING and h.recheck_due is None
    h.request_recheck(at(5), "manager", "done", HazardParty.UNIT, photos=2)
    event = h.events[-1]
    assert isinstance(event, RecheckRequested) and event.photos == 2
    assert event.detail()["party"] == "unit" and event.detail()["note"] == "done"


def test_rectification_photos_only_while_rectifying() -> None:
    for state in HazardState:
        h = hazard_in(state)
        if state is HazardState.RECTIFYING:
            assert h.takes_rectification_photos()
            h.check_rectification_photo()
        else:
            assert not h.takes_rectification_photos()
            with pytest.raises(Conflict) as err:
                h.check_rectification_photo()
            assert state.value in err.value.message and err.value.problems[0].field == "file"


def test_working_days_skip_weekends_and_given_holidays() -> None:
    monday, friday, saturday = date(2025, 3, 3), date(2025, 3, 7), date(2025, 3, 8)
    assert add_working_days(monday, 3) == date(2025, 3, 6)  # Thursday
    assert add_working_days(friday, 3) == date(2025, 3, 12)  # Mon, Tue, Wed
    assert add_working_days(saturday, 3) == date(2025, 3, 12)
    # Holidays are only known when passed (the product does not ship a holiday calendar).
    assert add_working_days(monday, 3, frozenset({date(2025, 3, 4)})) == date(2025, 3, 7)
    assert working_days_between(monday, date(2025, 3, 6)) == 3
    assert working_days_between(friday, date(2025, 3, 10)) == 1
    assert working_days_between(date(2025, 3, 10), friday) == -1
    assert working_days_between(monday, monday) == 0


def test_the_recheck_clock_runs_three_working_days_from_the_application() -> None:
    assert RECHECK_WORKING_DAYS == 3
    h = hazard_in(HazardState.RECTIFYING)
    friday = datetime(2025, 3, 7, 2, 0, tzinfo=UTC)  # 10:00 Friday, Asia/Shanghai
    h.request_recheck(friday, "manager", "", HazardParty.UNIT, photos=1)
    due = date(2025, 3, 12)
    assert h.recheck_due == due and h.events[-1].detail()["recheck_due"] == due
    assert h.recheck_days_left(date(2025, 3, 7)) == 3
    assert h.recheck_days_left(date(2025, 3, 8)) == 3  # Saturday: no working day used
    assert h.recheck_days_left(due) == 0 and not h.recheck_late(due)
    assert h.recheck_late(date(2025, 3, 13)) and h.recheck_days_left(date(2025, 3, 13)) == -1
    # Rechecked late: recorded on the event; the clock stops with the recheck.
    late = datetime(2025, 3, 13, 2, 0, tzinfo=UTC)
    h.fail_recheck(date(2025, 3, 31), late, "inspector", "still blocked")
    assert h.events[-1].detail()["on_time"] is False
    assert not h.recheck_late(date(2025, 4, 30)) and h.recheck_days_left(date(2025, 4, 1)) is None
    # The next application sets a new clock; a recheck on its due day is on time.
    h.start(late + timedelta(hours=1), "manager", party=HazardParty.UNIT)
    monday = datetime(2025, 3, 17, 2, 0, tzinfo=UTC)
    h.request_recheck(monday, "manager", "", HazardParty.UNIT, photos=1)
    assert h.recheck_due == date(2025, 3, 20)
    h.pass_recheck(datetime(2025, 3, 20, 9, 0, tzinfo=UTC), "inspector")  # 17:00 local
    assert isinstance(h.events[-1], RecheckPassed) and h.events[-1].detail()["on_time"] is True
