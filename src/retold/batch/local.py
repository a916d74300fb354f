"""Store-less batch scan of a whole corpus, the same on one machine and on Spark.

``scan_corpus(CORPUS, OUT.jsonl, engine="local"|"spark")`` reads a JSONL or Parquet corpus (``id``,
``text``, optional ``date``, ``title``, ``url``, ``outlet``) and runs five stages::

    fingerprint  → per document: MinHash signature and band keys, winnowed fingerprints and the
                   lead vector          (retold.candidates.fingerprint, .lsh, .semantic.lead_text)
    candidates   → the store scan's channels and rules (``Settings.candidates``): a shared MinHash
                   band at estimated Jaccard ≥ ``min_jaccard`` (near-duplicates), ≥
                   ``min_shared_fingerprints`` shared winnowed fingerprints (excerpts), and the
                   lead vectors' nearest neighbours above the floor and the background z-test
                   (paraphrases)         (retold.candidates.channels, retold.candidates.semantic)
    compare      → Detector.compare_prepared on every candidate pair (retold.pipeline)
    passages     → one row per reused passage of the reuse pairs
    clusters     → connected components of the reuse pairs (reprint clusters)

The kernels in this module take plain records and arrays and return frozen rows; the local engine
(here) and the Spark engine (:mod:`retold.spark`) call the *same* kernels, so the two produce
byte-identical output files: pairs are ``a < b`` by id and sorted. Each stage can be checkpointed as
Parquet (``checkpoint_dir``) so a failed run resumes after the last finished stage.

Output lines follow the scan contract of ``retold scan``: ``{"a", "b", **to_dict(comparison)}``; pairs
whose verdict is ``same-story`` or ``unrelated`` are written only with ``include_all=True``.

>>> import json, tempfile, pathlib
>>> from retold import Settings
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> text = ("The finance minister said the new rail line would cost five billion pounds. "
...         "Construction is expected to begin next spring and to last for seven years. "
...         "Opposition leaders called the plan a waste of money and demanded an inquiry.")
>>> _ = (d / "c.jsonl").write_text(
...     json.dumps({"id": "x", "text": text}) + "\\n" + json.dumps({"id": "y", "text": text}) + "\\n")
>>> s = scan_corpus(d / "c.jsonl", d / "out.jsonl", settings=Settings().replace(embed={"backend": "hash"}))
>>> s.documents, s.pairs, json.loads((d / "out.jsonl").read_text())["verdict"]
(2, 1, 'copy')
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from retold.candidates.channels import containment_pairs, lexical_pairs
from retold.candidates.fingerprint import MinHasher, corpus_fingerprints
from retold.candidates.lsh import band_keys
from retold.candidates.semantic import doc_embedder, lead_text, semantic_pairs
from retold.config import BatchSettings, Settings
from retold.embed import Embedder
from retold.errors import ConfigError, InputError
from retold.ingest import document_from_mapping
from retold.pipeline import Detector, Prepared
from retold.report.json import to_dict
from retold.store.ann import AnnIndex
from retold.types import Document

log = logging.getLogger("retold.batch.local")

Engine = Literal["local", "spark"]
STAGES: tuple[str, ...] = ("fingerprint", "candidates", "compare", "passages", "clusters")
REUSE_VERDICTS = frozenset({"copy", "partial-reuse"})
# How a candidate pair was found (bit mask in the candidates stage).
VIA_LSH, VIA_WINNOW, VIA_SEMANTIC = 1, 2, 4
DOC_FIELDS = ("id", "text", "date", "title", "url", "outlet")


# The candidate knobs live in Settings (group ``batch``: TOML ``[batch]``, ``RETOLD_BATCH__*``).
BatchOptions = BatchSettings


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """What a batch scan did; ``pairs`` is the number of lines written to the output."""

    engine: str
    output: str
    documents: int
    rejected: int
    candidates: int
    compared: int
    pairs: int
    reuse_pairs: int
    passages: int
    clusters: int
    seconds: float
    stopped_after: str | None = None
    resumed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- records and rows


def document_from_record(rec: Mapping[str, Any], *, where: str) -> Document:
    """A :class:`Document` from one corpus record; ``id`` and ``text`` are required."""
    if rec.get("id") in (None, ""):
        raise InputError(f'{where}: a corpus record needs an "id" field (every document must be named)')
    return document_from_mapping(
        {k: rec.get(k) for k in DOC_FIELDS}, default_id=str(rec["id"]), where=where
    )


@dataclass(frozen=True, slots=True)
class FingerprintRow:
    id: str
    sig: list[int]
    keys: list[int]
    fps: list[int]
    vec: list[float]


@dataclass(frozen=True, slots=True)
class CompareRow:
    a: str
    b: str
    verdict: str
    line: str


@dataclass(frozen=True, slots=True)
class PassageRow:
    a: str
    b: str
    n: int
    type: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    score: float


# --------------------------------------------------------------------------- kernels (both engines)


class Fingerprinter:
    """Stage 1 kernel: MinHash signature and band keys, winnowed fingerprints and (with the
    semantic channel on) the lead vector of each document (:mod:`retold.candidates.semantic`)."""

    def __init__(self, settings: Settings, options: BatchOptions) -> None:
        fp = settings.fingerprint
        self.settings, self.options = settings, options
        self.minhasher = MinHasher.from_settings(fp)
        self._leads: Embedder | None = None

    def rows(self, docs: Sequence[Document]) -> list[FingerprintRow]:
        fp, o, cs = self.settings.fingerprint, self.options, self.settings.candidates
        sigs, wins, _ = corpus_fingerprints([d.text for d in docs], self.minhasher, shingle_size=fp.shingle_size)
        keys = band_keys(sigs, bands=fp.bands, rows=fp.rows) if len(docs) else np.zeros((0, fp.bands), np.int64)
        vecs: np.ndarray | None = None
        if o.semantic and docs:
            if self._leads is None:
                self._leads = doc_embedder(self.settings)
            vecs = np.asarray(self._leads.encode([lead_text(d, words=cs.lead_words) for d in docs]), dtype=np.float32)
        return [
            FingerprintRow(d.id, sigs[i].astype(np.int64).tolist(), keys[i].tolist(), wins[i].astype(np.int64).tolist(),
                           [] if vecs is None else vecs[i].tolist())
            for i, d in enumerate(docs)
        ]


def local_semantic_pairs(ids: Sequence[str], vectors: Sequence[Sequence[float]], settings: Settings) -> list[tuple[str, str]]:
    """The semantic channel over documents' lead vectors, as the store scan runs it over its ANN
    index (:func:`retold.candidates.semantic.semantic_pairs`): documents in id order (those without
    a vector left out), one index built over them (exact below 50,000 documents, HNSW above, as the
    store's). The Spark engine calls this on its driver with the vectors its executors computed."""
    have = sorted(((i, v) for i, v in zip(ids, vectors, strict=True) if len(v)), key=lambda t: t[0])
    if len(have) < 2:
        return []
    mat = np.ascontiguousarray(np.array([v for _, v in have], dtype=np.float32))
    labels = np.arange(len(have), dtype=np.int64)
    cs = settings.candidates
    found = semantic_pairs(AnnIndex.build(labels, mat), mat, labels, cs, floor=cs.semantic_floor(settings.embed.backend))
    return [(have[i][0], have[j][0]) for i, j in found]


def bucket_pairs(members: Iterable[str]) -> Iterator[tuple[str, str]]:
    """All ``a < b`` pairs of the distinct ids of one bucket."""
    ids = sorted(set(members))
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            yield a, b


def passage_rows(row: CompareRow) -> list[PassageRow]:
    """Stage 4 kernel: the passages of one compared pair, flattened."""
    rec = json.loads(row.line)
    return [
        PassageRow(row.a, row.b, n, p["type"], p["a"]["start"], p["a"]["end"], p["b"]["start"], p["b"]["end"], p["score"])
        for n, p in enumerate(rec["passages"])
    ]


class PairComparer:
    """Stage 3 kernel: compare candidate pairs, preparing each document once per worker.

    Pairs should arrive grouped by ``a`` (both engines sort them so): the last ``cache_size``
    prepared documents are kept, which makes a document with 50 candidates cost one prepare.
    """

    def __init__(self, settings: Settings, *, cache_size: int = 256) -> None:
        self.detector = Detector(settings)
        self.cache_size = cache_size
        self._cache: dict[str, Prepared] = {}

    def _prepared(self, doc: Document) -> Prepared:
        p = self._cache.get(doc.id)
        if p is None:
            if self._cache and len(self._cache) >= self.cache_size:
                self._cache.pop(next(iter(self._cache)))
            p = self._cache[doc.id] = self.detector.prepare(doc)
        return p

    def compare(self, a: Document, b: Document) -> CompareRow:
        c = self.detector.compare_prepared(self._prepared(a), self._prepared(b))
        line = json.dumps({"a": a.id, "b": b.id, **to_dict(c)}, ensure_ascii=False)
        return CompareRow(a.id, b.id, c.verdict, line)


def clusters_of(edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Stage 5 kernel: connected components (union-find); each id maps to its component's smallest id."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {x: find(x) for x in list(parent)}


def cluster_lines(labels: Mapping[str, str]) -> list[str]:
    """Reprint clusters as JSONL lines, ordered by their smallest member: ``{"cluster", "size", "members"}``."""
    groups: dict[str, list[str]] = {}
    for x, root in labels.items():
        groups.setdefault(root, []).append(x)
    return [
        json.dumps({"cluster": n, "size": len(m), "members": sorted(m)}, ensure_ascii=False)
        for n, (_, m) in enumerate(sorted(groups.items()))
    ]


def checkpoint_key(input_path: str, settings: Settings, options: BatchOptions, engine: str) -> dict[str, Any]:
    """What a checkpoint was made from; a resume with a different key is refused."""
    try:
        st = os.stat(input_path)
        ident = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:  # a remote path (hdfs://, s3a://): Spark checks it
        ident = "remote"
    return {
        "input": str(input_path),
        "input_stat": ident,
        "settings": settings.digest(),
        "options": asdict(options),
        "engine": engine,
    }


# --------------------------------------------------------------------------- local engine


def read_corpus(path: str) -> tuple[list[Document], int]:
    """Documents of a JSONL or Parquet corpus and the number of rejected records.

    A record that is not a JSON object, or has no ``id`` or no ``text``, is logged with its line and
    skipped; a repeated id is an error (pairs are keyed by id).
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"corpus {path} does not exist; give a .jsonl or .parquet file (or a Parquet folder)")
    docs: list[Document] = []
    rejected = 0
    if p.is_dir() or p.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        table = pq.read_table(p, columns=None)
        if "id" not in table.column_names or "text" not in table.column_names:
            raise InputError(f'{path}: Parquet corpus needs "id" and "text" columns, has {table.column_names}')
        cols = [c for c in DOC_FIELDS if c in table.column_names]
        for n, rec in enumerate(table.select(cols).to_pylist()):
            try:
                docs.append(document_from_record(rec, where=f"{path} row {n}"))
            except InputError as exc:
                rejected += 1
                log.warning("skipped: %s", exc)
    else:
        with open(p, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{path}:{n}"
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise InputError(f"{where}: expected a JSON object per line")
                    docs.append(document_from_record(obj, where=where))
                except (json.JSONDecodeError, InputError) as exc:
                    rejected += 1
                    log.warning("skipped: %s", exc)
    check_unique_ids([d.id for d in docs], where=path)
    return docs, rejected


def check_unique_ids(ids: Sequence[str], *, where: str) -> None:
    seen: set[str] = set()
    dup = [x for x in ids if x in seen or seen.add(x)]  # type: ignore[func-returns-value]
    if dup:
        raise InputError(
            f"{where}: {len(dup)} repeated document ids (first: {sorted(set(dup))[:3]}); "
            "ids must be unique in a scan: de-duplicate the corpus or make the ids unique"
        )


def local_candidates(rows: Sequence[FingerprintRow], settings: Settings, options: BatchOptions) -> list[tuple[str, str, int]]:
    """Stage 2 on one machine: ``(a, b, via)`` sorted, with the store scan's rules: the kernels of
    :mod:`retold.candidates.channels` and :mod:`retold.candidates.semantic` (Spark: the same rules
    as joins, and this semantic channel on its driver)."""
    o, cs = options, settings.candidates
    ids = [r.id for r in rows]
    via: dict[tuple[str, str], int] = {}

    def add(a: str, b: str, bit: int) -> None:
        key = (a, b) if a < b else (b, a)
        via[key] = via.get(key, 0) | bit

    if rows:
        sigs = np.array([r.sig for r in rows], dtype=np.uint32)
        for i, j in lexical_pairs(sigs, settings.fingerprint, cs):
            add(ids[i], ids[j], VIA_LSH)
        for i, j in containment_pairs([np.asarray(r.fps, dtype=np.int64) for r in rows], cs):
            add(ids[i], ids[j], VIA_WINNOW)
    if o.semantic:
        for a, b in local_semantic_pairs(ids, [r.vec for r in rows], settings):
            add(a, b, VIA_SEMANTIC)
    return sorted((a, b, v) for (a, b), v in via.items())


_WORKER: dict[str, PairComparer] = {}


def _compare_chunk(settings: Settings, pairs: list[tuple[Document, Document]]) -> list[CompareRow]:
    comparer = _WORKER.get("comparer")
    if comparer is None or comparer.detector.settings != settings:
        comparer = _WORKER["comparer"] = PairComparer(settings)
    return [comparer.compare(a, b) for a, b in pairs]


def local_compare(
    pairs: Sequence[tuple[str, str]], docs: Mapping[str, Document], settings: Settings, *, workers: int = 1
) -> list[CompareRow]:
    """Stage 3 on one machine: in this process, or in ``workers`` processes started with ``PYTHONHASHSEED=0``.

    Why a fixed hash seed: the core sums floats while iterating sets of strings, so the last bits
    of a score follow the process's hash seed, and about one pair in 40 rounds the other way at 4
    decimals. Spark starts its Python workers with ``PYTHONHASHSEED=0`` (pyspark's default, which
    :func:`retold.batch.spark.get_session` keeps), and so do these workers: ``workers >= 2`` writes
    byte-identical files to Spark. With one worker the scan runs in this process, with its seed.
    Worker processes are spawned (a fork would keep this process's seed), so a script that calls
    this with ``workers >= 2`` needs the usual ``if __name__ == "__main__":`` guard.
    """
    # Chunks of 32 pairs keep a document's pairs mostly in one worker (its prepare cache) and
    # the pool busy to the end: at ~10 ms a compare a chunk is ~0.3 s.
    chunks = [[(docs[a], docs[b]) for a, b in pairs[i : i + 32]] for i in range(0, len(pairs), 32)]
    if workers == 1 or len(chunks) < 2:
        return [row for ch in chunks for row in _compare_chunk(settings, ch)]
    import functools
    import multiprocessing as mp

    saved = os.environ.get("PYTHONHASHSEED")
    os.environ["PYTHONHASHSEED"] = "0"
    try:
        pool = mp.get_context("spawn").Pool(min(workers, len(chunks)))
    finally:
        if saved is None:
            del os.environ["PYTHONHASHSEED"]
        else:
            os.environ["PYTHONHASHSEED"] = saved
    with pool:
        return [row for part in pool.imap(functools.partial(_compare_chunk, settings), chunks) for row in part]


class LocalCheckpoints:
    """Parquet per stage under ``root/<stage>/part-00000.parquet`` plus ``_SUCCESS`` (Spark's layout)."""

    def __init__(self, root: str | None, key: dict[str, Any]) -> None:
        self.root = None if root is None else Path(root)
        if self.root is None:
            return
        manifest = self.root / "_manifest.json"
        if manifest.exists():
            old = json.loads(manifest.read_text())
            if old != key:
                diff = sorted(k for k in key if old.get(k) != key[k])
                raise ConfigError(
                    f"checkpoint folder {root} was made by another run (different {', '.join(diff)}); "
                    "use a new --checkpoint-dir or delete this one to start over"
                )
        else:
            self.root.mkdir(parents=True, exist_ok=True)
            manifest.write_text(json.dumps(key, sort_keys=True))

    def done(self, stage: str) -> bool:
        return self.root is not None and (self.root / stage / "_SUCCESS").exists()

    def save(self, stage: str, columns: dict[str, list[Any]], types: dict[str, Any]) -> None:
        if self.root is None:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        d = self.root / stage
        d.mkdir(parents=True, exist_ok=True)
        table = pa.table({k: pa.array(v, type=types[k]) for k, v in columns.items()})
        pq.write_table(table, d / "part-00000.parquet")
        (d / "_SUCCESS").write_text("")

    def load(self, stage: str) -> dict[str, list[Any]]:
        import pyarrow.parquet as pq

        assert self.root is not None
        return pq.read_table(self.root / stage).to_pydict()


def run_local(
    input_path: str,
    output_path: str,
    *,
    settings: Settings,
    options: BatchOptions,
    workers: int,
    checkpoint_dir: str | None,
    include_all: bool,
    clusters_path: str | None,
    stop_after: str | None,
) -> ScanSummary:
    """The five stages in this process (see :func:`scan_corpus`)."""
    import pyarrow as pa

    timer = Timer()
    docs, rejected = read_corpus(input_path)
    by_id = {d.id: d for d in docs}
    ck = LocalCheckpoints(checkpoint_dir, checkpoint_key(input_path, settings, options, "local"))
    resumed: list[str] = []
    i64, s_ = pa.int64(), pa.string()
    counts = {"candidates": 0, "compared": 0, "reuse": 0, "passages": 0, "clusters": 0}

    def stopped(stage: str) -> ScanSummary | None:
        if stop_after != stage:
            return None
        return ScanSummary("local", output_path, len(docs), rejected, counts["candidates"], counts["compared"],
                           0, counts["reuse"], counts["passages"], counts["clusters"], timer.seconds(),
                           stop_after, tuple(resumed))

    # 1. fingerprint
    if ck.done("fingerprint"):
        resumed.append("fingerprint")
        t = ck.load("fingerprint")
        fps = [FingerprintRow(*r) for r in zip(t["id"], t["sig"], t["keys"], t["fps"], t["vec"], strict=True)]
    else:
        fper = Fingerprinter(settings, options)
        fps = [r for i in range(0, len(docs), 512) for r in fper.rows(docs[i : i + 512])]
        ck.save("fingerprint", {f: [getattr(r, f) for r in fps] for f in ("id", "sig", "keys", "fps", "vec")},
                {"id": s_, "sig": pa.list_(i64), "keys": pa.list_(i64), "fps": pa.list_(i64),
                 "vec": pa.list_(pa.float32())})
    if (early := stopped("fingerprint")) is not None:
        return early
    # 2. candidates
    if ck.done("candidates"):
        resumed.append("candidates")
        t = ck.load("candidates")
        cands = list(zip(t["a"], t["b"], t["via"], strict=True))
    else:
        cands = local_candidates(fps, settings, options)
        ck.save("candidates", {"a": [c[0] for c in cands], "b": [c[1] for c in cands], "via": [c[2] for c in cands]},
                {"a": s_, "b": s_, "via": pa.int32()})
    counts["candidates"] = len(cands)
    if (early := stopped("candidates")) is not None:
        return early
    # 3. compare
    if ck.done("compare"):
        resumed.append("compare")
        t = ck.load("compare")
        compared = [CompareRow(*r) for r in zip(t["a"], t["b"], t["verdict"], t["line"], strict=True)]
    else:
        compared = local_compare([(a, b) for a, b, _ in cands], by_id, settings, workers=workers)
        ck.save("compare", {f: [getattr(r, f) for r in compared] for f in ("a", "b", "verdict", "line")},
                {"a": s_, "b": s_, "verdict": s_, "line": s_})
    counts["compared"] = len(compared)
    reuse = [r for r in compared if r.verdict in REUSE_VERDICTS]
    counts["reuse"] = len(reuse)
    if (early := stopped("compare")) is not None:
        return early
    # 4. passages
    if ck.done("passages"):
        resumed.append("passages")
        n_passages = len(ck.load("passages")["a"])
    else:
        prow = [p for r in reuse for p in passage_rows(r)]
        n_passages = len(prow)
        ck.save("passages", {f: [getattr(p, f) for p in prow] for f in PassageRow.__slots__},
                {"a": s_, "b": s_, "n": pa.int32(), "type": s_, "a_start": i64, "a_end": i64,
                 "b_start": i64, "b_end": i64, "score": pa.float64()})
    counts["passages"] = n_passages
    if (early := stopped("passages")) is not None:
        return early
    # 5. clusters
    if ck.done("clusters"):
        resumed.append("clusters")
        t = ck.load("clusters")
        labels = dict(zip(t["id"], t["cluster"], strict=True))
    else:
        labels = clusters_of((r.a, r.b) for r in reuse)
        ck.save("clusters", {"id": sorted(labels), "cluster": [labels[x] for x in sorted(labels)]},
                {"id": s_, "cluster": s_})
    counts["clusters"] = len(set(labels.values()))
    lines = [r.line for r in compared if include_all or r.verdict in REUSE_VERDICTS]
    write_lines(output_path, lines)
    if clusters_path is not None:
        write_lines(clusters_path, cluster_lines(labels))
    return ScanSummary("local", output_path, len(docs), rejected, len(cands), len(compared), len(lines),
                       len(reuse), n_passages, counts["clusters"], timer.seconds(), None, tuple(resumed))


def write_lines(path: str, lines: Iterable[str]) -> int:
    """Write lines atomically (a temporary file renamed), so a crash never leaves half an output."""
    tmp = f"{path}.tmp-{os.getpid()}"
    n = 0
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line)
            fh.write("\n")
            n += 1
    os.replace(tmp, path)
    return n


# --------------------------------------------------------------------------- entry point


def scan_corpus(
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    engine: Engine = "local",
    settings: Settings | None = None,
    workers: int = 1,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    include_all: bool = False,
    clusters_path: str | os.PathLike[str] | None = None,
    options: BatchOptions | None = None,
    stop_after: str | None = None,
    master: str | None = None,
) -> ScanSummary:
    """Scan a JSONL or Parquet corpus for reuse pairs and write them as JSONL, sorted by ``(a, b)``.

    Args:
        input_path: ``.jsonl`` / ``.json`` (one object per line) or ``.parquet`` (file or folder).
        output_path: the JSONL output (scan contract); written even when no pair is found.
        engine: ``"local"`` (this process, plus ``workers`` processes) or ``"spark"``.
        workers: local processes, or the ``N`` of Spark ``local[N]`` when no master is given.
        checkpoint_dir: Parquet per finished stage; re-running with the same folder resumes.
        include_all: also write ``same-story`` and ``unrelated`` pairs.
        clusters_path: also write reprint clusters (JSONL) there.
        stop_after: stop after this stage (a stage name); used to test resuming.
        master: Spark master URL (default ``local[workers]``, or spark-submit's).
    """
    s = settings or Settings()
    o = options or s.batch
    if stop_after is not None and stop_after not in STAGES:
        raise ConfigError(f"stop_after must be one of {', '.join(STAGES)}, got {stop_after!r}")
    if workers < 1:
        raise ConfigError(f"workers must be >= 1, got {workers}")
    if engine == "local":
        return run_local(
            str(input_path), str(output_path), settings=s, options=o, workers=workers,
            checkpoint_dir=None if checkpoint_dir is None else str(checkpoint_dir), include_all=include_all,
            clusters_path=None if clusters_path is None else str(clusters_path), stop_after=stop_after,
        )
    if engine == "spark":
        from retold.batch.spark import run_spark

        return run_spark(
            str(input_path), str(output_path), settings=s, options=o, workers=workers,
            checkpoint_dir=None if checkpoint_dir is None else str(checkpoint_dir), include_all=include_all,
            clusters_path=None if clusters_path is None else str(clusters_path), stop_after=stop_after,
            master=master,
        )
    raise ConfigError(f"engine must be 'local' or 'spark', got {engine!r}")


@dataclass(slots=True)
class Timer:
    """Wall time of a run (mutable on purpose: it is a stopwatch, not a result)."""

    start: float = field(default_factory=time.perf_counter)

    def seconds(self) -> float:
        return round(time.perf_counter() - self.start, 3)


__all__ = [
    "STAGES",
    "BatchOptions",
    "CompareRow",
    "FingerprintRow",
    "Fingerprinter",
    "PairComparer",
    "PassageRow",
    "ScanSummary",
    "bucket_pairs",
    "checkpoint_key",
    "cluster_lines",
    "clusters_of",
    "document_from_record",
    "local_candidates",
    "local_semantic_pairs",
    "passage_rows",
    "scan_corpus",
]
