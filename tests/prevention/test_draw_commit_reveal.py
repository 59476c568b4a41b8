"""Commit–reveal through the API (issue #20): a draw planned by an officer publishes its
commitment at once, cannot run before its published time, then reveals a seed matching the hash;
anyone recomputes the result from the public JSON, which carries no risk grade or credit flag;
the inspections' outcomes are published after them; production refuses a chosen seed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.prevention import draw, draw_service, inspections
from lanyan.prevention.models.inspections import Draw
from lanyan.prevention.schemas.inspections import (
    CertificateCreate,
    FindingCreate,
    InspectionCreate,
)
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, PASSWORD, add_user, create_sample, login, seed_region

UNITS = 6


@pytest.fixture
def world(uow: Any) -> None:
    seed_region(uow)
    for n in range(1, UNITS + 1):
        create_sample(uow, "units", DAFENG, n)
    for name in ("officer", "partner", "third"):
        add_user(uow, name, "prevention_officer", DAFENG)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    today = datetime.now(UTC).date()
    with uow() as s:
        for i, name in enumerate(("officer", "partner", "third")):
            inspections.add_certificate(
                s,
                SYSTEM,
                CertificateCreate(
                    username=name,
                    certificate_no=f"C{i}",
                    valid_from=today - timedelta(days=30),
                    valid_until=today + timedelta(days=300),
                ),
            )


def _plan(client: TestClient, headers: dict[str, str], **extra: Any) -> Any:
    body = {"jurisdiction": DAFENG, "base_rate": 1.0, **extra}
    return client.post("/api/draws", json=body, headers=headers)


def test_commit_then_reveal_and_anyone_recomputes(
    client: TestClient, world: None, uow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = login(client, "officer")
    assert _plan(client, login(client, "viewer")).status_code == 403
    r = _plan(client, officer)
    assert r.status_code == 201, r.text
    planned = r.json()
    code = planned["code"]
    announced = datetime.fromisoformat(planned["announced_at"])
    assert datetime.fromisoformat(planned["run_after"]) - announced == timedelta(hours=24)
    assert planned["seed"] is None and planned["drawn"] is None and planned["pool_size"] == UNITS
    with uow() as s:
        secret = s.execute(select(Draw.secret_seed).where(Draw.code == code)).scalar_one()
    assert secret and len(secret) == 64 and draw.sha256_hex(secret) == planned["seed_sha256"]

    # Published at once, to anyone, without the seed.
    client.cookies.clear()
    listed = client.get("/api/public/draws").json()
    assert listed["total"] == 1 and listed["items"][0]["seed_sha256"] == planned["seed_sha256"]
    public = client.get(f"/api/public/draws/{code}")
    assert public.status_code == 200 and secret not in public.text
    assert client.get(f"/public/draws/{code}").text.count(secret) == 0
    with uow() as s:  # nor in the audit chain
        trail = s.execute(select(AuditEntry).where(AuditEntry.object_type == "draws")).scalars()
        assert all(secret not in str(e.after) for e in trail)

    # Too early: refused, nothing revealed.
    r = client.post(f"/api/draws/{code}/run", headers=officer)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "run_after"
    assert client.get(f"/api/public/draws/{code}").json()["commitment"]["seed"] is None

    # The clock moves past the published time.
    later = datetime.now(UTC) + timedelta(hours=24, minutes=1)
    monkeypatch.setattr(draw_service, "utcnow", lambda: later)
    r = client.post(f"/api/draws/{code}/run", headers=officer)
    assert r.status_code == 200, r.text
    assert r.json()["seed"] == secret and r.json()["drawn"] == UNITS
    assert client.post(f"/api/draws/{code}/run", headers=officer).status_code in (400, 409, 422)

    client.cookies.clear()
    published = client.get(f"/api/public/draws/{code}").json()
    record = published["record"]
    assert draw.sha256_hex(record["seed"]) == planned["seed_sha256"]
    assert record["units_sha256"] == planned["units_sha256"]
    assert draw.verify(record) == []
    again = draw.draw_weighted(
        [(u["code"], u["weight"]) for u in record["input"]["pool"]],
        record["input"]["inspectors"],
        record["seed"],
    )
    assert [a.unit for a in again] == [a["unit"] for a in record["result"]]
    # What the disclosure rules allow only: no grade, category or credit anywhere.
    for text in (
        client.get(f"/api/public/draws/{code}").text,
        client.get(f"/public/draws/{code}.json").text,
        client.get("/api/public/draws").text,
    ):
        for word in ("grade", "credit", "high_risk", "category"):
            assert word not in text
    with uow() as s:
        assert s.execute(select(Draw.secret_seed).where(Draw.code == code)).scalar_one() is None

    # Results are published after the inspections: one passes, one finds a hazard.
    drawn = list(record["result"])
    with uow() as s:
        outcomes = ([], [FindingCreate(description="疏散通道堵塞")])
        for a, findings in zip(drawn[:2], outcomes, strict=True):
            inspections.create_inspection(
                s,
                SYSTEM,
                EVERYWHERE,
                InspectionCreate(
                    kind="random",
                    unit_code=a["unit"],
                    inspectors=a["inspectors"],
                    findings=findings,
                ),
                draw_code=code,
            )
    results = client.get(f"/api/public/draws/{code}").json()["results"]
    assert [(r["unit"], r["outcome"]) for r in results] == [
        (drawn[0]["unit"], "passed"),
        (drawn[1]["unit"], "rectify"),
    ]
    assert results[1]["outcome_zh"] == "责令整改" and results[0]["inspectors"]
    html = client.get(f"/public/draws/{code}").text
    assert 'data-outcome="rectify"' in html and "责令整改" in html


def test_production_refuses_a_chosen_seed(
    client: TestClient, world: None, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = login(client, "officer")
    r = _plan(client, officer, seed="mine")
    assert r.status_code == 201 and r.json()["seed_sha256"] == draw.sha256_hex("mine")
    monkeypatch.setattr(settings, "environment", "production")
    r = _plan(client, officer, seed="mine")
    assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == "seed"
    r = _plan(client, officer, sample_size=-1)
    assert r.status_code == 422 and "sample_size" in r.text
    assert _plan(client, officer, sample_size=2).status_code == 201


def test_officer_page_plans_and_refuses_an_early_run(client: TestClient, world: None) -> None:
    client.cookies.clear()
    client.post("/login", data={"username": "officer", "password": PASSWORD})
    page = client.get("/supervision/draws")
    assert page.status_code == 200 and 'id="plan-form"' in page.text
    r = client.post(
        "/supervision/draws",
        data={"jurisdiction": DAFENG, "base_rate": "1", "sample_size": "2"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    code = r.headers["location"].split("code=")[1]
    r = client.post(f"/supervision/draws/{code}/run", follow_redirects=False)
    assert r.status_code == 409 and 'id="page-error"' in r.text
    r = client.post("/supervision/draws", data={"jurisdiction": DAFENG, "base_rate": "x"})
    assert r.status_code == 422 and "base_rate" in r.text
