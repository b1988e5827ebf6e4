"""Releases: the history kept in the repository, the changelog, the version rule and byte-identical rebuilds."""

import json

import pytest

from pipeline.curation import read_curation
from pipeline.errors import VersionReused
from pipeline.releases import Snapshot, compare, plan_release, published_content, version_key
from tests.conftest import REAL_CURATION, REPO

RELEASE_FILES = (
    "resources.csv",
    "resources.json",
    "datapackage.json",
    "resources.csl.json",
    "resources.ris",
    "resources.bib",
    "dataset.jsonld",
    "CHANGELOG.md",
    "changes.json",
)
OLD_TITLE = 'title = "Mentorship in Medical Training: Shaping the Future in Medicine"'
NEW_TITLE = 'title = "Mentorship in Medical Training: Shaping the Future of Medicine"'


def outputs(folder) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in RELEASE_FILES}


def history_files(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.json"))}


def curation_with(tmp_path, name: str, *replacements: tuple[str, str]):
    text = REAL_CURATION.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_build_twice_with_one_fact_changed(tmp_path, run_cli):
    history = tmp_path / "releases"

    def build(curation, out):
        return run_cli(
            "build", "--curation", curation, "--out", out, "--processed", tmp_path / "p", "--releases", history
        )

    version = read_curation(REAL_CURATION).dataset.version
    first = build(REAL_CURATION, tmp_path / "first")
    assert first.status == 0, first.err
    assert f"new release {version} recorded in {history / version}.json" in first.out
    assert list(history_files(history)) == [f"{version}.json"]
    assert (history / f"{version}.json").stat().st_mode & 0o777 == 0o644
    changelog = (tmp_path / "first" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {version} — " in changelog and "First recorded release: 45 resources." in changelog

    # The same content rebuilds byte for byte, and records nothing new.
    recorded = history_files(history)
    again = build(REAL_CURATION, tmp_path / "again")
    assert again.status == 0 and "new release" not in again.out
    assert outputs(tmp_path / "again") == outputs(tmp_path / "first")
    assert history_files(history) == recorded

    # One curated fact changed under the same version: refused, nothing published or recorded.
    changed = curation_with(tmp_path, "changed.toml", (OLD_TITLE, NEW_TITLE))
    before = outputs(tmp_path / "first")
    refused = build(changed, tmp_path / "first")
    assert refused.status == 3
    assert f"version {version} is already published with other content" in refused.err
    assert "1 changed: mentorship-medical-training-asra" in refused.err
    assert refused.err.startswith(f"error: {changed}:")
    patch = f"{version.rsplit('.', 1)[0]}.{int(version.rsplit('.', 1)[1]) + 1}"
    assert f"1 resource corrected or moved: set `version` in the [dataset] table to {patch}" in refused.err
    assert outputs(tmp_path / "first") == before and history_files(history) == recorded

    # Bumped: published, recorded, and the changelog says what changed, newest first.
    bump = (f'version = "{version}"', 'version = "9.0.0"')
    bumped = curation_with(tmp_path, "bumped.toml", (OLD_TITLE, NEW_TITLE), bump)
    assert build(bumped, tmp_path / "second").status == 0
    assert list(history_files(history)) == [f"{version}.json", "9.0.0.json"]
    changes = json.loads((tmp_path / "second" / "changes.json").read_text(encoding="utf-8"))
    assert changes["version"] == "9.0.0"
    assert [r["version"] for r in changes["releases"]] == ["9.0.0", version]
    latest = changes["releases"][0]
    assert (latest["previous"], latest["added"], latest["removed"]) == (version, [], [])
    title_change = {
        "before": "Mentorship in Medical Training: Shaping the Future in Medicine",
        "after": "Mentorship in Medical Training: Shaping the Future of Medicine",
    }
    assert latest["changed"] == [{"id": "mentorship-medical-training-asra", "fields": {"title": title_change}}]
    changelog = (tmp_path / "second" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## 9.0.0") < changelog.index(f"## {version}")
    assert (
        '- `mentorship-medical-training-asra`\n  - `title`: "Mentorship in Medical Training: Shaping the Future in'
        in changelog
    )

    # A clean checkout (no output folder) rebuilds the same release from the history alone.
    assert build(bumped, tmp_path / "clean").status == 0
    assert outputs(tmp_path / "clean") == outputs(tmp_path / "second")

    # The old version still rebuilds as it was published.
    assert build(REAL_CURATION, tmp_path / "old").status == 0
    assert outputs(tmp_path / "old") == outputs(tmp_path / "first")


def snapshot(version: str, *resources: dict) -> Snapshot:
    return Snapshot(version, "2026-01-01", published_content(list(resources)))


def test_link_health_is_not_content():
    published = snapshot("1.0.0", {"id": "a", "title": "A", "link_status": "ok", "link_checked": "2026-01-01"})
    current = snapshot("1.0.0", {"id": "a", "title": "A", "link_status": "broken", "link_checked": "2026-02-01"})
    assert published.resources == [{"id": "a", "title": "A"}]
    history, new = plan_release([published], current)
    assert (history, new) == ([published], False)


def test_changes_list_added_removed_and_changed_fields_by_id():
    before = snapshot("1.0.0", {"id": "a", "title": "A", "year": 2020}, {"id": "b", "title": "B", "year": None})
    after = snapshot("1.1.0", {"id": "a", "title": "A2", "year": 2021}, {"id": "c", "title": "C", "year": None})
    changes = compare(before, after)
    assert (changes.added, changes.removed) == (["c"], ["b"])
    assert changes.changed == {"a": {"title": {"before": "A", "after": "A2"}, "year": {"before": 2020, "after": 2021}}}


def test_a_version_below_the_newest_release_is_refused():
    with pytest.raises(VersionReused, match=r"older than the published version 1\.10\.0"):
        plan_release([snapshot("1.10.0", {"id": "a"})], snapshot("1.9.0", {"id": "b"}))
    assert version_key("1.10.0") > version_key("1.9.0") > version_key("1.9")


def test_a_damaged_snapshot_is_a_clear_error(tmp_path, run_cli):
    history = tmp_path / "releases"
    history.mkdir()
    (history / "1.0.0.json").write_text('{"version": "1.0.0", "date": ', encoding="utf-8")
    result = run_cli("validate", "--releases", history, "--processed", tmp_path / "p")
    assert result.status == 3
    assert result.err.startswith(f"error: {history / '1.0.0.json'}: not a release snapshot")
    assert "hint:" in result.err and "Traceback" not in result.err


def test_validate_checks_the_version_rule_without_recording(tmp_path, run_cli):
    history = tmp_path / "releases"
    assert run_cli("validate", "--releases", history, "--processed", tmp_path / "p").status == 0
    assert not history.exists()
    assert (
        run_cli("build", "-q", "--releases", history, "--out", tmp_path / "o", "--processed", tmp_path / "p").status
        == 0
    )
    changed = curation_with(tmp_path, "changed.toml", (OLD_TITLE, NEW_TITLE))
    result = run_cli("validate", "--curation", changed, "--releases", history, "--processed", tmp_path / "p")
    assert result.status == 3 and "already published with other content" in result.err


def test_the_committed_release_history_accepts_the_current_data(run_cli, tmp_path):
    """A published version in data/releases/ whose curated content changed must get a new version."""
    result = run_cli("validate", "-q", "--releases", REPO / "data" / "releases", "--processed", tmp_path)
    assert result.status == 0, result.err
