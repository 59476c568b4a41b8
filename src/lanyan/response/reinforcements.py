"""The cross-jurisdiction reinforcement request (跨区增援请求) as plain Python.

A commander may commit only vehicles inside their own jurisdiction. For a vehicle outside it the
incident's side sends a request naming the vehicles; a commander, dispatcher or administrator in
whose jurisdiction those vehicles are approves or refuses it (with a reason); only an approved
request lets the incident's side dispatch them. No database or web imports: the service loads a
:class:`Reinforcement`, calls one method, and stores the new state with the events it recorded.

The moves::

    待审批 (pending) ──批准──▶ 已批准 (approved) ──调派 (every vehicle)──▶ 已出动 (dispatched)
        │
        ├──拒绝 (reason)──▶ 已拒绝 (refused)
        └──撤回──────────▶ 已撤回 (cancelled)

An approval is refused while a requested vehicle is busy (for instance on an incident of the
approver's own county): the service passes those facts in ``busy`` and the approver sees them as
the reason to refuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.response.choices import ReinforcementAction, ReinforcementState

S = ReinforcementState

# The states each action may start from, and where it leads. 调派 leads to 已出动 only once every
# requested vehicle has been dispatched; until then the request stays approved.
MOVES: dict[ReinforcementAction, tuple[frozenset[ReinforcementState], ReinforcementState]] = {
    ReinforcementAction.APPROVE: (frozenset({S.PENDING}), S.APPROVED),
    ReinforcementAction.REFUSE: (frozenset({S.PENDING}), S.REFUSED),
    ReinforcementAction.CANCEL: (frozenset({S.PENDING}), S.CANCELLED),
    ReinforcementAction.DISPATCH: (frozenset({S.APPROVED}), S.DISPATCHED),
}

# States in which nothing more can happen.
FINAL = frozenset({S.REFUSED, S.CANCELLED, S.DISPATCHED})


# ---- domain events -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReinforcementEvent:
    """Something that happened to a request; ``name`` is what the history table stores."""

    name: ClassVar[str] = ""
    request: str  # the request's code
    at: datetime
    by: str
    from_state: ReinforcementState | None
    to_state: ReinforcementState

    def detail(self) -> dict[str, Any]:
        """The event's own facts beyond who, when and which states, for the history row."""
        return {}


@dataclass(frozen=True)
class ReinforcementRequested(ReinforcementEvent):
    name: ClassVar[str] = "requested"
    vehicles: tuple[str, ...] = ()
    note: str = ""

    def detail(self) -> dict[str, Any]:
        return {"vehicles": list(self.vehicles), "note": self.note}


@dataclass(frozen=True)
class ReinforcementApproved(ReinforcementEvent):
    name: ClassVar[str] = ReinforcementAction.APPROVE.value
    note: str = ""

    def detail(self) -> dict[str, Any]:
        return {"note": self.note}


@dataclass(frozen=True)
class ReinforcementRefused(ReinforcementEvent):
    name: ClassVar[str] = ReinforcementAction.REFUSE.value
    reason: str = ""

    def detail(self) -> dict[str, Any]:
        return {"reason": self.reason}


@dataclass(frozen=True)
class ReinforcementCancelled(ReinforcementEvent):
    name: ClassVar[str] = ReinforcementAction.CANCEL.value
    reason: str = ""

    def detail(self) -> dict[str, Any]:
        return {"reason": self.reason}


@dataclass(frozen=True)
class ReinforcementDispatched(ReinforcementEvent):
    name: ClassVar[str] = ReinforcementAction.DISPATCH.value
    vehicles: tuple[str, ...] = ()

    def detail(self) -> dict[str, Any]:
        return {"vehicles": list(self.vehicles)}


# ---- the aggregate -------------------------------------------------------------------------


def _from_states(action: ReinforcementAction) -> str:
    sources = MOVES[action][0]
    return ", ".join(f"{s.zh} ({s.value})" for s in ReinforcementState if s in sources)


def _refuse_move(
    state: ReinforcementState, action: ReinforcementAction, why: str = "", field_name: str = ""
) -> Conflict:
    reason = why or f"allowed only from {_from_states(action)}"
    return Conflict(
        f"cannot {action.zh} ({action.value}) a reinforcement request in state "
        f"{state.zh} ({state.value}): {reason}",
        [
            FieldProblem(
                field_name or "action",
                why or f"{action.value} is not allowed in state {state.value}",
            )
        ],
    )


def _check_time(at: datetime, last_at: datetime | None, what: str) -> None:
    if at.tzinfo is None:
        raise ValidationFailed(
            f"the time of {what} has no time zone", [FieldProblem("at", "must carry a time zone")]
        )
    if last_at is not None and at < last_at:
        raise ValidationFailed(
            f"{what} at {at.isoformat()} is earlier than the request's last step "
            f"at {last_at.isoformat()}",
            [FieldProblem("at", f"must not be earlier than {last_at.isoformat()}")],
        )


@dataclass
class Reinforcement:
    """One request for named vehicles and the events its methods recorded (``events``)."""

    code: str
    vehicles: tuple[str, ...]  # vehicle codes, in the order requested
    requested_by: str
    requested_at: datetime
    state: ReinforcementState = S.PENDING
    dispatched: frozenset[str] = frozenset()
    decided_by: str | None = None
    reason: str = ""
    last_at: datetime | None = None
    events: list[ReinforcementEvent] = field(default_factory=list)

    @classmethod
    def request(
        cls, code: str, vehicles: Iterable[str], at: datetime, by: str, note: str = ""
    ) -> Reinforcement:
        """增援请求: ask for ``vehicles`` (codes, each once, at least one)."""
        codes = tuple(vehicles)
        if not codes:
            raise ValidationFailed(
                "a reinforcement request names at least one vehicle",
                [FieldProblem("vehicles", "must name at least one vehicle")],
            )
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValidationFailed(
                "a vehicle is listed twice",
                [FieldProblem("vehicles", f"{c} must be listed once") for c in repeated],
            )
        _check_time(at, None, "the request")
        req = cls(code=code, vehicles=codes, requested_by=by, requested_at=at, last_at=at)
        req.events.append(
            ReinforcementRequested(code, at, by, None, S.PENDING, vehicles=codes, note=note)
        )
        return req

    def _move(self, action: ReinforcementAction, at: datetime) -> ReinforcementState:
        sources, target = MOVES[action]
        if self.state not in sources:
            raise _refuse_move(self.state, action)
        _check_time(at, self.last_at, action.zh)
        before = self.state
        self.state = target
        self.last_at = at
        return before

    def approve(
        self, at: datetime, by: str, note: str = "", busy: Mapping[str, str] | None = None
    ) -> None:
        """批准: ``busy`` maps a requested vehicle's code to why it cannot go now (e.g. "on
        incident JQ… of 亭湖区"); any entry refuses the approval, naming the vehicle."""
        blockers = {c: why for c, why in (busy or {}).items() if c in self.vehicles}
        if blockers and self.state in MOVES[ReinforcementAction.APPROVE][0]:
            raise Conflict(
                "cannot approve: "
                + "; ".join(f"vehicle {c} is {why}" for c, why in sorted(blockers.items()))
                + " — refuse the request with that reason, or wait until it is available",
                [FieldProblem("vehicles", f"{c} must be available") for c in sorted(blockers)],
            )
        before = self._move(ReinforcementAction.APPROVE, at)
        self.decided_by = by
        self.reason = note
        self.events.append(ReinforcementApproved(self.code, at, by, before, self.state, note))

    def refuse(self, at: datetime, by: str, reason: str) -> None:
        """拒绝: with a reason the requesting side reads on its timeline."""
        if not reason.strip():
            raise ValidationFailed(
                "a refusal needs a reason", [FieldProblem("reason", "must not be empty")]
            )
        before = self._move(ReinforcementAction.REFUSE, at)
        self.decided_by = by
        self.reason = reason.strip()
        self.events.append(ReinforcementRefused(self.code, at, by, before, self.state, self.reason))

    def cancel(self, at: datetime, by: str, reason: str = "") -> None:
        """撤回: the requesting side no longer needs the vehicles."""
        before = self._move(ReinforcementAction.CANCEL, at)
        self.reason = reason.strip()
        self.events.append(
            ReinforcementCancelled(self.code, at, by, before, self.state, self.reason)
        )

    def covers(self, vehicle: str) -> bool:
        """Whether this request lets ``vehicle`` be dispatched now (approved, not yet sent)."""
        return (
            self.state is S.APPROVED and vehicle in self.vehicles and vehicle not in self.dispatched
        )

    def dispatch(self, vehicles: Iterable[str], at: datetime, by: str) -> None:
        """调派: the approved ``vehicles`` were committed; 已出动 once all of them are."""
        codes = tuple(vehicles)
        action = ReinforcementAction.DISPATCH
        if self.state not in MOVES[action][0]:
            raise _refuse_move(self.state, action)
        outside = [c for c in codes if c not in self.vehicles or c in self.dispatched]
        if outside:
            raise _refuse_move(
                self.state,
                action,
                f"{', '.join(outside)} not approved by this request (or already dispatched)",
                "vehicles",
            )
        _check_time(at, self.last_at, action.zh)
        before = self.state
        self.dispatched = self.dispatched | frozenset(codes)
        if self.dispatched >= frozenset(self.vehicles):
            self.state = MOVES[action][1]
        self.last_at = at
        self.events.append(
            ReinforcementDispatched(self.code, at, by, before, self.state, vehicles=codes)
        )
