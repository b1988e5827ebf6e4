"""A re-captured page: a reworded entry keeps its record, a new entry gets a record to paste, a gone one is listed.

The page is the real guide, edited as its keepers might edit it between captures; the records are the
real curation file's.
"""

import csv
import itertools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.curation import CurationRecord, parse_curation, read_curation
from pipeline.errors import CurationError
from pipeline.ingest import fold, parse_guide, read_guide
from pipeline.normalise import normalise
from schemas.vocabulary import ID_PATTERN
from tests.conftest import DATASET_ONLY, REAL_CURATION, REAL_GUIDE

NEW_ENTRY = (
    "Residents in Motion is a podcast in which surgical residents talk with their mentors about the first "
    "years of training, one operating day at a time."
)
NEW_WORD = "remarkable"
STUB = re.compile(r'^\[\[resource\]\]\nid = ".*"\nmatch = ".*"$', re.M)


@dataclass
class Recapture:
    guide: Path  # one entry reworded, one new
    reworded: CurationRecord
    new_wording: str  # the reworded phrase as the page now has it
    gone_guide: Path  # the same, and a curated entry removed
    gone: CurationRecord


def reword(guide: str, records) -> tuple[str, CurationRecord, str]:
    """Change the longest word of the first record phrase that the page holds as typed."""
    lowered = guide.lower()
    record = next(r for r in records if r.match.lower() in lowered and re.fullmatch(r"\w.*\w", r.match))
    start = lowered.index(record.match.lower())
    span = guide[start : start + len(record.match)]
    word = max(re.findall(r"\w+", span), key=len)
    new_span = span.replace(word, NEW_WORD, 1)
    return guide[:start] + new_span + guide[start + len(span) :], record, new_span


def remove_entry(guide: str, records, keep: CurationRecord) -> tuple[str, CurationRecord]:
    """Delete a curated entry that has another entry after it in its section."""
    entries = parse_guide(guide).entries.to_dict("records")
    for entry, following in itertools.pairwise(entries):
        record = next((r for r in records if fold(r.match) in fold(entry["text"])), None)
        if record and record != keep and following["section"] == entry["section"] and entry["position"] > 1:
            lines = guide.split("\n")
            del lines[entry["line_start"] - 1 : following["line_start"] - 1]
            return "\n".join(lines), record
    raise AssertionError("no entry to remove")


@pytest.fixture(scope="module")
def recapture(tmp_path_factory) -> Recapture:
    records = read_curation(REAL_CURATION).records
    guide = REAL_GUIDE.read_text(encoding="utf-8")
    guide, reworded, new_wording = reword(guide, records)
    assert "\nPodcasts\n\nBody\n\n" in guide
    guide = guide.replace("\nPodcasts\n\nBody\n\n", f"\nPodcasts\n\nBody\n\n{NEW_ENTRY}\n\n\n", 1)
    gone_guide, gone = remove_entry(guide, records, keep=reworded)
    folder = tmp_path_factory.mktemp("recapture")
    (folder / "mentoring-resources.txt").write_text(guide, encoding="utf-8")
    (folder / "gone.txt").write_text(gone_guide, encoding="utf-8")
    return Recapture(folder / "mentoring-resources.txt", reworded, new_wording, folder / "gone.txt", gone)


def test_recaptured_page_validates_with_warnings(recapture, run_cli, tmp_path):
    result = run_cli("validate", "--raw", recapture.guide, "--curation", REAL_CURATION, "--processed", tmp_path)
    assert result.status == 0, result.err
    assert "Traceback" not in result.err
    record = recapture.reworded
    assert (
        f"WARNING: {REAL_CURATION}:{record.match_line}: {record.id}: match phrase {record.match!r} is no longer in "
        "the guide; attached to the entry at guide line "
    ) in result.err
    assert f"which now reads {recapture.new_wording!r}: update line {record.match_line} to\n" in result.err
    assert f'match = "{recapture.new_wording}"' in result.err
    new_line = recapture.guide.read_text(encoding="utf-8").split("\n").index(NEW_ENTRY) + 1
    assert re.search(
        rf"WARNING: {re.escape(str(recapture.guide))}:{new_line}: entry-\w+: no curation record \(Podcasts #1\); "
        r"to curate it, add:\n\[\[resource\]\]\n",
        result.err,
    )


def test_a_record_whose_entry_left_the_page_is_an_error_that_lists_it(recapture, run_cli, tmp_path):
    """Its curated facts would silently stop being published: the build stops and says which record."""
    result = run_cli("validate", "--raw", recapture.gone_guide, "--curation", REAL_CURATION, "--processed", tmp_path)
    assert result.status == 3
    gone = recapture.gone
    assert result.err.startswith(f"error: {REAL_CURATION}:{gone.match_line}: 1 curation record matches no entry")
    assert (
        f"{REAL_CURATION}:{gone.match_line}: {gone.id}: no entry of the guide holds the match phrase "
        f"{gone.match!r} or a close variant, so this record is not used"
    ) in result.err
    assert f"delete the record (from line {gone.line})" in result.err and "Traceback" not in result.err


def test_the_record_stub_can_be_pasted_as_it_is(recapture, run_cli, tmp_path):
    err = run_cli("validate", "--raw", recapture.guide, "--curation", REAL_CURATION, "--processed", tmp_path).err
    stubs = {block: tomllib.loads(block)["resource"][0] for block in STUB.findall(err)}
    stub, fields = next((block, fields) for block, fields in stubs.items() if fold(fields["match"]) in fold(NEW_ENTRY))
    assert re.match(ID_PATTERN, fields["id"]) and fields["id"].startswith("residents-motion")
    assert len(fields["match"].split()) >= 5 and fold(fields["match"]) in fold(NEW_ENTRY)
    curation = parse_curation(REAL_CURATION.read_text(encoding="utf-8") + "\n" + stub + "\n", REAL_CURATION)
    resources, _ = normalise(read_guide(recapture.guide).entries, curation)
    row = resources[resources["description"] == NEW_ENTRY].iloc[0]
    assert (row["id"], row["curated"]) == (fields["id"], True)


def test_recaptured_page_still_builds(recapture, run_cli, tmp_path):
    result = run_cli("build", "--raw", recapture.guide, "--out", tmp_path / "out", "--processed", tmp_path / "p")
    assert result.status == 0, result.err
    with open(tmp_path / "out" / "resources.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    ids = [row["id"] for row in rows]
    assert recapture.reworded.id in ids and recapture.gone.id in ids
    new = next(row for row in rows if row["description"] == NEW_ENTRY)
    assert (new["curated"], new["section"]) == ("false", "Podcasts")
    assert len(rows) == 46  # one entry new


def test_strict_refuses_the_recaptured_page_and_lists_each_change(recapture, run_cli, tmp_path):
    result = run_cli(
        "validate", "--strict", "--raw", recapture.guide, "--curation", REAL_CURATION, "--processed", tmp_path
    )
    assert result.status == 3
    assert "1 entry has no curation record, 1 record needs updating (--strict)" in result.err
    assert (
        f"curation line {recapture.reworded.match_line}: {recapture.reworded.id}: match-phrase-reworded" in result.err
    )


def test_two_close_variants_stay_an_error(recapture, run_cli, tmp_path):
    guide = recapture.guide.read_text(encoding="utf-8").replace(
        NEW_ENTRY, f"{NEW_ENTRY} As one said, {recapture.new_wording}."
    )
    path = tmp_path / "guide.txt"
    path.write_text(guide, encoding="utf-8")
    result = run_cli("validate", "--raw", path, "--curation", REAL_CURATION, "--processed", tmp_path)
    assert result.status == 3
    record = recapture.reworded
    where = f"{REAL_CURATION}:{record.match_line}: record {record.id!r}"
    assert (
        f"{where}: match phrase {record.match!r} is no longer in the guide, and 2 entries hold a close variant"
        in result.err
    )
    assert "Traceback" not in result.err


PHRASE = "Managing up is a corporate concept that mentees can apply"
LONG_PHRASE = "Managing up is a corporate concept that mentees can apply to make the most of their mentors"


@pytest.mark.parametrize(
    ("phrase", "page", "wording"),
    [
        (
            PHRASE,
            "Managing up is a corporate concept that all mentees can apply at once.",
            "Managing up is a corporate concept that all mentees can apply",
        ),
        (
            PHRASE,
            "In short, managing up is a concept that mentees can apply.",
            "managing up is a concept that mentees can apply",
        ),
        (
            PHRASE,
            "Managing up is a business concept that mentees can apply.",
            "Managing up is a business concept that mentees can apply",
        ),
        (
            PHRASE,
            "Managing up is a corporate “concept” that mentees can apply.",
            "Managing up is a corporate “concept” that mentees can apply",
        ),
        (PHRASE, "Managing up is a business idea that mentees can apply.", None),
        (
            LONG_PHRASE,
            "Managing up is a business idea that mentees can apply to make the most of their mentors.",
            "Managing up is a business idea that mentees can apply to make the most of their mentors",
        ),
        (LONG_PHRASE, "Managing up is a business idea that mentees can use to get the most of their mentors.", None),
        ("tips for mentees", "Practical tips from mentees.", "tips from mentees"),
    ],
)
def test_a_close_variant_is_one_word_added_dropped_or_changed(phrase, page, wording):
    records = f'\n[[resource]]\nid = "managing-up"\nmatch = "{phrase}"\n'
    guide = f"x\n\nMentoring Resources\n\nTitle\n\nArticles\n\nBody\n\n{page}\n\n\nAn unrelated entry about podcasts.\n"
    if wording is None:
        with pytest.raises(CurationError, match="1 curation record matches no entry"):
            normalise(parse_guide(guide).entries, parse_curation(DATASET_ONLY + records))
    else:
        resources, findings = normalise(parse_guide(guide).entries, parse_curation(DATASET_ONLY + records))
        reworded = [f.message for f in findings if f.slug == "match-phrase-reworded"]
        assert resources["id"].tolist()[0] == "managing-up" and len(reworded) == 1
        assert f"which now reads {wording!r}" in reworded[0]
