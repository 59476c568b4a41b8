"""Evaluation report (规划中期评估 / 终期评估) of a plan for a jurisdiction and a year, as XLSX
(openpyxl) and as printable HTML (Jinja2; print CSS, locally installed CJK fonts, nothing fetched).

A year before the plan's last year gives the mid-term evaluation, the last year (or later) the
final evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from lanyan.core import cells
from lanyan.core.timeutil import CHINA_TZ
from lanyan.plans.assessment import DEFAULT_WEIGHTS, Assessment, WeightsInForce
from lanyan.plans.engine import IndicatorResult, PlanEvaluation, Status
from lanyan.plans.engine.evaluate import Completeness
from lanyan.plans.tracker import ProjectStatus


@dataclass
class Report:
    evaluation: PlanEvaluation
    projects: list[ProjectStatus]
    as_of: date

    @property
    def kind_zh(self) -> str:
        return "终期评估" if self.evaluation.year >= self.evaluation.plan.period_end else "中期评估"

    @property
    def kind_en(self) -> str:
        return (
            "final evaluation"
            if self.evaluation.year >= self.evaluation.plan.period_end
            else "mid-term evaluation"
        )

    @property
    def title(self) -> str:
        ev = self.evaluation
        return f"{ev.plan.title_zh} {self.kind_zh}（{ev.year}年度 · {ev.jurisdiction_name}）"


def _number(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.4g}" if abs(v) < 1 else f"{v:,.2f}"


def lineage_text(r: IndicatorResult) -> str:
    parts = []
    for s in r.figure.sources:
        ids = f" ids {list(s.ids)}" if s.ids is not None else ""
        parts.append(f"{s.table}: {s.records} 条 ({s.where}){ids}")
    return "; ".join(parts)


# The words of the data-completeness warning (数据不全) beside an indicator computed from thin data,
# zh-CN then English. The dashboard's catalogue takes them in (web/plans/pages.py ``WORDS``), and
# the reports write the same sentence with ``completeness_text``, so all of them say the same.
COMPLETENESS_WORDS: dict[str, tuple[str, str]] = {
    "plan_data_warning": ("数据不全", "Incomplete data"),
    "plan_records": ("依据 {n} 条记录", "from {n} records"),
    "plan_missing_years": ("缺 {years} 年数据", "no data for {years}"),
    "plan_stand_in_population": (
        "缺 {year} 年人口，沿用 {used} 年",
        "no population for {year}; {used}'s used",
    ),
    "plan_sep": ("；", "; "),
    "plan_list_sep": ("、", ", "),
}
# The fill of a warning cell in the PDF and XLSX reports (the dashboard's .completeness colour).
WARNING_COLOR = "#fff4e0"


def completeness_text(c: Completeness | None, lang: str = "zh") -> str:
    """The warning beside a computed value resting on thin or incomplete data, word for word the
    dashboard's (without its ⚠ marker): "数据不全 依据 4 条记录；缺 2021 年数据；…"; "" when the
    data is complete enough (or the indicator is manual / has no value)."""
    if c is None or not c.warn:
        return ""
    i = 0 if lang == "zh" else 1

    def t(key: str, **kw: object) -> str:
        return COMPLETENESS_WORDS[key][i].format(**kw)

    parts = [t("plan_records", n=c.records)]
    if c.missing_years:
        parts.append(
            t("plan_missing_years", years=t("plan_list_sep").join(map(str, c.missing_years)))
        )
    parts += [t(f"plan_stand_in_{what}", year=year, used=used) for what, year, used in c.stand_ins]
    return f"{t('plan_data_warning')} {t('plan_sep').join(parts)}"


INDICATOR_COLUMNS = [
    ("编号 Id", 26),
    ("指标 Indicator", 40),
    ("属性 Attribute", 10),
    ("单位 Unit", 14),
    ("比较 Comparison", 14),
    ("目标 Target", 10),
    ("本年目标 Due this year", 12),
    ("期限 Deadline", 8),
    ("数值 Value", 12),
    ("状态 Status", 10),
    ("到期预测 Projected", 12),
    ("分子 Numerator", 12),
    ("分母 Denominator", 12),
    ("方式 How", 24),
    ("数据来源 Lineage", 60),
    ("说明 Note", 40),
    ("数据完整性 Data completeness", 40),
]
PROJECT_COLUMNS = [
    ("编号 Id", 30),
    ("项目 Project", 40),
    ("类别 Kind", 12),
    ("规模 Quantity", 10),
    ("已完成 Delivered", 10),
    ("到期 Due", 8),
    ("状态 State", 10),
    ("里程碑 Milestones", 60),
]


def _fill(color: str) -> PatternFill:
    return PatternFill("solid", start_color=color.lstrip("#"), end_color=color.lstrip("#"))


def _sheet(ws: Any, columns: list[tuple[str, int]], rows: list[list[Any]]) -> None:
    cells.append(ws, [c for c, _ in columns])
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        ws.cell(row=1, column=i).font = Font(bold=True)
    for row in rows:
        cells.append(ws, row)
    ws.freeze_panes = "C2"
    for row_cells in ws.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def to_xlsx(report: Report) -> bytes:
    """The report as an XLSX workbook: 摘要 Summary, 指标 Indicators, 项目 Projects."""
    ev = report.evaluation
    wb = Workbook()
    summary = wb.active
    assert isinstance(summary, Worksheet)  # a new workbook opens on its one worksheet
    summary.title = "摘要 Summary"
    cells.append(summary, [report.title])
    summary["A1"].font = Font(bold=True, size=14)
    cells.append(
        summary, [f"{ev.plan.title_en} — {report.kind_en} {ev.year}, {ev.jurisdiction_code}"]
    )
    cells.append(summary, [f"评估基准日 As of: {report.as_of.isoformat()}"])
    cells.append(summary, [])
    cells.append(summary, ["状态 Status", "指标数 Indicators"])
    for status, n in ev.counts().items():
        cells.append(summary, [f"{status.zh} {status.en}", n])
        summary.cell(row=summary.max_row, column=1).fill = _fill(status.color or "#ffffff")
    late = sum(1 for p in report.projects if p.late)
    cells.append(summary, ["滞后项目 Late projects", late])
    summary.column_dimensions["A"].width = 30
    summary.column_dimensions["B"].width = 18

    ws = wb.create_sheet("指标 Indicators")
    rows = []
    for r in ev.results:
        ind = r.indicator
        rows.append(
            [
                ind.id,
                f"{ind.name_zh}\n{ind.name_en}",
                ind.attribute.zh,
                ind.unit.zh,
                ind.comparison.zh,
                ind.target,
                r.target_due,
                ind.deadline,
                None if r.value is None else round(r.value, 6),
                r.status.zh,
                None if r.projected is None else round(r.projected, 6),
                r.figure.numerator,
                r.figure.denominator,
                "人工填报 manual" if ind.manual else str(ind.computation),
                lineage_text(r),
                r.figure.note,
                completeness_text(r.completeness) or None,
            ]
        )
    _sheet(ws, INDICATOR_COLUMNS, rows)
    for i, r in enumerate(ev.results, start=2):
        ws.cell(row=i, column=10).fill = _fill(r.status.color or "#ffffff")
        if completeness_text(r.completeness):
            ws.cell(row=i, column=len(INDICATOR_COLUMNS)).fill = _fill(WARNING_COLOR)

    ws = wb.create_sheet("项目 Projects")
    prows = [
        [
            p.project.id,
            f"{p.project.name_zh}\n{p.project.name_en}",
            p.project.kind.zh,
            p.project.quantity,
            p.delivered,
            p.due_year,
            p.state.zh,
            "；".join(
                f"{m.year} {m.name}"
                + (f" ✓{m.reached_on.isoformat()}" if m.reached_on else "")
                + (" 滞后" if m.late or m.reached_late else "")
                for m in p.milestones
            ),
        ]
        for p in report.projects
    ]
    _sheet(ws, PROJECT_COLUMNS, prows)
    for i, p in enumerate(report.projects, start=2):
        ws.cell(row=i, column=7).fill = _fill(p.state.color or "#ffffff")
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


_env = Environment(
    loader=PackageLoader("lanyan.plans", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["num"] = _number


def to_html(report: Report) -> str:
    """The report as one self-contained printable HTML page (inline CSS, no external resources)."""
    return _env.get_template("report.html").render(
        r=report,
        ev=report.evaluation,
        counts=report.evaluation.counts(),
        statuses=list(Status),
        lineage=lineage_text,
        warning=completeness_text,
    )


def weights_source_text(w: WeightsInForce) -> str:
    """Who set the weights when, zh-CN then English, or that they are the platform's default."""
    if w.is_default or w.set_at is None:
        return "平台默认规则和权重，非规划原文 Platform default rule and weights, not the plan's"
    when = w.set_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    return (
        f"权重由 {w.name}（{w.code}）{w.set_by} 于 {when} 设定，非规划原文 "
        f"Weights set for {w.code} by {w.set_by} at {when} (UTC+8), not the plan's"
    )


def assessment_xlsx(
    plan_title: str,
    year: int,
    ranked: list[tuple[int, Assessment, str]],
    weights: WeightsInForce | None = None,
) -> bytes:
    """规划实施考核 as a workbook: 排名 Ranking (the weights used and who set them when, then
    one row per adopting jurisdiction, best first) and 明细 Breakdown (every indicator and
    project of each, with its status and points)."""
    w = weights or WeightsInForce(DEFAULT_WEIGHTS)
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = "排名 Ranking"
    cells.append(ws, [f"{plan_title} 规划实施考核（{year}年度）"])
    ws["A1"].font = Font(bold=True, size=14)
    cells.append(ws, [weights_source_text(w)])
    cells.append(ws, [w.points_text()])
    header = [
        ("名次 Rank", 8),
        ("辖区代码 Code", 14),
        ("辖区 Jurisdiction", 20),
        ("指标得分 Indicators", 12),
        ("项目得分 Projects", 12),
        ("权重 Weights", 12),
        ("总分 Total", 10),
        ("无数据指标 Missing", 50),
    ]
    cells.append(ws, [h for h, _ in header])
    for i, (_, width) in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        ws.cell(row=4, column=i).font = Font(bold=True)
    for n, a, name in ranked:
        cells.append(
            ws,
            [
                n,
                a.jurisdiction,
                name,
                None if a.indicator_score is None else round(a.indicator_score, 2),
                None if a.project_score is None else round(a.project_score, 2),
                f"{a.weights.indicators:g}/{a.weights.projects:g}",
                round(a.total, 2),
                "、".join(a.missing),
            ],
        )
    detail = wb.create_sheet("明细 Breakdown")
    rows = [
        [a.jurisdiction, kind, x.id, x.status, x.points]
        for _, a, _ in ranked
        for kind, lines in (("指标 indicator", a.indicators), ("项目 project", a.projects))
        for x in lines
    ]
    _sheet(
        detail,
        [
            ("辖区代码 Code", 14),
            ("类别 Kind", 14),
            ("编号 Id", 30),
            ("状态 Status", 12),
            ("得分 Points", 10),
        ],
        rows,
    )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
