"""Corpus ingest: every format, ids, encodings, bad records reported with file and line."""

from __future__ import annotations

import gzip
import io
import json

import pytest

from retold.config import IngestSettings
from retold.errors import InputError
from retold.ingest.corpus import FieldMap, iter_files, iter_records, kind_of

ARTICLE = "<p>{}</p>".format(" ".join(["The minister said the plan would cost five billion pounds."] * 6))
HTML = (
    "<html><head><title>Plan costs</title><meta property='og:site_name' content='Daily Planet'>"
    f"</head><body><nav>Home | News</nav><article><h1>Plan costs</h1>{ARTICLE}</article></body></html>"
)


def _docs(paths, **kw):
    recs = list(iter_records(paths, **kw))
    return recs, {r.doc.id: r.doc for r in recs if r.doc}, [r.error for r in recs if r.error]


def test_directory_ids_dates_and_latin1(tmp_path) -> None:
    (tmp_path / "sport").mkdir()
    (tmp_path / "sport" / "199.txt").write_bytes("Caf\xe9 owner sacked.\n\nIt happened.".encode("latin-1"))
    (tmp_path / "a.txt").write_text(" date 2021-10-31 Officials said so.\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("skip me")
    recs, docs, errors = _docs([tmp_path])
    assert sorted(docs) == ["a.txt", "sport/199.txt"] and not errors
    assert docs["sport/199.txt"].text.startswith("Café")
    assert docs["a.txt"].date.isoformat() == "2021-10-31" and docs["a.txt"].text.startswith("Officials")
    # A file given directly is named by its file name.
    _, docs, _ = _docs([tmp_path / "sport" / "199.txt"])
    assert list(docs) == ["199.txt"]


LATIN1_ARTICLE = (
    "Rovers have agreed a \u00a312.5m fee with Olympique for the striker, who scored 14 goals last season. "
    "The manager said the deal would be completed after a medical on Thursday. \"He is a fine player,\" "
    "he said of the forward, whose former coach in Z\u00fcrich called him a natural finisher. Supporters "
    "gathered outside the ground on Saturday, and the caf\u00e9 opposite expects a crowd of 30,000."
)


def test_mostly_ascii_latin1_is_not_taken_for_an_east_asian_codec(tmp_path) -> None:
    # charset-normalizer takes this text (3 bytes >= 0x80 in 396) for cp1250, "\u0141" for "\u00a3";
    # BBC sport/199.txt for cp932.
    (tmp_path / "a.txt").write_bytes(("Rovers agree fee\n\n" + LATIN1_ARTICLE).encode("latin-1"))
    line = json.dumps({"id": "j", "text": LATIN1_ARTICLE}, ensure_ascii=False) + "\n"
    (tmp_path / "b.jsonl").write_bytes(line.encode("latin-1"))
    (tmp_path / "c.csv").write_bytes(f'id,text\nc,"{LATIN1_ARTICLE.replace(chr(34), 2 * chr(34))}"\n'.encode("latin-1"))
    _, docs, errors = _docs([tmp_path])
    assert not errors and sorted(docs) == ["a.txt", "c", "j"]
    for d in docs.values():
        assert "\u00a312.5m" in d.text and "Z\u00fcrich" in d.text and "caf\u00e9" in d.text



def test_jsonl_bad_lines_are_reported_and_counted(tmp_path) -> None:
    lines = [
        json.dumps({"id": "x", "text": "First article text.", "outlet": "A", "extra": 5}),
        "{not json",
        json.dumps({"id": "y", "body": "no text field"}),
        "",
        json.dumps({"text": "No id here.", "date": "2020-01-02T10:00:00Z"}),
        json.dumps({"id": "z", "text": "Bad date.", "date": "yesterday"}),
        json.dumps([1, 2]),
    ]
    (tmp_path / "f.jsonl").write_text("\n".join(lines) + "\n")
    recs, docs, errors = _docs([tmp_path])
    assert len(recs) == 6 and len(docs) + len(errors) == len(recs)
    assert sorted(docs) == ["f.jsonl:5", "x"]
    assert docs["x"].outlet == "A" and docs["x"].meta == {"extra": 5}
    assert docs["f.jsonl:5"].date.isoformat() == "2020-01-02"
    joined = "\n".join(errors)
    for where in ("f.jsonl:2", "f.jsonl:3", "f.jsonl:6", "f.jsonl:7"):
        assert where in joined
    assert "set --text-field" in joined and "YYYY-MM-DD" in joined


def test_csv_with_field_mapping(tmp_path) -> None:
    (tmp_path / "f.csv").write_text(
        'key,body,published,site\nk1,"Multi-line\n\nbody text.",2021-05-06,Herald\nk2,,2021-05-07,Herald\n'
        'k3,"Third, with comma.",bad-date,Sun\n',
        encoding="utf-8",
    )
    fm = FieldMap(id="key", text="body", date="published", outlet="site")
    recs, docs, errors = _docs([tmp_path], fields=fm)
    assert sorted(docs) == ["k1"] and len(errors) == 2
    assert docs["k1"].text == "Multi-line\n\nbody text." and docs["k1"].outlet == "Herald"
    assert any(":5" in e for e in errors)  # k2 (empty text) sits on line 5: line numbers count newlines in fields
    recs, _, errors = _docs([tmp_path])  # default mapping: no "text" column
    assert len(recs) == 1 and "--text-field" in errors[0]


def test_html_and_warc(tmp_path) -> None:
    (tmp_path / "page.html").write_text(HTML)
    _, docs, errors = _docs([tmp_path / "page.html"])
    d = docs["page.html"]
    assert not errors and "five billion pounds" in d.text and "Home | News" not in d.text
    assert d.title == "Plan costs" and d.outlet == "Daily Planet"

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    for url, body, ctype in [("http://x.org/a", HTML, "text/html; charset=utf-8"),
                             ("http://x.org/img", "binary", "image/png"),
                             ("http://x.org/empty", "<html><body></body></html>", "text/html")]:
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.0")
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body.encode()), http_headers=headers))
    (tmp_path / "crawl.warc.gz").write_bytes(buf.getvalue())
    recs, docs, errors = _docs([tmp_path / "crawl.warc.gz"])
    assert list(docs) == ["http://x.org/a"] and docs["http://x.org/a"].url == "http://x.org/a"
    assert len(errors) == 1 and "crawl.warc.gz@" in errors[0] and "no main text" in errors[0]
    assert gzip.decompress(buf.getvalue())[:4] == b"WARC"


def test_too_large_and_empty_documents(tmp_path) -> None:
    (tmp_path / "big.txt").write_text("word " * 100)
    (tmp_path / "empty.txt").write_text("   \n")
    recs, docs, errors = _docs([tmp_path], settings=IngestSettings(max_document_chars=50))
    assert not docs and len(errors) == 2
    big = next(e for e in errors if "big.txt" in e)
    assert "ingest.max_document_chars = 50" in big and "500 characters" in big
    assert any("has no text" in e for e in errors)


def test_kinds_and_missing_path(tmp_path) -> None:
    assert [kind_of(tmp_path / n) for n in ("a.jsonl", "b.CSV", "c.warc.gz", "d.htm", "e", "f.tsv")] == [
        "jsonl", "csv", "warc", "html", "txt", "tsv"
    ]
    with pytest.raises(InputError, match="no such file"):
        list(iter_files([tmp_path / "nope"]))
