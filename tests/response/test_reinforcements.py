"""Cross-county dispatch (跨区增援请求) through the API: a vehicle outside the dispatcher's
jurisdiction goes only under a request approved by a user in whose jurisdiction it is."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.core.errors import Conflict
from lanyan.registry.models import Jurisdiction, Vehicle
from lanyan.registry.scope import Scope
from lanyan.response import incidents, reinforcement_service
from lanyan.response.choices import ReinforcementAction
from lanyan.response.models import Dispatch, Reinforcement
from lanyan.response.schemas import IncidentCreate, ReinforcementAnswer, ReinforcementCreate
from lanyan.store.audit import Actor

from response_world import build
from support import DAFENG, TINGHU, add_user, login

TINGHU_TOWN = "320902100"


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, dict[str, str]]:
    build(uow)
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    add_user(uow, "df_cmd", "commander", DAFENG)
    add_user(uow, "th_cmd", "commander", TINGHU)
    add_user(uow, "th_town", "commander", TINGHU_TOWN)
    add_user(uow, "th_view", "government_viewer", TINGHU)
    return {
        name: login(client, name)
        for name in ("df_dispatch", "df_cmd", "th_cmd", "th_town", "th_view")
    }


def _incident(client: TestClient, headers: dict[str, str], **over: Any) -> dict[str, Any]:
    body = {"incident_type": "fire", "building_code": "B-TOWER", **over}
    r = client.post("/api/incidents", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _request(client: TestClient, headers: dict[str, str], incident_id: int, *codes: str) -> Any:
    body = {
        "vehicles": [{"vehicle_code": c, "capability": "pumper", "eta_s": 300} for c in codes],
        "note": "高层火灾，本区水罐车不足",
    }
    return client.post(f"/api/incidents/{incident_id}/reinforcements", json=body, headers=headers)


def _dispatch(client: TestClient, headers: dict[str, str], incident_id: int, *codes: str) -> Any:
    body = {"vehicles": [{"vehicle_code": c} for c in codes]}
    return client.post(f"/api/incidents/{incident_id}/dispatch", json=body, headers=headers)


def _steps(client: TestClient, headers: dict[str, str], incident_id: int) -> list[dict[str, Any]]:
    r = client.get(f"/api/incidents/{incident_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["timeline"]


def test_out_of_scope_dispatch_is_refused_and_writes_nothing(
    client: TestClient, world: dict[str, dict[str, str]], sessions: Any
) -> None:
    inc = _incident(client, world["df_dispatch"])
    r = _dispatch(client, world["df_dispatch"], inc["id"], "V-DF1-1", "V-TH1-1")
    assert r.status_code == 403, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "V-TH1-1" in problem["detail"] and "request reinforcement" in problem["detail"]
    assert problem["errors"][0]["field"] == "vehicles"
    assert "V-TH1-1 is outside your jurisdiction" in problem["errors"][0]["rule"]
    assert "V-DF1-1" not in problem["detail"]  # its own vehicle is fine
    with sessions() as s:
        statuses = dict(s.query(Vehicle.code, Vehicle.status).all())
        assert s.query(Dispatch).count() == 0
    assert statuses["V-DF1-1"] == statuses["V-TH1-1"] == "available"
    assert [e["step"] for e in _steps(client, world["df_dispatch"], inc["id"])] == ["received"]


def test_request_approve_dispatch(
    client: TestClient, world: dict[str, dict[str, str]], sessions: Any
) -> None:
    df, th = world["df_dispatch"], world["th_cmd"]
    inc = _incident(client, df, alarm_level=2, summary="十层起火")
    card = client.get(f"/api/incidents/{inc['id']}/recommendation", headers=df).json()
    flags = {v["code"]: v["needs_request"] for g in card["requirements"] for v in g["vehicles"]}
    assert flags["V-TH1-1"] is True and flags["V-DF1-1"] is False

    r = _request(client, df, inc["id"], "V-TH1-1", "V-TH1-2")
    assert r.status_code == 201, r.text
    (req,) = r.json()
    assert req["state"] == "pending" and req["code"].startswith("ZY")
    assert req["target_jurisdiction_code"] == TINGHU
    assert req["can_decide"] is False and req["can_cancel"] is True  # for the requester

    # The Tinghu commander's queue holds it, with the incident's facts.
    r = client.get("/api/reinforcements?status=pending", headers=th)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 1
    item = page["items"][0]
    assert item["incident"]["code"] == inc["code"]
    assert item["incident"]["alarm_level"] == 2 and item["incident"]["summary"] == "十层起火"
    assert item["incident"]["jurisdiction_code"] == DAFENG
    assert [v["vehicle_code"] for v in item["vehicles"]] == ["V-TH1-1", "V-TH1-2"]
    assert all(v["busy"] is None for v in item["vehicles"])
    assert item["can_decide"] is True and item["can_cancel"] is False
    # …and nobody outside both sides sees it.
    assert client.get("/api/reinforcements", headers=world["th_town"]).json()["total"] == 0

    # Still not dispatchable while pending.
    assert _dispatch(client, df, inc["id"], "V-TH1-1").status_code == 403

    r = client.post(
        f"/api/reinforcements/{req['id']}/approve", json={"reason": "即刻出发"}, headers=th
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved" and r.json()["decided_by"] == "th_cmd"

    card = client.get(f"/api/incidents/{inc['id']}/recommendation", headers=df).json()
    states = {v["code"]: v["request_state"] for g in card["requirements"] for v in g["vehicles"]}
    assert states["V-TH1-1"] == "approved"

    r = _dispatch(client, df, inc["id"], "V-DF1-1", "V-TH1-1")
    assert r.status_code == 200, r.text
    out = r.json()
    assert {d["vehicle_code"]: d["is_reinforcement"] for d in out["dispatches"]} == {
        "V-DF1-1": False,
        "V-TH1-1": True,
    }
    steps = [(e["step"], e["recorded_by"]) for e in out["timeline"]]
    assert steps == [
        ("received", "df_dispatch"),
        ("reinf_requested", "df_dispatch"),
        ("reinf_approved", "th_cmd"),
        ("dispatched", "df_dispatch"),
    ]
    notes = {e["step"]: e["note"] for e in out["timeline"]}
    assert "V-TH1-1、V-TH1-2" in notes["reinf_requested"] and "亭湖区" in notes["reinf_requested"]
    assert "即刻出发" in notes["reinf_approved"]
    assert out["timeline"][1]["zh"] == "增援请求"

    # One of two sent: still approved for the other, then dispatched.
    r = client.get(f"/api/reinforcements/{req['id']}", headers=th)
    assert r.json()["state"] == "approved"
    assert _dispatch(client, df, inc["id"], "V-TH1-1").status_code in (403, 409)  # already sent
    assert _dispatch(client, df, inc["id"], "V-TH1-2").status_code == 200
    r = client.get(f"/api/reinforcements/{req['id']}", headers=df)
    assert r.json()["state"] == "dispatched"
    assert [h["event"] for h in r.json()["history"]] == [
        "requested",
        "approve",
        "dispatch",
        "dispatch",
    ]
    # The incident's own list of requests.
    r = client.get(f"/api/incidents/{inc['id']}/reinforcements", headers=df)
    assert [x["code"] for x in r.json()] == [req["code"]]
    with sessions() as s:
        assert s.query(Vehicle.status).filter(Vehicle.code == "V-TH1-2").scalar() == "dispatched"


def test_approval_by_a_user_outside_the_vehicles_jurisdiction_is_refused(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    inc = _incident(client, world["df_dispatch"])
    (req,) = _request(client, world["df_dispatch"], inc["id"], "V-TH1-1").json()
    url = f"/api/reinforcements/{req['id']}/approve"
    for who, status in (("df_cmd", 403), ("th_town", 404), ("df_dispatch", 403)):
        r = client.post(url, json={}, headers=world[who])
        assert r.status_code == status, (who, r.text)
        if status == 403:
            assert "V-TH1-1 is outside your jurisdiction" in r.json()["detail"]
    r = client.post(url, json={}, headers=world["th_view"])  # in scope, but may not write
    assert r.status_code == 403
    r = client.get(f"/api/reinforcements/{req['id']}", headers=world["th_cmd"])
    assert r.json()["state"] == "pending"
    assert [e["step"] for e in _steps(client, world["df_dispatch"], inc["id"])] == [
        "received",
        "reinf_requested",
    ]


def test_refuse_needs_a_reason_and_reaches_the_timeline(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    df, th = world["df_dispatch"], world["th_cmd"]
    inc = _incident(client, df)
    (req,) = _request(client, df, inc["id"], "V-TH1-R").json()
    url = f"/api/reinforcements/{req['id']}/refuse"
    r = client.post(url, json={"reason": " "}, headers=th)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(url, json={"reason": "本区同时有两起警情"}, headers=th)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "refused" and r.json()["reason"] == "本区同时有两起警情"
    timeline = _steps(client, df, inc["id"])
    refused = next(e for e in timeline if e["step"] == "reinf_refused")
    assert "本区同时有两起警情" in refused["note"] and refused["recorded_by"] == "th_cmd"
    assert _dispatch(client, df, inc["id"], "V-TH1-R").status_code == 403
    r = client.post(f"/api/reinforcements/{req['id']}/approve", json={}, headers=th)
    assert r.status_code == 409 and "refused" in r.json()["detail"]
    # A new request may follow a refusal.
    assert _request(client, df, inc["id"], "V-TH1-R").status_code == 201


def test_a_vehicle_busy_at_home_is_a_reason_shown_to_the_approver(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    df, th = world["df_dispatch"], world["th_cmd"]
    home = _incident(client, th, building_code=None, address="亭湖区某路", jurisdiction_code=TINGHU)
    assert _dispatch(client, th, home["id"], "V-TH1-1").status_code == 200
    inc = _incident(client, df)
    (req,) = _request(client, df, inc["id"], "V-TH1-1").json()
    item = client.get("/api/reinforcements?status=pending&side=incoming", headers=th).json()
    (vehicle,) = item["items"][0]["vehicles"]
    assert vehicle["busy"] == f"on incident {home['code']} of 亭湖区"
    r = client.post(f"/api/reinforcements/{req['id']}/approve", json={}, headers=th)
    assert r.status_code == 409, r.text
    assert f"V-TH1-1 is on incident {home['code']} of 亭湖区" in r.json()["detail"]
    r = client.post(
        f"/api/reinforcements/{req['id']}/refuse", json={"reason": vehicle["busy"]}, headers=th
    )
    assert r.status_code == 200


def test_cancel_is_for_the_requesting_side(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    df, th = world["df_dispatch"], world["th_cmd"]
    inc = _incident(client, df)
    (req,) = _request(client, df, inc["id"], "V-TH1-2").json()
    r = client.post(f"/api/reinforcements/{req['id']}/cancel", json={}, headers=th)
    assert r.status_code == 403
    r = client.post(
        f"/api/reinforcements/{req['id']}/cancel", json={"reason": "已控制"}, headers=df
    )
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert "reinf_cancelled" in [e["step"] for e in _steps(client, df, inc["id"])]
    assert client.get("/api/reinforcements?status=pending", headers=th).json()["total"] == 0


def test_bad_requests_name_the_vehicle_and_the_rule(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    df = world["df_dispatch"]
    inc = _incident(client, df)
    r = _request(client, df, inc["id"], "V-DF1-1")
    assert r.status_code == 422 and "V-DF1-1 is inside your jurisdiction" in r.text
    r = _request(client, df, inc["id"], "V-NONE")
    assert r.status_code == 422 and "no vehicle has code V-NONE" in r.text
    r = _request(client, df, inc["id"], "V-TH1-1", "V-TH1-1")
    assert r.status_code == 422 and "V-TH1-1 must be listed once" in r.text
    assert _request(client, df, inc["id"], "V-TH1-1").status_code == 201
    r = _request(client, df, inc["id"], "V-TH1-1")
    assert r.status_code == 409 and "already requested" in r.text
    r = client.post(
        f"/api/incidents/{inc['id']}/timeline", json={"step": "reinf_approved"}, headers=df
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "step"
    # A request to someone else's incident is not possible.
    th_inc = _incident(
        client, world["th_cmd"], building_code=None, address="亭湖区", jurisdiction_code=TINGHU
    )
    assert _request(client, df, th_inc["id"], "V-TH1-1").status_code == 404


def test_queue_is_paged_in_sql(client: TestClient, world: dict[str, dict[str, str]]) -> None:
    df, th = world["df_dispatch"], world["th_cmd"]
    codes = []
    for vehicle in ("V-TH1-1", "V-TH1-2", "V-TH1-R"):
        inc = _incident(client, df)
        codes.append(_request(client, df, inc["id"], vehicle).json()[0]["code"])
    r = client.get("/api/reinforcements?status=pending&page=2&size=2", headers=th)
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 3 and [i["code"] for i in page["items"]] == [codes[0]]
    r = client.get("/api/reinforcements?status=approved", headers=th)
    assert r.json()["total"] == 0
    r = client.get("/api/reinforcements?status=nonsense", headers=th)
    assert r.status_code == 422


def test_a_town_commander_needs_the_countys_approval_for_county_vehicles(
    uow: Any, client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    """The issue's case: a town-level commander committed any vehicle in the database."""
    add_user(uow, "df_town", "commander", "320904100")
    town = login(client, "df_town")
    inc = _incident(
        client, town, building_code=None, address="新丰镇", jurisdiction_code="320904100"
    )
    r = _dispatch(client, town, inc["id"], "V-DF1-1")
    assert r.status_code == 403 and "V-DF1-1 is outside your jurisdiction" in r.text
    (req,) = _request(client, town, inc["id"], "V-DF1-1").json()
    assert req["target_jurisdiction_code"] == DAFENG
    r = client.post(f"/api/reinforcements/{req['id']}/approve", json={}, headers=world["th_cmd"])
    assert r.status_code == 404  # another county's commander does not even see it
    r = client.post(f"/api/reinforcements/{req['id']}/approve", json={}, headers=world["df_cmd"])
    assert r.status_code == 200, r.text
    r = _dispatch(client, town, inc["id"], "V-DF1-1")
    assert r.status_code == 200, r.text
    assert (
        r.json()["dispatches"][0]["is_reinforcement"] is False
    )  # same county: not 跨区 on the card


def test_approve_and_cancel_racing_leave_one_answer(uow: Any, sessions: Any) -> None:
    """Concurrent transactions in threads (on PostgreSQL they really overlap): the request row is
    locked, so exactly one of approve and cancel wins and the other sees the new state."""
    build(uow)
    with uow() as s:
        paths = dict(s.execute(select(Jurisdiction.code, Jurisdiction.path)).all())
        dafeng, tinghu = Scope(paths[DAFENG]), Scope(paths[TINGHU])
        call = IncidentCreate(incident_type="fire", building_code="B-TOWER")
        incident_id = incidents.create_incident(s, Actor("df"), dafeng, call).id
        ask = ReinforcementCreate(vehicles=[{"vehicle_code": "V-TH1-1"}])
        (row,) = reinforcement_service.request(s, Actor("df"), dafeng, incident_id, ask)
        request_id = row.id
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def answer(who: str, scope: Scope, action: ReinforcementAction) -> None:
        session = sessions()
        try:
            barrier.wait()
            reinforcement_service.answer(
                session, Actor(who), scope, request_id, action, ReinforcementAnswer()
            )
            session.commit()
            results[who] = "done"
        except Conflict:
            session.rollback()
            results[who] = "conflict"
        finally:
            session.close()

    threads = [
        threading.Thread(target=answer, args=("th", tinghu, ReinforcementAction.APPROVE)),
        threading.Thread(target=answer, args=("df", dafeng, ReinforcementAction.CANCEL)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["conflict", "done"]
    winner = next(w for w, r in results.items() if r == "done")
    with sessions() as s:
        state = s.execute(select(Reinforcement.state)).scalar_one()
        steps = [e.step for e in incidents.history(s, incident_id)]
    assert state == ("approved" if winner == "th" else "cancelled")
    assert steps == ["received", "reinf_requested", f"reinf_{state}"]
