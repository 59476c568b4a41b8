"""Repair work orders (维修工单) from device faults as plain Python: states, moves, events.

A person opens an order from an open fault alarm (never automatically: the gateway's hot path
writes alarms set-based, and a fault often ends by the panel's own reset; a person decides a
repair is needed, so a flapping fault does not pile up orders). Once an order is open, the
device's reset no longer closes the fault alarm (it is recorded on it, ``reset_at``): the alarm
closes when the order is done, or when a person closes the alarm (误报), which ends the order
with it. Fire alarms never get one::

    待维修 ──开始维修──▶ 维修中 ──维修完成──▶ 已完成   (the fault alarm closes with it)
      ╰──维修完成──▶ 已完成
      ╰─(either open state)──随报警关闭──▶ 随报警关闭   (a person closed the alarm directly)

已完成 and 随报警关闭 are final. ``work_order_service`` loads a row, calls one method, stores
the state and the events (audited).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.monitoring.choices import WorkOrderAction, WorkOrderStatus

OPEN, REPAIRING = WorkOrderStatus.OPEN, WorkOrderStatus.REPAIRING
DONE, CLOSED = WorkOrderStatus.DONE, WorkOrderStatus.CLOSED
START, COMPLETE = WorkOrderAction.START, WorkOrderAction.COMPLETE
CLOSE_WITH_ALARM = WorkOrderAction.CLOSE_WITH_ALARM

MOVES: dict[WorkOrderStatus, dict[WorkOrderAction, WorkOrderStatus]] = {
    OPEN: {START: REPAIRING, COMPLETE: DONE, CLOSE_WITH_ALARM: CLOSED},
    REPAIRING: {COMPLETE: DONE, CLOSE_WITH_ALARM: CLOSED},
}
OPEN_STATES = frozenset(MOVES)
TEXT_MAX = 500  # characters of what was done (维修内容)
NAME_MAX = 64  # characters of the repairer's name (维修人)


def _text(value: str, name: str, most: int) -> str:
    value = value.strip()
    if not value:
        raise ValidationFailed(f"the {name} is empty", [FieldProblem(name, "must not be empty")])
    if len(value) > most:
        raise ValidationFailed(
            f"the {name} is too long", [FieldProblem(name, f"at most {most} characters")]
        )
    return value


@dataclass(frozen=True)
class WorkOrderEvent:
    """Something that happened to an order; ``name`` is its audit action."""

    name: ClassVar[str] = ""
    order: int | None
    at: datetime
    by: str
    from_state: WorkOrderStatus
    to_state: WorkOrderStatus

    def detail(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class RepairStarted(WorkOrderEvent):
    """开始维修: who repairs it."""

    name: ClassVar[str] = START.value
    repairer: str = ""

    def detail(self) -> dict[str, Any]:
        return {"repairer": self.repairer}


@dataclass(frozen=True)
class RepairDone(WorkOrderEvent):
    """维修完成: what was done; the fault alarm closes with it."""

    name: ClassVar[str] = COMPLETE.value
    work_done: str = ""

    def detail(self) -> dict[str, Any]:
        return {"work_done": self.work_done}


@dataclass(frozen=True)
class ClosedWithAlarm(WorkOrderEvent):
    """随报警关闭: a person closed the fault alarm (误报); the order ends with it."""

    name: ClassVar[str] = CLOSE_WITH_ALARM.value
    alarm_status: str = ""

    def detail(self) -> dict[str, Any]:
        return {"alarm_status": self.alarm_status}


@dataclass
class WorkOrder:
    """One repair work order and the events its methods recorded since it was built."""

    id: int | None
    alarm_id: int | None  # None: opened from a maintenance record's 异常 item
    opened_at: datetime
    status: WorkOrderStatus = OPEN
    repairer: str = ""
    work_done: str = ""
    done_by: str | None = None
    done_at: datetime | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    events: list[WorkOrderEvent] = field(default_factory=list)

    def allowed_actions(self) -> list[WorkOrderAction]:
        """What may happen to the order now, in the table's order."""
        return list(MOVES.get(self.status, {}))

    def _move(self, action: WorkOrderAction, at: datetime) -> tuple[WorkOrderStatus, ...]:
        target = MOVES.get(self.status, {}).get(action)
        if target is None:
            raise Conflict(
                f"cannot {action.zh} ({action.value}) work order {self.id}: it is "
                f"{self.status.value} ({self.status.zh})",
                [FieldProblem("status", f"{action.value} is not allowed from {self.status.value}")],
            )
        if at.tzinfo is None:
            raise ValidationFailed(
                "the time has no time zone", [FieldProblem("at", "must carry a time zone")]
            )
        if at < self.opened_at:
            raise ValidationFailed(
                "the action is earlier than the order",
                [FieldProblem("at", f"must not be before {self.opened_at.isoformat()}")],
            )
        before = self.status
        self.status = target
        return before, target

    def start(self, at: datetime, by: str, repairer: str) -> None:
        """开始维修: ``repairer`` takes the repair."""
        repairer = _text(repairer, "repairer", NAME_MAX)
        before, after = self._move(START, at)
        self.repairer = repairer
        self.events.append(RepairStarted(self.id, at, by, before, after, repairer))

    def complete(self, at: datetime, by: str, work_done: str) -> None:
        """维修完成: what was done (required); the service closes the fault alarm with it."""
        work_done = _text(work_done, "work_done", TEXT_MAX)
        before, after = self._move(COMPLETE, at)
        self.work_done, self.done_by, self.done_at = work_done, by, at
        self.events.append(RepairDone(self.id, at, by, before, after, work_done))

    def close_with_alarm(self, at: datetime, by: str, alarm_status: str) -> None:
        """随报警关闭: a person closed the alarm otherwise (误报)."""
        before, after = self._move(CLOSE_WITH_ALARM, at)
        self.closed_by, self.closed_at = by, at
        self.events.append(ClosedWithAlarm(self.id, at, by, before, after, alarm_status))
