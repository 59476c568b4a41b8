"""Log-in rate limits: per username+address, per address, per username (api.login_limits)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lanyan.accounts.login_limits import TooManyAttempts
from lanyan.app import create_app
from lanyan.core.config import Settings
from lanyan.core.timeutil import local_clock

from support import PASSWORD, add_user, seed_region

WRONG = "wrong-password-1"


@pytest.fixture
def region(uow: Any) -> Any:
    seed_region(uow)
    add_user(uow, "admin", "admin", "320000")
    return uow


@pytest.fixture
def proxied(settings: Settings, region: Any) -> Iterator[TestClient]:
    """An app behind a proxy that names the client in X-Forwarded-For."""
    limited = settings.model_copy(
        update={
            "trusted_proxy_header": "X-Forwarded-For",
            "login_max_failures": 3,
            "login_address_max_failures": 5,
            "login_account_max_failures": 7,
            "login_account_delay_s": 60.0,
        }
    )
    with TestClient(create_app(limited)) as c:
        yield c


def attempt(client: TestClient, username: str, password: str, address: str) -> Any:
    return client.post(
        "/api/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": f"10.9.9.9, {address}"},
    )


def test_a_stranger_cannot_lock_the_owner_out_from_another_address(proxied: TestClient) -> None:
    for _ in range(3):
        assert attempt(proxied, "admin", WRONG, "203.0.113.7").status_code == 401
    refused = attempt(proxied, "admin", PASSWORD, "203.0.113.7")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 60
    assert attempt(proxied, "admin", PASSWORD, "198.51.100.2").status_code == 200


def test_unknown_and_existing_usernames_get_the_same_answers(proxied: TestClient) -> None:
    answers = {}
    clocks: dict[str, list[str]] = {}
    for name in ("admin", "no-such-user"):
        tries = [attempt(proxied, name, WRONG, f"192.0.2.{len(name)}") for _ in range(4)]
        # The refusal names a clock time ("try again after 11:05"): the two runs may straddle a
        # minute on a slow machine, so the time is compared apart (within a minute).
        answers[name] = [
            (r.status_code, re.sub(r"\d\d:\d\d", "HH:MM", r.json()["detail"])) for r in tries
        ]
        clocks[name] = re.findall(r"\d\d:\d\d", tries[-1].json()["detail"])
    assert answers["admin"] == answers["no-such-user"]
    assert len(clocks["admin"]) == len(clocks["no-such-user"]) == 1
    minutes = [int(c[0][:2]) * 60 + int(c[0][3:]) for c in clocks.values()]
    assert abs(minutes[0] - minutes[1]) % (24 * 60) in (0, 1, 24 * 60 - 1)
    assert [status for status, _ in answers["admin"]] == [401, 401, 401, 429]
    assert answers["admin"][0][1] == "username or password is wrong"


def test_one_address_spraying_many_usernames_is_refused(proxied: TestClient) -> None:
    for n in range(5):
        assert attempt(proxied, f"user{n}", WRONG, "203.0.113.9").status_code == 401
    assert attempt(proxied, "admin", PASSWORD, "203.0.113.9").status_code == 429
    assert attempt(proxied, "admin", PASSWORD, "203.0.113.10").status_code == 200


def test_many_addresses_guessing_one_username_are_slowed(proxied: TestClient) -> None:
    for n in range(7):
        assert attempt(proxied, "admin", WRONG, f"198.51.100.{n}").status_code == 401
    assert attempt(proxied, "admin", PASSWORD, "192.0.2.200").status_code == 429


def test_the_proxy_header_is_ignored_unless_configured(client: TestClient, region: Any) -> None:
    for n in range(3):
        r = client.post(
            "/api/auth/login",
            json={"username": "admin", "password": WRONG},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        assert r.status_code == 401
    r = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429  # the three came from one connection address


def test_counts_survive_a_new_app_on_the_same_database(
    proxied: TestClient, settings: Settings
) -> None:
    for _ in range(3):
        attempt(proxied, "admin", WRONG, "203.0.113.7")
    limited = settings.model_copy(update={"trusted_proxy_header": "X-Forwarded-For"})
    with TestClient(create_app(limited)) as restarted:
        assert attempt(restarted, "admin", PASSWORD, "203.0.113.7").status_code == 429


def test_the_refusal_names_the_time_in_asia_shanghai() -> None:
    until = datetime(2026, 12, 7, 3, 5, tzinfo=UTC)
    assert local_clock(until) == "11:05"
    assert "try again after 11:05 (Asia/Shanghai)" in TooManyAttempts(until).message


def test_the_page_says_when_to_try_again_in_beijing_time(proxied: TestClient) -> None:
    for _ in range(4):
        r = proxied.post(
            "/login",
            data={"username": "admin", "password": WRONG, "next": "/"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
    assert r.status_code == 429
    assert re.search(r"请于 \d\d:\d\d（北京时间）后再试", r.text)


def test_stale_counts_are_forgotten(proxied: TestClient, sessions: Any) -> None:
    from sqlalchemy import func, select, update

    from lanyan.accounts.models import LoginThrottle

    attempt(proxied, "ghost", WRONG, "203.0.113.50")
    with sessions() as s, s.begin():
        s.execute(update(LoginThrottle).values(window_started_at=datetime(2020, 1, 1, tzinfo=UTC)))
    attempt(proxied, "admin", WRONG, "203.0.113.51")
    with sessions() as s:
        keys = set(s.execute(select(LoginThrottle.key)).scalars())
        assert s.execute(select(func.count()).select_from(LoginThrottle)).scalar_one() == 3
    assert "ghost" not in keys and "admin" in keys
