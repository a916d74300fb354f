"""Files for ``retold synth``: read a corpus of articles, write a generated set to disk.

Input (:func:`read_articles`), any mix of:

* a folder of ``.txt`` files, the topic being the first sub-folder (the BBC News layout): a file
  that starts with a ``date`` marker is one article; otherwise a short first line followed by a
  blank line is its title (BBC style);
* ``.jsonl`` files with one ``{"id", "text", "topic"?, "title"?, "date"?}`` object per line.

Output (:func:`write_pan`), the PAN text-alignment layout plus labelled pairs::

    OUT/src/<article>.txt      sources (and the articles negatives are paired with)
    OUT/susp/<derived>.txt     derived documents
    OUT/truth/<susp>-<src>.xml gold, one PAN file per pair (empty for negatives)
    OUT/pairs                  "SUSP SRC" lines, for ``retold pan detect``
    OUT/pairs.jsonl            {"a": source text, "b": derived text, "label", ...}, for ``retold eval pairs``
    OUT/manifest.json          seed, counts per obfuscation and the set's sha256

:func:`write_docs` writes the demo layout instead: every document in ``OUT/docs/``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from retold.errors import InputError
from retold.ingest import decode_bytes, parse_date, parse_text
from retold.report.pan_format import TRUTH, Annotation, pair_file_name, to_xml
from retold.synth.copies import Article, SynthPair, SynthSet

_TITLE_MAX = 150


def article_from_text(raw: str, *, id: str, topic: str = "") -> Article:
    """An article from file text: date-marked, BBC style (title line), or plain."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    doc = parse_text(text, id=id)
    if doc.date is not None:
        return Article(id, text, topic, None, doc.date)
    first, sep, rest = text.partition("\n")
    if sep and rest.startswith("\n") and 0 < len(first.strip()) <= _TITLE_MAX and not first.rstrip().endswith((".", "?", "!")):
        return Article(id, text, topic, first.strip(), None)
    return Article(id, text, topic, None, None)


def read_articles(path: str | Path, *, encoding: str | None = None) -> list[Article]:
    """Every article under ``path`` (a folder, a ``.txt`` or a ``.jsonl`` file), sorted by id."""
    root = Path(path)
    if not root.exists():
        raise InputError(f"{root}: no such file or folder (give a folder of .txt articles or a .jsonl file)")
    files = [root] if root.is_file() else sorted(
        p for p in root.rglob("*") if p.suffix.lower() in (".txt", ".jsonl") and "readme" not in p.name.lower()
    )
    out: list[Article] = []
    for f in files:
        rel = f.relative_to(root) if f != root else Path(f.name)
        topic = rel.parts[0] if len(rel.parts) > 1 else ""
        if f.suffix.lower() == ".jsonl":
            out += _read_jsonl(f, topic=topic, encoding=encoding)
            continue
        raw = decode_bytes(f.read_bytes(), where=str(f), encoding=encoding)
        doc_id = "-".join(rel.parts)
        out.append(article_from_text(raw, id=_safe(doc_id), topic=topic))
    if not out:
        raise InputError(f"{root}: no .txt or .jsonl articles found")
    return sorted(out, key=lambda a: a.id)


def _read_jsonl(f: Path, *, topic: str, encoding: str | None) -> list[Article]:
    text = decode_bytes(f.read_bytes(), where=str(f), encoding=encoding)
    out = []
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{f}:{no}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputError(f'{where}: each line needs an object with a "text" string')
        doc_id = _safe(str(obj.get("id") or f"{f.stem}-{no}"))
        body = obj["text"].replace("\r\n", "\n")
        title = obj.get("title") or None
        full = f"{title}\n\n{body}" if title else body
        out.append(Article(doc_id if doc_id.endswith(".txt") else doc_id + ".txt", full, str(obj.get("topic") or topic),
                           title, parse_date(obj.get("date"), where=where)))
    return out


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name)


# --- writing ---------------------------------------------------------------------------------------


def _annotations(p: SynthPair, texts: dict[str, str]) -> list[Annotation]:
    out = []
    for c in p.cases:
        for doc, span in ((p.susp, c.this), (p.src, c.source)):
            if span.end > len(texts[doc]):
                raise AssertionError(f"gold span {span} outside {doc} ({len(texts[doc])} chars)")
        out.append(Annotation(p.susp, c.this.start, len(c.this), p.src, c.source.start, len(c.source), c.obfuscation))
    return out


def _pairs_jsonl(s: SynthSet, texts: dict[str, str]) -> str:
    lines = []
    for p in s.pairs:
        rec = {"a": texts[p.src], "b": texts[p.susp], "label": p.label, "obfuscation": p.obfuscation,
               "src": p.src, "susp": p.susp}
        lines.append(json.dumps(rec, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def _manifest(s: SynthSet, layout: str) -> str:
    info = {
        "layout": layout,
        "seed": s.seed,
        "pairs": len(s.pairs),
        "positives": sum(p.label for p in s.pairs),
        "negatives": sum(1 - p.label for p in s.pairs),
        "by_obfuscation": dict(sorted(s.counts.items())),
        "derived_documents": len(s.derived),
        "articles": len(s.articles),
        "sha256": s.digest(),
    }
    return json.dumps(info, indent=2) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # newline="" keeps "\n" as written, so offsets count the same characters on every platform.
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


_OWN = ("src", "susp", "truth", "docs", "detections", "pairs", "pairs.jsonl", "manifest.json")


def _prepare(out: str | Path, overwrite: bool) -> Path:
    """An empty output folder: stale truth files from another run would be scored silently."""
    root = Path(out)
    if root.exists() and any(root.iterdir()):
        if not overwrite:
            raise InputError(f"{root} is not empty: choose a new --out folder, or pass --force to replace it")
        for name in _OWN:
            p = root / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
    return root


def write_pan(s: SynthSet, out: str | Path, *, overwrite: bool = False) -> Path:
    """Write the PAN layout (see the module docstring); returns the output folder."""
    root = _prepare(out, overwrite)
    texts = s.texts()
    for a in s.articles:
        _write(root / "src" / a.id, a.text)
    for d in s.derived:
        _write(root / "susp" / d.id, d.text)
    for p in s.pairs:
        _write(root / "truth" / pair_file_name(p.susp, p.src), to_xml(p.susp, _annotations(p, texts), name=TRUTH))
    _write(root / "pairs", "".join(f"{p.susp} {p.src}\n" for p in s.pairs))
    _write(root / "pairs.jsonl", _pairs_jsonl(s, texts))
    _write(root / "manifest.json", _manifest(s, "pan"))
    return root


def write_docs(s: SynthSet, out: str | Path, *, overwrite: bool = False) -> Path:
    """Write the demo layout: all documents in ``OUT/docs/``, gold in ``OUT/truth/``, pairs files."""
    root = _prepare(out, overwrite)
    texts = s.texts()
    for doc_id, text in sorted(texts.items()):
        _write(root / "docs" / doc_id, text)
    for p in s.pairs:
        _write(root / "truth" / pair_file_name(p.susp, p.src), to_xml(p.susp, _annotations(p, texts), name=TRUTH))
    _write(root / "pairs", "".join(f"{p.susp} {p.src}\n" for p in s.pairs))
    _write(root / "pairs.jsonl", _pairs_jsonl(s, texts))
    _write(root / "manifest.json", _manifest(s, "docs"))
    return root


def demo_corpus_dir() -> Path:
    """``examples/corpus`` of this checkout (the demo's self-written originals)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent / "examples" / "corpus"
        if cand.is_dir():
            return cand
    raise InputError(
        "examples/corpus not found: `retold synth --demo` runs from a checkout of retold; "
        "elsewhere pass a folder of articles instead"
    )
