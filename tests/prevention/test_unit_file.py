"""The unit's file on both databases: the filing fields (saved and audited; refused whole with the
field named), the XLSX import (all or nothing, naming row and column), the monthly fire check with
a finding that becomes the unit's own hazard and the 消防安全责任人's sign-off, monthly compliance,
patrol compliance counting only days passed, and the pages (scope, export, bad input)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lanyan.accounts.models import User
from lanyan.core.errors import Conflict, NotFound, ValidationFailed
from lanyan.prevention import patrols, unit_file_service, unit_files
from lanyan.prevention.models.inspections import Hazard
from lanyan.prevention.models.unit_files import MonthlyFireCheck, UnitFiling
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE, Scope, UnitScope
from lanyan.store.audit import SYSTEM, Actor, AuditEntry

from support import DAFENG, PASSWORD, add_user, bind_unit, create_sample, seed_region, uscc

A, B, C = uscc(DAFENG, 1), uscc(DAFENG, 2), uscc(DAFENG, 3)
FILING = {
    "responsible_name": "张三",
    "responsible_phone": "13800000000",
    "responsible_id": "320981198001010011",
    "manager_name": "李四",
    "manager_phone": "13900000000",
    "manager_id": "",
    "key_parts": "消防控制室、配电房",
    "systems": ["fire_alarm", "hydrant"],
    "station_members": "王五、赵六",
    "station_equipment": "灭火器 10具",
}


@pytest.fixture
def world(uow: Any) -> dict[str, Any]:
    seed_region(uow)
    for n in (1, 2, 3):
        create_sample(uow, "units", DAFENG, n)
    add_user(uow, "manager", "unit_manager", DAFENG)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    bind_unit(uow, "manager", A)
    with uow() as s:
        uid = s.execute(select(User.id).where(User.username == "manager")).scalar_one()
    return {"manager": Actor("manager", uid)}


def _sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(list(unit_file_service.HEADERS.values()))
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_filing_is_saved_audited_and_refused_whole(uow: Any, world: dict[str, Any]) -> None:
    with uow() as s:
        unit_file_service.save_filing(s, SYSTEM, EVERYWHERE, A, FILING)
    with pytest.raises(ValidationFailed) as bad, uow() as s:
        unit_file_service.save_filing(
            s, SYSTEM, EVERYWHERE, A, FILING | {"responsible_phone": "110", "manager_name": ""}
        )
    assert {p.field for p in bad.value.problems} == {"responsible_phone", "manager_name"}
    with uow() as s:
        row = s.execute(select(UnitFiling)).scalar_one()
        assert (row.responsible_phone, row.systems) == ("13800000000", ["fire_alarm", "hydrant"])
        assert row.key_parts == ["消防控制室", "配电房"]
        trail = s.execute(
            select(AuditEntry.action).where(AuditEntry.object_type == "unit-filings")
        ).all()
        assert [t[0] for t in trail] == ["update"]
        # queryable: find the unit by its responsible person in SQL
        assert (
            s.execute(
                select(UnitFiling.unit_id).where(UnitFiling.responsible_name == "张三")
            ).scalar_one()
            == row.unit_id
        )


def test_import_is_all_or_nothing_naming_row_and_column(uow: Any, world: dict[str, Any]) -> None:
    good = [A, "张三", "13800000000", "", "", "", "", "", "消火栓系统、灭火器", "", ""]
    rows = unit_file_service.read_filings_xlsx(
        _sheet(
            [
                good,
                [B, "", "13800000001"],  # row 3: no 消防安全责任人
                [C, "王五", "12345"],  # row 4: a bad phone
            ]
        )
    )
    with pytest.raises(ValidationFailed) as refused, uow() as s:
        unit_file_service.import_filings(s, SYSTEM, EVERYWHERE, rows)
    found = {(p.row, p.field) for p in refused.value.problems}
    assert found == {(3, "消防安全责任人"), (4, "责任人电话")}
    with uow() as s:
        assert s.execute(select(func.count()).select_from(UnitFiling)).scalar_one() == 0
    rows = unit_file_service.read_filings_xlsx(
        _sheet([good, [B, "王五", "0515-83000000", "", "", "", "", "", "", ""]])
    )
    with uow() as s:
        done = unit_file_service.import_filings(s, SYSTEM, EVERYWHERE, rows)
    assert (done.created, done.updated) == (2, 0)
    with uow() as s:
        done = unit_file_service.import_filings(s, SYSTEM, EVERYWHERE, rows[:1])
        assert (done.created, done.updated) == (0, 1)
        systems = s.execute(
            select(UnitFiling.systems)
            .join(Unit, Unit.id == UnitFiling.unit_id)
            .where(Unit.code == A)
        ).scalar_one()
        assert systems == ["hydrant", "extinguisher"]
    # a unit outside the manager's units, a repeated row and a foreign header are named
    scope = _manager_scope(uow)
    rows = unit_file_service.read_filings_xlsx(_sheet([good, good, [B, "甲", "13800000002"]]))
    with pytest.raises(ValidationFailed) as refused, uow() as s:
        unit_file_service.import_filings(s, world["manager"], scope, rows)
    assert {(p.row, p.rule[:6]) for p in refused.value.problems} == {
        (3, "repeat"),
        (4, "no uni"),
    }
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["单位编码", "消防安全责任人", "电话号码"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed) as header:
        unit_file_service.read_filings_xlsx(out.getvalue())
    assert {p.field for p in header.value.problems} == {"电话号码", "责任人电话"}
    with pytest.raises(ValidationFailed):
        unit_file_service.read_filings_xlsx(b"not a workbook")


def _manager_scope(uow: Any) -> Scope:
    """The unit manager's scope: the county, narrowed to unit A."""
    with uow() as s:
        uid = s.execute(select(Unit.id).where(Unit.code == A)).scalar_one()
    return Scope("/", UnitScope(frozenset({uid})))


def _answers(fail: str | None) -> dict[str, tuple[bool, str]]:
    return {
        i.code: (i.code != fail, "疏散指示标志损坏" if i.code == fail else "")
        for i in unit_files.checklist().items
    }


def test_monthly_check_finding_becomes_a_hazard_and_the_responsible_signs(
    uow: Any, world: dict[str, Any]
) -> None:
    actor = world["manager"]
    today = date(2026, 12, 7)
    at = datetime(2026, 12, 7, 2, tzinfo=UTC)
    with uow() as s:
        row = unit_file_service.record_check(
            s, actor, EVERYWHERE, A, today, _answers("m02"), now=at, today=today
        )
        check_id = row.id
    with uow() as s:
        row = s.get(MonthlyFireCheck, check_id)
        assert row is not None and (row.state, row.findings) == ("pending", 1)
        hid = next(r["hazard_id"] for r in row.results if not r["ok"])
        hazard = s.get(Hazard, hid)
        assert hazard is not None and hazard.self_found and hazard.state == "found"
        assert hazard.description.startswith("[每月防火检查 · 安全疏散通道")
    # one check a month
    with pytest.raises(Conflict), uow() as s:
        unit_file_service.record_check(
            s, actor, EVERYWHERE, A, today, _answers(None), now=at, today=today
        )
    # nobody on file yet → refused; then the wrong name → refused; then 张三 signs
    with pytest.raises(ValidationFailed) as no_file, uow() as s:
        unit_file_service.sign_check(s, actor, EVERYWHERE, check_id, "张三")
    assert no_file.value.problems[0].field == "responsible_name"
    with uow() as s:
        unit_file_service.save_filing(s, actor, EVERYWHERE, A, FILING)
    with pytest.raises(ValidationFailed) as wrong, uow() as s:
        unit_file_service.sign_check(s, actor, EVERYWHERE, check_id, "李四")
    assert wrong.value.problems[0].field == "signer_name"
    with uow() as s:
        comp, total = unit_file_service.check_compliance(s, EVERYWHERE, 2026, 12)
    assert total == 3 and {c["unit_code"]: c["state"] for c in comp}[A] == "pending"
    with uow() as s:
        unit_file_service.sign_check(s, actor, EVERYWHERE, check_id, "张三", now=at)
    with uow() as s:
        row = s.get(MonthlyFireCheck, check_id)
        assert row is not None
        assert (row.state, row.signed_by_name, row.signed_by) == ("signed", "张三", "manager")
        assert row.signed_at is not None
        actions = s.execute(
            select(AuditEntry.action).where(AuditEntry.object_type == "monthly-checks")
        ).scalars()
        assert list(actions) == ["record", "sign"]
        comp, _ = unit_file_service.check_compliance(s, EVERYWHERE, 2026, 12, page=1, size=2)
        assert [c["state"] for c in comp] == ["signed", "missing"]
        # the patrol report's monthly column sees the check too
        mine = next(
            c for c in patrols.compliance(s, EVERYWHERE, 2026, 12, today=today) if c.unit.code == A
        )
        assert mine.monthly_check
    # a unit manager reaches only their own units
    with pytest.raises(NotFound), uow() as s:
        unit_file_service.record_check(
            s, actor, _manager_scope(uow), B, today, _answers(None), now=at, today=today
        )


def test_patrol_compliance_counts_only_days_that_have_passed(
    uow: Any, world: dict[str, Any]
) -> None:
    actor = world["manager"]
    with uow() as s:
        for day in (1, 3, 7):
            at = datetime(2026, 12, day, 2, tzinfo=UTC)
            p = patrols.start(
                s,
                actor,
                EVERYWHERE,
                "unit_manager",
                kind=patrols.PatrolKind.DAILY_PATROL,
                unit_code=A,
                now=at,
            )
            patrols.finish(s, actor, EVERYWHERE, p.id, now=at)
    with uow() as s:
        by_code = {
            c.unit.code: c
            for c in patrols.compliance(s, EVERYWHERE, 2026, 12, today=date(2026, 12, 7))
        }
        # the 7th is patrolled, so it counts: 3 of 7 days; nothing after the 7th is missed
        assert (by_code[A].patrol_days, by_code[A].days_due) == (3, 7)
        assert by_code[A].patrol_rate == pytest.approx(3 / 7)
        # another unit: 6 ended days missed, today not yet
        assert (by_code[B].patrol_days, by_code[B].days_due, by_code[B].patrol_rate) == (0, 6, 0.0)
        early = patrols.compliance(s, EVERYWHERE, 2026, 12, today=date(2026, 12, 1))
        assert next(c for c in early if c.unit.code == B).patrol_rate is None
        past = patrols.compliance(s, EVERYWHERE, 2026, 11, today=date(2026, 12, 7))
        assert next(c for c in past if c.unit.code == A).days_due == 30


def _page_login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


def test_pages_scope_export_and_bad_input(
    client: TestClient, uow: Any, world: dict[str, Any]
) -> None:
    _page_login(client, "manager")
    r = client.get(f"/units/{A}/file")
    assert r.status_code == 200 and 'id="sec-hazards"' in r.text and "单位档案" in r.text
    assert client.get(f"/units/{B}/file").status_code == 404  # not one of theirs
    form = {k: v for k, v in FILING.items() if k != "systems"} | {"responsible_phone": "12"}
    r = client.post(f"/units/{A}/file/filing", data=form | {"systems": ["fire_alarm"]})
    assert r.status_code == 422 and "责任人电话：应为11位手机号" in r.text
    r = client.post(
        f"/units/{A}/file/filing",
        data=form | {"responsible_phone": "13800000000"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "13800000000" in client.get(f"/units/{A}/file").text
    x = client.get(f"/units/{A}/file.xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd")
    book = load_workbook(io.BytesIO(x.content))
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert "消防安全责任人" in cells and "张三" in cells
    p = client.get(f"/units/{A}/file.pdf")
    assert p.status_code == 200 and p.content.startswith(b"%PDF")
    s = client.get(f"/units/{A}/file/section/hazards?page=1")
    assert s.status_code == 200 and 'id="rows"' in s.text
    assert client.get(f"/units/{A}/file/section/nothing").status_code == 404
    # import: the manager may import only their unit; bad rows are named by row and column
    data = _sheet([[A, "", "13800000000"], [A, "张三", "12345"]])
    r = client.post(
        "/unit-files/import", files={"file": ("f.xlsx", data, "application/octet-stream")}
    )
    assert r.status_code == 422
    assert "第 2 行 · 消防安全责任人：必填" in r.text and "第 3 行 · 责任人电话" in r.text
    # a monthly check with a finding, then the sign-off
    answers = {f"item_{i.code}": "ok" for i in unit_files.checklist().items}
    answers |= {"item_m04": "fail", "note_m04": "", "checked_on": "2000-01-01"}
    r = client.post(f"/units/{A}/monthly-checks", data=answers)
    assert r.status_code == 422 and "不合格项请描述问题" in r.text
    answers["note_m04"] = "两具灭火器压力不足"
    r = client.post(f"/units/{A}/monthly-checks", data=answers, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert 'data-state="pending"' in page.text and "hazard-link" in page.text
    cid = int(r.headers["location"].split("/")[2].split("?")[0])
    r = client.post(f"/monthly-checks/{cid}/sign", data={"signer_name": "李四"})
    assert r.status_code == 422 and "须为档案上的消防安全责任人" in r.text
    r = client.post(f"/monthly-checks/{cid}/sign", data={"signer_name": "张三"})
    assert r.status_code == 200 and 'data-state="signed"' in r.text
    _page_login(client, "officer")
    r = client.get("/monthly-checks?year=2000&month=1")
    assert r.status_code == 200 and 'data-state="signed"' in r.text


def test_api_filing_import_check_and_sign(
    client: TestClient, uow: Any, world: dict[str, Any]
) -> None:
    from support import login

    h = login(client, "manager")
    body = FILING | {"key_parts": ["消防控制室"], "station_members": [], "station_equipment": []}
    r = client.put(f"/api/units/{A}/filing", json=body | {"responsible_phone": "110"}, headers=h)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["responsible_phone"]
    r = client.put(f"/api/units/{A}/filing", json=body, headers=h)
    assert r.status_code == 200 and r.json()["systems"] == ["fire_alarm", "hydrant"]
    assert client.get(f"/api/units/{B}/filing", headers=h).status_code == 404
    data = _sheet([[A, "", "13800000000"], [A, "张三", "12345"]])
    r = client.post(
        "/api/unit-filings/import",
        files={"file": ("f.xlsx", data, "application/octet-stream")},
        headers=h,
    )
    assert r.status_code == 422
    assert {(e["row"], e["field"]) for e in r.json()["errors"]} >= {
        (2, "消防安全责任人"),
        (3, "责任人电话"),
    }
    items = [
        {"code": i.code, "ok": i.code != "m07", "note": ""} for i in unit_files.checklist().items
    ]
    r = client.post(
        "/api/monthly-checks",
        json={"unit_code": A, "checked_on": "2026-12-01", "items": items},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note_m07"
    items[6]["note"] = "配电房堆放杂物"
    r = client.post(
        "/api/monthly-checks",
        json={"unit_code": A, "checked_on": "2026-12-01", "items": items},
        headers=h,
    )
    assert r.status_code == 201, r.text
    check = r.json()
    assert check["state"] == "pending" and check["findings"] == 1
    r = client.post(
        f"/api/monthly-checks/{check['id']}/sign", json={"signer_name": "张三"}, headers=h
    )
    assert r.status_code == 200 and r.json()["state"] == "signed" and r.json()["signed_at"]
    o = login(client, "officer")
    r = client.get("/api/monthly-checks/compliance?year=2026&month=12&size=2", headers=o)
    assert r.status_code == 200 and r.json()["total"] == 3
    assert r.json()["items"][0] == {
        "unit_code": A,
        "unit_name": r.json()["items"][0]["unit_name"],
        "check_id": check["id"],
        "findings": 1,
        "state": "signed",
    }
