"""The hazard closed loop (隐患闭环) as plain Python: states, legal moves, deadlines, 挂牌督办.

No database or web imports: the service loads a :class:`Hazard`, calls one method, and stores the
new state together with the events the method recorded.

The loop::

    发现 ──责令整改(期限)──▶ 责令整改 ──开始整改──▶ 整改中 ──申请复查──▶ 申请复查
                                              ▲                          │
                                              └──开始整改── 复查不通过 ◀──┤ (new deadline)
                                                                         ▼
                                                 销案 ◀──销案── 复查通过

A major hazard (重大火灾隐患) may also be listed (挂牌督办: responsible department, deadline,
publication flag) while it is open, and is taken off the list (摘牌) once its recheck passed;
a listed hazard cannot be closed before 摘牌.

A hazard is overdue (逾期) when its rectification deadline has passed while it still waits on the
unit (责令整改, 整改中, 复查不通过); :meth:`Hazard.check_overdue` records that once per deadline.

Who acts (:class:`HazardParty`): the unit that owns the hazard starts rectification, adds its
rectification photos while 整改中 and applies for the recheck (:data:`UNIT_ACTIONS`); every other
move is the fire authority's, which may also record the unit's steps on its behalf (a written
application handed in at the counter). A hazard the unit found itself on its own patrol
(``self_found``, 自查发现) is the unit's to fix at once: 开始整改 is open from 发现 without waiting
for an order (an officer may still order it with a deadline).

The recheck clock (复查时限): 消防监督检查规定 (公安部令第120号) asks the fire authority to recheck
within three working days of receiving the unit's application. :func:`add_working_days` counts
Monday to Friday only; public holidays and the weekend days worked in their place (调休) are not
known to it unless the caller passes them as ``holidays``, so over a holiday the due day shown is
earlier than the legal one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from lanyan.core.errors import Conflict, FieldProblem, Forbidden, ValidationFailed
from lanyan.core.timeutil import to_local
from lanyan.prevention.choices import HazardAction, HazardParty, HazardState

# The states each state-changing action may start from, and where it leads.
MOVES: dict[HazardAction, tuple[frozenset[HazardState], HazardState]] = {
    HazardAction.ORDER: (frozenset({HazardState.FOUND}), HazardState.ORDERED),
    HazardAction.START: (
        frozenset({HazardState.ORDERED, HazardState.RECHECK_FAILED}),
        HazardState.RECTIFYING,
    ),
    HazardAction.REQUEST_RECHECK: (
        frozenset({HazardState.RECTIFYING}),
        HazardState.RECHECK_REQUESTED,
    ),
    HazardAction.PASS_RECHECK: (
        frozenset({HazardState.RECHECK_REQUESTED}),
        HazardState.RECHECK_PASSED,
    ),
    HazardAction.FAIL_RECHECK: (
        frozenset({HazardState.RECHECK_REQUESTED}),
        HazardState.RECHECK_FAILED,
    ),
    HazardAction.CLOSE: (frozenset({HazardState.RECHECK_PASSED}), HazardState.CLOSED),
}

# What each action asks for beyond who and when (the page's form shows these fields, the
# service requires them): a deadline, a responsible department, a free-text note.
NEEDS_DEADLINE = frozenset({HazardAction.ORDER, HazardAction.FAIL_RECHECK, HazardAction.LIST})
NEEDS_DEPARTMENT = frozenset({HazardAction.LIST})
TAKES_NOTE = frozenset(
    {
        HazardAction.START,
        HazardAction.REQUEST_RECHECK,
        HazardAction.PASS_RECHECK,
        HazardAction.FAIL_RECHECK,
    }
)

# The unit's own moves; the fire authority may take every move (see the module's docstring).
UNIT_ACTIONS = frozenset({HazardAction.START, HazardAction.REQUEST_RECHECK})

# 消防监督检查规定: the recheck within three working days of the unit's application.
RECHECK_WORKING_DAYS = 3

# States in which the unit owes work, so a passed deadline makes the hazard overdue.
AWAITING_UNIT = frozenset({HazardState.ORDERED, HazardState.RECTIFYING, HazardState.RECHECK_FAILED})


def local_date(at: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware time: deadlines are local days."""
    local = to_local(at)
    assert local is not None
    return local.date()


def may_act(party: HazardParty, action: HazardAction) -> bool:
    """Whether ``party`` may take ``action`` at all (whatever the state)."""
    return party is HazardParty.AUTHORITY or action in UNIT_ACTIONS


def check_party(party: HazardParty, action: HazardAction) -> None:
    """Refuse (403) an action that is not ``party``'s to take, naming who takes it."""
    if not may_act(party, action):
        raise Forbidden(
            f"{action.zh} ({action.value}) is the fire authority's step, not the unit's; "
            f"the unit may {', '.join(f'{a.zh} ({a.value})' for a in HazardAction if a in UNIT_ACTIONS)}"
        )


def is_working_day(day: date, holidays: frozenset[date] = frozenset()) -> bool:
    """Monday to Friday and not one of ``holidays``."""
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, n: int, holidays: frozenset[date] = frozenset()) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted)."""
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


def working_days_between(start: date, end: date, holidays: frozenset[date] = frozenset()) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start, holidays)
    return sum(
        is_working_day(start + timedelta(days=i), holidays)
        for i in range(1, (end - start).days + 1)
    )


# ---- domain events -------------------------------------------------------------------------


@dataclass(frozen=True)
class HazardEvent:
    """Something that happened to a hazard; ``name`` is what the history table stores."""

    name: ClassVar[str] = ""
    hazard: str  # the hazard's code
    at: datetime
    by: str
    from_state: HazardState | None
    to_state: HazardState

    def detail(self) -> dict[str, Any]:
        """The event's own facts beyond who, when and which states, for the history row."""
        return {}


@dataclass(frozen=True)
class HazardFound(HazardEvent):
    name: ClassVar[str] = "found"
    is_major: bool = False

    def detail(self) -> dict[str, Any]:
        return {"is_major": self.is_major}


@dataclass(frozen=True)
class RectificationOrdered(HazardEvent):
    name: ClassVar[str] = HazardAction.ORDER.value
    deadline: date | None = None

    def detail(self) -> dict[str, Any]:
        return {"deadline": self.deadline}


@dataclass(frozen=True)
class RectificationStarted(HazardEvent):
    name: ClassVar[str] = HazardAction.START.value
    note: str = ""
    party: HazardParty = HazardParty.AUTHORITY

    def detail(self) -> dict[str, Any]:
        return {"note": self.note, "party": self.party.value}


@dataclass(frozen=True)
class RecheckRequested(HazardEvent):
    name: ClassVar[str] = HazardAction.REQUEST_RECHECK.value
    note: str = ""
    recheck_due: date | None = None  # the last working day for the recheck
    photos: int = 0  # rectification photos on file when the unit applied
    party: HazardParty = HazardParty.AUTHORITY

    def detail(self) -> dict[str, Any]:
        return {
            "note": self.note,
            "recheck_due": self.recheck_due,
            "photos": self.photos,
            "party": self.party.value,
        }


@dataclass(frozen=True)
class RecheckPassed(HazardEvent):
    name: ClassVar[str] = HazardAction.PASS_RECHECK.value
    note: str = ""
    on_time: bool = True  # within the working days after the application

    def detail(self) -> dict[str, Any]:
        return {"note": self.note, "on_time": self.on_time}


@dataclass(frozen=True)
class RecheckFailed(HazardEvent):
    name: ClassVar[str] = HazardAction.FAIL_RECHECK.value
    note: str = ""
    deadline: date | None = None
    on_time: bool = True

    def detail(self) -> dict[str, Any]:
        return {"note": self.note, "deadline": self.deadline, "on_time": self.on_time}


@dataclass(frozen=True)
class HazardClosed(HazardEvent):
    name: ClassVar[str] = HazardAction.CLOSE.value


@dataclass(frozen=True)
class HazardListed(HazardEvent):
    name: ClassVar[str] = HazardAction.LIST.value
    department: str = ""
    deadline: date | None = None
    published: bool = False

    def detail(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "deadline": self.deadline,
            "published": self.published,
        }


@dataclass(frozen=True)
class HazardDelisted(HazardEvent):
    name: ClassVar[str] = HazardAction.DELIST.value


@dataclass(frozen=True)
class HazardOverdue(HazardEvent):
    name: ClassVar[str] = "overdue"
    deadline: date | None = None
    days: int = 0  # whole days past the deadline on the day it was noticed

    def detail(self) -> dict[str, Any]:
        return {"deadline": self.deadline, "days": self.days}


# ---- the aggregate -------------------------------------------------------------------------


@dataclass
class Listing:
    """挂牌督办: who must see the hazard removed, by when, and whether the list is public."""

    department: str
    deadline: date
    published: bool
    listed_at: datetime


def _refuse_move(state: HazardState, action: HazardAction, why: str = "") -> Conflict:
    reason = why or f"allowed only from {_from_states(action)}"
    return Conflict(
        f"cannot {action.zh} ({action.value}) a hazard in state {state.zh} ({state.value}): {reason}",
        [FieldProblem("action", f"{action.value} is not allowed in state {state.value}")],
    )


def _from_states(action: HazardAction) -> str:
    sources = MOVES[action][0]
    return ", ".join(f"{s.zh} ({s.value})" for s in HazardState if s in sources)


@dataclass
class Hazard:
    """One hazard and the events its methods recorded since it was loaded (``events``)."""

    code: str
    found_at: datetime
    is_major: bool = False
    state: HazardState = HazardState.FOUND
    deadline: date | None = None
    last_at: datetime | None = None
    listing: Listing | None = None
    delisted_at: datetime | None = None
    overdue_noticed_for: date | None = None  # the deadline whose lapse was already recorded
    self_found: bool = False  # 自查发现: found on the unit's own patrol
    recheck_due: date | None = None  # 复查时限: set by the application, kept after the recheck
    events: list[HazardEvent] = field(default_factory=list)

    @classmethod
    def find(
        cls,
        code: str,
        found_at: datetime,
        by: str,
        is_major: bool = False,
        self_found: bool = False,
    ) -> Hazard:
        """发现: a new hazard, recorded by ``by`` at ``found_at`` (aware); ``self_found`` when
        the unit found it on its own patrol."""
        if found_at.tzinfo is None:
            raise ValidationFailed(
                "the finding time has no time zone",
                [FieldProblem("found_at", "must carry a time zone")],
            )
        hazard = cls(
            code=code,
            found_at=found_at,
            is_major=is_major,
            last_at=found_at,
            self_found=self_found,
        )
        hazard.events.append(
            HazardFound(code, found_at, by, None, HazardState.FOUND, is_major=is_major)
        )
        return hazard

    # -- helpers --

    def _check_time(self, at: datetime, action: HazardAction) -> None:
        if at.tzinfo is None:
            raise ValidationFailed(
                f"the time of {action.zh} has no time zone",
                [FieldProblem("at", "must carry a time zone")],
            )
        if self.last_at is not None and at < self.last_at:
            raise ValidationFailed(
                f"{action.zh} at {at.isoformat()} is earlier than the hazard's last step "
                f"at {self.last_at.isoformat()}",
                [FieldProblem("at", f"must not be earlier than {self.last_at.isoformat()}")],
            )

    def _check_deadline(self, deadline: date, not_before: date, field_name: str, what: str) -> None:
        if deadline < not_before:
            raise ValidationFailed(
                f"the deadline {deadline} is before {what} {not_before}",
                [FieldProblem(field_name, f"must not be before {what} ({not_before})")],
            )

    def _sources(self, action: HazardAction) -> frozenset[HazardState]:
        """The states ``action`` may start from for this hazard: a self-found one starts
        rectification straight from 发现."""
        sources = MOVES[action][0]
        if action is HazardAction.START and self.self_found:
            return sources | {HazardState.FOUND}
        return sources

    def _move(self, action: HazardAction, at: datetime) -> tuple[HazardState, HazardState]:
        target = MOVES[action][1]
        if self.state not in self._sources(action):
            if action is HazardAction.START and self.state is HazardState.FOUND:
                raise _refuse_move(
                    self.state,
                    action,
                    "the fire authority found it: 责令整改 (order) first; only a hazard the "
                    "unit found on its own patrol is started from 发现",
                )
            raise _refuse_move(self.state, action)
        self._check_time(at, action)
        before = self.state
        self.state = target
        self.last_at = at
        return before, target

    def allowed_actions(self, party: HazardParty | None = None) -> list[HazardAction]:
        """The actions the hazard's state allows now, in the order of the loop (挂牌, 摘牌 last).

        Exactly the actions whose method would not refuse the move (a Conflict); with ``party``,
        only those that party may take. The page offers these and nothing else.
        """
        out = [a for a in MOVES if self.state in self._sources(a)]
        if HazardAction.CLOSE in out and self.is_listed:
            out.remove(HazardAction.CLOSE)
        if (
            self.is_major
            and self.listing is None
            and self.state not in (HazardState.RECHECK_PASSED, HazardState.CLOSED)
        ):
            out.append(HazardAction.LIST)
        if self.is_listed and self.state is HazardState.RECHECK_PASSED:
            out.append(HazardAction.DELIST)
        if party is not None:
            out = [a for a in out if may_act(party, a)]
        return out

    def takes_rectification_photos(self) -> bool:
        """The unit adds its rectification photos (整改照片) while 整改中, before it applies."""
        return self.state is HazardState.RECTIFYING

    def check_rectification_photo(self) -> None:
        """Refuse a rectification photo outside 整改中, naming the state."""
        if not self.takes_rectification_photos():
            raise Conflict(
                f"rectification photos are added while the hazard is 整改中 (rectifying); "
                f"it is {self.state.zh} ({self.state.value})",
                [FieldProblem("file", "allowed only in state rectifying")],
            )

    # -- the loop --

    def order(self, deadline: date, at: datetime, by: str) -> None:
        """责令整改: the unit must rectify by ``deadline`` (a local day, not before the finding)."""
        if self.state is HazardState.FOUND:
            self._check_deadline(
                deadline, local_date(self.found_at), "deadline", "the finding date"
            )
        before, after = self._move(HazardAction.ORDER, at)
        self.deadline = deadline
        self.events.append(RectificationOrdered(self.code, at, by, before, after, deadline))

    def start(
        self,
        at: datetime,
        by: str,
        note: str = "",
        party: HazardParty = HazardParty.AUTHORITY,
    ) -> None:
        """开始整改: the unit is working on it (``note``: what it will do)."""
        before, after = self._move(HazardAction.START, at)
        self.events.append(RectificationStarted(self.code, at, by, before, after, note, party))

    def request_recheck(
        self,
        at: datetime,
        by: str,
        note: str = "",
        party: HazardParty = HazardParty.AUTHORITY,
        photos: int = 0,
        holidays: frozenset[date] = frozenset(),
    ) -> None:
        """申请复查: the unit says the hazard is rectified. The unit's own application carries at
        least one rectification photo (``photos`` on file); the recheck is due within
        :data:`RECHECK_WORKING_DAYS` working days."""
        if party is HazardParty.UNIT and self.state is HazardState.RECTIFYING and photos < 1:
            raise ValidationFailed(
                "申请复查 (request_recheck) by the unit needs at least one rectification photo",
                [FieldProblem("photos", "upload at least one photo of the rectified hazard")],
            )
        before, after = self._move(HazardAction.REQUEST_RECHECK, at)
        self.recheck_due = add_working_days(local_date(at), RECHECK_WORKING_DAYS, holidays)
        self.events.append(
            RecheckRequested(
                self.code, at, by, before, after, note, self.recheck_due, photos, party
            )
        )

    def recheck_late(self, today: date) -> bool:
        """Whether an application waits past its recheck due day (复查超期)."""
        return (
            self.state is HazardState.RECHECK_REQUESTED
            and self.recheck_due is not None
            and self.recheck_due < today
        )

    def recheck_days_left(self, today: date, holidays: frozenset[date] = frozenset()) -> int | None:
        """Working days left to recheck (0 on the due day, negative when late); None if no
        application waits."""
        if self.state is not HazardState.RECHECK_REQUESTED or self.recheck_due is None:
            return None
        return working_days_between(today, self.recheck_due, holidays)

    def _on_time(self, at: datetime) -> bool:
        return self.recheck_due is None or local_date(at) <= self.recheck_due

    def pass_recheck(self, at: datetime, by: str, note: str = "") -> None:
        """复查通过: the inspectors confirm the rectification."""
        on_time = self._on_time(at)
        before, after = self._move(HazardAction.PASS_RECHECK, at)
        self.events.append(RecheckPassed(self.code, at, by, before, after, note, on_time))

    def fail_recheck(self, deadline: date, at: datetime, by: str, note: str = "") -> None:
        """复查不通过: not rectified; the unit gets a new deadline (not before the recheck day)."""
        if self.state is HazardState.RECHECK_REQUESTED:
            self._check_deadline(deadline, local_date(at), "deadline", "the recheck date")
        on_time = self._on_time(at)
        before, after = self._move(HazardAction.FAIL_RECHECK, at)
        self.deadline = deadline
        self.events.append(RecheckFailed(self.code, at, by, before, after, note, deadline, on_time))

    def close(self, at: datetime, by: str) -> None:
        """销案: the loop is closed. A listed hazard must be taken off the list (摘牌) first."""
        if self.state is HazardState.RECHECK_PASSED and self.is_listed:
            raise _refuse_move(
                self.state, HazardAction.CLOSE, "the hazard is still listed; 摘牌 first"
            )
        before, after = self._move(HazardAction.CLOSE, at)
        self.events.append(HazardClosed(self.code, at, by, before, after))

    # -- 挂牌督办 --

    @property
    def is_listed(self) -> bool:
        return self.listing is not None and self.delisted_at is None

    def list_for_supervision(
        self, department: str, deadline: date, published: bool, at: datetime, by: str
    ) -> None:
        """挂牌督办 a major hazard: ``department`` answers for it by ``deadline``."""
        action = HazardAction.LIST
        if not self.is_major:
            raise _refuse_move(self.state, action, "only a major hazard (重大火灾隐患) is listed")
        if self.listing is not None:
            raise _refuse_move(self.state, action, "the hazard has already been listed")
        if self.state in (HazardState.RECHECK_PASSED, HazardState.CLOSED):
            raise _refuse_move(self.state, action, "the hazard is already rectified")
        if not department.strip():
            raise ValidationFailed(
                "挂牌督办 needs a responsible department",
                [FieldProblem("department", "must not be empty")],
            )
        self._check_deadline(deadline, local_date(self.found_at), "deadline", "the finding date")
        self._check_time(at, action)
        self.listing = Listing(department.strip(), deadline, published, at)
        self.last_at = at
        self.events.append(
            HazardListed(
                self.code, at, by, self.state, self.state, department.strip(), deadline, published
            )
        )

    def delist(self, at: datetime, by: str) -> None:
        """摘牌: the listed hazard passed its recheck and comes off the list."""
        action = HazardAction.DELIST
        if not self.is_listed:
            raise _refuse_move(self.state, action, "the hazard is not listed")
        if self.state is not HazardState.RECHECK_PASSED:
            raise _refuse_move(self.state, action, "allowed only after 复查通过 (recheck_passed)")
        self._check_time(at, action)
        self.delisted_at = at
        self.last_at = at
        self.events.append(HazardDelisted(self.code, at, by, self.state, self.state))

    # -- deadlines --

    def is_overdue(self, today: date) -> bool:
        """Whether the rectification deadline passed (before ``today``) while the unit owes work."""
        return self.state in AWAITING_UNIT and self.deadline is not None and self.deadline < today

    def listing_overdue(self, today: date) -> bool:
        """Whether a listed hazard is still on the list after the listing deadline."""
        return self.is_listed and self.listing is not None and self.listing.deadline < today

    def check_overdue(self, at: datetime, by: str = "system") -> bool:
        """Record :class:`HazardOverdue` the first time a deadline is seen lapsed; True if so."""
        today = local_date(at)
        if not self.is_overdue(today) or self.overdue_noticed_for == self.deadline:
            return False
        assert self.deadline is not None
        self.overdue_noticed_for = self.deadline
        self.events.append(
            HazardOverdue(
                self.code,
                at,
                by,
                self.state,
                self.state,
                self.deadline,
                (today - self.deadline).days,
            )
        )
        return True
