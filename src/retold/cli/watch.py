"""``retold watch DB SOURCES…``: report each new article's sources and copies as it arrives.

Parses options, builds Settings, runs :class:`retold.stream.Watcher`; JSON lines to stdout (or
``--output``), progress and errors to stderr. SIGTERM and Ctrl-C stop after the current article.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import click

from retold.cli.common import build_settings, settings_options


@click.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.argument("sources", nargs=-1, required=True)
@click.option("--once", is_flag=True, help="One pass over every source, then exit (for cron).")
@click.option("--output", "output_path", type=click.Path(dir_okay=False),
              help="Append the JSON lines to this file instead of stdout.")
@click.option("--interval", type=float, help="Seconds between two polls of a feed (stream.poll_interval_s).")
@click.option("--all", "include_all", is_flag=True, help="Also list candidates that turned out same-story or unrelated.")
@click.option("--max-seconds", type=float, help="Stop after this long (a bounded run).")
@click.option("--quiet", is_flag=True, help="No summary line on stderr at exit.")
@settings_options
def watch(db: str, sources: tuple[str, ...], once: bool, output_path: str | None, interval: float | None,
          include_all: bool, max_seconds: float | None, quiet: bool, config_path: str | None, embedder: str | None,
          lexical_only: bool) -> None:
    """Watch SOURCES (RSS/Atom URLs, folders, - for JSON Lines on stdin) and add every new article
    to DB, printing one JSON line per article with its sources, copies and passages.

    State (seen GUIDs, validators, the queue) lives in DB: a restart resumes where it stopped,
    and a killed run neither loses an article nor reports one twice (with --output, or stdout
    redirected to a file; on a pipe, dedup by the line's "seq").
    """
    from retold.store import Store, settings_for_store
    from retold.stream import LineSink, Watcher, open_sources

    settings = build_settings(config_path, embedder, lexical_only)
    if config_path is None and embedder is None and Path(db).exists():
        with Store(db, create=False) as probe:
            if probe.signature:
                settings = settings_for_store(probe.signature, settings)
    if interval is not None:
        settings = settings.replace(stream={"poll_interval_s": interval})
    if settings.embed.threads == 0:
        # One article at a time means batches of one lead and ~20 sentences, where more torch
        # threads only spin: on the shared 2-core machine a MiniLM lead took 42 ms with 1 thread
        # and 420 ms with 2. RETOLD_EMBED__THREADS=N still chooses.
        settings = settings.replace(embed={"threads": 1})
    srcs = open_sources(list(sources), settings=settings, stdin=sys.stdin.buffer)
    sink = LineSink.for_file(output_path) if output_path else LineSink.for_stdout()
    with Store(db, settings=settings) as store:
        watcher = Watcher(store, srcs, settings=settings, sink=sink, include_all=include_all,
                          log=lambda m: click.echo(m, err=True))

        def stop(signum: int, frame: Any) -> None:
            watcher.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            summary = watcher.run(once=once, max_seconds=max_seconds)
        finally:
            watcher.close()
            if output_path:
                sink.stream.close()
    if not quiet:
        d = summary.to_dict()
        click.echo(f"watch: {d['reported']} reported, {d['duplicates']} duplicates, {d['rejected']} rejected, "
                   f"{d['failed']} failed, {d['polls']} polls in {d['seconds']:.1f} s", err=True)
