"""HTTP routes of reinforcement requests (跨区增援请求): the answering side's queue and answers.

Requests are made from the incident (``POST /api/incidents/{id}/reinforcements`` in
:mod:`.routes`); permissions are those of incidents, narrowed by jurisdiction in the service.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageSize
from lanyan.response import incidents, reinforcement_service
from lanyan.response.choices import ReinforcementAction, ReinforcementState
from lanyan.response.schemas import ReinforcementAnswer, ReinforcementPublic

router = APIRouter(prefix="/api/reinforcements", tags=["Incidents 警情"])
reader = require(incidents.SLUG, "read")
writer = require(incidents.SLUG, "write")


@router.get("", response_model=Page[ReinforcementPublic], summary="List reinforcement requests")
def list_(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    status: ReinforcementState | None = None,
    side: Annotated[
        Literal["incoming", "outgoing"] | None,
        Query(description="incoming: naming your vehicles; outgoing: from your incidents"),
    ] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = reinforcement_service.list_requests(
        session, user.scope, status, side, page=page, size=size
    )
    return {
        "items": [reinforcement_service.public(session, user.scope, r) for r in rows],
        "total": total,
        "page": page,
        "size": size,
    }


@router.get("/{reinforcement_id}", response_model=ReinforcementPublic, summary="Read one request")
def read(reinforcement_id: int, session: SessionDep, user: Annotated[CurrentUser, reader]) -> Any:
    row = reinforcement_service.read(session, user.scope, reinforcement_id)
    return reinforcement_service.public(session, user.scope, row)


def _answer(action: ReinforcementAction) -> Any:
    def handler(
        reinforcement_id: int,
        payload: Annotated[ReinforcementAnswer, Body()],
        session: SessionDep,
        user: Annotated[CurrentUser, writer],
    ) -> Any:
        row = reinforcement_service.answer(
            session, user.actor, user.scope, reinforcement_id, action, payload
        )
        return reinforcement_service.public(session, user.scope, row)

    return handler


router.post(
    "/{reinforcement_id}/approve",
    response_model=ReinforcementPublic,
    summary="Approve a request for vehicles of your jurisdiction (批准)",
    operation_id="approve_reinforcement",
)(_answer(ReinforcementAction.APPROVE))
router.post(
    "/{reinforcement_id}/refuse",
    response_model=ReinforcementPublic,
    summary="Refuse a request for vehicles of your jurisdiction, with a reason (拒绝)",
    operation_id="refuse_reinforcement",
)(_answer(ReinforcementAction.REFUSE))
router.post(
    "/{reinforcement_id}/cancel",
    response_model=ReinforcementPublic,
    summary="Cancel a request of your incident (撤回)",
    operation_id="cancel_reinforcement",
)(_answer(ReinforcementAction.CANCEL))
