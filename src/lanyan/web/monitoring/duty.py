"""The control room's duty page (消控室值班: pending 查岗 first, handover, duty log, shifts,
roster) and the centre's 查岗 page (start a check of one unit or a random sample; rounds and
results, paged). Server-rendered forms; every write goes through ``monitoring.duty_service``
and ``monitoring.duty_check_service`` in one unit of work, so the pages obey the API's rules.
A refusal is shown in the catalogue's words, field by field (the services' messages are
English); a refused handover lists the open alarms by their zh/en labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import MAX_PAGE
from lanyan.core.errors import Conflict, FieldProblem, LanyanError, ValidationFailed
from lanyan.core.timeutil import CHINA_TZ, local_today, to_local, utcnow
from lanyan.monitoring import duty_check_service, duty_checks, duty_service
from lanyan.monitoring.choices import CheckState, PanelState
from lanyan.store.db import unit_of_work
from lanyan.web.forms import form_data
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 10
DutyReader = Annotated[CurrentUser, require(duty_service.SLUG, "read")]
DutyWriter = Annotated[CurrentUser, require(duty_service.SLUG, "write")]
CheckReader = Annotated[CurrentUser, require(duty_check_service.SLUG, "read")]
CheckWriter = Annotated[CurrentUser, require(duty_check_service.SLUG, "write")]
PageArg = Annotated[int, Query(ge=1, le=MAX_PAGE)]

WORDS: dict[str, tuple[str, str]] = {
    "dw_nav": ("消控室值班", "Control-room duty"),
    "dw_nav_checks": ("远程查岗", "Duty checks"),
    "dw_title": ("消控室值班", "Control-room duty"),
    "dw_unit": ("单位", "Unit"),
    "dw_unit_code": ("单位编码", "Unit code"),
    "dw_choose": ("选择", "Open"),
    "dw_no_unit": ("请选择单位。", "Choose a unit."),
    "dw_pending": ("查岗！请立即应答", "Duty check: answer now"),
    "dw_pending_deadline": ("应答截止 {t}", "Answer by {t}"),
    "dw_answer": ("应答查岗", "Answer the check"),
    "dw_no_pending": ("当前没有待应答的查岗。", "No duty check waiting."),
    "dw_handover": ("交接班", "Shift handover"),
    "dw_accepted_by": ("接班人", "Taken over by"),
    "dw_note": ("备注", "Note"),
    "dw_hand_over": ("交班", "Hand over"),
    "dw_handover_refused": (
        "存在未处理的报警，不能交接班：",
        "The shift cannot be handed over while these alarms are open:",
    ),
    "dw_handed_by": ("交班人", "Handed over by"),
    "dw_at": ("时间", "Time"),
    "dw_log": ("值班记录（每2小时）", "Duty log (every 2 hours)"),
    "dw_panel_state": ("控制器状态", "Panel state"),
    "dw_recorded_by": ("记录人", "Recorded by"),
    "dw_add_log": ("记录", "Record"),
    "dw_shifts": ("排班", "Shifts"),
    "dw_starts_at": ("开始", "Starts"),
    "dw_ends_at": ("结束", "Ends"),
    "dw_operator_1": ("值班员一", "Operator 1"),
    "dw_operator_2": ("值班员二", "Operator 2"),
    "dw_add_shift": ("排班", "Plan the shift"),
    "dw_roster": ("值班人员名册", "Duty roster"),
    "dw_username": ("用户名", "Username"),
    "dw_certificate_no": ("证书编号", "Certificate number"),
    "dw_certificate_expires": ("证书有效期至", "Certificate valid until"),
    "dw_save": ("保存", "Save"),
    "dw_total": ("共 {n} 条", "{n} in all"),
    "dw_prev": ("上一页", "Previous"),
    "dw_next": ("下一页", "Next"),
    "dw_none": ("暂无记录", "Nothing yet"),
    "dw_saved": ("已保存", "Saved"),
    "dw_refused": ("未保存：", "Not saved:"),
    "dw_err_at": (
        "值班记录时间不能晚于当前时间，且须在24小时之内",
        "the time must not be in the future and within the last 24 hours",
    ),
    "dw_err_operators": (
        "每班须由两名不同的持证值班人员值守（均在名册内，证书有效至班次结束）",
        "a shift needs two different certified operators on the roster, certified to its end",
    ),
    "dw_err_ends_at": (
        "班次须在开始之后结束，且不超过24小时",
        "a shift ends after it starts, within 24 hours",
    ),
    "dw_err_starts_at": ("请填写开始时间", "give the start time"),
    "dw_err_accepted_by": (
        "接班人须是本单位的另一名消控室值班员",
        "the incoming operator must be another control-room operator of the unit",
    ),
    "dw_err_username": (
        "须是绑定本单位的消控室值班员",
        "must be a control-room operator of the unit",
    ),
    "dw_err_certificate_no": ("请填写证书编号", "give the certificate number"),
    "dw_err_certificate_expires": ("请填写证书有效期", "give the certificate's expiry date"),
    "dw_err_note": ("备注最多500字", "at most 500 characters"),
    "dw_err_panel_state": ("请选择控制器状态", "choose the panel state"),
    "dw_err_state": (
        "该查岗已结束（已应答或已超时未应答）",
        "the check is over (answered or missed)",
    ),
    "dw_err_unit_code": (
        "须填写单位编码或抽查数量（二选一）",
        "give a unit code or a sample size, not both",
    ),
    "dw_err_sample_size": ("抽查数量为1至10000", "the sample size is 1 to 10,000"),
    "dw_err_answer_within_minutes": ("应答时限为1至255分钟", "the answer time is 1 to 255 minutes"),
    "dw_err_other": ("不符合规则", "does not match the rules"),
    "dw_err_not_found": ("单位不存在或不在您的范围内", "the unit does not exist or is not yours"),
    "dc_title": ("远程查岗", "Remote duty checks"),
    "dc_start": ("发起查岗", "Start a check"),
    "dc_one_unit": ("单个单位（单位编码）", "One unit (unit code)"),
    "dc_sample": ("或随机抽查单位数", "or a random sample of"),
    "dc_minutes": ("应答时限（分钟）", "Answer within (minutes)"),
    "dc_minutes_hint": (
        "默认5分钟为本平台设定；GB/T 26875.3 查岗命令（类型91）以1字节分钟数携带时限。超过时限两倍仍未应答记为未应答。",
        "The 5-minute default is this platform's choice; GB/T 26875.3's duty check (type 91) "
        "carries the timeout as one byte of minutes. Unanswered at twice the timeout: missed.",
    ),
    "dc_send": ("发送", "Send"),
    "dc_rounds": ("查岗批次", "Rounds"),
    "dc_round": ("批次", "Round"),
    "dc_started_by": ("发起人", "Started by"),
    "dc_units": ("单位数", "Units"),
    "dc_seed": ("随机种子", "Seed"),
    "dc_results": ("查岗结果", "Results"),
    "dc_state": ("结果", "Result"),
    "dc_all": ("全部", "All"),
    "dc_filter": ("筛选", "Filter"),
    "dc_sent_at": ("发送时间", "Sent"),
    "dc_deadline": ("应答截止", "Deadline"),
    "dc_answered_at": ("应答时间", "Answered"),
    "dc_answered_by": ("应答人", "Answered by"),
    "dc_via_page": ("值班页面", "duty page"),
    "dc_via_device": ("传输装置", "transmission device"),
    "dc_seconds": ("用时（秒）", "Took (s)"),
    "dc_compliance": ("值班合规（按月）", "Duty compliance by month"),
    "dc_month": ("月份", "Month"),
    "dc_shifts": ("班次", "Shifts"),
    "dc_slots_due": ("应记录时段", "Log slots due"),
    "dc_slots_on_time": ("按时记录时段", "Log slots on time"),
    "dc_log_rate": ("记录率", "Log rate"),
    "dc_handovers": ("交接班", "Handovers"),
}


@dataclass(frozen=True)
class Pager:
    """One paged list on a page: its page number, total and the query parameter it uses."""

    param: str
    page: int
    total: int
    size: int = PAGE_SIZE

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.size < self.total


def _problems(ui: Ui, exc: LanyanError) -> list[tuple[str, str]]:
    """Each refused field in the catalogue's words."""
    if exc.status == 404:
        return [(ui.t("dw_unit"), ui.t("dw_err_not_found"))]
    out = []
    for p in exc.problems or [FieldProblem("other", "")]:
        key = f"dw_err_{p.field}"
        label_key = f"dw_{p.field}"
        label = ui.t(label_key) if label_key in WORDS else ui.t("dw_err_other")
        out.append((label, ui.t(key) if key in WORDS else ui.t("dw_err_other")))
    return out


def _local_input(text: str) -> datetime | None:
    """A form's time (``YYYY-MM-DD HH:MM``), read as Asia/Shanghai time (aware); None when
    blank or unreadable (the rule then names the field)."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=CHINA_TZ) if text else None
    except ValueError:
        return None


def _date_input(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _back(unit: str, flash: str = "saved") -> RedirectResponse:
    return RedirectResponse(f"/monitoring/duty?unit={unit}&flash={flash}", status_code=303)


def _duty_page(
    request: Request,
    session: Any,
    user: CurrentUser,
    unit: str,
    pages: dict[str, int],
    refused: list[tuple[str, str]] | None = None,
    blocking: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ui = ui_for(request, user)
    mine = duty_service.my_units(session, user.scope)
    unit = unit or (mine[0]["code"] if len(mine) == 1 else "")
    context: dict[str, Any] = {
        "unit": unit,
        "mine": mine,
        "refused": refused or [],
        "blocking": blocking or [],
        "values": values or {},
        "flash": request.query_params.get("flash"),
        "can_write": roles.can_write(user.role, duty_service.SLUG),
        "states": [(s.value, ui.choice(s)) for s in PanelState],
        "now_local": to_local(utcnow()).strftime("%Y-%m-%d %H:%M"),
        "pending": [],
    }
    if unit:
        try:
            info = duty_service.unit_in_scope(session, user.scope, unit)
        except LanyanError as exc:
            context["refused"] = _problems(ui, exc)
            context["unit"] = ""
            return render(request, "monitoring/duty.html", user, status_code=404, **context)
        context["unit_name"] = info.name
        lists: dict[str, Any] = {}
        for name, fn in (
            ("roster", duty_service.roster),
            ("shifts", duty_service.shifts),
            ("log", duty_service.log_entries),
            ("handovers", duty_service.handovers),
        ):
            page = pages.get(name, 1)
            items, total = fn(session, user.scope, unit, page, PAGE_SIZE)
            lists[name] = {"items": items, "pager": Pager(f"{name}_page", page, total)}
        context["lists"] = lists
        context["pending"] = [
            p
            for p in duty_check_service.pending(session, user.scope, utcnow())
            if p["unit_code"] == unit
        ]
        for key in ("starts_at", "ends_at", "at"):
            context["values"].setdefault(key, context["now_local"])
    return render(request, "monitoring/duty.html", user, status_code=status_code, **context)


def _pages(request: Request) -> dict[str, int]:
    out = {}
    for name in ("roster", "shifts", "log", "handovers"):
        raw = request.query_params.get(f"{name}_page", "1")
        out[name] = int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE else 1
    return out


@router.get("/monitoring/duty", response_class=HTMLResponse)
def duty_page(
    request: Request, session: SessionDep, user: DutyReader, unit: str = ""
) -> HTMLResponse:
    return _duty_page(request, session, user, unit.strip(), _pages(request))


def _write(
    request: Request,
    session: Any,
    user: CurrentUser,
    unit: str,
    form: FormData,
    action: Any,
) -> Response:
    """Run ``action(session)`` in its own unit of work; back to the page, or the page again
    with the refusal (a refused handover with the open alarms by name)."""
    ui = ui_for(request, user)
    values = {k: str(v) for k, v in form.items()}
    try:
        with unit_of_work(request.app.state.sessions) as s:
            action(s)
    except Conflict as exc:
        blocking = []
        if any(p.field == "alarms" for p in exc.problems):
            with request.app.state.sessions() as s:
                info = duty_service.unit_in_scope(s, user.scope, unit)
                blocking = [
                    {
                        "id": str(a.id),
                        "kind": ui.choice(a.kind),
                        "status": ui.choice(a.status),
                        "point": a.point,
                        "raised": ui.time(a.raised_at),
                    }
                    for a in duty_service.blocking_alarms(s, info.id)
                ]
        refused = [] if blocking else _problems(ui, exc)
        return _duty_page(
            request, session, user, unit, _pages(request), refused, blocking, values, 409
        )
    except LanyanError as exc:
        return _duty_page(
            request,
            session,
            user,
            unit,
            _pages(request),
            _problems(ui, exc),
            None,
            values,
            exc.status if exc.status in (404, 409, 422) else 422,
        )
    return _back(unit)


@router.post("/monitoring/duty/handover", response_class=HTMLResponse)
def handover_submit(
    request: Request,
    session: SessionDep,
    user: DutyWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    unit = str(form.get("unit", ""))
    return _write(
        request,
        session,
        user,
        unit,
        form,
        lambda s: duty_service.hand_over(
            s,
            user.actor,
            user.scope,
            unit,
            str(form.get("accepted_by", "")).strip(),
            str(form.get("note", "")),
            utcnow(),
        ),
    )


@router.post("/monitoring/duty/log", response_class=HTMLResponse)
def log_submit(
    request: Request,
    session: SessionDep,
    user: DutyWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    unit = str(form.get("unit", ""))

    def act(s: Any) -> None:
        at = _local_input(str(form.get("at", "")))
        if at is None:
            raise ValidationFailed("the time is missing", [FieldProblem("at", "required")])
        duty_service.add_log_entry(
            s,
            user.actor,
            user.scope,
            unit,
            at,
            str(form.get("panel_state", "")),
            str(form.get("note", "")),
            utcnow(),
        )

    return _write(request, session, user, unit, form, act)


@router.post("/monitoring/duty/shift", response_class=HTMLResponse)
def shift_submit(
    request: Request,
    session: SessionDep,
    user: DutyWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    unit = str(form.get("unit", ""))

    def act(s: Any) -> None:
        starts, ends = (_local_input(str(form.get(k, ""))) for k in ("starts_at", "ends_at"))
        if starts is None or ends is None:
            field = "starts_at" if starts is None else "ends_at"
            raise ValidationFailed("the time is missing", [FieldProblem(field, "required")])
        names = [str(form.get("operator_1", "")), str(form.get("operator_2", ""))]
        duty_service.add_shift(s, user.actor, user.scope, unit, starts, ends, names)

    return _write(request, session, user, unit, form, act)


@router.post("/monitoring/duty/roster", response_class=HTMLResponse)
def roster_submit(
    request: Request,
    session: SessionDep,
    user: DutyWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    unit = str(form.get("unit", ""))

    def act(s: Any) -> None:
        expires = _date_input(str(form.get("certificate_expires", "")))
        if expires is None:
            raise ValidationFailed(
                "the expiry is missing", [FieldProblem("certificate_expires", "required")]
            )
        duty_service.save_operator(
            s,
            user.actor,
            user.scope,
            unit,
            str(form.get("username", "")).strip(),
            str(form.get("certificate_no", "")),
            expires,
        )

    return _write(request, session, user, unit, form, act)


@router.post("/monitoring/duty/checks/{check_id}/answer", response_class=HTMLResponse)
def answer_submit(
    request: Request,
    check_id: int,
    session: SessionDep,
    user: DutyWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    unit = str(form.get("unit", ""))
    return _write(
        request,
        session,
        user,
        unit,
        form,
        lambda s: duty_check_service.answer(s, user.actor, user.scope, check_id, utcnow()),
    )


# --- the centre's 查岗 page ----------------------------------------------------------------


def _checks_page(
    request: Request,
    session: Any,
    user: CurrentUser,
    refused: list[tuple[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ui = ui_for(request, user)
    q = request.query_params

    def number(name: str) -> int:
        raw = q.get(name, "")
        return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE else 1

    round_raw = q.get("round", "")
    round_id = int(round_raw) if round_raw.isdigit() and int(round_raw) < 2**31 else None
    state_raw = q.get("state", "")
    state = CheckState(state_raw) if state_raw in {s.value for s in CheckState} else None
    rounds, rounds_total = duty_check_service.rounds(
        session, user.scope, number("rounds_page"), PAGE_SIZE
    )
    results, results_total = duty_check_service.checks(
        session, user.scope, number("page"), PAGE_SIZE * 2, round_id, state
    )
    month_raw = q.get("month", "")
    month = local_today().replace(day=1)
    if len(month_raw) == 7 and month_raw[:4].isdigit() and month_raw[5:].isdigit():
        year, mon = int(month_raw[:4]), int(month_raw[5:])
        if 1900 <= year <= 2099 and 1 <= mon <= 12:
            month = date(year, mon, 1)
    compliance, compliance_total = duty_service.compliance(
        session, user.scope, month, number("compliance_page"), PAGE_SIZE
    )
    return render(
        request,
        "monitoring/duty_checks.html",
        user,
        status_code=status_code,
        rounds=rounds,
        rounds_pager=Pager("rounds_page", number("rounds_page"), rounds_total),
        results=results,
        results_pager=Pager("page", number("page"), results_total, PAGE_SIZE * 2),
        round_id=round_id,
        state=state.value if state else "",
        states=[(s.value, ui.choice(s), s.color) for s in CheckState],
        labels={s.value: ui.choice(s) for s in CheckState},
        colors={s.value: s.color for s in CheckState},
        month=month.strftime("%Y-%m"),
        compliance=compliance,
        compliance_pager=Pager("compliance_page", number("compliance_page"), compliance_total),
        refused=refused or [],
        values=values or {"answer_within_minutes": str(duty_checks.DEFAULT_ANSWER_MINUTES)},
        can_write=roles.can_write(user.role, duty_check_service.SLUG),
        flash=q.get("flash"),
    )


@router.get("/monitoring/duty-checks", response_class=HTMLResponse)
def checks_page(request: Request, session: SessionDep, user: CheckReader) -> HTMLResponse:
    return _checks_page(request, session, user)


@router.post("/monitoring/duty-checks", response_class=HTMLResponse)
def checks_submit(
    request: Request,
    session: SessionDep,
    user: CheckWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    ui = ui_for(request, user)
    values = {k: str(v).strip() for k, v in form.items()}
    unit = values.get("unit_code") or None
    sample = values.get("sample_size", "")
    minutes = values.get("answer_within_minutes", "")
    try:
        if sample and not sample.isdigit():
            raise ValidationFailed("bad size", [FieldProblem("sample_size", "integer")])
        if not minutes.isdigit():
            raise ValidationFailed("bad minutes", [FieldProblem("answer_within_minutes", "int")])
        with unit_of_work(request.app.state.sessions) as s:
            row = duty_check_service.start_round(
                s,
                user.actor,
                user.scope,
                utcnow(),
                int(minutes),
                unit,
                int(sample) if sample else None,
            )
            round_id = row.id
    except LanyanError as exc:
        return _checks_page(request, session, user, _problems(ui, exc), values, 422)
    return RedirectResponse(
        f"/monitoring/duty-checks?round={round_id}&flash={round_id}", status_code=303
    )
