"""The four services' questions (addresses) and their answers read as candidates; the readers are pure.

Each reader takes a decoded JSON answer and returns candidates, ignoring any item it cannot read
whole: a malformed item is no candidate, never a crash. Public pages (the `page` of a candidate) are
always the services' public addresses, whatever API base the run was pointed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from stdnum import isbn as isbn_numbers

from pipeline.config import FIND_BASES

CROSSREF, OPENLIBRARY, PUBMED, ARCHIVE = "crossref", "openlibrary", "pubmed", "archive"
SERVICES = tuple(FIND_BASES)  # crossref, openlibrary, pubmed, archive: asked in this order
ROWS = 5  # records asked for per search: the right one is near the top or the search failed
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


@dataclass(frozen=True)
class Candidate:
    """A record one service holds that may be the resource, with the facts it would give."""

    service: str
    page: str  # the record's public page, for `sources` and for a person to open
    response: str  # the exact address of the answer it came from
    title: str | None = None
    creators: tuple[str, ...] = ()  # "Family, Given", as the curation file writes people
    year: int | None = None
    venue: str | None = None  # journal, publisher or series
    doi: str | None = None
    isbn: tuple[str, ...] = ()  # ISBN-13, checked
    url: str | None = None  # an address for the resource itself (a DOI's doi.org link), when the record gives one
    kind: str = "record"  # "record", or "archived-copy": a lead for a person, never a fact


def full_title(record: dict) -> str:
    """A record's title with its subtitle ("Title: Subtitle"), unless the title already holds it; "" for none."""
    title, subtitle = text(record.get("title")) or "", text(record.get("subtitle"))
    return f"{title}: {subtitle}" if subtitle and subtitle.casefold() not in title.casefold() else title


def text(value) -> str | None:
    """A JSON string, or the first string of a JSON list of them, stripped; None otherwise."""
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str) and item.strip()), None)
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def year_in(value) -> int | None:
    match = YEAR.search(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def checked_isbns(values) -> tuple[str, ...]:
    """The valid ISBNs among `values`, as ISBN-13 without hyphens, in order, once each."""
    found: dict[str, None] = {}
    for value in values if isinstance(values, list) else ():
        if isinstance(value, str) and isbn_numbers.is_valid(value):
            found[isbn_numbers.to_isbn13(isbn_numbers.compact(value))] = None
    return tuple(found)


def doi_page(doi: str) -> str:
    return f"https://doi.org/{doi}"


# ---------------------------------------------------------------- Crossref


def crossref_search_url(base: str, title: str, creators: tuple[str, ...], venue: str | None, contact: str) -> str:
    query = {"query.bibliographic": " ".join(filter(None, (title, venue)))}
    if creators:
        query["query.author"] = " ".join(name.split(",")[0] for name in creators[:3])
    query |= {"rows": str(ROWS), "mailto": contact}
    return f"{base.rstrip('/')}/works?{urlencode(query)}"


def crossref_work_url(base: str, doi: str, contact: str) -> str:
    return f"{base.rstrip('/')}/works/{quote(doi, safe='/')}?{urlencode({'mailto': contact})}"


def read_crossref(answer: object, response: str) -> list[Candidate]:
    """Candidates in a Crossref answer: a list of works (`/works?query...`) or one work (`/works/{doi}`)."""
    if not isinstance(answer, dict) or answer.get("status") != "ok":
        return []
    message = answer.get("message")
    if not isinstance(message, dict):
        return []
    items = message.get("items") if answer.get("message-type") == "work-list" else [message]
    works = (crossref_work(item, response) for item in (items if isinstance(items, list) else []))
    return [work for work in works if work is not None]


def crossref_work(item: object, response: str) -> Candidate | None:
    if not isinstance(item, dict):
        return None
    doi, title = text(item.get("DOI")), full_title(item)
    if not doi or not DOI.match(doi) or not title:
        return None
    creators = []
    for author in item.get("author") or ():
        if isinstance(author, dict):
            family, given = text(author.get("family")), text(author.get("given"))
            name = f"{family}, {given}" if family and given else family or text(author.get("name"))
            if name:
                creators.append(name)
    year = None
    for key in ("issued", "published", "published-print", "published-online", "created"):
        parts = item.get(key, {}).get("date-parts") if isinstance(item.get(key), dict) else None
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            first = parts[0][0]
            if isinstance(first, int) and 1800 <= first <= 2100:
                year = first
                break
    return Candidate(
        service=CROSSREF,
        page=doi_page(doi),
        response=response,
        title=title,
        creators=tuple(creators),
        year=year,
        venue=text(item.get("container-title")) or text(item.get("publisher")),
        doi=doi,
        isbn=checked_isbns(item.get("ISBN")),
        url=doi_page(doi),
    )


# ---------------------------------------------------------------- Open Library


def openlibrary_search_url(base: str, title: str, creators: tuple[str, ...]) -> str:
    query = {"title": title}
    if creators:
        query["author"] = creators[0].split(",")[0]
    fields = "key,title,subtitle,author_name,first_publish_year,isbn,publisher"
    query |= {"fields": fields, "limit": str(ROWS)}
    return f"{base.rstrip('/')}/search.json?{urlencode(query)}"


def openlibrary_isbn_url(base: str, isbn: str) -> str:
    return f"{base.rstrip('/')}/isbn/{isbn}.json"


def read_openlibrary_search(answer: object) -> list[dict]:
    """The works of a search answer that carry a key and a title."""
    docs = answer.get("docs") if isinstance(answer, dict) else None
    return [
        doc
        for doc in (docs if isinstance(docs, list) else [])
        if isinstance(doc, dict) and text(doc.get("key")) and text(doc.get("title"))
    ]


def openlibrary_work(doc: dict, response: str) -> Candidate:
    """A work of a search answer as a candidate: its authors and first year, but no single edition's ISBN."""
    return Candidate(
        service=OPENLIBRARY,
        page=f"https://openlibrary.org{text(doc.get('key'))}",
        response=response,
        title=full_title(doc),
        creators=tuple(inverted(name) for name in doc.get("author_name") or () if text(name)),
        year=doc.get("first_publish_year") if isinstance(doc.get("first_publish_year"), int) else None,
        venue=text(doc.get("publisher")),
    )


def read_openlibrary_edition(answer: object, response: str, work: Candidate) -> Candidate | None:
    """One edition (`/isbn/{isbn}.json`) as a candidate: the work's authors, the edition's year and ISBNs."""
    if not isinstance(answer, dict) or not text(answer.get("key")) or not text(answer.get("title")):
        return None
    isbns = checked_isbns([*(answer.get("isbn_13") or []), *(answer.get("isbn_10") or [])])
    if not isbns:
        return None
    return Candidate(
        service=OPENLIBRARY,
        page=f"https://openlibrary.org{text(answer.get('key'))}",
        response=response,
        title=full_title(answer),
        creators=work.creators,
        year=year_in(answer.get("publish_date")),
        venue=text(answer.get("publishers")) or work.venue,
        isbn=isbns,
    )


# ---------------------------------------------------------------- PubMed


def pubmed_search_url(base: str, title: str, contact: str) -> str:
    query = {"db": "pubmed", "term": f"{title}[Title]", "retmode": "json", "retmax": str(ROWS)}
    query |= {"tool": "mentor-guide", "email": contact}
    return f"{base.rstrip('/')}/esearch.fcgi?{urlencode(query)}"


def pubmed_summary_url(base: str, ids: list[str], contact: str) -> str:
    query = {"db": "pubmed", "id": ",".join(ids), "retmode": "json", "tool": "mentor-guide", "email": contact}
    return f"{base.rstrip('/')}/esummary.fcgi?{urlencode(query)}"


def read_pubmed_ids(answer: object) -> list[str]:
    result = answer.get("esearchresult") if isinstance(answer, dict) else None
    ids = result.get("idlist") if isinstance(result, dict) else None
    return [i for i in (ids if isinstance(ids, list) else []) if isinstance(i, str) and i.isdigit()][:ROWS]


def read_pubmed_summaries(answer: object, response: str) -> list[Candidate]:
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, dict) or not isinstance(result.get("uids"), list):
        return []
    found = []
    for uid in result["uids"]:
        record = result.get(uid) if isinstance(uid, str) else None
        if isinstance(record, dict) and (title := text(record.get("title"))):
            ids = {i.get("idtype"): text(i.get("value")) for i in record.get("articleids") or () if isinstance(i, dict)}
            doi = ids.get("doi") if ids.get("doi") and DOI.match(ids["doi"] or "") else None
            authors = [a.get("name") for a in record.get("authors") or () if isinstance(a, dict)]
            found.append(
                Candidate(
                    service=PUBMED,
                    page=f"https://pubmed.ncbi.nlm.nih.gov/{uid}/",
                    response=response,
                    title=title.rstrip("."),
                    creators=tuple(filter(None, (pubmed_name(name) for name in authors))),
                    year=year_in(record.get("pubdate")),
                    venue=text(record.get("fulljournalname")) or text(record.get("source")),
                    doi=doi,
                    url=doi_page(doi) if doi else None,
                )
            )
    return found


def inverted(name: str) -> str:
    """ "Sharon E. Straus" → "Straus, Sharon E." (Open Library writes people given name first)."""
    words = name.split()
    return f"{words[-1]}, {' '.join(words[:-1])}" if len(words) > 1 else name.strip()


def pubmed_name(name) -> str | None:
    """ "Zerzan JT" → "Zerzan, J. T."; a collective name is kept whole."""
    if not isinstance(name, str) or not name.strip():
        return None
    words = name.split()
    if len(words) > 1 and words[-1].isupper() and words[-1].isalpha() and len(words[-1]) <= 3:
        return f"{' '.join(words[:-1])}, {' '.join(letter + '.' for letter in words[-1])}"
    return " ".join(words)
