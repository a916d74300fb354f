"""Crash safety under repeated kills: SIGKILL ``retold add`` at 20 seeded random points.

``test_corpus_crash.py`` kills once, mid-run. Here one store survives 20 kills in a row, each
landing at a random moment (during start-up, schema creation, a batch write, between batches),
each followed by SQLite's integrity check and a check that the store holds whole batches of the
right records and no duplicate; then a resumed run finishes and the books balance:
records in = stored + rejected, every id once, every text as written.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retold.store import Store

KILLS = 20
N = 4000  # records in the input, of which every 50th line is broken JSON
BATCH = 10
SEED = 20261123


def _texts(rnd: random.Random, n: int) -> list[str]:
    words = "minister council river police market school court budget plan pounds said would".split()
    return [
        " ".join(" ".join(rnd.choice(words) for _ in range(9)).capitalize() + "." for _ in range(2)) + f" Item {i}."
        for i in range(n)
    ]


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            return int(con.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:  # not created yet, or mid-migration
        return 0


@pytest.mark.slow
def test_twenty_sigkills_at_random_points_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    rnd = random.Random(SEED)
    texts = _texts(rnd, N)
    src = tmp_path / "in.jsonl"
    expected: dict[str, str] = {}
    broken = 0
    with src.open("w") as f:
        for i, t in enumerate(texts):
            if i % 50 == 49:
                f.write('{"id": "cut", "text": "trunc\n')
                broken += 1
                continue
            expected[f"r{i:04d}"] = t
            f.write(json.dumps({"id": f"r{i:04d}", "text": t}) + "\n")
    db = tmp_path / "crash.db"
    env = {**os.environ, "RETOLD_CORPUS__BATCH_SIZE": str(BATCH)}
    cmd = [sys.executable, "-m", "retold.cli", "add", str(db), str(src), "--embedder", "hash", "--json", "--quiet"]

    landed: list[tuple[str, int]] = []  # (how the kill was aimed, documents stored when it landed)
    for k in range(KILLS):
        before = _count(db)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if k < 4 or rnd.random() < 0.3:
            # By time: anywhere from interpreter start-up to well into the run.
            how = "time"
            time.sleep(rnd.uniform(0.0, 0.8))
        else:
            # By progress: a few batches past where the last run stopped, plus a random sliver.
            how = "progress"
            target = before + rnd.randint(1, 4) * BATCH
            deadline = time.monotonic() + 30
            while _count(db) < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rnd.uniform(0.0, 0.02))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        stored = _count(db)
        landed.append((how, stored))
        if proc.returncode != -signal.SIGKILL:  # it finished before the kill: nothing left to aim at
            pytest.fail(f"kill {k} came too late (run finished with {proc.returncode}); raise N")
        with Store(db) as st:
            assert st.integrity_check() == "ok", f"after kill {k}"
            ids = [r[0] for r in st.db.execute("SELECT id FROM documents")]
            assert len(ids) == len(set(ids)), f"duplicate ids after kill {k}"
            assert len(ids) >= before, f"kill {k} lost documents"
            assert set(ids) <= set(expected)
            for doc_id, text in st.db.execute("SELECT id, text FROM documents"):
                assert text == expected[doc_id]
            one = lambda q: st.db.execute(q).fetchone()[0]  # noqa: E731
            # Every stored document has all its derived rows: the batch landed whole or not at all.
            assert one("SELECT count(*) FROM signatures") == len(ids)
            assert one("SELECT count(DISTINCT doc) FROM lsh_buckets") == len(ids)

    assert landed[-1][1] < len(expected), "the last kill must leave work for the resumed run"
    assert len({n for _, n in landed}) >= 10, f"the kills must land at varied points: {landed}"

    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=True)
    summary = json.loads(out.stdout)
    assert summary["read"] == N == summary["stored"] + summary["rejected"]
    assert summary["rejected"] == broken
    assert summary["unchanged"] == landed[-1][1] and summary["added"] == len(expected) - landed[-1][1]
    with Store(db) as st:
        assert st.integrity_check() == "ok"
        rows = dict(st.db.execute("SELECT id, text FROM documents").fetchall())
        assert rows == expected
        assert st.db.execute("SELECT count(*) FROM embeddings WHERE kind = 'doc'").fetchone()[0] == len(expected)
    print(f"\n{KILLS} kills survived; documents stored at each kill: {[n for _, n in landed]}")
