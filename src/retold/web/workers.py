"""CPU and store work off the event loop: bounded pools, a deadline per job, load shedding.

Three pools: ``cpu`` (compare, query; ``workers`` threads), ``io`` (store reads that need no CPU:
one document, cached clusters; 4 threads, so a burst of compares cannot queue a 1 ms read behind
seconds of work) and ``writer`` (one thread), so SQLite sees one writer at a time while readers
carry on in the other pools (the store runs in WAL mode). Compares may instead run in worker
processes killed at their deadline (:mod:`retold.web.processes`, ``retold serve`` does so).
The event loop only parses requests and serialises answers, so ``/api/health`` keeps answering
in milliseconds while every worker is busy.

Capacity is counted per pool (``max_pending`` each), so a burst of compares never sheds a read
or a write (before, one shared counter answered 503 to all three), and per client for the CPU
pool (``max_per_client``): one client's burst gets 429 while others still get their share.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal, TypeVar

if TYPE_CHECKING:
    from retold.web.processes import ProcessPool

T = TypeVar("T")
Pool = Literal["cpu", "io", "write"]
IO_THREADS = 4


class Overloaded(Exception):
    """More jobs are pending than ``max_pending``: the caller should retry shortly (503)."""


class ClientOverloaded(Overloaded):
    """One client has ``max_per_client`` CPU jobs pending already (429)."""


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

    def __init__(
        self, *, workers: int, max_pending: int, timeout_s: float, max_per_client: int | None = None,
        processes: ProcessPool | None = None,
    ) -> None:
        self.cpu = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="retold-cpu")
        self.io = ThreadPoolExecutor(max_workers=IO_THREADS, thread_name_prefix="retold-io")
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="retold-writer")
        self.processes = processes
        self.max_pending = max_pending
        self.max_per_client = max_per_client
        self.timeout_s = timeout_s
        self._pending: dict[Pool, int] = {"cpu": 0, "io": 0, "write": 0}
        self._clients: dict[str, int] = {}
        self._lock = threading.Lock()
        self._heavy: asyncio.Semaphore | None = None

    @property
    def pending(self) -> int:
        return sum(self._pending.values())

    def pending_by_pool(self) -> dict[Pool, int]:
        return dict(self._pending)

    def _acquire(self, pool: Pool, client: str | None) -> None:
        with self._lock:
            if self._pending[pool] >= self.max_pending:
                raise Overloaded
            if client is not None and self.max_per_client is not None:
                if self._clients.get(client, 0) >= self.max_per_client:
                    raise ClientOverloaded
                self._clients[client] = self._clients.get(client, 0) + 1
            self._pending[pool] += 1

    def _release(self, pool: Pool = "cpu", client: str | None = None) -> None:
        with self._lock:
            self._pending[pool] -= 1
            if client is not None and self.max_per_client is not None:
                left = self._clients.get(client, 1) - 1
                if left > 0:
                    self._clients[client] = left
                else:
                    self._clients.pop(client, None)

    async def run(
        self, fn: Callable[..., T], *args: object, pool: Pool = "cpu", client: str | None = None,
        timeout: bool = True,
    ) -> T:
        """``fn(*args)`` in a worker thread; raises Overloaded or JobTimeout instead of queueing forever.

        ``client`` (its address) counts the job against that client's share of the CPU pool;
        ``timeout=False`` waits as long as it takes (start-up warm-up, never a request).
        """
        client = client if pool == "cpu" else None
        self._acquire(pool, client)
        try:
            executor = {"cpu": self.cpu, "io": self.io, "write": self.writer}[pool]
            future = executor.submit(fn, *args)
        except BaseException:
            self._release(pool, client)
            raise
        future.add_done_callback(lambda _f: self._release(pool, client))
        try:
            # shield: a timeout must not cancel the concurrent future's bookkeeping, only stop waiting.
            waiting = asyncio.shield(asyncio.wrap_future(future))
            return await (asyncio.wait_for(waiting, timeout=self.timeout_s) if timeout else waiting)
        except TimeoutError:
            raise JobTimeout(self.timeout_s) from None

    async def run_isolated(
        self, fn: Callable[..., T], *args: object, client: str | None = None, heavy: bool = False
    ) -> T:
        """``fn(*args)`` in a worker process killed at the deadline (threads when there is no pool).

        ``fn`` must be a module-level function of :mod:`retold.web.processes` (it is pickled by
        name); a timed-out job's process is killed, so its CPU is free within the second.
        ``heavy`` jobs (large documents) hold at most all but one of the processes at a time, so
        ordinary compares keep a worker: with 2 workers and 4 maximum-size compares in flight,
        ordinary compares waited 25 s (p50) and some timed out before.
        """
        if self.processes is None:
            return await self.run(fn, *args, client=client)
        self._acquire("cpu", client)
        loop = asyncio.get_running_loop()
        start = loop.time()
        sem = None
        if heavy and self.processes.size > 1:
            if self._heavy is None:
                self._heavy = asyncio.Semaphore(self.processes.size - 1)
            sem = self._heavy
        try:
            if sem is not None:
                await asyncio.wait_for(sem.acquire(), timeout=self.timeout_s)
            try:
                left = max(0.01, self.timeout_s - (loop.time() - start))
                result: T = await self.processes.run(fn, *args, timeout_s=left)
                return result
            finally:
                if sem is not None:
                    sem.release()
        except TimeoutError:
            raise JobTimeout(self.timeout_s) from None
        finally:
            self._release("cpu", client)

    def shutdown(self) -> None:
        if self.processes is not None:
            self.processes.shutdown()
        self.cpu.shutdown(wait=False, cancel_futures=True)
        self.io.shutdown(wait=False, cancel_futures=True)
        self.writer.shutdown(wait=True)
