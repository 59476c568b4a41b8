"""GB/T 26875.3-2011 报警传输网络通信协议: frames and application data, plain Python.

Facts come from ``/work/shared/reference/gb26875.md`` (the standard's tables and the deviations
of real devices); the docstrings cite the standard's table and figure numbers.
"""

from lanyan.monitoring.gb26875.appdata import (
    LAYOUTS,
    AppData,
    AppDataError,
    decode_appdata,
    encode_appdata,
)
from lanyan.monitoring.gb26875.frame import (
    Frame,
    FrameError,
    checksum,
    decode,
    encode,
    frame_length,
    reply,
)
from lanyan.monitoring.gb26875.jsonview import frame_from_json, frame_to_json
from lanyan.monitoring.gb26875.timestamps import DeviceTime

__all__ = [
    "LAYOUTS",
    "AppData",
    "AppDataError",
    "DeviceTime",
    "Frame",
    "FrameError",
    "checksum",
    "decode",
    "decode_appdata",
    "encode",
    "encode_appdata",
    "frame_from_json",
    "frame_length",
    "frame_to_json",
    "reply",
]
