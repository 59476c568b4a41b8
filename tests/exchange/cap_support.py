"""The Dafeng gale warning sample (tests/fixtures/cap), re-dated around a given time."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

SAMPLE = Path(__file__).parent.parent / "fixtures" / "cap" / "dafeng_gale_yellow.xml"
IDENTIFIER = "32090441600000_20261207080000"


def cap_sample(
    now: datetime,
    identifier: str = IDENTIFIER,
    msg_type: str = "Alert",
    references: str = "",
    level: str = "黄色",
) -> bytes:
    """The sample as if sent an hour before ``now`` and in force for a day."""
    text = SAMPLE.read_text(encoding="utf-8")
    sent = (now - timedelta(hours=1)).isoformat(timespec="seconds")
    until = (now + timedelta(hours=23)).isoformat(timespec="seconds")
    for old, new in (
        ("2026-12-07T08:00:00+08:00", sent),
        ("2026-12-08T08:00:00+08:00", until),
        (IDENTIFIER, identifier),
        ("<msgType>Alert</msgType>", f"<msgType>{msg_type}</msgType>"),
        ("<value>黄色</value>", f"<value>{level}</value>"),
    ):
        text = text.replace(old, new)
    if references:
        text = text.replace("<scope>", f"<references>{references}</references>\n  <scope>", 1)
    return text.encode("utf-8")
