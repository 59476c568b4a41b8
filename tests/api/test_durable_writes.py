"""Acknowledged means committed (issue 14 item 1): a ``201`` is sent only after its commit, and a
commit that fails is answered with an error, never a success."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from lanyan.registry.models import WaterSource
from lanyan.response.models import Incident

from support import DAFENG, PASSWORD, add_user, free_port, login, sample, seed_region

KILLS = 20


def _start_serve(db_url: str, port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {"LANYAN_DATABASE_URL": db_url, "LANYAN_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "lanyan.cli.main", "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _request(
    port: int, method: str, path: str, body: dict[str, Any], token: str | None = None
) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, json.dumps(body), headers)
        reply = conn.getresponse()
        return reply.status, json.loads(reply.read() or b"{}")
    finally:
        conn.close()


def _until_serving(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180  # a loaded host takes tens of seconds to import the app
    while time.monotonic() < deadline:
        assert process.poll() is None, "lanyan serve exited before it listened"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)
        finally:
            conn.close()
    raise AssertionError("lanyan serve never answered /api/health")


def test_sigkill_after_each_201_loses_nothing(
    db_url: str, uow: Any, sessions: Any, tmp_path: Path
) -> None:
    seed_region(uow)
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    acknowledged: list[tuple[str, str]] = []  # (incident code, the address marking that call)
    token = None
    for _ in range(KILLS):
        port = free_port()
        server = _start_serve(db_url, port, tmp_path)
        try:
            _until_serving(port, server)
            if token is None:
                login = {"username": "df_dispatch", "password": PASSWORD}
                status, reply = _request(port, "POST", "/api/auth/login", login)
                assert status == 200, reply
                token = reply["token"]
            marker = f"测试路{uuid.uuid4().hex[:12]}号"
            call = {"incident_type": "fire", "address": marker, "jurisdiction_code": DAFENG}
            status, reply = _request(port, "POST", "/api/incidents", call, token)
            # The instant the acknowledgement is read, the server dies.
            server.send_signal(signal.SIGKILL)
            assert status == 201, reply
            acknowledged.append((reply["code"], marker))
        finally:
            server.kill()
            server.wait()

    with sessions() as s:
        stored = dict(s.execute(select(Incident.code, Incident.address)).all())
        duplicated = s.execute(
            select(Incident.code).group_by(Incident.code).having(func.count() > 1)
        ).all()
    lost = [marker for _code, marker in acknowledged if marker not in stored.values()]
    codes = [code for code, _marker in acknowledged]
    reused = sorted({code for code in codes if codes.count(code) > 1})
    assert (len(lost), reused) == (0, []), (
        f"{len(lost)} of {KILLS} acknowledged incidents lost; codes given twice: {reused}"
    )
    assert all(stored[code] == marker for code, marker in acknowledged)
    assert not duplicated


@contextmanager
def _commits_fail(app: Any, error: Exception) -> Iterator[None]:
    """Every commit of the app's sessions raises ``error`` while the block runs."""

    def boom(_session: Any) -> None:
        raise error

    event.listen(app.state.sessions, "before_commit", boom)
    try:
        yield
    finally:
        event.remove(app.state.sessions, "before_commit", boom)


def _count_incidents(sessions: Any) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Incident))


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: incidents.code")), 409),
        (RuntimeError("disk full"), 503),
    ],
)
def test_a_failed_commit_is_an_error_reply(
    app: Any, uow: Any, sessions: Any, error: Exception, status: int
) -> None:
    seed_region(uow)
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = login(client, "df_dispatch")
        call = {"incident_type": "fire", "address": "测试路1号", "jurisdiction_code": DAFENG}
        with _commits_fail(app, error):
            r = client.post("/api/incidents", json=call, headers=headers)
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert "nothing was saved" in r.json()["detail"]
        assert _count_incidents(sessions) == 0
        r = client.post("/api/incidents", json=call, headers=headers)
        assert r.status_code == 201 and _count_incidents(sessions) == 1


def test_a_failed_commit_of_a_form_shows_the_error_page(app: Any, uow: Any, sessions: Any) -> None:
    seed_region(uow)
    add_user(uow, "admin", "admin", DAFENG)
    form = {
        key: "on" if value is True else str(value)
        for key, value in sample("water-sources", DAFENG).items()
        if value is not None and value is not False
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = login(client, "admin")
        with _commits_fail(app, RuntimeError("disk full")):
            r = client.post(
                "/registry/water-sources/new", data=form, headers=headers, follow_redirects=False
            )
        assert r.status_code == 503 and "text/html" in r.headers["content-type"]
        assert "Traceback" not in r.text and "数据库未能保存本次修改" in r.text
        with sessions() as s:
            assert s.scalar(select(func.count()).select_from(WaterSource)) == 0
