"""Issue 13, findings 3-5: one bad record never aborts ``add`` or loses a good one.

Every record is stored or rejected with its file:line (or WARC offset) and a reason, and
``read == stored + rejected`` after any input: lone surrogates, JSON nested 200,000 deep, an
unclosed CSV quote, oversize fields, files and decompressed WARC payloads (each refused by a
capped read, never read whole).
"""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import tracemalloc
from pathlib import Path

import pytest

from retold.config import Settings
from retold.corpus.archive import add_documents
from retold.ingest.corpus import iter_records, max_record_bytes
from retold.store import Store
from retold.types import Document

FAST = Settings().replace(embed={"backend": "hash"})
SMALL = FAST.replace(ingest={"max_document_chars": 10_000})


def _text(i: int) -> str:
    return f"Record {i} says the council approved the river plan on Monday, officials said."


def _add(db: Path, paths: list[Path], settings: Settings = FAST):  # type: ignore[no-untyped-def]
    with Store(db, settings=settings) as store:
        summary = add_documents(store, paths, settings=settings, embed=False)
        stored = len(store)
    assert summary.read == summary.stored + summary.rejected, summary
    return summary, stored


# -- finding 3: surrogates and deep nesting ------------------------------------------------------------


def test_a_lone_surrogate_on_line_401_of_1000_rejects_that_record_only(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"d{i}", "text": _text(i)}) for i in range(1, 1001)]
    lines[400] = '{"id": "d401", "text": "bad \\ud800 text of record 401, which the council approved."}'
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    summary, stored = _add(tmp_path / "s.db", [tmp_path / "a.jsonl"])
    assert (summary.read, summary.stored, summary.rejected, stored) == (1000, 999, 1, 999)
    assert ":401:" in summary.errors[0] and "surrogate" in summary.errors[0] and "U+D800" in summary.errors[0]


def test_a_json_line_nested_200k_deep_rejects_that_line_only(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"d{i}", "text": _text(i)}) for i in range(10)]
    lines[4] = '{"id": "deep", "text": "x", "meta": ' + "[" * 200_000 + "]" * 200_000 + "}"
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    summary, stored = _add(tmp_path / "s.db", [tmp_path / "a.jsonl"])
    assert (summary.read, summary.stored, summary.rejected, stored) == (10, 9, 1, 9)
    assert "a.jsonl:5:" in summary.errors[0] and "nested too deeply" in summary.errors[0]


def test_a_single_json_file_nested_too_deep_is_one_rejection(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    (tmp_path / "ok.txt").write_text(_text(1))
    recs = list(iter_records([tmp_path]))
    assert [r.doc is not None for r in recs] == [False, True]
    assert "deep.json" in (recs[0].error or "") and "nested too deeply" in (recs[0].error or "")


def test_undecodable_bytes_in_a_csv_row_reject_that_row_and_the_file_reads_on(tmp_path: Path) -> None:
    # The first 64 KiB decode as UTF-8 (so the file is read as UTF-8); row 7, past them, does not.
    rows = [f'r{i},"{_text(i)}"'.encode() for i in range(1, 21)]
    rows[6] = rows[6].replace(b"Record 7 ", b"Record \xff\xfe 7 ")
    lead = f'r0,"{_text(0) * 900}"'.encode()
    (tmp_path / "a.csv").write_bytes(b"id,text\n" + lead + b"\n" + b"\n".join(rows) + b"\n")
    summary, stored = _add(tmp_path / "s.db", [tmp_path / "a.csv"])
    assert (summary.read, summary.rejected, stored) == (21, 1, 20)
    assert "a.csv:9:" in summary.errors[0] and "--encoding" in summary.errors[0]


def test_documents_a_caller_builds_with_a_surrogate_are_rejected_not_fatal(tmp_path: Path) -> None:
    docs = [Document(id="ok1", text=_text(1)), Document(id="bad", text="x \udc80 y"), Document(id="ok2", text=_text(2))]
    with Store(tmp_path / "s.db", settings=FAST) as store:
        summary = add_documents(store, docs, settings=FAST, embed=False)
        assert sorted(store.ids()) == ["ok1", "ok2"] if hasattr(store, "ids") else len(store) == 2
    assert (summary.read, summary.stored, summary.rejected) == (3, 2, 1)


def test_a_record_the_store_refuses_costs_only_itself_not_its_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [json.dumps({"id": f"d{i}", "text": _text(i)}) for i in range(50)]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    real = Store._insert

    def flaky(self, r):  # type: ignore[no-untyped-def]
        if r.doc.id == "d17":
            raise sqlite3.IntegrityError("simulated constraint failure")
        return real(self, r)

    monkeypatch.setattr(Store, "_insert", flaky)
    summary, stored = _add(tmp_path / "s.db", [tmp_path / "a.jsonl"])
    assert (summary.read, summary.stored, summary.rejected, stored) == (50, 49, 1, 49)
    assert "a.jsonl:18" in summary.errors[0] and "simulated constraint failure" in summary.errors[0]


def test_a_surrogate_sent_to_the_api_is_a_4xx_with_a_reason_not_a_500(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from retold.web.app import create_app
    from retold.web.options import ServiceOptions

    with Store(tmp_path / "s.db", settings=FAST) as store:
        add_documents(store, [Document(id="seed", text=_text(0))], settings=FAST, embed=False)
    app = create_app(tmp_path / "s.db", settings=FAST, options=ServiceOptions(token="secret-token"))
    body = '{"documents": [{"id": "bad", "text": "lone \\ud800 surrogate"}]}'
    with TestClient(app) as client:
        r = client.post("/api/documents", content=body, headers={"Authorization": "Bearer secret-token",
                                                                 "Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, r.text
        assert "surrogate" in r.json()["detail"]
        ok = client.post("/api/documents", json={"documents": [{"id": "good", "text": _text(1)}]},
                         headers={"Authorization": "Bearer secret-token"})
        assert ok.status_code == 201


# -- finding 4: CSV quotes and field sizes ----------------------------------------------------------


def test_an_unclosed_csv_quote_on_line_11_rejects_one_row_and_keeps_the_989_after_it(tmp_path: Path) -> None:
    rows = [f"r{i},\"{_text(i)}\"" for i in range(1, 1001)]
    rows[9] = 'r10,"an opening quote that is never closed, on line 11'
    (tmp_path / "a.csv").write_text("id,text\n" + "\n".join(rows) + "\n")
    summary, stored = _add(tmp_path / "s.db", [tmp_path / "a.csv"])
    assert (summary.read, summary.stored, summary.rejected, stored) == (1000, 999, 1, 999)
    assert "a.csv:11:" in summary.errors[0] and "not closed" in summary.errors[0]


def test_a_csv_field_over_the_document_limit_is_one_rejection_and_no_junk_rows(tmp_path: Path) -> None:
    para = "The council approved the plan, officials said on Monday.\n"
    big = para * 400  # 23,000 characters over many lines, quoted and closed properly
    body = f'id,text\nr1,"{_text(1)}"\nbig,"{big}"\nr3,"{_text(3)}"\n'
    (tmp_path / "a.csv").write_text(body)
    summary, stored = _add(tmp_path / "s.db", [tmp_path / "a.csv"], settings=SMALL)
    assert (summary.read, summary.stored, summary.rejected, stored) == (3, 2, 1, 2)
    assert "a.csv:3:" in summary.errors[0] and "ingest.max_document_chars" in summary.errors[0]


def test_an_unclosed_quote_in_a_field_over_the_limit_reads_on_from_the_next_line(tmp_path: Path) -> None:
    rows = [f"r{i},\"{_text(i)}\"" for i in range(1, 400)]
    rows[4] = 'r5,"never closed ' + "x" * 100
    (tmp_path / "a.csv").write_text("id,text\n" + "\n".join(rows) + "\n")  # ~30,000 chars after the quote
    summary, stored = _add(tmp_path / "s.db", [tmp_path / "a.csv"], settings=SMALL)
    assert (summary.stored, summary.rejected) == (398, 1)
    assert "a.csv:6:" in summary.errors[0]


# -- finding 5: decompression and file bombs ------------------------------------------------------------


def _warc_record(payload: bytes, uri: str) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + payload
    head = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Record-ID: <urn:uuid:{abs(hash(uri))}>\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
    ).encode()
    return gzip.compress(head + http + b"\r\n\r\n", compresslevel=9)


def test_a_warc_gz_bomb_is_read_with_a_cap_and_the_next_record_is_kept(tmp_path: Path) -> None:
    page = f"<html><body><article><p>{_text(1) * 8}</p></article></body></html>".encode()
    bomb = b"<html><body><p>" + b"A" * 30_000_000 + b"</p></body></html>"
    path = tmp_path / "a.warc.gz"
    path.write_bytes(_warc_record(bomb, "http://x/bomb") + _warc_record(page, "http://x/ok"))
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    recs = list(iter_records([path], settings=SMALL.ingest))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [r.doc is not None for r in recs] == [False, True]
    assert "decompressed" in (recs[0].error or "") and "ingest.max_document_chars" in (recs[0].error or "")
    cap = max_record_bytes(SMALL.ingest) * 5
    # one capped payload plus a few inflated 2 KiB blocks (~2 MB each); 736 MB for 300 MB before
    assert peak < cap + 16_000_000, f"peak {peak:,} bytes for a cap of {cap:,}"


@pytest.mark.parametrize("name", ["huge.txt", "huge.html", "huge.json"])
def test_an_oversize_file_is_refused_by_its_size_before_it_is_read(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with open(path, "wb") as f:
        f.truncate(8 * 1024**3)  # 8 GiB, sparse: reading it whole would exhaust memory
    (tmp_path / "ok.txt").write_text(_text(1))
    recs = list(iter_records([tmp_path]))
    by_ok = {r.origin.endswith("ok.txt"): r for r in recs}
    assert by_ok[True].doc is not None
    err = by_ok[False].error or ""
    assert name in err and "8,589,934,592 bytes" in err and "RETOLD_INGEST__MAX_DOCUMENT_CHARS" in err


def test_an_over_long_jsonl_line_is_skipped_in_chunks_and_the_next_line_kept(tmp_path: Path) -> None:
    cap = max_record_bytes(SMALL.ingest)
    big = json.dumps({"id": "big", "text": "y" * (20 * cap)})
    ok = json.dumps({"id": "ok", "text": _text(1)})
    (tmp_path / "a.jsonl").write_text(big + "\n" + ok + "\n")
    tracemalloc.start()
    recs = list(iter_records([tmp_path / "a.jsonl"], settings=SMALL.ingest))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [r.doc.id if r.doc else None for r in recs] == [None, "ok"]
    assert "a.jsonl:1:" in (recs[0].error or "") and peak < 3 * cap, peak


def test_every_reader_accounts_for_every_record_of_a_mixed_hostile_folder(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "j1", "text": "fine text here"}\n{"text": "\\udfff"}\n[[[[\n')
    (tmp_path / "b.csv").write_text('id,text\nc1,fine text\nc2,"open\nc3,also fine\n')
    (tmp_path / "c.txt").write_bytes(b"\xff\xfe\x00\x00")
    (tmp_path / "d.warc").write_bytes(b"\x00\x00")
    buf = io.BytesIO()
    buf.write(b"")
    recs = list(iter_records([tmp_path]))
    assert all((r.doc is None) != (r.error is None) for r in recs)
    assert {r.doc.id for r in recs if r.doc} >= {"j1", "c1", "c3"}


def test_compare_refuses_an_oversize_file_by_its_size_before_reading_it(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from retold.cli import main

    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(8 * 1024**3)  # sparse 8 GiB: reading it would exhaust memory
    (tmp_path / "b.txt").write_text(_text(1))
    assert main(["compare", str(big), str(tmp_path / "b.txt"), "--embedder", "hash"]) == 2
    err = capsys.readouterr().err
    assert "big.txt" in err and "RETOLD_INGEST__MAX_DOCUMENT_CHARS" in err
