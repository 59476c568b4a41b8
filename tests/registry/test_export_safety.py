"""Exports are values, never formulas, and a control character in one row does not fail the
file (issue #14 items 5 and 6): every CSV and XLSX exporter goes through lanyan.core.cells."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from stats_support import fire

from lanyan.core import cells
from lanyan.core.errors import ValidationFailed
from lanyan.prevention import draw
from lanyan.registry.io.formats import Format
from lanyan.registry.io.importer import import_file
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.stats import io as stats_io
from lanyan.store.audit import SYSTEM
from lanyan.store.db import unit_of_work

from support import DAFENG, add_user, login, sample, seed_region

HOSTILE = '=HYPERLINK("http://evil.example/x","点击查看")'
OTHERS = ["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\tTAB", "'=already quoted"]
# Control characters XML forbids (not NUL: PostgreSQL text refuses it before any export).
BELL = "报警\x07阀\x1b室"


@pytest.mark.parametrize(
    "text", [HOSTILE, *OTHERS, "''-x", "plain", "", "'", "'plain", "-", "3-2", "a=b"]
)
def test_csv_quoting_is_reversible(text: str) -> None:
    quoted = cells.csv_value(text)
    assert not str(quoted).startswith(cells.FORMULA_START)
    assert cells.from_csv_text(quoted) == text


def test_numbers_stay_numbers_and_xlsx_cells_are_strings() -> None:
    assert cells.csv_row([-3.5, 0, None, True, "-3.5"]) == [-3.5, 0, None, True, "'-3.5"]
    book = Workbook()
    sheet = book.active
    cells.append(sheet, [HOSTILE, -3.5, BELL, "=1+1"])
    out = io.BytesIO()
    book.save(out)
    row = next(load_workbook(out).active.iter_rows())
    assert [(c.value, c.data_type) for c in row] == [
        (HOSTILE, "s"),
        (-3.5, "n"),
        ("报警\ufffd阀\ufffd室", "s"),
        ("=1+1", "s"),
    ]
    assert row[0].quotePrefix and not row[2].quotePrefix


@pytest.fixture
def admin(uow: Any, client: TestClient) -> dict[str, str]:
    seed_region(uow)
    add_user(uow, "df_admin", "admin", DAFENG)
    return login(client, "df_admin")


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_registry_export_is_safe_and_round_trips(
    client: TestClient, admin: dict[str, str], engine: Any, sessions: Any
) -> None:
    # (the API strips surrounding whitespace, so "\tTAB" is left to the unit tests above)
    names = [n for n in (HOSTILE, *OTHERS, BELL) if n == n.strip()]
    for n, name in enumerate(names, start=1):
        body = sample("units", DAFENG, n) | {"name": name}
        r = client.post("/api/units", json=body, headers=admin)
        assert r.status_code == 201, r.text
    by_format = {}
    for fmt in ("csv", "xlsx"):
        r = client.get("/api/units/export", params={"format": fmt}, headers=admin)
        assert r.status_code == 200, r.text
        by_format[fmt] = r.content
    written = [row["name"] for row in _csv_rows(by_format["csv"])]
    assert written[0] == "'" + HOSTILE and written[1] == "'" + OTHERS[0]
    assert not any(w.startswith(cells.FORMULA_START) for w in written)
    sheet = load_workbook(io.BytesIO(by_format["xlsx"])).active
    header = [c.value for c in sheet[1]]
    column = [row[header.index("name")] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in column)
    assert [c.value for c in column] == [*names[:-1], "报警\ufffd阀\ufffd室"]

    # Export -> import into a fresh database gives the same names back (CSV exactly; XLSX with
    # the characters XML cannot hold replaced).
    for fmt, expected in (
        (Format.CSV, names),
        (Format.XLSX, [*names[:-1], "报警\ufffd阀\ufffd室"]),
    ):
        from conftest import _empty_tables

        _empty_tables(engine)
        seed_region(lambda: unit_of_work(sessions))
        with unit_of_work(sessions) as s:
            import_file(s, get_type("units"), SYSTEM, EVERYWHERE, by_format[fmt.value], fmt)
        with unit_of_work(sessions) as s:
            from sqlalchemy import select

            from lanyan.registry.models import Unit

            got = s.execute(select(Unit.name).order_by(Unit.id)).scalars().all()
        assert list(got) == expected, fmt


def test_fire_record_exports_are_safe_and_read_back(
    client: TestClient, admin: dict[str, str]
) -> None:
    for code, address, note in (("F1", HOSTILE, "-1 已处理"), ("F2", "新丰镇", BELL)):
        r = client.post(
            "/api/stats/records",
            json=fire(code=code, address=address, note=note),
            headers=admin,
        )
        assert r.status_code == 201, r.text
    csv_file = client.get("/api/stats/records/export.csv", headers=admin)
    assert csv_file.status_code == 200, csv_file.text
    text = csv_file.content.decode("utf-8-sig")
    assert "'" + HOSTILE.replace('"', '""') in text and "\n=" not in text and ",=" not in text
    back = stats_io.read_rows(csv_file.content, "records.csv")
    assert [r[1]["address"] for r in back] == [HOSTILE, "新丰镇"]
    assert [r[1]["note"] for r in back] == ["-1 已处理", BELL]

    xlsx = client.get("/api/stats/records/export.xlsx", headers=admin)
    assert xlsx.status_code == 200, xlsx.text
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in values)
    assert HOSTILE in [c.value for c in values]
    assert "报警\ufffd阀\ufffd室" in [c.value for c in values]
    analysis = client.get("/api/stats/analysis.xlsx?year=2024", headers=admin)
    assert analysis.status_code == 200, analysis.text


def test_published_draw_csv_quotes_formulas() -> None:
    record = {
        "code": "=CMD()",
        "input": {"team_size": 1},
        "result": [{"unit": "@U", "inspectors": ["+x"]}],
    }
    rows = list(csv.reader(io.StringIO(draw.to_csv(record))))
    assert rows[1] == ["'=CMD()", "'@U", "'+x"]


def test_a_fire_record_csv_with_a_huge_cell_is_refused_naming_the_line() -> None:
    data = "jurisdiction,occurred_at,address\n320904100,2024-03-02," + "x" * 200_000 + "\n"
    with pytest.raises(ValidationFailed) as info:
        stats_io.read_rows(data.encode(), "big.csv")
    [p] = info.value.problems
    assert (p.field, p.row) == ("file", 2) and "field larger than field limit" in p.rule
