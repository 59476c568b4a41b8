"""Log-in, lock-out, tokens, roles and user management."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lanyan.accounts.service import User
from lanyan.core.config import Settings

from support import PASSWORD, add_user, login, sample, seed_region


@pytest.fixture
def region(uow: Any) -> Any:
    seed_region(uow)
    add_user(uow, "admin", "admin", "320000")
    return uow


def test_password_is_stored_as_argon2(region: Any, sessions: Any) -> None:
    with sessions() as s:
        user = s.execute(select(User).where(User.username == "admin")).scalar_one()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_wrong_password_is_401_and_refused_after_max_failures(
    client: Any, region: Any, settings: Settings
) -> None:
    for _ in range(settings.login_max_failures):
        r = client.post(
            "/api/auth/login", json={"username": "admin", "password": "wrong-password-1"}
        )
        assert r.status_code == 401
        assert r.json()["detail"] == "username or password is wrong"
    r = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429
    assert "try again after" in r.json()["detail"]


def test_unknown_user_gets_the_same_answer(client: Any, region: Any) -> None:
    r = client.post("/api/auth/login", json={"username": "nobody", "password": "whatever-123"})
    assert r.status_code == 401
    assert r.json()["detail"] == "username or password is wrong"


def test_requests_without_token_are_401(client: Any, region: Any) -> None:
    assert client.get("/api/stations").status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get("/api/stations", headers=bad).status_code == 401


def test_logout_revokes_the_token(client: Any, region: Any) -> None:
    h = login(client, "admin")
    assert client.get("/api/me", headers=h).status_code == 200
    assert client.post("/api/auth/logout", headers=h).status_code == 204
    assert client.get("/api/me", headers=h).status_code == 401


@pytest.mark.parametrize(
    ("role", "slug", "allowed"),
    [
        ("government_viewer", "stations", False),
        ("dispatcher", "stations", False),
        ("commander", "stations", True),
        ("prevention_officer", "units", True),
        ("prevention_officer", "stations", False),
        ("grid_worker", "water-sources", True),
        ("unit_manager", "vehicles", False),
    ],
)
def test_role_write_permissions(
    client: Any, region: Any, role: str, slug: str, allowed: bool
) -> None:
    add_user(region, f"u-{role}", role, "320904")
    h = login(client, f"u-{role}")
    r = client.post(f"/api/{slug}", json=sample(slug, "320904"), headers=h)
    assert (r.status_code == 201) is allowed, r.text
    if not allowed:
        assert r.status_code == 403
        assert role in r.json()["detail"]


def test_unit_side_roles_cannot_read_personnel(client: Any, region: Any) -> None:
    add_user(region, "gridw", "grid_worker", "320904")
    h = login(client, "gridw")
    assert client.get("/api/personnel", headers=h).status_code == 403
    assert client.get("/api/water-sources", headers=h).status_code == 200


def test_admin_creates_users_only_inside_scope(client: Any, region: Any) -> None:
    add_user(region, "dafeng-admin", "admin", "320904")
    h = login(client, "dafeng-admin")
    ok = {
        "username": "officer1",
        "password": "long-enough-pw",
        "role": "prevention_officer",
        "jurisdiction_code": "320904100",
    }
    assert client.post("/api/users", json=ok, headers=h).status_code == 201
    out = ok | {"username": "officer2", "jurisdiction_code": "320902"}
    r = client.post("/api/users", json=out, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "jurisdiction_code", "rule": "is outside your jurisdiction"}
    ]
    short = ok | {"username": "officer3", "password": "short"}
    r = client.post("/api/users", json=short, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "password"
    names = [u["username"] for u in client.get("/api/users", headers=h).json()]
    assert "officer1" in names and "admin" not in names  # the province admin is outside
