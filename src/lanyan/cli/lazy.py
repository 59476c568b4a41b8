"""The ``lanyan`` command group: subcommands imported only when they run.

Every subcommand lives in a ``lanyan/cli/<name>_cmd.py`` module with a ``register(app)``
function, and ``cli/main.py`` names it in one line of its ``COMMANDS`` table: the command's name,
its module and the one-line help ``lanyan --help`` lists. ``lanyan --help`` prints that table
without importing a single command module (no FastAPI, SQLAlchemy or NumPy: it answers in about
0.1 s), and ``lanyan risk compute`` imports ``risk_cmd`` and what it needs, nothing else.

This module imports Typer only; keep it that way.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any, ClassVar

import typer
from typer import _click as click  # Typer 0.29 carries its own Click; its classes, not click's
from typer.core import TyperCommand, TyperGroup

_LISTING = "lanyan.cli.listing"  # ctx.meta key: the help page is listing the commands


@dataclass(frozen=True)
class Lazy:
    """One subcommand of ``lanyan``: the module whose ``register(app)`` adds it, and the help
    line ``lanyan --help`` shows for it (the first paragraph of the command's own help; a test
    holds the two equal)."""

    module: str
    help: str


def load(name: str, entry: Lazy) -> click.Command:
    """Import ``entry.module``, let its ``register`` add its commands to a scratch Typer app and
    return the click command called ``name``."""
    module = importlib.import_module(entry.module)
    scratch = typer.Typer()
    module.register(scratch)
    group = typer.main.get_group(scratch)
    command = group.commands.get(name)
    if command is None:
        raise RuntimeError(f"{entry.module}.register() adds no command named {name!r}")
    return command


class LanyanGroup(TyperGroup):
    """The ``lanyan`` command group.

    * Subcommands are resolved from :attr:`lazy_commands` on demand: the help page lists them
      from the table, running one imports only its module.
    * Any error a subcommand lets through becomes one line on stderr and exit code 1, never a
      stack trace (see :func:`lanyan.cli.common.report`).
    """

    lazy_commands: ClassVar[dict[str, Lazy]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = list(self.commands)
        return names + [name for name in self.lazy_commands if name not in self.commands]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is not None:
            return command
        entry = self.lazy_commands.get(cmd_name)
        if entry is None:
            return None
        if ctx.meta.get(_LISTING):  # the help page needs the name and help line only
            return TyperCommand(cmd_name, help=entry.help, short_help=entry.help)
        command = load(cmd_name, entry)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx.meta[_LISTING] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.meta.pop(_LISTING, None)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return self._click_resolve_command(ctx, args)
        except click.exceptions.UsageError as exc:  # Typer's "Did you mean" over the lazy names too
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                suggestions = ", ".join(f"{m!r}" for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors, --help, exits
            raise
        except Exception as exc:
            from lanyan.cli.common import report  # imports the database stack: only on error

            report(exc)
            raise typer.Exit(1) from None
