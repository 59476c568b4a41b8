"""Control-room shift handover (消控室交接班) as plain Python: who may take over, and which open
alarms refuse the handover.

A shift is not handed over while one of the unit's fire alarms is open (未处理 or 已确认: the
fire is still being dealt with) or a fault waits for a person (未处理); the refusal names each
one, so the outgoing operator knows what to finish. The incoming operator is another operator
of the same unit, named by the caller; the handover records who accepted it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.monitoring import alarm_machine
from lanyan.monitoring.choices import AlarmStatus, SignalKind

NOTE_MAX = 500


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
