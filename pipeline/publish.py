"""Atomic publishing of a set of output files: all of them or, on failure, none (no pandas here, on purpose)."""

import os
import shutil
import tempfile
from pathlib import Path

from pipeline.errors import PublishError


def publish(files: dict[str, bytes], out_dir: Path) -> None:
    """Write every file aside, then move each into place: a failure leaves the previous outputs untouched."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    except OSError as error:
        raise PublishError(f"cannot write the outputs: {error.strerror}", path=out_dir,
                           hint="check that the folder is writable or pass another with --out") from None  # fmt: skip
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        for name in files:
            os.replace(staging / name, out_dir / name)
    except OSError as error:
        raise PublishError(f"cannot write the outputs: {error.strerror}", path=out_dir,
                           hint="free some space or pass another folder with --out") from None  # fmt: skip
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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
        raise PublishError(f"cannot write the file: {error.strerror}", path=path,
                           hint="check that the folder exists and is writable, and that the disk has room") from None  # fmt: skip
