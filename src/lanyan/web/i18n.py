"""The web UI's message catalogue (zh-CN first, English second) and the language choice.

Choice labels come from the enums' ``.zh``/``.en`` and object-type names from ``ObjectType``;
this module holds only the words of the pages themselves and the field labels.
"""

from __future__ import annotations

import re
from typing import Literal

from fastapi import Request

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")
LANG_COOKIE = "lanyan_lang"

MESSAGES: dict[str, tuple[str, str]] = {
    "product": ("蓝焰智慧消防平台", "Lanyan Smart Fire Platform"),
    "product_short": ("蓝焰", "Lanyan"),
    "tagline": ("消防大数据中心 · 一张图", "Fire data centre · one map"),
    "switch_language": ("English", "中文"),
    # every file input's button and "no file" words (static/js/page.js): Chromium draws its
    # own "Choose File" in the browser's language, whatever the page's
    "file_choose": ("选择文件", "Choose file"),
    "file_none": ("未选择文件", "No file chosen"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "sign_in_title": ("用户登录", "Sign in"),
    "sign_in_hint": ("请使用本单位分配的账号登录。", "Use the account your service issued to you."),
    "wrong_password": ("用户名或密码错误。", "The username or password is wrong."),
    "login_throttled": (
        "登录失败次数过多，请于 {until}（北京时间）后再试。",
        "Too many failed log-ins: try again after {until} (Asia/Shanghai).",
    ),
    "signed_out": ("您已安全退出。", "You have signed out."),
    "nav_map": ("一张图", "One map"),
    "nav_registry": ("基础数据", "Registry"),
    "nav_admin": ("系统管理", "Administration"),
    "nav_users": ("用户管理", "Users"),
    "nav_audit": ("审计日志", "Audit log"),
    "nav_docs": ("接口文档", "API docs"),
    "jurisdiction": ("辖区", "Jurisdiction"),
    "role": ("角色", "Role"),
    "layers": ("图层", "Layers"),
    "legend": ("图例", "Legend"),
    "loading": ("加载中…", "Loading…"),
    "load_failed": ("图层加载失败", "Layer failed to load"),
    "map_hidden": ("（另有 {n} 个未显示，请放大地图）", " ({n} more not shown: zoom in)"),
    "layer_jurisdictions": ("行政区划边界", "Jurisdiction boundaries"),
    "layer_roads": ("道路", "Roads"),
    "layer_stations": ("消防站", "Fire stations"),
    "layer_water-sources": ("消防水源", "Water sources"),
    "layer_units": ("社会单位", "Units"),
    "legend_station_status": ("消防站（按状态）", "Stations by status"),
    "legend_water_status": ("消防水源（按状态）", "Water sources by status"),
    "legend_unit_category": ("社会单位（按类别）", "Units by category"),
    "legend_road_class": ("道路（按等级）", "Roads by class"),
    "view_detail": ("查看详情", "Open details"),
    "fit_home": ("回到本辖区", "Back to my jurisdiction"),
    "no_tiles_note": (
        "底图为本辖区道路与边界（离线，无互联网瓦片）。",
        "Basemap: the region's own roads and boundaries (offline, no internet tiles).",
    ),
    "search": ("搜索", "Search"),
    "search_placeholder": ("编码、名称或地址", "Code, name or address"),
    "filter": ("筛选", "Filter"),
    "picker_placeholder": ("输入名称或代码搜索…", "Type a name or code to search…"),
    "picker_none": ("无匹配", "No match"),
    "picker_more": ("加载更多", "Load more"),
    "picker_failed": ("搜索失败，请重试", "Search failed; try again"),
    "reset": ("重置", "Reset"),
    "any": ("全部", "Any"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "create": ("新增", "New"),
    "edit": ("编辑", "Edit"),
    "delete": ("删除", "Delete"),
    "save": ("保存", "Save"),
    "cancel": ("取消", "Cancel"),
    "back_to_list": ("返回列表", "Back to list"),
    "total_rows": ("共 {total} 条", "{total} rows"),
    "page_of": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "no_rows": ("没有符合条件的记录。", "No records match."),
    "new_title": ("新增{type}", "New: {type}"),
    "edit_title": ("编辑{type}：{code}", "Edit {type}: {code}"),
    "required": ("必填", "required"),
    "form_has_errors": (
        "提交的内容有误，请按提示修改。",
        "Please correct the fields marked below.",
    ),
    "saved": ("已保存。", "Saved."),
    "deleted": ("已删除。", "Deleted."),
    "confirm_delete_title": ("确认删除", "Confirm deletion"),
    "confirm_delete_text": (
        "确定删除{type}「{code}」吗？此操作会记入审计日志，且不可撤销。",
        "Delete {type} “{code}”? This is recorded in the audit log and cannot be undone.",
    ),
    "geometry_hint": (
        "GeoJSON 几何对象（WGS84 经纬度）",
        "A GeoJSON geometry (WGS84 longitude/latitude)",
    ),
    "location": ("位置", "Location"),
    "bad_filter": ("筛选条件无效，已忽略：{detail}", "Invalid filter ignored: {detail}"),
    "users_title": ("用户管理", "Users"),
    "audit_title": ("审计日志", "Audit log"),
    "audit_chain_note": (
        "每条记录以哈希链与上一条相连，任何篡改都可被 `lanyan audit verify` 发现。",
        "Entries are hash-chained; `lanyan audit verify` detects any tampering.",
    ),
    "display_name": ("姓名", "Name"),
    "active": ("启用", "Active"),
    "language": ("语言", "Language"),
    "seq": ("序号", "Seq"),
    "time": ("时间", "Time"),
    "actor": ("操作人", "Actor"),
    "action": ("操作", "Action"),
    "object_type": ("对象类型", "Object type"),
    "object_id": ("对象 ID", "Object id"),
    "audit_record": ("记录", "Record"),
    "audit_changed": ("变更字段", "Changed fields"),
    "hash": ("哈希", "Hash"),
    "error_title": ("出错了", "Something went wrong"),
    "error_404": (
        "页面或记录不存在，或不在您的辖区内。",
        "Not found, or outside your jurisdiction.",
    ),
    "error_403": ("您的角色无权执行此操作。", "Your role may not do this."),
    "error_413": (
        "上传内容超过大小上限：请缩小文件或分批上传。",
        "The upload is over its size limit: make the file smaller or send it in parts.",
    ),
    "error_500": (
        "服务器未能完成请求，错误已记录。",
        "The server could not finish this request; it was logged.",
    ),
    "error_not_saved": (
        "数据库未能保存本次修改，没有任何内容被保存，请重试。",
        "The database did not save this change; nothing was saved: try again.",
    ),
    "error_db_empty": (
        "数据库尚未初始化：请在服务器上运行 lanyan init。",
        "The database has no tables: run lanyan init on the server.",
    ),
    "error_db_outdated": (
        "数据库结构版本与本系统不一致：请在服务器上运行 lanyan init 升级。",
        "The database schema is at another version: run lanyan init on the server to migrate.",
    ),
    "error_db_unreachable": (
        "无法连接数据库：请检查 LANYAN_DATABASE_URL 及数据库服务是否运行。",
        "Cannot reach the database: check LANYAN_DATABASE_URL and that the database runs.",
    ),
    "back_home": ("返回首页", "Back to the map"),
    "timezone_note": ("时间为北京时间", "Times in Asia/Shanghai"),
    "nav_plans": ("规划评估", "Plans"),
    "plans_title": ("消防规划评估", "Fire plan evaluation"),
    "plan_period": ("规划期", "Plan period"),
    "plan_adopted_by": ("采用辖区", "Adopted by"),
    "plan_not_adopted": ("本辖区尚未采用", "Not adopted in your area"),
    "plan_indicators": ("指标", "Indicators"),
    "plan_projects": ("重点项目", "Projects"),
    "plan_year": ("评估年度", "Year"),
    "plan_show": ("查看", "Show"),
    "plan_status_summary": ("指标状态", "Indicator status"),
    "plan_trend": ("指标趋势", "Indicator trend"),
    "plan_gantt": ("项目进度（甘特图）", "Projects (Gantt)"),
    "plan_report_xlsx": ("下载评估报告（XLSX）", "Report (XLSX)"),
    "plan_report_html": ("打印版评估报告", "Printable report"),
    "plan_manual": ("人工填报", "entered by hand"),
}

ACTIONS: dict[str, tuple[str, str]] = {
    "create": ("新增", "create"),
    "update": ("修改", "update"),
    "delete": ("删除", "delete"),
    "import": ("导入", "import"),
    "login": ("登录", "log-in"),
    "lock": ("锁定", "lock"),
}

# Labels of the registry's fields, units included ("every user-facing number says its unit").
FIELDS: dict[str, tuple[str, str]] = {
    "id": ("ID", "ID"),
    "code": ("编码", "Code"),
    "name": ("名称", "Name"),
    "level": ("级别", "Level"),
    "parent_code": ("上级区划", "Parent"),
    "area_km2": ("面积（km²）", "Area (km²)"),
    "boundary": ("边界", "Boundary"),
    "lon": ("经度（°）", "Longitude (°)"),
    "lat": ("纬度（°）", "Latitude (°)"),
    "jurisdiction_code": ("所属辖区", "Jurisdiction"),
    "year": ("年份", "Year"),
    "population": ("人口（人）", "Population (people)"),
    "is_assumed": ("估算值", "Assumed"),
    "source": ("来源", "Source"),
    "phone": ("电话", "Phone"),
    "grid_code": ("所属网格", "Grid"),
    "category": ("类别", "Category"),
    "address": ("地址", "Address"),
    "aliases": ("别名/曾用名", "Aliases / former names"),
    "responsible_person": ("消防安全责任人", "Responsible person"),
    "responsible_phone": ("责任人电话", "Responsible person's phone"),
    "manager_person": ("消防安全管理人", "Safety manager"),
    "manager_phone": ("管理人电话", "Safety manager's phone"),
    "employees": ("从业人数（人）", "Employees (people)"),
    "unit_code": ("所属单位", "Unit"),
    "height_m": ("建筑高度（m）", "Height (m)"),
    "floors_above": ("地上层数", "Floors above ground"),
    "floors_below": ("地下层数", "Floors below ground"),
    "use": ("使用性质", "Use"),
    "fire_systems": ("消防设施", "Fire systems"),
    "built_year": ("建成年份", "Year built"),
    "is_high_rise": ("高层建筑", "High-rise"),
    "station_class": ("站级", "Station class"),
    "local_class": ("地方分级", "Local class"),
    "force_type": ("队伍性质", "Force type"),
    "status": ("状态", "Status"),
    "planned_year": ("规划年份", "Planned year"),
    "opened_on": ("投入使用日期", "Opened on"),
    "plate": ("车牌号", "Plate"),
    "vehicle_type": ("车辆类型", "Vehicle type"),
    "station_code": ("所属消防站", "Station"),
    "pump_flow_lps": ("泵流量（L/s）", "Pump flow (L/s)"),
    "water_tank_l": ("水罐容量（L）", "Water tank (L)"),
    "foam_tank_l": ("泡沫罐容量（L）", "Foam tank (L)"),
    "ladder_height_m": ("举高高度（m）", "Ladder height (m)"),
    "crew_seats": ("乘员座位（个）", "Crew seats"),
    "in_service_year": ("列装年份", "In service since"),
    "count": ("人数（人）", "Count (people)"),
    "as_of": ("统计日期", "As of"),
    "kind": ("类型", "Kind"),
    "pressure_mpa": ("压力（MPa）", "Pressure (MPa)"),
    "flow_lps": ("流量（L/s）", "Flow (L/s)"),
    "capacity_m3": ("容量（m³）", "Capacity (m³)"),
    "is_smart": ("智能监测", "Smart monitoring"),
    "installed_year": ("安装年份", "Year installed"),
    "last_inspected_on": ("最近检查日期", "Last inspected on"),
    "geometry": ("几何", "Geometry"),
    "width_m": ("宽度（m）", "Width (m)"),
    "clearance_m": ("净空高度（m）", "Clear height (m)"),
    "is_marked": ("已标识（划线、标名、立牌）", "Marked"),
    "protocol": ("通信协议", "Protocol"),
    "building_code": ("所属建筑", "Building"),
    "water_source_code": ("关联水源", "Water source"),
    "installed_on": ("安装日期", "Installed on"),
    "road_class": ("道路等级", "Road class"),
    "cert_number": ("资质证书编号", "Certificate number"),
    "cert_level": ("资质等级", "Certificate grade"),
    "cert_valid_until": ("资质有效期至", "Certificate valid until"),
    "speed_kmh": ("设计车速（km/h）", "Speed (km/h)"),
    "oneway": ("单行", "One-way"),
    "created_at": ("创建时间", "Created"),
    "updated_at": ("更新时间", "Updated"),
}

# A field whose meaning differs by type gets its own label here: (slug, field) -> labels.
TYPE_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("units", "code"): ("统一社会信用代码", "Unified social credit code"),
    ("maintenance-companies", "code"): ("统一社会信用代码", "Unified social credit code"),
    ("vehicles", "code"): ("车辆编号", "Fleet number"),
    ("devices", "code"): ("设备编号", "Device serial"),
    ("jurisdictions", "code"): ("区划代码（GB/T 2260）", "Division code (GB/T 2260)"),
    ("grid-workers", "name"): ("姓名", "Name"),
}


# Chinese wording of the validation rules people meet most; other rules show as written.
RULES_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"^Field required$", "必填"),
        (r"^must be unique$", "已存在，编码不能重复"),
        (r"^must be unique \(already in the database\)$", "已存在，编码不能重复"),
        (r"^is outside your jurisdiction$", "不在您的辖区内"),
        (r"^is not a field of this object type$", "不是此类对象的字段"),
        (r"^Input should be less than or equal to (.+)$", r"应不大于 \1"),
        (r"^Input should be less than (.+)$", r"应小于 \1"),
        (r"^Input should be greater than or equal to (.+)$", r"应不小于 \1"),
        (r"^Input should be greater than (.+)$", r"应大于 \1"),
        (r"^Input should be a valid number.*$", "应为数字"),
        (r"^Input should be a valid integer.*$", "应为整数"),
        (r"^Input should be a valid date.*$", "应为日期（年-月-日）"),
        (r"^String should match pattern .*$", "格式不正确"),
        (r"^String should have at most (\d+) characters?$", r"最多 \1 个字符"),
        (r"^String should have at least (\d+) characters?$", r"至少 \1 个字符"),
        (r"^Input should be (('[^']*'(, | or )?)+)$", r"应为以下之一：\1"),
        (r"^no (\w+) row has code (.+)$", r"编码 \2 不存在"),
        (r"^is still referenced by other records.*$", "仍被其他记录引用，请先处理这些记录"),
        # Files and forms of the public portal (公众服务).
        (
            r"^must be a PDF or image \(JPEG, PNG, WebP\) \(got .*\)$",
            "须为 PDF 文件或图片（JPEG、PNG、WebP），所选文件格式不符",
        ),
        (
            r"^must be a image \(JPEG, PNG, WebP\) \(got .*\)$",
            "须为图片（JPEG、PNG、WebP），所选文件格式不符",
        ),
        (
            r"^must be one of image/jpeg, image/png, image/webp \(got .*\)$",
            "须为图片（JPEG、PNG、WebP），所选文件格式不符",
        ),
        (r"^must be at most (\d+) MiB$", r"不得超过 \1 MiB"),
        (r"^must be at most (\d+) bytes$", r"不得超过 \1 字节"),
        (r"^must not be empty$", "文件为空"),
        (r"^is required: (.+) \(PDF or image\)$", r"须上传\1（PDF 文件或图片）"),
        (
            r"^must be the 统一社会信用代码 of a registered unit$",
            "须为已登记单位的统一社会信用代码",
        ),
        (r"^the commitment must be accepted \(勾选承诺\)$", "须勾选承诺"),
        (r"^must not be before today$", "不得早于今天"),
        (r"^must not be in the future$", "不得晚于当前时间"),
        (r"^must be a code from the places list$", "须从区域列表中选择"),
        (r"^Input should be a valid datetime.*$", "应为日期和时间"),
        (r"^at most (\d+) photos$", r"最多 \1 张照片"),
        (r"^is required when rejecting$", "不予受理时须写明理由"),
        (r"^must be the 文号 of a (.+) decision in force$", r"须为生效的\1决定书文号"),
    )
)


def add_messages(extra: dict[str, tuple[str, str]]) -> None:
    """Add a page package's own messages to the catalogue (each domain's pages keep their words
    beside them; ``lanyan.web.routes.install`` adds them, never a module at import time). A key
    already taken with other words is a programming error."""
    for key, pair in extra.items():
        if MESSAGES.get(key, pair) != pair:
            raise ValueError(f"message key {key!r} is already defined with other words")
    MESSAGES.update(extra)


def rule_text(rule: str, lang: str) -> str:
    """A validation rule in ``lang``: translated when it is a common one, else as written."""
    if lang != "zh":
        return rule
    for pattern, zh in RULES_ZH:
        if pattern.match(rule):
            return pattern.sub(zh, rule)
    return rule


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def message(key: str, lang: str, **values: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``values``."""
    text = pick(MESSAGES[key], lang)
    return text.format(**values) if values else text


def field_label(slug: str, name: str, lang: str) -> str:
    pair = TYPE_FIELDS.get((slug, name)) or FIELDS.get(name)
    return pick(pair, lang) if pair else name


def language_of(request: Request, default: str) -> Lang:
    """The language chosen in the cookie, else ``default`` (the user's or the deployment's)."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen  # type: ignore[return-value]
    return "en" if default == "en" else "zh"
