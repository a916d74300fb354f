"""Exactly-once after SIGKILL: ``retold watch`` killed at every window between its durable steps, then
restarted, reports every article once, with consecutive ``seq`` numbers.

The kill points (RETOLD_STREAM_FAULT, see retold.stream.watch): after a feed's poll is saved,
after a page is fetched (nothing stored yet), after the article and its line are stored (line not
yet written), and after the line is written (not yet marked). One more run is killed from outside
while it is writing, at whatever moment that is.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stream_site import SEED_A, SEED_B, UNRELATED, Page, Site, article_html, rss, start

pytest.importorskip("feedparser")
pytestmark = pytest.mark.slow

RETOLD = [sys.executable, "-m", "retold.cli"]


@pytest.fixture(scope="module")
def site():
    s = Site()
    server, _ = start(s)
    b = s.url
    s.put("/robots.txt", Page(b"User-agent: *\nAllow: /\n", "text/plain"))
    items = []
    texts = [("Troops on the border", SEED_A), *UNRELATED, ("Reprint: troops on the border", SEED_B)]
    for k, (title, text) in enumerate(texts):
        s.put(f"/a/{k}", Page(article_html(title, text)))
        items.append((f"guid-{k}", f"/a/{k}", title))
    s.put("/feed.xml", Page(rss("Wire", b, items), "application/rss+xml"))
    yield s
    server.shutdown()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETOLD_")}
    env.update({"RETOLD_STREAM__HOST_INTERVAL_S": "0", "RETOLD_EMBED__BACKEND": "hash", **extra})
    return env


def _run(db: Path, out: Path, url: str, *, fault: str | None = None, to_stdout: bool = False) -> int:
    env = _env(**({"RETOLD_STREAM_FAULT": fault} if fault else {}))
    cmd = [*RETOLD, "watch", str(db), url, "--once", "--quiet"]
    if to_stdout:
        with open(out, "ab") as f:
            r = subprocess.run(cmd, env=env, stdout=f, stderr=subprocess.PIPE, timeout=120)
    else:
        r = subprocess.run([*cmd, "--output", str(out)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=120)
    if r.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"retold watch exited {r.returncode}: {r.stderr.decode()[-3000:]}")
    return r.returncode


def _check(out: Path, base: str) -> list[dict]:
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    ids = [d["article"]["id"] for d in lines]
    assert sorted(ids) == sorted(f"{base}/a/{k}" for k in range(5)), ids
    assert [d["seq"] for d in lines] == list(range(1, 6))
    reprint = next(d for d in lines if d["article"]["id"] == f"{base}/a/4")
    assert reprint["sources"] == [f"{base}/a/0"]
    return lines


@pytest.mark.parametrize("fault", ["polled:1", "fetched:2", "stored:3", "emitted:2", "stored:5"])
def test_exactly_once_after_sigkill_at_each_point(site, tmp_path, fault):
    db, out = tmp_path / "w.db", tmp_path / "out.jsonl"
    url = f"{site.url}/feed.xml"
    assert _run(db, out, url, fault=fault) == -signal.SIGKILL
    assert _run(db, out, url) == 0
    _check(out, site.url)


def test_exactly_once_with_stdout_redirected_to_a_file(site, tmp_path):
    db, out = tmp_path / "w.db", tmp_path / "out.jsonl"
    url = f"{site.url}/feed.xml"
    assert _run(db, out, url, fault="emitted:3", to_stdout=True) == -signal.SIGKILL
    assert _run(db, out, url, to_stdout=True) == 0
    _check(out, site.url)


def test_exactly_once_after_kills_from_outside(site, tmp_path):
    db, out = tmp_path / "w.db", tmp_path / "out.jsonl"
    url = f"{site.url}/feed.xml"
    for want in (1, 3):  # kill as soon as the want-th line is on disk, wherever the process is then
        proc = subprocess.Popen([*RETOLD, "watch", str(db), url, "--output", str(out), "--quiet"], env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if out.exists() and out.read_bytes().count(b"\n") >= want:
                break
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert _run(db, out, url) == 0
    _check(out, site.url)


def test_sigterm_stops_after_the_current_article_and_a_restart_resumes(site, tmp_path):
    db, out = tmp_path / "w.db", tmp_path / "out.jsonl"
    url = f"{site.url}/feed.xml"
    proc = subprocess.Popen([*RETOLD, "watch", str(db), url, "--output", str(out)], env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.exists() and out.read_bytes().count(b"\n") >= 1):
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and b"reported" in err  # a clean stop, with its summary line
    assert _run(db, out, url) == 0
    _check(out, site.url)
