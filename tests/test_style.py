"""Formatting policy (issue 12): the tree is not run through a formatter, so no formatter
directives live in it. ruff check (lint and import order) runs in `make test`."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_formatter_directives_in_the_tree() -> None:
    marker = "fmt: " + "skip"  # split so this file does not match itself
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for d in ("src", "tests", "bench")
        for p in sorted((ROOT / d).rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if marker in line
    ]
    assert not hits, f"formatter directives found (the tree is not formatted by a tool): {hits}"
