"""A fake of the Internet Archive's availability API on loopback, for the link-check tests.

`/wayback/available?url=U` answers as the real API does: the closest snapshot of U if `snapshots`
has one, else an empty `archived_snapshots`. URLs containing "archive-500", "archive-slow" or
"archive-garbage" make it fail in that way. It counts the lookups of each URL.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeArchive:
    def __init__(self, snapshots: dict[str, str] | None = None):
        self.snapshots = dict(snapshots or {})  # url → timestamp
        self.lookups: Counter[str] = Counter()
        self.times: list[float] = []
        archive = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                url = parse_qs(parts.query).get("url", [""])[0]
                archive.lookups[url] += 1
                archive.times.append(time.monotonic())
                if parts.path != "/wayback/available" or "archive-500" in url:
                    return self.reply(500, b"oops")
                if "archive-slow" in url:
                    time.sleep(2)
                if "archive-garbage" in url:
                    return self.reply(200, b"<html>not json")
                closest = {}
                if url in archive.snapshots:
                    stamp = archive.snapshots[url]
                    closest = {
                        "closest": {
                            "status": "200",
                            "available": True,
                            "timestamp": stamp,
                            "url": f"http://web.archive.test/web/{stamp}/{url}",
                        }
                    }
                return self.reply(200, json.dumps({"url": url, "archived_snapshots": closest}).encode())

            def reply(self, code, body):
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeArchive:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
