"""Releases: a set of output files made visible in one atomic step, and state files replaced in one step.

The output folder (`output/`) is a symbolic link to a complete release folder kept beside it, in
`.output.releases/`. A release is written as `staging-*`, renamed `release-*` once every file is on
disk, and published by replacing the link in one rename. A reader of `output/` therefore sees the
previous set or the new one, whole, at every instant; a failed, killed or interrupted run leaves the
previous release live, and whatever it left behind is removed by the next run. The previous release
is kept until the one after, so a reader that resolved the link a moment before the switch can read on.

No pandas here, on purpose: check-links publishes its reports through this module and starts lean.
"""

import os
import shutil
import tempfile
from collections.abc import Callable, Set
from contextlib import nullcontext, suppress
from pathlib import Path

from pipeline import config
from pipeline.errors import PublishError
from pipeline.locking import exclusive

STAGING_PREFIX = "staging-"
RELEASE_PREFIX = "release-"
# What earlier versions wrote into a plain output folder, which is adopted as a first release.
EARLIER_OUTPUTS = frozenset(
    {
        ".gitkeep",
        config.CSV_NAME,
        config.JSON_NAME,
        config.PACKAGE_NAME,
        config.QUALITY_NAME,
        config.PDF_NAME,
        config.LINK_REPORT_MD,
        config.LINK_REPORT_JSON,
        config.LINK_REPORT_HTML,
    }
)
LOCK_WAIT = 60.0  # seconds a publisher waits for another one on the same folder before giving up


def releases_dir(out_dir: Path) -> Path:
    """Where the release folders of `out_dir` live: a hidden sibling on the same file system."""
    return out_dir.parent / f".{out_dir.name}.releases"


def keep_everything(name: str) -> bool:
    return True


def publish(
    files: dict[str, bytes],
    out_dir: Path,
    *,
    keep: Callable[[str], bool] = keep_everything,
    wait: float = LOCK_WAIT,
    locked: bool = False,
    before_switch: Callable[[], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> Path:
    """Publish `files` (names may hold `/`) as the new release of `out_dir`; returns the release folder.

    Files of the live release that `files` does not replace are carried over when `keep(name)` is
    true: check-links updates its reports and keeps the dataset; a build replaces everything but the
    link reports. One publisher at a time per folder: this takes the folder's lock (waiting up to
    `wait` seconds for another holder) unless the caller says it holds it already (`locked`).
    `before_switch` runs once the new release is complete, just before it goes live; if it raises,
    the release is discarded.
    """
    out_dir = Path(out_dir)
    with nullcontext() if locked else exclusive(out_dir, "the command", wait=wait, say=say):
        try:
            releases = releases_dir(out_dir)
            releases.mkdir(parents=True, exist_ok=True)
            live = live_release(out_dir, files)
            remove_leftovers(out_dir, staging_only=True)
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=releases))
        except OSError as error:
            raise unwritable(out_dir, error) from None
        release = None
        try:
            os.chmod(staging, 0o755 & ~current_umask())  # readable like any folder the user makes (mkdtemp: 0700)
            write_release(staging, files)
            if live is not None:
                carry_over(live, staging, files, keep)
            complete = staging.with_name(RELEASE_PREFIX + staging.name.removeprefix(STAGING_PREFIX))
            os.rename(staging, complete)
            release = complete
            if before_switch is not None:
                before_switch()
            switch_link(out_dir, release)
        except OSError as error:
            discard(release or staging, out_dir)
            raise unwritable(out_dir, error) from None
        except BaseException:
            discard(release or staging, out_dir)
            raise
        with suppress(OSError):  # published already; the next run removes what is left
            remove_leftovers(out_dir, keep={path for path in (release, live) if path is not None})
        return release


def unwritable(out_dir: Path, error: OSError) -> PublishError:
    return PublishError(
        f"cannot write the outputs: {error.strerror}",
        path=out_dir,
        hint="check that the folder is writable and the disk has room, or pass another with --out; "
        "the previous outputs are untouched",
    )


def live_release(out_dir: Path, files: dict[str, bytes]) -> Path | None:
    """The release `out_dir` points at; a plain folder of earlier outputs is first moved in as a release."""
    if out_dir.is_symlink():
        target = out_dir.parent / os.readlink(out_dir)
        return target if target.is_dir() else None
    if not out_dir.exists():
        return None
    if not out_dir.is_dir():
        raise PublishError(
            "cannot write the outputs: it is a file, not a folder",
            path=out_dir,
            hint="remove it or pass another folder with --out",
        )
    strangers = [entry.name for entry in out_dir.iterdir() if not is_ours(entry.name, files)]
    if strangers:
        raise PublishError(
            f"is a folder holding files this command did not write ({', '.join(sorted(strangers)[:3])}…)",
            path=out_dir,
            hint="pass an empty or new folder with --out, or move those files away",
        )
    # Earlier versions wrote plain files here: adopt them as the live release, then link to it.
    adopted = releases_dir(out_dir) / f"{RELEASE_PREFIX}adopted-{os.getpid()}"
    os.rename(out_dir, adopted)
    switch_link(out_dir, adopted)
    return adopted


def is_ours(name: str, files: dict[str, bytes]) -> bool:
    """Whether an earlier version of this program wrote `name` into a plain output folder."""
    return name in EARLIER_OUTPUTS or name in {key.split("/", 1)[0] for key in files} or name.startswith(".staging-")


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_release(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())


def carry_over(live: Path, staging: Path, files: dict[str, bytes], keep: Callable[[str], bool]) -> None:
    """Hard-link (or copy) into the new release the live files it keeps and does not replace."""
    for path in sorted(live.rglob("*")):
        name = path.relative_to(live).as_posix()
        if not path.is_file() or name in files or not keep(name):
            continue
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


def switch_link(out_dir: Path, release: Path) -> None:
    """Point `out_dir` at `release` in one rename (a reader never finds it missing or half-switched)."""
    fresh = out_dir.with_name(f".{out_dir.name}.next-{os.getpid()}")
    fresh.unlink(missing_ok=True)
    try:
        os.symlink(os.path.relpath(release, out_dir.parent), fresh)
        os.replace(fresh, out_dir)
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    directory = os.open(out_dir.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the switch itself survives a power cut
    finally:
        os.close(directory)


def discard(folder: Path, out_dir: Path) -> None:
    """Remove a release that was not published (never the live one)."""
    if out_dir.is_symlink() and out_dir.resolve() == folder.resolve():
        return
    shutil.rmtree(folder, ignore_errors=True)


def remove_leftovers(out_dir: Path, keep: Set[Path] = frozenset(), *, staging_only: bool = False) -> None:
    """Remove staging of killed runs, half-made links and (unless `staging_only`) releases not in `keep`.

    Only ever called under the folder's lock, so nothing removed here is being written by anyone.
    """
    kept = {path.resolve() for path in keep}
    for entry in releases_dir(out_dir).iterdir():
        if (staging_only and not entry.name.startswith(STAGING_PREFIX)) or entry.resolve() in kept:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    for stale in out_dir.parent.glob(f".{out_dir.name}.next-*"):
        stale.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace one file (state, not a release) in one step: a reader sees the old bytes or the new, never half."""
    path = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise PublishError(
            f"cannot write the file: {error.strerror}",
            path=path,
            hint="check that the folder exists and is writable, and that the disk has room",
        ) from None
