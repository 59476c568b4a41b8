"""The evaluation report (规划中期评估 / 终期评估) as PDF, built with reportlab's platypus.

The PDF embeds a subset of a CJK TrueType font found on the server (``LANYAN_LABEL_FONT`` or a
common system font such as WenQuanYi; see ``logistics.labels.find_font``), so it prints the same
anywhere and its Chinese text can be searched and extracted (the embedded subset carries a
ToUnicode map). Same content as the HTML report: summary, indicators with lineage and the
data-completeness warning (数据不全, the dashboard's words, on an amber cell), projects.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lanyan.plans.engine import Status
from lanyan.plans.report import WARNING_COLOR, Report, _number, completeness_text, lineage_text

FONT_NAME = "LanyanCJK"


def _register(font: Path) -> str:
    """Register ``font`` once under a name of its own (the first face of a .ttc collection)."""
    name = f"{FONT_NAME}-{font.stem}"
    if name not in pdfmetrics.getRegisteredFontNames():
        # Face 0: the first of a .ttc collection, the only one of a .ttf.
        pdfmetrics.registerFont(TTFont(name, str(font), subfontIndex=0))
    return name


def to_pdf(report: Report, font: Path) -> bytes:
    """The report as an A4 landscape PDF written in ``font`` (a CJK TrueType/OpenType file)."""
    face = _register(font)
    styles = {
        "title": ParagraphStyle("t", fontName=face, fontSize=15, leading=20, wordWrap="CJK"),
        "sub": ParagraphStyle(
            "s",
            fontName=face,
            fontSize=8.5,
            leading=12,
            textColor=colors.HexColor("#5b6577"),
            wordWrap="CJK",
        ),
        "h2": ParagraphStyle(
            "h",
            fontName=face,
            fontSize=11.5,
            leading=16,
            spaceBefore=8,
            spaceAfter=4,
            textColor=colors.HexColor("#0b5cad"),
            wordWrap="CJK",
        ),
        "cell": ParagraphStyle("c", fontName=face, fontSize=7.5, leading=9.5, wordWrap="CJK"),
        "small": ParagraphStyle(
            "m",
            fontName=face,
            fontSize=6.5,
            leading=8,
            textColor=colors.HexColor("#5b6577"),
            wordWrap="CJK",
        ),
    }

    def p(text: object, style: str = "cell") -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles[style])

    def grid(
        rows: Sequence[list[Any]],
        widths: list[float],
        colour_col: int | None = None,
        colours: Sequence[str | None] | None = None,
        warn_col: int | None = None,
        warned: Sequence[bool] = (),
    ) -> Table:
        table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
        style: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), face),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9d1dd")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        # ``colours`` holds one entry per body row; row 0 is the header (repeated on each page).
        for i, colour in enumerate(colours or [], start=1):
            if colour_col is not None and colour:
                style.append(
                    ("BACKGROUND", (colour_col, i), (colour_col, i), colors.HexColor(colour))
                )
        for i, warn in enumerate(warned, start=1):
            if warn_col is not None and warn:
                style.append(
                    ("BACKGROUND", (warn_col, i), (warn_col, i), colors.HexColor(WARNING_COLOR))
                )
        table.setStyle(TableStyle(style))
        return table

    ev = report.evaluation
    story: list[Flowable] = [
        p(report.title, "title"),
        p(
            f"{ev.plan.title_en} — {report.kind_en} {ev.year}, {ev.jurisdiction_name} "
            f"({ev.jurisdiction_code}) · 评估基准日 as of {report.as_of.isoformat()} · "
            f"规划期 {ev.plan.period_start}–{ev.plan.period_end}",
            "sub",
        ),
        p("一、总体情况 Summary", "h2"),
    ]
    counts = ev.counts()
    late = sum(1 for x in report.projects if x.late)
    story.append(
        grid(
            [
                [p(f"{s.zh} {s.en}") for s in Status] + [p("滞后项目 late projects")],
                [p(counts[s]) for s in Status] + [p(late)],
            ],
            [40] * (len(Status) + 1),
        )
    )
    story += [Spacer(1, 4 * mm), p("二、指标完成情况 Indicators", "h2")]
    rows: list[list[object]] = [
        [
            p(h)
            for h in (
                "指标 Indicator",
                "属性",
                "比较",
                "目标",
                "本年目标",
                "数值 Value",
                "单位",
                "状态",
                "到期预测",
                "数据来源 Lineage",
                "数据完整性",
            )
        ]
    ]
    for r in ev.results:
        ind = r.indicator
        if ind.manual:
            source = "人工填报" + "".join(
                f"：{e['year']} {e['evidence']}" + (f"（{e['file']}）" if e["file"] else "")
                for e in r.manual_evidence
            )
        else:
            source = lineage_text(r)
        if r.figure.note:
            source += f"\n{r.figure.note}"
        rows.append(
            [
                [p(ind.name_zh), p(f"{ind.name_en} · {ind.id}", "small")],
                p(ind.attribute.zh),
                p(ind.comparison.zh),
                p(f"{_number(ind.target)}（{ind.deadline}）"),
                p(_number(r.target_due)),
                p(_number(r.value)),
                p(ind.unit.zh),
                p(r.status.zh),
                p(_number(r.projected)),
                p(source[:600], "small"),
                p(completeness_text(r.completeness), "small"),
            ]
        )
    story.append(
        grid(
            rows,
            [56, 12, 15, 22, 15, 17, 15, 14, 15, 54, 38],
            7,
            [r.status.color for r in ev.results],
            10,
            [bool(completeness_text(r.completeness)) for r in ev.results],
        )
    )
    story += [Spacer(1, 4 * mm), p("三、重点项目 Projects", "h2")]
    prow: list[list[object]] = [
        [
            p(h)
            for h in ("项目 Project", "类别", "规模", "已完成", "到期", "状态", "里程碑 Milestones")
        ]
    ]
    for x in report.projects:
        prow.append(
            [
                [p(x.project.name_zh), p(f"{x.project.name_en} · {x.project.id}", "small")],
                p(x.project.kind.zh),
                p(_number(x.project.quantity)),
                p(_number(x.delivered)),
                p(x.due_year),
                p(x.state.zh),
                p(
                    "；".join(
                        f"{m.year} {m.name}"
                        + (f" ✓{m.reached_on.isoformat()}" if m.reached_on else "")
                        + (" 滞后" if m.late or m.reached_late else "")
                        for m in x.milestones
                    ),
                    "small",
                ),
            ]
        )
    story.append(
        grid(
            prow,
            [80, 18, 16, 16, 14, 16, 107],
            5,
            [x.state.color for x in report.projects],
        )
    )
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=report.title,
        author="Lanyan 蓝焰",
    )
    doc.build(story)
    return out.getvalue()
