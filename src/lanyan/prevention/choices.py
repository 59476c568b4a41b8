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


class HazardParty(Choice):
    """Who acts on a hazard: the unit that owns it, or the fire authority (消防救援机构)."""

    UNIT = ("unit", "单位", "Unit")
    AUTHORITY = ("authority", "消防救援机构", "Fire authority")


class InspectionKind(Choice):
    """检查类型."""

    RANDOM = ("random", "双随机", "Random (双随机)")
    SPECIAL = ("special", "专项", "Special campaign")
    COMPLAINT = ("complaint", "举报核查", "Complaint verification")
    COMMITMENT = ("commitment", "告知承诺核查", "Commitment verification")
    RECHECK = ("recheck", "复查", "Recheck")


class ItemResult(Choice):
    """A checklist item's result (检查结果)."""

    PASS = ("pass", "合格", "Pass")
    FAIL = ("fail", "不合格", "Fail")
    NOT_APPLICABLE = ("na", "不适用", "Not applicable")


class MajorIndicator(Choice):
    """How failing a checklist item bears on 重大火灾隐患 (GA 653 判定方法)."""

    NONE = ("none", "一般", "Ordinary hazard")
    INDICATOR = ("indicator", "综合判定要素", "Major-hazard indicator (combined judgement)")
    DIRECT = ("direct", "直接判定要素", "Major hazard by direct judgement")


class EnforcementKind(Choice):
    """行政强制和处罚: 三停, 临时查封, 罚款."""

    STOP_PRODUCTION = ("stop_production", "停产停业", "Stop production or business")
    STOP_USE = ("stop_use", "停止使用", "Stop use")
    STOP_CONSTRUCTION = ("stop_construction", "停止施工", "Stop construction")
    SEAL_UP = ("seal_up", "临时查封", "Temporary seal-up")
    FINE = ("fine", "罚款", "Fine")


class EnforcementState(Choice):
    IN_FORCE = ("in_force", "执行中", "In force", "#d62728")
    LIFTED = ("lifted", "已解除", "Lifted", "#2ca02c")


class ApplicationKind(Choice):
    """A unit's application about an enforcement decision, sent through the public portal."""

    LIFT_SEAL = ("lift_seal", "解除临时查封申请", "Application to lift a seal-up")
    RESUME_USE = ("resume_use", "恢复使用申请", "Application to resume use")


class ApplicationState(Choice):
    SUBMITTED = ("submitted", "待处理", "Waiting", "#ff7f0e")
    HANDLED = ("handled", "已处理", "Handled", "#2ca02c")


class CommitmentState(Choice):
    """告知承诺: submitted, then found true or false on inspection."""

    SUBMITTED = ("submitted", "已承诺", "Submitted", "#1f77b4")
    CONFIRMED = ("confirmed", "核查属实", "Confirmed on inspection", "#2ca02c")
    FALSE = ("false", "虚假承诺", "Found false", "#d62728")


class CommitmentApplicationState(Choice):
    """A 告知承诺 sent through the portal: waiting, accepted (published, post-check due), or
    returned to the applicant with the reason."""

    SUBMITTED = ("submitted", "待审核", "Waiting for review", "#ff7f0e")
    ACCEPTED = ("accepted", "已受理", "Accepted", "#2ca02c")
    REJECTED = ("rejected", "不予受理", "Rejected", "#d62728")


class ComplaintChannel(Choice):
    HOTLINE_12345 = ("12345", "12345政务热线", "12345 government hotline")
    HOTLINE_96119 = ("96119", "96119举报投诉", "96119 fire-hazard hotline")
    WEB = ("web", "网上举报", "Web report")


class HotlineCategory(Choice):
    """The categories of a 12345 work order the fire service takes (消防类工单); the 12345
    platform maps its own category tree onto these (README, "12345 work orders")."""

    FIRE_HAZARD = ("fire_hazard", "消防安全隐患", "Fire safety hazard")
    BLOCKED_PASSAGE = ("blocked_passage", "占用堵塞消防通道", "Fire lane or exit blocked")
    FACILITIES = ("facilities", "消防设施损坏缺失", "Fire equipment broken or missing")
    EBIKE = ("ebike", "电动自行车违规停放充电", "E-bike parked or charged unsafely")
    HOT_WORK = ("hot_work", "违规动火用电", "Unsafe hot work or wiring")
    OTHER = ("other", "其他消防事项", "Other fire-safety matter")


class ComplaintState(Choice):
    RECEIVED = ("received", "已受理", "Received", "#ff7f0e")
    ASSIGNED = ("assigned", "核查中", "Being verified", "#1f77b4")
    VERIFIED = ("verified", "已核查", "Verified", "#2ca02c")
    CLOSED = ("closed", "已反馈办结", "Feedback given, closed", "#7f7f7f")


class ComplaintResult(Choice):
    SUBSTANTIATED = ("substantiated", "属实", "Substantiated")
    PARTLY = ("partly", "部分属实", "Partly substantiated")
    UNSUBSTANTIATED = ("unsubstantiated", "不属实", "Unsubstantiated")


class CreditKind(Choice):
    PENALTY = ("penalty", "失信记录", "Penalty")
    REWARD = ("reward", "守信激励", "Reward")


class JointPunishment(Choice):
    """联合惩戒 measures the credit platform passes to other departments."""

    BIDDING = ("bidding", "限制参与招标投标", "Barred from public tenders")
    SUBSIDY = ("subsidy", "限制财政补贴", "No public subsidies")
    FINANCING = ("financing", "限制融资授信", "Restricted credit and financing")
    LICENSING = ("licensing", "从严审批行政许可", "Strict licensing")
    HONOURS = ("honours", "取消评优评先", "No honours or awards")
    PUBLICATION = ("publication", "向社会公布", "Published to the public")


class DrawOutcome(Choice):
    """What the public sees of a drawn unit's inspection (一公开): passed, ordered to rectify
    (a hazard was recorded), or penalised (an enforcement decision followed)."""

    PASSED = ("passed", "合格", "Passed", "#2ca02c")
    RECTIFY = ("rectify", "责令整改", "Ordered to rectify", "#ff7f0e")
    PENALTY = ("penalty", "处罚", "Penalised", "#d62728")

    @classmethod
    def of(cls, hazards: int, enforcement: int) -> DrawOutcome:
        if enforcement:
            return cls.PENALTY
        return cls.RECTIFY if hazards else cls.PASSED


class DocumentKind(Choice):
    """执法文书: the forms an officer hands over (templates in ``data/documents.yaml``)."""

    RECTIFICATION_NOTICE = ("rectification_notice", "责令限期改正通知书", "Rectification notice")
    SEAL_UP_DECISION = ("seal_up_decision", "临时查封决定书", "Temporary seal-up decision")
    PENALTY_DECISION = ("penalty_decision", "行政处罚决定书", "Administrative penalty decision")
    INSPECTION_OPINION = ("inspection_opinion", "检查意见书", "Inspection opinion")


class DocumentState(Choice):
    """A document's way through 法制审核 (see ``prevention/documents.py``)."""

    DRAFT = ("draft", "草稿", "Draft", "#8c96a5")
    SUBMITTED = ("submitted", "待法制审核", "Awaiting legal review", "#ff7f0e")
    RETURNED = ("returned", "审核退回", "Returned by review", "#d62728")
    APPROVED = ("approved", "审核通过", "Approved", "#1f77b4")
    ISSUED = ("issued", "已签发", "Issued", "#2ca02c")


class DocumentAction(Choice):
    SUBMIT = ("submit", "提交法制审核", "Submit for legal review")
    APPROVE = ("approve", "审核通过", "Approve")
    RETURN = ("return", "退回修改", "Return with reasons")
    ISSUE = ("issue", "签发", "Issue")
