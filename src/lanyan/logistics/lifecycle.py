"""The equipment lifecycle (装备全生命周期) as a state machine. Plain Python, no framework.

    采购 purchased ─入库→ 入库 stocked ─配发→ 配发 issued ─启用→ 在用 in_use
    在用 ─送修→ 维修 repair ─修复→ 在用;  配发/在用 ─退库→ 入库;  入库/在用/维修 ─报废→ 报废

检查 (inspect) records an inspection without changing the state; nothing follows 报废. An action
also says where the item must end up: 入库 and 退库 into a depot, 配发 to a station or a vehicle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.logistics.choices import ItemAction, ItemState, LocationKind

A, S, L = ItemAction, ItemState, LocationKind

MOVES: dict[tuple[ItemState, ItemAction], ItemState] = {
    (S.PURCHASED, A.STOCK): S.STOCKED,
    (S.STOCKED, A.ISSUE): S.ISSUED,
    (S.ISSUED, A.COMMISSION): S.IN_USE,
    (S.IN_USE, A.SEND_TO_REPAIR): S.REPAIR,
    (S.REPAIR, A.RETURN_FROM_REPAIR): S.IN_USE,
    (S.ISSUED, A.WITHDRAW): S.STOCKED,
    (S.IN_USE, A.WITHDRAW): S.STOCKED,
    (S.STOCKED, A.SCRAP): S.SCRAPPED,
    (S.IN_USE, A.SCRAP): S.SCRAPPED,
    (S.REPAIR, A.SCRAP): S.SCRAPPED,
    (S.STOCKED, A.INSPECT): S.STOCKED,
    (S.ISSUED, A.INSPECT): S.ISSUED,
    (S.IN_USE, A.INSPECT): S.IN_USE,
}

# Where an action must put the item; actions not listed leave it where it is.
DESTINATIONS: dict[ItemAction, frozenset[LocationKind]] = {
    A.STOCK: frozenset({L.DEPOT}),
    A.WITHDRAW: frozenset({L.DEPOT}),
    A.ISSUE: frozenset({L.STATION, L.VEHICLE}),
}


@dataclass(frozen=True)
class ItemMoved:
    """Domain event: an item took ``action`` from ``before`` to ``after`` on ``on``."""

    code: str
    action: ItemAction
    before: ItemState
    after: ItemState
    on: date


def legal_actions(state: ItemState) -> list[ItemAction]:
    """The actions allowed from ``state``, in the order of ``ItemAction``."""
    return [a for a in ItemAction if (state, a) in MOVES]


def move(
    code: str,
    state: ItemState,
    action: ItemAction,
    on: date,
    destination: LocationKind | None = None,
) -> ItemMoved:
    """The event of ``action`` on an item in ``state``; raise ValidationFailed if illegal.

    ``destination`` is the kind of place the item goes to, required by 入库/退库/配发 and
    refused by every other action (they do not move the item).
    """
    after = MOVES.get((state, action))
    if after is None:
        allowed = "、".join(a.zh for a in legal_actions(state)) or "none — 报废 is final"
        raise ValidationFailed(
            f"item {code} is {state.zh} ({state.value}): {action.zh} ({action.value}) "
            f"is not allowed; allowed: {allowed}",
            [FieldProblem("action", f"{action.value} is not allowed from {state.value}")],
        )
    wanted = DESTINATIONS.get(action)
    if wanted is None and destination is not None:
        raise ValidationFailed(
            f"{action.zh} does not move item {code}",
            [FieldProblem("location_kind", f"must be empty for {action.value}")],
        )
    if wanted is not None and destination not in wanted:
        kinds = "/".join(sorted(k.value for k in wanted))
        raise ValidationFailed(
            f"{action.zh} puts item {code} into a {kinds}",
            [FieldProblem("location_kind", f"must be {kinds} for {action.value}")],
        )
    return ItemMoved(code, action, state, after, on)
