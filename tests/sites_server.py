"""Loopback sites for the soft-404 and https-upgrade tests: each kind of site on a port of its own.

Every site answers `/real` with a real article (whose text says "not found", as articles about
broken links do); what differs is how each answers an address that does not exist. Nothing here
reaches the internet.
"""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = (
    "<!DOCTYPE html><html><head><title>Mentoring across distance | Example College</title></head><body>"
    "<h1>Mentoring across distance</h1><p>When the page you want is not found, ask a librarian. "
    "A 404 Not Found error means the address is wrong.</p>"
    + "<p>Regular meetings help mentors and mentees keep in touch.</p>" * 40
    + "</body></html>"
)
HOME = (
    "<!DOCTYPE html><html><head><title>Example College</title></head><body><h1>Welcome</h1>"
    + "<p>News of the college.</p>" * 30
    + "</body></html>"
)
NOT_FOUND = (
    "<!DOCTYPE html><html><head><title>Page Not Found | Example College</title></head><body>"
    "<h1>Sorry</h1><p>We could not find {path}.</p></body></html>"
)
GENERIC = (
    "<!DOCTYPE html><html><head><title>Example College</title></head><body><h1>Example College</h1>"
    "<p>There is nothing at {path}.</p>" + "<p>Links to our departments.</p>" * 20 + "</body></html>"
)
PARKED = (
    "<!DOCTYPE html><html><head><title>parked-site.test</title></head><body><h1>This domain is for sale</h1>"
    "<p>Make an offer today.</p></body></html>"
)


def html(page: str, path: str) -> bytes:
    return page.replace("{path}", path).encode()


def honest(path: str):
    """Missing addresses get a real 404; one removed page is a "Page not found" page sent with 200."""
    if path == "/real":
        return 200, html(ARTICLE, path), None
    if path == "/removed":
        return 200, html(NOT_FOUND, path), None
    return 404, html(NOT_FOUND, path), None


def home_redirect(path: str):
    """Every missing address is sent to the home page."""
    if path == "/":
        return 200, html(HOME, path), None
    if path == "/real":
        return 200, html(ARTICLE, path), None
    return 302, b"", "/"


def catch_all(path: str):
    """Every missing address answers 200 with the same generic page (which names the address asked for)."""
    if path == "/real":
        return 200, html(ARTICLE, path), None
    return 200, html(GENERIC, path), None


def parked(path: str):
    return 200, html(PARKED, path), None


def troubled(path: str):
    """A real page, and a server in trouble for anything else."""
    if path == "/real":
        return 200, html(ARTICLE, path), None
    return 503, html(GENERIC, path), None


KINDS = {
    "honest": honest,
    "home-redirect": home_redirect,
    "catch-all": catch_all,
    "parked": parked,
    "troubled": troubled,
}


class Sites:
    """One server per kind of site on 127.0.0.1; `url(kind, path)` builds an address; `tls` serves HTTPS."""

    def __init__(self, kinds=KINDS, tls: ssl.SSLContext | None = None, pages: dict | None = None):
        self.servers = {}
        for kind, answer in kinds.items():
            handler = type("Handler", (SiteHandler,), {"answer_for": staticmethod(answer)})
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            server.daemon_threads = True
            server.paths = []  # every path asked for, in order
            if tls is not None:
                server.socket = tls.wrap_socket(server.socket, server_side=True)
            self.servers[kind] = server

    def url(self, kind: str, path: str, scheme: str = "http") -> str:
        host, port = self.servers[kind].server_address[:2]
        return f"{scheme}://{host}:{port}{path}"

    def asked(self, kind: str) -> list[str]:
        """The paths the site of `kind` was asked for so far."""
        return list(self.servers[kind].paths)

    def port(self, kind: str) -> int:
        return self.servers[kind].server_address[1]

    def __enter__(self) -> Sites:
        for server in self.servers.values():
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        code, body, location = self.answer_for(self.path.split("?")[0])
        self.send_response(code)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
