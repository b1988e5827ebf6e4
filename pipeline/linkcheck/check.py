"""The check of one URL: one GET and its redirects, followed by hand, then the status rules and retries; never
raises for a dead link. With `Sites`, a page that answered 2xx is weighed further (soft 404, https twin)."""

from __future__ import annotations

import dataclasses
import threading
import time
from urllib.parse import urljoin

import requests

from pipeline.findings import Slug
from pipeline.linkcheck.sites import Sites
from pipeline.linkcheck.soft404 import Page, is_html, read_page
from pipeline.linkcheck.status import (
    Fetched,
    Hop,
    LinkResult,
    Options,
    classify,
    parse_retry_after,
    retry_delay,
    should_retry,
    url_problem,
)
from pipeline.linkcheck.transport import (
    WATCHDOG,
    LookupFailed,
    Resolver,
    ascii_host,
    drain,
    error_slug,
    host_of,
    proxied,
    send,
)


def cookies_for(session: requests.Session) -> frozenset[tuple[str, str, str, str | None]]:
    return frozenset((cookie.domain, cookie.path, cookie.name, cookie.value) for cookie in session.cookies)


def read_answer(
    response: requests.Response, url: str, final_url: str, options: Options, deadline: float
) -> Page | None:
    """Read the body; keep the start of a 2xx or 404 HTML answer as a Page (soft-404 and https-twin evidence).
    Raises TimeoutError when that page has not arrived by `deadline`."""
    code = response.status_code
    wanted = 200 <= code < 300 or code in (404, 410)  # a site's 404 page: the answer to a probe
    if not (wanted and is_html(response.headers.get("Content-Type"))):
        drain(response, options.body_limit, min(deadline, time.monotonic() + options.timeout))
        return None
    body, complete = drain(response, options.body_limit, deadline, keep=True)
    if not complete and time.monotonic() >= deadline:
        raise TimeoutError
    length = response.headers.get("Content-Length", "")
    return read_page(
        url,
        final_url,
        code,
        body,
        encoding=response.encoding,
        content_length=int(length) if length.isdigit() else None,
    )


def fetch(session: requests.Session, url: str, options: Options, deadline: float, resolver: Resolver) -> Fetched:
    """One GET and the redirects after it, followed by hand so loops, hops, addresses and the deadline are ours."""
    hops: tuple[Hop, ...] = ()
    seen = {(url, cookies_for(session))}
    current = url
    starts_public: bool | None = None
    for _ in range(options.max_redirects + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return cut_short(current, hops, options)
        wait = min(options.timeout, remaining)
        try:
            host = ascii_host(host_of(current))
        except UnicodeError:
            return Fetched(
                current, hops, error=Slug.MALFORMED_URL, detail=f"{host_of(current)!r} is not a valid host name"
            )
        try:
            # Through a proxy the proxy looks the name up (on many campus networks it alone can), and
            # connects where it decides: no address of ours to pin or to judge.
            addresses = None if proxied(session, current) else resolver.addresses(host, wait)
        except LookupFailed as failed:
            return Fetched(current, hops, error=failed.slug, detail=failed.detail)
        public = addresses is None or all(options.public_address(address) for address in addresses)
        if starts_public is None:
            starts_public = public  # a check that starts on an intranet may stay there
        elif starts_public and not public and not options.allow_private_redirects:
            return Fetched(
                current,
                hops,
                code=hops[-1].code,
                error=Slug.PRIVATE_REDIRECT,
                detail=f"a public site redirected to {host} ({', '.join(addresses or ())}), "
                "a private address; not followed",
            )
        with WATCHDOG.deadline(deadline, {host: addresses}) as alarm:
            try:
                response = send(session, "GET", current, (wait, wait))
            except (requests.RequestException, ValueError) as error:
                slug = error_slug(error)
                # A connect timeout ends at the deadline too, but says more: no server answered at all.
                if alarm.rang and slug != Slug.CONNECT_TIMEOUT:
                    return cut_short(current, hops, options)
                return Fetched(current, hops, error=slug, detail=str(error)[:300])
            if alarm.rang:  # the headers were cut at the deadline: whatever the status line said, no answer came
                response.close()
                return cut_short(current, hops, options)
            code = response.status_code
            location = session.get_redirect_target(response)  # None unless a 301, 302, 303, 307 or 308 with a Location
            retry_after = parse_retry_after(response.headers.get("Retry-After")) if code in (429, 503) else None
            # The answer is in the headers; the body is read for soft-404 evidence and to reuse the connection.
            try:
                page = read_answer(response, url, current, options, deadline)
            except TimeoutError:  # the page it needs did not arrive in time
                return cut_short(current, hops, options)
        if not location:
            return Fetched(current, hops, code=code, retry_after=retry_after, page=page)
        target = urljoin(current, location.strip())
        hops += (Hop(current, code, target),)
        # Back to an address with the cookies it was asked with before is a loop; a site that sets a cookie and
        # sends the reader back to the same page (a common publisher's wall) is not.
        visit = (target, cookies_for(session))
        if visit in seen:
            return Fetched(target, hops, code=code, error=Slug.REDIRECT_LOOP, detail=f"{target} again")
        if url_problem(target):
            return Fetched(target, hops, code=code, error=Slug.BAD_REDIRECT, detail=f"redirect to {target}")
        seen.add(visit)
        current = target
    return Fetched(current, hops, error=Slug.TOO_MANY_REDIRECTS, detail=f"more than {options.max_redirects}")


def cut_short(url: str, hops: tuple[Hop, ...], options: Options) -> Fetched:
    return Fetched(url, hops, error=Slug.DEADLINE, detail=f"no complete answer within {options.deadline:g} s")


def check_url(
    session: requests.Session, url: str, options: Options, stop: threading.Event, resolver: Resolver, sites: Sites
) -> LinkResult:
    """Check one URL, retrying as `should_retry` says, then weigh the page (`Sites`); never raises for a dead link."""
    started = time.monotonic()
    problem = url_problem(url)
    if problem:
        return classify(Fetched(url, error=problem, detail="only http and https links are checked"))
    deadline = started + options.deadline
    for tries in range(1, options.retries + 2):
        # One GET, as a browser asks: many servers mishandle HEAD, and the page's start is soft-404 evidence.
        fetched = fetch(session, url, options, deadline, resolver)
        result = classify(fetched, attempts=tries)
        if tries > options.retries or not should_retry(result):
            break
        delay = retry_delay(fetched.retry_after, tries - 1, options)
        if time.monotonic() + delay >= deadline or stop.wait(delay):  # stopped while waiting
            break  # a result to retry is no 2xx page: `judge` passes it as it is
    judged = sites.judge(session, result, fetched, deadline)
    return dataclasses.replace(judged, elapsed=round(time.monotonic() - started, 3))
