"""Credit (信用) as a pluggable input of the risk index, safe when credit does not exist.

A provider is a function ``(session, unit_ids) -> {unit_id: record}`` where a record has a
``score`` (0–100, higher is more trustworthy) and ``blacklisted`` (失信黑名单), as attributes or
dict keys. ``default_provider`` uses ``lanyan.prevention.credit.credit_summary`` when the
supervision domain provides it, and otherwise returns nothing, so the credit factors fall back
to their ``missing`` values (and every explanation says so).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

CreditProvider = Callable[[Session, Sequence[int]], Mapping[int, Any]]
CREDIT_MODULE, CREDIT_FUNCTION = "lanyan.prevention.credit", "credit_summary"


def _field(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def resolve() -> CreditProvider | None:
    """The supervision domain's ``credit_summary`` if it is installed, else None."""
    try:
        module = importlib.import_module(CREDIT_MODULE)
    except ImportError:
        return None
    fn = getattr(module, CREDIT_FUNCTION, None)
    return fn if callable(fn) else None


def default_provider(session: Session, unit_ids: Sequence[int]) -> Mapping[int, Any]:
    fn = resolve()
    return fn(session, list(unit_ids)) if fn is not None else {}


def raw_values(record: Any | None) -> dict[str, Any]:
    """The credit factors' raw values from one record (None when there is none)."""
    if record is None:
        return {"credit_score": None, "blacklisted": None}
    score = _field(record, "score")
    black = _field(record, "blacklisted")
    return {
        "credit_score": float(score) if score is not None else None,
        "blacklisted": bool(black) if black is not None else None,
    }
