"""Geocoder tables: house-number addresses (门牌), imported from files. Landmarks (POI) are the
registry's ``landmarks`` type; a ``poi`` row here is one imported before that type existed that
no jurisdiction could take (migration b4e1d7a9c352), still indexed."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped


class GeocodePlace(Timestamped, Base):
    """A place the registry does not hold: a house number (门牌 ``address``) with its WGS84
    point (or a legacy ``poi``, see the module's docstring)."""

    __tablename__ = "geocode_places"
    __table_args__ = (UniqueConstraint("kind", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # address | poi
    label: Mapped[str] = mapped_column(String(255))  # 永泰路155号, 人民广场
    alias: Mapped[str] = mapped_column(String(255), default="")  # another name (曾用名, 俗称)
    road: Mapped[str] = mapped_column(String(100), default="")
    number: Mapped[int | None] = mapped_column(Integer)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
