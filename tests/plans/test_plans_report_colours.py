"""The PDF, XLSX and HTML evaluation reports colour the same rows the same way and carry the same
data-completeness warning (数据不全) on the same rows as the dashboard: the PDF's status and warning
cells are read back from its drawing operators (filled rectangles and the text drawn inside them),
so a colour or a warning shifted by one row fails."""

from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lanyan.logistics.labels import SYSTEM_FONTS, find_font
from lanyan.plans import records
from lanyan.plans.catalog import load_plan
from lanyan.plans.engine import Status
from lanyan.plans.report import WARNING_COLOR, completeness_text, to_html, to_xlsx
from lanyan.plans.report_pdf import to_pdf
from lanyan.plans.service import build_report
from lanyan.plans.tracker import ProjectState
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM

from plans_support import jurisdiction, load_engine_fixture

COLOURS = {c.color.lower(): c.zh for c in [*Status, *ProjectState] if c.color}
COLOURS[WARNING_COLOR] = "warning"


def _mul(a: list[float], b: list[float]) -> list[float]:
    """PDF matrix product a × b (six-number affine matrices)."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def _page_cells(page: Any) -> list[tuple[str, str]]:
    """(text drawn inside, fill colour) of each rectangle of ``page`` filled in a status colour or
    the warning colour, top to bottom and, within a row, left to right."""
    rects: list[tuple[float, float, float, float, str]] = []
    texts: list[tuple[float, float, str]] = []
    fill = ["#000000"]
    pending: list[list[float]] = []

    def before(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op == b"rg":
            fill[0] = "#" + "".join(f"{round(float(v) * 255):02x}" for v in args)
        elif op == b"re":
            x, y, w, h = (float(v) for v in args)
            x0, y0 = x * cm[0] + y * cm[2] + cm[4], x * cm[1] + y * cm[3] + cm[5]
            pending.append([x0, y0, x0 + w * cm[0], y0 + h * cm[3]])
        elif op in (b"f", b"F", b"f*", b"B", b"b"):
            for x0, y0, x1, y1 in pending:
                if fill[0] in COLOURS:
                    rects.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), fill[0]))
            pending.clear()
        elif op == b"n":
            pending.clear()

    def text(t: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if t.strip():
            m = _mul(tm, cm)
            texts.append((m[4], m[5], t))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    rects.sort(key=lambda r: (-round(r[3], 1), r[0]))
    return [
        (re.sub(r"\s+", "", "".join(t for x, y, t in texts if x0 <= x <= x1 and y0 <= y <= y1)), c)
        for x0, y0, x1, y1, c in rects
    ]


def pdf_status_cells(data: bytes) -> list[tuple[str, str]]:
    """The status cells of every page, in reading order."""
    return [cell for page in PdfReader(io.BytesIO(data)).pages for cell in _page_cells(page)]


@pytest.mark.skipif(
    not any(Path(f).is_file() for f in SYSTEM_FONTS) and os.environ.get("CI") != "true",
    reason="no CJK font on this machine",
)
def test_pdf_xlsx_and_html_colour_the_same_rows(uow: Any) -> None:
    load_engine_fixture(uow)
    plan = load_plan("kaifeng")
    with uow() as s:
        county = jurisdiction(s, "320904")
        records.add_progress(
            s,
            SYSTEM,
            EVERYWHERE,
            {
                "plan": "kaifeng",
                "project": "station_fuxing_avenue",
                "jurisdiction": "320904",
                "reported_on": "2022-06-01",
                "completed": True,
            },
        )
        report = build_report(s, plan, county, 2023, today=date(2024, 3, 1))
    statuses = [r.status for r in report.evaluation.results]
    states = [x.state for x in report.projects]
    # Rows of two statuses or more: some neighbours differ, so a shift by one row shows.
    assert len(set(statuses)) >= 2 and len(set(states)) >= 2
    expected = [(s.zh, s.color) for s in statuses] + [(s.zh, s.color) for s in states]
    warnings = [completeness_text(r.completeness) for r in report.evaluation.results]
    # Some rows warn and some do not, so a warning shifted by one row shows.
    assert any(warnings) and not all(warnings)
    # In the PDF a row's warning cell follows its status cell (same row, further right).
    pdf_expected = [
        cell
        for s, w in zip(statuses, warnings, strict=True)
        for cell in [(s.zh, s.color), *([(w, WARNING_COLOR)] if w else [])]
    ] + [(s.zh, s.color) for s in states]
    pdf = pdf_status_cells(to_pdf(report, find_font()))
    assert pdf == [(re.sub(r"\s+", "", t), c) for t, c in pdf_expected]

    book = load_workbook(io.BytesIO(to_xlsx(report)))
    xlsx = [
        (row[9].value, "#" + row[9].fill.start_color.rgb[-6:].lower())
        for row in book["指标 Indicators"].iter_rows(min_row=2)
    ] + [
        (row[6].value, "#" + row[6].fill.start_color.rgb[-6:].lower())
        for row in book["项目 Projects"].iter_rows(min_row=2)
    ]
    assert xlsx == expected
    rows = list(book["指标 Indicators"].iter_rows(min_row=2))
    assert [row[-1].value or "" for row in rows] == warnings
    assert ["#" + row[-1].fill.start_color.rgb[-6:].lower() == WARNING_COLOR for row in rows] == [
        bool(w) for w in warnings
    ]

    html = to_html(report)
    spans = re.findall(
        r'<span class="status" style="background: (#[0-9a-fA-F]{6})">([^<]+)</span>', html
    )
    # The summary's legend comes first, one span per status.
    body = [(text, colour.lower()) for colour, text in spans[len(Status) :]]
    assert body == expected
    cells = re.findall(r'<tr id="ind-[^"]+">.*?</tr>', html, re.S)
    shown = [re.findall(r'<span class="warning"[^>]*>⚠ ([^<]+)</span>', c) for c in cells]
    assert shown == [[w] if w else [] for w in warnings]
