"""The 双随机 draw alone: reproducible, verifiable, tamper-evident, weighted towards risk."""

from __future__ import annotations

import copy
import random

import pytest

from lanyan.core.errors import ValidationFailed
from lanyan.prevention import draw as d

INSPECTORS = [f"insp{i:02d}" for i in range(8)]


def pool(n: int = 400, high_risk_every: int = 5, rng_seed: int = 7) -> list[d.PoolUnit]:
    rng = random.Random(rng_seed)
    return [
        d.PoolUnit(
            f"U{i:05d}", high_risk=i % high_risk_every == 0, credit_listed=rng.random() < 0.05
        )
        for i in range(n)
    ]


def performed(seed: str = "ab" * 32, **kw: object) -> dict:
    input_ = d.draw_input(pool(), INSPECTORS, d.Rates(), [("insp00", "U00000")])
    record = d.announce(input_, seed, code="D1", **kw)
    return d.perform(record, seed)


def test_same_seed_same_draw_and_different_seed_differs() -> None:
    a, b = performed(), performed()
    assert a["result"] == b["result"] and a["result"]
    c = performed("cd" * 32)
    assert c["result"] != a["result"]


def test_announcement_hides_the_seed() -> None:
    seed = d.new_seed()
    record = d.announce(d.draw_input(pool(), INSPECTORS, d.Rates(), []), seed, code="D2")
    assert record["seed"] is None and record["result"] is None
    assert record["seed_sha256"] == d.sha256_hex(seed) and seed not in d.canonical(record)
    assert d.verify(record) == ["the draw has not been performed (no seed or result yet)"]


def test_published_draw_verifies() -> None:
    assert d.verify(performed()) == []


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda r: r.__setitem__("seed", "ff" * 32), "seed does not match"),
        (lambda r: r["result"][0]["inspectors"].reverse() or r["result"][0].update(unit="X"),
         "different result"),
        (lambda r: r["result"].pop(), "different result"),
        (lambda r: r["input"]["pool"].pop(), "input does not match"),
        (lambda r: r["input"]["pool"][0].update(weight=999_999), "input does not match"),
        (lambda r: r["input"].update(sample_size=3), "input does not match"),
        (lambda r: r.__setitem__("seed_sha256", d.sha256_hex("00")), "seed does not match"),
    ],
)  # fmt: skip
def test_tampered_draw_fails(tamper: object, message: str) -> None:
    record = copy.deepcopy(performed())
    tamper(record)  # type: ignore[operator]
    problems = d.verify(record)
    assert any(message in p for p in problems), problems


def test_wrong_seed_refused_at_draw_time() -> None:
    record = d.announce(d.draw_input(pool(), INSPECTORS, d.Rates(), []), "aa", code="D3")
    with pytest.raises(ValidationFailed) as err:
        d.perform(record, "bb")
    assert err.value.problems[0].field == "seed"
    done = d.perform(record, "aa")
    with pytest.raises(ValidationFailed):
        d.perform(done, "aa")  # drawn once


def test_pairs_respect_recusal_and_spread_the_work() -> None:
    units = [d.PoolUnit(f"U{i}") for i in range(200)]
    recusals = [("insp00", f"U{i}") for i in range(200) if i % 2 == 0]
    result = d.draw(units, INSPECTORS, d.Rates(base=1.0), "seed", recusals)
    assert len(result) == 200
    loads = {i: 0 for i in INSPECTORS}
    for a in result:
        assert len(set(a.inspectors)) == 2
        assert not ("insp00" in a.inspectors and ("insp00", a.unit) in set(recusals))
        for i in a.inspectors:
            loads[i] += 1
    assert max(loads.values()) - min(loads.values()) <= 1  # 400 slots over 8 inspectors
    pairs = {a.inspectors for a in result}
    assert len(pairs) > 10  # pairs are mixed, not fixed teams


def test_too_few_eligible_inspectors_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        d.draw([d.PoolUnit("U1")], ["a", "b"], d.Rates(base=1.0), "s", [("a", "U1")])
    assert "U1" in err.value.message
    with pytest.raises(ValidationFailed):
        d.announce(d.draw_input([d.PoolUnit("U1")], ["a"], d.Rates(), []), "s")


def test_rates_must_be_fractions() -> None:
    with pytest.raises(ValidationFailed) as err:
        d.Rates(high_risk=1.5)
    assert err.value.problems[0].field == "high_risk"


def test_weighting_raises_the_share_of_high_risk_units() -> None:
    """A fifth of the pool is high-risk; drawn at 20 % against 5 %, their expected share of the
    sample is 0.2·0.2 / (0.2·0.2 + 0.8·0.05) = 0.5, against 0.2 unweighted."""
    units = [d.PoolUnit(f"U{i:05d}", high_risk=i % 5 == 0) for i in range(5000)]
    high = {u.code for u in units if u.high_risk}
    rng = random.Random(20250303)

    def share(rates: d.Rates) -> tuple[float, float]:
        drawn = [a.unit for a in d.draw(units, INSPECTORS, rates, f"{rng.random()}")]
        return sum(u in high for u in drawn) / len(drawn), len(drawn) / len(units)

    weighted, rate = share(d.Rates(base=0.05, high_risk=0.20, credit_listed=0.05))
    flat, flat_rate = share(d.Rates(base=0.05, high_risk=0.05, credit_listed=0.05))
    # 2.5 % tolerance is several standard errors at these sample sizes (~400 and ~250 drawn).
    assert weighted == pytest.approx(0.5, abs=0.08)
    assert flat == pytest.approx(0.2, abs=0.08)
    assert rate == pytest.approx(0.08, abs=0.015)  # 0.2·0.2 + 0.8·0.05
    assert flat_rate == pytest.approx(0.05, abs=0.015)


def test_csv_export() -> None:
    record = performed()
    lines = d.to_csv(record).splitlines()
    assert lines[0] == "draw,unit_code,inspector_1,inspector_2"
    assert len(lines) == 1 + len(record["result"])
    first = record["result"][0]
    assert lines[1] == ",".join(["D1", first["unit"], *first["inspectors"]])


def test_risk_grade_raises_the_rate_and_stays_verifiable() -> None:
    """Grade I units drawn at 50 %, grade II at 20 %, the rest at 5 %: each group's drawn share
    follows its rate, and the record verifies — publishing weights, never the grades."""
    grades = ["I", "II", "III", "IV", None]
    units = [d.PoolUnit(f"U{i:05d}", grade=grades[i % 5]) for i in range(5000)]
    rates = d.Rates(
        base=0.05, high_risk=0.05, credit_listed=0.05, grade_rates={"I": 0.5, "II": 0.2}
    )
    seed = "cd" * 32
    record = d.perform(d.announce(d.draw_input(units, INSPECTORS, rates, []), seed), seed)
    assert "rates" not in record["input"]
    assert {tuple(sorted(u)) for u in record["input"]["pool"]} == {("code", "weight")}
    assert {u["weight"] for u in record["input"]["pool"]} == {500_000, 200_000, 50_000}
    drawn = {a["unit"] for a in record["result"]}
    by_grade = {g: sum(u.code in drawn for u in units if u.grade == g) / 1000 for g in grades}
    assert by_grade["I"] == pytest.approx(0.5, abs=0.06)
    assert by_grade["II"] == pytest.approx(0.2, abs=0.05)
    for g in ("III", "IV", None):
        assert by_grade[g] == pytest.approx(0.05, abs=0.03)
    assert d.verify(record) == []
    # Lowering a unit's weight after the announcement is caught by the input hash.
    tampered = copy.deepcopy(record)
    tampered["input"]["pool"][0]["weight"] = 50_000
    assert any("input_sha256" in p for p in d.verify(tampered))
    # Reweighting (input and hash both rewritten) no longer reproduces the result.
    reweighted = copy.deepcopy(record)
    for u in reweighted["input"]["pool"]:
        if u["weight"] == 500_000:
            u["weight"] = 50_000
    reweighted["input_sha256"] = d.sha256_hex(d.canonical(reweighted["input"]))
    assert any("different result" in p for p in d.verify(reweighted))


def test_version_1_record_still_verifies() -> None:
    """A draw published before commit–reveal (rates and flags in its input) still verifies."""
    seed = "ef" * 32
    input_ = d.draw_input_v1(pool(), INSPECTORS, d.Rates(), [])
    for u in input_["pool"]:
        del u["grade"]
    del input_["rates"]["grade_rates"]
    record = d.perform(d.announce(input_, seed), seed)
    assert record["result"] and d.verify(record) == []


def test_fixed_sample_size_draws_exactly_n_weighted() -> None:
    """sample_size n: exactly n units (sequential Poisson sampling), heavier units more often;
    the unit list digest is published and checked."""
    units = [d.PoolUnit(f"U{i:04d}", high_risk=i % 4 == 0) for i in range(2000)]
    rates = d.Rates(base=0.05, high_risk=0.40, credit_listed=0.05, grade_rates={})
    seed = "12" * 32
    input_ = d.draw_input(units, INSPECTORS, rates, [], sample_size=100)
    record = d.perform(d.announce(input_, seed), seed)
    assert len(record["result"]) == 100 and d.verify(record) == []
    heavy = sum(int(a["unit"][1:]) % 4 == 0 for a in record["result"])
    assert heavy > 60  # 500 units at weight 8 against 1500 at 1: about 73 of 100
    assert record["units_sha256"] == d.sha256_hex("\n".join(u.code for u in units))
    moved = copy.deepcopy(record)
    moved["input"]["pool"].pop()
    assert any("units_sha256" in p for p in d.verify(moved))
    with pytest.raises(ValidationFailed) as err:
        d.draw_input(units, INSPECTORS, rates, [], sample_size=-1)
    assert err.value.problems[0].field == "sample_size"


def test_grade_rates_are_checked() -> None:
    with pytest.raises(ValidationFailed) as err:
        d.Rates(grade_rates={"V": 0.5})
    assert err.value.problems[0].field == "grade_rates.V"
    with pytest.raises(ValidationFailed) as err:
        d.Rates(grade_rates={"I": 2.0})
    assert err.value.problems[0].field == "grade_rates.I"
    assert d.parse_grade_rates(["I=0.6", "ii=0.3"]) == {"I": 0.6, "II": 0.3}
    assert d.parse_grade_rates(None) == d.DEFAULT_GRADE_RATES
    assert d.parse_grade_rates(["none"]) == {}
    with pytest.raises(ValidationFailed) as err:
        d.parse_grade_rates(["I:0.5"])
    assert err.value.problems[0].field == "grade_rate"
