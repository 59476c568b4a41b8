"""The paged list every list route answers (``Page[T]``), and the page number it takes."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar, cast

from fastapi import Query
from pydantic import BaseModel, create_model

# Ten million pages of the largest page (500 rows) is 5·10⁹ rows, beyond any table here, and
# keeps ``(page - 1) * size`` far inside the 64 bits SQLite and PostgreSQL take as an OFFSET
# (the 32-bit column range alone would not: 2³¹ pages of 500 rows is 2⁴⁰).
MAX_PAGE = 10_000_000

PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: its items, how many there are in all, the page number and size.

    ``Page[HazardPublic]`` is a model named ``HazardPage`` (the item model's name without
    ``Public``), so the OpenAPI schema reads ``HazardPage`` rather than ``Page_HazardPublic_``.
    """

    items: list[T]
    total: int
    page: int
    size: int

    def __class_getitem__(cls, params: Any) -> Any:
        model = super().__class_getitem__(params)
        if cls is not Page or not isinstance(params, type) or not issubclass(params, BaseModel):
            return model
        named = _NAMED.get(params)
        if named is None:
            # A plain subclass of the parametrised model: its JSON schema takes its own name.
            named = create_model(
                f"{params.__name__.removesuffix('Public')}Page",
                __base__=cast(type[Page[Any]], model),
                __module__=params.__module__,
                __doc__=f"One page of {params.__name__} items.",
            )
            _NAMED[params] = named
        return named


_NAMED: dict[type[BaseModel], type[Page[Any]]] = {}


PageSize = Annotated[int, Query(ge=1, le=500)]
"""Rows per page of a paged list route (50 unless asked)."""
