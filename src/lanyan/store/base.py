"""Declarative base with a naming convention, so constraints have stable, readable names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, MetaData, Table, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lanyan.core.timeutil import utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite keeps no zone: store naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Lanyan stores timezone-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CodedBase(Base):
    """A model whose rows have an integer ``id`` and a unique natural ``code`` (every registry
    type, depots): code written once for all of them (``ObjectType.model``) can use both. Each
    model declares its own columns; this class maps nothing and adds no table."""

    __abstract__ = True

    if TYPE_CHECKING:
        id: Mapped[int]
        code: Mapped[str]


def table_of(model: type[Base]) -> Table:
    """The :class:`Table` a declarative model maps (SQLAlchemy types ``__table__`` as any
    ``FromClause``; a model declared with columns always maps a Table)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
