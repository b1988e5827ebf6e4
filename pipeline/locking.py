"""One run at a time per place: an advisory lock that the kernel releases when its holder dies."""

import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import Busy, PublishError

POLL = 0.2  # seconds between two tries while waiting for a lock


def lock_path_for(target: Path) -> Path:
    """The lock file guarding `target` (a folder or a file): a hidden sibling, so it is never published."""
    target = Path(target)
    return target.parent / f".{target.name}.lock"


@contextmanager
def exclusive(
    target: Path, what: str, *, wait: float = 0.0, say: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the lock of `target` for the block; wait up to `wait` seconds for another holder, then raise Busy.

    flock is tied to the open file: a killed holder releases it with its last descriptor, so no
    stale lock can outlive a crash, and the lock file itself may safely stay behind. `say` tells
    that it waits (on stderr by default).
    """
    path = lock_path_for(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise PublishError(
            f"cannot write there: {error.strerror} (making its lock file {path.name})",
            path=target,
            hint="check that the folder exists and is writable, or pass another one",
        ) from None
    try:
        acquire(handle, target, what, wait, say or (lambda line: print(line, file=sys.stderr)))
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(handle)


def acquire(handle: int, target: Path, what: str, wait: float, say: Callable[[str], None]) -> None:
    give_up = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = os.pread(handle, 64, 0).decode("ascii", "replace").strip() or "unknown"
            if time.monotonic() >= give_up:
                raise Busy(
                    f"another run is using {target} (process {holder})",
                    path=target,
                    hint=f"wait for it to end and run {what} again",
                ) from None
            if not told:
                say(f"waiting for process {holder}, which is using {target}…")
                told = True
            time.sleep(POLL)
