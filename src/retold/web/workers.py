"""CPU and store work off the event loop: bounded pools, a deadline per job, load shedding.

Three pools: ``cpu`` (compare, query; ``workers`` threads), ``io`` (store reads that need no CPU:
one document, cached clusters; 4 threads, so a burst of compares cannot queue a 1 ms read behind
seconds of work) and ``writer`` (one thread), so SQLite sees one writer at a time while readers
carry on in the other pools (the store runs in WAL mode).
The event loop only parses requests and serialises answers, so ``/api/health`` keeps answering
in milliseconds while every worker is busy.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, TypeVar

T = TypeVar("T")
Pool = Literal["cpu", "io", "write"]
IO_THREADS = 4


class Overloaded(Exception):
    """More jobs are pending than ``max_pending``: the caller should retry shortly (503)."""


class JobTimeout(Exception):
    """A job ran past its deadline (503); its thread finishes in the background."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class Workers:
    """Runs blocking callables in bounded thread pools with a deadline.

    >>> import asyncio
    >>> w = Workers(workers=1, max_pending=4, timeout_s=5)
    >>> asyncio.run(w.run(sum, [1, 2, 3]))
    6
    >>> w.shutdown()
    """

    def __init__(self, *, workers: int, max_pending: int, timeout_s: float) -> None:
        self.cpu = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="retold-cpu")
        self.io = ThreadPoolExecutor(max_workers=IO_THREADS, thread_name_prefix="retold-io")
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="retold-writer")
        self.max_pending = max_pending
        self.timeout_s = timeout_s
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        return self._pending

    async def run(self, fn: Callable[..., T], *args: object, pool: Pool = "cpu") -> T:
        """``fn(*args)`` in a worker thread; raises Overloaded or JobTimeout instead of queueing forever."""
        with self._lock:
            if self._pending >= self.max_pending:
                raise Overloaded
            self._pending += 1
        try:
            executor = {"cpu": self.cpu, "io": self.io, "write": self.writer}[pool]
            future = executor.submit(fn, *args)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(lambda _f: self._release())
        try:
            # shield: a timeout must not cancel the concurrent future's bookkeeping, only stop waiting.
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout=self.timeout_s)
        except TimeoutError:
            raise JobTimeout(self.timeout_s) from None

    def _release(self) -> None:
        with self._lock:
            self._pending -= 1

    def shutdown(self) -> None:
        self.cpu.shutdown(wait=False, cancel_futures=True)
        self.io.shutdown(wait=False, cancel_futures=True)
        self.writer.shutdown(wait=True)
