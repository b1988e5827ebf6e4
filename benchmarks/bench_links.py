"""Throughput of the whole `mentor-guide check-links` process against a loopback server with 100 ms latency.

Run: python benchmarks/bench_links.py   (writes its section of benchmarks/RESULTS.md)

One server (32 listening sockets in this process, on 127.0.0.1–127.0.0.32 — loopback only) answers
every request after 100 ms. A synthetic dataset spreads N URLs over the 32 addresses, so the
per-host cap (2) does not bind. Each run is a fresh `python -m pipeline check-links` subprocess,
timed from start to exit (interpreter start, imports, history and reports included) and compared
with the ideal N × latency / concurrency. A bare loop of `requests` calls on threads is timed the
same way, as the floor this machine allows. No network is used: the real guide's URLs are not
checked here.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import machine_line, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LATENCY = 0.1
HOSTS = [f"127.0.0.{n}" for n in range(1, 33)]
SIZES = (1000, 3000)
CONCURRENCY = (16, 32)
TARGET = 0.85

BARE_LOOP = r"""
import csv, queue, sys, threading, requests
urls = [row["url"] for row in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))]
work = queue.SimpleQueue()
for url in urls:
    work.put(url)
def worker():
    session = requests.Session()
    while True:
        try:
            url = work.get_nowait()
        except queue.Empty:
            return
        session.head(url, timeout=10).close()
threads = [threading.Thread(target=worker) for _ in range(int(sys.argv[2]))]
for t in threads: t.start()
for t in threads: t.join()
"""


class Seen:
    """What the server saw: requests, and the most requests in flight per host."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.in_flight: Counter[str] = Counter()
        self.max_in_flight: Counter[str] = Counter()

    def reset(self) -> None:
        with self.lock:
            self.requests = 0
            self.max_in_flight.clear()


def serve(seen: Seen) -> list[ThreadingHTTPServer]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_HEAD(self):
            host = self.connection.getsockname()[0]
            with seen.lock:
                seen.requests += 1
                seen.in_flight[host] += 1
                seen.max_in_flight[host] = max(seen.max_in_flight[host], seen.in_flight[host])
            time.sleep(LATENCY)
            with seen.lock:
                seen.in_flight[host] -= 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD

    servers = []
    for host in HOSTS:
        server = ThreadingHTTPServer((host, 0), Handler)
        server.daemon_threads = True
        server.request_queue_size = 256
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def write_dataset(path: Path, servers: list[ThreadingHTTPServer], n: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(["id", "section", "type", "title", "url"])
        for i in range(n):
            host, port = servers[i % len(servers)].server_address[:2]
            writer.writerow([f"r{i}", "Websites", "website", f"Resource {i}", f"http://{host}:{port}/page/{i}"])


def timed(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of one subprocess."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage, not all children's
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024, process.returncode


def import_time(modules: str) -> float:
    """Best of 5: seconds for a fresh interpreter to import `modules` and exit."""
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {modules}"], cwd=ROOT, check=True)
        runs.append(time.perf_counter() - started)
    return min(runs)


def main() -> None:
    seen = Seen()
    servers = serve(seen)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in SIZES:
            dataset = tmp / f"resources-{n}.csv"
            write_dataset(dataset, servers, n)
            for concurrency in CONCURRENCY:
                ideal = n * LATENCY / concurrency
                for label, command in (
                    ("check-links", [sys.executable, "-m", "pipeline", "check-links", "-q", "--dataset", str(dataset),
                                     "--out", str(tmp / "out"), "--history", str(tmp / f"history-{n}-{concurrency}.sqlite"),
                                     "--status", str(tmp / "status.json"), "--concurrency", str(concurrency),
                                     "--per-host", "2", "--fail-on", "never"]),
                    ("bare requests loop", [sys.executable, "-c", BARE_LOOP, str(dataset), str(concurrency)]),
                ):  # fmt: skip
                    seen.reset()
                    wall, rss, _ = timed(command)
                    row = dict(label=label, n=n, concurrency=concurrency, wall=wall, ideal=ideal, ratio=ideal / wall,
                               rps=seen.requests / wall, requests=seen.requests,
                               per_host=max(seen.max_in_flight.values()), rss=rss)  # fmt: skip
                    rows.append(row)
                    print(f"{label:19} N={n:5} c={concurrency:2}: {wall:6.2f} s (ideal {ideal:5.2f} s, "
                          f"{row['ratio']:.2f} of ideal), {row['rps']:5.0f} req/s, "
                          f"max {row['per_host']} per host, peak RSS {rss:.0f} MB", flush=True)  # fmt: skip
    for server in servers:
        server.shutdown()
    imports = (import_time("pipeline.cli"), import_time("pipeline.linkcheck.run, pipeline.linkcheck.report, requests"))
    print(f"start-up: import pipeline.cli {imports[0]:.2f} s, the check-links modules alone {imports[1]:.2f} s")
    report(rows, imports)


def report(rows: list[dict], imports: tuple[float, float]) -> None:
    table = ["| command | N | concurrency | wall (s) | ideal (s) | of ideal | requests/s | max in flight per host | peak RSS (MB) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for r in rows:
        table.append(f"| {r['label']} | {r['n']:,} | {r['concurrency']} | {r['wall']:.2f} | {r['ideal']:.2f} | "
                     f"{r['ratio']:.2f} | {r['rps']:.0f} | {r['per_host']} | {r['rss']:.0f} |")  # fmt: skip
    checks = [r for r in rows if r["label"] == "check-links" and r["n"] == max(SIZES)]
    verdict = "met" if all(r["ratio"] >= TARGET for r in checks) else "NOT met"
    body = f"""
{machine_line()}

`python benchmarks/bench_links.py`: the whole `mentor-guide check-links` process (a fresh
subprocess: interpreter start, imports, reading the dataset, history, reports) on synthetic datasets
of N URLs spread over 32 loopback addresses (127.0.0.1–127.0.0.32), every request answered after
{LATENCY * 1000:.0f} ms by one threaded server in the benchmark process; `--per-host 2`. "Ideal" is
N × latency / concurrency; "of ideal" is ideal / wall. The bare loop (HEAD requests from threads
sharing a queue, one `requests.Session` each, nothing else) is the floor this machine allows.
Peak RSS is the subprocess's own maximum resident set.

{chr(10).join(table)}

Target (N = {max(SIZES):,}, whole process, at least {TARGET} of ideal at concurrency 16 and 32): **{verdict}**.

Where the gap to the bare loop goes: a fresh interpreter takes {imports[0]:.2f} s to `import pipeline.cli`
and {imports[1]:.2f} s to import the check-links modules and `requests` (`check-links` never loads
pandas, pandera or WeasyPrint: the CLI imports the build's modules only in `build` and `validate`).
The rest is the history (one SQLite commit per result, in the main thread) and the reports,
written after the last check.

The real guide's URLs are not measured here: this machine has no network access, and the
benchmark never leaves loopback. On a machine with network, `time mentor-guide check-links`
after `mentor-guide build` gives that figure.
"""
    write_section("Link check (`bench_links.py`)", body)


if __name__ == "__main__":
    main()
