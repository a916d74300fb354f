"""Corpus commands: ``add``, ``index``, ``query``, ``scan``, ``show``, ``stats``, ``delete``.

Each parses its options, opens the store with the right settings, calls one function of
:mod:`retold.corpus.archive` and prints. Data goes to stdout; progress bars (on a terminal only) and
rejected records go to stderr.

Settings: a command given neither ``--config`` nor ``--embedder`` uses the signature settings the
store was built with, so ``retold add db --embedder hash …`` then ``retold scan db`` just works;
given settings that differ from the store's, it stops with a message naming both values.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from retold.cli.common import build_settings, read_input, settings_options
from retold.config import Settings
from retold.errors import InputError, StoreError
from retold.report.terminal import markup_safe, printable

Progress = Callable[[str, int, int | None], None]


def _settings(db: str, config_path: str | None, embedder: str | None, lexical_only: bool) -> Settings:
    settings = build_settings(config_path, embedder, lexical_only)
    if config_path is None and embedder is None and Path(db).exists():
        from retold.store import Store, settings_for_store

        with Store(db, create=False) as probe:
            if probe.signature:
                settings = settings_for_store(probe.signature, settings)
    return settings


@contextmanager
def _progress() -> Iterator[Progress]:
    """A progress callback drawing tqdm bars on stderr when it is a terminal (else silent)."""
    if not sys.stderr.isatty():
        yield lambda stage, done, total: None
        return
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(stage: str, done: int, total: int | None) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="doc" if stage != "compare" else "pair",
                                     file=sys.stderr, leave=False, dynamic_ncols=True)
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()


def _dump(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _line(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


# -- add / index ----------------------------------------------------------------------------------


@click.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--id-field", default="id", show_default=True, help="JSONL/CSV field holding the document id.")
@click.option("--text-field", default="text", show_default=True, help="JSONL/CSV field holding the text.")
@click.option("--date-field", default="date", show_default=True, help="JSONL/CSV field holding the date.")
@click.option("--title-field", default="title", show_default=True)
@click.option("--url-field", default="url", show_default=True)
@click.option("--outlet-field", default="outlet", show_default=True)
@click.option("--encoding", help="Decode every file with this encoding instead of detecting it (e.g. latin-1).")
@click.option("--no-embed", is_flag=True, help="Skip document vectors now (`retold index` adds them later).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", is_flag=True, help="Do not list rejected records on stderr.")
@settings_options
def add(db: str, files: tuple[str, ...], id_field: str, text_field: str, date_field: str, title_field: str,
        url_field: str, outlet_field: str, encoding: str | None, no_embed: bool, as_json: bool, quiet: bool,
        config_path: str | None, embedder: str | None, lexical_only: bool) -> None:
    """Add FILES (directories, .txt, .json, .jsonl, .csv, .html, .warc[.gz]) to the store DB.

    Re-adding a record with the same content does nothing; with the same id and new content it
    replaces the stored one. Bad records are reported on stderr and skipped.
    """
    from retold.corpus.archive import add_documents
    from retold.ingest.corpus import FieldMap
    from retold.store import Store

    settings = _settings(db, config_path, embedder, lexical_only)
    if encoding:
        settings = settings.replace(ingest={"encoding": encoding})
    fields = FieldMap(id=id_field, text=text_field, date=date_field, title=title_field, url=url_field,
                      outlet=outlet_field)
    reject = None if quiet else (lambda msg: click.echo(f"skipped: {printable(msg, newlines=False)}", err=True))
    with Store(db, settings=settings) as store, _progress() as progress:
        summary = add_documents(store, list(files), settings=settings, fields=fields, embed=not no_embed,
                                on_reject=reject, progress=progress)
    if as_json:
        _dump(summary.to_dict())
    else:
        click.echo(
            f"read {summary.read}, stored {summary.stored} (added {summary.added}, updated {summary.updated}, "
            f"unchanged {summary.unchanged}), rejected {summary.rejected} in {summary.seconds:.1f} s"
        )


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, exists=True))
@click.option("--sentence-vectors", is_flag=True, help="Also embed every sentence now (slow with MiniLM).")
@click.option("--rebuild", is_flag=True, help="Build the ANN index anew instead of growing the saved one.")
@click.option("--json", "as_json", is_flag=True)
@settings_options
def index(db: str, sentence_vectors: bool, rebuild: bool, as_json: bool, config_path: str | None,
          embedder: str | None, lexical_only: bool) -> None:
    """Build or refresh the candidate indexes of DB (document vectors and the ANN index)."""
    from retold.corpus.archive import build_index
    from retold.store import Store

    settings = _settings(db, config_path, embedder, lexical_only)
    with Store(db, settings=settings, create=False) as store, _progress() as progress:
        summary = build_index(store, settings=settings, sentence_vectors=sentence_vectors, progress=progress,
                              rebuild=rebuild)
    if as_json:
        _dump(summary.to_dict())
    else:
        click.echo(f"indexed {summary.documents} documents ({summary.embedded} newly embedded, ANN: "
                   f"{summary.ann_kind}) in {summary.seconds:.1f} s")


# -- query ----------------------------------------------------------------------------------------


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, exists=True))
@click.argument("file")
@click.option("--top-k", type=int, help="Compare at most this many candidates (default: corpus.top_k).")
@click.option("--all", "include_all", is_flag=True, help="Also list candidates that turned out unrelated.")
@click.option("--jsonl", is_flag=True, help="One JSON line per hit instead of one JSON document.")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json", show_default=True)
@click.option("--encoding", help="Decode the file with this encoding instead of detecting it.")
@settings_options
def query(db: str, file: str, top_k: int | None, include_all: bool, jsonl: bool, fmt: str,
          encoding: str | None, config_path: str | None, embedder: str | None, lexical_only: bool) -> None:
    """Find the sources and copies of FILE (or - for stdin) in DB, best first, with compare results."""
    from retold.corpus.archive import Corpus
    from retold.store import Store

    settings = _settings(db, config_path, embedder, lexical_only)
    doc, _ = read_input(file, encoding=encoding)
    with Store(db, settings=settings, create=False) as store:
        result = Corpus(store, settings=settings).query(doc, top_k=top_k)
    out = result.to_dict(include_all=include_all)
    if jsonl:
        for h in out["hits"]:
            _line({"query": out["query"], **h})
    elif fmt == "table":
        from rich.console import Console
        from rich.table import Table

        t = Table(title=f"{markup_safe(doc.id)}: {len(out['hits'])} hits of {result.candidates} candidates")
        for col in ("id", "role", "verdict", "reuse (query)", "reuse (hit)", "passages", "channels"):
            t.add_column(col)
        for h in out["hits"]:
            t.add_row(markup_safe(h["id"]), h["role"] or "-", h["verdict"], f"{h['reuse']['a']:.0%}",
                      f"{h['reuse']['b']:.0%}", str(len(h["passages"])), ",".join(h["candidate"]["channels"]))
        Console().print(t)
    else:
        _dump(out)


# -- scan -----------------------------------------------------------------------------------------


@click.command()
@click.argument("db", required=False, type=click.Path(dir_okay=False))
@click.option("--jsonl", is_flag=True, help="One JSON line per reuse pair (the scan contract), streamed.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV row per reuse pair.")
@click.option("--parquet", "parquet_file", type=click.Path(dir_okay=False), help="Write the pairs to a Parquet file.")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "csv", "table"]), default=None,
              help="Output format (json: pairs, clusters, graph and outlet table in one document).")
@click.option("--all", "include_all", is_flag=True, help="Also output same-story and unrelated candidate pairs.")
@click.option("--input", "input_path", type=click.Path(exists=True), help="Batch mode: scan a corpus without a store.")
@click.option("--output", "output_path", type=click.Path(), help="Batch mode: JSONL file to write.")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True)
@click.option("--workers", type=int, default=2, show_default=True, help="Batch mode: parallel workers.")
@click.option("--master", default=None,
              help="Batch mode, --engine spark: Spark master URL (spark://HOST:PORT, yarn, local[N]); default local[WORKERS].")
@click.option("--checkpoint-dir", type=click.Path(file_okay=False),
              help="Batch mode: save each finished stage here; re-running with the same folder resumes.")
@click.option("--clusters", "clusters_path", type=click.Path(dir_okay=False),
              help="Batch mode: also write reprint clusters (JSONL) to this file.")
@click.option("--full", is_flag=True,
              help="Compare every candidate pair again instead of reusing results saved by earlier scans.")
@click.option("--quiet", is_flag=True, help="No summary line on stderr.")
@settings_options
def scan(db: str | None, jsonl: bool, as_csv: bool, parquet_file: str | None, fmt: str | None, include_all: bool,
         input_path: str | None, output_path: str | None, engine: str, workers: int, master: str | None,
         checkpoint_dir: str | None,
         clusters_path: str | None, full: bool, quiet: bool, config_path: str | None, embedder: str | None,
         lexical_only: bool) -> None:
    """Find every reuse pair in DB, with passages; also reprint clusters, a source→copy graph and a
    who-copies-whom table per outlet.

    Pairs whose verdict is same-story or unrelated are left out unless --all is given. A scan
    compares only candidate pairs it has no saved result for (same settings, same retold
    version, documents unchanged): re-scanning a growing archive costs the new pairs only, and
    the output is the same as with --full. Batch mode (no store): ``retold scan --input CORPUS --output OUT.jsonl --engine local|spark``
    [``--checkpoint-dir DIR``] [``--clusters FILE``]; its summary goes to stderr as one JSON line.
    """
    if input_path is not None:
        if output_path is None:
            raise InputError("batch mode needs --output OUT.jsonl as well as --input")
        settings = build_settings(config_path, embedder, lexical_only)
        from retold import batch

        summary = batch.scan_corpus(
            input_path, output_path, engine=engine, settings=settings, workers=workers,  # type: ignore[arg-type]
            include_all=include_all, checkpoint_dir=checkpoint_dir, clusters_path=clusters_path, master=master,
        )
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False), err=True)
        return
    if checkpoint_dir is not None or clusters_path is not None or master is not None:
        raise InputError("--checkpoint-dir, --clusters and --master belong to batch mode (--input CORPUS --output OUT.jsonl)")
    if db is None:
        raise InputError("give a store (retold scan DB) or batch mode (--input CORPUS --output OUT.jsonl)")
    if not Path(db).exists():
        raise StoreError(f"no store at {db}; create one with `retold add {db} FILES…`")
    fmt = fmt or ("jsonl" if jsonl else "csv" if as_csv else "json")
    from retold.corpus.archive import Corpus
    from retold.corpus.graph import outlet_table, reprint_clusters, siblings, source_graph
    from retold.store import Store

    settings = _settings(db, config_path, embedder, lexical_only)
    links = []
    rows: list[dict[str, Any]] = []
    writer = None
    with Store(db, settings=settings, create=False) as store, _progress() as progress:
        corpus = Corpus(store, settings=settings)
        if fmt == "csv":
            writer = csv.writer(sys.stdout)
            writer.writerow(["a", "b", "verdict", "source", "reuse_a", "reuse_b", "passages", "types", "channels"])
        for pair in corpus.scan(include_all=include_all, incremental=not full, progress=progress):
            if pair.is_reuse:
                links.append(pair.link())
            d = pair.to_dict()
            if fmt == "jsonl":
                _line(d)
                sys.stdout.flush()
            elif writer is not None:
                writer.writerow([pair.a, pair.b, d["verdict"], d["source"] or "", d["reuse"]["a"], d["reuse"]["b"],
                                 len(d["passages"]), ";".join(sorted({p["type"] for p in d["passages"]})),
                                 ";".join(pair.candidate.channels)])
            if fmt in ("json", "table") or parquet_file:
                rows.append(d)
        if not quiet:
            reused = corpus.candidates - corpus.compared
            click.echo(f"{corpus.candidates:,} candidate pairs: {corpus.compared:,} compared, {reused:,} taken from "
                       "the last scan's saved results (--full compares everything again)", err=True)
        meta = store.dates_and_outlets() if fmt in ("json", "table") else {}
    if parquet_file:
        _write_parquet(parquet_file, rows)
    if fmt not in ("json", "table"):
        return
    clusters = reprint_clusters(links, dates={i: m[0] for i, m in meta.items()})
    sibs = siblings(links)
    edges = source_graph(links, without=sibs)
    _mark_primary_passages(rows)
    outlets = outlet_table(edges, {i: m[1] for i, m in meta.items()})
    if fmt == "json":
        _dump({
            "pairs": rows,
            "clusters": [c.to_dict() for c in clusters],
            "graph": [e.to_dict() for e in edges],
            "siblings": [x.to_dict() for x in sibs],
            "outlets": [o.to_dict() for o in outlets],
        })
        return
    _print_tables(rows, clusters, edges, outlets, sibs)


def _write_parquet(path: str, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "a": [r["a"] for r in rows], "b": [r["b"] for r in rows], "verdict": [r["verdict"] for r in rows],
        "source": [r["source"] for r in rows], "reuse_a": [r["reuse"]["a"] for r in rows],
        "reuse_b": [r["reuse"]["b"] for r in rows],
        "passages": [json.dumps(r["passages"], ensure_ascii=False) for r in rows],
    })
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    click.echo(f"wrote {len(rows)} pairs to {path}", err=True)


def _mark_primary_passages(rows: list[dict[str, Any]]) -> None:
    """One passage, one source: where a copy's passage is found in several of its sources, the
    best one holds it (``primary``), the others list it as secondary (``also_in``)."""
    from retold.corpus.graph import PassageClaim, assign_passages

    by_copy: dict[str, list[tuple[PassageClaim, dict[str, Any]]]] = {}
    for r in rows:
        src = r.get("source")
        if src not in ("a", "b"):
            continue
        copy_side = "b" if src == "a" else "a"
        copy_id, source_id = r[copy_side], r[src]
        for k, p in enumerate(r["passages"]):
            span = p[copy_side]
            claim = PassageClaim(source_id, k, span["start"], span["end"], p["score"] * (span["end"] - span["start"]))
            by_copy.setdefault(copy_id, []).append((claim, p))
    for claims in by_copy.values():
        owners = assign_passages(c for c, _ in claims)
        for c, p in claims:
            primary, rivals = owners[(c.source, c.index)]
            p["primary"], p["also_in"] = primary, list(rivals)


def _print_tables(
    rows: list[dict[str, Any]], clusters: list[Any], edges: list[Any], outlets: list[Any], sibs: list[Any]
) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"{len(rows)} reuse pairs")
    for col in ("a", "b", "verdict", "source", "reuse a", "reuse b", "passage types"):
        t.add_column(col)
    for r in rows:
        types = sorted({p["type"] for p in r["passages"]})
        t.add_row(markup_safe(r["a"]), markup_safe(r["b"]), r["verdict"], r["source"] or "-", f"{r['reuse']['a']:.0%}",
                  f"{r['reuse']['b']:.0%}", ", ".join(types))
    con.print(t)
    ct = Table(title=f"{len(clusters)} reprint clusters")
    for col in ("size", "origin", "documents"):
        ct.add_column(col)
    for c in clusters:
        ct.add_row(str(len(c.ids)), markup_safe(c.origin or "-"),
                   ", ".join(markup_safe(i) for i in c.ids[:8]) + (" …" if len(c.ids) > 8 else ""))
    con.print(ct)
    if outlets:
        ot = Table(title="who copies whom (source outlet → copying outlet)")
        for col in ("source", "copier", "pairs"):
            ot.add_column(col)
        for o in outlets:
            ot.add_row(markup_safe(o.source), markup_safe(o.copier), str(o.count))
        con.print(ot)
    con.print(f"source→copy edges: {len(edges)}")
    if sibs:
        st = Table(title="siblings (both derive from the same source: neither copies the other)")
        for col in ("a", "b", "via"):
            st.add_column(col)
        for x in sibs:
            st.add_row(x.a, x.b, ", ".join(x.via))
        con.print(st)


# -- show / stats / delete ------------------------------------------------------------------------


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, exists=True))
@click.argument("id")
@click.option("--json", "as_json", is_flag=True)
def show(db: str, id: str, as_json: bool) -> None:
    """Show document ID of DB: metadata, text and the reuse pairs found for it by the last scan."""
    from retold.store import Store

    with Store(db, create=False) as store:
        doc = store.get(id)
        pairs = store.pairs_of(id)
        origin = store.origin(id)
    info: dict[str, Any] = {
        "id": doc.id, "date": doc.date.isoformat() if doc.date else None, "title": doc.title, "url": doc.url,
        "outlet": doc.outlet, "origin": origin, "chars": len(doc.text), "meta": dict(doc.meta), "text": doc.text,
        "pairs": [{"other": p.b if p.a == id else p.a, "verdict": p.verdict,
                   "role": None if p.source is None else ("source" if (p.source == "a") == (p.a == id) else "copy"),
                   "reuse": p.result.get("reuse")} for p in pairs],
    }
    if as_json:
        _dump(info)
        return
    # Stored text is from the open web: escape sequences in it are shown, never sent raw (issue 13).
    click.echo(f"{printable(doc.id, newlines=False)}  ({len(doc.text):,} chars; from "
               f"{printable(origin or '-', newlines=False)})")
    for k in ("title", "date", "outlet", "url"):
        if info[k]:
            click.echo(f"  {k}: {printable(str(info[k]), newlines=False)}")
    click.echo("")
    click.echo(printable(doc.text))
    click.echo("")
    if pairs:
        click.echo(f"reuse pairs from the last scan ({len(pairs)}):")
        for p in info["pairs"]:
            click.echo(f"  {printable(p['other'], newlines=False)}: {p['verdict']}, this document is the "
                       f"{p['role'] or 'undetermined side'}")
    else:
        click.echo("no reuse pairs recorded (run `retold scan` first)")


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="JSON with documents, sentences, pairs, … counts.")
def stats(db: str, as_json: bool) -> None:
    """Counts of documents, sentences and pairs in DB."""
    from retold.store import Store

    with Store(db, create=False) as store:
        st = store.stats()
    if as_json:
        _dump(st.to_dict())
        return
    click.echo(f"{st.path}: {st.documents} documents, {st.sentences} sentences stored, {st.pairs} compared pairs "
               f"({st.reuse_pairs} reuse), {st.with_doc_vectors} document vectors, {st.outlets} outlets")
    if st.settings:
        click.echo("signature settings: " + ", ".join(f"{k}={v}" for k, v in sorted(st.settings.items())))


@click.command()
@click.argument("db", type=click.Path(dir_okay=False, exists=True))
@click.argument("ids", nargs=-1, required=True)
def delete(db: str, ids: tuple[str, ...]) -> None:
    """Delete documents from DB, with their signatures, vectors and pairs.

    Ids that are not in DB are named and skipped; the others are still deleted, and the exit
    status is then 2, so a script knows that not everything it named was there.
    """
    from retold.errors import NotFoundError
    from retold.store import Store

    deleted: list[str] = []
    missing: list[str] = []
    with Store(db, create=False) as store:
        for id in ids:
            try:
                store.delete(id)
                deleted.append(id)
            except NotFoundError:
                missing.append(id)
    shown = ", ".join(printable(i, newlines=False) for i in deleted) or "nothing"
    click.echo(f"deleted {len(deleted)} document(s): {shown}", err=True)
    if missing:
        raise NotFoundError(f"not in {db}, so not deleted: {', '.join(printable(i, newlines=False) for i in missing)} "
                            f"(list ids with `retold stats {db} --json`)")
