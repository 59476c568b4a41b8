"""Reading an uploaded table (CSV or XLSX) into rows of text, header in the first row.

Questionnaire platforms and Excel on Chinese Windows write GBK CSV: UTF-8 (with or without BOM)
is tried first, then GB18030. Row numbers are 1-based lines of the file with the header as 1.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from lanyan.core.errors import FieldProblem, ValidationFailed

FILE = "file"


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number, column → text)


def _unreadable(rule: str) -> ValidationFailed:
    return ValidationFailed(f"the file cannot be read: {rule}", [FieldProblem(FILE, rule)])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise _unreadable("must be UTF-8 or GB18030 (GBK) text") from None


def _table(lines: list[list[str]]) -> Table:
    if not lines or not any(c.strip() for c in lines[0]):
        raise _unreadable("has no header row")
    header = [c.strip() for c in lines[0]]
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise _unreadable(f"column '{name}' appears twice in the header")
        seen.add(name)
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines at the end of an export
        rows.append(
            (
                number,
                {
                    h: (cells[i].strip() if i < len(cells) else "")
                    for i, h in enumerate(header)
                    if h
                },
            )
        )
    return Table(header, rows)


def read_table(data: bytes, filename: str) -> Table:
    """The first sheet of an XLSX file, or a CSV file; chosen by the file name."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a non-workbook
            raise _unreadable(f"is not an XLSX workbook ({type(exc).__name__})") from None
        sheet = wb.worksheets[0]
        lines = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        wb.close()
        return _table(lines)
    if not filename.lower().endswith(".csv"):
        raise _unreadable("must be a .csv or .xlsx file")
    try:
        return _table(list(csv.reader(io.StringIO(_decode(data)))))
    except csv.Error as exc:
        raise _unreadable(f"is not valid CSV: {exc}") from None
