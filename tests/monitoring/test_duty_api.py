"""Control-room duty by API, on both databases: the roster with certificates, a shift refused
unless two certified operators staff it, a duty-log entry for a future time refused naming the
field, the monthly compliance; 查岗 of one unit answered, a sample drawn from a kept seed, a
check missed by the housekeeping and counted in the unit's risk factors."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from lanyan.core.timeutil import local_today, to_local, utcnow
from lanyan.monitoring import duty_check_service
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.registry import service
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.risk import config, features
from lanyan.store.audit import SYSTEM

from support import DAFENG, add_user, bind_unit, login, sample, seed_region

EXPIRES = (date.today() + timedelta(days=365)).isoformat()


@pytest.fixture
def world(uow: Any, client: Any) -> dict[str, Any]:
    seed_region(uow)
    codes = []
    with uow() as s:
        for n in (1, 2, 3):
            unit = service.create(
                s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG, n)
            )
            codes.append(unit.code)
    for name in ("kzs", "kzs2", "kzs3"):
        add_user(uow, name, "control_room_operator", DAFENG)
        bind_unit(uow, name, codes[0])
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    add_user(uow, "prevention", "prevention_officer", DAFENG)
    h = {n: login(client, n) for n in ("kzs", "kzs2", "dispatcher", "prevention")}
    return {"h": h, "units": codes}


def test_roster_shift_log_and_compliance(client: Any, world: dict[str, Any]) -> None:
    kzs = world["h"]["kzs"]
    unit = world["units"][0]
    base = f"/api/monitoring/units/{unit}"
    for name, expires in (("kzs", EXPIRES), ("kzs2", EXPIRES), ("kzs3", "2020-01-01")):
        r = client.post(
            f"{base}/duty-roster",
            json={"username": name, "certificate_no": f"C-{name}", "certificate_expires": expires},
            headers=kzs,
        )
        assert r.status_code == 200, r.text
    r = client.post(
        f"{base}/duty-roster",
        json={"username": "dispatcher", "certificate_no": "X", "certificate_expires": EXPIRES},
        headers=kzs,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "username"
    assert client.get(f"{base}/duty-roster", headers=kzs).json()["total"] == 3

    now = utcnow().replace(microsecond=0)
    start = now - timedelta(hours=3)
    shift = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=4)).isoformat()}
    for names in (["kzs"], ["kzs", "kzs3"]):
        r = client.post(f"{base}/duty-shifts", json=shift | {"operators": names}, headers=kzs)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "operators"
        assert "two certified operators" in r.json()["detail"]
    assert client.get(f"{base}/duty-shifts", headers=kzs).json()["total"] == 0
    r = client.post(f"{base}/duty-shifts", json=shift | {"operators": ["kzs", "kzs2"]}, headers=kzs)
    assert r.status_code == 201, r.text
    due = r.json()["slots"]

    r = client.post(
        f"{base}/duty-log",
        json={"at": (now + timedelta(hours=1)).isoformat(), "panel_state": "normal"},
        headers=kzs,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "at", r.text
    assert client.get(f"{base}/duty-log", headers=kzs).json()["total"] == 0
    for minutes in (170, 160, 50):  # two entries in one slot count once
        r = client.post(
            f"{base}/duty-log",
            json={
                "at": (now - timedelta(minutes=minutes)).isoformat(),
                "panel_state": "normal",
                "note": "运行正常",
            },
            headers=kzs,
        )
        assert r.status_code == 201, r.text
    assert client.get(f"{base}/duty-log", headers=kzs).json()["total"] == 3

    month = to_local(start).strftime("%Y-%m")  # the shift counts in the month it starts
    r = client.get(
        f"/api/monitoring/duty-compliance?month={month}", headers=world["h"]["prevention"]
    )
    assert r.status_code == 200, r.text
    rows = {row["unit_code"]: row for row in r.json()["items"]}
    assert r.json()["total"] == 1 and set(rows) == {unit}
    row = rows[unit]
    # entries 170 and 160 minutes ago share a slot or straddle two, and 50 minutes ago is one more
    assert (row["shifts"], row["log_slots_due"], row["handovers"]) == (1, due, 0)
    assert row["log_slots_on_time"] in (2, 3) and row["log_rate"] == round(
        row["log_slots_on_time"] / due, 4
    )
    r = client.get("/api/monitoring/duty-compliance?month=2026-13", headers=kzs)
    assert r.status_code == 422


def test_a_duty_check_answered_and_one_missed(
    client: Any, uow: Any, sessions: Any, world: dict[str, Any]
) -> None:
    kzs, desk = world["h"]["kzs"], world["h"]["dispatcher"]
    unit = world["units"][0]
    r = client.post("/api/monitoring/duty-checks", json={"unit_code": unit}, headers=kzs)
    assert r.status_code == 403  # the control room does not check itself
    r = client.post(
        "/api/monitoring/duty-checks", json={"unit_code": unit, "sample_size": 2}, headers=desk
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit_code"
    r = client.post(
        "/api/monitoring/duty-checks",
        json={"unit_code": unit, "answer_within_minutes": 256},
        headers=desk,
    )
    assert r.status_code == 422
    r = client.post("/api/monitoring/duty-checks", json={"unit_code": unit}, headers=desk)
    assert r.status_code == 201, r.text
    round_id = r.json()["id"]
    assert r.json()["answer_within_minutes"] == 5 and r.json()["units"] == 1

    pending = client.get("/api/monitoring/duty-checks/pending", headers=kzs).json()
    assert [p["unit_code"] for p in pending] == [unit]
    r = client.post(f"/api/monitoring/duty-checks/{pending[0]['id']}/answer", headers=kzs)
    assert r.status_code == 200 and r.json()["state"] == "answered", r.text
    again = client.post(f"/api/monitoring/duty-checks/{pending[0]['id']}/answer", headers=kzs)
    assert again.status_code == 409
    report = client.get(f"/api/monitoring/duty-check-rounds/{round_id}", headers=desk).json()
    assert report["counts"]["answered"] == 1

    # A round sent 20 minutes ago (deadline 5, missed line 10): the answer is refused and the
    # housekeeping marks it missed; the unit's risk factors count it.
    with uow() as s:
        sent = duty_check_service.start_round(
            s, SYSTEM, EVERYWHERE, utcnow() - timedelta(minutes=20), unit_code=unit
        )
        old_round = sent.id
    old = client.get(f"/api/monitoring/duty-checks?round_id={old_round}", headers=desk).json()
    check_id = old["items"][0]["id"]
    assert client.get("/api/monitoring/duty-checks/pending", headers=kzs).json() == []
    r = client.post(f"/api/monitoring/duty-checks/{check_id}/answer", headers=kzs)
    assert r.status_code == 409 and "missed" in r.json()["detail"]
    assert Housekeeping().missed_checks(sessions, utcnow()) == 1
    r = client.get("/api/monitoring/duty-checks?state=missed", headers=desk).json()
    assert r["total"] == 1 and r["items"][0]["unit_code"] == unit
    with sessions() as s:
        units = list(s.query(Unit).order_by(Unit.code))
        raw = features.collect(s, units, local_today(), config.load())
    by_code = {u.code: raw[u.id]["duty_checks_missed_90d"] for u in units}
    assert by_code[unit] == 1 and sum(by_code.values()) == 1


def test_a_sample_is_drawn_from_the_kept_seed(client: Any, world: dict[str, Any]) -> None:
    desk = world["h"]["dispatcher"]
    r = client.post("/api/monitoring/duty-checks", json={"sample_size": 2}, headers=desk)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["units"] == 2 and len(body["seed"]) == 32
    checks = client.get(f"/api/monitoring/duty-checks?round_id={body['id']}", headers=desk).json()
    drawn = sorted(c["unit_code"] for c in checks["items"])
    assert len(drawn) == 2 and set(drawn) <= set(world["units"])
    rounds = client.get("/api/monitoring/duty-check-rounds", headers=desk).json()
    assert rounds["total"] == 1 and rounds["items"][0]["seed"] == body["seed"]
    # re-drawing with the kept seed gives the same units (ids sorted, then sampled)
    assert duty_check_service.draw([3, 1, 2], 2, body["seed"]) == duty_check_service.draw(
        [1, 2, 3], 2, body["seed"]
    )


def _visible_text(html: str) -> str:
    """The page's words a person sees: tags, scripts and styles removed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_duty_pages_by_role_and_language(client: Any, world: dict[str, Any]) -> None:
    kzs, desk = world["h"]["kzs"], world["h"]["dispatcher"]
    unit = world["units"][0]
    r = client.get("/monitoring/duty", headers=kzs)  # the one bound unit opens by itself
    assert r.status_code == 200 and unit in r.text and "交接班" in r.text
    # no English word on the zh-CN page, apart from codes, user names and the GB/T name
    words = set(re.findall(r"[A-Za-z]{3,}", _visible_text(r.text))) - {"kzs", "English"}
    assert words == set(), words
    r = client.get("/monitoring/duty-checks", headers=desk)
    assert r.status_code == 200 and "发起查岗" in r.text
    words = set(re.findall(r"[A-Za-z]{3,}", _visible_text(r.text))) - {"dispatcher", "English"}
    assert words == set(), words
    assert client.get("/monitoring/duty-checks", headers=kzs).status_code == 403
    r = client.post(
        "/monitoring/duty/log",
        data={"unit": unit, "at": "2999-01-01 08:00", "panel_state": "normal"},
        headers=kzs,
    )
    assert r.status_code == 422 and "值班记录时间不能晚于当前时间" in r.text
    r = client.post("/monitoring/duty-checks", data={"answer_within_minutes": "5"}, headers=desk)
    assert r.status_code == 422 and "须填写单位编码或抽查数量" in r.text
    client.get("/lang/en", headers=desk)
    r = client.get("/monitoring/duty-checks", headers=desk)
    assert "Remote duty checks" in r.text and "发起查岗" not in r.text
