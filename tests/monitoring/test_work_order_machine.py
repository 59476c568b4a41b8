"""The repair work order (维修工单) machine: every action from every state, what is refused
names the field, and a done order records who and what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lanyan.core.errors import Conflict, ValidationFailed
from lanyan.monitoring.choices import WorkOrderAction, WorkOrderStatus
from lanyan.monitoring.work_orders import (
    MOVES,
    OPEN_STATES,
    ClosedWithAlarm,
    RepairDone,
    RepairStarted,
    WorkOrder,
)

T0 = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=2)
EVENT = {
    WorkOrderAction.START: RepairStarted,
    WorkOrderAction.COMPLETE: RepairDone,
    WorkOrderAction.CLOSE_WITH_ALARM: ClosedWithAlarm,
}


def act(order: WorkOrder, action: WorkOrderAction, when: datetime = LATER) -> None:
    if action is WorkOrderAction.START:
        order.start(when, "kzs", "维保公司 张工")
    elif action is WorkOrderAction.COMPLETE:
        order.complete(when, "kzs", "更换三层烟感")
    elif action is WorkOrderAction.CLOSE_WITH_ALARM:
        order.close_with_alarm(when, "desk", "false_alarm")
    else:  # pragma: no cover - a new action needs a line here
        raise AssertionError(action)


@pytest.mark.parametrize("status", list(WorkOrderStatus))
@pytest.mark.parametrize("action", list(WorkOrderAction))
def test_every_action_from_every_state(status: WorkOrderStatus, action: WorkOrderAction) -> None:
    order = WorkOrder(id=3, alarm_id=9, opened_at=T0, status=status)
    target = MOVES.get(status, {}).get(action)
    if target is None:
        with pytest.raises(Conflict) as err:
            act(order, action)
        assert "work order 3" in err.value.message and status.value in err.value.message
        assert err.value.problems[0].field == "status"
        assert order.status is status and order.events == []
    else:
        act(order, action)
        assert order.status is target
        [event] = order.events
        assert isinstance(event, EVENT[action])
        assert (event.from_state, event.to_state, event.at) == (status, target, LATER)


def test_final_states_allow_nothing() -> None:
    assert frozenset({WorkOrderStatus.OPEN, WorkOrderStatus.REPAIRING}) == OPEN_STATES
    for status in (WorkOrderStatus.DONE, WorkOrderStatus.CLOSED):
        assert WorkOrder(id=1, alarm_id=1, opened_at=T0, status=status).allowed_actions() == []


def test_done_records_who_and_what() -> None:
    order = WorkOrder(id=1, alarm_id=1, opened_at=T0)
    order.start(LATER, "kzs", "  张工 ")
    order.complete(LATER, "manager", " 更换烟感 ")
    assert (order.repairer, order.work_done, order.done_by) == ("张工", "更换烟感", "manager")
    assert order.events[-1].detail() == {"work_done": "更换烟感"}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda o: o.complete(LATER, "kzs", "  "), "work_done"),
        (lambda o: o.complete(LATER, "kzs", "x" * 501), "work_done"),
        (lambda o: o.start(LATER, "kzs", ""), "repairer"),
        (lambda o: o.complete(T0 - timedelta(minutes=1), "kzs", "更换"), "at"),
        (lambda o: o.complete(datetime(2026, 3, 9, 3), "kzs", "更换"), "at"),
    ],
)
def test_bad_input_is_refused_naming_the_field(call: object, field: str) -> None:
    order = WorkOrder(id=1, alarm_id=1, opened_at=T0)
    with pytest.raises(ValidationFailed) as err:
        call(order)  # type: ignore[operator]
    assert err.value.problems[0].field == field
    assert order.status is WorkOrderStatus.OPEN and order.events == []
