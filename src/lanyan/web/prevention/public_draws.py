"""The public page of the 双随机 draws (一公开): no log-in.

Each draw shows its commitment as published when it was planned (the seed's SHA-256, the unit
list digest, the input's hash, the sample size, the earliest run time), the seed revealed after
it ran, the result and the inspections' outcomes; "verify" re-runs the draw on the server, and
"verify in this browser" re-runs it in the visitor's own browser (``static/js/draw_verify.js``)
from the public JSON. No unit's risk grade or credit flag is shown.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from lanyan.api.deps import SessionDep
from lanyan.api.paging import PageNo
from lanyan.prevention import draw, draw_service, lookup
from lanyan.web.render import render

PAGE_SIZE = 50

router = APIRouter(prefix="/public/draws", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def draws_page(request: Request, session: SessionDep, page: PageNo = 1) -> HTMLResponse:
    rows, total = draw_service.public_page(session, page, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "prevention/public_draws.html", None, draws=rows, page=page, pages=pages)


@router.get("/{code}.json")
def draw_record(code: str, session: SessionDep) -> Response:
    """The published record, byte for byte what the hashes are checked against."""
    row = draw_service.get_draw(session, code)
    return Response(
        draw.canonical(draw_service.public_record(row)) + "\n",
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
    pool = row.record.get("input", {}).get("pool", [])
    weights: dict[int, int] = {}
    for u in pool:
        if "weight" in u:
            weights[u["weight"]] = weights.get(u["weight"], 0) + 1
    return render(
        request,
        "prevention/public_draw.html",
        None,
        d=row,
        c=draw_service.commitment(row, place.name if place else ""),
        place=place,
        result=result,
        names=names,
        pool=len(pool),
        weights=sorted(weights.items(), reverse=True),
        results=draw_service.published_results(session, row) if row.drawn_at else [],
        verified=problems,
        base_url=request.app.state.settings.public_base_url.rstrip("/"),
    )
