"""Public-opinion monitoring (issue #20 item 5): the keyword rule (pure), and the poller over a
local HTTP server serving an RSS feed, an Atom feed and a malformed one — matching items become
alerts once (a second round adds none), the malformed and the dead feed are logged and skipped;
the publicity department reads the alerts and marks them handled (audited); who may do what —
on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opinion_support import FeedServer
from sqlalchemy import select

from lanyan.exchange import opinion, opinion_service
from lanyan.exchange.models import OpinionAlert, OpinionFeed
from lanyan.registry.models import Jurisdiction
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, add_user, create_sample, free_port, login, seed_region

RULES = opinion.build_rules(
    ["冒黑烟"], [("大丰区", 3), ("新丰镇", 5), ("江苏省", 1)], [("蓝天商厦", 3)], ["西团"]
)


def test_an_item_needs_a_topic_word_and_a_local_place() -> None:
    assert opinion.place_names("大丰区") == ["大丰区", "大丰"]
    assert opinion.place_names("新丰镇") == ["新丰镇", "新丰"]
    assert opinion.place_names("南区") == ["南区"]  # one character left: not a place word
    hit = opinion.match("新丰镇一仓库起火", "现场浓烟", RULES)
    assert hit is not None and hit.jurisdiction_id == 5
    assert hit.words == ("起火", "浓烟", "新丰镇", "新丰")
    unit = opinion.match("蓝天商厦冒黑烟", "", RULES)
    assert unit is not None and unit.jurisdiction_id == 3 and "冒黑烟" in unit.words
    own = opinion.match("西团一民房失火", "", RULES)
    assert own is not None and own.jurisdiction_id is None  # an added place: region-wide
    assert opinion.match("外省化工厂爆炸", "", RULES) is None  # no local place
    assert opinion.match("大丰区举办长跑比赛", "", RULES) is None  # no topic word


def test_items_are_known_by_guid_then_link_then_title() -> None:
    a = opinion.Item("g1", "http://x/1", "t", "", None)
    assert opinion.item_key(a) == opinion.item_key(opinion.Item("g1", "http://x/2", "u", "", None))
    b = opinion.Item("", "http://x/1", "t", "", None)
    assert opinion.item_key(b) != opinion.item_key(a)
    assert opinion.item_key(b) == opinion.item_key(opinion.Item("", "http://x/1", "v", "", None))


def test_a_malformed_document_is_a_feed_problem() -> None:
    with pytest.raises(opinion.FeedProblem):
        opinion.parse(b"<html><body>502<")
    with pytest.raises(opinion.FeedProblem):
        opinion.parse(b"")


@pytest.fixture
def feeds(uow: Any) -> Any:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)  # 测试单位1, a key unit
    with FeedServer() as server:
        with uow() as s:
            opinion_service.create_feed(s, SYSTEM, "大丰融媒", server.url("news.rss"))
            opinion_service.create_feed(s, SYSTEM, "盐城论坛", server.url("forum.atom"))
            opinion_service.create_feed(s, SYSTEM, "坏的源", server.url("broken.xml"))
            gone = f"http://127.0.0.1:{free_port()}/gone.rss"
            opinion_service.create_feed(s, SYSTEM, "断开的源", gone)
        yield server


def test_matching_items_alert_once_and_bad_feeds_are_skipped(
    sessions: Any, uow: Any, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lanyan.exchange.opinion_service"):
        first = opinion_service.poll(sessions, timeout_s=2)
    assert (first.feeds, first.failed, first.items, first.alerts) == (4, 2, 5, 2)
    skipped = [r.getMessage() for r in caplog.records]
    assert any("坏的源" in m and "not an RSS or Atom feed" in m for m in skipped)
    assert any("断开的源" in m for m in skipped)
    second = opinion_service.poll(sessions, timeout_s=2)
    assert second.alerts == 0 and second.items == 5  # seen items never alert twice
    with uow() as s:
        alerts = s.execute(select(OpinionAlert).order_by(OpinionAlert.title)).scalars().all()
        titles = [a.title for a in alerts]
        assert titles == [
            "大丰区新丰镇一仓库起火 消防救援人员紧急处置",
            "测试单位1楼顶在冒烟，有人报警了吗？",
        ]
        news, forum = alerts
        assert news.link == "http://news.example.intranet/2026/12/07/fire.html"
        assert news.source == "大丰融媒" and news.published_at is not None
        assert news.published_at.isoformat().startswith("2026-12-07T02:10")
        assert {"起火", "浓烟", "消防", "大丰区", "新丰镇"} <= set(news.matched)
        assert forum.source == "盐城论坛" and "测试单位1" in forum.matched
        dafeng = s.execute(select(Jurisdiction.id).where(Jurisdiction.code == DAFENG)).scalar()
        assert forum.jurisdiction_id == dafeng  # the unit's jurisdiction
        errors = {n: e for n, e in s.execute(select(OpinionFeed.name, OpinionFeed.last_error))}
        assert errors["大丰融媒"] == "" and "FeedProblem" in errors["坏的源"]
        assert "URLError" in errors["断开的源"]


def test_the_publicity_department_handles_alerts(
    client: TestClient, sessions: Any, uow: Any, feeds: FeedServer
) -> None:
    opinion_service.poll(sessions, timeout_s=2)
    add_user(uow, "xuanchuan", "publicity", DAFENG)
    add_user(uow, "manager", "unit_manager", DAFENG)
    h = login(client, "xuanchuan")
    page = client.get("/api/opinion/alerts?handled=false", headers=h).json()
    assert page["total"] == 2
    first = page["items"][0]
    assert first["title"] and first["link"].startswith("http") and first["source"]
    r = client.post(
        f"/api/opinion/alerts/{first['id']}/handle",
        json={"note": "已核实，已发布情况通报"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["handled_by"] == "xuanchuan" and r.json()["handled_at"]
    again = client.post(f"/api/opinion/alerts/{first['id']}/handle", json={}, headers=h)
    assert again.status_code == 409
    assert client.get("/api/opinion/alerts?handled=false", headers=h).json()["total"] == 1
    assert client.get("/api/opinion/alerts?handled=true", headers=h).json()["total"] == 1
    with uow() as s:
        entry = s.execute(
            select(AuditEntry).where(AuditEntry.object_type == "opinion")
        ).scalar_one()
        assert entry.action == "handle" and "已核实，已发布情况通报" in str(entry.after)
    # The publicity officer does not manage the feeds; a unit manager sees no alerts.
    feed = {"name": "x", "url": "http://127.0.0.1/x.rss"}
    assert client.post("/api/opinion/feeds", json=feed, headers=h).status_code == 403
    m = login(client, "manager")
    assert client.get("/api/opinion/alerts", headers=m).status_code == 403


def test_feeds_and_keywords_through_the_api(client: TestClient, uow: Any) -> None:
    seed_region(uow)
    add_user(uow, "root", "admin", DAFENG)
    h = login(client, "root")
    bad = client.post("/api/opinion/feeds", json={"name": "x", "url": "ftp://x"}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
    ok = client.post(
        "/api/opinion/feeds", json={"name": "内网新闻", "url": "http://10.0.0.8/rss"}, headers=h
    )
    assert ok.status_code == 201 and ok.json()["active"] is True
    dup = client.post(
        "/api/opinion/feeds", json={"name": "内网新闻", "url": "http://10.0.0.9/rss"}, headers=h
    )
    assert dup.status_code == 409
    assert client.get("/api/opinion/feeds", headers=h).json()["total"] == 1
    kw = client.post("/api/opinion/keywords", json={"word": "西团", "kind": "place"}, headers=h)
    assert kw.status_code == 201
    wrong = client.post("/api/opinion/keywords", json={"word": "x", "kind": "other"}, headers=h)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "kind"
    assert [k["word"] for k in client.get("/api/opinion/keywords", headers=h).json()] == ["西团"]
