"""Writing fire statistics records (火灾统计记录) and 简易登记, one fire at a time or a whole file.

Every rule a record must satisfy lives in :func:`check_record`; creation is audited inside the
caller's transaction. A record made from a closed 火灾 incident takes the incident's time, place
and jurisdiction unless the form says otherwise; a closed fire incident without a record is listed
by :func:`missing_records`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import CHINA_TZ, to_local, utcnow
from lanyan.registry.models import Building, Jurisdiction, Unit
from lanyan.registry.scope import Scope
from lanyan.response import public as response
from lanyan.response.choices import IncidentStatus, IncidentType
from lanyan.stats.choices import MINOR_LOSS_BELOW_YUAN, FireCause, FirePlace, fire_grade
from lanyan.stats.models import FireRecord
from lanyan.store import audit
from lanyan.store.audit import Actor

SLUG = "fire-records"
FIRE = IncidentType.FIRE.value
CLOSED = IncidentStatus.CLOSED.value

# Columns of an import file and of the export, in this order (zh-CN headers accepted too).
COLUMNS: dict[str, str] = {
    "code": "火灾编号",
    "jurisdiction": "行政区划代码",
    "occurred_at": "起火时间",
    "address": "地址",
    "lon": "经度",
    "lat": "纬度",
    "incident": "警情编号",
    "unit": "单位编码",
    "building": "建筑编码",
    "place": "起火场所",
    "cause": "起火原因",
    "deaths": "死亡人数",
    "injuries": "受伤人数",
    "serious_injuries": "重伤人数",
    "direct_loss_yuan": "直接财产损失(元)",
    "burned_area_m2": "过火面积(m²)",
    "simplified": "简易登记",
    "major_social_impact": "重大社会影响",
    "note": "备注",
}
HEADER_ALIASES = {zh: key for key, zh in COLUMNS.items()}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "√", "on"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否", "off"}


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """WHERE clause keeping fire records inside ``scope``."""
    return scope.within(FireRecord.jurisdiction_id)


def time_fields(occurred_on: date, occurred_at: datetime | None) -> dict[str, Any]:
    """The stored grouping columns of a fire: local year, month, weekday and hour (None when
    only the date is known)."""
    local = to_local(occurred_at) if occurred_at is not None else None
    day = local.date() if local is not None else occurred_on
    return {
        "occurred_on": day,
        "year": day.year,
        "month": day.month,
        "weekday": day.weekday(),
        "hour": local.hour if local is not None else None,
    }


@dataclass
class Checked:
    """A record's values after :func:`check_record`, ready to insert."""

    values: dict[str, Any]
    jurisdiction: Jurisdiction


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    return "" if value is None else str(value).strip()


def _int(payload: dict[str, Any], key: str, problems: list[FieldProblem], row: int | None) -> int:
    text = _text(payload, key)
    if not text:
        return 0
    try:
        number = float(text)
    except ValueError:
        problems.append(FieldProblem(key, "must be a whole number of persons", row))
        return 0
    if number != int(number) or number < 0:
        problems.append(FieldProblem(key, "must be a whole number ≥ 0 (persons)", row))
        return 0
    return int(number)


def _float(
    payload: dict[str, Any], key: str, problems: list[FieldProblem], row: int | None
) -> float | None:
    text = _text(payload, key).replace(",", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        problems.append(FieldProblem(key, "must be a number", row))
        return None
    if number < 0:
        problems.append(FieldProblem(key, "must be ≥ 0", row))
        return None
    return number


def _bool(payload: dict[str, Any], key: str, problems: list[FieldProblem], row: int | None) -> bool:
    value = payload.get(key)
    if isinstance(value, bool):
        return value
    text = _text(payload, key).lower()
    if text in TRUE_WORDS:
        return True
    if text not in FALSE_WORDS:
        problems.append(FieldProblem(key, "must be yes/no (是/否)", row))
    return False


def _when(payload: dict[str, Any], problems: list[FieldProblem], row: int | None) -> Any:
    """(date, aware datetime or None) from ``occurred_at`` (ISO date-time, local time when it has
    no zone) or ``occurred_on`` (a date)."""
    value = payload.get("occurred_at") or payload.get("occurred_on")
    if isinstance(value, datetime):
        at = value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)
        return at.astimezone(CHINA_TZ).date(), at.astimezone(UTC)
    if isinstance(value, date):
        return value, None
    text = "" if value is None else str(value).strip()
    if not text:
        problems.append(FieldProblem("occurred_at", "required: the time of the fire", row))
        return None, None
    try:
        if len(text) == 10:
            return date.fromisoformat(text), None
        at = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        problems.append(
            FieldProblem(
                "occurred_at", "must be YYYY-MM-DD or YYYY-MM-DD HH:MM (Asia/Shanghai)", row
            )
        )
        return None, None
    at = at if at.tzinfo else at.replace(tzinfo=CHINA_TZ)
    return at.astimezone(CHINA_TZ).date(), at.astimezone(UTC)


def _choice(
    payload: dict[str, Any],
    key: str,
    enum: Any,
    default: str,
    problems: list[FieldProblem],
    row: int | None,
) -> str:
    text = _text(payload, key)
    if not text:
        return default
    for member in enum:
        if text in (member.value, member.zh):
            return str(member.value)
    names = "、".join(f"{m.value} ({m.zh})" for m in enum)
    problems.append(FieldProblem(key, f"must be one of {names}", row))
    return default


def check_record(
    session: Session, scope: Scope, payload: dict[str, Any], row: int | None = None
) -> Checked:
    """Validate one record (raise ValidationFailed naming every broken field, with ``row`` for a
    file) and return its values. An ``incident`` code fills the time, point, address, unit,
    building and jurisdiction the payload leaves out."""
    problems: list[FieldProblem] = []
    incident = None
    incident_code = _text(payload, "incident")
    if incident_code:
        incident = response.get_by_code(session, incident_code, scope)
        if incident is None:
            problems.append(
                FieldProblem("incident", f"no incident {incident_code} in your area", row)
            )
        elif incident.incident_type != FIRE:
            problems.append(FieldProblem("incident", "must be a 火灾 (fire) incident", row))
        elif incident.status != CLOSED:
            problems.append(FieldProblem("incident", "must be closed (归队) first", row))
        else:
            payload = {
                **_from_incident(session, incident),
                **{k: v for k, v in payload.items() if _text(payload, k)},
            }
    on, at = _when(payload, problems, row)
    if on is not None and on > utcnow().astimezone(CHINA_TZ).date():
        problems.append(FieldProblem("occurred_at", "must not be in the future", row))
    jcode = _text(payload, "jurisdiction")
    jurisdiction = None
    if not jcode:
        problems.append(FieldProblem("jurisdiction", "required: GB/T 2260 code", row))
    else:
        jurisdiction = session.execute(
            select(Jurisdiction).where(Jurisdiction.code == jcode)
        ).scalar_one_or_none()
        if jurisdiction is None or not scope.contains(session, jurisdiction.id):
            problems.append(
                FieldProblem("jurisdiction", f"no jurisdiction {jcode} in your area", row)
            )
    refs: dict[str, int | None] = {}
    for key, model in (("unit", Unit), ("building", Building)):
        code = _text(payload, key)
        refs[key] = None
        if code:
            rid = session.execute(select(model.id).where(model.code == code)).scalar_one_or_none()
            if rid is None:
                problems.append(FieldProblem(key, f"no {key} with code {code}", row))
            refs[key] = rid
    lon, lat = _float(payload, "lon", [], row), _float(payload, "lat", [], row)
    lon_t, lat_t = _text(payload, "lon"), _text(payload, "lat")
    for key, text in (("lon", lon_t), ("lat", lat_t)):
        if text:
            try:
                float(text)
            except ValueError:
                problems.append(FieldProblem(key, "must be a number (WGS84 degrees)", row))
    if lon_t and lat_t and lon is not None and lat is not None:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(FieldProblem("lon", "lon must lie in −180…180 and lat in −90…90", row))
    elif bool(lon_t) != bool(lat_t):
        problems.append(
            FieldProblem("lat" if lon_t else "lon", "give both lon and lat or neither", row)
        )
    deaths = _int(payload, "deaths", problems, row)
    injuries = _int(payload, "injuries", problems, row)
    serious = _int(payload, "serious_injuries", problems, row)
    if serious > injuries:
        problems.append(
            FieldProblem("serious_injuries", "must not exceed injuries (受伤人数)", row)
        )
    loss = _float(payload, "direct_loss_yuan", problems, row) or 0.0
    area = _float(payload, "burned_area_m2", problems, row)
    simplified = _bool(payload, "simplified", problems, row)
    if simplified and (deaths or injuries or loss >= MINOR_LOSS_BELOW_YUAN):
        problems.append(
            FieldProblem(
                "simplified",
                "简易登记 is for minor fires only: no deaths, no injuries and direct loss below "
                f"{MINOR_LOSS_BELOW_YUAN:,.0f} 元",
                row,
            )
        )
    place = _choice(payload, "place", FirePlace, FirePlace.OTHER.value, problems, row)
    cause = _choice(payload, "cause", FireCause, FireCause.UNDETERMINED.value, problems, row)
    if problems:
        raise ValidationFailed(
            f"fire record refused{'' if row is None else f' (row {row})'}: "
            + "; ".join(f"{p.field}: {p.rule}" for p in problems),
            problems,
        )
    assert on is not None and jurisdiction is not None
    values = {
        "code": _text(payload, "code"),
        "jurisdiction_id": jurisdiction.id,
        "occurred_at": at,
        **time_fields(on, at),
        "lon": lon if lon_t else None,
        "lat": lat if lat_t else None,
        "address": _text(payload, "address")[:255],
        "incident_id": incident.id if incident is not None else None,
        "unit_id": refs["unit"],
        "building_id": refs["building"],
        "place": place,
        "cause": cause,
        "deaths": deaths,
        "injuries": injuries,
        "serious_injuries": serious,
        "direct_loss_yuan": loss,
        "burned_area_m2": area,
        "grade": fire_grade(on, deaths, serious, loss).value,
        "simplified": simplified,
        "major_social_impact": _bool(payload, "major_social_impact", [], row),
        "note": _text(payload, "note"),
    }
    return Checked(values, jurisdiction)


def _from_incident(session: Session, incident: response.IncidentFacts) -> dict[str, Any]:
    """What a closed incident already knows about its fire: the prefill of the record form."""
    codes = {}
    for key, model, rid in (
        ("unit", Unit, incident.unit_id),
        ("building", Building, incident.building_id),
        ("jurisdiction", Jurisdiction, incident.jurisdiction_id),
    ):
        codes[key] = (
            session.execute(select(model.code).where(model.id == rid)).scalar_one()
            if rid is not None
            else ""
        )
    local = to_local(incident.received_at)
    return {
        "incident": incident.code,
        "code": f"HZ-{incident.code}",
        "occurred_at": local.strftime("%Y-%m-%d %H:%M") if local else "",
        "address": incident.address,
        "lon": "" if incident.lon is None else str(incident.lon),
        "lat": "" if incident.lat is None else str(incident.lat),
        **codes,
    }


def prefill(session: Session, scope: Scope, incident_code: str) -> dict[str, Any]:
    """The record form's values for a closed fire incident inside ``scope``."""
    incident = response.get_by_code(session, incident_code, scope)
    if incident is None:
        raise NotFound(f"no incident {incident_code} in your area")
    return _from_incident(session, incident)


def _next_code(session: Session, on: date) -> str:
    prefix = f"HZ{on:%Y%m%d}-"
    taken = session.execute(
        select(func.count()).select_from(FireRecord).where(FireRecord.code.startswith(prefix))
    ).scalar_one()
    return f"{prefix}{taken + 1:03d}"


def snapshot(row: FireRecord) -> dict[str, Any]:
    return {
        c.name: getattr(row, c.key)
        for c in FireRecord.__table__.columns
        if c.name not in ("created_at", "updated_at")
    }


def first_response(times: list[dict[str, Any]]) -> float | None:
    """The response time (出动 → 到场, seconds) of the vehicle first on scene, if any arrived."""
    timed = [t for t in times if t["arrived_at"] is not None and t["response_s"] is not None]
    return min(timed, key=lambda t: str(t["arrived_at"]))["response_s"] if timed else None


def responses_of(
    session: Session, codes: list[str]
) -> dict[str, tuple[float | None, list[dict[str, Any]]]]:
    """record code → (first vehicle's response seconds, each vehicle's times), for the records
    that were made from an incident with crew-terminal times."""
    if not codes:
        return {}
    rows = session.execute(
        select(FireRecord.code, FireRecord.first_response_s, FireRecord.vehicle_times).where(
            FireRecord.code.in_(codes), FireRecord.vehicle_times.is_not(None)
        )
    ).all()
    return {code: (first, times or []) for code, first, times in rows}


def _insert(session: Session, actor: Actor, checked: Checked, row: int | None) -> FireRecord:
    values = dict(checked.values)
    if not values["code"]:
        values["code"] = _next_code(session, values["occurred_on"])
    if values["incident_id"] is not None:
        taken = session.execute(
            select(FireRecord.code).where(FireRecord.incident_id == values["incident_id"])
        ).scalar_one_or_none()
        if taken is not None:
            rule = f"the incident already has record {taken}"
            raise ValidationFailed(
                f"fire record refused: {rule}", [FieldProblem("incident", rule, row)]
            )
    if session.execute(select(FireRecord.id).where(FireRecord.code == values["code"])).first():
        rule = f"record {values['code']} already exists"
        raise ValidationFailed(f"fire record refused: {rule}", [FieldProblem("code", rule, row)])
    if values["incident_id"] is not None:
        times = response.vehicle_times(session, values["incident_id"])
        values["vehicle_times"] = times
        values["first_response_s"] = first_response(times)
    record = FireRecord(**values, recorded_by=actor.username)
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        SLUG,
        record.id,
        None,
        snapshot(record),
        scope_path=checked.jurisdiction.path,
    )
    return record


def create_record(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: dict[str, Any],
) -> FireRecord:
    """Create one fire record or 简易登记 inside ``scope`` (the caller's unit of work)."""
    audit.begin_write(session)
    return _insert(session, actor, check_record(session, scope, payload), None)


def import_rows(
    session: Session,
    actor: Actor,
    scope: Scope,
    rows: list[tuple[int, dict[str, Any]]],
) -> int:
    """Import ``(line number, values)`` rows all or nothing: every broken row is named in one
    ValidationFailed and nothing is written; otherwise every row is written and audited."""
    audit.begin_write(session)
    problems: list[FieldProblem] = []
    checked: list[tuple[int, Checked]] = []
    codes: dict[str, int] = {}
    for line, values in rows:
        try:
            c = check_record(session, scope, values, line)
        except ValidationFailed as exc:
            problems.extend(exc.problems)
            continue
        code = c.values["code"]
        if code and code in codes:
            problems.append(FieldProblem("code", f"repeats row {codes[code]}", line))
        codes.setdefault(code, line)
        checked.append((line, c))
    if problems:
        raise ValidationFailed(
            f"import refused, nothing written: {len({p.row for p in problems})} row(s) broken",
            problems,
        )
    written = 0
    failed: list[FieldProblem] = []
    for line, c in checked:
        try:
            _insert(session, actor, c, line)  # refuses before it adds anything
            written += 1
        except ValidationFailed as exc:
            failed.extend(exc.problems)
    if failed:
        raise ValidationFailed("import refused, nothing written", failed)
    return written


def missing_records(session: Session, scope: Scope, limit: int = 500) -> list[dict[str, Any]]:
    """Closed 火灾 incidents inside ``scope`` that have neither a fire record nor a 简易登记."""
    closed = response.closed_without(
        session,
        scope,
        FIRE,
        lambda incident_id: exists().where(FireRecord.incident_id == incident_id),
        limit,
    )
    return [
        {
            "incident_id": r.id,
            "incident": r.code,
            "received_at": to_local(r.received_at),
            "address": r.address,
            "jurisdiction": r.jurisdiction,
        }
        for r in closed
    ]


def record_for_incident(session: Session, incident_id: int) -> FireRecord | None:
    """The fire record of an incident, if one was made (for the response domain's close path)."""
    return session.execute(
        select(FireRecord).where(FireRecord.incident_id == incident_id)
    ).scalar_one_or_none()


def get_record(session: Session, scope: Scope, code: str) -> FireRecord:
    row = session.execute(
        select(FireRecord).where(FireRecord.code == code, in_scope(scope))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no fire record {code} in your area")
    return row
