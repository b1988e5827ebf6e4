"""What a run learns once per site to judge a 2xx page: its answer to an address that cannot exist, and
whether it speaks https. The first worker that needs to know asks; the others wait within their deadline."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit, urlunsplit

import requests

from pipeline.findings import Slug
from pipeline.linkcheck.soft404 import Page, probe_url, same_content, soft_404_reason
from pipeline.linkcheck.status import Fetched, LinkResult, LinkStatus, Options, Suggestion


def https_twin(url: str, https_ports: Mapping[int, int]) -> str | None:
    """The https:// address of an http:// URL on the https port its port maps to; None for any other URL, or an
    http port with none beside it (`http://host:8080/` has no twin at that port, and a guess is no evidence)."""
    parts = urlsplit(url)
    https_port = https_ports.get(parts.port or 80) if parts.scheme.lower() == "http" else None
    if https_port is None or parts.username or parts.password:
        return None
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    netloc = host if https_port == 443 else f"{host}:{https_port}"
    return urlunsplit(("https", netloc, parts.path, parts.query, parts.fragment))


def origin(url: str) -> str:
    """scheme://host:port of a URL, without any credentials."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.rsplit('@', 1)[-1].lower()}"


class Sites:
    """Answers learnt once per site during one run, each asked with `fetch`: a GET of (session, url, deadline)."""

    def __init__(self, fetch: Callable[[requests.Session, str, float], Fetched], options: Options):
        self.fetch, self.options = fetch, options
        self.lock = threading.Lock()
        self.probes: dict[str, Future] = {}  # origin → Future[Page | None]
        self.https: dict[str, Future] = {}  # origin of an http URL → Future[bool]: does its https port answer?

    def judge(self, session: requests.Session, result: LinkResult, fetched: Fetched, deadline: float) -> LinkResult:
        """The result once the page is weighed: soft-404 evidence, then an https twin for an http:// URL."""
        if result.status not in (LinkStatus.OK, LinkStatus.REDIRECTED) or fetched.page is None:
            return result
        reason = soft_404_reason(fetched.page, self.probe(session, fetched.page.url, deadline))
        if reason:
            return dataclasses.replace(result, status=LinkStatus.SOFT_404, error=Slug.SOFT_404, detail=reason)
        if result.suggested_url is None and (twin := self.same_page_over_https(session, fetched.page, deadline)):
            return dataclasses.replace(result, suggested_url=twin, suggestion=Suggestion.HTTPS)
        return result

    def probe(self, session: requests.Session, url: str, deadline: float) -> Page | None:
        """What the site of `url` answers for an address that cannot exist, if that answer was 2xx HTML."""
        to_answer, page = self._learn(self.probes, origin(url), deadline, None)
        if to_answer:
            try:
                page = self.fetch(session, probe_url(url), deadline).page
            finally:
                to_answer.set_result(page)
        return page

    def same_page_over_https(self, session: requests.Session, page: Page, deadline: float) -> str | None:
        """The https:// twin of an http:// page if it answers 2xx with the same page; else None."""
        twin = https_twin(page.url, self.options.https_ports)
        if twin is None:
            return None
        to_answer, speaks = self._learn(self.https, origin(page.url), deadline, False)
        if not to_answer and not speaks:
            return None
        fetched = None
        try:
            fetched = self.fetch(session, twin, deadline)
        finally:
            if to_answer:  # any HTTP answer means the site speaks https; a TLS or connection error, that it does not
                to_answer.set_result(fetched is not None and fetched.code is not None)
        if fetched.page is None or fetched.page.code >= 300:  # no page, or the twin's own "not found" page
            return None
        return twin if same_content(page, fetched.page) else None

    def _learn(self, answers: dict[str, Future], key: str, deadline: float, otherwise):
        """(the Future this caller must answer, None) for the first caller of `key`; (None, the answer) for the
        others, who wait for it until `deadline` and then take `otherwise`."""
        with self.lock:
            if key not in answers:
                answers[key] = Future()
                return answers[key], None
        try:
            return None, answers[key].result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            return None, otherwise
