"""The `mentor-guide` command: a thin layer that parses options, calls the library, maps its errors to exit statuses."""

import argparse
import logging
import math
import re
import sys
import time
from pathlib import Path

from pipeline import config
from pipeline.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_LINKS_BROKEN,
    EXIT_OK,
    REPORT_BUGS,
    Interrupted,
    PipelineError,
)
from pipeline.linkcheck.status import Options
from pipeline.publish import LOCK_WAIT

log = logging.getLogger("mentor_guide")
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"  # a source checkout's, for --version only


def version_text() -> str:
    """The installed version; in a checkout that was never installed, the one its pyproject.toml declares."""
    import importlib.metadata  # here, not at the top: looking it up slows every start, and only --version needs it
    import tomllib

    try:
        return f"mentor-guide {importlib.metadata.version('mentor-guide')}"
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return "mentor-guide (version unknown: not installed)"
    return f"mentor-guide {declared} (not installed)"


class VersionAction(argparse.Action):
    """--version, with the version looked up only when asked for: reading package metadata slows every start."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, help: str | None = None):
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help or "show the version and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, namespace, values, option_string: str | None = None) -> None:
        print(version_text())
        parser.exit()


def add_input_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--raw", type=Path, default=config.RAW_GUIDE, metavar="FILE", help="the raw guide (default: %(default)s)")
    add("--curation", type=Path, default=config.CURATION, metavar="FILE", help="curation file (default: %(default)s)")
    add(
        "--processed",
        type=Path,
        default=config.PROCESSED_DIR,
        metavar="DIR",
        help="intermediate files (default: %(default)s)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="an entry without a curation record (or a record to update) is an error"
    )
    parser.add_argument(
        "--releases",
        type=Path,
        default=config.RELEASES_DIR,
        metavar="DIR",
        help="release history (default: %(default)s)",
    )
    add(
        "--link-status",
        type=Path,
        default=config.LINK_STATUS,
        metavar="FILE",
        help="latest link-check status, written by check-links (default: %(default)s)",
    )


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentor-guide",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Turn the Mentoring Resources guide into a dataset, a handbook and a link report.",
        epilog="Exit status: 0 success; 1 check-links found broken links (see --fail-on); "
        "2 wrong usage; 3 invalid input, nothing published; 4 check-links or find was offline or a service down; "
        "70 internal error; 75 busy (another run holds the lock); 130 interrupted.",
    )
    common = argparse.ArgumentParser(add_help=False)
    verbosity = common.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="say more")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("--version", action=VersionAction)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build_parser = commands.add_parser(
        "build", parents=[common], help="raw guide + curation → CSV, JSON, data package, handbook PDF"
    )
    add_input_options(build_parser)
    build_parser.add_argument(
        "--out", type=Path, default=config.OUTPUT_DIR, metavar="DIR", help="output folder (default: %(default)s)"
    )
    build_parser.add_argument(
        "--paper", choices=tuple(config.PAPER_SIZES), default=config.PAPER, help="handbook paper size"
    )
    build_parser.add_argument(
        "--omit-broken-links",
        action="store_true",
        help="leave links confirmed broken out of the handbook (default: mark them)",
    )
    build_parser.add_argument(
        "--wait",
        type=wait_seconds,
        default=LOCK_WAIT,
        metavar="SECONDS",
        help="how long to wait for another build into the same --out (default: %(default)s)",
    )
    build_parser.add_argument(
        "--site-url",
        type=site_url,
        metavar="URL",
        help="the public http(s) address where the web edition will be served: the data package's homepage, the "
        "JSON-LD url and identifier, the pages' canonical links and absolute download addresses (default: "
        "site_url in the [dataset] table; without either, every link stays relative)",
    )
    build_parser.set_defaults(run=run_build)

    validate_parser = commands.add_parser(
        "validate", parents=[common], help="check the inputs only; print every problem"
    )
    add_input_options(validate_parser)
    validate_parser.set_defaults(run=run_validate)
    add_check_links_parser(commands, common)
    add_find_parser(commands, common)
    return parser


def site_url(text: str) -> str:
    """--site-url: an http(s) address, as the [dataset] table's site_url."""
    from schemas.vocabulary import URL_PATTERN

    if not re.match(URL_PATTERN, text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) address, like https://guide.example.edu/")
    return text


def paths_from(args: argparse.Namespace):
    # The build's modules (pandas, pandera, WeasyPrint) are imported only by the commands that use them,
    # so check-links starts fast and lean.
    from pipeline.build import Paths

    return Paths(
        raw=args.raw,
        curation=args.curation,
        out=getattr(args, "out", config.OUTPUT_DIR),
        processed=args.processed,
        link_status=args.link_status,
        releases=args.releases,
    )


def stage_printer(args: argparse.Namespace):
    """On a terminal, one line per stage with the time so far; silent in cron, CI and pipes."""
    from pipeline.build import quiet

    if args.quiet or not sys.stderr.isatty():
        return quiet
    started = time.monotonic()

    def show(stage: str) -> None:
        print(f"{args.command}: {stage}… ({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)

    return show


def run_build(args: argparse.Namespace) -> int:
    from pipeline.build import build
    from pipeline.quality import format_quality

    prepared = build(
        paths_from(args),
        strict=args.strict,
        paper=args.paper,
        omit_broken=args.omit_broken_links,
        wait=args.wait,
        site_url=args.site_url,
        progress=stage_printer(args),
    )
    if not args.quiet:
        print(format_quality(prepared.quality))
        print(f"published to {args.out}")
        if prepared.new_release:
            version = prepared.curation.dataset.version
            print(f"new release {version} recorded in {args.releases / version}.json: commit it with the curation file")
    return EXIT_OK


def run_validate(args: argparse.Namespace) -> int:
    from pipeline.build import prepare
    from pipeline.quality import format_quality

    prepared = prepare(paths_from(args), strict=args.strict, progress=stage_printer(args))
    if not args.quiet:
        print(format_quality(prepared.quality))
        print("valid")
    return EXIT_OK


def wait_seconds(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, 0 or more, not {text}")
    return value


def positive(kind):
    def parse(text: str):
        value = kind(text)
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"must be a finite number more than 0, not {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its error message
    return parse


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


def add_find_parser(commands, common: argparse.ArgumentParser) -> None:
    from pipeline.find.services import BASES, SERVICES  # no HTTP client is imported by this

    parser = commands.add_parser(
        "find",
        parents=[common],
        help="ask open scholarly services for candidates for missing facts; write a review file, change nothing",
    )
    add = parser.add_argument
    add("--raw", type=Path, default=config.RAW_GUIDE, metavar="FILE", help="the raw guide (default: %(default)s)")
    add("--curation", type=Path, default=config.CURATION, metavar="FILE", help="curation file (default: %(default)s)")
    add("--review", type=Path, default=config.REVIEW_FILE, metavar="FILE", help="review file (default: %(default)s)")
    add("--cache", type=Path, default=config.FIND_CACHE, metavar="FILE", help="answers, kept a week (%(default)s)")
    add("--no-cache", action="store_true", help="ask the services again; keep no answers")
    add("--link-status", type=Path, default=config.LINK_STATUS, metavar="FILE", help="dead links from (%(default)s)")
    add("--contact", metavar="EMAIL", help="your e-mail address, sent to the services (default: the dataset's)")
    add(
        "--service",
        action="append",
        choices=SERVICES,
        metavar="NAME",
        help=f"ask only this service; repeat for more ({', '.join(SERVICES)}; default: all)",
    )
    for name in SERVICES:
        add(f"--{name}-url", default=BASES[name], metavar="URL", help=f"{name} API address (default: %(default)s)")
    add("--timeout", type=positive(float), default=10.0, metavar="SECONDS", help="per request (default: %(default)s)")
    add("--deadline", type=positive(float), default=900.0, metavar="SECONDS", help="whole run (default: %(default)s)")
    parser.set_defaults(run=run_find)


def run_find(args: argparse.Namespace) -> int:
    from pipeline.find.run import FindOptions, find
    from pipeline.find.services import SERVICES

    options = FindOptions(
        review=args.review,
        cache=None if args.no_cache else args.cache,
        contact=args.contact,
        services=tuple(args.service or SERVICES),
        bases={name: getattr(args, f"{name}_url") for name in SERVICES},
        timeout=args.timeout,
        deadline=args.deadline,
        link_status=args.link_status,
    )
    result = find(args.raw, args.curation, options, progress=progress_printer(args))
    if not args.quiet:
        counts = [(result.reviewed, "resource"), (result.candidates, "candidate"), (result.proposed, "snippet")]
        said = [f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts]
        print(f"{said[0]} asked about, {said[1]}, {said[2]} proposed; review them in {args.review}")
        if not result.complete:
            print(f"the deadline ({args.deadline:g} s) came first: run again for the rest (answers are cached)")
    return EXIT_OK


def progress_printer(args: argparse.Namespace):
    """On a terminal, one line per resource asked about with the time so far, as build's; silent in cron and pipes."""
    if args.quiet or not sys.stderr.isatty():
        return lambda line: None
    started = time.monotonic()
    return lambda line: print(f"find: {line}… ({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr, force=True)
    try:
        return args.run(args)
    except PipelineError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: say so plainly, with a status no scheduler mistakes for "broken links"
        log.debug("internal error", exc_info=True)
        print(
            f"internal error: {type(error).__name__}: {error}\n  {REPORT_BUGS} (-v shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def console() -> None:
    """The `mentor-guide` command."""
    sys.exit(main())
