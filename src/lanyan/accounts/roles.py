"""Roles and what each may read and write. Authorisation is this one table, checked in one place."""

from __future__ import annotations

from lanyan.registry.choices import Choice


class Role(Choice):
    ADMIN = ("admin", "系统管理员", "Administrator")
    COMMANDER = ("commander", "指挥员", "Commander")
    DISPATCHER = ("dispatcher", "调度员", "Dispatcher")
    PREVENTION_OFFICER = ("prevention_officer", "防火监督员", "Fire prevention officer")
    UNIT_MANAGER = ("unit_manager", "单位管理人", "Unit safety manager")
    # Bound to units like the unit manager: sees its units' alarms first and confirms them on
    # site (现场确认); the centre still decides.
    CONTROL_ROOM_OPERATOR = ("control_room_operator", "消控室值班员", "Control-room operator")
    GRID_WORKER = ("grid_worker", "网格员", "Grid worker")
    GOVERNMENT_VIEWER = ("government_viewer", "政府查看", "Government viewer")
    # 宣传 (publicity department): public-opinion alerts (舆情) and outreach.
    PUBLICITY = ("publicity", "宣传干事", "Publicity officer")


ALL = "*"

# Object types each role may change. Every role may read every registry type inside its scope,
# except the unit-side roles, which read only what their work needs.
WRITE: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset({ALL}),
    Role.COMMANDER: frozenset(
        {
            "stations",
            "vehicles",
            "personnel",
            "water-sources",
            "fire-lanes",
            "roads",
            "landmarks",
            "incidents",
            "equipment",
            "supplies",
            "supply-dispatch",
            "plans",
            "preplans",
            "alarms",
            "quarantine",
            "duty-checks",
            "planning",
            "people",
            "outreach",
            "fire-records",
            "investigations",
        }
    ),
    # The centre's dispatchers and commanders send remote duty checks (查岗, "duty-checks");
    # a control room answers them under "duty".
    # Dispatchers close incidents and make the fire record or 简易登记 that goes with it.
    # Dispatchers and commanders handle alarms (火警确认 / 误报) and the quarantine of unknown
    # senders; prevention officers bind senders to the devices they register.
    # Dispatchers keep the landmarks (地标) callers name, as they learn them.
    Role.DISPATCHER: frozenset(
        {
            "landmarks",
            "vehicles",
            "incidents",
            "supply-dispatch",
            "alarms",
            "quarantine",
            "duty-checks",
            "fire-records",
        }
    ),
    Role.PREVENTION_OFFICER: frozenset(
        {
            "units",
            "buildings",
            "fire-lanes",
            "devices",
            "grids",
            "grid-workers",
            "inspections",
            "hazards",
            "draws",
            "plans",
            "patrols",
            "patrol-admin",
            "unit-files",
            "risk",
            "enforcement",
            "complaints",
            "credit",
            "commitments",
            "commitment-checks",
            "quarantine",
            "planning",
            "outreach",
            "fire-records",
            "investigations",  # 火灾调查 sits with fire prevention (防火监督)
            # 法制审核 of penalty and seal-up decisions (prevention/documents.py): any officer
            # but the case's own; administrators have it through "*".
            "legal-review",
            "maintenance-companies",  # 维保单位 and their certificates (GB 25201)
        }
    ),
    # A unit manager submits the unit's 告知承诺 (commitment) before a place opens, and closes
    # its own hazards' loop (rectification: 开始整改, 整改照片, 申请复查; the authority's steps
    # stay with "hazards").
    Role.UNIT_MANAGER: frozenset(
        {
            "buildings",
            "devices",
            "fire-lanes",
            "patrols",
            "commitments",
            "rectification",
            "work-orders",
            "unit-files",  # the unit's file: filing fields and the monthly fire check
            "maintenance",  # 维保: contracts, monthly records, the annual test report
        }
    ),
    # 维修工单: the unit's manager and control room open a repair from a fault and close it.
    Role.CONTROL_ROOM_OPERATOR: frozenset({"alarm-site", "duty", "work-orders"}),
    Role.GRID_WORKER: frozenset({"water-sources", "fire-lanes", "patrols"}),
    Role.GOVERNMENT_VIEWER: frozenset(),
    # 舆情: marks public-opinion alerts handled ("opinion"); the feeds are the admin's.
    Role.PUBLICITY: frozenset({"opinion", "outreach"}),
}

_UNIT_SIDE_READ = frozenset(
    {
        "jurisdictions",
        "grids",
        "units",
        "buildings",
        "devices",
        "fire-lanes",
        "water-sources",
        "stations",
        "roads",
        "maintenance-companies",  # to pick the company of a maintenance contract
        # CAP weather warnings in force (气象预警): public facts, the map layer of every role.
        "weather-warnings",
    }
)
READ: dict[Role, frozenset[str]] = {
    # "monitoring": devices' status and the per-unit figures (not the alarm desk itself).
    Role.UNIT_MANAGER: _UNIT_SIDE_READ
    | {
        "hazards",
        "patrols",
        "commitments",
        "credit",
        "monitoring",
        "work-orders",
        "unit-files",
        "maintenance",
    },
    Role.GRID_WORKER: _UNIT_SIDE_READ | {"grid-workers", "patrols", "risk"},
    # "alarms": its units' alarms (the desk's list and feed, scoped to the bound units).
    Role.CONTROL_ROOM_OPERATOR: _UNIT_SIDE_READ
    | {"alarms", "monitoring", "alarm-site", "duty", "work-orders"},
    Role.PUBLICITY: frozenset(
        {"jurisdictions", "units", "stations", "roads", "weather-warnings", "opinion", "outreach"}
    ),
}


def can_read(role: str, slug: str) -> bool:
    allowed = READ.get(Role(role))
    return allowed is None or slug in allowed or ALL in allowed


def can_write(role: str, slug: str) -> bool:
    allowed = WRITE[Role(role)]
    return ALL in allowed or slug in allowed


def can_manage_users(role: str) -> bool:
    return Role(role) is Role.ADMIN
