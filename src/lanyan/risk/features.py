"""Raw factor values of every unit on a date, read from the registry and the domains' tables.

One query per factor over all units in scope (not one per unit), so a county's thousands of
units take a handful of queries. Times are cut at the end of ``as_of`` (Asia/Shanghai): a
snapshot for a past date sees only what was recorded by then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from lanyan.core.timeutil import CHINA_TZ, utcnow
from lanyan.exchange import public as exchange
from lanyan.monitoring.choices import AlarmStatus, CheckState, SignalKind
from lanyan.monitoring.models import DeviceHealth, DutyCheck, MonitoringAlarm
from lanyan.prevention.choices import HazardState
from lanyan.prevention.hazards import AWAITING_UNIT
from lanyan.prevention.models.inspections import Hazard, Inspection
from lanyan.registry.models import Building, Device, Unit
from lanyan.response.choices import IncidentType
from lanyan.response.models import Incident
from lanyan.risk import credit
from lanyan.risk.config import WEATHER_FACTOR, RiskModel

# Hazards no longer open: rectified and rechecked, or closed.
SETTLED = (HazardState.RECHECK_PASSED.value, HazardState.CLOSED.value)
CHUNK = 500  # unit ids per IN (...) list


def day_end(as_of: date) -> datetime:
    """The first instant after ``as_of`` in Asia/Shanghai (aware)."""
    return datetime.combine(as_of + timedelta(days=1), time(), tzinfo=CHINA_TZ)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _count_by_unit(session: Session, ids: Sequence[int], stmt_for: Any) -> dict[int, int]:
    out: dict[int, int] = {}
    for part in _chunks(ids):
        stmt: Select[Any] = stmt_for(part)
        out.update({uid: int(n) for uid, n in session.execute(stmt) if uid is not None})
    return out


def _hazard_counts(
    session: Session, ids: Sequence[int], *where: ColumnElement[bool]
) -> dict[int, int]:
    return _count_by_unit(
        session,
        ids,
        lambda part: (
            select(Hazard.unit_id, func.count())
            .where(Hazard.unit_id.in_(part), *where)
            .group_by(Hazard.unit_id)
        ),
    )


def weather_levels(
    session: Session, units: Sequence[Unit], as_of: date, model: RiskModel, now: datetime
) -> dict[int, str]:
    """{unit id: the colour level of the strongest counted warning over it} (see
    ``config.WeatherFactor``): today's snapshot looks at ``now``, another day at the whole day."""
    weather = model.weather
    if weather is None or not units:
        return {}
    end = day_end(as_of)
    if end - timedelta(days=1) <= now < end:
        since, until = now, now
    else:
        since, until = end - timedelta(days=1), end - timedelta(microseconds=1)
    counted = [
        w
        for w in exchange.warnings_in_force(session, since, until)
        if weather.counts(w.event, w.level)
    ]
    if not counted:
        return {}
    xs = np.array([u.lon for u in units], dtype=float)
    ys = np.array([u.lat for u in units], dtype=float)
    best: dict[int, str] = {}
    for w in counted:
        area = shape(w.geometry)
        inside = shapely.contains_xy(area, xs, ys)
        for u, hit in zip(units, inside, strict=True):
            if hit and weather.value(w.level) > weather.value(best.get(u.id)):
                best[u.id] = w.level
    return best


def collect(
    session: Session,
    units: Sequence[Unit],
    as_of: date,
    model: RiskModel,
    credit_provider: credit.CreditProvider | None = None,
    now: datetime | None = None,
) -> dict[int, dict[str, Any]]:
    """``{unit id: {factor name: raw value or None}}`` for ``units`` on ``as_of`` (``now``:
    the moment today's weather warnings are read at; default the clock)."""
    ids = [u.id for u in units]
    end = day_end(as_of)
    start = end - timedelta(days=1)

    tallest: dict[int, float] = {}
    uses: dict[int, list[str]] = defaultdict(list)
    for part in _chunks(ids):
        for uid, height, use in session.execute(
            select(Building.unit_id, Building.height_m, Building.use).where(
                Building.unit_id.in_(part)
            )
        ):
            assert uid is not None  # the IN filter leaves no building without a unit
            tallest[uid] = max(tallest.get(uid, 0.0), float(height))
            uses[uid].append(use)
    use_factor = model.factors.get("use")

    def riskiest_use(uid: int) -> str | None:
        if not uses.get(uid):
            return None
        if use_factor is None:
            return uses[uid][0]
        return max(uses[uid], key=lambda u: (use_factor.value(u) or 0.0, u))

    not_settled = Hazard.state.not_in(SETTLED)
    found_by_then = Hazard.found_at < end
    open_ = _hazard_counts(session, ids, not_settled, found_by_then)
    overdue = _hazard_counts(
        session,
        ids,
        Hazard.state.in_([s.value for s in AWAITING_UNIT]),
        Hazard.deadline < as_of,
        found_by_then,
    )
    major = _hazard_counts(session, ids, not_settled, Hazard.is_major.is_(True), found_by_then)
    recent = _hazard_counts(
        session, ids, found_by_then, Hazard.found_at >= start - timedelta(days=365)
    )

    last_inspection: dict[int, datetime] = {}
    for part in _chunks(ids):
        for uid, at in session.execute(
            select(Inspection.unit_id, func.max(Inspection.inspected_at))
            .where(Inspection.unit_id.in_(part), Inspection.inspected_at < end)
            .group_by(Inspection.unit_id)
        ):
            last_inspection[uid] = at

    devices = _count_by_unit(
        session,
        ids,
        lambda part: (
            select(Device.unit_id, func.count())
            .join(DeviceHealth, DeviceHealth.device_id == Device.id)
            .where(Device.unit_id.in_(part))
            .group_by(Device.unit_id)
        ),
    )
    offline = _count_by_unit(
        session,
        ids,
        lambda part: (
            select(Device.unit_id, func.count())
            .join(DeviceHealth, DeviceHealth.device_id == Device.id)
            .where(Device.unit_id.in_(part), DeviceHealth.online.is_(False))
            .group_by(Device.unit_id)
        ),
    )

    def alarms(kind: SignalKind, days: int) -> dict[int, int]:
        return _count_by_unit(
            session,
            ids,
            lambda part: (
                select(MonitoringAlarm.unit_id, func.count())
                .where(
                    MonitoringAlarm.unit_id.in_(part),
                    MonitoringAlarm.kind == kind.value,
                    MonitoringAlarm.status != AlarmStatus.FALSE_ALARM.value,
                    MonitoringAlarm.raised_at < end,
                    MonitoringAlarm.raised_at >= end - timedelta(days=days),
                )
                .group_by(MonitoringAlarm.unit_id)
            ),
        )

    faults = alarms(SignalKind.FAULT, 90)
    fire_alarms = alarms(SignalKind.FIRE, 365)
    # 查岗 the control room did not answer in the last 90 days (late answers do not count).
    missed_checks = _count_by_unit(
        session,
        ids,
        lambda part: (
            select(DutyCheck.unit_id, func.count())
            .where(
                DutyCheck.unit_id.in_(part),
                DutyCheck.state == CheckState.MISSED.value,
                DutyCheck.sent_at < end,
                DutyCheck.sent_at >= end - timedelta(days=90),
            )
            .group_by(DutyCheck.unit_id)
        ),
    )
    fires = _count_by_unit(
        session,
        ids,
        lambda part: (
            select(Incident.unit_id, func.count())
            .where(
                Incident.unit_id.in_(part),
                Incident.incident_type == IncidentType.FIRE.value,
                Incident.received_at < end,
                Incident.received_at >= end - timedelta(days=5 * 365),
            )
            .group_by(Incident.unit_id)
        ),
    )
    credits = (credit_provider or credit.default_provider)(session, ids)
    weather = weather_levels(session, units, as_of, model, now or utcnow())

    out: dict[int, dict[str, Any]] = {}
    for u in units:
        seen = last_inspection.get(u.id)
        days_since = None
        if seen is not None:
            days_since = max(0, (as_of - seen.astimezone(CHINA_TZ).date()).days)
        n_devices = devices.get(u.id, 0)
        out[u.id] = {
            "category": u.category,
            "height_m": tallest.get(u.id),
            "occupants": u.employees,
            "use": riskiest_use(u.id),
            "open_hazards": open_.get(u.id, 0),
            "overdue_hazards": overdue.get(u.id, 0),
            "major_hazards": major.get(u.id, 0),
            "days_since_inspection": days_since,
            "hazards_found_365d": recent.get(u.id, 0),
            "devices_offline_share": offline.get(u.id, 0) / n_devices if n_devices else None,
            "fault_alarms_90d": faults.get(u.id, 0),
            "fire_alarms_365d": fire_alarms.get(u.id, 0),
            "duty_checks_missed_90d": missed_checks.get(u.id, 0),
            "fires_5y": fires.get(u.id, 0),
            **credit.raw_values(credits.get(u.id)),
            WEATHER_FACTOR: weather.get(u.id),
        }
    return out
