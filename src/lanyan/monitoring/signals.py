"""From a decoded GB/T 26875.3 frame to the signals the alarm pipeline acts on. Plain Python.

Rules (bits from 图6, 7, 9, 13, 14 of the standard):

- state objects (types 1, 2, 21): bit 1 火警 → fire; 故障 and the power/bus/line fault bits →
  fault; 监管 → supervisory; 反馈 → feedback; system-state bit 13 复位 → reset.
- operation records (types 4, 24): 复位 or 警情消除 → reset; 手动报警 → fire; a UITD record
  (type 24) with bit 5 查岗应答 → duty answer (it answers a 查岗, type 91; not an alarm).
- every frame a device sends is a heartbeat: it shows the link is alive.

Safety rule (reference §13 D5): a fire bit is raised whatever bit 0 (normal/test) says; a
signal read with bit 0 clear carries ``test_mode=True`` so the operator sees the mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lanyan.monitoring.choices import SignalKind
from lanyan.monitoring.gb26875 import AppData, Frame
from lanyan.monitoring.gb26875 import tables as t

FAULT_FLAGS = frozenset(
    {
        "fault",
        "power_fault",
        "mains_power_fault",
        "backup_power_fault",
        "bus_fault",
        "link_fault",
        "line_fault",
    }
)
STATE_SIGNALS = (
    ("fire_alarm", SignalKind.FIRE),
    ("supervisory", SignalKind.SUPERVISORY),
    ("feedback", SignalKind.FEEDBACK),
    ("reset", SignalKind.RESET),
)
STATE_TYPES = frozenset({1, 2, 21})
OPERATION_TYPES = frozenset({4, 24})
UITD_OPERATION = 24
# Signals that are facts to record, not alarms to open.
NOT_ALARMS = frozenset({SignalKind.HEARTBEAT, SignalKind.RESET, SignalKind.DUTY_ANSWER})


@dataclass(frozen=True)
class Signal:
    """One thing a device reported. ``point`` names where inside the device (system and
    component addresses), ``location`` is the panel's own description (部件说明)."""

    kind: SignalKind
    point: str = ""
    location: str = ""
    test_mode: bool = False
    detail: str = ""


def _point(obj: dict[str, Any]) -> str:
    parts = []
    if "system_type" in obj:
        name = t.name_of(t.SYSTEM_TYPES, obj["system_type"])
        parts.append(f"{name.zh} {obj['system_type']}#{obj['system_address']}")
    if "component_address" in obj:
        name = t.name_of(t.COMPONENT_TYPES, obj.get("component_type", 0))
        parts.append(f"{name.zh} @{obj['component_address']}")
    return " / ".join(parts) or "用户信息传输装置"


def _from_state(obj: dict[str, Any]) -> list[Signal]:
    flags = set(obj["state_flags"])
    common = {
        "point": _point(obj),
        "location": obj.get("description", ""),
        "test_mode": obj["test_mode"],
    }
    out = [Signal(kind, **common) for flag, kind in STATE_SIGNALS if flag in flags]
    faults = sorted(flags & FAULT_FLAGS)
    if faults:
        out.append(Signal(SignalKind.FAULT, detail=",".join(faults), **common))
    return out


def _from_operation(type_flag: int, obj: dict[str, Any]) -> list[Signal]:
    flags = set(obj["operation_flags"])
    point = _point(obj)
    out = []
    if flags & {"reset", "alarm_cleared"}:
        out.append(Signal(SignalKind.RESET, point=point, detail=",".join(sorted(flags))))
    if "manual_alarm" in flags:
        out.append(Signal(SignalKind.FIRE, point=point, detail="manual_alarm"))
    if type_flag == UITD_OPERATION and "duty_check_answer" in flags:
        out.append(Signal(SignalKind.DUTY_ANSWER, point=point, detail="duty_check_answer"))
    return out


def signals_from(frame: Frame) -> list[Signal]:
    """The signals in one frame sent by a device; always at least a heartbeat."""
    return signals_from_data(frame.data)


def signals_from_data(data: AppData | None) -> list[Signal]:
    """The signals in a frame's application data (None: a frame without any)."""
    out = [Signal(SignalKind.HEARTBEAT)]
    if data is None or not data.known:
        return out
    for obj in data.objects:
        if data.type in STATE_TYPES:
            out += _from_state(obj)
        elif data.type in OPERATION_TYPES:
            out += _from_operation(data.type, obj)
    return out
