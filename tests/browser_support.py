"""What every browser test shares: Debian's Chromium, a fresh SQLite database and a live server.

The server is uvicorn in a background thread serving ``create_app`` on a free loopback port;
Playwright drives ``/usr/bin/chromium`` (installed by ``scripts/ensure-browser``). Screenshots go
to ``artifacts/`` for people to look at.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.orm import Session

from lanyan.app import create_app
from lanyan.core.config import Settings
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

Uow = Callable[[], AbstractContextManager[Session]]


def require_chromium() -> None:
    """Skip without Chromium, except under CI=true, where browser tests must run."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: run scripts/ensure-browser"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " (CI=true: browser tests must run)")
    pytest.skip(reason)


def fresh_database(folder: Path, seed: Callable[[Uow], Any]) -> tuple[str, Any]:
    """Migrate a new SQLite file in ``folder``, fill it with ``seed(uow)``; return its URL and
    what ``seed`` returned."""
    url = f"sqlite:///{folder / 'lanyan.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        seeded = seed(lambda: unit_of_work(factory))
    finally:
        engine.dispose()
    return url, seeded


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(settings: Settings, port: int) -> Iterator[str]:
    """Serve the app on 127.0.0.1:``port`` until the block ends; yields the base URL."""
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(400):  # wait for the socket to listen, at most about 20 s
        if server.started:
            started.set()
            break
        started.wait(0.05)
    assert started.is_set(), "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def launch(playwright: Any) -> Any:
    """Headless Debian Chromium with the flags this offline machine needs."""
    ARTIFACTS.mkdir(exist_ok=True)
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
