"""The vocabulary of data exchange: event types a subscription may ask for, delivery states."""

from __future__ import annotations

from lanyan.registry.choices import Choice


class EventType(Choice):
    """What other departments may subscribe to."""

    FIRE_ALARM_RAISED = ("fire_alarm_raised", "火警报警", "Fire alarm raised")
    FIRE_ALARM_CONFIRMED = ("fire_alarm_confirmed", "火警确认", "Fire alarm confirmed")
    INCIDENT_OPENED = ("incident_opened", "警情立案", "Incident opened")
    INCIDENT_CLOSED = ("incident_closed", "警情结案", "Incident closed")
    HAZARD_LISTED = ("hazard_listed", "隐患挂牌督办", "Hazard listed for supervision")
    DRAW_PUBLISHED = ("draw_published", "双随机抽查公示", "Random draw published")
    # Addressed to one machine client (the 12345 platform that sent the work order).
    HOTLINE_STATUS = ("hotline_status", "12345工单状态回传", "12345 work-order status callback")


class DeliveryState(Choice):
    PENDING = ("pending", "待投递", "Pending", "#1f77b4")
    DELIVERED = ("delivered", "已投递", "Delivered", "#2ca02c")
    FAILING = ("failing", "投递失败", "Failing", "#d62728")


class WarningLevel(Choice):
    """A weather warning's colour level (预警颜色等级, GB/T 27962 signals); see
    :mod:`lanyan.exchange.cap` for how CAP severity and 预警级别 map onto it."""

    BLUE = ("blue", "蓝色预警", "Blue warning", "#1f6fd1")
    YELLOW = ("yellow", "黄色预警", "Yellow warning", "#e6b800")
    ORANGE = ("orange", "橙色预警", "Orange warning", "#f07800")
    RED = ("red", "红色预警", "Red warning", "#d62728")
