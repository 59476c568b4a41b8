"""Pages of the outreach domain: the roster with certificates, trainings and health checks;
education events and volunteers; the station open-day calendar with the 30-a-year / 2-a-month
check (Dafeng plan L327); awareness-survey import showing every bad row.

Writes go through ``outreach.service`` in one unit of work with the user's actor and scope, so the
pages obey the same rules, scoping and audit as the API. Bad input re-renders the page with each
problem (row, field, rule) and nothing stored.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.core.errors import FieldProblem, LanyanError, ValidationFailed
from lanyan.outreach import service, survey
from lanyan.outreach.choices import (
    Channel,
    EventKind,
    HealthResult,
    ParticipantGroup,
    PersonKind,
    Speciality,
    TrainingKind,
)
from lanyan.outreach.schemas import (
    CertificationCreate,
    EventCreate,
    HealthCheckCreate,
    OpenDayCreate,
    ParticipationCreate,
    PersonCreate,
    TrainingCreate,
)
from lanyan.registry import service as registry_service
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
M = TypeVar("M", bound=BaseModel)

# The page words, registered in the catalogue by lanyan.web.routes.install.
WORDS: dict[str, tuple[str, str]] = {
    "or_nav": ("人员与宣教", "People & outreach"),
    "or_people": ("人员名册", "Roster"),
    "or_trainings": ("培训记录", "Trainings"),
    "or_health": ("职业健康检查", "Health checks"),
    "or_events": ("宣传教育活动", "Education events"),
    "or_open_days": ("消防站开放日", "Station open days"),
    "or_volunteers": ("消防志愿者", "Volunteers"),
    "or_surveys": ("知晓率调查", "Awareness surveys"),
    "or_saved": ("已保存", "Saved"),
    "or_imported": ("已导入", "Imported"),
    "or_refused": (
        "未保存任何记录，请按下列问题修改后重试",
        "Nothing was saved: fix the problems below and try again",
    ),
    "or_row": ("行", "Row"),
    "or_field": ("字段", "Field"),
    "or_rule": ("问题", "Rule"),
    "or_add": ("新增", "Add"),
    "or_import": ("导入", "Import"),
    "or_file": ("文件 (CSV/XLSX)", "File (CSV/XLSX)"),
    "or_code": ("编号", "Code"),
    "or_name": ("姓名", "Name"),
    "or_kind": ("类别", "Category"),
    "or_jurisdiction": ("行政区划代码", "Jurisdiction code"),
    "or_unit": ("单位代码", "Unit code"),
    "or_station": ("消防站", "Station"),
    "or_position": ("岗位", "Position"),
    "or_joined": ("入职/注册日期", "Joined on"),
    "or_left": ("离职日期", "Left on"),
    "or_in_post": ("在岗人数", "In post"),
    "or_cert_rate": ("持证率", "Certified"),
    "or_training_rate": ("专项培训率", "Specialised training"),
    "or_certs": ("证书", "Certificates"),
    "or_cert_name": ("证书名称", "Certificate"),
    "or_number": ("证书编号", "Number"),
    "or_issued": ("发证日期", "Issued on"),
    "or_valid_until": ("有效期至", "Valid until"),
    "or_expired": ("已过期", "Expired"),
    "or_speciality": ("专项科目", "Speciality"),
    "or_title": ("名称", "Title"),
    "or_held_on": ("日期", "Date"),
    "or_hours": ("学时 (小时)", "Hours"),
    "or_attendees": ("参训人数 (人)", "Attendees (people)"),
    "or_result": ("结论", "Result"),
    "or_institution": ("体检机构", "Institution"),
    "or_checked_on": ("检查日期", "Checked on"),
    "or_channel": ("五进", "Channel (五进)"),
    "or_event_kind": ("活动形式", "Kind"),
    "or_participants": ("参与人数 (人)", "Participants (people)"),
    "or_volunteer_times": ("志愿者参与 (人次)", "Volunteers (person-times)"),
    "or_participations": ("参与次数", "Participations"),
    "or_person_code": ("人员编号", "Person code"),
    "or_year": ("年度", "Year"),
    "or_as_of": ("统计时点", "As of"),
    "or_total_days": ("全年开放 (天)", "Days open in the year"),
    "or_check": ("达标 (≥30天/年, ≥2天/月)", "Met (≥30 days/yr, ≥2 days/month)"),
    "or_met": ("达标", "Met"),
    "or_not_met": ("未达标", "Not met"),
    "or_short_months": ("不足2天的月份", "Months under 2 days"),
    "or_rule_source": (
        "依据：大丰区“十四五”消防规划 L327 — 每年开放不少于30天，每月开放不少于2天",
        "Rule: Dafeng 14th Five-Year fire plan L327 — open at least 30 days a year and 2 a month",
    ),
    "or_day": ("开放日期", "Day"),
    "or_visitors": ("接待人数 (人)", "Visitors (people)"),
    "or_remove": ("删除", "Remove"),
    "or_calendar": ("开放日历", "Calendar"),
    "or_key": ("评分标准", "Answer key"),
    "or_surveyed_on": (
        "调查日期 (空: 取最后提交日期)",
        "Survey date (empty: latest submission)",
    ),
    "or_respondents": ("有效答卷 (份)", "Respondents"),
    "or_passed": ("知晓 (人)", "Passed (people)"),
    "or_educated": ("受过宣传教育 (人)", "Educated (people)"),
    "or_awareness": ("知晓率", "Awareness rate"),
    "or_survey_help": (
        "上传问卷星等平台导出的答卷（每行一名受访者；列：序号、提交答卷时间、各题“1、…”）。"
        "按评分标准计分，达到及格分视为知晓；任何一行有误则整份不导入。",
        "Upload a questionnaire export (one row per respondent; columns 序号, 提交答卷时间 and "
        "one per question '1、…'). Answers are scored against the key; a score at or above the "
        "pass mark counts as aware. Any bad row and nothing is imported.",
    ),
    "or_what": ("导入内容", "Import as"),
    "or_none": ("暂无记录", "No records yet"),
    "or_volunteer_add": ("登记志愿者参与", "Record a volunteer"),
    "or_employee_training": ("社会单位员工培训", "Social units' employee training"),
}


# The outreach rules in Chinese (the central catalogue translates the common ones).
RULES_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), zh)
    for p, zh in (
        (r"^'(.*)' is not an option \((.+)\)$", r"“\1”不是选项（\2）"),
        (r"^required: the question was not answered$", "必填：该题未作答"),
        (r"^duplicate of row (\d+)$", r"与第 \1 行重复"),
        (r"^must be a time YYYY/MM/DD HH:MM:SS$", "应为时间 YYYY/MM/DD HH:MM:SS"),
        (r"^must fall in the survey year (\d+)$", r"应在调查年度 \1 年内"),
        (r"^column missing from the header$", "表头缺少该列"),
        (r"^no column for question (\d+) \((.+)\)$", r"缺少第 \1 题（\2）的列"),
        (r"^has no respondent rows$", "没有答卷"),
        (r"^has no data rows$", "没有数据行"),
        (r"^no (jurisdiction|station|unit|person) (.+) in your jurisdiction$", r"本辖区内没有 \2"),
        (r"^jurisdiction (.+) is outside your jurisdiction$", r"行政区划 \1 不在本辖区内"),
        (r"^no jurisdiction (.+)$", r"没有行政区划 \1"),
        (r"^already recorded for this station$", "该站当天已登记为开放日"),
        (r"^already recorded at this event$", "已登记参加本次活动"),
        (r"^(.+) is not rescue personnel$", r"\1 不是消防救援人员"),
        (r"^(.+) was not in post on (.+)$", r"\1 在 \2 不在岗"),
        (r"^(.+) was not registered on (.+)$", r"\1 在 \2 尚未注册或已注销"),
        (r"^(.+) is not a registered volunteer$", r"\1 不是注册消防志愿者"),
        (r"^required: choose a file$", "必填：请选择文件"),
        (r"^required: choose an event$", "必填：请选择活动"),
        (r"^must be a \.csv or \.xlsx file$", "应为 .csv 或 .xlsx 文件"),
        (r"^must be UTF-8 or GB18030 \(GBK\) text$", "应为 UTF-8 或 GB18030（GBK）编码的文本"),
        (r"^not a column of (\S+): use (.+)$", r"不是可导入的列，可用：\2"),
        (r"^left_on must not be before joined_on$", "离职日期不能早于入职日期"),
        (r"^valid_until must not be before issued_on$", "有效期不能早于发证日期"),
        (r"^an employee training needs unit_code$", "员工培训须填写单位"),
        (r"^an employee training needs attendees ≥ 1$", "员工培训参训人数至少 1 人"),
        (r"^a specialised training needs person_code$", "专项训练须填写人员编号"),
        (r"^a specialised training needs speciality$", "专项训练须选择科目"),
    )
)


def outreach_rule(ui: Any, rule: str) -> str:
    """A problem's rule in the page's language."""
    if ui.lang == "zh":
        for pattern, zh in RULES_ZH:
            if pattern.match(rule):
                return pattern.sub(zh, rule)
    return ui.rule(rule)


PeopleReader = Annotated[CurrentUser, require(service.PEOPLE, "read")]
PeopleWriter = Annotated[CurrentUser, require(service.PEOPLE, "write")]
OutreachReader = Annotated[CurrentUser, require(service.OUTREACH, "read")]
OutreachWriter = Annotated[CurrentUser, require(service.OUTREACH, "write")]


def _payload(schema: type[M], form: FormData, **extra: Any) -> M:
    """A schema from form fields: empty fields left out, pydantic errors as FieldProblems."""
    values: dict[str, Any] = {
        k: v for k, v in form.items() if isinstance(v, str) and v.strip() != ""
    }
    values.update(extra)
    values = {k: v for k, v in values.items() if k in schema.model_fields}
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        problems = [
            FieldProblem(
                ".".join(str(p) for p in e["loc"]) or "form",
                str(e["msg"]).removeprefix("Value error, "),
            )
            for e in exc.errors()
        ]
        raise ValidationFailed("form refused", problems) from None


def _file(form: FormData) -> tuple[bytes, str]:
    f = form.get("file")
    if not isinstance(f, UploadFile) or not f.filename:
        raise ValidationFailed("no file", [FieldProblem("file", "required: choose a file")])
    return f.file.read(), f.filename


def _attempt(
    request: Request, user: CurrentUser, work: Callable[[Session], Any]
) -> list[FieldProblem]:
    """Run ``work`` in its own unit of work; the problems if it was refused (nothing kept)."""
    try:
        with unit_of_work(request.app.state.sessions) as s:
            work(s)
    except LanyanError as exc:
        return exc.problems or [FieldProblem("form", exc.message)]
    return []


def _home(session: Session, user: CurrentUser) -> str:
    """The user's own jurisdiction code: the jurisdiction pickers start there."""
    home = registry_service.jurisdiction(session, user.jurisdiction_id)
    return home.code if home is not None else ""


def _flash(request: Request) -> str | None:
    return request.query_params.get("flash")


# --- people ------------------------------------------------------------------------------------


def _people_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    problems: list[FieldProblem] | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    q = request.query_params
    kind = q.get("kind", "")
    chosen = PersonKind(kind) if kind in {k.value for k in PersonKind} else None
    page = max(1, int(q.get("page", "1") or 1))
    rows, total = service.list_people(session, user.scope, chosen, q.get("q", ""), page, PAGE_SIZE)
    today = service.today()
    try:
        year = int(q.get("year") or service.latest_training_year(session, user.scope) or today.year)
    except ValueError:
        year = today.year
    on = min(today, date(year, 12, 31))
    return render(
        request,
        "outreach/people.html",
        user,
        status_code=422 if problems else 200,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        kind=kind,
        text=q.get("q", ""),
        rates=service.roster_rates(session, user.scope, on),
        year=year,
        on=on,
        PersonKind=PersonKind,
        can_write=roles.can_write(user.role, service.PEOPLE),
        home=_home(session, user),
        problems=problems or [],
        values=values or {},
        flash=_flash(request),
        today=service.today(),
    )


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request, session: SessionDep, user: PeopleReader) -> HTMLResponse:
    return _people_page(request, session, user)


@router.post("/people/new", response_class=HTMLResponse)
def people_new(
    request: Request, session: SessionDep, user: PeopleWriter, form: FormDep
) -> Response:
    def work(s: Session) -> None:
        service.create_person(s, user.actor, user.scope, _payload(PersonCreate, form))

    problems = _attempt(request, user, work)
    if problems:
        return _people_page(request, session, user, problems, dict(form))
    return RedirectResponse(f"/people/{form.get('code')}?flash=saved", status_code=303)


@router.post("/people/import", response_class=HTMLResponse, **upload(UploadKind.IMPORT))
def people_import(
    request: Request, session: SessionDep, user: PeopleWriter, form: FormDep
) -> Response:
    what = str(form.get("what") or "people")
    done: list[int] = []

    def work(s: Session) -> None:
        data, name = _file(form)
        done.append(service.import_rows(s, user.actor, user.scope, what, data, name))

    problems = _attempt(request, user, work)
    if problems:
        return _people_page(request, session, user, problems)
    return RedirectResponse(f"/people?flash=imported&n={done[0]}", status_code=303)


def _trainings_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    problems: list[FieldProblem] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "outreach/trainings.html",
        user,
        status_code=422 if problems else 200,
        rows=service.list_trainings(session, user.scope),
        checks=service.list_health_checks(session, user.scope),
        TrainingKind=TrainingKind,
        Speciality=Speciality,
        HealthResult=HealthResult,
        can_write=roles.can_write(user.role, service.PEOPLE),
        problems=problems or [],
        flash=_flash(request),
    )


@router.get("/trainings", response_class=HTMLResponse)
def trainings_page(request: Request, session: SessionDep, user: PeopleReader) -> HTMLResponse:
    return _trainings_page(request, session, user)


@router.post("/trainings/new", response_class=HTMLResponse)
def trainings_new(
    request: Request, session: SessionDep, user: PeopleWriter, form: FormDep
) -> Response:
    def work(s: Session) -> None:
        payload = _payload(TrainingCreate, form, kind=TrainingKind.EMPLOYEE.value)
        service.add_training(s, user.actor, user.scope, payload)

    problems = _attempt(request, user, work)
    if problems:
        return _trainings_page(request, session, user, problems)
    return RedirectResponse("/trainings?flash=saved", status_code=303)


def _person_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    code: str,
    problems: list[FieldProblem] | None = None,
) -> HTMLResponse:
    f = service.person_file(session, user.scope, code)
    return render(
        request,
        "outreach/person.html",
        user,
        status_code=422 if problems else 200,
        f=f,
        PersonKind=PersonKind,
        Speciality=Speciality,
        HealthResult=HealthResult,
        TrainingKind=TrainingKind,
        can_write=roles.can_write(user.role, service.PEOPLE),
        problems=problems or [],
        flash=_flash(request),
        today=service.today(),
    )


@router.get("/people/{code}", response_class=HTMLResponse)
def person_page(
    request: Request, code: str, session: SessionDep, user: PeopleReader
) -> HTMLResponse:
    return _person_page(request, session, user, code)


PERSON_FORMS: dict[str, tuple[type[BaseModel], Callable[..., Any], dict[str, Any]]] = {
    "certifications": (CertificationCreate, service.add_certification, {}),
    "health-checks": (HealthCheckCreate, service.add_health_check, {}),
    "trainings": (TrainingCreate, service.add_training, {"kind": TrainingKind.SPECIALISED.value}),
}


@router.post("/people/{code}/{what}", response_class=HTMLResponse)
def person_add(
    request: Request, code: str, what: str, session: SessionDep, user: PeopleWriter, form: FormDep
) -> Response:
    if what not in PERSON_FORMS:
        return RedirectResponse(f"/people/{code}", status_code=303)
    schema, create, extra = PERSON_FORMS[what]

    def work(s: Session) -> None:
        create(s, user.actor, user.scope, _payload(schema, form, person_code=code, **extra))

    problems = _attempt(request, user, work)
    if problems:
        return _person_page(request, session, user, code, problems)
    return RedirectResponse(f"/people/{code}?flash=saved", status_code=303)


# --- events and volunteers ---------------------------------------------------------------------


def _events_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    problems: list[FieldProblem] | None = None,
) -> HTMLResponse:
    rows = service.list_events(session, user.scope)
    return render(
        request,
        "outreach/events.html",
        user,
        status_code=422 if problems else 200,
        rows=rows,
        groups=service.participants(session, [e.id for e in rows]),
        Channel=Channel,
        EventKind=EventKind,
        ParticipantGroup=ParticipantGroup,
        home=_home(session, user),
        can_write=roles.can_write(user.role, service.OUTREACH),
        problems=problems or [],
        flash=_flash(request),
    )


@router.get("/outreach/events", response_class=HTMLResponse)
def events_page(request: Request, session: SessionDep, user: OutreachReader) -> HTMLResponse:
    return _events_page(request, session, user)


@router.post("/outreach/events/new", response_class=HTMLResponse)
def events_new(
    request: Request, session: SessionDep, user: OutreachWriter, form: FormDep
) -> Response:
    groups = {
        g.value: str(form.get(f"group_{g.value}"))
        for g in ParticipantGroup
        if str(form.get(f"group_{g.value}") or "").strip()
    }

    def work(s: Session) -> None:
        service.create_event(
            s, user.actor, user.scope, _payload(EventCreate, form, participants=groups)
        )

    problems = _attempt(request, user, work)
    if problems:
        return _events_page(request, session, user, problems)
    return RedirectResponse("/outreach/events?flash=saved", status_code=303)


def _volunteers_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    problems: list[FieldProblem] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "outreach/volunteers.html",
        user,
        status_code=422 if problems else 200,
        rows=service.volunteers(session, user.scope),
        events=service.list_events(session, user.scope, limit=100),
        can_write=roles.can_write(user.role, service.OUTREACH),
        problems=problems or [],
        flash=_flash(request),
    )


@router.get("/outreach/volunteers", response_class=HTMLResponse)
def volunteers_page(request: Request, session: SessionDep, user: OutreachReader) -> HTMLResponse:
    return _volunteers_page(request, session, user)


@router.post("/outreach/volunteers/new", response_class=HTMLResponse)
def volunteers_new(
    request: Request, session: SessionDep, user: OutreachWriter, form: FormDep
) -> Response:
    def work(s: Session) -> None:
        try:
            event_id = int(str(form.get("event_id") or ""))
        except ValueError:
            raise ValidationFailed(
                "no event", [FieldProblem("event_id", "required: choose an event")]
            ) from None
        payload = _payload(ParticipationCreate, form)
        service.add_participation(s, user.actor, user.scope, event_id, payload)

    problems = _attempt(request, user, work)
    if problems:
        return _volunteers_page(request, session, user, problems)
    return RedirectResponse("/outreach/volunteers?flash=saved", status_code=303)


# --- open days ---------------------------------------------------------------------------------


def _month_grid(year: int, month: int, open_days: set[date]) -> list[list[tuple[int, bool] | None]]:
    """Weeks (Monday first) of ``month``: (day, open) or None outside the month."""
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        weeks.append([(d, date(year, month, d) in open_days) if d else None for d in week])
    return weeks


def _open_days_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    problems: list[FieldProblem] | None = None,
) -> HTMLResponse:
    q = request.query_params
    try:
        year = int(q.get("year") or service.today().year)
    except ValueError:
        year = service.today().year
    checks = service.open_day_checks(session, user.scope, year)
    station = q.get("station") or (checks[0].station_code if checks else "")
    chosen = next((c for c in checks if c.station_code == station), None)
    months = []
    if chosen is not None:
        days = set(chosen.days)
        months = [(m, chosen.months[m - 1], _month_grid(year, m, days)) for m in range(1, 13)]
    return render(
        request,
        "outreach/open_days.html",
        user,
        status_code=422 if problems else 200,
        year=year,
        checks=checks,
        chosen=chosen,
        months=months,
        can_write=roles.can_write(user.role, service.OUTREACH),
        problems=problems or [],
        flash=_flash(request),
        per_year=service.OPEN_DAYS_PER_YEAR,
        per_month=service.OPEN_DAYS_PER_MONTH,
    )


@router.get("/outreach/open-days", response_class=HTMLResponse)
def open_days_page(request: Request, session: SessionDep, user: OutreachReader) -> HTMLResponse:
    return _open_days_page(request, session, user)


def _back(form: FormData) -> str:
    day = str(form.get("day") or "")
    year = day[:4] if day[:4].isdigit() else ""
    return f"/outreach/open-days?year={year}&station={form.get('station_code') or ''}"


@router.post("/outreach/open-days/new", response_class=HTMLResponse)
def open_days_new(
    request: Request, session: SessionDep, user: OutreachWriter, form: FormDep
) -> Response:
    def work(s: Session) -> None:
        service.record_open_day(s, user.actor, user.scope, _payload(OpenDayCreate, form))

    problems = _attempt(request, user, work)
    if problems:
        return _open_days_page(request, session, user, problems)
    return RedirectResponse(_back(form) + "&flash=saved", status_code=303)


@router.post("/outreach/open-days/remove", response_class=HTMLResponse)
def open_days_remove(
    request: Request, session: SessionDep, user: OutreachWriter, form: FormDep
) -> Response:
    def work(s: Session) -> None:
        payload = _payload(OpenDayCreate, form)
        service.remove_open_day(s, user.actor, user.scope, payload.station_code, payload.day)

    problems = _attempt(request, user, work)
    if problems:
        return _open_days_page(request, session, user, problems)
    return RedirectResponse(_back(form) + "&flash=saved", status_code=303)


# --- surveys -----------------------------------------------------------------------------------


def _surveys_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    problems: list[FieldProblem] | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "outreach/surveys.html",
        user,
        status_code=422 if problems else 200,
        rows=service.list_surveys(session, user.scope),
        keys=list(survey.builtin_keys().values()),
        home=_home(session, user),
        can_write=roles.can_write(user.role, service.OUTREACH),
        problems=problems or [],
        values=values or {},
        flash=_flash(request),
    )


@router.get("/outreach/surveys", response_class=HTMLResponse)
def surveys_page(request: Request, session: SessionDep, user: OutreachReader) -> HTMLResponse:
    return _surveys_page(request, session, user)


@router.post("/outreach/surveys/import", response_class=HTMLResponse, **upload(UploadKind.IMPORT))
def surveys_import(
    request: Request, session: SessionDep, user: OutreachWriter, form: FormDep
) -> Response:
    def work(s: Session) -> None:
        data, name = _file(form)
        when = str(form.get("surveyed_on") or "").strip()
        try:
            surveyed_on = date.fromisoformat(when) if when else None
        except ValueError:
            raise ValidationFailed(
                "bad date", [FieldProblem("surveyed_on", "must be a date YYYY-MM-DD")]
            ) from None
        service.import_survey(
            s,
            user.actor,
            user.scope,
            data,
            name,
            str(form.get("jurisdiction_code") or ""),
            str(form.get("key") or "public-awareness"),
            str(form.get("title") or ""),
            surveyed_on,
        )

    problems = _attempt(request, user, work)
    if problems:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return _surveys_page(request, session, user, problems, values)
    return RedirectResponse("/outreach/surveys?flash=imported", status_code=303)
