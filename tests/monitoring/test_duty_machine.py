"""The control-room duty rules alone: shift staffing (two certified operators), duty-log
entries (no future times), log slots, and the 查岗 machine — every action from every state."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lanyan.core.errors import Conflict, ValidationFailed
from lanyan.monitoring.choices import CheckState, PanelState
from lanyan.monitoring.duty import (
    RosterOperator,
    check_log_entry,
    check_shift,
    log_slot,
    shift_slots,
)
from lanyan.monitoring.duty_checks import (
    DEFAULT_ANSWER_MINUTES,
    LATE_FACTOR,
    CheckAnswered,
    CheckAnsweredLate,
    CheckMissed,
    CheckSent,
    DutyCheck,
)

T0 = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai
ROSTER = [
    RosterOperator("a", "CERT-A", date(2027, 1, 1)),
    RosterOperator("b", "CERT-B", date(2027, 1, 1)),
    RosterOperator("old", "CERT-OLD", date(2026, 3, 9)),  # valid on the 9th only
]


def test_a_shift_needs_two_different_certified_operators() -> None:
    staffed = check_shift(T0, T0 + timedelta(hours=12), ["a", " b "], ROSTER)
    assert [o.username for o in staffed] == ["a", "b"]
    for names in (["a"], ["a", "a"], ["a", "b", "old"], []):
        with pytest.raises(ValidationFailed) as err:
            check_shift(T0, T0 + timedelta(hours=12), names, ROSTER)
        assert err.value.problems[0].field == "operators"
        assert "two certified operators" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        check_shift(T0, T0 + timedelta(hours=12), ["a", "nobody"], ROSTER)
    assert "nobody is not on the unit's duty roster" in err.value.message
    # 08:00–20:00 on the 9th: the certificate still holds; a night shift into the 10th not.
    assert check_shift(T0, T0 + timedelta(hours=12), ["a", "old"], ROSTER)
    with pytest.raises(ValidationFailed) as err:
        check_shift(T0 + timedelta(hours=12), T0 + timedelta(hours=24), ["a", "old"], ROSTER)
    assert "CERT-OLD" in err.value.message and err.value.problems[0].field == "operators"


@pytest.mark.parametrize(
    ("starts", "ends", "field"),
    [
        (T0, T0, "ends_at"),
        (T0, T0 - timedelta(hours=1), "ends_at"),
        (T0, T0 + timedelta(hours=25), "ends_at"),
        (T0.replace(tzinfo=None), T0 + timedelta(hours=1), "starts_at"),
    ],
)
def test_shift_times(starts: datetime, ends: datetime, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_shift(starts, ends, ["a", "b"], ROSTER)
    assert err.value.problems[0].field == field


def test_a_duty_log_entry_for_a_future_time_is_refused_naming_the_field() -> None:
    now = T0
    assert check_log_entry(now, now, "normal", " 巡查正常 ") == (PanelState.NORMAL, "巡查正常")
    cases = [
        (now + timedelta(seconds=1), "normal", "", "at"),
        (now - timedelta(days=1, seconds=1), "normal", "", "at"),
        (now.replace(tzinfo=None), "normal", "", "at"),
        (now, "smoking", "", "panel_state"),
        (now, "fault", "x" * 501, "note"),
    ]
    for at, state, note, field in cases:
        with pytest.raises(ValidationFailed) as err:
            check_log_entry(at, now, state, note)
        assert err.value.problems[0].field == field


def test_log_slots_of_a_shift() -> None:
    assert log_slot(T0) == log_slot(T0 + timedelta(minutes=119))
    assert log_slot(T0 + timedelta(hours=2)) == log_slot(T0) + 1
    assert shift_slots(T0, T0 + timedelta(hours=12)) == 6
    assert shift_slots(T0 + timedelta(minutes=30), T0 + timedelta(hours=2, minutes=30)) == 2


# --- 查岗: every action from every state ------------------------------------------------------

MIN = DEFAULT_ANSWER_MINUTES
ON_TIME = T0 + timedelta(minutes=MIN)  # the deadline itself is on time
LATE = T0 + timedelta(minutes=MIN, seconds=1)
LAST = T0 + timedelta(minutes=LATE_FACTOR * MIN)  # the missed line itself still takes an answer
PAST = LAST + timedelta(seconds=1)


def in_state(state: CheckState) -> DutyCheck:
    check = DutyCheck.send(7, T0, MIN)
    if state is CheckState.ANSWERED:
        check.answer("kzs", ON_TIME)
    elif state is CheckState.LATE:
        check.answer("kzs", LATE)
    elif state is CheckState.MISSED:
        assert check.expire(PAST)
    check.events.clear()
    return check


def test_sending_records_the_deadline() -> None:
    check = DutyCheck.send(7, T0, MIN)
    assert check.state is CheckState.PENDING
    assert check.events == [CheckSent(7, T0, T0 + timedelta(minutes=MIN))]
    assert check.missed_line == LAST
    for minutes in (0, 256):
        with pytest.raises(ValidationFailed) as err:
            DutyCheck.send(7, T0, minutes)
        assert err.value.problems[0].field == "answer_within_minutes"


@pytest.mark.parametrize(
    ("at", "state", "event"),
    [
        (T0, CheckState.ANSWERED, CheckAnswered),
        (ON_TIME, CheckState.ANSWERED, CheckAnswered),
        (LATE, CheckState.LATE, CheckAnsweredLate),
        (LAST, CheckState.LATE, CheckAnsweredLate),
    ],
)
def test_answering_a_pending_check(at: datetime, state: CheckState, event: type) -> None:
    check = in_state(CheckState.PENDING)
    assert check.answer("kzs", at) is state
    assert check.state is state and check.answered_by == "kzs" and check.answered_at == at
    assert [type(e) for e in check.events] == [event]
    assert check.events[0].seconds == (at - T0).total_seconds()  # type: ignore[attr-defined]


def test_an_answer_past_the_missed_line_is_refused() -> None:
    check = in_state(CheckState.PENDING)
    with pytest.raises(Conflict):
        check.answer("kzs", PAST)
    assert check.state is CheckState.PENDING and check.events == []


@pytest.mark.parametrize("state", [s for s in CheckState if s is not CheckState.PENDING])
def test_a_finished_check_takes_no_answer_and_does_not_expire(state: CheckState) -> None:
    check = in_state(state)
    with pytest.raises(Conflict) as err:
        check.answer("kzs", ON_TIME)
    assert err.value.problems[0].field == "state"
    assert check.expire(PAST + timedelta(days=1)) is False
    assert check.state is state and check.events == []


def test_expiry_only_after_the_missed_line() -> None:
    check = in_state(CheckState.PENDING)
    assert check.expire(LAST) is False and check.state is CheckState.PENDING
    assert check.expire(PAST) is True and check.state is CheckState.MISSED
    assert check.events == [CheckMissed(7, PAST)]
