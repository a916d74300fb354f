"""``GET /api/events``: server-sent events, one ``article`` event per new article with its hits.

The events are the store's outbox (:mod:`retold.stream.state`), so they come from ``retold watch``
running in another process as well as from ``POST /api/documents?check=true``. Each connection
reads the outbox every :data:`POLL_S` on the io pool (an indexed range read, well under a
millisecond) and sends what is new; ``id:`` is the outbox number, so a reconnecting EventSource
resumes after the last event it saw (``Last-Event-ID``), and ``?after=N`` does the same by hand.
Without either a connection starts at the newest event. A stream ends after :data:`MAX_STREAM_S`
and the browser reconnects (``retry: 1000``), so a long-lived connection never pins the server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import StreamingResponse

POLL_S = 0.25
KEEPALIVE_S = 15.0
MAX_STREAM_S = 300.0


def add_event_routes(app: FastAPI, *, backend_of: Callable[[Request], Any], workers_of: Callable[[Request], Any]) -> None:
    """Register ``GET /api/events`` (``backend_of`` answers 503 itself when there is no store)."""

    @app.get("/api/events", tags=["store"], response_class=StreamingResponse)
    async def events(
        request: Request,
        after: Annotated[int | None, Query(ge=0, description="Send the events after this number.")] = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        """New articles and their hits, as server-sent events (`event: article`, JSON data)."""
        backend = backend_of(request)
        workers = workers_of(request)
        if last_event_id and last_event_id.strip().isdigit():
            start = int(last_event_id)
        elif after is not None:
            start = after
        else:
            start = await workers.run(backend.last_event, pool="io")

        async def stream() -> AsyncIterator[bytes]:
            loop = asyncio.get_running_loop()
            seq, quiet, end = start, 0.0, loop.time() + MAX_STREAM_S
            yield f"retry: 1000\nid: {seq}\n: events after {seq}\n\n".encode()
            while loop.time() < end:
                got = await workers.run(backend.events_after, seq, 50, pool="io")
                for s, event in got:
                    seq = s
                    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
                    yield f"id: {s}\nevent: article\ndata: {data}\n\n".encode()
                if got:
                    quiet = 0.0
                    continue
                await asyncio.sleep(POLL_S)
                quiet += POLL_S
                if quiet >= KEEPALIVE_S:
                    quiet = 0.0
                    yield b": keep-alive\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
