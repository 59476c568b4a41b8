"""The supervision pages through the test client on SQLite and PostgreSQL: the public draw page
without a log-in (and a tampered record failing its verify), who may see and act on which page,
and a refused step shown in the page without writing anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.prevention import draw, draw_service, hazard_service
from lanyan.prevention.models.inspections import Draw, Hazard, HazardEventRow
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM

from support import DAFENG, PASSWORD, add_user, bind_unit, create_sample, seed_region, uscc

SEED = "c" * 64


@pytest.fixture
def world(uow: Any) -> dict[str, Any]:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    from lanyan.prevention import inspections
    from lanyan.prevention.schemas.inspections import CertificateCreate

    for name in ("officer", "partner"):
        add_user(uow, name, "prevention_officer", DAFENG)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    add_user(uow, "manager", "unit_manager", DAFENG)
    bind_unit(uow, "manager", uscc(DAFENG, 1))  # the unit's safety manager
    with uow() as s:
        for i, name in enumerate(("officer", "partner")):
            inspections.add_certificate(
                s,
                SYSTEM,
                CertificateCreate(
                    username=name,
                    certificate_no=f"C{i}",
                    valid_from=datetime.now(UTC).date() - timedelta(days=30),
                    valid_until=datetime.now(UTC).date() + timedelta(days=300),
                ),
            )
        unit = s.execute(select(Unit)).scalar_one()
        hazard = hazard_service.new_hazard(
            s, SYSTEM, unit, "灭火器过期", datetime.now(UTC) - timedelta(days=2), False, None
        )
        hazard_id = hazard.id
    with uow() as s:
        code = draw_service.announce(s, SYSTEM, EVERYWHERE, DAFENG, SEED, draw.Rates(1, 1, 1)).code
    with uow() as s:
        draw_service.perform(s, SYSTEM, EVERYWHERE, code, SEED)
    return {"draw": code, "hazard": hazard_id}


def _page_login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


def test_public_draw_page_needs_no_log_in_and_catches_tampering(
    client: TestClient, world: dict[str, Any], uow: Any
) -> None:
    client.cookies.clear()
    r = client.get("/public/draws")
    assert r.status_code == 200 and world["draw"] in r.text
    r = client.get(f"/public/draws/{world['draw']}?verify=true")
    assert 'data-ok="true"' in r.text and draw.sha256_hex(SEED) in r.text and SEED in r.text
    # Weights are published (rates 1: every unit at 100 %), never a unit's grade or flags.
    assert '<span class="weight" data-weight="1000000">100.0% × 1</span>' in r.text
    assert "风险等级" not in r.text and "信用" not in r.text
    record = client.get(f"/public/draws/{world['draw']}.json").json()
    assert draw.verify(record) == []
    with uow() as s:  # someone edits the stored result after publication
        row = s.execute(select(Draw)).scalar_one()
        tampered = dict(row.record)
        tampered["result"] = [{"unit": uscc(DAFENG, 1), "inspectors": ["officer", "viewer"]}]
        row.record = tampered
    r = client.get(f"/public/draws/{world['draw']}?verify=true")
    assert 'data-ok="false"' in r.text and "different result" in r.text
    assert client.get("/public/draws/SJ-NOPE").status_code == 404


def test_who_may_see_and_act(client: TestClient, world: dict[str, Any]) -> None:
    _page_login(client, "viewer")
    assert client.get("/hazards").status_code == 200
    assert client.get("/risk").status_code == 200
    assert client.get("/inspect").status_code == 403
    r = client.post(
        f"/hazards/{world['hazard']}/act", data={"action": "order", "deadline": "2099-01-01"}
    )
    assert r.status_code == 403
    _page_login(client, "manager")
    assert client.get(f"/hazards/{world['hazard']}").status_code == 200
    assert client.get("/risk").status_code == 403
    _page_login(client, "officer")
    html = client.get("/inspect").text
    assert "partner" in html and "检查表" in html  # the certified partner and the checklist


def test_refused_step_shows_in_the_page_and_writes_nothing(
    client: TestClient, world: dict[str, Any], uow: Any
) -> None:
    _page_login(client, "officer")
    hid = world["hazard"]
    # 责令整改 with a deadline before the finding day is refused, naming the field.
    r = client.post(f"/hazards/{hid}/act", data={"action": "order", "deadline": "2000-01-01"})
    assert r.status_code == 409 and "deadline" in r.text and 'id="page-error"' in r.text
    # 销案 from 发现 is not a legal move: the message names the state and the action.
    r = client.post(f"/hazards/{hid}/act", data={"action": "close"})
    assert r.status_code == 409 and "found" in r.text and "close" in r.text
    with uow() as s:
        assert s.execute(select(Hazard.state).where(Hazard.id == hid)).scalar_one() == "found"
        n = s.execute(select(func.count()).select_from(HazardEventRow)).scalar_one()
        assert n == 1
    # An overdue hazard is recorded once from the board's button.
    r = client.post(
        f"/hazards/{hid}/act",
        data={
            "action": "order",
            "deadline": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
        },
    )
    assert r.status_code == 200 and "逾期" in r.text
    r = client.post("/hazards/sweep")
    assert r.status_code == 200 and 'id="swept"' in r.text and ": 1" in r.text
    assert ": 0" in client.post("/hazards/sweep").text
    # A single inspector is refused on the inspector page; nothing is written.
    r = client.post(
        "/inspect", data={"unit_code": uscc(DAFENG, 1), "kind": "special", "finding_0": "通道堵塞"}
    )
    assert r.status_code == 422 and "双人执法" in r.text
    r = client.post(
        "/inspect",
        data={
            "unit_code": uscc(DAFENG, 1),
            "kind": "special",
            "partners": "partner",
            "finding_0": "通道堵塞",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    with uow() as s:
        assert s.execute(select(func.count()).select_from(Hazard)).scalar_one() == 2


def _png(rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (8, 6), rgb).save(out, format="PNG")
    return out.getvalue()


def test_inspector_page_uses_the_unit_checklist_and_keeps_photos_as_evidence(
    client: TestClient, world: dict[str, Any], uow: Any, settings: Any
) -> None:
    import hashlib

    from lanyan.prevention.models.inspections import Attachment, Inspection, InspectionResult

    _page_login(client, "officer")
    unit = uscc(DAFENG, 1)
    # The task links open the form with the unit's category checklist (key: 重点单位).
    html = client.get("/inspect").text
    assert f"unit_code={unit}" in html and 'id="checklist-hint"' in html
    html = client.get(f"/inspect?unit_code={unit}&kind=special&partners=partner").text
    assert 'data-checklist="key"' in html and 'name="item_K01"' in html and "G02" in html
    assert 'value="partner" selected' in html
    r = client.get("/inspect?unit_code=not-a-unit")
    assert 'id="page-error"' in r.text and "unit_code" in r.text

    form = {
        "unit_code": unit,
        "kind": "special",
        "partners": "partner",
        "item_K01": "pass",
        "item_G02": "fail",
        "note_G02": "疏散指示标志损坏",
        "rectify_by": (datetime.now(UTC).date() + timedelta(days=15)).isoformat(),
        "finding_0": "消防车通道被占用",
    }
    site, finding = _png(), _png((20, 90, 200))
    # A photo that is not a photo is refused with its field; nothing at all is written.
    r = client.post(
        "/inspect",
        data=form,
        files=[
            ("photos", ("site.png", site, "image/png")),
            ("photo_0", ("x.png", b"text", "image/png")),
        ],
    )
    assert r.status_code == 422 and "file" in r.text
    with uow() as s:
        assert s.execute(select(func.count()).select_from(Inspection)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Attachment)).scalar_one() == 0
    # An unknown checklist item is refused by field and rule.
    r = client.post("/inspect", data=form | {"item_Z99": "pass"})
    assert r.status_code == 422 and "checklist" in r.text and "Z99" in r.text

    r = client.post(
        "/inspect",
        data=form,
        files=[
            ("photos", ("site.png", site, "image/png")),
            ("photo_0", ("lane.png", finding, "image/png")),
        ],
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with uow() as s:
        insp = s.execute(select(Inspection)).scalar_one()
        results = {r.item_code: r for r in s.execute(select(InspectionResult)).scalars()}
        assert set(results) == {"K01", "G02"} and results["G02"].hazard_id is not None
        hazards = list(
            s.execute(
                select(Hazard).where(Hazard.inspection_id == insp.id).order_by(Hazard.id)
            ).scalars()
        )
        assert len(hazards) == 2 and hazards[0].description == "消防车通道被占用"
        assert "疏散指示标志损坏" in hazards[1].description
        files = {(a.object_type, a.object_id): a for a in s.execute(select(Attachment)).scalars()}
        assert set(files) == {("inspections", insp.id), ("hazards", hazards[0].id)}
        kept = files[("hazards", hazards[0].id)]
        assert kept.sha256 == hashlib.sha256(finding).hexdigest()
        blob = settings.data_dir / "attachments" / kept.sha256[:2] / kept.sha256
        assert blob.read_bytes() == finding
        site_id = files[("inspections", insp.id)].id
    page = client.get("/inspect").text
    assert f"/api/attachments/{site_id}/content" in page
    r = client.get(f"/api/attachments/{site_id}/content")
    assert r.status_code == 200 and r.content == site
    r = client.get(f"/api/hazards/{hazards[0].id}/attachments")
    assert r.status_code == 200 and r.json()[0]["filename"] == "lane.png"
