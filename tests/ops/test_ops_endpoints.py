"""/healthz, /readyz and /metrics: who may read them, and that each figure moves with the data."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from lanyan.app import create_app
from lanyan.core.config import Settings
from lanyan.core.timeutil import CHINA_TZ, utcnow
from lanyan.monitoring.batching import BatchWriter
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.ingest import Pending, incoming_frame, store_events
from lanyan.monitoring.models import OutboxEvent
from lanyan.ops import health
from lanyan.ops.logs import JsonFormatter
from lanyan.ops.metrics import ScrapeGauges, age_seconds
from lanyan.ops.models import BackupRun
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import sample, seed_region

WHEN = datetime(2026, 3, 9, 8, 30, 15, tzinfo=CHINA_TZ)
KNOWN = bytes.fromhex("a1b2c3d4e5f6")
LOCAL = ("127.0.0.1", 50000)
REMOTE = ("10.1.2.3", 50000)


def fire_frame(serial: int) -> bytes:
    obj = {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": 5,
        "state": 0b10,
        "description": "二层烟感",
        "time": WHEN,
    }
    return encode(
        serial=serial,
        command=2,
        source=KNOWN,
        destination=1,
        payload=encode_appdata(2, [obj]),
        timestamp=WHEN,
    )


def pending(serial: int) -> Pending:
    raw = fire_frame(serial)
    return Pending(incoming_frame(decode(raw), raw), utcnow(), "10.0.0.9:4000")


def scrape(client: TestClient, **kw: Any) -> dict[str, float]:
    r = client.get("/metrics", **kw)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(r.text):
        for sample_ in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample_.labels.items()))
            out[f"{sample_.name}{{{labels}}}" if labels else sample_.name] = sample_.value
    return out


def test_healthz_needs_no_database(tmp_path: Any) -> None:
    app = create_app(
        Settings(
            environment="test",
            database_url="postgresql://nobody@127.0.0.1:1/none",
            data_dir=tmp_path,
        )
    )
    with TestClient(app) as c:
        assert c.get("/healthz").json()["status"] == "ok"
        r = c.get("/readyz")
    assert r.status_code == 503
    (check,) = r.json()["checks"]
    assert check["name"] == "database" and not check["ok"]
    assert "cannot reach the database" in check["detail"]


def test_readyz_checks_database_and_nats_and_mqtt(app: Any, client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready", r.text
    assert [c["name"] for c in r.json()["checks"]] == ["database"]
    # Service mode and an MQTT broker: both are checked; a closed port says not ready.
    up = app.state.settings.model_copy(
        update={"monitoring_mode": "nats", "mqtt_broker": "127.0.0.1:1883"}
    )
    import asyncio

    checks = asyncio.run(health.readiness(up, app.state.engine))
    assert [(c.name, c.ok) for c in checks] == [("database", True), ("nats", True), ("mqtt", True)]
    down = up.model_copy(update={"nats_url": "nats://127.0.0.1:1", "mqtt_broker": "127.0.0.1:1"})
    status, body = health.report(asyncio.run(health.readiness(down, app.state.engine)))
    assert status == 503
    assert [(c["name"], c["ok"]) for c in body["checks"]] == [
        ("database", True),
        ("nats", False),
        ("mqtt", False),
    ]
    assert all("127.0.0.1:1" in c["detail"] for c in body["checks"][1:])


def test_readyz_says_an_unmigrated_database_is_not_ready(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    create_engine(url).dispose()
    app = create_app(Settings(environment="test", database_url=url, data_dir=tmp_path))
    with TestClient(app) as c:
        r = c.get("/readyz")
    assert r.status_code == 503 and "run lanyan init" in r.json()["checks"][0]["detail"]


def test_metrics_only_from_this_host_without_a_token(app: Any, sessions: Any) -> None:
    with TestClient(app, client=REMOTE) as c:
        assert c.get("/metrics").status_code == 403
    with TestClient(app, client=LOCAL) as c:
        assert "lanyan_fire_alarms_open" in scrape(c)
        # Behind a proxy the forwarded address counts: the proxy's loopback opens nothing.
        proxied = app.state.settings.model_copy(update={"trusted_proxy_header": "X-Real-IP"})
        app.state.settings = proxied
        try:
            assert c.get("/metrics", headers={"X-Real-IP": "10.9.9.9"}).status_code == 403
        finally:
            app.state.settings = proxied.model_copy(update={"trusted_proxy_header": ""})


def test_metrics_with_a_token_need_it_from_anywhere(settings: Settings, sessions: Any) -> None:
    app = create_app(settings.model_copy(update={"metrics_token": "s3cret-scraper-token"}))
    with TestClient(app, client=REMOTE) as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = {"Authorization": "Bearer s3cret-scraper-token"}
        assert "lanyan_devices_online" in scrape(c, headers=ok)
    with TestClient(app, client=LOCAL) as c:
        assert c.get("/metrics").status_code == 401  # the token is the rule, wherever from


def test_figures_follow_the_data(app: Any, uow: Any, sessions: Any) -> None:
    seed_region(uow)
    with uow() as s:
        payload = sample("devices", "320904") | {"code": KNOWN.hex().upper()}
        service.create(s, get_type("devices"), SYSTEM, EVERYWHERE, payload)
    with TestClient(app, client=LOCAL) as c:
        before = scrape(c)
        assert before["lanyan_fire_alarms_open"] == 0
        assert before["lanyan_outbox_lag_seconds"] == 0
        key = "lanyan_ingest_frames_total{outcome=stored,protocol=gb26875}"
        frames_before = before.get(key, 0.0)
        store_events(sessions, [pending(1), pending(2)])
        store_events(sessions, [pending(2)])  # a retransmission: a duplicate, stored once
        with uow() as s:
            s.add(OutboxEvent(topic="t", payload={}, created_at=utcnow() - timedelta(minutes=5)))
        c.get("/api/monitoring/alarms/123456")  # a path with an id
        after = scrape(c)
    assert after["lanyan_fire_alarms_open"] == 1
    assert after["lanyan_devices_online"] == 1
    # No verified backup yet: the age is absent, not zero; a failed run does not count.
    assert "lanyan_backup_last_good_age_seconds" not in after
    finished = utcnow() - timedelta(hours=2)
    with uow() as s:
        for ok in (True, False):
            s.add(
                BackupRun(
                    started_at=finished,
                    finished_at=finished if ok else finished + timedelta(hours=1),  # newer, failed
                    archive="a.tar",
                    ok=ok,
                )
            )
    with TestClient(app, client=LOCAL) as c:
        aged = scrape(c)
    assert 7100 <= aged["lanyan_backup_last_good_age_seconds"] < 7400
    assert after[key] == frames_before + 2
    dup = "lanyan_ingest_frames_total{outcome=duplicate,protocol=gb26875}"
    assert after[dup] == before.get(dup, 0.0) + 1
    assert 299 <= after["lanyan_outbox_lag_seconds"] < 400
    # Latency by route template, never by the raw path.
    routes = {k for k in after if k.startswith("lanyan_http_request_duration_seconds_count")}
    assert any("route=/api/monitoring/alarms/{alarm_id}" in k for k in routes), routes
    assert not any("123456" in k for k in routes)


def test_group_commit_batch_sizes_are_observed(sessions: Any, uow: Any) -> None:
    from prometheus_client import REGISTRY

    def count() -> float:
        return REGISTRY.get_sample_value("lanyan_ingest_batch_size_count") or 0.0

    seed_region(uow)
    before = count()

    import asyncio

    async def go() -> None:
        writer = BatchWriter(sessions, max_delay=0.05)
        writer.start()
        await asyncio.gather(*(writer.submit(pending(i)) for i in range(1, 6)))
        await writer.close()

    asyncio.run(go())
    assert count() - before >= 1
    total = REGISTRY.get_sample_value("lanyan_ingest_batch_size_sum")
    assert total is not None and total >= 5


def test_a_gauge_is_one_line_and_a_failing_one_does_not_break_the_scrape(
    sessions: Any, caplog: pytest.LogCaptureFixture
) -> None:
    gauges = ScrapeGauges(sessions)
    gauges.add_age(
        "lanyan_backup_last_good_age_seconds", "…", lambda s: utcnow() - timedelta(hours=2)
    )
    gauges.add("lanyan_broken", "…", lambda s: 1 / 0)
    gauges.add("lanyan_absent", "…", lambda s: None)
    names = {m.name: m.samples[0].value for m in gauges.collect()}
    assert 7199 <= names["lanyan_backup_last_good_age_seconds"] < 7300
    assert "lanyan_broken" not in names and "lanyan_absent" not in names
    assert names["lanyan_metrics_gauge_failures"] == 1
    assert "lanyan_broken could not be read: division by zero" in caplog.text
    assert age_seconds(None) is None


def test_json_log_lines() -> None:
    record = logging.makeLogRecord(
        {"name": "lanyan.x", "levelname": "WARNING", "msg": "设备 %s 离线", "args": ("A1",)}
    )
    record.device = "A1"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "设备 A1 离线" and line["level"] == "WARNING"
    assert line["logger"] == "lanyan.x" and line["device"] == "A1" and "time" in line


def test_a_long_running_command_serves_its_metrics_and_json_logs(tmp_path: Any) -> None:
    """``--metrics-port`` of the gateways and ingests (``cli.options.observe``): the process's
    instruments on 127.0.0.1:PORT/metrics, and LANYAN_LOG_FORMAT=json honoured."""
    import urllib.request

    from lanyan.cli.options import observe

    from support import free_port

    port = free_port()
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        observe(Settings(log_format="json", data_dir=tmp_path), port)
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
        assert b"# HELP lanyan_" in body
        assert any(isinstance(h.formatter, JsonFormatter) for h in root.handlers)
    finally:
        root.handlers[:] = before
        root.setLevel(level)
