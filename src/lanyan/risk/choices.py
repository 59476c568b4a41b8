"""Enumerations of risk: the grade and the kinds of area and warning."""

from __future__ import annotations

from lanyan.registry.choices import Choice


class RiskGrade(Choice):
    """风险等级, shown in the national four colours (红橙黄蓝)."""

    I = ("I", "I级（红）", "Grade I (red)", "#d7191c")  # noqa: E741
    II = ("II", "II级（橙）", "Grade II (orange)", "#fd8d3c")
    III = ("III", "III级（黄）", "Grade III (yellow)", "#fed92f")
    IV = ("IV", "IV级（蓝）", "Grade IV (blue)", "#2b83ba")


class AreaKind(Choice):
    GRID = ("grid", "网格", "Grid")
    H3 = ("h3", "H3 六边形", "H3 cell")
    JURISDICTION = ("jurisdiction", "行政区", "Jurisdiction")


class WarningKind(Choice):
    """What crossed its line (see ``warnings`` in weights.yaml)."""

    AREA_SCORE = ("area_score", "区域风险指数超线", "Area risk score over the line")
    AREA_GRADE_I = ("area_grade_i_units", "区域红色单位过多", "Too many grade-I units in area")
    GROUP_HIGH_SHARE = ("group_high_share", "行业高风险占比超线", "High-risk share of a group")
