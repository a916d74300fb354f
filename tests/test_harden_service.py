"""Issue 13, findings 2 (service side), 7 and 8: the service stays responsive under hostile load.

A timed-out compare's process is killed (its CPU freed within a second), start-up warm-up is not
subject to the request timeout, reads and writes have their own capacity, each client has its own
share of the CPU pool, connections must send their headers in time, ``/api/health`` does not show
the store's path, and ``retold serve --create`` starts on a store that does not exist yet.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import uvicorn
from fastapi.testclient import TestClient

from retold.cli import main
from retold.config import Settings
from retold.embed import HashEmbedder
from retold.types import Document
from retold.web.app import create_app
from retold.web.options import ServiceOptions
from retold.web.processes import ProcessPool
from retold.web.server import serve_in_thread
from retold.web.workers import ClientOverloaded, Overloaded, Workers

FAST = Settings().replace(embed={"backend": "hash"}, match={"semantic": False})


def spin(seconds: float) -> int:
    """A CPU-bound job (runs in a worker process; module-level so it pickles by name)."""
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
    return os.getpid()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a killed child not yet reaped is a zombie: it holds no CPU
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_a_timed_out_job_has_its_process_killed_within_a_second_and_is_replaced() -> None:
    async def scenario() -> None:
        pool = ProcessPool(1, FAST)
        await pool.start()
        try:
            [w] = list(pool._all)
            pid = w.process.pid
            t = time.monotonic()
            with pytest.raises(TimeoutError):
                await pool.run(spin, 30.0, timeout_s=0.5)
            assert time.monotonic() - t < 1.5
            deadline = time.monotonic() + 1.0
            while _alive(pid) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert not _alive(pid), "the timed-out job's process still runs"
            assert pool.killed == 1
            # a fresh worker takes its place and answers
            assert await pool.run(spin, 0.01, timeout_s=60) != pid
        finally:
            pool.shutdown()

    asyncio.run(scenario())


def test_a_compare_past_the_deadline_answers_503_and_the_service_goes_on() -> None:
    # Repetitive text: every sentence shares words with every other (quadratic matcher work).
    words = "the council river plan cost police minister said would pounds billion new".split()
    rng = np.random.default_rng(1)
    heavy = " ".join(". ".join(" ".join(rng.choice(words, 12)) for _ in range(8)).capitalize() for _ in range(400))
    app = create_app(settings=FAST, options=ServiceOptions(processes=True, workers=1, timeout_s=0.5))
    with TestClient(app) as client:
        t = time.monotonic()
        r = client.post("/api/compare", json={"a": heavy, "b": heavy[::-1]})
        assert r.status_code == 503 and "longer than 0.5 s" in r.json()["detail"]
        assert time.monotonic() - t < 2.0
        assert client.get("/api/health").status_code == 200
        pool = app.state.retold.workers.processes
        assert pool.killed == 1
        deadline = time.monotonic() + 30
        while pool.idle < 1 and time.monotonic() < deadline:  # the replacement warms up meanwhile
            assert client.get("/api/health").status_code == 200
            time.sleep(0.05)
        ok = client.post("/api/compare", json={"a": "The plan was approved.", "b": "The plan was approved today."})
        assert ok.status_code == 200 and "verdict" in ok.json()


class _SlowStart(HashEmbedder):
    """Its first encode (the start-up warm-up) takes longer than the request timeout."""

    def __init__(self) -> None:
        super().__init__(256)
        self.calls = 0

    def encode(self, texts: Any) -> np.ndarray:
        self.calls += 1
        if self.calls == 1:
            time.sleep(1.0)
        return super().encode(texts)


def test_start_up_warm_up_is_not_subject_to_the_request_timeout() -> None:
    emb = _SlowStart()
    app = create_app(settings=FAST, embedder=emb, options=ServiceOptions(timeout_s=0.2))
    with TestClient(app) as client:  # "Application startup failed" before the fix
        assert client.get("/api/health").json()["status"] == "ok"
    assert emb.calls >= 1


def test_reads_and_writes_have_their_own_capacity() -> None:
    async def scenario() -> None:
        w = Workers(workers=1, max_pending=1, timeout_s=5)
        gate = threading.Event()
        try:
            busy = asyncio.ensure_future(w.run(gate.wait, 5))
            await asyncio.sleep(0.05)
            with pytest.raises(Overloaded):
                await w.run(sum, [1], pool="cpu")
            assert await w.run(sum, [1, 2], pool="io") == 3  # a read is not shed by a compare burst
            assert await w.run(sum, [3], pool="write") == 3
            gate.set()
            await busy
        finally:
            gate.set()
            w.shutdown()

    asyncio.run(scenario())


def test_each_client_has_its_own_share_of_the_cpu_pool() -> None:
    async def scenario() -> None:
        w = Workers(workers=2, max_pending=10, timeout_s=5, max_per_client=1)
        gate = threading.Event()
        try:
            busy = asyncio.ensure_future(w.run(gate.wait, 5, client="10.0.0.1"))
            await asyncio.sleep(0.05)
            with pytest.raises(ClientOverloaded):
                await w.run(sum, [1], client="10.0.0.1")
            assert await w.run(sum, [1, 1], client="10.0.0.2") == 2
            gate.set()
            await busy
            assert await w.run(sum, [5], client="10.0.0.1") == 5  # its share is back
        finally:
            gate.set()
            w.shutdown()

    asyncio.run(scenario())


def test_a_client_over_its_share_gets_429_with_retry_after() -> None:
    app = create_app(settings=FAST, options=ServiceOptions(max_per_client=1))
    with TestClient(app) as client:
        workers: Workers = app.state.retold.workers
        workers._clients["testclient"] = 1  # one compare of this client already pending
        r = client.post("/api/compare", json={"a": "One sentence here.", "b": "One sentence here."})
        assert r.status_code == 429 and r.headers["Retry-After"] == "1" and "at most 1" in r.json()["detail"]
        assert client.get("/api/health").status_code == 200


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_connections_that_never_send_their_headers_are_closed() -> None:
    app = create_app(settings=FAST)
    with serve_in_thread(app, header_timeout_s=0.5) as url:
        host, port = url.removeprefix("http://").split(":")
        silent = socket.create_connection((host, int(port)))
        trickle = socket.create_connection((host, int(port)))
        trickle.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        t = time.monotonic()
        assert _closed_within(silent, 3.0) and _closed_within(trickle, 3.0)
        assert time.monotonic() - t < 3.0
        assert httpx.get(f"{url}/api/health").status_code == 200  # a prompt client is served
        silent.close()
        trickle.close()


def test_health_does_not_show_the_store_path(tmp_path: Path) -> None:
    from retold.corpus.archive import add_documents
    from retold.store import Store

    db = tmp_path / "private-dir" / "s.db"
    db.parent.mkdir()
    with Store(db, settings=FAST) as store:
        add_documents(store, [Document("a", "The council approved the plan on Monday.")], settings=FAST, embed=False)
    with TestClient(create_app(db, settings=FAST)) as client:
        body = client.get("/api/health").json()
    assert body["store"]["path"] == "s.db" and "private-dir" not in str(body)


def test_serve_creates_a_missing_store_only_with_create(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, kw=kw))
    db = tmp_path / "new.db"
    assert main(["serve", str(db), "--embedder", "hash"]) == 2
    assert "--create" in capsys.readouterr().err and not db.exists()
    assert main(["serve", str(db), "--embedder", "hash", "--create", "--threads", "--token", "a-long-token"]) == 0
    assert db.exists() and "created an empty store" in capsys.readouterr().err
    with TestClient(seen["app"], base_url="http://127.0.0.1:8000") as client:
        r = client.post("/api/documents", json={"documents": [{"id": "x", "text": "The plan was approved on Monday."}]},
                        headers={"Authorization": "Bearer a-long-token"})
        assert r.status_code == 201, r.text
        assert client.get("/api/health").json()["store"]["documents"] == 1


class _FakePool:
    """Stands in for ProcessPool: records how many jobs run at once."""

    size = 2

    def __init__(self) -> None:
        self.running: list[str] = []
        self.peak_heavy = 0

    async def run(self, fn: Any, name: str, seconds: float, *, timeout_s: float) -> str:
        self.running.append(name)
        self.peak_heavy = max(self.peak_heavy, sum(n.startswith("heavy") for n in self.running))
        await asyncio.sleep(seconds)
        self.running.remove(name)
        return name

    def shutdown(self) -> None:
        pass


def test_heavy_compares_leave_a_worker_to_ordinary_ones() -> None:
    async def scenario() -> None:
        pool = _FakePool()
        w = Workers(workers=2, max_pending=10, timeout_s=5, processes=pool)  # type: ignore[arg-type]
        try:
            heavy = [asyncio.ensure_future(w.run_isolated(spin, f"heavy{i}", 0.3, heavy=True)) for i in range(3)]
            await asyncio.sleep(0.05)
            t = time.monotonic()
            assert await w.run_isolated(spin, "ordinary", 0.01) == "ordinary"
            assert time.monotonic() - t < 0.2  # not queued behind the heavy ones
            await asyncio.gather(*heavy)
            assert pool.peak_heavy == 1
        finally:
            w.shutdown()

    asyncio.run(scenario())
