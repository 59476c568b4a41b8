"""The fire investigation case's state machine (火调案件流程). Plain Python, no database.

    已立案 open ──start──▶ 调查中 investigating ──determine_cause──▶ 原因已认定 cause_determined
    调查中 / 原因已认定 ──transfer_police──▶ 已移送公安 transferred   (criminal cases: 失火, 放火,
                                                                 消防责任事故)
    原因已认定 / 已移送公安 ──start_extended──▶ 延伸调查中 extended ──finish_extended──▶ back
    原因已认定 / 已移送公安 ──close──▶ 已结案 closed   (refused while a required 延伸调查 is not done)

延伸调查 is required when the fire killed anyone, was 较大 or larger, or had major social impact
(Lianzhou plan L442: "针对亡人、较大、有重大社会影响以及重大火灾，开展火灾延伸调查"; Dafeng plan
L79: "对造成人员死亡或重大社会影响的火灾，依法调查有关单位和个人 …").
"""

from __future__ import annotations

from dataclasses import dataclass

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.stats.choices import LARGER_OR_ABOVE, CaseAction, CaseState, FireGrade

MOVES: dict[CaseState, dict[CaseAction, CaseState | None]] = {
    CaseState.OPEN: {CaseAction.START: CaseState.INVESTIGATING},
    CaseState.INVESTIGATING: {
        CaseAction.DETERMINE_CAUSE: CaseState.CAUSE_DETERMINED,
        CaseAction.TRANSFER_POLICE: CaseState.TRANSFERRED,
    },
    CaseState.CAUSE_DETERMINED: {
        CaseAction.START_EXTENDED: CaseState.EXTENDED,
        CaseAction.TRANSFER_POLICE: CaseState.TRANSFERRED,
        CaseAction.CLOSE: CaseState.CLOSED,
    },
    # None: back to where the case came from (原因已认定, or 已移送公安 when it was transferred).
    CaseState.EXTENDED: {CaseAction.FINISH_EXTENDED: None},
    CaseState.TRANSFERRED: {
        CaseAction.START_EXTENDED: CaseState.EXTENDED,
        CaseAction.CLOSE: CaseState.CLOSED,
    },
    CaseState.CLOSED: {},
}


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case besides its state."""

    extended_required: bool
    extended_done: bool
    transferred: bool


def extended_reasons(deaths: int, grade: str, major_social_impact: bool) -> list[str]:
    """Why a fire needs a 延伸调查 (empty when it does not)."""
    reasons = []
    if deaths > 0:
        reasons.append(f"亡人火灾 (deaths {deaths})")
    if grade in LARGER_OR_ABOVE:
        reasons.append(f"{FireGrade(grade).zh} (grade {grade})")
    if major_social_impact:
        reasons.append("重大社会影响 (major social impact)")
    return reasons


def legal_actions(state: CaseState) -> list[CaseAction]:
    return list(MOVES[state])


def next_state(state: CaseState, action: CaseAction, facts: CaseFacts) -> CaseState:
    """The state ``action`` leads to from ``state``; ValidationFailed naming both when the move
    is illegal."""
    moves = MOVES[state]
    if action not in moves:
        allowed = "、".join(f"{a.zh} ({a.value})" for a in moves) or "nothing (the case is closed)"
        raise ValidationFailed(
            f"{action.zh} ({action.value}) is not allowed in state {state.zh} ({state.value}); "
            f"allowed: {allowed}",
            [FieldProblem("action", f"not allowed in state {state.value}")],
        )
    if action is CaseAction.CLOSE and facts.extended_required and not facts.extended_done:
        raise ValidationFailed(
            f"结案 (close) is refused in state {state.zh} ({state.value}): the fire requires a "
            "延伸调查 (extended investigation) that is not done",
            [FieldProblem("action", "extended investigation required before closing")],
        )
    if action is CaseAction.START_EXTENDED and facts.extended_done:
        raise ValidationFailed(
            f"启动延伸调查 (start_extended) is refused in state {state.zh} ({state.value}): "
            "the extended investigation is already done",
            [FieldProblem("action", "extended investigation already done")],
        )
    target = moves[action]
    if target is None:
        return CaseState.TRANSFERRED if facts.transferred else CaseState.CAUSE_DETERMINED
    return target
