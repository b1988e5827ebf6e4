"""The version rule (issue 20): content only, moves once, the bump each change needs, dates, and escaping."""

import json

import pytest
from markdown_it import MarkdownIt

from pipeline import publish as publishing
from pipeline import releases
from pipeline.curation import read_curation
from pipeline.errors import ReleaseDateError, VersionReused
from pipeline.releases import Snapshot, changelog_markdown, compare, plan_release
from tests.conftest import REAL_CURATION

CURRENT = read_curation(REAL_CURATION).dataset
MAJOR, MINOR, PATCH = (int(part) for part in CURRENT.version.split("."))
NEXT_PATCH = f'version = "{MAJOR}.{MINOR}.{PATCH + 1}"'

CURRENT = read_curation(REAL_CURATION).dataset
MAJOR, MINOR, PATCH = (int(part) for part in CURRENT.version.split("."))
NEXT_PATCH = f'version = "{MAJOR}.{MINOR}.{PATCH + 1}"'

A, B, C = ({"id": name, "section": "Books", "title": name.upper(), "position": n} for n, name in enumerate("abc", 1))


def snap(version: str, *resources: dict, date: str = "2026-01-01") -> Snapshot:
    return Snapshot(version, date, releases.published_content(list(resources)))


def refusal(published: Snapshot, current: Snapshot) -> str:
    with pytest.raises(VersionReused) as caught:
        plan_release([published], current)
    return caught.value.message


@pytest.mark.parametrize(
    ("current", "words", "needed"),
    [
        pytest.param((A, B, C, {**C, "id": "d"}, {**C, "id": "e"}), "2 resources added", "2.1.0", id="added"),
        pytest.param((A, B), "1 resource removed", "2.1.0", id="removed"),
        pytest.param((A, {**B, "title": "B2"}, C), "1 resource corrected or moved", "2.0.1", id="corrected"),
        pytest.param(
            ({**A, "isbn": []}, {**B, "isbn": []}, {**C, "isbn": []}),
            "the columns changed (added isbn)",
            "3.0.0",
            id="column",
        ),
    ],
)
def test_the_refusal_names_the_bump_each_change_needs(current, words, needed):
    message = refusal(snap("2.0.0", A, B, C), snap("2.0.0", *current))
    assert "version 2.0.0 is already published with other content" in message
    assert f"{words}: set `version` in the [dataset] table to {needed}, or undo the change" in message


def test_a_new_column_is_reported_once_not_as_a_change_of_every_resource():
    changes = compare(snap("2.0.0", A, B), snap("3.0.0", {**A, "isbn": []}, {**B, "isbn": []}))
    assert changes.columns == {"added": ["isbn"], "removed": []} and changes.changed == {}


def test_a_bump_smaller_than_the_change_is_refused_and_the_right_one_accepted():
    published = snap("2.0.0", A, B)
    grown = (A, B, C)
    message = refusal(published, snap("2.0.1", *grown))
    assert "version 2.0.1 does not follow the version rule: since 2.0.0, 1 resource added" in message
    assert "set `version` in the [dataset] table to 2.1.0" in message
    history, new = plan_release([published], snap("2.1.0", *grown))
    assert new and [s.version for s in history] == ["2.0.0", "2.1.0"]
    assert plan_release([published], snap("3.0.0", *grown))[1]  # a bigger bump is the librarian's choice


def test_a_moved_entry_is_reported_once_and_positions_are_not_changes():
    before = snap("1.0.0", A, B, C)
    after = snap("1.0.1", {**B, "position": 1}, {**A, "position": 2}, C)
    changes = compare(before, after)
    assert len(changes.moved) == 1 and changes.changed == {} and (changes.added, changes.removed) == ([], [])
    inserted = snap("1.1.0", A, {**C, "id": "new", "position": 2}, {**B, "position": 3}, {**C, "position": 4})
    grown = compare(before, inserted)
    assert (grown.added, grown.moved, grown.changed) == (["new"], [], {})


def test_capture_lines_and_link_health_of_old_snapshots_are_not_content():
    published = snap("2.0.0", {**A, "line": 11, "link_status": "ok"})
    history, new = plan_release([published], snap("2.0.0", {**A, "line": 12}))
    assert not new and history == [published]


def test_a_release_dated_before_the_previous_one_is_refused():
    with pytest.raises(ReleaseDateError, match=r"older than that of the previous release 2\.0\.0"):
        plan_release([snap("2.0.0", A, date="2026-11-30")], snap("2.0.1", {**A, "title": "A2"}, date="2026-11-29"))


def test_an_older_updated_date_stops_the_build_with_exit_3_at_its_line(tmp_path, run_cli):
    history = tmp_path / "releases"
    common = ("--out", tmp_path / "out", "--processed", tmp_path / "p", "--releases", history)
    assert run_cli("build", "-q", *common).status == 0
    text = REAL_CURATION.read_text(encoding="utf-8")
    text = text.replace(f'version = "{CURRENT.version}"', NEXT_PATCH)
    text = text.replace(f"updated = {CURRENT.updated}", "updated = 2026-11-01")
    text = text.replace("Shaping the Future in Medicine", "Shaping the Future of Medicine", 1)
    curation = tmp_path / "curation.toml"
    curation.write_text(text, encoding="utf-8")
    run = run_cli("build", "-q", "--curation", curation, *common)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("updated ="))
    assert run.status == 3 and run.err.startswith(f"error: {curation}:{line}: the release date 2026-11-01")
    assert sorted(path.name for path in history.iterdir()) == [f"{CURRENT.version}.json"]


def test_a_new_release_dated_as_the_previous_one_is_published_with_a_warning(tmp_path, run_cli):
    history = tmp_path / "releases"
    common = ("--out", tmp_path / "out", "--processed", tmp_path / "p", "--releases", history)
    assert run_cli("build", "-q", *common).status == 0
    text = REAL_CURATION.read_text(encoding="utf-8").replace(f'version = "{CURRENT.version}"', NEXT_PATCH)
    curation = tmp_path / "curation.toml"
    curation.write_text(text.replace("Shaping the Future in Medicine", "Shaping the Future of Medicine", 1), "utf-8")
    run = run_cli("build", "--curation", curation, *common)
    assert run.status == 0, run.err
    assert f"has the same date as release {CURRENT.version} ({CURRENT.updated})" in run.err


def test_the_changelog_quotes_titles_and_values_as_text_not_markdown_or_html():
    hostile = "<script>alert(1)</script> **bold** [link](javascript:alert(1)) `code` & <img src=x>"
    before = snap("1.0.0", A)
    after = snap("1.1.0", {**A, "title": hostile}, {**B, "title": hostile})
    text = changelog_markdown([before, after], "Guide <b>title</b>").decode("utf-8")
    html = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(text)
    for live in ("<script", "<strong", "<a ", "<img", "<b>"):
        assert live not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **bold** [link](javascript:alert(1))" in html


def test_recording_comes_before_the_switch_and_is_undone_with_it(tmp_path, run_cli, monkeypatch):
    history = tmp_path / "releases"
    common = ("--out", tmp_path / "out", "--processed", tmp_path / "p", "--releases", history)
    assert run_cli("build", "-q", *common).status == 0
    live = (tmp_path / "out" / "resources.csv").read_bytes()
    text = REAL_CURATION.read_text(encoding="utf-8").replace(f'version = "{CURRENT.version}"', NEXT_PATCH)
    curation = tmp_path / "curation.toml"
    curation.write_text(text.replace("Shaping the Future in Medicine", "Shaping the Future of Medicine", 1), "utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(publishing, "switch_link", interrupted)  # Ctrl-C at the switch itself
    assert run_cli("build", "-q", "--curation", curation, *common).status == 130
    assert sorted(path.name for path in history.iterdir()) == [f"{CURRENT.version}.json"]
    assert (tmp_path / "out" / "resources.csv").read_bytes() == live
    monkeypatch.undo()

    monkeypatch.setattr(releases, "write_atomic", interrupted)  # Ctrl-C while recording
    assert run_cli("build", "-q", "--curation", curation, *common).status == 130
    assert (tmp_path / "out" / "resources.csv").read_bytes() == live
    monkeypatch.undo()

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")  # a file where the history folder should be: recording fails
    run = run_cli("build", "-q", "--curation", curation, *common[:-1], blocked)
    assert run.status == 3 and "cannot record the release" in run.err and "nothing was published" in run.err
    assert (tmp_path / "out" / "resources.csv").read_bytes() == live
    assert json.loads((tmp_path / "out" / "changes.json").read_text(encoding="utf-8"))["version"] == CURRENT.version


def test_the_changelog_shows_what_changed_in_a_long_text_or_a_list():
    """A long text is quoted around where it changed, a list by the items added and removed: shortening both
    sides to their first 120 characters would show two equal values."""
    opening = "Mentors and mentees meet monthly to plan careers, read each other's drafts and practise interviews. " * 2
    sources = ["https://www.example.org/record/1", "https://publisher.example/catalogue/" + "x" * 120]
    before = snap("1.0.0", {**A, "description": opening + "Written for residents.", "sources": sources})
    after = snap(
        "1.0.1",
        {**A, "description": opening + "Written for students.", "sources": [sources[0], "https://library.example/b"]},
    )
    text = changelog_markdown([before, after], "Guide").decode("utf-8")
    description = next(line for line in text.splitlines() if line.startswith("  - `description`"))
    assert "residents" in description and "students" in description
    assert f'  - `sources`: added "https://library.example/b"; removed "{sources[1]}"' in text  # an address whole
