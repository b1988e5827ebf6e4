"""The curation loop: malformed files, the line of each problem, did-you-mean and a re-captured page."""

import contextlib
import io
import re
import tomllib

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.curation import DATASET_KEYS, OPTIONAL_DATASET_KEYS, RECORD_KEYS, parse_curation
from pipeline.errors import CurationError
from pipeline.findings import Slug
from pipeline.toml_lines import key_lines
from tests.conftest import DATASET_ONLY, FIXTURES, REAL_CURATION

SMALL_GUIDE = FIXTURES / "handbook-guide.txt"
RECORD = '\n[[resource]]\nid = "managing-up"\nmatch = "Managing up is a corporate concept"\n'
FIX = '\n[[resource.fix]]\nfind = "corporate"\nreplace = "business"\nreason = "test"\n'

# ------------------------------------------------------------------ malformed structures: exit 3, never a traceback

MALFORMED = {
    "resource is text": (
        'resource = "x"\n' + DATASET_ONLY,
        "resource =",
        "resource is text; each resource should be a table headed [[resource]]",
    ),
    "resource is a list of numbers": (
        "resource = [1, 2]\n" + DATASET_ONLY,
        "resource =",
        "resource is a list holding an integer",
    ),
    "resource is one table": (DATASET_ONLY + '\n[resource]\nid = "x"\n', "[resource]", "resource is a table"),
    "a record among numbers": (
        'resource = [{ id = "a-b", match = "one two three" }, 3]\n' + DATASET_ONLY,
        "resource =",
        "resource is a list holding a table and an integer",
    ),
    "dataset is a number": ("dataset = 3\n", "dataset = 3", "dataset is an integer; it should be a [dataset] table"),
    "no dataset": (RECORD, None, "a [dataset] table is required"),
    "fix is text": (DATASET_ONLY + RECORD + 'fix = "x"\n', "fix =", "fix should be [[resource.fix]] tables, not text"),
    "fix is one table": (DATASET_ONLY + RECORD + '\n[resource.fix]\nfind = "x"\n', "[resource.fix]", "not a table"),
    "fix without find": (
        DATASET_ONLY + RECORD + '\n[[resource.fix]]\nreplace = "y"\n',
        "[[resource.fix]]",
        "missing key 'find'",
    ),
    "fix find a number": (
        DATASET_ONLY + RECORD + "\n[[resource.fix]]\nfind = 3\n",
        "find = 3",
        "find should be text, not an integer",
    ),
    "fix with an unknown key": (
        DATASET_ONLY + RECORD + FIX + 'raeson = "x"\n',
        "raeson",
        "unknown key 'raeson'; did you mean 'reason'?",
    ),
    "tags is text": (
        DATASET_ONLY + RECORD + 'tags = "mentee-skills"\n',
        "tags =",
        "tags should be a list of text, not text",
    ),
    "tags holds numbers": (
        DATASET_ONLY + RECORD + "tags = [1]\n",
        "tags =",
        "tags should be a list of text, not a list holding an integer",
    ),
    "year is true": (DATASET_ONLY + RECORD + "year = true\n", "year =", "year should be an integer, not true or false"),
    "year is text": (DATASET_ONLY + RECORD + 'year = "2009"\n', "year =", "year should be an integer, not text"),
    "year is huge": (
        DATASET_ONLY + RECORD + "year = 99999999999999999999\n",
        "year =",
        "should be a year from 1800 to 2100",
    ),
    "record is nested arrays": (
        DATASET_ONLY + RECORD + "creators = [[[1]]]\n",
        "creators =",
        "not a list holding lists",
    ),
    "arrays nested 500 deep": (
        DATASET_ONLY + RECORD + "tags = " + "[" * 500 + "]" * 500 + "\n",
        "tags =",
        "nested too deeply",
    ),
    "updated is text": (
        DATASET_ONLY.replace("updated = 2026-01-02", 'updated = "2026-01-02"'),
        "updated =",
        "updated should be a date (YYYY-MM-DD), not text",
    ),
    "contributors are names": (
        DATASET_ONLY + 'contributors = ["Jane"]\n',
        "contributors =",
        "contributors should be [[dataset.contributors]] tables",
    ),
    "contributor without title": (
        DATASET_ONLY + '\n[[dataset.contributors]]\nrole = "author"\n',
        "[[dataset.contributors]]",
        "missing key 'title'",
    ),
    "id is a table": (
        DATASET_ONLY + '\n[[resource]]\nmatch = "one two three"\n[resource.id]\nx = 1\n',
        "[resource.id]",
        "id should be text, not a table",
    ),
    "an unknown table": (
        DATASET_ONLY + "\n[[resources]]\nid = 'x'\n",
        "[[resources]]",
        "unknown table 'resources'; did you mean 'resource'?",
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_curation_exits_3_with_file_line_and_hint(case, tmp_path, run_cli):
    text, marker, words = MALFORMED[case]
    curation = tmp_path / "curation.toml"
    curation.write_text(text, encoding="utf-8")
    result = run_cli("validate", "--curation", curation, "--raw", SMALL_GUIDE, "--processed", tmp_path / "p")
    line = 1 + next(n for n, line in enumerate(text.splitlines()) if marker in line) if marker else 1
    assert result.status == 3, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert result.err.startswith(f"error: {curation}:{line}:")
    assert words in result.err
    assert re.search(rf"{re.escape(str(curation))}:{line}: .*{re.escape(words)}", result.err), result.err
    assert "hint:" in result.err


SCALARS = st.one_of(
    st.text(max_size=12), st.integers(), st.booleans(), st.floats(allow_nan=False), st.dates(), st.datetimes()
)
KEYS = st.one_of(
    st.sampled_from([*RECORD_KEYS, *DATASET_KEYS, "resource", "dataset", "publsher"]), st.text(min_size=1, max_size=6)
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3), max_leaves=8
)
VALID_DATASET = st.fixed_dictionaries(
    {key: st.just(value) for key, value in tomllib.loads(DATASET_ONLY)["dataset"].items()},
    optional={key: VALUES for key in OPTIONAL_DATASET_KEYS},
)
PHRASES = st.sampled_from(
    ["Managing up is a corporate concept", "stories from the hospital night shift", "no such words here"]
)
RECORDS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.from_regex(r"[a-z]{1,6}(-[a-z]{1,6}){0,2}", fullmatch=True) | SCALARS,
        "match": PHRASES | VALUES,
        **{key: VALUES for key in RECORD_KEYS if key not in ("id", "match")},
        "publsher": VALUES,
    },
)
DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={"dataset": VALID_DATASET | VALUES, "resource": st.lists(RECORDS, max_size=3) | VALUES, "extra": VALUES},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS)
def test_any_toml_structure_gets_a_message_never_a_traceback(document, tmp_path_factory):
    folder = tmp_path_factory.mktemp("random")
    curation = folder / "curation.toml"
    curation.write_text(tomli_w.dumps(document), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["validate", "--curation", str(curation), "--raw", str(SMALL_GUIDE), "--processed", str(folder)])
    assert status in (0, 2, 3), err.getvalue()
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
    if status == 0:  # valid: a full [dataset] table, and each record has a text id and match
        parse_curation(curation.read_text(encoding="utf-8"))
        assert set(DATASET_KEYS) - set(OPTIONAL_DATASET_KEYS) <= set(document["dataset"])
    else:
        assert err.getvalue().startswith(f"error: {curation}") and "hint:" in err.getvalue()


# ------------------------------------------------------------------ line numbers: the offending key's own line


def lines_of_problems(text: str, name: str = "curation.toml") -> list[int]:
    with pytest.raises(CurationError) as error:
        parse_curation(text, name)
    return [int(line) for line in re.findall(rf"^  {name}:(\d+): ", error.value.message, re.M)]


def test_reported_case_points_at_each_key_whatever_the_comments():
    """As reported: a comment after the first header moved errors at 17–24 and 52–58 to 32 and 68."""
    text = (FIXTURES / "curation-line-numbers.toml").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert (lines[16], lines[51]) == ("[[resource]]", "[[resource]]")
    lines[16] = "[[resource]]  # note"
    lines[23] = lines[23].replace('"mentee-skills"', '"mentee-skill"')  # tags, line 24
    lines[54] = 'type = "blgo"'  # line 55
    lines[57] = lines[57].replace('"wellness"', '"wellnes"')  # tags, line 58
    with pytest.raises(CurationError) as error:
        parse_curation("\n".join(lines) + "\n", "curation.toml")
    message = error.value.message
    assert error.value.line == 24
    assert lines_of_problems("\n".join(lines) + "\n") == [24, 55, 58]
    assert [(f.slug, f.line) for f in error.value.findings] == [
        (Slug.UNKNOWN_TERM, 24),
        (Slug.UNKNOWN_TYPE, 55),
        (Slug.UNKNOWN_TERM, 58),
    ]
    assert (
        "curation.toml:24: record 'physician-mentorship-nejm-careercenter': "
        "tags 'mentee-skill' is not in the vocabulary; did you mean 'mentee-skills'?" in message
    )
    assert (
        "curation.toml:55: record 'narath-carlile-blog': type 'blgo' is not a known type; did you mean 'blog'?"
        in message
    )
    assert (
        "curation.toml:58: record 'narath-carlile-blog': "
        "tags 'wellnes' is not in the vocabulary; did you mean 'wellness'?" in message
    )


def test_real_curation_file_with_comments_and_spacing_points_at_each_key():
    text = REAL_CURATION.read_text(encoding="utf-8")
    headers = [n for n, line in enumerate(text.splitlines()) if line == "[[resource]]"]
    lines = text.splitlines()
    for n in headers:
        lines[n] = "[[resource]]    # a librarian's comment [[resource]] 'quoted'"
    first, third = headers[0], headers[2]
    lines.insert(third + 1, 'publsher = "x"    # typo')
    lines.insert(third + 1, "")
    lines.insert(first + 1, "   year   =   true")
    expected = [first + 2, third + 4]  # 1-based, after the line added above the third record
    assert lines_of_problems("\n".join(lines) + "\n") == expected
    assert lines_of_problems("\r\n".join(lines) + "\r\n") == expected


def test_key_lines_ignore_comments_and_strings():
    text = '''# [[resource]] in a comment
[dataset]   # [x]
name = "a # not a comment"
description = """
id = "not a key"
[[resource]]
"""
[[resource]]  # note
id = 'x'
"match" = "one two three"
tags = [
  "a",  # ]
  "b",
]
[[resource.fix]]
find = "f"
[[resource]]
id = "y"
'''
    lines = key_lines(text)
    assert sorted(lines.items(), key=lambda item: item[1]) == [
        (("dataset",), 2),
        (("dataset", "name"), 3),
        (("dataset", "description"), 4),
        (("resource",), 8),
        (("resource", 0), 8),
        (("resource", 0, "id"), 9),
        (("resource", 0, "match"), 10),
        (("resource", 0, "tags"), 11),
        (("resource", 0, "fix"), 15),
        (("resource", 0, "fix", 0), 15),
        (("resource", 0, "fix", 0, "find"), 16),
        (("resource", 1), 17),
        (("resource", 1, "id"), 18),
    ]


def paths_of(value, path=()):
    """Every path of the parsed document, as the line map names them."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from paths_of(item, (*path, key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield (*path, number)
            yield from paths_of(item, (*path, number))


@settings(max_examples=200, deadline=None)
@given(document=st.dictionaries(KEYS, VALUES, max_size=4), multiline=st.booleans())
def test_key_lines_name_real_keys_on_their_own_lines(document, multiline):
    text = tomli_w.dumps(document, multiline_strings=multiline)
    lines = key_lines(text)
    real = set(paths_of(tomllib.loads(text)))
    assert set(lines) <= real  # nothing read from inside a string or a comment
    assert {(key,) for key in document} <= set(lines)
    rows = text.split("\n")  # TOML ends lines at \n only
    for path, line in lines.items():
        if isinstance(path[-1], str):
            assert path[-1] in rows[line - 1] or tomli_w.dumps({path[-1]: 0}).split(" = ")[0] in rows[line - 1]


# ------------------------------------------------------------------ did you mean


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('publsher = "Academic Medicine"', "unknown key 'publsher'; did you mean 'publisher'?"),
        ('tags = ["mentee-skill"]', "tags 'mentee-skill' is not in the vocabulary; did you mean 'mentee-skills'?"),
        ('audience = ["residnets"]', "audience 'residnets' is not in the vocabulary; did you mean 'residents'?"),
        ('type = "podcats"', "type 'podcats' is not a known type; did you mean 'podcast'?"),
        ('type = "zzz"', "type 'zzz' is not a known type (one of article, blog,"),
        ("year = 2009.5", "year should be an integer, not a number"),
        ('creators = "Zerzan, Judy T."', "creators should be a list of text, not text"),
    ],
)
def test_unknown_keys_and_terms_suggest_the_nearest(line, words):
    text = DATASET_ONLY + RECORD + line + "\n"
    with pytest.raises(CurationError) as error:
        parse_curation(text, "curation.toml")
    assert f"curation.toml:{len(text.splitlines())}: record 'managing-up': {words}" in error.value.message


def test_unknown_dataset_key_suggests_the_nearest():
    with pytest.raises(
        CurationError, match=r"curation.toml:9: \[dataset\]: unknown key 'licence'; did you mean 'license'\?"
    ):
        parse_curation(DATASET_ONLY + 'licence = "x"\n', "curation.toml")


def test_every_problem_of_a_record_is_reported_at_once():
    text = DATASET_ONLY + RECORD + 'publsher = "x"\ntags = ["mentee-skill"]\nyear = "2009"\n'
    assert lines_of_problems(text) == [13, 14, 15]
    with pytest.raises(CurationError) as error:
        parse_curation(text, "curation.toml")
    assert [(f.slug, f.entry, f.line) for f in error.value.findings] == [
        (Slug.UNKNOWN_KEY, "managing-up", 13),
        (Slug.UNKNOWN_TERM, "managing-up", 14),
        (Slug.WRONG_TYPE, "managing-up", 15),
    ]


def test_dataset_with_contributors_and_keywords_is_read():
    text = (
        DATASET_ONLY
        + 'keywords = ["mentoring"]\n\n[[dataset.contributors]]\ntitle = "The library"\nrole = "publisher"\n'
    )
    dataset = parse_curation(text).dataset
    assert (dataset.keywords, dataset.contributors) == (
        ("mentoring",),
        ({"title": "The library", "role": "publisher"},),
    )
