"""QR labels (二维码标签) for equipment items, as a printable sheet in PNG, SVG or PDF.

Each label carries a QR code of the item's page address (scanning it opens the item), the item
code and the kind's name. The QR symbol comes from segno (always a full QR code, never Micro QR,
which phone cameras do not read) at error correction level M; every format draws the same module
matrix. Sheets are laid out for A4 paper: 3 labels across, 7 down.

The PDF uses reportlab's built-in CID font STSong-Light for Chinese text, which every PDF reader
provides, so nothing has to be embedded. The PNG needs a TrueType font with Chinese glyphs on the
server (``LANYAN_LABEL_FONT``, or a common system font such as WenQuanYi or Noto Sans CJK).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import segno

from lanyan.core.errors import FieldProblem, ValidationFailed

COLUMNS, ROWS = 3, 7
# The media type of each format :func:`render` writes (for the HTTP response).
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
# Fonts tried for PNG sheets when LANYAN_LABEL_FONT is not set (Debian/Ubuntu/RHEL paths).
SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class Label:
    code: str
    title: str  # the kind's name, e.g. 消防员灭火防护服
    url: str


def qr(url: str) -> segno.QRCode:
    return segno.make_qr(url, error="m")


def dark_runs(symbol: segno.QRCode, border: int = 4) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules, quiet zone included."""
    for y, cells in enumerate(symbol.matrix_iter(scale=1, border=border)):
        row = list(cells)  # segno promises an iterable per row; runs need len and indexing
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


def pages(labels: Sequence[Label]) -> list[Sequence[Label]]:
    per = COLUMNS * ROWS
    return [labels[i : i + per] for i in range(0, len(labels), per)] or [[]]


def _refuse_empty(labels: Sequence[Label]) -> None:
    if not labels:
        raise ValidationFailed(
            "no items to print labels for", [FieldProblem("codes", "must name at least one item")]
        )


# --- SVG: one page, labels as nested <svg> elements with their QR as one path ---------------

CELL_W, CELL_H = 70.0, 42.0  # label size in mm on an A4 sheet (210 × 297 mm)
MARGIN_X, MARGIN_Y = 0.0, 1.5


def sheet_svg(labels: Sequence[Label]) -> str:
    """Every label on one tall SVG (mm units); pages of 3 × 7 follow each other downwards."""
    _refuse_empty(labels)
    rows = -(-len(labels) // COLUMNS)
    height = MARGIN_Y * 2 + rows * CELL_H
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="210mm" height="{height:.1f}mm" viewBox="0 0 210 {height:.1f}">',
        '<rect width="100%" height="100%" fill="#fff"/>',
    ]
    for i, label in enumerate(labels):
        x = MARGIN_X + (i % COLUMNS) * CELL_W
        y = MARGIN_Y + (i // COLUMNS) * CELL_H
        symbol = qr(label.url)
        modules = symbol.symbol_size(border=4)[0]
        d = "".join(f"M{cx} {cy}h{n}v1h-{n}z" for cy, cx, n in dark_runs(symbol))
        parts.append(
            f'<g class="label" data-code="{escape(label.code)}">'
            f'<rect x="{x + 1:.1f}" y="{y + 1:.1f}" width="{CELL_W - 2:.1f}" '
            f'height="{CELL_H - 2:.1f}" rx="2" fill="none" stroke="#bbb" stroke-width="0.2"/>'
            f'<svg x="{x + 2:.1f}" y="{y + 2:.1f}" width="38" height="38" '
            f'viewBox="0 0 {modules} {modules}" shape-rendering="crispEdges">'
            f'<path fill="#000" d="{d}"/></svg>'
            f'<text x="{x + 41:.1f}" y="{y + 16:.1f}" font-size="4.2" font-weight="bold" '
            f'font-family="monospace">{escape(label.code)}</text>'
            f'<text x="{x + 41:.1f}" y="{y + 23:.1f}" font-size="3.2" '
            f'font-family="sans-serif">{escape(label.title[:9])}</text>'
            f'<text x="{x + 41:.1f}" y="{y + 29:.1f}" font-size="2.6" fill="#555" '
            'font-family="sans-serif">扫码查看 Scan me</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --- PDF: A4 pages drawn with reportlab ------------------------------------------------------


def sheet_pdf(labels: Sequence[Label], title: str = "装备标签 Equipment labels") -> bytes:
    """A4 pages of 3 × 7 labels; QR modules drawn as vector rectangles."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    _refuse_empty(labels)
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(title)
    page_h = A4[1]
    for page in pages(labels):
        for i, label in enumerate(page):
            x = (MARGIN_X + (i % COLUMNS) * CELL_W) * mm
            top = page_h - (MARGIN_Y + (i // COLUMNS) * CELL_H) * mm
            pdf.setStrokeGray(0.75)
            pdf.setLineWidth(0.3)
            pdf.roundRect(
                x + mm, top - (CELL_H - 1) * mm, (CELL_W - 2) * mm, (CELL_H - 2) * mm, 2 * mm
            )
            symbol = qr(label.url)
            modules = symbol.symbol_size(border=4)[0]
            unit = 38 * mm / modules
            pdf.setFillGray(0)
            for row, col, n in dark_runs(symbol):
                pdf.rect(
                    x + 2 * mm + col * unit, top - 2 * mm - (row + 1) * unit, n * unit, unit, 0, 1
                )
            pdf.setFont("Courier-Bold", 11)
            pdf.drawString(x + 41 * mm, top - 16 * mm, label.code)
            pdf.setFont("STSong-Light", 9)
            pdf.drawString(x + 41 * mm, top - 23 * mm, label.title[:9])
            pdf.setFont("STSong-Light", 7)
            pdf.setFillGray(0.35)
            pdf.drawString(x + 41 * mm, top - 29 * mm, "扫码查看 Scan me")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# --- PNG: one image at 300 dpi drawn with Pillow ---------------------------------------------


def find_font(configured: str = "") -> Path:
    """The TrueType font PNG labels are written in; a clear error when there is none."""
    candidates = [configured] if configured else list(SYSTEM_FONTS)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ValidationFailed(
        "no font with Chinese glyphs for PNG labels",
        [
            FieldProblem(
                "LANYAN_LABEL_FONT",
                f"must name a TrueType/OpenType CJK font file (tried {', '.join(candidates)}); "
                "or print the SVG or PDF sheet",
            )
        ],
    )


def sheet_png(labels: Sequence[Label], font: Path, dpi: int = 300) -> bytes:
    """Every label on one PNG at ``dpi`` (3 across), the same layout as the SVG."""
    from PIL import Image, ImageDraw, ImageFont

    _refuse_empty(labels)
    px = dpi / 25.4  # pixels per mm
    rows = -(-len(labels) // COLUMNS)
    image = Image.new("1", (round(210 * px), round((MARGIN_Y * 2 + rows * CELL_H) * px)), 1)
    draw = ImageDraw.Draw(image)
    code_font = ImageFont.truetype(str(font), round(4.2 * px))
    title_font = ImageFont.truetype(str(font), round(3.2 * px))
    hint_font = ImageFont.truetype(str(font), round(2.6 * px))
    for i, label in enumerate(labels):
        x = (MARGIN_X + (i % COLUMNS) * CELL_W) * px
        y = (MARGIN_Y + (i // COLUMNS) * CELL_H) * px
        draw.rounded_rectangle(
            (x + px, y + px, x + (CELL_W - 1) * px, y + (CELL_H - 1) * px),
            radius=2 * px,
            outline=0,
            width=3,
        )
        symbol = qr(label.url)
        modules = symbol.symbol_size(border=4)[0]
        unit = max(1, int(38 * px / modules))  # whole pixels per module keep the code sharp
        ox, oy = round(x + 2 * px), round(y + 2 * px)
        for row, col, n in dark_runs(symbol):
            draw.rectangle(
                (
                    ox + col * unit,
                    oy + row * unit,
                    ox + (col + n) * unit - 1,
                    oy + (row + 1) * unit - 1,
                ),
                fill=0,
            )
        draw.text((x + 41 * px, y + 12 * px), label.code, font=code_font, fill=0)
        draw.text((x + 41 * px, y + 20 * px), label.title[:9], font=title_font, fill=0)
        draw.text((x + 41 * px, y + 26.5 * px), "扫码查看 Scan me", font=hint_font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()


def render(labels: Sequence[Label], fmt: str, font: str = "") -> bytes:
    """The sheet of ``labels`` as ``fmt`` (png, svg or pdf) bytes."""
    if fmt == "svg":
        return sheet_svg(labels).encode()
    if fmt == "pdf":
        return sheet_pdf(labels)
    if fmt == "png":
        return sheet_png(labels, find_font(font))
    raise ValidationFailed(
        f"unknown label format {fmt!r}", [FieldProblem("format", "must be png, svg or pdf")]
    )
