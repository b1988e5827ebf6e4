"""The floor for a link checker made of `requests` calls on threads, in this Python: the URLs fetched with
nothing else (no history, no classification, no reports), under the same caps as check-links.

Run by bench_links.py beside check-links and lychee: python benchmarks/requests_floor.py URL_FILE
CONCURRENCY PER_HOST. Exits 0 when every URL answered 200, else 1.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter, deque
from pathlib import Path
from urllib.parse import urlsplit

import requests


def main() -> int:
    url_file, concurrency, per_host = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    pending: dict[str, deque[str]] = {}
    for url in Path(url_file).read_text(encoding="utf-8").split():
        pending.setdefault(urlsplit(url).netloc, deque()).append(url)
    in_flight: Counter[str] = Counter()
    ready = threading.Condition()
    failures: list[str] = []
    adapter = requests.adapters.HTTPAdapter(pool_connections=256, pool_maxsize=per_host, max_retries=0)

    def take() -> tuple[str, str] | None:
        """The next URL of the host with the most left among those under the cap (as check-links picks)."""
        with ready:
            while True:
                free = [host for host, urls in pending.items() if urls and in_flight[host] < per_host]
                if free:
                    host = max(free, key=lambda host: len(pending[host]))
                    in_flight[host] += 1
                    return host, pending[host].popleft()
                if not any(pending.values()):
                    ready.notify_all()  # the other waiting workers are done too
                    return None
                ready.wait()

    def work() -> None:
        session = requests.Session()
        session.mount("http://", adapter)
        while (task := take()) is not None:
            host, url = task
            try:
                response = session.get(url, timeout=10, allow_redirects=False)
                if response.status_code != 200:
                    failures.append(url)
            except requests.RequestException:
                failures.append(url)
            finally:
                with ready:
                    in_flight[host] -= 1
                    ready.notify()

    workers = [threading.Thread(target=work) for _ in range(concurrency)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
