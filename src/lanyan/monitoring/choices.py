"""Monitoring enumerations (stable lowercase values, zh-CN and English labels)."""

from __future__ import annotations

from lanyan.registry.choices import Choice


class QuarantineStatus(Choice):
    PENDING = ("pending", "待处理", "Pending", "#ff7f0e")
    ACCEPTED = ("accepted", "已接纳", "Accepted", "#2ca02c")
    REJECTED = ("rejected", "已拒绝", "Rejected", "#7f7f7f")


class SignalKind(Choice):
    """What a device reported, read from a decoded frame (see ``signals.signals_from``)."""

    FIRE = ("fire", "火警", "Fire alarm", "#d62728")
    FAULT = ("fault", "故障", "Fault", "#ff7f0e")
    SUPERVISORY = ("supervisory", "监管", "Supervisory", "#9467bd")
    FEEDBACK = ("feedback", "反馈", "Feedback", "#1f77b4")
    RESET = ("reset", "复位", "Reset", "#2ca02c")
    HEARTBEAT = ("heartbeat", "心跳", "Heartbeat", "#7f7f7f")
    OFFLINE = ("offline", "离线", "Offline", "#8c564b")
    # Not an alarm: the UITD's 查岗应答 (type 24 bit 5) answering a remote duty check.
    DUTY_ANSWER = ("duty_answer", "查岗应答", "Duty-check answer", "#17becf")


class AlarmStatus(Choice):
    ACTIVE = ("active", "未处理", "Active", "#d62728")
    CONFIRMED = ("confirmed", "已确认", "Confirmed", "#ff7f0e")
    FALSE_ALARM = ("false_alarm", "误报", "False alarm", "#7f7f7f")
    CLEARED = ("cleared", "已复位", "Cleared", "#2ca02c")


class AlarmAction(Choice):
    """What may happen to an alarm; each is one method of ``alarm_machine.Alarm``. The first
    three are a person's decision (人工处置), the others facts or the clock."""

    CONFIRM = ("confirm", "火警确认", "Confirm fire")
    ACKNOWLEDGE = ("acknowledge", "确认", "Acknowledge")
    MARK_FALSE = ("false_alarm", "误报", "Mark false")
    ESCALATE = ("escalate", "超时升级", "Escalate")
    PANEL_RESET = ("reset", "复位", "Panel reset")
    DEVICE_BACK = ("device_back", "设备恢复", "Device heard again")
    SITE_CONFIRM = ("site_confirm", "现场确认", "On-site confirmation")
    REPAIRED = ("repaired", "维修完成", "Repaired")


class SiteVerdict(Choice):
    """现场确认: what the unit's control-room operator found on site."""

    FIRE = ("fire", "真实火警", "Real fire", "#d62728")
    FALSE = ("false", "误报", "False alarm", "#7f7f7f")
    TEST = ("test", "测试", "Test", "#1f77b4")


class PanelState(Choice):
    """消控室值班记录: the fire alarm control panel's state as the operator read it."""

    NORMAL = ("normal", "正常", "Normal", "#2ca02c")
    FIRE = ("fire", "火警", "Fire alarm", "#d62728")
    FAULT = ("fault", "故障", "Fault", "#ff7f0e")
    SUPERVISORY = ("supervisory", "监管", "Supervisory", "#9467bd")
    DISABLED = ("disabled", "屏蔽", "Points disabled", "#8c564b")
    OFF = ("off", "停机", "Switched off", "#7f7f7f")


class CheckState(Choice):
    """查岗: a check sent to a unit's control room and how it was answered."""

    PENDING = ("pending", "待应答", "Pending", "#1f77b4")
    ANSWERED = ("answered", "按时应答", "Answered", "#2ca02c")
    LATE = ("late", "超时应答", "Answered late", "#ff7f0e")
    MISSED = ("missed", "未应答", "Missed", "#d62728")


class WorkOrderStatus(Choice):
    """维修工单: a repair opened from a device fault (see ``work_orders``)."""

    OPEN = ("open", "待维修", "Awaiting repair", "#d62728")
    REPAIRING = ("repairing", "维修中", "Under repair", "#ff7f0e")
    DONE = ("done", "已完成", "Done", "#2ca02c")
    CLOSED = ("closed", "随报警关闭", "Closed with the alarm", "#7f7f7f")


class WorkOrderAction(Choice):
    """What may happen to a work order; each is one method of ``work_orders.WorkOrder``."""

    START = ("start", "开始维修", "Start the repair")
    COMPLETE = ("complete", "维修完成", "Repair done")
    CLOSE_WITH_ALARM = ("close_with_alarm", "随报警关闭", "Close with the alarm")


class ItemResult(Choice):
    """月度维护保养: how one checklist item was found (GB 25201's record table)."""

    NORMAL = ("normal", "正常", "Normal", "#2ca02c")
    ABNORMAL = ("abnormal", "异常", "Abnormal", "#d62728")
    NOT_APPLICABLE = ("not_applicable", "不适用", "Not applicable", "#7f7f7f")


class ContractState(Choice):
    """维保合同 on a given day (``maintenance.contract_state``); the reminder window is the
    platform's choice (``LANYAN_MAINTENANCE_REMIND_DAYS``, 30 days)."""

    NOT_STARTED = ("not_started", "未生效", "Not started", "#1f77b4")
    ACTIVE = ("active", "有效", "Active", "#2ca02c")
    EXPIRING = ("expiring", "即将到期", "Expiring", "#ff7f0e")
    EXPIRED = ("expired", "已过期", "Expired", "#d62728")


class ReportConclusion(Choice):
    """年度检测 report's conclusion."""

    PASS = ("pass", "合格", "Pass", "#2ca02c")
    FAIL = ("fail", "不合格", "Fail", "#d62728")
