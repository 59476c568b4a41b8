"""``lanyan import`` and ``lanyan export``: registered by the import/export module."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``import`` and ``export`` commands to ``app``."""
