"""Planning HTTP routes: coverage with service areas, what-if, siting jobs, hydrant gaps;
roles, scope and RFC 9457 problems naming field and rule."""

from __future__ import annotations

import time

from planning_support import STEP, origin, seed_small_county
from support import DAFENG, TINGHU, add_user, login


def _seed(uow) -> None:
    lon0, lat0 = origin()
    seed_small_county(uow, hydrants=[(lon0, lat0), (lon0 + STEP, lat0 + STEP)])
    add_user(uow, "cmd", "commander", DAFENG)
    add_user(uow, "prev", "prevention_officer", DAFENG)
    add_user(uow, "disp", "dispatcher", DAFENG)
    add_user(uow, "mgr", "unit_manager", DAFENG)
    add_user(uow, "other", "commander", TINGHU)


def test_coverage_and_what_if(client, uow) -> None:
    _seed(uow)
    h = login(client, "prev")
    r = client.get("/api/planning/coverage", params={"minutes": 3, "cell_m": 400}, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert [s["code"] for s in out["stations"]] == ["FS-1"]
    share = out["total"]["population_share"]
    assert 0 < share < 1
    areas = out["service_areas"]["features"]
    assert len(areas) == 1 and areas[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    n_unc = len(out["uncovered"]["features"])
    assert n_unc == out["gaps"]["cells_uncovered"] > 0

    lon0, lat0 = origin()
    far = {"action": "add", "lon": lon0 + 3 * STEP, "lat": lat0 + 3 * STEP}
    body = {"minutes": 3, "cell_m": 400, "changes": [far]}
    r = client.post("/api/planning/what-if", json=body, headers=h)
    assert r.status_code == 200, r.text
    w = r.json()
    assert w["before"]["population_share"] == share
    assert w["change"]["population_share"] > 0
    assert w["after"]["population_covered"] > w["before"]["population_covered"]
    assert len(w["uncovered"]["features"]) < n_unc
    assert [s["code"] for s in w["stations"]] == ["FS-1", "NEW-1"]
    assert [f["properties"]["code"] for f in w["service_areas"]["features"]] == ["NEW-1"]
    r = client.post(
        "/api/planning/what-if",
        json={"minutes": 3, "cell_m": 400, "changes": [{"action": "remove", "code": "FS-1"}]},
        headers=h,
    )
    assert r.json()["after"]["population_share"] == 0.0
    moved = {"action": "move", "code": "FS-1", "lon": far["lon"], "lat": far["lat"]}
    r = client.post(
        "/api/planning/what-if", json={"minutes": 3, "cell_m": 400, "changes": [moved]}, headers=h
    )
    m = r.json()
    assert [s["code"] for s in m["stations"]] == ["FS-1"]
    assert m["stations"][0]["lon"] == far["lon"] and m["stations"][0]["status"] == "what_if"
    assert [f["properties"]["code"] for f in m["service_areas"]["features"]] == ["FS-1"]
    assert m["after"]["population_share"] != share


def test_bad_parameters_are_problems_naming_field_and_rule(client, uow) -> None:
    _seed(uow)
    h = login(client, "cmd")
    r = client.get("/api/planning/coverage", params={"minutes": -1}, headers=h)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "minutes"
    r = client.get("/api/planning/coverage", params={"minutes": 3, "turnout_minutes": 3}, headers=h)
    assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == "turnout_minutes"
    r = client.post(
        "/api/planning/what-if",
        json={"changes": [{"action": "remove", "code": "FS-404"}]},
        headers=h,
    )
    assert r.json()["errors"][0]["field"] == "changes.0.code"
    r = client.post("/api/planning/what-if", json={"changes": [{"action": "add"}]}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("changes.0")
    r = client.post("/api/planning/siting", json={"model": "mclp", "p": 0}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "p"
    r = client.get("/api/planning/hydrant-gaps", params={"classes": "nope"}, headers=h)
    assert r.json()["errors"][0]["field"] == "classes.0"
    r = client.get("/api/planning/siting/nope", headers=h)
    assert r.status_code == 404


def test_roles_and_scope(client, uow) -> None:
    _seed(uow)
    assert client.get("/api/planning/coverage", headers=login(client, "mgr")).status_code == 403
    r = client.post("/api/planning/siting", json={"model": "lscp"}, headers=login(client, "disp"))
    assert r.status_code == 403
    # Another county's commander sees none of this county's stations or population.
    r = client.get("/api/planning/coverage", headers=login(client, "other"))
    assert r.status_code in (200, 400, 422)
    if r.status_code == 200:
        assert r.json()["stations"] == [] and r.json()["demand"]["population"] == 0


def test_siting_job_reports_progress_and_result(client, uow, monkeypatch) -> None:
    _seed(uow)
    h = login(client, "cmd")
    body = {"model": "mclp", "p": 1, "minutes": 3, "cell_m": 400, "spacing_m": 500}
    r = client.post("/api/planning/siting", json=body, headers=h)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] in ("queued", "running", "done") and job["id"]
    deadline = time.monotonic() + 60
    while job["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = client.get(f"/api/planning/siting/{job['id']}", headers=h).json()
    assert job["state"] == "done", job
    assert job["progress"] == 1.0
    res = job["result"]
    assert res["status"] == "optimal" and len(res["new_sites"]) == 1
    assert res["population_share"] > res["population_share_before"]
    # Another county's commander cannot read this county's run.
    other = client.get(f"/api/planning/siting/{job['id']}", headers=login(client, "other"))
    assert other.status_code == 404
    h = login(client, "cmd")
    import lanyan.siting.service as planning_service

    monkeypatch.setattr(planning_service, "MAX_MATRIX", 1000)
    big = {"model": "pmedian", "p": 1, "cell_m": 200, "spacing_m": 200}
    r = client.post("/api/planning/siting", json=big, headers=h)
    job = r.json()
    while job["state"] in ("queued", "running"):
        time.sleep(0.2)
        job = client.get(f"/api/planning/siting/{job['id']}", headers=h).json()
    # Over the size limit: the job fails naming the field to change.
    assert job["state"] == "failed" and job["errors"][0]["field"] == "spacing_m"


def test_hydrant_gaps_as_geojson(client, uow) -> None:
    _seed(uow)
    r = client.get(
        "/api/planning/hydrant-gaps", params={"per_year": 5}, headers=login(client, "prev")
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["uncovered_km"] > 0 and out["hydrants_usable"] == 2
    lines = out["stretches"]["features"]
    assert lines and all(f["geometry"]["type"] in ("LineString", "Point") for f in lines)
    assert all(f["properties"]["side"] == "both" for f in lines)  # 16 m roads: one side
    pts = out["proposed"]["features"]
    assert len(pts) == out["proposed_count"] > 0
    assert max(f["properties"]["year"] for f in pts) == out["years"] >= 1
