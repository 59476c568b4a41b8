"""The server-rendered pages: log-in, layout, registry pages, language, roles, map data, errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.accounts.service import create_user
from lanyan.app import create_app
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import OBJECT_TYPES, get_type
from lanyan.store.audit import SYSTEM, AuditEntry
from lanyan.web.i18n import FIELDS, TYPE_FIELDS, rule_text

from support import (
    DAFENG,
    PASSWORD,
    PREREQUISITES,
    TINGHU,
    add_user,
    create_sample,
    login,
    sample,
    seed_region,
)

SLUGS = [ot.slug for ot in OBJECT_TYPES]


@pytest.fixture
def region(uow: Any) -> Any:
    """The test region and a Dafeng administrator (other users cost a slow Argon2 hash each)."""
    seed_region(uow)
    add_user(uow, "admin", "admin", DAFENG)
    return uow


def sign_in(client: Any, username: str, password: str = PASSWORD, next: str = "/") -> Any:
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": next},
        follow_redirects=False,
    )


def signed_in(client: Any, username: str) -> Any:
    r = sign_in(client, username)
    assert r.status_code == 303, r.text
    return client


def field_block(html: str, name: str) -> str:
    """The HTML of one form field's block (label, input and its error)."""
    match = re.search(rf'<div class="field[^"]*" data-field="{name}">(.*?)\n  </div>', html, re.S)
    assert match, f"no form field {name}"
    return match.group(0)


def as_form(body: dict[str, Any]) -> dict[str, Any]:
    """A Create payload as a browser would post it: checkboxes only when ticked."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if value is True:
            out[key] = "on"
        elif value is False or value is None:
            continue
        else:
            out[key] = value if isinstance(value, list) else str(value)
    return out


def test_login_page_is_chinese_by_default(client: Any, region: Any) -> None:
    r = client.get("/login")
    assert r.status_code == 200
    assert "蓝焰智慧消防平台" in r.text and "用户名" in r.text and "登录" in r.text
    assert '<html lang="zh-CN">' in r.text


@pytest.mark.parametrize("path", ["/", "/map", "/registry/stations", "/admin/audit"])
def test_signed_out_pages_redirect_to_login(client: Any, region: Any, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next={path}"


def test_sign_in_sets_session_cookie_and_returns_to_next(client: Any, region: Any) -> None:
    r = sign_in(client, "admin", next="/registry/water-sources")
    assert r.status_code == 303
    assert r.headers["location"] == "/registry/water-sources"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("lanyan_session="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    page = client.get("/registry/water-sources")
    assert page.status_code == 200 and "消防水源" in page.text


def test_sign_in_never_redirects_off_site(client: Any, region: Any) -> None:
    r = sign_in(client, "admin", next="//evil.example/")
    assert r.headers["location"] == "/"


def test_wrong_password_then_lock_out(client: Any, region: Any, settings: Any) -> None:
    r = sign_in(client, "admin", password="not-the-password")
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text
    assert 'value="admin"' in r.text  # the username is kept in the form
    for _ in range(settings.login_max_failures - 1):
        r = sign_in(client, "admin", password="not-the-password")
    r = sign_in(client, "admin", password="not-the-password")
    assert r.status_code == 429  # the failure counts were committed although sign-in failed
    assert "登录失败次数过多" in r.text
    r = sign_in(client, "admin")  # even the right password is refused for a while
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    assert "lanyan_session" not in r.headers.get("set-cookie", "")


def test_layout_shows_user_role_jurisdiction_and_navigation(client: Any, region: Any) -> None:
    html = signed_in(client, "admin").get("/").text
    assert "蓝焰智慧消防平台" in html
    assert "系统管理员" in html and "大丰区" in html
    for ot in OBJECT_TYPES:
        assert f'href="/registry/{ot.slug}"' in html
    assert 'href="/admin/audit"' in html and 'href="/docs"' in html
    assert 'action="/logout"' in html


def test_navigation_lists_only_what_the_role_may_read(client: Any, region: Any) -> None:
    add_user(region, "owner", "unit_manager", DAFENG)
    client = signed_in(client, "owner")  # unit manager: no vehicles, no personnel
    html = client.get("/").text
    assert 'href="/registry/buildings"' in html
    assert 'href="/registry/vehicles"' not in html
    assert 'href="/admin/users"' not in html
    assert client.get("/registry/vehicles").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_sign_out_ends_the_session(client: Any, region: Any) -> None:
    client = signed_in(client, "admin")
    r = client.post("/logout", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?bye=1"
    assert client.get("/login?bye=1").text.count("您已安全退出") == 1
    assert client.get("/", follow_redirects=False).status_code == 303


def test_list_shows_labels_filters_and_search(client: Any, region: Any) -> None:
    create_sample(region, "water-sources", DAFENG, 1)
    create_sample(region, "water-sources", DAFENG, 2)
    client = signed_in(client, "admin")
    html = client.get("/registry/water-sources").text
    assert "H-320904-1" in html and "H-320904-2" in html
    assert "完好" in html and "市政消火栓" in html  # choice values as zh labels
    assert '<select name="status">' in html and '<input type="search" name="q"' in html
    assert 'id="create-button"' in html
    found = client.get("/registry/water-sources", params={"q": "904-2"}).text
    assert "H-320904-2" in found and "H-320904-1" not in found
    none = client.get("/registry/water-sources", params={"status": "missing"}).text
    assert "没有符合条件的记录" in none
    bad = client.get("/registry/water-sources", params={"status": "on-fire"})
    assert bad.status_code == 200 and "筛选条件无效" in bad.text


def test_list_pages(client: Any, region: Any) -> None:
    for n in range(1, 53):
        create_sample(region, "roads", DAFENG, n)
    client = signed_in(client, "admin")
    first = client.get("/registry/roads").text
    assert "共 52 条" in first and "第 1 / 2 页" in first
    second = client.get("/registry/roads", params={"page": 2}).text
    assert second.count('class="row-link"') == 2


def test_detail_labels_every_field_and_links_references(client: Any, region: Any) -> None:
    vehicle = create_sample(region, "vehicles", DAFENG, 1)
    html = signed_in(client, "admin").get(f"/registry/vehicles/{vehicle}").text
    for label in ("车辆编号", "车辆类型", "水罐容量（L）", "所属消防站", "泵流量（L/s）"):
        assert label in html
    assert "水罐消防车" in html
    assert re.search(r'<a href="/registry/stations/\d+">S-320904-1</a>', html)
    assert 'id="edit-button"' in html and 'id="delete-button"' in html


def test_point_detail_has_a_small_map(client: Any, region: Any) -> None:
    station = create_sample(region, "stations", DAFENG, 1)
    html = signed_in(client, "admin").get(f"/registry/stations/{station}").text
    assert 'id="minimap"' in html and "/static/vendor/leaflet/leaflet.js" in html


def test_create_shows_errors_next_to_their_fields(client: Any, region: Any) -> None:
    client = signed_in(client, "admin")
    body = as_form(sample("water-sources", DAFENG)) | {"pressure_mpa": "9", "lon": ""}
    r = client.post("/registry/water-sources/new", data=body)
    assert r.status_code == 422
    assert "提交的内容有误" in r.text
    lon, pressure = field_block(r.text, "lon"), field_block(r.text, "pressure_mpa")
    assert "has-error" in lon and "必填" in lon
    assert "has-error" in pressure and "应不大于 2.5" in pressure
    assert "has-error" not in field_block(r.text, "code")
    assert 'value="H-320904-1"' in r.text  # what the user typed is kept
    assert "Traceback" not in r.text


def test_create_cross_field_rule_and_duplicate_code(client: Any, region: Any) -> None:
    client = signed_in(client, "admin")
    pool = as_form(sample("water-sources", DAFENG)) | {"kind": "fire_pool"}
    r = client.post("/registry/water-sources/new", data=pool)
    assert r.status_code == 422
    assert "does not apply to a fire pool" in field_block(r.text, "pressure_mpa")
    create_sample(region, "water-sources", DAFENG, 1)
    dup = client.post("/registry/water-sources/new", data=as_form(sample("water-sources", DAFENG)))
    assert dup.status_code == 409
    assert "编码不能重复" in field_block(dup.text, "code")


@pytest.mark.parametrize("slug", SLUGS)
def test_create_through_the_form(client: Any, region: Any, sessions: Any, slug: str) -> None:
    for pre in PREREQUISITES.get(slug, []):
        with region() as s:
            service.create(s, get_type(pre), SYSTEM, EVERYWHERE, sample(pre, DAFENG))
    client = signed_in(client, "admin")
    assert client.get(f"/registry/{slug}/new").status_code == 200
    r = client.post(
        f"/registry/{slug}/new", data=as_form(sample(slug, DAFENG)), follow_redirects=False
    )
    assert r.status_code == 303, re.findall(r"field-error[^>]*>([^<]*)", r.text)
    assert re.fullmatch(rf"/registry/{slug}/\d+\?flash=saved", r.headers["location"])
    detail = client.get(r.headers["location"])
    assert detail.status_code == 200 and "已保存" in detail.text
    with sessions() as s:
        entry = (
            s.execute(
                select(AuditEntry)
                .where(AuditEntry.object_type == slug)
                .order_by(AuditEntry.seq.desc())
            )
            .scalars()
            .first()
        )
    assert entry is not None and entry.action == "create" and entry.actor == "admin"


def test_edit_and_delete(client: Any, region: Any) -> None:
    row = create_sample(region, "water-sources", DAFENG, 1)
    client = signed_in(client, "admin")
    form = client.get(f"/registry/water-sources/{row}/edit").text
    assert 'value="H-320904-1"' in form and '<option value="intact" selected>' in form
    body = as_form(sample("water-sources", DAFENG)) | {"status": "damaged", "pressure_mpa": ""}
    r = client.post(f"/registry/water-sources/{row}/edit", data=body)
    assert r.status_code == 200 and "损坏" in r.text
    assert re.search(r"压力（MPa）</dt>\s*<dd><span class=\"muted\">—</span>", r.text)  # cleared
    assert "确定删除" in client.get(f"/registry/water-sources/{row}/delete").text
    r = client.post(f"/registry/water-sources/{row}/delete", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/registry/water-sources?flash=deleted"
    assert client.get(f"/registry/water-sources/{row}").status_code == 404


def test_delete_refused_while_referenced(client: Any, region: Any) -> None:
    create_sample(region, "vehicles", DAFENG, 1)  # and its station
    client = signed_in(client, "admin")
    station = re.search(r"/registry/stations/(\d+)", client.get("/registry/stations").text)
    assert station
    r = client.post(f"/registry/stations/{station.group(1)}/delete")
    assert r.status_code == 409 and "仍被其他记录引用" in r.text


def test_role_without_write_sees_no_buttons_and_is_refused(client: Any, region: Any) -> None:
    row = create_sample(region, "water-sources", DAFENG, 1)
    add_user(region, "viewer", "government_viewer", DAFENG)
    client = signed_in(client, "viewer")
    assert 'id="create-button"' not in client.get("/registry/water-sources").text
    detail = client.get(f"/registry/water-sources/{row}").text
    assert 'id="edit-button"' not in detail and 'id="delete-button"' not in detail
    body = as_form(sample("water-sources", DAFENG, 2))
    assert client.get("/registry/water-sources/new").status_code == 403
    r = client.post("/registry/water-sources/new", data=body)
    assert r.status_code == 403 and "无权" in r.text and "Traceback" not in r.text
    assert client.post(f"/registry/water-sources/{row}/edit", data=body).status_code == 403
    assert client.post(f"/registry/water-sources/{row}/delete").status_code == 403
    assert client.get(f"/registry/water-sources/{row}").status_code == 200  # still there


def test_rows_outside_scope_are_not_found(client: Any, region: Any) -> None:
    outside = create_sample(region, "stations", TINGHU, 1)
    client = signed_in(client, "admin")  # a Dafeng administrator
    assert "S-320902-1" not in client.get("/registry/stations").text
    assert client.get(f"/registry/stations/{outside}").status_code == 404
    assert client.post(f"/registry/stations/{outside}/delete").status_code == 404


def test_language_switch_changes_the_text(client: Any, region: Any) -> None:
    client = signed_in(client, "admin")
    assert "消防站" in client.get("/registry/stations").text
    r = client.get("/lang/en", params={"next": "/registry/stations"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/registry/stations"
    html = client.get("/registry/stations").text
    assert '<html lang="en">' in html
    assert "Stations" in html and "Sign out" in html and "Administrator" in html
    assert "退出" not in html
    client.get("/lang/zh")
    assert "退出" in client.get("/registry/stations").text


def test_user_language_is_the_default_after_sign_in(client: Any, region: Any) -> None:
    with region() as s:
        create_user(
            s,
            SYSTEM,
            EVERYWHERE,
            {
                "username": "english",
                "password": PASSWORD,
                "role": "commander",
                "jurisdiction_code": DAFENG,
                "language": "en",
            },
        )
    html = signed_in(client, "english").get("/").text
    assert "Sign out" in html and "One map" in html


def test_map_page_offers_the_readable_layers(client: Any, region: Any) -> None:
    html = signed_in(client, "admin").get("/").text
    for layer in ("roads", "jurisdictions", "units", "water-sources", "stations"):
        assert f'data-layer="{layer}"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/js/map.js" in html
    assert "完好" in html and "损坏" in html and "缺失" in html  # the legend
    assert "http://" not in html and "https://" not in html  # nothing fetched from outside


def test_map_uses_an_intranet_tile_layer_when_configured(settings: Any, region: Any) -> None:
    tiles = settings.model_copy(
        update={"tile_url": "/tiles/{z}/{x}/{y}.png", "tile_attribution": "天地图（内网）"}
    )
    with TestClient(create_app(tiles)) as client:
        html = signed_in(client, "admin").get("/").text
    assert '"tileUrl":"/tiles/{z}/{x}/{y}.png"' in html
    assert '"tileAttribution":"天地图（内网）"' in html
    assert "无互联网瓦片" not in html


def test_map_layer_list_follows_the_role(client: Any, region: Any) -> None:
    layers = signed_in(client, "admin").get("/api/map/layers").json()
    assert [x["layer"] for x in layers] == [
        "roads",
        "jurisdictions",
        "weather-warnings",
        "units",
        "water-sources",
        "stations",
        "alarms",
    ]
    assert layers[4]["label"] == "消防水源" and layers[4]["kind"] == "point"
    assert layers[2]["label"] == "气象预警" and layers[2]["kind"] == "area"


def test_map_layer_is_scoped_geojson(client: Any, region: Any) -> None:
    create_sample(region, "water-sources", DAFENG, 1)
    create_sample(region, "water-sources", TINGHU, 2)
    client = signed_in(client, "admin")
    data = client.get("/api/map/layers/water-sources").json()
    assert data["type"] == "FeatureCollection" and data["count"] == 1
    feature = data["features"][0]
    assert feature["properties"]["code"] == "H-320904-1"
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["color"] == "#1a9850"  # 完好
    assert ["状态", "完好"] in feature["properties"]["fields"]
    lon, lat = feature["geometry"]["coordinates"]
    away = client.get("/api/map/layers/water-sources", params={"bbox": "100,20,101,21"}).json()
    assert away["count"] == 0
    near = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    assert client.get("/api/map/layers/water-sources", params={"bbox": near}).json()["count"] == 1


def test_map_layers_of_lines_and_polygons(client: Any, region: Any) -> None:
    create_sample(region, "roads", DAFENG, 1)
    create_sample(region, "roads", TINGHU, 2)
    client = signed_in(client, "admin")
    roads = client.get("/api/map/layers/roads").json()
    assert [f["properties"]["code"] for f in roads["features"]] == ["R-320904-1"]
    assert roads["features"][0]["geometry"]["type"] == "LineString"
    assert roads["features"][0]["properties"]["road_class"] == "arterial"
    assert client.get("/api/map/layers/jurisdictions").json()["count"] == 0  # no outlines yet


def test_map_layer_errors_are_json_problems(client: Any, region: Any) -> None:
    assert client.get("/api/map/layers/water-sources").status_code == 401
    client = signed_in(client, "admin")
    r = client.get("/api/map/layers/vehicles")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    bad = client.get("/api/map/layers/roads", params={"bbox": "1,2,3"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "bbox"


def test_errors_are_html_pages_without_traces(client: Any, region: Any) -> None:
    client = signed_in(client, "admin")
    for path in ("/registry/no-such-type", "/no/such/page", "/registry/stations/999999"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html")
        assert "出错了" in r.text and "Traceback" not in r.text
    r = client.get("/registry/stations/not-a-number")
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert client.get("/api/no-such").headers["content-type"].startswith("application/problem")


def test_unexpected_errors_are_a_plain_page(app: Any, region: Any, monkeypatch: Any) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("database on fire")

    with TestClient(app, raise_server_exceptions=False) as client:
        signed_in(client, "admin")
        monkeypatch.setattr(service, "list_rows", broken)
        r = client.get("/registry/stations")
        assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
        assert "服务器未能完成请求" in r.text
        assert "database on fire" not in r.text and "Traceback" not in r.text
        api = client.get("/api/stations")
        assert api.status_code == 500 and api.json()["title"] == "Internal error"


def test_audit_log_is_admin_only_and_newest_first(client: Any, region: Any) -> None:
    create_sample(region, "stations", DAFENG, 1)
    create_sample(region, "roads", DAFENG, 1)
    add_user(region, "viewer", "government_viewer", DAFENG)
    client = signed_in(client, "admin")
    html = client.get("/admin/audit").text
    seqs = [int(s) for s in re.findall(r'<td class="num">(\d+)</td>', html)]
    assert seqs and seqs == sorted(seqs, reverse=True)
    assert "<td>道路</td>" in html and "新增" in html
    users = client.get("/admin/users").text
    assert "viewer" in users and "政府查看" in users
    assert signed_in(client, "viewer").get("/admin/audit").status_code == 403


def test_every_field_has_a_label() -> None:
    missing = [
        f"{ot.slug}.{name}"
        for ot in OBJECT_TYPES
        for name in ot.public.model_fields
        if name not in FIELDS and (ot.slug, name) not in TYPE_FIELDS
    ]
    assert missing == []


def test_docs_and_assets_are_served_locally(client: Any, region: Any) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    for asset in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet/images/marker-icon.png",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/js/map.js",
        "/static/css/lanyan.css",
    ):
        assert client.get(asset).status_code == 200, asset
    assert client.get("/redoc").status_code == 404  # ReDoc would need a CDN


@pytest.mark.parametrize(
    ("rule", "zh"),
    [
        ("Field required", "必填"),
        ("Input should be greater than 0", "应大于 0"),
        (
            "Input should be 'intact', 'damaged' or 'missing'",
            "应为以下之一：'intact', 'damaged' or 'missing'",
        ),
        ("no stations row has code S-9", "编码 S-9 不存在"),
        ("is required for aerial vehicles", "is required for aerial vehicles"),  # as written
    ],
)
def test_validation_rules_in_chinese(rule: str, zh: str) -> None:
    assert rule_text(rule, "zh") == zh
    assert rule_text(rule, "en") == rule


def test_audit_log_is_scoped_to_the_admins_jurisdiction(client: Any, region: Any) -> None:
    create_sample(region, "stations", DAFENG, 1)
    create_sample(region, "stations", TINGHU, 2)
    add_user(region, "province-admin", "admin", "320000")
    dafeng_html = signed_in(client, "admin").get("/admin/audit").text
    assert f"S-{DAFENG}-1" in dafeng_html and f"S-{TINGHU}-2" not in dafeng_html
    province_html = signed_in(client, "province-admin").get("/admin/audit").text
    assert f"S-{DAFENG}-1" in province_html and f"S-{TINGHU}-2" in province_html


def test_cross_site_form_post_with_the_session_cookie_is_refused(client: Any, region: Any) -> None:
    client = signed_in(client, "admin")
    forged = client.post(
        "/logout", headers={"Origin": "http://evil.example"}, follow_redirects=False
    )
    assert forged.status_code == 403
    assert forged.json()["errors"][0]["field"] == "Origin"
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    by_referer = client.post(
        "/logout", headers={"Referer": "http://evil.example/page"}, follow_redirects=False
    )
    assert by_referer.status_code == 403
    own = client.post("/logout", headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert own.status_code == 303


def test_origin_check_leaves_clients_without_the_cookie_alone(client: Any, region: Any) -> None:
    # Only log-in is checked without a cookie (login CSRF, see test_production.py); a bearer
    # client posting elsewhere is not a browser riding on the cookie.
    h = login(client, "admin")
    r = client.post("/api/auth/logout", headers=h | {"Origin": "http://elsewhere.example"})
    assert r.status_code == 204
