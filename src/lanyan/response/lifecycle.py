"""The incident lifecycle (警情处置) as plain Python: which move is legal from which state.

No database or web imports: the service (:mod:`.lifecycle_service`) loads a :class:`Case`, calls
one method, and stores the new state together with the events the method recorded (each becomes
a timeline entry and an audit row).

States (:class:`~.choices.IncidentStatus`)::

    处置中 (active) ──归队──▶ 已结案 (closed)
        │ ├──撤销 (误报/重复/已处置, no vehicle ever sent)──▶ 已撤销 (cancelled)
        │ └──合并 into another active incident─────────────▶ 已合并 (merged)
        └── 修改, 多次报警, 调整等级, 调派/增派, 时间线: stay 处置中

Every move (:data:`MOVES`) starts from 处置中 only (a timeline step also from 已结案, where the
timeline rule refuses it in its own words): a closed, cancelled or merged incident is a record.
Further rules:

* 撤销 needs a reason (:class:`~.choices.CancelReason`) and no dispatch: once a vehicle was sent
  the incident ends with 归队, so the record of what was sent stays whole;
* 合并 needs a written reason and another incident that is itself 处置中; the duplicate must not
  have vehicles of its own (merge the other way round: into the one that has them);
* 调整等级 takes a level from 1 to the deployment's scale (:data:`~.runcards.MAX_LEVEL` by
  default) different from the current one;
* the 接警 time is the earliest report: a call or alarm added (多次报警) or merged in with an
  earlier time moves it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.response.choices import (
    CallKind,
    CancelReason,
    IncidentAction,
    IncidentStatus,
    TimelineStep,
)
from lanyan.response.runcards import MAX_LEVEL

ACTIVE = frozenset({IncidentStatus.ACTIVE})

# The states each action may start from, and the state it leads to (None: unchanged).
MOVES: dict[IncidentAction, tuple[frozenset[IncidentStatus], IncidentStatus | None]] = {
    IncidentAction.EDIT: (ACTIVE, None),
    IncidentAction.ADD_CALL: (ACTIVE, None),
    IncidentAction.MERGE: (ACTIVE, IncidentStatus.MERGED),
    IncidentAction.CANCEL: (ACTIVE, IncidentStatus.CANCELLED),
    IncidentAction.LEVEL: (ACTIVE, None),
    IncidentAction.DISPATCH: (ACTIVE, None),
    # After 归队 the timeline rule itself refuses (and says why); cancelled and merged are final.
    IncidentAction.STEP: (frozenset({IncidentStatus.ACTIVE, IncidentStatus.CLOSED}), None),
}

# Fields an edit (修改) may change: the place, the type and the building's floor.
EDITABLE = (
    "incident_type",
    "address",
    "lon",
    "lat",
    "building_id",
    "unit_id",
    "building_class",
    "floor",
)


@dataclass(frozen=True)
class IncidentEvent:
    """Something that happened to an incident; ``step`` is its timeline entry."""

    code: str
    by: str
    at: datetime

    step: Any = None  # set by each subclass

    def note(self) -> str:
        return ""


@dataclass(frozen=True)
class IncidentEdited(IncidentEvent):
    changes: tuple[tuple[str, Any, Any], ...] = ()  # (field, before, after)
    remark: str = ""
    step: Any = TimelineStep.EDITED

    def note(self) -> str:
        text = "; ".join(f"{f}: {_show(a)} → {_show(b)}" for f, a, b in self.changes)
        return f"{text} ({self.remark})" if self.remark else text


@dataclass(frozen=True)
class CallAdded(IncidentEvent):
    kind: CallKind = CallKind.CALL
    call_at: datetime | None = None
    ref: str = ""  # the caller's phone, or the alarm as ``alarm #id``
    step: Any = TimelineStep.CALL_ADDED

    def note(self) -> str:
        return f"{self.kind.zh} {self.ref}".strip()


@dataclass(frozen=True)
class MergedInto(IncidentEvent):
    target: str = ""
    reason: str = ""
    step: Any = TimelineStep.MERGED_INTO

    def note(self) -> str:
        return f"→ {self.target}: {self.reason}"


@dataclass(frozen=True)
class MergedIn(IncidentEvent):
    source: str = ""
    reason: str = ""
    step: Any = TimelineStep.MERGED_IN

    def note(self) -> str:
        return f"← {self.source}: {self.reason}"


@dataclass(frozen=True)
class Cancelled(IncidentEvent):
    reason: CancelReason = CancelReason.FALSE_ALARM
    remark: str = ""
    step: Any = TimelineStep.CANCELLED

    def note(self) -> str:
        return f"{self.reason.zh} {self.remark}".strip()


@dataclass(frozen=True)
class LevelChanged(IncidentEvent):
    before: int = 1
    after: int = 1
    step: Any = TimelineStep.LEVEL_CHANGED

    @property
    def raised(self) -> bool:
        return self.after > self.before

    def note(self) -> str:
        return f"{self.before}级 → {self.after}级"


def _show(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


@dataclass
class Case:
    """An incident as the rules see it. ``dispatched``: a vehicle was ever committed to it."""

    code: str
    status: IncidentStatus
    level: int
    received_at: datetime
    dispatched: bool = False
    events: list[IncidentEvent] = field(default_factory=list)

    def require(self, action: IncidentAction) -> None:
        """Raise Conflict naming the state when ``action`` may not start from it."""
        starts, _ = MOVES[action]
        if self.status not in starts:
            raise Conflict(
                f"incident {self.code} is {self.status.zh} ({self.status.en}): "
                f"{action.zh} ({action.en}) is not possible",
                [FieldProblem("status", f"must be 处置中 (active) to {action.value}")],
            )

    def edit(
        self, changes: dict[str, tuple[Any, Any]], by: str, at: datetime, remark: str = ""
    ) -> IncidentEdited:
        """修改: record the fields that really change (``field → (before, after)``)."""
        self.require(IncidentAction.EDIT)
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise ValidationFailed(
                "these fields cannot be edited",
                [FieldProblem(f, "is not editable") for f in unknown],
            )
        real = tuple((f, a, b) for f, (a, b) in changes.items() if a != b)
        if not real:
            raise ValidationFailed(
                f"the edit changes nothing on incident {self.code}",
                [FieldProblem("body", "must change at least one field")],
            )
        event = IncidentEdited(self.code, by, at, changes=real, remark=remark.strip())
        self.events.append(event)
        return event

    def add_call(
        self, kind: CallKind, call_at: datetime, ref: str, by: str, at: datetime
    ) -> CallAdded:
        """多次报警: one more call or alarm about this incident; an earlier one moves 接警."""
        self.require(IncidentAction.ADD_CALL)
        if call_at.tzinfo is None:
            raise ValidationFailed(
                "the call time has no time zone", [FieldProblem("at", "must carry a time zone")]
            )
        self.received_at = min(self.received_at, call_at)
        event = CallAdded(self.code, by, at, kind=kind, call_at=call_at, ref=ref)
        self.events.append(event)
        return event

    def merge_into(self, target: Case, reason: str, by: str, at: datetime) -> MergedInto:
        """合并: this (duplicate) incident goes into ``target``, which keeps its calls."""
        if target.code == self.code:
            raise ValidationFailed(
                f"incident {self.code} cannot be merged into itself",
                [FieldProblem("into", "must name another incident")],
            )
        self.require(IncidentAction.MERGE)
        if target.status is not IncidentStatus.ACTIVE:
            raise Conflict(
                f"incident {target.code} is {target.status.zh} ({target.status.en}): "
                "nothing can be merged into it",
                [FieldProblem("into", "must be an incident that is 处置中 (active)")],
            )
        if self.dispatched:
            raise Conflict(
                f"incident {self.code} has vehicles committed: merge {target.code} into it instead",
                [FieldProblem("code", "must have no dispatch to be merged into another")],
            )
        reason = reason.strip()
        if not reason:
            raise ValidationFailed(
                "a merge needs its reason", [FieldProblem("reason", "must not be empty")]
            )
        self.status = IncidentStatus.MERGED
        target.received_at = min(target.received_at, self.received_at)
        out = MergedInto(self.code, by, at, target=target.code, reason=reason)
        self.events.append(out)
        target.events.append(MergedIn(target.code, by, at, source=self.code, reason=reason))
        return out

    def cancel(self, reason: CancelReason, remark: str, by: str, at: datetime) -> Cancelled:
        """撤销: end the incident without a dispatch, for a stated reason."""
        self.require(IncidentAction.CANCEL)
        if self.dispatched:
            raise Conflict(
                f"incident {self.code} has vehicles committed: it ends with 归队, not 撤销",
                [FieldProblem("reason", "only an incident with no dispatch can be cancelled")],
            )
        self.status = IncidentStatus.CANCELLED
        event = Cancelled(self.code, by, at, reason=reason, remark=remark.strip())
        self.events.append(event)
        return event

    def set_level(
        self, level: int, by: str, at: datetime, max_level: int = MAX_LEVEL
    ) -> LevelChanged:
        """调整等级: a new alarm level; raising it makes the run card ask for more."""
        self.require(IncidentAction.LEVEL)
        if not 1 <= level <= max_level:
            raise ValidationFailed(
                f"alarm level {level} is out of range",
                [FieldProblem("level", f"must be 1 to {max_level}")],
            )
        if level == self.level:
            raise ValidationFailed(
                f"incident {self.code} is already at level {level}",
                [FieldProblem("level", f"must differ from the current level {self.level}")],
            )
        event = LevelChanged(self.code, by, at, before=self.level, after=level)
        self.level = level
        self.events.append(event)
        return event

    def check_dispatch(self) -> None:
        """调派/增派 is open at any time while the incident is 处置中."""
        self.require(IncidentAction.DISPATCH)

    def check_step(self) -> None:
        """Timeline steps (到场 … 归队): never on a cancelled or merged incident."""
        self.require(IncidentAction.STEP)
