"""Precision of `mentor-guide find`: each curated fact hidden in turn, against services answering with decoys.

Run: python benchmarks/bench_find.py   (writes its section of benchmarks/RESULTS.md; no network)

For every resource of the real guide and every fact it has curated that a service can hold (DOI,
year, creators, and a URL that is its DOI's doi.org address), the fact is hidden and the finder asks
loopback fakes of Crossref, PubMed and Open Library (tests/fake_scholar.py). They answer in each
service's documented shape with the true record — made from the curated facts — among four decoys,
all SYNTHETIC (DOIs under Crossref's test prefix 10.5555, PubMed ids from 99000000):

- another edition: the same title and creators, the next year, another DOI;
- a near title: the title with its last word swapped, by other people, the same year;
- the same first author's other work: another title, the same creators and year;
- a wrong year: the same title and creators six years earlier (a meeting abstract), another DOI.

Per fact it reports how often the best candidate proposing the fact has the curated value, how
often the fact is accepted (put in a snippet) with the curated value, and how often a wrong value
scores at or above the acceptance threshold or is accepted. The target is no wrong value accepted.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from pipeline.curation import read_curation
from pipeline.find.http import Client, make_session
from pipeline.find.run import Finder, FindOptions, known_resources
from pipeline.find.score import THRESHOLD, Known, best_values, missing_facts, rank, same_value
from pipeline.find.services import doi_page

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' loopback fakes
sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import machine_line, write_section
from tests.fake_scholar import FakeScholar, Rule

ROOT = Path(__file__).resolve().parent.parent

RAW = ROOT / "data" / "raw" / "mentoring-resources.txt"
CURATION = ROOT / "data" / "raw" / "curation.toml"
ZERO = {"crossref": 0.0, "openlibrary": 0.0, "pubmed": 0.0, "archive": 0.0}
SEARCHED = ("article", "journal-article", "book")
CONTACT = "benchmark@example.edu"
OTHERS = ["Other, Olive", "Else, Eli"]  # the near title's people: nobody of the guide


def facts_to_hide(known: Known) -> list[str]:
    """The curated facts a service can hold: the URL only when it is the DOI's own address."""
    facts = []
    if known.url and known.doi and known.url == doi_page(known.doi):
        facts.append("url")
    if known.doi:
        facts.append("doi")
    if known.year:
        facts.append("year")
    if known.creators:
        facts.append("creators")
    return facts


def hidden(known: Known, fact: str) -> Known:
    return replace(known, **{fact: () if fact in ("creators", "isbn") else None})


def records(known: Known, number: int) -> list[dict]:
    """The true record and four decoys, as plain facts (synthetic identifiers for the decoys)."""
    title, creators, year = known.title or "", list(known.creators), known.year or 2015
    words = title.split()
    near = " ".join([*words[:-1], "Outcomes" if words[-1:] != ["Outcomes"] else "Results"])
    truth = {"role": "true", "title": title, "creators": creators, "year": year, "doi": known.doi}
    if not truth["doi"]:
        truth["doi"] = f"10.5555/true.{number}"
    return [
        truth,
        {"role": "edition", "title": title, "creators": creators, "year": year + 1, "doi": f"10.5555/ed.{number}"},
        {"role": "near", "title": near, "creators": OTHERS, "year": year, "doi": f"10.5555/nt.{number}"},
        {
            "role": "other-work",
            "title": "A Survey of Wellbeing Among Medical Trainees",
            "creators": creators,
            "year": year,
            "doi": f"10.5555/ow.{number}",
        },
        {"role": "wrong-year", "title": title, "creators": creators, "year": year - 6, "doi": f"10.5555/wy.{number}"},
    ]


def crossref_item(record: dict, venue: str | None) -> dict:
    authors = []
    for name in record["creators"]:
        family, _, given = name.partition(", ")
        person = {"given": given, "family": family, "sequence": "additional", "affiliation": []}
        authors.append(person if given else {"name": name})
    return {
        "DOI": record["doi"],
        "title": [record["title"]],
        "author": authors,
        "issued": {"date-parts": [[record["year"], 1]]},
        "container-title": [venue] if venue else [],
        "type": "journal-article",
        "URL": doi_page(record["doi"]),
        "score": 10.0,
    }


def pubmed_record(record: dict, uid: str, venue: str | None) -> dict:
    names = []
    for name in record["creators"]:
        family, _, given = name.partition(", ")
        initials = "".join(word[0] for word in given.split())
        names.append({"name": f"{family} {initials}" if given else name, "authtype": "Author"})
    return {
        "uid": uid,
        "title": record["title"] + ".",
        "authors": names,
        "pubdate": f"{record['year']} Jan",
        "fulljournalname": venue or "",
        "articleids": [{"idtype": "pubmed", "value": uid}, {"idtype": "doi", "value": record["doi"]}],
    }


def rules_for(known: Known, records_: list[dict]) -> list[Rule]:
    order = records_[1:3] + records_[:1] + records_[3:]  # the true record is never first
    venue = known.publisher
    items = [crossref_item(r, venue) for r in order]
    works = {"status": "ok", "message-type": "work-list", "message": {"items": items}}
    truth = records_[0]
    own = {"status": "ok", "message-type": "work", "message": crossref_item(truth, venue)}
    uids = [str(99000000 + i) for i in range(len(order))]
    summaries = {"uids": uids} | {uid: pubmed_record(r, uid, venue) for uid, r in zip(uids, order, strict=True)}
    docs = [
        {
            "key": f"/works/OL99{n}W",
            "title": r["title"],
            "author_name": [" ".join(reversed(c.split(", "))) for c in r["creators"]],
            "first_publish_year": r["year"],
            "publisher": [venue] if venue else [],
        }
        for n, r in enumerate(order)
    ]
    return [
        Rule("/crossref/works/", own),
        Rule("/crossref/works", works),
        Rule("/pubmed/esearch.fcgi", {"esearchresult": {"idlist": uids}}),
        Rule("/pubmed/esummary.fcgi", {"result": summaries}),
        Rule("/openlibrary/search.json", {"numFound": len(docs), "docs": docs}),
    ]


def main() -> None:
    curation = read_curation(CURATION)
    resources = known_resources(RAW, curation)
    tally: dict[str, Counter] = {}
    not_searched = sum(1 for k in resources if k.type not in SEARCHED or not k.title)
    started = time.monotonic()
    with FakeScholar() as fake:
        options = FindOptions(bases=fake.bases(), intervals=ZERO, cache=None, link_status=None, contact=CONTACT)
        options = replace(options, services=("crossref", "pubmed", "openlibrary"))
        for number, known in enumerate(resources):
            if known.type not in SEARCHED or not known.title:
                continue
            for fact in facts_to_hide(known):
                question, truth = hidden(known, fact), getattr(known, fact)
                fake.rules = rules_for(known, records(known, number))
                client = Client(fake_session(), timeout=5.0, deadline=time.monotonic() + 60, intervals=ZERO)
                found = Finder(client, options, CONTACT).candidates(question, missing_facts(question), False)
                ranked = rank(question, found)
                count = tally.setdefault(fact, Counter())
                count["trials"] += 1
                offering = [s for s in ranked if fact in s.proposes]
                if offering and same_value(fact, offering[0].proposes[fact], truth):
                    count["top is curated"] += 1
                chosen = best_values(ranked).get(fact)
                if chosen and same_value(fact, chosen[0], truth):
                    count["accepted, curated"] += 1
                wrong = [s for s in offering if not same_value(fact, s.proposes[fact], truth)]
                if any(s.score >= THRESHOLD for s in wrong):
                    count["wrong ≥ threshold"] += 1
                if chosen and not same_value(fact, chosen[0], truth):
                    count["wrong accepted"] += 1
    elapsed = time.monotonic() - started
    write_section("find: precision with facts hidden", report(tally, not_searched, len(resources), elapsed))
    print(report(tally, not_searched, len(resources), elapsed))


def fake_session():
    return make_session(None, f"mentor-guide-benchmark (mailto:{CONTACT})")


def report(tally: dict[str, Counter], not_searched: int, total: int, elapsed: float) -> str:
    columns = ("trials", "top is curated", "accepted, curated", "wrong ≥ threshold", "wrong accepted")
    lines = [
        machine_line(),
        "",
        f"`benchmarks/bench_find.py`: each curated fact of the guide's {total} resources hidden in turn, and the",
        "finder run against loopback fakes of Crossref, PubMed and Open Library answering with the true record",
        "among four synthetic decoys (another edition, a near title, the same author's other work, a wrong year).",
        f"{not_searched} resources are of a kind no service holds (podcasts, web pages, campus pages) or have no",
        "known title, and are not searched. ISBNs are not measured: these fakes hold no Open Library edition records.",
        f"Acceptance threshold {THRESHOLD}; {elapsed:.1f} s in all.",
        "",
        "| fact | " + " | ".join(columns) + " |",
        "| --- |" + " ---: |" * len(columns),
    ]
    for fact, count in tally.items():
        lines.append(f"| {fact} | " + " | ".join(str(count[c]) for c in columns) + " |")
    lines += [
        "",
        '"top is curated": the best-scored candidate proposing the fact has the curated value;',
        '"accepted, curated": the snippet holds the curated value; "wrong ≥ threshold" and "wrong accepted":',
        "a decoy's value scored at or above the threshold, or reached the snippet (the target for both is 0).",
        "Without a DOI to tell them apart, a year or creators stay unaccepted when two records fit equally",
        "well (another edition, a near title): precision comes first.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
