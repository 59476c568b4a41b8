"""Fire records in and out of files: import CSV or XLSX (all or nothing, broken rows named by
line), export the records as CSV or XLSX, and the analysis as a workbook."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core import cells as safe
from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.timeutil import to_local
from lanyan.registry.models import Building, Jurisdiction, Unit
from lanyan.registry.scope import Scope
from lanyan.response import public as response
from lanyan.stats.choices import FireCause, FireGrade, FirePlace
from lanyan.stats.models import FireRecord
from lanyan.stats.records import COLUMNS, HEADER_ALIASES, in_scope

Rows = list[tuple[int, dict[str, Any]]]
DERIVED = {"火灾等级", "grade"}  # written by the export, computed again on import
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _header(cells: Iterable[Any]) -> list[str]:
    names = []
    problems = []
    for i, cell in enumerate(cells, start=1):
        text = "" if cell is None else str(cell).strip()
        key = "" if text in DERIVED else HEADER_ALIASES.get(text, text)
        if key and key not in COLUMNS:
            problems.append(
                FieldProblem(text, f"unknown column {i}; known: {', '.join(COLUMNS)}", 1)
            )
        names.append(key)
    if problems:
        raise ValidationFailed("import refused: unknown columns", problems)
    for needed in ("jurisdiction", "occurred_at"):
        if needed not in names and "incident" not in names:
            raise ValidationFailed(
                f"import refused: no {needed} column",
                [FieldProblem(needed, "required column (or an incident column)", 1)],
            )
    return names


def read_rows(data: bytes, file_name: str) -> Rows:
    """(line number, values) of each non-empty data row; line 1 is the header."""
    if file_name.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
            raise ValidationFailed(
                "the file is not a readable XLSX workbook", [FieldProblem("file", str(exc)[:200])]
            ) from None
        lines = [list(r) for r in sheet.iter_rows(values_only=True)]  # type: ignore[union-attr]
    elif file_name.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ValidationFailed(
                    "the CSV is neither UTF-8 nor GB18030",
                    [FieldProblem("file", "must be UTF-8 or GB18030 text")],
                ) from None
        reader = csv.reader(io.StringIO(text))
        try:
            lines = [[safe.from_csv_text(c) for c in line] for line in reader]
        except csv.Error as exc:  # e.g. a cell over the csv module's 128 KiB field limit
            raise ValidationFailed(
                "the file is not valid CSV",
                [FieldProblem("file", f"is not valid CSV: {exc}", reader.line_num)],
            ) from None
    else:
        raise ValidationFailed(
            "unsupported file type", [FieldProblem("file", "must end in .csv or .xlsx")]
        )
    if not lines:
        raise ValidationFailed("the file is empty", [FieldProblem("file", "needs a header row")])
    names = _header(lines[0])
    rows: Rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        values: dict[str, Any] = {}
        for key, cell in zip(names, cells, strict=False):
            if key:
                values[key] = cell.isoformat(sep=" ") if isinstance(cell, datetime) else cell
        rows.append((number, values))
    if not rows:
        raise ValidationFailed("the file has no rows", [FieldProblem("file", "needs data rows", 2)])
    return rows


def record_rows(session: Session, scope: Scope, year: int | None = None) -> list[dict[str, Any]]:
    """The records inside ``scope`` (one year or all) as export rows keyed like ``COLUMNS``."""
    query = (
        select(
            FireRecord,
            Jurisdiction.code,
            response.code_of(FireRecord.incident_id),
            Unit.code,
            Building.code,
        )
        .join(Jurisdiction, Jurisdiction.id == FireRecord.jurisdiction_id)
        .outerjoin(Unit, Unit.id == FireRecord.unit_id)
        .outerjoin(Building, Building.id == FireRecord.building_id)
        .where(in_scope(scope))
        .order_by(FireRecord.occurred_on, FireRecord.code)
    )
    if year is not None:
        query = query.where(FireRecord.year == year)
    out = []
    for r, jcode, icode, ucode, bcode in session.execute(query):
        local = to_local(r.occurred_at)
        out.append(
            {
                "code": r.code,
                "jurisdiction": jcode,
                "occurred_at": local.strftime("%Y-%m-%d %H:%M")
                if local
                else r.occurred_on.isoformat(),
                "address": r.address,
                "lon": r.lon,
                "lat": r.lat,
                "incident": icode or "",
                "unit": ucode or "",
                "building": bcode or "",
                "place": r.place,
                "cause": r.cause,
                "deaths": r.deaths,
                "injuries": r.injuries,
                "serious_injuries": r.serious_injuries,
                "direct_loss_yuan": r.direct_loss_yuan,
                "burned_area_m2": r.burned_area_m2,
                "simplified": "是" if r.simplified else "否",
                "major_social_impact": "是" if r.major_social_impact else "否",
                "note": r.note,
                "grade": FireGrade(r.grade).zh,
            }
        )
    return out


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with BOM (spreadsheet programs in China open it right), zh-CN headers that the
    importer reads back; the derived grade is the last column and ignored on import."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*COLUMNS.values(), "火灾等级"])
    for r in rows:
        writer.writerow(
            safe.csv_row([("" if r[k] is None else r[k]) for k in COLUMNS] + [r["grade"]])
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def records_xlsx(rows: list[dict[str, Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "火灾统计记录"  # type: ignore[union-attr]
    safe.append(ws, [*COLUMNS.values(), "火灾等级"])
    for r in rows:
        safe.append(ws, [r[k] for k in COLUMNS] + [r["grade"]])
    for cell in ws[1]:  # type: ignore[index]
        cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def analysis_xlsx(result: dict[str, Any]) -> bytes:
    """The analysis as a workbook: the four figures by year with 同比, then one sheet per
    breakdown (cause, place, grade, month, weekday, hour, jurisdiction)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "四项指标"  # type: ignore[union-attr]
    safe.append(
        ws, [f"{result['jurisdiction']['name']} 火灾统计 {result['first_year']}–{result['year']}"]
    )
    safe.append(
        ws,
        [
            "年份",
            "起数(起)",
            "死亡(人)",
            "受伤(人)",
            "直接财产损失(元)",
            "起数同比(%)",
            "死亡同比(%)",
            "受伤同比(%)",
            "损失同比(%)",
        ],
    )
    for y in result["by_year"]:
        c = y["change"]
        safe.append(
            ws,
            [
                y["year"],
                y["fires"],
                y["deaths"],
                y["injuries"],
                y["loss_yuan"],
                c["fires"],
                c["deaths"],
                c["injuries"],
                c["loss_yuan"],
            ],
        )
    head = ["起数(起)", "死亡(人)", "受伤(人)", "直接财产损失(元)"]
    sheets: list[tuple[str, str, list[tuple[str, dict[str, Any]]]]] = [
        ("起火原因", "起火原因", [(r["zh"], r) for r in result["by_cause"]]),
        ("起火场所", "起火场所", [(r["zh"], r) for r in result["by_place"]]),
        ("火灾等级", "火灾等级", [(r["zh"], r) for r in result["by_grade"]]),
        ("月份", "月份", [(f"{r['month']}月", r) for r in result["by_month"]]),
        ("星期", "星期", [(r["zh"], r) for r in result["by_weekday"]]),
        ("时段", "小时", [(f"{r['hour']:02d}时", r) for r in result["by_hour"]]),
        (
            "行政区划",
            "行政区划",
            [(f"{r['name']} {r['code']}", r) for r in result["by_jurisdiction"]],
        ),
    ]
    for title, first, rows in sheets:
        s = wb.create_sheet(title)
        safe.append(s, [f"{result['year']}年", *([""] * 4)])
        safe.append(s, [first, *head])
        for label, r in rows:
            safe.append(s, [label, r["fires"], r["deaths"], r["injuries"], r["loss_yuan"]])
    for sheet in wb.worksheets:
        for cell in sheet[2]:
            cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def choice_labels() -> dict[str, list[dict[str, Any]]]:
    return {
        "cause": FireCause.describe(),
        "place": FirePlace.describe(),
        "grade": FireGrade.describe(),
    }
