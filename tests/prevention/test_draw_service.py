"""The draw stored and run: pool from the registry, certified inspectors, recusals, the audit
chain, and ``lanyan draw run/verify/export`` against a tampered record and database."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from lanyan.cli.main import app
from lanyan.core.errors import ValidationFailed
from lanyan.core.timeutil import to_local, utcnow
from lanyan.prevention import draw, draw_service, inspections
from lanyan.prevention.schemas.inspections import CertificateCreate, RecusalCreate
from lanyan.registry import service
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE, Scope
from lanyan.registry.types import get_type
from lanyan.risk import service as risk_service
from lanyan.risk.config import load
from lanyan.risk.models import UnitRiskScore
from lanyan.store.audit import SYSTEM, AuditEntry, verify
from lanyan.store.db import make_engine, make_session_factory, unit_of_work

from support import DAFENG, TINGHU, add_user, sample, seed_region, uscc

runner = CliRunner()


def _world(uow: Any, units: int = 12) -> None:
    seed_region(uow)
    with uow() as s:
        for n in range(1, units + 1):
            payload = sample("units", DAFENG, n) | {"category": "high_risk" if n % 3 else "general"}
            service.create(s, get_type("units"), SYSTEM, EVERYWHERE, payload)
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", TINGHU, 99))
    for name in ("insp_a", "insp_b", "insp_c", "expired"):
        add_user(uow, name, "prevention_officer", DAFENG)
    add_user(uow, "th_officer", "prevention_officer", TINGHU)
    with uow() as s:
        for i, name in enumerate(("insp_a", "insp_b", "insp_c", "expired", "th_officer")):
            until = date(2024, 1, 1) if name == "expired" else date(2099, 12, 31)
            inspections.add_certificate(
                s,
                SYSTEM,
                CertificateCreate(
                    username=name,
                    certificate_no=f"C{i}",
                    valid_from=date(2020, 1, 1),
                    valid_until=until,
                ),
            )
        inspections.add_recusal(
            s,
            SYSTEM,
            EVERYWHERE,
            RecusalCreate(username="insp_a", unit_code=uscc(DAFENG, 1), reason="亲属"),
        )


def test_announce_then_draw_then_verify(uow: Any) -> None:
    _world(uow)
    seed = draw.new_seed()
    with uow() as s:
        row = draw_service.announce(s, SYSTEM, EVERYWHERE, DAFENG, seed, draw.Rates(base=1.0))
        code = row.code
        record = row.record
        assert row.seed is None and record["seed"] is None and seed not in json.dumps(record)
        assert record["input"]["inspectors"] == [
            "insp_a",
            "insp_b",
            "insp_c",
        ]  # certified, in the county
        assert len(record["input"]["pool"]) == 12  # Dafeng's units only
        # Weights only: no unit's category, risk grade or credit flag is published.
        assert {u["weight"] for u in record["input"]["pool"]} == {1_000_000}
        assert not {"high_risk", "grade", "credit_listed"} & set(json.dumps(record).split('"'))
        assert record["input"]["recusals"] == [["insp_a", uscc(DAFENG, 1)]]
    with uow() as s, pytest.raises(ValidationFailed):
        draw_service.perform(s, SYSTEM, EVERYWHERE, code, "not-the-seed")
    with uow() as s:
        row = draw_service.perform(s, SYSTEM, EVERYWHERE, code, seed)
        result = row.record["result"]
        assert len(result) == 12
        first = next(r for r in result if r["unit"] == uscc(DAFENG, 1))
        assert "insp_a" not in first["inspectors"]
    with uow() as s:
        assert draw_service.verify_stored(s, code) == []
        actions = s.execute(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "draws")
            .order_by(AuditEntry.seq)
        ).scalars()
        assert list(actions) == ["announce", "draw"]
        assert verify(s).ok
    with uow() as s:  # tamper with the stored result
        row = draw_service.get_draw(s, code)
        record = json.loads(json.dumps(row.record))
        record["result"][0]["inspectors"] = ["insp_b", "th_officer"]
        row.record = record
    with uow() as s:
        problems = draw_service.verify_stored(s, code)
        assert any("different result" in p for p in problems)


def test_draw_input_carries_risk_grades(uow: Any) -> None:
    """The pool carries each unit's grade from the latest risk snapshot up to the draw day; the
    grade rates draw them; a snapshot dated after the draw day does not steer it."""
    _world(uow)
    today = to_local(utcnow())
    assert today is not None
    with uow() as s:  # a snapshot from the future only: no grades
        risk_service.compute(s, SYSTEM, EVERYWHERE, today.date() + timedelta(days=30), load())
        rates0 = draw.Rates(0.0, 0.0, 0.0, {"I": 1.0, "II": 1.0, "III": 1.0, "IV": 1.0})
        row = draw_service.announce(s, SYSTEM, EVERYWHERE, DAFENG, "s1", rates0)
        assert {u["weight"] for u in row.record["input"]["pool"]} == {0}
    with uow() as s:
        risk_service.compute(s, SYSTEM, EVERYWHERE, today.date(), load())
        scored = dict(
            s.execute(
                select(Unit.code, UnitRiskScore.grade)
                .join(UnitRiskScore, UnitRiskScore.unit_id == Unit.id)
                .where(UnitRiskScore.as_of == today.date())
            ).all()
        )
    # Only one grade is drawn, at 100 %; nothing else (base, high-risk and credit rates 0).
    grade = min(scored.values())
    rates = draw.Rates(0.0, 0.0, 0.0, {grade: 1.0})
    with uow() as s:
        row = draw_service.announce(s, SYSTEM, EVERYWHERE, DAFENG, "s2", rates)
        code = row.code
        pool = {u["code"]: u["weight"] for u in row.record["input"]["pool"]}
        assert len(pool) == 12
        assert pool == {c: 1_000_000 if scored.get(c) == grade else 0 for c in pool}
    with uow() as s:
        result = draw_service.perform(s, SYSTEM, EVERYWHERE, code, "s2").record["result"]
        wanted = sorted(c for c in pool if scored.get(c) == grade)
        assert wanted and sorted(a["unit"] for a in result) == wanted
        assert draw_service.verify_stored(s, code) == []


def test_draw_is_scoped(uow: Any) -> None:
    _world(uow, units=2)
    with uow() as s, pytest.raises(ValidationFailed) as err:
        draw_service.announce(s, SYSTEM, Scope("/999/"), DAFENG, "seed")
    assert err.value.problems[0].field == "jurisdiction"


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("LANYAN_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    assert runner.invoke(app, ["init"], catch_exceptions=False).exit_code == 0
    _world(lambda: unit_of_work(make_session_factory(make_engine(f"sqlite:///{db}"))))
    return db


def _run(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_cli_plan_run_verify_export_and_tamper(
    cli_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default delay (24 h): planned now, refused now.
    r = _run("draw", "plan", "--jurisdiction", DAFENG, "--base-rate", "0.5")
    assert r.exit_code == 0, r.output
    early = r.output.split("announced draw ")[1].split(":")[0]
    r = _run("draw", "run", early)
    assert r.exit_code == 1 and "may not run before" in r.output and "Traceback" not in r.output

    monkeypatch.setenv("LANYAN_DRAW_DELAY_HOURS", "0")
    out = tmp_path / "draw.csv"
    r = _run("draw", "plan", "--jurisdiction", DAFENG, "--base-rate", "0.5")
    assert r.exit_code == 0, r.output
    assert "seed SHA-256" in r.output
    code = r.output.split("announced draw ")[1].split(":")[0]
    r = _run("draw", "run", code, "--csv", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("draw,unit_code,inspector_1,inspector_2")
    r = _run("draw", "verify", code)
    assert r.exit_code == 0 and "verifies" in r.output

    r = _run("draw", "export", code, "--format", "json")
    published = tmp_path / "published.json"
    published.write_text(r.output, encoding="utf-8")
    assert _run("draw", "verify", "--file", str(published)).exit_code == 0
    assert _run("draw", "verify", str(published)).exit_code == 0
    record = json.loads(r.output)
    record["seed"] = "00" + record["seed"][2:]
    published.write_text(json.dumps(record), encoding="utf-8")
    r = _run("draw", "verify", str(published))
    assert r.exit_code == 1 and "does NOT verify" in r.output

    with sqlite3.connect(cli_db) as conn:  # tamper with the stored seed
        conn.execute("UPDATE prevention_draws SET seed = 'ff' WHERE code = ?", (code,))
    r = _run("draw", "verify", code)
    assert r.exit_code == 1 and "seed differs" in r.output


def test_cli_seed_only_outside_production(cli_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = _run("draw", "plan", "--jurisdiction", DAFENG, "--seed", "chosen")
    assert r.exit_code == 0 and draw.sha256_hex("chosen") in r.output
    monkeypatch.setenv("LANYAN_ENVIRONMENT", "production")
    monkeypatch.setenv("LANYAN_SECRET_KEY", "p" + "roduction-key-0123456789-abcdefghijkl")
    r = _run("draw", "plan", "--jurisdiction", DAFENG, "--seed", "chosen")
    assert r.exit_code == 2 and "--seed" in r.output and "Traceback" not in r.output


def test_cli_bad_input_without_traceback(cli_db: Path) -> None:
    r = _run("draw", "plan", "--jurisdiction", DAFENG, "--grade-rate", "I:0.5")
    assert r.exit_code == 1 and "grade_rate" in r.output and "Traceback" not in r.output
    r = _run("draw", "plan", "--jurisdiction", DAFENG, "--grade-rate", "VI=0.5")
    assert r.exit_code == 1 and "grade_rates.VI" in r.output
    r = _run("draw", "plan", "--jurisdiction", DAFENG, "--base-rate", "2")
    assert r.exit_code == 1 and "base" in r.output and "Traceback" not in r.output
    r = _run("draw", "plan", "--jurisdiction", DAFENG, "--sample-size", "-3")
    assert r.exit_code == 1 and "sample_size" in r.output
    r = _run("draw", "plan", "--jurisdiction", "999999")
    assert r.exit_code == 1 and "jurisdiction" in r.output
    assert _run("draw", "verify").exit_code == 2
    assert _run("draw", "verify", "SJ-NONE").exit_code == 1
    assert _run("draw", "verify", "ftp://example.invalid/x.json").exit_code == 2
