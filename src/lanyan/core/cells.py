"""Cells of exported spreadsheets (CSV and XLSX), safe to open: every exporter goes through here.

Two hazards, one helper each:

* **Formula injection** (CSV/formula injection, OWASP): a user-entered name such as
  ``=HYPERLINK("http://evil","点击")`` becomes a live formula when a spreadsheet opens the file.
  In XLSX every cell is written as a typed value: strings are string cells (never formulas) and
  those that start like a formula also carry Excel's quote prefix, so editing them keeps them text.
  In CSV, which has no types, a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a leading single quote, as OWASP advises. Numbers (``-3.5``) are left
  alone: only text is prefixed.
* **Characters XML forbids** (control characters other than tab, newline and carriage return):
  openpyxl refuses them (``IllegalCharacterError``), which once failed a whole export because of
  one row. XLSX cells replace each with U+FFFD (�), so the row still exports and the spot shows.

The CSV prefix is reversible: :func:`from_csv_text` removes exactly the quote :func:`csv_value`
added (a text that itself starts with quotes before a formula character gets one more quote on
export), so the importers read an exported CSV file back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# What XML 1.0 forbids (openpyxl's ILLEGAL_CHARACTERS_RE, written out so the rule is visible).
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"


def _needs_quote(text: str) -> bool:
    return text.lstrip(QUOTE).startswith(FORMULA_START)


def csv_value(value: Any) -> Any:
    """``value`` as a CSV cell: text that a spreadsheet would run as a formula gets a leading
    single quote; numbers, booleans and None pass unchanged."""
    if isinstance(value, str) and _needs_quote(value):
        return QUOTE + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer.writerow``, every cell through :func:`csv_value`."""
    return [csv_value(v) for v in values]


def from_csv_text(text: str) -> str:
    """The inverse of :func:`csv_value` for a cell read from a CSV file."""
    if text.startswith(QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text


def xlsx_text(text: str) -> str:
    """``text`` with the characters XML forbids replaced by U+FFFD."""
    return ILLEGAL_XML.sub(REPLACEMENT, text)


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """One cell for ``sheet.append``: strings become string cells (never formulas), cleaned of
    characters XML forbids; other values are returned as they are."""
    if not isinstance(value, str):
        return value
    cell: Cell = WriteOnlyCell(sheet, value=xlsx_text(value))
    cell.data_type = "s"
    if _needs_quote(value):
        cell.quotePrefix = True
    return cell


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append`` (a normal or a write-only worksheet), every cell through
    :func:`xlsx_cell`."""
    return [xlsx_cell(sheet, v) for v in values]


def append(sheet: Any, values: Iterable[Any]) -> None:
    """Append one safe row to ``sheet``."""
    sheet.append(xlsx_row(sheet, values))
