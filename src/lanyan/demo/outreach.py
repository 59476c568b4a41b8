"""Demo records of the outreach domain: a roster with certificates, trainings and health checks,
education events with volunteers, station open days and awareness surveys, so the Dafeng plan's
people, open-day and awareness indicators show values.

Everything goes through ``lanyan.outreach.service`` (validated, scoped, audited as
``system:demo``); the surveys are questionnaire exports built in memory and imported through the
scoring path. Deterministic: one RNG seeded from the demo seed. Figures are synthetic — the
plan states targets (L73, L75, L327), not today's values; the demo puts most of them near but not
all at their targets so the dashboard shows both met and unmet indicators.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.timeutil import to_local, utcnow
from lanyan.demo.region import COUNTY_CODE
from lanyan.outreach import service, survey
from lanyan.outreach.choices import (
    Channel,
    EventKind,
    HealthResult,
    ParticipantGroup,
    PersonKind,
    Speciality,
    TrainingKind,
)
from lanyan.outreach.schemas import (
    CertificationCreate,
    EventCreate,
    HealthCheckCreate,
    OpenDayCreate,
    ParticipationCreate,
    PersonCreate,
    TrainingCreate,
)
from lanyan.registry.choices import ForceType, JurisdictionLevel, StationStatus, UnitCategory
from lanyan.registry.models import Jurisdiction, Station, Unit
from lanyan.registry.scope import EVERYWHERE, Scope
from lanyan.store.audit import Actor

Progress = Callable[[str, int], None]
LABELS = {
    "people": "人员 People",
    "trainings": "培训记录 Trainings",
    "events": "宣传教育活动 Events",
    "open-days": "消防站开放日 Open days",
    "surveys": "知晓率调查 Surveys",
}
YEARS = (2021, 2022, 2023, 2024, 2025)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红春海波鹏飞宇浩然晨阳"
# Roster sizes (synthetic; L31 gives 248 fire personnel in 2020, L357 targets ≥384 government
# full-time firefighters and the plan asks for ≥32 recruits a year, which the demo nearly meets).
RESCUERS, PRACTITIONERS, VOLUNTEERS = 60, 80, 300
RECRUITS = {2019: 40, 2020: 40, 2021: 30, 2022: 34, 2023: 33, 2024: 31, 2025: 35}


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _today() -> date:
    local = to_local(utcnow())
    assert local is not None
    return local.date()


def _day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


class _Builder:
    def __init__(self, session: Session, actor: Actor, seed: int, progress: Progress | None):
        self.s = session
        self.actor = actor
        self.rng = random.Random(f"{seed}:outreach")
        self.tick = progress or (lambda _what, _n: None)
        self.written: dict[str, int] = {}
        self.county = session.execute(
            select(Jurisdiction).where(Jurisdiction.code == COUNTY_CODE)
        ).scalar_one()
        inside = Scope(self.county.path)
        self.towns = list(
            session.execute(
                select(Jurisdiction.code)
                .where(Jurisdiction.level == JurisdictionLevel.TOWN.value, inside.jurisdictions())
                .order_by(Jurisdiction.code)
            ).scalars()
        )
        self.today = _today()
        self.years = range(YEARS[0], self.today.year + 1)  # 2021 to the build year
        self.stations = list(
            session.execute(
                select(Station.code, Station.opened_on)
                .where(
                    inside.within(Station.jurisdiction_id),
                    Station.status == StationStatus.EXISTING.value,
                    Station.force_type.in_(
                        (ForceType.NATIONAL.value, ForceType.GOVERNMENT_FULLTIME.value)
                    ),
                )
                .order_by(Station.code)
            ).all()
        )
        served = (UnitCategory.KEY.value, UnitCategory.HIGH_RISK.value, UnitCategory.CROWDED.value)
        self.units = list(
            session.execute(
                select(Unit.code)
                .where(inside.within(Unit.jurisdiction_id), Unit.category.in_(served))
                .order_by(Unit.code)
            ).scalars()
        )

    def count(self, what: str, n: int = 1) -> None:
        self.written[what] = self.written.get(what, 0) + n
        self.tick(what, n)

    def person(self, code: str, kind: PersonKind, joined: date, **extra: object) -> None:
        payload = PersonCreate.model_validate(
            {
                "code": code,
                "name": _name(self.rng),
                "kind": kind.value,
                "jurisdiction_code": extra.pop("jurisdiction_code", self.county.code),
                "joined_on": joined,
                **extra,
            }
        )
        service.create_person(self.s, self.actor, EVERYWHERE, payload)
        self.count("people")

    def certificate(self, code: str, name: str, issued_year: int) -> None:
        """A five-year certificate issued in ``issued_year``: those issued before 2021 have
        lapsed by the end of 2025."""
        issued = _day(self.rng, issued_year)
        payload = CertificationCreate(
            person_code=code,
            name=name,
            number=f"{self.rng.randrange(10**9, 10**10)}",
            issued_on=issued,
            valid_until=issued + timedelta(days=5 * 365),
        )
        service.add_certification(self.s, self.actor, EVERYWHERE, payload)

    # --- the roster ------------------------------------------------------------------------

    def roster(self) -> list[str]:
        """People; returns the codes of the rescue personnel (national team and government
        full-time) for trainings and health checks."""
        rng = self.rng
        rescue: list[str] = []
        old = [c for c, opened in self.stations if opened is None or opened < date(YEARS[0], 1, 1)]
        station = old[0] if old else None  # a station on duty before the plan period
        for i in range(1, RESCUERS + 1):
            code = f"XF{i:04d}"
            self.person(
                code,
                PersonKind.RESCUER,
                _day(rng, rng.randrange(2008, 2024)),
                station_code=station,
                position=rng.choice(("战斗员", "班长", "驾驶员", "通信员")),
            )
            rescue.append(code)
            if rng.random() < 0.93:  # L73 targets 100 % 持证率
                self.certificate(code, "消防员国家职业资格证书", rng.randrange(2021, 2025))
        n = 0
        for year, recruits in RECRUITS.items():
            for _ in range(recruits):
                n += 1
                code = f"ZZ{n:04d}"
                left = _day(rng, 2025) if rng.random() < 0.05 else None
                joined = _day(rng, year)
                if left is not None and left <= joined:
                    left = None
                self.person(
                    code,
                    PersonKind.GOVERNMENT_FULLTIME,
                    joined,
                    jurisdiction_code=rng.choice(self.towns) if self.towns else None,
                    position="政府专职消防员",
                    left_on=left,
                )
                rescue.append(code)
                if rng.random() < 0.9:
                    self.certificate(code, "消防员职业技能等级证书", max(year, 2021))
        for i in range(1, PRACTITIONERS + 1):
            code = f"CY{i:04d}"
            self.person(
                code,
                PersonKind.PRACTITIONER,
                _day(rng, rng.randrange(2015, 2025)),
                unit_code=rng.choice(self.units) if self.units else None,
                position=rng.choice(("消防控制室值班员", "消防设施操作员", "维保检测人员")),
            )
            if rng.random() < 0.88:  # L75 targets 持证上岗率 100 %
                self.certificate(code, "消防设施操作员职业技能证书", rng.randrange(2020, 2025))
        for i in range(1, VOLUNTEERS + 1):
            self.person(
                f"ZY{i:04d}",
                PersonKind.VOLUNTEER,
                _day(rng, rng.randrange(2019, 2026)),
                jurisdiction_code=rng.choice(self.towns) if self.towns else None,
            )
        return rescue

    def trainings(self, rescue: list[str]) -> None:
        rng = self.rng
        in_post = {p.code: p for p in (service.get_person(self.s, EVERYWHERE, c) for c in rescue)}
        for year in self.years:
            for code, p in in_post.items():
                if rng.random() > 0.9:
                    continue  # L73 targets 专项培训率 100 %; some are still to be trained
                for _ in range(rng.choice((1, 1, 2))):
                    first = max(p.joined_on, date(year, 1, 1))
                    last = min(
                        p.left_on - timedelta(days=1) if p.left_on else date(year, 12, 31),
                        date(year, 12, 31),
                        self.today,
                    )
                    if first > last:
                        break
                    held = first + timedelta(days=rng.randrange((last - first).days + 1))
                    payload = TrainingCreate(
                        kind=TrainingKind.SPECIALISED,
                        speciality=rng.choice(list(Speciality)[:-1]),
                        title="专项训练",
                        person_code=code,
                        held_on=held,
                        hours=float(rng.choice((4, 8, 16))),
                    )
                    service.add_training(self.s, self.actor, EVERYWHERE, payload)
                    self.count("trainings")
            for unit in self.units:
                if rng.random() < 0.75:
                    payload = TrainingCreate(
                        kind=TrainingKind.EMPLOYEE,
                        title="员工消防安全培训",
                        unit_code=unit,
                        held_on=min(_day(rng, year), self.today),
                        attendees=rng.randrange(10, 120),
                        hours=2.0,
                    )
                    service.add_training(self.s, self.actor, EVERYWHERE, payload)
                    self.count("trainings")
        for code, p in in_post.items():
            if p.left_on is None and p.joined_on < date(2025, 6, 1):
                result = rng.choices(list(HealthResult), weights=(90, 6, 1, 3))[0]
                payload = HealthCheckCreate(
                    person_code=code,
                    checked_on=date(2025, 6, 1) + timedelta(days=rng.randrange(120)),
                    result=result,
                    institution="大丰区人民医院体检中心",
                )
                service.add_health_check(self.s, self.actor, EVERYWHERE, payload)

    # --- public work -----------------------------------------------------------------------

    def events(self) -> None:
        rng = self.rng
        channels = [c for c in Channel if c is not Channel.OTHER]
        audience = {
            Channel.ENTERPRISE: (ParticipantGroup.EMPLOYEES, ParticipantGroup.MIGRANT_WORKERS),
            Channel.VILLAGE: (ParticipantGroup.VILLAGERS, ParticipantGroup.ELDERLY),
            Channel.COMMUNITY: (ParticipantGroup.RESIDENTS, ParticipantGroup.ELDERLY),
            Channel.SCHOOL: (ParticipantGroup.STUDENTS, ParticipantGroup.TEACHERS),
            Channel.FAMILY: (ParticipantGroup.RESIDENTS,),
        }
        volunteers = [f"ZY{i:04d}" for i in range(1, VOLUNTEERS + 1)]
        for year in self.years:
            for k in range(24):
                channel = channels[k % len(channels)]
                kind = (
                    EventKind.SCHOOL_DRILL
                    if channel is Channel.SCHOOL and k % 2
                    else rng.choice((EventKind.PUBLICITY, EventKind.LECTURE, EventKind.DRILL))
                )
                held = min(date(year, 11, 9) if k == 0 else _day(rng, year), self.today)
                payload = EventCreate(
                    title=("119消防宣传月" if k == 0 else f"消防安全{channel.zh}"),
                    kind=kind,
                    channel=channel,
                    jurisdiction_code=rng.choice(self.towns) if self.towns else self.county.code,
                    held_on=held,
                    volunteer_person_times=rng.randrange(5, 40),
                    participants={g: rng.randrange(30, 600) for g in audience[channel]},
                )
                event = service.create_event(self.s, self.actor, EVERYWHERE, payload)
                self.count("events")
                for code in rng.sample(volunteers, 3):
                    p = service.get_person(self.s, EVERYWHERE, code)
                    if p.joined_on <= held:
                        service.add_participation(
                            self.s,
                            self.actor,
                            EVERYWHERE,
                            event.id,
                            ParticipationCreate(
                                person_code=code, hours=float(rng.choice((2, 3, 4)))
                            ),
                        )

    def open_days(self) -> None:
        """2021 to the build day: every on-duty station opens 2–4 days a month from the month it
        opened, except that one station a year misses some months — so the 30/2 check shows
        both outcomes (and a station opened in the year falls short of it that year)."""
        rng = self.rng
        for year in self.years:
            for s_index, (code, opened) in enumerate(self.stations):
                short = s_index == (year * 7) % len(self.stations)
                for month in range(1, 13):
                    n = 1 if short and month in (2, 7, 8) else rng.choice((2, 3, 3, 4))
                    for day in sorted(rng.sample(range(1, 29), n)):
                        when = date(year, month, day)
                        if (opened is not None and when < opened) or when > self.today:
                            continue
                        payload = OpenDayCreate(
                            station_code=code,
                            day=when,
                            visitors=rng.randrange(20, 300),
                        )
                        service.record_open_day(self.s, self.actor, EVERYWHERE, payload)
                        self.count("open-days")

    def surveys(self) -> None:
        """Per town and year, a questionnaire export of 30 respondents scored on import; the
        share answering well rises towards the 90 % target of L75."""
        rng = self.rng
        key = survey.answer_key("public-awareness")
        letters = {
            q.number: (q.answer, [k for k in q.options if k != q.answer]) for q in key.questions
        }
        header = [
            key.respondent_column,
            key.submitted_column,
            *[f"{q.number}、{q.text}" for q in key.questions],
            f"{key.educated.number}、{key.educated.text}",
        ]
        skill = {2021: 0.78, 2022: 0.81, 2023: 0.84, 2024: 0.87, 2025: 0.905, 2026: 0.915}
        for year, p_pass in skill.items():
            if date(year, 8, 1) > self.today:
                continue
            for town in self.towns:
                out = io.StringIO()
                w = csv.writer(out)
                w.writerow(header)
                for n in range(1, 31):
                    when = date(year, 6, 1) + timedelta(days=rng.randrange(60))
                    # Passing needs 6 of the 10 knowledge questions right (key pass mark 60).
                    right_count = rng.randint(6, 10) if rng.random() < p_pass else rng.randint(1, 5)
                    right_set = set(rng.sample(range(len(letters)), right_count))
                    answers = [
                        right if i in right_set else rng.choice(wrong)
                        for i, (right, wrong) in enumerate(letters.values())
                    ]
                    educated = "A" if rng.random() < p_pass - 0.05 else rng.choice("BC")
                    w.writerow([n, f"{when:%Y/%m/%d} 10:{n:02d}:00", *answers, educated])
                service.import_survey(
                    self.s,
                    self.actor,
                    EVERYWHERE,
                    out.getvalue().encode("utf-8"),
                    f"{town}-{year}.csv",
                    town,
                    key.id,
                    f"{year} 公众消防安全知晓率调查",
                )
                self.count("surveys")


def build(
    session: Session, actor: Actor, seed: int, progress: Progress | None = None
) -> dict[str, int]:
    """Write the outreach demo records into a database that holds the demo county; returns the
    records written by kind. The caller's unit of work owns the transaction."""
    b = _Builder(session, actor, seed, progress)
    rescue = b.roster()
    b.trainings(rescue)
    b.events()
    b.open_days()
    b.surveys()
    return b.written
