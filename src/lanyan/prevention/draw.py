"""The 双随机 draw as plain Python: units and inspector pairs drawn from a published seed.

Reproducible and verifiable by anyone, in any language, from the published record alone:

1. **Announce.** The pool (units with their high-risk and credit-listed flags), the certified
   inspectors, the recusals (回避), the sampling rates and the team size are frozen, and two
   hashes are published: ``input_sha256`` of that input as canonical JSON and ``seed_sha256``,
   the SHA-256 of the secret seed (a hex string).
2. **Draw.** Every random number is ``u(parts) = int(SHA-256(seed "|" parts…)[:13 hex], 16) / 16**13``,
   uniform on [0, 1) with 52 bits. A unit is drawn when ``u("unit", code) < rate``, where
   ``rate`` is the highest rate that applies to it (base, high-risk, credit-listed): a
   Bernoulli sample whose expected share of each group is its rate; a unit's risk grade (I–IV,
   from the latest risk snapshot) raises its rate to ``grade_rates[grade]`` when that is higher
   (风险分级抽查). Drawn units are taken in
   code order; each gets the ``team_size`` eligible inspectors (not recused from it) with the
   fewest assignments so far, ties broken by ``u("pair", unit, inspector)``, which spreads the
   work evenly and pairs inspectors at random.
3. **Publish.** The seed is revealed with the result. :func:`verify` checks both hashes and
   re-runs the draw: a changed seed, input or result fails.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from lanyan.core.cells import csv_row
from lanyan.core.errors import FieldProblem, ValidationFailed

TEAM_SIZE = 2
GRADES = ("I", "II", "III", "IV")
# Default sampling rates by risk grade (风险等级): grade I (red) units are drawn one time in two,
# grade II one in five; grades III and IV are drawn at the base rate.
DEFAULT_GRADE_RATES: dict[str, float] = {"I": 0.5, "II": 0.2}


@dataclass(frozen=True)
class Rates:
    """Sampling rates (抽查比例), each a fraction of the group drawn, 0–1."""

    base: float = 0.05
    high_risk: float = 0.20
    credit_listed: float = 0.30
    grade_rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_GRADE_RATES))

    def __post_init__(self) -> None:
        for name in ("base", "high_risk", "credit_listed"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValidationFailed(
                    f"sampling rate {name} = {value} is not a fraction",
                    [FieldProblem(name, "must be between 0 and 1")],
                )
        for grade, value in self.grade_rates.items():
            if grade not in GRADES:
                raise ValidationFailed(
                    f"risk grade {grade} does not exist",
                    [FieldProblem(f"grade_rates.{grade}", f"must be one of {', '.join(GRADES)}")],
                )
            if not 0.0 <= value <= 1.0:
                raise ValidationFailed(
                    f"sampling rate of grade {grade} = {value} is not a fraction",
                    [FieldProblem(f"grade_rates.{grade}", "must be between 0 and 1")],
                )

    def rate_for(self, unit: PoolUnit) -> float:
        rate = self.base
        if unit.high_risk:
            rate = max(rate, self.high_risk)
        if unit.credit_listed:
            rate = max(rate, self.credit_listed)
        if unit.grade is not None and unit.grade in self.grade_rates:
            rate = max(rate, self.grade_rates[unit.grade])
        return rate


def parse_grade_rates(texts: Sequence[str] | None) -> dict[str, float]:
    """Grade rates from ``GRADE=RATE`` texts (``I=0.5``); None: the defaults; ``none``: none."""
    if not texts:
        return dict(DEFAULT_GRADE_RATES)
    out: dict[str, float] = {}
    for text in texts:
        if text.strip().lower() == "none":
            continue
        grade, sep, value = text.partition("=")
        try:
            if not sep:
                raise ValueError
            out[grade.strip().upper()] = float(value)
        except ValueError:
            raise ValidationFailed(
                f"grade rate {text!r} is not GRADE=RATE",
                [FieldProblem("grade_rate", "must look like I=0.5")],
            ) from None
    return out


@dataclass(frozen=True)
class PoolUnit:
    """A unit in the pool (检查对象名录库): its 统一社会信用代码 and why it may weigh more."""

    code: str
    high_risk: bool = False
    credit_listed: bool = False  # 失信/信用监管名单
    grade: str | None = None  # 风险等级 I–IV of the latest risk snapshot; None: never scored


@dataclass(frozen=True)
class Assignment:
    unit: str
    inspectors: tuple[str, ...]


def new_seed() -> str:
    """A fresh secret seed: 32 random bytes as hex."""
    return secrets.token_hex(32)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(value: Any) -> str:
    """The one JSON text of ``value`` that hashes are taken over."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def uniform(seed: str, *parts: str) -> float:
    """A number uniform on [0, 1) derived from the seed and ``parts`` (52 bits of SHA-256)."""
    h = hashlib.sha256("|".join((seed, *parts)).encode()).hexdigest()
    return int(h[:13], 16) / 16**13


def draw(
    pool: Sequence[PoolUnit],
    inspectors: Sequence[str],
    rates: Rates,
    seed: str,
    recusals: Iterable[tuple[str, str]] = (),
    team_size: int = TEAM_SIZE,
) -> list[Assignment]:
    """Draw units and pair inspectors (see the module docstring for the exact rule)."""
    barred = set(recusals)
    load = dict.fromkeys(sorted(set(inspectors)), 0)
    chosen = [
        u
        for u in sorted(pool, key=lambda u: u.code)
        if uniform(seed, "unit", u.code) < rates.rate_for(u)
    ]
    result = []
    for unit in chosen:
        eligible = [i for i in load if (i, unit.code) not in barred]
        if len(eligible) < team_size:
            raise ValidationFailed(
                f"unit {unit.code} was drawn but only {len(eligible)} certified inspectors "
                f"may inspect it",
                [FieldProblem("inspectors", f"needs at least {team_size} not recused from it")],
            )
        eligible.sort(key=lambda i: (load[i], uniform(seed, "pair", unit.code, i)))
        team = tuple(sorted(eligible[:team_size]))
        for i in team:
            load[i] += 1
        result.append(Assignment(unit.code, team))
    return result


# ---- the published record ------------------------------------------------------------------


def draw_input(
    pool: Sequence[PoolUnit],
    inspectors: Sequence[str],
    rates: Rates,
    recusals: Iterable[tuple[str, str]],
    team_size: int = TEAM_SIZE,
) -> dict[str, Any]:
    """The frozen input of a draw, as the record publishes it (sorted, so order cannot matter)."""
    return {
        "rates": asdict(rates),
        "team_size": team_size,
        "pool": [asdict(u) for u in sorted(pool, key=lambda u: u.code)],
        "inspectors": sorted(set(inspectors)),
        "recusals": sorted([i, u] for i, u in set(recusals)),
    }


def announce(input_: dict[str, Any], seed: str, **meta: Any) -> dict[str, Any]:
    """The announcement (公示): the input, its hash and the seed's hash; the seed stays secret."""
    if len(input_["inspectors"]) < input_["team_size"]:
        raise ValidationFailed(
            "not enough certified inspectors for a draw",
            [FieldProblem("inspectors", f"needs at least {input_['team_size']} (双人执法)")],
        )
    return {
        **meta,
        "input": input_,
        "input_sha256": sha256_hex(canonical(input_)),
        "seed_sha256": sha256_hex(seed),
        "seed": None,
        "result": None,
    }


def _run(input_: dict[str, Any], seed: str) -> list[Assignment]:
    return draw(
        [PoolUnit(**u) for u in input_["pool"]],
        input_["inspectors"],
        Rates(**input_["rates"]),
        seed,
        [(i, u) for i, u in input_["recusals"]],
        input_["team_size"],
    )


def perform(record: dict[str, Any], seed: str) -> dict[str, Any]:
    """Run an announced draw with its seed; the record with the seed and result revealed."""
    if record.get("result") is not None:
        raise ValidationFailed(
            f"draw {record.get('code', '')} has already been drawn",
            [FieldProblem("code", "a draw is drawn once")],
        )
    if sha256_hex(seed) != record["seed_sha256"]:
        raise ValidationFailed(
            "the seed does not match the announced hash",
            [FieldProblem("seed", "its SHA-256 must equal the announced seed_sha256")],
        )
    result = _run(record["input"], seed)
    return {
        **record,
        "seed": seed,
        "result": [{"unit": a.unit, "inspectors": list(a.inspectors)} for a in result],
    }


def verify(record: dict[str, Any]) -> list[str]:
    """Every reason the published record does not hold up; empty when the draw verifies."""
    problems = []
    try:
        input_, seed, result = record["input"], record["seed"], record["result"]
        if sha256_hex(canonical(input_)) != record["input_sha256"]:
            problems.append("the input does not match the announced input_sha256")
        if seed is None or result is None:
            return [*problems, "the draw has not been performed (no seed or result yet)"]
        if sha256_hex(seed) != record["seed_sha256"]:
            problems.append("the seed does not match the announced seed_sha256")
        again = [{"unit": a.unit, "inspectors": list(a.inspectors)} for a in _run(input_, seed)]
    except (KeyError, TypeError, ValueError, ValidationFailed) as exc:
        return [*problems, f"the record cannot be re-run: {exc}"]
    if again != result:
        changed = sum(1 for a, b in zip(again, result, strict=False) if a != b)
        changed += abs(len(again) - len(result))
        problems.append(
            f"re-running the draw gives a different result ({changed} assignments differ)"
        )
    return problems


def to_csv(record: dict[str, Any]) -> str:
    """The result (一公开) as CSV: one row per drawn unit with its inspectors."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    team = record["input"]["team_size"]
    writer.writerow(["draw", "unit_code", *[f"inspector_{i + 1}" for i in range(team)]])
    for row in record["result"] or []:
        writer.writerow(csv_row([record.get("code", ""), row["unit"], *row["inspectors"]]))
    return out.getvalue()
