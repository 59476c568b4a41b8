"""A vehicle's status on one dispatch (车辆作战状态), as the crew terminal (移动作战终端) reports it.

Plain Python: no database or web import. The service (:mod:`.crew_service`) loads a
:class:`Run` from the dispatch row, calls :meth:`Run.move`, and stores the new status, the
move's time and the event (an audit row; the incident's timeline step when it follows).

States (:class:`~.choices.CrewStatus`), one move per button::

    已调派 ─出动─▶ 出动 ─途中─▶ 途中 ─到场─▶ 到场 ─出水─▶ 出水 ─控制─▶ 控制 ─返回─▶ 返回 ─归队─▶ 归队

Order is enforced: a repeated step, a step backwards or a skipped step is refused (409 naming
``status``), and a move's time is never earlier than the previous move's (422 naming ``at``).
The only steps that may be skipped:

* **出水 and 控制**: a vehicle that did not pump (a rescue vehicle, an aerial platform, a
  command car, a fire out before water was needed) goes 到场 → 控制, 到场 → 返回 or 出水 → 返回;
* **到场 (recall)**: a vehicle stood down on the way (中途返回) goes 出动/途中 → 返回; it has
  no 到场 time and so no response time.

出动 → 途中 → 到场 are never skipped: the response time (出动 → 到场) is counted per vehicle.

What follows on the incident (:func:`incident_step`): the incident's 到场, 出水 and 控制 are the
first vehicle's (written once, by the first vehicle to report each, when the incident's own
timeline rule accepts them); its 归队 (which closes it) follows when the last of its vehicles is
back (归队) and none is still out. Its 出动 is the dispatcher's commit (:mod:`.dispatch`).

返回 releases the dispatch (the vehicle is available again and may be sent from where it is,
ranked from its live position by the recommendation); 归队 then only stamps the time it is home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.core.timeutil import to_local
from lanyan.response.choices import CrewStatus, TimelineStep

S = CrewStatus
ORDER: tuple[CrewStatus, ...] = tuple(CrewStatus)

# The states each move may start from (see the module text for the skips).
FROM: dict[CrewStatus, frozenset[CrewStatus]] = {
    S.TURNED_OUT: frozenset({S.ASSIGNED}),
    S.EN_ROUTE: frozenset({S.TURNED_OUT}),
    S.ARRIVED: frozenset({S.EN_ROUTE}),
    S.WATER_ON: frozenset({S.ARRIVED}),
    S.CONTROLLED: frozenset({S.ARRIVED, S.WATER_ON}),
    S.RETURNING: frozenset({S.TURNED_OUT, S.EN_ROUTE, S.ARRIVED, S.WATER_ON, S.CONTROLLED}),
    S.BACK: frozenset({S.RETURNING}),
}
SKIPPABLE = frozenset({S.WATER_ON, S.CONTROLLED, S.ARRIVED})  # 到场 only by a recall (返回)

# The time column each move stamps on the dispatch.
TIME_FIELD: dict[CrewStatus, str] = {
    S.TURNED_OUT: "turned_out_at",
    S.EN_ROUTE: "en_route_at",
    S.ARRIVED: "arrived_at",
    S.WATER_ON: "water_on_at",
    S.CONTROLLED: "controlled_at",
    S.RETURNING: "returning_at",
    S.BACK: "back_at",
}

# The incident's timeline step that the first vehicle's move gives (归队: the last vehicle's).
INCIDENT_STEP: dict[CrewStatus, TimelineStep] = {
    S.ARRIVED: TimelineStep.ARRIVED,
    S.WATER_ON: TimelineStep.WATER_ON,
    S.CONTROLLED: TimelineStep.CONTROLLED,
    S.BACK: TimelineStep.RETURNED,
}


def next_moves(status: CrewStatus) -> list[CrewStatus]:
    """The moves open from ``status``, in order (the crew terminal's live buttons)."""
    return [to for to in ORDER if status in FROM.get(to, frozenset())]


@dataclass(frozen=True)
class VehicleMoved:
    """One move of one vehicle on one dispatch."""

    dispatch_id: int
    vehicle: str
    before: CrewStatus
    after: CrewStatus
    at: datetime
    by: str


def _when(at: datetime) -> str:
    local = to_local(at)
    return local.strftime("%Y-%m-%d %H:%M:%S") if local else "?"


@dataclass
class Run:
    """One vehicle on one dispatch as the rules see it. ``released``: the dispatch was released
    by its incident's 归队 (the dispatcher closed it) before the vehicle reported 返回;
    ``sent_again``: the vehicle is already on a newer dispatch (only 归队 asks)."""

    dispatch_id: int
    vehicle: str
    status: CrewStatus
    last_at: datetime | None = None
    released: bool = False
    sent_again: bool = False
    events: list[VehicleMoved] = field(default_factory=list)

    def move(self, to: CrewStatus, at: datetime, by: str) -> VehicleMoved:
        """Record one move, or raise naming the rule it breaks."""
        if to is S.ASSIGNED:
            raise ValidationFailed(
                "已调派 (assigned) is set by the dispatch, not reported",
                [FieldProblem("status", "must be one of " + "、".join(s.zh for s in FROM))],
            )
        if at.tzinfo is None:
            raise ValidationFailed(
                "the move's time has no time zone", [FieldProblem("at", "must carry a time zone")]
            )
        if self.released and self.status not in (S.RETURNING, S.BACK):
            raise Conflict(
                f"vehicle {self.vehicle} was released from dispatch {self.dispatch_id} "
                "(the incident is closed)",
                [FieldProblem("status", "the dispatch is released: no move is open")],
            )
        if to is self.status:
            raise Conflict(
                f"vehicle {self.vehicle} is already {to.zh} ({to.en})",
                [FieldProblem("status", f"{to.zh} may be reported once")],
            )
        starts = FROM[to]
        if self.status not in starts:
            allowed = "、".join(s.zh for s in ORDER if s in starts)
            raise Conflict(
                f"vehicle {self.vehicle} is {self.status.zh} ({self.status.en}): "
                f"{to.zh} ({to.en}) is not the next step",
                [FieldProblem("status", f"{to.zh} must follow {allowed}")],
            )
        if to is S.BACK and self.sent_again:
            raise Conflict(
                f"vehicle {self.vehicle} is on a newer dispatch: 归队 is no longer open here",
                [FieldProblem("status", "the vehicle was sent again before it was back")],
            )
        if self.last_at is not None and at < self.last_at:
            raise ValidationFailed(
                f"{to.zh} at {_when(at)} is earlier than {self.status.zh} at {_when(self.last_at)}",
                [FieldProblem("at", f"must not be earlier than {_when(self.last_at)}")],
            )
        event = VehicleMoved(self.dispatch_id, self.vehicle, self.status, to, at, by)
        self.status, self.last_at = to, at
        self.events.append(event)
        return event


def incident_step(
    move: CrewStatus, incident_done: frozenset[TimelineStep], others_out: bool
) -> TimelineStep | None:
    """The incident's timeline step that ``move`` gives, or None.

    ``incident_done``: the steps the incident already has; ``others_out``: another vehicle on
    the incident is not back yet (still on its dispatch, or returning). The first vehicle's
    到场/出水/控制 becomes the incident's; 归队 closes it only when no other vehicle is out.
    The incident's own rule (:mod:`.timeline`) still has the last word on order and times."""
    step = INCIDENT_STEP.get(move)
    if step is None or step in incident_done:
        return None
    if step is TimelineStep.RETURNED and others_out:
        return None
    return step


def response_seconds(turned_out_at: datetime | None, arrived_at: datetime | None) -> float | None:
    """A vehicle's response time (出动 → 到场), seconds; None without both."""
    if turned_out_at is None or arrived_at is None:
        return None
    return max((arrived_at - turned_out_at).total_seconds(), 0.0)
