"""Read documents: plain text with an optional leading ``date`` marker, and JSON.

Corpus formats (directories, JSONL, CSV, HTML, WARC) are streamed by :mod:`retold.ingest.corpus`.

A text file may begin with a date marker on the same line as the first sentence, as in
``" date 2021-10-31 Officials from the United States …"``. The marker is metadata: the document's
text starts after it and the whitespace that follows it, so every span points into that text.

>>> d = parse_text(" date 2021-10-31 Officials said so.", id="x")
>>> d.date.isoformat(), d.text
('2021-10-31', 'Officials said so.')
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date as Date
from pathlib import Path
from typing import Any

from retold.errors import InputError
from retold.types import Document

_DATE_MARKER = re.compile(r"\A\ufeff?\s*date[ \t]+(\d{4}-\d{2}-\d{2})(?:[ \t]+|\s*\n|\Z)\s*", re.IGNORECASE)


def parse_text(raw: str, *, id: str) -> Document:
    """A document from plain text, taking a leading ``date YYYY-MM-DD`` marker as its date."""
    m = _DATE_MARKER.match(raw)
    if not m:
        return Document(id=id, text=raw.lstrip("\ufeff"))
    try:
        day = Date.fromisoformat(m.group(1))
    except ValueError:
        raise InputError(f"{id}: the date marker {m.group(1)!r} is not a real date (use YYYY-MM-DD)") from None
    return Document(id=id, text=raw[m.end() :], date=day)


def unencodable(doc: Document) -> str | None:
    """Why ``doc`` cannot be stored as UTF-8 text, or None when it can.

    JSON may spell lone surrogates (``"\\ud800"``) and a file decoded with ``surrogateescape``
    keeps undecodable bytes as ``U+DC80``-``U+DCFF``; SQLite and UTF-8 output refuse both.

    >>> unencodable(Document(id="x", text="fine"))
    >>> unencodable(Document(id="x", text="bad \\ud800"))
    'text has a lone surrogate (U+D800) at character 4, which is not valid Unicode (a JSON "\\\\ud800" escape, or text decoded with the wrong encoding); fix or drop the record'
    """
    for name in ("id", "text", "title", "url", "outlet"):
        value = getattr(doc, name)
        if not value:
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return (
                f"{name} has a lone surrogate (U+{ord(value[exc.start]):04X}) at character {exc.start:,}, which is "
                'not valid Unicode (a JSON "\\ud800" escape, or text decoded with the wrong encoding); '
                "fix or drop the record"
            )
    return None


def parse_date(value: Any, *, where: str) -> Date | None:
    """An ISO date (or the date part of an ISO timestamp); None for empty values."""
    if value in (None, ""):
        return None
    if isinstance(value, Date):
        return value
    s = str(value).strip()
    try:
        return Date.fromisoformat(s[:10])
    except ValueError:
        raise InputError(f"{where}: date {s!r} is not ISO 8601 (write it as YYYY-MM-DD)") from None


def document_from_mapping(obj: Mapping[str, Any], *, default_id: str, where: str) -> Document:
    """A document from a JSON object with ``text`` and optional id, date, title, url, outlet."""
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError(f'{where}: a document needs a "text" string field (got {type(text).__name__})')
    known = {"id", "text", "date", "title", "url", "outlet"}
    return Document(
        id=str(obj.get("id") or default_id),
        text=text,
        date=parse_date(obj.get("date"), where=where),
        title=obj.get("title") or None,
        url=obj.get("url") or None,
        outlet=obj.get("outlet") or None,
        meta={k: v for k, v in obj.items() if k not in known},
    )


# Share of bytes >= 0x80 below which non-UTF-8 text is taken for cp1252 (a superset of latin-1's
# printable range) before asking charset-normalizer: with so few bytes to go on it guesses East
# Asian codecs. BBC's sport/199.txt has 1 such byte in 2,653 ("\xa3" for the pound sign) and comes
# back as cp932, "£15.8m" as "｣15.8m". Accented Western prose runs at 1-4 %.
CP1252_MAX_HIGH_SHARE = 0.05


def decode_mostly_ascii(data: bytes) -> str | None:
    """``data`` as cp1252 when it is mostly ASCII and decodes so, else None.

    NUL bytes and a UTF-16/32 byte-order mark rule it out (UTF-16 text of ASCII is "mostly ASCII").

    >>> decode_mostly_ascii("The fee was £15.8m, the club's Zürich office said.".encode("latin-1"))
    "The fee was £15.8m, the club's Zürich office said."
    >>> decode_mostly_ascii("日本語のテキスト".encode("shift_jis")) is None
    True
    """
    if not data or b"\x00" in data or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    high = sum(1 for b in data if b >= 0x80)
    if high > CP1252_MAX_HIGH_SHARE * len(data):
        return None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d are unassigned in cp1252
        return None


def decode_bytes(data: bytes, *, where: str, encoding: str | None = None) -> str:
    """Decode bytes: the given encoding, else UTF-8, else cp1252 for mostly-ASCII text, else a
    detected one (charset-normalizer)."""
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"{where}: cannot decode as {encoding}: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    western = decode_mostly_ascii(data)
    if western is not None:
        return western
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(
            f"{where}: not text in any encoding we can detect; if it is text, pass --encoding (e.g. latin-1)"
        )
    return str(best)


def read_document(source: str | Path, *, text: str | None = None, encoding: str | None = None) -> Document:
    """Read one document from a path (``.json`` object or plain text); ``text`` overrides the file."""
    path = Path(source)
    name = path.name
    if text is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
        text = decode_bytes(data, where=str(source), encoding=encoding)
    if path.suffix.lower() == ".json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        except (RecursionError, ValueError) as exc:  # nested too deep; an integer of over 4,300 digits
            raise InputError(f"{source}: unreadable JSON ({json_problem(exc)})") from None
        if not isinstance(obj, dict):
            raise InputError(f'{source}: expected a JSON object with a "text" field')
        return document_from_mapping(obj, default_id=name, where=str(source))
    return parse_text(text, id=name)


def json_problem(exc: BaseException) -> str:
    """What a JSON reader's non-syntax error means, for a rejection message."""
    if isinstance(exc, RecursionError):
        return "arrays or objects nested too deeply to read; flatten the record"
    return str(exc)
