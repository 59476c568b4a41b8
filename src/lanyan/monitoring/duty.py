"""Control-room duty (消控室值班) as plain Python: who may staff a shift, what a duty-log entry
must carry, and which open alarms refuse a shift handover.

A shift (班次) is staffed by two different operators of the unit's roster, each holding a
certificate (持证, 消防设施操作员) valid on every day of the shift; it lasts more than zero and
at most ``SHIFT_MAX``. During a shift the operators write a duty-log entry (值班记录) with the
panel's state every ``LOG_EVERY`` (two hours, the issue's rule); an entry may not be dated in
the future or before ``LOG_BACKDATE_MAX`` (a day: a log written up a week later is not a log).

A shift is not handed over while one of the unit's fire alarms is open (未处理 or 已确认: the
fire is still being dealt with) or a fault waits for a person (未处理); the refusal names each
one, so the outgoing operator knows what to finish. The incoming operator is another operator
of the same unit, named by the caller; the handover records who accepted it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.core.timeutil import to_local
from lanyan.monitoring import alarm_machine
from lanyan.monitoring.choices import AlarmStatus, PanelState, SignalKind

NOTE_MAX = 500
OPERATORS_PER_SHIFT = 2  # the rule: two certified operators per shift
SHIFT_MAX = timedelta(hours=24)
LOG_EVERY = timedelta(hours=2)
LOG_BACKDATE_MAX = timedelta(days=1)


@dataclass(frozen=True)
class RosterOperator:
    """An operator on a unit's duty roster (值班人员名册) and their certificate."""

    username: str
    certificate_no: str
    certificate_expires: date


def _aware(at: datetime, name: str) -> None:
    if at.tzinfo is None:
        raise ValidationFailed(
            f"the {name} time has no time zone", [FieldProblem(name, "must carry a time zone")]
        )


def _local_day(at: datetime) -> date:
    return to_local(at).date()


def check_shift(
    starts_at: datetime, ends_at: datetime, usernames: list[str], roster: list[RosterOperator]
) -> list[RosterOperator]:
    """Refuse a shift that is not staffed by two different certified operators of the roster
    (certificate valid to the shift's last local day), or whose times are wrong; the two
    operators otherwise, in the order given."""
    _aware(starts_at, "starts_at")
    _aware(ends_at, "ends_at")
    if not timedelta(0) < ends_at - starts_at <= SHIFT_MAX:
        raise ValidationFailed(
            "a shift ends after it starts and lasts at most 24 hours",
            [FieldProblem("ends_at", "must be after starts_at and within 24 hours of it")],
        )
    names = [u.strip() for u in usernames if u.strip()]
    if len(names) != OPERATORS_PER_SHIFT or len(set(names)) != OPERATORS_PER_SHIFT:
        raise ValidationFailed(
            "a shift needs two certified operators (每班两名持证值班人员)",
            [FieldProblem("operators", "must name two different operators")],
        )
    by_name = {r.username: r for r in roster}
    last_day = _local_day(ends_at)
    problems = []
    for name in names:
        op = by_name.get(name)
        if op is None:
            problems.append(FieldProblem("operators", f"{name} is not on the unit's duty roster"))
        elif op.certificate_expires < last_day:
            problems.append(
                FieldProblem(
                    "operators",
                    f"{name}'s certificate {op.certificate_no} expired or expires on "
                    f"{op.certificate_expires.isoformat()}, before the shift ends",
                )
            )
    if problems:
        raise ValidationFailed(
            "a shift needs two certified operators (每班两名持证值班人员): "
            + "; ".join(p.rule for p in problems),
            problems,
        )
    return [by_name[n] for n in names]


def check_log_entry(
    at: datetime, now: datetime, panel_state: str, note: str
) -> tuple[PanelState, str]:
    """Refuse a duty-log entry dated in the future or more than a day back, with an unknown
    panel state or a long note; the state and the trimmed note otherwise."""
    _aware(at, "at")
    if at > now:
        raise ValidationFailed(
            "a duty-log entry cannot be dated in the future",
            [FieldProblem("at", "must not be later than now")],
        )
    if at < now - LOG_BACKDATE_MAX:
        raise ValidationFailed(
            "a duty-log entry is written within a day",
            [FieldProblem("at", "must be within the last 24 hours")],
        )
    try:
        state = PanelState(panel_state)
    except ValueError:
        raise ValidationFailed(
            f"unknown panel state {panel_state!r}",
            [FieldProblem("panel_state", "must be one of " + ", ".join(PanelState))],
        ) from None
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            "the note is too long", [FieldProblem("note", f"at most {NOTE_MAX} characters")]
        )
    return state, note


def log_slot(at: datetime) -> int:
    """The two-hour slot (``LOG_EVERY``) an entry falls in, counted from the Unix epoch: a
    shift's log is on time when each of its slots holds an entry."""
    return int(at.timestamp() // LOG_EVERY.total_seconds())


def shift_slots(starts_at: datetime, ends_at: datetime) -> int:
    """How many log slots a shift spans (each slot it touches asks for one entry)."""
    return log_slot(ends_at - timedelta(microseconds=1)) - log_slot(starts_at) + 1


@dataclass(frozen=True)
class OpenAlarm:
    """An alarm of the unit as the handover rule sees it."""

    id: int
    kind: SignalKind
    status: AlarmStatus
    point: str
    raised_at: datetime

    def label(self) -> str:
        return (
            f"#{self.id} {self.kind.zh} ({self.kind.value}) {self.status.zh} ({self.status.value})"
            f"{' · ' + self.point if self.point else ''}"
        )


def blocks_handover(alarm: OpenAlarm) -> bool:
    """An open fire alarm, or a fault nobody has taken up."""
    if alarm.kind is SignalKind.FIRE:
        return alarm.status in alarm_machine.OPEN
    if alarm.kind is SignalKind.FAULT:
        return alarm.status in alarm_machine.AWAITING_OPERATOR
    return False


def check_handover(
    handed_by: str, accepted_by: str, note: str, alarms: list[OpenAlarm], at: datetime
) -> str:
    """Refuse a handover to oneself, a naive time, a long note, or while an alarm blocks it
    (naming every blocking alarm); the trimmed note otherwise."""
    if at.tzinfo is None:
        raise ValidationFailed(
            "the handover time has no time zone", [FieldProblem("at", "must carry a time zone")]
        )
    if accepted_by == handed_by:
        raise ValidationFailed(
            "a shift is handed over to another operator",
            [FieldProblem("accepted_by", "must not be the outgoing operator")],
        )
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            "the note is too long", [FieldProblem("note", f"at most {NOTE_MAX} characters")]
        )
    blocking = [a for a in alarms if blocks_handover(a)]
    if blocking:
        raise Conflict(
            "the shift cannot be handed over while these alarms are open: "
            + "; ".join(a.label() for a in blocking),
            [
                FieldProblem("alarms", f"alarm {a.id} ({a.kind.value}, {a.status.value}) is open")
                for a in blocking
            ],
        )
    return note
