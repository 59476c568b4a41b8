"""Enforcement documents (执法文书) and their legal review (法制审核) as plain Python.

No database or web imports: the service loads a :class:`Document`, calls one method, and stores
the new state together with the events the method recorded.

A 行政处罚决定书 or 临时查封决定书 is reviewed before it is issued (执法决定法制审核: Dafeng plan
L117, Kaifeng L143, Tongzhou L233 "每项执法决定经过合法性审查")::

    草稿 ──提交──▶ 待法制审核 ──审核通过──▶ 审核通过 ──签发──▶ 已签发
     ▲                 │
     └──(修改)── 审核退回 ◀──退回(理由)──┘        审核退回 ──提交──▶ 待法制审核

A 责令限期改正通知书 or 检查意见书 needs no review: 草稿 ──签发──▶ 已签发.

The reviewer is never the case officer (the one who drafted the document) and holds the
``legal-review`` permission (``accounts/roles.py``); the service checks the permission, this
module the person. A draft or returned document may be edited by its case officer; once
submitted, it changes only through review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanyan.core.errors import Conflict, FieldProblem, Forbidden, ValidationFailed
from lanyan.prevention.choices import DocumentAction, DocumentKind, DocumentState

REVIEWED = frozenset({DocumentKind.PENALTY_DECISION, DocumentKind.SEAL_UP_DECISION})
EDITABLE = frozenset({DocumentState.DRAFT, DocumentState.RETURNED})

# The states each action may start from, and where it leads (reviewed kinds).
MOVES: dict[DocumentAction, tuple[frozenset[DocumentState], DocumentState]] = {
    DocumentAction.SUBMIT: (
        frozenset({DocumentState.DRAFT, DocumentState.RETURNED}),
        DocumentState.SUBMITTED,
    ),
    DocumentAction.APPROVE: (frozenset({DocumentState.SUBMITTED}), DocumentState.APPROVED),
    DocumentAction.RETURN: (frozenset({DocumentState.SUBMITTED}), DocumentState.RETURNED),
    DocumentAction.ISSUE: (frozenset({DocumentState.APPROVED}), DocumentState.ISSUED),
}
# A notice is issued straight from its draft.
NOTICE_ISSUE = (frozenset({DocumentState.DRAFT}), DocumentState.ISSUED)
REVIEW_ACTIONS = frozenset({DocumentAction.APPROVE, DocumentAction.RETURN})


@dataclass(frozen=True)
class DocumentEvent:
    action: DocumentAction
    at: datetime
    by: int
    state: DocumentState
    reason: str = ""

    def detail(self) -> dict[str, Any]:
        out = {"action": self.action.value, "at": self.at.isoformat(), "by": self.by}
        out["state"] = self.state.value
        if self.reason:
            out["reason"] = self.reason
        return out


def needs_review(kind: DocumentKind) -> bool:
    return kind in REVIEWED


def actions_for(kind: DocumentKind) -> tuple[DocumentAction, ...]:
    """The actions a document of ``kind`` knows at all (the page offers these)."""
    if needs_review(kind):
        return tuple(DocumentAction)
    return (DocumentAction.ISSUE,)


@dataclass
class Document:
    """One document's state and the events its methods recorded since it was loaded."""

    kind: DocumentKind
    state: DocumentState
    officer_id: int
    reviewer_id: int | None = None
    events: list[DocumentEvent] = field(default_factory=list)

    def allowed(self, action: DocumentAction) -> bool:
        if action not in actions_for(self.kind):
            return False
        froms = (MOVES[action] if needs_review(self.kind) else NOTICE_ISSUE)[0]
        return self.state in froms

    def _move(self, action: DocumentAction, at: datetime, by: int, reason: str = "") -> None:
        if action not in actions_for(self.kind):
            raise Conflict(
                f"a {self.kind.zh} ({self.kind.value}) needs no legal review; it is issued "
                "from its draft",
                [FieldProblem("status", f"{action.value} is not a step of {self.kind.value}")],
            )
        froms, to = MOVES[action] if needs_review(self.kind) else NOTICE_ISSUE
        if self.state not in froms:
            names = ", ".join(f"{s.zh} ({s.value})" for s in DocumentState if s in froms)
            why = (
                f"{self.kind.zh} must pass legal review (法制审核) before it is issued"
                if action is DocumentAction.ISSUE and needs_review(self.kind)
                else f"{action.zh} ({action.value}) is not allowed now"
            )
            raise Conflict(
                f"{why}; it is {self.state.zh} ({self.state.value})",
                [FieldProblem("status", f"is {self.state.value}; {action.value} needs {names}")],
            )
        self.state = to
        self.events.append(DocumentEvent(action, at, by, to, reason))

    def check_edit(self, by: int) -> None:
        """Refuse an edit once the document left the officer's hands, or by someone else."""
        if self.state not in EDITABLE:
            raise Conflict(
                f"a {self.state.zh} document is not edited",
                [FieldProblem("status", f"is {self.state.value}; edits need draft or returned")],
            )
        if by != self.officer_id:
            raise Forbidden("only the case officer who drafted the document edits it")

    def submit(self, at: datetime, by: int) -> None:
        if by != self.officer_id and self.kind in REVIEWED:
            raise Forbidden("only the case officer who drafted the document submits it")
        self._move(DocumentAction.SUBMIT, at, by)

    def _check_reviewer(self, by: int) -> None:
        if by == self.officer_id:
            raise Forbidden(
                "the legal reviewer (法制审核人) must be another person than the case officer"
            )

    def approve(self, at: datetime, by: int, note: str = "") -> None:
        if self.kind in REVIEWED:
            self._check_reviewer(by)
        self._move(DocumentAction.APPROVE, at, by, note)
        self.reviewer_id = by

    def return_(self, at: datetime, by: int, reason: str) -> None:
        if self.kind in REVIEWED:
            self._check_reviewer(by)
        if not reason.strip():
            raise ValidationFailed(
                "a returned document says why",
                [FieldProblem("reason", "must not be empty: say what to fix")],
            )
        self._move(DocumentAction.RETURN, at, by, reason.strip())
        self.reviewer_id = by

    def issue(self, at: datetime, by: int) -> None:
        self._move(DocumentAction.ISSUE, at, by)
