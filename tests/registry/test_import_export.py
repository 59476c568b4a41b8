"""Import and export of every object type: formats, coordinate systems, bad rows, API, CLI."""

from __future__ import annotations

import csv
import io
import json
import random
from typing import Any

import pytest
from openpyxl import Workbook
from shapely.geometry import shape
from sqlalchemy import func, select
from typer.testing import CliRunner

from lanyan.cli.main import app as cli_app
from lanyan.core.errors import ValidationFailed
from lanyan.core.geo import Crs, from_wgs84, geometry_from_wgs84, geometry_to_wgs84, to_wgs84
from lanyan.registry import service
from lanyan.registry.io import Format, export_rows, import_file
from lanyan.registry.models import WaterSource
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import OBJECT_TYPES, get_type
from lanyan.store import audit
from lanyan.store.audit import SYSTEM, AuditEntry, AuditHead

from conftest import _empty_tables
from support import DAFENG, TINGHU, add_user, create_sample, login, seed_region

HYDRANTS = get_type("water-sources")
HYDRANT_HEADER = "code,kind,status,lon,lat,jurisdiction_code,pressure_mpa,crs"


@pytest.fixture
def region(uow: Any) -> Any:
    seed_region(uow)
    return uow


@pytest.fixture
def users(region: Any) -> Any:
    add_user(region, "admin", "admin", "320000")
    add_user(region, "dafeng", "admin", DAFENG)
    add_user(region, "viewer", "government_viewer", DAFENG)
    add_user(region, "unitman", "unit_manager", DAFENG)
    return region


def _import(uow: Any, slug: str, text: str | bytes, fmt: Format = Format.CSV, **kw: Any) -> Any:
    data = text.encode("utf-8") if isinstance(text, str) else text
    with uow() as s:
        return import_file(s, get_type(slug), SYSTEM, EVERYWHERE, data, fmt, **kw)


def _failure(uow: Any, slug: str, text: str | bytes, fmt: Format = Format.CSV, **kw: Any) -> Any:
    with pytest.raises(ValidationFailed) as info:
        _import(uow, slug, text, fmt, **kw)
    return info.value


def _snapshot(uow: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of every type as Create input (references as codes), keyed by code."""
    out = {}
    with uow() as s:
        for ot in OBJECT_TYPES:
            rows = [r for batch in service.iter_all(s, ot, EVERYWHERE) for r in batch]
            items = service.public_rows(s, ot, rows, input_only=True)
            out[ot.slug] = sorted(items, key=lambda i: i["code"])
    return out


def _close(a: Any, b: Any, tol: float) -> bool:
    """Equal, with floats (also inside GeoJSON text) within ``tol``."""
    if isinstance(a, str) and isinstance(b, str) and a.startswith("{"):
        return _close(json.loads(a), json.loads(b), tol)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= tol
    return a == b


def _populate(uow: Any) -> None:
    for slug in [ot.slug for ot in OBJECT_TYPES]:
        if slug in ("vehicles", "personnel", "grid-workers"):
            continue  # created with their prerequisites below
        create_sample(uow, slug, DAFENG, 1)
        create_sample(uow, slug, TINGHU, 2)
    for n, slug in enumerate(("vehicles", "personnel", "grid-workers"), start=3):
        create_sample(uow, slug, DAFENG, n)


@pytest.mark.parametrize("crs", [Crs.WGS84, Crs.GCJ02])
@pytest.mark.parametrize("fmt", list(Format))
def test_every_type_round_trips_into_a_fresh_database(
    uow: Any, engine: Any, region: Any, fmt: Format, crs: Crs
) -> None:
    _populate(uow)
    before = _snapshot(uow)
    files = {}
    with uow() as s:
        for ot in OBJECT_TYPES:
            out = export_rows(s, ot, EVERYWHERE, fmt, crs)
            assert out.rows == len(before[ot.slug]) > 0, ot.slug
            files[ot.slug] = out.data
    _empty_tables(engine)
    for ot in OBJECT_TYPES:  # the table's order puts every type after what it refers to
        result = _import(uow, ot.slug, files[ot.slug], fmt)
        assert result.rows == len(before[ot.slug])
    after = _snapshot(uow)
    tol = 0.0 if crs is Crs.WGS84 else 1e-7  # degrees; GCJ-02's inverse is iterative
    for slug, rows in before.items():
        assert len(after[slug]) == len(rows)
        for a, b in zip(rows, after[slug], strict=True):
            assert _close(a, b, tol), (slug, a, b)
    with uow() as s:
        assert audit.verify(s).ok
        imported = s.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")
        ).scalar_one()
    # every row but the jurisdictions (created one by one, action "create") has its own entry
    assert imported == sum(len(v) for k, v in before.items() if k != "jurisdictions")


@pytest.mark.parametrize("crs", [Crs.GCJ02, Crs.BD09])
def test_gcj02_and_bd09_points_and_lines_are_stored_as_wgs84(
    uow: Any, region: Any, crs: Crs
) -> None:
    points = [(120.4812, 33.2034), (120.5521, 33.1877)]
    name = {Crs.GCJ02: "GCJ-02", Crs.BD09: "bd09"}[crs]
    body = "\n".join(
        [HYDRANT_HEADER.removesuffix(",crs")]
        + [f"H{i},municipal_hydrant,intact,{x},{y},{DAFENG},0.3" for i, (x, y) in enumerate(points)]
    )
    _import(uow, "water-sources", body, crs=name)
    # the same points declared per row in a crs column
    per_row = "\n".join(
        [HYDRANT_HEADER]
        + [
            f"R{i},municipal_hydrant,intact,{x},{y},{DAFENG},0.3,{name}"
            for i, (x, y) in enumerate(points)
        ]
    )
    _import(uow, "water-sources", per_row)
    line = {"type": "LineString", "coordinates": [[120.48, 33.20], [120.49, 33.21], [120.50, 33.2]]}
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": name}},
        "features": [
            {
                "type": "Feature",
                "geometry": line,
                "properties": {
                    "code": "R-1",
                    "road_class": "arterial",
                    "speed_kmh": 50,
                    "jurisdiction_code": DAFENG,
                },
            }
        ],
    }
    _import(uow, "roads", json.dumps(doc), Format.GEOJSON)
    with uow() as s:
        stored = {r.code: (r.lon, r.lat) for r in s.execute(select(WaterSource)).scalars()}
    road = _snapshot(uow)["roads"][0]
    for i, (x, y) in enumerate(points):
        assert stored[f"H{i}"] == pytest.approx(to_wgs84(x, y, crs), abs=1e-12)
        assert stored[f"R{i}"] == pytest.approx(to_wgs84(x, y, crs), abs=1e-12)
        assert stored[f"H{i}"] != pytest.approx((x, y), abs=1e-4)  # it really moved
    expected = geometry_to_wgs84(shape(line), crs)
    assert shape(json.loads(road["geometry"])).equals_exact(expected, 1e-12)
    # and an export in that CRS gives the file's coordinates back
    with uow() as s:
        out = export_rows(s, HYDRANTS, EVERYWHERE, Format.GEOJSON, crs)
        roads = export_rows(s, get_type("roads"), EVERYWHERE, Format.GEOJSON, crs)
    exported = json.loads(out.data)
    assert exported["crs"]["properties"]["name"] in ("GCJ-02", "BD-09")
    h0 = next(f for f in exported["features"] if f["properties"]["code"] == "H0")
    assert h0["geometry"]["coordinates"] == pytest.approx(list(from_wgs84(*stored["H0"], crs)))
    assert h0["geometry"]["coordinates"] == pytest.approx(list(points[0]), abs=1e-7)
    road_back = shape(json.loads(roads.data)["features"][0]["geometry"])
    assert road_back.equals_exact(geometry_from_wgs84(expected, crs), 1e-12)


def test_csv_without_a_declared_crs_fails_naming_the_rule(uow: Any, region: Any) -> None:
    body = f"code,kind,status,lon,lat,jurisdiction_code\nH1,fire_pool,intact,120.5,33.2,{DAFENG}\n"
    exc = _failure(uow, "water-sources", body)
    assert [(p.row, p.field) for p in exc.problems] == [(1, "crs")]
    assert "must declare their coordinate system" in exc.problems[0].rule
    assert "--crs" in exc.problems[0].rule
    # a row whose crs cell is empty is named, and an unknown CRS too
    body = (
        HYDRANT_HEADER
        + f"\nH1,fire_pool,intact,120.5,33.2,{DAFENG},,\nH2,fire_pool,intact,120.5,33.2,{DAFENG},,NAD27\n"
    )
    exc = _failure(uow, "water-sources", body)
    assert [(p.row, p.field) for p in exc.problems] == [(2, "crs"), (3, "crs")]
    # types without coordinates need no CRS
    _import(
        uow, "populations", f"code,jurisdiction_code,year,population\nP1,{DAFENG},2024,720000\n"
    )


def _hydrant_rows(n: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        lon, lat = rng.uniform(120.3, 120.8), rng.uniform(33.0, 33.4)
        rows.append(
            [
                f"H{i:05d}",
                "municipal_hydrant",
                rng.choice(["intact", "damaged"]),
                f"{lon:.6f}",
                f"{lat:.6f}",
                DAFENG,
                "0.3",
                "WGS84",
            ]
        )
    return rows


def test_10000_rows_with_3_bad_commit_nothing_and_name_exactly_those(uow: Any, region: Any) -> None:
    rows = _hydrant_rows(10_000)
    # file line = index + 2 (the header is line 1)
    rows[999][2] = "broken"  # line 1001: bad status
    rows[5000][3] = ""  # line 5002: missing lon
    rows[8998][0] = rows[0][0]  # line 9000: the code of line 2
    out = io.StringIO()
    csv.writer(out).writerows([HYDRANT_HEADER.split(","), *rows])
    # One head per audit chain (issue #16): none of them moves when the import fails.
    heads = select(AuditHead.chain, AuditHead.seq, AuditHead.hash).order_by(AuditHead.chain)
    entries = select(func.count()).select_from(AuditEntry)
    with uow() as s:
        head_before = s.execute(heads).all()
        entries_before = s.execute(entries).scalar_one()
    exc = _failure(uow, "water-sources", out.getvalue())
    problems = {(p.row, p.field): p.rule for p in exc.problems}
    assert set(problems) == {(1001, "status"), (5002, "lon"), (9000, "code")}
    assert "intact" in problems[(1001, "status")]
    assert problems[(5002, "lon")] == "Field required"
    assert problems[(9000, "code")] == "must be unique (same as line 2)"
    with uow() as s:
        assert s.execute(select(func.count()).select_from(WaterSource)).scalar_one() == 0
        assert s.execute(heads).all() == head_before
        assert audit.verify(s).ok
    # the same file without the bad rows goes in whole, one audit entry per row
    good = [r for i, r in enumerate(rows) if i not in (999, 5000, 8998)]
    out = io.StringIO()
    csv.writer(out).writerows([HYDRANT_HEADER.split(","), *good])
    assert _import(uow, "water-sources", out.getvalue()).rows == len(good)
    with uow() as s:
        assert s.execute(entries).scalar_one() == entries_before + len(good)
        assert audit.verify(s).ok


def test_duplicate_code_already_in_the_database_and_unknown_reference(
    uow: Any, region: Any
) -> None:
    _import(
        uow, "water-sources", HYDRANT_HEADER + f"\nH1,fire_pool,intact,120.5,33.2,{DAFENG},,WGS84\n"
    )
    body = HYDRANT_HEADER + (
        f"\nH1,fire_pool,intact,120.5,33.2,{DAFENG},,WGS84"
        "\nH2,fire_pool,intact,120.5,33.2,999999,,WGS84\n"
    )
    exc = _failure(uow, "water-sources", body)
    assert [(p.row, p.field, p.rule) for p in exc.problems] == [
        (2, "code", "must be unique (already in the database)"),
        (3, "jurisdiction_code", "no jurisdictions row has code 999999"),
    ]


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_xlsx_reads_typed_cells_zh_headers_and_names_bad_rows(uow: Any, region: Any) -> None:
    header = ["编码", "种类", "状态", "经度", "纬度", "行政区划代码", "压力（兆帕）", "坐标系"]
    good = [1001, "市政消火栓", "完好", 120.5, 33.2, int(DAFENG), 0.3, "WGS84"]
    rows = [
        header,
        good,
        ["H2", "municipal_hydrant", "broken", 120.5, 33.2, DAFENG, None, "WGS84"],
        [None] * 8,  # blank rows are skipped but still counted
        ["H3", "fire_pool", "intact", 120.5, 95.0, DAFENG, None, "WGS84"],
    ]
    exc = _failure(uow, "water-sources", _xlsx(rows), Format.XLSX)
    assert [(p.row, p.field) for p in exc.problems] == [(3, "status"), (5, "lat")]
    assert _import(uow, "water-sources", _xlsx([header, good]), Format.XLSX).rows == 1
    with uow() as s:
        row = s.execute(select(WaterSource)).scalar_one()
    assert (row.code, row.kind, row.status) == ("1001", "municipal_hydrant", "intact")


def test_geojson_names_bad_features(uow: Any, region: Any) -> None:
    def feature(code: str, geometry: Any, **props: Any) -> dict[str, Any]:
        base = {
            "code": code,
            "kind": "municipal_hydrant",
            "status": "intact",
            "jurisdiction_code": DAFENG,
        }
        return {"type": "Feature", "geometry": geometry, "properties": base | props}

    point = {"type": "Point", "coordinates": [120.5, 33.2]}
    doc = {
        "type": "FeatureCollection",
        "features": [
            feature("H1", point),
            feature("H2", {"type": "LineString", "coordinates": [[120.5, 33.2], [120.6, 33.2]]}),
            feature("H3", point, kind="lake"),
            feature("H4", None),
            feature("H5", point, colour="red"),
        ],
    }
    exc = _failure(uow, "water-sources", json.dumps(doc), Format.GEOJSON)
    assert [(p.row, p.field) for p in exc.problems] == [
        (2, "geometry"),
        (2, "lat"),
        (2, "lon"),
        (3, "kind"),
        (4, "lat"),
        (4, "lon"),
        (5, "colour"),
    ]
    doc["features"] = [doc["features"][0]]
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}
    assert _import(uow, "water-sources", json.dumps(doc), Format.GEOJSON).crs == ["CGCS2000"]


def test_gbk_csv_gets_a_clear_error_or_reads_with_its_encoding(uow: Any, region: Any) -> None:
    body = f"code,jurisdiction_code,year,population,source\nP1,{DAFENG},2024,720000,统计年鉴\n"
    exc = _failure(uow, "populations", body.encode("gbk"))
    assert exc.problems[0].field == "(file)"
    assert "UTF-8" in exc.problems[0].rule and "GBK" in exc.problems[0].rule
    assert _import(uow, "populations", body.encode("gbk"), encoding="gb18030").rows == 1
    # a UTF-8 BOM is fine
    assert (
        _import(
            uow, "populations", ("\ufeff" + body).replace("2024", "2023").replace("P1", "P2")
        ).rows
        == 1
    )


def test_multi_column_unique_rules_name_the_rows(uow: Any, region: Any) -> None:
    header = "code,jurisdiction_code,year,population"
    _import(uow, "populations", f"{header}\nP1,{DAFENG},2024,720000\n")
    body = f"{header}\nP2,{DAFENG},2024,1\nP3,{TINGHU},2024,2\nP4,{TINGHU},2024,3\n"
    exc = _failure(uow, "populations", body)
    assert [(p.row, p.field, p.rule) for p in exc.problems] == [
        (2, "jurisdiction_code, year", "must be unique together (already in the database)"),
        (4, "jurisdiction_code, year", "must be unique together (same as line 3)"),
    ]


def test_bad_jurisdiction_rows_are_all_reported(uow: Any, region: Any) -> None:
    body = (
        "code,name,level,parent_code\n"
        f"{DAFENG}201,甲镇,town,{DAFENG}\n"
        f"{DAFENG}202,乙镇,county,{DAFENG}\n"  # level does not match the code, nor sits under a county
        f"{DAFENG}201,丙镇,town,{DAFENG}\n"  # the code of line 2
        f"{DAFENG}203,丁镇,town,{DAFENG}\n"
    )
    exc = _failure(uow, "jurisdictions", body)
    assert [(p.row, p.field) for p in exc.problems] == [
        (3, "level"),
        (3, "parent_code"),
        (4, "code"),
    ]
    codes = {j["code"] for j in _snapshot(uow)["jurisdictions"]}
    assert f"{DAFENG}201" not in codes and f"{DAFENG}203" not in codes


# --- API -----------------------------------------------------------------------------------


def _upload(client: Any, h: dict, slug: str, name: str, data: bytes, **form: str) -> Any:
    return client.post(f"/api/{slug}/import", files={"file": (name, data)}, data=form, headers=h)


def test_api_import_and_export(client: Any, users: Any) -> None:
    h = login(client, "admin")
    body = HYDRANT_HEADER.removesuffix(",crs") + (
        f"\nH1,municipal_hydrant,intact,120.5,33.2,{DAFENG},0.3"
        f"\nH2,municipal_hydrant,damaged,120.2,33.39,{TINGHU},0.2\n"
    )
    r = _upload(client, h, "water-sources", "h.csv", body.encode(), crs="gcj02")
    assert r.status_code == 200, r.text
    assert r.json() == {"type": "water-sources", "format": "csv", "imported": 2, "crs": ["GCJ-02"]}

    r = client.get("/api/water-sources/export", params={"format": "csv"}, headers=h)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="water-sources.csv"' in r.headers["content-disposition"]
    assert len(list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))) == 3
    r = client.get(
        "/api/water-sources/export", params={"format": "geojson", "crs": "gcj02"}, headers=h
    )
    assert r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert doc["crs"]["properties"]["name"] == "GCJ-02"
    assert doc["features"][0]["geometry"]["coordinates"] == pytest.approx([120.5, 33.2], abs=1e-7)
    r = client.get("/api/water-sources/export", params={"format": "xlsx"}, headers=h)
    assert r.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert r.content[:2] == b"PK"
    r = client.get("/api/water-sources/export", params={"format": "pdf"}, headers=h)
    assert r.status_code == 422

    # scope: Dafeng's export holds only Dafeng's rows
    hd = login(client, "dafeng")
    doc = client.get("/api/water-sources/export", params={"format": "geojson"}, headers=hd).json()
    assert [f["properties"]["code"] for f in doc["features"]] == ["H1"]


def test_api_import_is_scoped_and_lists_every_bad_row(client: Any, users: Any) -> None:
    h = login(client, "dafeng")
    body = HYDRANT_HEADER + (
        f"\nH1,municipal_hydrant,intact,120.5,33.2,{DAFENG},0.3,WGS84"
        f"\nH2,municipal_hydrant,intact,120.2,33.39,{TINGHU},0.3,WGS84"
        f"\nH3,municipal_hydrant,unknown,120.2,33.39,{DAFENG},0.3,WGS84\n"
    )
    r = _upload(client, h, "water-sources", "h.csv", body.encode())
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = r.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(3, "jurisdiction_code"), (4, "status")]
    assert errors[0]["rule"] == "is outside your jurisdiction"
    admin = login(client, "admin")
    listed = client.get("/api/water-sources", headers=admin).json()
    assert listed["total"] == 0


def test_api_import_export_permissions(client: Any, users: Any) -> None:
    body = f"code,jurisdiction_code,year,population\nP1,{DAFENG},2024,720000\n".encode()
    viewer = login(client, "viewer")
    assert _upload(client, viewer, "populations", "p.csv", body).status_code == 403
    assert client.get("/api/populations/export", headers=viewer).status_code == 200
    unit = login(client, "unitman")  # unit managers read only what their work needs
    assert client.get("/api/personnel/export", headers=unit).status_code == 403
    assert client.get("/api/buildings/export", headers=unit).status_code == 200
    client.cookies.clear()
    assert client.get("/api/populations/export").status_code == 401


# --- CLI -----------------------------------------------------------------------------------


def test_cli_import_export(
    db_url: str, users: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANYAN_DATABASE_URL", db_url)
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HYDRANT_HEADER + f"\nH1,municipal_hydrant,intact,120.5,33.2,{DAFENG},0.3,WGS84"
        f"\nH2,municipal_hydrant,lost,120.5,33.2,{DAFENG},0.3,WGS84\n",
        encoding="utf-8",
    )
    report = tmp_path / "errors.csv"
    r = runner.invoke(cli_app, ["import", "water-sources", str(bad), "--errors-csv", str(report)])
    assert r.exit_code == 1, r.output
    assert "status" in r.output and "Traceback" not in r.output
    assert list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))[1][:2] == [
        "3",
        "status",
    ]

    good = tmp_path / "good.csv"
    good.write_text(bad.read_text(encoding="utf-8").replace("lost", "intact"), encoding="utf-8")
    r = runner.invoke(cli_app, ["import", "water-sources", str(good), "--as", "dafeng"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "out.geojson"
    r = runner.invoke(cli_app, ["export", "water-sources", str(out), "--crs", "bd09"])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["crs"]["properties"]["name"] == "BD-09" and len(doc["features"]) == 2
    r = runner.invoke(cli_app, ["import", "no-such-type", str(good)])
    assert r.exit_code == 1 and "unknown object type" in r.output
