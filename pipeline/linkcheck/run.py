"""The nightly link check end to end: read the dataset, check its URLs, record history, write reports and status."""

from __future__ import annotations

import csv
import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pipeline.errors import PipelineError
from pipeline.linkcheck.history import LinkHistory
from pipeline.linkcheck.report import LinkStats, ResourceRef, report_files, status_json, summarise
from pipeline.linkcheck.schedule import check_links
from pipeline.linkcheck.status import LinkResult, Options
from pipeline.publish import publish

REQUIRED_COLUMNS = ("id", "section", "title", "url")


class DatasetError(PipelineError):
    "The published dataset to check is missing or is not the one `mentor-guide build` writes"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a check; what was checked before it is in the history."""

    def __init__(self, checked: int, total: int):
        super().__init__(f"interrupted after {checked} of {total} URLs")
        self.checked, self.total = checked, total


@dataclass(frozen=True)
class CheckPaths:
    dataset: Path
    out: Path
    history: Path
    status: Path


def now_iso() -> str:
    """The wall clock in UTC, to the second: link checks are about when, unlike the dataset."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_resources(path: Path) -> dict[str, list[ResourceRef]]:
    """Each distinct URL of the dataset (in dataset order) with the resources that link to it."""
    hint = "run `mentor-guide build` first, or pass the dataset with --dataset"
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            missing = [name for name in REQUIRED_COLUMNS if name not in (reader.fieldnames or ())]
            if missing:
                raise DatasetError(f"not a dataset written by `mentor-guide build`: no column {', '.join(missing)}",
                                   path=path, line=1, hint=hint)  # fmt: skip
            by_url: dict[str, list[ResourceRef]] = {}
            for row in reader:
                url = (row["url"] or "").strip()
                if url:
                    by_url.setdefault(url, []).append(ResourceRef(row["id"], row["title"], row["section"]))
    except FileNotFoundError:
        raise DatasetError("the dataset does not exist", path=path, hint=hint) from None
    except UnicodeDecodeError as error:
        raise DatasetError(f"not UTF-8 text (byte {error.start})", path=path, hint=hint) from None
    except (OSError, csv.Error) as error:
        raise DatasetError(f"cannot read the dataset: {error}", path=path, hint=hint) from None
    return by_url


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = total > 0 and self.stream.isatty()
        self.total, self.done, self.failing, self.drawn = total, 0, 0, 0.0

    def update(self, result: LinkResult) -> None:
        self.done += 1
        self.failing += result.failing
        now = time.monotonic()
        if self.enabled and (now - self.drawn > 0.1 or self.done == self.total):  # redraw at most 10 times a second
            self.drawn = now
            filled = 30 * self.done // self.total
            self.stream.write(f"\rchecking links [{'#' * filled}{'.' * (30 - filled)}] "
                              f"{self.done}/{self.total}, {self.failing} failing ")  # fmt: skip
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            self.stream.write("\n")
            self.stream.flush()


def write_status(history: LinkHistory, urls: list[str], path: Path, checked_at: str) -> None:
    publish({path.name: status_json(history.states(urls), checked_at).encode("utf-8")}, path.parent)


def run_link_check(paths: CheckPaths, options: Options, *, confirm_after: int = 2, fail_on: str = "new",
                   progress: bool = True) -> LinkStats:  # fmt: skip
    """Check every URL of the dataset once, record each result, then write the reports and the status file.

    On Ctrl-C, stops, records the run as interrupted, updates the status file and raises Interrupted;
    the reports are left as they were.
    """
    resources = read_resources(paths.dataset)
    urls = list(resources)
    checked_at = now_iso()
    started = time.monotonic()
    bar = Progress(len(urls)) if progress else None
    recorded = []
    with LinkHistory(paths.history) as history:
        history.start_run(checked_at, len(urls))

        def record(result: LinkResult) -> None:
            history.record(result, now_iso())
            recorded.append(result.url)
            if bar:
                bar.update(result)

        try:
            results = check_links(urls, options, on_result=record)
        except KeyboardInterrupt:
            if bar:
                bar.close()
            history.finish_run(now_iso(), interrupted=True)
            write_status(history, urls, paths.status, checked_at)
            raise Interrupted(len(recorded), len(urls)) from None
        if bar:
            bar.close()
        history.finish_run(now_iso())
        stats = summarise(results, history.states(urls), resources, checked_at=checked_at,
                          elapsed=time.monotonic() - started, confirm_after=confirm_after, fail_on=fail_on)  # fmt: skip
        write_status(history, urls, paths.status, checked_at)
    publish(report_files(stats), paths.out)
    return stats
