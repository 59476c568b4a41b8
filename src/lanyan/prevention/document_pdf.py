"""An enforcement document (执法文书) as an A4 PDF, built with reportlab's platypus.

Like the plans' evaluation report (``plans/report_pdf.py``), the PDF embeds a subset of a CJK
TrueType font found on the server (``LANYAN_LABEL_FONT`` or a common system font), so it prints
the same anywhere and its Chinese text can be searched and extracted; with no such font it falls
back to reportlab's CID font STSong-Light (the reader supplies the glyphs). A document not yet
issued carries 草稿 / 未签发 in its number line and no number.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from lanyan.prevention import document_templates as templates
from lanyan.prevention.choices import DocumentKind

FONT_NAME = "LanyanDoc"
CID_FONT = "STSong-Light"


def _register(font: Path | None) -> str:
    if font is None:
        if CID_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
        return CID_FONT
    name = f"{FONT_NAME}-{font.stem}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(font), subfontIndex=0))
    return name


def to_pdf(kind: DocumentKind, facts: dict[str, Any], font: Path | None) -> bytes:
    """The ``kind`` document filled with ``facts`` (``document_service.facts_for_pdf``)."""
    face = _register(font)
    grey = colors.HexColor("#5b6577")
    styles = {
        "authority": ParagraphStyle(
            "a", fontName=face, fontSize=16, leading=24, alignment=TA_CENTER, wordWrap="CJK"
        ),
        "title": ParagraphStyle(
            "t", fontName=face, fontSize=20, leading=30, alignment=TA_CENTER, wordWrap="CJK"
        ),
        "number": ParagraphStyle(
            "n", fontName=face, fontSize=11, leading=16, alignment=TA_RIGHT, wordWrap="CJK"
        ),
        "body": ParagraphStyle(
            "b", fontName=face, fontSize=12, leading=21, firstLineIndent=24, wordWrap="CJK"
        ),
        "plain": ParagraphStyle("p", fontName=face, fontSize=12, leading=21, wordWrap="CJK"),
        "sign": ParagraphStyle(
            "s", fontName=face, fontSize=12, leading=21, alignment=TA_RIGHT, wordWrap="CJK"
        ),
        "small": ParagraphStyle(
            "m", fontName=face, fontSize=8, leading=11, textColor=grey, wordWrap="CJK"
        ),
    }

    def p(text: str, style: str) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), styles[style])

    addressee, body = templates.fill(kind, facts)
    number = facts["number"] or "（草稿，未签发，无文号）"
    story: list[Flowable] = [
        p(facts["authority"], "authority"),
        p(kind.zh, "title"),
        p(number, "number"),
        Spacer(1, 6 * mm),
        p(addressee, "plain"),
    ]
    story += [p(paragraph, "body") for paragraph in body]
    story += [
        Spacer(1, 14 * mm),
        p(f"{facts['authority']}（印章）", "sign"),
        p(facts["issued_on"] or "年　　月　　日", "sign"),
        Spacer(1, 12 * mm),
        p(f"{templates.template(kind).receipt}　　　　　　　　　　　　年　　月　　日", "plain"),
        Spacer(1, 8 * mm),
        p(templates.catalogue().disclaimer, "small"),
    ]
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=26 * mm,
        rightMargin=24 * mm,
        topMargin=30 * mm,
        bottomMargin=25 * mm,
        title=f"{kind.zh} {facts['number']}".strip(),
        author="Lanyan 蓝焰",
    )
    doc.build(story)
    return out.getvalue()


def review_pdf(
    facts: dict[str, Any], reviews: list[tuple[str, str, str, str]], font: Path | None
) -> bytes:
    """The 法制审核意见 of a decision: the case, then each review (date, reviewer, conclusion,
    reasons) in order. ``facts`` as for :func:`to_pdf` plus ``kind``, ``officer``."""
    face = _register(font)
    title = ParagraphStyle("t", fontName=face, fontSize=18, leading=28, alignment=TA_CENTER)
    body = ParagraphStyle("b", fontName=face, fontSize=12, leading=21, wordWrap="CJK")
    small = ParagraphStyle(
        "m", fontName=face, fontSize=8, leading=11, textColor=colors.HexColor("#5b6577")
    )

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story: list[Flowable] = [
        p(facts["authority"], ParagraphStyle("a", parent=title, fontSize=15)),
        p("法制审核意见", title),
        Spacer(1, 5 * mm),
        p(f"文书：{facts['kind']}　{facts['number'] or '（未签发）'}"),
        p(f"当事人：{facts['unit_name']}（{facts['unit_code']}）"),
        p(f"检查编号：{facts['inspection_code']}　承办人：{facts['officer']}"),
        p(f"法律依据：{facts['bases']}"),
        p(f"违法事实：{facts['facts']}"),
        Spacer(1, 4 * mm),
    ]
    for day, reviewer, conclusion, reasons in reviews:
        story.append(p(f"{day}　审核人：{reviewer}　结论：{conclusion}"))
        if reasons:
            story.append(p(f"意见：{reasons}"))
        story.append(Spacer(1, 2 * mm))
    story += [Spacer(1, 8 * mm), p(templates.catalogue().disclaimer, small)]
    out = BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=26 * mm,
        rightMargin=24 * mm,
        topMargin=30 * mm,
        bottomMargin=25 * mm,
        title="法制审核意见",
        author="Lanyan 蓝焰",
    ).build(story)
    return out.getvalue()
