"""Bounded load test of `retold serve` on loopback: N requests at C concurrency, 0 5xx required.

Starts its own server (a subprocess on 127.0.0.1, a free port, the hashing embedder, a small
temporary store built from the seed pair and rewrites of it), fires a fixed mix of requests with
httpx.AsyncClient, prints per-route latency percentiles, stops the server and exits non-zero if
any answer was a 5xx or a transport error.

    .venv/bin/python bench/load_service.py                      # 5,000 requests at 32 concurrency
    .venv/bin/python bench/load_service.py --requests 500 --json out/load.json

The mix (weights): compare 40, query 20, document 18, health 10, clusters 10, write 2 (an
authenticated POST /api/documents upserting one of 20 rotating ids, so the single writer works
while readers carry on and every reader's caches are invalidated). Client and server share the
machine, so on 2 cores the figures are a floor for a dedicated server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [ROOT / "examples" / "000_f1f864ec94766fbf.txt", ROOT / "examples" / "001_fa24727afca519d2.txt"]
MIX = {"compare": 40, "query": 20, "document": 18, "health": 10, "clusters": 10, "write": 2}
TOKEN = "load-test-token-0123456789"


def build_store(path: Path, n_rewrites: int) -> list[str]:
    """A store of the seed pair plus shuffled/truncated rewrites (hash embedder), scanned for pairs."""
    from retold.config import Settings
    from retold.corpus.archive import Corpus, add_documents
    from retold.ingest import parse_text
    from retold.store import Store
    from retold.types import Document

    settings = Settings().replace(embed={"backend": "hash"})
    a, b = (parse_text(p.read_text(encoding="utf-8"), id=p.stem) for p in SEEDS)
    rng = random.Random(7)
    docs = [a, b]
    paras = a.text.split("\n\n")
    for i in range(n_rewrites):
        kept = [p for p in paras if rng.random() < 0.8]
        rng.shuffle(kept)
        docs.append(Document(id=f"rewrite-{i:03d}", text="\n\n".join(kept), title=f"Rewrite {i}"))
    with Store(path, settings=settings) as st:
        add_documents(st, docs, settings=settings)
        list(Corpus(st, settings=settings).scan())
    return [d.id for d in docs]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "retold.cli", "serve", str(db), "--port", str(port), "--workers", str(workers),
           "--log-level", "warning"]
    env = {**os.environ, "RETOLD_TOKEN": TOKEN}
    return subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, env=env)


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode} before answering")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer /api/health within {timeout_s:g} s")


async def run_load(url: str, ids: list[str], *, total: int, concurrency: int, max_seconds: float) -> dict:
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    routes = list(MIX)
    weights = [MIX[r] for r in routes]
    rng = random.Random(11)
    plan = rng.choices(routes, weights=weights, k=total)
    lat: dict[str, list[float]] = defaultdict(list)
    status: dict[str, Counter[int]] = defaultdict(Counter)
    errors: Counter[str] = Counter()
    next_i = 0
    t_end = time.monotonic() + max_seconds

    async def one(client: httpx.AsyncClient, route: str, i: int) -> None:
        if route == "compare":
            req = client.post("/api/compare", json={"a": texts[0], "b": texts[1]})
        elif route == "query":
            req = client.post("/api/query", json={"document": texts[i % 2], "top_k": 5})
        elif route == "document":
            req = client.get(f"/api/documents/{ids[i % len(ids)]}")
        elif route == "clusters":
            req = client.get("/api/clusters")
        elif route == "write":
            doc = {"id": f"written-{i % 20:02d}", "text": f"Update {i}. " + texts[i % 2][: 400 + i % 800]}
            req = client.post("/api/documents", json={"documents": [doc]},
                              headers={"Authorization": f"Bearer {TOKEN}"})
        else:
            req = client.get("/api/health")
        t0 = time.perf_counter()
        try:
            r = await req
            status[route][r.status_code] += 1
        except httpx.HTTPError as exc:
            errors[f"{route}: {type(exc).__name__}: {exc}"] += 1
            return
        lat[route].append(time.perf_counter() - t0)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal next_i
        while next_i < total and time.monotonic() < t_end:
            i = next_i
            next_i += 1
            await one(client, plan[i], i)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return {"lat": lat, "status": status, "errors": errors, "wall": wall, "sent": next_i}


def summarise(res: dict, *, total: int, concurrency: int) -> dict:
    rows = {}
    all_lat = np.array([x for v in res["lat"].values() for x in v]) * 1000
    for route in list(MIX) + ["all"]:
        xs = all_lat if route == "all" else np.array(res["lat"].get(route, [])) * 1000
        if not len(xs):
            continue
        codes: Counter[int] = Counter()
        for r, c in res["status"].items():
            if route in ("all", r):
                codes.update(c)
        rows[route] = {
            "n": int(len(xs)),
            "p50_ms": round(float(np.percentile(xs, 50)), 1),
            "p99_ms": round(float(np.percentile(xs, 99)), 1),
            "max_ms": round(float(xs.max()), 1),
            "status": {str(k): v for k, v in sorted(codes.items())},
        }
    five = sum(v for c in res["status"].values() for k, v in c.items() if k >= 500)
    return {
        "requests": total,
        "sent": res["sent"],
        "concurrency": concurrency,
        "wall_s": round(res["wall"], 2),
        "throughput_rps": round(res["sent"] / res["wall"], 1),
        "5xx": five,
        "transport_errors": dict(res["errors"]),
        "routes": rows,
        "cpus": os.cpu_count(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2, help="server worker threads")
    ap.add_argument("--rewrites", type=int, default=30, help="rewritten copies in the temporary store")
    ap.add_argument("--max-seconds", type=float, default=600, help="stop issuing requests after this long")
    ap.add_argument("--json", dest="json_out", help="also write the summary here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.db"
        t0 = time.perf_counter()
        ids = build_store(db, args.rewrites)
        print(f"store: {len(ids)} documents in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(db, port, args.workers)
        try:
            wait_ready(url, proc)
            res = asyncio.run(run_load(url, ids, total=args.requests, concurrency=args.concurrency,
                                       max_seconds=args.max_seconds))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    summary = summarise(res, total=args.requests, concurrency=args.concurrency)
    print(f"{summary['sent']} requests at concurrency {args.concurrency} in {summary['wall_s']} s "
          f"({summary['throughput_rps']} req/s); 5xx: {summary['5xx']}; transport errors: {sum(res['errors'].values())}")
    print(f"{'route':<10} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  status")
    for route, r in summary["routes"].items():
        print(f"{route:<10} {r['n']:>6} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['max_ms']:>8}  {r['status']}")
    for err, n in res["errors"].items():
        print(f"transport error x{n}: {err}")
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    ok = summary["5xx"] == 0 and not res["errors"] and summary["sent"] == args.requests
    if not ok:
        print("FAILED: 5xx answers, transport errors or requests not sent (see above)", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
