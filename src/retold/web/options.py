"""Knobs of the service that are not pipeline settings: limits, workers, the write token.

>>> o = ServiceOptions(max_documents=10)
>>> o.max_documents, o.allows_writes
(10, False)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from retold.errors import ConfigError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    """Limits and concurrency of ``retold serve``.

    Args:
        max_body_bytes: request bodies above this get 413. 2 MiB holds two long articles
            (a 1,500-word article is ~10 KB) with a wide margin.
        max_documents: most documents in one ``POST /api/documents``; more get 413.
        timeout_s: a compare, query or store call taking longer answers 503 (the thread finishes
            its work in the background: Python threads cannot be cancelled).
        body_timeout_s: a client that takes longer than this to send its body gets 408.
        workers: threads for CPU work (compare, query). numpy and torch release the GIL, so 2 use
            both cores of a small machine; pure-Python stages still serialise.
        max_pending: jobs queued or running beyond which requests are shed with 503 + Retry-After,
            so a burst cannot queue minutes of work.
        processes: run compares in ``workers`` processes that are killed at ``timeout_s``, so a
            timed-out compare frees its CPU at once (``retold serve`` does; threads otherwise,
            which finish a timed-out job in the background).
        heavy_chars: with ``processes``, a compare of more characters (both texts) than this is
            heavy: heavy compares use all worker processes but one, so ordinary ones keep flowing
            (100,000 is about ten long articles).
        max_per_client: compares and queries one client address may have pending; more get 429.
            Half of ``max_pending``, so one client's burst leaves room for others.
        header_timeout_s: a connection that has not sent a request's headers by then is closed
            (``retold serve``; uvicorn alone waits for ever).
        token: bearer token for the write routes; None disables writes (403).
        allowed_hosts: Host headers accepted (guards a loopback service against DNS rebinding);
            None accepts any.
    """

    max_body_bytes: int = 2 * 1024 * 1024
    max_documents: int = 100
    timeout_s: float = 30.0
    body_timeout_s: float = 15.0
    workers: int = 2
    max_pending: int = 64
    processes: bool = False
    max_per_client: int = 32
    heavy_chars: int = 100_000
    header_timeout_s: float = 10.0
    token: str | None = None
    allowed_hosts: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_documents", "workers", "max_pending", "max_per_client"):
            if getattr(self, name) < 1:
                raise ConfigError(f"serve: {name} must be at least 1, got {getattr(self, name)}")
        for name in ("timeout_s", "body_timeout_s", "header_timeout_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"serve: {name} must be a positive number of seconds, got {getattr(self, name)}")
        if self.token is not None and len(self.token) < 8:
            raise ConfigError("serve: the token must be at least 8 characters; generate one with `openssl rand -hex 16`")

    @property
    def allows_writes(self) -> bool:
        return self.token is not None

    @staticmethod
    def token_from_env() -> str | None:
        """``RETOLD_TOKEN`` if set and non-empty."""
        return os.environ.get("RETOLD_TOKEN") or None
