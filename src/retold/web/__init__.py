"""The service: a REST API and a local web page over the library (FastAPI + uvicorn).

Layout::

    web/
      app.py        create_app(): routes, error mapping, the page and offline API docs
      schemas.py    request bodies (pydantic), turned into Documents
      limits.py     ASGI middleware: body size (413), body read timeout (408), security headers
      workers.py    CPU work off the event loop: bounded thread pools, timeouts, load shedding
      corpus.py     the one adapter between the service and retold.store / retold.corpus.archive
      static/       index.html, app.js, style.css, docs.html, docs.js (no CDN, works offline)

FastAPI is imported only here and in ``retold serve``; the core never imports this package.

>>> from retold.web import ServiceOptions
>>> ServiceOptions().max_body_bytes
2097152
"""

from __future__ import annotations

from retold.web.options import ServiceOptions

__all__ = ["ServiceOptions", "create_app"]


def __getattr__(name: str) -> object:
    # create_app pulls in FastAPI; import it on first use so ServiceOptions stays cheap.
    if name == "create_app":
        from retold.web.app import create_app

        return create_app
    raise AttributeError(name)
