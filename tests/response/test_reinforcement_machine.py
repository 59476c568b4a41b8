"""The reinforcement request (跨区增援请求) alone: every action from every state, the events
each move records, busy vehicles, partial dispatch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lanyan.core.errors import Conflict, ValidationFailed
from lanyan.response.choices import ReinforcementAction as A
from lanyan.response.choices import ReinforcementState as S
from lanyan.response.reinforcements import (
    FINAL,
    MOVES,
    Reinforcement,
    ReinforcementApproved,
    ReinforcementCancelled,
    ReinforcementDispatched,
    ReinforcementRefused,
    ReinforcementRequested,
)

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
VEHICLES = ("V-TH1-1", "V-TH1-2")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new() -> Reinforcement:
    return Reinforcement.request("ZY1", VEHICLES, T0, "df", note="高层火灾")


# The shortest path to each state, as actions.
PATHS: dict[S, list[A]] = {
    S.PENDING: [],
    S.APPROVED: [A.APPROVE],
    S.REFUSED: [A.REFUSE],
    S.CANCELLED: [A.CANCEL],
    S.DISPATCHED: [A.APPROVE, A.DISPATCH],
}


def act(req: Reinforcement, action: A, minute: int) -> None:
    if action is A.APPROVE:
        req.approve(at(minute), "th", "同意")
    elif action is A.REFUSE:
        req.refuse(at(minute), "th", "车辆在本区执勤")
    elif action is A.CANCEL:
        req.cancel(at(minute), "df")
    elif action is A.DISPATCH:
        req.dispatch(req.vehicles, at(minute), "df")


def in_state(state: S) -> Reinforcement:
    req = new()
    for n, action in enumerate(PATHS[state], start=1):
        act(req, action, n)
    assert req.state is state
    req.events.clear()
    return req


def test_every_state_has_a_path() -> None:
    assert set(PATHS) == set(S)


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_action_from_every_state(state: S, action: A) -> None:
    req = in_state(state)
    sources, target = MOVES[action]
    if state in sources:
        act(req, action, 10)
        assert req.state is target
        assert len(req.events) == 1
        event = req.events[0]
        assert (event.from_state, event.to_state, event.at) == (state, target, at(10))
    else:
        with pytest.raises(Conflict) as err:
            act(req, action, 10)
        assert state.value in str(err.value) and action.value in str(err.value)
        assert req.state is state and req.events == []


def test_final_states_allow_nothing() -> None:
    for state in FINAL:
        assert not any(state in sources for sources, _ in MOVES.values())


def test_request_records_the_vehicles() -> None:
    req = new()
    assert req.state is S.PENDING
    (event,) = req.events
    assert isinstance(event, ReinforcementRequested)
    assert event.detail() == {"vehicles": list(VEHICLES), "note": "高层火灾"}
    assert (event.from_state, event.to_state, event.by) == (None, S.PENDING, "df")


@pytest.mark.parametrize(
    ("vehicles", "rule"),
    [((), "at least one vehicle"), (("V-1", "V-1"), "V-1 must be listed once")],
)
def test_request_needs_distinct_vehicles(vehicles: tuple[str, ...], rule: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        Reinforcement.request("ZY1", vehicles, T0, "df")
    assert err.value.problems[0].field == "vehicles" and rule in err.value.problems[0].rule


def test_request_time_needs_a_zone() -> None:
    with pytest.raises(ValidationFailed):
        Reinforcement.request("ZY1", VEHICLES, datetime(2025, 3, 3, 10), "df")


def test_approve_records_who_and_note() -> None:
    req = new()
    req.approve(at(3), "th_cmd", "两车即刻出发")
    (_, event) = req.events
    assert isinstance(event, ReinforcementApproved)
    assert (req.decided_by, event.detail()) == ("th_cmd", {"note": "两车即刻出发"})


def test_a_busy_vehicle_refuses_the_approval_and_names_it() -> None:
    req = new()
    with pytest.raises(Conflict) as err:
        req.approve(at(3), "th", busy={"V-TH1-2": "on incident JQ1 of 亭湖区", "V-X": "far"})
    assert "V-TH1-2 is on incident JQ1 of 亭湖区" in str(err.value)
    assert "V-X" not in str(err.value)  # not one of the requested vehicles
    assert [p.rule for p in err.value.problems] == ["V-TH1-2 must be available"]
    assert req.state is S.PENDING and len(req.events) == 1  # only the request itself
    req.refuse(at(4), "th", "V-TH1-2 在本区警情 JQ1")
    assert req.state is S.REFUSED


def test_refuse_needs_a_reason() -> None:
    req = new()
    with pytest.raises(ValidationFailed) as err:
        req.refuse(at(3), "th", "  ")
    assert err.value.problems[0].field == "reason"
    req.refuse(at(3), "th", " 本区车辆不足 ")
    (_, event) = req.events
    assert isinstance(event, ReinforcementRefused) and event.detail() == {"reason": "本区车辆不足"}


def test_cancel_records_the_reason() -> None:
    req = new()
    req.cancel(at(2), "df", "火已扑灭")
    assert isinstance(req.events[-1], ReinforcementCancelled)
    assert req.events[-1].detail() == {"reason": "火已扑灭"}


def test_partial_dispatch_stays_approved_until_every_vehicle_went() -> None:
    req = in_state(S.APPROVED)
    assert req.covers("V-TH1-1") and req.covers("V-TH1-2") and not req.covers("V-DF1-1")
    req.dispatch(["V-TH1-1"], at(5), "df")
    assert req.state is S.APPROVED and not req.covers("V-TH1-1") and req.covers("V-TH1-2")
    with pytest.raises(Conflict) as err:
        req.dispatch(["V-TH1-1"], at(6), "df")
    assert "V-TH1-1" in str(err.value) and err.value.problems[0].field == "vehicles"
    req.dispatch(["V-TH1-2"], at(6), "df")
    assert req.state is S.DISPATCHED and not req.covers("V-TH1-2")
    assert [type(e) for e in req.events] == [ReinforcementDispatched] * 2
    assert req.events[-1].from_state is S.APPROVED and req.events[-1].to_state is S.DISPATCHED


def test_a_pending_request_covers_nothing() -> None:
    assert not new().covers("V-TH1-1")


def test_time_never_goes_backwards() -> None:
    req = new()
    with pytest.raises(ValidationFailed) as err:
        req.approve(T0 - timedelta(minutes=1), "th")
    assert err.value.problems[0].field == "at"
