"""Issue 13, finding 6 (terminal injection) and the ``delete`` point of finding 8.

Stored text printed by ``show``, the tables of ``scan``/``query`` and the text report of
``compare`` never carry a raw escape sequence to the terminal, and ids are never read as rich
markup (an id of ``[/]`` crashed ``scan --format table``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retold.cli import main
from retold.report.terminal import markup_safe, printable

# Window title, screen clear, OSC 52 clipboard write, a one-byte CSI, carriage return, bidi override.
HOSTILE = "\x1b]0;owned\x07 \x1b[2J \x1b]52;c;ZWNobyBvd25lZA==\x07 \x9b31m \rover \u202eevil"
TEXT = "The council approved the river plan on Monday after a long debate, officials said. " * 3


def _assert_clean(out: str) -> None:
    for bad in ("\x1b", "\x07", "\x9b", "\r", "\u202e"):
        assert bad not in out, f"{bad!r} reached the terminal"


def _store(tmp_path: Path, ids: list[str], extra: str = "") -> str:
    db = str(tmp_path / "s.db")
    lines = [json.dumps({"id": i, "text": TEXT + extra, "title": "T" + HOSTILE}) for i in ids]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["add", db, str(tmp_path / "in.jsonl"), "--embedder", "hash", "--no-embed"]) == 0
    return db


def test_printable_writes_out_every_control_character() -> None:
    out = printable(HOSTILE)
    _assert_clean(out)
    assert "\\x1b]0;owned\\x07" in out and "<U+202E>evil" in out
    assert printable("a\nb\tc") == "a\nb\tc" and printable("a\nb", newlines=False) == "a\\nb"
    assert all(printable(chr(c)) != chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (9, 10))


def test_show_prints_escape_sequences_visibly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _store(tmp_path, ["evil\x1b[2J"], extra=HOSTILE)
    capsys.readouterr()
    assert main(["show", db, "evil\x1b[2J"]) == 0
    out = capsys.readouterr().out
    _assert_clean(out)
    assert "\\x1b[2J" in out and "<U+202E>" in out


def test_scan_table_with_an_id_that_looks_like_rich_markup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _store(tmp_path, ["[/]", "[bold]x\x1b[2J"])
    capsys.readouterr()
    assert main(["scan", db, "--format", "table", "--quiet"]) == 0
    out = capsys.readouterr().out
    _assert_clean(out)
    assert "[/]" in out and "[bold]x" in out
    assert markup_safe("[/]") == "\\[/]"


def test_the_text_report_of_compare_shows_controls_visibly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a\x1b[2J.txt", tmp_path / "b.txt"
    a.write_text(TEXT + HOSTILE)
    b.write_text(TEXT + HOSTILE + " More.")
    assert main(["compare", str(a), str(b), "--embedder", "hash"]) == 0
    _assert_clean(capsys.readouterr().out)


def test_delete_names_what_it_deleted_and_what_was_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _store(tmp_path, ["a", "b"])
    capsys.readouterr()
    assert main(["delete", db, "a", "nosuch", "b"]) == 2
    err = capsys.readouterr().err
    assert "deleted 2 document(s): a, b" in err and "nosuch" in err and "not deleted" in err
    assert main(["delete", db, "a"]) == 2  # already gone: said, not silently "deleted 1"
    assert "not deleted: a" in capsys.readouterr().err
