"""Tables of enforcement documents (执法文书): the documents and their number counters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped


class EnforcementDocument(Timestamped, Base):
    """One document (责令限期改正通知书, 临时查封决定书, 行政处罚决定书, 检查意见书) of a case,
    from its draft through 法制审核 to its issue with a number (文号)."""

    __tablename__ = "prevention_documents"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "kind", "year", "seq", name="uq_prevention_doc_seq"),
        CheckConstraint("amount_yuan IS NULL OR amount_yuan > 0", name="doc_amount_positive"),
        Index("ix_prevention_documents_state_jur", "state", "jurisdiction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    state: Mapped[str] = mapped_column(String(12))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("prevention_inspections.id"), index=True)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("prevention_hazards.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # 承办人 (case officer)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # 法制审核人
    bases: Mapped[list[str]] = mapped_column(JSON, default=list)  # citation keys
    facts: Mapped[str] = mapped_column(Text)  # 违法事实 / 检查情况
    demands: Mapped[str] = mapped_column(Text, default="")  # 整改要求 / 意见
    deadline: Mapped[date | None] = mapped_column(Date)  # 限期改正的期限
    amount_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    seal_place: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    review_note: Mapped[str] = mapped_column(Text, default="")  # the last review's words
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    number: Mapped[str | None] = mapped_column(String(80), unique=True)  # 文号
    year: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    issued_on: Mapped[date | None] = mapped_column(Date)
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("prevention_enforcement_actions.id")
    )  # the 临时查封 or 罚款 the issued decision put in force


class DocumentCounter(Base):
    """The last sequence number (序号) issued per jurisdiction, kind and year: bumped in the
    issuing transaction under a row lock, so a number is never given twice and one rolled back
    was never given."""

    __tablename__ = "prevention_document_counters"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
