"""Compares in worker processes that are killed at their deadline.

A Python thread cannot be stopped, so a compare that ran past ``--timeout`` kept its CPU to the
end (three timed-out compares kept ``pending`` at 3 for ~125 s). Here each compare runs in one of
``workers`` processes; at the deadline the process is killed (SIGKILL: its CPU is free at once)
and a fresh one is started in the background, with its own detector and model warm-up.

Jobs are module-level functions, so only their arguments (Documents) and their answer (JSON
bytes) cross the pipe. Processes start with ``spawn``: forking a process that runs threads and
has touched torch's OpenMP pool can deadlock the child.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from retold.config import Settings
from retold.embed import Embedder
from retold.types import Document

log = logging.getLogger("retold.web")

# A worker that has not said "ready" by then (imports, model load) is given up and replaced.
START_TIMEOUT_S = 600.0
WORKER_NICE = 5

_detector: Any = None


def compare_job(a: Document, b: Document, include_text: bool) -> bytes:
    """In a worker: the compare answer of ``POST /api/compare``, as JSON bytes."""
    from retold.report.json import to_dict
    from retold.web.app import _dumps

    return _dumps(to_dict(_detector.compare(a, b), include_text=include_text))


def _worker_main(conn: Connection, settings: Settings, embedder: Embedder | None) -> None:
    global _detector
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which stops us
    # Below the event loop's priority: with every core busy comparing, /api/health and reads
    # still get the CPU when they need it.
    os.nice(WORKER_NICE)
    from retold.pipeline import Detector

    _detector = Detector(settings, embedder=embedder)
    # Model (MiniLM: ~10 s of imports and load) and the lazy tables of tokens and stems, before
    # any job: the first compare in a cold process took ~1 s more.
    _detector.embedder.encode(["warm-up"])
    compare_job(Document("a", "The council approved the plan."), Document("b", "The council approved it."), False)
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        fn, args = job
        try:
            conn.send(("ok", fn(*args)))
        except BaseException as exc:  # sent back and raised in the parent
            try:
                conn.send(("err", exc))
            except Exception:  # an exception that does not pickle
                conn.send(("err", RuntimeError(f"{type(exc).__name__}: {exc}")))


@dataclass(eq=False)  # compared by identity: kept in a set
class _Worker:
    process: Any
    conn: Connection


class ProcessPool:
    """``workers`` processes, one job each at a time; see the module docstring.

    >>> import asyncio
    >>> from retold.config import Settings
    >>> async def demo():
    ...     pool = ProcessPool(1, Settings().replace(embed={"backend": "hash"}))
    ...     await pool.start()
    ...     try:
    ...         return len(await pool.run(compare_job, Document("a", "Hi there."), Document("b", "Hi."), False, timeout_s=60)) > 0
    ...     finally:
    ...         pool.shutdown()
    >>> asyncio.run(demo())
    True
    """

    def __init__(self, workers: int, settings: Settings, *, embedder: Embedder | None = None) -> None:
        self.size = workers
        self.settings = settings
        self.embedder = embedder
        self._ctx = mp.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        # One thread per worker waits on its pipe, so the event loop never blocks on a recv.
        self._readers = ThreadPoolExecutor(max_workers=workers + 2, thread_name_prefix="retold-proc")
        self._closed = False
        self.killed = 0

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child, self.settings, self.embedder),
                                 name="retold-compare", daemon=True)
        proc.start()
        child.close()
        if not parent.poll(START_TIMEOUT_S):
            proc.kill()
            raise RuntimeError(f"a compare worker did not start within {START_TIMEOUT_S:g} s")
        parent.recv()
        w = _Worker(proc, parent)
        with self._lock:
            self._all.add(w)
        return w

    async def start(self) -> None:
        """Start every worker and wait for each to be warm (not subject to any request timeout)."""
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*(asyncio.to_thread(self._spawn) for _ in range(self.size)))
        for w in workers:
            self._idle.put_nowait(w)

    async def _replace(self) -> None:
        try:
            w = await asyncio.to_thread(self._spawn)
        except Exception as exc:  # pragma: no cover - start-up failure is logged, the pool shrinks
            if not self._closed:
                log.error("could not restart a compare worker: %s: %s", type(exc).__name__, exc)
            return
        if self._closed:
            self._stop(w)
        elif self._idle is not None:
            self._idle.put_nowait(w)

    @property
    def idle(self) -> int:
        """Workers started and waiting for a job (a replacement counts once it is warm)."""
        return self._idle.qsize() if self._idle is not None else 0

    def _stop(self, w: _Worker) -> None:
        with self._lock:
            self._all.discard(w)
        if w.process.is_alive():
            w.process.kill()
        w.process.join(timeout=1)
        w.conn.close()

    async def run(self, fn: Callable[..., Any], *args: Any, timeout_s: float) -> Any:
        """``fn(*args)`` in a worker; TimeoutError after ``timeout_s`` (waiting included), the
        worker killed and replaced."""
        assert self._idle is not None, "start() the pool first"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        w = await asyncio.wait_for(self._idle.get(), timeout=timeout_s)
        try:
            w.conn.send((fn, args))
            remaining = max(0.0, deadline - loop.time())
            status, value = await asyncio.wait_for(loop.run_in_executor(self._readers, w.conn.recv), remaining)
        except BaseException:
            # Past the deadline (or the pipe broke, or the request was cancelled): the job may
            # still be running, so the process goes, now, and a fresh one takes its place.
            self.killed += 1
            self._stop(w)
            if not self._closed:
                loop.create_task(self._replace())
            raise
        self._idle.put_nowait(w)
        if status == "err":
            raise value
        return value

    def shutdown(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for w in workers:
            self._stop(w)
        self._readers.shutdown(wait=False, cancel_futures=True)
