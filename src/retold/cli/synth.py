"""``retold synth``: rewritten copies of articles with exact PAN gold."""

from __future__ import annotations

import json
import sys

import click

from retold.errors import InputError


@click.command()
@click.argument("corpus", required=False)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--n", "n", default=100, show_default=True, help="Labelled pairs to generate (positives + negatives).")
@click.option("--seed", default=0, show_default=True, help="Random seed: the same seed gives the same files.")
@click.option(
    "--obfuscations",
    help="Comma-separated kinds (default: all): verbatim, excerpt, reorder, split-join, spin, edits, "
    "typography, added, dropped, mix, summary, rewrite.",
)
@click.option("--negatives", "negative_share", default=0.2, show_default=True, help="Share of negative pairs.")
@click.option("--spin-rate", default=1.0, show_default=True, help="Chance that a word with a synonym is replaced (1.0 changes ~14% of words).")
@click.option("--demo", is_flag=True, help="Use the bundled articles in examples/corpus; write all documents to OUT/docs.")
@click.option("--encoding", help="Decode input files with this encoding instead of detecting it.")
@click.option("--force", is_flag=True, help="Replace the synth files of a non-empty --out folder.")
def synth(
    corpus: str | None,
    out_dir: str,
    n: int,
    seed: int,
    obfuscations: str | None,
    negative_share: float,
    spin_rate: float,
    demo: bool,
    encoding: str | None,
    force: bool,
) -> None:
    """Generate rewritten copies of the articles in CORPUS, with gold in PAN format.

    CORPUS is a folder of .txt articles (topic = sub-folder; BBC style with a title line, or
    beginning with a ' date YYYY-MM-DD ' marker) or a .jsonl file of {"id", "text", "topic"}.
    Writes OUT/src, OUT/susp, OUT/truth, OUT/pairs and OUT/pairs.jsonl (with --demo: OUT/docs
    instead of src and susp). Prints the manifest (counts and the set's sha256) as JSON.
    """
    from retold.synth.copies import OBFUSCATIONS, generate
    from retold.synth.io import demo_corpus_dir, read_articles, write_docs, write_pan
    from retold.synth.wordnet import WordNet

    if demo and corpus:
        raise InputError("give either CORPUS or --demo, not both")
    if not demo and not corpus:
        raise InputError("give a CORPUS folder or .jsonl file (or --demo for the bundled articles)")
    kinds = tuple(k.strip() for k in obfuscations.split(",") if k.strip()) if obfuscations else OBFUSCATIONS
    thesaurus = WordNet.open() if WordNet.available() else None
    if thesaurus is None:
        needs = [k for k in kinds if k in ("spin", "rewrite")]
        if obfuscations and needs:
            WordNet.open()  # raises the error that says how to install it
        if needs:
            click.echo("warning: WordNet not found (install wordnet-base); leaving out spin and rewrite", err=True)
            kinds = tuple(k for k in kinds if k not in needs)
    articles = read_articles(demo_corpus_dir() if demo else str(corpus), encoding=encoding)
    s = generate(
        articles,
        n=n,
        seed=seed,
        obfuscations=kinds,
        negative_share=negative_share,
        thesaurus=thesaurus,
        id_format="copy-{i:02d}-{obfuscation}.txt" if demo else "susp-{i:05d}.txt",
        negative_copies=not demo,
        dated=demo,
        spin_rate=spin_rate,
    )
    root = write_docs(s, out_dir, overwrite=force) if demo else write_pan(s, out_dir, overwrite=force)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    json.dump(manifest, sys.stdout, indent=2)
    sys.stdout.write("\n")
    click.echo(f"wrote {len(s.pairs)} pairs ({len(s.derived)} derived documents) to {root}", err=True)
