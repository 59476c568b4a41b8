"""Demo pre-plans (数字化预案): one for each of the first key units (by code) that own a
high-rise or industrial building, written through the pre-plan service so they are audited
like a commander's. Deterministic for a seed."""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.registry.models import Building, Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.response import preplans
from lanyan.response.preplans import PrePlanCreate
from lanyan.store.audit import Actor

DEMO_ACTOR = Actor("system:demo")
COUNT = 24

KEY_PARTS = {
    "industrial": [("配电室", "一层北侧"), ("生产车间", "一至二层"), ("原料仓库", "东侧")],
    "warehouse": [("高架库区", "一层"), ("叉车充电间", "西北角"), ("配电室", "一层北侧")],
    "commercial": [("中庭", "一至四层"), ("地下车库", "B1–B2"), ("厨房燃气间", "三层餐饮区")],
}
DEFAULT_PARTS = [("消防控制室", "一层"), ("配电室", "地下一层"), ("地下车库", "B1")]
HAZARDS = {
    "industrial": [("天然气", "管道供气", "锅炉房"), ("润滑油", "3 t", "油品库")],
    "warehouse": [("纸质包装物", "大量", "库区"), ("锂电池", "约 200 组", "充电间")],
}


def candidates(session: Session) -> list[tuple[Unit, Building]]:
    """Key units with a high-rise or industrial building, by unit code then building code."""
    rows = session.execute(
        select(Unit, Building)
        .join(Building, Building.unit_id == Unit.id)
        .where(
            Unit.category.in_(("key", "high_risk")),
            (Building.is_high_rise.is_(True)) | Building.use.in_(("industrial", "warehouse")),
        )
        .order_by(Unit.code, Building.code)
    ).all()
    seen: set[int] = set()
    out = []
    for unit, building in rows:
        if unit.id not in seen:
            seen.add(unit.id)
            out.append((unit, building))
    return out


def build(
    session: Session,
    seed: int,
    count: int = COUNT,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write up to ``count`` pre-plans; returns how many."""
    rng = random.Random(seed * 7919 + 4)
    made = 0
    for unit, building in candidates(session)[:count]:
        parts = KEY_PARTS.get(building.use, DEFAULT_PARTS)
        floors = building.floors_above + building.floors_below
        day = max(20, int(floors * rng.randint(30, 90)))
        lead = unit.responsible_person or "值班负责人"
        payload = PrePlanCreate(
            unit_code=unit.code,
            building_code=building.code,
            title=f"{unit.name}灭火救援预案"[:200],
            structure="钢筋混凝土框架" if building.height_m >= 24 else "钢结构",
            occupants_day=day,
            occupants_night=max(2, day // rng.randint(8, 20)),
            key_parts=[{"name": n, "location": loc, "note": ""} for n, loc in parts],
            hazardous_materials=[
                {"name": n, "quantity": q, "location": loc, "note": ""}
                for n, q, loc in HAZARDS.get(building.use, [])
            ],
            sprinklers="湿式自动喷水灭火系统" if "sprinkler" in building.fire_systems else "",
            hydrant_system=f"室内消火栓每层 {rng.randint(2, 6)} 处；水泵接合器在主入口侧",
            pump_room="地下一层" if building.floors_below else "一层西侧",
            control_room="一层主入口旁，24 小时值班",
            attack_notes=(
                "登高车于登高操作场地展开；内攻经消防电梯和防烟楼梯间"
                if building.is_high_rise
                else "沿主通道设置水枪阵地，优先冷却相邻库区"
            ),
            evacuation_notes="利用两部疏散楼梯向室外安全区疏散；广播引导",
            forces=(
                "水罐消防车 3、举高消防车 1、抢险救援消防车 1"
                if building.is_high_rise
                else "水罐消防车 3、泡沫消防车 1"
            ),
            contacts=(
                [{"name": lead, "role": "消防安全责任人", "phone": unit.responsible_phone}]
                if unit.responsible_phone
                else []
            ),
        )
        preplans.create_preplan(session, DEMO_ACTOR, EVERYWHERE, payload)
        made += 1
        if progress:
            progress(1)
    return made
