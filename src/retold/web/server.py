"""Run the app on uvicorn in a background thread: for tests, benchmarks and notebooks.

Binding port 0 lets the OS choose a free port, read back from the listening socket, so parallel
test workers never race for a port.

>>> from retold.config import Settings
>>> from retold.web.app import create_app
>>> import httpx
>>> app = create_app(settings=Settings().replace(embed={"backend": "hash"}))
>>> with serve_in_thread(app) as url:
...     httpx.get(f"{url}/api/health").status_code
200
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol


def header_timeout_protocol(seconds: float) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol, closing connections whose request headers are not all in
    within ``seconds`` of connecting (or of the previous answer).

    uvicorn alone keeps a connection that never sends a byte, or trickles headers (slowloris),
    open for ever: 40 s and counting in the review. Bodies have their own limit (LimitsMiddleware).
    """

    class HeaderTimeoutProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(seconds, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self.cycle is None or self.cycle.response_complete:
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def handle_events(self) -> None:
            before = self.cycle
            super().handle_events()
            if self.cycle is not before:  # a request's headers arrived
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol


@contextmanager
def serve_in_thread(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, start_timeout_s: float = 30.0,
    header_timeout_s: float | None = 10.0,
) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields the base URL, e.g. ``http://127.0.0.1:41235``."""
    http: Any = "auto" if header_timeout_s is None else header_timeout_protocol(header_timeout_s)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on", http=http)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="retold-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"uvicorn exited during start-up on {host}:{port} (is the port in use?)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"uvicorn did not start within {start_timeout_s:g} s")
        time.sleep(0.02)
    sock = server.servers[0].sockets[0]
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    try:
        yield f"http://{shown}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
