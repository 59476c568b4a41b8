"""The public portal (公众服务): no log-in, phone-first. A citizen reports a fire hazard
(举报投诉) with an optional photo and gets a tracking number (查询码), looks the report up by
that number and the last four digits of their phone, and reads the published lists (挂牌督办
hazards, enforcement decisions, 告知承诺 places, 双随机 draws). The pages go through the same
services as ``/api/public/`` (:mod:`lanyan.prevention.routes.portal`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError as PydanticValidationError
from starlette.datastructures import FormData, UploadFile

from lanyan.accounts.public_limits import count_lookup, count_submission
from lanyan.api.deps import SessionDep
from lanyan.api.limits import UploadKind, upload
from lanyan.api.paging import PageNo
from lanyan.core.errors import FieldProblem, LanyanError, NotFound
from lanyan.prevention import (
    applications,
    attachments,
    commitment_applications,
    complaints,
    portal_status,
    published,
)
from lanyan.prevention.choices import ApplicationKind
from lanyan.prevention.schemas.portal import (
    PublicApplicationCreate,
    PublicComplaintCreate,
    PublicLookup,
)
from lanyan.registry.scope import Scope
from lanyan.registry.service import pydantic_problems
from lanyan.stats import declarations
from lanyan.store.db import unit_of_work
from lanyan.web.forms import form_data
from lanyan.web.render import render

router = APIRouter(prefix="/portal", include_in_schema=False)
PAGE_SIZE = 20

WORDS: dict[str, tuple[str, str]] = {
    "pt_title": ("公众服务", "Public services"),
    "pt_intro": (
        "无需登录。举报火灾隐患、申报火灾损失、提交申请和告知承诺、查询办理进度、查看公开信息。",
        "No sign-in needed. Report a hazard, declare a fire's loss, apply, commit, follow up, read.",
    ),
    "pt_report": ("举报火灾隐患", "Report a fire hazard"),
    "pt_track": ("办理进度查询", "Follow up what you sent"),
    "pt_lists": ("信息公开", "Published information"),
    "pt_hazards": ("挂牌督办隐患", "Hazards under supervision (挂牌督办)"),
    "pt_enforcement": ("行政强制与处罚决定", "Enforcement decisions"),
    "pt_commitments": ("告知承诺场所", "Places opened on a commitment (告知承诺)"),
    "pt_draws": ("双随机抽查结果", "Random inspection draws"),
    "pt_f_place_search": ("搜索区域", "Search places"),
    "pt_f_jurisdiction_code": ("所在区域", "Area"),
    "pt_f_address": ("具体地址", "Address"),
    "pt_f_content": ("隐患情况", "What you saw"),
    "pt_f_reporter_name": ("称呼（可不填）", "Your name (optional)"),
    "pt_f_reporter_phone": ("手机号码", "Mobile number"),
    "pt_f_photo": ("现场照片（可选，JPEG/PNG/WebP）", "Photo (optional: JPEG, PNG or WebP)"),
    "pt_f_tracking_no": ("查询码", "Tracking number"),
    "pt_f_phone_last4": ("手机号后四位", "Last four digits of the phone"),
    "pt_f_file": ("现场照片", "Photo"),
    "pt_phone_note": (
        "号码仅办理民警可见，用于核实和反馈；公开页面一律隐去。",
        "Only the officer handling the report sees the number, to check and reply.",
    ),
    "pt_submit": ("提交举报", "Send the report"),
    "pt_lookup": ("查询", "Look up"),
    "pt_refused": ("提交未成功，请按提示修改：", "Not sent; please correct:"),
    "pt_received": ("举报已受理", "Report received"),
    "pt_keep_no": (
        "请保存查询码，凭查询码和手机号后四位查询办理进度。",
        "Keep the tracking number: with your phone's last four digits it shows the progress.",
    ),
    "pt_not_found": (
        "没有找到与查询码和手机号相符的举报，请核对后重试。",
        "No report matches this tracking number and phone; check both and try again.",
    ),
    "pt_state": ("办理状态", "Status"),
    "pt_received_at": ("受理时间", "Received"),
    "pt_due_on": ("核查期限", "To be checked by"),
    "pt_feedback": ("处理反馈", "Reply"),
    "pt_no_feedback": ("尚未反馈，请耐心等待。", "No reply yet."),
    "pt_unit": ("单位", "Unit"),
    "pt_department": ("督办部门", "Supervising department"),
    "pt_deadline": ("整改期限", "Deadline"),
    "pt_major": ("重大火灾隐患", "Major fire hazard"),
    "pt_decision_no": ("决定书文号", "Decision No."),
    "pt_basis": ("依据", "Legal basis"),
    "pt_decided_on": ("决定日期", "Decided"),
    "pt_amount": ("罚款（元）", "Fine (yuan)"),
    "pt_lifted_on": ("解除日期", "Lifted"),
    "pt_opens_on": ("投入使用日期", "Opened"),
    "pt_anonymised": (
        "公开信息仅列单位名称及决定要素，不公开个人信息和案情描述。",
        "Units are named with the decision's facts of record; no person and no case narrative.",
    ),
    "pt_apply": ("解除临时查封、恢复使用申请", "Apply to lift a seal-up or resume use"),
    "pt_f_kind": ("申请事项", "Application"),
    "pt_f_decision_no": ("决定书文号", "Decision No."),
    "pt_f_applicant_name": ("申请人", "Applicant"),
    "pt_f_applicant_phone": ("手机号码", "Mobile number"),
    "pt_f_reason": ("整改情况", "What was rectified"),
    "pt_apply_submit": ("提交申请", "Send the application"),
    "pt_applied": ("申请已提交", "Application received"),
    "pt_applied_note": (
        "申请已进入办理民警待办，民警将电话联系并安排复查。",
        "The application is in the officers' queue; an officer will call to arrange a recheck.",
    ),
    "pt_back": ("返回公众服务", "Back to public services"),
    "pt_total": ("共 {n} 条", "{n} in all"),
    "pt_choose_file": ("选择文件", "Choose a file"),
    "pt_no_file": ("未选择文件", "No file chosen"),
    "pt_f_photos": (
        "现场照片（可选，JPEG/PNG/WebP，最多 6 张）",
        "Photos (optional: JPEG, PNG or WebP; up to 6)",
    ),
    "pt_fire_loss": ("火灾损失申报", "Declare a fire's loss"),
    "pt_fire_loss_intro": (
        "发生火灾后，可在此申报损失情况。申报经消防救援机构审核受理后纳入火灾统计。",
        "Declare a fire's loss here; it joins the fire statistics once the fire service accepts it.",
    ),
    "pt_f_occurred_at": ("起火时间", "When the fire started"),
    "pt_f_burned": ("烧损物品", "What burned"),
    "pt_f_direct_loss_yuan": ("直接财产损失估算（元）", "Estimated direct loss (yuan)"),
    "pt_f_deaths": ("死亡人数（人）", "Deaths (persons)"),
    "pt_f_injuries": ("受伤人数（人）", "Injured (persons)"),
    "pt_f_declarant_name": ("申报人（可不填）", "Your name (optional)"),
    "pt_f_declarant_phone": ("手机号码", "Mobile number"),
    "pt_declare_submit": ("提交申报", "Send the declaration"),
    "pt_declared": ("申报已提交", "Declaration received"),
    "pt_declared_note": (
        "申报进入审核，审核结果可凭查询码和手机号后四位查询。",
        "The declaration is waiting for review; look up the result with the tracking number.",
    ),
    "pt_commitment": ("告知承诺申请", "Commitment (告知承诺) application"),
    "pt_commitment_long": (
        "公众聚集场所投入使用、营业前消防安全检查告知承诺",
        "Fire-safety check of a public-gathering place before opening, on commitment",
    ),
    "pt_documents": ("申请材料", "Documents"),
    "pt_commitment_intro": (
        "每份材料须为 PDF 文件或图片（JPEG、PNG、WebP），不超过 {mb} MiB。",
        "Each document a PDF or an image (JPEG, PNG, WebP) of at most {mb} MiB.",
    ),
    "pt_reselect": (
        "为保护您的文件，提交未成功时浏览器不会保留已选文件，请重新选择全部材料。",
        "A browser keeps no chosen files after a refused form: choose every document again.",
    ),
    "pt_f_occurred_day": ("起火日期", "Day of the fire"),
    "pt_f_occurred_time": ("起火时刻（时:分，如 19:30）", "Time of the fire (HH:MM, e.g. 19:30)"),
    "pt_f_unit_code": ("统一社会信用代码", "Unified social credit code"),
    "pt_f_venue": ("场所名称", "Name of the place"),
    "pt_f_floor_area_m2": ("建筑面积（m²）", "Floor area (m²)"),
    "pt_f_opens_on": ("拟投入使用、营业日期", "Opening day"),
    "pt_f_signatory": ("承诺人", "Signed by"),
    "pt_f_agreed": ("承诺", "Commitment"),
    "pt_statements": ("承诺内容", "What you commit to"),
    "pt_agree": (
        "本人已阅读并作出上述承诺，知晓虚假承诺将承担法律责任",
        "I make the commitments above and know a false commitment has legal consequences",
    ),
    "pt_commit_submit": ("提交告知承诺", "Send the commitment"),
    "pt_committed": ("告知承诺已提交", "Commitment received"),
    "pt_committed_note": (
        "材料进入审核；受理后场所列入告知承诺公示，并由消防救援机构在规定期限内现场核查。",
        "It waits for review; once accepted the place is published and checked on site in time.",
    ),
    "pt_kind": ("事项", "Kind"),
    "pt_kind_complaint": ("举报投诉", "Report"),
    "pt_kind_lift_seal": ("解除临时查封申请", "Lift a seal-up"),
    "pt_kind_resume_use": ("恢复使用申请", "Resume use"),
    "pt_kind_commitment": ("告知承诺", "Commitment"),
    "pt_kind_fire_loss": ("火灾损失申报", "Fire-loss declaration"),
    "pt_summary": ("内容", "About"),
    "pt_phone": ("手机号码", "Phone"),
}


def _values(form: FormData) -> dict[str, Any]:
    return {k: str(v).strip() for k, v in form.items() if isinstance(v, str) and str(v).strip()}


@router.get("", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "prevention/portal_home.html", None)


def _report_page(
    request: Request,
    session: SessionDep,
    values: dict[str, Any] | None = None,
    problems: list[FieldProblem] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "prevention/portal_report.html",
        None,
        status_code=status_code,
        values=values or {},
        problems=problems,
    )


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, session: SessionDep) -> HTMLResponse:
    return _report_page(request, session)


@router.post("/report", response_class=HTMLResponse, dependencies=[Depends(count_submission)])
def report_submit(
    request: Request,
    session: SessionDep,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    """Validate, write the report and its photo in one unit of work, and show the receipt."""
    values = _values(form)
    photo = form.get("photo")
    settings = request.app.state.settings
    limit = settings.attachment_max_mb * 1024 * 1024
    try:
        payload = PublicComplaintCreate.model_validate(values)
        data = b""
        if isinstance(photo, UploadFile) and photo.filename:
            data = photo.file.read(limit + 1)  # one byte past the limit is enough to refuse
        with unit_of_work(request.app.state.sessions) as s:
            row = complaints.public_intake(s, payload)
            if data or (isinstance(photo, UploadFile) and photo.filename):
                attachments.attach(
                    s,
                    complaints.PUBLIC_ACTOR,
                    Scope(),
                    "complaints",
                    row.id,
                    photo.filename or "",  # type: ignore[union-attr]
                    data,
                    settings.data_dir,
                    limit,
                    allowed=attachments.IMAGE_TYPES,
                )
            receipt = complaints.status_public(row)
    except PydanticValidationError as exc:
        return _report_page(request, session, values, pydantic_problems(exc), 422)
    except LanyanError as exc:
        return _report_page(request, session, values, exc.problems, 422)
    return render(request, "prevention/portal_receipt.html", None, r=receipt)


def _apply_page(
    request: Request,
    values: dict[str, Any] | None = None,
    problems: list[FieldProblem] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "prevention/portal_apply.html",
        None,
        status_code=status_code,
        kinds=list(ApplicationKind),
        values=values or {},
        problems=problems,
    )


@router.get("/apply", response_class=HTMLResponse)
def apply_page(request: Request) -> HTMLResponse:
    return _apply_page(request)


@router.post("/apply", response_class=HTMLResponse, dependencies=[Depends(count_submission)])
def apply_submit(request: Request, form: Annotated[FormData, Depends(form_data)]) -> Response:
    """解除临时查封 / 恢复使用: queued for the officers of the decision's jurisdiction."""
    values = _values(form)
    try:
        payload = PublicApplicationCreate.model_validate(values)
        with unit_of_work(request.app.state.sessions) as s:
            receipt = applications.receipt(applications.submit(s, payload))
    except PydanticValidationError as exc:
        return _apply_page(request, values, pydantic_problems(exc), 422)
    except LanyanError as exc:
        return _apply_page(request, values, exc.problems, 422)
    return render(request, "prevention/portal_applied.html", None, r=receipt)


@router.get("/track", response_class=HTMLResponse)
def track_page(request: Request) -> HTMLResponse:
    return render(request, "prevention/portal_track.html", None, values={}, status=None)


@router.post("/track", response_class=HTMLResponse, dependencies=[Depends(count_lookup)])
def track_submit(
    request: Request, session: SessionDep, form: Annotated[FormData, Depends(form_data)]
) -> HTMLResponse:
    """Any submission's status: reports, applications, 告知承诺 and 火灾损失申报 alike."""
    values = _values(form)
    try:
        query = PublicLookup.model_validate(values)
        status = portal_status.status(session, query.tracking_no, query.phone_last4)
    except PydanticValidationError as exc:
        return render(
            request,
            "prevention/portal_track.html",
            None,
            status_code=422,
            values=values,
            status=None,
            problems=pydantic_problems(exc),
        )
    except NotFound:
        return render(
            request,
            "prevention/portal_track.html",
            None,
            status_code=404,
            values=values,
            status=None,
            not_found=True,
        )
    return render(request, "prevention/portal_track.html", None, values=values, status=status)


def _files(form: FormData, names: list[str], max_bytes: int) -> list[tuple[str, str, bytes]]:
    """(field, filename, bytes) of the files chosen in ``names`` (a field may hold several:
    ``photos`` becomes ``photos.0``, ``photos.1`` …), one byte past the limit at most."""
    out = []
    for name in names:
        chosen = [f for f in form.getlist(name) if isinstance(f, UploadFile) and f.filename]
        for i, f in enumerate(chosen):
            field = f"{name}.{i}" if name == "photos" else name
            out.append((field, f.filename or "", f.file.read(max_bytes + 1)))
    return out


def _fire_loss_page(
    request: Request,
    values: dict[str, Any] | None = None,
    problems: list[FieldProblem] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "prevention/portal_fire_loss.html",
        None,
        status_code=status_code,
        values=values or {},
        problems=problems,
        bad={p.field.split(".")[0] for p in problems or []},
    )


@router.get("/fire-loss", response_class=HTMLResponse)
def fire_loss_page(request: Request) -> HTMLResponse:
    return _fire_loss_page(request)


@router.post(
    "/fire-loss",
    response_class=HTMLResponse,
    dependencies=[Depends(count_submission)],
    **upload(UploadKind.ATTACHMENT),
)
def fire_loss_submit(request: Request, form: Annotated[FormData, Depends(form_data)]) -> Response:
    """火灾损失申报: a draft for review (counted in no statistics until accepted)."""
    values = _values(form)
    day, clock = values.get("occurred_day", ""), values.get("occurred_time", "")
    if re.fullmatch(r"\d{1}:\d{2}", clock):
        clock = f"0{clock}"  # 9:30 → 09:30
    settings = request.app.state.settings
    limit = settings.attachment_max_mb * 1024 * 1024
    fields = {k: v for k, v in values.items() if k not in ("occurred_day", "occurred_time")}
    fields["occurred_at"] = f"{day}T{clock}" if day and clock else None
    try:
        with unit_of_work(request.app.state.sessions) as s:
            row = declarations.declare_form(
                s, fields, _files(form, ["photos"], limit), settings.data_dir, limit
            )
            receipt = declarations.receipt(row)
    except LanyanError as exc:
        return _fire_loss_page(request, values, exc.problems, 422)
    return render(
        request,
        "prevention/portal_done.html",
        None,
        r=receipt,
        title="pt_declared",
        note="pt_declared_note",
        kind="pt_kind_fire_loss",
    )


def _commitment_page(
    request: Request,
    values: dict[str, Any] | None = None,
    problems: list[FieldProblem] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "prevention/portal_commitment.html",
        None,
        status_code=status_code,
        values=values or {},
        problems=problems,
        bad={p.field for p in problems or []},
        documents=commitment_applications.DOCUMENTS,
        statements=commitment_applications.STATEMENTS,
        max_mb=request.app.state.settings.attachment_max_mb,
    )


@router.get("/commitment", response_class=HTMLResponse)
def commitment_page(request: Request) -> HTMLResponse:
    return _commitment_page(request)


@router.post(
    "/commitment",
    response_class=HTMLResponse,
    dependencies=[Depends(count_submission)],
    **upload(UploadKind.ATTACHMENT),
)
def commitment_submit(request: Request, form: Annotated[FormData, Depends(form_data)]) -> Response:
    """告知承诺 with its documents: queued for the officers of the unit's jurisdiction."""
    values = _values(form)
    values["agreed"] = values.get("agreed") == "on"
    settings = request.app.state.settings
    limit = settings.attachment_max_mb * 1024 * 1024
    sent = _files(form, [d.field for d in commitment_applications.DOCUMENTS], limit)
    try:
        with unit_of_work(request.app.state.sessions) as s:
            row = commitment_applications.submit_form(s, values, sent, settings.data_dir, limit)
            receipt = commitment_applications.receipt(row)
    except LanyanError as exc:
        return _commitment_page(request, values, exc.problems, 422)
    return render(
        request,
        "prevention/portal_done.html",
        None,
        r=receipt,
        title="pt_committed",
        note="pt_committed_note",
        kind="pt_kind_commitment",
    )


LISTS = {
    "hazards": ("pt_hazards", published.listed_hazards),
    "enforcement": ("pt_enforcement", published.enforcement_decisions),
    "commitments": ("pt_commitments", published.commitments),
}


@router.get("/lists/{name}", response_class=HTMLResponse)
def list_page(request: Request, name: str, session: SessionDep, page: PageNo = 1) -> HTMLResponse:
    if name not in LISTS:
        raise NotFound(f"no published list {name}; these are: {', '.join(LISTS)}")
    title, read = LISTS[name]
    items, total = read(session, page, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "prevention/portal_list.html",
        None,
        name=name,
        title=title,
        items=items,
        total=total,
        page=page,
        pages=pages,
    )
