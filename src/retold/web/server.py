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

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def serve_in_thread(app: Any, *, host: str = "127.0.0.1", port: int = 0, start_timeout_s: float = 30.0) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields the base URL, e.g. ``http://127.0.0.1:41235``."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
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
