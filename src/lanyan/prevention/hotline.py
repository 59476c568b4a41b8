"""12345 work orders (12345 政务服务便民热线工单) taken from the hotline's platform.

The platform is a machine client (``accounts.clients``, permission ``hotline-12345``) bound to
a jurisdiction. It posts a work order (its order number, the call's time, the caller-reported
address, a category of :class:`HotlineCategory`, the content and the deadline); the order
becomes a complaint of channel 12345 in the fire service's queue (``prevention.complaints``),
so officers assign, verify and give feedback exactly as for a phoned-in report. The order
number is the key: the same client posting the same number again gets the same complaint back
(a retry after a lost answer never makes a second one).

Every change of the complaint's state — received, assigned, verified, closed with feedback —
is called back to the client's own webhook subscription (``hotline_status``, signed and
retried by the exchange outbox; see ``complaints.call_back``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.accounts.clients import ClientIdentity
from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.prevention import complaints, lookup
from lanyan.prevention.choices import ComplaintChannel, HotlineCategory
from lanyan.prevention.models.inspections import Complaint
from lanyan.prevention.schemas.hotline import HotlineOrderCreate
from lanyan.prevention.schemas.records import ComplaintCreate
from lanyan.registry.models import Jurisdiction
from lanyan.store import audit


def category_of(text: str) -> HotlineCategory:
    """The category named by its value or its Chinese label; else a 422 listing them all."""
    for c in HotlineCategory:
        if text in (c.value, c.zh):
            return c
    allowed = ", ".join(f"{c.value} ({c.zh})" for c in HotlineCategory)
    raise ValidationFailed(
        f"unknown category {text!r}",
        [FieldProblem("category", f"must be one of: {allowed}")],
    )


def find(session: Session, client: ClientIdentity, order_id: str) -> Complaint | None:
    return session.execute(
        select(Complaint).where(
            Complaint.api_client_id == client.id, Complaint.external_no == order_id
        )
    ).scalar_one_or_none()


def create_order(
    session: Session, client: ClientIdentity, payload: HotlineOrderCreate
) -> tuple[Complaint, bool]:
    """The complaint for this work order, and whether it was made now (False: the same order
    number came before, and nothing was changed)."""
    audit.begin_write(session)
    existing = find(session, client, payload.order_id)
    if existing is not None:
        return existing, False
    category = category_of(payload.category)
    due_on = None
    if payload.deadline is not None:
        if payload.deadline < payload.received_at:
            raise ValidationFailed(
                "the deadline is before the call",
                [FieldProblem("deadline", "must not be before received_at")],
            )
        due_on = lookup.local_day(payload.deadline)
    place_code = payload.jurisdiction_code
    if place_code is None:
        place_code = lookup.code_of(session, Jurisdiction, client.jurisdiction_id)
    anonymous = not (payload.caller_name or payload.caller_phone)
    data = ComplaintCreate(
        channel=ComplaintChannel.HOTLINE_12345,
        external_no=payload.order_id,
        received_at=payload.received_at,
        jurisdiction_code=place_code,
        address=payload.address,
        content=payload.content,
        reporter_name=payload.caller_name,
        reporter_phone=payload.caller_phone,
        anonymous=anonymous,
        due_on=due_on,
    )
    row = complaints.intake(
        session,
        client.actor,
        client.scope,
        data,
        api_client_id=client.id,
        category=category.value,
    )
    return row, True


def get_order(session: Session, client: ClientIdentity, order_id: str) -> Complaint:
    row = find(session, client, order_id)
    if row is None:
        raise NotFound(f"this client sent no work order {order_id}")
    return row


def public(row: Complaint) -> dict[str, Any]:
    return complaints.hotline_status(row)
