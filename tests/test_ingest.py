"""Ingest: the real guide's 45 entries, paragraph rules, encodings, and a clear stop for bad input."""

import contextlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import GuideStructureError, InputUnreadable, PipelineError
from pipeline.ingest import decode_text, parse_guide, read_guide
from tests.conftest import REAL_GUIDE, REPO, SECTION_COUNTS


@pytest.fixture(scope="module")
def guide():
    return read_guide(REAL_GUIDE)


def test_real_guide_has_45_entries_in_8_sections(guide):
    counts = guide.entries.groupby("section", sort=False).size().to_dict()
    assert counts == SECTION_COUNTS
    assert list(counts) == list(SECTION_COUNTS)  # the guide's order


def test_header_lines(guide):
    assert (guide.site, guide.page_title) == ("UVM", "Mentoring Resources")
    assert guide.title == "Mentorship in Academic Medicine: LCOM Mentors Resource Guide"


def test_positions_restart_in_each_section(guide):
    for _, group in guide.entries.groupby("section", sort=False):
        assert group["position"].tolist() == list(range(1, len(group) + 1))


def test_title_line_and_trailing_sentence_stay_with_their_entry(guide):
    entries = guide.entries.set_index(["section", "position"])
    websites_4 = entries.loc[("Websites", 4)]
    assert websites_4["paragraphs"][-1] == "This collection is a key topic of the ."
    assert (websites_4["line_start"], websites_4["line_end"]) == (144, 146)
    cultural = entries.loc[("UVM and Larner Resources", 1)]
    assert cultural["paragraphs"][0] == "Cultural Resource Guide"
    assert len(cultural["paragraphs"]) == 2


def test_no_break_space_line_counts_as_blank(guide):
    dare = guide.entries.set_index(["section", "position"]).loc[("Podcasts", 3)]
    assert dare["text"].endswith("Transcripts available at")
    assert guide.entries.set_index(["section", "position"]).loc[("Podcasts", 4), "line_start"] == 120


def test_bom_and_crlf_give_the_same_entries(guide):
    data = REAL_GUIDE.read_bytes()
    variant = b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    other = parse_guide(decode_text(variant))
    assert other.entries.equals(guide.entries)
    assert other.title == guide.title


def test_windows_1252_is_refused_with_its_line():
    data = "UVM\n\nMentoring Resources\n\nT\n\nArticles\n\nBody\n\nA caf\u00e9 \u201cquote\u201d\n".encode("cp1252")
    with pytest.raises(InputUnreadable) as error:
        decode_text(data, "guide.txt")
    assert error.value.line == 11
    assert "not UTF-8" in error.value.problem and "Windows-1252" in error.value.problem
    assert "iconv" in error.value.hint


@pytest.mark.parametrize(
    ("text", "error_type", "line", "words"),
    [
        ("", InputUnreadable, None, "empty"),
        ("\u00a0\n  \n", InputUnreadable, None, "empty"),
        ("just some text\n\nmore text\n", GuideStructureError, 1, "no section headings"),
        (
            "UVM\n\nMR\n\nT\n\nArticles\n\nBody\n\nOne.\n\n\nRecipes\n\nBody\n\nTwo.\n",
            GuideStructureError,
            14,
            "unknown section heading 'Recipes'",
        ),
        (
            "UVM\n\nMR\n\nT\n\nArticles\n\nBody\n\nSame text.\n\n\nSame  text.\n",
            GuideStructureError,
            14,
            "duplicate entry",
        ),
        (
            "UVM\n\nMR\n\nT\n\nStray\n\nArticles\n\nBody\n\nOne.\n",
            GuideStructureError,
            7,
            "text before the first section",
        ),
        ("A\n\nArticles\n\nBody\n\nOne.\n\n\nArticles\n\nBody\n\nTwo.\n", GuideStructureError, 10, "appears twice"),
        ("Articles\nBody", GuideStructureError, 1, "no entries"),
    ],
)
def test_bad_guides_stop_with_a_clear_message(text, error_type, line, words):
    with pytest.raises(error_type) as error:
        parse_guide(text, "guide.txt")
    assert error.value.line == line
    assert words in error.value.message
    assert error.value.message.startswith("guide.txt")
    assert error.value.hint


def test_unknown_section_hint_names_the_file_that_defines_the_sections():
    text = "UVM\n\nMR\n\nT\n\nArticles\n\nBody\n\nOne.\n\n\nRecipes\n\nBody\n\nTwo.\n"
    with pytest.raises(GuideStructureError) as error:
        parse_guide(text, "guide.txt")
    named = re.search(r"SECTIONS in (\S+\.py)", error.value.hint)
    assert named, error.value.hint
    assert "\nSECTIONS = (" in (REPO / named.group(1)).read_text(encoding="utf-8")


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "guide.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputUnreadable, match="binary"):
        read_guide(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(InputUnreadable, match="cannot read"):
        read_guide(tmp_path / "nope.txt")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Articles", "Body", "Videos", "Recipes", "x", "\u033d", "\u00a0", " ", "\n", "\r", ".", "()"]),
        max_size=60,
    ).map("".join)
)
def test_ingest_fails_only_with_its_own_error_on_arbitrary_structure(text):
    with contextlib.suppress(PipelineError):
        parse_guide(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_ingest_fails_only_with_its_own_error_on_arbitrary_bytes(data):
    with contextlib.suppress(PipelineError):
        parse_guide(decode_text(data))
