"""Digital pre-plans (数字化预案): create, edit with revision check, audit, roles, attachments,
the surroundings from the registry, and the pages (list, form, view, printable A4 page)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from lanyan.store.audit import AuditEntry

from response_world import add_plaza, build, preplan_body
from support import DAFENG, TINGHU, add_user, login


@pytest.fixture
def world(client: TestClient, uow: Any) -> dict[str, Any]:
    build(uow)
    plaza = add_plaza(uow)
    add_user(uow, "commander", "commander", DAFENG)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    add_user(uow, "tinghucmd", "commander", TINGHU)
    return {
        "plaza": plaza,
        "cmd": login(client, "commander"),
        "disp": login(client, "dispatcher"),
        "th": login(client, "tinghucmd"),
    }


def png(colour: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buf, format="PNG")
    return buf.getvalue()


def test_create_read_edit_with_revisions_and_audit(
    client: TestClient, sessions: Any, world: dict[str, Any]
) -> None:
    code = world["plaza"]["unit_code"]
    r = client.post("/api/preplans", json=preplan_body(code), headers=world["cmd"])
    assert r.status_code == 201, r.text
    p = r.json()
    assert (p["revision"], p["code"]) == (1, f"YA{p['id']:06d}")
    assert p["building"]["height_m"] == 54 and p["building"]["floors_below"] == 2
    near = {w["code"]: w for w in p["surroundings"]["water"]}
    # Hydrants of the world near junction (3, 3): H-2 (damaged) at (3, 2) is ~555 m away.
    assert near["H-2"]["usable"] is False and near["H-1"]["usable"] is True
    assert near["H-2"]["meters"] == pytest.approx(555, abs=5)
    assert p["surroundings"]["roads"]  # the road grid for the sketch
    # A dispatcher reads but may not write.
    assert client.get(f"/api/preplans/{p['id']}", headers=world["disp"]).status_code == 200
    edit = preplan_body(code) | {"revision": 1, "occupants_night": 95}
    edit.pop("unit_code"), edit.pop("building_code")
    assert (
        client.put(f"/api/preplans/{p['id']}", json=edit, headers=world["disp"]).status_code == 403
    )
    r = client.put(f"/api/preplans/{p['id']}", json=edit, headers=world["cmd"])
    assert r.status_code == 200 and r.json()["revision"] == 2
    assert r.json()["occupants_night"] == 95
    # A stale edit (started from revision 1) is refused, naming both revisions.
    r = client.put(f"/api/preplans/{p['id']}", json=edit, headers=world["cmd"])
    assert r.status_code == 409 and "revision 2" in r.json()["detail"]
    # Another county's commander does not see it.
    assert client.get(f"/api/preplans/{p['id']}", headers=world["th"]).status_code == 404
    with sessions() as s:
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "preplans", AuditEntry.object_id == str(p["id"]))
            .order_by(AuditEntry.seq)
        ).all()
    assert actions == ["create", "update"]


def test_bad_input_names_the_field(client: TestClient, world: dict[str, Any]) -> None:
    code = world["plaza"]["unit_code"]
    h = world["cmd"]
    bad = preplan_body(code, contacts=[{"name": "王五", "phone": "call me"}], occupants_day=-1)
    r = client.post("/api/preplans", json=bad, headers=h)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"contacts.0.phone", "occupants_day"} <= fields
    r = client.post("/api/preplans", json=preplan_body(code, building_code="B-TOWER"), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "building_code"
    r = client.post("/api/preplans", json=preplan_body("91320904MA000000X0"), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit_code"
    assert client.post("/api/preplans", json=preplan_body(code), headers=h).status_code == 201
    r = client.post("/api/preplans", json=preplan_body(code), headers=h)
    assert r.status_code == 409  # one pre-plan per unit/building: edit the existing one
    # Tinghu's commander cannot write a Dafeng unit's pre-plan.
    r = client.post("/api/preplans", json=preplan_body(code), headers=world["th"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit_code"


def test_attachments_are_images_only_and_bump_the_revision(
    client: TestClient, world: dict[str, Any]
) -> None:
    h = world["cmd"]
    p = client.post(
        "/api/preplans", json=preplan_body(world["plaza"]["unit_code"]), headers=h
    ).json()
    url = f"/api/preplans/{p['id']}/attachments"
    r = client.post(
        url,
        files={"file": ("一层平面图.png", png(), "image/png")},
        data={"caption": "一层"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    img = client.get(r.json()["url"], headers=world["disp"])
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    assert img.content == png()
    r = client.post(url, files={"file": ("x.svg", b"<svg/>", "image/svg+xml")}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    r = client.post(url, files={"file": ("x.png", b"GIF89a....", "image/png")}, headers=h)
    assert r.status_code == 422  # the bytes must be what the type says
    again = client.get(f"/api/preplans/{p['id']}", headers=h).json()
    assert again["revision"] == 2 and len(again["attachments"]) == 1
    att = again["attachments"][0]["id"]
    assert client.delete(f"{url}/{att}", headers=world["disp"]).status_code == 403
    assert client.delete(f"{url}/{att}", headers=h).status_code == 204
    assert client.get(f"/api/preplans/{p['id']}", headers=h).json()["revision"] == 3


def test_pages_list_form_view_and_print(client: TestClient, world: dict[str, Any]) -> None:
    code = world["plaza"]["unit_code"]
    client.cookies.clear()
    login_page = client.post(
        "/login", data={"username": "commander", "password": "correct-horse-battery"}
    )
    assert login_page.status_code in (200, 303)
    form = {
        "unit_code": code,
        "building_code": "B-PLAZA",
        "title": "大丰广场预案",
        "occupants_day": "900",
        "key_parts": "配电房 | B1 | 断电\n影院｜3F｜人员密集",
        "contacts": "王五 | 值班 | not-a-phone",
    }
    r = client.post("/preplans/new", data=form, follow_redirects=False)
    assert r.status_code == 422 and "第1行" in r.text  # the contact line is named
    form["contacts"] = "王五 | 值班 | 0515-88880000"
    r = client.post("/preplans/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    view = client.get(r.headers["location"])
    assert view.status_code == 200
    assert "配电房" in view.text and "影院" in view.text and "人员密集" in view.text
    pid = r.headers["location"].split("/")[2].split("?")[0]
    edit = client.get(f"/preplans/{pid}/edit")
    assert "配电房 | B1 | 断电" in edit.text and 'name="revision" value="1"' in edit.text
    printed = client.get(f"/preplans/{pid}/print")
    assert printed.status_code == 200
    assert "<svg" in printed.text and 'class="sketch-water" data-code="H-2"' in printed.text
    assert "/static/css/preplan.css" in printed.text
    assert "@page { size: A4" in client.get("/static/css/preplan.css").text
    assert "灭火救援数字化预案" in printed.text and "54 m" in printed.text
    listing = client.get("/preplans")
    assert "大丰广场预案" in listing.text
    client.get("/lang/en", params={"next": f"/preplans/{pid}/print"})
    english = client.get(f"/preplans/{pid}/print")
    assert "Fire and rescue pre-plan" in english.text and "Key parts" in english.text
    assert "Municipal hydrant" in english.text and "Damaged" in english.text
    client.get("/lang/zh", params={"next": "/preplans"})
    # A stale form (revision 0) is refused on the page with the reason.
    r = client.post(f"/preplans/{pid}/edit", data={"title": "x", "revision": "0"})
    assert r.status_code == 422  # revision must be ≥ 1
    r = client.post(
        f"/preplans/{pid}/edit", data={"title": "改名", "revision": "1"}, follow_redirects=False
    )
    assert r.status_code == 303
    r = client.post(
        f"/preplans/{pid}/edit", data={"title": "再改", "revision": "1"}, follow_redirects=False
    )
    assert r.status_code == 409 and "revision 2" in r.text


def test_demo_preplans_are_deterministic_and_audited(uow: Any, sessions: Any) -> None:
    from lanyan.demo import preplans as demo_preplans
    from lanyan.response.models import PrePlan

    build(uow)
    add_plaza(uow)  # the one key unit with a high-rise building
    with uow() as s:
        assert demo_preplans.build(s, seed=7) == 1
    with sessions() as s:
        (row,) = s.scalars(select(PrePlan)).all()
        assert row.title == "大丰广场商业管理有限公司灭火救援预案"
        assert row.key_parts[0]["name"] == "中庭" and row.revision == 1
        assert row.contacts == [{"name": "李四", "role": "消防安全责任人", "phone": "13900000001"}]
        first = (row.occupants_day, row.occupants_night)
        assert s.scalar(select(AuditEntry.actor).where(AuditEntry.object_type == "preplans")) == (
            "system:demo"
        )
    with uow() as s:
        s.delete(row)
    with uow() as s:
        demo_preplans.build(s, seed=7)
    with sessions() as s:
        again = s.scalars(select(PrePlan)).one()
        assert (again.occupants_day, again.occupants_night) == first  # same seed, same plan
