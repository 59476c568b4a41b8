"""HTTP routes of enforcement documents (执法文书) and their legal review (法制审核)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, SettingsDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.prevention import document_service as service
from lanyan.prevention import document_templates as templates
from lanyan.prevention.choices import DocumentAction, DocumentKind, DocumentState
from lanyan.prevention.documents import REVIEWED
from lanyan.prevention.schemas.documents import (
    DocumentCreate,
    DocumentFields,
    DocumentPublic,
    DocumentReview,
)

router = APIRouter(prefix="/api/enforcement-documents", tags=["Enforcement documents 执法文书"])
Reader = Annotated[CurrentUser, require(service.SLUG, "read")]
Writer = Annotated[CurrentUser, require(service.SLUG, "write")]
Reviewer = Annotated[CurrentUser, require(service.REVIEW_SLUG, "write")]


@router.get("/templates", summary="The document kinds, their fields and the articles they cite")
def list_templates(_: Reader) -> dict[str, Any]:
    cat = templates.catalogue()
    return {
        "disclaimer": cat.disclaimer,
        "kinds": [
            {
                "kind": t.kind,
                "zh": t.kind.zh,
                "en": t.kind.en,
                "fields": ["facts", *t.fields],
                "bases": [
                    {"key": k, "zh": cat.citations[k].zh, "en": cat.citations[k].en}
                    for k in t.bases
                ],
                "legal_review": t.kind in REVIEWED,
            }
            for t in cat.templates.values()
        ],
    }


@router.post("", response_model=DocumentPublic, status_code=201, summary="Draft a document")
def draft(payload: Annotated[DocumentCreate, Body()], session: SessionDep, user: Writer) -> Any:
    return service.public(session, service.draft(session, user.actor, user.scope, payload))


@router.get("", response_model=Page[DocumentPublic], summary="List documents")
def list_documents(
    session: SessionDep,
    user: Reader,
    inspection_code: str | None = None,
    state: DocumentState | None = None,
    kind: DocumentKind | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    inspection_id = (
        service.inspection_of(session, user.scope, inspection_code).id if inspection_code else None
    )
    rows, total = service.list_documents(
        session, user.scope, inspection_id, state, kind, page, size
    )
    return {
        "items": [service.public(session, r) for r in rows],
        "total": total,
        "page": page,
        "size": size,
    }


@router.get(
    "/review-queue", response_model=Page[DocumentPublic], summary="Documents awaiting 法制审核"
)
def review_queue(session: SessionDep, user: Reviewer, page: PageNo = 1, size: PageSize = 50) -> Any:
    rows, total = service.review_queue(session, user.scope, page, size)
    return {
        "items": [service.public(session, r) for r in rows],
        "total": total,
        "page": page,
        "size": size,
    }


@router.get("/{doc_id}", response_model=DocumentPublic, summary="Read one document")
def read(doc_id: int, session: SessionDep, user: Reader) -> Any:
    return service.public(session, service.get_document(session, user.scope, doc_id))


@router.put("/{doc_id}", response_model=DocumentPublic, summary="Edit a draft or returned document")
def edit(
    doc_id: int, payload: Annotated[DocumentFields, Body()], session: SessionDep, user: Writer
) -> Any:
    return service.public(session, service.edit(session, user.actor, user.scope, doc_id, payload))


@router.post("/{doc_id}/submit", response_model=DocumentPublic, summary="Submit for 法制审核")
def submit(doc_id: int, session: SessionDep, user: Writer) -> Any:
    row = service.move(session, user.actor, user.scope, doc_id, DocumentAction.SUBMIT)
    return service.public(session, row)


@router.post("/{doc_id}/approve", response_model=DocumentPublic, summary="Approve (审核通过)")
def approve(
    doc_id: int, session: SessionDep, user: Reviewer, payload: Annotated[DocumentReview, Body()]
) -> Any:
    row = service.move(
        session, user.actor, user.scope, doc_id, DocumentAction.APPROVE, payload.reason
    )
    return service.public(session, row)


@router.post("/{doc_id}/return", response_model=DocumentPublic, summary="Return with reasons")
def return_(
    doc_id: int, session: SessionDep, user: Reviewer, payload: Annotated[DocumentReview, Body()]
) -> Any:
    row = service.move(
        session, user.actor, user.scope, doc_id, DocumentAction.RETURN, payload.reason
    )
    return service.public(session, row)


@router.post("/{doc_id}/issue", response_model=DocumentPublic, summary="Issue (签发) with a number")
def issue(doc_id: int, session: SessionDep, settings: SettingsDep, user: Writer) -> Any:
    row = service.move(
        session,
        user.actor,
        user.scope,
        doc_id,
        DocumentAction.ISSUE,
        pattern=settings.doc_number_pattern,
        org=settings.doc_org,
    )
    return service.public(session, row)


@router.get("/{doc_id}/pdf", summary="The document as PDF", response_class=Response)
def download(doc_id: int, session: SessionDep, settings: SettingsDep, user: Reader) -> Response:
    row = service.get_document(session, user.scope, doc_id)
    return Response(
        service.pdf(session, row, settings.label_font),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{service.filename(row)}"'},
    )


@router.get("/{doc_id}/review.pdf", summary="The 法制审核意见 as PDF", response_class=Response)
def download_review(
    doc_id: int, session: SessionDep, settings: SettingsDep, user: Reader
) -> Response:
    row = service.get_document(session, user.scope, doc_id)
    return Response(
        service.review_pdf(session, row, settings.label_font),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="review-{row.id}.pdf"'},
    )
