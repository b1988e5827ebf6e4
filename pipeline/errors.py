"""Stops: failures after which the run cannot go on, and the exit status each one gives.

Findings (bad rows, dead links) are records, not these.
"""

from collections.abc import Sequence
from pathlib import Path

from pipeline.findings import Finding

# Exit statuses, defined once; the README lists them.
EXIT_OK = 0
EXIT_LINKS_BROKEN = 1  # check-links: broken links, as --fail-on says
EXIT_USAGE = 2
EXIT_INVALID = 3  # invalid input; nothing was published
EXIT_OFFLINE = 4  # check-links or find could not reach the network or a service; nothing changed
EXIT_INTERNAL = 70  # an unexpected internal error (a bug): never 1, which schedulers read as "broken links"
EXIT_BUSY = 75  # another run holds the lock on the same outputs or history; try again later
EXIT_INTERRUPTED = 130

REPORT_BUGS = "please report it to the guide's keepers with the command you ran and this message"


class PipelineError(Exception):
    """The run cannot go on; the message says what, where and how to fix it."""

    exit_status = EXIT_INVALID

    def __init__(self, problem: str, *, path: Path | str | None = None, line: int | None = None, hint: str = ""):
        self.problem = problem
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(self.message)

    @property
    def where(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    @property
    def message(self) -> str:
        text = f"{self.where}: {self.problem}" if self.where else self.problem
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class InputUnreadable(PipelineError):
    "The input file is missing, empty, binary or not UTF-8 text"


class GuideStructureError(PipelineError):
    "The guide's sections or entries are not as expected"


class CurationError(PipelineError):
    "The curation file is malformed or its records do not match the guide"

    def __init__(
        self,
        problem: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        hint: str = "",
        findings: Sequence[Finding] = (),
    ):
        super().__init__(problem, path=path, line=line, hint=hint)
        self.findings = tuple(findings)  # every problem with its slug and line, when the message lists several


class ValidationFailed(PipelineError):
    "The normalised data breaks its schema; nothing was published"


class PublishError(PipelineError):
    "The outputs could not be written"


class Busy(PipelineError):
    "Another run holds the lock on the same outputs or history"

    exit_status = EXIT_BUSY


class VersionReused(PipelineError):
    "Different content under a version already published"


class ReleaseDateError(VersionReused):
    "A new release dated before the release it follows"


class ReleaseHistoryError(PipelineError):
    "A snapshot of the release history cannot be read"


class HandbookError(PipelineError):
    "The handbook could not be rendered"


class HistoryError(PipelineError):
    "The link history database cannot be opened or written"


class DatasetError(PipelineError):
    "The published dataset to check is missing or is not the one `mentor-guide build` writes"


class Offline(PipelineError):
    "check-links could not reach the network: no link status changed and no report was rewritten"

    exit_status = EXIT_OFFLINE


class ServiceUnavailable(PipelineError):
    "find could not reach a scholarly service, or it kept failing: the previous review file is kept"

    exit_status = EXIT_OFFLINE


class UsageError(PipelineError):
    "The command was given an option it cannot use"

    exit_status = EXIT_USAGE


class LinkStatusFileError(PipelineError):
    "The link-status file written by check-links is malformed or was edited by hand"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during check-links; what was checked before it is in the history."""

    def __init__(self, checked: int, total: int):
        super().__init__(f"interrupted after {checked} of {total} URLs")
        self.checked, self.total = checked, total
