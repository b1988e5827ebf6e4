"""Loopback fakes of the four services `find` asks, replaying recorded answers (tests/fixtures/find/).

One server on 127.0.0.1 plays every service under its own path: `/crossref` (Crossref's REST API),
`/openlibrary`, `/pubmed` (NCBI E-utilities) and `/archive` (the Wayback availability API); point
`find` at them with `bases()`. Every request is logged (path, query, headers, time). Unless a rule
says otherwise each answers as the real service does when it knows nothing: an empty list of works,
no documents, an empty id list, no snapshot, 404 for an unknown DOI or ISBN.

A `Rule` answers the requests whose path starts with `path` and whose decoded query contains `has`:
with `body` (a fixture's name or bytes), a status, headers, a delay, and for how many requests
(`times`, then the next rule or the default applies).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "find"
EMPTY = {
    "/crossref": {
        "status": "ok",
        "message-type": "work-list",
        "message-version": "1.0.0",
        "message": {"facets": {}, "total-results": 0, "items": [], "items-per-page": 5, "query": {"start-index": 0}},
    },
    "/openlibrary/search.json": {"numFound": 0, "start": 0, "numFoundExact": True, "docs": [], "num_found": 0},
    "/pubmed/esearch.fcgi": {
        "header": {"type": "esearch", "version": "0.3"},
        "esearchresult": {"count": "0", "retmax": "0", "retstart": "0", "idlist": [], "translationset": []},
    },
    "/archive": {"url": "", "archived_snapshots": {}},
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Rule:
    path: str
    body: str | bytes | dict = b""
    has: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0  # seconds between the bytes of the body (0: sent at once)
    times: int | None = None  # None: every matching request

    def payload(self) -> bytes:
        if isinstance(self.body, dict):
            return json.dumps(self.body).encode()
        if isinstance(self.body, str):
            return fixture(self.body)
        return self.body


@dataclass(frozen=True)
class Seen:
    path: str
    query: str  # decoded
    headers: dict[str, str]
    at: float


class FakeScholar:
    def __init__(self, rules: list[Rule] | None = None):
        self.rules = list(rules or [])
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = unquote_plus(parts.query)
                with fake.lock:
                    fake.seen.append(Seen(parts.path, query, dict(self.headers), time.monotonic()))
                    rule = fake.pick(parts.path, query)
                if rule is None:
                    return self.default(parts.path)
                if rule.delay:
                    time.sleep(rule.delay)
                self.reply(rule.status, rule.payload(), rule.headers, rule.drip)

            def default(self, path: str):
                if path.startswith("/crossref/works/"):  # an unknown DOI, as Crossref answers it
                    return self.reply(404, b"Resource not found.")
                for prefix, body in EMPTY.items():
                    if path.startswith(prefix):
                        return self.reply(200, json.dumps(body).encode())
                return self.reply(404, b'"not found"')

            def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None, drip: float = 0.0):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    for piece in [body[n : n + 1] for n in range(len(body))] if drip else [body]:
                        self.wfile.write(piece)
                        self.wfile.flush()
                        time.sleep(drip)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    def pick(self, path: str, query: str) -> Rule | None:
        for rule in self.rules:
            if path.startswith(rule.path) and rule.has in query and rule.times != 0:
                if rule.times is not None:
                    rule.times -= 1
                return rule
        return None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def bases(self) -> dict[str, str]:
        return {name: f"{self.url}/{name}" for name in ("crossref", "openlibrary", "pubmed", "archive")}

    def requests_to(self, prefix: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path.startswith(prefix)]

    def __enter__(self) -> FakeScholar:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
