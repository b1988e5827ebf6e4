"""A scripted HTTP server on loopback for the link-check tests: every case of the issue is a path.

It counts requests per path and method, and the largest number of requests in flight per Host, so
tests can assert retries, de-duplication and the per-host cap. Nothing here reaches the internet.
"""

from __future__ import annotations

import csv
import socket
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FAST = ("--timeout", "0.5", "--deadline", "2", "--retries", "0", "-q", "--no-archive")  # never the real archive


def write_dataset(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A dataset as `build` writes it: UTF-8 with BOM, CRLF, the columns the checker reads and more."""
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(["id", "section", "type", "title", "url", "doi"])
        for id_, section, title, url in rows:
            writer.writerow([id_, section, "article", title, url, ""])
    return path


class State:
    """What the server saw, shared by every address it listens on."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: Counter[tuple[str, str]] = Counter()  # (method, path) → count
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()  # Host header → most requests at once
        self.max_in_flight_total = 0  # most requests at once over every host
        self.toggles: dict[str, int] = {}  # path → status it answers now (for history tests)
        self.sent: Counter[str] = Counter()  # path → body bytes the server managed to send
        self.slow = 0.1  # seconds of /slowish, and how long /slow outlasts the client's timeout
        self.drip_every = 1.0  # seconds between the bytes of /drip-headers
        self.locations: dict[str, str] = {}  # path → the Location header /redirect/... answers with (301)
        self.proxied: list[str] = []  # addresses it was asked for as a proxy

    def count(self, method: str, path: str) -> int:
        with self.lock:
            self.requests[(method, path)] += 1
            return self.requests[(method, path)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    state: State

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self.handle_any("HEAD")

    def do_GET(self) -> None:
        self.handle_any("GET")

    def handle_any(self, method: str) -> None:
        state, host = self.state, self.headers.get("Host", "")
        with state.lock:
            state.in_flight[host] += 1
            state.max_in_flight[host] = max(state.max_in_flight[host], state.in_flight[host])
            state.max_in_flight_total = max(state.max_in_flight_total, state.in_flight.total())
        path = self.path
        if path.startswith("http://"):  # a request sent to a proxy names the whole address: serve it as its path
            state.proxied.append(path)
            path = "/" + path.split("/", 3)[3]
        try:
            self.route(method, path.split("?")[0], state.count(method, path))
        finally:
            with state.lock:
                state.in_flight[host] -= 1

    def answer(self, code: int, headers: dict | None = None, body: bytes = b"") -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, code: int, location: str) -> None:
        self.answer(code, {"Location": location}, b"moved")

    def route(self, method: str, path: str, nth: int) -> None:  # one branch per case of the issue
        head = method == "HEAD"
        if path in ("/ok", "/dup"):
            return self.answer(200, {"Content-Type": "text/html"}, b"<p>fine</p>")
        if path == "/slowish":
            time.sleep(self.state.slow)
            return self.answer(200)
        if path == "/moved301":
            return self.redirect(301, "/ok")
        if path == "/moved308":
            return self.redirect(308, "/ok")
        if path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            return self.redirect(302, f"/chain/{left - 1}" if left > 1 else "/ok")
        if path == "/cookie-wall":  # many publishers: set a session cookie, send the reader back to the same page
            if "visited=1" in self.headers.get("Cookie", ""):
                return self.answer(200, {"Content-Type": "text/html"}, b"<p>the article</p>")
            return self.answer(302, {"Location": "/cookie-wall", "Set-Cookie": "visited=1; Path=/"}, b"moved")
        if path == "/loop/a":
            return self.redirect(302, "/loop/b")
        if path == "/loop/b":
            return self.redirect(302, "/loop/a")
        if path == "/to-404":
            return self.redirect(302, "/missing")
        if path == "/missing":
            return self.answer(404, body=b"not here")
        if path == "/gone":
            return self.answer(410)
        if path == "/flaky500":  # HEAD refused so every attempt is one GET: the GET count is the attempt count
            return self.answer(405) if head else self.answer(500 if nth == 1 else 200)
        if path == "/always503":
            return self.answer(503)
        if path == "/ratelimited":
            return self.answer(429, {"Retry-After": "1"}) if nth == 1 else self.answer(200)
        if path == "/head405":
            return self.answer(405 if head else 200)
        if path == "/head404":
            return self.answer(404 if head else 200)
        if path == "/forbidden":
            return self.answer(403)
        if path == "/slow":
            time.sleep(self.state.slow)
            return self.answer(200)
        if path == "/drip":
            return self.answer(405) if head else self.drip(100, 0.2)
        if path == "/huge":
            return self.answer(405) if head else self.huge()
        if path == "/close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if path.startswith("/toggle"):
            return self.answer(self.state.toggles.get(path, 200))
        if path.startswith("/redirect/"):
            return self.redirect(301, self.state.locations[path])
        if path == "/drip-headers":
            return self.drip_headers(self.state.drip_every)
        if path == "/drip-after-status":  # the status line at once, then the headers one byte at a time
            return self.drip_headers(self.state.drip_every, at_once=len(b"HTTP/1.1 200 OK\r\n"))
        if path == "/drip-html":  # an HTML page whose body comes one byte at a time
            return self.drip(200, 0.2, {"Content-Type": "text/html"})
        if path.startswith("/!"):  # where a hostile Location header leads: a page, so the check follows it to the end
            return self.answer(200)
        return self.answer(404)

    def drip(self, length: int, every: float, headers: dict | None = None) -> None:
        """Headers at once, then one byte of body every `every` seconds."""
        self.send_response(200)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.flush()
        try:
            for _ in range(length):
                time.sleep(every)
                self.wfile.write(b"x")
                self.wfile.flush()
                self.state.sent[self.path] += 1
        except OSError:  # the client hung up, as it should
            self.close_connection = True

    def drip_headers(self, every: float, at_once: int = 0) -> None:
        """The status line and headers one byte every `every` seconds (after the first `at_once` bytes):
        each read is quick, the whole is not."""
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"x" * 40 + b"\r\nContent-Length: 0\r\n\r\n"
        )
        self.close_connection = True
        try:
            self.wfile.write(head[:at_once])
            for byte in head[at_once:]:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                self.state.sent["/drip-headers"] += 1
                time.sleep(every)
        except OSError:  # the client hung up, as it should
            pass

    def huge(self) -> None:
        """Announce 2 GB, then send as fast as the client reads, stopping after 64 MB at most."""
        self.send_response(200)
        self.send_header("Content-Length", str(2_000_000_000))
        self.end_headers()
        chunk = b"\0" * 65536
        try:
            for _ in range(1024):
                self.wfile.write(chunk)
                self.state.sent["/huge"] += len(chunk)
        except OSError:
            pass
        self.close_connection = True


class QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (as the checker does once it has what it needs) is not news."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LinksServer:
    """Serves the cases on each of `addresses` (loopback), one port each; `url(path)` builds a URL."""

    def __init__(self, addresses=("127.0.0.1",)):
        self.state = State()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.servers = []
        for address in addresses:
            server = QuietServer((address, 0), handler)
            self.servers.append(server)
        self.threads = [
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            for server in self.servers
        ]

    def __enter__(self) -> LinksServer:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def url(self, path: str, n: int = 0) -> str:
        host, port = self.servers[n].server_address[:2]
        return f"http://{host}:{port}{path}"


def unused_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BlackHole:
    """A TCP port on `address` where connections are never accepted and new ones time out (a full listen
    queue drops their SYNs), as on a network that silently drops packets. No server ever answers."""

    def __init__(self, address: str):
        self.listener = socket.socket()
        self.listener.bind((address, 0))
        self.listener.listen(0)
        self.filler = socket.create_connection(self.listener.getsockname(), timeout=1)  # fills the queue
        self.url = f"http://{address}:{self.listener.getsockname()[1]}/"

    def close(self) -> None:
        self.filler.close()
        self.listener.close()
