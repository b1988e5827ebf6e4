"""Release history: a snapshot of the published resources per version, what changed between them, the version rule.

A snapshot is `data/releases/<version>.json` (kept in the repository); `build` writes the snapshot of a new
version there, and the librarian commits it. Link-health columns (`link_*`) are not content.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import CHANGELOG_NAME, CHANGES_NAME
from pipeline.errors import PublishError, ReleaseHistoryError, VersionReused
from pipeline.publish import write_atomic

LINK_HEALTH_PREFIX = "link_"
SHOWN_VALUE_LENGTH = 120  # longer values are shortened in CHANGELOG.md (changes.json has them whole)


@dataclass(frozen=True)
class Snapshot:
    """The published resources of one version."""

    version: str
    date: str
    resources: list[dict]


@dataclass(frozen=True)
class Changes:
    """What one release changed since the release before it, by resource id."""

    version: str
    date: str
    previous: str | None
    count: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, dict]] = field(default_factory=dict)  # id → field → {"before", "after"}


def published_content(records: list[dict]) -> list[dict]:
    """The resources as a release fixes them: every published field but link health, as JSON values."""
    content = [
        {key: value for key, value in record.items() if not key.startswith(LINK_HEALTH_PREFIX)} for record in records
    ]
    return json.loads(json.dumps(content))


def version_key(version: str) -> tuple:
    """Orders versions as numbers part by part: 1.10.0 after 1.9.0."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\-+]", version))


def snapshot_bytes(snapshot: Snapshot) -> bytes:
    document = {"version": snapshot.version, "date": snapshot.date, "resources": snapshot.resources}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def read_history(folder: Path) -> list[Snapshot]:
    """Every recorded release in `folder`, oldest first; none when the folder does not exist."""
    history = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            snapshot = Snapshot(str(document["version"]), str(document["date"]), list(document["resources"]))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
            raise ReleaseHistoryError(
                f"not a release snapshot ({type(error).__name__}: {error})",
                path=path,
                hint="restore it from the repository (git checkout -- FILE); build writes these files",
            ) from None
        if path.stem != snapshot.version:
            raise ReleaseHistoryError(
                f"the file holds version {snapshot.version!r}, not {path.stem!r}",
                path=path,
                hint="restore it from the repository; a snapshot is named after its version",
            )
        history.append(snapshot)
    return sorted(history, key=lambda snapshot: version_key(snapshot.version))


def plan_release(history: list[Snapshot], current: Snapshot) -> tuple[list[Snapshot], bool]:
    """The history up to the current version, and whether that version is new; refuses a changed published version."""
    recorded = {snapshot.version: snapshot for snapshot in history}
    published = recorded.get(current.version)
    if published is not None and published.resources != current.resources:
        difference = compare(published, current)
        ids = [*difference.added, *difference.removed, *difference.changed]
        shown_ids = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
        raise VersionReused(
            f"version {current.version} is already published with other content ({summary(difference)}: "
            f"{shown_ids}); a version means fixed content",
            hint=f"bump `version` in the [dataset] table (e.g. {next_version(current.version)}), "
            "or undo the change; then build again",
        )
    newer = [s.version for s in history if version_key(s.version) > version_key(current.version)]
    if published is None and newer:
        raise VersionReused(
            f"version {current.version} is older than the published version {newer[-1]}",
            hint=f"set `version` in the [dataset] table above {newer[-1]}",
        )
    earlier = [s for s in history if version_key(s.version) < version_key(current.version)]
    return [*earlier, published or current], published is None


def place_release(folder: Path, current: Snapshot, curation: Path) -> tuple[list[Snapshot], bool]:
    """plan_release against the history in `folder`; a refusal names the curation file's `version` line."""
    try:
        return plan_release(read_history(folder), current)
    except VersionReused as error:
        error.path, error.line = curation, key_line(curation, "version")
        raise


def record_release(folder: Path, snapshot: Snapshot) -> None:
    """Write a new version's snapshot into the history (the librarian commits it)."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PublishError(
            f"cannot record the release: {error.strerror}",
            path=folder,
            hint="the outputs are published; make the folder writable and build again",
        ) from None
    path = Path(folder) / f"{snapshot.version}.json"
    write_atomic(path, snapshot_bytes(snapshot))
    path.chmod(0o644)  # a file of the repository, readable by all (the atomic write makes it private)


def key_line(path: Path, key: str) -> int | None:
    """The line of the first `key = ...` in a TOML file, for messages."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n, line in enumerate(lines, 1) if line.split("=")[0].strip() == key), None)


def next_version(version: str) -> str:
    parts = version.split(".")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        return f"{parts[0]}.{int(parts[1]) + 1}.0"
    return f"a version after {version}"


def compare(before: Snapshot | None, after: Snapshot) -> Changes:
    old = {resource["id"]: resource for resource in (before.resources if before else [])}
    new = {resource["id"]: resource for resource in after.resources}
    changed = {}
    for identifier in (i for i in new if i in old):
        fields = {}
        for name in dict.fromkeys([*old[identifier], *new[identifier]]):
            was, now = old[identifier].get(name), new[identifier].get(name)
            if was != now:
                fields[name] = {"before": was, "after": now}
        if fields:
            changed[identifier] = fields
    return Changes(
        version=after.version,
        date=after.date,
        previous=before.version if before else None,
        count=len(new),
        added=[i for i in new if i not in old],
        removed=[i for i in old if i not in new],
        changed=changed,
    )


def summary(changes: Changes) -> str:
    return f"{len(changes.added)} added, {len(changes.removed)} removed, {len(changes.changed)} changed"


def changes_newest_first(history: list[Snapshot]) -> list[Changes]:
    return [compare(history[n - 1] if n else None, snapshot) for n, snapshot in enumerate(history)][::-1]


def changes_json(changes: list[Changes]) -> bytes:
    releases = [
        {
            "version": c.version,
            "date": c.date,
            "previous": c.previous,
            "resources": c.count,
            "added": c.added,
            "removed": c.removed,
            "changed": [{"id": identifier, "fields": fields} for identifier, fields in c.changed.items()],
        }
        for c in changes
    ]
    document = {"version": changes[0].version, "releases": releases}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[: SHOWN_VALUE_LENGTH - 1] + "…"


def release_markdown(changes: Changes, titles: dict[str, str]) -> list[str]:
    lines = [f"## {changes.version} — {changes.date}", ""]
    if changes.previous is None:
        return [*lines, f"First recorded release: {changes.count} resources.", ""]
    lines += [f"{changes.count} resources; since {changes.previous}: {summary(changes)}.", ""]
    for heading, ids in (("Added", changes.added), ("Removed", changes.removed)):
        if ids:
            lines += [f"### {heading}", "", *(f"- `{i}` — {titles.get(i, '')}" for i in ids), ""]
    if changes.changed:
        lines += ["### Changed", ""]
        for identifier, fields in changes.changed.items():
            lines.append(f"- `{identifier}`")
            lines += [f"  - `{name}`: {shown(d['before'])} → {shown(d['after'])}" for name, d in fields.items()]
        lines.append("")
    return lines


def changelog_markdown(history: list[Snapshot], dataset_title: str) -> bytes:
    """CHANGELOG.md: every release, newest first, with what it added, removed and changed by resource id."""
    titles = {r["id"]: r.get("title", "") for snapshot in history for r in snapshot.resources}
    intro = (
        "Newest first. Each release is compared with the one before it, resource by resource (by id); "
        "link-health columns are not content."
    )
    lines = [f"# Changelog: {dataset_title}", "", intro, ""]
    for changes in changes_newest_first(history):
        lines += release_markdown(changes, titles)
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


def release_files(history: list[Snapshot], dataset_title: str) -> dict[str, bytes]:
    return {
        CHANGELOG_NAME: changelog_markdown(history, dataset_title),
        CHANGES_NAME: changes_json(changes_newest_first(history)),
    }
