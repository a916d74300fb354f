"""``retold train``: fit the learned pair decision on the development data."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from retold.cli.common import build_settings, settings_options

_SHARED = Path("..") / "shared" / "data"


@click.command()
@click.option("--meter", type=click.Path(path_type=Path), default=_SHARED / "meter-dev" / "pairs.jsonl",
              show_default=True, help="METER development pairs (pairs.jsonl).")
@click.option("--bbc", type=click.Path(path_type=Path), default=_SHARED / "bbc-news", show_default=True,
              help="BBC News folder: synth copies and same-story pairs are made from it.")
@click.option("--synth", "n_synth", type=int, default=300, show_default=True, help="Generated BBC pairs.")
@click.option("--same-story", "n_same", type=int, default=150, show_default=True, help="BBC same-story pairs.")
@click.option("--handwritten", type=click.Path(path_type=Path), default=Path("bench"), show_default=True,
              help="Folder holding handwritten/, handwritten_summaries/ and handwritten_embedded/ (the "
              "development rewrites written for retold; tests/fixtures stay held out).")
@click.option("--cache", type=click.Path(path_type=Path), default=Path("out") / "train-cache", show_default=True,
              help="Folder for the per-pair features (a rerun reads them back).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Model file to write (default: the package's retold/data/decision.json).")
@settings_options
def train(
    meter: Path,
    bbc: Path,
    n_synth: int,
    n_same: int,
    handwritten: Path,
    cache: Path,
    out_file: Path | None,
    config_path: str | None,
    embedder: str | None,
    lexical_only: bool,
) -> None:
    """Train the reuse / degree decision and write it as a small JSON file.

    Every pair is compared once (features cached in --cache); the same data and settings give
    the same file, byte for byte. The file records the data digest and this command.
    """
    from retold.evaluate.training import train_model

    settings = build_settings(config_path, embedder, lexical_only)
    argv = ["retold", "train", *sys.argv[2:]] if len(sys.argv) > 1 and sys.argv[1] == "train" else ["retold", "train"]

    def progress(label: str, k: int, n: int) -> None:
        if k == n or k % 50 == 0:
            click.echo(f"  {label}: {k}/{n} pairs", err=True)

    model, summary = train_model(
        meter=meter, bbc=bbc, n_synth=n_synth, n_same=n_same, cache_dir=cache, settings=settings,
        command=" ".join(argv), handwritten=handwritten, progress=progress,
    )
    if out_file is None:
        from importlib import resources

        out_file = Path(str(resources.files("retold").joinpath("data", "decision.json")))
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(model.to_json(), encoding="utf-8")
    click.echo(f"wrote {out_file} ({summary})", err=True)
