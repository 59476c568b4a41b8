"""HTTP routes of risk: the weights, computing a snapshot, unit and area scores, warnings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, SettingsDep, require
from lanyan.api.paging import PageNo, PageSize
from lanyan.core.timeutil import to_local, utcnow
from lanyan.registry.models import Jurisdiction
from lanyan.risk import config, service
from lanyan.risk.choices import AreaKind, RiskGrade
from lanyan.risk.models import RiskWarning

router = APIRouter(prefix="/api/risk", tags=["Risk 风险评估"])
Reader = Annotated[CurrentUser, require(service.SLUG, "read")]
Writer = Annotated[CurrentUser, require(service.SLUG, "write")]


class ComputeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(None, description="snapshot day (default: today, Asia/Shanghai)")


def model_summary(model: config.RiskModel) -> dict[str, Any]:
    return {
        "consistency_ratio": model.consistency_ratio,
        "sha256": model.sha256,
        "grades": model.grade_from,
        "h3_resolution": model.h3_resolution,
        "warnings": model.warnings,
        "criteria": [
            {
                "name": c.name,
                "zh": c.zh,
                "en": c.en,
                "weight": round(c.weight, 4),
                "consistency_ratio": c.consistency_ratio,
                "factors": [
                    {
                        "name": f,
                        "zh": model.factors[f].zh,
                        "en": model.factors[f].en,
                        "weight": round(model.factors[f].weight, 4),
                    }
                    for f in c.factors
                ],
            }
            for c in model.criteria.values()
        ],
    }


def warning_public(session: Any, w: RiskWarning) -> dict[str, Any]:
    return {
        "id": w.id,
        "as_of": w.as_of,
        "kind": w.kind,
        "target": w.target,
        "target_name": w.target_name,
        "audience": w.audience,
        "jurisdiction_code": session.get(Jurisdiction, w.jurisdiction_id).code,
        "value": w.value,
        "threshold": w.threshold,
        "message": w.message,
        "created_at": w.created_at,
    }


@router.get("/weights", summary="The risk index's weights, grades and consistency ratios")
def weights(settings: SettingsDep, user: Reader) -> dict[str, Any]:
    return model_summary(config.load(settings.risk_weights))


@router.post("/compute", status_code=201, summary="Compute and store a day's risk snapshot")
def compute(
    request: Request,
    settings: SettingsDep,
    user: Writer,
    payload: Annotated[ComputeRequest | None, Body()] = None,
) -> dict[str, Any]:
    model = config.load(settings.risk_weights)
    local = to_local(utcnow())
    assert local is not None
    day = (payload.as_of if payload else None) or local.date()
    # Short transactions of its own, all committed before the reply (no long write lock).
    factory = request.app.state.sessions
    result = service.compute_in_chunks(factory, user.actor, user.scope, day, model)
    with factory() as session:
        return {
            "as_of": result.as_of,
            "units": result.units,
            "grades": result.grades,
            "areas": result.areas,
            "warnings": [warning_public(session, w) for w in result.warnings],
            "config_sha256": result.config_sha256,
        }


@router.get("/units", summary="Unit risk scores of a snapshot, highest first")
def units(
    session: SessionDep,
    user: Reader,
    as_of: date | None = None,
    grade: RiskGrade | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> dict[str, Any]:
    day, rows, total = service.list_units(session, user.scope, as_of, grade, page, size)
    return {
        "as_of": day,
        "total": total,
        "page": page,
        "size": size,
        "items": [
            {
                "unit_code": u.code,
                "unit_name": u.name,
                "category": u.category,
                "score": s.score,
                "grade": s.grade,
                "grade_zh": RiskGrade(s.grade).zh,
                "h3_cell": s.h3_cell,
                "contributions": s.contributions,
            }
            for s, u in rows
        ],
    }


@router.get("/units/{unit_code}", summary="One unit's scores by date, each explained")
def unit(unit_code: str, session: SessionDep, user: Reader) -> dict[str, Any]:
    u, scores = service.unit_history(session, user.scope, unit_code)
    return {
        "unit_code": u.code,
        "unit_name": u.name,
        "scores": [
            {
                "as_of": s.as_of,
                "score": s.score,
                "grade": s.grade,
                "grade_zh": RiskGrade(s.grade).zh,
                "contributions": s.contributions,
                "config_sha256": s.config_sha256,
            }
            for s in scores
        ],
    }


@router.get("/areas", summary="Area risk of a snapshot: grids, H3 cells or jurisdictions")
def areas(
    session: SessionDep,
    user: Reader,
    kind: AreaKind = AreaKind.GRID,
    as_of: date | None = None,
) -> dict[str, Any]:
    day, rows = service.list_areas(session, user.scope, kind, as_of)
    return {
        "as_of": day,
        "kind": kind,
        "items": [
            {
                "area_key": a.area_key,
                "name": a.name,
                "units": a.units,
                "mean_score": a.mean_score,
                "max_score": a.max_score,
                "grade": a.grade,
                "grade_counts": a.grade_counts,
            }
            for a in rows
        ],
    }


@router.get("/warnings", summary="Risk warnings recorded when areas or groups crossed a line")
def warnings(session: SessionDep, user: Reader, as_of: date | None = None) -> list[dict[str, Any]]:
    return [warning_public(session, w) for w in service.list_warnings(session, user.scope, as_of)]
