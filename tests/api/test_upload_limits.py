"""Request size limits (issue #14 item 7): an upload over its limit gets a 413 naming the limit
and the setting, whether or not it declares its length, and the server stops reading at the
first chunk past the limit."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lanyan.api.limits import FORM_ALLOWANCE, MIB
from lanyan.core.errors import ValidationFailed
from lanyan.registry.io.reader import read_csv
from lanyan.registry.types import get_type

from support import DAFENG, add_user, login, seed_region

HEADER = b"code,kind,status,lon,lat,jurisdiction_code,crs\n"


@pytest.fixture
def admin(uow: Any, client: TestClient, settings: Any, monkeypatch: Any) -> dict[str, str]:
    seed_region(uow)
    add_user(uow, "df_admin", "admin", DAFENG)
    for name in ("max_import_mb", "max_image_mb", "attachment_max_mb", "max_body_mb"):
        monkeypatch.setattr(settings, name, 1)
    return login(client, "df_admin")


def _csv(size: int) -> bytes:
    row = f"H1,municipal_hydrant,intact,120.5,33.2,{DAFENG},WGS84\n".encode()
    return HEADER + row + b"#" * max(0, size - len(HEADER) - len(row))


def _multipart(data: bytes, boundary: str = "lanyan-test") -> tuple[bytes, str]:
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="h.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _assert_413(r: Any, setting: str, field: str = "file") -> None:
    assert r.status_code == 413, r.text[:300]
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["errors"] == [{"field": field, "rule": f"must be at most 1 MB ({setting})"}]
    assert "1 MB" in body["detail"] and setting in body["detail"]


def test_an_import_over_its_limit_is_refused_naming_the_limit(
    client: TestClient, admin: dict[str, str]
) -> None:
    r = client.post(
        "/api/water-sources/import",
        files={"file": ("h.csv", _csv(2 * MIB), "text/csv")},
        headers=admin,
    )
    _assert_413(r, "LANYAN_MAX_IMPORT_MB")
    r = client.post(
        "/api/stats/records/import",
        files={"file": ("r.csv", _csv(2 * MIB), "text/csv")},
        headers=admin,
    )
    _assert_413(r, "LANYAN_MAX_IMPORT_MB")
    r = client.post(
        "/api/preplans/1/attachments",
        files={"file": ("p.png", b"\x89PNG" + b"0" * (2 * MIB), "image/png")},
        headers=admin,
    )
    _assert_413(r, "LANYAN_MAX_IMAGE_MB")
    # Within the limit the same endpoint imports as before.
    ok = client.post(
        "/api/water-sources/import",
        files={"file": ("h.csv", _csv(0), "text/csv")},
        headers=admin,
    )
    assert ok.status_code == 200 and ok.json()["imported"] == 1, ok.text


def test_a_chunked_upload_without_content_length_is_cut_off(
    client: TestClient, admin: dict[str, str]
) -> None:
    body, content_type = _multipart(_csv(3 * MIB))

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 64 * 1024):
            yield body[i : i + 64 * 1024]

    r = client.post(
        "/api/water-sources/import",
        content=chunks(),
        headers={**admin, "Content-Type": content_type},
    )
    assert "content-length" not in {k.lower() for k in r.request.headers}
    _assert_413(r, "LANYAN_MAX_IMPORT_MB")


def test_a_lying_content_length_does_not_bypass_the_limit(app: Any, admin: dict[str, str]) -> None:
    """The server reads no more than the limit plus one chunk, whatever the header says."""
    body, content_type = _multipart(_csv(4 * MIB))
    chunk = 64 * 1024
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= len(body):
            return {"type": "http.request", "body": b"", "more_body": False}
        piece = body[pulled : pulled + chunk]
        pulled += len(piece)
        return {"type": "http.request", "body": piece, "more_body": pulled < len(body)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
        "root_path": "",
        "path": "/api/water-sources/import",
        "raw_path": b"/api/water-sources/import",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", content_type.encode()),
            (b"content-length", b"1000"),  # a lie: the body is 4 MiB
            (b"authorization", admin["Authorization"].encode()),
        ],
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert pulled <= 1 * MIB + FORM_ALLOWANCE + chunk


def test_any_other_body_has_the_body_limit(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post(
        "/api/units",
        content=b'{"name": "' + b"x" * (2 * MIB) + b'"}',
        headers={**admin, "Content-Type": "application/json"},
    )
    _assert_413(r, "LANYAN_MAX_BODY_MB", field="body")


def test_an_upload_page_shows_the_limit_in_one_line(
    client: TestClient, admin: dict[str, str]
) -> None:
    r = client.post(
        "/stats/records/import",
        files={"file": ("r.csv", _csv(2 * MIB), "text/csv")},
        headers={**admin, "Accept-Language": "zh-CN"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert "上传内容超过大小上限" in r.text and "≤ 1 MB · LANYAN_MAX_IMPORT_MB" in r.text
    assert "Traceback" not in r.text


class _ChunksOnly(io.BytesIO):
    """A file that refuses to be read whole: what the importer may do with an upload."""

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None and 0 < size <= 1 << 16, f"read({size}) of the whole file"
        return super().read(size)

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)


def test_a_csv_import_is_parsed_from_the_file_in_chunks() -> None:
    rows = "".join(
        f"H{i},municipal_hydrant,intact,120.5,33.2,{DAFENG},WGS84\n" for i in range(5000)
    )
    parsed = read_csv(get_type("water-sources"), _ChunksOnly(HEADER + rows.encode()))
    assert len(parsed.records) == 5000 and not parsed.problems
    # A byte that is not UTF-8 is still named by its line, wherever the chunk boundary falls.
    bad = HEADER + rows.encode() + "H9,坏,intact\n".encode("gbk")
    with pytest.raises(ValidationFailed) as info:
        read_csv(get_type("water-sources"), _ChunksOnly(bad))
    [p] = info.value.problems
    assert p.row == 5002 and "UTF-8" in p.rule and "GBK" in p.rule
