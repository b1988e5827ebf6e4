"""`build` and `validate`: the dataset, the handbook and the web edition from the raw guide and curation."""

import argparse
import re
from pathlib import Path

from pipeline import config
from pipeline.cli.options import stage_printer
from pipeline.errors import EXIT_OK


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
