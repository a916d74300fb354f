"""Stream documents out of corpus files: directories, text, JSON, JSONL, CSV, HTML and WARC.

:func:`iter_records` yields one :class:`Record` per record read, in a stable order, holding either
a :class:`~retold.types.Document` or the reason it was rejected (with file and line, or WARC
offset). It never raises for a bad record, so a run goes on and its summary adds up:
``read == stored + rejected``. Memory stays flat: JSONL and CSV are read a line at a time, WARC
one record at a time; only single ``.txt``/``.json``/``.html`` files are read whole, after their
size is checked. Every read is capped near ``ingest.max_document_chars`` (a line, a CSV field,
a file, a decompressed WARC payload): an oversize record costs one chunk past the limit, is
rejected as one record, and the run goes on.

Document ids (a contract scripts rely on): the record's id field when it has one; for a file, its
path relative to the directory given (``sport/199.txt``) or its name when given directly; a JSONL
or CSV record without an id gets ``file:line``; a WARC record its target URI.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.jsonl").write_text('{"id": "x", "text": "Hello there."}\\n{"body": 1}\\n')
>>> [(r.doc.id if r.doc else None, r.error is not None) for r in iter_records([d])]
[('x', False), (None, True)]
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from retold.config import IngestSettings
from retold.errors import DocumentTooLargeError, InputError
from retold.ingest import (
    decode_bytes,
    decode_mostly_ascii,
    document_from_mapping,
    json_problem,
    read_document,
    unencodable,
)
from retold.types import Document

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
# An HTML page over this many times ingest.max_document_chars is refused before extraction:
# markup, scripts and styles make a page several times its text, but at the 500k default the
# 2.5M-character bound is far past any news article, and trafilatura spends seconds on a 10 MB
# page only to find no main text in it.
HTML_SIZE_FACTOR = 5
# Bytes a character may take in a file: UTF-8 up to 4; a JSON "\\u00e9" escape 6 (a line or
# file over this many bytes per allowed character cannot hold an allowed document).
MAX_BYTES_PER_CHAR = 6
# Extra bytes allowed around a document (JSON keys, metadata, CSV columns).
RECORD_OVERHEAD_BYTES = 65_536
# How much a capped read takes at a time (a WARC payload, the rest of an over-long line).
READ_CHUNK = 65_536
WARC_BLOCK_BYTES = 2048


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Which JSONL/CSV field holds what (``--id-field``, ``--text-field``, …)."""

    id: str = "id"
    text: str = "text"
    date: str = "date"
    title: str = "title"
    url: str = "url"
    outlet: str = "outlet"

    def apply(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = dict(obj)
        for canonical in ("id", "text", "date", "title", "url", "outlet"):
            src = getattr(self, canonical)
            if src != canonical:
                out.pop(src, None)
                out[canonical] = obj.get(src)
        return out


@dataclass(frozen=True, slots=True)
class Record:
    """One record read: a document, or ``error`` saying where and why it was rejected."""

    origin: str
    doc: Document | None = None
    error: str | None = None


def kind_of(path: Path) -> str:
    """The reader for a file, by suffix: txt, json, jsonl, csv, tsv, html or warc."""
    name = path.name.lower()
    if name.endswith((".warc", ".warc.gz", ".arc.gz")):
        return "warc"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return suffix[1:]
    if suffix == ".json":
        return "json"
    if suffix in HTML_SUFFIXES:
        return "html"
    return "txt"


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str]]:
    """``(file, id prefix)`` for every file under ``paths``, sorted, hidden files skipped."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith("."):
                        full = Path(root) / f
                        yield full, full.relative_to(path).as_posix()
        elif path.exists():
            yield path, path.name
        else:
            raise InputError(f"no such file or directory: {path}")


def iter_records(
    paths: Iterable[str | Path],
    *,
    fields: FieldMap | None = None,
    settings: IngestSettings | None = None,
) -> Iterator[Record]:
    """Every record of every file under ``paths`` (see the module docstring)."""
    fm = fields or FieldMap()
    st = settings or IngestSettings()
    for path, rel in iter_files(paths):
        kind = kind_of(path)
        try:
            if kind == "jsonl":
                recs: Iterable[Record] = _jsonl(path, rel, fm, st)
            elif kind in ("csv", "tsv"):
                recs = _csv(path, rel, fm, st, delimiter="\t" if kind == "tsv" else ",")
            elif kind == "warc":
                recs = _warc(path, rel, st)
            else:
                recs = [_single(path, rel, kind, st)]
            for r in recs:
                yield _check(r, st)
        except InputError as exc:  # the file as a whole is unreadable: one rejected record
            yield Record(origin=str(path), error=str(exc))
        except OSError as exc:
            yield Record(origin=str(path), error=f"cannot read {path}: {exc.strerror or exc}")
        except Exception as exc:  # a reader bug must cost this file's remaining records, not the run
            yield Record(origin=str(path), error=f"{path}: the {kind} reader failed ({type(exc).__name__}: "
                         f"{exc}); records before this one were read, the rest of the file was skipped")


def max_record_bytes(st: IngestSettings) -> int:
    """Most bytes one record (a line, a file, a payload) may take before it is refused unread."""
    return MAX_BYTES_PER_CHAR * st.max_document_chars + RECORD_OVERHEAD_BYTES


def _check(r: Record, st: IngestSettings) -> Record:
    if r.doc is None:
        return r
    if len(r.doc.text) > st.max_document_chars:
        err = DocumentTooLargeError(
            f"{r.origin}: document {r.doc.id!r} has {len(r.doc.text):,} characters, more than "
            f"ingest.max_document_chars = {st.max_document_chars:,}; raise it (RETOLD_INGEST__MAX_DOCUMENT_CHARS) "
            "or split the document"
        )
        return Record(origin=r.origin, error=str(err))
    if not r.doc.text.strip():
        return Record(origin=r.origin, error=f"{r.origin}: document {r.doc.id!r} has no text; skipped")
    problem = unencodable(r.doc)
    if problem is not None:
        if "U+DC" in problem and st.encoding is None:  # surrogateescape kept an undecodable byte
            problem = "bytes that are not valid in the detected encoding; pass --encoding (e.g. latin-1)"
        return Record(origin=r.origin, error=f"{r.origin}: document {r.doc.id!r}: {problem}")
    return r


def _single(path: Path, rel: str, kind: str, st: IngestSettings) -> Record:
    origin = str(path)
    try:
        size = path.stat().st_size
        cap = max_record_bytes(st) * (HTML_SIZE_FACTOR if kind == "html" else 1)
        if size > cap:  # refused by its size, before reading a byte of it
            raise _too_large(origin, f"a file of {size:,} bytes is over {cap:,}, the most a document may take at", st.max_document_chars)
        if kind == "html":
            raw = path.read_bytes()
            text = decode_bytes(raw, where=origin, encoding=st.encoding)
            doc = html_document(text, id=rel, where=origin, max_chars=st.max_document_chars)
        else:
            doc = read_document(path, encoding=st.encoding)
            doc = replace(doc, id=rel) if kind == "txt" or doc.id == path.name else doc
    except InputError as exc:
        return Record(origin=origin, error=str(exc))
    return Record(origin=origin, doc=doc)


def html_document(
    html: str, *, id: str, where: str, url: str | None = None, max_chars: int | None = None
) -> Document:
    """Main text and metadata of an HTML page (trafilatura).

    Args:
        html: the decoded page.
        id: the document id; ``where`` names the file (and offset) in error messages.
        url: the page's address, when known (a WARC record's target URI).
        max_chars: ``ingest.max_document_chars``; a page over :data:`HTML_SIZE_FACTOR` times it
            is refused before extraction, and so is extracted text over it.

    Raises:
        InputError: no main text, or the extractor failed on the page.
        DocumentTooLargeError: the page or its text is over the limit.
    """
    try:
        import trafilatura
    except ImportError as exc:  # pragma: no cover
        raise InputError(f"{where}: reading HTML needs the `corpus` extra (pip install 'retold[corpus]')") from exc
    if max_chars is not None and len(html) > HTML_SIZE_FACTOR * max_chars:
        what = f"an HTML page of {len(html):,} characters, more than {HTML_SIZE_FACTOR} x"
        raise _too_large(where, what, max_chars)
    try:
        got = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    except Exception as exc:  # lxml/htmldate assert on odd pages (an unclosed <svg> before <html>)
        raise InputError(
            f"{where}: the HTML extractor failed on this page ({type(exc).__name__}: {exc}); skipped"
        ) from exc
    data: dict[str, Any] = {}
    if got is not None:
        data = got.as_dict() if hasattr(got, "as_dict") else dict(got)
    text = data.get("text")
    if not text or not str(text).strip():
        if max_chars is not None and len(html) > max_chars:  # trafilatura gives up on huge pages
            what = f"no main text found in an HTML page of {len(html):,} characters, over"
            raise _too_large(where, what, max_chars)
        raise InputError(f"{where}: no main text found in the HTML (is it a navigation or an empty page?)")
    if max_chars is not None and len(str(text)) > max_chars:
        raise _too_large(where, f"{len(str(text)):,} characters of text, more than", max_chars)
    obj = {
        "id": id, "text": str(text), "title": data.get("title"), "url": data.get("url") or url,
        "outlet": data.get("sitename") or data.get("hostname"), "date": data.get("date"),
    }
    if data.get("author"):
        obj["author"] = data["author"]
    try:
        return document_from_mapping(obj, default_id=id, where=where)
    except InputError:  # an odd extracted date should not cost the article
        obj["date"] = None
        return document_from_mapping(obj, default_id=id, where=where)


def _too_large(where: str, what: str, max_chars: int) -> DocumentTooLargeError:
    return DocumentTooLargeError(
        f"{where}: {what} ingest.max_document_chars = {max_chars:,}; raise it "
        "(RETOLD_INGEST__MAX_DOCUMENT_CHARS) or split the document"
    )


def _detect_encoding(path: Path, st: IngestSettings) -> str:
    """The file's encoding from its first 64 KiB: the setting, UTF-8, cp1252 or charset-normalizer's guess."""
    if st.encoding:
        return st.encoding
    with open(path, "rb") as f:
        head = f.read(65536)
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # a character cut by the 64 KiB boundary
            return "utf-8-sig"
    if decode_mostly_ascii(head) is not None:  # see decode_bytes: charset-normalizer guesses cp932
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    return best.encoding if best is not None else "utf-8"


def _capped_lines(f: IO[bytes], cap: int) -> Iterator[bytes | int]:
    """Lines of a binary file, each read at most ``cap`` bytes at a time; a longer line is skipped
    to its end (one chunk in memory) and yields its length instead of its bytes."""
    while True:
        line = f.readline(cap + 1)
        if not line:
            return
        if len(line) <= cap or line.endswith(b"\n"):
            yield line
            continue
        n = len(line)
        while not line.endswith(b"\n"):
            line = f.readline(READ_CHUNK)
            if not line:
                break
            n += len(line)
        yield n


def _jsonl(path: Path, rel: str, fm: FieldMap, st: IngestSettings) -> Iterator[Record]:
    enc = _detect_encoding(path, st)
    cap = max_record_bytes(st)
    with open(path, "rb") as f:
        for lineno, line in enumerate(_capped_lines(f, cap), 1):
            where = f"{path}:{lineno}"
            if isinstance(line, int):
                err = _too_large(where, f"a line of {line:,} bytes is over {cap:,}, the most a document may take at", st.max_document_chars)
                yield Record(where, error=str(err))
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line.decode(enc))
            except UnicodeDecodeError as exc:
                yield Record(where, error=f"{where}: cannot decode as {enc} ({exc.reason}); pass --encoding")
                continue
            except json.JSONDecodeError as exc:
                yield Record(where, error=f"{where}: invalid JSON at column {exc.colno}: {exc.msg}")
                continue
            except (RecursionError, ValueError) as exc:  # nested 200,000 deep; a 5,000-digit number
                yield Record(where, error=f"{where}: unreadable JSON ({json_problem(exc)})")
                continue
            if not isinstance(obj, dict):
                yield Record(where, error=f'{where}: expected a JSON object with a "{fm.text}" field')
                continue
            yield _mapped(obj, fm, default_id=f"{rel}:{lineno}", where=where)


def _mapped(obj: dict[str, Any], fm: FieldMap, *, default_id: str, where: str) -> Record:
    m = fm.apply(obj)
    if not isinstance(m.get("text"), str):
        have = ", ".join(sorted(obj)[:8]) or "none"
        return Record(where, error=f'{where}: no text field "{fm.text}" (fields: {have}); set --text-field')
    try:
        return Record(where, doc=document_from_mapping(m, default_id=default_id, where=where))
    except InputError as exc:
        return Record(where, error=str(exc))


class _CsvLines:
    """Physical lines for ``csv.reader``, counted, capped in length, with push-back.

    ``row`` holds the lines of the row being parsed (bounded: a field stops at the field size
    limit), so a row that turns out to be an unclosed quote can be given back and re-read from
    its second line. ``hit_eof`` says the reader asked past the last line during this row: a row
    ends that way only inside a quoted field (the csv module ends a record at each line end
    otherwise), i.e. at a quote that was never closed.
    """

    def __init__(self, f: IO[str], cap: int) -> None:
        self.f, self.cap = f, cap
        self.back: list[tuple[int, str]] = []
        self.lineno = 0
        self.row: list[tuple[int, str]] = []
        self.hit_eof = False
        self.overlong = 0  # length of an over-long line met during this row (0: none)

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        if self.back:
            item = self.back.pop()
        else:
            line = self.f.readline(self.cap + 1)
            if not line:
                self.hit_eof = True
                raise StopIteration
            self.lineno += 1
            if len(line) > self.cap and not line.endswith("\n"):
                n = len(line)
                while not line.endswith("\n"):
                    line = self.f.readline(READ_CHUNK)
                    if not line:
                        break
                    n += len(line)
                self.overlong = n
                line = "\n"  # stands in for the skipped line; the row is rejected
            item = (self.lineno, line)
        self.row.append(item)
        return item[1]

    def start_row(self) -> None:
        self.row, self.hit_eof, self.overlong = [], False, 0

    def give_back(self, items: list[tuple[int, str]]) -> None:
        self.back.extend(reversed(items))


def _skip_quoted(lines: _CsvLines, f: IO[str]) -> bool:
    """After a field over the size limit: skip to the line where its quote closes (True), or, when
    it never closes, go back to the line after the row's first (False).

    The quote is open while the row's lines hold an odd number of ``"``; the skipped lines are
    not kept, so a 10 MB field costs one line at a time.
    """
    row = lines.row
    saved = (f.tell(), lines.lineno, list(lines.back))
    quotes = sum(line.count('"') for _, line in row)
    while quotes % 2:
        try:
            quotes += next(lines).count('"')
            row.pop()  # the skipped line: not kept
        except StopIteration:
            pos, lines.lineno, lines.back = saved
            f.seek(pos)
            lines.give_back(row[1:])
            return False
    return True


def _csv(path: Path, rel: str, fm: FieldMap, st: IngestSettings, *, delimiter: str) -> Iterator[Record]:
    """Rows of a CSV/TSV file, each a document or a rejection naming its first line.

    A field may hold at most ``ingest.max_document_chars`` characters (so one field cannot absorb
    the rest of the file), undecodable bytes reject their row only (surrogateescape, checked in
    _check), and a quote never closed rejects its row and the file is read on from the next line:
    before, one stray quote on line 11 of 1,000 lines swallowed 989 rows, silently.
    """
    enc = _detect_encoding(path, st)
    # The limit is process-wide in the csv module; every reader here sets it before reading.
    csv.field_size_limit(st.max_document_chars + 1)
    with open(path, encoding=enc, errors="surrogateescape", newline="") as f:
        lines = _CsvLines(f, max_record_bytes(st))
        # strict: a quote left open is an error where it breaks the rules, not a field that runs
        # on to the end of the file (rows on one line with a stray quote are re-read leniently)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        try:
            header = next(reader, [])
        except csv.Error as exc:
            raise InputError(f"{path}: unreadable CSV header: {exc}") from None
        if any("\udc80" <= c <= "\udcff" for h in header for c in h):
            raise InputError(f"{path}: cannot decode the header as {enc}; pass --encoding")
        if fm.text not in header:
            raise InputError(
                f"{path}: no column {fm.text!r} for the text (columns: {', '.join(header[:12])}); set --text-field"
            )
        while True:
            lines.start_row()
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                first = lines.row[0][0] if lines.row else lines.lineno
                where = f"{path}:{first}"
                if "field larger" in str(exc):
                    closed = _skip_quoted(lines, f)
                    yield Record(where, error=f"{where}: a field is longer than ingest.max_document_chars = "
                                 f"{st.max_document_chars:,} characters (RETOLD_INGEST__MAX_DOCUMENT_CHARS): "
                                 + ("a document to split; skipped to the end of its row" if closed else
                                    "a quote that is never closed; the file is read on from the next line"))
                    continue
                if len(lines.row) > 1:
                    # A quoted field ran past its line and then broke the quoting rules: a quote
                    # left open, with the next rows swallowed into it.
                    yield Record(where, error=f"{where}: a quote opened on this line is not closed before line "
                                 f"{lines.row[-1][0]} ({exc}); the row is skipped and the next line read as a row")
                    lines.give_back(lines.row[1:])
                    continue
                if not lines.row:
                    yield Record(where, error=f"{where}: unreadable CSV row: {exc}")
                    continue
                # A stray quote inside one line ('"abc"def'): read leniently, as before.
                row = next(csv.reader([lines.row[0][1]], delimiter=delimiter), [])
            if not lines.row:
                break
            first = lines.row[0][0]
            where = f"{path}:{first}"
            if lines.overlong:
                err = _too_large(where, f"a line of {lines.overlong:,} characters is over the most a document may take at",
                                 st.max_document_chars)
                yield Record(where, error=str(err))
                continue
            if lines.hit_eof and len(lines.row) > 1:
                yield Record(where, error=f"{where}: a quote opened on this line is never closed (it would swallow "
                             f"lines {first}-{lines.row[-1][0]}); the row is skipped and the lines after it are read as rows")
                lines.give_back(lines.row[1:])
                continue
            if not row:
                continue  # a blank line
            if len(row) > len(header):
                yield Record(where, error=f"{where}: more fields than the header has; check quoting")
                continue
            obj: dict[str, Any] = dict(zip(header, row, strict=False))
            obj.update(dict.fromkeys(header[len(row) :]))  # missing trailing fields, as csv.DictReader
            obj = {k: v for k, v in obj.items() if v != "" or k == fm.text}
            yield _mapped(obj, fm, default_id=f"{rel}:{first}", where=where)


def _warc(path: Path, rel: str, st: IngestSettings) -> Iterator[Record]:
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError as exc:  # pragma: no cover
        raise InputError(f"{path}: reading WARC needs the `corpus` extra (pip install 'retold[corpus]')") from exc
    arc_ok = path.name.lower().endswith(".arc.gz")
    cap = max_record_bytes(st) * HTML_SIZE_FACTOR
    with open(path, "rb") as f:
        # 2 KiB compressed blocks: warcio inflates a block whole, and deflate reaches ~1,000:1,
        # so its 16 KiB default held ~16 MB (twice) of a gzip bomb at once; 2 KiB holds ~2 MB.
        it = ArchiveIterator(f, block_size=WARC_BLOCK_BYTES)
        first = True
        try:
            for rec in it:
                # warcio reads any line of five words as an ARC header, so a text file named .warc
                # would otherwise be "read" as one record and skipped: zero records, no error.
                if first and rec.format != "warc" and not arc_ok:
                    yield Record(str(path), error=f"{path}: not a WARC file (it does not start with a "
                                 "'WARC/1.x' header); check the file or its suffix")
                    return
                first = False
                if rec.rec_type not in ("response", "resource"):
                    continue
                ctype = (rec.http_headers.get_header("Content-Type") if rec.http_headers else None) or (
                    rec.rec_headers.get_header("Content-Type") or ""
                )
                if "html" not in ctype.lower():
                    continue
                # Read the payload first: get_record_offset() skips to the end of the record. A
                # capped read: a 306 KB .warc.gz can inflate to a 300 MB record (736 MB peak before).
                payload, size = _read_capped(rec.content_stream(), cap)
                offset = it.get_record_offset()
                url = rec.rec_headers.get_header("WARC-Target-URI") or f"{rel}@{offset}"
                where = f"{path}@{offset}"
                if payload is None:
                    err = _too_large(where, f"a record of over {size:,} bytes (decompressed) is over {cap:,}, the "
                                     "most an HTML page may take at", st.max_document_chars)
                    yield Record(where, error=str(err))
                    continue
                try:
                    charset = _charset(ctype) or st.encoding
                    html = decode_bytes(payload, where=where, encoding=charset)
                    doc = html_document(html, id=url, where=where, url=url, max_chars=st.max_document_chars)
                except InputError as exc:
                    yield Record(where, error=str(exc))
                    continue
                yield Record(where, doc=doc)
        except Exception as exc:  # a truncated or corrupt archive: report where it broke
            offset = _offset(it)
            if first:
                msg = f"{path}: cannot read the first WARC record ({exc}); is it a WARC file?"
                yield Record(str(path), error=msg)
                return
            yield Record(f"{path}@{offset}", error=f"{path}: corrupt WARC near offset "
                         f"{offset}: {exc}; the records before it were read")


def _read_capped(stream: Any, cap: int) -> tuple[bytes | None, int]:
    """``(data, size)`` of a stream read in chunks; ``(None, bytes read)`` once it passes ``cap``
    (at most ``cap`` plus one chunk is ever held)."""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            return b"".join(parts), size
        size += len(chunk)
        if size > cap:
            return None, size
        parts.append(chunk)


def _offset(it: Any) -> int:
    """Where the iterator stopped: the current record's offset, or the stream position before one."""
    try:
        return int(it.get_record_offset())
    except Exception:  # no record parsed yet: member_info is unset and get_record_offset raises TypeError
        return int(getattr(it, "offset", 0) or 0)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";"):
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset" and v:
            try:
                "".encode(v.strip('"'))
                return v.strip('"')
            except LookupError:
                return None
    return None


def open_text(stream: IO[bytes], *, where: str, encoding: str | None = None) -> str:
    """Read a whole byte stream (e.g. stdin for ``retold query -``) as text."""
    return decode_bytes(stream.read(), where=where, encoding=encoding)


__all__ = ["FieldMap", "Record", "html_document", "iter_files", "iter_records", "kind_of", "open_text"]
