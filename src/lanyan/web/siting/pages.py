"""The siting what-if page (站点选址推演) and the planning layers of the "一张图" map.

The page is a shell: its script calls ``/api/planning/*`` for coverage, what-if changes,
siting runs and hydrant gaps, so the page and the API show the same numbers.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep
from lanyan.registry import service as registry_service
from lanyan.siting.routes import SLUG, reader
from lanyan.web.map.layers import home_of
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(include_in_schema=False)

WORDS: dict[str, tuple[str, str]] = {
    "nav_planning": ("选址推演", "Siting what-if"),
    "planning_title": ("消防站选址推演", "Fire station siting what-if"),
    "planning_intro": (
        "点击地图增减或移动消防站，查看五分钟覆盖的变化；运行最大覆盖选址求出最优新站点。",
        "Click the map to add, move or remove stations and see the 5-minute coverage change; "
        "run maximal covering to find the best new sites.",
    ),
    "planning_mode": ("操作", "Action"),
    "planning_mode_add": ("添加站点", "Add station"),
    "planning_mode_move": ("移动站点", "Move station"),
    "planning_mode_remove": ("删除站点", "Remove station"),
    "planning_reset": ("撤销全部", "Undo all"),
    "planning_hint_add": ("在地图上点击新站位置", "Click the map where the new station goes"),
    "planning_hint_move": (
        "先点击要移动的站，再点击新位置",
        "Click a station, then its new position",
    ),
    "planning_hint_remove": ("点击要删除的站", "Click the station to remove"),
    "planning_figures": ("五分钟覆盖", "5-minute coverage"),
    "planning_before": ("现状", "Now"),
    "planning_after": ("推演后", "After"),
    "planning_change": ("变化", "Change"),
    "planning_population": ("覆盖人口", "Population covered"),
    "planning_area": ("覆盖面积", "Area covered"),
    "planning_key_units": ("重点单位", "Key units covered"),
    "planning_layers": ("图层", "Layers"),
    "planning_layer_areas": ("服务范围", "Service areas"),
    "planning_layer_uncovered": ("未覆盖需求", "Uncovered demand"),
    "planning_layer_gaps": ("消火栓缺口", "Hydrant gaps"),
    "planning_layer_proposed": ("拟建消火栓", "Proposed hydrants"),
    "planning_mclp": ("最大覆盖选址 (MCLP)", "Maximal covering (MCLP)"),
    "planning_p": ("新建站数 p", "New stations p"),
    "planning_run": ("运行选址", "Run siting"),
    "planning_use_sites": ("加入推演", "Add to what-if"),
    "planning_running": ("计算中", "Running"),
    "planning_chosen": ("选出站址", "Chosen sites"),
    "planning_gap": ("最优性间隙", "Optimality gap"),
    "planning_share": ("人口覆盖率", "Population covered"),
    "planning_gaps_summary": ("未覆盖路段", "Uncovered road"),
    "planning_stage_queued": ("排队", "queued"),
    "planning_stage_candidates": ("生成候选站址", "candidate sites"),
    "planning_stage_matrix": ("计算行车时间", "travel times"),
    "planning_stage_solving": ("求解 (HiGHS)", "solving (HiGHS)"),
    "planning_stage_report": ("整理结果", "report"),
    "planning_stage_done": ("完成", "done"),
    "planning_stage_failed": ("失败", "failed"),
    "planning_station": ("消防站", "Station"),
    "planning_new_station": ("推演新站", "What-if station"),
    "planning_minutes": ("分钟", "min"),
    "planning_km2": ("平方公里", "km²"),
    "planning_people": ("人", "people"),
}


def page_text(ui: Ui) -> dict[str, str]:
    """The page words the script needs, in the user's language."""
    return {key.removeprefix("planning_"): ui.t(key) for key in WORDS}


@router.get("/planning", response_class=HTMLResponse)
def planning_page(
    request: Request, session: SessionDep, user: Annotated[CurrentUser, reader]
) -> HTMLResponse:
    ui = ui_for(request, user)
    settings = request.app.state.settings
    config: dict[str, Any] = {
        "home": home_of(registry_service.jurisdiction(session, user.jurisdiction_id)),
        "tileUrl": settings.tile_url,
        "tileAttribution": settings.tile_attribution,
        "minutes": 5,
        "turnoutMinutes": 1,
        "cellM": 500,
        "text": page_text(ui),
    }
    return render(request, "siting/whatif.html", user, config=config)


def map_panel_config(ui: Ui, role: str) -> dict[str, Any] | None:
    """The planning layers' switches on the "一张图" map, for roles that may read them."""
    from lanyan.accounts import roles

    if not roles.can_read(role, SLUG):
        return None
    return {"text": page_text(ui)}
