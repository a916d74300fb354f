"""Crash safety: SIGKILL ``retold add`` mid-run, reopen, check integrity, re-run, lose nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retold.store import Store
from test_corpus_helpers import corpus

N = 1500


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_sigkill_during_add_then_rerun(tmp_path) -> None:
    texts = corpus(200, seed=5)
    src = tmp_path / "in.jsonl"
    with src.open("w") as f:
        for i in range(N):
            f.write(json.dumps({"id": f"d{i:05d}", "text": f"Item {i}. " + texts[i % 200]}) + "\n")
        f.write("{broken\n")
    db = tmp_path / "c.db"
    env = {**os.environ, "RETOLD_CORPUS__BATCH_SIZE": "25"}
    cmd = [sys.executable, "-m", "retold.cli", "add", str(db), str(src), "--embedder", "hash", "--json", "--quiet"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(db) < 100 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = _count(db)
    assert proc.returncode == -signal.SIGKILL
    assert 0 < killed_at < N, "the kill must land mid-run for this test to mean anything"

    with Store(db) as st:
        assert st.integrity_check() == "ok"
        assert len(st) == killed_at  # whole batches or nothing
        assert len(st) % 25 == 0

    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=300)
    summary = json.loads(out.stdout)
    assert summary["read"] == summary["stored"] + summary["rejected"] == N + 1
    assert summary["rejected"] == 1 and summary["unchanged"] == killed_at and summary["added"] == N - killed_at

    with Store(db) as st:
        assert st.integrity_check() == "ok"
        one = lambda q: st.db.execute(q).fetchone()[0]  # noqa: E731
        assert len(st) == N == one("SELECT count(DISTINCT id) FROM documents")
        assert one("SELECT count(*) FROM signatures") == N
        assert one("SELECT count(DISTINCT doc) FROM lsh_buckets") == N
        assert one("SELECT count(*) FROM embeddings WHERE kind = 'doc'") == N
        assert st.get("d00123").text == "Item 123. " + texts[123]
