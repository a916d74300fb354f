"""/api/health latency while maximum-size compares and a stream of normal compares run.

    nice .venv/bin/python bench/harden_service_load.py --seconds 60
    nice .venv/bin/python bench/load_service.py --requests 10000 --concurrency 32   # the mixed-load figure

Starts ``retold serve`` as bench/load_service.py does (a subprocess on 127.0.0.1, a temporary
store, hash embedder, 2 compare worker processes), then for ``--seconds`` keeps 4 compares of two
maximum-size documents (ingest.max_document_chars each, repetitive text: the matcher's worst
case) and 2 streams of normal compares (the seed pair) in flight, while one client probes
``/api/health`` every 50 ms. Issue 13 asks for a health p99 <= 100 ms. Maximum-size compares
past ``--timeout`` answer 503 and their worker process is killed; the figure that must hold is
the health latency, and that no normal compare sees a 5xx it did not earn by waiting.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harden_bounded_compare import text_of
from load_service import SEEDS, build_store, free_port, start_server, wait_ready


async def scenario(url: str, seconds: float, big: int, normal: int) -> dict:
    n = 500_000
    full = text_of("repetitive", 2 * n)
    big_body = {"a": full[:n], "b": full[n // 2 : n // 2 + n]}
    seeds = [p.read_text(encoding="utf-8") for p in SEEDS]
    end = time.monotonic() + seconds
    health: list[float] = []
    big_status: Counter[int] = Counter()
    normal_status: Counter[int] = Counter()
    normal_lat: list[float] = []
    errors: Counter[str] = Counter()

    async def big_loop(client: httpx.AsyncClient) -> None:
        while time.monotonic() < end:
            try:
                r = await client.post("/api/compare", json=big_body)
                big_status[r.status_code] += 1
            except httpx.HTTPError as exc:
                errors[f"big: {type(exc).__name__}"] += 1

    async def normal_loop(client: httpx.AsyncClient) -> None:
        while time.monotonic() < end:
            t = time.perf_counter()
            try:
                r = await client.post("/api/compare", json={"a": seeds[0], "b": seeds[1]})
                normal_status[r.status_code] += 1
                normal_lat.append(time.perf_counter() - t)
            except httpx.HTTPError as exc:
                errors[f"normal: {type(exc).__name__}"] += 1

    async def health_loop(client: httpx.AsyncClient) -> None:
        await asyncio.sleep(2.0)  # let the big compares reach the workers first
        while time.monotonic() < end:
            t = time.perf_counter()
            try:
                r = await client.get("/api/health")
                if r.status_code == 200:
                    health.append(time.perf_counter() - t)
                else:
                    errors[f"health {r.status_code}"] += 1
            except httpx.HTTPError as exc:
                errors[f"health: {type(exc).__name__}"] += 1
            await asyncio.sleep(0.05)

    limits = httpx.Limits(max_connections=big + normal + 2)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client, \
            httpx.AsyncClient(base_url=url, timeout=10) as probe:
        await asyncio.gather(*(big_loop(client) for _ in range(big)), *(normal_loop(client) for _ in range(normal)),
                             health_loop(probe))
    return {"health": health, "big": big_status, "normal": normal_status, "normal_lat": normal_lat, "errors": errors}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--big", type=int, default=4, help="maximum-size compares kept in flight")
    ap.add_argument("--normal", type=int, default=2, help="streams of normal compares")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.db"
        build_store(db, 10)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc: subprocess.Popen[bytes] = start_server(db, port, args.workers)
        try:
            wait_ready(url, proc)
            res = asyncio.run(scenario(url, args.seconds, args.big, args.normal))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    h = np.array(res["health"]) * 1000
    nl = np.array(res["normal_lat"] or [0.0]) * 1000
    p99 = float(np.percentile(h, 99)) if len(h) else float("inf")
    print(f"{args.seconds:g} s with {args.big} maximum-size compares and {args.normal} normal-compare streams in flight "
          f"({os.cpu_count()} CPUs)")
    print(f"health: n={len(h)}, p50 {np.percentile(h, 50):.1f} ms, p99 {p99:.1f} ms, max {h.max():.1f} ms")
    print(f"maximum-size compares: {dict(sorted(res['big'].items()))}")
    print(f"normal compares: {dict(sorted(res['normal'].items()))}, p50 {np.percentile(nl, 50):.0f} ms, "
          f"p99 {np.percentile(nl, 99):.0f} ms")
    for err, n in res["errors"].items():
        print(f"error x{n}: {err}")
    return 0 if p99 <= 100 and not res["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
