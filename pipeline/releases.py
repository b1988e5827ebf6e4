"""Release history: a snapshot of the published resources per version, what changed between them, the version rule.

A snapshot is `data/releases/<version>.json` (kept in the repository); `build` writes the snapshot of a new
version there, and the librarian commits it. Only content is compared: link health (`link_*`, in snapshots of
early versions) and where an entry sat in the capture (`line`) are not content.

The version rule (README "Releases"): the major number changes when the columns or their meaning change, the
minor number when resources are added or removed, the patch number when facts are corrected (or entries move).
"""

import difflib
import json
import re
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import CHANGELOG_NAME, CHANGES_NAME
from pipeline.errors import PublishError, ReleaseDateError, ReleaseHistoryError, VersionReused
from pipeline.publish import write_atomic
from schemas.vocabulary import SEMVER_PATTERN

LINK_HEALTH_PREFIX = "link_"
NOT_CONTENT = frozenset({"line"})  # provenance of the build; in the snapshots of versions up to 2.0.0
PLACE_FIELDS = ("section", "position")  # where an entry stands: a change of these is a move, reported once
SHOWN_VALUE_LENGTH = 120  # longer values are shortened in CHANGELOG.md (changes.json has them whole)
SEMVER = re.compile(SEMVER_PATTERN)
# What Markdown (CommonMark, GitHub's tables and strike-through) or HTML could act on inside a line: escaped
# with a backslash where CHANGELOG.md quotes a title or a value, so that it reads as itself.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>&~|])")


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
    moved: list[str] = field(default_factory=list)  # ids whose section or place among the others changed
    columns: dict[str, list[str]] = field(default_factory=dict)  # {"added": [...], "removed": [...]} when changed

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.moved or self.columns)


def is_content(name: str) -> bool:
    return name not in NOT_CONTENT and not name.startswith(LINK_HEALTH_PREFIX)


def published_content(records: list[dict]) -> list[dict]:
    """The resources as a release fixes them: every published content field, as JSON values."""
    content = [{key: value for key, value in record.items() if is_content(key)} for record in records]
    return json.loads(json.dumps(content))


def columns(snapshot: Snapshot) -> list[str]:
    """The content columns of a snapshot, in order (every resource has the same)."""
    return [name for name in (snapshot.resources[0] if snapshot.resources else {}) if is_content(name)]


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
    """The history up to the current version, and whether that version is new.

    Refuses different content under a published version, a version below the newest, a version whose number
    does not follow the rule for what changed since the release before it, and a date older than that release's.
    """
    recorded = {snapshot.version: snapshot for snapshot in history}
    published = recorded.get(current.version)
    if published is not None:
        difference = compare(published, current)
        if difference.any:
            ids = [*difference.added, *difference.removed, *difference.changed, *difference.moved]
            shown_ids = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
            reason, needed = needed_version(published.version, difference)
            raise VersionReused(
                f"version {current.version} is already published with other content ({summary(difference)}"
                f"{': ' + shown_ids if shown_ids else ''}); a version means fixed content",
                hint=f"{reason}: set `version` in the [dataset] table to {needed}, or undo the change; "
                "then build again",
            )
        return [s for s in history if version_key(s.version) <= version_key(current.version)], False
    newer = [s.version for s in history if version_key(s.version) > version_key(current.version)]
    if newer:
        raise VersionReused(
            f"version {current.version} is older than the published version {newer[-1]}",
            hint=f"set `version` in the [dataset] table above {newer[-1]}",
        )
    earlier = [s for s in history if version_key(s.version) < version_key(current.version)]
    if earlier:
        previous = earlier[-1]
        difference = compare(previous, current)
        reason, needed = needed_version(previous.version, difference)
        if difference.any and version_key(current.version) < version_key(needed):
            raise VersionReused(
                f"version {current.version} does not follow the version rule: since {previous.version}, {reason}",
                hint=f"set `version` in the [dataset] table to {needed} (README 'Releases': major for columns, "
                "minor for resources added or removed, patch for corrected facts)",
            )
        if current.date < previous.date:
            raise ReleaseDateError(
                f"the release date {current.date} is older than that of the previous release "
                f"{previous.version} ({previous.date})",
                hint=f"set `updated` in the [dataset] table to the date of this release (on or after {previous.date})",
            )
    return [*earlier, current], True


def needed_version(previous: str, changes: Changes) -> tuple[str, str]:
    """What changed, in words, and the version the rule asks for after `previous`."""
    if changes.columns:
        columns = [f"{kind} {', '.join(names)}" for kind, names in changes.columns.items() if names]
        return f"the columns changed ({'; '.join(columns)})", bumped(previous, 0)
    if changes.added or changes.removed:
        counts = [(len(changes.added), "added"), (len(changes.removed), "removed")]
        what = " and ".join(f"{n} resource{'s' if n != 1 else ''} {verb}" for n, verb in counts if n)
        return what, bumped(previous, 1)
    n = len(set(changes.changed) | set(changes.moved))
    return f"{n} resource{'s' if n != 1 else ''} corrected or moved", bumped(previous, 2)


def bumped(version: str, part: int) -> str:
    """`version` with its major (0), minor (1) or patch (2) number raised and the numbers after it reset."""
    match = SEMVER.match(version)
    if not match:
        return f"a version after {version}"
    numbers = [int(number) for number in match.groups()[:3]]
    numbers = [*numbers[:part], numbers[part] + 1, *[0] * (2 - part)]
    return ".".join(str(number) for number in numbers)


def place_release(folder: Path, current: Snapshot, curation: Path) -> tuple[list[Snapshot], bool]:
    """plan_release against the history in `folder`; a refusal names the curation file's `version` line."""
    try:
        return plan_release(read_history(folder), current)
    except VersionReused as error:
        key = "updated" if isinstance(error, ReleaseDateError) else "version"
        error.path, error.line = curation, key_line(curation, key)
        raise


def record_release(folder: Path, snapshot: Snapshot) -> None:
    """Write a new version's snapshot into the history (the librarian commits it)."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PublishError(
            f"cannot record the release: {error.strerror}",
            path=folder,
            hint="nothing was published; make the folder writable and build again",
        ) from None
    path = Path(folder) / f"{snapshot.version}.json"
    write_atomic(path, snapshot_bytes(snapshot))
    path.chmod(0o644)  # a file of the repository, readable by all (the atomic write makes it private)


def forget_release(folder: Path, snapshot: Snapshot) -> None:
    """Remove the snapshot `record_release` wrote, when the release it records was not published after all."""
    with suppress(OSError):  # a snapshot that could not be written is not there to remove
        (Path(folder) / f"{snapshot.version}.json").unlink(missing_ok=True)


def key_line(path: Path, key: str) -> int | None:
    """The line of the first `key = ...` in a TOML file, for messages."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n, line in enumerate(lines, 1) if line.split("=")[0].strip() == key), None)


def compare(before: Snapshot | None, after: Snapshot) -> Changes:
    """What `after` changed since `before`: resources added, removed, moved, and content fields changed."""
    old = {resource["id"]: content(resource) for resource in (before.resources if before else [])}
    new = {resource["id"]: content(resource) for resource in after.resources}
    column_changes = {}
    if before is not None and before.resources and after.resources and columns(before) != columns(after):
        was, now = columns(before), columns(after)
        column_changes = {"added": [c for c in now if c not in was], "removed": [c for c in was if c not in now]}
        if not any(column_changes.values()):
            column_changes = {"reordered": now}
    shared = [name for name in columns(after) if name in columns(before)] if before else []
    changed = {}
    for identifier in (i for i in new if i in old):
        fields = {}
        for name in shared:  # a column added or removed is reported once, as such
            value_before, value_after = old[identifier].get(name), new[identifier].get(name)
            if value_before != value_after and name not in PLACE_FIELDS:
                fields[name] = {"before": value_before, "after": value_after}
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
        moved=moved(old, new),
        columns=column_changes,
    )


def content(resource: dict) -> dict:
    return {key: value for key, value in resource.items() if is_content(key)}


def moved(old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """Resources kept that changed section, or whose place among the kept ones changed (fewest such)."""
    kept_before = [i for i in old if i in new]
    kept_after = [i for i in new if i in old]
    in_place = set()
    for block in difflib.SequenceMatcher(None, kept_before, kept_after, autojunk=False).get_matching_blocks():
        in_place.update(kept_after[block.b : block.b + block.size])
    return [i for i in kept_after if i not in in_place or old[i].get("section") != new[i].get("section")]


def summary(changes: Changes) -> str:
    counts = f"{len(changes.added)} added, {len(changes.removed)} removed, {len(changes.changed)} changed"
    counts += f", {len(changes.moved)} moved" if changes.moved else ""
    return counts + (", columns changed" if changes.columns else "")


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
            "moved": c.moved,
            "columns": c.columns,
        }
        for c in changes
    ]
    document = {"version": changes[0].version, "releases": releases}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def shown(value, limit: int | None = SHOWN_VALUE_LENGTH) -> str:
    """A value as quoted in CHANGELOG.md: JSON, shortened past `limit` characters (None: whole), and escaped so
    that it is never live Markdown or HTML."""
    text = json.dumps(value, ensure_ascii=False)
    return escaped(text if limit is None or len(text) <= limit else text[: limit - 1] + "…")


def change_text(before, after) -> str:
    """A changed value as CHANGELOG.md says it: a list by the items added and removed, a long text around where
    it changed (both sides cut to their first characters could read the same)."""
    if isinstance(before, list) and isinstance(after, list):
        parts = [f"added {shown(item, None)}" for item in after if item not in before]  # an address cut is no use
        parts += [f"removed {shown(item, None)}" for item in before if item not in after]
        return "; ".join(parts) or "the same items in another order"
    if isinstance(before, str) and isinstance(after, str):
        before, after = around_the_change(before, after)
    return f"{shown(before)} → {shown(after)}"


def around_the_change(before: str, after: str, context: int = 30) -> tuple[str, str]:
    """Two texts cut to the part that differs, with about `context` characters either side (whole words), when
    either is too long to quote whole."""
    if max(len(before), len(after)) <= SHOWN_VALUE_LENGTH - 2:  # within the quoted length as they are
        return before, after
    start = same_start(before, after)
    same_end = same_start(before[start:][::-1], after[start:][::-1])
    cut = before.rfind(" ", 0, max(0, start - context)) + 1  # the start of a word (0: none before)

    def window(text: str) -> str:
        stop = text.find(" ", len(text) - same_end + context)
        stop = len(text) if stop < 0 else stop
        return ("…" if cut else "") + text[cut:stop] + ("…" if stop < len(text) else "")

    return window(before), window(after)


def same_start(first: str, second: str) -> int:
    """How many characters two texts share at their start."""
    return next(
        (n for n, (a, b) in enumerate(zip(first, second, strict=False)) if a != b), min(len(first), len(second))
    )


def escaped(text: str) -> str:
    """Text quoted in Markdown as itself: every ASCII punctuation mark Markdown or HTML could act on escaped."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def release_markdown(changes: Changes, titles: dict[str, str]) -> list[str]:
    lines = [f"## {changes.version} — {changes.date}", ""]
    if changes.previous is None:
        return [*lines, f"First recorded release: {changes.count} resources.", ""]
    lines += [f"{changes.count} resources; since {changes.previous}: {summary(changes)}.", ""]
    if changes.columns:
        lines += ["### Columns", ""]
        lines += [
            f"- {kind}: {', '.join(f'`{name}`' for name in names)}" for kind, names in changes.columns.items() if names
        ]
        lines.append("")
    for heading, ids in (("Added", changes.added), ("Removed", changes.removed), ("Moved", changes.moved)):
        if ids:
            lines += [f"### {heading}", "", *(f"- `{i}` — {escaped(titles.get(i, ''))}" for i in ids), ""]
    if changes.changed:
        lines += ["### Changed", ""]
        for identifier, fields in changes.changed.items():
            lines.append(f"- `{identifier}`")
            lines += [f"  - `{name}`: {change_text(d['before'], d['after'])}" for name, d in fields.items()]
        lines.append("")
    return lines


def changelog_markdown(history: list[Snapshot], dataset_title: str) -> bytes:
    """CHANGELOG.md: every release, newest first, with what it added, removed and changed by resource id."""
    titles = {r["id"]: r.get("title", "") for snapshot in history for r in snapshot.resources}
    intro = (
        "Newest first. Each release is compared with the one before it, resource by resource (by id); "
        "only content is compared (link health and where an entry sat in the capture are not content)."
    )
    lines = [f"# Changelog: {escaped(dataset_title)}", "", intro, ""]
    for changes in changes_newest_first(history):
        lines += release_markdown(changes, titles)
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


def release_files(history: list[Snapshot], dataset_title: str) -> dict[str, bytes]:
    return {
        CHANGELOG_NAME: changelog_markdown(history, dataset_title),
        CHANGES_NAME: changes_json(changes_newest_first(history)),
    }
