"""One status lookup for everything sent through the public portal: a report (举报投诉), an
application to lift a seal-up or resume use, a 告知承诺 and a 火灾损失申报. The tracking number
and the last four digits of the sender's phone must both match; every kind is looked up every
time (the same work whether or not anything matches) and a miss of any sort gets one answer,
so nobody learns whether another person's submission exists."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lanyan.core import tracking
from lanyan.core.errors import NotFound
from lanyan.prevention import applications, commitment_applications, complaints
from lanyan.prevention.schemas.portal import PublicComplaintLookup
from lanyan.stats import public as stats


def _complaint(session: Session, number: str, last4: str) -> dict[str, Any]:
    row = complaints.track(session, PublicComplaintLookup(tracking_no=number, phone_last4=last4))
    s = complaints.status_public(row)
    return {
        "kind": "complaint",
        "tracking_no": row.tracking_no,
        "received_at": row.received_at,
        "state": s["state"].value,
        "state_zh": s["state"].zh,
        "state_en": s["state"].en,
        "summary": row.address,
        "phone": s["reporter_phone"],
        "reply": s["feedback"],
        "handled_at": s["feedback_at"],
    }


def status(session: Session, tracking_no: str, phone_last4: str) -> dict[str, Any]:
    """The sender's view of the submission, or NotFound with one message for every miss."""
    found: list[dict[str, Any]] = []
    readers = (
        _complaint,
        lambda s, n, d: applications.status_public(applications.track(s, n, d)),
        lambda s, n, d: commitment_applications.status_public(
            commitment_applications.track(s, n, d)
        ),
        stats.declaration_status,
    )
    for read in readers:
        try:
            found.append(read(session, tracking_no, phone_last4))
        except NotFound:
            continue
    if not found:
        raise NotFound(tracking.NOT_FOUND)
    return found[0]
