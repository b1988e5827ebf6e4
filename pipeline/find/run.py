"""`mentor-guide find`: ask the services about each resource lacking a URL, DOI, year, creators or ISBN.

The guide and the curation file are read as `build` reads them; the services are asked one
resource at a time (each service at its own pace); the review file is replaced in one step at the
end, or not at all when a service could not be reached.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import config
from pipeline.curation import Curation, CurationRecord, read_curation
from pipeline.errors import UsageError
from pipeline.find import services as sv
from pipeline.find.http import USER_AGENT, Client, DeadlineReached, make_session
from pipeline.find.review import Reviewed, review_text
from pipeline.find.score import MIN_TITLE, Known, missing_facts, rank, title_similarity
from pipeline.find.services import Candidate
from pipeline.linkcheck.archive import availability_url, read_snapshot
from pipeline.publish import write_atomic

EDITIONS = 4  # ISBNs looked up per book, from the works whose title fits
ARCHIVED_SOURCES = 2  # source pages of a resource without a link whose archived copies are asked for
ARTICLES, BOOKS = ("article", "journal-article"), ("book",)


@dataclass(frozen=True)
class FindOptions:
    review: Path = config.REVIEW_FILE
    cache: Path | None = config.FIND_CACHE  # None: no disk cache
    contact: str | None = None  # an e-mail address for the services' polite pools; else the dataset's
    services: tuple[str, ...] = sv.SERVICES
    bases: dict[str, str] = field(default_factory=lambda: dict(config.FIND_BASES))
    timeout: float = 10.0  # seconds one request may take
    deadline: float = 900.0  # seconds the whole run may take
    link_status: Path | None = config.LINK_STATUS  # dead links are asked of the archive
    intervals: dict[str, float] | None = None  # seconds between requests per service; None: the documented ones


@dataclass(frozen=True)
class FindResult:
    reviewed: int  # resources asked about
    proposed: int  # resources with a snippet
    candidates: int
    requests: int  # sent over the network (not from the cache)
    complete: bool  # false: the deadline came first


def known_resources(raw: Path, curation: Curation) -> list[Known]:
    """The guide's resources as `build` makes them, as plain values."""
    import pandas as pd

    from pipeline.ingest import read_guide
    from pipeline.normalise import normalise

    frame, _ = normalise(read_guide(raw).entries, curation)

    def value(row: dict, key: str):
        item = row.get(key)
        if isinstance(item, list | tuple):
            return tuple(item)
        return None if item is None or (not hasattr(item, "__len__") and pd.isna(item)) or item == "" else item

    rows = []
    for row in frame.to_dict("records"):
        year = value(row, "year")
        rows.append(
            Known(
                id=row["id"],
                type=row["type"],
                section=row["section"],
                title=row["title"] if value(row, "title_known") is not False else None,
                creators=value(row, "creators") or (),
                year=None if year is None else int(year),
                publisher=value(row, "publisher"),
                url=value(row, "url"),
                doi=value(row, "doi"),
                isbn=value(row, "isbn") or (),
                sources=value(row, "sources") or (),
            )
        )
    return rows


def dead_links(path: Path | None) -> set[str]:
    """URLs the nightly link check found failing (empty without its status file)."""
    if path is None or not path.exists():
        return set()
    from pipeline.link_health import read_link_health  # the only thing this command needs of it

    return {url for url, health in read_link_health(path).items() if health.confirmed_broken}


class Finder:
    """Asks each service about one resource at a time and collects its candidates."""

    def __init__(self, client: Client, options: FindOptions, contact: str):
        self.client, self.options, self.contact = client, options, contact
        self.unreadable: list[str] = []

    def base(self, service: str) -> str:
        return self.options.bases.get(service, config.FIND_BASES[service])

    def ask(self, service: str, url: str) -> object:
        answer = self.client.get(service, url)
        if answer.problem:
            self.unreadable.append(f"{url} ({answer.problem})")
        return answer.data

    def wants(self, service: str) -> bool:
        return service in self.options.services

    def candidates(self, known: Known, missing: tuple[str, ...], dead: bool) -> list[Candidate]:
        found: list[Candidate] = []
        if known.title and missing:
            if known.type in ARTICLES + BOOKS and self.wants(sv.CROSSREF):
                url = sv.crossref_search_url(
                    self.base(sv.CROSSREF), known.title, known.creators, known.publisher, self.contact
                )
                found += sv.read_crossref(self.ask(sv.CROSSREF, url), url)
            if known.type in ARTICLES and "doi" in missing and self.wants(sv.PUBMED):
                found += self.pubmed(known.title)
            if known.type in BOOKS and self.wants(sv.OPENLIBRARY):
                found += self.openlibrary(known)
        if known.doi and {"year", "creators"} & set(missing) and self.wants(sv.CROSSREF):
            url = sv.crossref_work_url(self.base(sv.CROSSREF), known.doi, self.contact)
            found += sv.read_crossref(self.ask(sv.CROSSREF, url), url)
        if self.wants(sv.ARCHIVE):
            addresses = [known.url] if dead and known.url else [] if known.url else list(known.sources)
            for address in addresses[:ARCHIVED_SOURCES]:
                found += self.archived(address, "the resource's dead link" if dead else "a source page")
        return found

    def pubmed(self, title: str) -> list[Candidate]:
        search = sv.pubmed_search_url(self.base(sv.PUBMED), title, self.contact)
        ids = sv.read_pubmed_ids(self.ask(sv.PUBMED, search))
        if not ids:
            return []
        summary = sv.pubmed_summary_url(self.base(sv.PUBMED), ids, self.contact)
        return sv.read_pubmed_summaries(self.ask(sv.PUBMED, summary), summary)

    def openlibrary(self, known: Known) -> list[Candidate]:
        search = sv.openlibrary_search_url(self.base(sv.OPENLIBRARY), known.title or "", known.creators)
        docs = sv.read_openlibrary_search(self.ask(sv.OPENLIBRARY, search))
        works = [sv.openlibrary_work(doc, search) for doc in docs]
        found, asked = list(works), 0
        for isbn in sv.checked_isbns(list(known.isbn))[:EDITIONS]:  # the resource's own editions first
            asked += 1
            url = sv.openlibrary_isbn_url(self.base(sv.OPENLIBRARY), isbn)
            own = sv.Candidate(sv.OPENLIBRARY, url, url, creators=known.creators)
            edition = sv.read_openlibrary_edition(self.ask(sv.OPENLIBRARY, url), url, own)
            if edition is not None:
                found.append(edition)
        for work, doc in zip(works, docs, strict=True):
            if title_similarity(known.title or "", work.title or "") < MIN_TITLE:
                continue
            for isbn in sv.checked_isbns(doc.get("isbn"))[: EDITIONS - asked]:
                asked += 1
                url = sv.openlibrary_isbn_url(self.base(sv.OPENLIBRARY), isbn)
                edition = sv.read_openlibrary_edition(self.ask(sv.OPENLIBRARY, url), url, work)
                if edition is not None and all(edition.page != other.page for other in found):
                    found.append(edition)
        return found

    def archived(self, address: str, what: str) -> list[Candidate]:
        url = availability_url(self.base(sv.ARCHIVE), address)
        snapshot = read_snapshot(self.ask(sv.ARCHIVE, url))
        if snapshot is None:
            return []
        note = f"archived copy of {what} {address}, taken {snapshot.date}"
        return [Candidate(sv.ARCHIVE, snapshot.url, url, title=note, kind="archived-copy")]


def find(
    raw: Path = config.RAW_GUIDE,
    curation_path: Path = config.CURATION,
    options: FindOptions = FindOptions(),
    progress: Callable[[str], None] = lambda line: None,
    clock: Callable[[], float] = time.monotonic,
) -> FindResult:
    """Ask the services about every resource with a missing fact and write the review file."""
    curation = read_curation(curation_path)
    contact = options.contact or curation.dataset.contact_email
    if not contact:
        raise UsageError(
            "the services ask for a contact address and none was given",
            hint="pass --contact EMAIL (or set contact_email in the curation file's [dataset] table)",
        )
    unknown = [name for name in options.services if name not in sv.SERVICES]
    if unknown:
        raise UsageError(f"unknown service {unknown[0]!r}", hint=f"services: {', '.join(sv.SERVICES)}")
    resources = known_resources(raw, curation)
    records: dict[str, CurationRecord] = {record.id: record for record in curation.records}
    dead = dead_links(options.link_status)
    session = make_session(options.cache, USER_AGENT.format(version=program_version(), contact=contact))
    deadline = clock() + options.deadline
    client = Client(session, timeout=options.timeout, deadline=deadline, intervals=options.intervals, clock=clock)
    finder = Finder(client, options, contact)
    asked = [k for k in resources if missing_facts(k) or (k.url in dead)]
    reviews, complete = [], True
    for number, known in enumerate(asked, 1):
        progress(f"asking about {number}/{len(asked)}, {known.id}")
        finder.unreadable = []
        try:
            found = finder.candidates(known, missing_facts(known), known.url in dead)
        except DeadlineReached:
            complete = False
            break
        ranked = tuple(rank(known, found))
        reviews.append(Reviewed(known, records.get(known.id), missing_facts(known), ranked, tuple(finder.unreadable)))
    today = dt.datetime.now(dt.UTC).date().isoformat()
    text = review_text(reviews, date=today, services=options.services, complete=complete)
    options.review.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(options.review, text.encode("utf-8"))
    proposed = text.count("\nsnippet = ")
    return FindResult(len(reviews), proposed, sum(len(r.ranked) for r in reviews), client.requests, complete)


def program_version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("mentor-guide")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
