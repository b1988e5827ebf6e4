"""Stage 5: the validated resources → the printed handbook (Jinja2 templates + WeasyPrint PDF).

`render_html` is pure: the same resources, dataset facts, date and link-check results give the
same HTML. `render_pdf` lays that HTML out with WeasyPrint, whose URL fetcher serves only the files
of `pipeline/templates/` and stops the build on any other fetch. Reading the link-check results is
left to the caller (`pipeline.linkcheck.health.read_link_health`).
"""

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape
from pandera.typing import DataFrame

from pipeline import config
from pipeline.curation import DatasetInfo
from pipeline.errors import HandbookError
from pipeline.linkcheck.health import LinkHealth, LinkState, health_for, last_checked
from pipeline.linkcheck.status import LinkStatus
from schemas.resource import Resource

TEMPLATE = "handbook.html.j2"
STYLESHEET = "handbook.css"
PDF_VARIANT = "pdf/ua-1"
GENERATOR = "mentor-guide"

# QR codes: error correction M, the standard 4-module quiet zone; the symbol at least 20 mm across
# (quiet zone not counted) and its modules at least 0.5 mm, so phones read it from paper.
QR_ERROR = "M"
QR_BORDER = 4
QR_MIN_SYMBOL_MM = 20.0
QR_MIN_MODULE_MM = 0.5

UNCONFIRMED = {  # why a link that failed its check, without being confirmed broken, is printed as usual
    LinkStatus.TIMEOUT: "the site did not answer in time",
    LinkStatus.SERVER_ERROR: "the site reported a server error",
    LinkStatus.BLOCKED: "the site refused the checker",
}
UNCONFIRMED_OTHER = "the last check could not open it"
TYPE_LABELS = {
    "blog-post": "Blog post",
    "journal-article": "Journal article",
    "campus-resource": "Campus resource",
}
TAG_LABELS = {
    "diversity-equity-inclusion": "Diversity, equity and inclusion",
    "anti-racism": "Anti-racism",
    "peer-mentoring": "Peer mentoring",
    "community-resources": "Community resources",
}
# A printed address may break only BEFORE one of / . - ? & = _ #, which then starts the next line, and
# never right after one (nor inside the scheme's "//"): no line ends with a character the address carries
# over (PDF text extraction drops a line-final hyphen, and a reader cannot tell it from an added one).
URL_BREAK = re.compile(r"(?<![/.?#&=_:-])(?=[/.?#&=_-])")
# Characters of the 8.5 pt monospace address that always fit on one line beside a QR code on A4.
URL_ONE_LINE = 64
# An address inside a description, without the punctuation that closes the sentence around it.
URL_IN_TEXT = re.compile(r"(https?://\S+?)(?=[.,;:!?)\]]*(?:\s|$))")
# Straight quotes made typographic, except inside addresses and DOIs, which must stay as they are.
LITERAL = re.compile(r"(?:https?://|www\.|doi:\s*|\b10\.\d{4,9}/)\S+")


@dataclass(frozen=True)
class LinkNote:
    """What the link check says about a printed address."""

    state: str  # checked | unconfirmed | broken | omitted
    text: str


@dataclass(frozen=True)
class Link:
    """A web address as printed: in full with clean break points, as a QR code and as a clickable link."""

    url: str
    printed: Markup
    qr: Markup
    qr_mm: float


@dataclass(frozen=True)
class Entry:
    """One resource as the handbook prints it."""

    anchor: str
    title: str  # the resource's title, or an honest heading when its title is not known
    title_known: bool
    kind: str
    byline: Markup  # creators (year). venue
    paragraphs: list[str]
    link: Link | None
    note: LinkNote | None
    doi: str | None
    tags: list[str]


@dataclass(frozen=True)
class Section:
    anchor: str
    name: str
    entries: list[Entry]


@dataclass(frozen=True)
class Topic:
    anchor: str
    label: str
    entries: list[Entry]


def render_handbook(
    resources: DataFrame[Resource], info: DatasetInfo, guide_title: str, created: dt.datetime, **options
) -> bytes:
    """The handbook PDF: `render_html` (which takes the same options), then `render_pdf`."""
    return render_pdf(render_html(resources, info, guide_title, created, **options))


def render_html(
    resources: DataFrame[Resource],
    info: DatasetInfo,
    guide_title: str,
    created: dt.datetime,
    *,
    paper: str = config.PAPER,
    link_status: dict[str, LinkHealth] | None = None,
    omit_broken: bool = False,
) -> str:
    """The handbook as HTML: cover, how-to page, contents, sections of entries, topic index.

    `link_status` is the link check's health of each URL (`read_link_health`)."""
    if paper not in config.PAPER_SIZES:
        raise HandbookError(f"unknown paper size {paper!r}", hint=f"use one of: {', '.join(config.PAPER_SIZES)}")
    health = link_status or {}
    sections: dict[str, Section] = {}
    row: Any  # a row of Resource; pandas types a row's fields only as scalars of any kind
    for row in resources.itertuples(index=False):
        section = sections.setdefault(row.section, Section(f"section-{slug(row.section)}", row.section, []))
        section.entries.append(make_entry(row, health, omit_broken))
    entries = [entry for section in sections.values() for entry in section.entries]
    stamp = created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            title=guide_title,
            info=info,
            edition_date=long_date(created),
            stamp=stamp,
            page_size=config.PAPER_SIZES[paper],
            stylesheet=STYLESHEET,
            generator=GENERATOR,
            keywords=["mentoring", "academic medicine", *(label_tag(tag) for tag in topics_in(entries))],
            sections=list(sections.values()),
            topics=make_index(entries),
            checked_on=long_date(last_checked(health)),
            omit_broken=omit_broken,
            count=len(entries),
        )
    )


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(config.TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        curly=curly_quotes, keep_last_words=keep_last_words, unbreakable=unbreakable, address=breakable, prose=prose
    )
    return env


def make_entry(row, health: dict[str, LinkHealth], omit_broken: bool) -> Entry:
    doi = row.doi if isinstance(row.doi, str) else None
    url = row.url if isinstance(row.url, str) else None
    if url is None and doi is not None:
        url = f"https://doi.org/{doi}"  # a DOI resolves through doi.org: a confirmed address
    note = link_note(health_for(health, url), omit_broken)
    link = make_link(url) if url and (note is None or note.state != "omitted") else None
    return Entry(
        anchor=f"resource-{row.id}",
        title=heading(row),
        title_known=title_known(row),
        kind=label_type(row.type),
        byline=byline(
            [curly_quotes(name) for name in row.creators],
            None if pd.isna(row.year) else int(row.year),
            curly_quotes(row.publisher) if isinstance(row.publisher, str) else None,
        ),
        paragraphs=[curly_quotes(p) for p in row.description.split("\n\n") if p.strip()],
        link=link,
        note=note,
        doi=doi,
        tags=list(row.tags),
    )


def byline(creators: list[str], year: int | None, venue: str | None) -> Markup:
    """'Name, Given; Name, Given (year). <cite>Venue</cite>': no name or venue broken inside, and the venue
    kept with the word before it, so that neither stands alone on a line.

    The venue and that word are one box whose leading space is inside it: WeasyPrint then breaks the line
    inside that box; before a box that cannot break it would break the preceding text at its first space.
    """
    text = Markup("; ").join(unbreakable(name) for name in creators)
    if year is not None:
        text = Markup("{} ({})").format(text, year) if text else Markup("({})").format(year)
    if venue is None:
        return text
    cite = Markup("<cite>{}</cite>").format(unbreakable(venue))
    if not text:
        return cite
    head, _, last = text.rpartition(" ")
    stop = "" if text.endswith(".") else "."  # a last initial already ends the sentence
    space = " " if head else ""
    return Markup('{}<span class="byline-end">{}{}{}&nbsp;{}</span>').format(head, space, last, stop, cite)


def title_known(row) -> bool:
    """False only when the dataset flags the title as unknown; a dataset without the flag (or a missing
    value in it) counts the title as known."""
    flag = getattr(row, "title_known", True)
    return bool(flag) if isinstance(flag, (bool, np.bool_)) else True


def heading(row) -> str:
    """The resource's title; for an unknown title, an honest heading (never the provisional title, which
    repeats the description's first words): the kind of resource and who made or published it."""
    if title_known(row):
        return curly_quotes(row.title)
    who = row.publisher if isinstance(row.publisher, str) else next(iter(row.creators), None)
    return f"Untitled {label_type(row.type).lower()}" + (f" — {curly_quotes(who)}" if who else "")


def curly_quotes(text: str) -> str:
    """Straight quotes and apostrophes made typographic ("It's" → "It’s"), addresses and DOIs left as they are."""
    pieces, start = [], 0
    for literal in LITERAL.finditer(text):
        pieces += [curl(text[start : literal.start()], text[: literal.start()]), literal.group()]
        start = literal.end()
    return "".join([*pieces, curl(text[start:], text[:start])])


def curl(text: str, before: str = "") -> str:
    """`text` with curly quotes; `before` is what precedes it, which decides whether a quote opens."""
    out = []
    for i, char in enumerate(text):
        if char not in "'\"":
            out.append(char)
            continue
        previous = out[-1] if out else (before[-1] if before else "")
        opens = previous == "" or previous.isspace() or previous in "([{\u2014\u2013\u201c\u2018/-"
        following = text[i + 1 : i + 2]
        if char == '"':
            out.append("\u201c" if opens else "\u201d")
        elif opens and not following.isdigit():  # ’90s: an elision, not an opening quote
            out.append("\u2018")
        else:
            out.append("\u2019")
    return "".join(out)


def link_note(health: LinkHealth | None, omit_broken: bool) -> LinkNote | None:
    """The line printed under an address, from the link check (None: never checked). Only a confirmed
    failure marks or omits a link; one failing night prints it as usual, saying it was not confirmed."""
    if health is None:
        return None
    checked = long_date(health.checked_at)
    on = f" on {checked}" if checked else ""
    state = health.state
    if state is LinkState.BROKEN:
        since = long_date(health.broken_since)
        when = f" since {since}" if since else ""
        if omit_broken:
            return LinkNote("omitted", f"Link left out: reported broken{when} (checked{on}).")
        return LinkNote("broken", f"Broken link: reported broken{when} (checked{on}).")
    if state in (LinkState.FAILING, LinkState.BLOCKED):
        return LinkNote("unconfirmed", f"Link not confirmed{on}: {UNCONFIRMED.get(health.status, UNCONFIRMED_OTHER)}.")
    return LinkNote("checked", f"Link checked{on}.")


def make_link(url: str) -> Link:
    modules = qr_modules(url)
    count = len(modules)
    size = (count + 2 * QR_BORDER) * max(QR_MIN_MODULE_MM, QR_MIN_SYMBOL_MM / count)
    return Link(url=url, printed=breakable(url), qr=qr_svg(modules, f"QR code for {url}"), qr_mm=round(size, 1))


def qr_modules(url: str) -> list[list[bool]]:
    """The QR symbol of `url` (error correction M), row by row, True for a dark module; no quiet zone.

    zxing-cpp's encoder is compiled: a pure-Python encoder spends a tenth of a second per 30 codes
    choosing the mask, which was most of our share of the handbook's time.
    """
    import zxingcpp  # imported here: only the handbook needs it

    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=QR_ERROR)
    return (np.asarray(symbol.to_image(scale=1, add_quiet_zones=False)) == 0).tolist()


def qr_svg(modules: list[list[bool]], title: str) -> Markup:
    """Inline vector SVG: one stroked path, a horizontal run of dark modules per segment, with a quiet zone."""
    side = len(modules) + 2 * QR_BORDER
    runs = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + QR_BORDER} {y + QR_BORDER}.5h{x - start}")
            x += 1
    return Markup(
        f'<svg viewBox="0 0 {side} {side}" class="qr-code"><title>{escape(title)}</title>'
        f'<path class="qr-line" stroke="#000" d="{"".join(runs)}"/></svg>'
    )


def breakable(url: str) -> Markup:
    """The address escaped, in unbreakable pieces each starting with a break character, <wbr> between them.

    Pango would also break after a hyphen of its own accord: the pieces forbid any break but the <wbr>s.
    An address short enough to fit on one line is one piece: every <wbr> costs WeasyPrint layout time.
    """
    parts = [url] if len(url) <= URL_ONE_LINE else [part for part in URL_BREAK.split(url) if part]
    return Markup("<wbr>").join(Markup('<span class="nobr">{}</span>').format(part) for part in parts)


def keep_last_words(text: str, count: int = 2) -> Markup:
    """`text` escaped, its last `count` words joined by no-break spaces, so its last line never holds a lonely word."""
    words = text.split(" ")
    return Markup(" ").join([*(escape(word) for word in words[:-count]), unbreakable(" ".join(words[-count:]))])


def prose(paragraph: str) -> Markup:
    """A paragraph escaped: an address in it breaks as a printed address does; else its last two words stay together."""
    parts = URL_IN_TEXT.split(paragraph)  # text, address, text, ...
    if len(parts) == 1:
        return keep_last_words(paragraph)
    return Markup("").join(breakable(part) if index % 2 else escape(part) for index, part in enumerate(parts))


def unbreakable(text: str) -> Markup:
    """`text` escaped with no-break spaces between its words (a name, a venue), which copy out as plain spaces.

    No-break spaces rather than a nowrap span: WeasyPrint, breaking a line before an inline box that
    does not fit, can break the preceding text at its first opportunity and leave one word on a line.
    """
    return Markup("&nbsp;").join(escape(word) for word in text.split(" "))


def make_index(entries: list[Entry]) -> list[Topic]:
    """Each topic tag with its resources, topics in alphabetical order, resources in the guide's order."""
    by_tag: dict[str, list[Entry]] = {}
    for entry in entries:
        for tag in entry.tags:
            by_tag.setdefault(tag, []).append(entry)
    return [Topic(f"topic-{tag}", label_tag(tag), by_tag[tag]) for tag in sorted(by_tag, key=label_tag)]


def topics_in(entries: list[Entry]) -> list[str]:
    return sorted({tag for entry in entries for tag in entry.tags})


def label_tag(tag: str) -> str:
    return TAG_LABELS.get(tag) or tag.replace("-", " ").capitalize()


def label_type(kind: str) -> str:
    return TYPE_LABELS.get(kind) or kind.replace("-", " ").capitalize()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def long_date(value) -> str | None:
    """'25 November 2026' from a date, a datetime or an ISO text; None when there is none."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return f"{value.day} {value:%B %Y}"


# ---------------------------------------------------------------- WeasyPrint


def render_pdf(html: str) -> bytes:
    """Lay out and draw the handbook's HTML as a tagged PDF (PDF/UA-1), fetching only template assets."""
    import weasyprint  # imported here: loading WeasyPrint costs time that commands without a PDF need not pay
    from weasyprint.urls import FatalURLFetchingError

    fetcher = template_fetcher_class()()
    try:
        document = weasyprint.HTML(string=html, base_url=templates_base_url(), url_fetcher=fetcher).render()
        return document.write_pdf(pdf_variant=PDF_VARIANT)
    except FatalURLFetchingError as error:
        cause = error.__cause__ or error
        raise HandbookError(
            f"the handbook asked to fetch a resource the renderer refuses: {cause}",
            path=config.TEMPLATES_DIR / TEMPLATE,
            hint="the handbook may load only files of pipeline/templates/; guide text must never become markup",
        ) from None


def templates_base_url() -> str:
    return config.TEMPLATES_DIR.as_uri() + "/"


@functools.cache
def template_fetcher_class():
    """A WeasyPrint URL fetcher class that serves files inside the templates folder and refuses all else.

    A refusal is fatal (it stops the render and surfaces as HandbookError) rather than a log line
    WeasyPrint would print and carry on from.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class TemplateAssetFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)

        def fetch(self, url, headers=None):
            path = template_asset(url)
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type(path)})

    return TemplateAssetFetcher


def template_asset(url: str, root: Path | None = None) -> Path:
    """The file a URL names, if it is a file inside the templates folder; else ValueError."""
    root = (root or config.TEMPLATES_DIR).resolve()
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"refused to fetch {url!r}: only the handbook's own template files may be loaded")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ValueError(f"refused to fetch {url!r}: not a file of {root}")
    return path


def media_type(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream"
    )
