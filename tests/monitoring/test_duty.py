"""Shift handover (消控室交接班), the pure rule: refused while a fire alarm is open or a fault is
unhandled, naming each; other alarms and handled faults do not block."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lanyan.core.errors import Conflict, ValidationFailed
from lanyan.monitoring.choices import AlarmStatus, SignalKind
from lanyan.monitoring.duty import OpenAlarm, blocks_handover, check_handover

T0 = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)


def alarm(i: int, kind: SignalKind, status: AlarmStatus) -> OpenAlarm:
    return OpenAlarm(i, kind, status, f"点位{i}", T0)


@pytest.mark.parametrize("kind", [SignalKind.FIRE, SignalKind.FAULT, SignalKind.SUPERVISORY])
@pytest.mark.parametrize("status", list(AlarmStatus))
def test_what_blocks_a_handover(kind: SignalKind, status: AlarmStatus) -> None:
    expected = (
        kind is SignalKind.FIRE and status in (AlarmStatus.ACTIVE, AlarmStatus.CONFIRMED)
    ) or (kind is SignalKind.FAULT and status is AlarmStatus.ACTIVE)
    assert blocks_handover(alarm(1, kind, status)) is expected


def test_a_handover_is_refused_naming_every_open_alarm() -> None:
    alarms = [
        alarm(1, SignalKind.FIRE, AlarmStatus.CONFIRMED),
        alarm(2, SignalKind.FAULT, AlarmStatus.ACTIVE),
        alarm(3, SignalKind.FAULT, AlarmStatus.CONFIRMED),  # taken up: does not block
        alarm(4, SignalKind.FIRE, AlarmStatus.FALSE_ALARM),
    ]
    with pytest.raises(Conflict) as err:
        check_handover("a", "b", "", alarms, T0)
    assert "#1 火警" in err.value.message and "#2 故障" in err.value.message
    assert "#3" not in err.value.message and "#4" not in err.value.message
    assert [p.field for p in err.value.problems] == ["alarms", "alarms"]
    assert check_handover("a", "b", "  设备正常 ", alarms[2:], T0) == "设备正常"


def test_handover_input_refusals() -> None:
    with pytest.raises(ValidationFailed) as err:
        check_handover("a", "a", "", [], T0)
    assert err.value.problems[0].field == "accepted_by"
    with pytest.raises(ValidationFailed) as err:
        check_handover("a", "b", "x" * 501, [], T0)
    assert err.value.problems[0].field == "note"
    with pytest.raises(ValidationFailed) as err:
        check_handover("a", "b", "", [], datetime(2026, 3, 9, 8, 0))
    assert err.value.problems[0].field == "at"
