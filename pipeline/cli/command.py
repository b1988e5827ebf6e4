"""The `mentor-guide` command: a thin layer that parses options, calls the library, maps its errors to exit statuses."""

import argparse
import logging
import sys
from pathlib import Path

from pipeline import config
from pipeline.cli.build import add_input_options, run_build, run_validate, site_url
from pipeline.cli.find import add_find_parser
from pipeline.cli.links import add_check_links_parser
from pipeline.cli.options import wait_seconds
from pipeline.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, REPORT_BUGS, PipelineError
from pipeline.publish import LOCK_WAIT

log = logging.getLogger("mentor_guide")
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"  # a source checkout's, for --version only


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
