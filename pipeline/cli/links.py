"""`check-links`: the nightly job's options, and its outcome as an exit status and the mail."""

import argparse
import sys
from pathlib import Path

from pipeline import config
from pipeline.cli.options import positive, wait_seconds
from pipeline.errors import EXIT_INTERRUPTED, EXIT_LINKS_BROKEN, EXIT_OK, Interrupted
from pipeline.linkcheck.status import Options


def add_check_links_parser(commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "check-links",
        parents=[common],
        help="the nightly job: check every URL once, record history, write output/link-report.{txt,md,json,html}",
    )
    add = parser.add_argument
    add(
        "--dataset",
        type=Path,
        default=config.DATASET_CSV,
        metavar="FILE",
        help="dataset to check (default: %(default)s)",
    )
    add(
        "--out",
        type=Path,
        default=config.OUTPUT_DIR,
        metavar="DIR",
        help="folder of the reports (default: %(default)s)",
    )
    add(
        "--history",
        type=Path,
        default=config.LINK_HISTORY,
        metavar="FILE",
        help="SQLite history of checks (default: %(default)s)",
    )
    add(
        "--status",
        type=Path,
        default=config.LINK_STATUS,
        metavar="FILE",
        help="latest status of each URL, read by build (default: %(default)s)",
    )
    add(
        "--concurrency",
        type=positive(int),
        default=Options.concurrency,
        metavar="N",
        help="requests in flight at most (default: %(default)s)",
    )
    add(
        "--per-host",
        type=positive(int),
        default=Options.per_host,
        metavar="N",
        help="requests in flight to one host at most (default: %(default)s)",
    )
    add(
        "--timeout",
        type=positive(float),
        default=Options.timeout,
        metavar="SECONDS",
        help="connect and read timeout, seconds (default: %(default)s)",
    )
    add(
        "--deadline",
        type=positive(float),
        default=None,
        metavar="SECONDS",
        help="total seconds one URL may take, retries included (default: 3 × timeout)",
    )
    add(
        "--retries",
        type=int,
        choices=range(0, 11),
        default=Options.retries,
        metavar="N",
        help="retries of timeouts, connection errors, 5xx, 408 and 429 (default: %(default)s)",
    )
    add(
        "--confirm-after",
        type=positive(int),
        default=config.CONFIRM_AFTER,
        metavar="K",
        help="failing runs in a row before a URL is newly broken (default: %(default)s)",
    )
    add(
        "--fail-on",
        choices=config.FAIL_ON_CHOICES,
        default=config.FAIL_ON,
        help="exit 1 when a URL is newly broken (new), failing at all (any), or never (default: %(default)s)",
    )
    add(
        "--allow-private-redirects",
        action="store_true",
        help="follow redirects from public sites into private, loopback or link-local addresses (intranet guides)",
    )
    add(
        "--archive-url",
        default=config.ARCHIVE_URL,
        metavar="URL",
        help="Internet Archive to ask for archived copies of failing links (default: %(default)s)",
    )
    add("--no-archive", action="store_true", help="do not look up archived copies of failing links")
    add(
        "--curation",
        type=Path,
        default=config.CURATION,
        metavar="FILE",
        help="curation file whose lines the mail points at (default: %(default)s)",
    )
    add(
        "--wait",
        type=wait_seconds,
        default=0.0,
        metavar="SECONDS",
        help="how long to wait for another run on the same history or --out (default: %(default)s)",
    )
    parser.set_defaults(run=run_check_links)


def run_check_links(args: argparse.Namespace) -> int:
    # Imported here: `build` and `validate` need no HTTP client, and this command no pandas while checking.
    from pipeline.linkcheck.archive import Archive
    from pipeline.linkcheck.report import alarm_line, summary_line
    from pipeline.linkcheck.run import CheckPaths, run_link_check
    from pipeline.linkcheck.streak import Verdict

    options = Options(
        concurrency=args.concurrency,
        per_host=args.per_host,
        timeout=args.timeout,
        deadline=args.deadline or 3 * args.timeout,
        retries=args.retries,
        allow_private_redirects=args.allow_private_redirects,
    )
    paths = CheckPaths(args.dataset, args.out, args.history, args.status, args.curation)
    try:
        run = run_link_check(
            paths,
            options,
            confirm_after=args.confirm_after,
            fail_on=args.fail_on,
            progress=not args.quiet,
            say=lambda line: print(line, file=sys.stderr),
            archive=None if args.no_archive else Archive(args.archive_url, timeout=args.timeout),
            wait=args.wait,
        )
    except Interrupted as stop:
        print(
            f"{stop}; the checks are kept in {args.history}, but no status changed and the reports were not rewritten",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if run.stats.verdicts[Verdict.NEW]:
        print(run.text, end="")  # the mail: what cron sends, and what a person acts on
    elif not args.quiet:
        print(summary_line(run.stats))
        print(alarm_line(run.stats))
        print(f"reports in {args.out}")
    for error in run.late:  # after the history was committed: the alarm stands, and is announced now
        print(f"error: {error.message}", file=sys.stderr)
    if run.stats.alarm:
        return EXIT_LINKS_BROKEN
    return run.late[0].exit_status if run.late else EXIT_OK
