"""The unit's file as an XLSX workbook and an A4 PDF: renderers over plain values (no database).

The page builds a :class:`FileReport` (already in the reader's language) and hands it here. The
PDF is written in a CJK TrueType font found on the server (``logistics.labels.find_font``), the
same way the plans report prints Chinese."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Section:
    title: str
    total: int
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the latest few; ``total`` counts them all


@dataclass(frozen=True)
class FileReport:
    title: str
    facts: tuple[tuple[str, str], ...]  # unit facts and filing fields, label → value
    sections: tuple[Section, ...] = field(default=())
    note: str = ""  # e.g. "each list shows the latest N of its total"


def to_xlsx(report: FileReport) -> bytes:
    """One sheet for the facts and the filing fields, one per section."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.title[:31] or "file"
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in report.facts:
        sheet.append([label, value])
    if report.note:
        sheet.append([])
        sheet.append([report.note])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60
    for n, sec in enumerate(report.sections, start=1):
        ws = book.create_sheet(f"{n:02d} {sec.title}"[:31])
        ws.append([sec.title, sec.total])
        ws["A1"].font = Font(bold=True)
        ws.append(list(sec.columns))
        for row in sec.rows:
            ws.append(list(row))
        for i in range(len(sec.columns)):
            ws.column_dimensions[chr(ord("A") + i)].width = 22
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(report: FileReport, font: Path) -> bytes:
    """The file on A4 portrait: the facts table, then each section's count and latest rows."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    face = f"LanyanUnitFile-{font.stem}"
    if face not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(face, str(font), subfontIndex=0))
    title = ParagraphStyle("t", fontName=face, fontSize=15, leading=20, wordWrap="CJK")
    head = ParagraphStyle("h", fontName=face, fontSize=11, leading=15, wordWrap="CJK")
    cell = ParagraphStyle("c", fontName=face, fontSize=8, leading=10, wordWrap="CJK")
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
        ]
    )
    width = A4[0] - 30 * mm
    story: list = [Paragraph(report.title, title), Spacer(1, 4 * mm)]
    facts = [[Paragraph(a, cell), Paragraph(b or "—", cell)] for a, b in report.facts]
    if facts:
        t = Table(facts, colWidths=[45 * mm, width - 45 * mm])
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
        story += [t, Spacer(1, 3 * mm)]
    if report.note:
        story.append(Paragraph(report.note, cell))
    for sec in report.sections:
        story += [Spacer(1, 4 * mm), Paragraph(f"{sec.title}（{sec.total}）", head)]
        if sec.rows:
            data = [[Paragraph(c, cell) for c in sec.columns]]
            data += [[Paragraph(v or "—", cell) for v in row] for row in sec.rows]
            t = Table(data, colWidths=[width / len(sec.columns)] * len(sec.columns), repeatRows=1)
            t.setStyle(grid)
            story.append(t)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=report.title,
    )
    doc.build(story)
    return out.getvalue()
