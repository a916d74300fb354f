"""Hardening: hostile and broken input never crashes ingest, normalise, segment or compare.

Property tests (hypothesis) over the parsers and the core on binary data, broken encodings,
right-to-left text, emoji, zero-width characters and malformed JSONL/CSV/HTML/WARC, plus fixed
cases for the extremes (empty files, 10 MB documents, 100k-line files). The rule everywhere:
either a Document whose spans are inside its text, or an InputError naming the file and record.
``bench/harden_atheris_parsers.py`` runs the same parsers under coverage-guided fuzzing.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retold.config import IngestSettings, Settings
from retold.errors import InputError
from retold.ingest import parse_text, read_document
from retold.ingest.corpus import Record, iter_records
from retold.normalise import normalise
from retold.pipeline import Detector
from retold.segment import segment
from retold.types import Comparison

FAST = Settings().replace(embed={"backend": "hash"})
DETECTOR = Detector(FAST)
# 40 examples per property keeps the file near 15 s, derandomized so the suite is stable;
# bench/harden_fuzz_counts.py raises the count and randomizes through the environment.
EXAMPLES = int(os.environ.get("RETOLD_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("RETOLD_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow],
)

# Characters that break naive text code: bidi controls and RTL scripts, zero-width joiners and
# spaces, BOMs, emoji with skin tones and ZWJ sequences, combining marks, line/paragraph
# separators, lone surrogates' neighbours, NUL and other controls, fullwidth and ligatures.
HOSTILE = list(
    "\u202e\u202d\u2066\u2067\u2069\u200f\u200e\u05e9\u05dc\u05d5\u05dd\u0627\u0644\u0633\u0644\u0627\u0645"
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f"
    "\U0001f600\U0001f44d\U0001f3fd\U0001f469\u200d\U0001f4bb\U0001f1ec\U0001f1e7"
    "e\u0301\u0308\u20dd\u2028\u2029\x00\x07\x1b\x7f\u0085\r\n\t "
    "\uff21\ufb01\u2019\u201c\u201d\u2014\u2026.!?;:,\"'<>&"
)
WORDS = st.sampled_from("the minister said plan cost billion pounds council river police".split())
PIECE = st.one_of(st.text(max_size=8), st.sampled_from(HOSTILE), WORDS, st.just(". "), st.just("\n\n"))
TEXT = st.lists(PIECE, max_size=60).map("".join)
# Prose with hostile characters sprinkled in, so compare gets far enough to find passages.
SENTENCE = st.lists(st.one_of(WORDS, st.sampled_from(HOSTILE)), min_size=4, max_size=14).map(" ".join)
PROSE = st.lists(SENTENCE, min_size=1, max_size=8).map(lambda ss: ". ".join(ss) + ".")


def _check_comparison(c: Comparison) -> None:
    for side, doc in (("a", c.a), ("b", c.b)):
        n = len(doc.text)
        segs = c.a_segments if side == "a" else c.b_segments
        for s in segs.sentences:
            assert 0 <= s.span.start <= s.span.end <= n
        for sp in c.dropped if side == "a" else c.added:
            assert 0 <= sp.start <= sp.end <= n
    for p in c.passages:
        assert 0 <= p.a.start < p.a.end <= len(c.a.text)
        assert 0 <= p.b.start < p.b.end <= len(c.b.text)
        for e in (*p.edits, *p.typography):
            if e.a_span is not None:
                assert 0 <= e.a_span.start <= e.a_span.end <= len(c.a.text)
            if e.b_span is not None:
                assert 0 <= e.b_span.start <= e.b_span.end <= len(c.b.text)
    assert 0.0 <= c.reuse_a <= 1.0 and 0.0 <= c.reuse_b <= 1.0


# -- the core: normalise, segment, compare ---------------------------------------------------------


@FUZZ
@given(TEXT)
def test_normalise_offsets_stay_inside_the_raw_text(raw: str) -> None:
    n = normalise(raw)
    assert len(n.offsets) == len(n.text) + 1
    assert all(0 <= o <= len(raw) for o in n.offsets)
    assert list(n.offsets) == sorted(n.offsets)
    sp = n.raw_span(0, len(n.text))
    assert 0 <= sp.start <= sp.end <= len(raw)


@FUZZ
@given(TEXT)
def test_segment_spans_round_trip(raw: str) -> None:
    seg = segment(raw)
    assert seg.text == raw
    last = 0
    for s in seg.sentences:
        assert last <= s.span.start <= s.span.end <= len(raw)
        assert raw[s.span.start : s.span.end] == s.span.of(raw)
        last = s.span.start
    for p in seg.paragraphs:
        assert 0 <= p.span.start <= p.span.end <= len(raw)


@FUZZ
@given(PROSE, PROSE, st.booleans())
def test_compare_never_crashes_and_spans_point_into_the_texts(a: str, b: str, copy: bool) -> None:
    if copy:  # half the time b reuses a, so passages and edits are exercised, not just misses
        b = a + " " + b
    _check_comparison(DETECTOR.compare(a, b))


@FUZZ
@given(TEXT, TEXT)
def test_compare_on_arbitrary_unicode(a: str, b: str) -> None:
    _check_comparison(DETECTOR.compare(a, b))


def test_right_to_left_emoji_and_zero_width_copy_is_found_with_exact_spans() -> None:
    rtl = (
        "\u05e8\u05d0\u05e9 \u05d4\u05de\u05de\u05e9\u05dc\u05d4 \u05d0\u05de\u05e8 \u05db\u05d9 \u05d4\u05ea\u05d5\u05db\u05e0\u05d9\u05ea "
        "\u05ea\u05e2\u05dc\u05d4 \u05d7\u05de\u05d9\u05e9\u05d4 \u05de\u05d9\u05dc\u05d9\u05d0\u05e8\u05d3\u05d9\u05dd \U0001f4b0. "
    )
    en = "The minister said the\u200b plan would cost five billion pounds \U0001f469\u200d\U0001f4bb over ten years. "
    a = (rtl + en) * 4 + "\u202eThe council met on Tuesday to discuss buses."
    b = "Breaking \U0001f1ec\U0001f1e7: " + (rtl + en) * 4
    c = DETECTOR.compare(a, b)
    _check_comparison(c)
    assert c.passages, "a four-times repeated bilingual block must be found"
    for p in c.passages:
        assert a[p.a.start : p.a.end].strip() and b[p.b.start : p.b.end].strip()


# -- ingest: parse_text, read_document and the corpus readers ---------------------------------------


@FUZZ
@given(st.text(max_size=200), st.sampled_from(["", " date 2021-10-31 ", "date 2021-02-30 ", "\ufeff date 1999-01-01\n"]))
def test_parse_text_gives_a_document_or_an_input_error(body: str, head: str) -> None:
    raw = head + body
    try:
        d = parse_text(raw, id="x.txt")
    except InputError as exc:
        assert "x.txt" in str(exc) and "YYYY-MM-DD" in str(exc)
        return
    assert raw.endswith(d.text)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="retold-fuzz-") as d:
        yield Path(d)


_counter = iter(range(10**9))


def _write(scratch: Path, name: str, data: bytes) -> Path:
    d = scratch / f"case{next(_counter)}"
    d.mkdir()
    p = d / name
    p.write_bytes(data)
    return p


def _records(path: Path) -> list[Record]:
    recs = list(iter_records([path], settings=IngestSettings(max_document_chars=100_000)))
    if path.suffix not in (".jsonl", ".csv", ".tsv", ".warc", ".gz"):  # those may hold no records at all
        assert recs, f"{path.name}: a file must yield a document or a rejection"
    for r in recs:
        assert (r.doc is None) != (r.error is None)
        if r.error is not None:
            assert str(path) in r.error or str(path) in r.origin, r.error
        else:
            assert r.doc is not None and r.doc.text.strip()
    return recs


ENCODINGS = st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252", "shift_jis", "utf-8-sig"])


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["a.txt", "a.json", "a.html", "a.jsonl", "a.csv", "a.tsv"]))
def test_corpus_readers_on_binary_data(scratch: Path, data: bytes, name: str) -> None:
    _records(_write(scratch, name, data))


@FUZZ
@given(st.binary(max_size=300))
def test_warc_reader_on_binary_data_after_a_good_record(scratch: Path, data: bytes) -> None:
    recs = _records(_write(scratch, "a.warc", _warc_record("https://example.org/1", ARTICLE) + data))
    assert recs[0].doc is not None


@pytest.mark.parametrize("data", [b"\x00\x00", b"not a warc at all\n", b"<html><p>hi</p></html>"])
def test_a_file_named_warc_that_is_not_one_is_one_rejection(scratch: Path, data: bytes) -> None:
    p = _write(scratch, "a.warc", data)
    recs = list(iter_records([p]))
    assert len(recs) == 1 and recs[0].doc is None and str(p) in (recs[0].error or "")


@FUZZ
@given(TEXT, ENCODINGS, st.sampled_from(["a.txt", "a.json", "a.html"]))
def test_read_document_on_mixed_encodings(scratch: Path, text: str, enc: str, name: str) -> None:
    data = text.encode(enc, errors="replace")
    p = _write(scratch, name, data)
    try:
        d = read_document(p)
    except InputError as exc:
        assert str(p) in str(exc) or p.name in str(exc)
        return
    assert isinstance(d.text, str)


JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(["id", "text", "date", "x"]), c, max_size=4),
    max_leaves=8,
)
JSONL_LINE = st.one_of(
    JSON_VALUE.map(json.dumps),
    st.fixed_dictionaries({"text": TEXT}, optional={"id": TEXT, "date": TEXT, "title": JSON_VALUE}).map(json.dumps),
    st.text(max_size=40),  # not JSON at all
    st.just('{"id": "cut", "text": "truncated'),
)


@FUZZ
@given(st.lists(JSONL_LINE, max_size=12), st.sampled_from([b"", b"\xff\xfe", b"\xc3("]))
def test_malformed_jsonl_rejects_each_bad_line_with_its_line_number(scratch: Path, lines: list[str], junk: bytes) -> None:
    data = "\n".join(lines).encode("utf-8", errors="surrogatepass") + b"\n" + junk
    p = _write(scratch, "a.jsonl", data)
    recs = _records(p)
    for r in recs:
        if r.error is not None and r.origin != str(p):
            assert r.origin.startswith(f"{p}:") and r.origin.rsplit(":", 1)[1].isdigit()


CSV_CELL = st.one_of(TEXT, st.just('"'), st.just('a "quoted" cell'), st.just("\n"), st.just(","))


@FUZZ
@given(st.lists(st.lists(CSV_CELL, min_size=0, max_size=5), max_size=8), st.booleans())
def test_malformed_csv(scratch: Path, rows: list[list[str]], quote: bool) -> None:
    body = "\n".join(",".join(f'"{c}"' if quote else c for c in row) for row in rows)
    p = _write(scratch, "a.csv", ("id,text,date\n" + body).encode("utf-8", errors="surrogatepass"))
    _records(p)


HTML_BITS = st.sampled_from([
    "<html>", "<body>", "<p>", "</p>", "<article>", "<div", "<script>alert(1)</script>", "<!--", "-->",
    "<![CDATA[", "<meta charset='x-unknown'>", "<title>", "&#xD800;", "&#0;", "&amp", "<svg>",
    "The minister said the plan would cost five billion pounds over ten years. ",
])


@FUZZ
@given(st.lists(st.one_of(HTML_BITS, TEXT), max_size=30))
def test_malformed_html(scratch: Path, bits: list[str]) -> None:
    _records(_write(scratch, "a.html", "".join(bits).encode("utf-8", errors="surrogatepass")))


# An unclosed <svg>, <math>, <embed>, <object> or <iframe> before <html> makes trafilatura/htmldate
# (clean_html -> lxml drop_tree on the root) raise AssertionError: one rejection, the run goes on.
@pytest.mark.parametrize("page", ["<svg onload=x><html>", "<math><html>", "<embed><html>", "<object><html>", "<iframe><html>"])
def test_html_that_trips_the_extractor_is_one_rejection(scratch: Path, page: str) -> None:
    p = _write(scratch, "a.html", (page + "<p>The minister said the plan would cost five billion pounds.</p>").encode())
    (rec,) = iter_records([p])
    assert rec.doc is None and str(p) in (rec.error or "") and "AssertionError" in (rec.error or "")


def test_a_closed_svg_before_html_does_not_trip_the_extractor(scratch: Path) -> None:
    p = _write(scratch, "a.html", b"<svg></svg><html><p>The minister said the plan would cost five billion pounds.</p>")
    (rec,) = iter_records([p])
    assert rec.doc is not None and rec.doc.text == "The minister said the plan would cost five billion pounds."


def _warc_record(uri: str, html: bytes, ctype: str = "text/html; charset=utf-8") -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype.encode() + b"\r\n\r\n" + html
    head = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2021-10-31T00:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{abs(hash(uri)) % 10**12:012d}>\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    ).encode()
    return head + http + b"\r\n\r\n"


ARTICLE = (b"<html><body><article><p>" + b"The minister said the plan would cost five billion pounds. " * 6
           + b"</p></article></body></html>")


@FUZZ
@given(st.binary(max_size=300), st.integers(0, 2000), st.booleans(), st.sampled_from(["text/html", "text/html; charset=bogus", "text/html; charset=utf-16"]))
def test_malformed_warc_reports_the_offset_and_keeps_earlier_records(
    scratch: Path, junk: bytes, cut: int, gz: bool, ctype: str
) -> None:
    good = _warc_record("https://example.org/1", ARTICLE)
    bad = _warc_record("https://example.org/2", junk, ctype)[: cut or None]
    data = good + bad
    if gz:
        data = gzip.compress(good) + gzip.compress(bad)[: cut or None]
    p = _write(scratch, "a.warc.gz" if gz else "a.warc", data)
    recs = _records(p)
    assert recs[0].doc is not None and recs[0].doc.id == "https://example.org/1"


# -- the extremes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.txt", "empty.json", "empty.jsonl", "empty.csv", "empty.html", "empty.warc"])
def test_empty_files_are_rejected_with_their_name(scratch: Path, name: str) -> None:
    p = _write(scratch, name, b"")
    recs = list(iter_records([p]))
    assert all(r.doc is None for r in recs)
    # An empty JSONL or WARC has no records at all; every other kind is one rejection naming the file.
    if name not in ("empty.jsonl", "empty.warc"):
        assert len(recs) == 1 and str(p) in (recs[0].error or ""), recs


@pytest.mark.parametrize("name", ["big.txt", "big.json", "big.jsonl", "big.csv", "big.html"])
def test_a_10_mb_document_is_refused_naming_the_file_and_the_setting(scratch: Path, name: str) -> None:
    text = "The minister said the plan would cost five billion pounds over ten years. " * 140_000  # 10.4 MB
    data = {
        "big.txt": text,
        "big.json": json.dumps({"id": "big", "text": text}),
        "big.jsonl": json.dumps({"id": "big", "text": text}) + "\n" + json.dumps({"id": "ok", "text": "Fine."}),
        "big.csv": f'id,text\nbig,"{text}"\nok,Fine.\n',
        "big.html": f"<html><body><article><p>{text}</p></article></body></html>",
    }[name]
    p = _write(scratch, name, data.encode())
    t0 = time.monotonic()
    recs = list(iter_records([p], settings=IngestSettings(max_document_chars=2_000_000)))
    elapsed = time.monotonic() - t0
    errors = [r.error for r in recs if r.error]
    assert errors, recs
    assert str(p) in errors[0] and "ingest.max_document_chars" in errors[0] and "RETOLD_INGEST__MAX_DOCUMENT_CHARS" in errors[0]
    if name in ("big.jsonl", "big.csv"):  # the run goes on after the big record
        assert [r.doc.id for r in recs if r.doc] == ["ok"]
    assert elapsed < 120  # a bound on a hang, not a speed test (trafilatura on 10 MB takes ~10 s)


def test_a_100k_line_file_is_read_and_each_jsonl_line_counted(scratch: Path) -> None:
    lines = "\n".join(f"Line {i} of the wire copy says the council met." for i in range(100_000))
    p = _write(scratch, "lines.txt", lines.encode())
    (rec,) = iter_records([p], settings=IngestSettings(max_document_chars=10_000_000))  # 3.9M chars
    assert rec.doc is not None and rec.doc.text.count("\n") == 99_999
    buf = io.StringIO()
    for i in range(100_000):
        buf.write(json.dumps({"id": f"d{i}", "text": f"Record {i}."}) if i % 1000 else "{not json")
        buf.write("\n")
    p = _write(scratch, "lines.jsonl", buf.getvalue().encode())
    recs = list(iter_records([p]))
    assert len(recs) == 100_000
    bad = [r for r in recs if r.error]
    assert len(bad) == 100 and bad[1].origin == f"{p}:1001"


def test_compare_cli_refuses_a_10_mb_file_before_comparing(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from retold.cli import compare as compare_cli

    big = _write(scratch, "huge.txt", b"The minister said the plan would cost five billion pounds. " * 170_000)
    small = _write(scratch, "small.txt", b"The minister said the plan would cost five billion pounds.")
    called: list[int] = []
    monkeypatch.setattr(Detector, "compare", lambda self, a, b: called.append(1) or pytest.fail("compared a 10 MB file"))
    res = CliRunner().invoke(compare_cli.compare, [str(big), str(small), "--embedder", "hash"])
    assert not called
    assert res.exit_code != 0
    assert "huge.txt" in str(res.exception or res.output) and "ingest.max_document_chars" in str(res.exception or res.output)
