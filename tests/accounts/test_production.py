"""Production hardening: security headers, cookie flags, closed API docs, strong secret keys
and log-in forms that refuse cross-site posts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lanyan.api.security_headers import content_security_policy
from lanyan.app import create_app
from lanyan.core.config import PLACEHOLDER_SECRET, Settings

from support import PASSWORD, add_user, seed_region

STRONG = "Zq7v-Jm2pX9tKc4Rw8bN1yHs6Lf3Ud5Ae0Gi"


@pytest.fixture
def region(uow: Any) -> Any:
    seed_region(uow)
    add_user(uow, "admin", "admin", "320000")
    return uow


@pytest.fixture
def prod(settings: Settings, region: Any) -> Iterator[TestClient]:
    production = settings.model_copy(update={"environment": "production", "secret_key": STRONG})
    with TestClient(create_app(production), base_url="https://testserver") as c:
        yield c


def test_every_response_carries_the_security_headers(prod: TestClient) -> None:
    for path in ("/login", "/api/health", "/api/stations", "/no-such-page"):
        r = prod.get(path, follow_redirects=False)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "same-origin", path
        csp = r.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp, path


def test_the_policy_admits_a_configured_tile_server() -> None:
    assert "img-src 'self' data: blob:;" in content_security_policy("")
    csp = content_security_policy("http://t{s}.tianditu.gov.cn/img_w/wmts?x={x}&y={y}")
    assert "img-src 'self' data: blob: http://*.tianditu.gov.cn;" in csp


def test_production_session_cookie_is_secure_httponly_and_lax(prod: TestClient) -> None:
    r = prod.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    page = prod.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "next": "/"},
        headers={"Origin": "https://testserver"},
        follow_redirects=False,
    )
    assert page.status_code == 303
    assert all("secure" in c.lower() for c in page.headers.get_list("set-cookie"))


def test_development_cookie_works_over_plain_http(client: TestClient, region: Any) -> None:
    r = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert "secure" not in r.headers["set-cookie"].lower()


def test_production_api_docs_need_a_signed_in_user(prod: TestClient) -> None:
    r = prod.get("/docs", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/docs"
    r = prod.get("/openapi.json")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    token = prod.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert prod.get("/docs").status_code == 200  # the session cookie is now set
    spec = prod.get("/openapi.json")
    assert spec.status_code == 200 and "/api/auth/login" in spec.json()["paths"]
    assert token.status_code == 200


def test_development_api_docs_are_open(client: TestClient, region: Any) -> None:
    assert client.get("/openapi.json").status_code == 200
    page = client.get("/docs")
    assert page.status_code == 200 and "/static/js/swagger-init.js" in page.text
    assert "<script>" not in page.text  # no inline script for the policy to block


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (PLACEHOLDER_SECRET, "shipped placeholder"),
        ("a-real-secret-value", "19 characters long"),
        ("ab" * 20, "only 2 different characters"),
    ],
)
def test_production_refuses_a_weak_secret_key_and_says_the_rule(key: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        Settings(environment="production", secret_key=key)
    message = str(caught.value)
    assert "LANYAN_SECRET_KEY" in message and reason in message
    assert "at least 32 characters" in message and "12 different characters" in message


def test_production_accepts_a_strong_secret_key() -> None:
    assert Settings(environment="production", secret_key=STRONG).secret_key == STRONG
    assert Settings(environment="development", secret_key="short").secret_key == "short"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/phish"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
    ],
)
def test_cross_site_log_in_posts_are_refused(prod: TestClient, headers: dict[str, str]) -> None:
    form = prod.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "next": "/"},
        headers=headers,
        follow_redirects=False,
    )
    assert form.status_code == 403
    assert "lanyan_session" not in form.headers.get("set-cookie", "")
    api = prod.post(
        "/api/auth/login", json={"username": "admin", "password": PASSWORD}, headers=headers
    )
    assert api.status_code == 403 and "cross-site" in api.json()["detail"]


def test_same_site_log_in_post_works(prod: TestClient) -> None:
    r = prod.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "next": "/"},
        headers={"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "lanyan_session=" in r.headers["set-cookie"]
