"""`mentor-guide find` against loopback fakes of Crossref, Open Library, PubMed and the Internet Archive.

The answers are hand-made in each service's documented shape (tests/fixtures/find/README.md); the
guide and curation file are the real ones. Nothing here reaches the internet.
"""

from __future__ import annotations

import csv
import itertools
import re
import time
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import ServiceUnavailable
from pipeline.find.run import FindOptions, find
from tests.fake_scholar import FakeScholar, Rule

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw" / "mentoring-resources.txt"
CURATION = ROOT / "data" / "raw" / "curation.toml"
CONTACT = "librarian@example.edu"
URIM = "urim-surgical-subspecialty-career-choice"
URIM_TITLE = "Factors Influencing Underrepresented"
MENTORSHIP = "mentorship-in-academic-medicine"
NO_INTERVALS = {"crossref": 0.0, "openlibrary": 0.0, "pubmed": 0.0, "archive": 0.0}
GOOD_MATCH = [
    Rule("/crossref/works", "crossref-works-good-match.json", has=URIM_TITLE),
    Rule("/pubmed/esearch.fcgi", "pubmed-esearch-good-match.json", has=URIM_TITLE),
    Rule("/pubmed/esummary.fcgi", "pubmed-esummary-good-match.json", has="99000001"),
]
TWO_EDITIONS = [
    Rule("/openlibrary/search.json", "openlibrary-search-two-editions.json", has="title=Mentorship in Academic"),
    Rule("/openlibrary/isbn/9781118000014.json", "openlibrary-isbn-ebook-2013.json"),
    Rule("/openlibrary/isbn/9781118000021.json", "openlibrary-isbn-print-2014.json"),
]


def options(tmp_path: Path, fake: FakeScholar, **changes) -> FindOptions:
    base = FindOptions(
        review=tmp_path / "review" / "candidates.toml",
        cache=None,
        contact=CONTACT,
        bases=fake.bases(),
        timeout=2.0,
        deadline=60.0,
        link_status=None,
        intervals=NO_INTERVALS,
    )
    return replace(base, **changes)


def review_of(path: Path) -> dict[str, dict]:
    return {item["id"]: item for item in tomllib.loads(path.read_text(encoding="utf-8"))["review"]}


def test_a_good_match_is_proposed_with_its_evidence_and_a_snippet(tmp_path):
    with FakeScholar(GOOD_MATCH) as fake:
        opts = options(tmp_path, fake, services=("crossref", "pubmed"))
        result = find(RAW, CURATION, opts)
    review = review_of(opts.review)
    urim = review[URIM]
    assert urim["missing"] == ["url", "doi", "year"]
    best, *others = urim["candidate"]
    assert best["accepted"] and not best["ambiguous"] and best["score"] >= 0.85
    assert best["page"] == "https://doi.org/10.5555/urim.2023.0001"
    assert best["response"].startswith(f"{fake.url}/")
    assert best["title_similarity"] == 1.0 and best["creators_matched"] == "6 of 6"
    assert best["proposes"] == {
        "url": "https://doi.org/10.5555/urim.2023.0001",
        "doi": "10.5555/urim.2023.0001",
        "year": 2022,
    }
    # Crossref and PubMed agree: both are accepted; the unrelated work is not
    services = {c["service"]: c for c in urim["candidate"] if c["accepted"]}
    assert set(services) == {"crossref", "pubmed"}
    assert services["pubmed"]["page"] == "https://pubmed.ncbi.nlm.nih.gov/99000001/"
    unrelated = next(c for c in others if c["page"].endswith("other.2021.0042"))
    assert not unrelated["accepted"] and unrelated["score"] < 0.5
    snippet = tomllib.loads(urim["snippet"])["resource"][0]
    assert snippet["doi"] == "10.5555/urim.2023.0001" and snippet["year"] == 2022
    assert snippet["url"] == "https://doi.org/10.5555/urim.2023.0001"
    assert snippet["sources"][-1] == "https://doi.org/10.5555/urim.2023.0001"
    assert "Proposed by mentor-guide find" in snippet["research"]
    assert result.proposed == 1 and result.complete
    # polite: the project and a contact in every request, Crossref's mailto, PubMed's tool and email
    for seen in fake.seen:
        assert "mentor-guide" in seen.headers["User-Agent"] and CONTACT in seen.headers["User-Agent"]
    assert all(f"mailto={CONTACT}" in s.query for s in fake.requests_to("/crossref"))
    assert all(f"email={CONTACT}" in s.query for s in fake.requests_to("/pubmed"))


def test_the_curation_file_is_never_changed(tmp_path):
    curation = tmp_path / "curation.toml"
    curation.write_bytes(CURATION.read_bytes())
    with FakeScholar(GOOD_MATCH) as fake:
        find(RAW, curation, options(tmp_path, fake, services=("crossref",)))
    assert curation.read_bytes() == CURATION.read_bytes()


def hiding(tmp_path: Path, *lines: str) -> Path:
    """A copy of the real curation file with these lines of the Mentorship record left out: facts to find."""
    text = CURATION.read_text(encoding="utf-8")
    block = text.index(f'id = "{MENTORSHIP}"')
    for line in lines:
        at = text.index(line + "\n", block)
        text = text[:at] + text[at + len(line) + 1 :]
    copy = tmp_path / "curation-hidden.toml"
    copy.write_text(text, encoding="utf-8")
    return copy


MENTORSHIP_YEAR, MENTORSHIP_ISBN = "year = 2013", 'isbn = ["9781118446041"]'


def test_two_editions_are_ambiguous_when_the_year_is_not_known(tmp_path):
    with FakeScholar(TWO_EDITIONS) as fake:
        opts = options(tmp_path, fake, services=("openlibrary",))
        find(RAW, hiding(tmp_path, MENTORSHIP_YEAR, MENTORSHIP_ISBN), opts)
    book = review_of(opts.review)[MENTORSHIP]
    editions = {c["page"]: c for c in book["candidate"] if c["page"].startswith("https://openlibrary.org/books/")}
    assert set(editions) == {"https://openlibrary.org/books/OL99000001M", "https://openlibrary.org/books/OL99000002M"}
    assert all(c["ambiguous"] and not c["accepted"] for c in editions.values())
    assert {c["year"] for c in editions.values()} == {2013, 2014}
    assert "snippet" not in book  # a person decides


def test_the_known_year_settles_the_edition(tmp_path):
    with FakeScholar(TWO_EDITIONS) as fake:
        opts = options(tmp_path, fake, services=("openlibrary",))
        find(RAW, hiding(tmp_path, MENTORSHIP_ISBN), opts)
    book = review_of(opts.review)[MENTORSHIP]
    best = book["candidate"][0]
    assert best["page"] == "https://openlibrary.org/books/OL99000001M" and best["accepted"]
    assert best["proposes"] == {"isbn": ["9781118000014"]}
    print_edition = next(c for c in book["candidate"] if c["page"].endswith("OL99000002M"))
    assert print_edition["year_matches"] is False and not print_edition["accepted"]
    assert "9781118000014" in book["snippet"]


def test_no_match_lists_no_candidate(tmp_path):
    rules = [Rule("/openlibrary/search.json", "openlibrary-search-no-match.json", has="Mentee")]
    with FakeScholar(rules) as fake:
        opts = options(tmp_path, fake, services=("openlibrary",))
        find(RAW, CURATION, opts)
    zachary = review_of(opts.review)["mentees-guide-zachary"]
    assert zachary["missing"] == ["url", "year"]
    assert "candidate" not in zachary and "snippet" not in zachary
    # the five books but Landefeld's, which has its year, creators and ISBN: once each
    assert len(fake.requests_to("/openlibrary/search.json")) == 4


def test_a_rate_limit_is_waited_out_as_retry_after_says(tmp_path):
    rules = [Rule("/crossref/works", b'{"message": "slow down"}', status=429, headers={"Retry-After": "1"}, times=1)]
    with FakeScholar(rules + GOOD_MATCH) as fake:
        opts = options(tmp_path, fake, services=("crossref",))
        find(RAW, CURATION, opts)
    first, second = fake.requests_to("/crossref")[:2]
    assert first.query == second.query
    assert second.at - first.at >= 0.95
    assert "snippet" in review_of(opts.review)[URIM]


def test_a_service_that_keeps_refusing_stops_the_run_and_keeps_the_previous_review(tmp_path):
    rules = [Rule("/crossref/works", b"{}", status=429, headers={"Retry-After": "0"})]
    with FakeScholar(rules) as fake:
        opts = options(tmp_path, fake, services=("crossref",))
        opts.review.parent.mkdir(parents=True)
        opts.review.write_text("previous review\n", encoding="utf-8")
        with pytest.raises(ServiceUnavailable) as caught:
            find(RAW, CURATION, opts)
    assert "crossref" in caught.value.message and "429" in caught.value.message
    assert opts.review.read_text(encoding="utf-8") == "previous review\n"
    assert len(fake.requests_to("/crossref")) == 3  # the first try and two retries, then it stops


def test_a_malformed_answer_is_noted_not_fatal(tmp_path):
    rules = [Rule("/crossref/works", b"<html>Service Unavailable</html>", has=URIM_TITLE)]
    with FakeScholar(rules) as fake:
        opts = options(tmp_path, fake, services=("crossref",))
        find(RAW, CURATION, opts)
    urim = review_of(opts.review)[URIM]
    (note,) = urim["unreadable_answers"]
    assert note.startswith(f"{fake.url}/crossref/works?") and note.endswith("(the answer is not JSON)")
    assert "candidate" not in urim


def test_a_malformed_item_is_skipped_and_the_others_read():
    from pipeline.find.services import read_crossref

    answer = {"status": "ok", "message-type": "work-list", "message": {"items": [None, {"DOI": 5}, {"title": []}]}}
    assert read_crossref(answer, "x") == []
    assert read_crossref(["not", "a", "dict"], "x") == []


def test_cli_a_service_that_hangs_exits_4_with_one_line_and_keeps_the_previous_review(tmp_path, capsys):
    review = tmp_path / "candidates.toml"
    review.write_text("previous review\n", encoding="utf-8")
    rules = [Rule("/crossref/works", delay=3.0)]
    with FakeScholar(rules) as fake:
        started = time.monotonic()
        status = main(
            [
                "find",
                "--raw",
                str(RAW),
                "--curation",
                str(CURATION),
                "--review",
                str(review),
                "--no-cache",
                "--contact",
                CONTACT,
                "--service",
                "crossref",
                "--crossref-url",
                fake.bases()["crossref"],
                "--timeout",
                "0.5",
                "--link-status",
                str(tmp_path / "none.json"),
            ]
        )
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert status == 4
    assert err.startswith("error: crossref (127.0.0.1:") and "did not answer in time" in err
    assert "Traceback" not in err
    assert review.read_text(encoding="utf-8") == "previous review\n"
    assert elapsed < 2.5  # one timeout and one retry of a 5xx at most, never the server's 3 s


def test_cli_a_service_that_drips_its_answer_is_cut_at_the_timeout(tmp_path, capsys):
    """Each byte of the answer comes within the timeout, the whole never does: that is no answer in time."""
    review = tmp_path / "candidates.toml"
    rules = [Rule("/crossref/works", body={"status": "ok", "message": {"items": []}, "padding": "x" * 200}, drip=0.05)]
    with FakeScholar(rules) as fake:
        started = time.monotonic()
        files = ["--raw", str(RAW), "--curation", str(CURATION), "--review", str(review)]
        files += ["--link-status", str(tmp_path / "none.json")]
        service = ["--service", "crossref", "--crossref-url", fake.bases()["crossref"]]
        status = main(["find", *files, "--no-cache", "--contact", CONTACT, *service, "--timeout", "0.5"])
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert status == 4 and "did not answer in time" in err and "Traceback" not in err
    assert not review.exists()
    assert elapsed < 3  # the answer takes 12 s to drip; each try is cut at 0.5 s


def test_cli_offline_exits_4(tmp_path, capsys):
    with FakeScholar() as fake:
        closed = fake.bases()["crossref"]
    status = main(
        [
            "find",
            "--raw",
            str(RAW),
            "--curation",
            str(CURATION),
            "--review",
            str(tmp_path / "r.toml"),
            "--no-cache",
            "--contact",
            CONTACT,
            "--service",
            "crossref",
            "--crossref-url",
            closed,
            "--timeout",
            "1",
        ]
    )
    err = capsys.readouterr().err
    assert status == 4 and "could not be reached" in err and not (tmp_path / "r.toml").exists()
    assert err.count("\n") == 2  # the line and its hint


def test_cli_without_a_contact_is_wrong_usage(tmp_path, capsys):
    status = main(["find", "--raw", str(RAW), "--curation", str(CURATION), "--review", str(tmp_path / "r.toml")])
    assert status == 2 and "contact" in capsys.readouterr().err


def test_answers_are_cached_for_the_next_run(tmp_path):
    with FakeScholar(GOOD_MATCH) as fake:
        opts = options(tmp_path, fake, services=("crossref", "pubmed"), cache=tmp_path / "cache.sqlite")
        first = find(RAW, CURATION, opts)
        asked = len(fake.seen)
        second = find(RAW, CURATION, opts)
    assert first.requests == asked > 0
    assert second.requests == 0 and len(fake.seen) == asked
    assert second.proposed == first.proposed == 1


def test_each_service_is_asked_at_its_pace(tmp_path):
    with FakeScholar(TWO_EDITIONS) as fake:
        find(RAW, CURATION, options(tmp_path, fake, services=("openlibrary",), intervals={"openlibrary": 0.3}))
    times = [seen.at for seen in fake.requests_to("/openlibrary")]
    assert len(times) >= 5
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.28


def test_the_deadline_ends_the_run_with_what_was_found(tmp_path):
    with FakeScholar() as fake:
        opts = options(tmp_path, fake, services=("openlibrary",), deadline=0.5, intervals={"openlibrary": 0.2})
        result = find(RAW, CURATION, opts)
    assert not result.complete and result.requests < 5  # five books to ask about; the deadline came first
    assert tomllib.loads(opts.review.read_text(encoding="utf-8"))["run"]["complete"] is False


def test_an_archived_copy_of_a_source_page_is_a_lead_not_a_fact(tmp_path):
    rules = [Rule("/archive/wayback/available", "archive-available.json", has="cultural-resource-guide-gather")]
    with FakeScholar(rules) as fake:
        opts = options(tmp_path, fake, services=("archive",))
        find(RAW, CURATION, opts)
    guide = review_of(opts.review)["uvm-cultural-resource-guide"]
    (lead,) = guide["candidate"]
    assert lead["kind"] == "archived-copy" and not lead["accepted"] and "proposes" not in lead
    assert lead["page"].startswith("http://web.archive.org/web/20230401000000/")
    assert "taken 2023-04-01" in lead["title"]


def test_the_snippet_pastes_into_the_curation_file_and_builds(tmp_path):
    with FakeScholar(GOOD_MATCH + TWO_EDITIONS) as fake:
        opts = options(tmp_path, fake, services=("crossref", "pubmed", "openlibrary"))
        hidden = hiding(tmp_path, MENTORSHIP_ISBN)
        find(RAW, hidden, opts)
    review = review_of(opts.review)
    text = hidden.read_text(encoding="utf-8")
    for entry in (URIM, MENTORSHIP):
        text = replace_record(text, entry, review[entry]["snippet"])
    curation = tmp_path / "curation.toml"
    curation.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    status = main(
        [
            "build",
            "-q",
            "--raw",
            str(RAW),
            "--curation",
            str(curation),
            "--out",
            str(out),
            "--processed",
            str(tmp_path / "processed"),
            "--releases",
            str(tmp_path / "releases"),
            "--link-status",
            str(tmp_path / "none.json"),
        ]
    )
    assert status == 0
    with open(out / "resources.csv", encoding="utf-8-sig", newline="") as file:
        rows = {row["id"]: row for row in csv.DictReader(file)}
    assert (rows[URIM]["doi"], rows[URIM]["year"]) == ("10.5555/urim.2023.0001", "2022")
    assert rows[URIM]["url"] == "https://doi.org/10.5555/urim.2023.0001"
    assert "https://openlibrary.org/books/OL99000001M" in rows[MENTORSHIP]["sources"]


def replace_record(text: str, entry: str, snippet: str) -> str:
    """The curation text with the `[[resource]]` table of `entry` (and its fixes) replaced by `snippet`."""
    start = text.rindex("[[resource]]", 0, text.index(f'id = "{entry}"'))
    after = re.compile(r"^(\[\[resource\]\]|# -{10,})", re.M).search(text, start + 1)
    end = after.start() if after else len(text)
    return text[:start] + snippet + "\n" + text[end:]


def test_a_dead_link_is_asked_of_the_archive(tmp_path):
    from pipeline.link_health import LinkHealth, health_json
    from pipeline.linkcheck.status import LinkStatus

    dead = "https://thecurbsiders.com/"
    health = {dead: LinkHealth(dead, LinkStatus.BROKEN, "2026-12-01T03:00:00Z", 3, True, "2026-11-29T03:00:00Z")}
    status = tmp_path / "link-status.json"
    status.write_text(health_json(health, checked_at="2026-12-01T03:00:00Z", confirm_after=2), encoding="utf-8")
    snapshot = {
        "url": dead,
        "archived_snapshots": {
            "closest": {
                "status": "200",
                "available": True,
                "timestamp": "20240102030405",
                "url": f"http://web.archive.org/web/20240102030405/{dead}",
            }
        },
    }
    with FakeScholar([Rule("/archive/wayback/available", snapshot, has="thecurbsiders")]) as fake:
        opts = options(tmp_path, fake, services=("archive",), link_status=status)
        find(RAW, CURATION, opts)
    (lead,) = review_of(opts.review)["the-curbsiders"]["candidate"]
    assert lead["kind"] == "archived-copy" and lead["title"] == (
        "archived copy of the resource's dead link https://thecurbsiders.com/, taken 2024-01-02"
    )
    assert lead["response"] == f"{fake.url}/archive/wayback/available?url=https%3A%2F%2Fthecurbsiders.com%2F"


def test_cli_writes_the_review_and_says_so_with_no_progress_in_a_pipe(tmp_path, capsys):
    review = tmp_path / "candidates.toml"
    with FakeScholar(GOOD_MATCH) as fake:
        status = main(
            [
                "find",
                "--raw",
                str(RAW),
                "--curation",
                str(CURATION),
                "--review",
                str(review),
                "--cache",
                str(tmp_path / "cache.sqlite"),
                "--contact",
                CONTACT,
                "--service",
                "crossref",
                "--crossref-url",
                fake.bases()["crossref"],
                "--link-status",
                str(tmp_path / "none.json"),
            ]
        )
    out, err = capsys.readouterr()
    assert status == 0 and err == ""
    assert re.fullmatch(r"\d+ resources asked about, \d+ candidates, 1 snippet proposed; review them in .*\n", out)
    assert tomllib.loads(review.read_text(encoding="utf-8"))["run"]["complete"] is True


def test_a_known_isbn_is_looked_up_as_an_edition(tmp_path):
    from pipeline.find.run import Finder
    from pipeline.find.score import Known, rank

    book = Known(
        id=MENTORSHIP,
        type="book",
        section="Books & E-Books",
        title="Mentorship in Academic Medicine",
        creators=("Straus, Sharon E.",),
        isbn=("978-1-118-00001-4",),
    )
    with FakeScholar(TWO_EDITIONS[1:]) as fake:
        opts = options(tmp_path, fake, services=("openlibrary",))
        client = make_client(opts)
        found = Finder(client, opts, CONTACT).candidates(book, ("url", "year"), dead=False)
    (edition,) = found
    assert (edition.page, edition.year, edition.isbn) == (
        "https://openlibrary.org/books/OL99000001M",
        2013,
        ("9781118000014",),
    )
    (scored,) = rank(book, found)
    assert scored.evidence.identifier is True and scored.accepted and scored.proposes == {"year": 2013}
    assert fake.requests_to("/openlibrary/isbn/")[0].path == "/openlibrary/isbn/9781118000014.json"


def make_client(opts: FindOptions):
    from pipeline.find.http import Client, make_session

    return Client(make_session(None, "test"), timeout=2.0, deadline=time.monotonic() + 30, intervals=NO_INTERVALS)
