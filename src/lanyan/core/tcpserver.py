"""The life cycle both device gateways share: listen, serve, close idle connections, close.

The GB/T 26875.3 gateway (``monitoring/gateway.py``) and the JT/T 808 gateway
(``vehicles/gateway.py``) differ in their frames and in what they store, not in how a TCP
server starts and stops. A subclass names its protocol (for the logs), says how a connection
is made, and has a ``sink`` that is closed last, after every connection, so that what the
connections handed over is flushed before the process ends.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Closable(Protocol):
    async def close(self) -> None: ...


class TcpServer:
    """An asyncio TCP server with an idle sweep. ``_connections`` holds the live protocol
    objects; each has ``transport``, ``peer`` and ``last_heard`` (loop time) and adds and
    discards itself."""

    protocol_name = "tcp"
    sink: Closable

    def __init__(self, idle_timeout: float) -> None:
        self.idle_timeout = idle_timeout
        self._server: asyncio.Server | None = None
        self._connections: set[Any] = set()
        self._sweeper: asyncio.Task[None] | None = None

    def _connection(self) -> asyncio.Protocol:
        """A protocol object for one new connection."""
        raise NotImplementedError

    def _idle_closed(self, connection: Any) -> None:
        """Called for each connection the sweep closes (a hook for counters)."""

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, backlog: int = 4096
    ) -> tuple[str, int]:
        """Listen; returns the bound address (port 0 picks a free one). A large ``backlog``
        lets thousands of devices reconnect at once, e.g. after a restart."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._connection, host, port, backlog=backlog)
        self._sweeper = asyncio.create_task(self._close_idle())
        sock = self._server.sockets[0].getsockname()
        return sock[0], sock[1]

    async def serve_forever(self) -> None:
        assert self._server is not None, "call start() first"
        async with self._server:
            await self._server.serve_forever()

    async def close(self) -> None:
        """Stop listening, close every connection, then close the sink."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._server is not None:
            self._server.close()
            for connection in list(self._connections):
                connection.transport.close()
            await self._server.wait_closed()
        await self.sink.close()

    async def _close_idle(self) -> None:
        every = min(self.idle_timeout / 4, 5.0)
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            cutoff = loop.time() - self.idle_timeout
            for connection in [c for c in self._connections if c.last_heard < cutoff]:
                self._idle_closed(connection)
                log.info(
                    "%s %s idle for %ss, closing",
                    self.protocol_name,
                    connection.peer,
                    self.idle_timeout,
                )
                connection.transport.close()
