"""``lanyan demo --scale N``: a region N times the Dafeng demo on the same outline.

The generator is checked without a database (counts about N×, deterministic, every record
inside the county, codes unique, scale 1 untouched); one load writes the 2× region's
divisions, grids and forces (with the units they name) through the registry service, and the CLI refuses an out-of-range ``--scale`` before writing.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from shapely.geometry import Point
from shapely.prepared import prep
from sqlalchemy import func, select
from typer.testing import CliRunner

from lanyan.cli.main import app
from lanyan.demo.build import load
from lanyan.demo.generate import DEFAULT_SEED, DemoData, generate
from lanyan.demo.layout import build_layout
from lanyan.demo.region import county_boundary
from lanyan.demo.scale import side_streets, street_split
from lanyan.registry import models as m
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade

# Slugs that grow N× exactly or nearly, and roads, which grow a little less (the roads
# between towns and the G15 do not multiply; see lanyan.demo.scale).
SCALED = ("units", "buildings", "grid-workers", "stations", "vehicles", "personnel",
          "water-sources", "fire-lanes", "devices")  # fmt: skip
FIXED = ("jurisdictions", "populations")
# What the scaled stages add that the 1× rows do not show: more grids, the extra stations
# with their fleets and crews (and the units stations refer to).
LOADED = ("jurisdictions", "populations", "grids", "units", "stations", "vehicles", "personnel")


@pytest.fixture(scope="module")
def one() -> DemoData:
    return generate(DEFAULT_SEED)


@pytest.fixture(scope="module")
def two() -> DemoData:
    return generate(DEFAULT_SEED, scale=2)


def test_two_times_the_counts(one: DemoData, two: DemoData) -> None:
    a, b = one.counts(), two.counts()
    for slug in SCALED:
        assert 1.8 <= b[slug] / a[slug] <= 2.4, (slug, a[slug], b[slug])
    assert b["units"] == 2 * a["units"]
    assert b["devices"] >= 2 * a["devices"] - 10
    assert 1.5 <= b["roads"] / a["roads"] <= 2.2
    for slug in FIXED:
        assert b[slug] == a[slug]
    pop = {r["code"]: r["population"] for r in one.batches["populations"]}
    county_2020 = next(r for r in two.batches["populations"] if r["code"] == "POP-320904-2020")
    assert county_2020["population"] == 2 * pop["POP-320904-2020"]


def test_scaled_region_is_deterministic(two: DemoData) -> None:
    again = generate(DEFAULT_SEED, scale=2)
    assert json.dumps(again.batches, sort_keys=True) == json.dumps(two.batches, sort_keys=True)


def test_scaled_records_are_unique_and_inside(two: DemoData) -> None:
    for slug, rows in two.batches.items():
        codes = Counter(r["code"] for r in rows)
        assert codes.most_common(1)[0][1] == 1, (slug, codes.most_common(1))
    county = prep(county_boundary())
    for slug in ("units", "buildings", "stations", "water-sources", "devices"):
        outside = [r["code"] for r in two.batches[slug] if not county.contains(Point(r["lon"], r["lat"]))]  # fmt: skip
        assert not outside, (slug, outside[:3])


def test_denser_streets_keep_the_main_ones() -> None:
    assert street_split(1) == (1, 1)
    assert street_split(10) == (5, 2)
    assert side_streets(["人民路", "幸福路"], 2) == ["人民路", "人民一支路", "幸福路"]
    layout = build_layout(DEFAULT_SEED, scale=2)
    assert layout.network.components() == 1
    names = {s.name for s in layout.network.segments}
    assert "幸福路" in names  # the real street of station 02 survives the split
    assert any(n.endswith("支路") for n in names)


@pytest.mark.parametrize("bad", ["0", "51", "-3"])
def test_bad_scale_is_refused_before_anything_is_written(tmp_path: Any, bad: str) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(app, ["demo", "--scale", bad], env={"LANYAN_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "--scale must be a whole number from 1 to 50" in result.output
    assert not (tmp_path / "x.db").exists()


def test_scaled_region_loads(tmp_path: Any, two: DemoData) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    part = DemoData({slug: two.batches[slug] for slug in LOADED})
    # Only the units the stations name (micro stations at key units, enterprise teams).
    named = {r["unit_code"] for r in two.batches["stations"] if r.get("unit_code")}
    part.batches["units"] = [u for u in two.batches["units"] if u["code"] in named]
    with unit_of_work(factory) as session:
        written = load(session, part)
    assert written == part.counts()
    with factory() as session:
        for model, slug in ((m.Grid, "grids"), (m.Station, "stations"), (m.Vehicle, "vehicles")):
            n = session.execute(select(func.count()).select_from(model)).scalar_one()
            assert n == len(two.batches[slug]), slug
