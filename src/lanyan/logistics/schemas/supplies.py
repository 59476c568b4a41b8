"""API shapes of consumable supplies (物资) and 战勤保障模块."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lanyan.logistics.choices import ModuleKind, StockReason, SupplyCategory
from lanyan.logistics.schemas.equipment import CODE


class SupplyKindCreate(BaseModel):
    """A consumable in the catalogue; ``shelf_life_days`` empty when it does not expire."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    category: SupplyCategory
    unit_name: str = Field(min_length=1, max_length=10, description="计量单位, e.g. 吨, 升, 箱")
    shelf_life_days: int | None = Field(None, gt=0, le=36500, description="保质期 (days)")


class LotReceive(BaseModel):
    """A batch received into a depot (入库). ``expires_on`` defaults from the kind's shelf life."""

    model_config = ConfigDict(extra="forbid")

    kind_code: str
    depot_code: str
    lot: str = Field(min_length=1, max_length=40, description="批号")
    quantity: float = Field(gt=0, le=1e9)
    received_on: date | None = None
    expires_on: date | None = None
    note: str = Field("", max_length=255)

    @model_validator(mode="after")
    def _expiry_after_receipt(self) -> LotReceive:
        if self.expires_on and self.received_on and self.expires_on <= self.received_on:
            raise ValueError("expires_on must be after received_on")
        return self


class StockIssue(BaseModel):
    """Take a quantity out of a depot (出库), first-expiring lots first (先到期先出)."""

    model_config = ConfigDict(extra="forbid")

    kind_code: str
    depot_code: str
    quantity: float = Field(gt=0, le=1e9)
    reason: StockReason
    incident_code: str | None = None
    on: date | None = None
    note: str = Field("", max_length=255)


class ModuleLineIn(BaseModel):
    """One line of a module's reserve standard: a supply kind or an equipment kind."""

    model_config = ConfigDict(extra="forbid")

    supply_kind_code: str | None = None
    equipment_kind_code: str | None = None
    quantity: float = Field(gt=0, le=1e9)

    @model_validator(mode="after")
    def _one_kind(self) -> ModuleLineIn:
        if (self.supply_kind_code is None) == (self.equipment_kind_code is None):
            raise ValueError("give exactly one of supply_kind_code and equipment_kind_code")
        return self


class ModuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    kind: ModuleKind
    depot_code: str
    lines: list[ModuleLineIn] = Field(min_length=1, max_length=200)


class SupplyDispatchRequest(BaseModel):
    """One-click dispatch: empty ``modules`` sends what the dispatch standard asks for."""

    model_config = ConfigDict(extra="forbid")

    incident_code: str
    modules: list[str] = Field(default_factory=list, description="module codes to send instead")
