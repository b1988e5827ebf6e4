"""How well a candidate fits what is known of a resource, and whether it may be proposed (pure).

Precision over recall: a candidate is accepted only when its title is nearly the same, something
else known agrees (its DOI or ISBN, creators, year or venue), nothing known contradicts it, and no
rival proposing a different value for a missing fact is better or nearly as good (two editions of
one book, a paper and its erratum): such a candidate is ambiguous, its score halved, and a person
decides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from pipeline.find.services import Candidate, checked_isbns

THRESHOLD = 0.85  # a candidate scoring this or more is proposed in the resource's snippet
MIN_TITLE = 0.9  # title similarity below which nothing is accepted, whatever else agrees
RIVAL_MARGIN = 0.1  # a rival within this much of a candidate's match makes both ambiguous
WEIGHTS = {"title": 0.55, "creators": 0.25, "year": 0.12, "venue": 0.08}
FACTS = ("url", "doi", "year", "creators", "isbn")  # the facts the finder looks for


@dataclass(frozen=True)
class Known:
    """What the curation file already says of a resource (the finder's question), as plain values."""

    id: str
    type: str
    section: str
    title: str | None  # None when the title is not known (a devised title)
    creators: tuple[str, ...] = ()
    year: int | None = None
    publisher: str | None = None
    url: str | None = None
    doi: str | None = None
    isbn: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What matched between a candidate and the resource; None where one side does not say."""

    title: float
    creators: tuple[int, int] | None = None  # (known family names found in the candidate, known family names)
    year: bool | None = None
    venue: bool | None = None
    identifier: bool | None = None  # its DOI (or an ISBN) is the resource's own; None when one side has none


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    evidence: Evidence
    match: float  # the evidence weighed, 0–1
    score: float  # the match, halved when ambiguous
    proposes: dict[str, object] = field(default_factory=dict)  # missing fact → this candidate's value
    ambiguous: bool = False
    accepted: bool = False


def fold(value: str) -> str:
    """Lowercase words without accents or punctuation, for comparing titles and names."""
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    return " ".join(re.findall(r"[^\W_]+", value))


def title_similarity(known: str, found: str) -> float:
    return round(SequenceMatcher(None, fold(known), fold(found), autojunk=False).ratio(), 3)


def family(name: str) -> str:
    return fold(name.split(",", 1)[0] if "," in name else name)


def venue_agrees(known: str, found: str) -> bool:
    """The shorter name's words all in the longer one ("BMC Medical Education" in "BMC Med Educ"? no)."""
    a, b = set(fold(known).split()), set(fold(found).split())
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return bool(small) and len(small & large) / len(small) >= 0.8


def weigh(known: Known, candidate: Candidate) -> Evidence:
    creators = None
    if known.creators:
        families = {family(name) for name in known.creators}
        found = {family(name) for name in candidate.creators}
        creators = (len(families & found), len(families))
    identifier = None
    if known.doi and candidate.doi:
        identifier = known.doi.casefold() == candidate.doi.casefold()
    elif known.isbn and candidate.isbn:
        identifier = bool(set(checked_isbns(list(known.isbn))) & set(candidate.isbn))  # both as ISBN-13
    return Evidence(
        identifier=identifier,
        title=title_similarity(known.title or "", candidate.title or ""),
        creators=creators,
        year=None if known.year is None or candidate.year is None else known.year == candidate.year,
        venue=None if not known.publisher or not candidate.venue else venue_agrees(known.publisher, candidate.venue),
    )


def match_of(evidence: Evidence) -> float:
    """The evidence weighed: an average over what both sides say, cut down by what contradicts."""
    parts = {"title": evidence.title}
    if evidence.creators is not None:
        parts["creators"] = evidence.creators[0] / evidence.creators[1]
    if evidence.year is not None:
        parts["year"] = float(evidence.year)
    if evidence.venue is not None:
        parts["venue"] = float(evidence.venue)
    value = sum(WEIGHTS[k] * v for k, v in parts.items()) / sum(WEIGHTS[k] for k in parts)
    if evidence.year is False:
        value *= 0.6  # another year: another edition or another work
    if evidence.creators is not None and evidence.creators[0] == 0:
        value *= 0.5  # none of the known people: another work
    if len(parts) == 1:
        value *= 0.8  # the title alone: nothing corroborates it
    if evidence.identifier is True:
        value = 1.0  # the resource's own DOI or ISBN: the record is the resource, whatever its title says
    elif evidence.identifier is False:
        value *= 0.3  # another DOI or ISBN than the resource's own: another work or edition
    return round(value, 3)


def proposals(known: Known, candidate: Candidate) -> dict[str, object]:
    """The facts this candidate would give that the resource lacks."""
    if candidate.kind != "record":
        return {}
    offered: dict[str, object] = {
        "url": candidate.url,
        "doi": candidate.doi,
        "year": candidate.year,
        "creators": candidate.creators or None,
        "isbn": candidate.isbn or None,
    }
    return {fact: value for fact, value in offered.items() if value and fact in missing_facts(known)}


def missing_facts(known: Known) -> tuple[str, ...]:
    """The facts a resource of its kind should have and does not."""
    wanted = ["url", "year", "creators"]
    if known.type in ("article", "journal-article"):
        wanted.insert(1, "doi")
    if known.type == "book":
        wanted.append("isbn")
    have = {"url": known.url, "doi": known.doi, "year": known.year, "creators": known.creators, "isbn": known.isbn}
    return tuple(fact for fact in FACTS if fact in wanted and not have[fact])


def same_value(fact: str, a: object, b: object) -> bool:
    if fact == "creators":
        return {family(n) for n in a} == {family(n) for n in b}  # type: ignore[attr-defined]
    if fact == "isbn":
        return bool(set(a) & set(b))  # type: ignore[call-overload]
    if fact in ("doi", "url") and isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    return a == b


def contradicts(offered: dict[str, object], other: dict[str, object]) -> bool:
    """Whether two candidates propose different values for one fact."""
    return any(fact in other and not same_value(fact, value, other[fact]) for fact, value in offered.items())


def rank(known: Known, candidates: list[Candidate]) -> list[Scored]:
    """Every candidate weighed, marked ambiguous or accepted, best first (ties keep the services' order)."""
    first = []
    for candidate in candidates:
        evidence = weigh(known, candidate)
        first.append((candidate, evidence, match_of(evidence), proposals(known, candidate)))
    ranked = []
    for candidate, evidence, match, offered in first:
        ambiguous = any(
            other is not candidate and other_match >= match - RIVAL_MARGIN and contradicts(offered, other_offered)
            for other, _, other_match, other_offered in first
        )
        score = round(match / 2 if ambiguous else match, 3)
        corroborated = bool(
            evidence.identifier or evidence.year or evidence.venue or (evidence.creators and evidence.creators[0])
        )
        accepted = bool(offered) and score >= THRESHOLD and evidence.title >= MIN_TITLE and corroborated
        ranked.append(Scored(candidate, evidence, match, score, offered, ambiguous, accepted))
    return sorted(ranked, key=lambda s: (-s.score, not s.proposes))  # at a tie, what offers a fact first


def best_values(ranked: list[Scored]) -> dict[str, tuple[object, Scored]]:
    """For each missing fact, the value of the best accepted candidate that proposes it."""
    chosen: dict[str, tuple[object, Scored]] = {}
    for scored in ranked:
        if scored.accepted:
            for fact, value in scored.proposes.items():
                chosen.setdefault(fact, (value, scored))
    return chosen
