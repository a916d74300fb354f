"""Stream: articles per second into a large store, feed-to-line latency, peak memory (retold watch).

    nice .venv/bin/python bench/stream.py --base 100000 --embedder hash [--stream 400] [--latency 40]

Three steps, each in its own process (so each peak RSS is its own):

1. ``build`` — a base store of ``--base`` generated articles (bench/corpus_scale.py's generator:
   20 sentences of Zipf-drawn frequent words), added with the chosen embedder, ANN saved. Kept
   under out/bench/ and reused by later runs with the same size and embedder.
2. ``throughput`` — ``--stream`` new articles written as one JSONL file into a folder that a
   :class:`retold.stream.Watcher` watches: half new generated articles, half copies of stored
   ones (verbatim, a 5-sentence excerpt, 10 % of words substituted, in turn). Each goes through
   the whole path (dedup, query against everything stored, store with its line in one
   transaction, ANN updated in place, line written). Sustained rate = articles / wall time from
   the first line to the last.
3. ``latency`` — a real HTTP server on 127.0.0.1 serves a feed; every 0.3 s one more article (a
   page, half of them copies) appears in it, and the watcher polls every 0.1 s. Latency = line
   written - ``found_at`` (the end of the poll that found the entry): fetching and extracting the
   page, dedup, query, store, write; the poll interval is left out, as the target says.
   ``stream.host_interval_s`` is 0 here unless ``--host-interval`` says otherwise: with the
   default 1 s the page fetch that follows a feed poll on the same host waits up to 1 s
   (politeness, not work).

Prints one JSON line per step and a summary line.
"""

from __future__ import annotations

import argparse
import http.server
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


HOST_INTERVAL = [0.0]  # --host-interval


def _settings(embedder: str):  # type: ignore[no-untyped-def]
    from retold.config import Settings

    # embed.threads=1 as `retold watch` sets it (see retold.cli.watch).
    return Settings().replace(embed={"backend": embedder, "threads": 1},
                              stream={"host_interval_s": HOST_INTERVAL[0], "folder_interval_s": 0.05, "settle_s": 0.0,
                                      "poll_interval_s": 0.1})


def _rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def build(n: int, embedder: str, db: Path) -> dict[str, object]:
    from corpus_scale import generate

    from retold.corpus.archive import add_documents, build_index
    from retold.store import Store

    s = _settings(embedder)
    t0 = time.perf_counter()
    docs, _ = generate(n, 0.0, seed=n)
    with Store(db, settings=s) as st:
        add_documents(st, docs, settings=s)
        t_add = time.perf_counter() - t0
        idx = build_index(st, settings=s)
    return {"step": "build", "documents": n, "embedder": embedder, "add_s": round(t_add, 1),
            "index_s": round(idx.seconds, 1), "ann": idx.ann_kind, "peak_rss_mb": _rss_mb()}


def _stream_docs(n: int, base: int, seed: int):  # type: ignore[no-untyped-def]
    """``n`` articles: half new, half copies of base articles (verbatim / excerpt / edited)."""
    from corpus_scale import generate

    fresh, _ = generate(n, 0.0, seed=seed)
    src, _ = generate(base, 0.0, seed=base)  # the base generator is deterministic: same texts as stored
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        if i % 2 == 0:
            out.append({"id": f"new-{i}", "text": fresh[i].text})
            continue
        s = src[int(rng.integers(base))]
        kind = ("verbatim", "excerpt", "edited")[(i // 2) % 3]
        if kind == "verbatim":
            text = s.text
        elif kind == "excerpt":
            sents = s.text.replace("\n\n", " ").split(". ")
            text = ". ".join(sents[3:8]) + "."
        else:
            toks = s.text.split(" ")
            text = " ".join("changed" if rng.random() < 0.1 else t for t in toks)
        out.append({"id": f"copy-{i}-{kind}-of-{s.id}", "text": text, "outlet": f"outlet-{i % 7}"})
    return out


class _TimedSink:
    def __init__(self) -> None:
        from retold.stream import LineSink

        self.inner = LineSink(io.BytesIO())
        self.times: list[float] = []
        self.lines: list[dict] = []

    def last_seq(self) -> None:
        return None

    def write(self, seq: int, line: str) -> None:
        self.inner.write(seq, line)
        now = time.time()
        self.times.append(now)
        self.lines.append(json.loads(line))


def throughput(db: Path, embedder: str, n: int, base: int) -> dict[str, object]:
    from retold.store import Store
    from retold.stream import FolderSource, Watcher

    s = _settings(embedder)
    docs = _stream_docs(n, base, seed=base + 7)
    folder = Path(tempfile.mkdtemp(prefix="retold-stream-"))
    with Store(db, settings=s) as st:
        t0 = time.perf_counter()
        sink = _TimedSink()
        w = Watcher(st, [FolderSource(folder, settings=s)], settings=s, sink=sink, log=lambda m: None)  # type: ignore[arg-type]
        t_open = time.perf_counter() - t0
        rss_open = _rss_mb()
        (folder / "batch.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
        t1 = time.time()
        w.run(max_seconds=3600, once=True)
        found = sum(1 for ln in sink.lines if ln["hits"])
        # A copy is found when its true source is among its reuse hits (whatever the direction), and
        # attributed when that hit is its source (undated copies: the direction comes from the text).
        copies = [(ln, ln["article"]["id"].rsplit("-of-", 1)[1]) for ln in sink.lines
                  if ln["article"]["id"].startswith("copy-")]
        copies_found = sum(1 for ln, src in copies if src in ln["sources"] + ln["related"] + ln["copies"])
        copies_attributed = sum(1 for ln, src in copies if src in ln["sources"])
        span = sink.times[-1] - sink.times[0] if len(sink.times) > 1 else float("nan")
        rebuilds = w.live.rebuilds
    return {"step": "throughput", "embedder": embedder, "base": base, "articles": len(sink.lines),
            "open_s": round(t_open, 1), "seconds": round(span, 2),
            "articles_per_s": round((len(sink.lines) - 1) / span, 1) if span == span else None,
            "first_line_s": round(sink.times[0] - t1, 2) if sink.times else None,
            "with_hits": found, "copies": len(copies), "copies_found": copies_found,
            "copies_attributed": copies_attributed, "index_rebuilds": rebuilds,
            "rss_after_open_mb": rss_open, "peak_rss_mb": _rss_mb()}


def latency(db: Path, embedder: str, n: int, base: int) -> dict[str, object]:
    import html

    from retold.store import Store
    from retold.stream import FeedSource, Watcher

    s = _settings(embedder)
    docs = _stream_docs(n, base, seed=base + 11)
    pages: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nAllow: /\n"}
    items: list[str] = []
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            with lock:
                if self.path == "/feed.xml":
                    body = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Bench</title>"
                            + "".join(items) + "</channel></rss>").encode()
                else:
                    body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml" if self.path == "/feed.xml" else "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    sink = _TimedSink()
    stop = threading.Event()
    ready = threading.Event()

    def run() -> None:  # SQLite connections stay in the thread that made them
        with Store(db, settings=s) as st:
            w = Watcher(st, [FeedSource(f"{base_url}/feed.xml", settings=s)], settings=s, sink=sink,  # type: ignore[arg-type]
                        log=lambda m: print(m, file=sys.stderr))
            w.stop = stop
            w.live.warm()  # models loaded before the first article appears (as `run` does itself)
            ready.set()
            w.run(max_seconds=600)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    ready.wait(600)
    if True:  # (the feed grows while the watcher runs)
        for i, d in enumerate(docs):
            paras = "".join(f"<p>{html.escape(p)}</p>" for p in d["text"].split("\n\n"))
            with lock:
                pages[f"/a/{i}"] = (f"<html><head><title>Article {i}</title></head><body><article><h1>Article {i}</h1>"
                                    f"{paras}</article></body></html>").encode()
                items.insert(0, f"<item><title>Article {i}</title><link>{base_url}/a/{i}</link><guid>g{i}</guid></item>")
            time.sleep(0.3)
        deadline = time.time() + 60
        while len(sink.lines) < n and time.time() < deadline:
            time.sleep(0.05)
        stop.set()
        runner.join(timeout=30)
    server.shutdown()
    lat = sorted(t - ln["found_at"] for t, ln in zip(sink.times, sink.lines, strict=True))
    q = statistics.quantiles(lat, n=20, method="inclusive") if len(lat) >= 2 else [float("nan")] * 19
    return {"step": "latency", "embedder": embedder, "base": base, "articles": len(lat),
            "host_interval_s": HOST_INTERVAL[0],
            "p50_ms": round(1000 * statistics.median(lat)) if lat else None,
            "p95_ms": round(1000 * q[18]) if len(lat) >= 2 else None,
            "max_ms": round(1000 * lat[-1]) if lat else None, "peak_rss_mb": _rss_mb()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=int, default=100_000)
    ap.add_argument("--embedder", choices=["hash", "minilm"], default="hash")
    ap.add_argument("--stream", type=int, default=400, help="articles for the throughput step")
    ap.add_argument("--latency", type=int, default=40, help="articles for the latency step (0: skip)")
    ap.add_argument("--host-interval", type=float, default=0.0,
                    help="stream.host_interval_s for the latency step (retold watch's default is 1.0)")
    ap.add_argument("--step", choices=["build", "throughput", "latency"], help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    HOST_INTERVAL[0] = args.host_interval
    workdir = ROOT / "out" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    base_db = workdir / f"stream-{args.embedder}-{args.base}.db"
    if args.step:
        db = Path(args.db)
        fn = {"build": lambda: build(args.base, args.embedder, db),
              "throughput": lambda: throughput(db, args.embedder, args.stream, args.base),
              "latency": lambda: latency(db, args.embedder, args.latency, args.base)}[args.step]
        print(json.dumps(fn()), flush=True)
        return 0
    rows = []

    def step(name: str, db: Path) -> None:
        cmd = [sys.executable, __file__, "--step", name, "--db", str(db), "--base", str(args.base), "--embedder",
               args.embedder, "--stream", str(args.stream), "--latency", str(args.latency),
               "--host-interval", str(args.host_interval)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"step {name} failed:\n{out.stderr[-3000:]}")
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)

    if not base_db.exists():
        step("build", base_db)
    # Each measuring step works on a copy, so the base store stays as built.
    import shutil

    for name, count in (("throughput", args.stream), ("latency", args.latency)):
        if count <= 0:
            continue
        work = workdir / f"stream-{args.embedder}-{args.base}-{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(base_db, work)
        step(name, work)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
    print(json.dumps({"summary": {r["step"]: {k: v for k, v in r.items() if k != "step"} for r in rows}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
