"""What fire statistics tells other domains: the public portal's status lookup of a
火灾损失申报 (one answer for a wrong number and a wrong phone)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lanyan.core.errors import NotFound
from lanyan.stats import declarations


def declaration_status(session: Session, tracking_no: str, phone_last4: str) -> dict[str, Any]:
    """The declarant's view of their declaration, or NotFound (same for any miss)."""
    return declarations.status_public(declarations.track(session, tracking_no, phone_last4))


__all__ = ["NotFound", "declaration_status"]
