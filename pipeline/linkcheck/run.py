"""The nightly link check end to end: read the dataset, check its URLs, record history, write reports and status."""

from __future__ import annotations

import csv
import shutil
import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pipeline.errors import PipelineError
from pipeline.linkcheck.archive import Archive, Snapshot, find_snapshots
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


SLOW_URL = 5.0  # seconds in flight after which the progress line names the URL


def duration_text(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else \
        f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"  # fmt: skip


def progress_line(done: int, total: int, failing: int, elapsed: float, slowest: tuple[str, float] | None,
                  width: int = 100) -> str:  # fmt: skip
    """The progress line (pure): bar, counts, time left at the pace so far, and the URL that holds things up.

    A long URL is cut to keep the line within `width` columns: a wrapped line cannot be redrawn in place.
    """
    filled = 30 * done // total
    eta = duration_text(elapsed / done * (total - done)) if done else "--"
    line = f"checking links [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}, {failing} failing, ETA {eta}"
    if slowest is not None:
        url, waited = slowest
        line += f"; waiting {waited:.0f} s for "
        room = max(width - len(line), 20)
        line += url if len(url) <= room else url[: room - 1] + "…"
    return line


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal; it names a URL in flight too long."""

    def __init__(self, total: int, stream: TextIO | None = None, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.enabled = total > 0 and self.stream.isatty()
        self.total, self.done, self.failing, self.drawn = total, 0, 0, 0.0
        self.clock, self.started = clock, clock()
        self.in_flight: dict[str, float] = {}  # URL → when its check started; kept up to date by check_links

    def update(self, result: LinkResult) -> None:
        self.done += 1
        self.failing += result.failing
        self.draw()

    def draw(self) -> None:
        now = self.clock()
        if self.enabled and (now - self.drawn > 0.1 or self.done == self.total):  # redraw at most 10 times a second
            self.drawn = now
            started = min(dict(self.in_flight).items(), key=lambda item: item[1], default=None)  # a copy: workers change it
            slowest = (started[0], now - started[1]) if started and now - started[1] > SLOW_URL else None
            # \x1b[K clears what a longer line drawn before left behind
            width = shutil.get_terminal_size((100, 24)).columns - 1
            line = progress_line(self.done, self.total, self.failing, now - self.started, slowest, width)
            self.stream.write(f"\r{line}\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            self.stream.write("\n")
            self.stream.flush()


def write_status(history: LinkHistory, urls: list[str], path: Path, checked_at: str,
                 snapshots: dict[str, Snapshot] | None = None) -> None:  # fmt: skip
    publish({path.name: status_json(history.states(urls), checked_at, snapshots).encode("utf-8")}, path.parent)


def archived_copies(stats: LinkStats, archive: Archive | None, budget: float) -> dict[str, Snapshot]:
    """Archived copies of the failing URLs; none when the archive is off or this machine is offline."""
    if archive is None or stats.network_down:
        return {}
    return find_snapshots([row.result.url for row in stats.rows if row.result.failing], archive, budget)


def run_link_check(paths: CheckPaths, options: Options, *, confirm_after: int = 2, fail_on: str = "new",
                   progress: bool = True, archive: Archive | None = None) -> LinkStats:  # fmt: skip
    """Check every URL of the dataset once, record each result, then write the reports and the status file.

    With `archive`, failing URLs get the closest archived copy as a suggestion, looked up within one
    per-URL deadline in all. On Ctrl-C, stops, records the run as interrupted, updates the status file and raises Interrupted;
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
            results = check_links(urls, options, on_result=record, in_flight=bar.in_flight if bar else None,
                                  on_wait=bar.draw if bar else None)  # fmt: skip
        except KeyboardInterrupt:
            if bar:
                bar.close()
            history.finish_run(now_iso(), interrupted=True)
            write_status(history, urls, paths.status, checked_at)
            raise Interrupted(len(recorded), len(urls)) from None
        if bar:
            bar.close()
        history.finish_run(now_iso())
        states = history.states(urls)
        stats = summarise(results, states, resources, checked_at=checked_at,
                          elapsed=time.monotonic() - started, confirm_after=confirm_after, fail_on=fail_on)  # fmt: skip
        if snapshots := archived_copies(stats, archive, options.deadline):
            stats = summarise(results, states, resources, checked_at=checked_at, elapsed=stats.elapsed,
                              confirm_after=confirm_after, fail_on=fail_on, snapshots=snapshots)  # fmt: skip
        write_status(history, urls, paths.status, checked_at, snapshots)
    publish(report_files(stats), paths.out)
    return stats
