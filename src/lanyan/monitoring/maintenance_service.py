"""Maintenance (维保, GB 25201): a unit's contracts with maintenance companies (and the expiry
reminders), its monthly maintenance records by system and item (an 异常 item may open a repair
work order), and its annual test report (年度检测, a PDF checked by content). Reads the rules
from ``maintenance``; every write audited; every list one page in SQL.

A unit-bound user (unit manager) reaches their own units only; officers their jurisdiction's.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import filetype
from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import Session, aliased

from lanyan.core import files
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.monitoring import maintenance, work_order_service
from lanyan.monitoring.choices import ItemResult, ReportConclusion
from lanyan.monitoring.models import (
    AnnualTestReport,
    MaintenanceContract,
    MaintenanceRecord,
    MaintenanceRecordItem,
    RepairWorkOrder,
)
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Building, MaintenanceCompany, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

SLUG = "maintenance"
AUDIT_CONTRACT = "maintenance_contracts"
AUDIT_RECORD = "maintenance_records"
AUDIT_REPORT = "maintenance_reports"
PDF = "application/pdf"
# Units an annual test report is expected of, for the officers' list (the platform's choice:
# the 重点 categories; 消防法 §16 asks every unit to test its systems yearly, but the officers'
# follow-up is on these).
REPORT_EXPECTED = (UnitCategory.KEY.value, UnitCategory.HIGH_RISK.value)


# ---- the unit and what it has ---------------------------------------------------------------


def reachable_unit(session: Session, scope: Scope, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if (
        unit is None
        or not scope.units.contains(unit.id)
        or not scope.contains(session, unit.jurisdiction_id)
    ):
        raise NotFound(f"no unit {unit_id} in your reach")
    return unit


def units_in_reach(
    session: Session, scope: Scope, q: str, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """The units the user may keep maintenance for (a unit manager: their own), by name or
    code, one page in SQL."""
    stmt = select(Unit).where(scope.within(Unit.jurisdiction_id), scope.units.within(Unit.id))
    if q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(Unit.name.like(like) | Unit.code.like(like))
    rows, total = paginate(session, stmt.order_by(Unit.name, Unit.id), page, size)
    return [{"id": u.id, "code": u.code, "name": u.name} for u in rows], total


def fire_systems_of(session: Session, unit_id: int) -> set[str]:
    """The registry fire systems filed on the unit's buildings (``Building.fire_systems``)."""
    out: set[str] = set()
    for systems in session.scalars(
        select(Building.fire_systems).where(Building.unit_id == unit_id)
    ):
        out.update(systems or [])
    return out


def systems_of(session: Session, unit_id: int) -> list[maintenance.System]:
    """The checklist systems the unit has (``maintenance.unit_systems``)."""
    return maintenance.unit_systems(fire_systems_of(session, unit_id))


def company_by_code(session: Session, code: str, field: str = "company_code") -> Any:
    """A maintenance company by its code, or refused naming ``field`` (a company serves units
    anywhere, so the look-up is not limited to the user's jurisdiction)."""
    row = session.scalars(
        select(MaintenanceCompany).where(MaintenanceCompany.code == code.strip().upper())
    ).first()
    if row is None:
        raise ValidationFailed(
            f"no maintenance company {code!r}",
            [FieldProblem(field, "must be a registered maintenance company (维保单位)")],
        )
    return row


def _company(session: Session, company_id: int | None) -> dict[str, Any] | None:
    row = session.get(MaintenanceCompany, company_id) if company_id else None
    if row is None:
        return None
    return {
        "code": row.code,
        "name": row.name,
        "cert_number": row.cert_number,
        "cert_level": row.cert_level,
        "cert_valid_until": row.cert_valid_until,
    }


# ---- contracts ------------------------------------------------------------------------------


def create_contract(
    session: Session,
    actor: Actor,
    scope: Scope,
    unit_id: int,
    company_code: str,
    number: str,
    start_on: date,
    end_on: date,
    systems: list[str],
) -> MaintenanceContract:
    """维保合同: refused naming the field for an unknown company, an end before the start, or a
    system another contract of the unit covers on overlapping days."""
    audit.begin_write(session)
    unit = reachable_unit(session, scope, unit_id)
    company = company_by_code(session, company_code)
    others = [
        maintenance.Period(c.id, c.start_on, c.end_on, frozenset(c.systems))
        for c in session.scalars(
            select(MaintenanceContract).where(MaintenanceContract.unit_id == unit.id)
        )
    ]
    terms = maintenance.check_contract(number, start_on, end_on, systems, others)
    row = MaintenanceContract(
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        company_id=company.id,
        number=terms.number,
        start_on=terms.start_on,
        end_on=terms.end_on,
        systems=list(terms.systems),
        created_by=actor.username,
    )
    session.add(row)
    session.flush()
    after = {"number": row.number, "company": company.code, "start_on": str(row.start_on)}
    after |= {"end_on": str(row.end_on), "systems": row.systems}
    audit.record(
        session,
        actor,
        "create",
        AUDIT_CONTRACT,
        row.id,
        None,
        after,
        scope_path=row_path(session, row),
    )
    return row


def _contract_item(
    row: MaintenanceContract, company: Any, unit: Unit, today: date, remind_days: int
) -> dict[str, Any]:
    state = maintenance.contract_state(row.start_on, row.end_on, today, remind_days)
    names = {s.code: s.zh for s in maintenance.checklist()}
    return {
        "id": row.id,
        "unit_id": unit.id,
        "unit_name": unit.name,
        "company_code": company.code,
        "company_name": company.name,
        "number": row.number,
        "start_on": row.start_on,
        "end_on": row.end_on,
        "systems": list(row.systems),
        "system_names": [names.get(s, s) for s in row.systems],
        "state": state.value,
        "state_label": state.zh,
        "days_left": maintenance.days_left(row.end_on, today),
    }


def _contracts(scope: Scope) -> Select[MaintenanceContract, MaintenanceCompany, Unit]:
    return (
        select(MaintenanceContract, MaintenanceCompany, Unit)
        .join(MaintenanceCompany, MaintenanceCompany.id == MaintenanceContract.company_id)
        .join(Unit, Unit.id == MaintenanceContract.unit_id)
        .where(
            scope.within(MaintenanceContract.jurisdiction_id),
            scope.units.within(MaintenanceContract.unit_id),
        )
    )


def list_contracts(
    session: Session,
    scope: Scope,
    unit_id: int | None,
    today: date,
    remind_days: int,
    page: int,
    size: int,
) -> tuple[list[dict[str, Any]], int]:
    """A unit's contracts (or all in reach), latest end first; one page in SQL."""
    stmt = _contracts(scope)
    if unit_id is not None:
        stmt = stmt.where(MaintenanceContract.unit_id == unit_id)
    stmt = stmt.order_by(MaintenanceContract.end_on.desc(), MaintenanceContract.id.desc())
    rows, total = paginate(session, stmt, page, size)
    return [_contract_item(c, co, u, today, remind_days) for c, co, u in rows], total


def expiry_reminders(
    session: Session, scope: Scope, today: date, remind_days: int, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """到期提醒: contracts in reach that end within ``remind_days`` or have ended (已过期,
    flagged), unless the unit renewed it (a later contract of the unit, starting after it
    did and ending later); soonest end first, one page in SQL."""
    later = aliased(MaintenanceContract)
    renewed = exists().where(
        and_(
            later.unit_id == MaintenanceContract.unit_id,
            later.start_on > MaintenanceContract.start_on,
            later.end_on > MaintenanceContract.end_on,
        )
    )
    stmt = (
        _contracts(scope)
        .where(
            MaintenanceContract.end_on < today + timedelta(days=remind_days),
            MaintenanceContract.start_on <= today,
            ~renewed,
        )
        .order_by(MaintenanceContract.end_on, MaintenanceContract.id)
    )
    rows, total = paginate(session, stmt, page, size)
    return [_contract_item(c, co, u, today, remind_days) for c, co, u in rows], total


def _covering_company(session: Session, unit_id: int, system: str, month: date) -> int | None:
    """The company whose contract covers ``system`` on the month's first day, if any."""
    for row in session.scalars(
        select(MaintenanceContract).where(
            MaintenanceContract.unit_id == unit_id,
            MaintenanceContract.start_on <= month,
            MaintenanceContract.end_on >= month,
        )
    ):
        if system in row.systems:
            return row.company_id
    return None


# ---- monthly records ------------------------------------------------------------------------


def record_month(
    session: Session,
    actor: Actor,
    scope: Scope,
    unit_id: int,
    month: str,
    system: str,
    answers: dict[str, tuple[str, str]],
    open_orders: set[str],
    today: date,
    at: datetime,
) -> MaintenanceRecord:
    """月度维护保养记录 of one system: refused naming the field for a system the unit does not
    have (``system``), a month in the future (``month``), an item unanswered or wrong
    (``items.<code>``), or a second record of the month and system. Each item in
    ``open_orders`` (异常 only) opens a repair work order saying what to repair."""
    audit.begin_write(session)
    unit = reachable_unit(session, scope, unit_id)
    first = maintenance.check_month(month, today)
    found, items = maintenance.check_record(system, answers, systems_of(session, unit.id))
    by_item = {a.item: a for a in items}
    wrong = sorted(c for c in open_orders if c not in by_item)
    wrong += sorted(
        c for c in open_orders if c in by_item and by_item[c].result is not ItemResult.ABNORMAL
    )
    if wrong:
        raise ValidationFailed(
            "only an abnormal item opens a work order",
            [FieldProblem(f"items.{c}", "only an abnormal item opens a work order") for c in wrong],
        )
    duplicate = session.scalars(
        select(MaintenanceRecord.id).where(
            MaintenanceRecord.unit_id == unit.id,
            MaintenanceRecord.month == first,
            MaintenanceRecord.system == found.code,
        )
    ).first()
    if duplicate is not None:
        raise Conflict(
            f"{found.zh} of {month} is already recorded (record {duplicate})",
            [FieldProblem("month", "one record per system and month")],
        )
    row = MaintenanceRecord(
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        company_id=_covering_company(session, unit.id, found.code, first),
        month=first,
        system=found.code,
        abnormal=sum(1 for a in items if a.result is ItemResult.ABNORMAL),
        recorded_by=actor.username,
    )
    session.add(row)
    session.flush()
    for answer in items:
        order_id = None
        if answer.item in open_orders:
            item = found.item(answer.item)
            label = item.zh if item else answer.item
            title = f"月度维保 {month} {found.zh}·{label}：{answer.note}"
            order_id = work_order_service.open_for_maintenance(session, actor, unit, title, at).id
        session.add(
            MaintenanceRecordItem(
                record_id=row.id,
                item=answer.item,
                result=answer.result.value,
                note=answer.note,
                work_order_id=order_id,
            )
        )
    session.flush()
    after = {"month": month, "system": found.code, "abnormal": row.abnormal}
    audit.record(
        session,
        actor,
        "create",
        AUDIT_RECORD,
        row.id,
        None,
        after,
        scope_path=row_path(session, row),
    )
    return row


def _record_item(row: MaintenanceRecord, unit: Unit, company: Any | None) -> dict[str, Any]:
    found = maintenance.system(row.system)
    return {
        "id": row.id,
        "unit_id": unit.id,
        "unit_name": unit.name,
        "month": row.month.strftime("%Y-%m"),
        "system": row.system,
        "system_name": found.zh if found else row.system,
        "abnormal": row.abnormal,
        "company_name": company.name if company is not None else None,
        "recorded_by": row.recorded_by,
        "recorded_at": row.created_at,
    }


def list_records(
    session: Session, scope: Scope, unit_id: int | None, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """Monthly records in reach (of one unit), latest month first; one page in SQL."""
    stmt = (
        select(MaintenanceRecord, Unit, MaintenanceCompany)
        .join(Unit, Unit.id == MaintenanceRecord.unit_id)
        .outerjoin(MaintenanceCompany, MaintenanceCompany.id == MaintenanceRecord.company_id)
        .where(
            scope.within(MaintenanceRecord.jurisdiction_id),
            scope.units.within(MaintenanceRecord.unit_id),
        )
    )
    if unit_id is not None:
        stmt = stmt.where(MaintenanceRecord.unit_id == unit_id)
    stmt = stmt.order_by(MaintenanceRecord.month.desc(), MaintenanceRecord.id.desc())
    rows, total = paginate(session, stmt, page, size)
    return [_record_item(r, u, c) for r, u, c in rows], total


def record_detail(session: Session, scope: Scope, record_id: int) -> dict[str, Any]:
    row = session.get(MaintenanceRecord, record_id)
    if row is None:
        raise NotFound(f"no maintenance record {record_id}")
    unit = reachable_unit(session, scope, row.unit_id)
    company = session.get(MaintenanceCompany, row.company_id) if row.company_id else None
    out = _record_item(row, unit, company)
    found = maintenance.system(row.system)
    labels = {i.code: i.zh for i in found.items} if found else {}
    stmt = (
        select(MaintenanceRecordItem, RepairWorkOrder.status)
        .outerjoin(RepairWorkOrder, RepairWorkOrder.id == MaintenanceRecordItem.work_order_id)
        .where(MaintenanceRecordItem.record_id == row.id)
        .order_by(MaintenanceRecordItem.id)
    )
    out["items"] = [
        {
            "item": i.item,
            "label": labels.get(i.item, i.item),
            "result": i.result,
            "result_label": ItemResult(i.result).zh,
            "note": i.note,
            "work_order_id": i.work_order_id,
            "work_order_status": status,
        }
        for i, status in session.execute(stmt)
    ]
    return out


# ---- the annual test report -----------------------------------------------------------------


# The report's PDF is kept in the platform's one file store (core.files, under
# <data_dir>/attachments/ by its SHA-256), which `lanyan backup` archives.
report_path = files.blob_path


def check_pdf(data: bytes, max_bytes: int) -> None:
    """The file is a PDF by its content (magic bytes, as ``filetype`` reads them, like the
    evidence attachments), not empty and not over ``max_bytes``; refused naming ``file``."""
    if not data:
        raise ValidationFailed("the file is empty", [FieldProblem("file", "must not be empty")])
    if len(data) > max_bytes:
        raise ValidationFailed(
            "the file is too large", [FieldProblem("file", f"must be at most {max_bytes} bytes")]
        )
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime != PDF:
        seen = kind.mime if kind is not None else "unrecognised content"
        raise ValidationFailed(
            f"the report is {seen}, not a PDF",
            [FieldProblem("file", f"must be a PDF (got {seen})")],
        )


def upload_report(
    session: Session,
    actor: Actor,
    scope: Scope,
    unit_id: int,
    year: int,
    company_code: str,
    tested_on: date,
    conclusion: str,
    filename: str,
    data: bytes,
    root: Path,
    max_bytes: int,
    today: date,
) -> AnnualTestReport:
    """年度检测报告: one per unit and year; the PDF is checked by content and stored by its
    SHA-256 under ``<data_dir>/maintenance/`` (written before the row commits, as evidence
    attachments are)."""
    audit.begin_write(session)
    unit = reachable_unit(session, scope, unit_id)
    company = company_by_code(session, company_code)
    result = maintenance.check_report(year, tested_on, conclusion, today)
    check_pdf(data, max_bytes)
    existing = session.scalars(
        select(AnnualTestReport.id).where(
            AnnualTestReport.unit_id == unit.id, AnnualTestReport.year == year
        )
    ).first()
    if existing is not None:
        raise Conflict(
            f"the unit already has the {year} report ({existing})",
            [FieldProblem("year", "one annual report per unit and year")],
        )
    name = Path((filename or "").replace("\x00", "")).name.strip()[:255] or f"检测报告-{year}.pdf"
    digest = hashlib.sha256(data).hexdigest()
    files.write_blob(root, digest, data)
    row = AnnualTestReport(
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        company_id=company.id,
        year=year,
        tested_on=tested_on,
        conclusion=result.value,
        filename=name,
        size_bytes=len(data),
        sha256=digest,
        uploaded_by=actor.username,
    )
    session.add(row)
    session.flush()
    after = {"year": year, "company": company.code, "conclusion": result.value, "sha256": digest}
    audit.record(
        session,
        actor,
        "create",
        AUDIT_REPORT,
        row.id,
        None,
        after,
        scope_path=row_path(session, row),
    )
    return row


def _report_item(row: AnnualTestReport, unit: Unit, company: Any) -> dict[str, Any]:
    conclusion = ReportConclusion(row.conclusion)
    return {
        "id": row.id,
        "unit_id": unit.id,
        "unit_name": unit.name,
        "year": row.year,
        "company_code": company.code,
        "company_name": company.name,
        "tested_on": row.tested_on,
        "conclusion": conclusion.value,
        "conclusion_label": conclusion.zh,
        "filename": row.filename,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "uploaded_by": row.uploaded_by,
        "url": f"/api/monitoring/maintenance/reports/{row.id}/content",
    }


def _reports(scope: Scope) -> Select[AnnualTestReport, Unit, MaintenanceCompany]:
    return (
        select(AnnualTestReport, Unit, MaintenanceCompany)
        .join(Unit, Unit.id == AnnualTestReport.unit_id)
        .join(MaintenanceCompany, MaintenanceCompany.id == AnnualTestReport.company_id)
        .where(
            scope.within(AnnualTestReport.jurisdiction_id),
            scope.units.within(AnnualTestReport.unit_id),
        )
    )


def report_item(session: Session, scope: Scope, report_id: int) -> dict[str, Any]:
    """One annual report as the lists show it, if the reader may see it."""
    row = session.execute(_reports(scope).where(AnnualTestReport.id == report_id)).first()
    if row is None:
        raise NotFound(f"no annual report {report_id}")
    return _report_item(*row)


def list_reports(
    session: Session, scope: Scope, unit_id: int | None, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    stmt = _reports(scope)
    if unit_id is not None:
        stmt = stmt.where(AnnualTestReport.unit_id == unit_id)
    stmt = stmt.order_by(AnnualTestReport.year.desc(), AnnualTestReport.id.desc())
    rows, total = paginate(session, stmt, page, size)
    return [_report_item(*r) for r in rows], total


def report_content(
    session: Session, scope: Scope, report_id: int, root: Path
) -> tuple[AnnualTestReport, bytes]:
    """The report's PDF, checked against the SHA-256 recorded at upload."""
    row = session.get(AnnualTestReport, report_id)
    if row is None:
        raise NotFound(f"no annual report {report_id}")
    reachable_unit(session, scope, row.unit_id)
    path = report_path(root, row.sha256)
    if not path.is_file():
        raise NotFound(f"the file of report {report_id} is missing from the data folder")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise Conflict(
            f"the file of report {report_id} no longer matches its SHA-256; it was altered",
            [FieldProblem("file", "must match the SHA-256 recorded at upload")],
        )
    return row, data


def units_without_report(
    session: Session, scope: Scope, year: int, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """Units in reach expected to test yearly (``REPORT_EXPECTED``) with no report for
    ``year``, by name; one page in SQL."""
    has = exists().where(AnnualTestReport.unit_id == Unit.id, AnnualTestReport.year == year)
    stmt = (
        select(Unit)
        .where(
            Unit.category.in_(REPORT_EXPECTED),
            scope.within(Unit.jurisdiction_id),
            scope.units.within(Unit.id),
            ~has,
        )
        .order_by(Unit.name, Unit.id)
    )
    rows, total = paginate(session, stmt, page, size)
    return [
        {"id": u.id, "code": u.code, "name": u.name, "category": UnitCategory(u.category).zh}
        for u in rows
    ], total
