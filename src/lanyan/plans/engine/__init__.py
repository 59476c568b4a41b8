"""The plan indicator engine (规划指标引擎), free of FastAPI: computations over platform records,
evaluation of a plan for a jurisdiction and a year, and the status rule. See ``evaluate`` for the
rule and ``computations`` for what each computation counts."""

from lanyan.plans.engine.core import COMPUTATIONS, Context, Figure, Source
from lanyan.plans.engine.evaluate import (
    Evaluator,
    IndicatorResult,
    PlanEvaluation,
    Status,
    due_target,
    evaluate,
    judge,
    meets,
    projection,
)

__all__ = [
    "COMPUTATIONS",
    "Context",
    "Evaluator",
    "Figure",
    "IndicatorResult",
    "PlanEvaluation",
    "Source",
    "Status",
    "due_target",
    "evaluate",
    "judge",
    "meets",
    "projection",
]
