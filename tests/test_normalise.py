"""Normalise: text repair, debris of lost links, curation matching, stable ids, types and tags."""

import pytest

from pipeline.curation import parse_curation
from pipeline.errors import CurationError
from pipeline.ingest import parse_guide, read_guide
from pipeline.normalise import normalise, remove_debris, repair_text
from tests.conftest import DATASET_ONLY, REAL_GUIDE

GUIDE = """\
\u033d\u033d

Mentoring Resources

Test guide

Articles

Body

First article about mentoring\u00a0 students in   the clinic.


Second article on peer mentoring for residents. Transcripts available at


Third article about writing; see the Handbook ().

Videos

Body

Useful Video

A video for faculty at \u033d\u033d about leadership.

This collection is a key topic of the .
"""


def curation(records: str = ""):
    return parse_curation(DATASET_ONLY + records, "curation.toml")


def resources_of(text: str = GUIDE, records: str = "", **options):
    return normalise(parse_guide(text, "guide.txt").entries, curation(records), **options)


def test_repair_text():
    assert repair_text("A\u00a0 \u033d\u033d  guide —\t“quoted”  ") == "A UVM guide — “quoted”"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Listen now. Transcripts available at", "Listen now."),
        ("A collection.\n\nThis collection is a key topic of the .", "A collection."),
        ("Policies are in the Medical Student Handbook ().", "Policies are in the Medical Student Handbook."),
        ("Transcripts available at academicmedicineblog.org.", "Transcripts available at academicmedicineblog.org."),
    ],
)
def test_debris_of_lost_links_is_removed_and_reported(text, expected):
    repaired, findings = remove_debris(text, "x", 1)
    assert repaired == expected
    assert len(findings) == (text != expected)
    assert all(f.slug == "dangling-fragment-removed" for f in findings)


def test_uncurated_entries_publish_with_stand_in_devised_titles_and_warnings():
    resources, findings = resources_of()
    assert resources["title"].tolist() == [
        "[Article 1 of Articles]",
        "[Article 2 of Articles]",
        "[Article 3 of Articles]",
        "Useful Video",
    ]
    assert resources["title_known"].tolist() == [False, False, False, True]
    assert resources["description"].iloc[3] == "A video for faculty at UVM about leadership."
    assert resources["type"].tolist() == ["article", "article", "article", "video"]
    assert not resources["curated"].any()
    assert [f.slug for f in findings].count("uncurated-entry") == 4
    assert [f.slug for f in findings].count("dangling-fragment-removed") == 3
    assert resources["tags"].iloc[1] == ["mentoring-relationships", "peer-mentoring"]
    assert resources["audience"].iloc[3] == ["faculty"]


def test_strict_makes_uncurated_entries_an_error():
    with pytest.raises(CurationError, match="4 entries have no curation record"):
        resources_of(strict=True)


RECORD = """
[[resource]]
id = "peer-article"
match = "article on PEER mentoring"
title = "Peer Mentoring"
creators = ["Doe, Jane"]
year = 2020
url = "https://example.org/peer"
doi = "10.1234/abc.5"
tags = ["peer-mentoring"]
audience = ["residents"]
sources = ["https://example.org/peer"]

[[resource.fix]]
find = "Transcripts available at"
replace = "Transcripts are on the site."
reason = "test"
"""


def test_curation_record_joins_by_phrase_and_fixes_debris():
    resources, findings = resources_of(records=RECORD)
    row = resources.iloc[1]
    assert (row["id"], row["title"], row["creators"], row["year"]) == (
        "peer-article",
        "Peer Mentoring",
        ["Doe, Jane"],
        2020,
    )
    assert row["description"] == "Second article on peer mentoring for residents. Transcripts are on the site."
    assert row["curated"]
    assert "dangling-fragment-repaired" in [f.slug for f in findings if f.entry == "peer-article"]


def test_ids_survive_reordering_and_editing_other_entries():
    before, _ = resources_of(records=RECORD)
    blocks = GUIDE.split("\n\n\n")
    reordered = "\n\n\n".join(
        [blocks[0].replace("First article", "First ARTICLE, edited,"), blocks[2], blocks[1], *blocks[3:]]
    )
    reordered = reordered.replace(
        "Body\n\nFirst ARTICLE", "Body\n\nThird article about writing; see the Handbook ().\n\n\nFirst ARTICLE"
    ).replace("\n\n\nThird article about writing; see the Handbook ().\n\nVideos", "\n\nVideos")
    after, _ = resources_of(reordered, records=RECORD)
    ids_before = dict(zip(before["description"], before["id"], strict=True))
    ids_after = dict(zip(after["description"], after["id"], strict=True))
    assert after["id"].tolist() != before["id"].tolist()  # the order did change
    unchanged = [d for d in ids_before if d in ids_after]
    assert len(unchanged) == 3
    assert all(ids_before[d] == ids_after[d] for d in unchanged)


def test_real_guide_ids_survive_reordering(empty_curation):
    text = REAL_GUIDE.read_text(encoding="utf-8")
    first, second = text.index("Most physicians"), text.index("The pursuit of a career")
    end_second = text.index("\n", second)
    swapped = (
        text[:first] + text[second:end_second] + "\n\n\n" + text[first : text.index("\n", first)] + text[end_second:]
    )
    entries = parse_guide(swapped).entries
    records = parse_curation(empty_curation.read_text(), empty_curation)
    original, _ = normalise(read_guide(REAL_GUIDE).entries, records)
    moved, _ = normalise(entries, records)
    assert moved["id"].tolist()[:2] == original["id"].tolist()[1::-1]
    assert sorted(moved["id"]) == sorted(original["id"])


def test_record_whose_phrase_was_reworded_attaches_with_a_warning():
    record = RECORD.replace('match = "article on PEER mentoring"', 'match = "second essay on peer mentoring"')
    resources, findings = resources_of(records=record)
    assert resources["id"].iloc[1] == "peer-article"
    reworded = [f for f in findings if f.slug == "match-phrase-reworded"]
    assert [(f.entry, f.line) for f in reworded] == [("peer-article", DATASET_ONLY.count("\n") + 4)]
    assert "which now reads 'Second article on peer mentoring'" in reworded[0].message
    assert reworded[0].message.endswith('match = "Second article on peer mentoring"')


def test_record_matching_no_entry_is_listed_with_the_nearest_entries():
    record = RECORD.split("[[resource.fix]]")[0].replace(
        'match = "article on PEER mentoring"', 'match = "second essay about peer review"'
    )
    with pytest.raises(CurationError, match="1 curation record matches no entry") as stop:
        resources_of(records=record)
    assert stop.value.line == DATASET_ONLY.count("\n") + 4
    assert "peer-article: no entry of the guide holds the match phrase" in stop.value.problem
    assert "nearest entries: guide line 14 “Second article on peer mentoring" in stop.value.problem


def test_record_matching_two_entries_is_an_error():
    record = RECORD.split("[[resource.fix]]")[0].replace(
        'match = "article on PEER mentoring"', 'match = "article about"'
    )
    with pytest.raises(CurationError, match="at least 3 words"):
        resources_of(records=record)
    record = record.replace('match = "article about"', 'match = "article about mentoring students"')
    text = GUIDE.replace("Third article about writing", "Third article about mentoring students and writing")
    with pytest.raises(CurationError, match=r"is in 2 entries, make it longer"):
        resources_of(text, records=record)


def test_two_records_for_one_entry_is_an_error():
    second = RECORD.replace('id = "peer-article"', 'id = "peer-again"').replace(
        'match = "article on PEER mentoring"', 'match = "mentoring for residents"'
    )
    with pytest.raises(CurationError, match="matches the same entry as record 'peer-article'"):
        resources_of(records=RECORD + second)


@pytest.mark.parametrize(
    ("change", "words", "key"),
    [
        (('id = "peer-article"', 'id = "Peer Article"'), "id should be lowercase", "id ="),
        (('url = "https://example.org/peer"', 'url = "ftp://example.org/peer"'), "is not an http(s) address", "url ="),
        (('doi = "10.1234/abc.5"', 'doi = "doi:1234"'), "is not a DOI", "doi ="),
        (('tags = ["peer-mentoring"]', 'tags = ["cooking"]'), "not in the vocabulary", "tags ="),
        (("year = 2020", 'year = "2020"'), "year should be an integer, not text", "year ="),
        (
            ('title = "Peer Mentoring"', 'titel = "Peer Mentoring"'),
            "unknown key 'titel'; did you mean 'title'?",
            "titel =",
        ),
        (('match = "article on PEER mentoring"', ""), "missing key 'match'", "[[resource]]"),
        (
            ('find = "Transcripts available at"', 'find = "Podcast transcripts at"'),
            "fix text 'Podcast transcripts at' is not in its entry",
            "find =",
        ),
    ],
)
def test_broken_curation_records_are_named_with_the_line_of_their_key(change, words, key):
    records = RECORD.replace(*change)
    with pytest.raises(CurationError) as error:
        resources_of(records=records)
    assert words in error.value.message
    text = DATASET_ONLY + records
    assert error.value.line == 1 + next(n for n, line in enumerate(text.splitlines()) if line.startswith(key))


def test_unknown_table_is_an_error():
    with pytest.raises(CurationError, match="unknown table 'resources'"):
        curation("\n[[resources]]\nid = 'x'\n")


def test_invalid_toml_names_the_line():
    with pytest.raises(CurationError) as error:
        curation("\n[[resource]]\nid = \n")
    assert "not valid TOML" in error.value.message
    assert error.value.line == DATASET_ONLY.count("\n") + 3
