"""Enumerations of fire statistics (火灾统计) and fire investigation (火灾调查).

Categories follow what national and provincial releases report (see the project's statistics
reference): 起火原因, 起火场所, 火灾类型. The grade rule (火灾等级) is here too, because a record's
grade is derived from its figures and the date it happened.
"""

from __future__ import annotations

from datetime import date

from lanyan.registry.choices import Choice


class FireCause(Choice):
    """起火原因 categories as national releases report them."""

    ELECTRICAL = ("electrical", "电气", "Electrical", "#d62728")
    CARELESS_USE = ("careless_use", "用火不慎", "Careless use of fire", "#ff7f0e")
    EMBERS = ("embers", "遗留火种", "Unextinguished embers", "#bcbd22")
    SMOKING = ("smoking", "吸烟", "Smoking", "#8c564b")
    PLAYING = ("playing", "玩火", "Playing with fire", "#e377c2")
    ARSON = ("arson", "放火", "Arson", "#7b1fa2")
    SPONTANEOUS = ("spontaneous", "自燃", "Spontaneous combustion", "#17becf")
    PRODUCTION = ("production", "生产作业", "Production work", "#1f77b4")
    LIGHTNING = ("lightning", "雷击", "Lightning", "#9467bd")
    STATIC = ("static", "静电", "Static electricity", "#aec7e8")
    UNDETERMINED = ("undetermined", "原因不明", "Undetermined", "#7f7f7f")
    OTHER = ("other", "其他", "Other", "#c7c7c7")


class FirePlace(Choice):
    """起火场所 categories."""

    RESIDENTIAL = ("residential", "居住场所", "Residential", "#d62728")
    DORMITORY = ("dormitory", "宿舍", "Dormitory", "#ff9896")
    CROWDED = ("crowded", "人员密集场所", "Crowded place", "#ff7f0e")
    SMALL_BUSINESS = ("small_business", "经营性小场所", "Small business premises", "#bcbd22")
    FACTORY = ("factory", "厂房", "Factory", "#1f77b4")
    WAREHOUSE = ("warehouse", "仓储场所", "Warehouse", "#aec7e8")
    VEHICLE = ("vehicle", "交通工具", "Vehicle", "#9467bd")
    CONSTRUCTION = ("construction", "在建工地", "Construction site", "#8c564b")
    AGRICULTURE = ("agriculture", "农副业生产场所", "Agricultural site", "#2ca02c")
    YARD = ("yard", "堆场", "Open storage yard", "#98df8a")
    OUTDOOR = ("outdoor", "户外", "Outdoor (rubbish, vegetation)", "#17becf")
    OTHER = ("other", "其他场所", "Other", "#7f7f7f")


class FireGrade(Choice):
    """火灾等级 (公安部 2007; loss thresholds of the 2025 rules from 2025-05-01)."""

    GENERAL = ("general", "一般火灾", "Ordinary fire", "#fd8d3c")
    LARGER = ("larger", "较大火灾", "Relatively large fire", "#e31a1c")
    MAJOR = ("major", "重大火灾", "Serious fire", "#a50f15")
    EXTRAORDINARY = ("extraordinary", "特别重大火灾", "Extraordinarily serious fire", "#4a0010")


LARGER_OR_ABOVE = (FireGrade.LARGER.value, FireGrade.MAJOR.value, FireGrade.EXTRAORDINARY.value)
RULES_2025_FROM = date(2025, 5, 1)
# 轻微火灾 (2025 rules): no casualties and direct loss below 1 000 元, registered on site.
MINOR_LOSS_BELOW_YUAN = 1_000.0


def fire_grade(
    occurred_on: date, deaths: int, serious_injuries: int, loss_yuan: float
) -> FireGrade:
    """The grade a fire takes: the highest any one of its three criteria reaches ("或者"), with
    "以上" including the threshold. Loss thresholds rose on 2025-05-01 (消防〔2025〕17号); the
    death and injury thresholds are unchanged."""
    if occurred_on >= RULES_2025_FROM:
        larger, major, extraordinary = 30_000_000, 100_000_000, 300_000_000
    else:
        larger, major, extraordinary = 10_000_000, 50_000_000, 100_000_000
    if deaths >= 30 or serious_injuries >= 100 or loss_yuan >= extraordinary:
        return FireGrade.EXTRAORDINARY
    if deaths >= 10 or serious_injuries >= 50 or loss_yuan >= major:
        return FireGrade.MAJOR
    if deaths >= 3 or serious_injuries >= 10 or loss_yuan >= larger:
        return FireGrade.LARGER
    return FireGrade.GENERAL


class CaseState(Choice):
    """States of a fire investigation case (火灾调查案件)."""

    OPEN = ("open", "已立案", "Opened", "#1f77b4")
    INVESTIGATING = ("investigating", "调查中", "Investigating", "#ff7f0e")
    CAUSE_DETERMINED = ("cause_determined", "原因已认定", "Cause determined", "#bcbd22")
    EXTENDED = ("extended", "延伸调查中", "Extended investigation", "#9467bd")
    TRANSFERRED = ("transferred", "已移送公安", "Transferred to police", "#8c564b")
    CLOSED = ("closed", "已结案", "Closed", "#7f7f7f")


class CaseAction(Choice):
    """What an investigator does to a case; the state machine says which are legal where."""

    START = ("start", "开始调查", "Start investigation")
    DETERMINE_CAUSE = ("determine_cause", "认定起火原因", "Determine the cause")
    START_EXTENDED = ("start_extended", "启动延伸调查", "Start extended investigation")
    FINISH_EXTENDED = ("finish_extended", "完成延伸调查", "Finish extended investigation")
    TRANSFER_POLICE = ("transfer_police", "移送公安机关", "Transfer to police")
    CLOSE = ("close", "结案", "Close the case")


class ResponsibilityKind(Choice):
    """Who a responsibility finding (责任认定) concerns, following 一案三查's chain."""

    OWNER = ("owner", "使用管理主体", "Owner / user of the premises")
    CONSTRUCTION = ("construction", "工程建设", "Construction")
    SERVICE_PROVIDER = ("service_provider", "消防技术服务", "Fire technical service provider")
    PRODUCT = ("product", "消防产品质量", "Fire product quality")
    SUPERVISION = ("supervision", "日常监督检查", "Routine supervision")
    GOVERNMENT = ("government", "属地/行业监管", "Local government / sector regulator")
    PERSON = ("person", "个人", "Individual")


class EvidenceKind(Choice):
    """Kinds of evidence items (物证/书证/视听资料)."""

    PHYSICAL = ("physical", "物证", "Physical evidence")
    DOCUMENT = ("document", "书证", "Documentary evidence")
    PHOTO = ("photo", "照片", "Photograph")
    VIDEO = ("video", "视听资料", "Audio-visual record")
    STATEMENT = ("statement", "询问笔录", "Statement")
    EXPERT = ("expert", "鉴定意见", "Expert opinion")


class DeclarationState(Choice):
    """A portal 火灾损失申报: waiting for review, accepted into the statistics, or rejected."""

    SUBMITTED = ("submitted", "待审核", "Waiting for review", "#ff7f0e")
    ACCEPTED = ("accepted", "已受理", "Accepted", "#2ca02c")
    REJECTED = ("rejected", "不予受理", "Rejected", "#d62728")
