"""The batch scan on a real Spark standalone cluster (a master and two workers on 127.0.0.1).

``retold scan --input … --engine spark --master spark://127.0.0.1:P`` must write the same bytes as
``--engine local``, and stopping the cluster must leave no JVM behind. Start-up is ~10-20 s
(three JVMs); the scan of 150 generated articles ~20-40 s on 2 cores.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retold.synth.corpus import generate_corpus, write_jsonl

pytestmark = pytest.mark.spark


def _groups() -> dict[int, list[str]]:
    """Every live process on the machine by process group: ``pgid -> ["pid args", …]``.

    Zombies are left out: spark-class's launcher subshell is a child of the JVM it execs into, so
    it stays ``<defunct>`` until init reaps it after the JVM is gone; it holds no resources.
    """
    out = subprocess.run(["ps", "-eo", "pid=,pgid=,stat=,args="], capture_output=True, text=True, check=True).stdout
    groups: dict[int, list[str]] = {}
    for line in out.splitlines():
        pid, pgid, stat, *args = line.split(None, 3)
        if not stat.startswith("Z"):
            groups.setdefault(int(pgid), []).append(f"{pid} {' '.join(args)}")
    return groups


def _scan(corpus: Path, out: Path, env: dict[str, str], *extra: str) -> None:
    cmd = [sys.executable, "-m", "retold.cli", "scan", "--input", str(corpus), "--output", str(out),
           "--embedder", "hash", "--quiet", *extra]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_standalone_cluster_scan_matches_local_and_stops_clean(tmp_path: Path) -> None:
    pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'retold[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark tests need Java 17 (no java on PATH and no JAVA_HOME)")
    from retold.batch.cluster import standalone_cluster

    recs, truth = generate_corpus(150, seed=5)
    corpus = write_jsonl(recs, tmp_path / "corpus.jsonl")
    local_out, spark_out = tmp_path / "local.jsonl", tmp_path / "spark.jsonl"
    # Two local worker processes seed their hashes with 0, as the cluster's Python workers do.
    _scan(corpus, local_out, {**os.environ, "PYTHONHASHSEED": "0"}, "--engine", "local", "--workers", "2")

    logs = tmp_path / "cluster"
    with standalone_cluster(workers=2, log_dir=logs) as cluster:
        assert cluster.master_url.startswith("spark://127.0.0.1:")
        assert cluster.alive_workers() == 2
        workers = [w for w in cluster.state()["workers"] if isinstance(w, dict)]
        assert all(w["host"] == "127.0.0.1" for w in workers), workers
        _scan(corpus, spark_out, cluster.client_env(), "--engine", "spark", "--master", cluster.master_url)
        apps = cluster.state().get("completedapps", [])
        # The scan ran as an application of this cluster, with an executor on each worker (1 core each).
        assert isinstance(apps, list) and len(apps) == 1 and apps[0]["cores"] == 2, apps
        groups = _groups()
        assert all(p in groups for p in cluster.pids), "a daemon was gone before the cluster stopped"

    left = _groups()
    leftovers = [p for g in cluster.pids for p in left.get(g, [])]
    leftovers += [p for ps in left.values() for p in ps if "java" in p and cluster.master_url.rsplit(":", 1)[1] in p]
    assert not leftovers, leftovers
    assert spark_out.read_bytes() == local_out.read_bytes()
    lines = local_out.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= len(truth) > 0
