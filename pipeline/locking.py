"""One run at a time per place: an advisory lock that the kernel releases when its holder dies."""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import Busy, PublishError


def lock_path_for(target: Path) -> Path:
    """The lock file guarding `target` (a folder or a file): a hidden sibling, so it is never published."""
    target = Path(target)
    return target.parent / f".{target.name}.lock"


@contextmanager
def exclusive(target: Path, what: str) -> Iterator[None]:
    """Hold the lock of `target` for the block, or raise Busy at once if another process holds it.

    flock is tied to the open file: a killed holder releases it with its last descriptor, so no
    stale lock can outlive a crash, and the lock file itself may safely stay behind.
    """
    path = lock_path_for(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise PublishError(f"cannot create the lock file: {error.strerror}", path=path,
                           hint="check that the folder exists and is writable") from None  # fmt: skip
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise Busy(f"another run is using {target} (process {holder})", path=target,
                       hint=f"wait for it to end and run {what} again") from None  # fmt: skip
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(handle)
