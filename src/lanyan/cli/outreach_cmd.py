"""``lanyan outreach``: import the roster, certificates, trainings and health checks, import an
awareness questionnaire export, and print the stations' open-day check.

Without ``--as`` the commands act as the unrestricted system actor ``system:cli``; with it, as
that user (their jurisdiction). Imports are all or nothing: any bad row and nothing is written.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from lanyan.cli.common import actor_for, console, friendly_errors, load_settings, sessions
from lanyan.outreach import service
from lanyan.store.db import unit_of_work

AsOpt = Annotated[
    str | None, typer.Option("--as", help="act as this user (their role and jurisdiction)")
]


class RosterFile(StrEnum):
    PEOPLE = "people"
    CERTIFICATIONS = "certifications"
    TRAININGS = "trainings"
    HEALTH_CHECKS = "health-checks"


def register(app: typer.Typer) -> None:
    """Add the ``outreach`` command group to ``app``."""
    group = typer.Typer(
        help="People, training and outreach (人员、培训、宣传教育).", no_args_is_help=True
    )
    app.add_typer(group, name="outreach")

    @group.command("import")
    def import_(
        what: Annotated[
            RosterFile, typer.Argument(help="people, certifications, trainings or health-checks")
        ],
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX")],
        as_user: AsOpt = None,
    ) -> None:
        """Import a roster file; columns are the API's field names."""
        settings = load_settings()
        with friendly_errors(), unit_of_work(sessions(settings)) as session:
            actor, scope = actor_for(session, as_user, "cli")
            n = service.import_rows(session, actor, scope, what.value, file.read_bytes(), file.name)
        console.print(f"[green]{n} {what.value} imported[/green] (导入成功)")

    @group.command("survey")
    def survey_(
        file: Annotated[
            Path,
            typer.Argument(exists=True, dir_okay=False, help="questionnaire export, CSV or XLSX"),
        ],
        jurisdiction: Annotated[str, typer.Option(help="code of the surveyed jurisdiction")],
        key: Annotated[str, typer.Option(help="answer key id")] = "public-awareness",
        title: Annotated[str, typer.Option(help="name of the survey batch")] = "",
        surveyed_on: Annotated[
            str | None, typer.Option(help="YYYY-MM-DD; default: the latest submission's day")
        ] = None,
        as_user: AsOpt = None,
    ) -> None:
        """Score a questionnaire export (知晓率调查) and store it with every respondent."""
        settings = load_settings()
        day = date.fromisoformat(surveyed_on) if surveyed_on else None
        with friendly_errors(), unit_of_work(sessions(settings)) as session:
            actor, scope = actor_for(session, as_user, "cli")
            row = service.import_survey(
                session,
                actor,
                scope,
                file.read_bytes(),
                file.name,
                jurisdiction,
                key,
                title,
                day,
            )
            figures = (row.respondents, row.passed, row.educated, row.surveyed_on)
        n, passed, educated, when = figures
        console.print(
            f"[green]{n} respondents[/green] on {when}: {passed} passed "
            f"({passed / n * 100:.1f} % 知晓率), {educated} educated ({educated / n * 100:.1f} %)"
        )

    @group.command("open-days")
    def open_days(
        year: Annotated[int, typer.Option(help="the year to check")],
        as_user: AsOpt = None,
    ) -> None:
        """Each station's open days in ``year`` against ≥30 a year and ≥2 a month (Dafeng L327)."""
        settings = load_settings()
        with friendly_errors(), sessions(settings)() as session:
            _, scope = actor_for(session, as_user, "cli")
            checks = service.open_day_checks(session, scope, year)
        table = Table(title=f"消防站开放日 Station open days {year} (≥30/yr, ≥2/month)")
        table.add_column("station 消防站")
        for m in range(1, 13):
            table.add_column(str(m), justify="right")
        table.add_column("days 天", justify="right")
        table.add_column("met 达标")
        for c in checks:
            table.add_row(
                c.station_name,
                *[str(n) for n in c.months],
                str(c.total),
                "✔" if c.met else "✘",
            )
        console.print(table)
