"""Demo fire records (演示火灾统计数据) for the synthetic Dafeng county: a few hundred fires a year
for 2021–2025 at the county's units and around its villages, drawn from a seeded RNG so the same
seed gives the same records.

The mix follows the national shares in the statistics reference (电气 31.1 %, 用火不慎 23.5 %,
遗留火种 16 %, 吸烟 11.7 %, 自燃 7.8 %, 生产作业 2.5 %, the rest 玩火 and other), the usual
evening peak (18–20 时) and a falling trend; deaths are rare and about a third of the fires are
轻微火灾 recorded as 简易登记. All of it is synthetic, for the pages to show something.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.timeutil import CHINA_TZ, to_local
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.stats.choices import MINOR_LOSS_BELOW_YUAN, fire_grade
from lanyan.stats.models import FireRecord
from lanyan.stats.records import SLUG, snapshot, time_fields
from lanyan.store import audit
from lanyan.store.audit import Actor

YEARS = range(2021, 2026)
CAUSES = [
    ("electrical", 31.1), ("careless_use", 23.5), ("embers", 16.0), ("smoking", 11.7),
    ("spontaneous", 7.8), ("production", 2.5), ("playing", 3.0), ("arson", 0.5),
    ("lightning", 0.5), ("undetermined", 1.5), ("other", 2.0),
]  # fmt: skip
PLACE_BY_CATEGORY = {
    "key": "crowded",
    "high_risk": "crowded",
    "crowded": "crowded",
    "nine_small": "small_business",
    "three_in_one": "small_business",
    "general": "factory",
}
OPEN_PLACES = [("residential", 45), ("outdoor", 25), ("vehicle", 12), ("agriculture", 8),
               ("yard", 5), ("construction", 5)]  # fmt: skip
HOUR_WEIGHTS = [3, 2, 2, 1, 1, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 6, 7, 8, 10, 10, 9, 7, 5, 4]


def seed_fire_records(
    session: Session,
    actor: Actor,
    county_code: str,
    seed: int,
    progress: Callable[[int], None] | None = None,
    scale: int = 1,
) -> int:
    """Write the demo fires of the county ``county_code``; returns how many (audited, one entry
    per record). A region of ``scale`` N (``lanyan demo --scale``) has N times the fires."""
    rng = random.Random(f"{seed}:fire-records")
    county = session.execute(
        select(Jurisdiction).where(Jurisdiction.code == county_code)
    ).scalar_one()
    units = session.execute(
        select(Unit.id, Unit.jurisdiction_id, Unit.lon, Unit.lat, Unit.category, Unit.address)
        .join(Jurisdiction, Jurisdiction.id == Unit.jurisdiction_id)
        .where(Jurisdiction.path.startswith(county.path), Unit.lon.is_not(None))
        .order_by(Unit.id)
    ).all()
    villages = session.execute(
        select(Jurisdiction.id, Jurisdiction.lon, Jurisdiction.lat, Jurisdiction.path)
        .where(Jurisdiction.path.startswith(county.path), Jurisdiction.lon.is_not(None))
        .where(Jurisdiction.level.in_(("village", "town")))
        .order_by(Jurisdiction.id)
    ).all()
    if not units and not villages:
        return 0
    paths = dict(
        session.execute(
            select(Jurisdiction.id, Jurisdiction.path).where(
                Jurisdiction.path.startswith(county.path)
            )
        ).all()
    )
    audit.begin_write(session)
    rows: list[FireRecord] = []
    for year in YEARS:
        for _ in range(scale * max(40, 260 - 18 * (year - YEARS[0]) + rng.randint(-15, 15))):
            day = datetime(year, 1, 1, tzinfo=CHINA_TZ) + timedelta(days=rng.randrange(365))
            # Winter and spring (冬春) burn more: redraw half the summer days.
            if day.month in (6, 7, 8, 9) and rng.random() < 0.45:
                day = datetime(year, rng.choice([1, 2, 3, 12]), rng.randint(1, 28), tzinfo=CHINA_TZ)
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            at = day.replace(hour=hour, minute=rng.randrange(60))
            if units and (not villages or rng.random() < 0.45):
                u = rng.choice(units)
                jid, lon, lat = u.jurisdiction_id, u.lon, u.lat
                place, unit_id, address = (
                    PLACE_BY_CATEGORY.get(u.category, "other"),
                    u.id,
                    u.address,
                )
            else:
                v = rng.choice(villages)
                jid, unit_id, address = v.id, None, ""
                lon, lat = v.lon + rng.gauss(0, 0.006), v.lat + rng.gauss(0, 0.006)
                place = rng.choices([p for p, _ in OPEN_PLACES], [w for _, w in OPEN_PLACES])[0]
            cause = rng.choices([c for c, _ in CAUSES], [w for _, w in CAUSES])[0]
            minor = rng.random() < 0.35
            deaths = 0 if minor or rng.random() > 0.012 else rng.choice([1, 1, 1, 2, 3])
            injuries = 0 if minor or rng.random() > 0.05 else rng.randint(1, 4)
            loss = (
                round(rng.uniform(50, MINOR_LOSS_BELOW_YUAN - 1))
                if minor
                else round(rng.lognormvariate(9.5, 1.4))
            )
            on = to_local(at).date()
            rows.append(
                FireRecord(
                    code=f"DEMO-{year}-{len(rows) + 1:05d}",
                    jurisdiction_id=jid,
                    occurred_at=at,
                    **time_fields(on, at),
                    lon=round(lon, 6),
                    lat=round(lat, 6),
                    address=address,
                    unit_id=unit_id,
                    place=place,
                    cause=cause,
                    deaths=deaths,
                    injuries=injuries,
                    serious_injuries=min(injuries, 1 if rng.random() < 0.3 else 0),
                    direct_loss_yuan=float(loss),
                    burned_area_m2=None if minor else round(rng.uniform(2, 400), 1),
                    grade=fire_grade(on, deaths, 0, loss).value,
                    simplified=minor,
                    major_social_impact=deaths >= 2,
                    note="synthetic demo record",
                    recorded_by=actor.username,
                )
            )
    session.add_all(rows)
    session.flush()
    audit.record_many(
        session,
        actor,
        "demo",
        SLUG,
        [(r.id, None, snapshot(r), paths.get(r.jurisdiction_id, "/")) for r in rows],
    )
    if progress:
        progress(len(rows))
    return len(rows)
