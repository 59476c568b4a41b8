"""The alarm handling state machine alone (no database): every action from every state for every
kind, the refusals' words, the panel reset (复位) rule and escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lanyan.core.errors import Conflict, ValidationFailed
from lanyan.monitoring.alarm_machine import (
    ALARM_KINDS,
    AWAITING_OPERATOR,
    MOVES,
    NOTE_MAX,
    OPEN,
    OPERATOR_ACTIONS,
    RESET_KEEPS_OPEN,
    Alarm,
    AlarmAcknowledged,
    AlarmCleared,
    AlarmConfirmed,
    AlarmEscalated,
    AlarmHandled,
    AlarmMarkedFalse,
    PanelResetRecorded,
    SiteConfirmed,
    decisions,
    kinds_for,
    states_for,
)
from lanyan.monitoring.choices import AlarmAction, AlarmStatus, SignalKind, SiteVerdict

T0 = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
AFTER = timedelta(minutes=3)
ACTIVE, CONFIRMED = AlarmStatus.ACTIVE, AlarmStatus.CONFIRMED
FALSE_ALARM, CLEARED = AlarmStatus.FALSE_ALARM, AlarmStatus.CLEARED


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def alarm_in(kind: SignalKind, status: AlarmStatus) -> Alarm:
    return Alarm(id=7, kind=kind, raised_at=T0, status=status)


def act(alarm: Alarm, action: AlarmAction, when: datetime) -> None:
    if action is AlarmAction.CONFIRM:
        alarm.confirm(when, "desk", "视频复核有烟")
    elif action is AlarmAction.ACKNOWLEDGE:
        alarm.acknowledge(when, "desk", "已派维保")
    elif action is AlarmAction.MARK_FALSE:
        alarm.mark_false(when, "desk", "厨房油烟")
    elif action is AlarmAction.ESCALATE:
        alarm.escalate(when, AFTER)
    elif action is AlarmAction.PANEL_RESET:
        alarm.panel_reset(when)
    elif action is AlarmAction.DEVICE_BACK:
        alarm.device_back(when)
    elif action is AlarmAction.SITE_CONFIRM:
        alarm.site_confirm(SiteVerdict.FALSE, when, "site", "厨房油烟，已复位", AFTER)
    elif action is AlarmAction.REPAIRED:
        alarm.repaired(when, "kzs", "维修工单 1: 更换烟感")
    else:  # pragma: no cover - a new action needs a line here
        raise AssertionError(action)


@pytest.mark.parametrize("kind", ALARM_KINDS)
@pytest.mark.parametrize("status", list(AlarmStatus))
@pytest.mark.parametrize("action", list(AlarmAction))
def test_every_action_from_every_state_for_every_kind(
    kind: SignalKind, status: AlarmStatus, action: AlarmAction
) -> None:
    alarm = alarm_in(kind, status)
    target = MOVES[kind].get(status, {}).get(action)
    if target is not None:
        act(alarm, action, at(10))
        assert alarm.status is target
        assert alarm.events, "a legal move records an event"
        first, last = alarm.events[0], alarm.events[-1]
        assert first.from_state is status and last.to_state is target
        assert all(e.alarm == 7 and e.kind is kind and e.at == at(10) for e in alarm.events)
        once = [AlarmAction.SITE_CONFIRM] if alarm.site_verdict is not None else []
        assert alarm.allowed_actions() == [a for a in MOVES[kind].get(target, {}) if a not in once]
    else:
        with pytest.raises(Conflict) as err:
            act(alarm, action, at(10))
        message = err.value.message
        assert "alarm 7" in message
        # The refusal names what stands in the way: the state, or the kind.
        assert status.value in message or kind.value in message
        assert err.value.problems and err.value.problems[0].field in ("status", "kind", "action")
        assert alarm.status is status and alarm.events == []  # nothing half-done
        assert action not in alarm.allowed_actions()


def test_the_table_covers_each_alarm_kind_and_closed_states_have_no_moves() -> None:
    assert set(ALARM_KINDS) == {
        SignalKind.FIRE,
        SignalKind.FAULT,
        SignalKind.SUPERVISORY,
        SignalKind.FEEDBACK,
        SignalKind.OFFLINE,
    }
    for kind in ALARM_KINDS:
        assert not MOVES[kind].get(FALSE_ALARM) and not MOVES[kind].get(CLEARED)
    assert frozenset({ACTIVE, CONFIRMED}) == OPEN
    assert frozenset({ACTIVE}) == AWAITING_OPERATOR


@pytest.mark.parametrize("kind", [SignalKind.HEARTBEAT, SignalKind.RESET])
def test_signals_that_open_no_alarm_make_no_alarm(kind: SignalKind) -> None:
    with pytest.raises(ValueError, match=kind.value):
        Alarm(id=1, kind=kind, raised_at=T0)


def test_only_a_person_closes_a_fire_alarm() -> None:
    # No automatic action ends an unhandled fire alarm: escalation and reset keep it active.
    automatic_or_unit = (
        AlarmAction.ESCALATE,
        AlarmAction.PANEL_RESET,
        AlarmAction.DEVICE_BACK,
        AlarmAction.SITE_CONFIRM,  # the unit's verdict is shown, not a close
    )
    for action in automatic_or_unit:
        target = MOVES[SignalKind.FIRE][ACTIVE].get(action)
        assert target in (None, ACTIVE)
    assert frozenset({(SignalKind.FIRE, ACTIVE)}) == RESET_KEEPS_OPEN
    assert kinds_for(AlarmAction.CONFIRM) == frozenset({SignalKind.FIRE})
    assert SignalKind.FIRE not in kinds_for(AlarmAction.ACKNOWLEDGE)
    assert SignalKind.FIRE not in kinds_for(AlarmAction.DEVICE_BACK)


def test_which_kinds_and_states_a_reset_reaches() -> None:
    assert kinds_for(AlarmAction.PANEL_RESET) == frozenset(
        {SignalKind.FIRE, SignalKind.FAULT, SignalKind.SUPERVISORY, SignalKind.FEEDBACK}
    )
    assert states_for(AlarmAction.PANEL_RESET) == OPEN
    # Every reset that does not keep an alarm open clears it (the hot path's SQL relies on it).
    for kind in kinds_for(AlarmAction.PANEL_RESET):
        for status, moves in MOVES[kind].items():
            if (kind, status) not in RESET_KEEPS_OPEN and AlarmAction.PANEL_RESET in moves:
                assert moves[AlarmAction.PANEL_RESET] is CLEARED
    assert kinds_for(AlarmAction.DEVICE_BACK) == frozenset({SignalKind.OFFLINE})
    assert kinds_for(AlarmAction.ESCALATE) == frozenset({SignalKind.FIRE})
    assert states_for(AlarmAction.ESCALATE) == frozenset({ACTIVE})


def test_a_reset_on_an_unhandled_fire_is_recorded_and_keeps_it_open() -> None:
    fire = alarm_in(SignalKind.FIRE, ACTIVE)
    fire.panel_reset(at(2))
    fire.panel_reset(at(3))  # a panel reset twice: the last one shows
    assert (fire.status, fire.reset_at, fire.cleared_at) == (ACTIVE, at(3), None)
    assert [type(e) for e in fire.events] == [PanelResetRecorded, PanelResetRecorded]
    fire.confirm(at(4), "desk")
    fire.panel_reset(at(5))  # once a person confirmed it, the reset closes the record
    assert (fire.status, fire.cleared_at, fire.handled_by) == (CLEARED, at(5), "desk")
    assert [type(e) for e in fire.events[-2:]] == [PanelResetRecorded, AlarmCleared]
    cleared = fire.events[-1]
    assert isinstance(cleared, AlarmCleared) and cleared.cause is AlarmAction.PANEL_RESET


@pytest.mark.parametrize("kind", [SignalKind.FAULT, SignalKind.SUPERVISORY, SignalKind.FEEDBACK])
def test_a_reset_clears_the_devices_own_states(kind: SignalKind) -> None:
    alarm = alarm_in(kind, ACTIVE)
    alarm.panel_reset(at(1))
    assert (alarm.status, alarm.reset_at, alarm.cleared_at) == (CLEARED, at(1), at(1))


def test_a_device_heard_again_clears_its_offline_alarm() -> None:
    offline = alarm_in(SignalKind.OFFLINE, CONFIRMED)
    offline.device_back(at(9))
    assert (offline.status, offline.cleared_at) == (CLEARED, at(9))
    (event,) = offline.events
    assert isinstance(event, AlarmCleared) and event.cause is AlarmAction.DEVICE_BACK


def test_operator_handling_records_who_when_and_the_note() -> None:
    fire = alarm_in(SignalKind.FIRE, ACTIVE)
    fire.confirm(at(1), "desk", "  视频复核有烟 ")
    assert (fire.status, fire.handled_by, fire.handled_at, fire.note) == (
        CONFIRMED,
        "desk",
        at(1),
        "视频复核有烟",
    )
    (event,) = fire.events
    assert isinstance(event, AlarmConfirmed) and isinstance(event, AlarmHandled)
    assert (event.name, event.note, event.by) == ("confirm", "视频复核有烟", "desk")
    fault = alarm_in(SignalKind.FAULT, ACTIVE)
    fault.acknowledge(at(1), "desk")
    assert isinstance(fault.events[0], AlarmAcknowledged) and fault.events[0].name == "acknowledge"
    false = alarm_in(SignalKind.FIRE, ACTIVE)
    false.mark_false(at(1), "desk", "油烟")
    assert isinstance(false.events[0], AlarmMarkedFalse) and false.events[0].name == "false_alarm"
    assert decisions(SignalKind.FIRE, ACTIVE) == [AlarmAction.CONFIRM, AlarmAction.MARK_FALSE]
    assert decisions(SignalKind.OFFLINE, ACTIVE) == [
        AlarmAction.ACKNOWLEDGE,
        AlarmAction.MARK_FALSE,
    ]
    assert decisions(SignalKind.FIRE, CONFIRMED) == [] == decisions(SignalKind.RESET, ACTIVE)
    assert {a for a in OPERATOR_ACTIONS} == {
        AlarmAction.CONFIRM,
        AlarmAction.ACKNOWLEDGE,
        AlarmAction.MARK_FALSE,
    }


def test_refusals_say_what_to_do_instead() -> None:
    done = alarm_in(SignalKind.FIRE, FALSE_ALARM)
    with pytest.raises(Conflict) as err:
        done.confirm(at(1), "desk")
    assert "already false_alarm (误报)" in err.value.message
    assert [p.as_dict() for p in err.value.problems] == [
        {"field": "status", "rule": "must be active, is false_alarm"}
    ]
    with pytest.raises(Conflict, match="acknowledge it") as err:
        alarm_in(SignalKind.FAULT, ACTIVE).confirm(at(1), "desk")
    assert err.value.problems[0].field == "kind"
    with pytest.raises(Conflict, match="confirm it or mark it false") as err:
        alarm_in(SignalKind.FIRE, ACTIVE).acknowledge(at(1), "desk")
    assert err.value.problems[0].field == "kind"


def test_a_note_too_long_or_a_naive_time_is_refused() -> None:
    fire = alarm_in(SignalKind.FIRE, ACTIVE)
    with pytest.raises(ValidationFailed) as err:
        fire.mark_false(at(1), "desk", "x" * (NOTE_MAX + 1))
    assert err.value.problems[0].field == "note"
    with pytest.raises(ValidationFailed) as err:
        fire.confirm(datetime(2026, 3, 9, 8, 1), "desk")
    assert err.value.problems[0].field == "at"
    assert fire.status is ACTIVE and fire.events == []
    fire.mark_false(at(1), "desk", "x" * NOTE_MAX)  # the limit itself is allowed
    assert fire.status is FALSE_ALARM


def test_an_unhandled_fire_escalates_once_when_due() -> None:
    fire = alarm_in(SignalKind.FIRE, ACTIVE)
    assert not fire.is_due_for_escalation(at(2), AFTER)
    with pytest.raises(Conflict, match="not due"):
        fire.escalate(at(2), AFTER)
    assert fire.is_due_for_escalation(at(3), AFTER)
    fire.escalate(at(4), AFTER)
    assert (fire.status, fire.escalated_at) == (ACTIVE, at(4))
    (event,) = fire.events
    assert isinstance(event, AlarmEscalated) and event.waited_s == 240
    assert not fire.is_due_for_escalation(at(9), AFTER)
    with pytest.raises(Conflict, match="already escalated"):
        fire.escalate(at(9), AFTER)
    assert len(fire.events) == 1
    # Once a person handled it, it is no longer waiting.
    handled = alarm_in(SignalKind.FIRE, ACTIVE)
    handled.confirm(at(1), "desk")
    assert not handled.is_due_for_escalation(at(60), AFTER)


def test_events_are_frozen() -> None:
    fire = alarm_in(SignalKind.FIRE, ACTIVE)
    fire.confirm(at(1), "desk")
    with pytest.raises(AttributeError):
        fire.events[0].note = "changed"  # type: ignore[misc]


def test_the_machine_is_plain_python() -> None:
    """No database, web or framework import: the rules are tested (and read) alone."""
    import ast
    from pathlib import Path

    import lanyan.monitoring.alarm_machine as machine

    allowed = ("__future__", "dataclasses", "datetime", "typing", "lanyan.core.errors")
    allowed += ("lanyan.monitoring.choices",)
    tree = ast.parse(Path(machine.__file__).read_text(encoding="utf-8"))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert imported and all(name in allowed for name in imported), imported


# ---- 现场确认: the unit's control room first -----------------------------------------------


@pytest.mark.parametrize("verdict", [SiteVerdict.FALSE, SiteVerdict.TEST])
def test_a_false_or_test_verdict_in_time_stops_escalation_but_closes_nothing(
    verdict: SiteVerdict,
) -> None:
    alarm = alarm_in(SignalKind.FIRE, ACTIVE)
    assert alarm.site_decisions() == [AlarmAction.SITE_CONFIRM]
    alarm.site_confirm(verdict, at(2), "kzs-01", "现场查看：烘焙烟雾", AFTER)
    (event,) = alarm.events
    assert isinstance(event, SiteConfirmed)
    assert event.detail() == {"verdict": verdict.value, "note": "现场查看：烘焙烟雾", "late": False}
    assert alarm.status is ACTIVE and alarm.handled_by is None  # the centre still decides
    assert (alarm.site_verdict, alarm.site_by, alarm.site_at) == (verdict, "kzs-01", at(2))
    assert alarm.site_decisions() == [] and AlarmAction.SITE_CONFIRM not in alarm.allowed_actions()
    assert not alarm.is_due_for_escalation(at(60), AFTER)
    # The centre's person still confirms it or marks it false.
    assert decisions(alarm.kind, alarm.status) == [AlarmAction.CONFIRM, AlarmAction.MARK_FALSE]
    alarm.mark_false(at(5), "desk", "与现场确认一致")
    assert alarm.status is FALSE_ALARM


def test_a_real_fire_on_site_escalates_at_once() -> None:
    alarm = alarm_in(SignalKind.FIRE, ACTIVE)
    alarm.site_confirm(SiteVerdict.FIRE, at(1), "kzs-01", "三层仓库冒烟，已启动预案", AFTER)
    site, escalated = alarm.events
    assert isinstance(site, SiteConfirmed) and isinstance(escalated, AlarmEscalated)
    assert escalated.waited_s == 60 and alarm.escalated_at == at(1)
    assert alarm.status is ACTIVE  # the centre confirms it (and the 119 side opens an incident)


def test_an_unconfirmed_fire_escalates_and_a_late_verdict_is_marked_late() -> None:
    alarm = alarm_in(SignalKind.FIRE, ACTIVE)
    assert not alarm.is_due_for_escalation(T0 + AFTER - timedelta(seconds=1), AFTER)
    assert alarm.is_due_for_escalation(T0 + AFTER, AFTER)
    alarm.escalate(T0 + AFTER, AFTER)
    alarm.site_confirm(SiteVerdict.TEST, at(5), "kzs-01", "联动测试", AFTER)
    event = alarm.events[-1]
    assert isinstance(event, SiteConfirmed) and event.late is True
    assert alarm.escalated_at == T0 + AFTER and len(alarm.events) == 2


def test_site_confirmation_refusals() -> None:
    alarm = alarm_in(SignalKind.FIRE, ACTIVE)
    with pytest.raises(ValidationFailed) as err:
        alarm.site_confirm(SiteVerdict.FALSE, at(1), "kzs-01", "   ", AFTER)
    assert err.value.problems[0].field == "note"
    with pytest.raises(ValidationFailed) as err:
        alarm.site_confirm(SiteVerdict.FALSE, T0 - timedelta(seconds=1), "kzs-01", "x", AFTER)
    assert err.value.problems[0].field == "at"
    with pytest.raises(ValidationFailed):
        alarm.site_confirm(SiteVerdict.FALSE, datetime(2026, 3, 9, 0, 1), "kzs-01", "x", AFTER)
    assert alarm.events == [] and alarm.site_verdict is None  # nothing half-done
    alarm.site_confirm(SiteVerdict.FALSE, at(1), "kzs-01", "误报", AFTER)
    with pytest.raises(Conflict, match="already confirmed on site") as err:
        alarm.site_confirm(SiteVerdict.FIRE, at(2), "kzs-02", "又看了一次", AFTER)
    assert err.value.problems[0].field == "verdict" and alarm.site_verdict is SiteVerdict.FALSE
    for kind, status in ((SignalKind.FAULT, ACTIVE), (SignalKind.FIRE, CONFIRMED)):
        other = alarm_in(kind, status)
        with pytest.raises(Conflict) as err:
            other.site_confirm(SiteVerdict.FALSE, at(1), "kzs-01", "x", AFTER)
        assert err.value.problems[0].field == "status" and status.value in err.value.message


@pytest.mark.parametrize("status", [ACTIVE, CONFIRMED])
def test_a_reset_on_a_fault_under_repair_is_recorded_and_keeps_it_open(
    status: AlarmStatus,
) -> None:
    """Issue #19 item 5: a fault with an open 维修工单 closes by its order or a person."""
    fault = alarm_in(SignalKind.FAULT, status)
    fault.under_repair = True
    fault.panel_reset(at(2))
    assert (fault.status, fault.reset_at, fault.cleared_at) == (status, at(2), None)
    assert [type(e) for e in fault.events] == [PanelResetRecorded]
    fault.repaired(at(3), "kzs", "维修工单 1: 更换探头")
    assert (fault.status, fault.cleared_at) == (CLEARED, at(3))
    fire = alarm_in(SignalKind.FIRE, CONFIRMED)
    fire.under_repair = True  # only faults have orders; nothing changes for the others
    fire.panel_reset(at(2))
    assert fire.status is CLEARED
