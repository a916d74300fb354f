"""``retold serve [DB]``: the REST API and the web page, on uvicorn.

Binds to 127.0.0.1 by default; the page then accepts only ``localhost``/``127.0.0.1`` Host headers
(a guard against DNS rebinding). Writes need ``--token`` or ``RETOLD_TOKEN``.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from retold.cli.common import build_settings, settings_options
from retold.errors import StoreError
from retold.web.options import LOOPBACK_HOSTS, ServiceOptions


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.argument("db", required=False, type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind; keep loopback unless you need otherwise.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token", envvar="RETOLD_TOKEN", default=None, help="Bearer token for POST/DELETE /api/documents (or RETOLD_TOKEN).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Threads for compare and query work.")
@click.option("--max-body", "max_body", default=2 * 1024 * 1024, show_default=True, type=click.IntRange(1),
              help="Largest request body in bytes (413 beyond).")
@click.option("--max-docs", "max_docs", default=100, show_default=True, type=click.IntRange(1),
              help="Most documents in one POST /api/documents.")
@click.option("--timeout", "timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a compare or query may run before the request answers 503.")
@click.option("--processes/--threads", "processes", default=True, show_default=True,
              help="Run compares in worker processes killed at --timeout (their CPU is freed at once), "
                   "or in threads (a timed-out compare runs on in the background).")
@click.option("--max-per-client", "max_per_client", default=32, show_default=True, type=click.IntRange(1),
              help="Compares and queries one client address may have pending (429 beyond).")
@click.option("--header-timeout", "header_timeout", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a connection may take to send a request's headers before it is closed.")
@click.option("--create", is_flag=True,
              help="Create DB (empty) when it does not exist, so the service can be fed through POST /api/documents; "
                   "without it a missing DB is an error.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@settings_options
def serve(
    db: str | None,
    host: str,
    port: int,
    token: str | None,
    workers: int,
    max_body: int,
    max_docs: int,
    timeout: float,
    processes: bool,
    max_per_client: int,
    header_timeout: float,
    create: bool,
    log_level: str,
    config_path: str | None,
    embedder: str | None,
    lexical_only: bool,
) -> None:
    """Serve the REST API and the side-by-side page at http://HOST:PORT/ (API docs at /docs).

    DB is a store made by `retold add` (optional: without one, only compare works); with
    --create a DB that does not exist yet is created empty. The service uses the store's
    embedder unless --embedder or --config says otherwise.
    """
    import uvicorn

    from retold.web.app import create_app

    settings = build_settings(config_path, embedder, lexical_only)
    if db is not None and not Path(db).exists():
        if not create:
            raise StoreError(f"no store at {db}: pass --create to start with an empty one (fed through "
                             f"POST /api/documents), or make one with `retold add {db} FILES…`")
        from retold.store import Store

        with Store(db, settings=settings):
            pass
        click.echo(f"retold: created an empty store at {db}", err=True)
    loopback = _is_loopback(host)
    options = ServiceOptions(
        max_body_bytes=max_body,
        max_documents=max_docs,
        timeout_s=timeout,
        workers=workers,
        processes=processes,
        max_per_client=max_per_client,
        header_timeout_s=header_timeout,
        token=token or None,
        allowed_hosts=(*LOOPBACK_HOSTS, "[::1]") if loopback else None,
    )
    if not loopback:
        click.echo(f"warning: listening on {host}, reachable from other machines; the API has no TLS", err=True)
    app = create_app(db, settings=settings, options=options, strict_settings=bool(embedder or config_path))
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"retold: serving on http://{shown}:{port}/ (API docs at /docs); Ctrl-C stops", err=True)
    from retold.web.server import header_timeout_protocol

    uvicorn.run(app, host=host, port=port, log_level=log_level, timeout_keep_alive=5, server_header=False,
                http=header_timeout_protocol(header_timeout))  # type: ignore[arg-type]
