"""``lanyan plan``: list the seed plans, adopt one for a jurisdiction, enter manual values and
project progress, and evaluate a plan for a year as JSON, XLSX or printable HTML."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from lanyan.cli.common import actor_for, console, friendly_errors, load_settings, sessions
from lanyan.logistics.labels import find_font
from lanyan.plans import records
from lanyan.plans.catalog import list_plans, load_plan
from lanyan.plans.report import to_html, to_xlsx
from lanyan.plans.report_pdf import to_pdf
from lanyan.plans.service import build_report, target_jurisdiction
from lanyan.store.db import unit_of_work


class Format(StrEnum):
    JSON = "json"
    XLSX = "xlsx"
    HTML = "html"
    PDF = "pdf"


JurisdictionOpt = Annotated[
    str | None,
    typer.Option("--jurisdiction", help="GB/T 2260 code; default: the one that adopted the plan"),
]
UserOpt = Annotated[str | None, typer.Option("--user", help="act as this user (their scope)")]


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command group to ``app``."""
    plan_app = typer.Typer(help="Fire plans (消防规划): indicators, projects, evaluation.")
    app.add_typer(plan_app, name="plan")

    @plan_app.command("list")
    def list_() -> None:
        """List the seed plans and who adopted them."""
        settings = load_settings()
        with friendly_errors(), sessions(settings)() as session:
            adopted: dict[str, list[str]] = {}
            for plan_id, code, name in records.adoptions(session):
                adopted.setdefault(plan_id, []).append(f"{name} {code}")
        table = Table(title="消防规划 Fire plans")
        for col in (
            "id",
            "规划 plan",
            "地区 region",
            "期 period",
            "指标 computed/manual",
            "项目",
            "采用 adopted by",
        ):
            table.add_column(col)
        for plan in list_plans():
            manual = sum(1 for i in plan.indicators if i.manual)
            table.add_row(
                plan.id,
                plan.title_zh,
                f"{plan.region_name_zh} {plan.region}",
                f"{plan.period_start}–{plan.period_end}",
                f"{len(plan.indicators) - manual}/{manual}",
                str(len(plan.projects)),
                "\n".join(adopted.get(plan.id, [])) or "—",
            )
        console.print(table)

    @plan_app.command("adopt")
    def adopt(
        plan_id: Annotated[str, typer.Argument(metavar="PLAN", help="plan id, e.g. tongzhou")],
        jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="GB/T 2260 code")],
        user: UserOpt = None,
    ) -> None:
        """Adopt a plan for a jurisdiction: its indicators are evaluated over that subtree."""
        settings = load_settings()
        with friendly_errors(), unit_of_work(sessions(settings)) as session:
            actor, scope = actor_for(session, user, "plan")
            records.adopt(session, actor, scope, plan_id, jurisdiction)
        console.print(f"[green]adopted[/green] {plan_id} for {jurisdiction}")

    @plan_app.command("enter")
    def enter(
        plan_id: Annotated[str, typer.Argument(metavar="PLAN")],
        indicator: Annotated[str, typer.Argument(help="id of a manual indicator")],
        jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="GB/T 2260 code")],
        year: Annotated[int, typer.Option(help="year the value is for")],
        value: Annotated[float, typer.Option(help="the value, in the indicator's unit")],
        evidence: Annotated[str, typer.Option(help="what proves the value")],
        evidence_file: Annotated[str, typer.Option(help="file name of the evidence")] = "",
        user: UserOpt = None,
    ) -> None:
        """Enter the value of a manual indicator with its evidence (人工填报)."""
        settings = load_settings()
        with friendly_errors(), unit_of_work(sessions(settings)) as session:
            actor, scope = actor_for(session, user, "plan")
            records.add_manual_entry(
                session,
                actor,
                scope,
                {
                    "plan": plan_id,
                    "indicator": indicator,
                    "jurisdiction": jurisdiction,
                    "year": year,
                    "value": value,
                    "evidence": evidence,
                    "evidence_file": evidence_file,
                },
            )
        console.print(f"[green]entered[/green] {plan_id}.{indicator} {year} = {value}")

    @plan_app.command("progress")
    def progress(
        plan_id: Annotated[str, typer.Argument(metavar="PLAN")],
        project: Annotated[str, typer.Argument(help="project id")],
        jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="GB/T 2260 code")],
        reported_on: Annotated[str, typer.Option(help="date YYYY-MM-DD")],
        milestone: Annotated[str | None, typer.Option(help="a milestone the plan names")] = None,
        quantity: Annotated[float | None, typer.Option(help="quantity delivered")] = None,
        completed: Annotated[bool, typer.Option(help="the project is finished")] = False,
        note: Annotated[str, typer.Option(help="free text")] = "",
        user: UserOpt = None,
    ) -> None:
        """Record progress of a plan project (项目进展)."""
        settings = load_settings()
        with friendly_errors(), unit_of_work(sessions(settings)) as session:
            actor, scope = actor_for(session, user, "plan")
            records.add_progress(
                session,
                actor,
                scope,
                {
                    "plan": plan_id,
                    "project": project,
                    "jurisdiction": jurisdiction,
                    "reported_on": reported_on,
                    "milestone": milestone,
                    "quantity": quantity,
                    "completed": completed,
                    "note": note,
                },
            )
        console.print(f"[green]recorded[/green] {plan_id}.{project} on {reported_on}")

    @plan_app.command("evaluate")
    def evaluate(
        plan_id: Annotated[str, typer.Argument(metavar="PLAN")],
        year: Annotated[int, typer.Option(help="year evaluated, e.g. 2023 (mid-term)")],
        jurisdiction: JurisdictionOpt = None,
        format_: Annotated[
            Format, typer.Option("--format", help="json, xlsx, html or pdf")
        ] = Format.JSON,
        output: Annotated[
            Path | None, typer.Option(help="file to write; default: stdout (json, html)")
        ] = None,
    ) -> None:
        """Evaluate every indicator (and the projects) of a plan for a year.

        JSON is one object per indicator (id, name, value, target, comparison, status, unit,
        lineage …); XLSX, HTML and PDF are the 中期/终期评估 report (the PDF is written in a CJK
        font found as for label sheets: LANYAN_LABEL_FONT or a common system font)."""
        settings = load_settings()
        with friendly_errors(), sessions(settings)() as session:
            plan = load_plan(plan_id)
            place = target_jurisdiction(session, plan, jurisdiction)
            report = build_report(session, plan, place, year)
        if format_ in (Format.XLSX, Format.PDF):
            suffix = format_.value
            path = output or Path(
                f"{plan.id}-{year}-{report.evaluation.jurisdiction_code}.{suffix}"
            )
            with friendly_errors():
                data = (
                    to_xlsx(report)
                    if format_ == Format.XLSX
                    else to_pdf(report, find_font(settings.label_font))
                )
            path.write_bytes(data)
            console.print(f"[green]wrote[/green] {path}")
            return
        text = (
            to_html(report)
            if format_ == Format.HTML
            else json.dumps(report.evaluation.as_dicts(), ensure_ascii=False, indent=2)
        )
        if output is None:
            sys.stdout.write(text + "\n")
        else:
            output.write_text(text, encoding="utf-8")
            console.print(f"[green]wrote[/green] {output}")

    @plan_app.command("projects")
    def projects(
        plan_id: Annotated[str, typer.Argument(metavar="PLAN")],
        year: Annotated[int, typer.Option(help="year the tracker is judged at")],
        jurisdiction: JurisdictionOpt = None,
    ) -> None:
        """The projects tracker as JSON: milestones by year, progress, late flags."""
        settings = load_settings()
        with friendly_errors(), sessions(settings)() as session:
            plan = load_plan(plan_id)
            place = target_jurisdiction(session, plan, jurisdiction)
            report = build_report(session, plan, place, year)
        sys.stdout.write(
            json.dumps([p.as_dict() for p in report.projects], ensure_ascii=False, indent=2) + "\n"
        )
