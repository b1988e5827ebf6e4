"""The nightly link check end to end: read the dataset, check its URLs, write the reports, then commit.

URL states move only once the reports are written (README, "Nightly link check", says why and what a run
stopped short leaves). One run at a time per history.
"""

from __future__ import annotations

import csv
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from pipeline import config
from pipeline.errors import DatasetError, Interrupted, Offline, PipelineError, PublishError
from pipeline.link_health import TIME_FORMAT, health_json
from pipeline.linkcheck.archive import Archive, find_snapshots
from pipeline.linkcheck.history import LinkHistory, RunOutcome, refuse_missing_folder
from pipeline.linkcheck.mail import to_text
from pipeline.linkcheck.report import LinkRow, LinkStats, ResourceRef, gather, report_files
from pipeline.linkcheck.schedule import check_links
from pipeline.linkcheck.status import LinkResult, Options, network_down, scrubbed, without_credentials
from pipeline.linkcheck.streak import next_state
from pipeline.locking import exclusive
from pipeline.publish import publish, write_atomic

REQUIRED_COLUMNS = ("id", "section", "title", "url")
OFFLINE_MIN_HOSTS = 3  # fewer hosts failing together may just be those sites being down


@dataclass(frozen=True)
class CheckPaths:
    dataset: Path
    out: Path
    history: Path
    status: Path
    curation: Path = config.CURATION


def now_iso() -> str:
    """The wall clock in UTC, to the second: link checks are about when, unlike the dataset."""
    return time.strftime(TIME_FORMAT, time.gmtime())


def read_resources(path: Path) -> dict[str, list[ResourceRef]]:
    """Each distinct URL of the dataset (in dataset order) with the resources that link to it."""
    hint = "run `mentor-guide build` first, or pass the dataset with --dataset"
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file, strict=True)  # an unterminated quote is an error, not one huge cell
            missing = [name for name in REQUIRED_COLUMNS if name not in (reader.fieldnames or ())]
            if missing:
                raise DatasetError(
                    f"not a dataset written by `mentor-guide build`: no column {', '.join(missing)}",
                    path=path,
                    line=1,
                    hint=hint,
                )
            by_url: dict[str, list[ResourceRef]] = {}
            for row in reader:
                url = (row["url"] or "").strip()
                if url:
                    by_url.setdefault(url, []).append(ResourceRef(row["id"], row["title"], row["section"]))
    except FileNotFoundError:
        raise DatasetError("the dataset does not exist", path=path, hint=hint) from None
    except UnicodeDecodeError as error:
        raise DatasetError(f"not UTF-8 text (byte {error.start})", path=path, hint=hint) from None
    except csv.Error as error:
        raise DatasetError(
            f"malformed CSV: {error}",
            path=path,
            line=reader.line_num or None,
            hint="rebuild it with `mentor-guide build`; a quote left open swallows the rest of the file",
        ) from None
    except OSError as error:
        raise DatasetError(f"cannot read the dataset: {error.strerror or error}", path=path, hint=hint) from None
    return by_url


SLOW_URL = 5.0  # seconds in flight after which the progress line names the URL


def duration_text(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def progress_line(
    done: int, total: int, failing: int, elapsed: float, slowest: tuple[str, float] | None, width: int = 100
) -> str:
    """The progress line (pure): bar, counts, time left at the pace so far, and the URL that holds things up, cut
    to keep the line within `width` columns (a wrapped line cannot be redrawn in place)."""
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
    """A one-line progress bar on stderr, drawn only if `shown` on a terminal; it names a URL in flight too long."""

    def __init__(self, total: int, stream: TextIO | None = None, clock=time.monotonic, shown: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = shown and total > 0 and self.stream.isatty()
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
            # The oldest check in flight, from a copy: workers change the dict.
            started = min(dict(self.in_flight).items(), key=lambda item: item[1], default=None)
            slowest = (started[0], now - started[1]) if started and now - started[1] > SLOW_URL else None
            width = shutil.get_terminal_size((100, 24)).columns - 1
            line = progress_line(self.done, self.total, self.failing, now - self.started, slowest, width)
            self.stream.write(f"\r{line}\x1b[K")  # \x1b[K clears what a longer line drawn before left behind
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            self.stream.write("\n")
            self.stream.flush()


def prepare_state_folders(paths: CheckPaths) -> None:
    """The default state folder is made on first use; any other missing folder is a typo, refused."""
    for path, option in ((paths.history, "--history"), (paths.status, "--status")):
        if path.parent == config.STATE_DIR:
            path.parent.mkdir(parents=True, exist_ok=True)
        refuse_missing_folder(path, option, option)


def run_link_check(
    paths: CheckPaths,
    options: Options,
    *,
    confirm_after: int = config.CONFIRM_AFTER,
    fail_on: str = config.FAIL_ON,
    progress: bool = True,
    say: Callable[[str], None] = lambda line: None,
    archive: Archive | None = None,
    wait: float = 0.0,
) -> LinkRun:
    """Check every URL of the dataset once, write the reports, then store the new states and the status file.

    Raises Offline, Interrupted, Busy (past `wait` seconds) and PublishError (nothing announced, nothing committed).
    """
    resources = read_resources(paths.dataset)
    prepare_state_folders(paths)
    waiting = say if progress else lambda line: None  # "waiting for process …" is progress: -q keeps it quiet
    # Both places are held from the start: a run that would be busy at the end says so before checking.
    with (
        exclusive(paths.history, "check-links", wait=wait, say=waiting),
        exclusive(paths.out, "check-links", wait=wait, say=waiting),
        LinkHistory(paths.history) as history,
    ):
        if history.created:
            say(f"note: a new link history starts at {paths.history}; no earlier streak or 'broken since' date")
        checked_at = now_iso()
        started = time.monotonic()
        history.start_run(checked_at, len(resources))
        checked = check_all(history, list(resources), options, progress)
        by_public: dict[str, list[ResourceRef]] = {}
        for url, refs in resources.items():
            by_public.setdefault(without_credentials(url), []).extend(refs)
        public = {result.url: result for result in reversed(checked)}  # the first of the dataset wins
        public = {url: public[url] for url in by_public}
        previous = history.states(list(public))
        at = now_iso()
        states = {url: next_state(previous.get(url), result, at, confirm_after) for url, result in public.items()}
        # Archived copies of the failing URLs (addresses without credentials), looked up within one per-URL deadline.
        failing = [result.url for result in public.values() if result.failing]
        snapshots = find_snapshots(failing, archive, options.deadline) if archive else {}
        rows = [LinkRow(public[url], states[url], tuple(by_public[url]), snapshots.get(url)) for url in public]
        elapsed = time.monotonic() - started
        stats = gather(rows, checked_at=checked_at, elapsed=elapsed, confirm_after=confirm_after, fail_on=fail_on)
        newly_broken = {ref.id for row in stats.sections["Newly broken"] for ref in row.resources}
        text = to_text(stats, curation_lines(paths.curation, newly_broken))
        files = report_files(stats) | {config.LINK_REPORT_TXT: text.encode("utf-8")}
        late: list[PipelineError] = []
        try:  # the history is committed first: an alarm it holds is announced, never twice
            publish(files, paths.out, locked=True, before_switch=lambda: history.commit_run(states, now_iso()))
        except PipelineError as error:
            if history.run_id is not None:  # not committed: nothing announced, no streak moves
                history.finish_run(now_iso(), RunOutcome.REPORTS_FAILED)
                raise
            late.append(error)
        archived = {url: {"url": snapshot.url, "date": snapshot.date} for url, snapshot in snapshots.items()}
        try:
            status = health_json(states, checked_at=checked_at, confirm_after=confirm_after, archived=archived)
            write_atomic(paths.status, status.encode("utf-8"))
        except PublishError as error:
            late.append(error)
        return LinkRun(stats, text, tuple(late))


@dataclass(frozen=True)
class LinkRun:
    """What a completed run found, and what failed after its history was committed (the alarm stands)."""

    stats: LinkStats
    text: str  # the plain-text mail
    late: tuple[PipelineError, ...] = ()


def curation_lines(path: Path, ids: set[str]) -> dict[str, str]:
    """For each resource id, where the mail tells the keeper to edit: the line of its curation record."""
    if not ids:  # a quiet night: the file is not read
        return {}
    from pipeline.curation import read_curation  # here: only a night with an alarm needs it (18 ms to import)

    try:
        records = {record.id: record.id_line for record in read_curation(path).records}
    except PipelineError as error:
        return dict.fromkeys(ids, f"{path} could not be read ({error.problem}); no line to point at")
    return {
        id_: f'{path}, line {records[id_]} (id = "{id_}")'
        if id_ in records
        else f"not curated: {path} has no record {id_!r}"
        for id_ in ids
    }


def check_all(history: LinkHistory, urls: list[str], options: Options, progress: bool) -> list[LinkResult]:
    """Check each URL, storing each check as it arrives; the results without credentials, in dataset order.

    Raises Interrupted on Ctrl-C and Offline if no server answered, and ends the run as such: no state moves."""
    bar = Progress(len(urls), shown=progress)
    results: dict[str, LinkResult] = {}  # by the URL as checked, without credentials

    def record(result: LinkResult) -> None:
        results[result.url] = clean = scrubbed(result)
        history.record(clean, now_iso())
        bar.update(result)

    try:
        checked = check_links(urls, options, on_result=record, in_flight=bar.in_flight, on_wait=bar.draw)
    except KeyboardInterrupt:
        history.finish_run(now_iso(), RunOutcome.INTERRUPTED)
        raise Interrupted(len(results), len(urls)) from None
    finally:
        bar.close()
    if network_down(checked, OFFLINE_MIN_HOSTS):
        history.finish_run(now_iso(), RunOutcome.OFFLINE)
        hosts = len({urlsplit(result.url).hostname for result in checked})  # hostname: never the credentials
        errors = ", ".join(sorted({result.error for result in checked if result.error}))
        raise Offline(
            f"offline: all {len(checked)} URLs on {hosts} hosts failed before any server answered ({errors}); "
            "no link status changed and the reports were not rewritten; check this machine's network"
        )
    return [results[result.url] for result in checked]
