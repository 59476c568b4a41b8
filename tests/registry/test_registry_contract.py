"""Contract tests every object type inherits: CRUD, bad input, scoping (read and write), audit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lanyan.registry.types import OBJECT_TYPES
from lanyan.store.audit import AuditEntry

from support import (
    CHANGE,
    DAFENG,
    PREREQUISITES,
    TINGHU,
    add_user,
    create_sample,
    login,
    sample,
    seed_region,
)

SLUGS = [ot.slug for ot in OBJECT_TYPES]


@pytest.fixture
def region(uow: Any) -> Any:
    seed_region(uow)
    add_user(uow, "admin", "admin", "320000")
    add_user(uow, "dafeng", "admin", DAFENG)
    return uow


def _post_prereqs(client: Any, headers: dict, slug: str, county: str, n: int = 1) -> None:
    for pre in PREREQUISITES.get(slug, []):
        r = client.post(f"/api/{pre}", json=sample(pre, county, n), headers=headers)
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("slug", SLUGS)
def test_crud_round_trip(client: Any, region: Any, slug: str) -> None:
    h = login(client, "admin")
    _post_prereqs(client, h, slug, DAFENG)
    body = sample(slug, DAFENG)
    r = client.post(f"/api/{slug}", json=body, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    row_id = created["id"]
    for key, value in body.items():
        if key in ("boundary", "geometry"):
            continue
        assert created[key] == value or str(created[key]) == str(value), key

    listed = client.get(f"/api/{slug}", params={"q": body["code"]}, headers=h).json()
    assert [item["id"] for item in listed["items"]] == [row_id]

    field, value = CHANGE[slug]
    r = client.patch(f"/api/{slug}/{row_id}", json={field: value}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()[field] == value
    assert client.get(f"/api/{slug}/{row_id}", headers=h).json()[field] == value

    r = client.delete(f"/api/{slug}/{row_id}", headers=h)
    assert r.status_code == 204, r.text
    assert client.get(f"/api/{slug}/{row_id}", headers=h).status_code == 404


@pytest.mark.parametrize("slug", SLUGS)
def test_bad_input_names_field_and_rule(client: Any, region: Any, slug: str) -> None:
    h = login(client, "admin")
    body = sample(slug, DAFENG)
    missing = next(iter(body))  # code/first field is required everywhere
    del body[missing]
    body["no_such_field"] = 1
    r = client.post(f"/api/{slug}", json=body, headers=h)
    assert r.status_code == 422
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in problem["errors"]}
    assert missing in fields and "no_such_field" in fields
    assert all(e["rule"] for e in problem["errors"])
    assert "Traceback" not in r.text


@pytest.mark.parametrize("slug", SLUGS)
def test_duplicate_code_is_a_conflict(client: Any, region: Any, slug: str) -> None:
    h = login(client, "admin")
    _post_prereqs(client, h, slug, DAFENG)
    assert client.post(f"/api/{slug}", json=sample(slug, DAFENG), headers=h).status_code == 201
    r = client.post(f"/api/{slug}", json=sample(slug, DAFENG), headers=h)
    assert r.status_code == 409, r.text
    assert r.json()["errors"] == [{"field": "code", "rule": "must be unique"}]


@pytest.mark.parametrize("slug", SLUGS)
def test_scoped_read(client: Any, region: Any, slug: str) -> None:
    inside = create_sample(region, slug, DAFENG, 1)
    outside = create_sample(region, slug, TINGHU, 2)
    h = login(client, "dafeng")
    ids = {
        item["id"]
        for item in client.get(f"/api/{slug}", params={"size": 500}, headers=h).json()["items"]
    }
    assert inside in ids and outside not in ids
    assert client.get(f"/api/{slug}/{inside}", headers=h).status_code == 200
    assert client.get(f"/api/{slug}/{outside}", headers=h).status_code == 404


@pytest.mark.parametrize("slug", SLUGS)
def test_scoped_write(client: Any, region: Any, slug: str) -> None:
    outside = create_sample(region, slug, TINGHU, 2)
    h = login(client, "dafeng")
    if slug in PREREQUISITES:  # the prerequisite in Tinghu exists; referring to it must fail
        body = sample(slug, TINGHU, 2) | {"code": "NEW-1"}
    else:
        body = sample(slug, TINGHU, 3)
    r = client.post(f"/api/{slug}", json=body, headers=h)
    assert r.status_code == 422, r.text
    assert any(e["rule"] == "is outside your jurisdiction" for e in r.json()["errors"])
    field, value = CHANGE[slug]
    assert client.patch(f"/api/{slug}/{outside}", json={field: value}, headers=h).status_code == 404
    assert client.delete(f"/api/{slug}/{outside}", headers=h).status_code == 404
    # and a row inside cannot be moved out of scope
    inside = create_sample(region, slug, DAFENG, 4)
    moved = {"jurisdiction_code": TINGHU} if "jurisdiction_code" in body else None
    if slug == "jurisdictions":
        moved = {"parent_code": TINGHU}
    if moved:
        r = client.patch(f"/api/{slug}/{inside}", json=moved, headers=h)
        assert r.status_code == 422, r.text


@pytest.mark.parametrize("slug", SLUGS)
def test_every_write_is_audited(client: Any, region: Any, sessions: Any, slug: str) -> None:
    h = login(client, "admin")
    _post_prereqs(client, h, slug, DAFENG)
    row_id = client.post(f"/api/{slug}", json=sample(slug, DAFENG), headers=h).json()["id"]
    field, value = CHANGE[slug]
    client.patch(f"/api/{slug}/{row_id}", json={field: value}, headers=h)
    client.delete(f"/api/{slug}/{row_id}", headers=h)
    with sessions() as s:
        entries = (
            s.execute(
                select(AuditEntry)
                .where(AuditEntry.object_type == slug, AuditEntry.object_id == str(row_id))
                .order_by(AuditEntry.seq)
            )
            .scalars()
            .all()
        )
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all(e.actor == "admin" for e in entries)
    assert entries[0].before is None and entries[2].after is None
    assert entries[1].before != entries[1].after
