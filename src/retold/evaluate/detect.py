"""``retold pan detect``: compare every pair of a PAN pairs file and write detection XML.

For each line ``SUSP SRC`` the source is compared with the suspicious document
(``compare(a=SRC, b=SUSP)``) and ``OUT/<susp-stem>-<src-stem>.xml`` lists one
``detected-plagiarism`` feature per passage: ``this_`` offsets are the passage's b span, ``source_``
offsets its a span, both counted in characters of the files as decoded.

Pairs are grouped by suspicious document (PAN13 pairs each one with ~3 sources), so each worker
prepares a suspicious document once; groups run in ``workers`` processes, each with its own
detector and model. A pair that fails is reported in the summary; the others go on.

Passages that follow each other in both documents, closer than ``merge_gap`` characters in the
suspicious document and ``merge_source_gap`` in the source, are written as one detection (see
:func:`retold.report.pan_format.merge_adjacent`): the core reports a passage per run of aligned
sentences, PAN's gold has one case per contiguous reuse, and a summary keeps its sentences
together while their originals lie apart.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from retold.config import Settings
from retold.evaluate.pan_files import read_pairs, read_pan_document
from retold.report.pan_format import DETECTION, Annotation, merge_adjacent, pair_file_name, to_xml
from retold.types import Comparison

# Measured on PAN13 no-obfuscation and the BBC synth set (docs/benchmarks.md), lexical matching:
# plagdet 0.846 -> 0.883 on PAN13 and 0.865 -> 0.984 on synth (summary 0.30 -> 0.97) against no
# merging; the cost is a detection that bridges a dropped paragraph (dropped 0.999 -> 0.944).
DEFAULT_MERGE_GAP = 250
DEFAULT_MERGE_SOURCE_GAP = 1000


@dataclass(frozen=True, slots=True)
class PairResult:
    susp: str
    src: str
    file: str
    detections: int
    seconds: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DetectSummary:
    """What ``pan detect`` did: per-pair results and totals."""

    out: str
    results: tuple[PairResult, ...]
    seconds: float
    workers: int

    @property
    def failed(self) -> tuple[PairResult, ...]:
        return tuple(r for r in self.results if r.error is not None)

    @property
    def detections(self) -> int:
        return sum(r.detections for r in self.results)

    def to_dict(self) -> dict[str, object]:
        return {
            "out": self.out,
            "pairs": len(self.results),
            "ok": len(self.results) - len(self.failed),
            "failed": [{"susp": r.susp, "src": r.src, "error": r.error} for r in self.failed],
            "detections": self.detections,
            "seconds": round(self.seconds, 2),
            "workers": self.workers,
        }


def annotations_for(
    c: Comparison,
    *,
    susp: str,
    src: str,
    this_shift: int = 0,
    source_shift: int = 0,
    merge_gap: int = 0,
    merge_source_gap: int | None = None,
) -> list[Annotation]:
    """PAN detections for one comparison (a = source, b = suspicious), merged within the gaps."""
    anns = [
        Annotation(susp, p.b.start + this_shift, len(p.b), src, p.a.start + source_shift, len(p.a))
        for p in c.passages
        if len(p.a) > 0 and len(p.b) > 0
    ]
    if merge_gap <= 0:
        return sorted(anns)
    return merge_adjacent(anns, max_gap=merge_gap, max_source_gap=merge_source_gap)


# --- worker side ---------------------------------------------------------------------------------

_DETECTOR = None
_EMBED = False


def _init_worker(settings: Settings, embed_once: bool = False) -> None:
    global _DETECTOR, _EMBED
    from retold.pipeline import Detector

    _DETECTOR = Detector(settings)
    _EMBED = embed_once and settings.match.semantic


def _run_group(
    susp: str,
    srcs: Sequence[str],
    susp_dir: str,
    src_dir: str,
    out_dir: str,
    merges: tuple[int, int],
    encoding: str | None,
) -> list[PairResult]:
    assert _DETECTOR is not None, "worker not initialised"
    det = _DETECTOR
    out: list[PairResult] = []
    prepared_b = None
    shift_b = 0
    for src in srcs:
        t0 = time.perf_counter()
        fname = pair_file_name(susp, src)
        try:
            if prepared_b is None:
                doc_b, shift_b = read_pan_document(Path(susp_dir) / susp, encoding=encoding)
                prepared_b = det.prepare(doc_b, embed=_EMBED)
            doc_a, shift_a = read_pan_document(Path(src_dir) / src, encoding=encoding)
            c = det.compare_prepared(det.prepare(doc_a, embed=_EMBED), prepared_b)
            anns = annotations_for(
                c,
                susp=susp,
                src=src,
                this_shift=shift_b,
                source_shift=shift_a,
                merge_gap=merges[0],
                merge_source_gap=merges[1],
            )
            (Path(out_dir) / fname).write_text(to_xml(susp, anns, name=DETECTION), encoding="utf-8")
            out.append(PairResult(susp, src, fname, len(anns), time.perf_counter() - t0))
        except Exception as exc:  # one bad pair must not stop the run: report it and go on
            msg = f"{type(exc).__name__}: {exc}"
            if not str(exc):
                msg += " | " + traceback.format_exc(limit=2).strip().splitlines()[-1]
            out.append(PairResult(susp, src, fname, 0, time.perf_counter() - t0, msg))
    return out


# --- driver --------------------------------------------------------------------------------------


def detect(
    pairs_file: str | Path,
    susp_dir: str | Path,
    src_dir: str | Path,
    out_dir: str | Path,
    *,
    settings: Settings | None = None,
    workers: int = 1,
    merge_gap: int = DEFAULT_MERGE_GAP,
    merge_source_gap: int = DEFAULT_MERGE_SOURCE_GAP,
    encoding: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DetectSummary:
    """Run the PAN detection over a pairs file; ``progress(done, total)`` is called per pair."""
    settings = settings or Settings()
    pairs = read_pairs(pairs_file)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[str]] = {}
    for s, r in pairs:
        groups.setdefault(s, []).append(r)
    merges = (merge_gap, merge_source_gap)
    args = [(s, srcs, str(susp_dir), str(src_dir), str(out), merges, encoding) for s, srcs in groups.items()]
    # Embed every sentence of a document once when suspicious documents meet several sources (PAN13:
    # ~3.3 each), instead of encoding its unmatched sentences again for each of them. With one source
    # each (synth sets) the core's lazy embedding is cheaper: verbatim pairs need no vectors at all.
    embed_once = len(pairs) / len(groups) >= 2
    t0 = time.perf_counter()
    results: list[PairResult] = []
    done = 0
    if workers <= 1:
        _init_worker(settings, embed_once)
        for a in args:
            res = _run_group(*a)
            results += res
            done += len(res)
            if progress:
                progress(done, len(pairs))
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(settings, embed_once)) as pool:
            futures = {pool.submit(_run_group, *a): a for a in args}
            for fut in as_completed(futures):
                a = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # a worker died (out of memory, killed): its pairs failed
                    res = [PairResult(a[0], r, pair_file_name(a[0], r), 0, 0.0, f"worker failed: {exc!r}") for r in a[1]]
                results += res
                done += len(res)
                if progress:
                    progress(done, len(pairs))
    order = {p: i for i, p in enumerate(pairs)}
    results.sort(key=lambda r: order.get((r.susp, r.src), 0))
    return DetectSummary(str(out), tuple(results), time.perf_counter() - t0, max(1, workers))
