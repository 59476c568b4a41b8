"""What the vehicles API answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class VehiclePositionPublic(BaseModel):
    """A vehicle's latest reported position; ``stale`` when nothing arrived for the stale
    period (default 5 minutes)."""

    vehicle_code: str
    plate: str
    vehicle_status: str
    phone: str
    lat: float
    lon: float
    speed_kmh: float
    heading: int
    alarm: int
    terminal_status: int
    reported_at: datetime
    received_at: datetime
    stale: bool


class TrackPoint(BaseModel):
    """One stored position of a vehicle's track (轨迹)."""

    reported_at: datetime
    lat: float
    lon: float
    speed_kmh: float
    heading: int


class BindTerminal(BaseModel):
    """Bind a terminal (by its phone, 终端手机号) to a registry vehicle."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: str = Field(min_length=1, max_length=20, pattern=r"^[0-9]+$")
    vehicle_code: str = Field(min_length=1, max_length=32)


class TerminalPublic(BaseModel):
    phone: str
    vehicle_code: str


class BrowserPosition(BaseModel):
    """A position from the crew terminal's browser geolocation (WGS-84 as the browser gives)."""

    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: datetime | None = Field(None, description="the fix's time; default: now")
    speed_kmh: float = Field(0.0, ge=0, le=300)
    heading: int = Field(0, ge=0, le=359)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone")
        return value


class BrowserPositionStored(BaseModel):
    vehicle_code: str
    lat: float
    lon: float
    reported_at: datetime
