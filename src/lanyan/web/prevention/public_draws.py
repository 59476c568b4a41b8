"""The public page of the 双随机 draws (一公开): no log-in.

Each draw shows the SHA-256 of its seed as announced before the draw, the seed revealed after
it, the input's hash and the result; "verify" re-runs the draw from the published record on the
server, and the page explains how anyone can check it without trusting the server.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from lanyan.api.deps import SessionDep
from lanyan.prevention import draw, draw_service, lookup
from lanyan.web.render import render

router = APIRouter(prefix="/public/draws", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def draws_page(request: Request, session: SessionDep) -> HTMLResponse:
    rows = draw_service.recent_draws(session, limit=200)
    return render(request, "prevention/public_draws.html", None, draws=rows)


@router.get("/{code}.json")
def draw_record(code: str, session: SessionDep) -> Response:
    """The published record, byte for byte what the hashes are checked against."""
    row = draw_service.get_draw(session, code)
    return Response(
        draw.canonical(row.record) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{code}.json"'},
    )


@router.get("/{code}.csv")
def draw_csv(code: str, session: SessionDep) -> Response:
    row = draw_service.get_draw(session, code)
    return Response(
        draw.to_csv(row.record),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{code}.csv"'},
    )


@router.get("/{code}", response_class=HTMLResponse)
def draw_page(
    request: Request, code: str, session: SessionDep, verify: bool = False
) -> HTMLResponse:
    row = draw_service.get_draw(session, code)
    place = lookup.jurisdiction_by_id(session, row.jurisdiction_id)
    result = row.record.get("result") or []
    names = lookup.unit_names(session, [a["unit"] for a in result])
    problems = draw_service.verify_stored(session, code) if verify else None
    return render(
        request,
        "prevention/public_draw.html",
        None,
        d=row,
        place=place,
        result=result,
        names=names,
        pool=len(row.record.get("input", {}).get("pool", [])),
        rates=row.record.get("input", {}).get("rates", {}),
        verified=problems,
    )
