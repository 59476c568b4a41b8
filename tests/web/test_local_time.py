"""Times shown to people are in Asia/Shanghai, through one helper (core.timeutil.local_text)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from lanyan.core.timeutil import local_clock, local_text

SRC = Path(__file__).resolve().parents[2] / "src" / "lanyan"
# A datetime formatted in place (not through local_text/ui.time) shows the server's or UTC time.
FORMATTED_IN_PLACE = re.compile(r"\.strftime\(|\.astimezone\(\)")


def test_local_text_is_beijing_time_whatever_the_input_zone() -> None:
    assert local_text(datetime(2026, 12, 7, 16, 30, tzinfo=UTC)) == "2026-12-08 00:30:00"
    assert local_text(datetime(2026, 12, 7, 16, 30)) == "2026-12-08 00:30:00"  # naive = UTC
    assert local_text(None) == "—"
    assert local_clock(datetime(2026, 12, 7, 3, 5, tzinfo=UTC)) == "11:05"


def test_pages_and_commands_format_times_only_through_the_helper() -> None:
    places = [
        *SRC.joinpath("web", "templates").rglob("*.html"),
        *SRC.joinpath("web").glob("*.py"),
        *SRC.joinpath("cli").glob("*.py"),
        *SRC.joinpath("api").glob("*.py"),
    ]
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in places
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORMATTED_IN_PLACE.search(line)
    ]
    assert offenders == []
