"""API shapes of logistics: depots, catalogue entries, requirements, items and their moves."""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lanyan.logistics.choices import EquipmentCategory, ItemAction, ItemState, LocationKind

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$"
EPC = re.compile(r"^[0-9A-F]{8,64}$")


class DepotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    address: str = Field("", max_length=255)
    jurisdiction_code: str


class KindCreate(BaseModel):
    """A catalogue entry; cycles in days, empty when the kind has none."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    category: EquipmentCategory
    unit_name: str = Field("件", min_length=1, max_length=10)
    inspection_days: int | None = Field(None, gt=0, le=3650, description="检查周期 (days)")
    maintenance_days: int | None = Field(None, gt=0, le=3650, description="维护周期 (days)")


class RequirementSet(BaseModel):
    """配备标准: ``quantity`` items of ``kind_code`` required at ``station_code``."""

    model_config = ConfigDict(extra="forbid")

    station_code: str
    kind_code: str
    quantity: int = Field(ge=0, le=100000)


class ItemCreate(BaseModel):
    """A purchased item (采购). It waits at the depot it will be put into."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE, description="装备编号, printed on the label")
    kind_code: str
    depot_code: str
    tag_epc: str | None = Field(None, description="RFID EPC as hex, e.g. 96-bit: 24 hex digits")
    serial: str = Field("", max_length=64)
    purchased_on: date | None = None

    @field_validator("tag_epc")
    @classmethod
    def _epc(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().upper()
        if not EPC.match(value):
            raise ValueError("must be 8–64 hexadecimal digits (an RFID EPC)")
        return value


class MoveCreate(BaseModel):
    """A lifecycle action on an item; 入库/退库/配发 say where the item goes."""

    model_config = ConfigDict(extra="forbid")

    action: ItemAction
    location_kind: LocationKind | None = None
    location_code: str | None = None
    on: date | None = Field(None, description="the day it happened; default: today")
    note: str = Field("", max_length=255)


class EventPublic(BaseModel):
    action: ItemAction
    from_state: ItemState | None
    to_state: ItemState
    location: str
    on: date
    at: datetime
    note: str
    recorded_by: str


class ItemPublic(BaseModel):
    code: str
    kind_code: str
    kind_name: str
    category: EquipmentCategory
    tag_epc: str | None
    serial: str
    state: ItemState
    location_kind: LocationKind
    location_code: str
    location_name: str
    jurisdiction_code: str
    purchased_on: date | None
    last_inspected_on: date | None
    inspection_due: date | None
    maintenance_due: date | None
    legal_actions: list[ItemAction]
    label_url: str
    history: list[EventPublic] = []
