"""``retold pan detect|score`` and ``retold eval pairs|msrp``: measuring retold.

Data goes to stdout (a readable summary, or JSON with ``--json``); progress bars go to stderr and
only when stderr is a terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from retold.cli.common import build_settings, settings_options
from retold.errors import InputError


@contextmanager
def _progress(desc: str) -> Iterator[Callable[[int, int], None] | None]:
    """A tqdm bar on stderr when it is a terminal; no output at all otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="pair", file=sys.stderr)
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


def _dump(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# --- pan ------------------------------------------------------------------------------------------


@click.group("pan")
def pan_group() -> None:
    """PAN text alignment: detect reuse over a pairs file, and score detections against truth."""


@pan_group.command("detect")
@click.option("--pairs", "pairs_file", required=True, type=click.Path(dir_okay=False), help="Lines 'SUSP SRC'.")
@click.option("--susp", "susp_dir", required=True, type=click.Path(file_okay=False), help="Suspicious documents.")
@click.option("--src", "src_dir", required=True, type=click.Path(file_okay=False), help="Source documents.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for detection XML.")
@click.option("--workers", default=1, show_default=True, help="Processes working on pairs in parallel.")
@click.option(
    "--merge-gap",
    type=int,
    default=None,
    help="Join passages that follow each other in both documents within this many characters "
    "of the suspicious one (default 250; 0 keeps the core's passages as they are).",
)
@click.option(
    "--merge-source-gap",
    type=int,
    default=None,
    help="The gap allowed in the source when joining (default 1000: a summary's originals lie apart).",
)
@click.option("--encoding", help="Decode documents with this encoding instead of detecting it.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@settings_options
def pan_detect(
    pairs_file: str,
    susp_dir: str,
    src_dir: str,
    out_dir: str,
    workers: int,
    merge_gap: int | None,
    merge_source_gap: int | None,
    encoding: str | None,
    as_json: bool,
    config_path: str | None,
    embedder: str | None,
    lexical_only: bool,
) -> None:
    """Compare each pair (source = a, suspicious = b) and write OUT/<susp>-<src>.xml."""
    from retold.evaluate.detect import DEFAULT_MERGE_GAP, DEFAULT_MERGE_SOURCE_GAP, detect

    for d in (susp_dir, src_dir):
        if not Path(d).is_dir():
            raise InputError(f"{d}: no such folder")
    settings = build_settings(config_path, embedder, lexical_only)
    with _progress("pan detect") as cb:
        summary = detect(
            pairs_file,
            susp_dir,
            src_dir,
            out_dir,
            settings=settings,
            workers=workers,
            merge_gap=DEFAULT_MERGE_GAP if merge_gap is None else merge_gap,
            merge_source_gap=DEFAULT_MERGE_SOURCE_GAP if merge_source_gap is None else merge_source_gap,
            encoding=encoding,
            progress=cb,
        )
    if as_json:
        _dump(summary.to_dict())
    else:
        n, bad = len(summary.results), summary.failed
        click.echo(
            f"{n - len(bad)}/{n} pairs compared, {summary.detections} detections written to {summary.out} "
            f"in {summary.seconds:.1f} s ({summary.workers} worker{'s' if summary.workers > 1 else ''})"
        )
        for r in bad:
            click.echo(f"FAILED {r.susp} {r.src}: {r.error}")
    if summary.results and len(summary.failed) == len(summary.results):
        raise SystemExit(1)


@pan_group.command("score")
@click.option("--truth", "truth_dir", required=True, type=click.Path(file_okay=False), help="Truth XML folder.")
@click.option("--detections", "det_dir", required=True, type=click.Path(file_okay=False), help="Detection XML folder.")
@click.option("--json", "as_json", is_flag=True, help="Print all measures as JSON.")
def pan_score(truth_dir: str, det_dir: str, as_json: bool) -> None:
    """Macro precision and recall, granularity, plagdet and case-level scores, per obfuscation."""
    from retold.evaluate.pan_files import read_annotation_dir
    from retold.evaluate.plagdet import evaluate
    from retold.report.pan_format import DETECTION, TRUTH

    truth = read_annotation_dir(truth_dir, name=TRUTH)
    if not truth:
        raise InputError(f"{truth_dir}: no truth .xml files")
    dets = read_annotation_dir(det_dir, name=DETECTION)
    rep = evaluate(truth, dets)
    if as_json:
        _dump(rep.to_dict())
        return
    head = f"{'':<14}{'plagdet':>8}{'prec':>8}{'rec':>8}{'gran':>7}{'cases':>7}{'case-rec':>9}{'case-prec':>10}{'pan-rec':>8}"
    click.echo(head)

    def row(name: str, m: Any) -> str:
        return (
            f"{name:<14}{m.plagdet:>8.4f}{m.precision:>8.4f}{m.recall:>8.4f}{m.granularity:>7.3f}"
            f"{m.cases:>7}{m.case_recall:>9.4f}{m.case_precision:>10.4f}{m.pan_case_recall:>8.4f}"
        )

    click.echo(row("overall", rep.overall))
    for g in rep.by_obfuscation:
        click.echo(row(g.obfuscation, g.measures))
    ng = rep.negatives
    if ng.pairs:
        click.echo(
            f"negative pairs: {ng.pairs}, with detections: {ng.pairs_with_detections} "
            f"({ng.false_pair_rate:.2%}), {ng.detected_chars} characters falsely detected"
        )
    missing = rep.truth_files - sum(1 for f in dets if f not in rep.unmatched_detection_files)
    if missing:
        click.echo(f"truth files without a detection file: {missing} (scored as nothing detected)")
    if rep.unmatched_detection_files:
        click.echo(f"detection files without truth: {len(rep.unmatched_detection_files)} (pooled as false detections)")


# --- eval -----------------------------------------------------------------------------------------


@click.group("eval")
def eval_group() -> None:
    """Pair-level metrics on labelled document pairs, and sentence paraphrase detection (MSRP)."""


@eval_group.command("pairs")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--limit", type=int, help="Only the first N pairs.")
@click.option("--json", "as_json", is_flag=True, help="Print all figures as JSON.")
@settings_options
def eval_pairs(
    file: str, limit: int | None, as_json: bool, config_path: str | None, embedder: str | None, lexical_only: bool
) -> None:
    """Confusion matrix, precision, recall, F1 and a threshold sweep on labelled pairs (JSONL)."""
    from retold.evaluate.pairs import evaluate_pairs, parse_pairs_jsonl
    from retold.ingest import decode_bytes
    from retold.pipeline import Detector

    path = Path(file)
    if not path.is_file():
        raise InputError(f"{file}: no such file (JSON Lines with a, b and label; `retold synth` writes pairs.jsonl)")
    pairs = parse_pairs_jsonl(decode_bytes(path.read_bytes(), where=file), where=file)
    if limit:
        pairs = pairs[:limit]
    settings = build_settings(config_path, embedder, lexical_only)
    with _progress("eval pairs") as cb:
        rep = evaluate_pairs(pairs, detector=Detector(settings), progress=cb)
    if as_json:
        _dump(rep.to_dict())
        return
    c = rep.confusion
    click.echo(f"pairs: {len(pairs)}   (prediction: verdict copy or partial-reuse)")
    click.echo(f"                predicted reuse   predicted not\n  label 1     {c.tp:>15}{c.fn:>16}\n  label 0     {c.fp:>15}{c.tn:>16}")
    click.echo(f"precision {c.precision:.4f}  recall {c.recall:.4f}  F1 {c.f1:.4f}  accuracy {c.accuracy:.4f}")
    click.echo(f"false copy rate on negatives: {rep.false_copy_rate:.2%}  verdicts: {dict(rep.negative_verdicts)}")
    b = rep.best
    click.echo(f"best threshold on max(reuse_a, reuse_b): {b.threshold:.2f} (F1 {b.confusion.f1:.4f})")
    click.echo("threshold sweep:  " + "  ".join(f"{p.threshold:.2f}:{p.confusion.f1:.3f}" for p in rep.sweep[::2]))
    for g in rep.groups:
        click.echo(f"  {g.group:<12} {g.pairs:>5} pairs  called reuse {g.called_reuse:.2%}  {dict(g.verdicts)}")


@eval_group.command("msrp")
@click.option("--train", "train_file", required=True, type=click.Path(dir_okay=False), help="MSRP training TSV.")
@click.option("--test", "test_file", type=click.Path(dir_okay=False), help="MSRP test TSV (else cross-validate).")
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds when no --test is given.")
@click.option("--seed", default=0, show_default=True, help="Fold assignment seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@settings_options
def eval_msrp(
    train_file: str,
    test_file: str | None,
    folds: int,
    seed: int,
    as_json: bool,
    config_path: str | None,
    embedder: str | None,
    lexical_only: bool,
) -> None:
    """Sentence paraphrase detection: accuracy and F1; the classifier is fitted on TRAIN only."""
    import numpy as np

    from retold.embed import get_embedder
    from retold.evaluate.msrp import cross_validate, features, parse_msrp, train_test
    from retold.ingest import decode_bytes

    def load(f: str) -> Any:
        p = Path(f)
        if not p.is_file():
            raise InputError(f"{f}: no such file (MSRP TSV, e.g. msr_paraphrase_train.txt)")
        return parse_msrp(decode_bytes(p.read_bytes(), where=f), where=f)

    settings = build_settings(config_path, embedder, lexical_only)
    emb = get_embedder(settings.embed) if settings.match.semantic else None
    train = load(train_file)
    x_train = features(train, embedder=emb, quadratic=True)
    y_train = np.array([p.label for p in train])
    if test_file:
        test = load(test_file)
        res = train_test(x_train, y_train, features(test, embedder=emb, quadratic=True), np.array([p.label for p in test]))
    else:
        res = cross_validate(x_train, y_train, folds=folds, seed=seed)
    if as_json:
        _dump({"embedder": emb.name if emb else None, "mode": "test" if test_file else f"{folds}-fold", **res.to_dict()})
        return
    mode = f"train {res.train_pairs} / test {res.test_pairs}" if test_file else f"{folds}-fold cross-validation, {res.train_pairs} pairs"
    click.echo(f"{mode}; embedder: {emb.name if emb else 'none (lexical only)'}")
    click.echo(f"accuracy {res.accuracy:.4f}")
    click.echo(f"f1 {res.f1:.4f}")
    click.echo(f"majority class {res.majority:.4f}")
