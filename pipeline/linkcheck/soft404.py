"""Soft 404s (pure): a page that answers 200 but is really "not found", told apart by comparison with what
its site answers for an address that cannot exist (README, "Statuses" of the link check, says what counts)."""

from __future__ import annotations

import difflib
import re
import secrets
from contextlib import suppress
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

COMPARED = 1024  # characters of the body compared with the probe's
WORDS = 16_384  # characters of a page's visible text kept to compare
SAME_TEXT = 0.9  # similarity of the first kilobytes above which two pages are one page
SAME_SIZE = 0.1  # sizes that differ by less than this share are the same size

NOT_FOUND = re.compile(
    r"(error )?404( error)?|(error )?404 ?[-:]? ?(page |file )?not found|"
    r"(page|file|document|resource|content|article|item) (was |is )?(not found|missing|unavailable)|not found|"
    r"(this |the )?page (you requested |you are looking for )?(does not|doesn't|cannot|can't|could not|couldn't) "
    r"(exist|be found)|nothing (was )?found|oops!?( page not found)?|sorry,? (this|that|the) page .*|"
    r"page (no longer exists|has (been )?(moved|removed|deleted))"
)
PARKED = re.compile(
    r".*\bdomain( name)? (is |may be )?for sale\b.*|.*\bbuy this domain\b.*|.*\bthis domain (is|has been) parked\b.*|"
    r".*\bparked (free|domain|by|courtesy)\b.*|.*\bdomain parking\b.*"
)
LOGIN = re.compile(r"log-?in|sign-?in|auth|sso|shibboleth|idp|cas/", re.I)  # a login wall is not "not found"
TITLE_PARTS = re.compile(r"\s+[|\u2013\u2014·:-]\s+|\s*[|\u2013\u2014·]\s*")


@dataclass(frozen=True)
class Page:
    """What a GET that ended in 2xx answered, as far as the soft-404 evidence goes."""

    url: str  # the address asked for
    final_url: str  # where the redirects ended
    code: int
    title: str = ""
    heading: str = ""  # the first <h1>
    size: int = 0  # Content-Length if the server gave it, else the bytes read
    text: str = ""  # the first COMPARED characters of the body
    scripted: bool = False  # the page is a shell that scripts fill (it has <noscript>)
    words: str = ""  # the text a reader sees, as far as it was read (at most WORDS characters)


class _Heads(HTMLParser):
    """Collects the <title> and the first <h1> of a page, the text a reader sees, and whether it has <noscript>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = {"title": "", "h1": ""}
        self.inside: str | None = None
        self.done: set[str] = set()
        self.noscript = False
        self.words: list[str] = []
        self.hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        self.noscript = self.noscript or tag == "noscript"
        self.hidden += tag in ("script", "style")
        if tag in self.parts and tag not in self.done:
            self.inside = tag

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1
        if tag == self.inside:
            self.done.add(tag)
            self.inside = None

    def handle_data(self, data):
        if self.inside:
            self.parts[self.inside] += data
        if self.inside != "title" and not self.hidden:
            self.words.append(data)


def squeeze(text: str) -> str:
    return " ".join(text.split())


def is_html(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")


def read_page(
    url: str, final_url: str, code: int, body: bytes, *, content_length: int | None = None, encoding: str | None = None
) -> Page:
    """The evidence of a body prefix (pure): title, first heading, size, first kilobyte and the words a reader sees."""
    text = body.decode(encoding or "utf-8", errors="replace")
    heads = _Heads()
    with suppress(Exception):  # a page the parser chokes on gives no title, not a failed check
        heads.feed(text)
        heads.close()
    return Page(
        url,
        final_url,
        code,
        squeeze(heads.parts["title"])[:300],
        squeeze(heads.parts["h1"])[:300],
        len(body) if content_length is None else content_length,
        text[:COMPARED],
        heads.noscript,
        squeeze(" ".join(heads.words))[:WORDS],
    )


def probe_url(url: str) -> str:
    """An address on the same site that cannot exist: a random path, so no cache or real page answers it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/{secrets.token_hex(12)}-no-such-page"


def says_not_found(text: str) -> bool:
    """Whether a title or heading *is* a not-found phrase (one of its parts, as in "Page not found | Site")."""
    text = text.strip().lower()
    return any(NOT_FOUND.fullmatch(part.strip(" .!")) for part in [text, *TITLE_PARTS.split(text)])


def says_parked(text: str) -> bool:
    return bool(PARKED.fullmatch(text.strip().lower()))


def text_similarity(first: str, second: str) -> float:
    return difflib.SequenceMatcher(None, first, second, autojunk=False).ratio()


def words_similarity(first: str, second: str) -> float:
    """How alike the words of two texts are: their shared runs of three words (0 to 1)."""
    runs = [
        {tuple(words[n : n + 3]) for n in range(max(1, len(words) - 2))} for words in (first.split(), second.split())
    ]
    return len(runs[0] & runs[1]) / max(1, len(runs[0] | runs[1]))


def own_parts(page: Page) -> tuple[int, str, str]:
    """The size, first kilobyte and words of a page (not a root) without the mentions of its own path: a not-found
    page often names the address it was asked for."""
    path = urlsplit(page.url).path
    return page.size - len(path) * page.text.count(path), page.text.replace(path, ""), page.words.replace(path, " ")


def same_address(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()


def soft_404_reason(page: Page, probe: Page | None) -> str | None:
    """Why a 2xx page is really "not found", or None: `probe` is the site's answer to an address that cannot exist."""
    if probe is None or urlsplit(page.url).path in ("", "/"):
        return None  # a site's root is what the site serves for its own address, wherever it redirects
    moved = not same_address(page.final_url, page.url)
    if moved and same_address(page.final_url, probe.final_url) and not LOGIN.search(urlsplit(page.final_url).path):
        return f"redirected to {page.final_url}, where this site sends any address that does not exist"
    if same_address(page.final_url, probe.final_url) or page.scripted:
        return None  # the home page itself; or a shell that scripts fill, alike at every address
    (size, text, words), (probe_size, probe_text, probe_words) = own_parts(page), own_parts(probe)
    if page.title != probe.title or abs(size - probe_size) > SAME_SIZE * max(size, probe_size, 1):
        return None
    alike = text_similarity(text, probe_text)
    if alike < SAME_TEXT or words_similarity(words, probe_words) < SAME_TEXT:
        return None  # another page; or one site template, different pages (a CMS whose pages share their head)
    for part, label in ((page.title, "title"), (page.heading, "main heading")):
        if says_not_found(part):
            return f"the page's {label} says {part!r}"
        if says_parked(part):
            return f"a parked domain: the page's {label} says {part!r}"
    title = f"title {page.title!r}, " if page.title else ""
    same = f"the same page ({title}{page.size} bytes, {alike:.0%} alike)"
    return f"{same} as the site answers for an address that cannot exist"


def same_content(page: Page, twin: Page) -> bool:
    """Whether an http:// page and its https:// twin are one page: same title, nearly the same first kilobyte."""
    texts = (p.text.replace("https://", "http://") for p in (page, twin))  # absolute links follow the scheme
    return page.title == twin.title and text_similarity(*texts) >= SAME_TEXT
