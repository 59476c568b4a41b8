"""Code tables of GB/T 26875.3-2011 with zh-CN and English names.

Sources, by the standard's numbering: Table 2 (command byte), Table 3 (type flags), Table 4
(system types), Table 5 (component types), Table 6 (analog types), 图6/7/13 (state bits) and
图9/14 (operation flags). Reserved and user-defined codes are not listed; :func:`name_of` names
them by range so a decoder never fails on an unlisted code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class Name(NamedTuple):
    zh: str
    en: str


class Bit(NamedTuple):
    """One bit of a state or operation byte: its slug and names when the bit is set (= 1)."""

    slug: str
    zh: str
    en: str


RESERVED = Name("预留", "reserved")
USER_DEFINED = Name("用户自定义", "user-defined")


def name_of(table: Mapping[int, Name], code: int, user_defined_from: int = 128) -> Name:
    """The name of ``code`` in ``table``; unlisted codes are reserved or user-defined by range."""
    if code in table:
        return table[code]
    return USER_DEFINED if code >= user_defined_from else RESERVED


# Table 2 — 命令字节.
COMMANDS: dict[int, Name] = {
    1: Name("控制命令", "control"),
    2: Name("发送数据", "send data"),
    3: Name("确认", "confirm"),
    4: Name("请求", "request"),
    5: Name("应答", "response"),
    6: Name("否认", "deny"),
}
CONTROL, SEND, CONFIRM, REQUEST, RESPONSE, DENY = 1, 2, 3, 4, 5, 6

# Table 3 — 类型标志 (up 1–28, down 61–91). Table 3 leaves 255 unlisted; ``name_of`` calls it
# user-defined with 128–254, the nearest reading.
TYPE_FLAGS: dict[int, Name] = {
    1: Name("上传建筑消防设施系统状态", "upload facility system state"),
    2: Name("上传建筑消防设施部件运行状态", "upload component running state"),
    3: Name("上传建筑消防设施部件模拟量值", "upload component analog value"),
    4: Name("上传建筑消防设施操作信息", "upload facility operation record"),
    5: Name("上传建筑消防设施软件版本", "upload facility software version"),
    6: Name("上传建筑消防设施系统配置情况", "upload facility system configuration"),
    7: Name("上传建筑消防设施部件配置情况", "upload component configuration"),
    8: Name("上传建筑消防设施系统时间", "upload facility system time"),
    21: Name("上传用户信息传输装置运行状态", "upload UITD running state"),
    24: Name("上传用户信息传输装置操作信息", "upload UITD operation record"),
    25: Name("上传用户信息传输装置软件版本", "upload UITD software version"),
    26: Name("上传用户信息传输装置配置情况", "upload UITD configuration"),
    28: Name("上传用户信息传输装置系统时间", "upload UITD system time"),
    61: Name("读建筑消防设施系统状态", "read facility system state"),
    62: Name("读建筑消防设施部件运行状态", "read component running state"),
    63: Name("读建筑消防设施部件模拟量值", "read component analog value"),
    64: Name("读建筑消防设施操作信息", "read facility operation records"),
    65: Name("读建筑消防设施软件版本", "read facility software version"),
    66: Name("读建筑消防设施系统配置情况", "read facility system configuration"),
    67: Name("读建筑消防设施部件配置情况", "read component configuration"),
    68: Name("读建筑消防设施系统时间", "read facility system time"),
    81: Name("读用户信息传输装置运行状态", "read UITD running state"),
    84: Name("读用户信息传输装置操作信息记录", "read UITD operation records"),
    85: Name("读用户信息传输装置软件版本", "read UITD software version"),
    86: Name("读用户信息传输装置配置情况", "read UITD configuration"),
    88: Name("读用户信息传输装置系统时间", "read UITD system time"),
    89: Name("初始化用户信息传输装置", "initialise UITD"),
    90: Name("同步用户信息传输装置时钟", "synchronise UITD clock"),
    91: Name("查岗命令", "duty check"),
}

# Table 4 — 系统类型.
SYSTEM_TYPES: dict[int, Name] = {
    0: Name("通用", "general"),
    1: Name("火灾报警系统", "fire alarm system"),
    10: Name("消防联动控制器", "fire linkage controller"),
    11: Name("消火栓系统", "hydrant system"),
    12: Name("自动喷水灭火系统", "automatic sprinkler system"),
    13: Name("气体灭火系统", "gas extinguishing system"),
    14: Name("水喷雾灭火系统（泵启动方式）", "water-spray system, pump-started"),
    15: Name("水喷雾灭火系统（压力容器启动方式）", "water-spray system, pressure-vessel-started"),
    16: Name("泡沫灭火系统", "foam system"),
    17: Name("干粉灭火系统", "dry-powder system"),
    18: Name("防烟排烟系统", "smoke control system"),
    19: Name("防火门及卷帘系统", "fire doors and fire shutters"),
    20: Name("消防电梯", "firefighters' lift"),
    21: Name("消防应急广播", "emergency public address"),
    22: Name("消防应急照明和疏散指示系统", "emergency lighting and evacuation signage"),
    23: Name("消防电源", "fire power supply"),
    24: Name("消防电话", "fire telephone"),
}

# Table 5 — 部件类型.
COMPONENT_TYPES: dict[int, Name] = {
    0: Name("通用", "general"),
    1: Name("火灾报警控制器", "fire alarm control panel"),
    10: Name("可燃气体探测器", "combustible gas detector"),
    11: Name("点型可燃气体探测器", "point combustible gas detector"),
    12: Name("独立式可燃气体探测器", "stand-alone combustible gas detector"),
    13: Name("线型可燃气体探测器", "line combustible gas detector"),
    16: Name("电气火灾监控报警器", "electrical fire monitoring alarm unit"),
    17: Name("剩余电流式电气火灾监控探测器", "residual-current electrical fire detector"),
    18: Name("测温式电气火灾监控探测器", "temperature-type electrical fire detector"),
    21: Name("探测回路", "detection loop"),
    22: Name("火灾显示盘", "fire display panel"),
    23: Name("手动火灾报警按钮", "manual call point"),
    24: Name("消火栓按钮", "hydrant button"),
    25: Name("火灾探测器", "fire detector"),
    30: Name("感温火灾探测器", "heat detector"),
    31: Name("点型感温火灾探测器", "point heat detector"),
    32: Name("点型感温火灾探测器（S型）", "point heat detector, class S"),
    33: Name("点型感温火灾探测器（R型）", "point heat detector, class R"),
    34: Name("线型感温火灾探测器", "linear heat detector"),
    35: Name("线型感温火灾探测器（S型）", "linear heat detector, class S"),
    36: Name("线型感温火灾探测器（R型）", "linear heat detector, class R"),
    37: Name("光纤感温火灾探测器", "fibre-optic linear heat detector"),
    40: Name("感烟火灾探测器", "smoke detector"),
    41: Name("点型离子感烟火灾探测器", "point ionisation smoke detector"),
    42: Name("点型光电感烟火灾探测器", "point photoelectric smoke detector"),
    43: Name("线型光束感烟火灾探测器", "optical-beam smoke detector"),
    44: Name("吸气式感烟火灾探测器", "aspirating smoke detector"),
    50: Name("复合式火灾探测器", "multi-sensor fire detector"),
    51: Name("复合式感烟感温火灾探测器", "multi-sensor, smoke and heat"),
    52: Name("复合式感光感温火灾探测器", "multi-sensor, flame and heat"),
    53: Name("复合式感光感烟火灾探测器", "multi-sensor, flame and smoke"),
    61: Name("紫外火焰探测器", "ultraviolet flame detector"),
    62: Name("红外火焰探测器", "infrared flame detector"),
    69: Name("感光火灾探测器", "flame detector"),
    74: Name("气体探测器", "gas detector"),
    78: Name("图像摄像方式火灾探测器", "video fire detector"),
    79: Name("感声火灾探测器", "acoustic fire detector"),
    81: Name("气体灭火控制器", "gas extinguishing control panel"),
    82: Name("消防电气控制装置", "fire electrical control device"),
    83: Name("消防控制室图形显示装置", "fire control room graphic display"),
    84: Name("模块", "module"),
    85: Name("输入模块", "input module"),
    86: Name("输出模块", "output module"),
    87: Name("输入/输出模块", "input/output module"),
    88: Name("中继模块", "repeater module"),
    91: Name("消防水泵", "fire pump"),
    92: Name("消防水箱", "fire water tank"),
    95: Name("喷淋泵", "sprinkler pump"),
    96: Name("水流指示器", "water-flow indicator"),
    97: Name("信号阀", "signal valve"),
    98: Name("报警阀", "alarm valve"),
    99: Name("压力开关", "pressure switch"),
    101: Name("阀驱动装置", "valve actuator"),
    102: Name("防火门", "fire door"),
    103: Name("防火阀", "fire damper"),
    104: Name("通风空调", "ventilation and air conditioning"),
    105: Name("泡沫液泵", "foam concentrate pump"),
    106: Name("管网电磁阀", "pipework solenoid valve"),
    111: Name("防烟排烟风机", "smoke control fan"),
    113: Name("排烟防火阀", "smoke-exhaust fire damper"),
    114: Name("常闭送风口", "normally-closed supply-air outlet"),
    115: Name("排烟口", "smoke exhaust outlet"),
    116: Name("电控挡烟垂壁", "electrically controlled smoke curtain"),
    117: Name("防火卷帘控制器", "fire shutter controller"),
    118: Name("防火门监控器", "fire door monitor"),
    121: Name("警报装置", "alarm sounder"),
}


class Analog(NamedTuple):
    """Table 6 row: names, unit and resolution (最小计量单元) of one raw step."""

    zh: str
    en: str
    unit: str
    resolution: float


# Table 6 — 模拟量类型. Physical value = signed raw int16 × resolution.
ANALOG_TYPES: dict[int, Analog] = {
    1: Analog("事件计数", "event count", "件", 1),
    2: Analog("高度", "height", "m", 0.01),
    3: Analog("温度", "temperature", "℃", 0.1),
    4: Analog("压力", "pressure", "MPa", 0.1),
    5: Analog("压力", "pressure", "kPa", 0.1),
    6: Analog("气体浓度", "gas concentration", "%LEL", 0.1),
    7: Analog("时间", "time", "s", 1),
    8: Analog("电压", "voltage", "V", 0.1),
    9: Analog("电流", "current", "A", 0.1),
    10: Analog("流量", "flow", "L/s", 0.1),
    11: Analog("风量", "air volume", "m³/min", 0.1),
    12: Analog("风速", "wind speed", "m/s", 1),
}

# Bit 0 of every state word is inverted: 1 = normal running, 0 = test (图6, 7, 13). A clear bit 0
# is reported as the extra flag ``TEST`` so that a reader never has to remember the inversion.
TEST = Bit("test", "测试状态", "test")

# 图6 — 建筑消防设施系统状态 (uint16).
SYSTEM_STATE_BITS: dict[int, Bit] = {
    0: Bit("normal", "正常运行状态", "normal running"),
    1: Bit("fire_alarm", "火警", "fire alarm"),
    2: Bit("fault", "故障", "fault"),
    3: Bit("disabled", "屏蔽", "disabled"),
    4: Bit("supervisory", "监管", "supervisory"),
    5: Bit("started", "启动（开启）", "started"),
    6: Bit("feedback", "反馈", "feedback"),
    7: Bit("delay", "延时状态", "delay"),
    8: Bit("mains_power_fault", "主电故障", "mains power fault"),
    9: Bit("backup_power_fault", "备电故障", "backup power fault"),
    10: Bit("bus_fault", "总线故障", "bus fault"),
    11: Bit("manual", "手动状态", "manual mode"),
    12: Bit("configuration_changed", "配置改变", "configuration changed"),
    13: Bit("reset", "复位", "reset"),
}

# 图7 — 建筑消防设施部件状态 (uint16).
COMPONENT_STATE_BITS: dict[int, Bit] = {
    **{b: SYSTEM_STATE_BITS[b] for b in range(8)},
    8: Bit("power_fault", "电源故障", "power fault"),
}

# 图13 — 用户信息传输装置运行状态 (1 byte).
UITD_STATE_BITS: dict[int, Bit] = {
    0: Bit("normal", "正常监视状态", "normal monitoring"),
    1: Bit("fire_alarm", "火警", "fire alarm"),
    2: Bit("fault", "故障", "fault"),
    3: Bit("mains_power_fault", "主电故障", "mains power fault"),
    4: Bit("backup_power_fault", "备电故障", "backup power fault"),
    5: Bit("link_fault", "与监控中心通信信道故障", "link to the centre failed"),
    6: Bit("line_fault", "监测连接线路故障", "monitored connection line failed"),
}

# 图9 — 建筑消防设施操作标志 (1 byte).
FACILITY_OPERATION_BITS: dict[int, Bit] = {
    0: Bit("reset", "复位", "reset"),
    1: Bit("silence", "消音", "silence"),
    2: Bit("manual_alarm", "手动报警", "manual alarm"),
    3: Bit("alarm_cleared", "警情消除", "alarm cleared"),
    4: Bit("self_test", "自检", "self-test"),
    5: Bit("acknowledge", "确认", "acknowledge"),
    6: Bit("test", "测试", "test"),
}

# 图14 — 用户信息传输装置操作标志: as 图9 except bit 5 (查岗应答).
UITD_OPERATION_BITS: dict[int, Bit] = {
    **FACILITY_OPERATION_BITS,
    5: Bit("duty_check_answer", "查岗应答", "duty-check answer"),
}
