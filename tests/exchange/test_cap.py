"""CAP 1.2 weather warnings (issue #20 item 4): the Dafeng gale sample is parsed, checked and
stored once; Update and Cancel end what they reference; malformed or hostile XML is refused with
the field and the rule, nothing written; the API (admins) and ``lanyan cap import`` (one line per
file, never a traceback) take documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from exchange.cap_support import IDENTIFIER, SAMPLE, cap_sample
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from lanyan.cli.main import app as cli_app
from lanyan.core.errors import ValidationFailed
from lanyan.exchange import cap_service
from lanyan.exchange.cap import read_alert
from lanyan.exchange.models import WeatherWarning

from support import DAFENG, add_user, login, seed_region

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol2;</identifier></alert>"""


def _problems(data: bytes) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        read_alert(data)
    return {p.field: p.rule for p in caught.value.problems}


def test_sample_reads_with_chinese_level_and_lon_lat_polygon() -> None:
    alert = read_alert(SAMPLE.read_bytes())
    assert (alert.identifier, alert.sender, alert.event) == (IDENTIFIER, "大丰区气象台", "大风")
    assert (alert.severity, alert.level, alert.msg_type) == ("Moderate", "yellow", "Alert")
    assert alert.onset == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    assert alert.expires == datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    assert alert.polygons[0][0] == (120.40, 33.10)  # CAP "lat,lon" turned to lon, lat
    # without a Chinese level the CAP severity decides; a red 预警级别 wins over Moderate
    assert read_alert(cap_sample(NOW, level="")).level == "yellow"
    assert read_alert(cap_sample(NOW, level="红色")).level == "red"


def test_malformed_and_hostile_documents_name_the_field() -> None:
    assert "body" in _problems(b"<alert><unclosed></alert>")
    assert _problems(BOMB) == {"body": "DOCTYPE and entity declarations are not accepted"}
    assert "alert" in _problems(b"<alert xmlns='urn:other'/>")
    text = SAMPLE.read_text(encoding="utf-8")
    broken = (
        text.replace("<severity>Moderate</severity>", "<severity>Big</severity>")
        .replace("<event>大风</event>", "")
        .replace("120.40 33.10,120.40</polygon>", "120.40 33.20,120.40</polygon>")
        .replace("<expires>2026-12-08T08:00:00+08:00</expires>", "<expires>tomorrow</expires>")
    )
    problems = _problems(broken.encode())
    assert problems["info/severity"].startswith("must be one of Extreme")
    assert problems["info/event"] == "is required"
    assert problems["area/polygon"] == "must be a closed ring of ≥ 4 points"
    assert "info/expires" in problems
    assert _problems(cap_sample(NOW, msg_type="Cancel")) == {
        "references": "is required for msgType Cancel"
    }


def test_store_once_then_update_then_cancel(uow: Any) -> None:
    ref = f"大丰区气象台,{IDENTIFIER},2026-12-07T08:00:00+08:00"
    with uow() as s:
        first = cap_service.import_document(s, cap_sample(NOW), NOW)
        again = cap_service.import_document(s, cap_sample(NOW), NOW)
    assert (first.outcome, again.outcome) == ("imported", "duplicate")
    with uow() as s:
        items, total = cap_service.active(s, 1, 10, NOW)
        assert total == 1 and items[0].level == "yellow"
        assert items[0].geometry["type"] == "MultiPolygon"
        # not yet begun, or already expired: not in force
        assert cap_service.active(s, 1, 10, NOW - timedelta(hours=2))[1] == 0
        assert cap_service.active(s, 1, 10, NOW + timedelta(days=1))[1] == 0
    with uow() as s:
        upd = cap_service.import_document(
            s,
            cap_sample(NOW, identifier="U1", msg_type="Update", references=ref, level="橙色"),
            NOW,
        )
    assert (upd.outcome, upd.ended) == ("updated", 1)
    with uow() as s:
        items, total = cap_service.active(s, 1, 10, NOW)
        assert [(w.identifier, w.level) for w in items] == [("U1", "orange")]
    with uow() as s:
        cancel = cap_service.import_document(
            s,
            cap_sample(NOW, identifier="C1", msg_type="Cancel", references="大丰区气象台,U1,x"),
            NOW,
        )
    assert (cancel.outcome, cancel.ended) == ("cancelled", 1)
    with uow() as s:
        assert cap_service.active(s, 1, 10, NOW)[1] == 0
        assert s.scalar(select(func.count()).select_from(WeatherWarning)) == 3


def test_api_admin_only_and_refusals_write_nothing(client: TestClient, uow: Any) -> None:
    seed_region(uow)
    add_user(uow, "root", "admin", DAFENG)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    now = datetime.now(UTC)
    xml = {"Content-Type": "application/xml"}
    officer = login(client, "officer") | xml
    assert (
        client.post("/api/exchange/cap", content=cap_sample(now), headers=officer).status_code
        == 403
    )
    admin = login(client, "root") | xml
    bad = client.post("/api/exchange/cap", content=BOMB, headers=admin)
    assert bad.status_code == 422 and "DOCTYPE" in bad.text
    r = client.post("/api/exchange/cap", content=cap_sample(now), headers=admin)
    assert r.status_code == 200 and r.json() == {
        "identifier": IDENTIFIER,
        "outcome": "imported",
        "ended": 0,
    }
    again = client.post("/api/exchange/cap", content=cap_sample(now), headers=admin)
    assert again.json()["outcome"] == "duplicate"
    listed = client.get("/api/exchange/warnings", headers=admin).json()
    assert listed["total"] == 1 and listed["items"][0]["event"] == "大风"
    assert listed["items"][0]["level"] == "yellow"


def test_cli_imports_a_folder_one_line_per_file(
    sessions: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANYAN_DATABASE_URL", db_url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    folder = tmp_path / "cap"
    folder.mkdir()
    (folder / "a_good.xml").write_bytes(cap_sample(datetime.now(UTC)))
    (folder / "b_bomb.xml").write_bytes(BOMB)
    (folder / "c_cut.xml").write_bytes(SAMPLE.read_bytes()[:300])
    r = CliRunner().invoke(cli_app, ["cap", "import", str(folder)], catch_exceptions=False)
    lines = r.output.strip().splitlines()
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert len(lines) == 3, r.output
    assert lines[0].endswith(f"imported {IDENTIFIER}")
    assert "skipped" in lines[1] and "DOCTYPE" in lines[1]
    assert "skipped" in lines[2] and "not well-formed" in lines[2]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(WeatherWarning)) == 1
