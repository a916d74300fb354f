"""``retold compare A B``: one pair of articles."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from retold.cli.common import build_settings, read_input, settings_options
from retold.errors import InputError
from retold.pipeline import Detector


@click.command()
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract (docs/json.md).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False), help="Write a side-by-side HTML report.")
@click.option("--pan-xml", is_flag=True, help="Print PAN detection XML (b is the suspicious document).")
@click.option("--include-text", is_flag=True, help="With --json: add passage and document texts.")
@click.option("--encoding", help="Decode both files with this encoding instead of detecting it.")
@settings_options
def compare(
    a: str,
    b: str,
    as_json: bool,
    html_file: str | None,
    pan_xml: bool,
    include_text: bool,
    encoding: str | None,
    config_path: str | None,
    embedder: str | None,
    lexical_only: bool,
) -> None:
    """Compare two articles A and B (files, or - for stdin).

    Says whether one reuses the other, shows each reused passage with character offsets into both,
    how it was changed, what was added and dropped, and which article is the source.
    """
    if a == "-" and b == "-":
        raise InputError("only one of A and B can be - (stdin)")
    settings = build_settings(config_path, embedder, lexical_only)
    limit = settings.ingest.max_document_chars
    doc_a, shift_a = read_input(a, encoding=encoding, max_chars=limit)
    doc_b, shift_b = read_input(b, encoding=encoding, max_chars=limit)
    result = Detector(settings).compare(doc_a, doc_b)
    if html_file:
        from retold.report.html import render_html

        out = Path(html_file)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_html(result, title=f"retold: {doc_a.id} vs {doc_b.id}"), encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    if as_json:
        from retold.report.json import to_dict

        json.dump(to_dict(result, include_text=include_text), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif pan_xml:
        from retold.report.pan import detections_xml

        sys.stdout.write(detections_xml(result, this_shift=shift_b, source_shift=shift_a))
    elif not html_file:
        from retold.report.text import print_report

        print_report(result)
