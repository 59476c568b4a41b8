"""The repair work orders page (维修工单): the unit's open faults without an order (报修), the
orders with their repair steps (开始维修, 维修完成). Every write goes through
``monitoring.work_order_service`` in one unit of work; a refusal is shown field by field in the
catalogue's words."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import MAX_PAGE
from lanyan.core.errors import FieldProblem, LanyanError
from lanyan.core.timeutil import utcnow
from lanyan.monitoring import work_order_service
from lanyan.monitoring.choices import AlarmStatus, WorkOrderStatus
from lanyan.store.db import unit_of_work
from lanyan.web.forms import form_data
from lanyan.web.monitoring.duty import Pager
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 10
OrderReader = Annotated[CurrentUser, require(work_order_service.SLUG, "read")]
OrderWriter = Annotated[CurrentUser, require(work_order_service.SLUG, "write")]
PageArg = Annotated[int, Query(ge=1, le=MAX_PAGE)]

WORDS: dict[str, tuple[str, str]] = {
    "wo_nav": ("维修工单", "Work orders"),
    "wo_title": ("维修工单", "Repair work orders"),
    "wo_faults": ("待报修的故障", "Faults without a work order"),
    "wo_orders": ("工单", "Orders"),
    "wo_no": ("工单号", "Order"),
    "wo_alarm": ("报警", "Alarm"),
    "wo_unit": ("单位", "Unit"),
    "wo_point": ("部位", "Point"),
    "wo_raised": ("报警时间", "Raised"),
    "wo_open": ("报修", "Open a work order"),
    "wo_status": ("工单状态", "Order status"),
    "wo_alarm_status": ("报警状态", "Alarm status"),
    "wo_opened": ("报修人 / 时间", "Opened by / at"),
    "wo_repairer": ("维修人", "Repairer"),
    "wo_work_done": ("维修内容", "What was done"),
    "wo_done_by": ("完成人", "Done by"),
    "wo_closed_by": ("关闭人", "Closed by"),
    "wo_start": ("开始维修", "Start the repair"),
    "wo_done": ("维修完成", "Repair done"),
    "wo_all": ("全部", "All"),
    "wo_from_maintenance": ("月度维保异常项", "From a maintenance record"),
    "wo_filter": ("筛选", "Filter"),
    "wo_saved": ("已保存", "Saved"),
    "wo_refused": ("未保存：", "Not saved:"),
    "wo_err_work_done": (
        "请填写维修内容（最多500字）",
        "say what was done (at most 500 characters)",
    ),
    "wo_err_repairer": ("请填写维修人（最多64字）", "give the repairer (at most 64 characters)"),
    "wo_err_status": ("工单或报警已结束，不能再操作", "the order or the alarm is already over"),
    "wo_err_kind": ("只有故障报警才能报修", "only a fault opens a work order"),
    "wo_err_alarm_id": ("该报警已有工单", "this alarm already has a work order"),
    "wo_err_not_found": ("工单或报警不存在或不在您的范围内", "not found in your units"),
    "wo_err_other": ("不符合规则", "does not match the rules"),
}
_LABELS = {"work_done": "wo_work_done", "repairer": "wo_repairer", "alarm_id": "wo_alarm"}


def _problems(ui: Ui, exc: LanyanError) -> list[tuple[str, str]]:
    if exc.status == 404:
        return [(ui.t("wo_no"), ui.t("wo_err_not_found"))]
    out = []
    for p in exc.problems or [FieldProblem("other", "")]:
        key = f"wo_err_{p.field}"
        label = ui.t(_LABELS.get(p.field, "wo_status"))
        out.append((label, ui.t(key) if key in WORDS else ui.t("wo_err_other")))
    return out


def _page(
    request: Request,
    session: Any,
    user: CurrentUser,
    status: str,
    faults_page: int,
    orders_page: int,
    refused: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ui = ui_for(request, user)
    chosen = WorkOrderStatus(status) if status in {s.value for s in WorkOrderStatus} else None
    faults, faults_total = work_order_service.faults_without_order(
        session, user.scope, faults_page, PAGE_SIZE
    )
    orders, orders_total = work_order_service.list_orders(
        session, user.scope, chosen, orders_page, PAGE_SIZE
    )
    return render(
        request,
        "monitoring/work_orders.html",
        user,
        status_code=status_code,
        faults=faults,
        faults_pager=Pager("faults_page", faults_page, faults_total, PAGE_SIZE),
        orders=orders,
        orders_pager=Pager("orders_page", orders_page, orders_total, PAGE_SIZE),
        status=chosen.value if chosen else "",
        statuses=[(s.value, ui.choice(s)) for s in WorkOrderStatus],
        order_labels={s.value: ui.choice(s) for s in WorkOrderStatus},
        alarm_labels={s.value: ui.choice(s) for s in AlarmStatus},
        colors={s.value: s.color for s in WorkOrderStatus},
        can_write=roles.can_write(user.role, work_order_service.SLUG),
        refused=refused or [],
        flash=request.query_params.get("flash"),
    )


@router.get("/monitoring/work-orders", response_class=HTMLResponse)
def work_orders_page(
    request: Request,
    session: SessionDep,
    user: OrderReader,
    status: str = "",
    faults_page: PageArg = 1,
    orders_page: PageArg = 1,
) -> HTMLResponse:
    return _page(request, session, user, status, faults_page, orders_page)


def _write(request: Request, session: Any, user: CurrentUser, action: Any) -> Response:
    try:
        with unit_of_work(request.app.state.sessions) as s:
            action(s)
    except LanyanError as exc:
        ui = ui_for(request, user)
        code = exc.status if exc.status in (404, 409, 422) else 422
        return _page(request, session, user, "", 1, 1, _problems(ui, exc), code)
    return RedirectResponse("/monitoring/work-orders?flash=saved", status_code=303)


@router.post("/monitoring/work-orders/open/{alarm_id}", response_class=HTMLResponse)
def open_submit(
    alarm_id: int, request: Request, session: SessionDep, user: OrderWriter
) -> Response:
    return _write(
        request,
        session,
        user,
        lambda s: work_order_service.open_order(s, user.actor, user.scope, alarm_id, utcnow()),
    )


@router.post("/monitoring/work-orders/{order_id}/start", response_class=HTMLResponse)
def start_submit(
    order_id: int,
    request: Request,
    session: SessionDep,
    user: OrderWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    repairer = str(form.get("repairer", ""))
    return _write(
        request,
        session,
        user,
        lambda s: work_order_service.start_repair(
            s, user.actor, user.scope, order_id, utcnow(), repairer
        ),
    )


@router.post("/monitoring/work-orders/{order_id}/done", response_class=HTMLResponse)
def done_submit(
    order_id: int,
    request: Request,
    session: SessionDep,
    user: OrderWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    work_done = str(form.get("work_done", ""))
    return _write(
        request,
        session,
        user,
        lambda s: work_order_service.complete_repair(
            s, user.actor, user.scope, order_id, utcnow(), work_done
        ),
    )
