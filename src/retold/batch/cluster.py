"""A throwaway Spark standalone cluster on 127.0.0.1: one master and N workers from the pyspark wheel.

Used by ``tests/test_spark_cluster.py`` and ``bench/spark_cluster.py`` to run the batch scan on a
real cluster (driver, master, worker and executor JVMs as separate processes, talking over
sockets) rather than ``local[N]``. It needs Java and pyspark, but never imports pyspark: the
daemons are started with ``$SPARK_HOME/bin/spark-class`` where ``SPARK_HOME`` is the pyspark
package folder (it ships ``bin/`` and ``jars/``). Example::

    with standalone_cluster(workers=2) as c:
        subprocess.run(["retold", "scan", "--input", "news.jsonl", "--output", "pairs.jsonl",
                        "--engine", "spark", "--master", c.master_url], env=c.client_env(), check=True)

Every process binds to loopback: ``--host 127.0.0.1`` and ``SPARK_LOCAL_IP=127.0.0.1`` (without the
variable a worker registers with the machine's other address and the driver cannot reach its
executors offline). Ports are picked free at run time, so several clusters (and other users' Spark
UIs on 4040/8080/8081) can share a machine. On exit the whole process group of each daemon is
killed (executors and their Python workers included), workers first.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from retold.errors import SparkError

LOOPBACK = "127.0.0.1"


def spark_home() -> Path:
    """The Spark distribution inside the installed pyspark package (has ``bin/spark-class``)."""
    if os.environ.get("SPARK_HOME") and (Path(os.environ["SPARK_HOME"]) / "bin" / "spark-class").exists():
        return Path(os.environ["SPARK_HOME"])
    spec = importlib.util.find_spec("pyspark")  # finds the folder without importing pyspark
    if spec is None or spec.origin is None:
        raise SparkError("a standalone cluster needs pyspark: pip install 'retold[spark]'")
    home = Path(spec.origin).parent
    if not (home / "bin" / "spark-class").exists():
        raise SparkError(f"{home} has no bin/spark-class; set SPARK_HOME to a Spark distribution")
    return home


def free_port() -> int:
    """A TCP port free on loopback right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class StandaloneCluster:
    """A running cluster: where to submit, where its web UI and logs are, its daemons' process ids."""

    master_url: str
    webui_url: str
    log_dir: Path
    pids: tuple[int, ...]

    def client_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for a driver process: loopback, this interpreter for Python workers, hash seed 0."""
        return {**(os.environ if base is None else base), **_env_common()}

    def state(self) -> dict[str, object]:
        """The master's ``/json/`` status (workers, cores, applications)."""
        return _master_json(self.webui_url)

    def alive_workers(self) -> int:
        return _alive(self.state())


def _env_common() -> dict[str, str]:
    # The executors' Python workers must be this interpreter (retold installed, same version) and
    # seed their set order as the local engine's workers do (docs/spark.md, "Same results").
    return {"SPARK_LOCAL_IP": LOOPBACK, "SPARK_LOCAL_HOSTNAME": "localhost", "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable, "PYTHONHASHSEED": "0"}


def _master_json(webui_url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{webui_url}/json/", timeout=5) as r:
        data = json.loads(r.read().decode("utf-8"))
    return data if isinstance(data, dict) else {}


def _alive(state: dict[str, object]) -> int:
    workers = state.get("workers")
    return sum(1 for w in workers if isinstance(w, dict) and w.get("state") == "ALIVE") if isinstance(workers, list) else 0


def _tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _stop(procs: list[tuple[subprocess.Popen[bytes], Path]], *, grace: float = 10.0) -> None:
    for proc, _ in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    for proc, _ in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        # SIGKILL the group even when the daemon itself exited: an executor JVM or a Python worker
        # started by a worker may still be alive in it.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


@contextmanager
def standalone_cluster(
    *, workers: int = 2, cores: int = 1, memory: str = "1g", timeout: float = 90.0, log_dir: str | os.PathLike[str] | None = None
) -> Iterator[StandaloneCluster]:
    """Start a master and ``workers`` workers on 127.0.0.1, wait until all are registered, stop them on exit.

    Args:
        workers: worker daemons (each runs one executor per application).
        cores: ``--cores`` of each worker (executor cores).
        memory: ``--memory`` of each worker (what its executors may use).
        timeout: seconds to wait for the master's web UI and for every worker to be ``ALIVE``.
        log_dir: where daemon logs and worker work folders go (default: a temporary folder, removed
            on exit unless start-up or the ``with`` block failed, so its logs can be read).

    Raises :class:`SparkError` with the log tail when a daemon exits or the workers never register.
    """
    if workers < 1:
        raise SparkError(f"a standalone cluster needs at least one worker, got {workers}")
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkError("a standalone cluster needs Java 17 (set JAVA_HOME or put java on PATH)")
    home = spark_home()
    own_dir = log_dir is None
    logs = Path(tempfile.mkdtemp(prefix="retold-spark-cluster-")) if log_dir is None else Path(log_dir)
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **_env_common(), "SPARK_HOME": str(home), "SPARK_LOG_DIR": str(logs),
           "SPARK_WORKER_DIR": str(logs / "work"), "SPARK_NO_DAEMONIZE": "1"}
    spark_class = str(home / "bin" / "spark-class")
    port, webui = free_port(), free_port()
    master_url, webui_url = f"spark://{LOOPBACK}:{port}", f"http://{LOOPBACK}:{webui}"
    procs: list[tuple[subprocess.Popen[bytes], Path]] = []
    failed = True

    def start(name: str, args: list[str]) -> None:
        path = logs / f"{name}.log"
        with open(path, "wb") as fh:
            # A new session per daemon: its process group is the daemon, its executors and their
            # Python workers, so one killpg stops all of them.
            proc = subprocess.Popen([spark_class, *args], stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, start_new_session=True)
        procs.append((proc, path))

    def check_running() -> None:
        for proc, path in procs:
            if proc.poll() is not None:
                raise SparkError(f"{path.stem} exited with status {proc.returncode} while the cluster started; "
                                 f"last lines of {path}:\n{_tail(path)}")

    try:
        start("master", ["org.apache.spark.deploy.master.Master", "--host", LOOPBACK, "--port", str(port),
                         "--webui-port", str(webui)])
        for i in range(workers):
            start(f"worker-{i + 1}", ["org.apache.spark.deploy.worker.Worker", master_url, "--host", LOOPBACK,
                                      "--port", str(free_port()), "--webui-port", str(free_port()),
                                      "--cores", str(cores), "--memory", memory, "--work-dir", str(logs / "work")])
        deadline, alive = time.monotonic() + timeout, 0
        while True:
            check_running()
            try:
                alive = _alive(_master_json(webui_url))
            except OSError:
                alive = 0  # the master's UI is not up yet
            if alive >= workers:
                break
            if time.monotonic() > deadline:
                raise SparkError(f"{alive} of {workers} Spark workers registered with {master_url} in {timeout:.0f} s; "
                                 f"logs in {logs} (master:\n{_tail(logs / 'master.log')})")
            time.sleep(0.5)
        yield StandaloneCluster(master_url, webui_url, logs, tuple(p.pid for p, _ in procs))
        failed = False  # the caller's block finished too: nothing to read in the logs
    finally:
        _stop(list(reversed(procs)))
        if own_dir and not failed:
            shutil.rmtree(logs, ignore_errors=True)


__all__ = ["LOOPBACK", "StandaloneCluster", "free_port", "spark_home", "standalone_cluster"]
