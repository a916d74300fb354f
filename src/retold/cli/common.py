"""Options and helpers shared by the commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from retold.config import Settings
from retold.config.files import load_settings
from retold.errors import DocumentTooLargeError, InputError
from retold.ingest import decode_bytes, document_from_mapping, json_problem, parse_text, read_document
from retold.types import Document

F = TypeVar("F", bound=Callable[..., Any])


def settings_options(f: F) -> F:
    """--config, --embedder and --lexical-only, turned into a ``settings`` keyword."""
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML settings file.")(f)
    f = click.option(
        "--embedder",
        type=click.Choice(["minilm", "hash"]),
        help="Sentence embedder: the MiniLM model (default) or a fast deterministic hashing fake.",
    )(f)
    f = click.option("--lexical-only", is_flag=True, help="Skip sentence embeddings (fastest; misses paraphrase).")(f)
    return f


def build_settings(config_path: str | None, embedder: str | None, lexical_only: bool) -> Settings:
    overrides: dict[str, dict[str, Any]] = {}
    if embedder:
        overrides.setdefault("embed", {})["backend"] = embedder
    if lexical_only:
        overrides.setdefault("match", {})["semantic"] = False
    return load_settings(config_path, overrides=overrides)


def read_input(source: str, *, encoding: str | None = None, max_chars: int | None = None) -> tuple[Document, int]:
    """A document from a path or ``-`` (stdin), and how many characters precede its text.

    Stdin holding a JSON object is read as a document object; anything else as plain text.
    A document longer than ``max_chars`` is refused before any work is done on it.
    """
    doc, shift = _read_input(source, encoding=encoding, max_chars=max_chars)
    if max_chars is not None and len(doc.text) > max_chars:
        raise DocumentTooLargeError(
            f"{source}: {len(doc.text):,} characters, more than ingest.max_document_chars = {max_chars:,}; "
            "raise it with RETOLD_INGEST__MAX_DOCUMENT_CHARS or a --config file, or split the document"
        )
    return doc, shift


def _too_big(source: str, size: int, max_chars: int) -> DocumentTooLargeError:
    return DocumentTooLargeError(
        f"{source}: {size:,} bytes or more, more than a document of ingest.max_document_chars = {max_chars:,} "
        "characters can take; raise it with RETOLD_INGEST__MAX_DOCUMENT_CHARS or a --config file, or split the document"
    )


def _read_input(source: str, *, encoding: str | None = None, max_chars: int | None = None) -> tuple[Document, int]:
    # Bytes a document may take (a JSON escape is 6 per character), checked before reading:
    # a 2 GB file is refused by its size, stdin is read at most one byte past it.
    cap = None if max_chars is None else 6 * max_chars + 65_536
    if source == "-":
        data = sys.stdin.buffer.read() if cap is None else sys.stdin.buffer.read(cap + 1)
        if cap is not None and max_chars is not None and len(data) > cap:
            raise _too_big("<stdin>", len(data), max_chars)
        raw = decode_bytes(data, where="<stdin>", encoding=encoding)
        if raw.lstrip().startswith("{"):
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise InputError(f"<stdin>: looks like JSON but is invalid at line {exc.lineno}: {exc.msg}") from None
            except (RecursionError, ValueError) as exc:
                raise InputError(f"<stdin>: unreadable JSON ({json_problem(exc)})") from None
            return document_from_mapping(obj, default_id="stdin", where="<stdin>"), 0
        doc = parse_text(raw, id="stdin")
        return doc, len(raw) - len(doc.text)
    path = Path(source)
    if not path.exists():
        raise InputError(f"{source}: no such file (give a path to a .txt or .json article, or - for stdin)")
    if path.is_dir():
        raise InputError(f"{source} is a directory; compare takes two files (use `retold add` for a corpus)")
    if cap is not None and max_chars is not None and path.stat().st_size > cap:
        raise _too_big(source, path.stat().st_size, max_chars)
    raw = decode_bytes(path.read_bytes(), where=source, encoding=encoding)
    doc = read_document(path, text=raw)
    # A leading date marker is not part of the text: PAN offsets add its length back.
    return doc, (0 if path.suffix.lower() == ".json" else len(raw) - len(doc.text))
