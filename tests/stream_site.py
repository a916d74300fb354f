"""A real HTTP server on 127.0.0.1 for the stream tests: feeds and article pages that change over time.

``Site`` serves whatever its ``pages`` hold (path -> Page), answers conditional GETs of pages that
have an ETag with 304, and records every request (path, status, headers) so tests can count 304s.
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_A = (ROOT / "examples" / "000_f1f864ec94766fbf.txt").read_text(encoding="utf-8")
SEED_B = (ROOT / "examples" / "001_fa24727afca519d2.txt").read_text(encoding="utf-8")


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: bool = True
    # No Content-Length (the body streams until the connection closes): the client's cap must count bytes.
    chunked: bool = False
    # Seconds between 100-byte pieces of the body (a server that drips it).
    drip_s: float = 0.0
    # Seconds before answering at all (a slow site).
    delay_s: float = 0.0


@dataclass
class Hit:
    path: str
    status: int
    headers: dict[str, str]
    started: float = 0.0  # time.monotonic() when the request arrived


@dataclass
class Site:
    pages: dict[str, Page] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, path: str, page: Page) -> str:
        with self._lock:
            self.pages[path] = page
        return self.url + path

    def count(self, path: str, status: int | None = None) -> int:
        with self._lock:
            return sum(1 for h in self.hits if h.path == path and (status is None or h.status == status))


def article_html(title: str, text: str, *, date: str = "2026-03-01") -> bytes:
    paras = "".join(f"<p>{html.escape(p.strip())}</p>\n" for p in text.split("\n") if p.strip())
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<meta property='article:published_time' content='{date}'></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>\n{paras}</article>"
        f"<footer>Copyright the outlet</footer></body></html>"
    ).encode()


def rss(title: str, base: str, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed; ``items`` are (guid, path, title)."""
    out = [f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{html.escape(title)}</title>"
           f"<link>{base}/</link><description>test feed</description>"]
    for k, (guid, path, t) in enumerate(items):
        out.append(f"<item><title>{html.escape(t)}</title><link>{base}{path}</link><guid>{html.escape(guid)}</guid>"
                   f"<pubDate>{formatdate(1772352000 + 3600 * k, usegmt=True)}</pubDate></item>")
    out.append("</channel></rss>")
    return "".join(out).encode()


def atom(title: str, base: str, items: list[tuple[str, str, str]]) -> bytes:
    out = [f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
           f"<title>{html.escape(title)}</title><id>{base}/atom</id><updated>2026-03-01T00:00:00Z</updated>"]
    for guid, path, t in items:
        out.append(f"<entry><title>{html.escape(t)}</title><id>{html.escape(guid)}</id>"
                   f"<link href='{base}{path}'/><updated>2026-03-02T10:00:00Z</updated></entry>")
    out.append("</feed>")
    return "".join(out).encode()


def start(site: Site) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with site._lock:
                page = site.pages.get(path)
            headers = {k: v for k, v in self.headers.items()}
            started = time.monotonic()
            if page is not None and page.delay_s:
                time.sleep(page.delay_s)
            if page is None:
                status, body, ctype, etag = 404, b"not found", "text/plain", None
            else:
                status, body, ctype = page.status, page.body, page.content_type
                etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"' if page.etag and status == 200 else None
                if etag and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
            with site._lock:
                site.hits.append(Hit(path, status, headers, started))
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", ctype)
            if etag:
                self.send_header("ETag", etag)
            if page is not None and page.chunked:
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                try:
                    if page is not None and page.drip_s:
                        for k in range(0, len(body), 100):
                            self.wfile.write(body[k : k + 100])
                            self.wfile.flush()
                            time.sleep(page.drip_s)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that hangs up early (the size cap) is expected

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="stream-site", daemon=True)
    thread.start()
    return server, thread


UNRELATED = [
    ("Council approves new cycle lanes",
     "The city council voted on Tuesday to build twelve kilometres of protected cycle lanes across the centre.\n"
     "Councillors said the scheme would cost 14 million pounds and take two years to complete.\n"
     "Local shop owners raised concerns about the loss of parking spaces on the high street.\n"
     "The transport committee will publish a detailed timetable for the works next month."),
    ("Storm closes mountain passes",
     "Heavy snow forced the closure of three mountain passes in the north of the country overnight.\n"
     "Emergency services rescued a group of hikers stranded near a shelter at two thousand metres.\n"
     "Forecasters expect the storm to weaken by Thursday, although avalanche warnings remain in place.\n"
     "Ski resorts in the region said they would reopen once the roads had been cleared."),
    ("Museum returns ancient bronze statues",
     "A national museum has agreed to return a collection of bronze statues to the country they came from.\n"
     "Researchers established last year that the pieces had been removed illegally in the nineteenth century.\n"
     "The director said the return marked a new chapter in cooperation between the two institutions.\n"
     "The statues will go on display in their home city after a ceremony in the spring."),
]
