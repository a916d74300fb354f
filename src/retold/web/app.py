"""``create_app()``: the REST API, the page at ``/`` and offline API docs at ``/docs``.

Routes (all JSON):

=======================  ===========================================================  =======
route                    does                                                         auth
=======================  ===========================================================  =======
POST /api/compare        ``{"a": A, "b": B}`` → the compare JSON contract              –
POST /api/query          one article against the store → ranked matches               –
GET  /api/documents/ID   one stored document, with its text                           –
POST /api/documents      add documents to the store (``?check=true``: and their hits)  bearer
GET  /api/events         server-sent events: each new article and its hits            –
DELETE /api/documents/ID remove one                                                   bearer
GET  /api/clusters       reprint clusters with dates, for the timeline                –
GET  /api/health         status, version, store size, embedder                        –
=======================  ===========================================================  =======

Errors map to statuses with the library's message as ``detail``: InputError 422, NotFoundError
404, SettingsMismatchError 409, other StoreError 503, overload and timeouts 503, body limits 413.

>>> from fastapi.testclient import TestClient
>>> from retold.config import Settings
>>> app = create_app(settings=Settings().replace(embed={"backend": "hash"}))
>>> with TestClient(app) as client:
...     client.get("/api/health").json()["status"]
'ok'
"""

from __future__ import annotations

import hmac
import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

import retold
from retold.config import Settings
from retold.embed import Embedder
from retold.errors import (
    DocumentTooLargeError,
    InputError,
    NotFoundError,
    RetoldError,
    SettingsMismatchError,
    StoreError,
)
from retold.ingest import unencodable
from retold.pipeline import Detector
from retold.report.json import to_dict
from retold.web.corpus import CorpusBackend, StoreCorpus, open_backend
from retold.web.events import add_event_routes
from retold.web.limits import LimitsMiddleware, SecurityHeadersMiddleware
from retold.web.options import ServiceOptions
from retold.web.processes import compare_job
from retold.web.schemas import AddRequest, CompareRequest, QueryRequest, to_document
from retold.web.workers import ClientOverloaded, JobTimeout, Overloaded, Workers

log = logging.getLogger("retold.web")

STATIC = Path(str(files("retold.web") / "static"))

_bearer = HTTPBearer(auto_error=False, description="The token given to `retold serve --token` or RETOLD_TOKEN.")


class _State:
    """What the routes share: settings, one detector, the pools and the optional corpus."""

    def __init__(
        self, settings: Settings, detector: Detector, options: ServiceOptions, corpus: CorpusBackend | None
    ) -> None:
        self.settings = settings
        self.detector = detector
        self.options = options
        self.corpus = corpus
        self.workers = _workers(options, settings, None)


def _workers(options: ServiceOptions, settings: Settings, embedder: Embedder | None) -> Workers:
    from retold.web.processes import ProcessPool

    procs = ProcessPool(options.workers, settings, embedder=embedder) if options.processes else None
    return Workers(workers=options.workers, max_pending=options.max_pending, timeout_s=options.timeout_s,
                   max_per_client=options.max_per_client, processes=procs)


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def create_app(
    db: str | Path | None = None,
    *,
    settings: Settings | None = None,
    options: ServiceOptions | None = None,
    embedder: Embedder | None = None,
    corpus: CorpusBackend | None = None,
    strict_settings: bool = False,
) -> FastAPI:
    """Build the service. ``db`` is a store path (None: compare only, the store routes answer 503).

    Args:
        db: path of a store made by ``retold add``. The service adopts the store's signature
            settings (its embedder, shingles, MinHash) unless ``strict_settings``.
        settings: pipeline settings (use ``embed={"backend": "hash"}`` for a fast, model-free service).
        options: limits, workers and the write token.
        embedder: an Embedder to use instead of the one ``settings`` names (tests, benchmarks).
        corpus: a ready CorpusBackend instead of ``db`` (tests).
        strict_settings: with ``db``, refuse a store built with other settings (SettingsMismatchError).
    """
    settings = settings or Settings()
    options = options or ServiceOptions()
    if corpus is None and db is not None:
        store = open_backend(db, settings=settings, strict=strict_settings)
        corpus, settings = store, store.settings
        detector = store.detector if embedder is None else Detector(settings, embedder=embedder)
    else:
        detector = Detector(settings, embedder=embedder)
    state = _State(settings, detector, options, corpus)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.workers = _workers(options, settings, embedder)
        # Load the model now (MiniLM: ~10 s of imports, loaded on its first encode) so the first
        # request does not pay for it. No request timeout: on a loaded machine the import and
        # load took over 30 s and start-up failed ("Application startup failed").
        await state.workers.run(lambda: detector.embedder.encode(["warm-up"]), timeout=False)
        if isinstance(state.corpus, StoreCorpus):
            await state.workers.run(lambda: state.corpus.doc_embedder().encode(["warm-up"]), timeout=False)  # type: ignore[union-attr]
        if state.workers.processes is not None:
            await state.workers.processes.start()  # each compare process loads and warms its own model
        try:
            yield
        finally:
            state.workers.shutdown()
            if state.corpus is not None:
                state.corpus.close()

    app = FastAPI(
        title="retold",
        version=retold.__version__,
        summary="Find news articles that reuse other articles, and show how they were changed.",
        lifespan=lifespan,
        docs_url=None,  # the stock pages load Swagger/ReDoc from a CDN; /docs is served locally below
        redoc_url=None,
    )
    app.state.retold = state
    app.add_middleware(LimitsMiddleware, max_body_bytes=options.max_body_bytes, body_timeout_s=options.body_timeout_s)
    if options.allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(options.allowed_hosts))
    app.add_middleware(SecurityHeadersMiddleware)
    _add_error_handlers(app)
    _add_api_routes(app)
    add_event_routes(app, backend_of=lambda r: _corpus(_state(r)), workers_of=lambda r: _state(r).workers)
    _add_page_routes(app)
    return app


def _dumps(obj: Any) -> bytes:
    """JSON bytes, made in the worker thread: FastAPI's own encoder costs ~4 ms per compare answer
    on the event loop, json.dumps ~0.5 ms off it."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a text (valid in a JSON request): escape it
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _public(store: dict[str, Any]) -> dict[str, Any]:
    """What /api/health may show anyone of the store: its file name, not its absolute path."""
    if "path" in store:
        store = {**store, "path": Path(str(store["path"])).name}
    return store


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _state(request: Request) -> _State:
    state: _State = request.app.state.retold
    return state


def _corpus(state: _State) -> CorpusBackend:
    if state.corpus is None:
        raise HTTPException(
            503, "no store is open: start the service with a store, e.g. `retold serve corpus.db` (make one with `retold add`)"
        )
    return state.corpus


def _require_token(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    token = _state(request).options.token
    if token is None:
        raise HTTPException(403, "writes are disabled: start the service with --token or RETOLD_TOKEN to allow them")
    if creds is None or creds.scheme.lower() != "bearer":
        raise HTTPException(401, "send the write token as `Authorization: Bearer <token>`",
                            headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(creds.credentials.encode(), token.encode()):
        raise HTTPException(403, "wrong token")


def _add_error_handlers(app: FastAPI) -> None:
    def handler(status: int, headers: dict[str, str] | None = None) -> Any:
        async def handle(request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)

        return handle

    app.add_exception_handler(DocumentTooLargeError, handler(413))
    app.add_exception_handler(InputError, handler(422))
    app.add_exception_handler(NotFoundError, handler(404))
    app.add_exception_handler(SettingsMismatchError, handler(409))
    app.add_exception_handler(StoreError, handler(503))

    async def overloaded(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": "the service is busy: too many requests are queued; retry in a second"},
            status_code=503,
            headers={"Retry-After": "1"},
        )

    async def timed_out(request: Request, exc: Exception) -> JSONResponse:
        seconds = exc.seconds if isinstance(exc, JobTimeout) else 0
        return JSONResponse(
            {"detail": f"the work took longer than {seconds:g} s; send shorter texts or start with a larger --timeout"},
            status_code=503,
        )

    async def other(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    async def store_busy(request: Request, exc: Exception) -> JSONResponse:
        # SQLite waited its busy timeout (30 s) for a lock another process (e.g. `retold add`) holds.
        return JSONResponse(
            {"detail": f"the store is busy ({exc}): another process, such as `retold add`, holds its write lock; "
                       "retry in a few seconds"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    async def client_overloaded(request: Request, exc: Exception) -> JSONResponse:
        most = _state(request).workers.max_per_client
        return JSONResponse(
            {"detail": f"too many compares and queries from this client at once (at most {most} pending); "
                       "wait for some to finish, or retry in a second"},
            status_code=429,
            headers={"Retry-After": "1"},
        )

    app.add_exception_handler(ClientOverloaded, client_overloaded)
    app.add_exception_handler(Overloaded, overloaded)
    app.add_exception_handler(sqlite3.OperationalError, store_busy)
    app.add_exception_handler(JobTimeout, timed_out)
    app.add_exception_handler(RetoldError, other)


def _add_api_routes(app: FastAPI) -> None:
    @app.get("/api/health", tags=["service"])
    async def health(request: Request) -> dict[str, Any]:
        """Liveness and what the service runs with. Answers from the event loop, never queued."""
        state = _state(request)
        return {
            "status": "ok",
            "version": retold.__version__,
            "embedder": state.detector.embedder.name,
            "store": _public(state.corpus.describe()) if state.corpus is not None else None,
            "writes": state.options.allows_writes,
            "pending": state.workers.pending,
            "pending_by_pool": state.workers.pending_by_pool(),
            "limits": {
                "max_body_bytes": state.options.max_body_bytes,
                "max_documents": state.options.max_documents,
                "timeout_s": state.options.timeout_s,
                "max_document_chars": state.settings.ingest.max_document_chars,
            },
        }

    @app.post("/api/compare", tags=["compare"], response_class=JSONResponse)
    async def compare(
        body: CompareRequest,
        request: Request,
        include_text: Annotated[bool, Query(description="Add the passage and document texts.")] = False,
    ) -> Response:
        """Compare two articles: the same JSON as `retold compare --json` (see docs/json.md)."""
        state = _state(request)
        limit = state.settings.ingest.max_document_chars
        a = to_document(body.a, default_id="a", max_chars=limit)
        b = to_document(body.b, default_id="b", max_chars=limit)
        if state.workers.processes is not None:  # killed at the deadline: a timed-out compare frees its CPU
            heavy = len(a.text) + len(b.text) > state.options.heavy_chars
            return _json(await state.workers.run_isolated(compare_job, a, b, include_text, client=_client(request),
                                                          heavy=heavy))

        def work() -> bytes:
            return _dumps(to_dict(state.detector.compare(a, b), include_text=include_text))

        return _json(await state.workers.run(work, client=_client(request)))

    @app.post("/api/query", tags=["store"], response_class=JSONResponse)
    async def query(body: QueryRequest, request: Request) -> Response:
        """Check one article against the store: its sources and copies, best first (as `retold query --json`)."""
        state = _state(request)
        backend = _corpus(state)
        doc = to_document(body.document, default_id="query", max_chars=state.settings.ingest.max_document_chars)
        return _json(await state.workers.run(lambda: _dumps(backend.query(doc, body.top_k)), client=_client(request)))

    @app.get("/api/documents/{doc_id:path}", tags=["store"], response_class=JSONResponse)
    async def get_document(doc_id: str, request: Request) -> Response:
        """One stored document with its text and metadata."""
        state = _state(request)
        backend = _corpus(state)
        return _json(await state.workers.run(lambda: _dumps(backend.get_document(doc_id)), pool="io"))

    @app.post("/api/documents", tags=["store"], status_code=201, dependencies=[Depends(_require_token)])
    async def add_documents(
        body: AddRequest,
        request: Request,
        check: Annotated[bool, Query(description="Also check each document against the store before it "
                                                 "and return its hits (`results`), as `retold watch` does.")] = False,
    ) -> dict[str, Any]:
        """Add documents (bearer token). At most `--max-docs` per request; one writer at a time."""
        state = _state(request)
        n, most = len(body.documents), state.options.max_documents
        if n > most:
            raise HTTPException(413, f"{n} documents in one request; the limit is {most}: send them in batches")
        if n == 0:
            raise HTTPException(422, 'no documents: send {"documents": [{"id": ..., "text": ...}, ...]}')
        limit = state.settings.ingest.max_document_chars
        docs = [to_document(d, default_id=f"doc-{i}", max_chars=limit) for i, d in enumerate(body.documents)]
        for d in docs:  # SQLite refuses lone surrogates; say which document, before storing any
            problem = unencodable(d)
            if problem is not None:
                raise InputError(f"document {d.id!r}: {problem}")
        if check:
            return await state.workers.run(_corpus(state).add_and_check, docs, pool="write")
        return await state.workers.run(_corpus(state).add_documents, docs, pool="write")

    @app.delete("/api/documents/{doc_id:path}", tags=["store"], dependencies=[Depends(_require_token)])
    async def delete_document(doc_id: str, request: Request) -> dict[str, Any]:
        """Remove one document (bearer token)."""
        state = _state(request)
        return await state.workers.run(_corpus(state).delete_document, doc_id, pool="write")

    @app.get("/api/clusters", tags=["store"], response_class=JSONResponse)
    async def clusters(
        request: Request, limit: Annotated[int, Query(ge=1, le=10_000, description="Most clusters.")] = 200
    ) -> Response:
        """Reprint clusters: groups of documents that reuse one another, with dates for a timeline."""
        state = _state(request)
        backend = _corpus(state)
        return _json(await state.workers.run(lambda: _dumps(backend.clusters(limit)), pool="io"))


def _add_page_routes(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    async def docs() -> FileResponse:
        # A small local renderer of /openapi.json: works offline, unlike the stock Swagger UI page.
        return FileResponse(STATIC / "docs.html", headers={"Cache-Control": "no-cache"})

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> RedirectResponse:
        return RedirectResponse("/docs")
