"""The incident timeline rule (时间线): steps in order, each time-stamped, never backwards.

Plain Python: the service loads the history and asks :func:`check_step` before it writes.

* 接警 (received) is the first step and happens once, when the call is recorded;
* 出动 (dispatched) may repeat — every reinforcement is another dispatch — until 归队;
* every other step happens at most once, after 出动, and never after a later step
  (到场 cannot follow 控制); steps that do not apply (出水 at a rescue) may be skipped;
* a step's time is not earlier than the step before it;
* nothing follows 归队 (returned), which closes the incident.

The reinforcement entries (:data:`NOTES`: 增援请求, 批准, 拒绝, 撤回) and the lifecycle entries
(修改, 多次报警, 合并, 撤销, 调整等级: :mod:`.lifecycle`) are facts written by their workflows, not steps: they need 接警 before them, take no place in the order, and are
left out of the history the steps are checked against.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.timeutil import to_local
from lanyan.response.choices import STEP_ORDER, TimelineStep

REPEATABLE = {TimelineStep.DISPATCHED}
NOTES = frozenset(
    {
        TimelineStep.REINFORCEMENT_REQUESTED,
        TimelineStep.REINFORCEMENT_APPROVED,
        TimelineStep.REINFORCEMENT_REFUSED,
        TimelineStep.REINFORCEMENT_CANCELLED,
        TimelineStep.EDITED,
        TimelineStep.CALL_ADDED,
        TimelineStep.MERGED_IN,
        TimelineStep.MERGED_INTO,
        TimelineStep.CANCELLED,
        TimelineStep.LEVEL_CHANGED,
    }
)


def _when(at: datetime) -> str:
    local = to_local(at)
    return local.strftime("%Y-%m-%d %H:%M:%S") if local else "?"


def _refuse(message: str, field: str, rule: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldProblem(field, rule)])


def check_step(
    history: Sequence[tuple[TimelineStep, datetime]], step: TimelineStep, at: datetime
) -> None:
    """Raise ValidationFailed naming the rule when ``step`` at ``at`` may not follow ``history``
    (earlier steps in the order they were recorded)."""
    if at.tzinfo is None:
        raise _refuse("the step time has no time zone", "at", "must carry a time zone")
    if step in NOTES:
        if not history:
            raise _refuse(f"{step.zh} needs 接警 first", "step", "must follow 接警 (received)")
        return
    history = [(s, t) for s, t in history if s not in NOTES]
    if step is TimelineStep.RECEIVED:
        if history:
            raise _refuse(
                "接警 (received) is recorded once, with the call", "step", "must not be received"
            )
        return
    if not history:
        raise _refuse(f"{step.zh} needs 接警 first", "step", "must follow 接警 (received)")
    done = {s for s, _ in history}
    last_step, last_at = history[-1]
    if TimelineStep.RETURNED in done:
        raise _refuse(
            f"{step.zh} cannot follow 归队: the incident is closed",
            "step",
            "nothing may follow 归队 (returned)",
        )
    if at < last_at:
        raise _refuse(
            f"{step.zh} at {_when(at)} is earlier than the last step "
            f"{last_step.zh} at {_when(last_at)}",
            "at",
            f"must not be earlier than {_when(last_at)} (Asia/Shanghai)",
        )
    if step in REPEATABLE:
        return
    if step in done:
        raise _refuse(f"{step.zh} is already recorded", "step", "may be recorded once")
    if TimelineStep.DISPATCHED not in done:
        raise _refuse(f"{step.zh} needs 出动 first", "step", "must follow 出动 (dispatched)")
    furthest = max((s for s in done if s not in REPEATABLE), key=STEP_ORDER.__getitem__)
    if STEP_ORDER[step] <= STEP_ORDER[furthest]:
        raise _refuse(
            f"{step.zh} cannot follow {furthest.zh}: steps go 接警 → 出动 → 到场 → 出水 → 控制 → "
            "熄灭 → 归队",
            "step",
            f"must come after {furthest.zh}",
        )
