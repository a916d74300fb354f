"""Coverage-guided fuzzing (atheris / libFuzzer) of the ingest parsers and the text core, bounded.

Each target gets fuzzer bytes as one file of its kind and runs the real reader on it
(``iter_records`` for txt/json/jsonl/csv/html/warc, ``parse_text``, ``normalise`` + ``segment``).
Allowed outcomes: documents whose text is non-empty, and rejections that name the file. Anything
else (an exception escaping the reader, a rejection without the file name, a span outside the
text) is a finding: counted, grouped by type and place, its first input saved under ``--out``; the
run goes on so one bug does not hide the next.

    .venv/bin/python bench/harden_atheris_parsers.py --runs 3000            # every target
    .venv/bin/python bench/harden_atheris_parsers.py --target warc --runs 20000

Prints one line per target: inputs tried, seconds, findings. Figures in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

TARGETS = ["txt", "json", "jsonl", "csv", "html", "warc", "parse_text", "normalise"]
SEEDS: dict[str, list[bytes]] = {
    "txt": [b" date 2021-10-31 Officials said so. The plan costs five billion.\n\nA second paragraph."],
    "json": [b'{"id": "x", "text": "Officials said so.", "date": "2021-10-31", "title": "T"}'],
    "jsonl": [b'{"id": "a", "text": "Hello there."}\n{"id": "b", "text": "Again.", "date": "2020-01-01"}\n{bad\n'],
    "csv": [b'id,text,date\na,"Hello, there.",2021-01-01\nb,"A ""quoted"" cell",\n'],
    "html": [b"<html><head><title>T</title></head><body><article><p>" + b"The minister said the plan would cost "
             b"five billion pounds. " * 5 + b"</p></article></body></html>"],
    "warc": [],
    "parse_text": [b" date 2021-10-31 Officials said so.", "\u202e\u05e9\u05dc\u05d5\u05dd \U0001f600\u200d.".encode()],
    "normalise": ["\u201cIt\u2019s\u00a0here\u201d \u2014 he said\u200b.\n\nNext,\n\nline.".encode()],
}


def _warc_seed() -> bytes:
    html = SEEDS["html"][0]
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
    head = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://example.org/a\r\n"
            b"WARC-Date: 2021-10-31T00:00:00Z\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
            b"Content-Type: application/http; msgtype=response\r\nContent-Length: " + str(len(http)).encode()
            + b"\r\n\r\n")
    return head + http + b"\r\n\r\n"


SEEDS["warc"] = [_warc_seed()]
SUFFIX = {"txt": ".txt", "json": ".json", "jsonl": ".jsonl", "csv": ".csv", "html": ".html", "warc": ".warc"}


def run_target(target: str, runs: int, out: Path, max_seconds: int) -> None:
    """Run inside a child process: atheris.Fuzz never returns, it exits when the runs are done."""
    import atheris

    with atheris.instrument_imports():
        from retold.config import IngestSettings
        from retold.errors import InputError
        from retold.ingest import parse_text
        from retold.ingest.corpus import iter_records
        from retold.normalise import normalise
        from retold.segment import segment

    import logging

    logging.disable(logging.CRITICAL)  # trafilatura logs every unparsable page
    work = Path(tempfile.mkdtemp(prefix=f"atheris-{target}-"))
    path = work / f"input{SUFFIX.get(target, '.txt')}"
    settings = IngestSettings(max_document_chars=200_000)
    stats: Counter[str] = Counter()
    saved: set[str] = set()
    t0 = time.monotonic()

    def finding(kind: str, data: bytes) -> None:
        stats["findings"] += 1
        stats[f"finding: {kind}"] += 1
        if kind not in saved:
            saved.add(kind)
            (out / f"{target}-{len(saved)}.bin").write_bytes(data)

    def one(data: bytes) -> None:
        stats["inputs"] += 1
        try:
            if target in SUFFIX:
                path.write_bytes(data)
                for r in iter_records([path], settings=settings):
                    if r.doc is None:
                        stats["rejected"] += 1
                        if str(path) not in (r.error or "") and str(path) not in r.origin:
                            finding("rejection without the file name", data)
                    else:
                        stats["documents"] += 1
                        if not r.doc.text.strip():
                            finding("empty document", data)
            else:
                text = data.decode("utf-8", errors="surrogateescape")
                if target == "parse_text":
                    try:
                        d = parse_text(text, id="fuzz.txt")
                        if not text.endswith(d.text):
                            finding("parse_text text is not a suffix of the input", data)
                    except InputError as exc:
                        if "fuzz.txt" not in str(exc):
                            finding("InputError without the id", data)
                else:
                    n = normalise(text)
                    if len(n.offsets) != len(n.text) + 1 or any(not 0 <= o <= len(text) for o in n.offsets):
                        finding("normalise offsets outside the text", data)
                    for s in segment(text).sentences:
                        if not 0 <= s.span.start <= s.span.end <= len(text):
                            finding("sentence span outside the text", data)
        except Exception as exc:  # every escaping exception is a finding
            tb = traceback.extract_tb(exc.__traceback__)
            where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb) if "retold" in f.filename), "?")
            finding(f"{type(exc).__name__} at {where}", data)
        report()

    def report() -> None:  # after every input: libFuzzer ends the process with _exit, skipping atexit
        line = {"target": target, "inputs": stats["inputs"], "seconds": round(time.monotonic() - t0, 1),
                "documents": stats["documents"], "rejected": stats["rejected"], "findings": stats["findings"],
                "kinds": {k[9:]: v for k, v in stats.items() if k.startswith("finding: ")}}
        (out / f"{target}.json").write_text(json.dumps(line))

    corpus = work / "corpus"
    corpus.mkdir()
    for i, s in enumerate(SEEDS[target]):
        (corpus / f"seed{i}").write_bytes(s)
    atheris.Setup(
        [sys.argv[0], f"-runs={runs}", f"-max_total_time={max_seconds}", "-max_len=4096", "-rss_limit_mb=2048",
         "-print_final_stats=0", str(corpus)],
        one,
    )
    atheris.Fuzz()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", choices=TARGETS, action="append", help="default: all")
    ap.add_argument("--runs", type=int, default=3000, help="inputs per target (libFuzzer -runs)")
    ap.add_argument("--max-seconds", type=int, default=120, help="wall-clock cap per target")
    ap.add_argument("--out", type=Path, default=Path("out/atheris"), help="first input of each finding kind")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.child:
        run_target(args.child, args.runs, args.out, args.max_seconds)
        return 0
    total = 0
    for target in args.target or TARGETS:
        cmd = [sys.executable, __file__, "--child", target, "--runs", str(args.runs), "--max-seconds",
               str(args.max_seconds), "--out", str(args.out)]
        (args.out / f"{target}.json").unlink(missing_ok=True)
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        result = args.out / f"{target}.json"
        if not result.exists():
            print(f"{target}: no result (exit {proc.returncode}): {proc.stderr[-800:]}", file=sys.stderr)
            continue
        res = json.loads(result.read_text())
        total += res["inputs"]
        print(f"{target:10s} inputs {res['inputs']:7,d}  {res['seconds']:6.1f} s  documents {res['documents']:6,d}  "
              f"rejected {res['rejected']:6,d}  findings {res['findings']:5,d}  {res['kinds'] or ''}")
    print(f"total inputs tried: {total:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
