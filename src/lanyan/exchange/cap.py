"""CAP 1.2 (OASIS Common Alerting Protocol, the format China's meteorological warnings are
published in): parse one alert and check the fields Lanyan needs. Pure: no database, no HTTP.

XML is parsed with the standard library's expat into an ElementTree (defusedxml is not
installed); a document carrying a DOCTYPE or any entity declaration is refused before any
entity is expanded, so entity bombs and external entities never run.

Level mapping (颜色等级), documented in the README "Weather warnings (CAP 1.2)":
a Chinese warning level in ``<parameter>`` (``预警级别``/``level``: 蓝色/黄色/橙色/红色 or
blue/yellow/orange/red) wins; otherwise CAP ``severity`` maps Minor→蓝 (blue), Moderate→黄
(yellow), Severe→橙 (orange), Extreme→红 (red), Unknown→蓝.
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, TreeBuilder

from lanyan.core.errors import FieldProblem, ValidationFailed

NS = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_BYTES = 1_000_000
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
LEVEL_OF_SEVERITY = {
    "Minor": "blue",
    "Moderate": "yellow",
    "Severe": "orange",
    "Extreme": "red",
    "Unknown": "blue",
}
LEVEL_WORDS = {
    "蓝色": "blue",
    "黄色": "yellow",
    "橙色": "orange",
    "红色": "red",
    "blue": "blue",
    "yellow": "yellow",
    "orange": "orange",
    "red": "red",
}
LEVEL_PARAMETERS = ("预警级别", "level", "warninglevel", "alertlevel")


@dataclass(frozen=True)
class CapAlert:
    """One checked CAP alert: the first ``<info>`` (zh-CN preferred) and its areas.
    ``polygons`` are rings of (lon, lat) WGS84; ``circles`` are (lon, lat, radius km)."""

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    references: tuple[str, ...]  # identifiers of earlier alerts (Update/Cancel)
    event: str
    severity: str
    urgency: str
    certainty: str
    level: str  # blue | yellow | orange | red
    headline: str
    description: str
    sender_name: str
    area_desc: str
    onset: datetime | None
    expires: datetime | None
    polygons: tuple[tuple[tuple[float, float], ...], ...]
    circles: tuple[tuple[float, float, float], ...]


class _Refused(Exception):
    pass


def _refuse(*_: object) -> Any:
    raise _Refused


def parse_xml(data: bytes) -> Element:
    """The root element of ``data``; ValidationFailed if it is not well-formed XML, is too big,
    or declares a DOCTYPE or an entity."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            "CAP document too large", [FieldProblem("body", f"at most {MAX_BYTES} bytes")]
        )
    builder = TreeBuilder()
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse

    def start(tag: str, attrs: dict[str, str]) -> None:
        builder.start("{" + tag if "}" in tag else tag, attrs)

    def end(tag: str) -> None:
        builder.end("{" + tag if "}" in tag else tag)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except _Refused:
        raise ValidationFailed(
            "CAP document refused",
            [FieldProblem("body", "DOCTYPE and entity declarations are not accepted")],
        ) from None
    except xml.parsers.expat.ExpatError as exc:
        raise ValidationFailed(
            "CAP document is not well-formed XML", [FieldProblem("body", str(exc))]
        ) from None
    return builder.close()


def _text(node: Element | None, name: str) -> str:
    if node is None:
        return ""
    child = node.find(f"{{{NS}}}{name}")
    return (child.text or "").strip() if child is not None else ""


def _time(value: str, field: str, problems: list[FieldProblem]) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        problems.append(FieldProblem(field, "must be a CAP date-time (2026-12-07T08:00:00+08:00)"))
        return None
    if at.tzinfo is None:
        problems.append(FieldProblem(field, "must carry a time zone offset"))
        return None
    return at.astimezone(UTC)


def _one_of(value: str, allowed: tuple[str, ...], field: str, problems: list[FieldProblem]) -> None:
    if not value:
        problems.append(FieldProblem(field, "is required"))
    elif value not in allowed:
        problems.append(FieldProblem(field, "must be one of " + ", ".join(allowed)))


def _polygon(text: str, problems: list[FieldProblem]) -> tuple[tuple[float, float], ...]:
    ring: list[tuple[float, float]] = []
    try:
        for pair in text.split():
            lat_s, lon_s = pair.split(",")
            lat, lon = float(lat_s), float(lon_s)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            ring.append((lon, lat))  # CAP writes "lat,lon"; we keep GeoJSON order
    except ValueError:
        problems.append(FieldProblem("area/polygon", 'must be pairs "lat,lon" in range'))
        return ()
    if len(ring) < 4 or ring[0] != ring[-1]:
        problems.append(FieldProblem("area/polygon", "must be a closed ring of ≥ 4 points"))
        return ()
    return tuple(ring)


def _circle(text: str, problems: list[FieldProblem]) -> tuple[float, float, float] | None:
    try:
        centre, radius_s = text.split()
        lat_s, lon_s = centre.split(",")
        lat, lon, radius = float(lat_s), float(lon_s), float(radius_s)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and radius >= 0):
            raise ValueError
    except ValueError:
        problems.append(FieldProblem("area/circle", 'must be "lat,lon radius_km"'))
        return None
    return (lon, lat, radius)


def _info(root: Element) -> Element | None:
    infos = root.findall(f"{{{NS}}}info")
    for info in infos:
        if _text(info, "language").lower().startswith("zh"):
            return info
    return infos[0] if infos else None


def _level(info: Element, severity: str) -> str:
    for parameter in info.findall(f"{{{NS}}}parameter"):
        name = _text(parameter, "valueName").replace(" ", "").lower()
        if name in LEVEL_PARAMETERS:
            value = _text(parameter, "value").lower()
            for word, level in LEVEL_WORDS.items():
                if word in value:
                    return level
    return LEVEL_OF_SEVERITY.get(severity, "blue")


def read_alert(data: bytes) -> CapAlert:
    """Parse and check one CAP 1.2 alert; ValidationFailed naming every missing or bad field."""
    root = parse_xml(data)
    if root.tag != f"{{{NS}}}alert":
        raise ValidationFailed(
            "not a CAP 1.2 alert", [FieldProblem("alert", f"root must be <alert xmlns={NS!r}>")]
        )
    problems: list[FieldProblem] = []
    head = {n: _text(root, n) for n in ("identifier", "sender", "sent", "status", "msgType")}
    for name in ("identifier", "sender", "sent"):
        if not head[name]:
            problems.append(FieldProblem(name, "is required"))
    sent = _time(head["sent"], "sent", problems)
    _one_of(head["status"], STATUSES, "status", problems)
    _one_of(head["msgType"], MSG_TYPES, "msgType", problems)
    # references: "sender,identifier,sent" triples separated by blanks
    references = tuple(r.split(",")[1] for r in _text(root, "references").split() if "," in r)
    if head["msgType"] in ("Update", "Cancel") and not references:
        problems.append(FieldProblem("references", f"is required for msgType {head['msgType']}"))
    info = _info(root)
    if info is None:
        raise ValidationFailed(
            "CAP alert has no <info>", [*problems, FieldProblem("info", "is required")]
        )
    fields = {n: _text(info, n) for n in ("event", "severity", "urgency", "certainty")}
    if not fields["event"]:
        problems.append(FieldProblem("info/event", "is required"))
    _one_of(fields["severity"], SEVERITIES, "info/severity", problems)
    _one_of(fields["urgency"], URGENCIES, "info/urgency", problems)
    _one_of(fields["certainty"], CERTAINTIES, "info/certainty", problems)
    onset = _time(_text(info, "onset") or _text(info, "effective"), "info/onset", problems)
    expires = _time(_text(info, "expires"), "info/expires", problems)
    if head["msgType"] != "Cancel" and expires is None:
        problems.append(FieldProblem("info/expires", "is required"))
    if onset and expires and expires <= onset:
        problems.append(FieldProblem("info/expires", "must be after onset"))
    polygons, circles, descs = [], [], []
    for area in info.findall(f"{{{NS}}}area"):
        descs.append(_text(area, "areaDesc"))
        for node in area.findall(f"{{{NS}}}polygon"):
            if ring := _polygon(node.text or "", problems):
                polygons.append(ring)
        for node in area.findall(f"{{{NS}}}circle"):
            if circle := _circle(node.text or "", problems):
                circles.append(circle)
    if not polygons and not circles and head["msgType"] != "Cancel":
        problems.append(FieldProblem("info/area", "needs a polygon or a circle"))
    if problems or sent is None:
        raise ValidationFailed("CAP alert is incomplete or wrong", problems)
    return CapAlert(
        identifier=head["identifier"][:200],
        sender=head["sender"][:200],
        sent=sent,
        status=head["status"],
        msg_type=head["msgType"],
        references=references,
        event=fields["event"][:100],
        severity=fields["severity"],
        urgency=fields["urgency"],
        certainty=fields["certainty"],
        level=_level(info, fields["severity"]),
        headline=_text(info, "headline")[:300],
        description=_text(info, "description"),
        sender_name=_text(info, "senderName")[:200],
        area_desc="；".join(d for d in descs if d)[:500],
        onset=onset,
        expires=expires,
        polygons=tuple(polygons),
        circles=tuple(circles),
    )
