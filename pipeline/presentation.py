"""Stage 5: the validated resources and the latest link health → typed, immutable records for readers.

Every rule of display is decided here once (the heading, the byline, the venue, the link and what the
link check says of it, dates, labels, the counts the front matter states); the handbook, the web edition
and the citation files only render these records. Every missing value is an explicit None.
Link health is its own input (`pipeline.link_health.read_link_health`), never a column of the table.
"""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pandera.typing import DataFrame

from pipeline.link_health import LinkHealth, LinkState, health_for, last_checked
from pipeline.lookup import SearchTemplates, search_link
from pipeline.typography import curly_quotes
from schemas.resource import Resource

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
AUDIENCE_LABELS = {"students": "Students", "residents": "Residents", "fellows": "Fellows", "faculty": "Faculty"}
# Why a link that failed its check, without being confirmed broken, is shown as usual (by the check's status).
UNCONFIRMED = {
    "timeout": "the site did not answer in time",
    "server-error": "the site reported a server error",
    "blocked": "the site refused the checker",
}
UNCONFIRMED_OTHER = "the last check could not open it"


@dataclass(frozen=True)
class Term:
    """A value of a closed vocabulary (type, tag, audience) and its label for readers."""

    value: str
    label: str


@dataclass(frozen=True)
class Segment:
    """A piece of a byline: `name`, `year`, `venue`, or `text` (the punctuation between them)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Byline:
    """Who made a resource, when and where it appeared: each creator and the venue once, no empty part.

    `venue` is None when it repeats a creator (a body that is both author and publisher is named once).
    """

    names: tuple[str, ...]
    year: int | None
    venue: str | None

    @property
    def segments(self) -> tuple[Segment, ...]:
        """'Name; Name (2023). Venue', 'Name. Venue', 'Venue (2023)', 'Name (2023)' or '2023'."""
        out: list[Segment] = []
        for number, name in enumerate(self.names):
            if number:
                out.append(Segment("text", "; "))
            out.append(Segment("name", name))
        year = [Segment("text", " ("), Segment("year", str(self.year)), Segment("text", ")")]
        if self.names and self.year is not None:
            out += year
        if self.venue is not None:
            if out:
                out.append(Segment("text", " " if out[-1].text.endswith(".") else ". "))
            out.append(Segment("venue", self.venue))
            if not self.names and self.year is not None:
                out += year
        elif not self.names and self.year is not None:
            out.append(Segment("year", str(self.year)))
        return tuple(out)

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments)


@dataclass(frozen=True)
class Link:
    """An address a reader can follow. `kind` says what it is: `address`, the resource's own (or its DOI's);
    `search`, a labelled search for the resource (`pipeline.lookup`), never shown as the resource's own."""

    kind: str
    url: str
    label: str | None = None  # words shown instead of the address, where a kind needs them


@dataclass(frozen=True)
class LinkNote:
    """What the link check says of an address, when a reader should know: `broken`, `omitted` or `unconfirmed`."""

    state: str
    label: str
    detail: str

    @property
    def text(self) -> str:
        return f"{self.label}: {self.detail}"


@dataclass(frozen=True)
class Entry:
    """One resource as every edition shows it."""

    id: str
    anchor: str
    title: str  # the resource's title, or its devised title in square brackets
    title_known: bool
    kind: Term
    byline: Byline | None
    paragraphs: tuple[str, ...]
    link: Link | None
    search: Link | None  # offered where no link is confirmed, or the link is confirmed broken; its label says so
    note: LinkNote | None
    doi: str | None
    reader_note: str | None
    tags: tuple[Term, ...]
    audience: tuple[Term, ...]


@dataclass(frozen=True)
class Section:
    anchor: str
    name: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Topic:
    anchor: str
    value: str
    label: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Counts:
    """What the front matter and the landing page count, from the entries themselves."""

    resources: int
    sections: int
    with_link: int  # an address shown (and, in print, a QR code)
    without_link: int
    with_search: int  # no address shown, a labelled search instead (in print, with its QR code)
    without_either: int  # neither an address nor a search: "No confirmed link" alone
    broken_with_search: int  # marked broken, with a search beside the mark
    title_known: int
    title_devised: int
    broken: int  # marked broken
    omitted: int  # left out as broken


@dataclass(frozen=True)
class Guide:
    """The whole guide for readers."""

    sections: tuple[Section, ...]
    topics: tuple[Topic, ...]
    kinds: tuple[Term, ...]
    audiences: tuple[Term, ...]
    counts: Counts
    checked_on: str | None  # when the links were last checked ('20 November 2026'); None: never
    omit_broken: bool

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(entry for section in self.sections for entry in section.entries)


def present(
    resources: DataFrame[Resource],
    link_health: Mapping[str, LinkHealth] | None = None,
    *,
    omit_broken: bool = False,
    searches: SearchTemplates = SearchTemplates(),
) -> Guide:
    """The guide for readers: sections of entries in the guide's order, topics, choices, counts.

    `searches` are the templates of the searches offered where no link is confirmed (`DatasetInfo.searches`)."""
    health = link_health or {}
    grouped: dict[str, list[Entry]] = {}
    row: Any  # a row of Resource; pandas types a row's fields only as scalars of any kind
    for row in resources.itertuples(index=False):
        grouped.setdefault(row.section, []).append(make_entry(row, health, omit_broken, searches))
    sections = tuple(Section(f"section-{slug(name)}", name, tuple(entries)) for name, entries in grouped.items())
    entries = [entry for section in sections for entry in section.entries]
    return Guide(
        sections=sections,
        topics=make_topics(entries),
        kinds=choices(entry.kind for entry in entries),
        audiences=choices(term for entry in entries for term in entry.audience),
        counts=count(entries, len(sections)),
        checked_on=long_date(last_checked(health)),
        omit_broken=omit_broken,
    )


def make_entry(
    row, health: Mapping[str, LinkHealth], omit_broken: bool, searches: SearchTemplates = SearchTemplates()
) -> Entry:
    doi = text_or_none(row.doi)
    url = text_or_none(row.url)
    if url is None and doi is not None:
        url = f"https://doi.org/{doi}"  # a DOI resolves through doi.org: a confirmed address
    note = link_note(health_for(health, url), omit_broken)
    link = Link("address", url) if url and (note is None or note.state != "omitted") else None
    reader_note = text_or_none(getattr(row, "note", None))
    return Entry(
        id=row.id,
        anchor=f"resource-{row.id}",
        title=curly_quotes(row.title),
        title_known=bool(row.title_known),
        kind=Term(row.type, label_type(row.type)),
        byline=make_byline(list(row.creators), year_or_none(row.year), text_or_none(row.publisher)),
        paragraphs=tuple(curly_quotes(p.strip()) for p in row.description.split("\n\n") if p.strip()),
        link=link,
        search=make_search(row, searches) if link is None or (note is not None and note.state == "broken") else None,
        note=note,
        doi=doi,
        reader_note=curly_quotes(reader_note) if reader_note else None,
        tags=tuple(Term(tag, label_tag(tag)) for tag in row.tags),
        audience=tuple(Term(who, label_audience(who)) for who in row.audience),
    )


def make_search(row, searches: SearchTemplates) -> Link | None:
    """The labelled search for a resource (`pipeline.lookup`): by its title, or by what is known of it."""
    found = search_link(
        title=row.title,
        title_known=bool(row.title_known),
        creators=list(row.creators),
        publisher=text_or_none(row.publisher),
        isbn=list(getattr(row, "isbn", None) or ()),
        type=row.type,
        section=row.section,
        templates=searches,
    )
    return Link("search", found.url, curly_quotes(found.text)) if found else None


def make_byline(creators: list[str], year: int | None, publisher: str | None) -> Byline | None:
    """Creators once each, in order; the publisher only where it is not one of them; None when nothing is known."""
    names: list[str] = []
    for creator in creators:
        if not any(same_body(creator, name) for name in names):
            names.append(creator)
    venue = publisher if publisher and not any(same_body(publisher, name) for name in names) else None
    if not names and venue is None and year is None:
        return None
    return Byline(tuple(curly_quotes(name) for name in names), year, curly_quotes(venue) if venue else None)


def same_body(one: str, other: str) -> bool:
    """Whether two names name the same person or body: equal but for case, spacing and punctuation, or but
    for a name in parentheses ("MedEdPORTAL (Association of American Medical Colleges)"), or one is the
    other's name in parentheses ("Association of American Medical Colleges (AAMC)")."""
    a, b = comparable(one), comparable(other)
    bare = {comparable(re.sub(r"\([^()]*\)", " ", name)) for name in (one, other)}
    inner = {comparable(m) for name in (one, other) for m in re.findall(r"\(([^()]+)\)", name)}
    return a == b or len(bare) == 1 or a in inner or b in inner


def comparable(name: str) -> str:
    return " ".join(re.findall(r"\w+", name.casefold()))


def link_note(health: LinkHealth | None, omit_broken: bool) -> LinkNote | None:
    """What a reader is told about an address, from the link check; None when there is nothing to say (never
    checked, or found working: the front matter says once when the links were checked). Only a confirmed
    failure marks or omits a link; one failing night shows it as usual, saying it was not confirmed."""
    if health is None:
        return None
    state = health.state
    if state is LinkState.BROKEN:
        since = long_date(health.broken_since)
        detail = f"reported broken since {since}." if since else "reported broken."
        return (
            LinkNote("omitted", "Link left out", detail) if omit_broken else LinkNote("broken", "Broken link", detail)
        )
    if state in (LinkState.FAILING, LinkState.BLOCKED):
        reason = UNCONFIRMED.get(str(health.status), UNCONFIRMED_OTHER)
        return LinkNote("unconfirmed", "Link not confirmed", f"{reason}.")
    return None


def make_topics(entries: list[Entry]) -> tuple[Topic, ...]:
    """Each topic with its entries, topics in alphabetical order of label, entries in the guide's order."""
    by_tag: dict[str, list[Entry]] = {}
    for entry in entries:
        for tag in entry.tags:
            by_tag.setdefault(tag.value, []).append(entry)
    ordered = sorted(by_tag, key=label_tag)
    return tuple(Topic(f"topic-{tag}", tag, label_tag(tag), tuple(by_tag[tag])) for tag in ordered)


def choices(terms) -> tuple[Term, ...]:
    unique = {term.value: term for term in terms}
    return tuple(sorted(unique.values(), key=lambda term: term.label))


def count(entries: list[Entry], sections: int) -> Counts:
    linked = sum(entry.link is not None for entry in entries)
    searched = sum(entry.link is None and entry.search is not None for entry in entries)
    known = sum(entry.title_known for entry in entries)
    return Counts(
        resources=len(entries),
        sections=sections,
        with_link=linked,
        without_link=len(entries) - linked,
        with_search=searched,
        without_either=len(entries) - linked - searched,
        broken_with_search=sum(
            entry.search is not None and entry.note is not None and entry.note.state == "broken" for entry in entries
        ),
        title_known=known,
        title_devised=len(entries) - known,
        broken=sum(entry.note is not None and entry.note.state == "broken" for entry in entries),
        omitted=sum(entry.note is not None and entry.note.state == "omitted" for entry in entries),
    )


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """'1 resource', '28 resources', 'no resources'."""
    word = noun if number == 1 else (plural or noun + "s")
    return f"{number if number else 'no'} {word}"


def label_tag(tag: str) -> str:
    return TAG_LABELS.get(tag) or tag.replace("-", " ").capitalize()


def label_type(kind: str) -> str:
    return TYPE_LABELS.get(kind) or kind.replace("-", " ").capitalize()


def label_audience(value: str) -> str:
    return AUDIENCE_LABELS.get(value) or value.replace("-", " ").capitalize()


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


def text_or_none(value) -> str | None:
    """A text value, or None for a missing one (pandas' NA, NaN, None) or a blank one."""
    return value if isinstance(value, str) and value.strip() else None


def year_or_none(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
