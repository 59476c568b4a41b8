"""The alarm handling workflow (报警处置) as plain Python: states, legal moves, events.

No database or web imports: ``handling`` loads an :class:`Alarm`, calls one method, and stores
the new state together with the events the method recorded (audit and outbox in the same
transaction). The gateway's hot path keeps its set-based SQL but reads its rules from this
table (``kinds_for``, ``states_for``, ``RESET_KEEPS_OPEN``), so each rule is written once.

Per kind (火警 fire · 故障 fault · 监管 supervisory · 反馈 feedback · 离线 offline)::

    fire         未处理 ──火警确认──▶ 已确认 ──复位──▶ 已复位
                   │  ╰──误报──▶ 误报
                   ╰── 超时升级, 复位: recorded, stays 未处理 (only a person closes a fire alarm)

    fault,       未处理 ──确认──▶ 已确认 ──复位──▶ 已复位
                   (a fault also closes, from 未处理 or 已确认, when its 维修工单 is done;
                    while it has an open 维修工单 a reset is only recorded: ``UNDER_REPAIR``)
    supervisory,   ├──误报──▶ 误报
    feedback       ╰──复位──▶ 已复位 (the device says it is over)

    offline      未处理 ──确认──▶ 已确认 ──设备恢复──▶ 已复位
                   ├──误报──▶ 误报
                   ╰──设备恢复──▶ 已复位 (the device is heard again)

误报 and 已复位 are final. An open alarm (未处理 or 已确认) counts the repeats of its signal.

On-site confirmation (现场确认) by the unit's control room (消控室值班员) comes first: on an
unhandled fire alarm the operator records once what they found — real fire, false or test — with
a note. It changes no status: the alarm stays 未处理 on the centre's desk, which shows the
verdict, until a person at the centre confirms it or marks it false (the centre decides; a unit
saying "false" or "test" does not close a fire alarm, so a wrong call on site cannot silence a
real fire). What it changes is escalation: a fire alarm nobody confirmed on site within the
escalation time (``LANYAN_MONITOR_ESCALATE_AFTER_S``, 180 s) escalates to the centre; a "false"
or "test" verdict in time stops that; a "real fire" verdict escalates at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.monitoring.choices import AlarmAction, AlarmStatus, SignalKind, SiteVerdict

ACTIVE, CONFIRMED = AlarmStatus.ACTIVE, AlarmStatus.CONFIRMED
FALSE_ALARM, CLEARED = AlarmStatus.FALSE_ALARM, AlarmStatus.CLEARED
CONFIRM, ACKNOWLEDGE, MARK_FALSE = (
    AlarmAction.CONFIRM,
    AlarmAction.ACKNOWLEDGE,
    AlarmAction.MARK_FALSE,
)
ESCALATE, PANEL_RESET, DEVICE_BACK = (
    AlarmAction.ESCALATE,
    AlarmAction.PANEL_RESET,
    AlarmAction.DEVICE_BACK,
)
SITE_CONFIRM, REPAIRED = AlarmAction.SITE_CONFIRM, AlarmAction.REPAIRED

# A fault, supervisory or feedback signal is the device's own state: its reset ends it.
_DEVICE_STATE: dict[AlarmStatus, dict[AlarmAction, AlarmStatus]] = {
    ACTIVE: {ACKNOWLEDGE: CONFIRMED, MARK_FALSE: FALSE_ALARM, PANEL_RESET: CLEARED},
    CONFIRMED: {PANEL_RESET: CLEARED},
}

# Kind → state → the actions allowed there and the state each leads to. A state missing from
# a kind's table (误报, 已复位) allows nothing.
MOVES: dict[SignalKind, dict[AlarmStatus, dict[AlarmAction, AlarmStatus]]] = {
    SignalKind.FIRE: {
        # A reset is a fact, not a decision: it never closes a fire alarm nobody handled.
        ACTIVE: {
            CONFIRM: CONFIRMED,
            MARK_FALSE: FALSE_ALARM,
            SITE_CONFIRM: ACTIVE,  # recorded beside the status, once (see the docstring)
            ESCALATE: ACTIVE,
            PANEL_RESET: ACTIVE,
        },
        CONFIRMED: {PANEL_RESET: CLEARED},
    },
    # A fault also closes when its repair work order (维修工单) is done (``work_orders``).
    SignalKind.FAULT: {
        state: moves | {REPAIRED: CLEARED} for state, moves in _DEVICE_STATE.items()
    },
    SignalKind.SUPERVISORY: _DEVICE_STATE,
    SignalKind.FEEDBACK: _DEVICE_STATE,
    SignalKind.OFFLINE: {
        ACTIVE: {ACKNOWLEDGE: CONFIRMED, MARK_FALSE: FALSE_ALARM, DEVICE_BACK: CLEARED},
        CONFIRMED: {DEVICE_BACK: CLEARED},
    },
}

ALARM_KINDS: tuple[SignalKind, ...] = tuple(MOVES)
# A person's decisions at the centre, audited; the others come from the unit's control room
# (SITE_ACTIONS, also audited), the device or the clock.
OPERATOR_ACTIONS = frozenset({CONFIRM, ACKNOWLEDGE, MARK_FALSE})
SITE_ACTIONS = frozenset({SITE_CONFIRM})
# Open (a repeat counts up, a reset or the device's return still reaches it): any move left.
OPEN = frozenset(s for table in MOVES.values() for s, moves in table.items() if moves)
# Waiting for a person: some kind allows a decision there.
AWAITING_OPERATOR = frozenset(
    s for table in MOVES.values() for s, moves in table.items() if OPERATOR_ACTIONS & set(moves)
)
# (kind, state) pairs a panel reset only marks (``reset_at``) and leaves as they are; every
# other reset clears the alarm (checked in tests/test_alarm_machine.py).
RESET_KEEPS_OPEN = frozenset(
    (kind, state)
    for kind, table in MOVES.items()
    for state, moves in table.items()
    if moves.get(PANEL_RESET) is state
)
# While a fault has an open repair work order (维修工单), the device's reset is a fact recorded
# on the alarm (``reset_at``) and nothing more: the alarm closes when the order is done or a
# person closes it (GB 25201's 维修 loop; issue #19 item 5). The hot path's SQL reads this too.
UNDER_REPAIR_KEEPS_OPEN = frozenset({SignalKind.FAULT})
NOTE_MAX = 500  # characters of an operator's note (处置说明)


def kinds_for(action: AlarmAction) -> frozenset[SignalKind]:
    """The kinds of alarm ``action`` applies to in some state."""
    return frozenset(k for k, table in MOVES.items() if any(action in m for m in table.values()))


def states_for(action: AlarmAction) -> frozenset[AlarmStatus]:
    """The states from which ``action`` is allowed for some kind."""
    return frozenset(s for table in MOVES.values() for s, moves in table.items() if action in moves)


def decisions(kind: SignalKind, status: AlarmStatus) -> list[AlarmAction]:
    """What a person may decide on an alarm of ``kind`` in ``status`` (the desk's buttons), in
    the table's order; nothing for a kind that opens no alarm."""
    return [a for a in MOVES.get(kind, {}).get(status, {}) if a in OPERATOR_ACTIONS]


def check_note(note: str) -> str:
    """The operator's note, trimmed; ValidationFailed when longer than ``NOTE_MAX``."""
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            "the note is too long", [FieldProblem("note", f"at most {NOTE_MAX} characters")]
        )
    return note


# ---- domain events -------------------------------------------------------------------------


@dataclass(frozen=True)
class AlarmEvent:
    """Something that happened to an alarm; ``name`` is the audit action of a person's one."""

    name: ClassVar[str] = ""
    alarm: int | None  # the alarm's id (None before it is stored)
    kind: SignalKind
    at: datetime
    by: str
    from_state: AlarmStatus
    to_state: AlarmStatus

    def detail(self) -> dict[str, Any]:
        """The event's own facts beyond who, when and which states."""
        return {}


@dataclass(frozen=True)
class AlarmHandled(AlarmEvent):
    """A person's decision on the alarm (人工处置), with their note."""

    note: str = ""

    def detail(self) -> dict[str, Any]:
        return {"note": self.note}


@dataclass(frozen=True)
class AlarmConfirmed(AlarmHandled):
    """火警确认: the fire is real; the 119 side opens an incident from it."""

    name: ClassVar[str] = CONFIRM.value


@dataclass(frozen=True)
class AlarmAcknowledged(AlarmHandled):
    """确认: someone is on the fault, supervisory, feedback or offline alarm."""

    name: ClassVar[str] = ACKNOWLEDGE.value


@dataclass(frozen=True)
class AlarmMarkedFalse(AlarmHandled):
    """误报: it counts in the unit's false-alarm rate."""

    name: ClassVar[str] = MARK_FALSE.value


@dataclass(frozen=True)
class AlarmRepaired(AlarmHandled):
    """维修完成: the fault's repair work order was done; ``by`` is who marked it done and the
    note names the order and what was done."""

    name: ClassVar[str] = REPAIRED.value


@dataclass(frozen=True)
class SiteConfirmed(AlarmEvent):
    """现场确认: the unit's control-room operator's verdict, in time or ``late``."""

    name: ClassVar[str] = SITE_CONFIRM.value
    verdict: SiteVerdict = SiteVerdict.FIRE
    note: str = ""
    late: bool = False

    def detail(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value, "note": self.note, "late": self.late}


@dataclass(frozen=True)
class AlarmEscalated(AlarmEvent):
    """超时未确认: a fire alarm waited ``waited_s`` seconds for a person."""

    name: ClassVar[str] = ESCALATE.value
    waited_s: float = 0.0

    def detail(self) -> dict[str, Any]:
        return {"waited_s": self.waited_s}


@dataclass(frozen=True)
class PanelResetRecorded(AlarmEvent):
    """复位: the device reported a reset while the alarm was open."""

    name: ClassVar[str] = PANEL_RESET.value


@dataclass(frozen=True)
class AlarmCleared(AlarmEvent):
    """已复位: a device fact (``cause``: its reset, or being heard again) closed the alarm."""

    name: ClassVar[str] = "cleared"
    cause: AlarmAction = PANEL_RESET

    def detail(self) -> dict[str, Any]:
        return {"cause": self.cause.value}


# ---- the aggregate -------------------------------------------------------------------------


def _check_time(at: datetime) -> None:
    if at.tzinfo is None:
        raise ValidationFailed(
            "the time of the action has no time zone",
            [FieldProblem("at", "must carry a time zone")],
        )


@dataclass
class Alarm:
    """One alarm record and the events its methods recorded since it was built (``events``)."""

    id: int | None
    kind: SignalKind
    raised_at: datetime
    status: AlarmStatus = ACTIVE
    handled_by: str | None = None
    handled_at: datetime | None = None
    note: str = ""
    escalated_at: datetime | None = None
    reset_at: datetime | None = None
    cleared_at: datetime | None = None
    site_verdict: SiteVerdict | None = None  # 现场确认 by the unit's control room
    site_by: str | None = None
    site_at: datetime | None = None
    site_note: str = ""
    # An open repair work order (维修工单) on this alarm: a reset does not close it.
    under_repair: bool = False
    events: list[AlarmEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind not in MOVES:
            raise ValueError(f"a {self.kind.value} signal opens no alarm")

    def allowed_actions(self) -> list[AlarmAction]:
        """What may happen to the alarm now, in the table's order (现场确认 once)."""
        out = list(MOVES[self.kind].get(self.status, {}))
        if self.site_verdict is not None and SITE_CONFIRM in out:
            out.remove(SITE_CONFIRM)
        return out

    def site_decisions(self) -> list[AlarmAction]:
        """What the unit's control room may do now (its page's buttons)."""
        return [a for a in self.allowed_actions() if a in SITE_ACTIONS]

    # -- helpers --

    def _refuse(self, action: AlarmAction) -> Conflict:
        kind, state = self.kind, self.status
        if action in OPERATOR_ACTIONS and state not in AWAITING_OPERATOR:
            return Conflict(
                f"alarm {self.id} is already {state.value} ({state.zh}); only an active alarm "
                "can be handled",
                [FieldProblem("status", f"must be active, is {state.value}")],
            )
        if action is CONFIRM:
            return Conflict(
                f"alarm {self.id} is a {kind.value} ({kind.zh}), not a fire alarm: acknowledge it",
                [FieldProblem("kind", "must be fire to confirm")],
            )
        if action is ACKNOWLEDGE and kind is SignalKind.FIRE:
            return Conflict(
                f"alarm {self.id} is a fire alarm (火警): confirm it or mark it false",
                [FieldProblem("kind", "must not be fire to acknowledge")],
            )
        return Conflict(
            f"cannot {action.zh} ({action.value}) alarm {self.id}, a {kind.value} ({kind.zh}) "
            f"alarm in state {state.value} ({state.zh})",
            [FieldProblem("action", f"{action.value} is not allowed here")],
        )

    def _move(self, action: AlarmAction, at: datetime) -> tuple[AlarmStatus, AlarmStatus]:
        target = MOVES[self.kind].get(self.status, {}).get(action)
        if target is None:
            raise self._refuse(action)
        _check_time(at)
        before = self.status
        self.status = target
        return before, target

    def _handle(self, action: AlarmAction, at: datetime, by: str, note: str) -> tuple[Any, ...]:
        note = check_note(note)
        before, after = self._move(action, at)
        self.handled_by, self.handled_at, self.note = by, at, note
        return self.id, self.kind, at, by, before, after, note

    # -- a person's decisions --

    def confirm(self, at: datetime, by: str, note: str = "") -> None:
        """火警确认: a person confirms a fire alarm as real."""
        self.events.append(AlarmConfirmed(*self._handle(CONFIRM, at, by, note)))

    def acknowledge(self, at: datetime, by: str, note: str = "") -> None:
        """确认: a person is on a fault, supervisory, feedback or offline alarm. It stays open
        until the device says it is over (reset, or heard again)."""
        self.events.append(AlarmAcknowledged(*self._handle(ACKNOWLEDGE, at, by, note)))

    def mark_false(self, at: datetime, by: str, note: str = "") -> None:
        """误报: a person marks the alarm false."""
        self.events.append(AlarmMarkedFalse(*self._handle(MARK_FALSE, at, by, note)))

    def repaired(self, at: datetime, by: str, note: str) -> None:
        """维修完成: the fault's repair work order is done, which closes the alarm (已复位),
        recorded as handled by ``by`` with the order in ``note``."""
        self.events.append(AlarmRepaired(*self._handle(REPAIRED, at, by, note)))
        self.cleared_at = at

    # -- the unit's control room --

    def site_confirm(
        self,
        verdict: SiteVerdict,
        at: datetime,
        by: str,
        note: str,
        within: timedelta,
    ) -> None:
        """现场确认: the unit's operator records what they found on site, once, on an unhandled
        fire alarm; ``late`` when after ``within`` of the raising. A real fire escalates to the
        centre at once; no verdict changes the status (only the centre's person closes it)."""
        if self.site_verdict is not None:
            raise Conflict(
                f"alarm {self.id} was already confirmed on site ({self.site_verdict.zh}) by "
                f"{self.site_by}",
                [FieldProblem("verdict", "an alarm is confirmed on site once")],
            )
        if SITE_CONFIRM not in MOVES[self.kind].get(self.status, {}):
            raise Conflict(
                f"cannot confirm alarm {self.id} on site: only an unhandled fire alarm is; it is "
                f"a {self.kind.value} ({self.kind.zh}) alarm in state {self.status.value} "
                f"({self.status.zh})",
                [FieldProblem("status", "must be an active fire alarm")],
            )
        _check_time(at)
        note = check_note(note)
        if not note:
            raise ValidationFailed(
                "现场确认 needs a note: what was found on site",
                [FieldProblem("note", "must not be empty")],
            )
        if at < self.raised_at:
            raise ValidationFailed(
                "the confirmation is earlier than the alarm",
                [FieldProblem("at", f"must not be before {self.raised_at.isoformat()}")],
            )
        before, after = self._move(SITE_CONFIRM, at)
        self.site_verdict, self.site_by, self.site_at, self.site_note = verdict, by, at, note
        late = at - self.raised_at > within
        self.events.append(
            SiteConfirmed(self.id, self.kind, at, by, before, after, verdict, note, late)
        )
        if verdict is SiteVerdict.FIRE and self.escalated_at is None:
            self.escalated_at = at
            waited = (at - self.raised_at).total_seconds()
            self.events.append(
                AlarmEscalated(self.id, self.kind, at, by, after, after, waited_s=waited)
            )

    # -- the clock --

    def is_due_for_escalation(self, now: datetime, after: timedelta) -> bool:
        """Whether the alarm waited ``after`` for a person (at the centre or on site) and was
        not escalated yet."""
        return (
            ESCALATE in MOVES[self.kind].get(self.status, {})
            and self.escalated_at is None
            and self.site_verdict is None
            and self.raised_at <= now - after
        )

    def escalate(self, now: datetime, after: timedelta, by: str = "system") -> None:
        """超时升级: a fire alarm still unhandled ``after`` its raising is escalated, once."""
        _check_time(now)
        if ESCALATE in MOVES[self.kind].get(self.status, {}):
            if self.escalated_at is not None:
                raise Conflict(
                    f"alarm {self.id} was already escalated at {self.escalated_at.isoformat()}",
                    [FieldProblem("escalated_at", "must be empty to escalate")],
                )
            if not self.is_due_for_escalation(now, after):
                raise Conflict(
                    f"alarm {self.id} is not due for escalation before "
                    f"{(self.raised_at + after).isoformat()}",
                    [FieldProblem("raised_at", f"must be at least {after} before now")],
                )
        before, target = self._move(ESCALATE, now)
        self.escalated_at = now
        waited = (now - self.raised_at).total_seconds()
        self.events.append(
            AlarmEscalated(self.id, self.kind, now, by, before, target, waited_s=waited)
        )

    # -- what the device says --

    def panel_reset(self, at: datetime, by: str = "device") -> None:
        """复位: recorded on the alarm (``reset_at``); it clears the alarm unless the table keeps
        it open (an unhandled fire alarm: only a person closes it; a fault under repair: its
        order or a person closes it)."""
        before, target = self._move(PANEL_RESET, at)
        if self.under_repair and self.kind in UNDER_REPAIR_KEEPS_OPEN:
            self.status = target = before
        self.reset_at = at
        self.events.append(PanelResetRecorded(self.id, self.kind, at, by, before, target))
        if target is CLEARED:
            self.cleared_at = at
            self.events.append(
                AlarmCleared(self.id, self.kind, at, by, before, target, cause=PANEL_RESET)
            )

    def device_back(self, at: datetime, by: str = "device") -> None:
        """设备恢复: the device is heard again, which ends its offline alarm."""
        before, target = self._move(DEVICE_BACK, at)
        self.cleared_at = at
        self.events.append(
            AlarmCleared(self.id, self.kind, at, by, before, target, cause=DEVICE_BACK)
        )
