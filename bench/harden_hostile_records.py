"""Thousands of hostile records through `retold add` and through the REST API: nothing crashes,
every record is accounted for, no record is slow.

    nice .venv/bin/python bench/harden_hostile_records.py                  # 12,000 via add, 10,000 via the API
    nice .venv/bin/python bench/harden_hostile_records.py --records 2000 --api-requests 1000

**add.** Writes a folder of JSONL, CSV, TSV, text, HTML and WARC(.gz) files whose records are
good articles mixed with hostile ones (lone surrogates in text, id and title; JSON nested
100,000 deep; 5,000-digit numbers; broken and non-object JSON; invalid UTF-8; NUL bytes;
unclosed and stray CSV quotes; extra CSV fields; texts and lines over the size limit; a gzip
bomb; runs of punctuation, combining marks, escape sequences and bidi controls; empty records),
runs ``add_documents`` on it (as ``retold add``), and checks ``read == stored + rejected``,
``read`` == the records written, and that every good record is stored. Then it times each
record alone (read + normalise + segment + fingerprint) and reports the slowest.

**API.** Starts ``retold serve --create`` on a new store (a subprocess, hash embedder, compare
processes) and sends one document per ``POST /api/documents`` (good or hostile, as JSON the
client can send: surrogates, deep nesting, controls, oversize) plus hostile ``/api/compare``
pairs, at ``--concurrency``. Every answer must be 2xx or 4xx with a ``detail``; the store must
hold exactly the documents answered 201. Prints the server's peak RSS (VmHWM, main process and
workers). ``ingest.max_document_chars`` is 20,000 here so oversize records stay cheap to make.
Figures in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

MAX_CHARS = 20_000
TOKEN = "hostile-bench-token-0123"
WORDS = "the council river plan cost police minister said would pounds billion approved monday".split()
PATHOLOGICAL = [
    "." * 15_000, "?!" * 7_000, '"' * 12_000, "([{" * 4_000, "U.S. x " * 2_000, "a" + "\u0301\u200b" * 6_000,
    "e\u0301" * 5_000, "\u05e9\u05dc\u05d5\u05dd. " * 2_000, "\u202eevil\u202c " * 1_500, "x" * 19_000,
    "\x1b]0;owned\x07\x1b[2J\x1b]52;c;b3duZWQ=\x07" * 300, "line\r\n" * 3_000, "1" * 19_000, "\ufeff\u200b" * 5_000,
]


def good_text(rng: random.Random) -> str:
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "."
                    for _ in range(rng.randint(3, 12)))


def jsonl_line(rng: random.Random, i: int) -> tuple[bytes, bool]:
    """One JSONL line and whether it is a good record (must be stored)."""
    rid = f"j{i}"
    kind = rng.randrange(16)
    if kind < 6:
        return json.dumps({"id": rid, "text": good_text(rng), "title": "T"}).encode(), True
    if kind == 6:
        return (f'{{"id": "{rid}", "text": "bad \\ud800 text"}}').encode(), False
    if kind == 7:
        return (f'{{"id": "{rid}\\udfff", "text": "{good_text(rng)}"}}').encode(), False
    if kind == 8:
        return (f'{{"id": "{rid}", "text": "x", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}").encode(), False
    if kind == 9:
        return (f'{{"id": "{rid}", "text": "x", "n": ' + "9" * 5_000 + "}").encode(), False
    if kind == 10:
        return json.dumps({"id": rid, "text": good_text(rng)}).encode()[: rng.randint(1, 30)], False
    if kind == 11:
        return rng.choice([b"[1, 2]", b'"a string"', b"null", b"42", b'{"body": "no text field"}']), False
    if kind == 12:
        return json.dumps({"id": rid, "text": good_text(rng)}).encode().replace(b"the", b"\xff\xfe", 1), False
    if kind == 13:
        return json.dumps({"id": rid, "text": "y" * (MAX_CHARS + 10)}).encode(), False
    if kind == 14:
        return json.dumps({"id": rid, "text": "   "}).encode(), False
    # pathological but valid: stored
    return json.dumps({"id": rid, "text": rng.choice(PATHOLOGICAL), "title": "\x1b[2J\u202e"}).encode(), True


def csv_row(rng: random.Random, i: int) -> tuple[str, bool]:
    rid = f"c{i}"
    kind = rng.randrange(8)
    if kind < 5:
        return f'{rid},"{good_text(rng)}",2021-10-31', True
    if kind == 5:
        return f'{rid},"an opening quote never closed {good_text(rng)}', False
    if kind == 6:
        return f'{rid},"{good_text(rng)}",2021-10-31,extra,fields', False
    return f'{rid},"{"z" * (MAX_CHARS + 100)}",2021-10-31', False


def write_corpus(root: Path, n: int, seed: int) -> tuple[int, set[str]]:
    """Files under ``root`` holding about ``n`` records: (records written, ids of good records)."""
    rng = random.Random(seed)
    written, good = 0, set()
    per_file = 500
    i = 0
    while written < n:
        fmt = rng.choice(["jsonl", "jsonl", "csv", "tsv", "txt", "html", "warc"])
        k = len(list(root.iterdir()))
        if fmt == "jsonl":
            lines = []
            for _ in range(per_file):
                line, ok = jsonl_line(rng, i)
                lines.append(line)
                if ok:
                    good.add(f"j{i}")
                i += 1
            (root / f"f{k:04d}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
            written += per_file
        elif fmt in ("csv", "tsv"):
            rows = []
            for _ in range(per_file):
                row, ok = csv_row(rng, i)
                rows.append(row if fmt == "csv" else row.replace(",", "\t"))
                if ok:
                    good.add(f"c{i}")
                i += 1
            header = "id,text,date" if fmt == "csv" else "id\ttext\tdate"
            (root / f"f{k:04d}.{fmt}").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
            written += per_file
        elif fmt == "txt":
            for _ in range(20):
                name = f"t{i}.txt"
                kind = rng.randrange(5)
                path = root / f"d{k:04d}" / name
                path.parent.mkdir(exist_ok=True)
                if kind < 2:
                    path.write_text(good_text(rng))
                    good.add(f"d{k:04d}/{name}")
                elif kind == 2:
                    path.write_bytes(bytes(rng.randrange(256) for _ in range(200)))  # junk: maybe text, maybe not
                elif kind == 3:
                    with open(path, "wb") as f:
                        f.truncate(2 * 1024**3)  # a 2 GiB sparse file: refused by its size
                else:
                    path.write_text(rng.choice(PATHOLOGICAL))
                    good.add(f"d{k:04d}/{name}")
                i += 1
                written += 1
        elif fmt == "html":
            path = root / f"h{k:04d}.html"
            body = good_text(rng) * 3
            path.write_text(f"<html><body><svg><article><p>{body}</p></article>\x1b[2J</body></html>")
            written += 1
        else:
            recs = b""
            for j in range(10):
                bomb = rng.random() < 0.2
                payload = (b"<html><body><p>" + b"A" * 2_000_000 + b"</p></body></html>") if bomb else (
                    f"<html><body><article><p>{good_text(rng) * 4}</p></article></body></html>".encode())
                http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + payload
                head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://x/{k}/{j}\r\n"
                        f"WARC-Record-ID: <urn:uuid:{k}-{j}>\r\nContent-Length: {len(http)}\r\n\r\n").encode()
                recs += gzip.compress(head + http + b"\r\n\r\n")
            (root / f"w{k:04d}.warc.gz").write_bytes(recs)
            written += 10
    return written, good


def bench_add(n: int, seed: int) -> bool:
    from retold.config import Settings
    from retold.corpus.archive import add_documents
    from retold.ingest.corpus import iter_records
    from retold.pipeline import Detector
    from retold.store import Store

    settings = Settings().replace(embed={"backend": "hash"}, ingest={"max_document_chars": MAX_CHARS})
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "in"
        root.mkdir()
        t0 = time.perf_counter()
        written, good = write_corpus(root, n, seed)
        print(f"add: wrote {written:,} records ({len(good):,} good) in {time.perf_counter() - t0:.1f} s", flush=True)
        crashes = 0
        t0 = time.perf_counter()
        try:
            with Store(Path(tmp) / "s.db", settings=settings) as store:
                s = add_documents(store, [root], settings=settings, embed=True)
                stored_ids = set(store.content_hashes(good))
        except Exception as exc:  # a crash of the whole run: what this bench exists to catch
            crashes += 1
            print(f"add: CRASH {type(exc).__name__}: {exc}")
            return False
        seconds = time.perf_counter() - t0
        reasons = Counter(_reason(e) for e in s.errors)
        lost = good - stored_ids
        print(f"add: read {s.read:,}, stored {s.stored:,}, rejected {s.rejected:,} in {seconds:.1f} s; "
              f"unaccounted {s.read - s.stored - s.rejected}; read vs written {s.read - written:+d}; "
              f"good records lost {len(lost)}; crashes {crashes}")
        print(f"    reasons among the first {len(s.errors):,} rejections (AddSummary keeps 1,000):")
        for r, c in reasons.most_common(14):
            print(f"    {c:6,d} {r}")
        # The slowest record alone: read, normalise, segment, fingerprint.
        det = Detector(settings)
        slowest, worst = 0.0, ""
        it = iter(iter_records([root], settings=settings.ingest))
        while True:
            t = time.perf_counter()
            try:
                rec = next(it)
            except StopIteration:
                break
            if rec.doc is not None:
                det.prepare(rec.doc)
            dt = time.perf_counter() - t
            if dt > slowest:
                slowest, worst = dt, rec.origin
        rss = _vmhwm(os.getpid())
        print(f"add: slowest record {slowest:.2f} s ({Path(worst).name}); bench process peak RSS {rss:,} MB")
        return (s.read == s.stored + s.rejected and s.read == written and not lost and slowest <= 2.0)


def _reason(err: str) -> str:
    for key in ("surrogate", "nested too deeply", "digits", "invalid JSON", "expected a JSON object", "no text field",
                "has no text", "encoding", "--encoding", "not closed", "more fields", "field is longer",
                "decompressed", "bytes is over", "characters, more than", "extractor failed", "no main text",
                "not text in any encoding", "could not be stored"):
        if key in err:
            return key
    return err[:80]


def _vmhwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    """Child processes of ``pid`` (the compare workers), from /proc/*/stat."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def api_docs(rng: random.Random, i: int) -> tuple[str, bool]:
    """A request body for POST /api/documents (one document) and whether it must be stored."""
    rid = f"api-{i}"
    kind = rng.randrange(10)
    if kind < 5:
        return json.dumps({"documents": [{"id": rid, "text": good_text(rng)}]}), True
    if kind == 5:
        return f'{{"documents": [{{"id": "{rid}", "text": "lone \\ud800 surrogate"}}]}}', False
    if kind == 6:
        return f'{{"documents": [{{"id": "{rid}", "text": "x", "title": ' + "[" * 50_000 + "]" * 50_000 + "}]}", False
    if kind == 7:
        return json.dumps({"documents": [{"id": rid, "text": "y" * (MAX_CHARS + 1)}]}), False
    if kind == 8:
        return json.dumps({"documents": [{"id": rid, "text": rng.choice(PATHOLOGICAL)[:MAX_CHARS]}]}), True
    return rng.choice(['{"documents": []}', '{"documents": [{"id": "x"}]}', "not json", '{"documents": [1]}']), False


async def api_load(url: str, n: int, concurrency: int, seed: int) -> dict:
    rng = random.Random(seed)
    plan = [api_docs(rng, i) for i in range(n)]
    status: Counter[int] = Counter()
    compare_status: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    stored: set[str] = set()
    slowest = 0.0
    no_detail = 0
    next_i = 0
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal next_i, slowest, no_detail
        while next_i < n:
            i = next_i
            next_i += 1
            body, _ = plan[i]
            t = time.perf_counter()
            try:
                if i % 20 == 19:  # a hostile compare now and then
                    a = rng.choice(PATHOLOGICAL)[:MAX_CHARS]
                    r = await client.post("/api/compare", json={"a": a, "b": a[::-1]})
                    compare_status[r.status_code] += 1
                else:
                    r = await client.post("/api/documents", content=body, headers=headers)
                    status[r.status_code] += 1
                    if r.status_code == 201:
                        stored.add(f"api-{i}")
                if 400 <= r.status_code < 500 and "detail" not in r.json():
                    no_detail += 1
            except httpx.HTTPError as exc:
                errors[f"{type(exc).__name__}: {exc}"] += 1
            slowest = max(slowest, time.perf_counter() - t)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        wall = time.perf_counter() - t0
        health = (await client.get("/api/health")).json()
    must = {f"api-{i}" for i, (_, ok) in enumerate(plan) if ok and i % 20 != 19}
    return {"status": status, "compare": compare_status, "errors": errors, "stored": stored, "must": must,
            "slowest": slowest, "wall": wall, "documents": health["store"]["documents"], "no_detail": no_detail}


def bench_api(n: int, concurrency: int, seed: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "api.db"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "RETOLD_TOKEN": TOKEN, "RETOLD_INGEST__MAX_DOCUMENT_CHARS": str(MAX_CHARS)}
        cmd = [sys.executable, "-m", "retold.cli", "serve", str(db), "--create", "--embedder", "hash", "--port", str(port),
               "--workers", "2", "--log-level", "warning", "--max-body", str(4 * 1024 * 1024)]
        proc = subprocess.Popen(cmd, start_new_session=True, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    print("api: the server did not start")
                    return False
                time.sleep(0.3)
            res = asyncio.run(api_load(url, n, concurrency, seed))
            kids = _children(proc.pid)
            rss = _vmhwm(proc.pid) + sum(_vmhwm(c) for c in kids)
            print(f"api: server pid {proc.pid} ({_vmhwm(proc.pid):,} MB) and {len(kids)} child processes "
                  f"({', '.join(f'{_vmhwm(c):,} MB' for c in kids)})")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    five = sum(v for k, v in (res["status"] + res["compare"]).items() if k >= 500)
    lost = res["must"] - res["stored"]
    print(f"api: {n:,} requests at concurrency {concurrency} in {res['wall']:.1f} s; documents {dict(sorted(res['status'].items()))}, "
          f"compares {dict(sorted(res['compare'].items()))}; 5xx {five}; transport errors {sum(res['errors'].values())}; "
          f"4xx without a reason {res['no_detail']}")
    print(f"api: answered 201 {len(res['stored']):,}, in the store {res['documents']:,}; good documents not stored "
          f"{len(lost)}; slowest request {res['slowest']:.2f} s; server peak RSS (main + workers) {rss:,} MB")
    for err, c in res["errors"].most_common(5):
        print(f"    {c} x {err}")
    return five == 0 and not res["errors"] and not lost and res["documents"] == len(res["stored"]) and not res["no_detail"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=12_000, help="records through add")
    ap.add_argument("--api-requests", type=int, default=10_000, help="requests through the API")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    ok = True
    if args.records:
        ok &= bench_add(args.records, args.seed)
    if args.api_requests:
        ok &= bench_api(args.api_requests, args.concurrency, args.seed)
    print("OK: 0 crashes, every record accounted for" if ok else "FAILED (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
