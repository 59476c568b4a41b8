"""The legal-review rules of enforcement documents (prevention/documents.py) as a machine: every
move from every state, for a reviewed decision and an unreviewed notice, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lanyan.core.errors import Conflict, Forbidden, ValidationFailed
from lanyan.prevention.choices import DocumentAction, DocumentKind, DocumentState
from lanyan.prevention.documents import MOVES, NOTICE_ISSUE, Document, actions_for, needs_review

AT = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
OFFICER, REVIEWER = 1, 2
DECISIONS = (DocumentKind.PENALTY_DECISION, DocumentKind.SEAL_UP_DECISION)
NOTICES = (DocumentKind.RECTIFICATION_NOTICE, DocumentKind.INSPECTION_OPINION)


def _act(doc: Document, action: DocumentAction, by: int, reason: str = "x") -> None:
    if action is DocumentAction.SUBMIT:
        doc.submit(AT, by)
    elif action is DocumentAction.APPROVE:
        doc.approve(AT, by, reason)
    elif action is DocumentAction.RETURN:
        doc.return_(AT, by, reason)
    else:
        doc.issue(AT, by)


def _actor(action: DocumentAction) -> int:
    return REVIEWER if action in (DocumentAction.APPROVE, DocumentAction.RETURN) else OFFICER


@pytest.mark.parametrize("kind", DECISIONS)
@pytest.mark.parametrize("state", list(DocumentState))
@pytest.mark.parametrize("action", list(DocumentAction))
def test_every_move_of_a_reviewed_decision(
    kind: DocumentKind, state: DocumentState, action: DocumentAction
) -> None:
    doc = Document(kind, state, OFFICER)
    froms, to = MOVES[action]
    if state in froms:
        _act(doc, action, _actor(action))
        assert doc.state is to
        assert [e.action for e in doc.events] == [action]
        assert doc.events[0].state is to and doc.events[0].by == _actor(action)
    else:
        with pytest.raises(Conflict) as err:
            _act(doc, action, _actor(action))
        assert err.value.problems[0].field == "status"
        assert doc.state is state and doc.events == []


@pytest.mark.parametrize("kind", NOTICES)
@pytest.mark.parametrize("state", list(DocumentState))
@pytest.mark.parametrize("action", list(DocumentAction))
def test_every_move_of_a_notice(
    kind: DocumentKind, state: DocumentState, action: DocumentAction
) -> None:
    doc = Document(kind, state, OFFICER)
    if action is DocumentAction.ISSUE and state in NOTICE_ISSUE[0]:
        doc.issue(AT, OFFICER)
        assert doc.state is DocumentState.ISSUED
        assert len(doc.events) == 1
    else:
        with pytest.raises(Conflict) as err:
            _act(doc, action, _actor(action))
        assert err.value.problems[0].field == "status"
        assert doc.state is state


def test_the_whole_review_loop() -> None:
    doc = Document(DocumentKind.PENALTY_DECISION, DocumentState.DRAFT, OFFICER)
    doc.submit(AT, OFFICER)
    doc.return_(AT, REVIEWER, "违法事实表述不清，请补充检查记录")
    assert doc.state is DocumentState.RETURNED
    doc.check_edit(OFFICER)  # the officer may fix it now
    doc.submit(AT, OFFICER)
    doc.approve(AT, REVIEWER)
    doc.issue(AT, OFFICER)
    assert doc.state is DocumentState.ISSUED
    assert [e.action for e in doc.events] == [
        DocumentAction.SUBMIT,
        DocumentAction.RETURN,
        DocumentAction.SUBMIT,
        DocumentAction.APPROVE,
        DocumentAction.ISSUE,
    ]
    assert doc.events[1].detail()["reason"] == "违法事实表述不清，请补充检查记录"
    assert doc.reviewer_id == REVIEWER


def test_issuing_a_decision_without_review_names_status() -> None:
    for state in (DocumentState.DRAFT, DocumentState.SUBMITTED, DocumentState.RETURNED):
        doc = Document(DocumentKind.SEAL_UP_DECISION, state, OFFICER)
        with pytest.raises(Conflict) as err:
            doc.issue(AT, OFFICER)
        assert err.value.problems[0].field == "status"
        assert "法制审核" in str(err.value)


@pytest.mark.parametrize("kind", DECISIONS)
def test_the_case_officer_never_reviews_their_own_document(kind: DocumentKind) -> None:
    doc = Document(kind, DocumentState.SUBMITTED, OFFICER)
    with pytest.raises(Forbidden):
        doc.approve(AT, OFFICER)
    with pytest.raises(Forbidden):
        doc.return_(AT, OFFICER, "自审")
    assert doc.state is DocumentState.SUBMITTED and doc.events == []


def test_only_the_case_officer_submits_a_decision() -> None:
    doc = Document(DocumentKind.PENALTY_DECISION, DocumentState.DRAFT, OFFICER)
    with pytest.raises(Forbidden):
        doc.submit(AT, REVIEWER)


def test_a_return_says_why() -> None:
    doc = Document(DocumentKind.PENALTY_DECISION, DocumentState.SUBMITTED, OFFICER)
    with pytest.raises(ValidationFailed) as err:
        doc.return_(AT, REVIEWER, "   ")
    assert err.value.problems[0].field == "reason"
    assert doc.state is DocumentState.SUBMITTED


@pytest.mark.parametrize("state", list(DocumentState))
def test_edits_only_in_draft_or_returned_and_only_by_the_officer(state: DocumentState) -> None:
    doc = Document(DocumentKind.PENALTY_DECISION, state, OFFICER)
    if state in (DocumentState.DRAFT, DocumentState.RETURNED):
        doc.check_edit(OFFICER)
        with pytest.raises(Forbidden):
            doc.check_edit(REVIEWER)
    else:
        with pytest.raises(Conflict) as err:
            doc.check_edit(OFFICER)
        assert err.value.problems[0].field == "status"


def test_which_kinds_are_reviewed() -> None:
    assert {k for k in DocumentKind if needs_review(k)} == set(DECISIONS)
    assert actions_for(DocumentKind.RECTIFICATION_NOTICE) == (DocumentAction.ISSUE,)
    assert set(actions_for(DocumentKind.PENALTY_DECISION)) == set(DocumentAction)
    doc = Document(DocumentKind.PENALTY_DECISION, DocumentState.APPROVED, OFFICER)
    assert doc.allowed(DocumentAction.ISSUE) and not doc.allowed(DocumentAction.SUBMIT)


def test_the_number_pattern_is_checked_and_used() -> None:
    from pydantic import ValidationError

    from lanyan.core.config import Settings
    from lanyan.prevention import document_templates as templates

    for bad in ("{org}消罚〔{year}〕号", "{org}{nope}{seq}", "{org}{seq:04q}"):
        with pytest.raises(ValidationError, match="doc_number_pattern"):
            Settings(doc_number_pattern=bad)
    pattern = Settings().doc_number_pattern
    assert templates.number(pattern, "盐丰", DocumentKind.PENALTY_DECISION, 2026, 7) == (
        "盐丰消行罚决字〔2026〕第0007号"
    )
    assert templates.number(
        "{org}-{kind}-{year}-{seq:03d}", "盐", DocumentKind.INSPECTION_OPINION, 2026, 12
    ) == ("盐-检-2026-012")


def test_every_template_fills_with_the_case_facts() -> None:
    from lanyan.prevention import document_templates as templates

    keys = [
        "authority",
        "review_body",
        "unit_name",
        "unit_code",
        "address",
        "inspection_code",
        "inspected_on",
        "facts",
        "demands",
        "deadline",
        "amount",
        "seal_place",
        "starts_on",
        "ends_on",
        "bases",
        "number",
        "issued_on",
    ]
    facts = {k: f"<{k}>" for k in keys}
    for kind in DocumentKind:
        addressee, body = templates.fill(kind, facts)
        text = addressee + "".join(body)
        assert "<facts>" in text and "<unit_name>" in text and "<bases>" in text, kind
        assert "{" not in text, kind
    assert "<deadline>" in "".join(templates.fill(DocumentKind.RECTIFICATION_NOTICE, facts)[1])
    assert "<amount>" in "".join(templates.fill(DocumentKind.PENALTY_DECISION, facts)[1])
    assert "<seal_place>" in "".join(templates.fill(DocumentKind.SEAL_UP_DECISION, facts)[1])
