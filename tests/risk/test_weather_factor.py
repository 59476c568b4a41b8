"""Weather warnings as a factor of the risk index (issue #20 item 4): a 大风/高温/干旱/雷电 …
warning of level 黄/橙/红 in force over a unit adds its points while it is in force and not
after it expires; a unit outside the polygon, a blue warning or another kind of weather adds
nothing — the rule (pure) and through the snapshot on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from exchange.cap_support import cap_sample
from sqlalchemy import select

from lanyan.core.errors import ValidationFailed
from lanyan.core.timeutil import CHINA_TZ, utcnow
from lanyan.exchange import cap_service
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.risk import config, features, index, service

from support import DAFENG, TINGHU, create_sample, seed_region, uscc

INSIDE, OUTSIDE = uscc(DAFENG, 1), uscc(TINGHU, 2)


def test_the_rule_counts_fire_weather_at_yellow_and_above() -> None:
    w = config.load().weather
    assert w is not None and w.weight == pytest.approx(0.08)
    assert w.counts("大风", "yellow") and w.counts("高温", "red") and w.counts("雷雨大风", "orange")
    assert not w.counts("大风", "blue")  # blue is not listed
    assert not w.counts("暴雨", "red")  # rain does not start fires
    assert (w.value("yellow"), w.value("orange"), w.value("red"), w.value(None)) == (
        0.5,
        0.75,
        1.0,
        0.0,
    )
    model = config.load()
    calm = index.score({}, model)
    windy = index.score({config.WEATHER_FACTOR: "orange"}, model)
    assert windy.score == pytest.approx(calm.score + 6.0, abs=0.01)  # 100 × 0.08 × 0.75
    assert sum(c.points for c in windy.contributions) == pytest.approx(windy.score, abs=0.01)
    part = next(c for c in windy.contributions if c.factor == config.WEATHER_FACTOR)
    assert (part.group, part.zh, part.raw) == ("weather", "气象预警", "orange")
    assert config.WEATHER_GROUP in model.display_groups()


def test_a_bad_weather_section_is_refused_by_name() -> None:
    text = config.DEFAULT_PATH.read_text(encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        config.parse(text.replace("  weight: 0.08", "  weight: 0.9"))
    assert err.value.problems[0].field == "weather.weight"
    without = config.parse(text.replace("weather:\n", "weather_off:\n"))
    assert without.weather is None  # the section is optional


def _scores(s: Any, day: date) -> dict[str, float]:
    snap = service.score(s, EVERYWHERE, day, config.load())
    codes = {u.id: u.code for u in s.execute(select(Unit)).scalars()}
    return {codes[r["unit_id"]]: r["score"] for r in snap.rows}


def test_a_unit_inside_scores_higher_while_the_warning_is_in_force(uow: Any) -> None:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)  # 120.471, 33.2: inside the sample's polygon
    create_sample(uow, "units", TINGHU, 2)  # 120.19, 33.39: outside it
    now = utcnow()
    today = now.astimezone(CHINA_TZ).date()
    with uow() as s:
        before = _scores(s, today)
    with uow() as s:  # a 大风 orange warning, in force from an hour ago for 23 hours
        cap_service.import_document(s, cap_sample(now, level="橙色"), now)
    with uow() as s:
        during = _scores(s, today)
        after = _scores(s, today + timedelta(days=2))  # it expired the day before
        units = list(s.execute(select(Unit).order_by(Unit.id)).scalars())
        model = config.load()
        # Later today, once it has expired, today's snapshot no longer counts it either.
        expired = now + timedelta(hours=24)
        assert (
            features.weather_levels(s, units, expired.astimezone(CHINA_TZ).date(), model, expired)
            == {}
        )
        assert features.weather_levels(s, units, today, model, now) == {units[0].id: "orange"}
    assert during[INSIDE] == pytest.approx(before[INSIDE] + 6.0, abs=0.01)
    assert during[OUTSIDE] == pytest.approx(before[OUTSIDE])
    assert after[INSIDE] == pytest.approx(before[INSIDE], abs=0.01)


def test_a_blue_warning_adds_nothing(uow: Any) -> None:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    now = utcnow()
    today = now.astimezone(CHINA_TZ).date()
    with uow() as s:
        before = _scores(s, today)
        cap_service.import_document(s, cap_sample(now, level="蓝色"), now)
    with uow() as s:
        assert _scores(s, today) == before


def test_unit_bound_roles_see_the_warnings_layer(client: Any, uow: Any) -> None:
    from support import add_user, bind_unit, login

    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    now = utcnow()
    with uow() as s:
        cap_service.import_document(s, cap_sample(now), now)
    for name, role in (("manager", "unit_manager"), ("room", "control_room_operator")):
        add_user(uow, name, role, DAFENG)
        bind_unit(uow, name, INSIDE)
        h = login(client, name)
        layers = [x["layer"] for x in client.get("/api/map/layers", headers=h).json()]
        assert "weather-warnings" in layers, role
        drawn = client.get("/api/map/layers/weather-warnings", headers=h)
        assert drawn.status_code == 200 and len(drawn.json()["features"]) == 1
        assert client.get("/api/exchange/warnings", headers=h).json()["total"] == 1


def test_the_unit_page_explains_the_weather_points(client: Any, uow: Any) -> None:
    from lanyan.store.audit import SYSTEM

    from support import add_user, login

    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    now = utcnow()
    with uow() as s:
        cap_service.import_document(s, cap_sample(now, level="橙色"), now)
    with uow() as s:
        service.compute(s, SYSTEM, EVERYWHERE, now.astimezone(CHINA_TZ).date(), config.load())
    add_user(uow, "officer", "prevention_officer", DAFENG)
    html = client.get(f"/risk/units/{INSIDE}", headers=login(client, "officer")).text
    row = html[html.index('data-factor="weather_warning"') :].split("</tr>")[0]
    assert "气象预警" in row and "橙色预警" in row and "6.00" in row
