"""Reads and writes of the unit's file (单位户籍化档案): the filing fields (one unit edited, or many
imported from an XLSX at once) and the monthly fire checks (每月防火检查) with their sign-off.
Rules are ``unit_files``; every write is audited."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import local_today, utcnow
from lanyan.prevention import hazard_service, unit_files
from lanyan.prevention.models.unit_files import MonthlyFireCheck, UnitFiling
from lanyan.prevention.unit_files import CheckState, Filing
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "unit-files"  # the roles' slug: read the file, edit the filing fields
FILINGS, CHECKS = "unit-filings", "monthly-checks"  # audit object types
MAX_IMPORT_ROWS = 5000

# The import's columns: the unit's code, then the filing fields (zh header, or the field name).
UNIT_COLUMN = "unit_code"
HEADERS: dict[str, str] = {
    "unit_code": "单位编码",
    "responsible_name": "消防安全责任人",
    "responsible_phone": "责任人电话",
    "responsible_id": "责任人身份证或证书号",
    "manager_name": "消防安全管理人",
    "manager_phone": "管理人电话",
    "manager_id": "管理人身份证或证书号",
    "key_parts": "重点部位",
    "systems": "消防设施",
    "station_members": "微型消防站队员",
    "station_equipment": "微型消防站器材",
}


def in_scope(model: Any, scope: Scope) -> ColumnElement[bool]:
    clause = scope.within(model.jurisdiction_id)
    if not scope.units.unrestricted:
        clause = clause & scope.units.within(model.id if model is Unit else model.unit_id)
    return clause


def unit_of(session: Session, scope: Scope, unit_code: str) -> Unit:
    """The unit ``unit_code`` if inside the caller's scope (a unit manager: one of theirs)."""
    stmt = select(Unit).where(Unit.code == unit_code, in_scope(Unit, scope))
    return one_or_not_found(session, stmt, f"no unit {unit_code} in your jurisdiction")


# --- filing fields ----------------------------------------------------------------------------


def filing_of(session: Session, unit_id: int) -> UnitFiling | None:
    return session.execute(
        select(UnitFiling).where(UnitFiling.unit_id == unit_id)
    ).scalar_one_or_none()


def filing_public(row: UnitFiling | None) -> dict[str, Any]:
    """The filing fields as plain values (empty when the unit has none yet)."""
    if row is None:
        return Filing().as_dict() | {"updated_by": "", "updated_at": None}
    return {f: getattr(row, f) for f in unit_files.FIELDS} | {
        "updated_by": row.updated_by,
        "updated_at": row.updated_at,
    }


def _snapshot(row: UnitFiling) -> dict[str, Any]:
    return {f: getattr(row, f) for f in unit_files.FIELDS}


def _put(session: Session, actor: Actor, unit: Unit, filing: Filing, how: str) -> UnitFiling:
    row = filing_of(session, unit.id)
    before = _snapshot(row) if row is not None else None
    if row is None:
        row = UnitFiling(unit_id=unit.id, jurisdiction_id=unit.jurisdiction_id)
        session.add(row)
    for name, value in filing.as_dict().items():
        setattr(row, name, value)
    row.updated_by = actor.username
    session.flush()
    audit.record(
        session,
        actor,
        how,
        FILINGS,
        row.id,
        before,
        _snapshot(row) | {"unit_code": unit.code},
        scope_path=row_path(session, unit),
    )
    return row


def save_filing(
    session: Session, actor: Actor, scope: Scope, unit_code: str, values: dict[str, Any]
) -> UnitFiling:
    """Create or replace a unit's filing fields (every field given; refused whole when any
    breaks a rule)."""
    audit.begin_write(session)
    unit = unit_of(session, scope, unit_code)
    return _put(session, actor, unit, unit_files.require_filing(values), "update")


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_filings_xlsx(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of a filing workbook's first sheet as (row number, field → text); the header
    (row 1) names each column in Chinese (``HEADERS``) or by field name."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed(
            "the file cannot be read", [FieldProblem("file", f"is not an XLSX workbook ({exc})")]
        ) from None
    by_header = {v: k for k, v in HEADERS.items()} | {k: k for k in HEADERS}
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        head = next(rows, None)
        if head is None:
            raise ValidationFailed(
                "the file is empty", [FieldProblem("file", "needs a header row", 1)]
            )
        names = [by_header.get(_cell(h)) for h in head]
        unknown = [_cell(h) for h, n in zip(head, names, strict=True) if n is None and _cell(h)]
        missing = [
            HEADERS[f]
            for f in ("unit_code", "responsible_name", "responsible_phone")
            if f not in names
        ]
        if unknown or missing:
            raise ValidationFailed(
                "the header row is not a filing sheet",
                [FieldProblem(h, "is not a column of the filing sheet", 1) for h in unknown]
                + [FieldProblem(h, "column is missing", 1) for h in missing],
            )
        out: list[tuple[int, dict[str, str]]] = []
        for line, cells in enumerate(rows, start=2):
            values = {n: _cell(c) for n, c in zip(names, cells, strict=False) if n}
            if any(values.values()):
                out.append((line, values))
            if len(out) > MAX_IMPORT_ROWS:
                raise ValidationFailed(
                    "the file is too long",
                    [FieldProblem("file", f"must have at most {MAX_IMPORT_ROWS} rows", line)],
                )
    finally:
        book.close()
    return out


def import_filings(
    session: Session, actor: Actor, scope: Scope, rows: list[tuple[int, dict[str, str]]]
) -> ImportSummary:
    """Write the filing fields of many units at once: every row is checked first and any broken
    rule refuses the whole file, naming the row and the column (its Chinese header)."""
    audit.begin_write(session)
    problems: list[FieldProblem] = []
    if not rows:
        problems.append(FieldProblem("file", "has no data rows"))
    codes = [v.get(UNIT_COLUMN, "") for _, v in rows]
    units = {
        u.code: u
        for u in session.execute(
            select(Unit).where(Unit.code.in_([c for c in codes if c]), in_scope(Unit, scope))
        ).scalars()
    }
    seen: dict[str, int] = {}
    checked: list[tuple[Unit, Filing]] = []
    for line, values in rows:
        code = values.get(UNIT_COLUMN, "")
        if not code:
            problems.append(FieldProblem(HEADERS[UNIT_COLUMN], "is required", line))
        elif code not in units:
            problems.append(
                FieldProblem(HEADERS[UNIT_COLUMN], f"no unit {code} in your jurisdiction", line)
            )
        elif code in seen:
            problems.append(FieldProblem(HEADERS[UNIT_COLUMN], f"repeats row {seen[code]}", line))
        seen.setdefault(code, line)
        filing, found = unit_files.check_filing(values, line)
        problems += [FieldProblem(HEADERS.get(p.field, p.field), p.rule, p.row) for p in found]
        if code in units:
            checked.append((units[code], filing))
    if problems:
        raise ValidationFailed("the filing sheet is refused; nothing was imported", problems)
    existing = set(
        session.execute(
            select(UnitFiling.unit_id).where(UnitFiling.unit_id.in_([u.id for u, _ in checked]))
        ).scalars()
    )
    for unit, filing in checked:
        _put(session, actor, unit, filing, "import")
    updated = sum(1 for u, _ in checked if u.id in existing)
    return ImportSummary(len(checked) - updated, updated)


def filings_template() -> bytes:
    """An empty filing sheet: the header row and one example row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "户籍化备案"
    sheet.append(list(HEADERS.values()))
    sheet.append(
        [
            "91320900MA00000000",
            "张三",
            "13800000000",
            "320981198001010011",
            "李四",
            "0515-83000000",
            "ZC-2024-0001",
            "消防控制室、配电房、厨房",
            "火灾自动报警系统、消火栓系统、灭火器",
            "王五、赵六、钱七",
            "灭火器 10具、消防水带 4盘、空气呼吸器 2具",
        ]
    )
    for col in "ABCDEFGHIJK":
        sheet.column_dimensions[col].width = 22
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- monthly checks ---------------------------------------------------------------------------


def _check_domain(row: MonthlyFireCheck) -> unit_files.MonthlyCheck:
    return unit_files.MonthlyCheck(
        row.year,
        row.month,
        row.checked_on,
        row.checker,
        tuple(unit_files.ItemResult(r["code"], r["ok"], r.get("note", "")) for r in row.results),
        CheckState(row.state),
        row.signed_by_name,
        row.signed_by,
        row.signed_at,
    )


def _check_snapshot(row: MonthlyFireCheck) -> dict[str, Any]:
    return {
        "unit_id": row.unit_id,
        "year": row.year,
        "month": row.month,
        "checked_on": row.checked_on,
        "checker": row.checker,
        "results": row.results,
        "findings": row.findings,
        "state": row.state,
        "signed_by_name": row.signed_by_name,
        "signed_by": row.signed_by,
        "signed_at": row.signed_at,
    }


def record_check(
    session: Session,
    actor: Actor,
    scope: Scope,
    unit_code: str,
    checked_on: date,
    results: dict[str, tuple[bool, str]],
    now: datetime | None = None,
    today: date | None = None,
) -> MonthlyFireCheck:
    """Record a unit's monthly check; each failed item becomes a hazard of the unit's own (发现,
    自查: the unit may start rectifying it at once). One check per unit and month."""
    audit.begin_write(session)
    now = now or utcnow()
    unit = unit_of(session, scope, unit_code)
    check = unit_files.record(checked_on, actor.username, results, now, today or local_today())
    if session.execute(
        select(MonthlyFireCheck.id).where(
            MonthlyFireCheck.unit_id == unit.id,
            MonthlyFireCheck.year == check.year,
            MonthlyFireCheck.month == check.month,
        )
    ).first():
        raise Conflict(
            f"unit {unit_code} already has its check of {check.year}-{check.month:02d}",
            [FieldProblem("checked_on", "one monthly check per unit and month")],
        )
    items = {i.code: i for i in unit_files.checklist().items}
    out: list[dict[str, Any]] = []
    for r in check.results:
        hazard_id = None
        if not r.ok:
            text = f"[每月防火检查 · {items[r.code].zh}] {r.note}"
            hazard_id = hazard_service.new_hazard(
                session, actor, unit, text, now, self_found=True
            ).id
        out.append({"code": r.code, "ok": r.ok, "note": r.note, "hazard_id": hazard_id})
    row = MonthlyFireCheck(
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        year=check.year,
        month=check.month,
        checked_on=check.checked_on,
        checker=check.checker,
        results=out,
        findings=len(check.findings),
        state=check.state.value,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "record",
        CHECKS,
        row.id,
        None,
        _check_snapshot(row),
        scope_path=row_path(session, unit),
    )
    return row


def get_check(
    session: Session, scope: Scope, check_id: int, lock: bool = False
) -> MonthlyFireCheck:
    stmt = select(MonthlyFireCheck).where(
        MonthlyFireCheck.id == check_id, in_scope(MonthlyFireCheck, scope)
    )
    return one_or_not_found(session, stmt, f"no monthly check {check_id} in your scope", lock)


def sign_check(
    session: Session,
    actor: Actor,
    scope: Scope,
    check_id: int,
    signer_name: str,
    now: datetime | None = None,
) -> MonthlyFireCheck:
    """The 消防安全责任人 signs the check off (名字 as on the unit's file), recorded with time."""
    audit.begin_write(session)
    now = now or utcnow()
    row = get_check(session, scope, check_id, lock=True)
    filing = filing_of(session, row.unit_id)
    signed = unit_files.sign(
        _check_domain(row),
        filing.responsible_name if filing else "",
        signer_name,
        actor.username,
        now,
    )
    before = _check_snapshot(row)
    row.state = signed.state.value
    row.signed_by_name = signed.signed_by_name
    row.signed_by = signed.signed_by
    row.signed_at = signed.signed_at
    session.flush()
    unit = session.get(Unit, row.unit_id)
    audit.record(
        session,
        actor,
        "sign",
        CHECKS,
        row.id,
        before,
        _check_snapshot(row),
        scope_path=row_path(session, unit),
    )
    return row


def list_checks(
    session: Session, scope: Scope, unit_id: int, page: int = 1, size: int = 50
) -> tuple[list[MonthlyFireCheck], int]:
    stmt = (
        select(MonthlyFireCheck)
        .where(MonthlyFireCheck.unit_id == unit_id, in_scope(MonthlyFireCheck, scope))
        .order_by(MonthlyFireCheck.year.desc(), MonthlyFireCheck.month.desc())
    )
    return paginate(session, stmt, page, size)


def check_public(row: MonthlyFireCheck) -> dict[str, Any]:
    return {"id": row.id} | _check_snapshot(row)


def check_compliance(
    session: Session, scope: Scope, year: int, month: int, page: int = 1, size: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Per key unit and crowded place in scope, its monthly check of ``year``-``month``:
    ``signed``, ``pending`` (checked, awaiting the 责任人) or ``missing``; paged in SQL."""
    if not 1 <= month <= 12:
        raise ValidationFailed("no such month", [FieldProblem("month", "must be 1–12")])
    stmt = (
        select(
            Unit.code,
            Unit.name,
            MonthlyFireCheck.id,
            MonthlyFireCheck.state,
            MonthlyFireCheck.findings,
        )
        .outerjoin(
            MonthlyFireCheck,
            and_(
                MonthlyFireCheck.unit_id == Unit.id,
                MonthlyFireCheck.year == year,
                MonthlyFireCheck.month == month,
            ),
        )
        .where(
            Unit.category.in_((UnitCategory.KEY.value, UnitCategory.CROWDED.value)),
            in_scope(Unit, scope),
        )
        .order_by(Unit.code)
    )
    rows, total = paginate(session, stmt, page, size)
    return [
        {
            "unit_code": code,
            "unit_name": name,
            "check_id": cid,
            "findings": findings or 0,
            "state": unit_files.compliance_state(None if cid is None else state == "signed"),
        }
        for code, name, cid, state, findings in rows
    ], total


def checked_units(session: Session, unit_ids: list[int], year: int, month: int) -> set[int]:
    """Which of ``unit_ids`` have a monthly check of the month (signed or not)."""
    return set(
        session.execute(
            select(MonthlyFireCheck.unit_id).where(
                MonthlyFireCheck.unit_id.in_(unit_ids),
                MonthlyFireCheck.year == year,
                MonthlyFireCheck.month == month,
            )
        ).scalars()
    )


def require_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"no unit {unit_id}")
    return unit
