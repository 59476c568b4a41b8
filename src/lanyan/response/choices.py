"""Enumerations of command and rescue (指挥救援): incident types, sources, timeline steps."""

from __future__ import annotations

from lanyan.registry.choices import Choice


class IncidentType(Choice):
    """警情类型 of a 119 call."""

    FIRE = ("fire", "火灾", "Fire", "#d62728")
    RESCUE = ("rescue", "抢险救援", "Emergency rescue", "#ff7f0e")
    SOCIAL_ASSISTANCE = ("social_assistance", "社会救助", "Social assistance", "#1f77b4")
    OFFICIAL_DUTY = ("official_duty", "公务执勤", "Official duty", "#9467bd")
    OTHER = ("other", "其他", "Other", "#7f7f7f")


class IncidentSource(Choice):
    """How the call reached the dispatch centre (接警来源)."""

    PHONE = ("phone", "电话报警", "Phone call")
    IOT_ALARM = ("iot_alarm", "物联网报警", "IoT fire alarm")
    TRANSFER_12345 = ("transfer_12345", "12345转警", "12345 hotline transfer")


class BuildingClass(Choice):
    """Building classes the run cards (调派标准) distinguish."""

    HIGH_RISE = ("high_rise", "高层建筑", "High-rise")
    UNDERGROUND = ("underground", "地下建筑", "Underground")
    LARGE_COMPLEX = ("large_complex", "大型综合体", "Large complex")
    FACTORY_WAREHOUSE = ("factory_warehouse", "厂房仓库", "Factory or warehouse")
    RESIDENTIAL = ("residential", "住宅", "Residential")
    OTHER = ("other", "其他", "Other")


class IncidentStatus(Choice):
    ACTIVE = ("active", "处置中", "Active", "#d62728")
    CLOSED = ("closed", "已结案", "Closed", "#7f7f7f")
    CANCELLED = ("cancelled", "已撤销", "Cancelled", "#9e9e9e")
    MERGED = ("merged", "已合并", "Merged into another", "#9e9e9e")


class CancelReason(Choice):
    """Why an incident is cancelled without a dispatch (撤销警情)."""

    FALSE_ALARM = ("false_alarm", "误报", "False alarm")
    DUPLICATE = ("duplicate", "重复", "Duplicate")
    HANDLED = ("handled", "已处置", "Already handled")


class CallKind(Choice):
    """One report of an incident (报警): a call taken by hand or an IoT fire alarm."""

    CALL = ("call", "电话报警", "Call")
    ALARM = ("alarm", "物联网报警", "IoT alarm")


class IncidentAction(Choice):
    """What may be done to an incident (警情处置); :mod:`.lifecycle` holds the rules."""

    EDIT = ("edit", "修改", "Edit")
    ADD_CALL = ("add_call", "多次报警", "Add a call")
    MERGE = ("merge", "合并", "Merge")
    CANCEL = ("cancel", "撤销", "Cancel")
    LEVEL = ("level", "调整等级", "Change level")
    DISPATCH = ("dispatch", "调派/增派", "Dispatch")
    STEP = ("step", "记录时间线", "Record a step")


class TimelineStep(Choice):
    """Timeline steps of an incident, in the order they happen (接警 first, 归队 last)."""

    RECEIVED = ("received", "接警", "Call received")
    DISPATCHED = ("dispatched", "出动", "Dispatched")
    ARRIVED = ("arrived", "到场", "Arrived")
    WATER_ON = ("water_on", "出水", "Water on")
    CONTROLLED = ("controlled", "控制", "Under control")
    EXTINGUISHED = ("extinguished", "熄灭", "Extinguished")
    RETURNED = ("returned", "归队", "Returned to station")
    # Entries the reinforcement workflow (跨区增援) writes; they note facts and take no place in
    # the order of the steps above (see ``timeline.NOTES``).
    REINFORCEMENT_REQUESTED = ("reinf_requested", "增援请求", "Reinforcement requested")
    REINFORCEMENT_APPROVED = ("reinf_approved", "增援批准", "Reinforcement approved")
    REINFORCEMENT_REFUSED = ("reinf_refused", "增援拒绝", "Reinforcement refused")
    REINFORCEMENT_CANCELLED = ("reinf_cancelled", "增援撤回", "Reinforcement cancelled")
    # Entries of the incident's lifecycle (:mod:`.lifecycle`): facts, not steps either.
    EDITED = ("edited", "修改警情", "Incident edited")
    CALL_ADDED = ("call_added", "多次报警", "Further call")
    MERGED_IN = ("merged_in", "并入警情", "Incident merged in")
    MERGED_INTO = ("merged_into", "合并至", "Merged into")
    CANCELLED = ("cancelled", "撤销警情", "Incident cancelled")
    LEVEL_CHANGED = ("level_changed", "调整等级", "Alarm level changed")


STEP_ORDER = {step: i for i, step in enumerate(TimelineStep)}


class ReinforcementState(Choice):
    """State of a cross-jurisdiction reinforcement request (跨区增援请求)."""

    PENDING = ("pending", "待审批", "Awaiting approval", "#ff7f0e")
    APPROVED = ("approved", "已批准", "Approved", "#2ca02c")
    REFUSED = ("refused", "已拒绝", "Refused", "#d62728")
    CANCELLED = ("cancelled", "已撤回", "Cancelled", "#7f7f7f")
    DISPATCHED = ("dispatched", "已出动", "Dispatched", "#1f77b4")


class ReinforcementAction(Choice):
    """What may be done to a reinforcement request once it is sent."""

    APPROVE = ("approve", "批准", "Approve")
    REFUSE = ("refuse", "拒绝", "Refuse")
    CANCEL = ("cancel", "撤回", "Cancel")
    DISPATCH = ("dispatch", "调派", "Dispatch")


class CrewStatus(Choice):
    """A vehicle's status on one dispatch (车辆作战状态), reported from the crew terminal
    (移动作战终端) in this order; :mod:`.crew` holds the rules."""

    ASSIGNED = ("assigned", "已调派", "Assigned", "#9e9e9e")
    TURNED_OUT = ("turned_out", "出动", "Turned out", "#d62728")
    EN_ROUTE = ("en_route", "途中", "En route", "#ff7f0e")
    ARRIVED = ("arrived", "到场", "On scene", "#9467bd")
    WATER_ON = ("water_on", "出水", "Water on", "#1f77b4")
    CONTROLLED = ("controlled", "控制", "Under control", "#17becf")
    RETURNING = ("returning", "返回", "Returning", "#8c564b")
    BACK = ("back", "归队", "Back at station", "#2ca02c")
