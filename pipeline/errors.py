"""Stops: failures after which the run cannot go on. Findings (bad rows, dead links) are records, not these."""

from pathlib import Path


class PipelineError(Exception):
    """The run cannot go on; the message says what, where and how to fix it."""

    exit_status = 3

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


class ValidationFailed(PipelineError):
    "The normalised data breaks its schema; nothing was published"


class PublishError(PipelineError):
    "The outputs could not be written"
