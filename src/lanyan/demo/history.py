"""The demo region's years 2021 to today (演示区历史): what the Dafeng plan's projects did.

The generator (``demo.generate``) lays out the county as the plan describes it at the end of
2020 (plan L17–L31). This module then lives the plan period and on to the build day, always
from the same seed:

* **Stations** (重点工程专栏05, plan L130–L283; the projects ``station_*`` of
  ``plans/data/dafeng.yaml``): each planned station starts construction and opens in its table
  year — a few late, one still under construction (``LATE``). Status changes are written to
  the audit chain with the day they happened (``audit.record(at=…)``), the way
  ``registry.history`` reads a station's status at a past year end, and each opening is
  reported as the project's progress.
* **Hydrants** (L286, L295: 925 new by 2025, ≥185 a year, 19 damaged ones repaired in 2021):
  new municipal hydrants with their ``installed_year`` (``HYDRANTS_PER_YEAR``), the
  condition changes of damaged hydrants in the audit chain, and the yearly progress of the
  ``new_municipal_hydrants`` project.
* **Devices** (L305, 专栏07): key units not yet networked get a transmission device installed
  over the years (``installed_on``), so the connection rates rise; a few older transmission
  devices are repaired (offline until a day of the year) or retired (decommissioned), their
  status changes in the audit chain.
* **Key units and smart hydrants**: units designated key units each year (crowded places
  before) and a few de-listed (``KEY_DESIGNATED``, ``KEY_DELISTED``); old hydrants fitted with
  a smart terminal each year (``SMART_RETROFIT``, L286) — the category and ``is_smart``
  changes in the audit chain, which the plan indicators read as of each year end.
* **Projects and manual figures**: progress of the plan's other projects (a few late), and
  hand-entered values of some manual indicators, each marked ``演示数据（手工录入示例）`` in
  its evidence; the rest stay 无数据, as they would until someone enters them.
* **Activity** (``build_activity``, after supervision and duty): earlier inspections with their
  hazard loops (2021–2024, so that major hazards fall due every year), and the key units'
  monthly checks on the platform (巡查) each year.

Trainings, open days, surveys and events each year are written by ``demo.outreach``; fire
records by ``stats.demo``.

Every back-dated audit entry is appended at the chain's end (``seq`` order) with its own
``at``: the chain stays verifiable (``lanyan audit verify``) and the audit log shows when each
change happened.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from lanyan.core.timeutil import CHINA_TZ
from lanyan.demo.build import DEMO_ACTOR
from lanyan.demo.plan import STATION_TABLE
from lanyan.demo.region import COUNTY_CODE
from lanyan.plans import records as plan_records
from lanyan.prevention import inspections, patrols
from lanyan.prevention.models.patrols import PatrolRound
from lanyan.prevention.schemas.inspections import (
    CertificateCreate,
    FindingCreate,
    InspectionCreate,
)
from lanyan.registry import service
from lanyan.registry.choices import (
    DeviceKind,
    DeviceProtocol,
    DeviceStatus,
    StationStatus,
    UnitCategory,
    WaterSourceKind,
    WaterSourceStatus,
)
from lanyan.registry.models import Building, Device, Jurisdiction, Station, Unit, WaterSource
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store import audit

Progress = Callable[[str, int], None]
PLAN = "dafeng"
# Stations opened after their table year (L130–L283 give 2021/2022): (table no., year opened),
# None = still under construction at the build day. The rest open in their table year.
LATE: dict[int, int | None] = {6: 2023, 17: 2024, 20: None}
# New municipal hydrants per year (L295: ≥185 a year; L286: 925 by the end of 2025). Two
# years fall short, the five together reach 927; the build year counts those of its own.
HYDRANTS_PER_YEAR = {2021: 192, 2022: 178, 2023: 190, 2024: 186, 2025: 181, 2026: 150}
SMART_NEW = 0.92  # share of new hydrants built smart (L286 targets ≥80 % smart by 2025)
REPAIRED_2021 = 19  # L295: "2021年底前，对19个已损坏市政消火栓进行维修"
# Share of not yet networked key units that get a transmission device, per year (L305).
CONNECT_SHARE = {2021: 0.25, 2022: 0.2, 2023: 0.2, 2024: 0.15, 2025: 0.1, 2026: 0.05}
# Key units designated (重点单位认定) each year from today's key units (crowded places before), and
# a few de-listed (key before, a crowded place today): the key-unit flag's history (audit log).
KEY_DESIGNATED = {2021: 8, 2022: 10, 2023: 9, 2024: 7, 2025: 6, 2026: 3}
KEY_DELISTED = {2022: 2, 2024: 3}
# Old (pre-2021) hydrants fitted with a smart terminal each year (L286: ≥80 % smart by 2025).
SMART_RETROFIT = {2021: 220, 2022: 300, 2023: 320, 2024: 280, 2025: 200, 2026: 60}
# Devices' connection history: transmission devices repaired each year (offline until then,
# online today) and taken out of service (decommissioned since; online before).
DEVICES_REPAIRED = {2021: 4, 2022: 5, 2023: 6, 2024: 5, 2025: 4}
DEVICES_RETIRED = {2022: 2, 2023: 3, 2024: 2, 2025: 3}
# Share of key units doing their monthly checks on the platform, per year (L74 targets 100 %).
PLATFORM_USE = {2021: 0.35, 2022: 0.5, 2023: 0.65, 2024: 0.8, 2025: 0.9, 2026: 0.93}
OLD_INSPECTIONS = 30  # inspections a year in 2021–2024 (supervision.build writes the last two)
OLD_INSPECTORS = ("inspector", "prevention")  # the demo's inspectors (demo.supervision)
DEMO_MARK = "演示数据（手工录入示例）"  # evidence prefix of the seeded manual entries

# Manual indicators the demo enters by hand (year → value); the others stay 无数据.
MANUAL: dict[str, dict[int, float]] = {
    "fire_committee_office_rate": {2021: 60, 2022: 80, 2023: 90, 2024: 100, 2025: 100},
    "urban_station_construction_rate": {2022: 75, 2023: 85, 2024: 95, 2025: 100},
    "gov_fulltime_team_compliance_rate": {2022: 70, 2023: 82, 2024: 90, 2025: 95},
    "it_infrastructure_rate": {2021: 40, 2022: 55, 2023: 70, 2024: 85, 2025: 100},
    "long_distance_water_supply": {2023: 1.2, 2025: 1.5},
    "urban_drainage_system": {2022: 1, 2025: 2},
    "science_education_base_rate": {2022: 50, 2023: 75, 2025: 100},
    "key_group_training_rate": {2021: 70, 2022: 78, 2023: 85, 2024: 91, 2025: 96},
    "gov_fulltime_teams": {2021: 6, 2022: 14, 2023: 16, 2024: 17, 2025: 18},
    "ebike_central_management": {2022: 1},
}


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), CHINA_TZ).astimezone(UTC)


def _day(rng: random.Random, year: int, first: int = 1, last: int = 12) -> date:
    return date(year, rng.randint(first, last), rng.randint(1, 28))


class _History:
    def __init__(self, session: Session, seed: int, today: date, progress: Progress | None):
        self.s = session
        self.seed = seed
        self.today = today
        self.tick = progress or (lambda _what, _n: None)
        self.written: dict[str, int] = {}
        self.county = session.execute(
            select(Jurisdiction).where(Jurisdiction.code == COUNTY_CODE)
        ).scalar_one()

    def rng(self, part: str) -> random.Random:
        return random.Random(f"{self.seed}:history:{part}")

    def count(self, what: str, n: int = 1) -> None:
        self.written[what] = self.written.get(what, 0) + n
        self.tick(what, n)

    def change(self, slug: str, row: Any, when: date, **values: Any) -> None:
        """Set ``values`` on ``row`` and audit it as an update made on ``when``."""
        ot = get_type(slug)
        before = service.snapshot(ot, row)
        for key, value in values.items():
            setattr(row, key, value)
        self.s.flush()
        path = self.s.get(Jurisdiction, row.jurisdiction_id).path  # type: ignore[union-attr]
        after = service.snapshot(ot, row)
        audit.record(
            self.s, DEMO_ACTOR, "update", slug, row.id, before, after, scope_path=path, at=_at(when)
        )

    def progress(self, project: str, when: date, **what: Any) -> None:
        if when > self.today:
            return
        payload = {
            "plan": PLAN,
            "project": project,
            "jurisdiction": COUNTY_CODE,
            "reported_on": when.isoformat(),
            **what,
        }
        plan_records.add_progress(self.s, DEMO_ACTOR, EVERYWHERE, payload)
        self.count("progress")

    # --- stations -----------------------------------------------------------------------------

    def stations(self) -> None:
        rng = self.rng("stations")
        projects = {p.name_zh: p.id for p in plan_records.load_plan(PLAN).projects}
        rows = {
            s.name: s
            for s in self.s.execute(
                select(Station).where(Station.name.in_([t.name for t in STATION_TABLE]))
            ).scalars()
        }
        for t in STATION_TABLE:
            row = rows.get(t.name)
            if row is None or t.deadline is None:
                continue
            project = next((pid for name, pid in projects.items() if name in t.name), None)
            if row.status == StationStatus.EXISTING.value:  # 提档升级 of a working station
                if project is not None:
                    self.progress(project, _day(rng, t.deadline, 6, 11), completed=True)
                continue
            year = LATE.get(t.no, t.deadline)
            if row.status == StationStatus.PLANNED.value:
                start = (year or t.deadline) - 1
                self.change("stations", row, _day(rng, start, 3, 9), status="under_construction")
            if year is None:
                continue  # still being built
            opened = _day(rng, year, 4 if year == t.deadline else 1, 11)
            if opened > self.today:
                continue
            self.change(
                "stations", row, opened, status=StationStatus.EXISTING.value, opened_on=opened
            )
            self.count("stations")
            if project is not None:
                self.progress(project, opened, completed=True)

    # --- hydrants -----------------------------------------------------------------------------

    def hydrants(self) -> None:
        rng = self.rng("hydrants")
        old = list(
            self.s.execute(
                select(WaterSource)
                .where(WaterSource.kind == WaterSourceKind.MUNICIPAL_HYDRANT.value)
                .order_by(WaterSource.code)
            ).scalars()
        )
        places = {j.id: j.code for j in self.s.execute(select(Jurisdiction)).scalars()}
        # Condition history (read back by registry.history): 19 hydrants damaged early in 2021
        # and repaired that October (L295); today's damaged or missing ones broke since 2022.
        broken = [w for w in old if w.status != WaterSourceStatus.INTACT.value]
        intact = [w for w in old if w.status == WaterSourceStatus.INTACT.value]
        repaired = date(2021, 10, 20)
        for w in rng.sample(intact, REPAIRED_2021):
            self.change("water-sources", w, _day(rng, 2021, 1, 3), status="damaged")
            self.change("water-sources", w, repaired, status=WaterSourceStatus.INTACT.value)
        self.progress("damaged_hydrant_repair", repaired, completed=True, quantity=19.0)
        for w in broken:
            now = w.status
            w.status = WaterSourceStatus.INTACT.value  # as it was before it broke
            self.change(
                "water-sources", w, _day(rng, rng.choice((2022, 2023, 2024, 2025))), status=now
            )
        self._retrofits(rng, [w for w in intact if not w.is_smart])
        self._new_hydrants(rng, old, places)

    def _retrofits(self, rng: random.Random, plain: list[WaterSource]) -> None:
        """Old hydrants fitted with a smart terminal, a number each year (``SMART_RETROFIT``),
        in monthly batches (one audited batch per month: ``audit.record_many(at=…)``)."""
        ot = get_type("water-sources")
        paths = dict(self.s.execute(select(Jurisdiction.id, Jurisdiction.path)).all())
        rng.shuffle(plain)
        for year, n in SMART_RETROFIT.items():
            if year > self.today.year:
                break
            take, plain = plain[:n], plain[n:]
            months: dict[int, list[WaterSource]] = {}
            for w in take:
                months.setdefault(rng.randint(1, 12), []).append(w)
            for month, batch in sorted(months.items()):
                day = date(year, month, 15)
                if day >= self.today:
                    continue
                items = []
                for w in batch:
                    before = service.snapshot(ot, w)
                    w.is_smart = True
                    after = service.snapshot(ot, w)
                    items.append((w.id, before, after, paths[w.jurisdiction_id]))
                self.s.flush()
                audit.record_many(self.s, DEMO_ACTOR, "update", ot.slug, items, at=_at(day))
                self.count("smart_retrofits", len(items))

    def _new_hydrants(
        self, rng: random.Random, old: list[WaterSource], places: dict[int, str]
    ) -> None:
        ot = get_type("water-sources")
        n = len(old)
        batch = []
        for year, count in HYDRANTS_PER_YEAR.items():
            if year > self.today.year:
                break
            if year == self.today.year:  # only those of the months gone by
                count = count * self.today.month // 12
            for _ in range(count):
                near = rng.choice(old)
                n += 1
                smart = rng.random() < SMART_NEW
                row = {
                    "code": f"XHS-{n:05d}",
                    "kind": WaterSourceKind.MUNICIPAL_HYDRANT.value,
                    "status": WaterSourceStatus.INTACT.value,
                    "lon": round(near.lon + rng.uniform(-0.004, 0.004), 6),
                    "lat": round(near.lat + rng.uniform(-0.003, 0.003), 6),
                    "address": near.address,
                    "jurisdiction_code": places[near.jurisdiction_id],
                    "installed_year": year,
                    "pressure_mpa": round(rng.uniform(0.18, 0.35), 2),
                    "flow_lps": round(rng.uniform(20, 30), 1),
                    "is_smart": smart,
                }
                payload = service.validate_input(ot, row, len(batch) + 1)
                batch.append(service.BulkRow(len(batch) + 1, payload))
            quantity = float(count)
            self.progress("new_municipal_hydrants", date(year, 12, 28), quantity=quantity)
        service.bulk_create(self.s, ot, DEMO_ACTOR, EVERYWHERE, batch, action="demo")
        self.count("hydrants", len(batch))
        total = sum(HYDRANTS_PER_YEAR[y] for y in range(2021, 2026))
        if total >= 925:
            self.progress("new_municipal_hydrants", date(2025, 12, 30), completed=True)

    # --- devices ------------------------------------------------------------------------------

    def devices(self) -> None:
        """Key units without a transmission device get one, a share of them each year."""
        rng = self.rng("devices")
        ot = get_type("devices")
        wired = exists().where(
            Device.unit_id == Unit.id, Device.kind == DeviceKind.USER_INFO_TRANSMISSION.value
        )
        units = list(
            self.s.execute(
                select(Unit)
                .where(Unit.category == UnitCategory.KEY.value, ~wired)
                .order_by(Unit.code)
            ).scalars()
        )
        first_building = {
            b.unit_id: b
            for b in self.s.execute(select(Building).order_by(Building.code.desc())).scalars()
        }
        places = {j.id: j.code for j in self.s.execute(select(Jurisdiction)).scalars()}
        n = self.s.execute(
            select(func.count()).where(Device.kind == DeviceKind.USER_INFO_TRANSMISSION.value)
        ).scalar_one()
        rng.shuffle(units)
        batch = []
        for year, share in CONNECT_SHARE.items():
            if year > self.today.year:
                break
            take, units = units[: round(len(units) * share)], units[round(len(units) * share) :]
            for u in take:
                b = first_building.get(u.id)
                if b is None:
                    continue
                installed = _day(rng, year, 1, self.today.month if year == self.today.year else 12)
                n += 1
                r = rng.random()
                status = DeviceStatus.ONLINE if r < 0.95 else DeviceStatus.OFFLINE
                row = {
                    "code": f"UITD-{n:05d}",
                    "kind": DeviceKind.USER_INFO_TRANSMISSION.value,
                    "protocol": DeviceProtocol.GB26875.value,
                    "status": status.value,
                    "unit_code": u.code,
                    "building_code": b.code,
                    "jurisdiction_code": places[b.jurisdiction_id],
                    "lon": b.lon,
                    "lat": b.lat,
                    "installed_on": installed.isoformat(),
                }
                batch.append(service.BulkRow(len(batch) + 1, service.validate_input(ot, row)))
        service.bulk_create(self.s, ot, DEMO_ACTOR, EVERYWHERE, batch, action="demo")
        self.count("devices", len(batch))

    def key_units(self) -> None:
        """Key units designated each year (crowded places until then) and a few de-listed."""
        rng = self.rng("key-units")
        key = list(
            self.s.execute(
                select(Unit).where(Unit.category == UnitCategory.KEY.value).order_by(Unit.code)
            ).scalars()
        )
        rng.shuffle(key)
        for year, n in KEY_DESIGNATED.items():
            if year > self.today.year:
                continue
            for u in key[:n]:
                day = _day(rng, year, 1, self.today.month if year == self.today.year else 12)
                if day >= self.today:
                    continue
                u.category = UnitCategory.CROWDED.value  # as it was before its designation
                self.change("units", u, day, category=UnitCategory.KEY.value)
                self.count("key_units")
            key = key[n:]
        for year, n in KEY_DELISTED.items():
            if year > self.today.year:
                continue
            for u in key[:n]:
                self.change("units", u, _day(rng, year), category=UnitCategory.CROWDED.value)
                self.count("key_units")
            key = key[n:]

    def device_history(self) -> None:
        """Older transmission devices repaired (offline until a day of the year, online today)
        or retired (online until a day of the year, decommissioned today)."""
        rng = self.rng("device-history")
        online = list(
            self.s.execute(
                select(Device)
                .where(
                    Device.kind == DeviceKind.USER_INFO_TRANSMISSION.value,
                    Device.status == DeviceStatus.ONLINE.value,
                    Device.installed_on < date(2021, 1, 1),
                )
                .order_by(Device.code)
            ).scalars()
        )
        rng.shuffle(online)
        for year, n in DEVICES_REPAIRED.items():
            if year > self.today.year:
                continue
            for d in online[:n]:
                d.status = DeviceStatus.OFFLINE.value  # as it was before the repair
                self.change("devices", d, _day(rng, year), status=DeviceStatus.ONLINE.value)
                self.count("device_changes")
            online = online[n:]
        for year, n in DEVICES_RETIRED.items():
            if year > self.today.year:
                continue
            for d in online[:n]:
                retired = DeviceStatus.DECOMMISSIONED.value
                self.change("devices", d, _day(rng, year), status=retired)
                self.count("device_changes")
            online = online[n:]

    # --- other projects and manual figures ----------------------------------------------------

    def projects(self) -> None:
        rng = self.rng("projects")
        p = self.progress
        p("town_special_plans_first_batch", _day(rng, 2021, 6, 11), completed=True)
        p("town_special_plans_second_batch", _day(rng, 2023, 2, 5), completed=True)  # late
        p("fire_theme_parks", _day(rng, 2021, 9, 12), quantity=2.0)
        p("fire_theme_parks", _day(rng, 2022, 5, 11), quantity=2.0, completed=True)
        p("fire_theme_street", _day(rng, 2023, 3, 8), completed=True)  # late (due 2022)
        p("fire_theme_square", _day(rng, 2024, 4, 9), completed=True)
        p("science_base_upgrade", _day(rng, 2025, 3, 10), completed=True)
        p("comprehensive_rescue_team", _day(rng, 2022, 1, 6), quantity=30.0, completed=True)
        p("earthquake_rescue_squad", _day(rng, 2023, 1, 10), completed=True)
        p("flood_rescue_squad", _day(rng, 2022, 3, 6), completed=True)
        p("expressway_rescue_squad", _day(rng, 2023, 1, 10), quantity=10.0, completed=True)
        p("forest_rescue_squad", _day(rng, 2024, 1, 10), quantity=12.0)  # 8 still to come
        p("chemical_rescue_squad", _day(rng, 2022, 1, 10), quantity=20.0, completed=True)
        p("logistics_support_squad", _day(rng, 2023, 1, 10), quantity=20.0, completed=True)
        recruits = {2021: 160, 2022: 80, 2023: 72, 2024: 32, 2025: 34}
        milestones = {2021: "征召160名", 2022: "征召80名", 2023: None, 2024: "征召32名"}
        for year, n in recruits.items():
            extra = {"milestone": milestones[year]} if milestones.get(year) else {}
            p("fulltime_firefighter_recruitment", date(year, 11, 30), quantity=float(n), **extra)

    def manual(self) -> None:
        for indicator, values in MANUAL.items():
            for year, value in values.items():
                if year > self.today.year:
                    continue
                payload = {
                    "plan": PLAN,
                    "indicator": indicator,
                    "jurisdiction": COUNTY_CODE,
                    "year": year,
                    "value": value,
                    "evidence": f"{DEMO_MARK}：{year}年度工作总结（合成数据，非真实文件）",
                }
                plan_records.add_manual_entry(self.s, DEMO_ACTOR, EVERYWHERE, payload)
                self.count("manual")

    # --- activity (after supervision and duty) ------------------------------------------------

    def inspections(self) -> None:
        """30 inspections a year in 2021–2024 with their hazard loops (major ones included)."""
        from lanyan.demo import supervision  # the same hazard loop as the last two years

        rng = self.rng("inspections")
        for i, name in enumerate(OLD_INSPECTORS, start=1):
            inspections.add_certificate(
                self.s,
                DEMO_ACTOR,
                CertificateCreate(
                    username=name,
                    certificate_no=f"苏消执旧{self.seed % 10000:04d}{i:03d}",
                    valid_from=date(2020, 1, 1),
                    valid_until=self.today - timedelta(days=3 * 365 - 1),
                ),
            )
        units = list(self.s.execute(select(Unit).order_by(Unit.code)).scalars())
        key = [u for u in units if u.category in (UnitCategory.KEY.value, "high_risk")] or units
        first = self.today.year - 5
        for year in range(first, self.today.year - 1):
            for _ in range(OLD_INSPECTIONS):
                unit = rng.choice(key)
                day = _day(rng, year, 1, 11)
                if day > self.today - timedelta(days=2 * 365 + 3):
                    continue
                findings = [
                    FindingCreate(
                        description=text,
                        is_major=major,
                        deadline=day + timedelta(days=rng.choice((15, 30, 45))),
                    )
                    for text, major in (
                        (t, rng.random() < p) for t, p in rng.sample(supervision.FINDINGS, 2)
                    )
                    if rng.random() < 0.6
                ]
                row = inspections.create_inspection(
                    self.s,
                    DEMO_ACTOR,
                    EVERYWHERE,
                    InspectionCreate(
                        kind=supervision.InspectionKind.RANDOM,
                        unit_code=unit.code,
                        inspected_at=_at(day, rng.randint(9, 16)),
                        inspectors=list(OLD_INSPECTORS),
                        notes="演示数据 demo record",
                        findings=findings,
                    ),
                )
                self.count("inspections")
                for hazard in list(
                    self.s.execute(
                        select(supervision.Hazard).where(supervision.Hazard.inspection_id == row.id)
                    ).scalars()
                ):
                    supervision._advance(self.s, rng, hazard.id, hazard.is_major, day, self.today)
                    self.count("hazards")

    def platform_use(self) -> None:
        """Key units' monthly checks (月度检查) on the platform, a growing share each year:
        finished checks written in one batch, each with its audit entry (``audit.record_many``,
        as the demo's registry load does), the patrol's own day in the row."""
        rng = self.rng("patrols")
        units = self.s.execute(
            select(Unit.id, Unit.jurisdiction_id, Jurisdiction.path)
            .join(Jurisdiction, Jurisdiction.id == Unit.jurisdiction_id)
            .where(Unit.category == UnitCategory.KEY.value)
            .order_by(Unit.code)
        ).all()
        rows = []
        for year, share in PLATFORM_USE.items():
            if year > self.today.year:
                break
            for unit_id, place, path in units:
                if rng.random() >= share:
                    continue
                day = _day(rng, year, 1, self.today.month if year == self.today.year else 12)
                if day >= self.today:
                    continue
                row = PatrolRound(
                    kind=patrols.PatrolKind.MONTHLY_CHECK.value,
                    unit_id=unit_id,
                    jurisdiction_id=place,
                    patroller=DEMO_ACTOR.username,
                    started_at=_at(day, 9),
                    finished_at=_at(day, 10),
                    checked_on=day,
                    year=day.year,
                    expected=0,
                    scanned=0,
                    problems=0,
                )
                rows.append((row, path))
        self.s.add_all([r for r, _ in rows])
        self.s.flush()
        audit.record_many(
            self.s,
            DEMO_ACTOR,
            "demo",
            patrols.PATROLS,
            [(r.id, None, patrols._snapshot(r), path) for r, path in rows],
        )
        self.count("patrols", len(rows))


def build_registry(
    session: Session, seed: int, today: date, progress: Progress | None = None
) -> dict[str, int]:
    """Stations, hydrants, key units, devices, project progress and manual figures of
    2021–``today``;
    run after the registry is loaded and the plan adopted, before outreach and monitoring."""
    h = _History(session, seed, today, progress)
    h.stations()
    h.hydrants()
    h.key_units()
    h.device_history()
    h.devices()
    h.projects()
    h.manual()
    return h.written


def build_activity(
    session: Session, seed: int, today: date, progress: Progress | None = None
) -> dict[str, int]:
    """Inspections of 2021–2024 and the key units' platform use each year; run after
    ``demo.supervision`` and ``demo.duty``."""
    h = _History(session, seed, today, progress)
    h.inspections()
    h.platform_use()
    return h.written
