"""API shapes of the 双随机 draw: planning one (commit) and what the public sees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lanyan.prevention import draw


class DrawPlan(BaseModel):
    """A draw to plan: the area, the sampling rates (0–1) and the sample size."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    jurisdiction: str = Field(pattern=r"^\d{6}(\d{3})?$", description="GB/T 2260 code")
    base_rate: float = Field(default=0.05, ge=0, le=1, description="share of ordinary units")
    high_risk_rate: float = Field(default=0.20, ge=0, le=1, description="share of high-risk units")
    credit_rate: float = Field(default=0.30, ge=0, le=1, description="share of credit-listed")
    grade_rates: dict[str, float] = Field(
        default_factory=lambda: dict(draw.DEFAULT_GRADE_RATES),
        description='share by risk grade I–IV, e.g. {"I": 0.5}',
    )
    sample_size: int = Field(
        default=0, ge=0, le=draw.MAX_SAMPLE, description="exactly this many units; 0: by rate"
    )
    seed: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="development and test only: refused in production (the server chooses)",
    )


class DrawCommitment(BaseModel):
    """A draw as published: the commitment at once, the seed and result count once it ran."""

    code: str
    jurisdiction: str
    jurisdiction_name: str
    announced_at: datetime
    run_after: datetime | None
    drawn_at: datetime | None
    seed_sha256: str
    units_sha256: str | None
    input_sha256: str
    sample_size: int | None
    pool_size: int
    seed: str | None
    drawn: int | None


class DrawResultPublic(BaseModel):
    """One drawn unit's inspection, published after it (一公开)."""

    unit: str
    unit_name: str
    inspected_on: str
    inspectors: list[str]
    outcome: str
    outcome_zh: str
    outcome_en: str


class DrawPublic(BaseModel):
    """The published draw: the commitment, the record anyone re-runs, the inspection results."""

    commitment: DrawCommitment
    record: dict[str, Any]
    results: list[DrawResultPublic]
