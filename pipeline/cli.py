"""The `mentor-guide` command: a thin layer that parses options, calls the library and maps its errors to exit statuses."""

import argparse
import logging
import sys
from pathlib import Path

from pipeline import config
from pipeline.build import Paths, build, format_quality, prepare
from pipeline.errors import PipelineError

EXIT_OK, EXIT_LINKS_BROKEN, EXIT_USAGE, EXIT_INVALID = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
log = logging.getLogger("mentor_guide")


def add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", type=Path, default=config.RAW_GUIDE, help="the raw guide (default: %(default)s)")
    parser.add_argument("--curation", type=Path, default=config.CURATION, help="curation file (default: %(default)s)")
    parser.add_argument("--processed", type=Path, default=config.PROCESSED_DIR,
                        help="intermediate files (default: %(default)s)")  # fmt: skip
    parser.add_argument("--strict", action="store_true", help="an entry without a curation record is an error")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentor-guide",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Turn the Mentoring Resources guide into a dataset, a handbook and a link report.",
        epilog="Exit status: 0 success; 1 check-links found broken links (see --fail-on); "
        "2 wrong usage; 3 invalid input, nothing published.",
    )
    common = argparse.ArgumentParser(add_help=False)
    verbosity = common.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="say more")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build_parser = commands.add_parser("build", parents=[common], help="raw guide + curation → CSV, JSON, data package, handbook PDF")
    add_input_options(build_parser)
    build_parser.add_argument("--out", type=Path, default=config.OUTPUT_DIR, help="output folder (default: %(default)s)")
    build_parser.add_argument("--paper", choices=("letter", "a4"), default="letter", help="handbook paper size")
    build_parser.set_defaults(run=run_build)

    validate_parser = commands.add_parser("validate", parents=[common], help="check the inputs only; print every problem")
    add_input_options(validate_parser)
    validate_parser.set_defaults(run=run_validate)
    return parser


def paths_from(args: argparse.Namespace) -> Paths:
    return Paths(raw=args.raw, curation=args.curation, out=getattr(args, "out", config.OUTPUT_DIR),
                 processed=args.processed)  # fmt: skip


def run_build(args: argparse.Namespace) -> int:
    prepared = build(paths_from(args), strict=args.strict, paper=args.paper)
    if not args.quiet:
        print(format_quality(prepared.quality))
        print(f"published to {args.out}")
    return EXIT_OK


def run_validate(args: argparse.Namespace) -> int:
    prepared = prepare(paths_from(args), strict=args.strict)
    if not args.quiet:
        print(format_quality(prepared.quality))
        print("valid")
    return EXIT_OK


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
