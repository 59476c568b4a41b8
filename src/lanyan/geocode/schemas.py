"""What the geocoder answers over HTTP and on the command line."""

from __future__ import annotations

from pydantic import BaseModel, Field

from lanyan.geocode.matcher import Answer, Hit, reason_of


class GeocodeHit(BaseModel):
    kind: str = Field(
        description="building, unit, address, road, junction, division, station, hydrant, poi"
    )
    label: str
    lon: float = Field(description="WGS84 longitude")
    lat: float = Field(description="WGS84 latitude")
    confidence: float = Field(ge=0, le=1)
    why: str = Field(description="why it matched")
    reason: str = Field(
        description="why as a key: code, house_number, nearest_number, junction, initials, "
        "nearest_road, division_named, nearest_building, sounds_like, part_of, name, alias"
    )
    code: str = ""

    @classmethod
    def of(cls, hit: Hit) -> GeocodeHit:
        return cls(
            kind=hit.kind.value,
            label=hit.label,
            lon=hit.lon,
            lat=hit.lat,
            confidence=hit.confidence,
            why=hit.why,
            reason=reason_of(hit.why),
            code=hit.code,
        )


class GeocodeAnswer(BaseModel):
    """Hits best first (top ``limit`` of ``total``). ``picked`` is set only when one hit is sure
    (confidence ≥ 0.85) and clear of the next; else ``ambiguous`` and a person chooses. When
    nothing matched, ``nearest`` is the closest road or division by name."""

    query: str
    total: int
    limit: int
    hits: list[GeocodeHit]
    picked: GeocodeHit | None = None
    ambiguous: bool = False
    nearest: GeocodeHit | None = None
    message: str = ""

    @classmethod
    def of(cls, answer: Answer, limit: int, total: int) -> GeocodeAnswer:
        return cls(
            query=answer.query,
            total=total,
            limit=limit,
            hits=[GeocodeHit.of(h) for h in answer.hits[:limit]],
            picked=GeocodeHit.of(answer.picked) if answer.picked else None,
            ambiguous=answer.ambiguous,
            nearest=GeocodeHit.of(answer.nearest) if answer.nearest else None,
            message=answer.message,
        )


class SnapAnswer(BaseModel):
    """The building nearest to a map click, if one lies within ``within_m``."""

    lon: float
    lat: float
    within_m: float
    building: GeocodeHit | None = None
    distance_m: float | None = None
