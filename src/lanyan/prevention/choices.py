"""Enumerations of supervision (监督管理): hazard states and actions, inspection kinds."""

from __future__ import annotations

from lanyan.registry.choices import Choice


class HazardState(Choice):
    """Where a hazard (隐患) stands in its closed loop."""

    FOUND = ("found", "发现", "Found", "#d62728")
    ORDERED = ("ordered", "责令整改", "Rectification ordered", "#ff7f0e")
    RECTIFYING = ("rectifying", "整改中", "Being rectified", "#bcbd22")
    RECHECK_REQUESTED = ("recheck_requested", "申请复查", "Recheck requested", "#1f77b4")
    RECHECK_PASSED = ("recheck_passed", "复查通过", "Recheck passed", "#2ca02c")
    RECHECK_FAILED = ("recheck_failed", "复查不通过", "Recheck failed", "#8c1aff")
    CLOSED = ("closed", "销案", "Closed", "#7f7f7f")


class HazardAction(Choice):
    """What may be done to a hazard; every action is one method of ``hazards.Hazard``."""

    ORDER = ("order", "责令整改", "Order rectification")
    START = ("start", "开始整改", "Start rectification")
    REQUEST_RECHECK = ("request_recheck", "申请复查", "Request recheck")
    PASS_RECHECK = ("pass_recheck", "复查通过", "Pass recheck")
    FAIL_RECHECK = ("fail_recheck", "复查不通过", "Fail recheck")
    CLOSE = ("close", "销案", "Close")
    LIST = ("list", "挂牌督办", "List for supervision")
    DELIST = ("delist", "摘牌", "Remove from the list")


class InspectionKind(Choice):
    """检查类型."""

    RANDOM = ("random", "双随机", "Random (双随机)")
    SPECIAL = ("special", "专项", "Special campaign")
    COMPLAINT = ("complaint", "举报核查", "Complaint verification")
    COMMITMENT = ("commitment", "告知承诺核查", "Commitment verification")
    RECHECK = ("recheck", "复查", "Recheck")
