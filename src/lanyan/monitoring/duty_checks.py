"""Remote duty check (查岗) as plain Python: one check sent to one unit's control room, and how
it ends.

::

    待应答 (pending) ──answer ≤ deadline──────────────▶ 按时应答 (answered)
        │          ──answer ≤ missed line───────────▶ 超时应答 (late)
        └──────────expire, past the missed line─────▶ 未应答 (missed)

The deadline is ``answer_within`` after the check was sent (a centre's choice, 1–255 minutes:
GB/T 26875.3's type 91 carries the same timeout as one byte of minutes; the default
:data:`DEFAULT_ANSWER_MINUTES` = 5 is this platform's choice, not a figure of the standard).
An answer after the deadline but before the missed line (``LATE_FACTOR`` × the timeout after
sending) is recorded as late; after it the check is missed and takes no answer. No database or
web import: ``duty_check_service`` loads a row, calls one method and stores state and events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.monitoring.choices import CheckState

DEFAULT_ANSWER_MINUTES = 5
MAX_ANSWER_MINUTES = 255  # one byte of minutes in GB/T 26875.3 type 91
LATE_FACTOR = 2  # a late answer is taken until twice the timeout after sending


@dataclass(frozen=True)
class CheckEvent:
    check_id: int | None
    at: datetime


@dataclass(frozen=True)
class CheckSent(CheckEvent):
    deadline: datetime


@dataclass(frozen=True)
class CheckAnswered(CheckEvent):
    by: str
    seconds: float


@dataclass(frozen=True)
class CheckAnsweredLate(CheckEvent):
    by: str
    seconds: float


@dataclass(frozen=True)
class CheckMissed(CheckEvent):
    pass


def check_minutes(minutes: int) -> timedelta:
    """The timeout as a duration; refused outside 1–255 minutes, naming the field."""
    if not 1 <= minutes <= MAX_ANSWER_MINUTES:
        raise ValidationFailed(
            "the answer time is 1 to 255 minutes",
            [FieldProblem("answer_within_minutes", "must be between 1 and 255")],
        )
    return timedelta(minutes=minutes)


@dataclass
class DutyCheck:
    """One 查岗 of one unit. ``events`` holds what happened since it was loaded."""

    id: int | None
    sent_at: datetime
    deadline: datetime
    state: CheckState = CheckState.PENDING
    answered_at: datetime | None = None
    answered_by: str | None = None
    events: list[CheckEvent] = field(default_factory=list)

    FINAL: ClassVar[frozenset[CheckState]] = frozenset(
        {CheckState.ANSWERED, CheckState.LATE, CheckState.MISSED}
    )

    @classmethod
    def send(cls, check_id: int | None, sent_at: datetime, minutes: int) -> DutyCheck:
        if sent_at.tzinfo is None:
            raise ValidationFailed(
                "the send time has no time zone", [FieldProblem("at", "must carry a time zone")]
            )
        deadline = sent_at + check_minutes(minutes)
        check = cls(check_id, sent_at, deadline)
        check.events.append(CheckSent(check_id, sent_at, deadline))
        return check

    @property
    def missed_line(self) -> datetime:
        """After this instant an unanswered check is missed."""
        return self.sent_at + LATE_FACTOR * (self.deadline - self.sent_at)

    def _pending(self, what: str) -> None:
        if self.state is not CheckState.PENDING:
            raise Conflict(
                f"the duty check cannot be {what}: it is already {self.state.zh} "
                f"({self.state.value})",
                [FieldProblem("state", f"is {self.state.value}, must be pending")],
            )

    def answer(self, by: str, at: datetime) -> CheckState:
        """The control room answers: on time, late, or refused once the missed line passed."""
        self._pending("answered")
        if at > self.missed_line:
            raise Conflict(
                "the duty check was missed: its answer time ended at "
                + self.missed_line.isoformat(),
                [FieldProblem("state", "the check is past its missed line")],
            )
        seconds = max(0.0, (at - self.sent_at).total_seconds())
        self.answered_at, self.answered_by = at, by
        if at <= self.deadline:
            self.state = CheckState.ANSWERED
            self.events.append(CheckAnswered(self.id, at, by, seconds))
        else:
            self.state = CheckState.LATE
            self.events.append(CheckAnsweredLate(self.id, at, by, seconds))
        return self.state

    def expire(self, now: datetime) -> bool:
        """Mark the check missed when it is pending past its missed line; whether it did."""
        if self.state is not CheckState.PENDING or now <= self.missed_line:
            return False
        self.state = CheckState.MISSED
        self.events.append(CheckMissed(self.id, now))
        return True
