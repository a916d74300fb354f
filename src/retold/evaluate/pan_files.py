"""Folders of PAN files: pairs lists, truth and detection XML, documents with their offsets."""

from __future__ import annotations

from pathlib import Path

from retold.errors import InputError
from retold.ingest import decode_bytes, parse_text
from retold.report.pan_format import Annotation, parse_xml
from retold.types import Document


def read_pairs(path: str | Path) -> list[tuple[str, str]]:
    """``SUSP SRC`` per line (blank lines and ``#`` comments skipped)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the pairs file {p}: {exc.strerror or exc}") from None
    out = []
    for no, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise InputError(f"{p}:{no}: expected two file names 'SUSP SRC', got {line!r}")
        out.append((parts[0], parts[1]))
    if not out:
        raise InputError(f"{p}: no pairs (expected lines 'suspicious-document00001.txt source-document00001.txt')")
    return out


def read_annotation_dir(path: str | Path, *, name: str | None = None) -> dict[str, list[Annotation]]:
    """Every ``*.xml`` in a folder, keyed by file name; ``name`` filters features (see parse_xml)."""
    root = Path(path)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder of PAN .xml files")
    out: dict[str, list[Annotation]] = {}
    for f in sorted(root.glob("*.xml")):
        raw = decode_bytes(f.read_bytes(), where=str(f))
        out[f.name] = parse_xml(raw, name=name, where=str(f))
    return out


def read_pan_document(path: str | Path, *, encoding: str | None = None) -> tuple[Document, int]:
    """A document and the number of characters before ``Document.text`` in the decoded file.

    retold drops a leading ``date`` marker (and a byte-order mark) from ``Document.text``; PAN
    offsets count characters of the file as decoded, so spans are shifted back by this amount.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    raw = decode_bytes(data, where=str(p), encoding=encoding)
    doc = parse_text(raw, id=p.name)
    return doc, len(raw) - len(doc.text)
