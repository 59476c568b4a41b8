"""Facts the demo takes from the Dafeng plan (盐城市大丰区"十四五"消防事业发展规划).

Line numbers ``L…`` refer to ``plans/dafeng.zh.txt``. Figures the plan does not state are
marked as the demo's own assumptions where they are used.

The plan contradicts itself in places (digest §2.4); the demo follows the station table:

* L128 says "保留现状6座消防站（含2座在建）、新建13座" (19 stations); the table has 20 rows
  (2 kept, 1 upgraded, 2 under construction, 15 new).
* L19 says the 大丰港特勤 and 临港产业园 teams were already built; the table marks 大丰港特勤
  "规划新建 2022" and 临港 "在建 2022". L19/L29 call 经济开发区 "在建"; the table says
  "提档升级 2021" (upgrade of a working station), which the demo reads as existing.
* L357 targets 18 government full-time teams, the table lists 19 government stations; the
  per-class minimums on the table give 381 people, the plan says ≥384.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from lanyan.demo.region import COUNTY_CODE
from lanyan.plans import records as plan_records
from lanyan.registry.choices import ForceType, StationClass, StationStatus
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import Actor

# L31: "消防救援人员248人…万人拥有消防人员数量3.44人". The plan never states the population
# (plans/README.md); 248 / 3.44 × 10,000 is the only figure it implies.
PERSONNEL_2020 = 248
PERSONNEL_PER_10K = 3.44
POPULATION_2020 = round(PERSONNEL_2020 / PERSONNEL_PER_10K * 10_000)
POPULATION_SOURCE = (
    "ASSUMED, derived: plan L31 gives 248 fire personnel at 3.44 per 10,000 people "
    "(248/3.44×10⁴≈721,000); the split over towns and the yearly trend are synthetic"
)
URBAN_POPULATION_2020 = 210_000  # L27: "城市常住人口达到21万人"

HYDRANTS_2020 = 1503  # L17, L29: "总数达1503个"
HYDRANTS_BEFORE_2016 = 1503 - 565  # L17: 565 added in the 13th FYP (2016–2020)
HYDRANT_INTACT_RATE = 0.977  # L29: "完好率97.7%"
INTAKE_DOCKS = 5  # L17: "新建5处消防取水码头"
MICRO_AT_KEY_UNITS = 167  # L17
MICRO_IN_COMMUNITIES = 185  # L17
CONNECTED_UNITS = 163  # L17: "新接入消防设施联网监测系统163家"
SMOKE_ALARMS = 2000  # L17: "独立式感烟火灾报警器2千只" in rentals and 九小
ELECTRICAL_MONITORS = 152  # L17: "电气火灾监控系统152套"
GRID_WORKERS = 1560  # L10: "实名登记1560名消防网格员"
MIN_STAFF = {  # L357: 特勤 ≥45, 一级 ≥24, 二级 ≥16
    StationClass.SPECIAL_SERVICE: 45,
    StationClass.CLASS1: 24,
    StationClass.CLASS2: 16,
}
EXPRESSWAY_NAME = "沈海高速（G15）"  # L345


@dataclass(frozen=True)
class TableStation:
    """One row of 重点工程专栏05 (L130–L283), with where the demo places it."""

    no: int
    name: str
    level: str  # 等级 as written
    mode: str  # 规划方式 as written
    deadline: int | None  # 完成时限
    place: str  # code of the division it stands in

    @property
    def station_class(self) -> StationClass:
        if self.level == "特勤消防站":
            return StationClass.SPECIAL_SERVICE
        return StationClass.CLASS1 if "一级" in self.level else StationClass.CLASS2

    @property
    def force_type(self) -> ForceType:
        # 一级普通站 is the national team's class (幸福路, L29); 省规 classes are Jiangsu's
        # government full-time stations, as is the special-service team (L19).
        return ForceType.NATIONAL if self.level == "一级普通站" else ForceType.GOVERNMENT_FULLTIME

    @property
    def local_class(self) -> str:
        return self.level if self.level.startswith("省规") else ""

    @property
    def status(self) -> StationStatus:
        if self.mode in ("现状保留", "提档升级"):
            return StationStatus.EXISTING
        if self.mode == "在建":
            return StationStatus.UNDER_CONSTRUCTION
        return StationStatus.PLANNED

    @property
    def planned_year(self) -> int | None:
        return None if self.status is StationStatus.EXISTING else self.deadline


# Rows 19 and 20 are named without "消防站" in the file (L262–L280); the demo completes them.
STATION_TABLE: tuple[TableStation, ...] = (
    TableStation(
        1, "大丰港经济开发区特勤政府专职消防站", "特勤消防站", "规划新建", 2022, "320904402"
    ),
    TableStation(2, "幸福路消防站", "一级普通站", "现状保留", None, "320904001"),
    TableStation(3, "新丰镇政府专职消防站", "省规一级站", "规划新建", 2021, "320904101"),
    TableStation(4, "刘庄镇政府专职消防站", "省规一级站", "规划新建", 2021, "320904102"),
    TableStation(5, "三龙镇政府专职消防站", "省规一级站", "规划新建", 2021, "320904103"),
    TableStation(6, "西团镇政府专职消防站", "省规二级站", "规划新建", 2022, "320904104"),
    TableStation(7, "大中街道政府专职消防站", "省规一级站", "规划新建", 2021, "320904001"),
    TableStation(
        8, "丰华街道（高新区）政府专职消防站", "省规二级站", "现状保留", None, "320904002"
    ),
    TableStation(9, "经开区政府专职消防站", "省规一级站", "提档升级", 2021, "320904401"),
    TableStation(10, "临港产业园政府专职消防站", "省规一级站", "在建", 2022, "320904407"),
    TableStation(11, "白驹镇政府专职消防站", "省规二级站", "在建", 2022, "320904105"),
    TableStation(12, "万盈镇政府专职消防站", "省规二级站", "规划新建", 2022, "320904106"),
    TableStation(13, "大桥镇政府专职消防站", "省规二级站", "规划新建", 2022, "320904107"),
    TableStation(14, "草堰镇政府专职消防站", "省规二级站", "规划新建", 2022, "320904108"),
    TableStation(15, "南阳镇政府专职消防站", "省规二级站", "规划新建", 2022, "320904109"),
    TableStation(16, "草庙镇政府专职消防站", "省规二级站", "规划新建", 2022, "320904110"),
    TableStation(17, "小海镇政府专职消防站", "省规二级站", "规划新建", 2022, "320904111"),
    TableStation(
        18, "沪苏大丰产业联动集聚区政府专职消防站", "省规二级站", "规划新建", 2022, "320904404"
    ),
    TableStation(
        19, "苏盐沿海合作开发区政府专职消防站", "省规二级站", "规划新建", 2022, "320904405"
    ),
    TableStation(20, "常州盐城工业园政府专职消防站", "省规二级站", "规划新建", 2022, "320904406"),
)


def adopt_dafeng(session: Session, actor: Actor) -> bool:
    """The demo district adopts the Dafeng plan (as ``lanyan plan adopt dafeng`` would, audited);
    False when it already has."""
    if any(p == "dafeng" and code == COUNTY_CODE for p, code, _ in plan_records.adoptions(session)):
        return False
    plan_records.adopt(session, actor, EVERYWHERE, "dafeng", COUNTY_CODE)
    return True
