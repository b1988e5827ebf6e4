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
                if "archive-deep" in url:  # nested 100,000 deep
                    return self.reply(200, b"[" * 100_000 + b"]" * 100_000)
                if "archive-truncated" in url:  # announces more than it sends, then hangs up
                    return self.reply(200, b'{"archived_snapshots": {"clo', length=5000)
                if "archive-bad-gzip" in url:
                    return self.reply(200, b"\x1f\x8b\x08\x00not gzip at all", {"Content-Encoding": "gzip"})
                if "archive-stall" in url:  # the headers, then nothing for a long while
                    return self.reply(200, b"{}", length=2, stall=30)
                if "archive-drip" in url:  # the body one byte every 0.2 s
                    return self.reply(200, b" " * 5000 + b"{}", drip=0.2)
                hostile = {
                    "archive-credentials": "http://keeper:secret@web.archive.test/web/{stamp}/{url}",
                    "archive-bidi": "http://web.archive.test/web/{stamp}/\u202egnp.exe",
                    "archive-control": "http://web.archive.test/web/{stamp}/\x1b[31mred",
                }
                for case, address in hostile.items():
                    if case in url:
                        closest = {"available": True, "status": "200", "timestamp": "20200102030405"}
                        closest["url"] = address.format(stamp=closest["timestamp"], url=url)
                        return self.reply(200, json.dumps({"archived_snapshots": {"closest": closest}}).encode())
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

            def reply(self, code, body, headers=None, length=None, stall=0.0, drip=0.0):
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(length or len(body)))
                    self.end_headers()
                    self.wfile.flush()
                    time.sleep(stall)
                    for start in range(0, len(body), 1 if drip else len(body) or 1):
                        self.wfile.write(body[start : start + (1 if drip else len(body))])
                        self.wfile.flush()
                        time.sleep(drip)
                except OSError:
                    pass
                if length:
                    self.close_connection = True

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
