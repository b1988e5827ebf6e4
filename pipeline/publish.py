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
