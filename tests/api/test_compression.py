"""Responses are gzipped above a size (issue 22): JSON, GeoJSON and pages alike, once; the live
alarm stream (server-sent events) is neither compressed nor buffered."""

from __future__ import annotations

import asyncio
import gzip
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lanyan.api.compression import GZIP_FROM
from lanyan.app import create_app

from support import DAFENG, add_user, create_sample, login, seed_region

GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture
def admin(client: TestClient, uow: Any) -> dict[str, str]:
    seed_region(uow)
    add_user(uow, "admin", "admin", DAFENG)
    for n in range(1, 4):
        create_sample(uow, "water-sources", DAFENG, n)
    return login(client, "admin")


LARGE = ["/api/choices", "/api/map/layers/water-sources", "/api/water-sources", "/registry/units"]


def test_large_json_geojson_and_pages_are_gzipped_once_small_ones_not(
    client: TestClient, admin: dict[str, str]
) -> None:
    for path in LARGE:
        plain = client.get(path, headers={**admin, **PLAIN})
        assert plain.status_code == 200, plain.text
        assert "content-encoding" not in plain.headers
        assert len(plain.content) > GZIP_FROM, f"{path}: the test needs a larger body"
        with client.stream("GET", path, headers={**admin, **GZIP}) as packed:
            raw = b"".join(packed.iter_raw())
        assert packed.headers["content-encoding"] == "gzip", path
        assert "Accept-Encoding" in packed.headers["vary"]
        assert len(raw) < len(plain.content)
        assert gzip.decompress(raw) == plain.content, path  # one layer of gzip, the same body
    small = client.get("/api/health", headers=GZIP)
    assert len(small.content) < GZIP_FROM
    assert "content-encoding" not in small.headers and small.json()["status"] == "ok"


def test_the_live_alarm_stream_is_sent_uncompressed_as_it_happens(settings: Any, uow: Any) -> None:
    """Drive the real app's ASGI stack: the stream's first event reaches the wire while the
    stream is still open (``more_body``), with no Content-Encoding, although gzip was offered."""
    seed_region(uow)
    add_user(uow, "admin", "admin", DAFENG)
    app = create_app(settings)
    token = login(TestClient(app), "admin")["Authorization"]

    async def first_messages() -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []
        body = asyncio.Event()

        async def receive() -> dict[str, Any]:
            await asyncio.Event().wait()  # the client never disconnects on its own
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body":
                body.set()

        path = "/api/monitoring/alarms/stream"
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"testserver"),
                (b"accept-encoding", b"gzip, deflate"),
                (b"authorization", token.encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        task = asyncio.create_task(app(scope, receive, send))
        try:
            await asyncio.wait_for(body.wait(), 20)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await app.state.alarm_hub.stop()
        return sent

    start, first = asyncio.run(first_messages())[:2]
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    assert start["status"] == 200
    assert headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in headers
    assert first["more_body"] is True  # sent while the stream is open: not buffered
    assert first["body"].startswith(b"retry: 3000\nevent: ready\n")
