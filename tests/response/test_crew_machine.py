"""The vehicle status machine of the crew terminal (移动作战终端), every move, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lanyan.core.errors import Conflict, ValidationFailed
from lanyan.response import crew
from lanyan.response.choices import CrewStatus as S
from lanyan.response.choices import TimelineStep as T

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
OPEN = {
    S.ASSIGNED: [S.TURNED_OUT],
    S.TURNED_OUT: [S.EN_ROUTE, S.RETURNING],
    S.EN_ROUTE: [S.ARRIVED, S.RETURNING],
    S.ARRIVED: [S.WATER_ON, S.CONTROLLED, S.RETURNING],
    S.WATER_ON: [S.CONTROLLED, S.RETURNING],
    S.CONTROLLED: [S.RETURNING],
    S.RETURNING: [S.BACK],
    S.BACK: [],
}


def run(status: S, **kw: object) -> crew.Run:
    return crew.Run(7, "V-1", status, last_at=T0, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize("to", [s for s in S if s is not S.ASSIGNED])
def test_every_move_from_every_state(start: S, to: S) -> None:
    r = run(start)
    at = T0 + timedelta(minutes=1)
    if to in OPEN[start]:
        event = r.move(to, at, "crew")
        assert (event.before, event.after, event.at, event.by) == (start, to, at, "crew")
        assert r.status is to and r.last_at == at and r.events == [event]
    else:
        with pytest.raises(Conflict) as err:
            r.move(to, at, "crew")
        assert [p.field for p in err.value.problems] == ["status"]
        assert r.status is start and r.events == []


def test_next_moves_are_the_open_ones() -> None:
    for status, moves in OPEN.items():
        assert crew.next_moves(status) == moves


def test_full_walk_and_the_response_time() -> None:
    r = run(S.ASSIGNED)
    walk = [S.TURNED_OUT, S.EN_ROUTE, S.ARRIVED, S.WATER_ON, S.CONTROLLED, S.RETURNING, S.BACK]
    for i, to in enumerate(walk):
        r.move(to, T0 + timedelta(minutes=i), "crew")
    assert [e.after for e in r.events] == walk
    assert crew.response_seconds(T0, T0 + timedelta(minutes=2)) == 120.0
    assert crew.response_seconds(None, T0) is None


def test_repeat_names_status() -> None:
    with pytest.raises(Conflict, match="already 到场") as err:
        run(S.ARRIVED).move(S.ARRIVED, T0, "crew")
    assert err.value.problems[0].field == "status"


def test_assigned_is_not_a_move_and_time_rules() -> None:
    with pytest.raises(ValidationFailed) as err:
        run(S.TURNED_OUT).move(S.ASSIGNED, T0, "crew")
    assert err.value.problems[0].field == "status"
    with pytest.raises(ValidationFailed) as err:
        run(S.ASSIGNED).move(S.TURNED_OUT, T0 - timedelta(seconds=1), "crew")
    assert err.value.problems[0].field == "at"
    with pytest.raises(ValidationFailed) as err:
        run(S.ASSIGNED).move(S.TURNED_OUT, datetime(2026, 12, 7, 8, 1), "crew")
    assert err.value.problems[0].field == "at"


def test_released_dispatch_and_sent_again() -> None:
    with pytest.raises(Conflict) as err:
        run(S.ARRIVED, released=True).move(S.RETURNING, T0, "crew")
    assert err.value.problems[0].field == "status"
    with pytest.raises(Conflict) as err:
        run(S.RETURNING, sent_again=True).move(S.BACK, T0, "crew")
    assert err.value.problems[0].field == "status"
    run(S.RETURNING, released=True).move(S.BACK, T0, "crew")  # 返回 released it itself


def test_incident_steps_follow_the_first_vehicle_and_the_last_one_back() -> None:
    none: frozenset[T] = frozenset()
    assert crew.incident_step(S.TURNED_OUT, none, False) is None
    assert crew.incident_step(S.EN_ROUTE, none, False) is None
    assert crew.incident_step(S.ARRIVED, none, True) is T.ARRIVED
    assert crew.incident_step(S.ARRIVED, frozenset({T.ARRIVED}), True) is None  # the second
    assert crew.incident_step(S.WATER_ON, frozenset({T.ARRIVED}), True) is T.WATER_ON
    assert crew.incident_step(S.CONTROLLED, frozenset({T.ARRIVED}), True) is T.CONTROLLED
    assert crew.incident_step(S.RETURNING, none, False) is None
    assert crew.incident_step(S.BACK, none, True) is None  # another vehicle is still out
    assert crew.incident_step(S.BACK, none, False) is T.RETURNED
    assert crew.incident_step(S.BACK, frozenset({T.RETURNED}), False) is None
