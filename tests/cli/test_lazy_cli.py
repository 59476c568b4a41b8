"""``lanyan`` imports only the command it runs (issue 22): ``--help`` lists every command from the
table in cli/main.py without importing a command module, each command's help still works, and the
table's help lines are the commands' own."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import ClassVar

import pytest
import typer
from typer.testing import CliRunner

from lanyan.cli.lazy import load
from lanyan.cli.main import COMMANDS, app

runner = CliRunner()
HEAVY = ("fastapi", "sqlalchemy", "numpy", "scipy", "pandas", "lanyan.store", "lanyan.registry")


def test_help_imports_no_command_module_nor_the_heavy_stacks() -> None:
    script = (
        "import json, sys\n"
        "from lanyan.cli.main import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    assert "stats" in done.stdout and "Fire statistics" in done.stdout  # it did list them
    loaded = report["modules"]
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert heavy == []
    commands = sorted(m for m in loaded if m.startswith("lanyan.cli.") and m.endswith("_cmd"))
    assert commands == []


def test_help_lists_every_command_of_the_table_with_its_help_line() -> None:
    result = runner.invoke(app, ["--help"], terminal_width=200, prog_name="lanyan")
    assert result.exit_code == 0, result.output
    for name, entry in COMMANDS.items():
        line = next((ln for ln in result.output.splitlines() if f" {name} " in ln), "")
        assert entry.help[:40] in line, (name, line)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_answers_help_and_its_table_line_is_its_own_help(name: str) -> None:
    result = runner.invoke(app, [name, "--help"], terminal_width=200, prog_name="lanyan")
    assert result.exit_code == 0, result.output
    assert f"lanyan {name}" in result.output
    command = load(name, COMMANDS[name])
    first = " ".join((command.help or "").split("\n\n")[0].split())
    assert COMMANDS[name].help == first
    if isinstance(command, typer.core.TyperGroup):  # and each of its subcommands' help
        for sub in command.commands:
            inner = runner.invoke(
                app, [name, sub, "--help"], terminal_width=200, prog_name="lanyan"
            )
            assert inner.exit_code == 0, inner.output


def test_a_mistyped_command_is_a_usage_error_with_a_suggestion() -> None:
    result = runner.invoke(app, ["rsik"])
    assert result.exit_code == 2
    assert "No such command 'rsik'" in result.output and "'risk'" in result.output
    assert "Traceback" not in result.output


def test_a_table_line_naming_a_module_without_that_command_is_one_line() -> None:
    from lanyan.cli.lazy import Lazy
    from lanyan.cli.main import Lanyan

    broken = {"nothing": Lazy("lanyan.cli.audit_cmd", "No such thing.")}

    class Broken(Lanyan):
        lazy_commands: ClassVar[dict[str, Lazy]] = {**COMMANDS, **broken}

    other = typer.Typer(cls=Broken, add_completion=False)
    other.callback()(lambda: None)
    result = runner.invoke(other, ["nothing"])
    assert result.exit_code == 1
    assert "adds no command named 'nothing'" in result.output
    assert "Traceback" not in result.output
