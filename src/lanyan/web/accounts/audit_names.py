"""Words for the audit log page (审计日志): the domains' audited object types and actions.

The registry's own types are named by ``registry.types``; these are the other things the domains
write to the audit chain. A slug or action missing here is shown as it is stored.
"""

from __future__ import annotations

from lanyan.logistics.choices import ItemAction, StockReason
from lanyan.prevention.choices import DocumentAction, HazardAction
from lanyan.registry.choices import Choice
from lanyan.stats.choices import CaseAction

OBJECT_TYPES: dict[str, tuple[str, str]] = {
    "users": ("用户", "Users"),
    "incidents": ("警情", "Incidents"),
    "fire-records": ("火灾统计记录", "Fire records"),
    "investigations": ("火灾调查", "Fire investigations"),
    "preplans": ("数字化预案", "Pre-incident plans"),
    "hazards": ("隐患", "Hazards"),
    "inspections": ("现场检查", "Inspections"),
    "inspectors": ("执法人员", "Inspectors"),
    "enforcement": ("行政执法", "Enforcement"),
    "complaints": ("投诉举报", "Complaints"),
    "draws": ("双随机抽查", "Random draws"),
    "credit": ("信用记录", "Credit records"),
    "documents": ("执法文书", "Enforcement documents"),
    "commitments": ("消防安全承诺", "Safety commitments"),
    "attachments": ("证据材料", "Attachments"),
    "recusals": ("回避", "Recusals"),
    "risk": ("风险评估", "Risk assessment"),
    "patrols": ("巡查", "Patrols"),
    "checkpoints": ("巡查点", "Patrol checkpoints"),
    "patrol-duties": ("巡查责任", "Patrol duties"),
    "grid-tasks": ("网格巡查任务", "Grid patrol tasks"),
    "people": ("人员", "People"),
    "certifications": ("资格证书", "Certifications"),
    "trainings": ("培训记录", "Trainings"),
    "health-checks": ("健康体检", "Health checks"),
    "events": ("宣传教育活动", "Outreach events"),
    "volunteer-participations": ("志愿者参与", "Volunteer participation"),
    "open-days": ("消防站开放日", "Station open days"),
    "surveys": ("知晓率调查", "Awareness surveys"),
    "monitoring_alarms": ("报警记录", "Alarms"),
    "monitoring_outbox": ("报警推送", "Alarm notifications"),
    "monitoring_quarantine": ("设备隔离区", "Quarantine"),
    "maintenance_contracts": ("维保合同", "Maintenance contracts"),
    "maintenance_records": ("月度维护保养记录", "Monthly maintenance records"),
    "maintenance_reports": ("年度检测报告", "Annual test reports"),
    "plan-adoptions": ("规划采用", "Plan adoptions"),
    "plan-manual-entries": ("规划人工填报", "Plan manual entries"),
    "plan-progress": ("规划实施进度", "Plan progress"),
    "plan-assessment-weights": ("规划考核权重", "Plan assessment weights"),
    "depots": ("仓库", "Depots"),
    "equipment-kinds": ("装备类型", "Equipment kinds"),
    "equipment-requirements": ("装备配备标准", "Equipment requirements"),
    "equipment-items": ("装备", "Equipment items"),
    "supply-kinds": ("物资种类", "Supply kinds"),
    "supply-lots": ("物资批次", "Supply lots"),
    "support-modules": ("保障模块", "Support modules"),
    "module-dispatches": ("模块调派", "Module dispatches"),
}

# Actions whose words depend on what they act on: the domains' own choice lists.
ACTIONS_BY_TYPE: dict[str, type[Choice]] = {
    "hazards": HazardAction,
    "investigations": CaseAction,
    "equipment-items": ItemAction,
    "supply-lots": StockReason,
    "documents": DocumentAction,
}

ACTIONS: dict[str, tuple[str, str]] = {
    "demo": ("演示数据", "demo data"),
    "found": ("发现隐患", "found"),
    "timeline": ("记录时间节点", "timeline step"),
    "announce": ("公示", "announce"),
    "draw": ("抽取", "draw"),
    "compute": ("计算", "compute"),
    "confirm": ("确认火警", "confirm fire"),
    "false_alarm": ("误报", "false alarm"),
    "acknowledge": ("确认收到", "acknowledge"),
    "accept": ("受理", "accept"),
    "reject": ("驳回", "reject"),
    "attach": ("附加", "attach"),
    "detach": ("移除附件", "detach"),
    "add-evidence": ("添加证据", "add evidence"),
    "add-responsibility": ("认定责任", "add responsibility"),
    "blacklist": ("列入黑名单", "blacklist"),
    "unblacklist": ("移出黑名单", "remove from blacklist"),
    "check": ("检查", "check"),
    "checklist": ("检查清单", "checklist"),
    "custody": ("保管", "custody"),
    "dispatch": ("调派", "dispatch"),
    "flag-impact": ("标记影响", "flag impact"),
    "lift": ("解除", "lift"),
    "open": ("开启", "open"),
    "release": ("放行", "release"),
    "repair": ("维修", "repair"),
    "return": ("归还", "return"),
    "undeliverable": ("无法送达", "undeliverable"),
    "start": ("开始", "start"),
    "scan": ("扫码", "scan"),
    "finish": ("完成", "finish"),
    "done": ("完成", "done"),
    "close": ("关闭", "close"),
}


def object_type(slug: str, lang: str) -> str | None:
    pair = OBJECT_TYPES.get(slug)
    return pair[0 if lang == "zh" else 1] if pair else None


def action(name: str, slug: str, lang: str) -> str | None:
    """``name`` in ``lang`` as done to a ``slug`` record; None when there are no words for it."""
    enum = ACTIONS_BY_TYPE.get(slug)
    if enum is not None and name in enum._value2member_map_:
        return enum(name).label(lang)
    pair = ACTIONS.get(name)
    return pair[0 if lang == "zh" else 1] if pair else None
